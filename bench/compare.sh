#!/usr/bin/env bash
# bench/compare.sh — stockd and redis-server side by side, in one run, on one machine.
#
# Starts stockd and Debian's redis-server on free loopback ports (data in a temp dir),
# runs every workload with redis-benchmark against both ALTERNATELY (stockd, redis,
# stockd, redis, ... for each round; rounds are the outer loop so slow drift of the
# machine hits both alike) and reports the medians over the rounds:
#   - a markdown table on stdout (progress and diagnostics go to stderr),
#   - <out>/compare.tsv with exactly the columns
#       workload stockd_ops redis_ops ratio stockd_p50_ms stockd_p99_ms redis_p50_ms
#       redis_p99_ms stockd_cpu_us_per_req redis_cpu_us_per_req
#       client_cpu_us_per_req_vs_stockd client_cpu_us_per_req_vs_redis
#     (ratio = stockd_ops / redis_ops; "n/a" where a server cannot run a workload),
#   - <out>/compare.png, a bar chart of the ratios with the 1.0 line (gnuplot),
#   - <out>/compare.md, the stdout report (machine, versions, table).
#
# CPU per request = the server process's CPU time over the run (all its threads: the sum
# of /proc/PID/task/*/schedstat run times, in ns; /proc/PID/stat utime+stime ticks if
# threads exited meanwhile) / requests. Both servers and
# redis-benchmark share this machine's cores, so ops/s is partly a measure of how much
# CPU the client gets; CPU per request is the steadier figure. Client CPU per request
# is redis-benchmark's own user+system time (bash `times` in its wrapper) / requests:
# with both, a reader sees when a row is bound by the client or by the machine
# (client + server CPU per request x ops/s near the number of CPUs) rather than by
# the server.
#
# Workloads (-c 50 -n 200000 -r 100000 unless noted; a -P 16 workload runs 2x the
# requests, 400000, so that its run lasts a while — except MSET and LRANGE_100, whose
# requests are 10 and 100 times heavier. Not more: 1,000,000 LPUSH/RPUSH a round grew
# redis-benchmark's list so much that stockd's persistence sorted 1.8 s of element rows
# at memtable flushes during the next rows, on the cores the clients need):
#   PING_MBULK, SET, GET, INCR at -P 1 and -P 16;
#   the default-suite subset at -P 1 and -P 16 (set, get and incr are the SET/GET/INCR
#     rows above, not run twice): lpush rpush lpop rpop sadd hset spop zadd zpopmin
#     lrange_100 mset. LRANGE_100 reads a 600-element list of 3-byte values (as
#     redis-benchmark's own) filled beforehand, so its fill is not in the CPU figure;
#   flash sale, one hot key stock:hot (set to 100000000 before every run so it never
#     sells out): "flash BUY/EVAL" = STOCK.BUY stock:hot user:__rand_int__ on stockd vs
#     bench/scripts/flash_buy.lua via EVAL on redis; "flash EVAL" = that EVAL on both;
#     "flash EVALSHA" = the same script by its sha (loaded by the setup);
#     "flash EVAL 2keys" = bench/scripts/flash_buy_hash.lua on one of two hot SKU
#     hashes (-r 2), where stockd can use both processors and redis-server cannot;
#     each at -P 1 and -P 16;
#   durable LPUSH/SADD/HSET/ZADD -P 16 against the `always` profiles (big values);
#   durable flash sale, BUY/EVAL at -P 1 and -P 16 against the durable profiles:
#     stockd --order-fsync always|everysec vs redis --appendonly yes --appendfsync
#     always|everysec.
# Server profiles: redis-server --save '' --appendonly no (STOCKD_MEM_ARGS, default
# "--order-fsync no", for stockd: the closest it has to no persistence).
# A workload a server cannot run (its probe command through redis-cli fails, or
# redis-benchmark reports an error, exits non-zero or times out) is reported n/a; so is
# a flash-sale run after which the stock did not fall by exactly the number of requests.
#
# Usage: bench/compare.sh [--quick] [--only REGEX] [--rounds N] [--requests N]
#                         [--out DIR] [--no-build] [--list]
#   --quick       1 round, 20000 requests per run (the whole run takes < 2 minutes)
#   --only REGEX  only the workloads whose name matches (grep -E)
#   --rounds N    rounds (default 3, --quick 1)
#   --requests N  requests per -P 1 run (default 200000, --quick 20000); -P 16 runs 2x
#   --out DIR     where compare.tsv/.png/.md go (default bench/results)
#   --no-build    do not build stockd
#   --list        print the workload names and exit
# Environment:
#   STOCKD_BIN     the stockd binary (default build/server/stockd, built if needed;
#                  when set, nothing is built). A redis-server binary works as a
#                  stand-in (it is then given redis flags: redis vs redis, ratio ~ 1).
#   REDIS_BIN      default: redis-server from PATH
#   STOCKD_MEM_ARGS  extra stockd flags of the non-durable profile
#   KEEP_TMP=1     keep the temp dir (server logs, redis-benchmark outputs)
# Exit status: 0 when the report was written (even with n/a rows; a server that does
# not start makes its workloads n/a), 2 on a usage error or a missing binary, 130/143
# when interrupted (the servers are killed and nothing is written).
# Note: stockd keeps every order it acknowledges (~190 B each), so a full run leaves a
# few hundred MB in each stockd; redis's order list is emptied before each run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/servers.sh
source "$HERE/lib/servers.sh"
# shellcheck source=lib/stats.sh
source "$HERE/lib/stats.sh"

