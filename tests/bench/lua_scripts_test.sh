#!/usr/bin/env bash
# tests/bench/lua_scripts_test.sh — the flash-sale Lua scripts in bench/scripts do what
# their headers say, on a real redis-server: check-and-decrement, the order append,
# SOLDOUT without a change, and (flash_buy_limit.lua) the per-user limit.
# Each script is sent the way the tools send it: comment lines dropped, lines joined.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/bench/lib/servers.sh"
command -v redis-server >/dev/null || { echo "SKIP: no redis-server"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
CMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lua-scripts-test.XXXXXX")
trap 'srv_stop_all; rm -rf "$CMP_TMP"' EXIT
srv_start redis redis-server --save '' --appendonly no || fail "redis-server did not start"
P=$SRV_PORT
lua() { grep -v '^[[:space:]]*--' "$ROOT/bench/scripts/$1" | tr '\n' ' '; }
BUY=$(lua flash_buy.lua)
LIM=$(lua flash_buy_limit.lua)
cli() { redis-cli --no-raw -p "$P" "$@" | tr '\n' ' ' | sed 's/ $//'; }
expect() { local want=$1; shift; local got; got=$(cli "$@"); [ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"; }

# flash_buy.lua: 2 units, 3 buyers.
cli SET s 2 >/dev/null
expect '1) (integer) 1 2) (integer) 1' EVAL "$BUY" 2 s s:orders alice
expect '1) (integer) 2 2) (integer) 0' EVAL "$BUY" 2 s s:orders bob
expect '(error) SOLDOUT not enough stock' EVAL "$BUY" 2 s s:orders carol
expect '"0"' GET s
expect '1) "alice" 2) "bob"' LRANGE s:orders 0 -1
expect '(error) SOLDOUT not enough stock' EVAL "$BUY" 2 missing missing:orders dave

# flash_buy_limit.lua: 5 units, limit 2 per user.
cli SET k 5 >/dev/null
expect '1) (integer) 1 2) (integer) 4' EVAL "$LIM" 3 k k:orders k:users alice 1 2
expect '1) (integer) 2 2) (integer) 3' EVAL "$LIM" 3 k k:orders k:users alice 1 2
expect '(error) LIMIT user limit reached' EVAL "$LIM" 3 k k:orders k:users alice 1 2
expect '1) (integer) 3 2) (integer) 1' EVAL "$LIM" 3 k k:orders k:users bob 2 2
expect '(error) SOLDOUT not enough stock' EVAL "$LIM" 3 k k:orders k:users carol 2 0
expect '1) (integer) 4 2) (integer) 0' EVAL "$LIM" 3 k k:orders k:users carol 1 0
expect '(error) SOLDOUT not enough stock' EVAL "$LIM" 3 k k:orders k:users dave 1 0
expect '"0"' GET k
expect '1) "alice:1" 2) "alice:1" 3) "bob:2" 4) "carol:1"' LRANGE k:orders 0 -1
expect '1) "alice" 2) "2" 3) "bob" 4) "2" 5) "carol" 6) "1"' HGETALL k:users
echo "PASS"
