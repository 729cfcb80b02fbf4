"""Unit tests of the lineup optimiser: python3 -m unittest discover -s examples/optimize
(``./mvnw verify`` runs them: OptimizeExampleUnitTest)."""

import array
import itertools
import json
import math
import os
import random
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from kiln import Cancelled, JobError, KilnError  # noqa: E402

import lineup  # noqa: E402
import optimize  # noqa: E402
import scenario_cache  # noqa: E402
from lineup import Constraints, Infeasible, Spec, SpecError  # noqa: E402
from scenario_cache import ScenarioCache  # noqa: E402


def player(id, salary, mean=None, sd=3.0, position=None, projection=None):
    p = {"id": id, "salary": salary, "projection": projection or {"mean": mean, "sd": sd}}
    if position is not None:
        p["position"] = position
    return p


def random_params(rng, n=12, objective="mean", seed=1, scenarios=400):
    candidates = []
    for i in range(n):
        kind = rng.choice(["normal", "lognormal", "triangular"])
        mean = rng.uniform(5, 30)
        projection = ({"mean": mean, "sd": rng.uniform(0, 8)} if kind == "normal" else
                      {"distribution": "lognormal", "mean": mean, "sd": rng.uniform(1, 15)} if kind == "lognormal" else
                      {"distribution": "triangular", "low": 0, "mode": mean, "high": mean * 2.5})
        candidates.append({"id": "c%02d" % i, "position": rng.choice("GFC"), "salary": rng.randrange(3, 12) * 1000,
                           "projection": projection})
    size = rng.choice([3, 4, 5])
    return {"candidates": candidates, "salaryCap": size * 7500, "lineupSize": size, "scenarios": scenarios,
            "seed": seed, "objective": objective, "positions": {"G": {"min": 1}, "C": {"max": 1}}}


class RecordingJob:
    """What the processor function sees of a Kiln job, recorded; ``cancel_at`` raises
    kiln.Cancelled from that progress report on, as the SDK does once a cancel is requested."""

    def __init__(self, params, cancel_at=None):
        self.id, self.params, self.cancel_at = "job_test", params, cancel_at
        self.progress_reports, self.partials = [], []

    def progress(self, fraction, stage=None, eta_seconds=None):
        self.check()
        assert 0.0 <= fraction <= 1.0, fraction
        self.progress_reports.append((fraction, stage, eta_seconds))

    def emit(self, item):
        self.check()
        json.dumps(item)
        self.partials.append(item)

    def check(self):
        if self.cancel_at is not None and len(self.progress_reports) >= self.cancel_at:
            raise Cancelled("cancel requested")


