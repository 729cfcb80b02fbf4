import json
import threading
import unittest

from kiln import Cancelled, JobError, KilnError, Worker
from kiln._http import Transport
from kiln._job import Job

from .fakes import FakeHttp, answer, refused

TIMEOUT = 10


def claim(job_id="job_1", input=None, lease="L1"):
    return {"id": job_id, "type": "reverse", "params": {"n": 1}, "attempt": 2, "maxAttempts": 3,
            "lease": lease, "leaseExpiresAt": "2026-12-04T20:00:15Z", "input": input}


class FakeKiln:
    """Answers the worker protocol's calls from a script; a heartbeat waits as a long poll does."""

    def __init__(self):
        self.cancel = threading.Event()
        self.stopped = threading.Event()
        self.ended = threading.Event()  # complete, fail or release arrived
        self.claims = [[claim()]]
        self.refuse = {}  # op -> error to answer
        self.http = FakeHttp(self.handle)

    def handle(self, method, path, body):
        op = path.rsplit("/", 1)[-1]
        if op in self.refuse:
            return self.refuse[op]
        if method == "PUT":
            return answer(200, {"name": op})
        if op == "claim":
            if self.claims:
                return answer(200, {"jobs": self.claims.pop(0), "leaseSeconds": 15})
            self.stopped.wait(TIMEOUT)
            return answer(200, {"jobs": [], "leaseSeconds": 15})
        if op == "heartbeat":  # one for all the worker's jobs
            cancelled = self.cancel.wait(0.5)
            return answer(200, {"jobs": [{"id": j["id"], "leaseExpiresAt": "2026-12-04T20:00:15Z",
                                          "cancelRequested": cancelled} for j in body["jobs"]],
                                "cancelRequested": ["job_1"] if cancelled else []})
        if op in ("complete", "fail", "release"):
            self.ended.set()
            if "items" in body:  # a batch of ends
                return answer(200, {"items": [{"id": item["id"], "state": "succeeded"} for item in body["items"]]})
            return answer(200, {"id": "job_1"})
        return answer(204)

    def ops(self, job_only=False):
        """(op, body) of each call but heartbeats; a batch of ends counts as each of its items,
        without the job id (as its per-job call would be)."""
        ops = []
        for c in self.http.calls:
            op, body = c[1].rsplit("/", 1)[-1], c[2]
            if op == "heartbeat":
                continue
            if isinstance(body, dict) and "items" in body and op in ("complete", "fail"):
                ops.extend((op, {k: v for k, v in item.items() if k != "id"}) for item in body["items"])
            else:
                ops.append((op, body))
        return [o for o in ops if o[0] not in ("claim", "reverse")] if job_only else ops


