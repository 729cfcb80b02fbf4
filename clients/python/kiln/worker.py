"""``Worker``: serve processors to Kiln from this process (docs/workers.md).

    w = Worker("https://kiln.example", "kiln_…")

    @w.processor("reverse", accepts=["text/plain"])
    def reverse(job):
        text = job.input.read().decode()
        job.emit({"text": text[::-1]})
        return {"reversed": text[::-1]}

    w.run()   # until SIGTERM / SIGINT
"""

import logging
import os
import re
import signal
import socket
import threading
import time

from ._batch import Ender, Heartbeats
from ._http import Backoff, Holder, Transport, retry_delay, to_json
from ._job import Job, LeaseLost
from ._pool import Pool
from .errors import Cancelled, JobError, KilnError

log = logging.getLogger("kiln.worker")

NAME = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
CODE = re.compile(r"^[a-z0-9_.-]{1,64}$")
CLAIM_WAIT = 30
MAX_CLAIM = 64
# How long a claim waits for a processor's running jobs to end, when some slots are free.
CLAIM_GATHER = 0.05
# A result larger than this (UTF-8 bytes) is sent on its own (``/jobs/{id}/complete``), not in a batch.
MAX_BATCHED_RESULT = 64 * 1024
# How often the end of an attempt is sent on its own while Kiln answers 5xx (its failure, not the
# result's): past that the attempt is left for its lease to run out, and the job is rescued.
END_ATTEMPTS = 5
# Kiln refuses a failure whose message is empty or longer than this, in UTF-16 code units (a Java
# String's length): the attempt would then stay running until its lease ran out.
MAX_MESSAGE = 2000


class Processor:
    def __init__(self, name, function, declaration, concurrency):
        self.name = name
        self.function = function
        self.declaration = declaration
        self.concurrency = concurrency
        self.running = 0
        self.holder = Holder()


