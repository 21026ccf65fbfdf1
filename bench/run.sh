#!/usr/bin/env bash
# bench/run.sh - "make bench": the C permission engine against the SQL ways
# the same checks are written today, side by side, on a throw-away cluster.
#
#   bash bench/run.sh
#
# Environment:
#   PG_CONFIG             pg_config of the PostgreSQL to build against and run
#                         (default /usr/lib/postgresql/15/bin/pg_config); the
#                         server binaries come from its --bindir
#   BENCH_SCALES="small medium large"  the scales to run (default: all three)
#   BENCH_REPS=5          timed repetitions of every measurement (at least 5)
#   BENCH_PGBENCH_SECS=5  length of one pgbench run
#   BENCH_VERIFY_SECS=10  length of the stale-answer verification run
#   BENCH_TRAFFIC_SCALES  scales that run the 8-client traffic and attacker
#                         pgbench runs (default: every scale of BENCH_SCALES;
#                         "none" to skip)
#   BENCH_TRAFFIC_SECS=8  length of one of those runs (at least 4: their
#                         throughput is that of the whole seconds after the
#                         first 2, in which new connections fill their caches)
#   BENCH_TRAFFIC_CLIENTS=8  their clients (the attacker row: one of them is
#                         the attacker)
#   BENCH_TRAFFIC_RATES="0 1 5"  percentages of grant-changing transactions
#   BENCH_NCURVE_SCALE    the scale whose database gets the N curve (a
#                         protected table scanned by users who see N = 10,
#                         100, 1,000, 10,000 apps); default: the last of
#                         BENCH_SCALES; "none" to skip
#   BENCH_NCURVE_ROWS=1000000  rows of that table
#   BENCH_PORT=56432      port of the throw-away cluster (its socket is in a
#                         private directory, so it cannot clash with others)
#   BENCH_KEEP=1          keep the work directory (cluster, build, logs)
#
# What it does: installs missing Debian packages (when root); copies the
# repository to a temporary directory, builds it there without assertions
# (make clean && make) and installs it; starts a cluster of its own (as the
# OS user postgres when run as root) with jit off, shared_buffers 1GB and
# parallel query off; for each scale loads the seeded data set
# (sql/generate.sql), creates the baselines and policies (sql/setup.sql),
# checks that every variant gives the same answers, runs the workloads
# (sql/workloads.sql, sql/fixtures.sql, pgbench/*.sql): point checks,
# policy scans, selective queries, 2-client pgbench mixes, the stale-answer
# verification, cache builds, then (BENCH_TRAFFIC_SCALES) 8-client traffic
# with 0/1/5% grant-changing transactions and the attacker row, and at one
# scale (BENCH_NCURVE_SCALE) the N curve (sql/ncurve.sql); with more than
# one scale, cold cache builds and the point checks in rounds across the
# scales; then writes
# bench/out/report.md and bench/out/report.png (gnuplot), copies them to
# bench/RESULTS.md and bench/results.png, and always stops the cluster.
# Every measurement interleaves its variants round by round and reports
# medians; the machine may be shared, so only ratios within a run count.
#
# Exit status: 0 when every check passed; non-zero when a variant gave a
# different answer, a stale answer was seen, or anything failed.

set -euo pipefail

