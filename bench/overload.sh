#!/usr/bin/env bash
# bench/overload.sh — fairness under overload (issue 10): the latency of a lone
# PING while 10x more clients than cores hammer the server with pipelines of
# 1,000 commands, on stockd and on redis-server in the same run.
#
#   background load: redis-benchmark -c (10 x cores) -P 1000 -l -t $LOAD_TEST
#                    -r 100000 (keys prepared first so GETs hit)
#   probe:           redis-benchmark -c 1 -P 1 -n $PINGS -t ping_mbulk: one PING
#                    at a time on its own connection; p50/p99/max from its
#                    latency histogram (ms, 3 decimals)
#   also:            the same probe with no load (baseline), and the server's
#                    commands/s during the loaded probe (INFO total_commands_processed)
#
# A server that is fair gives the lone PING's connection its turn between
# batches of the pipelined clients: its p99 stays near the time of one batch,
# not of all the queued pipelines. Redis does one event-loop pass per client
# per iteration; stockd's connection fibers yield their P every 64 commands.
# Both servers and the load generator share the machine's cores.
#
# Usage: bench/overload.sh [STOCKD_BINARY]
#   env: PINGS (default 2000), ROUNDS (default 3; rows per round plus the
#        median row of each server), LOAD_TEST (get | set | incr; default get),
#        CLIENTS (default 10 x nproc), PIPELINE (default 1000),
#        OUT (default bench/results/overload.tsv)
# stockd runs with order-fsync no for a `set`/`incr` load, so both servers do
# the same work (redis-server runs without persistence).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STOCKD=${1:-$ROOT/build/server/stockd}
PINGS=${PINGS:-2000}
ROUNDS=${ROUNDS:-3}
LOAD_TEST=${LOAD_TEST:-get}
CORES=$(nproc)
CLIENTS=${CLIENTS:-$((10 * CORES))}
PIPELINE=${PIPELINE:-1000}
OUT=${OUT:-$ROOT/bench/results/overload.tsv}
source "$ROOT/bench/lib/servers.sh"
CMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/overload-bench.XXXXXX")
LOAD_PID=""
trap '[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null; srv_stop_all; rm -rf "$CMP_TMP"' EXIT

# probe PORT: prints "p50 p99 max" (ms) of PINGS sequential PINGs.
probe() {
  local csv
  csv=$(redis-benchmark -h 127.0.0.1 -p "$1" -c 1 -P 1 -n "$PINGS" -t ping_mbulk --csv --precision 3 2>/dev/null |
        grep -i '^"PING_MBULK"' | tail -1)
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  echo "$csv" | awk -F'"' '{ printf "%s %s %s\n", $10, $14, $16 }'
}

commands_processed() {
  redis-cli -h 127.0.0.1 -p "$1" INFO stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }'
}

# measure LABEL PORT: baseline probe, then the probe under load.
measure() {
  local label=$1 port=$2 base loaded c0 c1 t0 t1 rate
  redis-benchmark -h 127.0.0.1 -p "$port" -n 100000 -r 100000 -P 100 -c 4 -t set -q >/dev/null 2>&1  # keys for GET
  base=$(probe "$port")
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPELINE" -n 100000000 -r 100000 -l \
    -t "$LOAD_TEST" -q >/dev/null 2>&1 &
  LOAD_PID=$!
  sleep 2  # every load client connected and pipelining
  c0=$(commands_processed "$port"); t0=$(date +%s%N)
  loaded=$(probe "$port")
  c1=$(commands_processed "$port"); t1=$(date +%s%N)
  kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; LOAD_PID=""
  rate=$(( (c1 - c0) * 1000000000 / (t1 - t0) ))
  read -r b50 b99 bmax <<<"$base"
  read -r l50 l99 lmax <<<"$loaded"
  printf "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n" "$label" "$LOAD_TEST" "$CORES" "$CLIENTS" "$PIPELINE" \
    "$b50" "$b99" "$bmax" "$l50" "$l99" "$lmax" "$rate" | tee -a "$CMP_TMP/rows.tsv"
}

STOCKD_ARGS=()
[ "$LOAD_TEST" != get ] && STOCKD_ARGS=(--order-fsync no)
printf "server\tload\tcores\tclients\tpipeline\tidle_p50_ms\tidle_p99_ms\tidle_max_ms\tload_p50_ms\tload_p99_ms\tload_max_ms\tload_cmds_per_s\n" \
  | tee "$CMP_TMP/rows.tsv"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
# Rounds alternate the servers, so both see the same (shared, noisy) machine.
for round in $(seq 1 "$ROUNDS"); do
  srv_start stockd "$STOCKD" "${STOCKD_ARGS[@]}" || { echo "stockd did not start"; exit 1; }
  measure stockd "$SRV_PORT"
  srv_stop_all
  srv_start redis redis-server --save '' --appendonly no || { echo "redis-server did not start"; exit 1; }
  measure redis-server "$SRV_PORT"
  srv_stop_all
done

# The median of each column over the rounds, per server.
median_rows() {
  awk -F'\t' -v OFS='\t' 'NR > 1 { n[$1]++; for (i = 6; i <= 12; i++) v[$1, i, n[$1]] = $i; meta[$1] = $2 OFS $3 OFS $4 OFS $5 }
    END { for (s in n) { line = s "(median of " n[s] ")" OFS meta[s]
            for (i = 6; i <= 12; i++) { m = n[s]; for (a = 1; a <= m; a++) x[a] = v[s, i, a]
              for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] + 0 < x[a] + 0) { t = x[a]; x[a] = x[b]; x[b] = t }
              line = line OFS x[int((m + 1) / 2)] }
            print line } }' "$CMP_TMP/rows.tsv" | sort
}
{
  echo "# bench/overload.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git -C "$ROOT" describe --always --dirty 2>/dev/null)" \
       "pings=$PINGS rounds=$ROUNDS loadavg_before=$LOAD_BEFORE loadavg_after=$(cut -d' ' -f1 /proc/loadavg)"
  cat "$CMP_TMP/rows.tsv"
  median_rows
} >"$OUT"
echo "medians:"; median_rows
echo "wrote $OUT"
