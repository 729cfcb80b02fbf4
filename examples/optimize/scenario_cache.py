"""Simulated scenarios on disk, so a repeated job with the same spec skips the simulation.

An entry is one file, ``<key>.scenarios``: the SHA-256 of the canonical spec (the candidates' ids
and distributions, the number of scenarios, the seed) names it; a JSON header line says what it
holds, then come the float32 outcomes, candidate after candidate. Entries older than the TTL
(by the file's modification time) are ignored and deleted. Files are written under a temporary
name and renamed, so several workers may share a directory."""

import array
import hashlib
import json
import logging
import os
import sys
import time
import uuid

log = logging.getLogger("optimize.cache")

SUFFIX = ".scenarios"
TEMPORARY = ".partial-"


def key(material):
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


class ScenarioCache:
    """``ttl`` seconds (0 turns the cache off); ``clock`` is wall-clock time, like file times."""

    def __init__(self, directory, ttl=3600.0, clock=time.time):
        self.directory = directory
        self.ttl = float(ttl)
        self.clock = clock

    @property
    def enabled(self):
        return self.ttl > 0

    def _path(self, name):
        return os.path.join(self.directory, name + SUFFIX)

    def _expired(self, path):
        return self.clock() - os.stat(path).st_mtime > self.ttl

    def load(self, name, candidates, scenarios):
        """The outcomes stored under ``name`` (a list of ``candidates`` arrays of ``scenarios``
        float32 each), or None when there is no live entry. A broken or expired one is deleted."""
        if not self.enabled:
            return None
        path = self._path(name)
        try:
            if self._expired(path):
                self._remove(path)
                return None
            with open(path, "rb") as f:
                header = json.loads(f.readline().decode("utf-8"))
                if header != self._header(name, candidates, scenarios):
                    raise ValueError("the header does not match: %r" % header)
                outcomes = []
                for _ in range(candidates):
                    values = array.array("f")
                    values.fromfile(f, scenarios)  # EOFError when the file is short
                    outcomes.append(values)
                if f.read(1):
                    raise ValueError("the file is longer than its header says")
            return outcomes
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError) as e:
            log.warning("cache entry %s is unreadable (%s); deleting it", path, e)
            self._remove(path)
            return None

    def store(self, name, outcomes):
        """Writes the entry; a cache that cannot be written is logged and otherwise ignored."""
        if not self.enabled:
            return
        path = self._path(name)
        temporary = os.path.join(self.directory, TEMPORARY + uuid.uuid4().hex)
        try:
            os.makedirs(self.directory, exist_ok=True)
            with open(temporary, "wb") as f:
                header = self._header(name, len(outcomes), len(outcomes[0]) if outcomes else 0)
                f.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
                for values in outcomes:
                    values.tofile(f)
            os.replace(temporary, path)
        except OSError as e:
            log.warning("cannot write cache entry %s (%s)", path, e)
            self._remove(temporary)

    def clean(self):
        """Deletes expired entries and temporary files left by a crash; returns how many went."""
        if not self.enabled or not os.path.isdir(self.directory):
            return 0
        removed = 0
        for entry in os.listdir(self.directory):
            path = os.path.join(self.directory, entry)
            if not (entry.endswith(SUFFIX) or entry.startswith(TEMPORARY)):
                continue
            try:
                if self._expired(path):
                    removed += self._remove(path)
            except FileNotFoundError:
                pass  # another worker cleaned it first
        return removed

    @staticmethod
    def _header(name, candidates, scenarios):
        return {"format": 1, "key": name, "candidates": candidates, "scenarios": scenarios,
                "type": "f", "itemsize": array.array("f").itemsize, "byteorder": sys.byteorder}

    @staticmethod
    def _remove(path):
        try:
            os.remove(path)
            return 1
        except OSError:
            return 0
