"""The exceptions the SDK raises, and the ones a worker's processor raises to steer its job."""


class KilnError(Exception):
    """Kiln answered with an error: its RFC 9457 problem document, with a stable ``code``.

    ``status`` is the HTTP status (None when Kiln could not be reached), ``code`` the problem's
    code (branch on it, never on ``detail``), ``problem`` the whole document (it may name a
    ``field``, a ``limit``, ...), ``retry_after`` the seconds of a ``Retry-After`` header, if any.
    """

    def __init__(self, status, code, detail, problem=None, retry_after=None):
        super().__init__("%s: %s" % (code, detail) if status is None else "%s (%s): %s" % (code, status, detail))
        self.status = status
        self.code = code
        self.detail = detail
        self.problem = problem if problem is not None else {"code": code, "detail": detail}
        self.retry_after = retry_after

    @property
    def transient(self):
        """True when the same request may well work later: unreachable, overloaded or restarting."""
        return self.status is None or self.status in (429, 502, 503, 504)


class KilnUnavailable(KilnError):
    """Kiln could not be reached, or the connection dropped before a whole answer came back."""

    def __init__(self, detail):
        super().__init__(None, "unavailable", detail)


class Cancelled(Exception):
    """Raised inside a worker's processor by ``job.progress``/``job.emit`` once the job must stop:
    its owner cancelled it, its lease was lost, or the worker is shutting down past its grace."""


class JobError(Exception):
    """Raise from a processor to fail the attempt with a code of your own (``[a-z0-9_.-]``, at
    most 64 characters) and a message the job's owner sees. ``retryable`` (default True) lets
    Kiln retry with backoff until the processor's ``max_attempts``."""

    def __init__(self, code, message, retryable=True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
