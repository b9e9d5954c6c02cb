#!/usr/bin/env bash
# runtime-vs-go.sh — stockd's fiber runtime against Go's, same patterns, same
# machine, one run (issue 2).
#
# Builds runtime_bench / runtime_echo_server / echo_client (CMake, Release) and
# the Go anchors (bench/anchors/go, offline), then runs every metric on both
# sides, interleaved (stockd, Go, next metric, ...), for several rounds, and
# prints the best (lowest-cost) round of each as a table:
#
#   metric  stockd  go  ratio        ratio = stockd cost / Go cost (< 1 = stockd is cheaper)
#
# Every metric is a cost — ns per op, bytes per parked fiber, ns per echo round
# trip (1e9 / round trips per second), the echo server's CPU ns per round trip —
# so a smaller ratio is always better.
# The table is also written, tab-separated with exactly those four columns, to
# bench/results/runtime-vs-go.tsv (full runs), and a report with the machine,
# versions and every round's values to bench/results/runtime-vs-go.txt.
#
# Usage: bench/runtime-vs-go.sh [--quick] [--build-dir DIR] [--rounds N] [--out FILE] [--only REGEX]
#   --quick       ~30 s: one round, short timings; writes DIR/bench/runtime-vs-go.quick.tsv
#   --build-dir   CMake build directory (default: ./build at the repository root)
#   --rounds      rounds per metric (default 5, --quick 1; the best is reported)
#   --out         where to write the TSV
#   --only        run only the metrics matching REGEX (e.g. 'pool|spawn'), to check a fix;
#                 the TSV then goes to DIR/bench/runtime-vs-go.only.tsv unless --out
# A full run takes about 3 minutes on 2 cores (measured: 3m07s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
QUICK=0
ROUNDS=
OUT=
ONLY=
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1 ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --out) OUT=$(realpath -m "$2"); shift ;;
    --only) ONLY=$2; shift ;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed "$ d"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $QUICK == 1 ]]; then
  ROUNDS=${ROUNDS:-1} MIN_TIME=0.2 ECHO_SECONDS=2 ECHO_WARMUP=0.3
  OUT=${OUT:-$BUILD/bench/runtime-vs-go.quick.tsv}
  LOG=$BUILD/bench/runtime-vs-go.quick.txt
elif [[ -n $ONLY ]]; then
  ROUNDS=${ROUNDS:-5} MIN_TIME=0.5 ECHO_SECONDS=3 ECHO_WARMUP=0.5
  OUT=${OUT:-$BUILD/bench/runtime-vs-go.only.tsv}
  LOG=${OUT%.tsv}.txt
else
  ROUNDS=${ROUNDS:-5} MIN_TIME=0.5 ECHO_SECONDS=3 ECHO_WARMUP=0.5
  OUT=${OUT:-$ROOT/bench/results/runtime-vs-go.tsv}
  LOG=${OUT%.tsv}.txt
fi
ECHO_CONNS=50 ECHO_SIZE=32

