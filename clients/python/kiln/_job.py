"""One claimed job inside a worker: what the processor sees (``Job``), the calls made under its
lease, and the background sender of progress and partial results (the heartbeat and the ends of
attempts are the worker's, for all its jobs: ``_batch``)."""

import collections
import logging
import mimetypes
import os
import stat
import threading
import time
import urllib.parse

from ._http import Backoff, retry_delay, to_json
from .errors import Cancelled, KilnError
from .jobinput import JobInput

log = logging.getLogger("kiln.worker")

# A job's progress and partial results go out at most once a second (each costs a request of the
# user's rate, 600 a minute by default: a worker running 4 jobs then spends at most 480).
PROGRESS_INTERVAL = 1.0
MAX_ITEM = 64 * 1024
# Kiln's bounds on a progress report: a stage of 1–200 characters (Java's, UTF-16 units), an ETA up to a year.
MAX_STAGE = 200
MAX_ETA = 366 * 24 * 3600
# A partials batch stays well inside Kiln's JSON body limit (kiln.api.max-json-size, 256 KB).
MAX_BATCH_BYTES = 192 * 1024
MAX_BATCH_ITEMS = 1000
# A result file is sent again at most this often while Kiln is unreachable (a body it keeps cutting
# off, too large for it, must not be sent forever).
UPLOAD_ATTEMPTS = 5


class LeaseLost(Exception):
    """The job is no longer this worker's (409 lease_lost): stop, and write nothing more."""


class Signal:
    """A flag other threads raise; truthy once raised, and ``wait(timeout)`` can sleep on it."""

    def __init__(self):
        self._event = threading.Event()
        self.reason = None

    def set(self, reason=None):
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self):
        return self._event.is_set()

    def wait(self, timeout=None):
        return self._event.wait(timeout)

    def __bool__(self):
        return self._event.is_set()


class Lease:
    """Calls under one job's lease (``/api/v1/worker/jobs/{id}/…``), retried with jittered, capped
    backoff while Kiln is unreachable; ``lease_lost`` raises :class:`LeaseLost`."""

    def __init__(self, http, job_id, token, give_up, on_lost=None):
        self.http = http
        self.job_id = job_id
        self.token = token
        self.give_up = give_up  # a Signal: stop retrying (the job was released or lost)
        self.on_lost = on_lost

    def call(self, op, body=None, raw_items=None, timeout=None, holder=None, retry=True):
        payload = {"lease": self.token}
        payload.update(body or {})
        data = to_json(payload)
        if raw_items is not None:  # partials, serialized once when emitted
            data = data[:-1] + ',"items":[' + ",".join(raw_items) + "]}"
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                answer = self.http.request("POST", "/api/v1/worker/jobs/%s/%s" % (self.job_id, op),
                                           body=data.encode("utf-8"), timeout=timeout, holder=holder,
                                           headers={"Content-Type": "application/json"})
                return answer.json() if answer.body else None
            except KilnError as e:
                if e.status == 409 and e.code == "lease_lost":
                    self.lost(op)
                    raise LeaseLost(op)
                if not (retry and e.transient) or self.give_up:
                    raise
                delay = retry_delay(e, backoff)
                log.warning("job %s: %s failed (%s); again in %.1f s", self.job_id, op, e, delay)
                if self.give_up.wait(delay):
                    raise

    def upload(self, name, source, media_type=None, size=None):
        """PUTs one result file from ``source`` (a binary file object), streamed; sent again while
        Kiln is unreachable only if it can seek back. Returns what Kiln stored: ``{"name", "size",
        "sha256", "mediaType", …}``."""
        headers = {"Kiln-Lease": self.token, "Content-Type": media_type or "application/octet-stream"}
        if size is not None:
            headers["Content-Length"] = str(size)
        path = "/api/v1/worker/jobs/%s/files/%s" % (self.job_id, urllib.parse.quote(name, safe=""))
        start = source.tell() if _seekable(source) else None
        backoff = Backoff(0.5, 10.0)
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            try:
                return self.http.request("PUT", path, body=source, headers=headers).json()
            except KilnError as e:
                if e.status == 409 and e.code == "lease_lost":
                    self.lost("upload")
                    raise LeaseLost("upload")
                if not e.transient or self.give_up or start is None or attempt == UPLOAD_ATTEMPTS:
                    raise
                delay = retry_delay(e, backoff)
                log.warning("job %s: upload of %s failed (%s); again in %.1f s", self.job_id, name, e, delay)
                if self.give_up.wait(delay):
                    raise
                source.seek(start)

    def lost(self, op):
        """Kiln answered ``lease_lost`` to ``op`` (here or in a batched call)."""
        if self.on_lost is not None:
            self.on_lost(op)


