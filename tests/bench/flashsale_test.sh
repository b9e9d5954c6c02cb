#!/usr/bin/env bash
# tests/bench/flashsale_test.sh — bench/flashsale end to end, briefly (≈2 s a run):
#   eval: against a real redis-server with the Lua script;
#   buy:  against stockd with STOCK.BUY (skipped while stockd or STOCK.BUY is missing).
# Each mode runs (1) a sell-out with one connection per user, (2) the same through a
# shared pool of connections, (3) a sale where every user reaches its limit before the
# stock runs out; each must end with "audit: PASS" and exit 0, and the server must show
# the stock the tool reports; (4) a sale that runs until its 2 s are over, with
# progress lines; (5) a sale where another client takes units meanwhile, whose audit
# must FAIL with exit 1. A usage error must exit 2.
# Usage: flashsale_test.sh FLASHSALE_BIN eval|buy [STOCKD_BIN]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/bench/lib/servers.sh"
BIN=${1:?usage: flashsale_test.sh FLASHSALE_BIN eval|buy [STOCKD_BIN]}
MODE=${2:?usage: flashsale_test.sh FLASHSALE_BIN eval|buy [STOCKD_BIN]}
fail() { echo "FAIL: $*"; exit 1; }
CMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flashsale-test.XXXXXX")
trap 'srv_stop_all; rm -rf "$CMP_TMP"' EXIT

if [ "$MODE" = eval ]; then
  command -v redis-server >/dev/null || { echo "SKIP: no redis-server"; exit 77; }
  srv_start redis redis-server --save '' --appendonly no || fail "redis-server did not start"
  GET=GET
else
  SERVER=${3:-}
  [ -n "$SERVER" ] && [ -x "$SERVER" ] || { echo "SKIP: no stockd binary at '${SERVER}'"; exit 77; }
  srv_start stockd "$SERVER" --order-fsync no || srv_start stockd "$SERVER" || fail "stockd did not start"
  if ! srv_cli "$SRV_PORT" STOCK.SET bench:probe 1 >/dev/null ||
     ! srv_cli "$SRV_PORT" STOCK.BUY bench:probe user:probe >/dev/null; then
    echo "SKIP: this stockd has no STOCK.SET/STOCK.BUY yet"
    exit 77
  fi
  GET=STOCK.GET
fi
P=$SRV_PORT

"$BIN" --port "$P" --users 0 --stock 1 --sku x >/dev/null 2>&1
[ $? -eq 2 ] || fail "a usage error must exit 2"

run() {  # name, expected result word, flashsale args...
  local name=$1 want=$2
  shift 2
  "$BIN" --port "$P" --mode "$MODE" --duration 2 "$@" >"$CMP_TMP/$name.out" 2>&1
  local rc=$?
  cat "$CMP_TMP/$name.out"
  [ $rc -eq 0 ] || fail "$name: flashsale exited $rc"
  grep -q '^audit: PASS$' "$CMP_TMP/$name.out" || fail "$name: no audit PASS"
  grep -q "^result: $want" "$CMP_TMP/$name.out" || fail "$name: result is not '$want'"
  grep -qE '^latency ms: p50 [0-9.]+ +p90 [0-9.]+ +p99 [0-9.]+ +p99.9 [0-9.]+ +max [0-9.]+' \
    "$CMP_TMP/$name.out" || fail "$name: no latency percentiles"
}

# 1. Sell-out, a connection per user: 200 users race for 3000 units.
run sellout "sold out" --users 200 --stock 3000 --sku flash:a
[ "$(redis-cli -p "$P" $GET flash:a)" = 0 ] || fail "sellout: the server's stock is not 0"
grep -q 'units sold 3000 (initial 3000 - remaining 0) == acknowledged 3000 in 3000 orders' \
  "$CMP_TMP/sellout.out" || fail "sellout: the audit line does not show 3000 sold"

# 2. The same through 8 shared connections.
run pool "sold out" --users 200 --connections 8 --stock 2000 --sku flash:b
grep -q 'on 8 connections' "$CMP_TMP/pool.out" || fail "pool: not on 8 connections"

# 3. Every user reaches its limit of 3 long before the stock is gone.
run limit "every user at the limit" --users 100 --stock 100000 --limit 3 --sku flash:c
grep -q 'units sold 300 (initial 100000 - remaining 99700) == acknowledged 300 in 300 orders' \
  "$CMP_TMP/limit.out" || fail "limit: expected exactly 100 users x 3 units"
grep -q 'most per user 3 (limit 3)' "$CMP_TMP/limit.out" || fail "limit: most per user is not 3"
# 4. Time is up long before the stock is: the sale stops at 2 s, progress lines appear.
run timeup "time up" --users 20 --stock 100000000 --sku flash:d
grep -qE '^\[ +1\.[0-9]s\] +[0-9]+ ops/s  sold [0-9]+  remaining [0-9]+$' "$CMP_TMP/timeup.out" ||
  fail "timeup: no progress line"
# 5. The audit can fail: another client takes 5 units behind the buyers' backs.
"$BIN" --port "$P" --mode "$MODE" --duration 2 --users 10 --stock 100000000 --sku flash:e \
  --quiet >"$CMP_TMP/theft.out" 2>&1 &
pid=$!
# Wait until the sale is under way (the tool sets the stock first), then steal.
for _ in $(seq 1 100); do
  left=$(redis-cli -p "$P" $GET flash:e)
  [[ $left =~ ^[0-9]+$ ]] && [ "$left" -lt 99999900 ] && break
  sleep 0.05
done
redis-cli -p "$P" DECRBY flash:e 5 >/dev/null
wait $pid
rc=$?
cat "$CMP_TMP/theft.out"
[ $rc -eq 1 ] || fail "theft: flashsale must exit 1 when the audit fails, exited $rc"
grep -q '^audit FAILED: units sold .* != units acknowledged' "$CMP_TMP/theft.out" ||
  fail "theft: the failure does not name the units"
echo "PASS"
