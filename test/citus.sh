#!/usr/bin/env bash
# test/citus.sh - pg_orgs on a Citus cluster (make test-citus).
#
#   bash test/citus.sh            (PG_CONFIG=... to choose the installation)
#
# Uses a Citus that is already installed into the PostgreSQL installation of
# PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config); nothing here
# builds or installs Citus.  When Citus is not among the extensions that
# installation makes available (pg_available_extensions, asked of a
# throw-away data directory in single-user mode), the test is skipped with
# a message and the exit status is 0.
#
# Otherwise it builds and installs pg_orgs into that installation, then runs
# test/citus/citus.pl, which starts a throw-away cluster of its own
# (PostgreSQL::Test::Cluster: a coordinator and two workers with Citus, and
# a fourth, single node without it; private ports and sockets under a
# temporary directory) and checks, through the coordinator, that pg_orgs and
# its reference schema give the single node's answers (see that file).
#
# As root, the servers run as the OS user "postgres".  KEEP=1 keeps the
# temporary directory (logs).  Not part of "make test": CI has no Citus.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS \
	PGCONNECT_TIMEOUT PGAPPNAME PGDATA PGCLIENTENCODING \
	MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

msg() { printf '%s\n' "$*"; }
err() { printf 'citus.sh: %s\n' "$*" >&2; }

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ "${PG_CONFIG#*/}" = "$PG_CONFIG" ]; then
	PG_CONFIG=$(command -v "$PG_CONFIG" 2>/dev/null || printf '%s' "$PG_CONFIG")
fi
if [ ! -x "$PG_CONFIG" ]; then
	err "PG_CONFIG=$PG_CONFIG is not an executable pg_config"
	exit 1
fi
PG_VERSION=$("$PG_CONFIG" --version)
PG_BINDIR=$("$PG_CONFIG" --bindir)
PGXS_MK=$("$PG_CONFIG" --pgxs)
PG_PERL_LIB=${PGXS_MK%/src/makefiles/pgxs.mk}/src/test/perl
PG_REGRESS=${PGXS_MK%/src/makefiles/pgxs.mk}/src/test/regress/pg_regress

for f in "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PG_BINDIR/psql" "$PG_REGRESS" "$PG_PERL_LIB/PostgreSQL/Test/Cluster.pm"; do
	if [ ! -e "$f" ]; then
		err "$f not found (is the server development package of this PostgreSQL installed?)"
		exit 1
	fi
done
command -v prove >/dev/null 2>&1 || { err "prove (perl) not found"; exit 1; }

# ---------------------------------------------------------------- work directory
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1
RUN_USER=$(id -un)
if [ $IS_ROOT -eq 1 ]; then
	id postgres >/dev/null 2>&1 || { err "running as root but there is no OS user 'postgres'"; exit 1; }
	RUN_USER=postgres
fi
WORK=$(mktemp -d /tmp/pg_orgs_citus.XXXXXXXX)
cleanup() {
	local pidfile
	while IFS= read -r pidfile; do
		as_user pg_ctl -D "$(dirname "$pidfile")" -w -t 30 stop -m immediate >/dev/null 2>&1 || true
	done < <(find "$WORK" -name postmaster.pid -type f 2>/dev/null || true)
	if [ "${KEEP:-0}" = 1 ]; then
		msg "== KEEP=1: kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
as_user() {
	local envs=(PATH="$PG_BINDIR:/usr/local/bin:/usr/bin:/bin" HOME="$WORK/home"
		LC_ALL=C LANG=C.UTF-8 TMPDIR="$WORK/tmp")
	if [ $IS_ROOT -eq 1 ]; then
		runuser -u "$RUN_USER" -- env "${envs[@]}" "$@"
	else
		env "${envs[@]}" "$@"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir -p "$WORK/home" "$WORK/tmp" "$WORK/src/sql" "$WORK/src/test"
cp -R "$REPO/test/citus" "$REPO/test/lib" "$WORK/src/test/"
cp "$REPO/sql/rls_conformance.sql" "$WORK/src/sql/"
[ $IS_ROOT -eq 1 ] && chown -R "$RUN_USER": "$WORK"

# ---------------------------------------------------------------- Citus?
# What pg_available_extensions of this installation says, asked of a
# throw-away data directory in single-user mode (no server is started).
as_user "$PG_BINDIR/initdb" -D "$WORK/probe" -U postgres -A trust --no-sync >/dev/null 2>&1 ||
	{ err "initdb of $PG_VERSION failed"; exit 1; }
CITUS_VERSION=$(printf '%s\n' "SELECT default_version FROM pg_available_extensions WHERE name = 'citus'" |
	as_user "$PG_BINDIR/postgres" --single -D "$WORK/probe" postgres 2>/dev/null |
	sed -nE 's/^[[:space:]]*1: default_version = "([^"]*)".*/\1/p' | head -n 1)
rm -rf "$WORK/probe"
if [ -z "$CITUS_VERSION" ]; then
	msg "SKIP: Citus is not installed for $PG_VERSION ($PG_CONFIG): pg_available_extensions has no citus."
	msg "make test-citus runs only against a PostgreSQL installation where Citus is installed; nothing was tested."
	exit 0
fi
msg "== $PG_VERSION ($PG_CONFIG), Citus $CITUS_VERSION"

# ---------------------------------------------------------------- build
msg "== building and installing pg_orgs"
make -C "$REPO" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" >/dev/null
if [ $IS_ROOT -eq 1 ]; then
	make -C "$REPO" install PG_CONFIG="$PG_CONFIG" >/dev/null
else
	sudo make -C "$REPO" install PG_CONFIG="$PG_CONFIG" >/dev/null
fi

# ---------------------------------------------------------------- run
rc=0
(cd "$WORK/src/test" && as_user env \
	PERL5LIB="$PG_PERL_LIB:$WORK/src/test/lib" \
	PG_REGRESS="$PG_REGRESS" \
	TESTDIR="$WORK" \
	TESTDATADIR="$WORK/tmp_check" \
	TESTLOGDIR="$WORK/tmp_check/log" \
	PG_TEST_PORT_DIR="$WORK" \
	PG_ORGS_CONFORMANCE="$WORK/src/sql/rls_conformance.sql" \
	prove -v -I "$PG_PERL_LIB" citus/citus.pl) >"$WORK/prove.out" 2>&1 || rc=$?

# the notes (the summary) and the result of every check
# (the summary notes start with "# ==", the diagnostics of a failure with
# "#   Failed test" and the lines after it)
awk '/^(ok|not ok)/ { print; skip = 0; next }
     /^# ==/ { print; next }
     /^#   Failed test/ { print; skip = 6; next }
     skip > 0 { print; skip--; next }' "$WORK/prove.out" || true
passed=$(grep -cE '^ok ' "$WORK/prove.out" || true)
failed=$(grep -cE '^not ok ' "$WORK/prove.out" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
	msg "---- prove exited $rc"
	tail -n 40 "$WORK/prove.out"
	for f in "$WORK"/tmp_check/log/*.log; do
		[ -e "$f" ] || continue
		msg "---- last lines of $(basename "$f")"
		tail -n 20 "$f"
	done
fi
msg ""
msg "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
