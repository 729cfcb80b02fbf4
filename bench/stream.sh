#!/usr/bin/env bash
# Live progress: latency from progress() to WebSocket clients, delivery with many idle
# connections, and heap per idle connection. Kiln runs in its own process; clients in this one.
# Usage: bench/stream.sh [--clients=1000] [--jobs=100] [--idle=10000] [--seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.StreamBench "$@"
