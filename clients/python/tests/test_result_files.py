import io
import os
import socket
import tempfile
import threading
import unittest

from kiln import LeaseLost
from kiln._http import Transport
from kiln._job import Job
from kiln.errors import KilnError

from .fakes import FakeHttp, answer, down, refused


def claim():
    return {"id": "job_1", "type": "render", "params": {}, "attempt": 1, "maxAttempts": 3, "lease": "L1",
            "leaseExpiresAt": "2026-12-04T20:00:15Z", "input": None}


class UploadFileTest(unittest.TestCase):

    def test_a_path_is_streamed_with_its_length_lease_and_guessed_type(self):
        seen = []

        def handle(method, path, body, headers):
            seen.append((method, path, body.read(), headers))  # a file object, read as it is sent
            return answer(200, {"name": "frames.json", "size": 5})

        job = Job(FakeHttp(handle), claim())
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "frames.json")
            with open(path, "wb") as f:
                f.write(b"[1,2]")
            self.assertEqual(job.upload_file("frames.json", path)["size"], 5)
        method, target, body, headers = seen[0]
        self.assertEqual((method, target, body), ("PUT", "/api/v1/worker/jobs/job_1/files/frames.json", b"[1,2]"))
        self.assertEqual(headers["Kiln-Lease"], "L1")
        self.assertEqual(headers["Content-Length"], "5")
        self.assertEqual(headers["Content-Type"], "application/json")

    def test_a_stream_without_a_size_goes_chunked_with_the_given_type(self):
        seen = []

        def handle(method, path, body, headers):
            seen.append(headers)
            return answer(200, {"name": "x"})

        job = Job(FakeHttp(handle), claim())
        job.upload_file("out.bin", io.BytesIO(b"abc"), media_type="application/x-thing")
        self.assertNotIn("Content-Length", seen[0])
        self.assertEqual(seen[0]["Content-Type"], "application/x-thing")

    def test_a_lost_lease_raises_lease_lost_and_stops_the_job(self):
        job = Job(FakeHttp(lambda m, p, b: refused("lease_lost")), claim())
        with self.assertRaises(LeaseLost):
            job.upload_file("out.bin", io.BytesIO(b"abc"))
        self.assertTrue(job.gone)
        self.assertTrue(job.cancelled)

    def test_an_unreachable_kiln_gets_the_file_again_from_its_start(self):
        bodies = []

        def handle(method, path, body, headers):
            bodies.append(body.read())
            return down() if len(bodies) == 1 else answer(200, {"name": "x"})

        job = Job(FakeHttp(handle), claim())
        source = io.BytesIO(b"--header--payload")
        source.seek(10)
        job.upload_file("out.bin", source)
        self.assertEqual(bodies, [b"payload", b"payload"])

    def test_a_refusal_is_raised_not_retried(self):
        calls = []

        def handle(method, path, body, headers):
            calls.append(path)
            return refused("invalid_field", status=400)

        with self.assertRaises(KilnError) as raised:
            Job(FakeHttp(handle), claim()).upload_file("bad name", io.BytesIO(b"x"))
        self.assertEqual(raised.exception.code, "invalid_field")
        self.assertEqual(calls, ["/api/v1/worker/jobs/job_1/files/bad%20name"])


class EarlyAnswerTest(unittest.TestCase):

    def test_a_refusal_sent_before_the_whole_body_was_taken_is_read_not_lost(self):
        """Like a server that answers 413 at once and closes, never reading the rest of a large body."""
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        self.addCleanup(server.close)

        def serve():
            connection, _ = server.accept()
            head = b""
            while b"\r\n\r\n" not in head:
                head += connection.recv(65536)
            body = b'{"code":"file_too_large","detail":"too big","status":413}'
            connection.sendall(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/problem+json\r\n"
                               b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            connection.close()

        threading.Thread(target=serve, daemon=True).start()
        http = Transport("http://127.0.0.1:%d" % server.getsockname()[1], "kiln_t")
        with self.assertRaises(KilnError) as raised:
            http.request("PUT", "/x", body=io.BytesIO(bytes(64 * 1024 * 1024)),
                         headers={"Content-Length": str(64 * 1024 * 1024)})
        self.assertEqual((raised.exception.status, raised.exception.code), (413, "file_too_large"))


if __name__ == "__main__":
    unittest.main()
