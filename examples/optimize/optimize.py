"""A lineup optimiser served as a Kiln worker: processor ``optimize``, jobs without an input file.

    PYTHONPATH=clients/python KILN_URL=http://localhost:8080 KILN_TOKEN=kiln_… \\
        python3 examples/optimize/optimize.py [--name NAME] [--cache-dir DIR] [--cache-ttl SECONDS] [--grace SECONDS]

Each job simulates scenarios of the candidates' scores, then searches for the lineup that is best
by the chosen objective under the salary cap, the lineup size and the position counts, reporting
progress and the best lineup so far as it goes (see README.md)."""

import argparse
import logging
import math
import os
import random
import sys
import time

from kiln import JobError, KilnError, Worker
from kiln.uploads import cache_dir

import lineup
import scenario_cache
from lineup import Constraints, Infeasible, Spec, SpecError
from scenario_cache import ScenarioCache

log = logging.getLogger("optimize")

MAX_DRAWS = 20_000_000  # candidates × scenarios: 80 MB of float32 in memory and in the cache
ROUNDS = 20

_NUMBER = {"type": "number"}
SCHEMA = {
    "type": "object",
    "required": ["candidates", "salaryCap", "lineupSize"],
    "additionalProperties": False,
    "properties": {
        "candidates": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"$ref": "#/$defs/candidate"},
                       "description": "The players to choose from; ids are unique."},
        "salaryCap": {"type": "number", "exclusiveMinimum": 0,
                      "description": "The lineup's salaries add up to at most this."},
        "lineupSize": {"type": "integer", "minimum": 1, "maximum": 50, "description": "Players in the lineup."},
        "positions": {
            "type": "object", "maxProperties": 50, "propertyNames": {"minLength": 1, "maxLength": 32},
            "description": "Players per position: a number (exactly that many) or {min, max}. "
                           "Positions not named here are not limited.",
            "additionalProperties": {"anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 50},
                {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
                    "min": {"type": "integer", "minimum": 0, "maximum": 50},
                    "max": {"type": "integer", "minimum": 0, "maximum": 50}}},
            ]},
        },
        "scenarios": {"type": "integer", "minimum": 100, "maximum": 200000, "default": 10000,
                      "description": "Simulated scenarios; candidates × scenarios is at most 20 million."},
        "seed": {"type": "integer", "minimum": 0, "maximum": lineup.MAX_SEED,
                 "description": "Makes the run reproducible, and its scenarios reusable from the cache."},
        "objective": {"enum": list(lineup.OBJECTIVES), "default": "mean",
                      "description": "mean: expected total score; p10: the score beaten in 90% of scenarios "
                                     "(a safe lineup); p90: the score reached in the best 10% (upside)."},
    },
    "$defs": {
        "candidate": {
            "type": "object", "required": ["id", "salary", "projection"], "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": 100},
                "name": {"type": "string", "maxLength": 200},
                "position": {"type": "string", "minLength": 1, "maxLength": 32},
                "salary": {"type": "number", "minimum": 0},
                "projection": {"$ref": "#/$defs/projection"},
            },
        },
        "projection": {
            "type": "object",
            "description": "The score's distribution: {mean, sd} (normal), {distribution: lognormal, mean, sd} "
                           "(mean and sd of the score itself) or {distribution: triangular, low, mode, high}.",
            "properties": {"distribution": {"enum": ["normal", "lognormal", "triangular"], "default": "normal"}},
            "if": {"properties": {"distribution": {"const": "triangular"}}, "required": ["distribution"]},
            "then": {"required": ["low", "mode", "high"], "additionalProperties": False,
                     "properties": {"distribution": True, "low": _NUMBER, "mode": _NUMBER, "high": _NUMBER}},
            "else": {
                "required": ["mean", "sd"], "additionalProperties": False,
                "properties": {"distribution": True, "mean": _NUMBER, "sd": {"type": "number", "minimum": 0}},
                "if": {"properties": {"distribution": {"const": "lognormal"}}, "required": ["distribution"]},
                "then": {"properties": {"mean": {"type": "number", "exclusiveMinimum": 0}}},
            },
        },
    },
}

DESCRIPTION = ("Picks the lineup with the best simulated score (mean, p10 or p90) under a salary cap, "
               "a lineup size and position counts. No input file.")


