"""An in-memory stand-in for kiln._http.Transport: answers scripted per request, and a record of
what was asked. Only for the SDK's pure logic; end to end, the SDK meets a real Kiln."""

import inspect
import json
import threading

from kiln._http import Response
from kiln.errors import KilnError, KilnUnavailable


def answer(status=200, body=None, headers=None):
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return Response(status, dict(headers or {}), data)


def refused(code, status=409, detail="refused"):
    return KilnError(status, code, detail)


def down():
    return KilnUnavailable("connection refused")


class Lines:
    """A stream answer (SSE) whose lines run out, or break off with an error."""

    def __init__(self, lines, status=200, then=None):
        self.lines = [l if isinstance(l, bytes) else l.encode() for l in lines]
        self.status = status
        self.headers = {}
        self.then = then
        self.closed = False

    def readline(self):
        if self.lines:
            return self.lines.pop(0)
        if self.then is not None:
            error, self.then = self.then, None
            raise error
        return b""

    def close(self):
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FakeHttp:
    """``handler(method, path, body[, headers])`` returns an answer or raises; every call is recorded."""

    url = "http://kiln.test"
    timeout = 30.0
    max_body = None  # bytes of a JSON body Kiln takes (kiln.api.max-json-size); None: any

    def __init__(self, handler):
        self.handler = handler
        self.calls = []
        self.lock = threading.Lock()

    def request(self, method, path, json_body=None, body=None, headers=None, timeout=None, holder=None):
        if json_body is not None:
            body = json_body
        elif isinstance(body, bytes) and self.max_body is not None and len(body) > self.max_body:
            return _record_refusal(self, method, path, body, headers)
        elif isinstance(body, bytes) and body and "json" in (headers or {}).get("Content-Type", ""):
            try:
                body = json.loads(body.decode())
            except ValueError:
                pass
        with self.lock:
            self.calls.append((method, path, body, dict(headers or {})))
        if len(inspect.signature(self.handler).parameters) == 4:
            result = self.handler(method, path, body, dict(headers or {}))
        else:
            result = self.handler(method, path, body)
        if isinstance(result, Exception):
            raise result
        if result.status >= 400:
            raise KilnError(result.status, "http_%d" % result.status, "error")
        return result

    def open(self, method, path, headers=None, timeout=None):
        with self.lock:
            self.calls.append((method, path, None, dict(headers or {})))
        result = self.handler(method, path, None)
        if isinstance(result, Exception):
            raise result
        return result

    def close(self):
        pass

    def paths(self, method=None):
        with self.lock:
            return [c[1] for c in self.calls if method is None or c[0] == method]


def _record_refusal(http, method, path, body, headers):
    with http.lock:
        http.calls.append((method, path, body, dict(headers or {})))
    raise KilnError(413, "json_too_large", "The JSON body is larger than %d bytes." % http.max_body)


def sse(*events):
    """SSE lines for event dicts (each with seq and kind)."""
    lines = ["retry: 3000\n", "\n"]
    for event in events:
        lines += ["id: %d\n" % event["seq"], "event: %s\n" % event["kind"],
                  "data: %s\n" % json.dumps(event), "\n"]
    return lines


def event(seq, kind="partial", **data):
    return {"job": "job_1", "seq": seq, "kind": kind, "data": data, "ts": "2026-12-04T10:00:%02d.000Z" % (seq % 60)}
