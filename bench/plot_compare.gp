# bench/plot_compare.gp — bar chart of stockd/redis throughput ratios per workload.
# Input: the compare.tsv that bench/compare.sh writes (header row, tab-separated;
# column 1 workload, column 4 ratio or "n/a"). n/a rows keep their place with an
# empty bar and "(n/a)" in their label, so a missing workload is visible, not hidden.
# Usage: gnuplot -e "infile='compare.tsv'; outfile='compare.png'; subtitle='...'" plot_compare.gp
if (!exists("infile")) infile = "bench/results/compare.tsv"
if (!exists("outfile")) outfile = "bench/results/compare.png"
if (!exists("subtitle")) subtitle = ""

# pngcairo draws antialiased text; the plain libgd png terminal is the fallback.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 1400,720 enhanced font "DejaVu Sans,10"
} else {
  set terminal png size 1400,720 font "DejaVu Sans,10"
}
set output outfile

set datafile separator "\t"
stats infile every ::1 using 0 nooutput
nrows = STATS_records

set title "stockd / redis-server throughput (ops/s ratio, higher is better for stockd)\n".subtitle noenhanced
set ylabel "stockd ops/s ÷ redis ops/s"
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics lc rgb "#dddddd"
set xtics rotate by 45 right nomirror noenhanced font ",9"
set ytics nomirror
set key off
set xrange [-0.7:nrows - 0.3]
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0   # headroom for the value labels
set bmargin 11
set rmargin 6
set lmargin 12

isna(s) = (s eq "n/a" || s eq "")
ratio(s) = isna(s) ? 0 : real(s)
label(w, s) = isna(s) ? w." (n/a)" : w
# green when stockd is at least as fast, red when slower
colour(s) = isna(s) ? 0x999999 : (real(s) >= 1.0 ? 0x2e8b57 : 0xcd3333)

# The 1.0 line: where stockd and redis are equally fast.
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#1f4e9c" lw 2 dt 2 front
set label 1 "1.0" at graph 1, first 1 offset 0.5,0 tc rgb "#1f4e9c" front

plot infile every ::1 using 0:(ratio(strcol(4))):(colour(strcol(4))):xtic(label(strcol(1), strcol(4))) \
       with boxes lc rgb variable, \
     infile every ::1 using 0:(ratio(strcol(4))):(isna(strcol(4)) ? "" : strcol(4)) \
       with labels offset 0,0.6 font ",8"