die() { echo "compare.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }

ROUNDS=""; REQUESTS=""; QUICK=0; ONLY=""; OUT_DIR="$ROOT/bench/results"; BUILD=1; LIST=0
CLIENTS=50; KEYSPACE=100000; HOT_STOCK=100000000; PIPELINED_SCALE=2
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) [ $# -ge 2 ] || die "--only needs a pattern"; ONLY=$2; shift ;;
    --rounds) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--rounds needs N >= 1"; ROUNDS=$2; shift ;;
    --requests) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--requests needs N >= 1"; REQUESTS=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT_DIR=$2; shift ;;
    --no-build) BUILD=0 ;;
    --list) LIST=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  ROUNDS=${ROUNDS:-1}; REQUESTS=${REQUESTS:-20000}; RUN_TIMEOUT=60
else
  ROUNDS=${ROUNDS:-3}; REQUESTS=${REQUESTS:-200000}; RUN_TIMEOUT=300
fi

# ---------------------------------------------------------------- workloads
# Parallel arrays, one entry per workload. Commands are stored shell-quoted
# (printf %q) and expanded with eval; SETUP_* may hold several commands, one a line.
W_NAME=(); W_PROFILE=(); W_PIPE=(); W_SCALE=(); W_ARGS_S=(); W_ARGS_R=()
W_SETUP_S=(); W_SETUP_R=(); W_PROBE_S=(); W_PROBE_R=(); W_CHECK_S=(); W_CHECK_R=()
q() { local s; s=$(printf '%q ' "$@"); printf '%s' "${s% }"; }

# add NAME PROFILE PIPELINE; then the globals A_S A_R (benchmark args), SU_S SU_R
# (setup, before every run), PR_S PR_R (probe, once before the first run), CK_S CK_R
# (optional: a command whose reply after the run must be HOT_STOCK - requests, i.e.
# every request was a successful buy).
add() {
  W_NAME+=("$1"); W_PROFILE+=("$2"); W_PIPE+=("$3")
  # requests: x PIPELINED_SCALE when pipelined, unless the workload says SCALE=1
  if [ "$3" -gt 1 ]; then W_SCALE+=("${SCALE:-$PIPELINED_SCALE}"); else W_SCALE+=(1); fi
  W_ARGS_S+=("$A_S"); W_ARGS_R+=("$A_R")
  W_SETUP_S+=("$SU_S"); W_SETUP_R+=("$SU_R")
  W_PROBE_S+=("$PR_S"); W_PROBE_R+=("$PR_R")
  W_CHECK_S+=("${CK_S:-}"); W_CHECK_R+=("${CK_R:-}")
}

