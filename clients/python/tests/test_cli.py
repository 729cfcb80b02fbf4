import contextlib
import io
import os
import tempfile
import unittest
from unittest import mock

from kiln import cli
from kiln.errors import KilnError

from . import NO_NON_UTF8_TEXT


class CliTest(unittest.TestCase):

    def run_cli(self, *argv, env=None):
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(list(argv), out, err, env if env is not None else {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"})
        return code, out.getvalue(), err.getvalue()

    def test_param_values_are_json_when_they_parse_else_strings(self):
        self.assertEqual(cli.params_of(["n=5", "on=true", "model=en-us", "s=\"5\"", "list=[1,2]", "eq=a=b", "empty="]),
                         {"n": 5, "on": True, "model": "en-us", "s": "5", "list": [1, 2], "eq": "a=b", "empty": ""})
        with self.assertRaises(cli.UsageError):
            cli.parse_param("novalue")

    def test_connection_options_may_come_before_or_after_the_command(self):
        parser = cli.build_parser()
        before = parser.parse_args(["--url", "http://a", "jobs", "--token", "x"])
        self.assertEqual((before.url, before.token), ("http://a", "x"))
        after = parser.parse_args(["follow", "job_1", "--url", "http://b"])
        self.assertEqual(after.url, "http://b")

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.run_cli("jobs", env={})[0], 2)
        self.assertIn("KILN_URL", self.run_cli("jobs", env={})[2])
        self.assertEqual(self.run_cli("jobs", env={"KILN_URL": "http://x"})[0], 2)
        self.assertEqual(self.run_cli("submit", "--processor", "p")[0], 2)
        self.assertEqual(self.run_cli("submit", "a.txt", "--no-input", "--processor", "p")[0], 2)
        self.assertEqual(self.run_cli("submit", "--no-input", "--processor", "p", "--param", "oops")[0], 2)
        self.assertEqual(self.run_cli("upload", "/no/such/file")[0], 2)
        self.assertEqual(self.run_cli("jobs", "--url", "ftp://x")[0], 2)
        self.assertEqual(self.run_cli("follow", "job_1", "--after", "-1")[:3:2], (2, "kiln follow: --after takes a seq, 0 or more\n"))

    def test_a_count_of_zero_or_less_is_a_usage_error(self):
        for argv in (["jobs", "--limit", "0"], ["jobs", "--limit", "-1"], ["jobs", "--limit", "many"],
                     ["batches", "--limit", "0"], ["search", "x", "--limit", "0"], ["upload", "a.txt", "--chunk-size", "0"], ["batch", "a.txt", "-p", "p", "--chunk-size", "0"],
                     ["submit", "a.txt", "-p", "p", "--follow", "--chunk-size", "-5"]):
            shown = io.StringIO()
            with contextlib.redirect_stderr(shown):  # argparse's own message, as for any bad option
                code = cli.main(argv, io.StringIO(), io.StringIO(), {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"})
            self.assertEqual(code, 2, argv)
            self.assertIn("error: argument", shown.getvalue())
        self.assertTrue(shown.getvalue().endswith("error: argument --chunk-size: must be 1 or more, not -5\n"))

    def test_the_job_list_shows_an_error_only_where_it_explains_the_state(self):
        lease = {"code": "lease_expired", "message": "The worker stopped responding", "retryable": True}
        listed = [{"id": "job_1", "type": "t", "state": "succeeded", "error": lease},  # on its 2nd attempt
                  {"id": "job_2", "type": "t", "state": "retry_scheduled", "error": lease},
                  {"id": "job_3", "type": "t", "state": "failed", "error": dict(lease, code="media_unreadable")},
                  {"id": "job_4", "type": "t", "state": "cancelled", "error": lease}]

        class Jobs:
            def jobs(self, state, type, limit, file_id=None):
                return listed

            def close(self):
                pass

        with mock.patch.object(cli, "connect", return_value=Jobs()):
            code, out, _ = self.run_cli("jobs")
        self.assertEqual(code, 0)
        self.assertEqual([line.split()[2:] for line in out.splitlines()],
                         [["succeeded"], ["retry_scheduled", "lease_expired"], ["failed", "media_unreadable"],
                          ["cancelled"]])

    def test_an_argument_that_cannot_be_sent_is_a_usage_error_not_a_traceback(self):
        cases = [(["submit", "--no-input", "-p", "p", "--idempotency-key", "日本"], "--idempotency-key takes ASCII"),
                 (["jobs", "--token", "kiln_日本"], "--token takes ASCII")]
        if not NO_NON_UTF8_TEXT:
            latin1 = os.fsdecode(b"caf\xe9")  # bytes that are not UTF-8, as argv hands them over
            cases += [(["submit", "--no-input", "-p", "p", "--param", "name=" + latin1], "--param is not UTF-8 text"),
                      (["batch-show", latin1], "BATCH is not UTF-8 text"),
                      (["jobs", "--type", latin1], "--type is not UTF-8 text"),
                      (["result", "job_1", "--file", latin1], "--file is not UTF-8 text")]  # a name in the URL
        for argv, said in cases:
            code, _, err = self.run_cli(*argv)
            self.assertEqual(code, 2, argv)
            self.assertIn(said, err)
            self.assertNotIn("日本", err.replace("--idempotency-key takes ASCII characters only, not '日本'", ""))
        code, _, err = self.run_cli("jobs", env={"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "kiln_é"})
        self.assertEqual((code, err), (2, "kiln jobs: the API token has characters no Kiln token has"
                                          " (kiln_ and letters and digits)\n"))

    def test_an_output_closed_by_its_reader_ends_quietly(self):
        class ClosedPipe(io.StringIO):
            def write(self, text):
                raise BrokenPipeError(32, "Broken pipe")

        class Jobs:
            def jobs(self, state, type, limit, file_id=None):
                return [{"id": "job_%d" % i, "type": "t", "state": "queued"} for i in range(3)]

            def close(self):
                pass

        err = io.StringIO()
        with mock.patch.object(cli, "connect", return_value=Jobs()):  # `kiln jobs | head -0`
            code = cli.main(["jobs", "--json"], ClosedPipe(), err, {})
        self.assertEqual((code, err.getvalue()), (141, ""))

    def test_a_closed_output_is_pointed_at_dev_null_without_leaking_a_descriptor(self):
        r, w = os.pipe()
        os.close(r)
        stream = os.fdopen(w, "w")
        stream.write("x")  # flushed into a pipe no one reads: EPIPE
        before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
        cli._silence(stream)
        if before is not None:
            self.assertEqual(len(os.listdir("/proc/self/fd")), before, "the /dev/null descriptor is closed")
        stream.write("more")
        stream.close()  # raises nothing: it goes to /dev/null now

    def test_a_local_file_that_fails_midway_is_a_failure_not_a_traceback(self):
        class Shrunk:
            def upload(self, path, chunk_size, on_progress):
                raise OSError("the file shrank while it was being uploaded")

            def close(self):
                pass

        with tempfile.NamedTemporaryFile() as f, mock.patch.object(cli, "connect", return_value=Shrunk()):
            code, _, err = self.run_cli("upload", f.name)
        self.assertEqual((code, err), (1, "kiln upload: the file shrank while it was being uploaded\n"))

    def test_a_wait_said_on_a_terminal_first_clears_the_line_drawn_there(self):
        class Tty(io.StringIO):
            def isatty(self):
                return True

        limited = KilnError(429, "rate_limited", "slow down")
        tty, plain = Tty(), io.StringIO()
        tty.write("\r\x1b[Kuploading talk.wav: 42%")  # an upload's progress, drawn without a newline
        cli._announce(tty)(limited, 20.0)
        cli._announce(plain)(limited, 20.0)
        self.assertEqual(tty.getvalue(), "\r\x1b[Kuploading talk.wav: 42%"
                                         "\r\x1b[KKiln answered 429 rate_limited (slow down); again in 20.0 s\n")
        self.assertEqual(plain.getvalue(), "Kiln answered 429 rate_limited (slow down); again in 20.0 s\n")

    def test_an_unreachable_kiln_is_a_failure_not_a_usage_error(self):
        with mock.patch("kiln.client.time.sleep") as slept:  # the retries' backoff, not waited out
            code, _, err = self.run_cli("cancel", "job_1", "--url", "http://127.0.0.1:9")
        self.assertEqual((code, slept.call_count), (1, 3))
        self.assertIn("cannot reach Kiln", err)


if __name__ == "__main__":
    unittest.main()
