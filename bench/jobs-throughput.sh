#!/usr/bin/env bash
# End-to-end job throughput on SQLite and PostgreSQL (embedded unless --pg-url; fsync and synchronous commit on).
# Usage: bench/jobs-throughput.sh [--jobs=50000] [--workers=64] [--db=sqlite|postgres|both] [--pg-url=jdbc:postgresql://…]
#        [--max-running=N] (0, the default: no per-user running limit; N: the capped claim, one owner)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.JobThroughputBench "$@"