class SimulationTest(unittest.TestCase):

    TRIANGULAR = {"distribution": "triangular", "low": -2, "mode": 1, "high": 9}

    def spec(self, **changes):
        params = {"candidates": [player("a", 1, 10, 2), player("b", 1, 20, 5),
                                 player("c", 1, projection=self.TRIANGULAR)],
                  "salaryCap": 10, "lineupSize": 2, "scenarios": 2500, "seed": 42}
        params.update(changes)
        return Spec.from_params(params)

    def test_the_same_seed_gives_the_same_scenarios_and_another_seed_others(self):
        first, again = lineup.simulate(self.spec()), lineup.simulate(self.spec())
        other = lineup.simulate(self.spec(seed=43))
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertEqual([2500] * 3, [len(o) for o in first])

    def test_the_order_candidates_are_listed_in_does_not_change_their_scenarios(self):
        spec = self.spec()
        shuffled = self.spec(candidates=[player("c", 1, projection=self.TRIANGULAR), player("b", 1, 20, 5),
                                         player("a", 1, 10, 2)])
        self.assertEqual(lineup.simulate(spec), lineup.simulate(shuffled))
        self.assertEqual(scenario_cache.key(spec.scenario_material()), scenario_cache.key(shuffled.scenario_material()))

    def test_batches_are_reported_as_they_are_simulated(self):
        done = []
        lineup.simulate(self.spec(), done.append)
        self.assertEqual([1000, 2000, 2500], done)

    def test_each_distribution_matches_its_declaration(self):
        spec = Spec.from_params({"candidates": [
            player("n", 1, 12, 4),
            player("l", 1, projection={"distribution": "lognormal", "mean": 15, "sd": 9}),
            player("t", 1, projection={"distribution": "triangular", "low": 0, "mode": 3, "high": 20}),
            player("fixed", 1, 7, 0)], "salaryCap": 10, "lineupSize": 1, "scenarios": 40000, "seed": 5})
        report = lineup.calibration(spec, lineup.simulate(spec), [0])
        self.assertLess(report["maxMeanErrorInStandardErrors"], 4.5)
        self.assertLess(report["maxAbsSdError"], 0.2)
        self.assertAlmostEqual(0.8, report["coverage80"]["min"], delta=0.015)
        self.assertAlmostEqual(0.8, report["coverage80"]["max"], delta=0.015)
        self.assertEqual(["fixed"], [row["id"] for row in report["lineup"]])
        self.assertIsNone(report["lineup"][0]["coverage80"])  # sd 0: no interval to cover

    def test_declared_quantiles(self):
        tri = lineup.Triangular(0, 3, 20)
        self.assertAlmostEqual(3, tri.quantile(3 / 20))
        self.assertAlmostEqual(0, tri.quantile(0))
        self.assertAlmostEqual(20, tri.quantile(1))
        lognormal = lineup.LogNormal(15, 9)
        self.assertAlmostEqual(math.exp(lognormal.mu), lognormal.quantile(0.5))
        self.assertAlmostEqual(12 + 4 * 1.2815515655, lineup.Normal(12, 4).quantile(0.9), places=6)


class SpecTest(unittest.TestCase):

    def params(self, **changes):
        params = {"candidates": [player("a", 1, 10), player("b", 1, 20)], "salaryCap": 10, "lineupSize": 1}
        params.update(changes)
        return params

    def test_defaults(self):
        spec = Spec.from_params(self.params(), seed=9)
        self.assertEqual((10000, 9, "mean"), (spec.scenarios, spec.seed, spec.objective))
        self.assertEqual(0, Spec.from_params(self.params(seed=0), seed=9).seed)

    def test_what_the_schema_cannot_say_is_refused_naming_the_field(self):
        cases = {
            "params.candidates[1].id": self.params(candidates=[player("a", 1, 1), player("a", 2, 2)]),
            "params.candidates[0].projection": self.params(candidates=[
                player("a", 1, projection={"distribution": "triangular", "low": 5, "mode": 1, "high": 9})]),
            "params.candidates[0].projection.mean": self.params(candidates=[
                player("a", 1, projection={"distribution": "lognormal", "mean": 0, "sd": 1})]),
            "params.positions.G": self.params(positions={"G": {"min": 3, "max": 1}}),
        }
        for field, params in cases.items():
            with self.assertRaises(SpecError) as raised:
                Spec.from_params(params)
            self.assertEqual(field, raised.exception.field)


class ConstraintsTest(unittest.TestCase):

    def constraints(self, candidates, cap=100, size=2, positions=None):
        return Constraints(Spec.from_params({"candidates": candidates, "salaryCap": cap, "lineupSize": size,
                                             "positions": positions or {}}))

    def test_a_lineup_breaking_the_cap_the_size_or_a_position_count_is_refused(self):
        c = self.constraints([player("a", 40, 1, position="G"), player("b", 60, 1, position="G"),
                              player("c", 70, 1, position="C")], cap=120, positions={"G": 1, "C": {"max": 1}})
        self.assertIsNone(c.violation([0, 2]))
        self.assertIn("over the cap", c.violation([1, 2]))
        self.assertIn("2 G", c.violation([0, 1]))
        self.assertIn("3 players", c.violation([0, 1, 2]))
        self.assertIn("twice", c.violation([0, 0]))

    def test_infeasible_specs_say_why(self):
        g, c = player("g", 10, 1, position="G"), player("c", 10, 1, position="C")
        cases = [
            (self.constraints([g, c], positions={"C": 2}), "only 1 candidate has position C"),
            (self.constraints([g, c, player("f", 1, 1, position="F")], positions={"G": 1, "C": 1, "F": 1}),
             "at least 3 players, more than lineupSize 2"),
            (self.constraints([g, c], size=3), "only 2 of the 2 candidates"),
            (self.constraints([g, player("g2", 10, 1, position="G"), c], size=3,
                              positions={"G": {"max": 1}, "C": {"max": 1}}),
             "only 2 of the 3 candidates"),
            (self.constraints([g, c], cap=19.5), "costs 20, over salaryCap 19.5"),
        ]
        for constraints, reason in cases:
            with self.assertRaises(Infeasible) as raised:
                constraints.cheapest()
            self.assertIn(reason, str(raised.exception))

    def test_the_cheapest_lineup_is_the_cheapest_feasible_one(self):
        rng = random.Random(7)
        for _ in range(40):
            spec = Spec.from_params(random_params(rng))
            c = Constraints(spec)
            feasible = [sum(c.salary[i] for i in l) for l in itertools.combinations(range(len(c.salary)), c.size)
                        if c.violation(l) is None]
            if not feasible:
                self.assertRaises(Infeasible, c.cheapest)
                continue
            cheapest = c.cheapest()
            self.assertIsNone(c.violation(cheapest))
            self.assertEqual(min(feasible), sum(c.salary[i] for i in cheapest))


