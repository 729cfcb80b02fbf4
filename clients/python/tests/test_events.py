import unittest

from kiln.events import Follower, parse_sse
from kiln.errors import KilnError

from .fakes import FakeHttp, Lines, answer, down, event, sse


def state(seq, name):
    return event(seq, "state", state=name, attempt=1)


class ParseSseTest(unittest.TestCase):

    def test_events_comments_and_multiline_data(self):
        lines = [b"retry: 3000\n", b"\n", b": keep-alive\n", b"\n", b"id: 7\n", b"event: partial\n",
                 b"data: {\"a\":\n", b"data: 1}\n", b"\n", b"id: 8\r\n", b"data:x\r\n", b"\r\n"]
        self.assertEqual(list(parse_sse(lines)), [("7", "partial", "{\"a\":\n1}"), ("8", "message", "x")])

    def test_an_unfinished_event_at_the_end_is_not_dispatched(self):
        self.assertEqual(list(parse_sse([b"id: 1\n", b"data: {}\n"])), [])


class FollowerTest(unittest.TestCase):

    def follow(self, answers, after=0, transport="sse"):
        script = list(answers)
        http = FakeHttp(lambda method, path, body: script.pop(0))
        retries = []
        follower = Follower(http, "job_1", after, transport, on_retry=lambda e, d: retries.append(e.code),
                            sleep=lambda s: None)
        return [e["seq"] for e in follower], http, retries

    def test_resumes_after_a_dropped_stream_from_the_last_seq_and_skips_repeats(self):
        seqs, http, retries = self.follow([
            Lines(sse(state(1, "queued"), event(2), event(3)), then=ConnectionResetError("reset")),
            down(),
            KilnError(503, "shutting_down", "draining", retry_after=1),
            Lines(sse(event(2), event(3), event(4), state(5, "succeeded"))),
        ])
        self.assertEqual(seqs, [1, 2, 3, 4, 5])
        self.assertEqual(retries, ["unavailable", "unavailable", "shutting_down"])
        self.assertTrue(http.calls[-1][1].endswith("after=3"))
        self.assertEqual(http.calls[-1][3]["Last-Event-ID"], "3")

    def test_a_stream_that_ends_early_is_reopened(self):
        seqs, http, retries = self.follow([
            Lines(sse(state(1, "queued"))),
            Lines(sse(state(2, "running"), state(3, "cancelled"))),
        ])
        self.assertEqual(seqs, [1, 2, 3])
        self.assertEqual(retries, [])

    def test_a_gap_is_filled_from_the_log_before_going_on(self):
        seqs, http, _ = self.follow([
            Lines(sse(state(1, "queued"), event(4), state(5, "succeeded"))),
            answer(body={"items": [event(2), event(3)], "next": 3}),
        ])
        self.assertEqual(seqs, [1, 2, 3, 4, 5])
        self.assertIn("after=1&limit=2", http.paths("GET")[1])

    def test_no_content_means_the_log_was_seen_to_its_end(self):
        seqs, _, _ = self.follow([Lines([], status=204)], after=9)
        self.assertEqual(seqs, [])

    def test_resuming_past_the_end_of_a_finished_jobs_log_stops(self):
        # Kiln cannot honour a resume point past the end: it replays the whole log, every event of it
        # already "seen", and ends the stream; reconnecting would replay it again, forever.
        seqs, http, _ = self.follow([
            Lines(sse(state(1, "queued"), state(2, "succeeded"))),
            answer(body={"id": "job_1", "state": "succeeded", "seq": 2}),
        ], after=9999)
        self.assertEqual(seqs, [])
        self.assertEqual(http.paths(), ["/api/v1/jobs/job_1/events?after=9999", "/api/v1/jobs/job_1"])

    def test_a_stream_that_ends_with_nothing_new_goes_on_while_the_job_runs(self):
        seqs, http, _ = self.follow([
            Lines(sse()),  # a draining node ends its streams
            answer(body={"id": "job_1", "state": "running", "seq": 3}),
            Lines(sse(state(4, "succeeded"))),
        ], after=3)
        self.assertEqual(seqs, [4])

    def test_polling_from_the_end_of_a_finished_jobs_log_stops(self):
        seqs, http, _ = self.follow([
            answer(body={"items": [], "next": 9}),
            answer(body={"id": "job_1", "state": "succeeded", "seq": 9}),
        ], after=9, transport="poll")
        self.assertEqual(seqs, [])
        self.assertEqual(http.paths(), ["/api/v1/jobs/job_1/events?after=9&limit=1000&wait=25", "/api/v1/jobs/job_1"])

    def test_polling_goes_on_while_the_job_runs_or_has_events_left(self):
        seqs, http, _ = self.follow([
            answer(body={"items": [], "next": 3}),
            answer(body={"id": "job_1", "state": "running", "seq": 3}),
            answer(body={"items": [], "next": 3}),
            answer(body={"id": "job_1", "state": "failed", "seq": 4}),  # its last event came meanwhile
            answer(body={"items": [state(4, "failed")], "next": 4}),
        ], after=3, transport="poll")
        self.assertEqual(seqs, [4])

    def test_errors_that_will_not_go_away_are_raised(self):
        with self.assertRaises(KilnError) as raised:
            self.follow([KilnError(404, "job_not_found", "No job")])
        self.assertEqual(raised.exception.code, "job_not_found")

    def test_polling_follows_pages_until_the_terminal_event(self):
        seqs, http, _ = self.follow([
            answer(body={"items": [state(1, "queued"), event(2)], "next": 2}),
            down(),
            answer(body={"items": [], "next": 2}),
            answer(body={"id": "job_1", "state": "running", "seq": 2}),  # an empty page: still running?
            answer(body={"items": [event(2), state(3, "failed")], "next": 3}),
        ], transport="poll")
        self.assertEqual(seqs, [1, 2, 3])
        self.assertIn("after=2", http.paths()[-1])


if __name__ == "__main__":
    unittest.main()
