"""The command line's downloads (``result --file NAME -o FILE``, ``batch-download``) against a real
HTTP server that fails them: a transient failure before or during the transfer is retried from the
start, a refusal is not, and the file is there only when whole."""

import http.server
import io
import json
import os
import tempfile
import threading
import unittest
from unittest import mock

from kiln import Client, cli
from kiln.errors import KilnError

CONTENT = bytes(range(256)) * 1024  # 256 KiB: more than one read of the copy loop


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each GET with the next step of ``script`` (the last one repeats): ``"whole"``,
    ``"half"`` (half the announced body, then the connection drops), ``"chunked-half"`` (the same,
    chunked) or a status with its headers, ``(503, {"Retry-After": "1"})``."""
    protocol_version = "HTTP/1.1"
    script = ["whole"]
    requests = []

    def do_GET(self):
        Scripted.requests.append(self.path)
        step = Scripted.script[min(len(Scripted.requests), len(Scripted.script)) - 1]
        if isinstance(step, tuple):
            status, headers = step
            body = json.dumps({"status": status, "code": "file_not_found" if status == 404 else "http_%d" % status,
                               "detail": "Job job_1 has no result file of that name."}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/problem+json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if step == "chunked-half":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = CONTENT[: len(CONTENT) // 2]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
        else:
            self.send_header("Content-Length", str(len(CONTENT)))
            self.end_headers()
            self.wfile.write(CONTENT if step == "whole" else CONTENT[: len(CONTENT) // 2])
        if step != "whole":
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, *args):
        pass


class DownloadRetryTest(unittest.TestCase):

    def setUp(self):
        Scripted.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = directory.name
        self.output = os.path.join(directory.name, "out.bin")
        sleep = mock.patch("kiln.client.time.sleep")  # the backoff's delays, recorded, not waited out
        self.slept = sleep.start()
        self.addCleanup(sleep.stop)

    def run_cli(self, script, *argv):
        Scripted.script = script
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(list(argv) + ["-o", self.output], out, err, {"KILN_URL": self.url, "KILN_TOKEN": "kiln_t"})
        return code, err.getvalue()

    def result_file(self, *script):
        return self.run_cli(list(script), "result", "job_1", "--file", "frames.bin")

    def delays(self):
        return [c.args[0] for c in self.slept.call_args_list]

    def assert_written(self, code, err, *waits):
        self.assertEqual((code, err), (0, "".join(w + "\n" for w in waits)
                                       + "wrote %d bytes to %s\n" % (len(CONTENT), self.output)))
        with open(self.output, "rb") as f:
            self.assertEqual(f.read(), CONTENT)
        self.assertEqual(os.listdir(self.directory), [os.path.basename(self.output)], "no .part left")

    def test_a_503_is_retried_and_the_file_then_downloaded(self):
        code, err = self.result_file((503, {}), "whole")
        self.assert_written(code, err)
        self.assertEqual(Scripted.requests, ["/api/v1/jobs/job_1/files/frames.bin"] * 2)
        self.assertEqual(len(self.delays()), 1)
        self.assertLessEqual(self.delays()[0], 0.5)

    def test_a_429_waits_its_retry_after(self):
        code, err = self.result_file((429, {"Retry-After": "2"}), (502, {}), "whole")
        # A wait that could pass for a hang is said (a 429's may be a minute); a short backoff is not.
        self.assert_written(code, err, "Kiln answered 429 http_429 (Job job_1 has no result file of that name.);"
                                       " again in 2.0 s")
        self.assertEqual(len(Scripted.requests), 3)
        self.assertEqual(self.delays()[0], 2.0)

    def test_a_long_retry_after_is_waited_out_up_to_the_sdks_one_cap(self):
        # The same rule as every other retry loop of the SDK (``retry_delay``): a long Retry-After
        # is honoured, up to two minutes, not swapped for a short backoff that earns another 429.
        code, err = self.result_file((429, {"Retry-After": "45"}), (503, {"Retry-After": "600"}), "whole")
        self.assert_written(code, err, "Kiln answered 429 http_429 (Job job_1 has no result file of that name.);"
                                       " again in 45.0 s",
                            "Kiln answered 503 http_503 (Job job_1 has no result file of that name.);"
                            " again in 120.0 s")
        self.assertEqual(self.delays(), [45.0, 120.0])

    def test_a_connection_dropped_halfway_starts_the_file_over(self):
        code, err = self.result_file("half", "whole")
        self.assert_written(code, err)  # the first half is not written twice
        self.assertEqual(len(Scripted.requests), 2)

    def test_a_batch_zip_cut_off_mid_chunk_is_downloaded_again(self):
        code, err = self.run_cli(["chunked-half", "half", "whole"], "batch-download", "batch_1", "--format", "txt")
        self.assert_written(code, err)
        self.assertEqual(Scripted.requests, ["/api/v1/batches/batch_1/download?format=txt"] * 3)

    def test_a_404_is_not_retried_and_leaves_no_file(self):
        code, err = self.result_file((404, {}), "whole")
        self.assertEqual(code, 1)
        self.assertEqual(err, "kiln result: Job job_1 has no result file of that name. [404 file_not_found]\n")
        self.assertEqual(len(Scripted.requests), 1)
        self.assertEqual((os.listdir(self.directory), self.slept.call_count), ([], 0))

    def test_a_download_that_keeps_failing_gives_up_after_the_retries_and_leaves_no_file(self):
        code, err = self.result_file("half")
        self.assertEqual(code, 1)
        self.assertIn("the connection closed %d bytes before the end" % (len(CONTENT) // 2), err)
        self.assertEqual(len(Scripted.requests), 4, "the first try and Client's 3 retries")
        self.assertEqual(os.listdir(self.directory), [])

    def test_an_output_that_cannot_be_written_is_named_before_anything_is_downloaded(self):
        self.output = os.path.join(self.directory, "missing", "out.zip")
        code, err = self.run_cli(["whole"], "batch-download", "batch_1")
        self.assertEqual((code, err), (1, "kiln batch-download: %s: No such file or directory\n" % self.output))
        self.output = self.directory
        code, err = self.result_file("whole")
        self.assertEqual((code, err), (1, "kiln result: %s: Is a directory\n" % self.directory))
        self.assertEqual(Scripted.requests, [], "nothing downloaded to be thrown away")
        code, err = self.run_cli(["whole"], "result", "job_1", "--format", "txt")  # the rendered result
        self.assertEqual((code, err), (1, "kiln result: %s: Is a directory\n" % self.directory))
        self.output = os.path.join(self.directory, "missing", "out.txt")
        code, err = self.run_cli(["whole"], "result", "job_1")
        self.assertEqual((code, err), (1, "kiln result: %s: No such file or directory\n" % self.output))
        self.assertEqual(Scripted.requests, [], "the output is checked before the result is asked for")
        self.output = os.path.join(self.directory, "out.txt")
        self.assert_written(*self.run_cli(["whole"], "result", "job_1"))

    def test_an_output_that_cannot_seek_is_not_retried_once_written_to(self):
        class Pipe(io.BytesIO):
            def seekable(self):
                return False

        Scripted.script = ["half", "whole"]
        pipe = Pipe()
        with Client(self.url, "kiln_t") as client, self.assertRaises(KilnError) as raised:
            client.download_file("job_1", "frames.bin", pipe)
        self.assertIsNone(raised.exception.status)
        self.assertEqual((len(Scripted.requests), pipe.getvalue()), (1, CONTENT[: len(CONTENT) // 2]))
        Scripted.script, Scripted.requests, pipe = [(503, {}), "whole"], [], Pipe()
        with Client(self.url, "kiln_t") as client:
            self.assertEqual(client.download_file("job_1", "frames.bin", pipe), len(CONTENT))
        self.assertEqual((len(Scripted.requests), pipe.getvalue()), (2, CONTENT))


if __name__ == "__main__":
    unittest.main()
