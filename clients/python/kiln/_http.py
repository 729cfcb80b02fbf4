"""HTTP to one Kiln: a keep-alive connection per thread, problem documents turned into KilnError,
network failures into KilnUnavailable, and the jittered backoff every retry loop shares."""

import http.client
import json
import random
import socket
import ssl
import threading
import time
import urllib.parse

from . import __version__
from .errors import KilnError, KilnUnavailable

# Failures of a request on a kept-alive connection that the server may have closed while idle.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class Backoff:
    """Exponential backoff with jitter: the n-th delay is drawn from [d/2, d] with
    d = min(cap, initial * 2**n), so many clients retrying together spread out."""

    def __init__(self, initial=0.5, cap=30.0, rand=None):
        self.initial = initial
        self.cap = cap
        self.failures = 0
        self._rand = rand or random.random

    def next(self):
        ceiling = min(self.cap, self.initial * (2 ** min(self.failures, 32)))
        self.failures += 1
        return ceiling / 2 + self._rand() * ceiling / 2

    def reset(self):
        self.failures = 0


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class Holder:
    """Lets another thread abort a request in flight (a worker's long poll at shutdown)."""

    def __init__(self):
        self.connection = None
        self.aborted = False

    def abort(self):
        self.aborted = True
        conn = self.connection
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Transport:
    """Requests to the Kiln at ``url`` (``http(s)://host[:port][/prefix]``) with a bearer token."""

    def __init__(self, url, token, timeout=30.0):
        if not url:
            raise ValueError("a Kiln URL is needed (e.g. http://localhost:8080)")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the Kiln URL must be http:// or https:// with a host, not %r" % url)
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._local = threading.local()
        self.user_agent = "kiln-python/%s" % __version__

    def path(self, path):
        """A path of the API, or an absolute URL on this server, as a request target."""
        if path.startswith("http://") or path.startswith("https://"):
            parts = urllib.parse.urlsplit(path)
            return parts.path + ("?" + parts.query if parts.query else "")
        if path.startswith(self._prefix + "/") and self._prefix:
            return path
        return self._prefix + path

    def new_connection(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def headers(self, extra=None):
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if extra:
            headers.update(extra)
        return headers

    def request(self, method, path, json_body=None, body=None, headers=None, timeout=None, holder=None):
        """Sends one request and reads the whole answer; raises KilnError for 4xx/5xx and
        KilnUnavailable when the server cannot be reached or the connection drops."""
        all_headers = self.headers(headers)
        if json_body is not None:
            body = to_json(json_body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        if isinstance(body, (bytes, bytearray)):
            all_headers["Content-Length"] = str(len(body))
        # A file object is streamed as it is read: with the caller's Content-Length, else chunked.
        start = _position(body)
        target = self.path(path)
        for attempt in (1, 2):
            conn, reused = self._pooled(timeout, holder)
            try:
                if holder is not None:
                    if not holder.aborted and conn.sock is None:
                        # Connected here, not inside the request: an abort() while connecting found
                        # no socket to shut, and is seen by the check below instead.
                        conn.connect()
                    if holder.aborted:
                        raise OSError("aborted")
                answer = _exchange(conn, method, target, body, all_headers)
                data = answer.read()
                response = Response(answer.status, answer.headers, data)
                if answer.will_close:
                    conn.close()
                self._local.used = True
                break
            except _STALE as e:
                conn.close()
                self._local.used = False
                if reused and attempt == 1 and not (holder and holder.aborted) and _rewind(body, start):
                    continue  # the server closed the idle connection: once more on a fresh one
                raise KilnUnavailable("%s %s: %s" % (method, target, describe(e)))
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._local.used = False
                raise KilnUnavailable("%s %s: %s" % (method, target, describe(e)))
            finally:
                if holder is not None:
                    holder.connection = None
        if response.status >= 400:
            raise problem(response)
        return response

    def close(self):
        """Closes this thread's kept-alive connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _pooled(self, timeout, holder):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.new_connection()
            self._local.used = False
        timeout = self.timeout if timeout is None else timeout
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        if holder is not None:
            holder.connection = conn
        reused = conn.sock is not None and getattr(self._local, "used", False)
        return conn, reused

    def open(self, method, path, headers=None, timeout=None):
        """Starts a request on a connection of its own and returns the answer unread (a stream:
        SSE, a download); the caller closes it. Error answers raise as in :meth:`request`."""
        conn = self.new_connection(timeout)
        target = self.path(path)
        try:
            conn.request(method, target, headers=self.headers(headers))
            answer = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise KilnUnavailable("%s %s: %s" % (method, target, describe(e)))
        if answer.status >= 400:
            try:
                data = answer.read()
            except (OSError, http.client.HTTPException):
                data = b""
            conn.close()
            raise problem(Response(answer.status, answer.headers, data))
        return Stream(conn, answer, "%s %s" % (method, target))


class Stream:
    """An answer being read; ``status``, ``headers``, ``readline()``, ``read(n)``, ``close()``."""

    def __init__(self, conn, answer, what="GET"):
        self._conn = conn
        self.answer = answer
        self.status = answer.status
        self.headers = answer.headers
        self._what = what

    def readline(self):
        return self.answer.readline()

    def read(self, n=-1):
        """Up to ``n`` bytes of the body, b"" at its end. A connection that fails, or closes before
        the Content-Length (or the last chunk) came, raises KilnUnavailable: the answer is cut short."""
        try:
            data = self.answer.read(n)
        except (OSError, http.client.HTTPException) as e:
            raise KilnUnavailable("%s: %s" % (self._what, describe(e)))
        if self.answer.length and (n is None or n < 0 or (n and not data)):
            # http.client answers b"" when the connection closes early; what was announced did not come.
            raise KilnUnavailable("%s: the connection closed %d bytes before the end of the answer"
                                  % (self._what, self.answer.length))
        return data

    def close(self):
        try:
            self.answer.close()
        finally:
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _exchange(conn, method, target, body, headers):
    """Sends the request and returns the answer. A server that refuses a streamed body early (too
    large, say) answers and may close before taking it all: that answer is read, not lost."""
    try:
        conn.request(method, target, body=body, headers=headers)
    except (OSError, http.client.HTTPException):
        if body is None or isinstance(body, (bytes, bytearray)):
            raise
        try:
            return conn.getresponse()
        except (OSError, http.client.HTTPException):
            pass
        raise
    return conn.getresponse()


def _position(body):
    """Where a file-object body starts, so it can be sent again; None for bytes or a stream that cannot seek."""
    if body is None or isinstance(body, (bytes, bytearray)):
        return None
    try:
        return body.tell() if body.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _rewind(body, start):
    """Makes the body ready to be sent again: always for bytes, for a stream only if it can seek back."""
    if body is None or isinstance(body, (bytes, bytearray)):
        return True
    if start is None:
        return False
    body.seek(start)
    return True


def to_json(value):
    """Compact JSON text, non-ASCII kept as is: sent as UTF-8, not as \\uXXXX escapes, which double
    the bytes of CJK text (and Kiln's body limits count bytes). NaN and infinities are not JSON:
    they raise ValueError here, at the call, rather than have Kiln refuse the whole request."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# The longest Retry-After a retry loop waits out (a rate limit's window is a minute by default).
MAX_RETRY_AFTER = 120.0


def retry_delay(error, backoff):
    """How long to wait before sending again after a transient ``error``: its ``Retry-After`` when
    Kiln gave one (a 429 means it: sending sooner only earns more 429s), else the next backoff."""
    if error.retry_after is not None:
        return min(error.retry_after, MAX_RETRY_AFTER)
    return backoff.next()


def describe(error):
    text = str(error)
    name = type(error).__name__
    return name if not text else "%s: %s" % (name, text)


def problem(response):
    """The KilnError for an error answer: its problem document, or what can be made of the body."""
    document = None
    if "json" in (response.header("Content-Type") or ""):
        try:
            document = response.json()
        except ValueError:
            document = None
    if not isinstance(document, dict):
        text = response.body.decode("utf-8", "replace").strip()[:300]
        document = {"status": response.status, "code": "http_%d" % response.status,
                    "detail": text or http.client.responses.get(response.status, "HTTP error")}
    code = document.get("code") or "http_%d" % response.status
    detail = document.get("detail") or document.get("title") or http.client.responses.get(response.status, "")
    return KilnError(response.status, code, detail, document, retry_after(response.header("Retry-After")))


def retry_after(value):
    """Seconds from a Retry-After header (a number of seconds, or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None
