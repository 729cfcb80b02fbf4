#!/usr/bin/env bash
# No-op jobs through the external-worker HTTP protocol with 1, 2 and 4 Python worker processes
# (clients/python's Worker: batch claims, one batched heartbeat, ends sent in batches), beside the same jobs run
# in-process, in one run; then the idle submit-to-start latency of one waiting Python worker.
# Usage: bench/workers.sh [--jobs=5000] [--workers=1,2,4] [--concurrency=16] [--db=sqlite|postgres]
#        [--latency-samples=200]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.WorkersBench "$@"