class Sender:
    """Sends a job's partial results (in order, in batches) and its progress (coalesced: the latest
    value) from a thread of its own, so the work never waits on the network. Both go on one clock:
    at most once every ``interval`` what is pending goes, the partials in as few requests as Kiln's
    limits allow, then the progress (they count in the user's request rate). A 429 or an unreachable
    Kiln keeps it all queued, never dropped, until its ``Retry-After`` (else a backoff)."""

    def __init__(self, lease, interval=PROGRESS_INTERVAL, clock=time.monotonic):
        self.lease = lease
        self.interval = interval
        self.clock = clock
        self._cond = threading.Condition()
        self._partials = collections.deque()
        self._progress = None
        self._last_tick = None  # when the last round of sending began
        self._draining = False  # a round left partials behind (over a batch's limits): they go at once
        self._hold_until = None  # nothing goes before this (Retry-After, or backoff after a failure)
        self._backoff = Backoff(0.5, 10.0)
        self._closing = False
        self._stopped = False
        self._thread = None
        self.lost = 0  # partial results that never reached Kiln (refused, or a failure in this thread)
        self.lost_error = None

    def start(self):
        """Starts the thread (once): a job's first progress or partial result does, so a job that
        reports nothing costs no thread."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kiln-sender-" + self.lease.job_id,
                                                daemon=True)
                self._thread.start()

    def progress(self, fraction, stage=None, eta_seconds=None):
        body = {"progress": fraction}
        if stage is not None:
            body["stage"] = stage
        if eta_seconds is not None:
            body["etaSeconds"] = eta_seconds
        with self._cond:
            self._progress = body
            self._cond.notify()

    def emit(self, item):
        """Queues one partial result, serialized now (later changes to the object do not count)."""
        raw = to_json(item)
        if len(raw.encode("utf-8")) > MAX_ITEM:
            raise ValueError("a partial result may be at most 64 KiB of JSON")
        with self._cond:
            self._partials.append(raw)
            self._cond.notify()

    def pending(self):
        with self._cond:
            return len(self._partials) + (1 if self._progress is not None else 0)

    def close(self, timeout=None):
        """Sends what is queued (at once, unless Kiln asked to wait), then stops; True when every
        partial result and the last progress reached Kiln."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        return self.pending() == 0 and self.lost == 0

    def stop(self):
        """Stops at once, dropping what is queued (the job is no longer ours)."""
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def next_batch(self):
        """(partials to send, progress to send): blocks until something is due; (None, None) at the end."""
        with self._cond:
            while not self._stopped:
                due = self.ready()
                if due is not None:
                    return due
                if not self._partials and self._progress is None:
                    if self._closing:
                        break
                    self._cond.wait()
                else:
                    self._cond.wait(max(0.01, self._due_at() - self.clock()))
            return None, None

    def ready(self):
        """What is due now, as ``next_batch`` returns it, or None (never blocks)."""
        with self._cond:
            if self._stopped or (not self._partials and self._progress is None):
                return None
            if self.clock() < self._due_at():
                return None
            if not self._draining:
                self._last_tick = self.clock()
            partials = self._take_partials()
            self._draining = bool(self._partials)
            progress = None
            if not self._draining:  # the progress goes with the round's last batch of partials
                progress, self._progress = self._progress, None
            return partials, progress

    def _due_at(self):
        """When what is pending may go: at once while closing or finishing a round, else a whole
        interval after the last round began; never before a Retry-After."""
        due = 0.0 if self._last_tick is None or self._closing or self._draining else self._last_tick + self.interval
        if self._hold_until is not None:
            due = max(due, self._hold_until)
        return due

    def _take_partials(self):
        batch, size = [], 0
        while self._partials and len(batch) < MAX_BATCH_ITEMS:
            item_size = len(self._partials[0].encode("utf-8")) + 1  # Kiln's limit is in bytes
            if batch and size + item_size > MAX_BATCH_BYTES:
                break
            batch.append(self._partials.popleft())
            size += item_size
        return batch

    def _put_back(self, partials, progress, delay):
        """A round that could not be sent: its partials go back in front of any newer ones, its
        progress unless a newer one came, and nothing goes before ``delay`` seconds from now."""
        with self._cond:
            self._partials.extendleft(reversed(partials))
            if progress is not None and self._progress is None:
                self._progress = progress
            self._draining = False
            self._hold_until = self.clock() + delay
            self._cond.notify()

    def send(self, partials, progress):
        """Sends one batch (and the progress); on a 429 or an unreachable Kiln puts it back for later."""
        op = "partials"
        try:
            if partials:
                self.lease.call("partials", raw_items=partials, retry=False)
                partials = []
            if progress is not None:
                op = "progress"
                self.lease.call("progress", progress, retry=False)
            self._backoff.reset()
            with self._cond:
                self._hold_until = None
        except LeaseLost:
            self.stop()
        except KilnError as e:
            if e.transient and not self.lease.give_up:
                delay = retry_delay(e, self._backoff)
                log.warning("job %s: %s failed (%s); sent again in %.1f s", self.lease.job_id, op, e, delay)
                self._put_back(partials, progress, delay)
            else:
                # Refused (not a network failure or a rate limit): say so, and go on with the rest.
                log.error("job %s: Kiln refused %s: %s", self.lease.job_id,
                          "partial results" if op == "partials" else "progress", e)
                self._lost(partials, e)
        except Exception as e:  # noqa: BLE001 — a bug must not end the thread: later reports still go
            log.exception("job %s: sending %s failed", self.lease.job_id, op)
            self._lost(partials, e)

    def _lost(self, partials, error):
        with self._cond:
            self.lost, self.lost_error = self.lost + len(partials), error if partials else self.lost_error

    def _run(self):
        while True:
            partials, progress = self.next_batch()
            if partials is None and progress is None:
                return
            self.send(partials, progress)


