#!/usr/bin/env bash
# Smoke test of the Go half of bench/runtime-vs-go.sh: the anchors build offline,
# offer exactly the metrics runtime_bench offers (so the table cannot silently
# lose a row), and each runs once and prints a positive cost. Skipped (77)
# without a Go toolchain. Not a measurement.
# Usage: go_anchors_smoke.sh RUNTIME_BENCH GO_ANCHORS_DIR WORK_DIR
set -euo pipefail
bench=$1 src=$2 work=$3
command -v go >/dev/null || { echo "SKIP: no go toolchain"; exit 77; }
mkdir -p "$work"
(cd "$src" && GOCACHE=$work/go-cache GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on \
  go build -o "$work/gobench" .)
gb=$work/gobench

# runtime_bench lists "name/real_time"; the script compares by the bare name.
cpp=$("$bench" --benchmark_list_tests | sed 's#/.*##' | sort)
go=$( { "$gb" -list; echo rss_parked_fiber_bytes; } | sort)
if [[ $cpp != "$go" ]]; then
  diff <(echo "$cpp") <(echo "$go") || true
  echo "FAIL: runtime_bench and gobench offer different metrics" >&2
  exit 1
fi
for m in $("$gb" -list); do
  "$gb" -bench "$m" -benchtime 1ms | awk -v m="$m" '$1 == m && $2 > 0 { ok = 1 } END { exit !ok }' ||
    { echo "FAIL: gobench -bench $m" >&2; exit 1; }
done
"$gb" -rss -fibers 1000 | awk '$1 == "rss_parked_fiber_bytes" && $2 > 0 { ok = 1 } END { exit !ok }' ||
  { echo "FAIL: gobench -rss" >&2; exit 1; }
echo "PASS: $(wc -w <<<"$go") metrics on both sides"
