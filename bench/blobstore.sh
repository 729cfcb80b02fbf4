#!/usr/bin/env bash
# The blob store alone, local directory and S3 (Adobe S3Mock in its own JVM on this machine) alternating in
# one run: put MB/s and CPU ms per MB (Kiln's side and S3Mock's), a processor's start through the cache (cold,
# warm, and the local store's own file), and the heap a 2 GiB put into S3 needs under a capped heap.
# Usage: bench/blobstore.sh [--size=256] [--big=2048] [--rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off -Xmx256m ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.BlobStoreBench "$@"