class Worker:
    """An external worker: declares its processors, claims their jobs (long polling, as many as
    it has free slots), runs each on a job thread (reused), keeps all their leases with one
    heartbeat and sends their ends in batches; on SIGTERM/SIGINT it stops claiming, lets running
    jobs finish within ``grace`` seconds and releases the rest (a second signal releases them at
    once)."""

    def __init__(self, url, token, name=None, grace=30.0, timeout=30.0):
        self.http = Transport(url, token, timeout)
        self.name = (name or "%s/%d" % (socket.gethostname(), os.getpid()))[:100]
        self.grace = grace
        self.processors = {}
        self._cond = threading.Condition()
        self._jobs = {}  # id -> (Job, Processor)
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._fatal = None
        self._heartbeats = None
        self._ender = None
        self._pool = None

    def processor(self, name, accepts=None, params=None, description="", max_attempts=3, timeout_seconds=3600,
                  concurrency=1, result_formats=(), shape=None):
        """Registers ``function(job)`` as processor ``name``. ``accepts``: media types
        (``"audio/*"``, ``"*/*"``) or ``["none"]`` for jobs without a file; ``params``: a JSON
        Schema Kiln checks submissions against. The function's return value (any JSON) is the
        result; raise :class:`kiln.JobError` to fail with a code of your own."""
        if not NAME.match(name):
            raise ValueError("a processor name matches [a-z][a-z0-9-]{0,63}, not %r" % name)
        if concurrency < 1:
            raise ValueError("concurrency is at least 1")
        declaration = {
            "description": description,
            "accepts": list(accepts) if accepts is not None else ["*/*"],
            "params": params if params is not None else {"type": "object"},
            "limits": {"maxAttempts": max_attempts, "timeoutSeconds": timeout_seconds, "concurrency": concurrency},
            "resultFormats": list(result_formats),
            "shape": shape,
        }

        def register(function):
            self.processors[name] = Processor(name, function, declaration, concurrency)
            return function

        return register

    def stop(self, hurry=False):
        """Stops claiming; running jobs get the grace period (none with ``hurry``)."""
        self._stopping.set()
        if hurry:
            self._hurry.set()
        with self._cond:
            self._cond.notify_all()

    def run(self):
        """Serves until stopped (a signal, or :meth:`stop`); returns once every job finished or
        was released. Raises KilnError if Kiln refuses this worker (a bad token, a bad declaration)."""
        if not self.processors:
            raise ValueError("no processors: register one with @worker.processor(...)")
        restore = self._handle_signals()
        try:
            for processor in self.processors.values():
                self._declare(processor)
            if self._stopping.is_set():  # a signal while Kiln could not be reached: nothing was served
                log.info("worker %s stopped before serving", self.name)
                return
            log.info("worker %s serving %s", self.name, ", ".join(sorted(self.processors)))
            self._pool = Pool(self._run_job)
            self._heartbeats = Heartbeats(self.http)
            self._ender = Ender(self.http, self._running)
            self._heartbeats.start()
            self._ender.start()
            claimers = [threading.Thread(target=self._claim_loop, args=(p,), name="kiln-claim-" + p.name, daemon=True)
                        for p in self.processors.values()]
            for thread in claimers:
                thread.start()
            while not self._stopping.wait(0.5):
                pass
            self._drain(claimers)
        finally:
            for part in (self._heartbeats, self._ender, self._pool):
                if part is not None:
                    part.stop()
            restore()
        if self._fatal is not None:
            raise self._fatal

    def _handle_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {}

        def on_signal(number, frame):
            hurry = self._stopping.is_set()
            log.info("%s: %s", signal.Signals(number).name,
                     "releasing running jobs now" if hurry else "finishing running jobs (signal again to release them)")
            self.stop(hurry)

        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, on_signal)

        def restore():
            for number, handler in previous.items():
                signal.signal(number, handler)

        return restore

    def _running(self):
        """Jobs running now, for the ender (whether an end may soon have company)."""
        with self._cond:
            return len(self._jobs)

    def _declare(self, processor):
        backoff = Backoff(1.0, 30.0)
        while not self._stopping.is_set():
            try:
                self.http.request("PUT", "/api/v1/worker/processors/" + processor.name,
                                  json_body=processor.declaration)
                return
            except KilnError as e:
                if not e.transient:
                    raise
                delay = retry_delay(e, backoff)
                log.warning("cannot declare %s (%s); again in %.1f s", processor.name, e, delay)
                self._stopping.wait(delay)

    def _claim_loop(self, processor):
        backoff = Backoff(1.0, 30.0)
        flowing = False  # the last claim got all it asked for: there is more work queued
        while not self._stopping.is_set():
            with self._cond:
                while processor.running >= processor.concurrency and not self._stopping.is_set():
                    self._cond.wait()
                # While work flows and jobs end fast, a moment's wait for the others makes one claim
                # of many; with the queue drained, the next claim waits in Kiln at once instead.
                deadline = time.monotonic() + (CLAIM_GATHER if flowing else 0)
                while processor.running > 0 and not self._stopping.is_set() and time.monotonic() < deadline:
                    self._cond.wait(deadline - time.monotonic())
                free = processor.concurrency - processor.running
            if self._stopping.is_set():
                return
            try:
                answer = self.http.request("POST", "/api/v1/worker/claim", json_body={
                    "worker": self.name, "processors": [processor.name],
                    "max": min(MAX_CLAIM, free), "waitSeconds": CLAIM_WAIT},
                    timeout=CLAIM_WAIT + 15.0, holder=processor.holder).json()
                backoff.reset()
            except KilnError as e:
                if processor.holder.aborted:
                    return
                if not self._claim_failed(processor, e, backoff):
                    return
                continue
            jobs = answer.get("jobs", [])
            flowing = len(jobs) >= min(MAX_CLAIM, free)
            for claim in jobs:
                self._start(processor, claim, answer.get("leaseSeconds", 15))

    def _claim_failed(self, processor, error, backoff):
        """Decides what a failed claim means; False ends the loop."""
        if error.status in (401, 403):
            log.error("Kiln refuses this worker: %s", error)
            self._fatal = error
            self.stop(hurry=True)
            return False
        if error.code == "unknown_processor":
            log.warning("Kiln does not know %s (any more): declaring it again", processor.name)
            try:
                self._declare(processor)
                return True
            except KilnError as e:
                error = e
        delay = retry_delay(error, backoff)
        log.warning("claim for %s failed (%s); again in %.1f s", processor.name, error, delay)
        self._stopping.wait(delay)
        return True

    def _start(self, processor, claim, lease_seconds):
        job = Job(self.http, claim)
        if self._stopping.is_set():
            self._release(job)  # claimed while stopping: give it straight back
            return
        with self._cond:
            processor.running += 1
            self._jobs[job.id] = (job, processor)
        self._heartbeats.add(job, lease_seconds)
        self._pool.run(processor, job)

    def _run_job(self, processor, job):
        job.log.info("job %s (%s, attempt %s) started", job.id, processor.name, job.attempt)
        try:
            outcome = self._call(processor, job)
            if job.gone:
                job.log.info("job %s: %s; nothing more is sent", job.id, job.gone.reason)
                return
            if not job.sender.close() and job.sender.lost and outcome[0] == "complete" and not job.gone:
                # Its owner would see a result without the partials it was built from: not a success.
                outcome = ("fail", failure("worker_error", "%d partial results could not be sent to Kiln: %s"
                                           % (job.sender.lost, job.sender.lost_error), True))
            self._finish(job, *outcome)
        except LeaseLost:
            job.log.warning("job %s: lease lost; stopped without a result", job.id)
        except KilnError as e:
            job.log.error("job %s: Kiln refused its outcome: %s", job.id, e)
        finally:
            job.sender.stop()
            self._heartbeats.remove(job)
            job.close()
            with self._cond:
                processor.running -= 1
                self._jobs.pop(job.id, None)
                self._cond.notify_all()

    @staticmethod
    def _call(processor, job):
        """Runs the function; returns the call that reports its outcome, and that call's body."""
        try:
            result = processor.function(job)
        except Cancelled as e:
            return "fail", failure("cancelled", "stopped: %s" % e, False)
        except JobError as e:
            code = e.code if CODE.match(str(e.code)) else "worker_error"
            return "fail", failure(code, e.message, e.retryable)
        except Exception as e:  # noqa: BLE001 — any failure of the function fails the attempt
            job.log.exception("job %s failed", job.id)
            return "fail", failure("worker_error", "%s: %s" % (type(e).__name__, e), True)
        try:
            to_json(result).encode("utf-8")
        except (TypeError, ValueError) as e:  # a lone surrogate cannot be UTF-8: a UnicodeEncodeError
            return "fail", failure("invalid_result", "the result is not JSON: %s" % e, False)
        return "complete", ({"result": result} if result is not None else {})

    def _finish(self, job, op, body):
        if op == "fail" and job.cancelled.reason == "cancel requested":
            body = failure("cancelled", "cancelled at the owner's request", False)
        job.ending = True
        if op == "complete" and len(to_json(body.get("result")).encode("utf-8")) > MAX_BATCHED_RESULT:
            self._finish_alone(job, op, body)
            return
        try:
            state, problem = self._ender.end(job, op, body)
        except KilnError as e:
            if e.status is None:
                raise
            self._finish_alone(job, op, body)  # the batch was refused: the job's own call says why
            return
        if problem is not None:
            if problem.get("code") == "lease_lost":
                job.lease.lost(op)
                raise LeaseLost(op)
            raise KilnError(problem.get("status"), problem.get("code"), problem.get("detail"), problem)
        if state is None:
            raise KilnError(None, "no_answer", "Kiln's answer to %s did not name job %s" % (op, job.id))
        job.log.info("job %s: %s", job.id, "completed" if op == "complete" else "failed: " + body["code"])

    @staticmethod
    def _finish_alone(job, op, body):
        backoff = Backoff(1.0, 10.0)
        for attempt in range(1, END_ATTEMPTS + 1):
            try:
                job.lease.call(op, body)
                job.log.info("job %s: %s", job.id, "completed" if op == "complete" else "failed: " + body["code"])
                return
            except KilnError as e:
                if e.status is not None and e.status >= 500 and attempt < END_ATTEMPTS and not job.gone:
                    # Kiln's own failure (internal_error): the end is sent again later. Past the last
                    # try the attempt is left to its lease, which runs out and Kiln rescues the job.
                    delay = retry_delay(e, backoff)
                    job.log.warning("job %s: %s failed (%s); again in %.1f s", job.id, op, e, delay)
                    job.gone.wait(delay)
                    continue
                if op != "complete" or e.status is None or not 400 <= e.status < 500:
                    raise
                # The result itself was refused (too large, say): the attempt fails instead, saying why.
                job.lease.call("fail", failure("invalid_result", e.detail, False))
                return

    def _drain(self, claimers):
        deadline = time.monotonic() + (0 if self._hurry.is_set() else self.grace)
        # Stop waiting for work at once: Kiln releases jobs it claimed for an answer nobody reads,
        # and jobs in an answer that did arrive are released by _start.
        for processor in self.processors.values():
            processor.holder.abort()
        with self._cond:
            while (self._jobs or any(t.is_alive() for t in claimers)) and not self._hurry.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.25))
            remaining = [job for job, _ in self._jobs.values()]
        for job in remaining:
            job.log.info("job %s did not finish within the grace period: releasing it", job.id)
            self._release(job)
        for thread in claimers:
            thread.join(2.0)
        log.info("worker %s stopped", self.name)

    @staticmethod
    def _release(job):
        job.cancelled.set("worker shutting down")
        job.gone.set("released at shutdown")
        job.sender.stop()
        try:
            job.lease.call("release", retry=False)
        except (LeaseLost, KilnError) as e:
            job.log.warning("job %s: release failed (%s); Kiln takes it back when its lease runs out", job.id, e)


def failure(code, message, retryable):
    """The body of a failure Kiln accepts: its message never empty (the code stands in), and cut
    to Kiln's limit, counted as Java counts (a character beyond U+FFFF is two units)."""
    text = str(message) if message is not None else ""
    text = text.encode("utf-8", "replace").decode("utf-8") or code  # a lone surrogate cannot be sent
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_MESSAGE:
            text = text[:i]
            break
    return {"code": code, "message": text, "retryable": bool(retryable)}
