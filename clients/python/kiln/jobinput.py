"""A claimed job's input file, downloaded on first use to a temporary file (resuming with Range
requests after a dropped connection) and checked against its size and SHA-256."""

import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import threading
import time

from ._http import Backoff, describe, retry_delay
from .errors import JobError, KilnError

log = logging.getLogger("kiln.worker")

BLOCK = 1024 * 1024


class JobInput:
    """``name``, ``size``, ``media_type``, ``sha256``; ``path`` (a local copy), ``open()``, ``read()``."""

    def __init__(self, http, info, check, directory=None, patience=300.0, sleep=time.sleep):
        self.http = http
        self.name = info.get("name")
        self.size = info.get("size")
        self.media_type = info.get("mediaType")
        self.sha256 = info.get("sha256")
        self.url = info["url"]
        self._check = check  # raises Cancelled when the job must stop
        self._directory = directory
        self._patience = patience
        self._sleep = sleep
        self._lock = threading.Lock()
        self._temp = None
        self._path = None

    @property
    def path(self):
        """The local copy's path, downloaded on first use (deleted when the job ends)."""
        with self._lock:
            if self._path is None:
                self._temp = tempfile.mkdtemp(prefix="kiln-input-", dir=self._directory)
                suffix = os.path.splitext(self.name or "")[1]
                path = os.path.join(self._temp, "input" + suffix)
                self._download(path)
                self._path = path
            return self._path

    def open(self):
        return open(self.path, "rb")

    def read(self):
        with self.open() as f:
            return f.read()

    def close(self):
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)

    def _download(self, path):
        backoff = Backoff(0.5, 15.0)
        stalled_since = None
        with open(path, "wb") as out:
            while True:
                self._check()
                before = out.tell()
                try:
                    self._fetch(out)
                    break
                except KilnError as e:
                    if not e.transient:
                        raise
                    failure = e
                except (OSError, http.client.HTTPException) as e:
                    failure = KilnError(None, "unavailable", describe(e))
                if out.tell() > before:
                    stalled_since = None
                    backoff.reset()
                stalled_since = stalled_since or time.monotonic()
                if time.monotonic() - stalled_since > self._patience:
                    raise failure
                delay = retry_delay(failure, backoff)
                log.warning("input of %s: download interrupted at byte %d (%s); resuming in %.1f s",
                            self.name, out.tell(), failure, delay)
                self._sleep(delay)
        self._verify(path)

    def _fetch(self, out):
        offset = out.tell()
        headers = {"Accept": "*/*"}
        if offset:
            headers["Range"] = "bytes=%d-" % offset
        with self.http.open("GET", self.url, headers=headers, timeout=60.0) as answer:
            if offset and answer.status != 206:
                out.seek(0)  # the server sent the whole file: start over
                out.truncate()
            while True:
                self._check()
                block = answer.read(BLOCK)
                if not block:
                    break
                out.write(block)
        out.flush()
        if self.size is not None and out.tell() < self.size:
            raise KilnError(None, "unavailable", "the input ended at byte %d of %d" % (out.tell(), self.size))

    def _verify(self, path):
        if self.size is not None and os.path.getsize(path) != self.size:
            raise JobError("input_corrupt", "the input has %d bytes, not %d" % (os.path.getsize(path), self.size))
        if self.sha256:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(BLOCK), b""):
                    digest.update(block)
            if digest.hexdigest() != self.sha256.lower():
                raise JobError("input_corrupt", "the input's SHA-256 is not the one Kiln recorded")
