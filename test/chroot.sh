#!/usr/bin/env bash
# test/chroot.sh - the whole pg_orgs test suite ("make test") against another
# PostgreSQL major version, in a throw-away Debian chroot.
#
#   bash test/chroot.sh SUITE MAJOR      (as root)
#   e.g. bash test/chroot.sh trixie 17; bash test/chroot.sh sid 18
#
# Steps: debootstrap --variant=minbase SUITE into a new temporary directory;
# mount /proc, /sys, /dev, /dev/pts and a private /dev/shm; install
# postgresql-MAJOR, postgresql-server-dev-MAJOR and the build and test tools
# (with no cluster created and no service started); copy the checkout in
# (the working tree without .git and build outputs); run, as root inside,
#   make test PG_CONFIG=/usr/lib/postgresql/MAJOR/bin/pg_config
# (test/run.sh runs the server as the OS user "postgres" itself); then stop
# anything left running in the chroot, unmount everything and remove it,
# also after a failure or an interrupt.
#
# Environment:
#   DEBIAN_MIRROR  default http://deb.debian.org/debian
#   CHROOT_TMPDIR  where the chroot directory is made (default /var/tmp)
#   TESTS          passed on to test/run.sh (run only these tests)
#
# Output: test/run.sh's output, then the times taken, then again the line
# "N passed, N failed" of the run.  Exit status: that of "make test" (0 only
# if every test passed); 2 for a usage error; 3 if the chroot could not be
# set up (debootstrap or the package installation failed).

set -euo pipefail

msg() { printf '%s\n' "$*"; }
err() { printf 'chroot.sh: %s\n' "$*" >&2; }

usage() {
	err "usage: bash test/chroot.sh SUITE MAJOR   (e.g. trixie 17, sid 18; as root)"
	exit 2
}

[ $# -eq 2 ] || usage
SUITE=$1
MAJOR=$2
[[ $SUITE =~ ^[a-z][a-z0-9-]*$ ]] || usage
[[ $MAJOR =~ ^[0-9]+$ ]] || usage
if [ "$(id -u)" -ne 0 ]; then
	err "must run as root (debootstrap, mount and chroot need it)"
	exit 2
fi

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG_IN=/usr/lib/postgresql/$MAJOR/bin/pg_config
PACKAGES=("postgresql-$MAJOR" "postgresql-server-dev-$MAJOR"
	libipc-run-perl make gcc libc6-dev perl)
# apt inside the chroot: no questions, keep the configuration files we wrote,
# and accept a Release file served past its Valid-Until date (the mirror's
# sid is; signatures are still checked).
APT_OPTS=(-y -q --no-install-recommends
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
	-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)

if ! command -v debootstrap >/dev/null 2>&1; then
	msg "== installing debootstrap on the host"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi

ROOT=""
MOUNTS=()
LOG=""
CLEANED=0
CLEAN_FAILED=0

now() { date +%s; }

# Every process whose root directory is the chroot: only ones this script
# started (the package scripts, make test, a server left behind).
chroot_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		if [ "$r" = "$ROOT" ]; then
			printf '%s\n' "${p#/proc/}"
		fi
	done
}

# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

