import threading
import unittest

from kiln import _batch
from kiln._batch import Ender, Heartbeats
from kiln._job import Job

from .fakes import FakeHttp, answer, down

TIMEOUT = 10


def until(condition):
    """Polls ``condition`` (state another thread changes) for up to TIMEOUT seconds."""
    done = threading.Event()
    for _ in range(TIMEOUT * 100):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("not within %d s" % TIMEOUT)


def claim(job_id, lease="L"):
    return {"id": job_id, "type": "t", "params": {}, "attempt": 1, "maxAttempts": 3, "lease": lease,
            "leaseExpiresAt": "2026-12-04T20:00:15Z", "input": None}


class EnderTest(unittest.TestCase):

    def test_ends_queued_while_a_batch_is_in_flight_go_together_and_each_gets_its_own_answer(self):
        in_flight, release = threading.Event(), threading.Event()
        batches = []

        def handle(method, path, body):
            batches.append([item["id"] for item in body["items"]])
            if len(batches) == 1:
                in_flight.set()
                release.wait(TIMEOUT)
            return answer(200, {"items": [
                {"id": i["id"], "problem": {"code": "lease_lost", "status": 409}} if i["lease"] == "stale"
                else {"id": i["id"], "state": "succeeded"} for i in body["items"]]})

        http = FakeHttp(handle)
        ender = Ender(http)
        ender.start()
        results = {}

        def end(job):
            results[job.id] = ender.end(job, "complete", {"result": {"n": job.id}})

        first = threading.Thread(target=end, args=(Job(http, claim("job_1")),))
        first.start()
        self.assertTrue(in_flight.wait(TIMEOUT))
        others = [threading.Thread(target=end, args=(Job(http, claim(i, lease)),))
                  for i, lease in (("job_2", "L"), ("job_3", "stale"))]
        for t in others:
            t.start()
        until(lambda: len(ender._queue) == 2)  # both queued behind the batch in flight
        release.set()
        for t in [first] + others:
            t.join(TIMEOUT)
        ender.stop()
        self.assertEqual(batches, [["job_1"], ["job_2", "job_3"]])
        self.assertEqual(results["job_2"], ("succeeded", None))
        self.assertEqual(results["job_3"][1]["code"], "lease_lost")
        self.assertEqual(http.calls[0][1], "/api/v1/worker/complete")

    def test_a_batch_kiln_cannot_be_reached_for_is_sent_again(self):
        answers = [down(), answer(200, {"items": [{"id": "job_1", "state": "succeeded"}]})]
        http = FakeHttp(lambda method, path, body: answers.pop(0))
        ender = Ender(http)
        ender.start()
        original = _batch.Backoff.next
        _batch.Backoff.next = lambda self: 0.01
        try:
            self.assertEqual(ender.end(Job(http, claim("job_1")), "complete", {}), ("succeeded", None))
        finally:
            _batch.Backoff.next = original
            ender.stop()
        self.assertEqual(len(http.calls), 2)


class HeartbeatsTest(unittest.TestCase):

    def test_more_than_500_jobs_are_renewed_in_heartbeats_of_at_most_500_and_only_the_last_waits(self):
        sent, gate = [], threading.Event()

        def handle(method, path, body):
            if len(body["jobs"]) > 500:
                return answer(400, {"code": "invalid_field"})  # Kiln refuses it whole
            sent.append((len(body["jobs"]), body["waitSeconds"], body["cancelsSeen"]))
            if len(sent) > 3:
                gate.wait(TIMEOUT)
            return answer(200, {"jobs": [{"id": j["id"], "leaseExpiresAt": "x", "cancelRequested": False}
                                         for j in body["jobs"]], "cancelRequested": ["job_7"]})

        http = FakeHttp(handle)
        beats = Heartbeats(http, lease_seconds=15)
        jobs = [Job(http, claim("job_%d" % i)) for i in range(1201)]
        for job in jobs:
            beats.add(job, 15)
        beats.start()
        try:
            until(lambda: len(sent) >= 4)
        finally:
            gate.set()
            beats.stop()
        self.assertEqual(sent[:3], [(500, 0, []), (500, 0, ["job_7"]), (201, 5, ["job_7"])])
        self.assertEqual(jobs[7].cancelled.reason, "cancel requested")
        self.assertEqual(sum(len(body["jobs"]) for _, _, body, _ in http.calls[:3]), 1201, "every lease renewed")

    def test_a_stalled_heartbeat_is_given_up_well_before_the_leases_it_renews_run_out(self):
        timeouts, gate = [], threading.Event()

        class Timed(FakeHttp):
            def request(self, method, path, json_body=None, body=None, headers=None, timeout=None, holder=None):
                timeouts.append((json_body["waitSeconds"], timeout))
                return FakeHttp.request(self, method, path, json_body, body, headers, timeout, holder)

        def handle(method, path, body):
            gate.wait(TIMEOUT)
            return answer(200, {"jobs": [], "cancelRequested": []})

        http = Timed(handle)
        beats = Heartbeats(http, lease_seconds=15)
        beats.add(Job(http, claim("job_1")), 15)
        beats.start()
        try:
            until(lambda: timeouts)
        finally:
            gate.set()
            beats.stop()
        wait, timeout = timeouts[0]
        self.assertEqual(wait, 5)
        self.assertEqual(timeout, 10.0, "the wait and half of what is left of a 15 s lease")
        self.assertEqual(_batch.heartbeat_timeout(25, 75), 50.0)
        self.assertEqual(_batch.heartbeat_timeout(1, 3), 3.0, "never under 2 s past the wait")

    def test_one_heartbeat_for_all_jobs_and_a_cancel_heard_before_its_claim_arrived_applies_on_start(self):
        sent = []
        gate = threading.Event()

        def handle(method, path, body):
            sent.append(body)
            if len(sent) > 1:
                gate.wait(TIMEOUT)
            return answer(200, {"jobs": [{"id": j["id"], "leaseExpiresAt": "x", "cancelRequested": False}
                                         for j in body["jobs"]],
                                "cancelRequested": ["job_2"]})

        http = FakeHttp(handle)
        beats = Heartbeats(http, lease_seconds=15)
        first, second = Job(http, claim("job_1")), Job(http, claim("job_2"))
        beats.add(first, 15)
        beats.start()
        try:
            until(lambda: len(sent) >= 2)
            self.assertEqual(sent[0]["jobs"], [{"id": "job_1", "lease": "L"}])
            self.assertEqual(sent[0]["waitSeconds"], 5)
            self.assertEqual(sent[1]["cancelsSeen"], ["job_2"])
            self.assertFalse(first.cancelled)
            beats.add(second, 15)  # its claim arrives after its cancel was heard
            self.assertEqual(second.cancelled.reason, "cancel requested")
        finally:
            gate.set()
            beats.stop()


if __name__ == "__main__":
    unittest.main()
