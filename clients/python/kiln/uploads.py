"""Resumable uploads with tus 1.0 (creation, PATCH in checksummed chunks, HEAD to resume).

The URL of an unfinished upload is kept per file (server, path, size, modification time) in
``$KILN_CACHE`` or ``~/.cache/kiln``, so an upload cut off by a dropped connection, a server
restart or a killed process goes on from the server's offset the next time, not from zero."""

import base64
import contextlib
import email.utils
import errno
import hashlib
import json
import logging
import mimetypes
import os
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # Windows: no lock between processes, each change still written whole
    fcntl = None

from ._http import Backoff, retry_delay
from .errors import KilnError

log = logging.getLogger("kiln.upload")

TUS = {"Tus-Resumable": "1.0.0"}
DEFAULT_CHUNK = 8 * 1024 * 1024
# Answers after which the upload goes on from HEAD's offset (after a pause) rather than failing.
_RESUMABLE_CODES = (
    "offset_mismatch",
    "checksum_mismatch",
    "upload_locked",
    "upload_interrupted",
    "shutting_down",
    "upload_lost",
)
# An entry of the upload cache without an expiry (what a cut ``batch`` run left, an upload Kiln gave
# no Upload-Expires for) is dropped once it has not been written for this long; one with an expiry
# (an unfinished upload: Kiln's Upload-Expires, pushed out by every write) once that has passed by
# EXPIRY_GRACE (the clocks of Kiln and of this machine may differ). A running upload records the
# expiry again whenever Kiln has pushed it out by RENEW_AFTER, so another command's pruning never
# drops an upload that could still resume.
MAX_AGE = 7 * 24 * 3600.0
EXPIRY_GRACE = 3600.0
RENEW_AFTER = 600.0
# Where the cache keeps when each entry was written and until when it is good ({key: [at, expires]}):
# an entry of its own, which earlier versions of this client leave alone.
TIMES = "~times"


def cache_dir():
    configured = os.environ.get("KILN_CACHE")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kiln")


class UploadStore:
    """Upload URLs of unfinished uploads, in one small JSON file written atomically (with what a
    ``batch`` command cut short left for its next run: see :class:`kiln.batchcli.Run`). Each
    change is read, made and written under a lock on ``uploads.json.lock``, so commands running at
    once (two ``batch`` runs, an ``upload`` beside them) keep each other's entries. Each change also
    drops the entries that can no longer serve (see MAX_AGE), so the file does not grow forever."""

    def __init__(self, directory=None, clock=time.time):
        self.file = os.path.join(directory or cache_dir(), "uploads.json")
        self._lock = threading.Lock()
        self._clock = clock

    @staticmethod
    def key(server, path):
        stat = os.stat(path)
        return "%s|%s|%d|%d" % (server, os.path.abspath(path), stat.st_size, stat.st_mtime_ns)

    def get(self, key):
        with self._lock:
            return self._read().get(key)

    def put(self, key, value, expires=None):
        """Keeps ``value`` under ``key``, written now; ``expires`` (seconds since the epoch) is when
        it stops being of use (else it lasts MAX_AGE from now)."""

        def change(entries, times, now):
            entries[key] = value
            times[key] = [now, expires]

        self._change(change)

    def remove(self, *keys):
        self._change(lambda entries, times, now: [entries.pop(key, None) for key in keys])

    def _change(self, change):
        with self._lock, self._locked():
            entries = self._read()
            times = entries.pop(TIMES, None)
            times = times if isinstance(times, dict) else {}
            now = self._clock()
            change(entries, times, now)
            _prune(entries, times, now)
            if times:
                entries[TIMES] = times
            try:
                fd, temp = tempfile.mkstemp(dir=os.path.dirname(self.file), prefix=".uploads-")
                with os.fdopen(fd, "w") as out:
                    json.dump(entries, out, indent=1, sort_keys=True)
                os.replace(temp, self.file)
            except OSError as e:
                # Without a cache the upload still works; it just cannot resume in another process.
                log.warning("cannot write the upload cache %s: %s", self.file, e)

    @contextlib.contextmanager
    def _locked(self):
        """Holds the lock file while a change is read, made and written (no lock where it cannot be had)."""
        handle = None
        try:
            os.makedirs(os.path.dirname(self.file), exist_ok=True)
            if fcntl is not None:
                handle = open(self.file + ".lock", "a")
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except OSError as e:
            log.warning("cannot lock the upload cache %s: %s", self.file, e)
        try:
            yield
        finally:
            if handle is not None:
                handle.close()  # and with it the lock

    @contextlib.contextmanager
    def alone(self, name, on_wait=None):
        """Holds ``name`` against every other process for as long as the block runs (a byte of
        ``uploads.json.runs`` locked, the byte chosen by the name's hash): one asking for the same
        name waits, after ``on_wait()``, until this one is done or dies. No lock where none can be had."""
        handle = None
        try:
            if fcntl is not None:
                os.makedirs(os.path.dirname(self.file), exist_ok=True)
                handle = open(self.file + ".runs", "a")
        except OSError as e:
            log.warning("cannot lock %s: %s", self.file + ".runs", e)
        try:
            if handle is not None:
                byte = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16)
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
                except OSError as e:
                    if e.errno not in (errno.EACCES, errno.EAGAIN):
                        # A file system without locks (NFS without its lock daemon, Lustre without
                        # flock): run unguarded, as a change of the cache does.
                        log.warning("cannot lock %s: %s", handle.name, e)
                    else:  # held by another process
                        if on_wait is not None:
                            on_wait()
                        fcntl.lockf(handle, fcntl.LOCK_EX, 1, byte)
            yield
        finally:
            if handle is not None:
                handle.close()  # and with it the lock

    def _read(self):
        try:
            with open(self.file) as f:
                entries = json.load(f)
            return entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            return {}


