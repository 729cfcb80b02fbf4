#!/usr/bin/env bash
# Kiln against JobRunr 8.2 (OSS) on the same PostgreSQL in one run: JobRunr W, Kiln W for each W, the whole repeated
# --rounds times; each run in its own JVM on a fresh database. Prints jobs/s, CPU per job (the contestant's JVM and
# the PostgreSQL server, from /proc), the WAL the server wrote per job and the ratios Kiln / JobRunr.
# Usage: bench/vs-jobrunr.sh [--jobs=50000] [--workers=16,64] [--rounds=1] [--only=kiln|jobrunr] [--jobrunr-pool=10]
#        [--pg-url=jdbc:postgresql://127.0.0.1:5432/postgres?user=…&password=…]   (a user that may create databases;
#        without it, an embedded PostgreSQL with fsync and synchronous commit on)
# BENCH_JAVA_OPTS (e.g. -XX:StartFlightRecording=…) is passed to every contestant's JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off -cp "$BENCH_CP" dev.kiln.bench.SideBySide --mode=jobrunr "$@"
