#!/usr/bin/env bash
# tests/bench/compare_cleanup_test.sh — bench/compare.sh kills the servers it started
# when it is interrupted (SIGINT, as Ctrl-C sends) mid-run, and removes its temp dir.
# Uses redis-server as the stand-in for stockd, so it runs before stockd exists.
# Usage: compare_cleanup_test.sh WORK_DIR
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${1:?usage: compare_cleanup_test.sh WORK_DIR}
fail() { echo "FAIL: $*"; exit 1; }
REDIS=$(command -v redis-server) || { echo "SKIP: no redis-server"; exit 77; }
rm -rf "$WORK"; mkdir -p "$WORK/tmp"

# Many rounds of one workload: it is still running when the signal comes.
# timeout --foreground signals compare.sh only (not its process group), so the
# servers die only if compare.sh's trap kills them.
# A compare.sh still running 30 s after the signal is killed (-k) and reported
# with what it was doing, rather than left to the ctest timeout (seen once, in a
# CI run on a loaded machine; not reproduced).
TMPDIR="$WORK/tmp" STOCKD_BIN=$REDIS timeout --foreground --preserve-status -k 30 -s INT 6 \
  "$ROOT/bench/compare.sh" --rounds 1000 --requests 20000 --only '^SET P1$' --out "$WORK/out" \
  >"$WORK/stdout" 2>"$WORK/stderr" &
cmp_pid=$!
# The watcher leaves within a second of compare.sh (no long sleep outlives the test).
( for _ in $(seq 33); do sleep 1; kill -0 $cmp_pid 2>/dev/null || exit 0; done
  echo "== processes 27 s after the SIGINT:"
  ps -e -o pid,ppid,stat,etime,args --forest | grep -E "compare|redis|timeout|sleep" | grep -v grep ) >"$WORK/ps" 2>&1 &
ps_pid=$!
wait $cmp_pid
rc=$?
wait $ps_pid
[ $rc -eq 130 ] || { tail -n 5 "$WORK/stderr"; cat "$WORK/ps"; fail "expected exit 130 after SIGINT, got $rc"; }
pids=$(sed -n 's/^started .* (pid \([0-9]*\),.*/\1/p' "$WORK/stderr")
[ "$(echo "$pids" | wc -w)" -eq 2 ] || fail "expected 2 started servers, saw: $pids"
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    fail "server pid $pid outlived compare.sh"
  fi
done
[ -z "$(ls -A "$WORK/tmp")" ] || fail "temp dir left behind: $(ls "$WORK/tmp")"
[ ! -e "$WORK/out/compare.tsv" ] || fail "an interrupted run must not write compare.tsv"
echo "PASS"