class SearchTest(unittest.TestCase):

    def test_the_search_finds_the_brute_force_optimum_for_each_objective(self):
        rng = random.Random(11)
        checked = 0
        for trial in range(15):
            spec = Spec.from_params(random_params(rng, objective=lineup.OBJECTIVES[trial % 3], seed=trial,
                                                  scenarios=300))
            try:
                Constraints(spec).cheapest()
            except Infeasible:
                continue
            outcomes = lineup.simulate(spec)
            search = lineup.optimise(spec, outcomes)
            best, score = lineup.brute_force(spec, outcomes)
            self.assertEqual(best, search.best, "trial %d (%s)" % (trial, spec.objective))
            self.assertEqual(score, search.best_score)
            checked += 1
        self.assertGreater(checked, 10)

    def test_a_descent_swaps_pairs_where_no_single_swap_helps(self):
        # {m1, m2} (30 points, all the cap): no single swap helps, trading both for star + scrub does.
        spec = Spec.from_params({"candidates": [
            player("scrub", 10, 9, 0), player("m1", 20, 15, 0), player("m2", 20, 15, 0), player("star", 30, 22, 0)],
            "salaryCap": 40, "lineupSize": 2, "scenarios": 100})
        at = {c.id: i for i, c in enumerate(spec.candidates)}
        outcomes = lineup.simulate(spec)
        search = lineup.Search(Constraints(spec), outcomes, random.Random(1))
        search._begin([at["m1"], at["m2"]], lineup.MeanScore(search.means))
        self.assertIsNone(search._best_single(*search._outside_tables()))
        search.descend()
        best = sorted([at["scrub"], at["star"]])
        self.assertEqual(best, search.best)
        self.assertEqual((best, 31.0), lineup.brute_force(spec, outcomes))

    def test_the_best_score_never_goes_down_and_rejections_are_counted(self):
        spec = Spec.from_params(random_params(random.Random(3), n=40, objective="p90", seed=3, scenarios=300))
        scores = []
        search = lineup.optimise(spec, lineup.simulate(spec), on_round=lambda r, s: scores.append(s.best_score))
        self.assertEqual(20, len(scores))
        self.assertEqual(sorted(scores), scores)
        self.assertGreater(search.proposals, 0)
        self.assertTrue(0 < search.rejection_rate < 1)
        self.assertIsNone(Constraints(spec).violation(search.best))


class CacheTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="optimize-cache-")
        self.now = 1_000_000.0
        self.cache = ScenarioCache(self.directory, ttl=3600, clock=lambda: self.now)
        self.outcomes = [array.array("f", [1.5, 2.5, -3.0]), array.array("f", [4.0, 5.0, 6.25])]

    def tearDown(self):
        for name in os.listdir(self.directory):
            os.remove(os.path.join(self.directory, name))
        os.rmdir(self.directory)

    def age(self, name, seconds):
        path = os.path.join(self.directory, name)
        os.utime(path, (self.now - seconds, self.now - seconds))

    def test_a_stored_entry_is_a_hit_until_it_expires_then_it_is_deleted(self):
        self.assertIsNone(self.cache.load("k1", 2, 3))
        self.cache.store("k1", self.outcomes)
        self.age("k1.scenarios", 3599)
        self.assertEqual(self.outcomes, self.cache.load("k1", 2, 3))
        self.age("k1.scenarios", 3601)
        self.assertIsNone(self.cache.load("k1", 2, 3))
        self.assertEqual([], os.listdir(self.directory))

    def test_clean_removes_expired_entries_and_abandoned_temporary_files_only(self):
        for name in ("old", "new"):
            self.cache.store(name, self.outcomes)
        with open(os.path.join(self.directory, scenario_cache.TEMPORARY + "x"), "wb") as f:
            f.write(b"half")
        with open(os.path.join(self.directory, "notes.txt"), "w") as f:
            f.write("not ours")
        self.age("old.scenarios", 7200)
        self.age(scenario_cache.TEMPORARY + "x", 7200)
        self.age("new.scenarios", 10)
        self.assertEqual(2, self.cache.clean())
        self.assertEqual(["new.scenarios", "notes.txt"], sorted(os.listdir(self.directory)))

    def test_a_broken_or_mismatched_entry_is_a_miss_and_is_deleted(self):
        path = os.path.join(self.directory, "k.scenarios")
        with self.assertLogs("optimize.cache", "WARNING") as logged:
            self.cache.store("k", self.outcomes)
            self.assertIsNone(self.cache.load("k", 2, 4))
            self.assertFalse(os.path.exists(path))
            self.cache.store("k", self.outcomes)
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 4)
            self.assertIsNone(self.cache.load("k", 2, 3))
            self.assertFalse(os.path.exists(path))
        self.assertEqual(2, len(logged.output))

    def test_a_ttl_of_zero_turns_the_cache_off(self):
        off = ScenarioCache(self.directory, ttl=0, clock=lambda: self.now)
        off.store("k", self.outcomes)
        self.assertEqual([], os.listdir(self.directory))
        self.assertIsNone(off.load("k", 2, 3))

    def test_the_key_covers_what_the_scenarios_depend_on_and_nothing_else(self):
        base = {"candidates": [player("a", 10, 10), player("b", 20, 20)], "salaryCap": 30, "lineupSize": 1,
                "seed": 1, "scenarios": 1000}

        def key(**changes):
            return scenario_cache.key(Spec.from_params(dict(base, **changes)).scenario_material())

        self.assertEqual(key(), key(salaryCap=99, lineupSize=2, objective="p90", positions={"G": {"max": 1}}))
        self.assertEqual(key(), key(candidates=[player("a", 99, 10, position="G"), player("b", 1, 20.0)]))
        self.assertNotEqual(key(), key(seed=2))
        self.assertNotEqual(key(), key(scenarios=1001))
        self.assertNotEqual(key(), key(candidates=[player("a", 10, 10), player("b", 20, 20, sd=3.5)]))
        self.assertNotEqual(key(), key(candidates=[player("a", 10, 10), player("z", 20, 20)]))


