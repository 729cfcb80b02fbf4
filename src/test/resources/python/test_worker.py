"""A Python worker for Kiln's tests: serves <prefix>-reverse (a text file reversed, word by word as
partials) and <prefix>-slow (no input; runs `seconds`, reporting progress, until done or cancelled).
It prints `started <job> <attempt>` and `cancelled <job>` so a test can follow what it does."""

import logging
import os
import sys
import time

from kiln import Cancelled, Worker

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
prefix = os.environ["PROCESSOR_PREFIX"]
worker = Worker(os.environ["KILN_URL"], os.environ["KILN_TOKEN"], name=os.environ.get("WORKER_NAME"),
                grace=float(os.environ.get("WORKER_GRACE", "2")))


@worker.processor(prefix + "-reverse", accepts=["text/*"], concurrency=2)
def reverse(job):
    text = job.input.read().decode("utf-8")
    job.progress(0.5, "reversing")
    for word in text.split():
        job.emit({"text": word[::-1]})
    return {"text": text[::-1]}


@worker.processor(
    prefix + "-slow",
    accepts=["none"],
    params={
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0}, "firstAttemptOnly": {"type": "boolean"}},
        "additionalProperties": False,
    },
    max_attempts=3,
    concurrency=4,
)
def slow(job):
    print("started %s %d" % (job.id, job.attempt), flush=True)
    seconds = job.params.get("seconds", 30)
    if job.params.get("firstAttemptOnly") and job.attempt > 1:
        seconds = 0
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            job.progress(min(1.0, (time.monotonic() - started) / seconds), "waiting")
            time.sleep(0.01)
    except Cancelled:
        print("cancelled %s" % job.id, flush=True)
        raise
    return {"attempt": job.attempt}


worker.run()
