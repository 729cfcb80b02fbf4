"""Following a job's event log over SSE (or long polling), resumed from the last seq after any
drop: each event is yielded once, in seq order, whatever happens to the connection."""

import http.client
import json
import logging
import time

from ._http import Backoff, describe, retry_delay
from .errors import KilnError, KilnUnavailable

log = logging.getLogger("kiln.events")

TERMINAL_STATES = ("succeeded", "failed", "cancelled")
# Kiln sends a comment every 15 s on an idle stream; silence for much longer means a dead link.
SILENCE = 45.0


def is_terminal(event):
    return event.get("kind") == "state" and (event.get("data") or {}).get("state") in TERMINAL_STATES


def parse_sse(lines):
    """Server-Sent Events from an iterable of raw lines (bytes): yields (id, event, data) per
    dispatched event; comments and ``retry:`` are skipped."""
    event_id, name, data = None, None, []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event_id, name or "message", "\n".join(data)
            event_id, name, data = None, None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "id":
            event_id = value
        elif field == "event":
            name = value


class Follower:
    """Yields a job's events after ``after``, exactly once each and in order, until its terminal
    event, over ``transport`` ``"sse"`` or ``"poll"``. Network failures, restarts and draining
    nodes are retried forever with backoff (``on_retry(error, delay)`` hears of each), unless
    ``patience`` (seconds without any answer) is given."""

    def __init__(self, http, job_id, after=0, transport="sse", on_retry=None, patience=None, sleep=time.sleep):
        if transport not in ("sse", "poll"):
            raise ValueError("transport is 'sse' or 'poll'")
        self.http = http
        self.job_id = job_id
        self.last = after
        self.transport = transport
        self.on_retry = on_retry
        self.patience = patience
        self.sleep = sleep
        self.finished = False

    def __iter__(self):
        backoff = Backoff(0.5, 5.0)
        failing_since = None
        while not self.finished:
            try:
                reader = self._sse if self.transport == "sse" else self._poll
                for event in reader():
                    backoff.reset()
                    failing_since = None
                    yield event
                failing_since = None
                if not self.finished:
                    # The stream ended early (slow client, a draining node): resume without delay once.
                    self.sleep(min(backoff.next(), 1.0))
            except KilnError as e:
                if not e.transient:
                    raise
                failing_since = failing_since or time.monotonic()
                if self.patience is not None and time.monotonic() - failing_since > self.patience:
                    raise
                delay = retry_delay(e, backoff)
                if self.on_retry:
                    self.on_retry(e, delay)
                else:
                    log.warning("following %s: %s; resuming after seq %d in %.1f s", self.job_id, e, self.last, delay)
                self.sleep(delay)

    def _accept(self, event):
        """The event if it is the next one (and marks the end), None if already seen."""
        seq = event["seq"]
        if seq <= self.last:
            return None
        self.last = seq
        if is_terminal(event):
            self.finished = True
        return event

    def _poll(self, wait=25, limit=1000):
        page = self.http.request(
            "GET", "/api/v1/jobs/%s/events?after=%d&limit=%d&wait=%d" % (self.job_id, self.last, limit, wait),
            timeout=wait + 15.0).json()
        items = page.get("items", [])
        for event in items:
            if self._accept(event) is not None:
                yield event
        if not items and wait > 0:
            # Nothing after the last seq: a finished job's log seen to its end (SSE answers 204) ends here.
            self._check_end()

    def _check_end(self):
        """Marks the end when the job has finished and its log holds nothing after the last seq."""
        job = self.http.request("GET", "/api/v1/jobs/%s" % self.job_id).json() or {}
        if job.get("state") in TERMINAL_STATES and job.get("seq", 0) <= self.last:
            self.finished = True

    def _sse(self):
        headers = {"Accept": "text/event-stream", "Last-Event-ID": str(self.last)}
        stream = self.http.open("GET", "/api/v1/jobs/%s/events?after=%d" % (self.job_id, self.last),
                                headers=headers, timeout=SILENCE)
        with stream:
            if stream.status == 204:  # finished, and seen to the end
                self.finished = True
                return
            fresh = False
            try:
                for seq, _, data in parse_sse(iter(stream.readline, b"")):
                    event = json.loads(data)
                    if event.get("seq") is None and seq is not None:
                        event["seq"] = int(seq)
                    # A gap (never expected): the missing events are read from the log first.
                    while not self.finished and self.last + 1 < event["seq"]:
                        before = self.last
                        for missing in self._poll(wait=0, limit=min(1000, event["seq"] - 1 - self.last)):
                            yield missing
                        if self.last == before:
                            break
                    if self._accept(event) is not None:
                        fresh = True
                        yield event
                    if self.finished:
                        return
            except (OSError, ValueError, http.client.HTTPException) as e:
                # Includes a read timeout (silence) and IncompleteRead when a server dies mid-chunk.
                raise KilnUnavailable("the event stream of %s broke off: %s" % (self.job_id, describe(e)))
        if not fresh:
            # A stream that ended with nothing new: resumed past the end of a finished job's log, which
            # Kiln answers by replaying it all (every event already "seen"), again on every reconnect.
            self._check_end()
