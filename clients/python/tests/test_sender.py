import threading
import unittest

from kiln import _job
from kiln._job import Sender, Signal
from kiln.errors import KilnError


class Recorder:
    """A lease whose calls are recorded; ``gate`` (an Event) holds them until set."""

    def __init__(self, gate=None):
        self.job_id = "job_1"
        self.give_up = Signal()
        self.calls = []
        self.gate = gate
        self.lock = threading.Lock()

    def call(self, op, body=None, raw_items=None, **kwargs):
        if self.gate is not None:
            self.gate.wait(10)
        with self.lock:
            self.calls.append((op, body if raw_items is None else list(raw_items)))


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class CoalescingTest(unittest.TestCase):

    def setUp(self):
        self.clock = Clock()
        self.sender = Sender(Recorder(), interval=0.25, clock=self.clock)

    def test_only_the_latest_progress_is_sent(self):
        for fraction in (0.1, 0.2, 0.3):
            self.sender.progress(fraction, "stage %s" % fraction)
        self.assertEqual(self.sender.next_batch(), ([], {"progress": 0.3, "stage": "stage 0.3"}))
        self.assertEqual(self.sender.pending(), 0)

    def test_partials_go_first_in_order_with_the_due_progress(self):
        for i in range(3):
            self.sender.emit({"i": i})
        self.sender.progress(0.5, eta_seconds=12)
        self.assertEqual(self.sender.next_batch(),
                         (['{"i":0}', '{"i":1}', '{"i":2}'], {"progress": 0.5, "etaSeconds": 12}))

    def test_partials_and_progress_wait_for_the_next_round_unless_closing(self):
        self.sender.emit("w")
        self.assertEqual(self.sender.next_batch(), (['"w"'], None), "the first round goes at once")
        self.clock.now = 0.1
        self.sender.emit("x")
        self.sender.progress(0.6)
        self.assertIsNone(self.sender.ready(), "not due yet")
        self.clock.now = 0.25
        self.assertEqual(self.sender.next_batch(), (['"x"'], {"progress": 0.6}))
        self.sender.progress(0.7)
        self.sender._closing = True
        self.assertEqual(self.sender.next_batch(), ([], {"progress": 0.7}), "closing sends it at once")
        self.assertEqual(self.sender.next_batch(), (None, None))

    def test_batches_keep_within_kilns_limits(self):
        for i in range(_job.MAX_BATCH_ITEMS + 5):
            self.sender.emit(i)
        self.assertEqual(len(self.sender.next_batch()[0]), _job.MAX_BATCH_ITEMS)
        self.assertEqual(len(self.sender.next_batch()[0]), 5, "the rest of the round goes at once")
        self.clock.now += 0.25
        big = "y" * (60 * 1024)
        for _ in range(5):
            self.sender.emit(big)
        self.assertEqual(len(self.sender.next_batch()[0]), 3)

    def test_batches_are_sized_in_utf8_bytes(self):
        wide = "\u6f22" * (20 * 1024)  # 20 Ki characters, 60 KiB of UTF-8
        for _ in range(5):
            self.sender.emit(wide)
        batch = self.sender.next_batch()[0]
        self.assertEqual(len(batch), 3)
        self.assertLessEqual(sum(len(raw.encode("utf-8")) + 1 for raw in batch), _job.MAX_BATCH_BYTES)
        self.assertEqual(batch[0], '"' + wide + '"', "sent as UTF-8, not as \\u escapes")

    def test_a_partial_must_be_json_of_at_most_64_kib(self):
        with self.assertRaises(ValueError):
            self.sender.emit("z" * (64 * 1024))
        with self.assertRaises(TypeError):
            self.sender.emit(object())

    def test_an_emitted_object_is_taken_as_it_was_then(self):
        item = {"words": ["a"]}
        self.sender.emit(item)
        item["words"].append("b")
        self.assertEqual(self.sender.next_batch()[0], ['{"words":["a"]}'])


