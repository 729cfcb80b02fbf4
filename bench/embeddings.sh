#!/usr/bin/env bash
# Semantic search's building blocks (dev.kiln.embeddings), in one JVM: model load time; embedding
# throughput of transcript-like segments (batch 1/16/64 on one core, two cores, and langchain4j's own
# wrapper side by side); exact-scan query latency p50/p99 at 100k vectors with 1 and 4 concurrent
# queries against a plain row-by-row loop; heap per 100k vectors. Prints the load average with each figure.
# Usage: bench/embeddings.sh [--segments=1000] [--rounds=3] [--vectors=100000] [--queries=400]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.EmbeddingsBench "$@"
