"""The pure parts of the lineup optimiser, without Kiln: the spec (candidates and the distribution of
each one's score), scenario simulation, the constraints (salary cap, lineup size, position counts),
the search, lineup statistics and the calibration check."""

import array
import bisect
import math
import random
from statistics import NormalDist

BATCH = 1000  # scenarios simulated per batch; part of the cache key, since it fixes the draw order
OBJECTIVES = ("mean", "p10", "p90")
QUANTILE = {"p10": 0.1, "p90": 0.9}
MAX_SEED = 2 ** 53 - 1  # seeds stay exact in JavaScript clients


class SpecError(ValueError):
    """Params that pass the JSON Schema but still make no sense (a repeated id, low > high, ...)."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


class Infeasible(ValueError):
    """No lineup satisfies the constraints; the message says which one is impossible."""


# --- distributions -------------------------------------------------------------------------------

class Normal:
    name = "normal"

    def __init__(self, mean, sd):
        self.mean, self.sd = float(mean), float(sd)

    def draw(self, rng, n):
        gauss, mean, sd = rng.gauss, self.mean, self.sd
        return [gauss(mean, sd) for _ in range(n)]

    def quantile(self, p):
        return NormalDist(self.mean, self.sd).inv_cdf(p) if self.sd > 0 else self.mean

    def canonical(self):
        return {"distribution": self.name, "mean": self.mean, "sd": self.sd}


class LogNormal:
    """Declared by the mean and sd of the score itself (not of its logarithm), which is how
    projections are usually given; the log-space parameters follow from them."""
    name = "lognormal"

    def __init__(self, mean, sd):
        self.mean, self.sd = float(mean), float(sd)
        self.sigma = math.sqrt(math.log1p((self.sd / self.mean) ** 2))
        self.mu = math.log(self.mean) - self.sigma ** 2 / 2

    def draw(self, rng, n):
        lognormal, mu, sigma = rng.lognormvariate, self.mu, self.sigma
        return [lognormal(mu, sigma) for _ in range(n)]

    def quantile(self, p):
        return math.exp(NormalDist(self.mu, self.sigma).inv_cdf(p)) if self.sigma > 0 else self.mean

    def canonical(self):
        return {"distribution": self.name, "mean": self.mean, "sd": self.sd}


class Triangular:
    name = "triangular"

    def __init__(self, low, mode, high):
        self.low, self.mode, self.high = float(low), float(mode), float(high)
        self.mean = (self.low + self.mode + self.high) / 3
        a, c, b = self.low, self.mode, self.high
        self.sd = math.sqrt(max(0.0, (a * a + b * b + c * c - a * b - a * c - b * c) / 18))

    def draw(self, rng, n):
        triangular, low, high, mode = rng.triangular, self.low, self.high, self.mode
        return [triangular(low, high, mode) for _ in range(n)]

    def quantile(self, p):
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return a
        if p < (c - a) / (b - a):
            return a + math.sqrt(p * (b - a) * (c - a))
        return b - math.sqrt((1 - p) * (b - a) * (b - c))

    def canonical(self):
        return {"distribution": self.name, "low": self.low, "mode": self.mode, "high": self.high}


def distribution(projection, field):
    kind = projection.get("distribution", "normal")
    if kind in ("normal", "lognormal"):
        mean, sd = _number(projection, "mean", field), _number(projection, "sd", field)
        if sd < 0:
            raise SpecError(field + ".sd", "must be at least 0")
        if kind == "normal":
            return Normal(mean, sd)
        if mean <= 0:
            raise SpecError(field + ".mean", "a lognormal score has a mean above 0")
        return LogNormal(mean, sd)
    if kind == "triangular":
        low, mode, high = (_number(projection, k, field) for k in ("low", "mode", "high"))
        if not low <= mode <= high:
            raise SpecError(field, "needs low <= mode <= high")
        return Triangular(low, mode, high)
    raise SpecError(field + ".distribution", "must be normal, lognormal or triangular")


def _number(obj, key, field):
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError("%s.%s" % (field, key), "must be a number")
    return float(value)


# --- the spec -------------------------------------------------------------------------------------

class Candidate:
    __slots__ = ("id", "name", "position", "salary", "dist", "order")

    def __init__(self, id, name, position, salary, dist, order):
        self.id, self.name, self.position, self.salary, self.dist, self.order = id, name, position, salary, dist, order


class Spec:
    """What one job asks for. Candidates are kept sorted by id, so the scenarios (drawn in that
    order) and the cache key do not depend on the order the client listed them in."""

    def __init__(self, candidates, salary_cap, size, positions, scenarios, seed, objective):
        self.candidates = sorted(candidates, key=lambda c: c.id)
        self.salary_cap = float(salary_cap)
        self.size = int(size)
        self.positions = positions  # position -> (min, max)
        self.scenarios = int(scenarios)
        self.seed = seed
        self.objective = objective

    @classmethod
    def from_params(cls, params, seed=None):
        """``seed`` is used when the params carry none."""
        candidates, seen = [], set()
        for i, c in enumerate(params.get("candidates") or []):
            field = "params.candidates[%d]" % i
            if c["id"] in seen:
                raise SpecError(field + ".id", "%r is listed twice" % c["id"])
            seen.add(c["id"])
            salary = _number(c, "salary", field)
            if salary < 0:
                raise SpecError(field + ".salary", "must be at least 0")
            candidates.append(Candidate(c["id"], c.get("name", c["id"]), c.get("position"), salary,
                                        distribution(c.get("projection") or {}, field + ".projection"), i))
        if not candidates:
            raise SpecError("params.candidates", "lists no candidate")
        positions = {}
        for position, rule in sorted((params.get("positions") or {}).items()):
            if isinstance(rule, int):
                low = high = rule
            else:
                low, high = rule.get("min", 0), rule.get("max", params["lineupSize"])
            if low > high:
                raise SpecError("params.positions.%s" % position, "min is above max")
            positions[position] = (low, high)
        objective = params.get("objective", "mean")
        if objective not in OBJECTIVES:
            raise SpecError("params.objective", "must be one of %s" % ", ".join(OBJECTIVES))
        return cls(candidates, params["salaryCap"], params["lineupSize"], positions,
                   params.get("scenarios", 10000), params.get("seed", seed), objective)

    def scenario_material(self):
        """Everything the simulated scenarios depend on, and nothing else (salaries and constraints
        do not change them, so a job that only moves the cap reuses them)."""
        return {"format": 1, "batch": BATCH, "scenarios": self.scenarios, "seed": self.seed,
                "candidates": [[c.id, c.dist.canonical()] for c in self.candidates]}


# --- simulation -----------------------------------------------------------------------------------

def simulate(spec, on_batch=None):
    """Draws ``spec.scenarios`` outcomes per candidate (independent draws), ``BATCH`` scenarios at a
    time, from one ``random.Random(seed)``: the same spec gives the same numbers. Outcomes are kept
    as float32 (``array('f')``), 4 bytes each, identical whether simulated now or read from the
    cache. ``on_batch(done)`` runs after each batch (and may raise to stop)."""
    rng = random.Random(spec.seed)
    outcomes = [array.array("f") for _ in spec.candidates]
    done = 0
    while done < spec.scenarios:
        n = min(BATCH, spec.scenarios - done)
        for candidate, out in zip(spec.candidates, outcomes):
            out.extend(candidate.dist.draw(rng, n))
        done += n
        if on_batch is not None:
            on_batch(done)
    return outcomes


# --- constraints ----------------------------------------------------------------------------------

class Constraints:
    """Salary cap, lineup size and position counts. Each constrained position is a group with a
    (min, max) count; candidates of any other position (or none) share one free group."""

    def __init__(self, spec):
        self.cap = spec.salary_cap
        self.tolerance = 1e-9 * max(1.0, abs(spec.salary_cap))
        self.size = spec.size
        names = sorted(spec.positions)
        self.names = [None] + names
        self.low = [0] + [spec.positions[p][0] for p in names]
        self.high = [spec.size] + [spec.positions[p][1] for p in names]
        group_of = {p: g + 1 for g, p in enumerate(names)}
        self.group = [group_of.get(c.position, 0) for c in spec.candidates]
        self.salary = [c.salary for c in spec.candidates]

    def counts(self, lineup):
        counts = [0] * len(self.names)
        for i in lineup:
            counts[self.group[i]] += 1
        return counts

    def violation(self, lineup):
        """None when ``lineup`` (candidate indexes) is allowed, else why not."""
        if len(set(lineup)) != len(lineup):
            return "a candidate is in it twice"
        if len(lineup) != self.size:
            return "it has %d players, not %d" % (len(lineup), self.size)
        salary = math.fsum(self.salary[i] for i in lineup)
        if salary > self.cap + self.tolerance:
            return "its salary %s is over the cap %s" % (_figure(salary), _figure(self.cap))
        for g, count in enumerate(self.counts(lineup)):
            if g and not self.low[g] <= count <= self.high[g]:
                return "it has %d %s, outside %d..%d" % (count, self.names[g], self.low[g], self.high[g])
        return None

    def cheapest(self):
        """The cheapest lineup that meets the size and position counts, or Infeasible saying why
        none exists. Taking each group's minimum from its cheapest players, then the cheapest of
        what may still be added, is optimal: within a group the cheapest players come first, and
        the groups' costs only add up."""
        members = [[] for _ in self.names]
        for i in sorted(range(len(self.group)), key=lambda i: (self.salary[i], i)):
            members[self.group[i]].append(i)
        for g in range(1, len(self.names)):
            if len(members[g]) < self.low[g]:
                have = "1 candidate has" if len(members[g]) == 1 else "%d candidates have" % len(members[g])
                raise Infeasible("positions.%s asks for at least %d, but only %s position %s" % (
                    self.names[g], self.low[g], have, self.names[g]))
        if sum(self.low) > self.size:
            raise Infeasible("the positions ask for at least %d players, more than lineupSize %d" % (
                sum(self.low), self.size))
        room = sum(min(self.high[g], len(members[g])) for g in range(len(self.names)))
        if room < self.size:
            raise Infeasible("only %d of the %d candidates fit the position limits together; lineupSize is %d" % (
                room, len(self.group), self.size))
        lineup = [i for g, m in enumerate(members) for i in m[:self.low[g]]]
        extra = sorted((i for g, m in enumerate(members) for i in m[self.low[g]:self.high[g]]),
                       key=lambda i: (self.salary[i], i))
        lineup += extra[:self.size - len(lineup)]
        salary = math.fsum(self.salary[i] for i in lineup)
        if salary > self.cap + self.tolerance:
            raise Infeasible("the cheapest lineup that meets the size and positions costs %s, over salaryCap %s" % (
                _figure(salary), _figure(self.cap)))
        return sorted(lineup)