class Meter:
    """Progress over the job's planned work, in units of about one simulated draw; the time left
    is extrapolated from the pace so far."""

    def __init__(self, job, total, clock=time.monotonic):
        self.job, self.total, self.clock = job, max(1.0, total), clock
        self.started = clock()
        self.done = 0.0

    def advance(self, units, stage):
        self.done += units
        fraction = min(1.0, self.done / self.total)
        eta = None
        if fraction >= 0.01:
            eta = round((self.clock() - self.started) * (1 - fraction) / fraction, 1)
        self.job.progress(fraction, stage=stage, eta_seconds=eta)


def work(spec, hit):
    """The job's planned work per stage, in units of about one simulated draw (rough measured
    costs): simulating or reading the cache, each search round with the summary of its best
    lineup, and the calibration."""
    n, s, k = len(spec.candidates), spec.scenarios, spec.size
    descent = lineup.plan("mean", n, k, s) * (k * k * n * 1.2 + 2000)  # kicks × what a descent costs
    if spec.objective == "mean":
        search = descent
    else:
        warm_up = ROUNDS // 4 * descent / 2
        search = warm_up / ROUNDS + lineup.plan(spec.objective, n, k, s, ROUNDS) * s * 0.5
    return {"scenarios": n * s * (0.02 if hit else 1.0), "round": search + s * (0.1 * k + 0.5),
            "calibration": n * s * 0.4}


def run(job, cache):
    """One ``optimize`` job: the processor function."""
    spec, constraints = _checked(job.params)
    began = time.monotonic()
    outcomes, hit, meter, units = _scenarios(job, spec, cache)
    simulated = time.monotonic()
    log.info("job %s: %d scenarios × %d candidates (%s) in %.2f s", job.id, spec.scenarios, len(outcomes),
             "cache hit" if hit else "simulated", simulated - began)

    search = lineup.optimise(spec, outcomes, on_round=_reporter(job, spec, outcomes, meter, units["round"]),
                             check=job.check, rounds=ROUNDS)
    wrong = constraints.violation(search.best)
    if wrong is not None:  # cannot happen unless the search is broken: never hand out a bad lineup
        raise RuntimeError("the search ended on a lineup that breaks the constraints: " + wrong)
    searched = time.monotonic()
    meter.advance(0, "calibrating")
    calibration = lineup.calibration(spec, outcomes, search.best, job.check)
    meter.advance(units["calibration"], "calibrating")
    return _result(spec, outcomes, search, hit, calibration, {
        "simulation": simulated - began, "search": searched - simulated, "calibration": time.monotonic() - searched})


def _checked(params):
    """The spec and its constraints, or the JobError that fails the job for good."""
    try:
        spec = Spec.from_params(params, seed=random.SystemRandom().randrange(lineup.MAX_SEED + 1))
        constraints = Constraints(spec)
        constraints.cheapest()
    except SpecError as e:
        raise JobError("invalid_params", str(e), retryable=False)
    except Infeasible as e:
        raise JobError("infeasible", "No lineup satisfies the constraints: %s." % e, retryable=False)
    n, s = len(spec.candidates), spec.scenarios
    if n * s > MAX_DRAWS:
        raise JobError("too_large", "%d candidates × %d scenarios is more than %d draws; ask for fewer scenarios."
                       % (n, s, MAX_DRAWS), retryable=False)
    return spec, constraints


def _scenarios(job, spec, cache):
    """The outcomes, from the cache or simulated (and then stored), with the job's progress meter
    started: (outcomes, cache hit?, meter, planned work)."""
    cache.clean()
    n = len(spec.candidates)
    # Without a seed of the client's, no later job can ask for these scenarios again: skip the cache.
    name = scenario_cache.key(spec.scenario_material()) if "seed" in job.params else None
    outcomes = cache.load(name, n, spec.scenarios) if name else None
    hit = outcomes is not None
    units = work(spec, hit)
    meter = Meter(job, units["scenarios"] + ROUNDS * units["round"] + units["calibration"])
    if hit:
        meter.advance(units["scenarios"], "scenarios from the cache")
        return outcomes, hit, meter, units
    done = [0]

    def batch(simulated):
        meter.advance((simulated - done[0]) * n, "simulating")
        done[0] = simulated

    outcomes = lineup.simulate(spec, batch)
    if name:
        cache.store(name, outcomes)
    return outcomes, hit, meter, units