class Job:
    """What a processor function gets: ``id``, ``type``, ``params``, ``attempt``, ``max_attempts``,
    ``input`` (None for processors that take no file), ``progress()``, ``emit()``, ``cancelled``."""

    def __init__(self, http, claim, cache_dir=None):
        self.id = claim["id"]
        self.type = claim.get("type")
        self.params = claim.get("params") or {}
        self.attempt = claim.get("attempt", 1)
        self.max_attempts = claim.get("maxAttempts")
        self.cancelled = Signal()  # raised on a cancel request, a lost lease, or shutdown
        self.gone = Signal()  # the lease is lost or released: write nothing more
        self.ending = False  # its end (complete, fail) is on its way: a lost lease is no news then
        self.lease = Lease(http, self.id, claim["lease"], self.gone, self._lost)
        self.sender = Sender(self.lease)
        info = claim.get("input")
        self.input = JobInput(http, info, self.check, cache_dir) if info else None
        self.log = logging.LoggerAdapter(log, {"job": self.id})

    def progress(self, fraction, stage=None, eta_seconds=None):
        """Reports progress (0–1), optionally the stage and seconds left. Cheap: only the latest
        value is sent, at most once a second. ``stage`` is text of 1–200 characters (UTF-16 units,
        as Kiln counts) that UTF-8 can carry; ``eta_seconds`` from 0 to a year. Raises ValueError
        for anything else, and :class:`kiln.Cancelled` once the job must stop."""
        self.check()
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("progress is a fraction from 0 to 1, not %r" % fraction)
        if stage is not None:
            _check_stage(stage)
        if eta_seconds is not None:
            eta_seconds = float(eta_seconds)
            if not 0.0 <= eta_seconds <= MAX_ETA:  # NaN fails this too
                raise ValueError("eta_seconds is from 0 to %d, not %r" % (MAX_ETA, eta_seconds))
        self.sender.start()
        self.sender.progress(fraction, stage, eta_seconds)

    def emit(self, item):
        """Publishes a partial result (any JSON value, ≤ 64 KiB): kept in order, never dropped.
        Raises :class:`kiln.Cancelled` once the job must stop."""
        self.check()
        self.sender.start()
        self.sender.emit(item)

    def upload_file(self, name, source, media_type=None):
        """Uploads a result file for the job's owner to download, streamed (never read whole into
        memory): ``source`` is a path or a binary file object, ``name`` 1–128 of ``A-Za-z0-9._-``.
        Uploading a name again replaces that file. The media type defaults to one guessed from the
        path, else ``application/octet-stream``. Only the files of the attempt that succeeds are
        the job's. Returns what Kiln stored (``name``, ``size``, ``sha256``, ``mediaType``); raises
        :class:`kiln.LeaseLost` when the lease is lost, :class:`kiln.KilnError` when refused."""
        if isinstance(source, (str, bytes, os.PathLike)):
            if media_type is None:
                media_type = mimetypes.guess_type(os.fsdecode(source))[0]
            with open(source, "rb") as stream:
                return self.lease.upload(name, stream, media_type, _remaining(stream))
        return self.lease.upload(name, source, media_type, _remaining(source))

    def check(self):
        """Raises :class:`kiln.Cancelled` if the job must stop; call it in long loops that do not
        report progress."""
        if self.cancelled:
            raise Cancelled(self.cancelled.reason or "cancelled")

    def _lost(self, op):
        if not self.gone:
            self.log.warning("job %s: lease lost (answer to %s); stopping it without a result", self.id, op)
        self.gone.set("lease lost")
        self.cancelled.set("lease lost")

    def close(self):
        if self.input is not None:
            self.input.close()


def _check_stage(stage):
    """Raises ValueError for a stage Kiln would refuse, or that cannot even be sent."""
    try:  # a lone surrogate (a file name read with surrogateescape, say) cannot be UTF-8, nor sent
        stage.encode("utf-8")
    except (AttributeError, UnicodeEncodeError):
        raise ValueError("the stage is text UTF-8 can carry, not %r" % (stage,)) from None
    units = len(stage.encode("utf-16-le")) // 2
    if not 1 <= units <= MAX_STAGE:
        raise ValueError("the stage is 1 to %d characters, not %d" % (MAX_STAGE, units))


def _remaining(stream):
    """Bytes left in a regular file from where it stands, or None (sent chunked) for any other stream."""
    try:
        status = os.fstat(stream.fileno())
        return status.st_size - stream.tell() if stat.S_ISREG(status.st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


def _seekable(source):
    try:
        return source.seekable()
    except (AttributeError, OSError, ValueError):
        return False