def _figure(x):
    return ("%.2f" % x).rstrip("0").rstrip(".")


# --- lineup statistics ----------------------------------------------------------------------------

def totals(outcomes, lineup):
    """The lineup's total score in each scenario (summed in index order, so always the same)."""
    columns = [outcomes[i] for i in sorted(lineup)]
    return [sum(values) for values in zip(*columns)]


def quantile(ordered, q):
    """Linear interpolation between the order statistics of a sorted list."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(outcomes, means, lineup):
    """Expected score (the sum of the players' simulated means, exactly the search's figure), sd
    and percentiles of the lineup's total over the scenarios."""
    ordered = sorted(totals(outcomes, lineup))
    expected = math.fsum(means[i] for i in sorted(lineup))
    variance = math.fsum((t - expected) ** 2 for t in ordered) / max(1, len(ordered) - 1)
    return {"expected": expected, "sd": math.sqrt(variance), "p10": quantile(ordered, 0.1),
            "p50": quantile(ordered, 0.5), "p90": quantile(ordered, 0.9)}


# --- search ---------------------------------------------------------------------------------------

class MeanScore:
    """The expected score is linear: a swap changes it by differences of means, O(1)."""

    def __init__(self, means):
        self.means = means

    def reset(self, lineup):
        return math.fsum(self.means[i] for i in sorted(lineup))

    exact = reset

    def propose(self, current, outs, ins):
        means = self.means
        return current - sum(means[i] for i in outs) + sum(means[i] for i in ins)

    def accept(self):
        pass