# The Lua file without its comment lines, joined into one line (one argv element
# whose text also becomes redis-benchmark's test name, which must stay one CSV line).
lua_oneline() { grep -v '^[[:space:]]*--' "$1" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }
FLASH_LUA=$(lua_oneline "$HERE/scripts/flash_buy.lua") || die "cannot read bench/scripts/flash_buy.lua"

for cmd in PING_MBULK SET GET INCR; do
  case $cmd in
    PING_MBULK) PR_S=$(q PING) ;;
    SET) PR_S=$(q SET bench:probe 1) ;;
    GET) PR_S=$(q GET bench:probe) ;;
    INCR) PR_S=$(q INCR bench:probe:counter) ;;
  esac
  PR_R=$PR_S; SU_S=""; SU_R=""
  A_S=$(q -t "${cmd,,}"); A_R=$A_S
  for p in 1 16; do add "$cmd P$p" mem "$p"; done
done

LRANGE_FILL=$(q RPUSH bench:lrange $(printf 'xxx %.0s' $(seq 1 600))); LRANGE_FILL=${LRANGE_FILL% }
for t in lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 mset; do
  SU_S=""; A_S=$(q -t "$t")
  case $t in
    lpush) PR_S=$(q LPUSH bench:probe:list x) ;;
    rpush) PR_S=$(q RPUSH bench:probe:list x) ;;
    lpop) PR_S=$(q LPOP bench:probe:list) ;;
    rpop) PR_S=$(q RPOP bench:probe:list) ;;
    sadd) PR_S=$(q SADD bench:probe:set x) ;;
    hset) PR_S=$(q HSET bench:probe:hash f v) ;;
    spop) PR_S=$(q SPOP bench:probe:set) ;;
    zadd) PR_S=$(q ZADD bench:probe:zset 1 x) ;;
    zpopmin) PR_S=$(q ZPOPMIN bench:probe:zset) ;;
    lrange_100) SU_S=$LRANGE_FILL; PR_S=$(q LRANGE bench:lrange 0 99); A_S=$(q LRANGE bench:lrange 0 99) ;;
    mset) PR_S=$(q MSET bench:probe:a 1 bench:probe:b 2) ;;
  esac
  PR_R=$PR_S; SU_R=$SU_S; A_R=$A_S
  SCALE=""; case $t in mset|lrange_100) SCALE=1 ;; esac
  add "suite ${t^^} P1" mem 1
  add "suite ${t^^} P16" mem 16
  SCALE=""
done

EVAL_ARGS() { q EVAL "$FLASH_LUA" 2 stock:hot stock:hot:orders "$1"; }
# Setup on redis: the stock, and an empty order list so memory stays bounded.
SU_EVAL="$(q SET stock:hot $HOT_STOCK)"$'\n'"$(q DEL stock:hot:orders)"
SU_BUY=$(q STOCK.SET stock:hot $HOT_STOCK)
for kind in BUY/EVAL EVAL; do
  for p in 1 16; do
    SU_R=$SU_EVAL; PR_R=$(EVAL_ARGS user:probe); A_R=$(EVAL_ARGS user:__rand_int__); CK_R=$(q GET stock:hot)
    if [ $kind = BUY/EVAL ]; then
      SU_S=$SU_BUY; PR_S=$(q STOCK.BUY stock:hot user:probe); A_S=$(q STOCK.BUY stock:hot user:__rand_int__)
      CK_S=$(q STOCK.GET stock:hot)
    else
      SU_S=$SU_R; PR_S=$PR_R; A_S=$A_R; CK_S=$CK_R
    fi
    add "flash $kind P$p" mem "$p"
  done
done
# EVALSHA of the same script (loaded by the setup, before every run, on both servers).
FLASH_SHA=$(printf '%s' "$FLASH_LUA" | sha1sum | cut -c1-40)
EVALSHA_ARGS() { q EVALSHA "$FLASH_SHA" 2 stock:hot stock:hot:orders "$1"; }
for p in 1 16; do
  SU_S="$SU_EVAL"$'\n'"$(q SCRIPT LOAD "$FLASH_LUA")"; SU_R=$SU_S
  PR_S=$(EVALSHA_ARGS user:probe); PR_R=$PR_S
  A_S=$(EVALSHA_ARGS user:__rand_int__); A_R=$A_S
  CK_S=$(q GET stock:hot); CK_R=$CK_S
  add "flash EVALSHA P$p" mem "$p"
