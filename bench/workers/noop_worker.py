"""A no-op worker for bench/workers.sh: serves bench-noop (no input; returns at once). With
BENCH_STARTS=1 it prints `start <job id> <epoch ms>` when a job's function starts."""

import logging
import os
import sys
import time

from kiln import Worker

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
worker = Worker(os.environ["KILN_URL"], os.environ["KILN_TOKEN"], name=os.environ.get("WORKER_NAME"), grace=5)
starts = os.environ.get("BENCH_STARTS") == "1"


@worker.processor("bench-noop", accepts=["none"], concurrency=int(os.environ.get("BENCH_CONCURRENCY", "16")))
def noop(job):
    if starts:
        print("start %s %d" % (job.id, int(time.time() * 1000)), flush=True)
    return None


worker.run()