class QuantileScore:
    """A percentile of the lineup's total: a swap updates the per-scenario totals and sorts them,
    O(S log S), hence a smaller move budget than for the mean."""

    def __init__(self, outcomes, q):
        self.outcomes, self.q = outcomes, q
        self.current = self.pending = None

    def reset(self, lineup):
        self.current = totals(self.outcomes, lineup)
        return quantile(sorted(self.current), self.q)

    def exact(self, lineup):
        return quantile(sorted(totals(self.outcomes, lineup)), self.q)

    def propose(self, current, outs, ins):
        o = self.outcomes
        if len(outs) == 1:
            pending = [t - a + b for t, a, b in zip(self.current, o[outs[0]], o[ins[0]])]
        else:
            pending = [t - a - c + b + d
                       for t, a, c, b, d in zip(self.current, o[outs[0]], o[outs[1]], o[ins[0]], o[ins[1]])]
        self.pending = pending
        return quantile(sorted(pending), self.q)

    def accept(self):
        self.current = self.pending


class Search:
    """The search over feasible lineups (see ``optimise``). A move swaps one or two players of the
    lineup for as many others; pairs let an expensive player in while a cheaper one makes room
    under the cap. Every lineup a random move proposes is counted, and those the cap or the
    positions refuse are rejections."""

    def __init__(self, constraints, outcomes, rng, check=None):
        self.c = constraints
        self.check = check or (lambda: None)  # raises to stop the search (a cancel)
        self.outcomes = outcomes
        self.n = len(outcomes)
        self.means = [math.fsum(o) / len(o) for o in outcomes]
        self.rng = rng
        self.proposals = 0
        self.rejections = 0
        self.best = None
        self.best_score = -math.inf
        self.scorer = None

    # -- the current lineup and its moves --
    def _begin(self, lineup, scorer):
        self.inside = sorted(lineup)
        members = set(lineup)
        self.outside = [i for i in range(self.n) if i not in members]
        self.counts = self.c.counts(lineup)
        self.salary = math.fsum(self.c.salary[i] for i in lineup)
        self.scorer = scorer
        self.current = scorer.reset(self.inside)

    def _random_move(self):
        """Slots (a, b): inside[a] goes out, outside[b] comes in; two of each half of the time."""
        rng, k, m = self.rng, len(self.inside), len(self.outside)
        a, b = rng.randrange(k), rng.randrange(m)
        if k >= 2 and m >= 2 and rng.random() < 0.5:
            a2, b2 = rng.randrange(k - 1), rng.randrange(m - 1)
            return (a, a2 + (a2 >= a)), (b, b2 + (b2 >= b))
        return (a,), (b,)

    def _players(self, move):
        return [self.inside[a] for a in move[0]], [self.outside[b] for b in move[1]]

    def _fits(self, outs, ins):
        """Whether the proposed lineup is allowed; counted, and a refusal counted as a rejection."""
        c = self.c
        salary = self.salary - sum(c.salary[i] for i in outs) + sum(c.salary[i] for i in ins)
        ok = salary <= c.cap + c.tolerance and self._groups_allow(outs, [c.group[i] for i in ins])
        self.proposals += 1
        self.rejections += not ok
        return ok

    def _groups_allow(self, outs, groups_in):
        c, change = self.c, {}
        for i in outs:
            change[c.group[i]] = change.get(c.group[i], 0) - 1
        for g in groups_in:
            change[g] = change.get(g, 0) + 1
        return all(c.low[g] <= self.counts[g] + d <= c.high[g] for g, d in change.items() if d)

    def _apply(self, move, new):
        c = self.c
        self.scorer.accept()
        self.current = new
        for a, b in zip(*move):
            out, into = self.inside[a], self.outside[b]
            self.inside[a], self.outside[b] = into, out
            self.salary += c.salary[into] - c.salary[out]
            self.counts[c.group[out]] -= 1
            self.counts[c.group[into]] += 1

    def _consider(self):
        """Keeps the current lineup if it beats the best, judged by the exact score (the running
        one drifts by rounding), so the best's score never goes down."""
        score = self.scorer.exact(self.inside)
        if score > self.best_score:
            self.best, self.best_score = sorted(self.inside), score

    # -- local search --
    def greedy(self, scorer):
        """The cheapest feasible lineup, improved by the best swap while one helps."""
        self._begin(self.c.cheapest(), scorer)
        self.best, self.best_score = None, -math.inf
        self.descend()

    def use(self, scorer):
        """Goes on with another objective, from the best lineup so far."""
        self._begin(self.best, scorer)
        self.best_score = scorer.exact(self.best)

    def descend(self):
        """Best-improvement swaps by mean from the current lineup until none helps: single swaps,
        then pairs, so it ends on a local optimum of both."""
        while True:
            tables, by_mean = self._outside_tables()
            move = self._best_single(tables, by_mean) or self._best_pair(tables, by_mean)
            if move is None:
                self._consider()
                return
            self._apply(move, self.scorer.propose(self.current, *self._players(move)))

    def _gain(self):
        return 1e-12 * max(1.0, abs(self.current))

    def _outside_tables(self):
        """The players outside, per group sorted by salary, with the best and second-best mean up
        to each place (the second for when the best is already taken); and all of them by mean."""
        c, means, outside = self.c, self.means, self.outside
        tables = {}
        for b in sorted(range(len(outside)), key=lambda b: (c.salary[outside[b]], b)):
            salaries, leaders = tables.setdefault(c.group[outside[b]], ([], []))
            first, second = leaders[-1] if leaders else (None, None)
            if first is None or means[outside[b]] > means[outside[first]]:
                first, second = b, first
            elif second is None or means[outside[b]] > means[outside[second]]:
                second = b
            salaries.append(c.salary[outside[b]])
            leaders.append((first, second))
        return tables, sorted(range(len(outside)), key=lambda b: (-means[outside[b]], b))

    def _best_single(self, tables, by_mean):
        """For each player going out, the first affordable player of an allowed group in order of
        mean is the best replacement."""
        c, means, outside = self.c, self.means, self.outside
        choice, best_gain = None, self._gain()
        for a, o in enumerate(self.inside):
            budget = c.cap + c.tolerance - (self.salary - c.salary[o])
            allowed = {g for g in tables if self._groups_allow((o,), (g,))}
            for b in by_mean:
                i = outside[b]
                if means[i] - means[o] <= best_gain:
                    break
                if c.salary[i] <= budget and c.group[i] in allowed:
                    choice, best_gain = ((a,), (b,)), means[i] - means[o]
                    break
        return choice

    def _best_pair(self, tables, by_mean):
        """The best swap of two players for two others by mean, without trying every pair: for
        each pair going out, each player coming in (by mean, while one still could help) and each
        allowed group, the best second player that the remaining salary affords is a look-up."""
        c, means, inside, outside = self.c, self.means, self.inside, self.outside
        if len(inside) < 2 or len(outside) < 2:
            return None
        top = means[outside[by_mean[0]]]
        choice, best_gain = None, self._gain()
        for a1 in range(len(inside)):
            for a2 in range(a1 + 1, len(inside)):
                o1, o2 = inside[a1], inside[a2]
                budget = c.cap + c.tolerance - (self.salary - c.salary[o1] - c.salary[o2])
                loss = means[o1] + means[o2]
                partners = {g1: [tables[g2] for g2 in tables if self._groups_allow((o1, o2), (g1, g2))]
                            for g1 in tables}
                for b1 in by_mean:
                    i1 = outside[b1]
                    if means[i1] + top - loss <= best_gain:
                        break  # no later first player can do better
                    rest = budget - c.salary[i1]
                    if rest < 0:
                        continue
                    for salaries, leaders in partners[c.group[i1]]:
                        place = bisect.bisect_right(salaries, rest) - 1
                        if place < 0:
                            continue
                        first, second = leaders[place]
                        b2 = second if first == b1 else first
                        if b2 is not None and means[i1] + means[outside[b2]] - loss > best_gain:
                            best_gain = means[i1] + means[outside[b2]] - loss
                            choice = ((a1, a2), (b1, b2))
        return choice

    def kick(self, moves):
        """From the best lineup, ``moves`` random feasible moves, whatever they do to the score."""
        self._begin(self.best, self.scorer)
        done = 0
        for _ in range(50 * moves):
            if done == moves or not self.outside:
                return
            move = self._random_move()
            outs, ins = self._players(move)
            if self._fits(outs, ins):
                self._apply(move, self.scorer.propose(self.current, outs, ins))
                done += 1

    # -- annealing --
    def temperature(self, samples):
        """A starting temperature: the mean size of a feasible move's change from the best."""
        self._begin(self.best, self.scorer)
        changes = []
        for _ in range(samples * 20):
            if len(changes) >= samples or not self.outside:
                break
            outs, ins = self._players(self._random_move())
            if self._fits(outs, ins):
                changes.append(abs(self.scorer.propose(self.current, outs, ins) - self.current))
        return max(math.fsum(changes) / len(changes), 1e-9) if changes else 1e-9

    def anneal(self, moves, t_start, t_end, restart):
        """``moves`` evaluated (feasible) moves at temperatures falling geometrically from t_start to
        t_end; proposals are bounded too, so mostly infeasible moves cannot spin for ever."""
        if restart:
            self._begin(self.best, self.scorer)
        if not self.outside:
            return
        rng, scorer = self.rng, self.scorer
        cooling = (t_end / t_start) ** (1.0 / max(1, moves))
        temperature, evaluated, proposed = t_start, 0, 0
        while evaluated < moves and proposed < 50 * moves:
            proposed += 1
            move = self._random_move()
            outs, ins = self._players(move)
            if not self._fits(outs, ins):
                continue
            evaluated += 1
            self.check()
            new = scorer.propose(self.current, outs, ins)
            change = new - self.current
            if change >= 0 or rng.random() < math.exp(change / temperature):
                self._apply(move, new)
                if new > self.best_score:
                    self._consider()
            temperature *= cooling

    @property
    def rejection_rate(self):
        return self.rejections / self.proposals if self.proposals else 0.0