cleanup() {
	local rc=$? i pids m left
	[ "$CLEANED" -eq 1 ] && return 0
	CLEANED=1
	trap '' INT TERM HUP
	[ -n "$ROOT" ] && [ -d "$ROOT" ] || return 0
	mapfile -t pids < <(chroot_pids)
	if [ ${#pids[@]} -gt 0 ]; then
		msg "== stopping ${#pids[@]} process(es) left in the chroot: ${pids[*]}"
		kill -TERM "${pids[@]}" 2>/dev/null || true
		for i in 1 2 3 4 5 6 7 8 9 10; do
			mapfile -t pids < <(chroot_pids)
			[ ${#pids[@]} -eq 0 ] && break
			sleep 1
		done
		[ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null || true
		sleep 1
	fi
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[$i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			err "could not unmount $m"
	done
	# Also whatever a package script may have mounted in there.
	while IFS= read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || err "could not unmount $m"
	done < <(mounts_under "$ROOT")
	left=$(mounts_under "$ROOT")
	if [ -n "$left" ]; then
		# Never rm -rf across a bind mount of the host's /dev.
		err "still mounted, so $ROOT is NOT removed:"
		printf '  %s\n' $left >&2
		CLEAN_FAILED=1
		return "$rc"
	fi
	rm -rf --one-file-system "$ROOT"
	[ -n "$LOG" ] && rm -f "$LOG"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

do_mount() { # TARGET MOUNT-ARGS...
	local target=$ROOT$1
	shift
	mkdir -p "$target"
	mount "$@" "$target"
	MOUNTS+=("$target")
	# Nothing mounted or unmounted below it may reach the host's tree.
	mount --make-private "$target"
}

setup_failed() {
	err "$1"
	exit 3
}

# in_chroot CMD...: run CMD inside the chroot as root, with a clean environment.
in_chroot() {
	chroot "$ROOT" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
		"$@"
}

T0=$(now)
ROOT=$(mktemp -d "${CHROOT_TMPDIR:-/var/tmp}/pg_orgs_chroot.$SUITE.XXXXXXXX")
LOG=$(mktemp "${CHROOT_TMPDIR:-/var/tmp}/pg_orgs_chroot.$SUITE.log.XXXXXXXX")
# mktemp -d makes it 0700: it becomes "/" of the chroot, which the postgres
# user must be able to traverse.
chmod 0755 "$ROOT"
msg "== PostgreSQL $MAJOR on Debian $SUITE: chroot in $ROOT"

# ---------------------------------------------------------------- debootstrap
msg "== debootstrap --variant=minbase $SUITE ($MIRROR)"
# The long steps run in the background, waited for: a TERM (e.g. from
# timeout) then reaches the trap at once, not only after the step.
rc=0
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$LOG" 2>&1 &
wait $! || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$LOG" >&2
	if [ -f "$ROOT/debootstrap/debootstrap.log" ]; then
		tail -n 40 "$ROOT/debootstrap/debootstrap.log" >&2
	fi
	setup_failed "debootstrap $SUITE failed"
fi
T1=$(now)
msg "   done in $((T1 - T0)) s"

do_mount /proc -t proc proc
do_mount /sys -t sysfs -o ro sysfs
do_mount /dev --bind /dev
do_mount /dev/pts --bind /dev/pts
# The server's dynamic shared memory lives in /dev/shm: a private tmpfs.
do_mount /dev/shm -t tmpfs -o mode=1777,nosuid,nodev shm

# No service may start inside the chroot (there is no init there anyway).
cat >"$ROOT/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
# test/chroot.sh: start no service in this chroot
exit 101
EOF
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cat >"$ROOT/etc/apt/apt.conf.d/99pg-orgs-chroot" <<'EOF'
// test/chroot.sh: the mirror may serve a Release file past its Valid-Until
// date (sid does); signatures are still checked.
Acquire::Check-Valid-Until "false";
Acquire::Retries "3";
APT::Install-Recommends "false";
EOF

# ---------------------------------------------------------------- packages
msg "== apt-get install ${PACKAGES[*]}"
{
	in_chroot apt-get "${APT_OPTS[@]}" update &&
		# postgresql-common first, so that installing the server package
		# creates no cluster ("main") that would be started.
		in_chroot apt-get "${APT_OPTS[@]}" install postgresql-common &&
		in_chroot sed -i -E \
			's/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
			/etc/postgresql-common/createcluster.conf &&
		in_chroot grep -q '^create_main_cluster = false' /etc/postgresql-common/createcluster.conf &&
		in_chroot apt-get "${APT_OPTS[@]}" install "${PACKAGES[@]}"
} >>"$LOG" 2>&1 &
wait $! || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$LOG" >&2
	setup_failed "installing the packages in the $SUITE chroot failed"
fi
if ! in_chroot id postgres >/dev/null 2>&1; then
	setup_failed "no OS user 'postgres' in the chroot after installing postgresql-$MAJOR"
fi
if [ ! -x "$ROOT$PG_CONFIG_IN" ]; then
	setup_failed "$PG_CONFIG_IN not found in the chroot"
fi
clusters=$(find "$ROOT/etc/postgresql" -mindepth 2 -maxdepth 2 -type d 2>/dev/null || true)
if [ -n "$clusters" ]; then
	err "note: a package created a cluster anyway (not used): $clusters"
fi
T2=$(now)
msg "   $(in_chroot "$PG_CONFIG_IN" --version), installed in $((T2 - T1)) s"

# ---------------------------------------------------------------- checkout
# The working tree, without git metadata and build outputs (as in .gitignore).
mkdir -p "$ROOT/build/pg_orgs"
tar -C "$REPO" -cf - \
	--exclude=./.git \
	--exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude='./pg_orgs--*.sql' \
	--exclude=./results --exclude=./regression.diffs --exclude=./regression.out \
	--exclude=./output_iso --exclude=./tmp_check --exclude=./log \
	--exclude=./bench/out \
	. | tar -C "$ROOT/build/pg_orgs" -xf -

# ---------------------------------------------------------------- make test
msg "== make test PG_CONFIG=$PG_CONFIG_IN (in the $SUITE chroot)"
msg ""
rc=0
test_env=()
[ -n "${TESTS:-}" ] && test_env=(TESTS="$TESTS")
{
	in_chroot "${test_env[@]}" \
		bash -c 'cd /build/pg_orgs && exec make test PG_CONFIG="$1"' make-test "$PG_CONFIG_IN" \
		2>&1 </dev/null | tee "$LOG"
} &
wait $! || rc=$?
T3=$(now)

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -n 1 || true)
msg ""
msg "== removing the chroot"
cleanup
T4=$(now)
msg "== PostgreSQL $MAJOR on $SUITE: debootstrap $((T1 - T0)) s, package install $((T2 - T1)) s, suite (build + tests) $((T3 - T2)) s, removal $((T4 - T3)) s, total $((T4 - T0)) s"
if [ -z "$summary" ]; then
	# make test died before its summary (e.g. the build failed early).
	[ "$rc" -eq 0 ] && rc=1
	summary="0 passed, 1 failed"
	msg "   (make test printed no summary line; exit status $rc)"
fi
if [ "$CLEAN_FAILED" -eq 1 ] && [ "$rc" -eq 0 ]; then
	rc=3
fi
msg "$summary"
exit "$rc"
