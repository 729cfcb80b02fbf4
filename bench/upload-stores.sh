#!/usr/bin/env bash
# A tus upload end to end into the local directory and into S3 (Adobe S3Mock in its own JVM on this machine),
# alternating in one run: MB/s, completion time after the last byte, CPU per GiB (Kiln and S3Mock), and the heap
# growth of a 2 GiB upload, each Kiln in its own process with -Xmx256m.
# Usage: bench/upload-stores.sh [--size=1024] [--big=2048] [--rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.UploadStoresBench "$@"