DEFAULT_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PG_CONFIG=${PG_CONFIG:-$DEFAULT_PG_CONFIG}
PACKAGES=(make gcc gnuplot-nox)
# Debian's own PostgreSQL 15: its packages are checked (and installed) too
case $PG_CONFIG in
/usr/lib/postgresql/*/bin/pg_config | /usr/bin/pg_config)
	PACKAGES=(postgresql-15 postgresql-server-dev-15 "${PACKAGES[@]}")
	;;
esac

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out

SCALES=${BENCH_SCALES:-small medium large}
REPS=${BENCH_REPS:-5}
PGBENCH_SECS=${BENCH_PGBENCH_SECS:-5}
VERIFY_SECS=${BENCH_VERIFY_SECS:-10}
PORT=${BENCH_PORT:-56432}
SEED=0.42
TRAFFIC_SCALES=${BENCH_TRAFFIC_SCALES-$SCALES}
TRAFFIC_SECS=${BENCH_TRAFFIC_SECS:-8}
TRAFFIC_CLIENTS=${BENCH_TRAFFIC_CLIENTS:-8}
TRAFFIC_RATES=${BENCH_TRAFFIC_RATES:-0 1 5}
NCURVE_SCALE=${BENCH_NCURVE_SCALE:-${SCALES##* }}
NCURVE_ROWS=${BENCH_NCURVE_ROWS:-1000000}
[ "$TRAFFIC_SCALES" = none ] && TRAFFIC_SCALES=""

# Never talk to a server chosen by the caller's environment, and keep an
# outer "make bench ASSERTS=1" from reaching the inner build.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS \
	PGAPPNAME PGDATA PGCLIENTENCODING \
	MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ASSERTS

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
msg() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

case " $SCALES " in *[!\ a-z]*) die "BENCH_SCALES: use small, medium and large" ;; esac
for s in $SCALES; do
	case $s in small | medium | large) ;; *) die "unknown scale '$s' (small, medium, large)" ;; esac
done
[ "$REPS" -ge 5 ] 2>/dev/null || die "BENCH_REPS must be at least 5"
for s in $TRAFFIC_SCALES; do
	case " $SCALES " in *" $s "*) ;; *) die "BENCH_TRAFFIC_SCALES: '$s' is not in BENCH_SCALES" ;; esac
done
case " $SCALES none " in *" $NCURVE_SCALE "*) ;; *) die "BENCH_NCURVE_SCALE: '$NCURVE_SCALE' is not in BENCH_SCALES" ;; esac
[ "$TRAFFIC_CLIENTS" -ge 2 ] 2>/dev/null || die "BENCH_TRAFFIC_CLIENTS must be at least 2"
[ "$TRAFFIC_SECS" -ge 4 ] 2>/dev/null || die "BENCH_TRAFFIC_SECS must be at least 4 (2 s of warm-up, 1 whole second, a partial one)"
[ "$NCURVE_ROWS" -ge 10000 ] 2>/dev/null || die "BENCH_NCURVE_ROWS must be at least 10000"
for r in $TRAFFIC_RATES; do
	[ "$r" -ge 0 ] 2>/dev/null && [ "$r" -le 100 ] || die "BENCH_TRAFFIC_RATES: '$r' is not a percentage"
done

# ---------------------------------------------------------------- packages
missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		msg "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
	fi
fi

[ -x "$PG_CONFIG" ] || die "PG_CONFIG=$PG_CONFIG: not an executable pg_config"
PG_BINDIR=$("$PG_CONFIG" --bindir)
for f in initdb pg_ctl psql pgbench; do
	[ -x "$PG_BINDIR/$f" ] || die "$PG_BINDIR/$f not found (PG_CONFIG=$PG_CONFIG)"
done

# ---------------------------------------------------------------- work directory
if [ "$(id -u)" -eq 0 ]; then
	RUN_USER=postgres
	as_user() { runuser -u "$RUN_USER" -- "$@"; }
else
	RUN_USER=$(id -un)
	as_user() { "$@"; }
fi

WORK=$(mktemp -d /tmp/pg_orgs-bench.XXXXXX)
chmod 755 "$WORK"
DATADIR=$WORK/data
SOCKDIR=$WORK
CLUSTER_STARTED=0
STATUS=1

cleanup() {
	if [ "$CLUSTER_STARTED" -eq 1 ]; then
		as_user "$PG_BINDIR/pg_ctl" -D "$DATADIR" -w -t 60 stop -m fast >/dev/null 2>&1 ||
			as_user "$PG_BINDIR/pg_ctl" -D "$DATADIR" -w -t 30 stop -m immediate >/dev/null 2>&1 || true
		msg "cluster stopped"
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$STATUS" -ne 0 ]; then
		msg "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT/data"
rm -f "$OUT"/data/*.tsv

# ---------------------------------------------------------------- build
msg "building without assertions in $WORK/src"
mkdir -p "$WORK/src" "$WORK/lib"
tar -C "$REPO" --exclude=./.git --exclude=./bench/out -cf - . | tar -C "$WORK/src" -xf -
make -s -C "$WORK/src" clean PG_CONFIG="$PG_CONFIG" >/dev/null
make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" ASSERTS=0 >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; die "build failed"; }
if grep -q -- '-DUSE_ASSERT_CHECKING' "$WORK/build.log"; then
	die "the build has assertions enabled"
fi
make -s -C "$WORK/src" install PG_CONFIG="$PG_CONFIG" ASSERTS=0 >>"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; die "make install failed"; }
# This run's library, pinned: the benchmark's functions load it from here,
# so a concurrent "make install" by someone else cannot swap it mid-run.
cp "$WORK/src/pg_orgs.so" "$WORK/lib/pg_orgs.so"
# Assert() compiles to calls of ExceptionalCondition only with assertions on
if nm -D "$WORK/lib/pg_orgs.so" | grep -q ExceptionalCondition; then
	die "the library was built with assertions"
fi
LIB_MD5=$(md5sum "$WORK/lib/pg_orgs.so" | cut -c1-12)
GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO" status --porcelain -- src extension 2>/dev/null)" ]; then
	GIT_REV="$GIT_REV + uncommitted changes in src/ or extension/"
fi

# ---------------------------------------------------------------- cluster
[ "$RUN_USER" = "$(id -un)" ] || chown -R "$RUN_USER" "$WORK"
msg "starting a cluster in $DATADIR (port $PORT)"
as_user "$PG_BINDIR/initdb" -D "$DATADIR" --auth=trust -U postgres -E UTF8 --locale=C -N \
	>"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; die "initdb failed"; }
cat >>"$DATADIR/postgresql.conf" <<EOF

# bench/run.sh
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCKDIR'
max_connections = 20
jit = off
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_parallel_workers_per_gather = 0
autovacuum = off
fsync = off
full_page_writes = off
max_wal_size = 8GB
checkpoint_timeout = 30min
log_min_messages = warning
log_checkpoints = off
EOF
as_user "$PG_BINDIR/pg_ctl" -D "$DATADIR" -l "$WORK/server.log" -w -t 120 start >/dev/null ||
	{ tail -20 "$WORK/server.log"; die "the cluster did not start"; }
CLUSTER_STARTED=1

PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres)
psql_db() {
	local db=$1
	shift
	"${PSQL[@]}" -d "$db" "$@"
}

psql_db postgres -c "
	CREATE ROLE bench_floor NOLOGIN BYPASSRLS;
	CREATE ROLE bench_a NOLOGIN;
	CREATE ROLE bench_b NOLOGIN;
	CREATE ROLE bench_c NOLOGIN;
	CREATE ROLE bench_row NOLOGIN;
	CREATE ROLE bench_set NOLOGIN;"
psql_db postgres -c "CREATE DATABASE bench_template"
psql_db bench_template -c "CREATE EXTENSION pg_orgs;"
psql_db bench_template -c "
	UPDATE pg_catalog.pg_proc SET probin = '$WORK/lib/pg_orgs.so'
	 WHERE probin = '\$libdir/pg_orgs';"

PG_VERSION=$(psql_db postgres -Atc "SELECT version()")

# The attacker row's control: the same attacker loop against another
# database of the same cluster (same CPU, same WAL, but its invalidations
# reach only the backends of that database).
if [ -n "$TRAFFIC_SCALES" ]; then
	psql_db postgres -c "CREATE DATABASE bench_decoy TEMPLATE bench_template"
	psql_db bench_decoy -c "SELECT orgs.register_user('bench_attacker', 'bench_attacker@bench.example')" >/dev/null
fi

# pgbench_run LOG DB CLIENTS SCRIPT SECS [-D ...]: one pgbench run with a
# per-second transaction log; sets PGB_TPS (the whole run, as pgbench
# reports it), PGB_STEADY (the steady state: the transactions of the whole
# seconds after the first TRAFFIC_SKIP ones, in which every new connection
# fills its cache, and before the last, partial one, per second) and
# PGB_XACTS; fails on errors or failed transactions.
TRAFFIC_SKIP=2
pgbench_run() {
	local log=$1 db=$2 clients=$3 script=$4 secs=$5 failed agg
	shift 5
	agg=$log.agg
	rm -f "$agg".*
	"$PG_BINDIR/pgbench" -h "$SOCKDIR" -p "$PORT" -U postgres -n -M prepared -c "$clients" \
		-j "$(((clients < 2) ? 1 : 2))" -T "$secs" -l --aggregate-interval=1 --log-prefix="$agg" \
		"$@" -f "$BENCH_DIR/pgbench/$script.sql" "$db" \
		>"$log" 2>&1 || { cat "$log"; die "pgbench $script failed"; }
	PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$log")
	PGB_XACTS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
	[ -n "$PGB_TPS" ] && [ "${failed:-0}" = 0 ] || { cat "$log"; die "pgbench $script: no result"; }
	# interval start -> transactions, summed over the threads' logs
	PGB_STEADY=$(cat "$agg".* | awk -v skip="$TRAFFIC_SKIP" '
		{ n[$1] += $2 }
		END {
			k = 0
			for (t in n) keys[++k] = t
			# sort the interval starts (a handful: insertion sort)
			for (i = 2; i <= k; i++) { v = keys[i]; j = i - 1
				while (j > 0 && keys[j] + 0 > v + 0) { keys[j + 1] = keys[j]; j-- }
				keys[j + 1] = v }
			s = 0; m = 0
			for (i = skip + 1; i < k; i++) { s += n[keys[i]]; m++ }
			if (m > 0) printf "%.1f", s / m
		}')
	[ -n "$PGB_STEADY" ] || { cat "$log"; die "pgbench $script: too short for a steady state (BENCH_TRAFFIC_SECS)"; }
}

# ---------------------------------------------------------------- scales
scale_params() {
	# orgs users teams apps resource-rows
	case $1 in
	small) echo "100 1000 100 500 10000" ;;
	medium) echo "1000 10000 1000 5000 100000" ;;
	large) echo "10000 100000 10000 50000 1000000" ;;
	esac
}

CACHE_FIXTURES=("user in 1 org" "user in 1 team" "user in 10 teams" "user in 100 teams" "user in 1000 teams"
	"admin of an org with 10,000 apps")
# with more than one scale, every scale's database stays until the cold
# builds across scales (after the loop) are done
read -r -a SCALE_LIST <<<"$SCALES"
CROSS=$(((${#SCALE_LIST[@]} > 1) ? 1 : 0))

STALE_TOTAL=0
for scale in $SCALES; do
	read -r n_orgs n_users n_teams n_apps n_res <<<"$(scale_params "$scale")"
	db=bench_$scale
	t_scale=$SECONDS
	msg "[$scale] loading: $n_orgs orgs, $n_users users, $n_teams teams, $n_apps apps, $n_res rows"
	psql_db postgres -c "CREATE DATABASE $db TEMPLATE bench_template"
	t0=$SECONDS
	psql_db "$db" -v seed=$SEED -v n_orgs="$n_orgs" -v n_users="$n_users" -v n_teams="$n_teams" \
		-v n_apps="$n_apps" -v n_res="$n_res" -v tpu=5 -f "$BENCH_DIR/sql/generate.sql" >/dev/null
	load_secs=$((SECONDS - t0))
	psql_db "$db" -f "$BENCH_DIR/sql/setup.sql" >/dev/null
	psql_db "$db" -c "INSERT INTO bench.facts VALUES ('$scale', 'load time (s)', '$load_secs')"

	# the per-row SQL and PL/pgSQL policies take 20 to 60 and 10 us a row:
	# at the large scale (1,000,000 rows) their count(*) scans run 3 times
	# without a warm-up round (a minute each for the SQL one), and the
	# correctness gate samples one user per role instead of two
	slow_warmup=1
	slow_reps=$REPS
	probe_per_role=2
	if [ "$scale" = large ]; then
		slow_warmup=0
		slow_reps=3
		probe_per_role=1
	fi
	msg "[$scale] correctness gate, point checks, scans, selective queries"
	psql_db "$db" -v scale="$scale" -v seed=$SEED -v reps="$REPS" -v slow_reps="$slow_reps" \
		-v warmup=1 -v slow_warmup=$slow_warmup -v probe_per_role=$probe_per_role \
		-f "$BENCH_DIR/sql/workloads.sql" >/dev/null
	psql_db "$db" -v scale="$scale" -f "$BENCH_DIR/sql/fixtures.sql" >/dev/null

	# pgbench: 99% point checks, 1% grant changes
	msg "[$scale] pgbench mixes ($REPS x 4 runs of ${PGBENCH_SECS}s)"
	npairs=$(psql_db "$db" -Atc "SELECT count(*) FROM bench.pairs")
	psql_db "$db" -c "CREATE TABLE bench.pgbench (scale text, variant text, rep integer, tps double precision, xacts bigint)"
	variants=(mix_floor mix_sql mix_ours read_ours)
	for rep in $(seq 1 "$REPS"); do
		for i in 0 1 2 3; do
			v=${variants[$(((i + rep) % 4))]}
			log=$WORK/pgbench.$scale.$v.$rep.log
			"$PG_BINDIR/pgbench" -h "$SOCKDIR" -p "$PORT" -U postgres -n -M prepared -c 2 -j 2 \
				-T "$PGBENCH_SECS" -D npairs="$npairs" -D ngrants=10 \
				-f "$BENCH_DIR/pgbench/$v.sql" "$db" >"$log" 2>&1 || { cat "$log"; die "pgbench $v failed"; }
			tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$log")
			xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
			failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
			[ -n "$tps" ] && [ "${failed:-0}" = 0 ] || { cat "$log"; die "pgbench $v: no result"; }
			psql_db "$db" -c "INSERT INTO bench.pgbench VALUES ('$scale', '$v', $rep, $tps, $xacts)"
		done
	done

	# the stale-answer check
	msg "[$scale] stale-answer verification (${VERIFY_SECS}s)"
	log=$WORK/pgbench.$scale.verify.log
	"$PG_BINDIR/pgbench" -h "$SOCKDIR" -p "$PORT" -U postgres -n -M prepared -c 2 -j 2 \
		-T "$VERIFY_SECS" -D nhot=50 -D ngrants=10 \
		-f "$BENCH_DIR/pgbench/verify.sql" "$db" >"$log" 2>&1 || { cat "$log"; die "pgbench verify failed"; }
	stale=$(psql_db "$db" -Atc "SELECT count(*) FROM bench.verify_log WHERE ours IS DISTINCT FROM fresh AND ours IS DISTINCT FROM after")
	STALE_TOTAL=$((STALE_TOTAL + stale))
	[ "$stale" = 0 ] || msg "[$scale] STALE ANSWERS: $stale (see the report)"

	# cache build time and memory: one fresh connection per probe
	msg "[$scale] cache build probes"
	for rep in $(seq 1 "$REPS"); do
		for f in "${CACHE_FIXTURES[@]}"; do
			psql_db "$db" -c "SELECT bench.cache_probe('$scale', $rep, '$f')" >/dev/null
		done
	done

	# traffic: 8 clients of point checks of random users, with a share of
	# grant-changing transactions spread over many orgs
	case " $TRAFFIC_SCALES " in
	*" $scale "*)
		nwrites=$(psql_db "$db" -Atc "SELECT count(*) FROM bench.traffic_writes")
		nrates=$(wc -w <<<"$TRAFFIC_RATES")
		msg "[$scale] traffic: $TRAFFIC_CLIENTS clients, writes $TRAFFIC_RATES % ($REPS x $((2 * nrates)) runs of ${TRAFFIC_SECS}s)"
		for rep in $(seq 1 "$REPS"); do
			runs=()
			for r in $TRAFFIC_RATES; do runs+=("traffic_floor:$r" "traffic_ours:$r"); done
			n=${#runs[@]}
			for i in $(seq 0 $((n - 1))); do
				run=${runs[$(((i + rep) % n))]}
				v=${run%%:*}
				r=${run##*:}
				pgbench_run "$WORK/pgbench.$scale.$v.$r.$rep.log" "$db" "$TRAFFIC_CLIENTS" "$v" "$TRAFFIC_SECS" \
					-D npairs="$npairs" -D nwrites="$nwrites" -D wpct="$r"
				psql_db "$db" -c "INSERT INTO bench.traffic VALUES ('$scale', '${v#traffic_}', $r, $rep, $PGB_STEADY, $PGB_XACTS, NULL, $PGB_TPS)"
			done
		done

		# the attacker: one connection loops create/delete of a personal
		# app; the other clients check as before (no other writes)
		tenants=$((TRAFFIC_CLIENTS - 1))
		msg "[$scale] attacker: $tenants tenants alone, with the attacker in another database, with the attacker ($REPS x 3 runs of ${TRAFFIC_SECS}s)"
		variants=(alone decoy attack)
		for rep in $(seq 1 "$REPS"); do
			for i in 0 1 2; do
				v=${variants[$(((i + rep) % 3))]}
				apid=""
				if [ "$v" != alone ]; then
					adb=$db
					[ "$v" = decoy ] && adb=bench_decoy
					"$PG_BINDIR/pgbench" -h "$SOCKDIR" -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 \
						-T "$TRAFFIC_SECS" -f "$BENCH_DIR/pgbench/attack.sql" "$adb" \
						>"$WORK/pgbench.$scale.attacker.$v.$rep.log" 2>&1 &
					apid=$!
				fi
				pgbench_run "$WORK/pgbench.$scale.tenants.$v.$rep.log" "$db" "$tenants" traffic_ours "$TRAFFIC_SECS" \
					-D npairs="$npairs" -D nwrites="$nwrites" -D wpct=0
				axacts=NULL
				if [ -n "$apid" ]; then
					wait "$apid" || { cat "$WORK/pgbench.$scale.attacker.$v.$rep.log"; die "attacker pgbench failed"; }
					axacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
						"$WORK/pgbench.$scale.attacker.$v.$rep.log")
					[ -n "$axacts" ] || { cat "$WORK/pgbench.$scale.attacker.$v.$rep.log"; die "attacker: no result"; }
				fi
				psql_db "$db" -c "INSERT INTO bench.traffic VALUES ('$scale', '$v', 0, $rep, $PGB_STEADY, $PGB_XACTS, $axacts, $PGB_TPS)"
			done
		done
		;;
	esac

	# the N curve: a protected table scanned by users who see N apps
	if [ "$scale" = "$NCURVE_SCALE" ]; then
		msg "[$scale] N curve: $NCURVE_ROWS rows, users who see 10, 100, 1,000, 10,000 apps"
		psql_db "$db" -v scale="$scale" -v reps="$REPS" -v warmup=1 -v n_rows="$NCURVE_ROWS" \
			-f "$BENCH_DIR/sql/ncurve.sql" >/dev/null
	fi

	psql_db "$db" -c "INSERT INTO bench.facts VALUES ('$scale', 'scale run time (s)', '$((SECONDS - t_scale))')"
	for t in results facts plans pgbench cache_results cache_fixtures traffic ncurve ncurve_plans; do
		psql_db "$db" -c "\\copy (SELECT * FROM bench.$t) TO '$OUT/data/$scale.$t.tsv'"
	done
	psql_db "$db" -c "\\copy (SELECT '$scale', * FROM bench.verify_log) TO '$OUT/data/$scale.verify_log.tsv'"
	psql_db "$db" -c "\\copy (SELECT '$scale', * FROM bench.write_log) TO '$OUT/data/$scale.write_log.tsv'"
	[ "${BENCH_KEEP:-0}" = 1 ] || [ "$CROSS" = 1 ] || psql_db postgres -c "DROP DATABASE $db"
	msg "[$scale] done in $((SECONDS - t_scale))s"
done

# cold builds across scales: each scale's own probes above ran at a
# different moment of the run, and the machine's speed drifts over half an
# hour by more than the target allows; here rounds of fresh connections
# visit the databases in turn (the order rotating), twice as many rounds
for scale in $SCALES; do
	: >"$OUT/data/$scale.cache_cross.tsv"
	: >"$OUT/data/$scale.cache_pages.tsv"
	: >"$OUT/data/$scale.cache_rebuild.tsv"
	: >"$OUT/data/$scale.point_cross.tsv"
done
if [ "$CROSS" = 1 ]; then
	nscales=${#SCALE_LIST[@]}
	msg "cold builds across scales ($((2 * REPS)) rounds of ${#CACHE_FIXTURES[@]} fixtures x $nscales scales, interleaved)"
	# probe_rounds SQL: 2 x REPS rounds; in each, for every fixture, one
	# fresh connection per scale (the order rotating) runs SQL, a format
	# whose %s are the scale, the round and the fixture
	probe_rounds() {
		local rep f i scale
		for rep in $(seq 1 $((2 * REPS))); do
			for f in "${CACHE_FIXTURES[@]}"; do
				for i in $(seq 0 $((nscales - 1))); do
					scale=${SCALE_LIST[$(((i + rep) % nscales))]}
					# shellcheck disable=SC2059
					psql_db "bench_$scale" -c "$(printf "$1" "$scale" "$rep" "$f")" >/dev/null
				done
			done
		done
	}
	probe_rounds "SELECT bench.cold_probe('%s', %s, '%s')"
	# what each build reads (shared buffers): one more fresh connection each
	for scale in $SCALES; do
		for f in "${CACHE_FIXTURES[@]}"; do
			psql_db "bench_$scale" -c "SELECT bench.cold_probe('$scale', 0, '$f', true)" >/dev/null
		done
	done
	# the build after an invalidation of the user alone, in a connection
	# that has built the user before: the median of 9 rebuilds per visit,
	# in rounds visiting the scales in turn as above (after the pages are
	# counted: each rebuild commits an update of the user's row)
	msg "rebuilds after the user's own invalidation across scales ($((2 * REPS)) rounds, 9 rebuilds each)"
	probe_rounds "CALL bench.rebuild_probe('%s', %s, '%s', 9)"
	# the cost per check across scales: each scale's own point checks ran
	# at its own moment of the run; here the rounds visit the scales in turn
	msg "point checks across scales ($((2 * REPS)) rounds x $nscales scales, interleaved)"
	for rep in $(seq 1 $((2 * REPS))); do
		for i in $(seq 0 $((nscales - 1))); do
			scale=${SCALE_LIST[$(((i + rep) % nscales))]}
			psql_db "bench_$scale" -c "SELECT bench.point_probe('$scale', $rep)" >/dev/null
		done
	done
	for scale in $SCALES; do
		psql_db "bench_$scale" -c "\\copy (SELECT * FROM bench.cache_pages) TO '$OUT/data/$scale.cache_pages.tsv'"
		psql_db "bench_$scale" -c "\\copy (SELECT * FROM bench.cache_cross) TO '$OUT/data/$scale.cache_cross.tsv'"
		psql_db "bench_$scale" -c "\\copy (SELECT * FROM bench.cache_rebuild) TO '$OUT/data/$scale.cache_rebuild.tsv'"
		psql_db "bench_$scale" -c "\\copy (SELECT * FROM bench.point_cross) TO '$OUT/data/$scale.point_cross.tsv'"
		[ "${BENCH_KEEP:-0}" = 1 ] || psql_db postgres -c "DROP DATABASE bench_$scale"
	done
fi

# ---------------------------------------------------------------- report
msg "writing the report"
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
psql_db postgres -f "$BENCH_DIR/sql/report_schema.sql" >/dev/null
for scale in $SCALES; do
	for t in results facts plans pgbench cache_results cache_fixtures verify_log write_log traffic ncurve ncurve_plans \
		cache_cross cache_pages cache_rebuild point_cross; do
		psql_db postgres -c "\\copy rpt.$t FROM '$OUT/data/$scale.$t.tsv'"
	done
done
psql_db postgres -At -f "$BENCH_DIR/sql/report.sql" \
	-v nproc="$(nproc)" -v cpu="$CPU" -v mem="$MEM" -v pgversion="$PG_VERSION" \
	-v rev="$GIT_REV" -v lib_md5="$LIB_MD5" -v reps="$REPS" -v scales="$SCALES" \
	-v pgbench_secs="$PGBENCH_SECS" -v verify_secs="$VERIFY_SECS" -v seed=$SEED \
	-v traffic_secs="$TRAFFIC_SECS" -v traffic_clients="$TRAFFIC_CLIENTS" \
	-v traffic_scales="${TRAFFIC_SCALES:-none}" -v ncurve_scale="$NCURVE_SCALE" -v ncurve_rows="$NCURVE_ROWS" \
	-v load="at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
	-v date="$(date -u '+%Y-%m-%d %H:%M UTC')" -v total_secs=$SECONDS \
	>"$OUT/report.md"
psql_db postgres -At -f "$BENCH_DIR/sql/plot_data.sql" -v out="$OUT/data" >/dev/null
gnuplot -e "datadir='$OUT/data'; outfile='$OUT/report.png'" "$BENCH_DIR/plot.gp" 2>"$WORK/gnuplot.log" ||
	{ cat "$WORK/gnuplot.log"; die "gnuplot failed"; }
cp "$OUT/report.md" "$BENCH_DIR/RESULTS.md"
cp "$OUT/report.png" "$BENCH_DIR/results.png"
msg "report: $OUT/report.md, $OUT/report.png (copied to bench/RESULTS.md, bench/results.png)"

if [ "$STALE_TOTAL" -ne 0 ]; then
	STATUS=1
	die "$STALE_TOTAL stale answers seen: see the report"
fi
STATUS=0
msg "done in ${SECONDS}s"
