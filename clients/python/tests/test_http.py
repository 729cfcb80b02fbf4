import http.server
import json
import socket
import threading
import time
import unittest

from kiln._http import Backoff, Holder, Response, Transport, problem, retry_after
from kiln.errors import KilnError, KilnUnavailable


class BackoffTest(unittest.TestCase):

    def test_delays_double_up_to_the_cap_with_jitter_in_the_upper_half(self):
        low = Backoff(0.5, 4.0, rand=lambda: 0.0)
        self.assertEqual([low.next() for _ in range(6)], [0.25, 0.5, 1.0, 2.0, 2.0, 2.0])
        high = Backoff(0.5, 4.0, rand=lambda: 0.999999)
        self.assertAlmostEqual([high.next() for _ in range(5)][-1], 4.0, places=4)
        high.reset()
        self.assertAlmostEqual(high.next(), 0.5, places=4)

    def test_a_long_outage_does_not_overflow(self):
        backoff = Backoff(1.0, 30.0)
        for _ in range(5000):
            delay = backoff.next()
        self.assertTrue(15.0 <= delay <= 30.0)


class ProblemTest(unittest.TestCase):

    def test_a_problem_document_becomes_a_kiln_error(self):
        body = {"status": 400, "code": "invalid_params", "detail": "params.n must be an integer.",
                "errors": [{"field": "params.n"}]}
        error = problem(Response(400, {"Content-Type": "application/problem+json", "Retry-After": "3"},
                                 json.dumps(body).encode()))
        self.assertEqual((error.status, error.code, error.detail, error.retry_after),
                         (400, "invalid_params", "params.n must be an integer.", 3.0))
        self.assertEqual(error.problem["errors"], [{"field": "params.n"}])
        self.assertFalse(error.transient)

    def test_an_answer_from_a_proxy_still_says_something(self):
        error = problem(Response(502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>"))
        self.assertEqual((error.code, error.detail), ("http_502", "<h1>Bad Gateway</h1>"))
        self.assertTrue(error.transient)

    def test_retry_after_in_seconds_or_as_a_date(self):
        self.assertEqual(retry_after("5"), 5.0)
        self.assertEqual(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0)
        self.assertIsNone(retry_after("soon"))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def do_GET(self):
        Handler.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.endswith("/missing"):
            body = json.dumps({"status": 404, "code": "job_not_found", "detail": "No job x."}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/problem+json")
        else:
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path.endswith("/once"):
            self.close_connection = True  # closes the kept-alive connection without saying so

    def do_POST(self):
        Handler.seen.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class TransportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = "http://127.0.0.1:%d/kiln" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def test_requests_carry_the_token_and_the_urls_prefix(self):
        transport = Transport(self.base, "kiln_x")
        self.addCleanup(transport.close)
        self.assertEqual(transport.request("GET", "/api/v1/jobs").json(), {"path": "/kiln/api/v1/jobs"})
        self.assertEqual(Handler.seen[-1][1], "Bearer kiln_x")

    def test_a_json_body_is_sent_as_utf8(self):
        transport = Transport(self.base, "t")
        self.addCleanup(transport.close)
        transport.request("POST", "/api/v1/jobs", json_body={"text": "\u6f22\u5b57"})
        self.assertEqual(Handler.seen[-1], ("/kiln/api/v1/jobs", '{"text":"\u6f22\u5b57"}'.encode("utf-8")))

    def test_a_connection_the_server_closed_while_idle_is_replaced_once(self):
        transport = Transport(self.base, "t")
        self.addCleanup(transport.close)
        transport.request("GET", "/once")
        self.assertEqual(transport.request("GET", "/after").json()["path"], "/kiln/after")

    def test_error_answers_and_unreachable_servers_raise(self):
        transport = Transport(self.base, "t")
        self.addCleanup(transport.close)
        with self.assertRaises(KilnError) as raised:
            transport.request("GET", "/missing")
        self.assertEqual((raised.exception.status, raised.exception.code), (404, "job_not_found"))
        with self.assertRaises(KilnUnavailable):
            Transport("http://127.0.0.1:9", "t", timeout=2).request("GET", "/x")

    def test_a_request_aborted_while_it_connects_ends_at_once(self):
        # A server that accepts and never answers: a long poll that only an abort ends.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        self.addCleanup(silent.close)
        transport = Transport("http://127.0.0.1:%d" % silent.getsockname()[1], "t", timeout=10)
        self.addCleanup(transport.close)
        holder = Holder()
        opened = transport.new_connection

        def aborted_while_connecting(timeout=None):
            conn = opened(timeout)
            connect = conn.connect

            def connect_after_abort():
                holder.abort()  # the worker's shutdown, before this connection has a socket
                connect()
            conn.connect = connect_after_abort
            return conn
        transport.new_connection = aborted_while_connecting
        started = time.monotonic()
        with self.assertRaises(KilnUnavailable):
            transport.request("POST", "/api/v1/worker/claim", json_body={}, holder=holder)
        self.assertLess(time.monotonic() - started, 5)


if __name__ == "__main__":
    unittest.main()
