import io
import unittest

from kiln.display import Eta, View, bar_line, duration, parse_time, partial_text, retrying_what
from kiln.errors import KilnError, KilnUnavailable

from .fakes import event


class TtyBuffer(io.StringIO):
    def isatty(self):
        return True


class PartsTest(unittest.TestCase):

    def test_a_partial_shows_its_text_else_compact_json(self):
        self.assertEqual(partial_text({"text": "Hello there", "start": 1.5}), "Hello there")
        self.assertEqual(partial_text({"index": 1, "words": ["ü"]}), '{"index":1,"words":["ü"]}')
        self.assertEqual(partial_text([1, 2]), "[1,2]")

    def test_a_wait_is_said_one_way_by_every_command(self):
        self.assertEqual(retrying_what(KilnError(429, "rate_limited", "slow down")),
                         "Kiln answered 429 rate_limited (slow down)")
        self.assertEqual(retrying_what(KilnUnavailable("connection refused")), "cannot reach Kiln (connection refused)")

    def test_times_as_kiln_writes_them(self):
        self.assertEqual(parse_time("1970-01-01T00:01:00Z"), 60.0)
        self.assertAlmostEqual(parse_time("1970-01-01T00:01:00.25Z"), 60.25)
        self.assertAlmostEqual(parse_time("1970-01-01T00:01:00.123456789Z"), 60.123456789, places=6)
        self.assertEqual(parse_time("1970-01-01T01:00:00+01:00"), 0.0)
        self.assertIsNone(parse_time("yesterday"))

    def test_durations(self):
        self.assertEqual([duration(s) for s in (0, 59.4, 61, 3599, 3600 * 2 + 120)], ["0s", "59s", "1m01s", "59m59s", "2h02m"])

    def test_the_bar_fits_the_terminal(self):
        line = bar_line(0.42, "transcribing", 83, 200)
        self.assertEqual(line, "[##########--------------]  42%  transcribing  ETA 1m23s")
        self.assertEqual(len(bar_line(0.42, "x" * 300, None, 80)), 79)


class EtaTest(unittest.TestCase):

    def test_the_processors_own_eta_wins(self):
        eta = Eta(clock=lambda: 100.0)
        self.assertEqual(eta.update(0.5, 90.0, "1970-01-01T00:02:10Z"), 30.0)

    def test_else_a_straight_line_through_the_attempts_progress(self):
        eta = Eta()
        self.assertIsNone(eta.update(0.1, 10.0))
        self.assertAlmostEqual(eta.update(0.3, 20.0), 35.0)  # 0.2 per 10 s, 0.7 to go
        eta.restart()  # a new attempt starts over
        self.assertIsNone(eta.update(0.0, 30.0))


class ViewTest(unittest.TestCase):

    def test_on_a_terminal_the_bar_is_redrawn_in_place_around_the_text(self):
        out, err = TtyBuffer(), TtyBuffer()
        view = View(out, err, tty=True)
        view.event(event(1, "progress", progress=0.5, stage="reading"))
        view.event(event(2, "partial", text="first words"))
        view.event(event(3, "state", state="succeeded", attempt=1))
        self.assertEqual(out.getvalue(), "first words\n")
        self.assertIn("\r\x1b[K[############------------]  50%  reading", err.getvalue())
        self.assertTrue(err.getvalue().endswith("\r\x1b[Ksucceeded\n"))
        self.assertEqual(view.final_state, "succeeded")

    def test_elsewhere_plain_lines_and_progress_only_when_the_percent_changes(self):
        out, err = io.StringIO(), io.StringIO()
        view = View(out, err)
        for seq, progress in enumerate((0.10, 0.101, 0.2), start=1):
            view.event(event(seq, "progress", progress=progress, stage="s"))
        view.event(event(4, "error", code="boom", message="it broke", retryable=False))
        view.event(event(5, "state", state="failed", attempt=1))
        self.assertEqual(err.getvalue().splitlines(),
                         ["progress: 10%  s", "progress: 20%  s", "error: boom: it broke (not retryable)", "failed"])
        self.assertNotIn("\r", err.getvalue())

    def test_json_lines_print_every_event_as_it_is(self):
        out = io.StringIO()
        view = View(out, io.StringIO(), json_lines=True)
        view.event(event(1, "partial", text="a"))
        self.assertEqual(out.getvalue().count("\n"), 1)
        self.assertIn('"seq":1', out.getvalue())


if __name__ == "__main__":
    unittest.main()
