# bench/plot.gp: bench/out/report.png from the files bench/sql/plot_data.sql
# writes.  gnuplot -e "datadir='...'; outfile='...'" bench/plot.gp

set terminal pngcairo size 1500,1700 font "DejaVu Sans,10" noenhanced
set output outfile
set datafile separator "\t"
set multiplot layout 3,2 title "pg_orgs: C permission engine vs SQL baselines (medians)" font ",13"

set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics mytics
set key below horizontal font ",9"
set logscale y
set format y "%g"

set title "Point checks: time per check (ns)"
set ylabel "ns per check"
plot for [i=2:6] datadir.'/plot_point.tsv' using i:xtic(1) title columnheader(i)

set title "count(*) under each policy: time per row scanned (ns)"
set ylabel "ns per row"
plot for [i=2:7] datadir.'/plot_scan.tsv' using i:xtic(1) title columnheader(i)

set title "pgbench, 2 clients: transactions per second (99% point checks)"
set ylabel "TPS"
plot for [i=2:5] datadir.'/plot_tps.tsv' using i:xtic(1) title columnheader(i)

unset style
set style data linespoints
set logscale xy
set title "Cache: first check (build) and first apps_with_permission() vs team grants of the user"
set xlabel "team grants held by the user (10 per team)"
set ylabel "ms"
scales = system("cat ".datadir."/plot_cache_scales.txt")
plot for [i=1:words(scales)] datadir.'/plot_cache.tsv' index (i-1) using 1:2 with linespoints lw 2 title "build, ".word(scales,i), \
     for [i=1:words(scales)] datadir.'/plot_cache.tsv' index (i-1) using 1:3 with linespoints lw 2 dt 2 title "set first call, ".word(scales,i)

# traffic (8 clients): throughput ratios, with the 0.9 target
unset logscale
unset xlabel
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set title "pgbench, 8 clients: point-check throughput ratios (target ≥ 0.9)"
set ylabel "ratio of median TPS"
set yrange [0:1.3]
set format y "%.1f"
if (int(system("test -s ".datadir."/plot_traffic.tsv && echo 1 || echo 0")) == 1) {
    ncols = int(system("head -1 ".datadir."/plot_traffic.tsv | awk -F'\t' '{print NF}'"))
    plot for [i=2:ncols] datadir.'/plot_traffic.tsv' using i:xtic(1) title columnheader(i), \
         0.9 with lines lw 2 dt 2 lc rgb "red" title "target 0.9"
} else {
    set label 1 "no traffic runs (BENCH_TRAFFIC_SCALES=none)" at graph 0.5, 0.5 center
    plot 0.9 with lines lw 2 dt 2 lc rgb "red" title "target 0.9"
    unset label 1
}

# the N curve
unset style
set style data linespoints
set logscale x
set logscale y
set yrange [*:*]
set format y "%g"
set xrange [5:20000]
set title "Protected table (orgs.protect_table) ÷ no-policy floor, by apps the user sees"
set xlabel "N: apps the user sees"
set ylabel "median time ÷ floor"
if (int(system("test -s ".datadir."/plot_ncurve.tsv && echo 1 || echo 0")) == 1) {
    plot datadir.'/plot_ncurve.tsv' using 1:2 with linespoints lw 2 pt 7 title "full scan ÷ (d) bare count(*)", \
         datadir.'/plot_ncurve.tsv' using 1:3 with linespoints lw 2 pt 5 dt 3 title "full scan ÷ (e) app_id >= 0", \
         datadir.'/plot_ncurve.tsv' using 1:4 with linespoints lw 2 pt 9 title "selective (100 look-ups, app_id a parameter) ÷ floor", \
         datadir.'/plot_ncurve.tsv' using 1:5 with linespoints lw 2 pt 11 title "join on app_id ÷ floor", \
         1.5 with lines lw 2 dt 2 lc rgb "red" title "target: full scan ≤ 1.5×"
} else {
    set label 1 "no N curve (BENCH_NCURVE_SCALE=none)" at graph 0.5, 0.5 center
    plot 1.5 with lines lw 2 dt 2 lc rgb "red" title "target: full scan ≤ 1.5×"
    unset label 1
}
unset multiplot
