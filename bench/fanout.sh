#!/usr/bin/env bash
# Fan-out: one job's events to 1,000 WebSocket followers, Kiln against Socket.IO 4.8 in the same
# run, alternating. Kiln and the Socket.IO server each run in their own process, the followers
# (Node: ws, socket.io-client) in a third.
# Usage: bench/fanout.sh [--clients=1000] [--events=500] [--intervals=5,0] [--rounds=2] [--profile=kiln.jfr] [--kiln-jvm='-XX:...']
#   --intervals: ms from one event to the next, one set of rounds each (5: 200/s; 0: no pause)
set -euo pipefail
cd "$(dirname "$0")/.."
(cd bench/fanout && npm ci --no-audit --no-fund --loglevel=error >&2)
source bench/classpath.sh
ulimit -n 65536 2>/dev/null || true
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.FanoutBench "$@"
