import hashlib
import http.server
import threading
import unittest

from kiln._http import Transport
from kiln.errors import JobError
from kiln.jobinput import JobInput

CONTENT = bytes(range(256)) * 4096  # 1 MiB


class Flaky(http.server.BaseHTTPRequestHandler):
    """Serves CONTENT with Range support; the first whole-file answer breaks off halfway."""
    protocol_version = "HTTP/1.1"
    requests = []

    def do_GET(self):
        Flaky.requests.append((self.headers.get("Authorization"), self.headers.get("Range")))
        start = int(self.headers["Range"][6:-1]) if self.headers.get("Range") else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(CONTENT) - start))
        self.end_headers()
        if len(Flaky.requests) == 1:
            self.wfile.write(CONTENT[: len(CONTENT) // 2])
            self.close_connection = True
            return
        self.wfile.write(CONTENT[start:])

    def log_message(self, *args):
        pass


class JobInputTest(unittest.TestCase):

    def setUp(self):
        Flaky.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.http = Transport("http://127.0.0.1:%d" % self.server.server_address[1], "kiln_w")

    def input(self, sha256):
        info = {"name": "a.bin", "size": len(CONTENT), "mediaType": "application/octet-stream",
                "sha256": sha256, "url": "/api/v1/worker/jobs/job_1/input"}
        job_input = JobInput(self.http, info, lambda: None, sleep=lambda s: None)
        self.addCleanup(job_input.close)
        return job_input

    def test_a_download_cut_off_halfway_resumes_with_a_range_request(self):
        job_input = self.input(hashlib.sha256(CONTENT).hexdigest())
        self.assertEqual(job_input.read(), CONTENT)
        self.assertEqual(Flaky.requests, [("Bearer kiln_w", None), ("Bearer kiln_w", "bytes=%d-" % (len(CONTENT) // 2))])
        self.assertTrue(job_input.path.endswith(".bin"))
        self.assertEqual(len(Flaky.requests), 2, "downloaded once")

    def test_an_input_that_does_not_match_its_hash_fails_the_attempt(self):
        with self.assertRaises(JobError) as raised:
            self.input("00" * 32).read()
        self.assertEqual(raised.exception.code, "input_corrupt")


if __name__ == "__main__":
    unittest.main()
