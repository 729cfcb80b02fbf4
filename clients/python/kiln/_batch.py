"""A worker's calls for all its jobs at once (docs/workers.md, "Batched calls"): one heartbeat
thread that keeps every lease and hears every cancel, and one thread that sends the ends of
attempts (complete, fail) together, so a burst of short jobs costs about one request per batch."""

import collections
import logging
import threading
import time

from ._http import Backoff, Holder, retry_delay, to_json
from .errors import KilnError

log = logging.getLogger("kiln.worker")

# A batch stays well inside Kiln's JSON body limit (kiln.api.max-json-size, 256 KB) and its item cap.
MAX_BATCH_BYTES = 192 * 1024
MAX_BATCH_ITEMS = 500
# A cancel heard for a job not (yet) known here is kept this long: its claim may still be on its way.
HEARD_FOR = 60.0
# The least time between two heartbeats that brought nothing new (a draining Kiln answers at once).
PACE = 0.2
# How long the ender waits for more ends while other jobs still run and its batch is small.
LINGER = 0.004
LOST = ("lease_lost", "job_not_found")


class Heartbeats:
    """One long-polled ``POST /api/v1/worker/heartbeat`` open at a time while jobs are held: it
    renews their leases (Kiln renews one only when it nears expiry, or at the end of the wait) and
    answers at once when a job of this worker identity is asked to cancel, even one claimed after
    it was sent, so a cancel reaches the function within a second."""

    def __init__(self, http, lease_seconds=15):
        self.http = http
        self.lease_seconds = lease_seconds
        self.holder = Holder()
        self._cond = threading.Condition()
        self._jobs = {}  # id -> Job
        self._heard = {}  # id -> when its cancel was heard, for jobs not known here
        self._seen = []  # the cancels of the last answer, sent back as cancelsSeen
        self._done = False
        self._thread = threading.Thread(target=self._run, name="kiln-heartbeat", daemon=True)

    def start(self):
        self._thread.start()

    def add(self, job, lease_seconds):
        with self._cond:
            self.lease_seconds = lease_seconds
            self._jobs[job.id] = job
            if self._heard.pop(job.id, None) is not None:
                _cancel(job)
            self._cond.notify_all()

    def remove(self, job):
        with self._cond:
            self._jobs.pop(job.id, None)

    def stop(self):
        with self._cond:
            self._done = True
            self._cond.notify_all()
        self.holder.abort()

    def _run(self):
        backoff = None
        while True:
            with self._cond:
                while not self._done and not self._jobs:
                    self._cond.wait()
                if self._done:
                    return
                jobs = [job for job in self._jobs.values() if not job.gone]
                wait = max(1, min(25, int(self.lease_seconds / 3)))
            backoff = backoff or Backoff(0.5, max(1.0, wait / 2.0))
            # Kiln takes at most 500 jobs in one heartbeat: more go in several, and only the last
            # waits (the others renew and answer at once); any of them hears every cancel.
            chunks = [jobs[i:i + MAX_BATCH_ITEMS] for i in range(0, len(jobs), MAX_BATCH_ITEMS)] or [[]]
            sent, news = time.monotonic(), False
            try:
                for n, chunk in enumerate(chunks):
                    answer = self._beat(chunk, wait if n == len(chunks) - 1 else 0)
                    news = self._heard_news(chunk, answer) or news
                backoff.reset()
            except KilnError as e:
                if self._done:
                    return
                delay = backoff.next() if e.transient else wait
                log.warning("heartbeat failed (%s); again in %.1f s", e, delay)
                self._pause(delay)
                continue
            if not news and time.monotonic() - sent < PACE:
                self._pause(PACE)

    def _beat(self, jobs, wait):
        with self._cond:
            body = {"jobs": [{"id": job.id, "lease": job.lease.token} for job in jobs],
                    "cancelsSeen": self._seen, "waitSeconds": wait}
        return self.http.request("POST", "/api/v1/worker/heartbeat", json_body=body,
                                 timeout=heartbeat_timeout(wait, self.lease_seconds),
                                 holder=self.holder).json() or {}

    def _heard_news(self, jobs, answer):
        """Applies an answer to the jobs it was about; whether it told of a cancel not seen before."""
        by_id = {job.id: job for job in jobs}
        for beat in answer.get("jobs", []):
            job = by_id.get(beat.get("id"))
            if job is None:
                continue
            problem = beat.get("problem")
            if problem is not None:
                # An attempt whose end is on its way loses its lease by ending: that is no news.
                if problem.get("code") in LOST and not job.ending:
                    job.lease.lost("heartbeat")
            elif beat.get("cancelRequested"):
                _cancel(job)
        cancels = answer.get("cancelRequested", [])
        news = bool(set(cancels) - set(self._seen))
        now = time.monotonic()
        with self._cond:
            for job_id in cancels:
                job = self._jobs.get(job_id)
                if job is not None:
                    _cancel(job)
                elif job_id not in self._heard:
                    self._heard[job_id] = now
            for job_id, heard in list(self._heard.items()):
                if now - heard > HEARD_FOR:
                    del self._heard[job_id]
            self._seen = list(cancels)
        return news

    def _pause(self, seconds):
        with self._cond:
            if not self._done:
                self._cond.wait(seconds)


