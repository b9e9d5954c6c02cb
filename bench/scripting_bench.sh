#!/usr/bin/env bash
# bench/scripting_bench.sh — the flash-sale EVAL workload (bench/scripts/flash_buy.lua)
# on stockd and on redis-server side by side, with redis-benchmark:
#   EVAL and EVALSHA at -c 50 with -P 1 and -P 16 (one hot key pair), then two
#   hot key pairs driven at once (stockd runs them on two processors; redis-server
#   on its one thread), then stockd with lua-allow-undeclared-keys yes (every
#   script locks every shard: the cost of running exclusively).
# Prints one line per run: server, workload, requests/s, server CPU µs per request
# (utime+stime of the server process over the run / requests).
#
# Usage: bench/scripting_bench.sh [-n REQUESTS] [STOCKD_BINARY]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=100000
if [ "${1:-}" = "-n" ]; then N=$2; shift 2; fi
STOCKD=${1:-$ROOT/build/server/stockd}
source "$ROOT/bench/lib/servers.sh"
CMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/scripting-bench.XXXXXX")
trap 'srv_stop_all; rm -rf "$CMP_TMP"' EXIT
LUA=$(grep -v '^[[:space:]]*--' "$ROOT/bench/scripts/flash_buy.lua" | tr '\n' ' ' | sed 's/  */ /g')
TICK=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run LABEL PORT PID WORKLOAD: one redis-benchmark per extra "KEY" argument, in parallel.
run() {
  local label=$1 port=$2 pid=$3 work=$4 p=$5
  shift 5
  local keys=("$@") before after start end k bpids=()
  for k in "${keys[@]}"; do
    redis-cli -p "$port" SET "$k" 1000000000000 >/dev/null
    redis-cli -p "$port" DEL "$k:orders" >/dev/null
  done
  local sha
  sha=$(redis-cli -p "$port" SCRIPT LOAD "$LUA")
  before=$(cpu_ticks "$pid")
  start=$(date +%s%N)
  for k in "${keys[@]}"; do
    if [ "$work" = EVALSHA ]; then
      redis-benchmark -p "$port" -n "$N" -c 50 -P "$p" --csv EVALSHA "$sha" 2 "$k" "$k:orders" user:__rand_int__ \
        >"$CMP_TMP/out.$k" 2>/dev/null &
      bpids+=($!)
    else
      redis-benchmark -p "$port" -n "$N" -c 50 -P "$p" --csv EVAL "$LUA" 2 "$k" "$k:orders" user:__rand_int__ \
        >"$CMP_TMP/out.$k" 2>/dev/null &
      bpids+=($!)
    fi
  done
  wait "${bpids[@]}"
  end=$(date +%s%N)
  after=$(cpu_ticks "$pid")
  local reqs=$(( N * ${#keys[@]} ))
  local secs_ns=$(( end - start ))
  local rps=$(( reqs * 1000000000 / secs_ns ))
  local cpu_us=$(awk -v t=$(( after - before )) -v hz="$TICK" -v r="$reqs" 'BEGIN { printf "%.2f", t / hz * 1e6 / r }')
  printf "%-8s %-8s -P %-3s keys=%d  %8d req/s  %6s us CPU/req\n" "$label" "$work" "$p" "${#keys[@]}" "$rps" "$cpu_us"
}

srv_start redis redis-server --save '' --appendonly no || { echo "redis-server did not start"; exit 1; }
RP=$SRV_PORT RPID=$SRV_PID
srv_start stockd "$STOCKD" || { echo "stockd did not start"; exit 1; }
SP=$SRV_PORT SPID=$SRV_PID
for w in EVAL EVALSHA; do
  for p in 1 16; do
    run redis "$RP" "$RPID" $w $p stock:hot
    run stockd "$SP" "$SPID" $w $p stock:hot
  done
done
for p in 1 16; do
  run redis "$RP" "$RPID" EVALSHA $p stock:a stock:b
  run stockd "$SP" "$SPID" EVALSHA $p stock:a stock:b
done
redis-cli -p "$SP" CONFIG SET lua-allow-undeclared-keys yes >/dev/null
for p in 1 16; do
  run stockd-x "$SP" "$SPID" EVALSHA $p stock:a stock:b
done