def _prune(entries, times, now):
    """Drops the entries past their expiry (by EXPIRY_GRACE) or, without one, written more than
    MAX_AGE ago. An entry of an earlier version of this client, which kept no times, is counted from now."""
    for key in list(entries):
        when = times.get(key)
        try:
            at, expires = float(when[0]), None if when[1] is None else float(when[1])
        except (TypeError, ValueError, IndexError, KeyError):
            times[key] = [now, None]
            continue
        if now > (at + MAX_AGE if expires is None else expires + EXPIRY_GRACE):
            del entries[key]
    for key in list(times):
        if key not in entries:
            del times[key]


def _expires(answer):
    """The Upload-Expires of an answer, in seconds since the epoch (None without one, or unreadable)."""
    value = answer.header("Upload-Expires")
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError, IndexError):
        return None


def upload(transport, path, store, chunk_size=DEFAULT_CHUNK, on_progress=None, patience=300.0, sleep=time.sleep,
           job=None, on_retry=None):
    """Uploads the file at ``path`` and returns (its file id, the job's id or None). Resumes a
    previous unfinished upload of the same file; retries dropped connections and restarts for up
    to ``patience`` seconds without progress. ``on_progress(offset, size)`` is called as bytes are
    acknowledged. ``job`` (``{"type", "params"?, "priority"?}``) is the one-step flow: Kiln checks
    it before any byte is sent and starts the job when the last one is in, exactly once.
    ``on_retry(error, delay)``, when given, hears of each wait before it is waited out (else it is
    logged)."""
    wait = _waiter(on_retry, sleep)
    size = os.path.getsize(path)
    key = UploadStore.key(transport.url, path)
    if job is not None:
        key += "|" + json.dumps(job, sort_keys=True, separators=(",", ":"))
    entry = _Entry(store, key)
    url, offset, done, expires = _resume(transport, store.get(key), patience, wait)
    if done[0] is not None:
        store.remove(key)
        return done
    if url is None:
        (url, expires), offset = _create(transport, path, size, job, patience, wait), 0
    entry.keep(url, expires)
    if offset:
        log.info("resuming the upload of %s at byte %d of %d", path, offset, size)
    if on_progress:
        on_progress(offset, size)
    backoff = Backoff(0.5, 15.0)
    stalled_since = None
    with open(path, "rb") as source:
        while True:
            try:
                offset, done, expires = _patch(transport, url, source, offset, chunk_size, size)
                entry.keep(url, expires)
                backoff.reset()
                stalled_since = None
                if on_progress:
                    on_progress(offset, size)
                if done[0] is not None:
                    store.remove(key)
                    return done
                continue
            except KilnError as e:
                if e.status in (404, 410):
                    store.remove(key)  # terminated or expired on the server: a new upload next time
                    raise
                if not (e.transient or e.code in _RESUMABLE_CODES):
                    raise
                stalled_since = stalled_since or time.monotonic()
                if time.monotonic() - stalled_since > patience:
                    raise
                wait("upload of %s interrupted" % path, e, retry_delay(e, backoff))
            offset, done, expires = _offset(transport, url, patience, wait)
            entry.keep(url, expires)
            if done[0] is not None:
                store.remove(key)
                return done


