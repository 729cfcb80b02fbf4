"""The job threads of a ``Worker``'s run (split from worker.py, which stays a modest module)."""

import queue
import threading


class Pool:
    """The job threads of one ``run()``: a job goes to a thread waiting for one, or to a new thread
    (starting a thread per job would cost more than a short job); they end with the run."""

    def __init__(self, run_job):
        self._run_job = run_job
        self._lock = threading.Lock()
        self._tasks = queue.SimpleQueue()
        self._threads = 0
        self._idle = 0  # threads waiting for a job and not yet promised one

    def run(self, processor, job):
        with self._lock:
            spawn = self._idle == 0
            if spawn:
                self._threads += 1
            else:
                self._idle -= 1
        self._tasks.put((processor, job))
        if spawn:
            threading.Thread(target=self._serve, name="kiln-job", daemon=True).start()

    def stop(self):
        with self._lock:
            threads = self._threads
        for _ in range(threads):
            self._tasks.put((None, None))

    def _serve(self):
        while True:
            processor, job = self._tasks.get()
            if job is None:
                return
            threading.current_thread().name = "kiln-job-" + job.id
            self._run_job(processor, job)
            threading.current_thread().name = "kiln-job"
            with self._lock:
                self._idle += 1
