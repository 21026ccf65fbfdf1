#!/usr/bin/env bash
# test/run.sh - the whole pg_orgs test suite on a throw-away cluster.
#
#   bash test/run.sh [docs|regress|isolation|parallel|tap|demo]...   (default: all)
#
# Environment:
#   PG_CONFIG    pg_config of the PostgreSQL installation to test against
#                (also "make test PG_CONFIG=..."); default
#                /usr/lib/postgresql/15/bin/pg_config if it exists, else the
#                pg_config on PATH.  Everything else (bindir, pgxs, pg_regress,
#                the TAP perl modules, the major version, the Debian package
#                names) is derived from it.
#   TESTS="a b"  run only the tests with these names, in every group
#                (TAP names may be given with or without ".pl")
#   KEEP=1       keep the temporary directory (cluster, outputs, logs)
#   DISCARD_CACHES=1  run the regression tests with debug_discard_caches = 1
#                (every cache invalidated at every opportunity: how PostgreSQL
#                tests invalidation safety); set for the test database after
#                the extension is installed, so only the tests run with it.
#                Needs a server built with assertions (or
#                -DDISCARD_CACHES_ENABLED); see README.md
#                ("make test-discard-caches").  Slow.
#   VALGRIND=1   run the throw-away server under valgrind memcheck (the
#                TAP tests start servers of their own and are not covered);
#                afterwards every valgrind error whose stack has a frame of
#                pg_orgs.so counts as a failure (group "valgrind").  Slow:
#                see README.md ("make test-valgrind").
#
# Groups:
#   regress    pg_regress over sql/*.sql against expected/
#   isolation  pg_isolation_regress over test/specs/*.spec, test/expected/
#   parallel   pg_regress again over the names listed in test/parallel_tests,
#              with parallel query forced (force_parallel_mode=regress on
#              PostgreSQL 15, debug_parallel_query=regress on 16 and later)
#   tap        prove over test/t/*.pl (PostgreSQL::Test::Cluster)
#   docs       the documentation (make check-docs), three tests:
#                docs_reference       every function (each overload), view and
#                                     table of schema orgs, as installed in a
#                                     database of the throw-away cluster, is in
#                                     docs/reference.md, and every signature
#                                     line there matches the installation
#                docs_links           every relative link of README.md,
#                                     CHANGELOG.md and docs/*.md resolves to a
#                                     file of the repository (and a heading, for
#                                     an anchor into a Markdown file)
#                docs_self_contained  no file tracked by git refers to the
#                                     directory "shared" beside the repository
#                                     (the first specification's), which a
#                                     clone does not have
#   demo       the quick start's demo (examples/demo.sh, "make demo") on the
#              build installed above, on its own throw-away cluster: it must
#              succeed, and what it prints from its step 4 to its step 6 (the
#              organization it seeds, what each user sees and may do) must
#              match test/expected/demo.out
#
# Optional test/temp.conf is appended to the postgresql.conf of every cluster
# (the throw-away one and, via TEMP_CONFIG, the TAP ones).
#
# The server refuses to run as root: as root, everything server-side runs as
# the OS user "postgres"; otherwise as the current user.  Only a cluster that
# this script creates under its own temporary directory is ever used; the
# system cluster (port 5432) is never touched.
#
# The last line printed is "N passed, N failed".  Exit status is 0 only when
# nothing failed and at least one test passed.

set -euo pipefail

EXTENSION=pg_orgs
DEFAULT_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
ALL_GROUPS=(docs regress isolation parallel tap demo)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Never talk to a server chosen by the caller's environment, and do not let
# an outer "make test" leak its flags into the inner make.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS \
	PGCONNECT_TIMEOUT PGAPPNAME PGDATA PGCLIENTENCODING \
	MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

msg() { printf '%s\n' "$*"; }
err() { printf 'run.sh: %s\n' "$*" >&2; }

usage() {
	err "usage: bash test/run.sh [docs|regress|isolation|parallel|tap|demo]...  (env: TESTS=\"name ...\", KEEP=1)"
	exit 2
}

# ---------------------------------------------------------------- arguments
GROUPS_WANTED=()
for arg in "$@"; do
	case $arg in
	docs | regress | isolation | parallel | tap | demo) GROUPS_WANTED+=("$arg") ;;
	-h | --help) usage ;;
	*)
		err "unknown group '$arg'"
		usage
		;;
	esac