class JobTest(unittest.TestCase):
    """The processor function with a recorded job, as the SDK calls it."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="optimize-job-")
        self.cache = ScenarioCache(self.directory, ttl=3600)
        self.params = random_params(random.Random(5), n=14, seed=5, scenarios=2500)

    def tearDown(self):
        for name in os.listdir(self.directory):
            os.remove(os.path.join(self.directory, name))
        os.rmdir(self.directory)

    def test_a_job_reports_progress_and_improving_partials_and_a_repeat_hits_the_cache(self):
        job = RecordingJob(self.params)
        result = optimize.run(job, self.cache)
        stages = [stage for _, stage, _ in job.progress_reports]
        self.assertEqual(["simulating"] * 3, stages[:3])
        self.assertIn("searching", stages)
        fractions = [fraction for fraction, _, _ in job.progress_reports]
        self.assertEqual(sorted(fractions), fractions)
        self.assertEqual(list(range(1, 21)), [p["batch"] for p in job.partials])
        expected = [p["expected"] for p in job.partials]
        self.assertEqual(sorted(expected), expected)
        self.assertEqual(result["lineup"], job.partials[-1]["lineup"])
        spec = Spec.from_params(self.params)
        outcomes = lineup.simulate(spec)
        best, _ = lineup.brute_force(spec, outcomes)
        self.assertEqual(sorted(spec.candidates[i].id for i in best), sorted(result["lineup"]))
        self.assertEqual(("miss", 2500, 5), (result["cache"], result["scenarios"], result["seed"]))
        self.assertTrue(0 <= result["rejectionRate"] < 1)
        self.assertLessEqual(result["salary"], self.params["salaryCap"])
        self.assertLessEqual(result["p10"], result["p50"])
        self.assertLessEqual(result["p50"], result["p90"])

        again = RecordingJob(self.params)
        repeat = optimize.run(again, self.cache)
        self.assertEqual("hit", repeat["cache"])
        self.assertEqual("scenarios from the cache", again.progress_reports[0][1])
        for k in ("lineup", "expected", "p10", "p90", "calibration"):
            self.assertEqual(result[k], repeat[k])

    def test_a_job_without_a_seed_leaves_the_cache_alone(self):
        params = dict(self.params)
        del params["seed"]
        first = optimize.run(RecordingJob(params), self.cache)
        second = optimize.run(RecordingJob(params), self.cache)
        self.assertEqual(("miss", "miss"), (first["cache"], second["cache"]))
        self.assertNotEqual(first["seed"], second["seed"])
        self.assertEqual([], os.listdir(self.directory))

    def test_a_cancel_stops_the_simulation_and_stores_nothing(self):
        job = RecordingJob(dict(self.params, scenarios=5000), cancel_at=2)
        with self.assertRaises(Cancelled):
            optimize.run(job, self.cache)
        self.assertEqual(2, len(job.progress_reports))
        self.assertEqual([], os.listdir(self.directory))

    def test_a_cancel_stops_the_search(self):
        optimize.run(RecordingJob(self.params), self.cache)  # the scenarios are cached: two reports before the search
        job = RecordingJob(self.params, cancel_at=4)
        with self.assertRaises(Cancelled):
            optimize.run(job, self.cache)
        self.assertEqual(3, len(job.partials))

    def test_an_impossible_spec_fails_for_good(self):
        params = dict(self.params, salaryCap=1000)
        with self.assertRaises(JobError) as raised:
            optimize.run(RecordingJob(params), self.cache)
        self.assertEqual(("infeasible", False), (raised.exception.code, raised.exception.retryable))
        self.assertIn("over salaryCap 1000", raised.exception.message)

    def test_too_many_draws_fail_for_good(self):
        params = dict(self.params, candidates=[player("c%d" % i, 1, 1) for i in range(101)],
                      scenarios=200000, positions={})
        with self.assertRaises(JobError) as raised:
            optimize.run(RecordingJob(params), self.cache)
        self.assertEqual(("too_large", False), (raised.exception.code, raised.exception.retryable))



class MainTest(unittest.TestCase):

    def exit_of(self, refused):
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.dict(os.environ, {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "kiln_member"}), \
                mock.patch.object(optimize.Worker, "run", side_effect=refused), \
                self.assertRaises(SystemExit) as exited:
            optimize.main(["--cache-dir", d])
        return exited.exception.code

    def test_a_worker_kiln_refuses_exits_with_a_message_not_a_traceback(self):
        self.assertEqual(self.exit_of(KilnError(403, "forbidden", "Your role does not allow this.")),
                         "optimize: Kiln refused this worker: Your role does not allow this. [403 forbidden];"
                         " KILN_TOKEN must be a worker's token (an admin makes a user with role worker)")

    def test_a_token_kiln_does_not_know_is_said_to_be_invalid_not_of_the_wrong_role(self):
        self.assertEqual(self.exit_of(KilnError(401, "unauthenticated", "The token is unknown.")),
                         "optimize: Kiln refused this worker: The token is unknown. [401 unauthenticated];"
                         " KILN_TOKEN is not a valid token (unknown, expired or revoked)")


if __name__ == "__main__":
    unittest.main()
