#!/usr/bin/env bash
# Where Kiln's time goes: one end-to-end throughput run (the current tree, its own JVM, a fresh database) recorded
# with JFR (default settings plus CPU-time samples, JDK 25), then the top frames and the CPU by library and Kiln
# class; on PostgreSQL also the CPU split between Kiln and the server and commits, rows and statements per job
# (statements need the server to load pg_stat_statements and the admin database to have the extension).
# Usage: bench/profile.sh [--db=postgres|sqlite] [--workers=16] [--jobs=50000] [--top=15] [--out=DIR]
#        [--pg-url=jdbc:postgresql://…/postgres?user=…]   (postgres without it: embedded, fsync and synchronous commit on)
set -euo pipefail
cd "$(dirname "$0")/.."
db=postgres; workers=16; top=15; out=""; args=()
for arg in "$@"; do
  case "$arg" in
    --db=*) db="${arg#--db=}" ;;
    --workers=*) workers="${arg#--workers=}" ;;
    --top=*) top="${arg#--top=}" ;;
    --out=*) out="${arg#--out=}" ;;
    *) args+=("$arg") ;;
  esac
done
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/kiln-profile-XXXXXX")}"
mkdir -p "$out"
recording="$out/kiln-$db-w$workers.jfr"
source bench/classpath.sh
BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=$recording,settings=default,jdk.CPUTimeSample#enabled=true ${BENCH_JAVA_OPTS:-}" \
  "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off -cp "$BENCH_CP" dev.kiln.bench.SideBySide --mode=kiln \
    --db="$db" --workers="$workers" --rounds=1 --pg-stats=true ${args[@]+"${args[@]}"}
echo
"$JAVA" -cp "$BENCH_CP" dev.kiln.bench.JfrProfile "$recording" --top="$top"
echo "Recording kept: $recording"