def optimise(spec, outcomes, on_round=None, check=None, rounds=20):
    """Finds the best lineup for ``spec.objective`` on the simulated outcomes, in ``rounds``
    rounds, calling ``on_round(round, search)`` after each; ``search.best`` never gets worse.

    The start is the cheapest feasible lineup, improved swap by swap. For the mean, which is
    linear (a move's effect is a difference of means), the search is iterated local search: each
    round kicks the best lineup with a few random moves and descends again through the best
    single and pair swaps. For a percentile, whose every evaluation sums and sorts the scenarios,
    a warm-up finds a good lineup by mean first, then
    simulated annealing in cycles (each restarting from the best with the temperature raised
    again) searches by the percentile itself."""
    n = len(outcomes)
    search = Search(Constraints(spec), outcomes, random.Random("search:%s" % spec.seed), check)
    search.greedy(MeanScore(search.means))
    if spec.objective == "mean":
        _local_search(search, rounds, plan("mean", n, spec.size, spec.scenarios), on_round)
        return search
    _local_search(search, rounds // 4, plan("mean", n, spec.size, spec.scenarios) // 2, None)
    search.use(QuantileScore(outcomes, QUANTILE[spec.objective]))
    _anneal(search, plan(spec.objective, n, spec.size, spec.scenarios, rounds), rounds, 4, on_round)
    return search


def plan(objective, candidates, size, scenarios, rounds=20):
    """Work per round: for the mean, kicks and descents (a descent costs about lineupSize² ×
    candidates, so fewer for many candidates); for a percentile, evaluated annealing moves, twice
    the single swaps there are but at most about 3e7 scenario-sums in all (a move sums and sorts
    the scenarios)."""
    if objective == "mean":
        return max(2, min(12, 3000 // candidates))
    return int(max(10, min(2 * size * (candidates - size), 3e7 / (rounds * scenarios))))


def _local_search(search, rounds, kicks, on_round):
    for r in range(rounds):
        for _ in range(kicks):
            search.check()
            search.kick(2)
            search.descend()
        if on_round is not None:
            on_round(r + 1, search)


def _anneal(search, moves, rounds, cycles, on_round):
    per_cycle = max(1, rounds // cycles)
    t_start = search.temperature(min(200, moves))
    span = 1e-3 ** (1.0 / per_cycle)  # each cycle cools by a factor of 1000
    for r in range(rounds):
        step = r % per_cycle
        search.anneal(moves, t_start * span ** step, t_start * span ** (step + 1), restart=(step == 0))
        if on_round is not None:
            on_round(r + 1, search)


def brute_force(spec, outcomes):
    """Every feasible lineup, best by the objective: for tests on small cases."""
    import itertools
    constraints = Constraints(spec)
    means = [math.fsum(o) / len(o) for o in outcomes]
    score = MeanScore(means) if spec.objective == "mean" else QuantileScore(outcomes, QUANTILE[spec.objective])
    best, best_score = None, -math.inf
    for lineup in itertools.combinations(range(len(outcomes)), spec.size):
        if constraints.violation(lineup) is None:
            s = score.exact(lineup)
            if s > best_score:
                best, best_score = list(lineup), s
    return best, best_score


# --- calibration ----------------------------------------------------------------------------------

def calibration(spec, outcomes, lineup, check=None):
    """How well the scenarios match what was declared: per candidate the simulated mean and sd
    against the declared ones, and how many draws fall in the declared central 80% interval
    (10th to 90th percentile; about 0.80 when the sampler is right). Details for the lineup's
    players, the worst figures over all candidates."""
    rows = []
    for i, (candidate, values) in enumerate(zip(spec.candidates, outcomes)):
        if check is not None:
            check()
        n = len(values)
        mean = math.fsum(values) / n
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / max(1, n - 1))
        dist = candidate.dist
        coverage = None
        if dist.sd > 0:
            low, high = dist.quantile(0.1), dist.quantile(0.9)
            coverage = sum(1 for v in values if low <= v <= high) / n
        rows.append({"id": candidate.id, "declaredMean": dist.mean, "declaredSd": dist.sd,
                     "simulatedMean": mean, "simulatedSd": sd, "coverage80": coverage,
                     "standardError": dist.sd / math.sqrt(n), "index": i})
    coverages = [r["coverage80"] for r in rows if r["coverage80"] is not None]
    worst = max(rows, key=lambda r: abs(r["simulatedMean"] - r["declaredMean"]))
    in_lineup = set(lineup)
    return {
        "candidates": len(rows),
        "maxAbsMeanError": abs(worst["simulatedMean"] - worst["declaredMean"]),
        "maxAbsMeanErrorId": worst["id"],
        "maxMeanErrorInStandardErrors": max(
            (abs(r["simulatedMean"] - r["declaredMean"]) / r["standardError"] for r in rows if r["standardError"] > 0),
            default=0.0),
        "maxAbsSdError": max(abs(r["simulatedSd"] - r["declaredSd"]) for r in rows),
        "coverage80": {"nominal": 0.8, "min": min(coverages), "mean": math.fsum(coverages) / len(coverages),
                       "max": max(coverages)} if coverages else None,
        "lineup": [{k: v for k, v in r.items() if k not in ("index", "standardError")}
                   for r in rows if r["index"] in in_lineup],
    }