def heartbeat_timeout(wait, lease_seconds):
    """How long a heartbeat waiting ``wait`` seconds may take: well inside the lease, so a
    connection stalled without a reset is given up (and the heartbeat sent again) before the leases
    it should renew run out; never under 2 s past the wait."""
    return wait + max(2.0, (lease_seconds - wait) / 2.0)


def _cancel(job):
    if not job.cancelled:
        job.log.info("job %s: cancel requested", job.id)
        job.cancelled.set("cancel requested")


class _End:
    def __init__(self, job, op, raw):
        self.job = job
        self.op = op
        self.raw = raw
        self.done = threading.Event()
        self.state = None
        self.problem = None
        self.error = None  # the whole batch was refused: the job's own call says why


class Ender:
    """Sends the ends of attempts (``complete``, ``fail``) in batches from a thread of its own:
    whatever is queued while a batch is in flight goes in the next one, and while other jobs still
    run a small batch waits a few milliseconds for their ends. A batch that cannot reach Kiln is sent again with backoff; each item's answer goes back
    to its job's thread."""

    def __init__(self, http, running=lambda: 0):
        self.http = http
        self.running = running  # jobs held now, ending or not
        self._cond = threading.Condition()
        self._queue = collections.deque()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="kiln-ender", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def end(self, job, op, body):
        """Sends ``op`` for ``job`` with ``body`` in the next batch and waits for its answer:
        (state, None), (None, problem document), or raises the KilnError that refused the batch."""
        item = dict(body)
        item["id"] = job.id
        item["lease"] = job.lease.token
        end = _End(job, op, to_json(item))
        with self._cond:
            self._queue.append(end)
            self._cond.notify_all()
        end.done.wait()
        if end.error is not None:
            raise end.error
        return end.state, end.problem

    def _run(self):
        while True:
            with self._cond:
                while not self._done and not self._queue:
                    self._cond.wait()
                if not self._queue:
                    return
                # Jobs that started together end together: wait a moment for the others' ends.
                if not self._done and len(self._queue) < self.running():
                    self._cond.wait(LINGER)
                batch = self._take()
            for op in ("complete", "fail"):
                ends = [end for end in batch if end.op == op]
                if ends:
                    self._send(op, ends)

    def _take(self):
        batch, size = [], 0
        while self._queue and len(batch) < MAX_BATCH_ITEMS:
            item_size = len(self._queue[0].raw.encode("utf-8")) + 1
            if batch and size + item_size > MAX_BATCH_BYTES:
                break
            batch.append(self._queue.popleft())
            size += item_size
        return batch

    def _send(self, op, ends):
        data = ('{"items":[' + ",".join(end.raw for end in ends) + "]}").encode("utf-8")
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                answer = self.http.request("POST", "/api/v1/worker/" + op, body=data,
                                           headers={"Content-Type": "application/json"}).json() or {}
                break
            except KilnError as e:
                live = [end for end in ends if not end.job.gone]
                if not e.transient or not live:
                    for end in ends:
                        end.error = e
                        end.done.set()
                    return
                delay = retry_delay(e, backoff)
                log.warning("%s of %d jobs failed (%s); again in %.1f s", op, len(ends), e, delay)
                time.sleep(delay)
        outcomes = {item.get("id"): item for item in answer.get("items", [])}
        for end in ends:
            outcome = outcomes.get(end.job.id, {})
            end.state, end.problem = outcome.get("state"), outcome.get("problem")
            end.done.set()
