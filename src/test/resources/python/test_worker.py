"""A Python worker for Kiln's tests: serves <prefix>-reverse (a text file reversed, word by word as
partials), <prefix>-slow (no input; runs `seconds`, reporting progress, until done or cancelled) and
<prefix>-render (no input; uploads result files). It prints `started <job> <attempt>` and
`cancelled <job>` so a test can follow what it does."""

import io
import logging
import os
import sys
import tempfile
import time

from kiln import Cancelled, KilnError, Worker

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


@worker.processor(
    prefix + "-render",
    accepts=["none"],
    params={"type": "object", "properties": {"size": {"type": "integer", "minimum": 1},
                                             "tooLarge": {"type": "integer", "minimum": 1}}},
)
def render(job):
    """`size` bytes (0, 1, …, 255, 0, …) written to a file and uploaded from its path; a summary from
    memory; and, with `tooLarge`, a file that big, whose refusal goes into the result."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "frames.bin")
        with open(path, "wb") as f:
            f.write(bytes(range(256)) * (job.params["size"] // 256) + bytes(range(job.params["size"] % 256)))
        stored = job.upload_file("frames.bin", path)
        job.upload_file("summary.txt", io.BytesIO(b"frames: %d bytes\n" % stored["size"]), media_type="text/plain")
        refused = None
        if job.params.get("tooLarge"):
            big = os.path.join(directory, "big.bin")
            with open(big, "wb") as f:
                f.truncate(job.params["tooLarge"])
            try:
                job.upload_file("big.bin", big)
            except KilnError as e:
                refused = e.code
    return {"sha256": stored["sha256"], "refused": refused}


worker.run()
