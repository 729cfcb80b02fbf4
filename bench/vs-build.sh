#!/usr/bin/env bash
# The current tree's JobThroughputBench against the same bench of another revision, alternately in one run, each in
# its own JVM on a fresh database. The revision is built in a temporary git worktree outside this tree (removed
# afterwards). Prints jobs/s, CPU per job (the JVM, and the PostgreSQL server on postgres), WAL bytes per job on
# postgres, and current / base.
# Usage: bench/vs-build.sh --base=<git rev> [--db=sqlite|postgres] [--jobs=50000] [--workers=64] [--rounds=1]
#        [--pg-url=jdbc:postgresql://…/postgres?user=…]   (postgres without it: embedded, fsync and synchronous commit on)
# BENCH_JAVA_OPTS is passed to both sides' JVMs.
set -euo pipefail
cd "$(dirname "$0")/.."
base=""
args=()
for arg in "$@"; do
  case "$arg" in
    --base=*) base="${arg#--base=}" ;;
    *) args+=("$arg") ;;
  esac
done
[[ -n "$base" ]] || { echo "usage: bench/vs-build.sh --base=<git rev> [--db=sqlite|postgres] [--jobs=N] [--workers=W] [--rounds=N]" >&2; exit 2; }
rev="$(git rev-parse --verify "$base^{commit}")"
has_db=0; has_workers=0
for arg in "${args[@]}"; do
  case "$arg" in --db=*) has_db=1 ;; --workers=*) has_workers=1 ;; esac
done
(( has_db )) || args+=("--db=sqlite")
(( has_workers )) || args+=("--workers=64")

source bench/classpath.sh

scratch="$(mktemp -d "${TMPDIR:-/tmp}/kiln-base-XXXXXX")"
cleanup() {
  git worktree remove --force "$scratch/tree" 2>/dev/null || true
  rm -rf "$scratch"
  git worktree prune
}
trap cleanup EXIT
git worktree add --quiet --detach "$scratch/tree" "$rev"
echo "Building base ${rev:0:7} in $scratch/tree" >&2
(cd "$scratch/tree" && ./mvnw -q -B -DskipTests -Dexec.skip=true test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2)
BASE_CP="$scratch/tree/target/test-classes:$scratch/tree/target/classes:$(cat "$scratch/tree/target/bench.classpath")"

"$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off -cp "$BENCH_CP" dev.kiln.bench.SideBySide --mode=build \
    --base-cp="$BASE_CP" --base-name="${rev:0:7}" "${args[@]}"
