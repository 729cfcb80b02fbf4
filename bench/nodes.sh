#!/usr/bin/env bash
# One node against two nodes on one PostgreSQL (embedded, fsync and synchronous commit on): job
# throughput, and event latency from progress() on the node running a job to a WebSocket client
# connected to the other node (every event crosses nodes through LISTEN/NOTIFY and the log).
# Usage: bench/nodes.sh [--jobs=20000] [--workers=16] [--followers=20] [--interval-ms=500] [--seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.NodesBench "$@"
