#!/usr/bin/env bash
# Cold start: from exec of `java -jar target/kiln-*.jar` to /actuator/health/readiness answering 200,
# on an existing SQLite home (the second start: data directory and schema already there). Builds the
# jar if there is none, starts once to initialise a fresh home, then times N starts, printing each
# (wall ms, and the CPU ms the process had used by then), the median, and what took the time:
# Spring's start-up steps by their own time, from one more start with -Dkiln.startup-report=true
# (dev.kiln.StartupReport). When target/kiln-app/ holds the extracted jar and its AOT cache
# (./mvnw -Paot-cache -DskipTests package), that way of starting is timed too, alternating with
# the plain jar on the same home.
# With --baseline-app=DIR (another build's target/kiln-app, e.g. main's), that build's cached start is
# timed too, alternating with this one's ("base"). A kiln-app whose jar holds Spring's AOT-generated
# initialisers (the aot-cache profile runs process-aot) is started with -Dspring.aot.enabled=true.
# Usage: bench/cold-start.sh [--runs=7] [--port=18080] [--java-opts='...'] [--no-report] [--jar-only]
#        [--baseline-app=DIR]
#        (JAVA_HOME chooses the JDK)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=7
PORT=18080
JAVA_OPTS_EXTRA=""
REPORT=1
JAR_ONLY=0
BASE_APP=""
for arg in "$@"; do
  case "$arg" in
    --runs=*) RUNS="${arg#*=}" ;;
    --port=*) PORT="${arg#*=}" ;;
    --java-opts=*) JAVA_OPTS_EXTRA="${arg#*=}" ;;
    --no-report) REPORT=0 ;;
    --jar-only) JAR_ONLY=1 ;;
    --baseline-app=*) BASE_APP="${arg#*=}" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR="$(ls target/kiln-*.jar 2>/dev/null | head -1 || true)"
if [[ -z "$JAR" ]]; then
  ./mvnw -q -B -DskipTests package >&2
  JAR="$(ls target/kiln-*.jar | head -1)"
fi
VARIANTS=(jar)
AOT_CACHE=target/kiln-app/kiln.aot
if [[ "$JAR_ONLY" == 0 && -f "$AOT_CACHE" ]]; then
  VARIANTS+=(aot)
fi
if [[ -n "$BASE_APP" ]]; then
  VARIANTS+=(base)
fi

# The java options that start an extracted app directory with its cache.
cached_launch() {
  local dir="$1" jar
  jar="$(ls "$dir"/kiln-*.jar | head -1)"
  LAUNCH=(-XX:AOTCache="$dir/kiln.aot")
  if "${JAVA_HOME:+$JAVA_HOME/bin/}jar" tf "$jar" | grep -q -E '^(BOOT-INF/classes/)?dev/kiln/KilnApplication__ApplicationContextInitializer.class$'; then
    LAUNCH+=(-Dspring.aot.enabled=true)
  fi
  LAUNCH+=(-jar "$jar")
}
HOME_DIR="$(mktemp -d -t kiln-cold-start-XXXXXX)"
LOG="$HOME_DIR/kiln.log"
TICKS="$(getconf CLK_TCK)"
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT

# Starts Kiln one way (jar or aot), waits for readiness; sets WALL_MS and CPU_MS. Extra JVM options follow.
start() {
  local variant="$1" t0 t1 stat
  shift
  local launch=(-jar "$JAR")
  if [[ "$variant" == aot ]]; then
    cached_launch target/kiln-app
    launch=("${LAUNCH[@]}")
  elif [[ "$variant" == base ]]; then
    cached_launch "$BASE_APP"
    launch=("${LAUNCH[@]}")
  fi
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  "$JAVA" --enable-native-access=ALL-UNNAMED $JAVA_OPTS_EXTRA "$@" "${launch[@]}" \
    --server.port="$PORT" --kiln.home="$HOME_DIR" >"$LOG" 2>&1 &
  PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/actuator/health/readiness"; do
    if ! kill -0 "$PID" 2>/dev/null; then echo "Kiln exited during start-up:" >&2; tail -40 "$LOG" >&2; exit 1; fi
    sleep 0.02
  done
  t1=$(date +%s%N)
  stat=($(cut -d')' -f2- "/proc/$PID/stat"))
  WALL_MS=$(( (t1 - t0) / 1000000 ))
  CPU_MS=$(( (stat[11] + stat[12]) * 1000 / TICKS ))
}

stop() {
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

echo "jar: $JAR ($(du -h "$JAR" | cut -f1)), java: $("$JAVA" -version 2>&1 | head -1), options: ${JAVA_OPTS_EXTRA:-none}"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ways of starting: ${VARIANTS[*]} (jar: java -jar $JAR; aot: java -XX:AOTCache=$AOT_CACHE [-Dspring.aot.enabled=true] -jar target/kiln-app/kiln-*.jar${BASE_APP:+; base: the same from $BASE_APP})"
start jar
echo "first start (creates the home and the schema): ${WALL_MS} ms"
stop

declare -A WALLS CPUS
for i in $(seq 1 "$RUNS"); do
  for variant in "${VARIANTS[@]}"; do
    start "$variant"
    stop
    WALLS[$variant]+="$WALL_MS "
    CPUS[$variant]+="$CPU_MS "
    echo "cold start $i, $variant: ${WALL_MS} ms to ready (${CPU_MS} ms CPU)"
  done
done
for variant in "${VARIANTS[@]}"; do
  echo "median of $RUNS, $variant: $(printf '%s\n' ${WALLS[$variant]} | median) ms to ready, $(printf '%s\n' ${CPUS[$variant]} | median) ms CPU"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "$REPORT" == 1 ]]; then
  start jar -Dkiln.startup-report=true
  echo "report start (jar): ${WALL_MS} ms to ready (recording the steps costs a little)"
  sleep 1
  grep -o 'Startup report: .*' "$LOG" || true
  stop
  if [[ " ${VARIANTS[*]} " == *" aot "* ]]; then
    start aot -Dkiln.startup-report=true
    echo "report start (aot): ${WALL_MS} ms to ready"
    sleep 1
    grep -o 'Startup report: .*' "$LOG" | head -25 || true
    stop
  fi
fi
