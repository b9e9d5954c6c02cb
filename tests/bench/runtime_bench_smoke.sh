#!/usr/bin/env bash
# Smoke test of the runtime-vs-Go benchmarks (bench/runtime-vs-go.sh): every
# runtime_bench benchmark runs for a moment and reports a positive cost, and
# echo_client completes round trips against runtime_echo_server. It checks that
# the benchmarks still build, run and report — not how fast they are.
# Usage: runtime_bench_smoke.sh RUNTIME_BENCH ECHO_SERVER ECHO_CLIENT
set -euo pipefail
bench=$1 server=$2 client=$3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# 10,000 parked fibers, not 100,000: a smoke test, not the measurement.
STOCKD_BENCH_PARKED_FIBERS=10000 "$bench" --benchmark_min_time=0.01 --benchmark_out="$tmp/out.json" \
  --benchmark_out_format=json >"$tmp/console.txt" 2>&1
expected=$("$bench" --benchmark_list_tests | wc -l)
got=$(grep -c '"real_time"' "$tmp/out.json" || true)
errors=$(grep -c '"error_occurred": true' "$tmp/out.json" || true)
if [[ $expected -lt 12 || $got -ne $expected || $errors -ne 0 ]]; then
  cat "$tmp/console.txt"
  echo "FAIL: $got of $expected benchmarks reported, $errors errors" >&2
  exit 1
fi
# The parked-fiber memory metric must be a plausible positive number.
awk '/"bytes_per_fiber"/ { gsub(/,/, "", $2); if ($2 + 0 <= 0) bad = 1; seen = 1 }
     END { exit !(seen && !bad) }' "$tmp/out.json" || { echo "FAIL: bytes_per_fiber" >&2; exit 1; }

"$server" --procs 2 >"$tmp/server.out" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^PORT ' "$tmp/server.out" && break
  sleep 0.05
done
port=$(awk '/^PORT /{print $2}' "$tmp/server.out")
[[ -n $port ]] || { echo "FAIL: echo server did not print its port" >&2; exit 1; }
"$client" --port "$port" --conns 8 --size 32 --seconds 0.3 --warmup 0.1 --server-pid "$server_pid" |
  tee "$tmp/client.out"
awk '$1 == "round_trips_per_sec" && $2 > 0 { rt = 1 } $1 == "server_cpu_ns_per_round_trip" { cpu = 1 }
     END { exit !(rt && cpu) }' "$tmp/client.out" || { echo "FAIL: echo_client output" >&2; exit 1; }
echo "PASS: $got benchmarks, echo round trips"