done
if [ ${#GROUPS_WANTED[@]} -eq 0 ]; then
	GROUPS_WANTED=("${ALL_GROUPS[@]}")
fi
want_group() {
	local g
	for g in "${GROUPS_WANTED[@]}"; do
		[ "$g" = "$1" ] && return 0
	done
	return 1
}

read -r -a TEST_FILTER <<<"${TESTS:-}"
# want_test NAME: true when no TESTS filter is set or NAME is in it.
want_test() {
	local t
	[ ${#TEST_FILTER[@]} -eq 0 ] && return 0
	for t in "${TEST_FILTER[@]}"; do
		[ "$t" = "$1" ] || [ "$t" = "$1.pl" ] && return 0
	done
	return 1
}

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# ---------------------------------------------------------------- PostgreSQL
# pg_major PG_CONFIG: the major version ("15", "18") from pg_config --version
# ("PostgreSQL 15.13 (Debian ...)", "PostgreSQL 18beta1").
pg_major() {
	"$1" --version 2>/dev/null | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p' | head -n 1
}

if [ -z "${PG_CONFIG:-}" ]; then
	if [ -x "$DEFAULT_PG_CONFIG" ]; then
		PG_CONFIG=$DEFAULT_PG_CONFIG
	elif command -v pg_config >/dev/null 2>&1; then
		PG_CONFIG=$(command -v pg_config)
	else
		# Nothing installed yet: the package check below installs 15.
		PG_CONFIG=$DEFAULT_PG_CONFIG
	fi
elif [ "${PG_CONFIG#*/}" = "$PG_CONFIG" ]; then
	# A bare command name: look it up on PATH.
	PG_CONFIG=$(command -v "$PG_CONFIG" 2>/dev/null || printf '%s' "$PG_CONFIG")
fi

# The major version, before anything is installed: from pg_config if it is
# there, else from a Debian path /usr/lib/postgresql/MAJOR/bin/pg_config.
PG_MAJOR=""
if [ -x "$PG_CONFIG" ]; then
	PG_MAJOR=$(pg_major "$PG_CONFIG")
fi
if [ -z "$PG_MAJOR" ]; then
	case $PG_CONFIG in
	/usr/lib/postgresql/[0-9]*/bin/pg_config)
		PG_MAJOR=${PG_CONFIG#/usr/lib/postgresql/}
		PG_MAJOR=${PG_MAJOR%%/*}
		;;
	esac
fi
if [ -z "$PG_MAJOR" ]; then
	err "PG_CONFIG=$PG_CONFIG: not an executable pg_config (or its --version is not \"PostgreSQL N...\")"
	exit 1
fi

# ---------------------------------------------------------------- packages
# libssl-dev: the build links libcrypto (src/jwt.c); python3-jwt and
# python3-cryptography mint the tokens of t/005_jwt.pl; pgbouncer carries
# the requests of t/006_postgrest_pgbouncer.pl.
PACKAGES=(libipc-run-perl make gcc perl libssl-dev python3-jwt python3-cryptography pgbouncer)
# A Debian installation (/usr/lib/postgresql/MAJOR, also behind the
# /usr/bin/pg_config of postgresql-common): its packages are checked (and,
# as root, installed) too.
PG_BINDIR_GUESS=""
if [ -x "$PG_CONFIG" ]; then
	PG_BINDIR_GUESS=$("$PG_CONFIG" --bindir 2>/dev/null || true)
fi
case "$PG_CONFIG $PG_BINDIR_GUESS" in
/usr/lib/postgresql/* | *" /usr/lib/postgresql/"*)
	PACKAGES=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" "${PACKAGES[@]}")
	;;
esac

missing_packages() {
	local p status
	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case $status in
		*" installed") ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

if command -v dpkg-query >/dev/null 2>&1; then
	mapfile -t MISSING < <(missing_packages)
	if [ ${#MISSING[@]} -gt 0 ]; then
		if [ $IS_ROOT -eq 1 ]; then
			msg "== installing missing packages: ${MISSING[*]}"
			apt-get update
			DEBIAN_FRONTEND=noninteractive apt-get install -y "${MISSING[@]}"
		else
			err "missing packages: ${MISSING[*]}"
			msg "sudo apt-get install -y ${MISSING[*]}"
			exit 1
		fi
	fi
else
	err "dpkg-query not found; assuming ${PACKAGES[*]} are installed"
fi

# Everything else comes from pg_config.
if [ ! -x "$PG_CONFIG" ]; then
	err "$PG_CONFIG not found (is postgresql-server-dev-$PG_MAJOR installed?)"
	exit 1
fi
PG_VERSION=$("$PG_CONFIG" --version)
PG_MAJOR=$(pg_major "$PG_CONFIG")
if [ -z "$PG_MAJOR" ] || [ "$PG_MAJOR" -lt 15 ]; then
	err "$PG_CONFIG reports \"$PG_VERSION\": pg_orgs needs PostgreSQL 15 or later"
	exit 1
fi
PG_BINDIR=$("$PG_CONFIG" --bindir)
PGXS_MK=$("$PG_CONFIG" --pgxs)
case $PGXS_MK in
*/src/makefiles/pgxs.mk) PGXS_DIR=${PGXS_MK%/src/makefiles/pgxs.mk} ;;
*)
	err "$PG_CONFIG --pgxs gives $PGXS_MK, not .../src/makefiles/pgxs.mk"
	exit 1
	;;
esac
PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
PG_ISOLATION_REGRESS=$PGXS_DIR/src/test/isolation/pg_isolation_regress
PG_PERL_LIB=$PGXS_DIR/src/test/perl
# PostgreSQL 16 renamed force_parallel_mode to debug_parallel_query.
if [ "$PG_MAJOR" -ge 16 ]; then
	FORCE_PARALLEL=debug_parallel_query
else
	FORCE_PARALLEL=force_parallel_mode
fi
PARALLEL_PGOPTIONS="-c $FORCE_PARALLEL=regress -c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0"

for f in "$PG_REGRESS" "$PG_ISOLATION_REGRESS" "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PG_BINDIR/psql"; do
	if [ ! -x "$f" ]; then
		err "$f not found (are postgresql-$PG_MAJOR and postgresql-server-dev-$PG_MAJOR installed?)"
		exit 1
	fi
done
if want_group tap && [ ! -f "$PG_PERL_LIB/PostgreSQL/Test/Cluster.pm" ]; then
	err "$PG_PERL_LIB/PostgreSQL/Test/Cluster.pm not found (is postgresql-server-dev-$PG_MAJOR installed?)"
	exit 1
fi
msg "== $PG_VERSION ($PG_CONFIG)"

# ---------------------------------------------------------------- build
msg "== building $EXTENSION (ASSERTS=1)"
# -B: rebuild everything, so objects left over from a build without
# assertions are not reused.
# A failed build or install counts as one failed test.
build_failed() {
	msg ""
	msg "== build: $1 failed"
	msg "0 passed, 1 failed"
	exit 1
}
make -C "$REPO" -B -j"$(nproc 2>/dev/null || echo 2)" ASSERTS=1 PG_CONFIG="$PG_CONFIG" ||
	build_failed "make ASSERTS=1"
if [ $IS_ROOT -eq 1 ]; then
	make -C "$REPO" install PG_CONFIG="$PG_CONFIG" || build_failed "make install"
else
	if ! command -v sudo >/dev/null 2>&1; then
		err "not root and no sudo: cannot run 'make install'; run as root"
		exit 1
	fi
	sudo make -C "$REPO" install PG_CONFIG="$PG_CONFIG" || build_failed "sudo make install"
fi

# ---------------------------------------------------------------- run-as user
if [ $IS_ROOT -eq 1 ]; then
	if ! id postgres >/dev/null 2>&1; then
		err "running as root but there is no OS user 'postgres' to run the server as"
		exit 1
	fi
	RUN_USER=postgres
else
	RUN_USER=$(id -un)
fi

WORK=$(mktemp -d /tmp/pg_orgs_test.XXXXXXXX)
SOCKDIR=$WORK/sock
DATADIR=$WORK/data
SERVER_LOG=$WORK/postgres.log
SRC=$WORK/src
CLEANED=0

# as_user CMD...: run CMD as the server user, with a clean, explicit PATH.
as_user() {
	local envs=(PATH="$PG_BINDIR:/usr/local/bin:/usr/bin:/bin" HOME="$WORK/home"
		LC_ALL=C LANG=C TMPDIR="$WORK/tmp")
	if [ $IS_ROOT -eq 1 ]; then
		runuser -u "$RUN_USER" -- env "${envs[@]}" "$@"
	else
		env "${envs[@]}" "$@"
	fi
}

# Stop every server whose data directory lies under $WORK: ours, and any a
# TAP test left behind (e.g. after Ctrl-C).
stop_servers() {
	local pidfile dir
	if [ -f "$DATADIR/postmaster.pid" ]; then
		as_user pg_ctl -D "$DATADIR" -w -t 60 stop -m fast >/dev/null 2>&1 ||
			as_user pg_ctl -D "$DATADIR" -w -t 30 stop -m immediate >/dev/null 2>&1 || true
	fi
	while IFS= read -r pidfile; do
		dir=$(dirname "$pidfile")
		as_user pg_ctl -D "$dir" -w -t 30 stop -m immediate >/dev/null 2>&1 || true
	done < <(find "$WORK" -name postmaster.pid -type f 2>/dev/null || true)
}

cleanup() {
	[ "$CLEANED" -eq 1 ] && return 0
	CLEANED=1
	[ -d "$WORK" ] || return 0
	stop_servers
	if [ "${KEEP:-0}" = 1 ]; then
		msg "== KEEP=1: kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir -p "$SOCKDIR" "$SRC" "$WORK/home" "$WORK/tmp" "$WORK/regress" \
	"$WORK/isolation" "$WORK/parallel" "$WORK/tap"
for d in sql expected test data; do
	if [ -d "$REPO/$d" ]; then
		cp -R "$REPO/$d" "$SRC/"
	fi
done
mkdir -p "$SRC/sql" "$SRC/expected" "$SRC/test/specs" "$SRC/test/expected" "$SRC/test/t"
if [ $IS_ROOT -eq 1 ]; then
	chown -R "$RUN_USER": "$WORK"
fi
if ! as_user test -w "$WORK/tmp"; then
	err "cannot run commands as the OS user $RUN_USER in $WORK (runuser failed, or a directory above is not accessible to it)"
	exit 1
fi

# ---------------------------------------------------------------- test lists
mapfile -t REGRESS_TESTS < <(
	for f in "$SRC"/sql/*.sql; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .sql)
		want_test "$n" && printf '%s\n' "$n"
	done | LC_ALL=C sort
)
mapfile -t ISOLATION_TESTS < <(
	for f in "$SRC"/test/specs/*.spec; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .spec)
		want_test "$n" && printf '%s\n' "$n"
	done | LC_ALL=C sort
)
mapfile -t PARALLEL_TESTS < <(
	if [ -f "$SRC/test/parallel_tests" ]; then
		sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$SRC/test/parallel_tests" |
			while IFS= read -r n; do
				[ -n "$n" ] || continue
				want_test "$n" && printf '%s\n' "$n"
			done
	fi
)
mapfile -t TAP_TESTS < <(
	for f in "$SRC"/test/t/*.pl; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .pl)
		want_test "$n" && printf '%s\n' "$n"
	done | LC_ALL=C sort
)

TOTAL_PASSED=0
TOTAL_FAILED=0
GROUP_LINES=()

record_group() { # group passed failed [note]
	local line="$1: $2 passed, $3 failed${4:+ ($4)}"
	GROUP_LINES+=("$line")
	msg "== $line"
	TOTAL_PASSED=$((TOTAL_PASSED + $2))
	TOTAL_FAILED=$((TOTAL_FAILED + $3))
}

# ---------------------------------------------------------------- cluster
port_in_use() {
	local port=$1 dir
	for dir in "$SOCKDIR" /tmp /var/run/postgresql /run/postgresql; do
		[ -S "$dir/.s.PGSQL.$port" ] && return 0
	done
	# pg_isready: 0 accepting, 1 rejecting, 2 no response, 3 no attempt.
	local rc=0
	as_user pg_isready -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] && return 0
	if command -v ss >/dev/null 2>&1; then
		ss -Hlntx 2>/dev/null | grep -Eq "[:.]$port([[:space:]]|\$)" && return 0
	fi
	return 1
}

# VALGRIND=1: pg_ctl starts the server through a wrapper that runs it under
# valgrind memcheck, every backend included (--trace-children).
START_TIMEOUT=120
PG_CTL_POSTGRES=()
VALGRIND_DIR=$WORK/valgrind
if [ "${VALGRIND:-0}" = 1 ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		err "VALGRIND=1 needs valgrind (apt-get install valgrind)"
		exit 1
	fi
	mkdir -p "$VALGRIND_DIR"
	# PostgreSQL's own false positives (see the file): a copy the server's
	# user can read
	cp "$REPO/test/valgrind.supp" "$WORK/valgrind.supp"
	cat >"$WORK/postgres-under-valgrind" <<VG
#!/bin/sh
exec valgrind --quiet --tool=memcheck --trace-children=yes --track-origins=yes \\
	--read-var-info=yes --num-callers=30 --error-limit=no \\
	--suppressions=$WORK/valgrind.supp \\
	--log-file=$VALGRIND_DIR/%p.log "$PG_BINDIR/postgres" "\$@"
VG
	chmod 755 "$WORK/postgres-under-valgrind"
	PG_CTL_POSTGRES=(-p "$WORK/postgres-under-valgrind")
	START_TIMEOUT=600
	[ $IS_ROOT -eq 1 ] && chown -R "$RUN_USER": "$VALGRIND_DIR" "$WORK/postgres-under-valgrind"
fi

# valgrind_report: count the valgrind errors with a frame in pg_orgs.so.
# A frame of pg_orgs shows as "(in .../pg_orgs.so)" without debug
# information and as "(acting.c:851)" (the file name only) with it, so the
# pattern names the object and every C file of src/.
valgrind_report() {
	local errors total ours
	[ "${VALGRIND:-0}" = 1 ] || return 0
	stop_servers
	ours="pg_orgs[.]so|[(]($(cd "$REPO/src" && ls *.c | sed 's/[.]c$//' | paste -sd'|'))[.]c:[0-9]+[)]"
	total=$(cat "$VALGRIND_DIR"/*.log 2>/dev/null | grep -c '^==[0-9]*== [A-Z]' || true)
	# an error is a block of lines "==pid== ..." up to an empty "==pid== "
	errors=$(cat "$VALGRIND_DIR"/*.log 2>/dev/null | awk -v ours="$ours" '
		/^==[0-9]+== *$/ { if (blk ~ ours) n++; blk = ""; next }
		/^==[0-9]+== / { blk = blk "\n" $0 }
		END { if (blk ~ ours) n++; print n + 0 }')
	msg ""
	msg "== valgrind: $(ls "$VALGRIND_DIR" | wc -l) process logs, $total error(s) in all, $errors with a pg_orgs frame"
	if [ "$errors" -gt 0 ]; then
		cat "$VALGRIND_DIR"/*.log | awk -v ours="$ours" '
			/^==[0-9]+== *$/ { if (blk ~ ours) print blk "\n"; blk = ""; next }
			/^==[0-9]+== / { blk = blk "\n" $0 }' | head -n 200
		record_group valgrind 0 "$errors"
	else
		record_group valgrind 1 0
	fi
}

CLUSTER_STARTED=0
start_cluster() {
	[ "$CLUSTER_STARTED" -eq 1 ] && return 0
	PORT=""
	local p
	for p in $(seq 54321 54420); do
		if ! port_in_use "$p"; then
			PORT=$p
			break
		fi
	done
	if [ -z "$PORT" ]; then
		err "no free port found in 54321-54420"
		return 1
	fi
	msg "== initdb in $DATADIR (port $PORT, socket dir $SOCKDIR)"
	as_user initdb -D "$DATADIR" --auth=trust -E UTF8 --locale=C -N >"$WORK/initdb.log" 2>&1 || {
		cat "$WORK/initdb.log"
		return 1
	}
	{
		echo ""
		echo "# added by test/run.sh"
		echo "port = $PORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$SOCKDIR'"
		echo "jit = off"
		echo "fsync = off"
		echo "logging_collector = off"
		echo "log_line_prefix = '%m [%p] %q%a '"
		echo "max_prepared_transactions = 10"
		if [ -f "$SRC/test/temp.conf" ]; then
			echo "# from test/temp.conf"
			cat "$SRC/test/temp.conf"
		fi
	} >>"$DATADIR/postgresql.conf"
	if ! as_user pg_ctl -D "$DATADIR" -l "$SERVER_LOG" -w -t "$START_TIMEOUT" \
		"${PG_CTL_POSTGRES[@]}" start >/dev/null; then
		err "could not start the test cluster; server log:"
		tail -n 50 "$SERVER_LOG" >&2 || true
		return 1
	fi
	CLUSTER_STARTED=1
}

# Make sure the cluster is up before a group (a crash may have taken it down).
ensure_cluster() {
	if [ "$CLUSTER_STARTED" -eq 1 ] && ! as_user pg_ctl -D "$DATADIR" status >/dev/null 2>&1; then
		err "test cluster is down; restarting it"
		as_user pg_ctl -D "$DATADIR" -l "$SERVER_LOG" -w -t "$START_TIMEOUT" \
			"${PG_CTL_POSTGRES[@]}" start >/dev/null || return 1
	fi
	start_cluster
}

show_server_trouble() {
	[ -f "$SERVER_LOG" ] || return 0
	if grep -Eq 'TRAP:|terminated by signal|PANIC:' "$SERVER_LOG"; then
		msg "---- server log: crashes / assertion failures"
		grep -E -B2 -A2 'TRAP:|terminated by signal|PANIC:' "$SERVER_LOG" | head -n 60
		msg "----"
	fi
}

# regress_results LOGFILE: "name|status" for every per-test result line of
# pg_regress / pg_isolation_regress output, status one of ok, FAILED,
# "failed (ignored)", skipped.  Two formats:
#   PostgreSQL 15:   "test name ... ok  12 ms", "     name ... FAILED" (in a
#                    parallel group), "test name ... failed (ignored)"
#   PostgreSQL 16+:  TAP: "ok 1         - name   12 ms", "not ok 2     - name
#                    45 ms" ('+' instead of '-' in a parallel group), and
#                    "ok 3 - name ... # SKIP ..." / "(ignored)" variants
# "not ok" is always a failure, whatever follows it.
regress_results() {
	sed -nE \
		-e 's/^(test +| +)([^ ]+) +\.\.\. (ok|FAILED|failed \(ignored\)).*/\2|\3/p' -e t \
		-e 's/^not ok +[0-9]+ +[-+] +([^ ]+).*/\1|FAILED/p' -e t \
		-e 's/^ok +[0-9]+ +[-+] +([^ ]+).*# *[Ss][Kk][Ii][Pp].*/\1|skipped/p' -e t \
		-e 's/^ok +[0-9]+ +[-+] +([^ ]+).*\(ignored\).*/\1|failed (ignored)/p' -e t \
		-e 's/^ok +[0-9]+ +[-+] +([^ ]+)( .*)?$/\1|ok/p' \
		"$1"
}

# count_regress LOGFILE INPUTDIR OUTDIR NAMES...: per-test results from
# pg_regress-style output; sets C_PASSED, C_FAILED, C_IGNORED, C_SKIPPED.
# A test with no result line (no expected file, pg_regress died early)
# counts as failed.
count_regress() {
	local log=$1 inputdir=$2 outdir=$3 name res
	shift 3
	C_PASSED=0 C_FAILED=0 C_IGNORED=0 C_SKIPPED=0
	declare -A result=()
	while IFS='|' read -r name res; do
		result[$name]=$res
	done < <(regress_results "$log")
	for name in "$@"; do
		case ${result[$name]:-} in
		ok) C_PASSED=$((C_PASSED + 1)) ;;
		"failed (ignored)")
			C_PASSED=$((C_PASSED + 1))
			C_IGNORED=$((C_IGNORED + 1))
			;;
		skipped)
			C_PASSED=$((C_PASSED + 1))
			C_SKIPPED=$((C_SKIPPED + 1))
			;;
		FAILED) C_FAILED=$((C_FAILED + 1)) ;;
		*)
			C_FAILED=$((C_FAILED + 1))
			msg "   $name: no result (counted as failed)"
			if [ ! -f "$inputdir/expected/$name.out" ] && [ -f "$outdir/results/$name.out" ]; then
				msg "---- $name: no expected/$name.out; actual output (first 200 lines):"
				head -n 200 "$outdir/results/$name.out"
				msg "----"
			fi
			;;
		esac
	done
}

