# bench/plot.gp: bench/out/report.png from the files bench/sql/plot_data.sql
# writes.  gnuplot -e "datadir='...'; outfile='...'" bench/plot.gp

set terminal pngcairo size 1500,1150 font "DejaVu Sans,10" noenhanced
set output outfile
set datafile separator "\t"
set multiplot layout 2,2 title "pg_orgs: C permission engine vs SQL baselines (medians; log scales)" font ",13"

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
unset multiplot
