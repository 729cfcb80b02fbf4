#!/usr/bin/env bash
# Search (issue 15): a generated corpus of transcripts indexed by text alone and with embeddings
# (segments/s), then paraphrased questions with a known answer segment in each mode (text, semantic,
# hybrid): latency p50/p99 over HTTP, recall@5, MRR@10; on SQLite and PostgreSQL. Prints the load average.
# Usage: bench/search.sh [--docs=2000] [--segments=50] [--questions=200] [--db=sqlite,postgres]
# (the full corpus is 100k segments: at ~100-150 embeddings/s per core that is ~15 min per database;
# scale it down with --docs on a loaded machine)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.SearchBench "$@"