class WorkerTest(unittest.TestCase):

    def setUp(self):
        self.kiln = FakeKiln()
        self.worker = Worker("http://kiln.test", "kiln_w", name="gpu-1/1", grace=5)
        self.worker.http = self.kiln.http

    def serve(self, function, **options):
        self.worker.processor("reverse", **options)(function)
        thread = threading.Thread(target=self.worker.run, daemon=True)
        thread.start()
        self.assertTrue(self.kiln.ended.wait(TIMEOUT), "the job ended: %s" % self.kiln.ops())
        self.worker.stop()
        self.kiln.stopped.set()
        thread.join(TIMEOUT)
        self.assertFalse(thread.is_alive())
        return self.kiln.ops(job_only=True)

    def test_declares_claims_reports_in_order_and_completes(self):
        def reverse(job):
            self.assertEqual((job.id, job.attempt, job.params, job.input), ("job_1", 2, {"n": 1}, None))
            for word in ("a", "b", "c"):
                job.emit({"text": word})
                job.progress(0.5, "reversing")
            return {"done": True}

        job_ops = self.serve(reverse, accepts=["none"], params={"type": "object"}, concurrency=2,
                             result_formats=["txt"])
        declare, first_claim = self.kiln.ops()[0], self.kiln.ops()[1]
        self.assertEqual(declare, ("reverse", {"description": "", "accepts": ["none"], "params": {"type": "object"},
                                               "limits": {"maxAttempts": 3, "timeoutSeconds": 3600, "concurrency": 2},
                                               "resultFormats": ["txt"], "shape": None}))
        self.assertEqual(first_claim[1], {"worker": "gpu-1/1", "processors": ["reverse"], "max": 2, "waitSeconds": 30})
        partials = [item["text"] for op, body in job_ops if op == "partials" for item in body["items"]]
        self.assertEqual(partials, ["a", "b", "c"])
        self.assertEqual(job_ops[-1], ("complete", {"lease": "L1", "result": {"done": True}}))
        self.assertTrue(all(body["lease"] == "L1" for _, body in job_ops))

    def test_a_job_error_fails_with_its_code_and_other_exceptions_as_worker_errors(self):
        def broken(job):
            raise JobError("bad_audio", "cannot decode", retryable=False)

        self.assertEqual(self.serve(broken)[-1], ("fail", {"lease": "L1", "code": "bad_audio",
                                                          "message": "cannot decode", "retryable": False}))
        outcome = Worker._call(type("P", (), {"function": staticmethod(lambda job: 1 / 0)}), _job())
        self.assertEqual(outcome, ("fail", {"code": "worker_error", "message": "ZeroDivisionError: division by zero",
                                            "retryable": True}))
        outcome = Worker._call(type("P", (), {"function": staticmethod(lambda job: object())}), _job())
        self.assertEqual((outcome[0], outcome[1]["code"]), ("fail", "invalid_result"))

    def test_nan_and_infinity_are_refused_at_the_call_not_by_kiln_with_the_whole_batch(self):
        job = _job()
        with self.assertRaises(ValueError):
            job.emit({"loss": float("nan")})
        self.assertEqual(job.sender.pending(), 0, "nothing was queued to poison a batch")
        for bad in (float("nan"), float("inf"), -float("inf")):
            outcome = Worker._call(type("P", (), {"function": staticmethod(lambda job: {"loss": bad})}), _job())
            self.assertEqual((outcome[0], outcome[1]["code"], outcome[1]["retryable"]),
                             ("fail", "invalid_result", False))
        with self.assertRaises(ValueError):
            Transport("http://127.0.0.1:9", "t").request("POST", "/api/v1/jobs", json_body={"x": float("nan")})

    def test_a_large_result_of_cjk_text_is_sent_as_utf8_within_kilns_limit(self):
        self.kiln.http.max_body = 256 * 1024
        text = "\u6f22\u5b57" * 25_000  # 150 KB of UTF-8; 300 KB as \\u escapes

        ops = self.serve(lambda job: {"text": text})
        self.assertEqual(ops[-1], ("complete", {"lease": "L1", "result": {"text": text}}))

    def test_a_failure_is_always_one_kiln_accepts(self):
        def fail_with(message):
            error = JobError("bad_audio", message)
            outcome = Worker._call(type("P", (), {"function": staticmethod(
                lambda job: (_ for _ in ()).throw(error))}), _job())
            return outcome[1]["message"]

        self.assertEqual(fail_with(""), "bad_audio", "never empty: the code stands in")
        self.assertEqual(fail_with(None), "bad_audio")
        emoji = fail_with("\U0001F600" * 1500)  # 1,500 characters, 3,000 UTF-16 units
        self.assertEqual(len(emoji.encode("utf-16-le")) // 2, 2000)
        self.assertEqual(fail_with("\U0001F600" + "x" * 1999), "\U0001F600" + "x" * 1998, "no half a pair")
        self.assertEqual(fail_with("bad \udc80 byte"), "bad ? byte", "no lone surrogate, which UTF-8 cannot carry")

    def test_a_refused_result_fails_the_attempt_with_a_message_kiln_accepts(self):
        self.kiln.refuse["complete"] = refused("invalid_result", status=400, detail="")

        ops = self.serve(lambda job: {"big": "x" * 70_000})
        self.assertEqual(ops[-1], ("fail", {"lease": "L1", "code": "invalid_result", "message": "invalid_result",
                                            "retryable": False}))

    def test_a_stage_or_eta_kiln_cannot_take_raises_at_the_call(self):
        job = _job()
        for stage in ("\udc80.wav", "", "x" * 201, 7):
            with self.assertRaises(ValueError, msg=repr(stage)):
                job.progress(0.5, stage)
        for eta in (float("nan"), -1, 400 * 24 * 3600):
            with self.assertRaises(ValueError, msg=repr(eta)):
                job.progress(0.5, eta_seconds=eta)
        self.assertIsNone(job.sender._thread, "nothing was queued: no sender even started")
        job.progress(0.5, "\U0001F600" * 100, 60)  # 200 UTF-16 units: Kiln takes it
        self.assertTrue(job.sender.close(TIMEOUT))
        self.assertEqual([c[2] for c in job.lease.http.calls],
                         [{"lease": "L1", "progress": 0.5, "stage": "\U0001F600" * 100, "etaSeconds": 60.0}])

    def test_a_job_whose_partials_did_not_all_reach_kiln_does_not_succeed(self):
        handle = self.kiln.handle
        broken = threading.Event()

        def handle_partials(method, path, body):
            if path.endswith("/partials") and not broken.is_set():
                broken.set()
                return RuntimeError("the sender tripped")  # not a KilnError
            return handle(method, path, body)

        self.kiln.http.handler = handle_partials

        def reporting(job):
            job.emit({"text": "first"})
            self.assertTrue(broken.wait(TIMEOUT))
            job.emit({"text": "second"})
            return {"done": True}

        ops = self.serve(reporting)
        partials = [item["text"] for op, body in ops if op == "partials" for item in body["items"]]
        self.assertEqual(partials, ["first", "second"], "the sender went on after the failure")
        self.assertEqual(ops[-1][0], "fail")
        self.assertEqual((ops[-1][1]["code"], ops[-1][1]["retryable"]), ("worker_error", True))
        self.assertIn("1 partial results could not be sent", ops[-1][1]["message"])

    def test_kilns_own_failure_to_complete_is_retried_and_never_becomes_invalid_result(self):
        handle, failures = self.kiln.handle, [KilnError(500, "internal_error", "a bug", retry_after=0)] * 3

        def flaky(method, path, body):
            if path.endswith("complete") and failures:
                return failures.pop()
            return handle(method, path, body)

        self.kiln.http.handler = flaky
        ops = self.serve(lambda job: {"done": True})
        self.assertEqual([op for op, _ in ops], ["complete"] * 4, "the batch, then alone until it went")
        self.assertEqual(ops[-1], ("complete", {"lease": "L1", "result": {"done": True}}))

    def test_a_stop_while_kiln_cannot_be_reached_to_declare_ends_without_serving(self):
        declaring = threading.Event()

        def unreachable(method, path, body):
            declaring.set()
            return KilnError(None, "unavailable", "connection refused")

        self.kiln.http.handler = unreachable
        self.worker.processor("reverse")(lambda job: {})
        with self.assertLogs("kiln.worker", "INFO") as logged:
            thread = threading.Thread(target=self.worker.run, daemon=True)
            thread.start()
            self.assertTrue(declaring.wait(TIMEOUT))
            self.worker.stop()  # SIGTERM
            thread.join(TIMEOUT)
        self.assertFalse(thread.is_alive())
        self.assertEqual(self.kiln.http.paths(), ["/api/v1/worker/processors/reverse"])
        self.assertIn("INFO:kiln.worker:worker gpu-1/1 stopped before serving", logged.output)
        self.assertFalse([line for line in logged.output if "serving reverse" in line], logged.output)

    def test_a_retry_after_on_declaring_or_claiming_is_waited_out_up_to_the_sdks_one_cap(self):
        waits = []

        class Waited(threading.Event):
            """A stop signal whose long waits pass at once, recorded (the worker's only clock here)."""

            def wait(self, timeout=None):
                if timeout is not None and timeout > 1:
                    waits.append(timeout)
                    return self.is_set()
                return super().wait(timeout)

        self.worker._stopping = Waited()
        handle, refusals = self.kiln.handle, {
            "reverse": [KilnError(503, "shutting_down", "draining", retry_after=45)],
            "claim": [KilnError(429, "rate_limited", "slow down", retry_after=3600)]}

        def refusing(method, path, body):
            op = path.rsplit("/", 1)[-1]
            if refusals.get(op):
                return refusals[op].pop()
            return handle(method, path, body)

        self.kiln.http.handler = refusing
        self.serve(lambda job: {"done": True})
        self.assertEqual(waits[:2], [45, 120.0], "declaring waits its Retry-After; claiming, at most two minutes")

    def test_a_cancel_request_stops_the_job_at_its_next_report(self):
        seen = []

        def slow(job):
            self.kiln.cancel.set()
            self.assertTrue(job.cancelled.wait(TIMEOUT))
            seen.append(bool(job.cancelled))
            job.progress(0.9)

        ops = self.serve(slow)
        self.assertEqual(seen, [True])
        self.assertEqual(ops[-1], ("fail", {"lease": "L1", "code": "cancelled",
                                            "message": "cancelled at the owner's request", "retryable": False}))

    def test_a_lost_lease_stops_the_job_quietly_without_a_result(self):
        self.kiln.refuse["partials"] = refused("lease_lost")
        finished = threading.Event()

        def worker_fn(job):
            job.emit("x")
            try:
                self.assertTrue(job.cancelled.wait(TIMEOUT))
                job.emit("y")
            except Cancelled:
                finished.set()
                raise

        self.worker.processor("reverse")(worker_fn)
        thread = threading.Thread(target=self.worker.run, daemon=True)
        thread.start()
        self.assertTrue(finished.wait(TIMEOUT))
        self.worker.stop()
        self.kiln.stopped.set()
        thread.join(TIMEOUT)
        self.assertNotIn("complete", [op for op, _ in self.kiln.ops()])
        self.assertNotIn("fail", [op for op, _ in self.kiln.ops()])

    def test_at_shutdown_a_job_past_the_grace_is_released(self):
        self.worker.grace = 0.2
        started, done, stopped = threading.Event(), threading.Event(), []

        def stubborn(job):
            started.set()
            job.cancelled.wait(TIMEOUT)
            stopped.append(job.cancelled.reason)
            done.set()

        self.worker.processor("reverse")(stubborn)
        thread = threading.Thread(target=self.worker.run, daemon=True)
        thread.start()
        self.assertTrue(started.wait(TIMEOUT))
        self.worker.stop()
        self.kiln.stopped.set()
        thread.join(TIMEOUT)
        self.assertFalse(thread.is_alive())
        self.assertEqual(self.kiln.ops(job_only=True)[-1], ("release", {"lease": "L1"}))
        self.assertTrue(done.wait(TIMEOUT))
        self.assertEqual(stopped, ["worker shutting down"])

    def test_processor_names_and_error_codes_are_checked(self):
        with self.assertRaises(ValueError):
            self.worker.processor("Not A Name")
        outcome = Worker._call(type("P", (), {"function": staticmethod(
            lambda job: (_ for _ in ()).throw(JobError("Bad Code!", "x")))}), _job())
        self.assertEqual(outcome[1]["code"], "worker_error")


def _job():
    return Job(FakeHttp(lambda *a: answer(204)), claim())


if __name__ == "__main__":
    unittest.main()