# run_regress_group GROUP OUTDIR PROGRAM INPUTDIR DBNAME PGOPTIONS NAMES...
run_regress_group() {
	local group=$1 outdir=$2 prog=$3 inputdir=$4 dbname=$5 pgoptions=$6
	shift 6
	local log=$WORK/$group.out rc=0 note=""
	if [ $# -eq 0 ]; then
		msg "== $group: no tests"
		return 0
	fi
	msg ""
	msg "== $group: $# test(s)"
	if ! ensure_cluster; then
		msg "   could not start the test cluster"
		record_group "$group" 0 $# "cluster failed to start"
		return 0
	fi
	if as_user env PGOPTIONS="$pgoptions" "$prog" \
		--bindir="$PG_BINDIR" \
		--inputdir="$inputdir" \
		--outputdir="$outdir" \
		--host="$SOCKDIR" --port="$PORT" \
		--load-extension="$EXTENSION" \
		--dbname="$dbname" \
		"$@" 2>&1 | tee "$log"; then
		rc=0
	else
		rc=$?
	fi
	count_regress "$log" "$inputdir" "$outdir" "$@"
	if [ "$C_FAILED" -eq 0 ] && [ "$rc" -ne 0 ]; then
		# pg_regress failed without a failing test (e.g. could not create
		# the database): never let that pass silently.
		msg "   $(basename "$prog") exited with status $rc"
		C_FAILED=1
		note="runner exited $rc"
	fi
	[ "$C_IGNORED" -gt 0 ] && note="${note:+$note, }$C_IGNORED failed but ignored"
	[ "$C_SKIPPED" -gt 0 ] && note="${note:+$note, }$C_SKIPPED skipped"
	if [ "$C_FAILED" -gt 0 ]; then
		if [ -s "$outdir/regression.diffs" ]; then
			msg "---- $group: $outdir/regression.diffs (first 200 lines)"
			head -n 200 "$outdir/regression.diffs"
			msg "----"
		fi
		show_server_trouble
	fi
	record_group "$group" "$C_PASSED" "$C_FAILED" "$note"
}

run_tap_group() {
	local n rc out passed=0 failed=0 status
	if [ ${#TAP_TESTS[@]} -eq 0 ]; then
		msg "== tap: no tests"
		return 0
	fi
	msg ""
	msg "== tap: ${#TAP_TESTS[@]} test(s)"
	local temp_config=()
	if [ -f "$SRC/test/temp.conf" ]; then
		temp_config=(TEMP_CONFIG="$SRC/test/temp.conf")
	fi
	for n in "${TAP_TESTS[@]}"; do
		out=$WORK/tap/$n.prove.out
		rc=0
		# LANG=C.UTF-8: Cluster.pm's initdb then makes UTF8 databases.
		(cd "$SRC/test" && as_user env \
			LANG=C.UTF-8 \
			PERL5LIB="$PG_PERL_LIB:$SRC/test/lib" \
			PG_REGRESS="$PG_REGRESS" \
			TESTDIR="$WORK/tap" \
			TESTDATADIR="$WORK/tap/tmp_check" \
			TESTLOGDIR="$WORK/tap/tmp_check/log" \
			PG_TEST_PORT_DIR="$WORK/tap" \
			"${temp_config[@]}" \
			prove -I "$PG_PERL_LIB" -I "$SRC/test/lib" "t/$n.pl") >"$out" 2>&1 || rc=$?
		status=$(sed -nE "s|^t/$n\.pl \.+ *(.*)$|\1|p" "$out" | head -n 1)
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			if [ -n "$status" ] && [ "$status" != ok ]; then
				msg "t/$n.pl ... ok ($status)"
			else
				msg "t/$n.pl ... ok"
			fi
		else
			failed=$((failed + 1))
			msg "t/$n.pl ... FAILED (prove exited $rc)"
			msg "---- prove output"
			cat "$out"
			if [ -f "$WORK/tap/tmp_check/log/regress_log_$n" ]; then
				msg "---- last 100 lines of regress_log_$n"
				tail -n 100 "$WORK/tap/tmp_check/log/regress_log_$n"
			fi
			msg "----"
		fi
	done
	record_group tap "$passed" "$failed"
}

# ---------------------------------------------------------------- docs
# The documentation checks (group "docs", make check-docs).  Each prints
# what it finds wrong and returns non-zero when it finds anything.

DOCS_REFERENCE=docs/reference.md
# Released install scripts are frozen (see the Makefile): they are not
# edited after the release, so what they say is exempt from
# docs_self_contained (and reported as a note).
DOCS_FROZEN_FILES=(examples/pg_orgs_example--0.1.0.sql extension/pg_orgs--0.1.0.sql)

# docs_files_of_repo: the files of the repository, one per line, relative
# to it: tracked and untracked-but-not-ignored files of a git checkout
# (so that a new document counts before "git add"), else every file.
docs_files_of_repo() {
	if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$REPO" ls-files --cached --others --exclude-standard
	else
		(cd "$REPO" && find . -path ./.git -prune -o -type f -print | sed 's|^\./||')
	fi
}

# docs_check_reference CATALOG: CATALOG has one line per object of schema
# orgs of an installation, tab-separated: kind (function, view, table,
# sequence, type), name, and for a function its input argument types
# (oidvectortypes) and its full signature ("orgs.name(arguments as
# pg_get_function_arguments shows them) RETURNS result").
#
# Rule: a function overload is documented when docs/reference.md has a
# signature line "orgs.name(...) RETURNS ..." (anywhere, typically in a
# ```sql block) whose input arguments are, position by position, the
# overload's types, written as "type" or "name type" (DEFAULT clauses and
# OUT arguments ignored, case and spacing too).  Every signature line must
# moreover be exactly (up to spacing) the signature of an installed
# function: a changed argument name, default or result type makes the line
# stale.  A view or table is documented when a heading names it
# ("### `orgs.apps`"); a heading "orgs.x" must name something of schema
# orgs.
docs_check_reference() {
	perl - "$1" "$REPO/$DOCS_REFERENCE" "$DOCS_REFERENCE" <<'PERL'
use strict;
use warnings;
my ($catalog, $reference, $label) = @ARGV;
my (%sigs, %overloads, %relations, %names);
open(my $c, '<', $catalog) or die "$catalog: $!\n";
while (<$c>) {
	chomp;
	next if $_ eq '';
	my ($kind, $name, $types, $sig) = split /\t/, $_, -1;
	$names{$name} = 1;
	if ($kind eq 'function') {
		push @{ $overloads{$name} }, { types => $types, sig => $sig };
		$sigs{norm($sig)} = 1;
	} elsif ($kind eq 'view' || $kind eq 'table') {
		$relations{$name} = $kind;
	}
}
close $c;
open(my $r, '<', $reference) or do { print "   $reference: $!\n"; exit 1 };
my (@lines, @headings);
while (<$r>) {
	chomp;
	if (/^\s*(orgs\.(\w+)\(.*\)\s+RETURNS\s+.+?)\s*$/i) {
		push @lines, { line => $., text => $1, name => $2, args => args_of($1) };
	}
	push @headings, { line => $., text => $_ } if /^#{1,6}\s/;
}
close $r;
sub norm {
	my $s = lc shift;
	$s =~ s/\s+/ /g;
	$s =~ s/\s*([(),])\s*/$1/g;
	$s =~ s/^ | $//g;
	return $s;
}
# the input arguments of a signature line, without defaults and OUT ones
sub args_of {
	my ($text) = @_;
	my $open = index($text, '(');
	my ($depth, $cur, @args) = (0, '');
	for my $ch (split //, substr($text, $open + 1)) {
		if ($ch eq '(') { $depth++ }
		elsif ($ch eq ')') { last if $depth == 0; $depth-- }
		elsif ($ch eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next }
		$cur .= $ch;
	}
	push @args, $cur if $cur =~ /\S/ || @args;
	my @out;
	for my $a (@args) {
		$a = lc $a;
		$a =~ s/\s+(default\s|=|:=).*$//s;
		$a =~ s/^\s+|\s+$//g;
		$a =~ s/\s+/ /g;
		next if $a =~ /^out\s/;
		$a =~ s/^(in|inout|variadic)\s+//;
		push @out, $a;
	}
	return \@out;
}
sub documents {
	my ($line, $types) = @_;
	my @want = map { my $t = lc $_; $t =~ s/^\s+|\s+$//g; $t =~ s/\s+/ /g; $t } split /,/, $types;
	my @got = @{ $line->{args} };
	return 0 unless @got == @want;
	for my $i (0 .. $#want) {
		return 0 unless $got[$i] eq $want[$i] || substr($got[$i], -length($want[$i]) - 1) eq " $want[$i]";
	}
	return 1;
}
my @problems;
for my $name (sort keys %overloads) {
	for my $o (@{ $overloads{$name} }) {
		next if grep { $_->{name} eq $name && documents($_, $o->{types}) } @lines;
		push @problems, "function orgs.$name($o->{types}) is not documented (no signature line \"$o->{sig}\")";
	}
}
for my $l (@lines) {
	next if $sigs{ norm($l->{text}) };
	my @installed = map { $_->{sig} } @{ $overloads{ $l->{name} } || [] };
	push @problems, "$label:$l->{line}: signature line does not match the installation: $l->{text}"
		. (@installed ? "\n        installed: " . join("\n                   ", @installed) : " (no function orgs.$l->{name})");
}
for my $name (sort keys %relations) {
	next if grep { $_->{text} =~ /\borgs\.\Q$name\E(?![\w(])/ } @headings;
	push @problems, "$relations{$name} orgs.$name is not documented (no heading naming it)";
}
for my $h (@headings) {
	while ($h->{text} =~ /\borgs\.(\w+)/g) {
		push @problems, "$label:$h->{line}: heading names orgs.$1, which is not in schema orgs"
			unless $names{$1};
	}
}
print "   $_\n" for @problems;
printf "   %d function(s) (%d overloads), %d view(s) and table(s) checked against %s\n",
	scalar(keys %overloads), scalar(map { @$_ } values %overloads), scalar(keys %relations), $label;
exit(@problems ? 1 : 0);
PERL
}

# docs_check_links FILES...: every relative link of the Markdown files
# (paths relative to the repository) resolves to a file or directory of the
# repository (one that a clone has: tracked, or new and not ignored), never
# outside it, and an anchor into a Markdown file to one of its headings
# (GitHub's anchors: lower case, punctuation but "-" and "_" removed, spaces
# to "-", "-1", "-2" for repeats) or to an explicit <a name/id>.  Links in
# code blocks and code spans are not links.  Absolute URLs are not checked.
docs_check_links() {
	docs_files_of_repo >"$WORK/docs_files"
	perl - "$REPO" "$WORK/docs_files" "$@" <<'PERL'
use strict;
use warnings;
use utf8;
use File::Spec;
binmode STDOUT, ':encoding(UTF-8)';
my ($repo, $list, @files) = @ARGV;
my (%file, %dir);
open(my $l, '<', $list) or die "$list: $!\n";
while (<$l>) {
	chomp;
	$file{$_} = 1;
	my $d = $_;
	$dir{$d} = 1 while $d =~ s{/[^/]*$}{};
}
close $l;
$dir{''} = 1;
my %anchors_of;
sub read_md {
	my ($path) = @_;
	open(my $f, '<:encoding(UTF-8)', "$repo/$path") or return undef;
	local $/;
	my $text = <$f>;
	close $f;
	return $text;
}
# lines outside fenced code blocks
sub prose_lines {
	my ($text) = @_;
	my ($fence, @out) = ('');
	my $n = 0;
	for my $line (split /\n/, $text, -1) {
		$n++;
		if ($fence eq '' && $line =~ /^\s{0,3}(`{3,}|~{3,})/) { $fence = substr($1, 0, 1) x length($1); next }
		if ($fence ne '') { $fence = '' if $line =~ /^\s{0,3}\Q$fence\E\s*$/; next }
		push @out, [$n, $line];
	}
	return @out;
}
sub slug {
	my ($h) = @_;
	$h =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;     # links: their text
	$h =~ s/<[^>]+>//g;                     # HTML tags
	$h =~ s/[`*]//g;                        # code and emphasis marks
	$h = lc $h;
	$h =~ s/[^\p{L}\p{N}\p{M}\p{Pc} -]//g;
	$h =~ s/ /-/g;
	return $h;
}
sub anchors {
	my ($path) = @_;
	return $anchors_of{$path} if $anchors_of{$path};
	my %a;
	my $text = read_md($path) // '';
	my %seen;
	for my $pl (prose_lines($text)) {
		my $line = $pl->[1];
		if ($line =~ /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/) {
			my $s = slug($1);
			my $k = $seen{$s}++ ? "$s-" . ($seen{$s} - 1) : $s;
			$a{$k} = 1;
		}
		$a{$1} = 1 while $line =~ /<a\s+(?:name|id)="([^"]+)"/g;
	}
	return $anchors_of{$path} = \%a;
}
my $problems = 0;
my $links = 0;
for my $src (@files) {
	my $text = read_md($src);
	unless (defined $text) { print "   $src: cannot read it\n"; $problems++; next }
	my $srcdir = $src =~ m{^(.*)/} ? $1 : '';
	for my $pl (prose_lines($text)) {
		my ($n, $line) = @$pl;
		$line =~ s/(`+)(?:(?!\1).)+?\1//g;    # code spans
		my @targets;
		push @targets, $1 while $line =~ /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
		push @targets, $1 if $line =~ /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/;
		for my $t (@targets) {
			next if $t =~ m{^[a-zA-Z][a-zA-Z0-9+.-]*:} || $t =~ m{^//};
			$links++;
			my ($path, $anchor) = split /#/, $t, 2;
			$path =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
			my $target;
			if ($path eq '') {
				$target = $src;
			} else {
				my @parts;
				my $outside = 0;
				for my $p (split m{/}, ($path =~ m{^/} ? substr($path, 1) : ($srcdir eq '' ? $path : "$srcdir/$path"))) {
					next if $p eq '' || $p eq '.';
					if ($p eq '..') { if (@parts) { pop @parts } else { $outside = 1; last } }
					else { push @parts, $p }
				}
				if ($outside) {
					print "   $src:$n: link \"$t\" points outside the repository\n";
					$problems++;
					next;
				}
				$target = join('/', @parts);
				unless ($file{$target} || $dir{$target}) {
					print "   $src:$n: link \"$t\": no file \"$target\" in the repository\n";
					$problems++;
					next;
				}
			}
			next unless defined $anchor && $anchor ne '' && $target =~ /\.md$/i && $file{$target};
			next if anchors($target)->{$anchor};
			print "   $src:$n: link \"$t\": no heading of $target has the anchor \"#$anchor\"\n";
			$problems++;
		}
	}
}
printf "   %d relative link(s) in %d file(s) checked\n", $links, scalar(@files);
exit($problems ? 1 : 0);
PERL
}

# docs_check_self_contained: no file tracked by git names the directory
# "shared" beside the repository (the pattern is built so that this file
# does not contain it).
docs_check_self_contained() {
	local needle found=0 f g frozen
	needle="$(printf '%s/%s' '..' 'shared')"
	docs_files_of_repo >"$WORK/docs_files"
	while IFS= read -r f; do
		[ -f "$REPO/$f" ] || continue
		grep -IqF -- "$needle" "$REPO/$f" || continue
		frozen=0
		for g in "${DOCS_FROZEN_FILES[@]}"; do
			[ "$f" = "$g" ] && frozen=1
		done
		if [ "$frozen" -eq 1 ]; then
			msg "   note: $f (a released script, frozen) mentions $needle:"
			grep -nF -- "$needle" "$REPO/$f" | sed 's/^/      /'
			continue
		fi
		grep -nF -- "$needle" "$REPO/$f" | sed "s|^|   $f:|"
		found=1
	done <"$WORK/docs_files"
	[ "$found" -eq 0 ]
}

# docs_catalog FILE: the objects of schema orgs in a fresh database of the
# throw-away cluster, in the format docs_check_reference reads.
docs_catalog() {
	local db=pg_orgs_docs
	as_user psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -d postgres \
		-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >"$WORK/docs_catalog.log" 2>&1 &&
		as_user psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -d "$db" -At -F "$(printf '\t')" \
			-c "CREATE EXTENSION $EXTENSION" \
			-c "SET search_path = pg_catalog" \
			-c "SELECT 'function', p.proname, pg_catalog.oidvectortypes(p.proargtypes),
			           'orgs.' || p.proname || '(' || pg_catalog.pg_get_function_arguments(p.oid)
			           || ') RETURNS ' || pg_catalog.pg_get_function_result(p.oid)
			      FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'orgs'::pg_catalog.regnamespace
			    UNION ALL
			    SELECT CASE WHEN c.relkind IN ('v', 'm') THEN 'view' WHEN c.relkind = 'S' THEN 'sequence'
			                ELSE 'table' END, c.relname, '', ''
			      FROM pg_catalog.pg_class c
			     WHERE c.relnamespace = 'orgs'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
			    UNION ALL
			    SELECT 'type', t.typname, '', ''
			      FROM pg_catalog.pg_type t
			     WHERE t.typnamespace = 'orgs'::pg_catalog.regnamespace AND t.typtype IN ('d', 'e', 'r', 'm')
			    ORDER BY 1, 2, 3" >"$1" 2>>"$WORK/docs_catalog.log"
}

run_docs_group() {
	local passed=0 failed=0 n rc
	local docs_tests=()
	for n in docs_reference docs_links docs_self_contained; do
		want_test "$n" && docs_tests+=("$n")
	done
	if [ ${#docs_tests[@]} -eq 0 ]; then
		msg "== docs: no tests"
		return 0
	fi
	msg ""
	msg "== docs: ${#docs_tests[@]} test(s)"
	for n in "${docs_tests[@]}"; do
		rc=0
		case $n in
		docs_reference)
			if ! ensure_cluster; then
				msg "   could not start the test cluster"
				rc=1
			elif ! docs_catalog "$WORK/docs_catalog"; then
				msg "   could not list schema orgs of a new installation:"
				sed 's/^/   /' "$WORK/docs_catalog.log"
				rc=1
			else
				docs_check_reference "$WORK/docs_catalog" || rc=$?
			fi
			;;
		docs_links)
			local md=(README.md CHANGELOG.md)
			local f
			for f in "$REPO"/docs/*.md; do
				[ -e "$f" ] && md+=("docs/$(basename "$f")")
			done
			docs_check_links "${md[@]}" || rc=$?
			;;
		docs_self_contained) docs_check_self_contained || rc=$? ;;
		esac
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			msg "$n ... ok"
		else
			failed=$((failed + 1))
			msg "$n ... FAILED"
		fi
	done
	record_group docs "$passed" "$failed"
}

# ---------------------------------------------------------------- demo
# The quick start's demo (group "demo"): examples/demo.sh with its steps 1
# and 2 skipped (this script built and installed the extension already),
# on a cluster of its own; its output from step 4 up to step 6 is compared
# with test/expected/demo.out.
run_demo_group() {
	local out=$WORK/demo/demo.log got=$WORK/demo/demo.out rc=0
	if ! want_test demo; then
		msg "== demo: no tests"
		return 0
	fi
	msg ""
	msg "== demo: 1 test(s)"
	mkdir -p "$WORK/demo"
	PG_CONFIG="$PG_CONFIG" PG_ORGS_DEMO_INSTALLED=1 KEEP=0 \
		bash "$REPO/examples/demo.sh" >"$out" 2>&1 || rc=$?
	sed -n '/^== 4\./,/^== 6\./p' "$out" | sed '/^== 6\./d' >"$got"
	if [ "$rc" -ne 0 ]; then
		msg "demo ... FAILED (examples/demo.sh exited $rc); its last 40 lines:"
		tail -n 40 "$out"
		record_group demo 0 1
	elif ! diff -u "$SRC/test/expected/demo.out" "$got" >"$WORK/demo/demo.diff"; then
		msg "demo ... FAILED (output differs from test/expected/demo.out; first 100 lines of the diff)"
		head -n 100 "$WORK/demo/demo.diff"
		record_group demo 0 1
	else
		msg "demo ... ok"
		record_group demo 1 0
	fi
}

# ---------------------------------------------------------------- run
for g in "${ALL_GROUPS[@]}"; do
	want_group "$g" || continue
	case $g in
	regress)
		if [ "${DISCARD_CACHES:-0}" = 1 ]; then
			# every test session of the database, not the installation of
			# the extension, runs with debug_discard_caches = 1
			printf '%s\n' '-- (made by test/run.sh for DISCARD_CACHES=1)' \
				'SET debug_discard_caches = 1;' 'SHOW debug_discard_caches;' \
				'ALTER DATABASE contrib_regression SET debug_discard_caches = 1;' \
				>"$SRC/sql/discard_caches_on.sql"
			printf '%s\n' '-- (made by test/run.sh for DISCARD_CACHES=1)' \
				'SET debug_discard_caches = 1;' 'SHOW debug_discard_caches;' \
				' debug_discard_caches ' '----------------------' ' 1' '(1 row)' '' \
				'ALTER DATABASE contrib_regression SET debug_discard_caches = 1;' \
				>"$SRC/expected/discard_caches_on.out"
			run_regress_group regress "$WORK/regress" "$PG_REGRESS" "$SRC" \
				contrib_regression "" discard_caches_on "${REGRESS_TESTS[@]}"
		else
			run_regress_group regress "$WORK/regress" "$PG_REGRESS" "$SRC" \
				contrib_regression "" \
				"${REGRESS_TESTS[@]}"
		fi
		;;
	isolation)
		run_regress_group isolation "$WORK/isolation" "$PG_ISOLATION_REGRESS" \
			"$SRC/test" isolation_regression "" "${ISOLATION_TESTS[@]}"
		;;
	parallel)
		run_regress_group parallel "$WORK/parallel" "$PG_REGRESS" "$SRC" \
			contrib_regression "$PARALLEL_PGOPTIONS" "${PARALLEL_TESTS[@]}"
		;;
	tap) run_tap_group ;;
	docs) run_docs_group ;;
	demo) run_demo_group ;;
	esac
done

valgrind_report
if [ "$TOTAL_FAILED" -gt 0 ] && [ "${KEEP:-0}" != 1 ]; then
	msg "(re-run with KEEP=1 to keep the outputs and logs)"
fi
cleanup
trap - EXIT INT TERM HUP

msg ""
for line in "${GROUP_LINES[@]}"; do
	msg "   $line"
done
if [ $((TOTAL_PASSED + TOTAL_FAILED)) -eq 0 ]; then
	msg "   (no test was run)"
fi
msg "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ] && [ "$TOTAL_PASSED" -gt 0 ]