# ---- build -------------------------------------------------------------------
if [[ ! -f $BUILD/build.ninja && ! -f $BUILD/Makefile ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type=$(awk -F= '/^CMAKE_BUILD_TYPE:/{print $2}' "$BUILD/CMakeCache.txt")
if [[ $build_type != Release ]]; then
  echo "warning: $BUILD is a '$build_type' build; numbers are meaningful only for Release" >&2
fi
cmake --build "$BUILD" -j 2 --target runtime_bench runtime_echo_server echo_client >/dev/null
mkdir -p "$BUILD/bench"
(cd "$ROOT/bench/anchors/go" &&
  GOCACHE=$BUILD/go-cache GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on \
    go build -o "$BUILD/bench/gobench" .)

RB=$BUILD/bench/runtime_bench
SERVER=$BUILD/bench/runtime_echo_server
CLIENT=$BUILD/bench/echo_client
GB=$BUILD/bench/gobench
TMP=$(mktemp -d)
# Measurements run in $(...) subshells, so a running echo server's pid is kept
# in a file for the cleanup of an interrupted run.
cleanup() {
  if [[ -s $TMP/server.pid ]]; then kill "$(cat "$TMP/server.pid")" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---- one measurement per call; each prints the cost or nothing on failure ---------
# A hung runtime must not hang the run: every process gets a time limit.
cpp_metric() {  # name
  local json=$TMP/$1.json
  if ! timeout 120 "$RB" --benchmark_filter="^$1(/.*)?\$" --benchmark_min_time="$MIN_TIME" \
      --benchmark_out="$json" --benchmark_out_format=json >>"$TMP/cpp.log" 2>&1; then
    return 0
  fi
  awk -F': ' '
    /"error_occurred": true/ { err = 1 }
    /"real_time"/ { gsub(/,/, "", $2); t = $2 }
    /"ops_per_iter"/ { gsub(/,/, "", $2); ops = $2 }
    /"bytes_per_fiber"/ { gsub(/,/, "", $2); bytes = $2 }
    END {
      if (err) exit
      if (bytes != "") printf "%.1f\n", bytes
      else if (t != "" && ops > 0) printf "%.2f\n", t / ops
    }' "$json"
}
go_metric() {  # name
  local args=(-bench "$1" -benchtime "${MIN_TIME}s")
  [[ $1 == rss_parked_fiber_bytes ]] && args=(-rss)
  timeout 120 "$GB" "${args[@]}" 2>>"$TMP/go.log" | awk -v m="$1" '$1 == m { print $2 }' || true
}
echo_metric() {  # side server-command... ; prints ns per round trip, keeps the server's CPU per round trip
  local side=$1 out=$TMP/server.out
  shift
  : >"$out"
  : >"$TMP/echo_cpu.$side"
  "$@" >"$out" 2>>"$TMP/server.log" &
  local server_pid=$!
  echo "$server_pid" >"$TMP/server.pid"
  for _ in $(seq 100); do grep -q '^PORT ' "$out" && break; sleep 0.05; done
  local port
  port=$(awk '/^PORT /{print $2}' "$out")
  if [[ -n $port ]]; then
    timeout 60 "$CLIENT" --port "$port" --conns $ECHO_CONNS --size $ECHO_SIZE \
      --seconds "$ECHO_SECONDS" --warmup "$ECHO_WARMUP" --server-pid "$server_pid" \
      >"$TMP/client.out" 2>>"$TMP/client.log" || true
    awk '$1 == "server_cpu_ns_per_round_trip" { print $2 }' "$TMP/client.out" >"$TMP/echo_cpu.$side"
    awk '$1 == "ns_per_round_trip" { print $2 }' "$TMP/client.out"
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  : >"$TMP/server.pid"
}

# ---- the metrics --------------------------------------------------------------
mapfile -t TIMED < <("$GB" -list)
cpp_names=$("$RB" --benchmark_list_tests | sed 's#/.*##')  # drop /real_time etc.
for m in "${TIMED[@]}" rss_parked_fiber_bytes; do
  grep -qx "$m" <<<"$cpp_names" || { echo "runtime_bench lacks metric $m" >&2; exit 1; }
done
# tcp_echo_50c_srv_cpu_ns_per_rt comes from the tcp_echo_50c_ns_per_rt run just before it.
METRICS=("${TIMED[@]}" rss_parked_fiber_bytes tcp_echo_50c_ns_per_rt tcp_echo_50c_srv_cpu_ns_per_rt)
if [[ -n $ONLY ]]; then
  mapfile -t METRICS < <(printf '%s\n' "${METRICS[@]}" | grep -E -- "$ONLY" || true)
  # The echo CPU metric is a by-product of the echo run.
  if printf '%s\n' "${METRICS[@]}" | grep -qx tcp_echo_50c_srv_cpu_ns_per_rt &&
     ! printf '%s\n' "${METRICS[@]}" | grep -qx tcp_echo_50c_ns_per_rt; then
    METRICS=(tcp_echo_50c_ns_per_rt "${METRICS[@]}")
  fi
  [[ ${#METRICS[@]} -gt 0 && -n ${METRICS[0]} ]] || { echo "--only '$ONLY' matches no metric" >&2; exit 2; }
fi
declare -A STOCKD GO

measure() {  # metric side
  case $1:$2 in
    tcp_echo_50c_ns_per_rt:stockd) echo_metric stockd "$SERVER" --procs 2 ;;
    tcp_echo_50c_ns_per_rt:go) echo_metric go env GOMAXPROCS=2 "$GB" -echo-server ;;
    tcp_echo_50c_srv_cpu_ns_per_rt:*) cat "$TMP/echo_cpu.$2" 2>/dev/null || true ;;
    *:stockd) cpp_metric "$1" ;;
    *:go) go_metric "$1" ;;
  esac
}

# Best of the rounds: on a shared machine the other tenants only ever add time,
# so the least disturbed run is the closest to each runtime's own cost. Every
# round's values are kept in the .txt report.
best() { tr ' ' '\n' | awk 'NF' | sort -g | head -n 1; }

{
  echo "# stockd runtime vs Go — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# machine: $(nproc) cores, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(uname -sr)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# stockd: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(${CXX:-c++} --version | head -1), CMake $build_type"
  echo "# go: $(go version | cut -d' ' -f3-)"
  echo "# rounds: $ROUNDS (best of), min time per metric ${MIN_TIME}s, echo ${ECHO_CONNS} conns x ${ECHO_SIZE} B for ${ECHO_SECONDS}s"
  echo "# ratio = stockd / go, both costs (ns per op, bytes per fiber, ns per echo round trip, echo server CPU ns per round trip): < 1 is better"
} | tee "$TMP/header.txt"

for ((round = 1; round <= ROUNDS; round++)); do
  for m in "${METRICS[@]}"; do
    s=$(measure "$m" stockd)
    g=$(measure "$m" go)
    STOCKD[$m]+=" $s" GO[$m]+=" $g"
    printf '  round %d  %-26s stockd %-12s go %s\n' "$round" "$m" "${s:-FAILED}" "${g:-FAILED}" >&2
  done
done

# When 100,000 parked fibers fail, say how far stockd gets and what each costs.
NOTES=()
if printf '%s\n' "${METRICS[@]}" | grep -qx rss_parked_fiber_bytes &&
   [[ -z $(best <<<"${STOCKD[rss_parked_fiber_bytes]:-}") ]]; then
  grep -h 'ERROR OCCURRED\|panicked' "$TMP/cpp.log" | tail -n 1 | sed 's/^/#   /' >"$TMP/rss_error.txt" || true
  NOTES+=("rss_parked_fiber_bytes: stockd FAILED with 100,000 parked fibers: $(sed 's/^#   //' "$TMP/rss_error.txt")")
  for n in 30000 10000; do
    v=$(STOCKD_BENCH_PARKED_FIBERS=$n cpp_metric rss_parked_fiber_bytes)
    if [[ -n $v ]]; then
      NOTES+=("rss_parked_fiber_bytes: stockd with $n parked fibers instead: $v bytes/fiber (not in the table)")
      break
    fi
  done
fi

failed=0
mkdir -p "$(dirname "$OUT")"
printf 'metric\tstockd\tgo\tratio\n' >"$OUT"
for m in "${METRICS[@]}"; do
  s=$(best <<<"${STOCKD[$m]}")
  g=$(best <<<"${GO[$m]}")
  if [[ -n $s && -n $g ]]; then
    r=$(awk -v s="$s" -v g="$g" 'BEGIN { printf (g > 0 ? "%.2f" : "NA"), s / (g > 0 ? g : 1) }')
  else
    r=NA failed=1
  fi
  printf '%s\t%s\t%s\t%s\n' "$m" "${s:-NA}" "${g:-NA}" "$r" >>"$OUT"
done
table() { awk -F'\t' '{ printf "%-32s %12s %12s %7s\n", $1, $2, $3, $4 }' "$OUT"; }
{
  cat "$TMP/header.txt"
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  table
  echo
  echo "# every round (stockd | go):"
  for m in "${METRICS[@]}"; do
    printf "#   %-32s %s |%s\n" "$m" "${STOCKD[$m]}" "${GO[$m]}"
  done
  for note in "${NOTES[@]}"; do echo "# note: $note"; done
} >"$TMP/report.txt"
echo
table
for note in "${NOTES[@]}"; do echo "note: $note"; done
echo "(written to $OUT and $LOG)"
cp "$TMP/report.txt" "$LOG"
if [[ $failed == 1 ]]; then
  echo "some metrics FAILED; last lines of the logs:" >&2
  tail -n 5 "$TMP"/*.log >&2 2>/dev/null || true
  exit 1
fi