done
# Two hot SKUs: bench/scripts/flash_buy_hash.lua (one key per buy), -r 2 picks the SKU
# (stock:2hot:000000000000 or ...001). The -r here overrides the runner's -r.
FLASH_HASH_LUA=$(lua_oneline "$HERE/scripts/flash_buy_hash.lua") || die "cannot read bench/scripts/flash_buy_hash.lua"
SU_2HOT=""
for sku in 000000000000 000000000001; do
  SU_2HOT+="$(q DEL stock:2hot:$sku)"$'\n'"$(q HSET stock:2hot:$sku stock $HOT_STOCK orders 0)"$'\n'
done
SU_2HOT=${SU_2HOT%$'\n'}
for p in 1 16; do
  SU_S=$SU_2HOT; SU_R=$SU_2HOT
  PR_S=$(q EVAL "$FLASH_HASH_LUA" 1 stock:2hot:000000000000); PR_R=$PR_S
  A_S=$(q -r 2 EVAL "$FLASH_HASH_LUA" 1 stock:2hot:__rand_int__); A_R=$A_S
  CK_S=""; CK_R=""
  add "flash EVAL 2keys P$p" mem "$p"
done
for prof in always everysec; do
  for p in 1 16; do
    SU_R=$SU_EVAL; PR_R=$(EVAL_ARGS user:probe); A_R=$(EVAL_ARGS user:__rand_int__)
    SU_S=$SU_BUY; PR_S=$(q STOCK.BUY stock:hot user:probe); A_S=$(q STOCK.BUY stock:hot user:__rand_int__)
    CK_R=$(q GET stock:hot); CK_S=$(q STOCK.GET stock:hot)
    add "durable $prof BUY/EVAL P$p" "$prof" "$p"
  done
done

# Durable writes to big values: under appendfsync always redis appends each
# command to its AOF; stockd writes the elements that changed (FORMAT.md "Big
# values"). The lists and sets grow over the rounds (-r 100000 members).
for t in lpush sadd hset zadd; do
  case $t in
    lpush) PR_S=$(q LPUSH bench:probe:list x) ;;
    sadd) PR_S=$(q SADD bench:probe:set x) ;;
    hset) PR_S=$(q HSET bench:probe:hash f v) ;;
    zadd) PR_S=$(q ZADD bench:probe:zset 1 x) ;;
  esac
  PR_R=$PR_S; SU_S=""; SU_R=""; A_S=$(q -t "$t"); A_R=$A_S; CK_S=""; CK_R=""
  add "durable always ${t^^} P16" always 16
done

SELECTED=()
for i in "${!W_NAME[@]}"; do
  if [ -z "$ONLY" ] || printf '%s\n' "${W_NAME[$i]}" | grep -qE -- "$ONLY"; then SELECTED+=("$i"); fi
done
if [ "$LIST" = 1 ]; then
  for i in "${SELECTED[@]}"; do echo "${W_NAME[$i]}"; done
  exit 0
