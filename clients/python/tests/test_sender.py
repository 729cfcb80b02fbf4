import threading
import unittest

from kiln import _job
from kiln._job import Sender, Signal


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

    def test_progress_waits_for_its_interval_unless_closing(self):
        self.sender._last_progress = 0.0
        self.clock.now = 0.1
        self.sender.emit("x")
        self.sender.progress(0.6)
        self.assertEqual(self.sender.next_batch(), (['"x"'], None), "not due yet: partials only")
        self.clock.now = 0.25
        self.assertEqual(self.sender.next_batch(), ([], {"progress": 0.6}))
        self.sender.progress(0.7)
        self.sender._last_progress = 0.25
        self.sender._closing = True
        self.assertEqual(self.sender.next_batch(), ([], {"progress": 0.7}), "closing sends it at once")
        self.assertEqual(self.sender.next_batch(), (None, None))

    def test_batches_keep_within_kilns_limits(self):
        for i in range(_job.MAX_BATCH_ITEMS + 5):
            self.sender.emit(i)
        self.assertEqual(len(self.sender.next_batch()[0]), _job.MAX_BATCH_ITEMS)
        self.assertEqual(len(self.sender.next_batch()[0]), 5)
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


class BackgroundTest(unittest.TestCase):

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
