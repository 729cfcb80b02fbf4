#!/usr/bin/env bash
# Search (issue 15): a generated corpus of transcripts (stories, and groups of near-duplicates that
# differ in a code or an unusual surname only) indexed by text alone and with embeddings (segments/s),
# then questions with a known answer segment, a third each paraphrased, keyword and mixed, asked in
# each mode (text, semantic, hybrid): latency p50/p99 over HTTP, CPU per question, recall@5, MRR@10;
# every-word searches for common words (the ranking's worst case); and ways of fusing the two lists
# compared on the same lists. On SQLite and PostgreSQL. Prints the load average.
# Usage: bench/search.sh [--docs=2000] [--segments=50] [--questions=300] [--seed=15] [--db=sqlite,postgres]
#                        [--text-only=true] [--embeddings=true] [--fusion=true]
# (the full corpus is 100k segments: at ~300 embeddings/s on a free core that is ~6 min per database;
# scale it down with --docs on a loaded machine; tune with another --seed than the one reported)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.SearchBench "$@"
