# bench/lib/servers.sh — start, probe and stop the servers a benchmark script owns.
# Sourced by bash scripts (bench/compare.sh); defines functions only.
#
# Contract:
#   - Every server is started on 127.0.0.1 on a free port, with its data in its own
#     directory under $CMP_TMP, stdout+stderr in <dir>/server.log.
#   - Every process started here is recorded in CMP_PIDS; srv_stop_all kills exactly
#     those pids (TERM, then KILL after a grace period) and nothing else.
#   - Port choice is racy by nature (another process may take a port between the
#     check and the bind), so srv_start retries on another port when a server dies
#     at start-up.
# Globals used: CMP_TMP (must exist), CMP_PIDS (array, appended to).
# Results of srv_start: SRV_PORT, SRV_PID, SRV_DIR.

CMP_PIDS=(${CMP_PIDS[@]+"${CMP_PIDS[@]}"})
declare -A SRV_LOG  # pid -> its server.log, to show when it exits abnormally
SRV_ABNORMAL=()     # one line per server that did not stop cleanly (srv_stop_all)

# srv_free_port: prints a loopback TCP port nobody listens on right now.
srv_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    # A refused connection means nobody listens there; bash's /dev/tcp needs no tools.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# srv_ping PORT: true when a RESP server answers PING with PONG.
srv_ping() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" PING 2>/dev/null)" = "PONG" ]
}

# srv_wait_ready PORT PID [TIMEOUT_S]: waits until PORT answers PING; false if PID
# exits first or the timeout passes.
srv_wait_ready() {
  local port=$1 pid=$2 timeout=${3:-15} i
  for i in $(seq 1 $(( timeout * 10 ))); do
    kill -0 "$pid" 2>/dev/null || return 1
    srv_ping "$port" && return 0
    sleep 0.1
  done
  return 1
}

# srv_start LABEL BINARY [ARGS...]: starts BINARY --port P --bind 127.0.0.1 --dir D ARGS.
# On success sets SRV_PORT, SRV_PID, SRV_DIR and returns 0; on failure returns 1 and
# leaves the server log in $CMP_TMP/LABEL/server.log.
srv_start() {
  local label=$1 bin=$2 attempt port pid
  shift 2
  SRV_DIR="$CMP_TMP/$label"
  mkdir -p "$SRV_DIR"
  for attempt in 1 2 3; do
    port=$(srv_free_port) || return 1
    "$bin" --port "$port" --bind 127.0.0.1 --dir "$SRV_DIR" "$@" \
      >"$SRV_DIR/server.log" 2>&1 </dev/null &
    pid=$!
    CMP_PIDS+=("$pid")
    SRV_LOG[$pid]="$SRV_DIR/server.log"
    if srv_wait_ready "$port" "$pid"; then
      SRV_PORT=$port
      SRV_PID=$pid
      return 0
    fi
    srv_kill "$pid"
    srv_forget "$pid"
    # A server that exited by itself rejected its arguments (or the port was taken):
    # only the latter is worth another attempt.
    grep -qiE 'address already in use|could not create server tcp' "$SRV_DIR/server.log" || break
  done
  # Say why, for the caller's failure message (its temp dir goes with its exit).
  echo "srv_start: $label did not answer PING on port $port; the end of its log:" >&2
  tail -n 5 "$SRV_DIR/server.log" 2>/dev/null | sed 's/^/    /' >&2
  return 1
}

# srv_forget PID: drops PID from CMP_PIDS (it has been reaped).
srv_forget() {
  local keep=() p
  for p in ${CMP_PIDS[@]+"${CMP_PIDS[@]}"}; do [ "$p" = "$1" ] || keep+=("$p"); done
  CMP_PIDS=(${keep[@]+"${keep[@]}"})
}

# srv_kill PID: TERM, wait up to 5 s, then KILL. Only for pids this script started.
# Returns the process's exit status (0 after a clean shutdown on TERM; 143 when it
# died of the TERM itself; 137 when it needed the KILL; 134 for an abort, ...).
srv_kill() {
  local pid=$1 i rc
  if kill -TERM "$pid" 2>/dev/null; then
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  return $rc
}

# srv_stop_all: stops every process recorded in CMP_PIDS; a server that did not stop
# cleanly (or had died already) is reported on stderr with the end of its log.
srv_stop_all() {
  local pid rc
  for pid in ${CMP_PIDS[@]+"${CMP_PIDS[@]}"}; do
    srv_kill "$pid"
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 143 ]; then
      echo "warning: server pid $pid exited with status $rc at shutdown; its log ends:" >&2
      tail -n 8 "${SRV_LOG[$pid]:-/dev/null}" 2>/dev/null | sed 's/^/    /' >&2
      SRV_ABNORMAL+=("$(basename "$(dirname "${SRV_LOG[$pid]:-?/?}")") (pid $pid) ended with status $rc$([ $rc -gt 128 ] && echo " (signal $(( rc - 128 )))"), not a clean exit on SIGTERM")
    fi
  done
  CMP_PIDS=()
}

# srv_cpu_ticks PID: user+system CPU time of the whole process (every thread, the
# exited ones included), in clock ticks, from /proc/PID/stat fields 14 and 15.
srv_cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return 1; }
  # The command name (field 2) may hold spaces and parentheses: cut after the last ')'.
  stat=${stat##*) }
  set -- $stat
  echo $(( ${12} + ${13} ))
}

# srv_cpu PID: "NS TICKS", the process's CPU time read two ways: NS, the sum of its
# live threads' run time from /proc/PID/task/*/schedstat (nanoseconds, exact), and
# TICKS, srv_cpu_ticks (sampled per clock tick, but counting exited threads too).
# stats_cpu_us_per_req uses NS unless threads exited between two readings.
srv_cpu() {
  local ticks ns
  ticks=$(srv_cpu_ticks "$1") || { echo "-1 -1"; return 1; }
  ns=$(cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }')
  echo "${ns:--1} $ticks"
}

# srv_cli PORT ARGS...: one command through redis-cli; prints the reply in redis-cli's
# non-raw form so an error reply starts with "(error)". Returns 1 on an error reply or
# when redis-cli itself fails.
srv_cli() {
  local port=$1 out rc
  shift
  out=$(redis-cli --no-raw -h 127.0.0.1 -p "$port" "$@" 2>&1 </dev/null)
  rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] || return 1
  case "$out" in
    "(error)"*|"Could not connect"*|"Error:"*) return 1 ;;
  esac
  return 0
}