fi
[ ${#SELECTED[@]} -gt 0 ] || die "no workload matches --only '$ONLY' (see --list)"

# ---------------------------------------------------------------- binaries
for tool in redis-cli redis-benchmark; do
  command -v $tool >/dev/null || die "$tool not found (apt-get install redis-tools)"
done
REDIS_BIN=${REDIS_BIN:-$(command -v redis-server)} || true
[ -n "$REDIS_BIN" ] && [ -x "$REDIS_BIN" ] || die "redis-server not found (apt-get install redis-server)"
if [ -z "${STOCKD_BIN:-}" ]; then
  STOCKD_BIN="$ROOT/build/server/stockd"
  if [ "$BUILD" = 1 ]; then
    log "building stockd ..."
    if [ -d "$ROOT/build" ]; then
      cmake --build "$ROOT/build" --target stockd >&2 || log "warning: the stockd build failed"
    else
      make -C "$ROOT" build >&2 || log "warning: make build failed"
    fi
  fi
fi
[ -x "$STOCKD_BIN" ] || die "no stockd binary at $STOCKD_BIN (build it, or set STOCKD_BIN)"
STANDIN=0
if "$STOCKD_BIN" --version 2>/dev/null | grep -q '^Redis server'; then STANDIN=1; fi

# Flags of each server profile.
REDIS_ARGS_mem=(--save '' --appendonly no)
REDIS_ARGS_always=(--save '' --appendonly yes --appendfsync always)
REDIS_ARGS_everysec=(--save '' --appendonly yes --appendfsync everysec)
if [ "$STANDIN" = 1 ]; then
  STOCKD_ARGS_mem=("${REDIS_ARGS_mem[@]}")
  STOCKD_ARGS_always=("${REDIS_ARGS_always[@]}")
  STOCKD_ARGS_everysec=("${REDIS_ARGS_everysec[@]}")
else
  read -r -a STOCKD_ARGS_mem <<<"${STOCKD_MEM_ARGS---order-fsync no}"
  STOCKD_ARGS_always=(--order-fsync always)
  STOCKD_ARGS_everysec=(--order-fsync everysec)
fi

# ---------------------------------------------------------------- lifetime
CMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stockd-compare.XXXXXX") || die "mktemp failed"
BENCH_PID=""
cleanup() {
  [ -n "$BENCH_PID" ] && kill -TERM "$BENCH_PID" 2>/dev/null
  srv_stop_all
  if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $CMP_TMP"; else rm -rf "$CMP_TMP"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
mkdir -p "$CMP_TMP/logs"

# Servers are started on first use, one pair per profile, and live until the end.
declare -A PORT PID DOWN
EXTRA_NOTES=()
# ensure_server SIDE PROFILE: SIDE is s (stockd) or r (redis). Sets DOWN[SIDE.PROFILE]
# to a reason when it cannot start, so its workloads become n/a.
ensure_server() {
  local side=$1 prof=$2 key="$1.$2" bin label
  [ -n "${PORT[$key]:-}" ] || [ -n "${DOWN[$key]:-}" ] && return 0
  local argsvar="REDIS_ARGS_$prof"
  bin=$REDIS_BIN; label="redis-$prof"
  if [ "$side" = s ]; then argsvar="STOCKD_ARGS_$prof"; bin=$STOCKD_BIN; label="stockd-$prof"; fi
  local -n args=$argsvar
  if srv_start "$label" "$bin" "${args[@]}"; then
    PORT[$key]=$SRV_PORT; PID[$key]=$SRV_PID
    log "started $label (pid $SRV_PID, port $SRV_PORT): $bin ${args[*]}"
    return 0
  fi
  if [ "$side" = s ] && [ "$prof" = mem ] && [ ${#args[@]} -gt 0 ]; then
    log "warning: stockd did not start with '${args[*]}'; trying its defaults ($(tail -n 2 "$CMP_TMP/$label/server.log" | tr '\n' ' '))"
    STOCKD_ARGS_mem=()
    EXTRA_NOTES+=("- stockd rejected the non-durable profile's flags; it ran with its defaults (order-fsync always)")
    if srv_start "$label" "$bin"; then
      PORT[$key]=$SRV_PORT; PID[$key]=$SRV_PID
      log "started $label with its defaults (pid $SRV_PID, port $SRV_PORT)"
      return 0
    fi
  fi
  DOWN[$key]="$label did not start: $(tail -n 3 "$CMP_TMP/$label/server.log" | tr '\n' ' ')"
  log "warning: ${DOWN[$key]}"
}

# run_cmds PORT CMDS: runs each line of CMDS (shell-quoted args) through redis-cli;
# prints the first failing reply and returns 1 on the first error.
run_cmds() {
  local port=$1 line out
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    eval "local -a cmd=($line)"
    out=$(srv_cli "$port" "${cmd[@]}") || { printf '%s' "$out" | head -c 300; return 1; }
  done <<<"$2"
  return 0
}

# bench_once IDX SIDE ROUND: one redis-benchmark run; appends "rps p50 p99 cpu" or
# "n/a" to RES[IDX.SIDE].
declare -A RES PROBED NA_WHY
bench_once() {
  local i=$1 side=$2 round=$3 prof=${W_PROFILE[$1]} key="$2.${W_PROFILE[$1]}"
  local rkey="$1.$2" port setup probe argstr check out why before after parsed cpu rc left
  ensure_server "$side" "$prof"
  if [ -z "${DOWN[$key]:-}" ] && ! kill -0 "${PID[$key]}" 2>/dev/null; then
    local status
    wait "${PID[$key]}" 2>/dev/null; status=$?
    DOWN[$key]="$([ "$side" = s ] && echo stockd || echo redis)-$prof died (status $status$([ $status -gt 128 ] && echo ", signal $(( status - 128 ))")) before '${W_NAME[$i]}' round $round (after the previous command); its later workloads are n/a too"
  fi
  if [ -n "${DOWN[$key]:-}" ]; then NA_WHY[$rkey]=${DOWN[$key]}; RES[$rkey]+="n/a;"; return; fi
  [ -z "${NA_WHY[$rkey]:-}" ] || { RES[$rkey]+="n/a;"; return; }
  port=${PORT[$key]}
  if [ "$side" = s ]; then setup=${W_SETUP_S[$i]}; probe=${W_PROBE_S[$i]}; argstr=${W_ARGS_S[$i]}; check=${W_CHECK_S[$i]}
  else setup=${W_SETUP_R[$i]}; probe=${W_PROBE_R[$i]}; argstr=${W_ARGS_R[$i]}; check=${W_CHECK_R[$i]}; fi
  if ! why=$(run_cmds "$port" "$setup"); then
    NA_WHY[$rkey]="setup failed: $why"; RES[$rkey]+="n/a;"; return
  fi
  if [ -z "${PROBED[$rkey]:-}" ]; then
    PROBED[$rkey]=1
    if ! why=$(run_cmds "$port" "$probe"); then
      NA_WHY[$rkey]="probe failed: $why"; RES[$rkey]+="n/a;"; return
    fi
    run_cmds "$port" "$setup" >/dev/null   # undo what the probe changed (e.g. a buy)
  fi
  eval "local -a bargs=($argstr)"
  local n=$REQUESTS
  n=$(( REQUESTS * W_SCALE[$i] ))
  out="$CMP_TMP/logs/$(printf '%02d' "$i")-$side-r$round"
  before=$(srv_cpu "${PID[$key]}")
  # In the background + wait, so INT/TERM reach the traps at once. The wrapper shell
  # writes its children's CPU times (bash `times`, second line) to $out.times.
  timeout -k 5 "$RUN_TIMEOUT" bash -c 'f=$1; shift; redis-benchmark "$@"; rc=$?; times >"$f"; exit $rc' \
    client "$out.times" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" \
    -r "$KEYSPACE" -P "${W_PIPE[$i]}" --csv "${bargs[@]}" >"$out.csv" 2>"$out.err" </dev/null &
  BENCH_PID=$!
  # redis-benchmark keeps reconnecting to a dead server until its timeout: watch both.
  local died=""
  while kill -0 "$BENCH_PID" 2>/dev/null; do
    if ! kill -0 "${PID[$key]}" 2>/dev/null; then
      died=1
      kill -TERM "$BENCH_PID" 2>/dev/null
      break
    fi
    sleep 0.1
  done
  wait "$BENCH_PID"; rc=$?
  BENCH_PID=""
  after=$(srv_cpu "${PID[$key]}")
  if [ -n "$died" ] || ! kill -0 "${PID[$key]}" 2>/dev/null; then
    local status
    wait "${PID[$key]}" 2>/dev/null; status=$?
    why="$([ "$side" = s ] && echo stockd || echo redis)-$prof died (status $status$([ $status -gt 128 ] && echo ", signal $(( status - 128 ))")) during '${W_NAME[$i]}' round $round; its later workloads are n/a too"
    DOWN[$key]=$why
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="timed out after ${RUN_TIMEOUT}s"
  elif grep -qh 'Error from server' "$out.csv" "$out.err"; then why=$(grep -h 'Error from server' "$out.csv" "$out.err" | head -n 1 | head -c 300)
  elif [ $rc -ne 0 ]; then why="redis-benchmark exited $rc: $(head -c 300 "$out.err")"
  elif ! parsed=$(stats_parse_csv "$out.csv"); then why="no result row in redis-benchmark output"
  else why=""; fi
  if [ -z "$why" ] && [ -n "$check" ]; then
    # Every request must have been a successful buy: the stock fell by exactly n.
    eval "local -a ck=($check)"
    left=$(redis-cli --raw -h 127.0.0.1 -p "$port" "${ck[@]}" 2>&1 </dev/null)
    [ "$left" = "$(( HOT_STOCK - n ))" ] ||
      why="stock check: expected $(( HOT_STOCK - n )) left after $n buys, the server says '$left'"
  fi
  if [ -n "$why" ]; then NA_WHY[$rkey]=$why; RES[$rkey]+="n/a;"; return; fi
  cpu=$(stats_cpu_us_per_req "$before" "$after" "$n")
  RES[$rkey]+="$parsed $cpu $(stats_times_us_per_req "$out.times" "$n");"
}

# ---------------------------------------------------------------- run
{
  echo "## stockd vs redis-server ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"
  if [ "$STANDIN" = 1 ]; then
    echo "- stockd: STAND-IN $STOCKD_BIN ($("$STOCKD_BIN" --version | cut -d' ' -f1-3)) — redis vs redis; tree at $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
  else
    echo "- stockd: $STOCKD_BIN, git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')$(v=$(timeout 5 "$STOCKD_BIN" --version 2>/dev/null | head -n 1); [ -n "$v" ] && echo ", $v")"
  fi
  echo "- redis: $("$REDIS_BIN" --version)"
  echo "- redis-benchmark -c $CLIENTS -n $REQUESTS (-P 16: $(( REQUESTS * PIPELINED_SCALE )), but MSET and LRANGE_100 $REQUESTS) -r $KEYSPACE, $ROUNDS round(s), medians; both servers and the client share the same CPUs"
  echo "- profiles: redis \`$(q "${REDIS_ARGS_mem[@]}")\`, durable \`--appendonly yes --appendfsync always|everysec\`; stockd \`$(q ${STOCKD_ARGS_mem[@]+"${STOCKD_ARGS_mem[@]}"})\`, durable \`$(q "${STOCKD_ARGS_always[@]}")|everysec\`"
  echo
} >"$CMP_TMP/header.md"
cat "$CMP_TMP/header.md" >&2

START=$SECONDS
for round in $(seq 1 "$ROUNDS"); do
  for i in "${SELECTED[@]}"; do
    for side in s r; do
      t0=$SECONDS
      bench_once "$i" "$side" "$round"
      last=${RES[$i.$side]%;}; last=${last##*;}
      log "$(printf 'round %d/%d  %-30s %-6s %3ds  %s' "$round" "$ROUNDS" "${W_NAME[$i]}" "$([ $side = s ] && echo stockd || echo redis)" $(( SECONDS - t0 )) "$last")"
    done
  done
done
log "benchmark time: $(( SECONDS - START ))s"

# Stop the servers now, so one that crashes on shutdown is in the report.
srv_stop_all
for w in ${SRV_ABNORMAL[@]+"${SRV_ABNORMAL[@]}"}; do EXTRA_NOTES+=("- $w"); done

# column N of a "rps p50 p99 cpu client_cpu;" list -> its median
col_median() {
  local list=$1 n=$2 vals=() e
  IFS=';' read -r -a entries <<<"${list%;}"
  for e in "${entries[@]}"; do
    if [ "$e" = "n/a" ]; then vals+=("n/a"); else vals+=("$(echo "$e" | cut -d' ' -f"$n")"); fi
  done
  stats_median "${vals[@]}"
}

mkdir -p "$OUT_DIR"
TSV="$OUT_DIR/compare.tsv"
printf 'workload\tstockd_ops\tredis_ops\tratio\tstockd_p50_ms\tstockd_p99_ms\tredis_p50_ms\tredis_p99_ms\tstockd_cpu_us_per_req\tredis_cpu_us_per_req\tclient_cpu_us_per_req_vs_stockd\tclient_cpu_us_per_req_vs_redis\n' >"$TSV.tmp"
{
  cat "$CMP_TMP/header.md"
  echo "| workload | stockd ops/s | redis ops/s | ratio | stockd p50 ms | stockd p99 ms | redis p50 ms | redis p99 ms | stockd CPU µs/req | redis CPU µs/req | client CPU µs/req (vs stockd, vs redis) | ratio by round |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
} >"$CMP_TMP/report.md"
NOTES=(${EXTRA_NOTES[@]+"${EXTRA_NOTES[@]}"})
for i in "${SELECTED[@]}"; do
  s=${RES[$i.s]}; r=${RES[$i.r]}
  s_ops=$(col_median "$s" 1); r_ops=$(col_median "$r" 1)
  row=("${W_NAME[$i]}" "$(stats_fmt 0 "$s_ops")" "$(stats_fmt 0 "$r_ops")" "$(stats_ratio "$s_ops" "$r_ops")"
       "$(stats_fmt 3 "$(col_median "$s" 2)")" "$(stats_fmt 3 "$(col_median "$s" 3)")"
       "$(stats_fmt 3 "$(col_median "$r" 2)")" "$(stats_fmt 3 "$(col_median "$r" 3)")"
       "$(stats_fmt 2 "$(col_median "$s" 4)")" "$(stats_fmt 2 "$(col_median "$r" 4)")"
       "$(stats_fmt 2 "$(col_median "$s" 5)")" "$(stats_fmt 2 "$(col_median "$r" 5)")")
  (IFS=$'\t'; echo "${row[*]}") >>"$TSV.tmp"
  # The markdown adds each round's own ratio (its two runs ran back to back), so a
  # reader sees how far the machine's noise moved the median.
  IFS=';' read -r -a s_runs <<<"${s%;}"; IFS=';' read -r -a r_runs <<<"${r%;}"
  per_round=""
  for k in "${!s_runs[@]}"; do
    per_round+="$(stats_ratio "${s_runs[$k]%% *}" "${r_runs[$k]%% *}") "
  done
  md=("${row[@]:0:10}" "${row[10]} ${row[11]}" "${per_round% }")
  (IFS='|'; echo "|${md[*]}|" | sed 's/|/ | /g; s/^ //; s/ $//') >>"$CMP_TMP/report.md"
  [ -n "${NA_WHY[$i.s]:-}" ] && NOTES+=("- ${W_NAME[$i]}: stockd n/a — ${NA_WHY[$i.s]}")
  [ -n "${NA_WHY[$i.r]:-}" ] && NOTES+=("- ${W_NAME[$i]}: redis n/a — ${NA_WHY[$i.r]}")
done
if [ ${#NOTES[@]} -gt 0 ]; then
  { echo; echo "Not available, and server failures:"; printf '%s\n' "${NOTES[@]}" | tr -d '\r' | cut -c1-240; } >>"$CMP_TMP/report.md"
fi
mv "$TSV.tmp" "$TSV"
cp "$CMP_TMP/report.md" "$OUT_DIR/compare.md"
cat "$CMP_TMP/report.md"

if command -v gnuplot >/dev/null; then
  subtitle="$(nproc) CPUs, -c $CLIENTS -n $REQUESTS (P16: $(( REQUESTS * PIPELINED_SCALE )), MSET and LRANGE_100 $REQUESTS), median of $ROUNDS round(s), $(date -u '+%Y-%m-%d')$([ "$STANDIN" = 1 ] && echo ', STAND-IN: redis vs redis')"
  if ! gnuplot -e "infile='$TSV'; outfile='$OUT_DIR/compare.png'; subtitle='$subtitle'" "$HERE/plot_compare.gp" 2>"$CMP_TMP/gnuplot.err"; then
    log "warning: gnuplot failed: $(head -c 400 "$CMP_TMP/gnuplot.err")"
  fi
else
  log "warning: gnuplot not found; no compare.png (apt-get install gnuplot-nox)"
fi
log "wrote $TSV, $OUT_DIR/compare.md, $OUT_DIR/compare.png"
exit 0
