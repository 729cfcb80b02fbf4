#!/usr/bin/env bash
# Uploads: 1 GiB over loopback with tus-js-client against dd conv=fsync on the same disk, heap
# growth of a 2 GiB upload, and 20 concurrent 200 MiB uploads while GET /api/v1/jobs is timed.
# Kiln runs in its own process with a capped heap; needs Node (web/node_modules, from mvn verify or npm ci).
# Usage: bench/uploads.sh [--size=1024] [--big=2048] [--concurrent=20] [--each=200] [--heap=256m] [--client-nice=10] [--kiln-jvm='-D…']
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d web/node_modules/tus-js-client ] || (cd web && npm ci --no-audit --no-fund >&2)
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.UploadBench "$@"