class PacingTest(unittest.TestCase):
    """Progress and partials cost requests of the user's rate (600 a minute by default): a job sends
    them once a second at most, and waits out a 429's Retry-After."""

    def test_a_job_reporting_all_the_time_costs_at_most_two_requests_a_second(self):
        clock = Clock()
        sender = Sender(Recorder(), clock=clock)  # the default interval
        requests, sent = 0, []
        for tick in range(6000):  # a minute: progress every 10 ms, a partial every 50 ms
            clock.now = tick / 100.0
            sender.progress(tick / 6000.0, "working")
            if tick % 5 == 0:
                sender.emit(tick)
            due = sender.ready()
            while due is not None:  # a round's batches go one after another
                partials, progress = due
                requests += (1 if partials else 0) + (1 if progress is not None else 0)
                sent.extend(int(raw) for raw in partials)
                due = sender.ready()
        self.assertFalse(sender.close(), "the last second's reports are still queued")
        for partials, progress in iter(sender.ready, None):  # closing: they go at once
            requests += (1 if partials else 0) + (1 if progress is not None else 0)
            sent.extend(int(raw) for raw in partials)
        self.assertLessEqual(requests, 2 * 61, "at most a partials batch and a progress a second")
        self.assertEqual(sent, list(range(0, 6000, 5)), "every partial, in order")

    def test_a_429_keeps_everything_queued_until_its_retry_after_then_sends_it_in_one_batch(self):
        clock = Clock()
        lease = Recorder()
        refusals = [KilnError(429, "rate_limited", "slow down", retry_after=30.0)]
        recorded = lease.call

        def call(op, body=None, raw_items=None, **kwargs):
            if refusals:
                raise refusals.pop()
            recorded(op, body, raw_items, **kwargs)

        lease.call = call
        sender = Sender(lease, clock=clock)
        sender.emit("a")
        sender.progress(0.1)
        sender.send(*sender.ready())  # refused: 429, Retry-After 30 s
        self.assertEqual(lease.calls, [])
        sender.emit("b")
        sender.progress(0.2)
        clock.now = 29.0
        self.assertIsNone(sender.ready(), "nothing before the Retry-After")
        clock.now = 30.0
        sender.send(*sender.ready())
        self.assertEqual(lease.calls, [("partials", ['"a"', '"b"']), ("progress", {"progress": 0.2})])
        self.assertEqual(sender.pending(), 0)


class BackgroundTest(unittest.TestCase):

    def test_the_thread_outlives_any_failure_and_close_says_what_was_lost(self):
        lease = Recorder()
        recorded = lease.call
        failures = [UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed")]

        def call(op, body=None, raw_items=None, **kwargs):
            if failures:
                raise failures.pop()
            recorded(op, body, raw_items, **kwargs)

        lease.call = call
        sender = Sender(lease, interval=0.0)
        sender.emit("lost")
        sender.start()
        for _ in range(500):  # until the first batch failed
            if not failures:
                break
            threading.Event().wait(0.01)
        sender.emit("after")
        self.assertFalse(sender.close(10), "a partial result was lost: not all was sent")
        self.assertEqual(sender.lost, 1)
        self.assertEqual(lease.calls, [("partials", ['"after"'])], "later partials still go")

    def test_the_work_never_waits_for_the_network_and_order_is_kept(self):
        gate = threading.Event()
        lease = Recorder(gate)
        sender = Sender(lease, interval=0.0)
        sender.start()
        for i in range(500):  # the first call is stuck at the gate: these must not block
            sender.emit(i)
            sender.progress(i / 500.0)
        gate.set()
        self.assertTrue(sender.close(10))
        partials = [int(x) for op, items in lease.calls if op == "partials" for x in items]
        self.assertEqual(partials, list(range(500)))
        progress = [body["progress"] for op, body in lease.calls if op == "progress"]
        self.assertEqual(progress[-1], 499 / 500.0)
        self.assertLess(len(progress), 100)


if __name__ == "__main__":
    unittest.main()