def _reporter(job, spec, outcomes, meter, units):
    """After each search round: the best lineup so far as a partial result, and progress."""
    reported = {}

    def round_done(number, search):
        best = tuple(search.best)
        if reported.get("lineup") != best:
            reported.update(lineup=best, stats=lineup.summary(outcomes, search.means, best))
        job.emit(dict(batch=number, scenarios=spec.scenarios, lineup=_ids(spec, best),
                      salary=_salary(spec, best), objective=spec.objective, score=_round(search.best_score),
                      **{k: _round(reported["stats"][k]) for k in ("expected", "p10", "p90")}))
        meter.advance(units, "searching")

    return round_done


def _result(spec, outcomes, search, hit, calibration, seconds):
    best = search.best
    players = [spec.candidates[i] for i in sorted(best, key=lambda i: spec.candidates[i].order)]
    result = {
        "objective": spec.objective,
        "score": _round(search.best_score),
        "lineup": _ids(spec, best),
        "players": [{"id": c.id, "name": c.name, "position": c.position, "salary": _money(c.salary),
                     "mean": _round(search.means[spec.candidates.index(c)])} for c in players],
        "salary": _salary(spec, best),
        "salaryCap": _money(spec.salary_cap),
    }
    result.update((k, _round(v)) for k, v in lineup.summary(outcomes, search.means, best).items())
    result.update({
        "declaredExpected": _round(math.fsum(spec.candidates[i].dist.mean for i in best)),
        "rejectionRate": _round(search.rejection_rate),
        "proposals": search.proposals,
        "rejections": search.rejections,
        "calibration": _rounded(calibration),
        "scenarios": spec.scenarios,
        "seed": spec.seed,
        "cache": "hit" if hit else "miss",
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    })
    return result


def _ids(spec, best):
    return [spec.candidates[i].id for i in sorted(best, key=lambda i: spec.candidates[i].order)]


def _salary(spec, best):
    return _money(_round(math.fsum(spec.candidates[i].salary for i in best)))


def _money(x):
    """Salaries as given: 5000, not 5000.0."""
    return int(x) if float(x).is_integer() else x


def _round(x):
    return round(x, 4)


def _rounded(value):
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serves the lineup optimiser (processor 'optimize') to Kiln; KILN_URL "
                                                 "and KILN_TOKEN (a worker's token) come from the environment.")
    parser.add_argument("--name", help="this worker's instance name (default: host/pid)")
    parser.add_argument("--cache-dir", default=os.path.join(cache_dir(), "optimize"),
                        help="where simulated scenarios are kept (default: $KILN_CACHE/optimize)")
    parser.add_argument("--cache-ttl", type=float, default=3600.0,
                        help="seconds a cache entry stays usable (default 3600; 0 turns the cache off)")
    parser.add_argument("--grace", type=float, default=30.0,
                        help="on SIGTERM, seconds a running job may take to finish before it is released "
                             "(default 30)")
    args = parser.parse_args(argv)
    url, token = os.environ.get("KILN_URL"), os.environ.get("KILN_TOKEN")
    if not url or not token:
        parser.error("set KILN_URL and KILN_TOKEN (a worker's token)")
    if args.cache_ttl < 0 or args.grace < 0:
        parser.error("--cache-ttl and --grace are 0 or more seconds")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cache = ScenarioCache(args.cache_dir, args.cache_ttl)
    worker = Worker(url, token, name=args.name, grace=args.grace)
    worker.processor("optimize", accepts=["none"], params=SCHEMA, description=DESCRIPTION,
                     max_attempts=2, timeout_seconds=1800)(lambda job: run(job, cache))
    try:
        worker.run()
    except KilnError as e:  # a bad token, a member's token: said plainly, exit 1, no traceback
        hint = {401: "; KILN_TOKEN is not a valid token (unknown, expired or revoked)",
                403: "; KILN_TOKEN must be a worker's token (an admin makes a user with role worker)"}.get(e.status, "")
        sys.exit("optimize: Kiln refused this worker: %s [%s %s]%s" % (e.detail, e.status, e.code, hint))


if __name__ == "__main__":
    main()
