# bench/lib/stats.sh — small number helpers for the benchmark scripts.
# Sourced by bash scripts (bench/compare.sh); defines functions only.
# "n/a" is a value: any function given an n/a input returns n/a, never a number.

# stats_median V...: the median of the values (mean of the two middle ones for an
# even count); n/a if there are no values or any value is n/a.
stats_median() {
  [ $# -gt 0 ] || { echo "n/a"; return; }
  local v
  for v in "$@"; do
    [ "$v" = "n/a" ] && { echo "n/a"; return; }
  done
  printf '%s\n' "$@" | sort -g | awk '
    { a[NR] = $1 }
    END {
      if (NR % 2) printf "%.6f\n", a[(NR + 1) / 2];
      else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2;
    }'
}

# stats_ratio A B: A / B with 2 decimals; n/a when either is n/a or B is zero.
stats_ratio() {
  if [ "$1" = "n/a" ] || [ "$2" = "n/a" ]; then echo "n/a"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# stats_fmt DECIMALS V: V rounded to DECIMALS places; n/a stays n/a.
stats_fmt() {
  if [ "$2" = "n/a" ]; then echo "n/a"; return; fi
  awk -v d="$1" -v v="$2" 'BEGIN { printf "%.*f\n", d, v }'
}

# stats_cpu_us_per_req BEFORE AFTER REQUESTS: server CPU microseconds per request
# between two srv_cpu readings ("NS TICKS"; a lone number is taken as TICKS). NS is
# exact; when the ticks count more than two ticks beyond it, threads exited during the
# run (their time left the NS sum) and the ticks are used. n/a if a reading failed
# (negative) or nothing was requested.
stats_cpu_us_per_req() {
  local hz
  hz=$(getconf CLK_TCK)
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$hz" 'BEGIN {
    nb = split(b, B, " "); na = split(a, A, " ")
    bt = B[nb]; at = A[na]
    if (bt < 0 || at < 0 || n <= 0 || at < bt) { print "n/a"; exit }
    us = (at - bt) * 1e6 / hz
    if (nb == 2 && na == 2 && B[1] >= 0 && A[1] >= B[1]) {
      ns_us = (A[1] - B[1]) / 1000
      if (us - ns_us <= 2e6 / hz) us = ns_us
    }
    printf "%.6f\n", us / n }'
}

# stats_times_us_per_req FILE REQUESTS: client CPU microseconds per request from a
# file holding bash's `times` output, whose second line is the children's user and
# system time ("0m1.234s 0m0.567s"). n/a if the file or that line is missing.
stats_times_us_per_req() {
  [ -r "$1" ] || { echo "n/a"; return; }
  awk -v n="$2" '
    function secs(t,   m) { m = index(t, "m"); return substr(t, 1, m - 1) * 60 + substr(t, m + 1, length(t) - m - 1) }
    NR == 2 && NF == 2 { found = 1; total = secs($1) + secs($2) }
    END { if (!found || n <= 0) print "n/a"; else printf "%.6f\n", total * 1e6 / n }' "$1"
}

# stats_parse_csv FILE: reads redis-benchmark --csv output and prints
# "rps p50_ms p99_ms" of its last data row, or fails when there is none.
# The test name (first column) may hold quotes and commas (an EVAL script), so the
# numbers are taken from the end of the row: ...,"rps","avg","min","p50","p95","p99","max".
stats_parse_csv() {
  awk '
    /^"/ && !/^"test","rps"/ { last = $0 }
    END {
      if (last == "") exit 1;
      n = split(last, f, "\",\"");
      if (n < 8) exit 1;
      gsub(/"/, "", f[n]);
      rps = f[n - 6]; p50 = f[n - 3]; p99 = f[n - 1];
      if (rps !~ /^[0-9.]+$/ || p50 !~ /^[0-9.]+$/ || p99 !~ /^[0-9.]+$/) exit 1;
      print rps, p50, p99;
    }' "$1"
}