class _Entry:
    """An upload's entry in the cache: its URL, written again with the expiry of Kiln's answers
    whenever Kiln has pushed it out by RENEW_AFTER (each write pushes it out), so the entry lives as
    long as the upload can resume."""

    def __init__(self, store, key):
        self.store, self.key = store, key
        self.url, self.expires = None, None

    def keep(self, url, expires):
        if expires is None and self.url == url:
            return  # finished, or no expiry told: nothing new
        if self.url == url and self.expires is not None and expires - self.expires < RENEW_AFTER:
            return
        self.store.put(self.key, url, expires)
        self.url, self.expires = url, expires


def _completion(answer):
    """(file id, job id) from an answer; the file id is None while the upload is unfinished."""
    return answer.header("Kiln-File-Id"), answer.header("Kiln-Job-Id")


def _resume(transport, url, patience, wait):
    """(url, offset, completion, expiry) of a stored upload the server still has, else (None, 0, (None, None), None)."""
    if url is None or not isinstance(url, str):
        return None, 0, (None, None), None
    try:
        head = _persisting(lambda: transport.request("HEAD", url, headers=TUS),
                           "cannot ask where the upload stands", patience, wait)
    except KilnError as e:
        if e.transient or e.status >= 500:
            raise
        return None, 0, (None, None), None  # gone (404 / 410) or not ours: start again
    return url, int(head.header("Upload-Offset", "0")), _completion(head), _expires(head)


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def file_name(path):
    """The file's name as text Kiln can take: bytes of a name that are not UTF-8 (an old archive's
    Latin-1, say), which Python keeps as lone surrogates, become U+FFFD instead of an error; so does
    a lone surrogate that stands for no byte of a name (one a program made up)."""
    name = os.path.basename(path)
    try:
        return os.fsencode(name).decode("utf-8", "replace")
    except UnicodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in name)


def _create(transport, path, size, job, patience, wait):
    name = file_name(path)
    metadata = ["filename " + _b64(name)]
    guessed = mimetypes.guess_type(name)[0]
    if guessed:
        metadata.append("filetype " + _b64(guessed))
    if job is not None:
        metadata.append("processor " + _b64(job["type"]))
        for field in ("params", "priority"):
            if job.get(field) is not None:
                value = json.dumps(job[field], separators=(",", ":"), allow_nan=False)  # NaN is not JSON
                metadata.append("%s %s" % (field, _b64(value)))
    metadata = ",".join(metadata)
    headers = dict(TUS)
    headers.update({"Upload-Length": str(size), "Upload-Metadata": metadata})
    # Nothing is made by a refused or unanswered creation (an answer lost on the way leaves an
    # upload no one resumes, which expires): sent again after a 429, a restart or a dropped link.
    created = _persisting(lambda: transport.request("POST", "/api/v1/uploads", body=b"", headers=headers),
                          "cannot start the upload of %s" % path, patience, wait)
    location = created.header("Location")
    if not location:
        raise KilnError(created.status, "bad_answer", "the upload was created without a Location")
    return location, _expires(created)


def _patch(transport, url, source, offset, chunk_size, size):
    source.seek(offset)
    chunk = source.read(chunk_size)
    headers = dict(TUS)
    headers.update({
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": str(offset),
        "Upload-Checksum": "sha1 " + base64.b64encode(hashlib.sha1(chunk).digest()).decode("ascii"),
    })
    if not chunk and offset < size:
        raise OSError("the file shrank while it was being uploaded")
    answer = transport.request("PATCH", url, body=chunk, headers=headers, timeout=max(60.0, transport.timeout))
    return int(answer.header("Upload-Offset", str(offset + len(chunk)))), _completion(answer), _expires(answer)


def _offset(transport, url, patience, wait):
    """Where the server stands (HEAD), asked until it answers or ``patience`` runs out."""
    head = _persisting(lambda: transport.request("HEAD", url, headers=TUS),
                       "cannot ask where the upload stands", patience, wait)
    return int(head.header("Upload-Offset", "0")), _completion(head), _expires(head)


def _waiter(on_retry, sleep):
    """``wait(what, error, delay)``: says the wait (to ``on_retry``, else the log), then waits it out."""

    def wait(what, error, delay):
        if on_retry is not None:
            on_retry(error, delay)
        else:
            log.warning("%s (%s); again in %.1f s", what, error, delay)
        sleep(delay)

    return wait


def _persisting(send, what, patience, wait):
    """``send()``, sent again after a transient failure (unreachable, restarting, 429) with backoff
    or Kiln's Retry-After, until it answers or ``patience`` seconds have passed."""
    backoff = Backoff(0.5, 15.0)
    started = time.monotonic()
    while True:
        try:
            return send()
        except KilnError as e:
            if not e.transient or time.monotonic() - started > patience:
                raise
            wait(what, e, retry_delay(e, backoff))
