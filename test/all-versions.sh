#!/usr/bin/env bash
# test/all-versions.sh - the whole test suite on every PostgreSQL major
# version pg_orgs supports: 15 on this Debian 12 host ("make test"), 17 in a
# Debian trixie chroot and 18 in a Debian sid chroot (test/chroot.sh).
# Behind "make test-all-versions" and .ci/run.  Root only (the chroots).
#
#   bash test/all-versions.sh
#
# Environment:
#   VERSIONS        which versions, in order, as MAJOR:WHERE, WHERE being
#                   "host" or a Debian suite for a chroot
#                   (default "15:host 17:trixie 18:sid")
#   CHROOT_TIMEOUT  seconds one chroot run may take, set-up included
#                   (default 1800); past it the run counts as failed
#   TESTS           passed on to test/run.sh (run only these tests)
#
# Prints every run's output, then one line per version
# ("PostgreSQL 17: N passed, N failed") and, last, the total over all
# versions "N passed, N failed".  Exit status 0 only if every version ran
# and nothing failed.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSIONS=${VERSIONS:-"15:host 17:trixie 18:sid"}
CHROOT_TIMEOUT=${CHROOT_TIMEOUT:-1800}

# An outer "make test-all-versions" must not leak its flags into the runs.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

msg() { printf '%s\n' "$*"; }
err() { printf 'all-versions.sh: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	err "must run as root (the chroots need it)"
	exit 2
fi

LOGDIR=$(mktemp -d /tmp/pg_orgs_versions.XXXXXXXX)
TPID=""
# On an interrupt, stop the chroot run (timeout passes the TERM on to
# test/chroot.sh, whose trap unmounts and removes the chroot) and wait for it.
stop_run() {
	if [ -n "$TPID" ] && kill -0 "$TPID" 2>/dev/null; then
		err "stopping the chroot run (pid $TPID)"
		kill -TERM "$TPID" 2>/dev/null || true
		wait "$TPID" 2>/dev/null || true
	fi
}
trap 'stop_run; rm -rf "$LOGDIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

SUMMARY=()
TIMES=()
TOTAL_PASSED=0
TOTAL_FAILED=0
STATUS=0

for v in $VERSIONS; do
	major=${v%%:*}
	where=${v#*:}
	if ! [[ $major =~ ^[0-9]+$ ]] || [ -z "$where" ] || [ "$where" = "$v" ]; then
		err "bad entry '$v' in VERSIONS (want MAJOR:host or MAJOR:SUITE)"
		exit 2
	fi
	log=$LOGDIR/$major.log
	msg ""
	msg "######## PostgreSQL $major ($where)"
	start=$(date +%s)
	rc=0
	if [ "$where" = host ]; then
		make -C "$REPO" --no-print-directory test \
			PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" </dev/null 2>&1 |
			tee "$log" || rc=${PIPESTATUS[0]}
	else
		# timeout runs in its own process group: it is waited for here, and
		# an interrupt reaches it through stop_run.
		: >"$log" # before tail opens it
		timeout --signal=TERM --kill-after=120 "$CHROOT_TIMEOUT" \
			bash "$REPO/test/chroot.sh" "$where" "$major" </dev/null >"$log" 2>&1 &
		TPID=$!
		tail -n +1 -f --pid="$TPID" "$log" &
		wait "$TPID" || rc=$?
		TPID=""
		wait $! || true
	fi
	secs=$(($(date +%s) - start))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
	if [ "$rc" -eq 124 ]; then
		msg "   PostgreSQL $major: timed out after $CHROOT_TIMEOUT s"
	fi
	if [ -z "$line" ]; then
		# The run died before its summary: count it as one failure.
		line="0 passed, 1 failed"
		msg "   PostgreSQL $major: no summary line (exit status $rc)"
	fi
	passed=${line%% passed*}
	failed=${line#*passed, }
	failed=${failed%% failed*}
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		# A non-zero exit with nothing counted as failed is still a failure.
		failed=1
		line="$passed passed, $failed failed"
	fi
	TOTAL_PASSED=$((TOTAL_PASSED + passed))
	TOTAL_FAILED=$((TOTAL_FAILED + failed))
	if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
		STATUS=1
	fi
	SUMMARY+=("PostgreSQL $major: $line")
	timing=$(grep -E '^== PostgreSQL [0-9]+ on .*: debootstrap ' "$log" | tail -n 1 || true)
	TIMES+=("PostgreSQL $major ($where): ${secs} s${timing:+ (${timing#*: })}")
done

msg ""
msg "######## all versions"
for t in "${TIMES[@]}"; do
	msg "   $t"
done
for s in "${SUMMARY[@]}"; do
	msg "$s"
done
msg "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$STATUS"
