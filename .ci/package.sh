#!/usr/bin/env bash
# .ci/package.sh - build the Debian package of pg_orgs, install it, smoke-test
# it on a throw-away cluster and purge it again.
#
# Run as root on Debian 12 (CI runs it after the test suite):
#
#   bash .ci/package.sh
#
# Steps, each counted in the last line "package: N passed, N failed":
#   build    install the build dependencies; copy the checkout (tracked files,
#            no .git, no build outputs) to a temporary directory; make the
#            orig tarball pg-orgs_UPSTREAM.orig.tar.gz from it; build source
#            and binary packages with dpkg-buildpackage -us -uc (debian/rules
#            uses pg_buildext; no tests at build time); lintian's report
#            follows when lintian is installed (informational only)
#   install  dpkg -i postgresql-15-pg-orgs_*.deb (apt-get -f install when a
#            dependency is missing)
#   smoke    debian/tests/smoke 15: the package lists pg_orgs.so and both
#            extensions, dpkg --verify is clean, and on a throw-away cluster
#            (initdb as postgres in a temporary directory, private port and
#            socket directory) CREATE EXTENSION pg_orgs / pg_orgs_example, a
#            few calls through the C engine, extversion, and the backend
#            really mapped /usr/lib/postgresql/15/lib/pg_orgs.so
# A step that cannot run because an earlier one failed counts as failed.
#
# Whatever happens, the trap stops the cluster (debian/tests/smoke has its
# own trap), purges the package and puts back any file that was at one of
# the package's paths without belonging to a package (what an earlier
# "make install", e.g. the test suite's, left there), so the machine is left
# as it was.  A failed purge or restore counts as a failure too.
#
# Environment: KEEP=1 keeps the temporary directory (sources, logs, .debs).

set -euo pipefail

PG_MAJOR=15
PKG=postgresql-$PG_MAJOR-pg-orgs
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START=$SECONDS

export DEBIAN_FRONTEND=noninteractive
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

msg() { printf 'package.sh: %s\n' "$*"; }
err() { printf 'package.sh: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	err "must run as root (installs packages, runs the server as postgres)"
	exit 2
fi

WORK=$(mktemp -d /tmp/pg_orgs_package.XXXXXX)
PASSED=0
FAILED=0
CLEANED=0

# Everything the steps hand on goes through files in $WORK (each step runs in
# a subshell).
#   $WORK/src/pg-orgs-UPSTREAM/   the copy that is built
#   $WORK/src/*.deb ...           dpkg-buildpackage's output
#   $WORK/backup/                 files found at the package's paths
#   $WORK/installed               exists once dpkg -i was tried

cleanup() {
	[ "$CLEANED" -eq 1 ] && return 0
	CLEANED=1
	local rc=0 status
	status=$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null || true)
	if [ -e "$WORK/installed" ] && [ -n "$status" ] && [ "$status" != not-installed ]; then
		msg "purging $PKG"
		if ! dpkg -P "$PKG" >"$WORK/purge.log" 2>&1; then
			cat "$WORK/purge.log" >&2
			err "dpkg -P $PKG failed"
			rc=1
		fi
	fi
	if [ -d "$WORK/backup" ] && [ -n "$(ls -A "$WORK/backup")" ]; then
		msg "restoring the files that were there before: $(cd "$WORK/backup" && find . -type f | sed 's|^\.||' | tr '\n' ' ')"
		if ! cp -a "$WORK/backup/." /; then
			err "could not restore the files saved in $WORK/backup"
			rc=1
			KEEP=1
		fi
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		msg "kept $WORK"
	else
		rm -rf "$WORK"
	fi
	return "$rc"
}
on_exit() {
	local rc=$?
	cleanup || rc=1
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step NAME FUNCTION: run FUNCTION in a subshell with errexit, count it.
step() {
	local name=$1 fn=$2 rc=0 t0=$SECONDS
	msg "== $name"
	set +e
	(
		set -euo pipefail
		"$fn"
	)
	rc=$?
	set -e
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
		msg "== $name: ok ($((SECONDS - t0)) s)"
		return 0
	fi
	FAILED=$((FAILED + 1))
	err "== $name: FAILED (exit $rc, $((SECONDS - t0)) s)"
	return 1
}

control_version() { # control file -> default_version
	sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$1" | head -n 1
}

# ---------------------------------------------------------------- build
copy_checkout() { # copy the checkout's files, without .git and build outputs, to $1
	local dest=$1
	mkdir -p "$dest"
	if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# The tracked files as they are in the work tree (a tracked file
		# deleted in the work tree is left out): no build output, no .git.
		git -C "$REPO" ls-files -z --cached |
			while IFS= read -r -d '' f; do
				[ -e "$REPO/$f" ] || [ -L "$REPO/$f" ] || continue
				printf '%s\0' "$f"
			done |
			tar -C "$REPO" --null --no-recursion -T - -cf - | tar -C "$dest" -xf -
	else
		# Not a git checkout: everything but .git and the build outputs of
		# .gitignore; "debian/rules clean" (make clean) runs later anyway.
		tar -C "$REPO" --exclude-vcs \
			--exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude='./results' --exclude='./regression.diffs' \
			--exclude='./regression.out' --exclude='./output_iso' \
			--exclude='./tmp_check' --exclude='./log' --exclude='./bench/out' \
			-cf - . | tar -C "$dest" -xf -
	fi
}

do_build() {
	msg "installing the build dependencies"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends \
		build-essential debhelper dpkg-dev fakeroot \
		postgresql-server-dev-all postgresql-$PG_MAJOR >"$WORK/apt.log" 2>&1 || {
		cat "$WORK/apt.log" >&2
		return 1
	}

	# Versions: upstream and Debian from debian/changelog; the extension's
	# own from the control file and the Makefile (they may lag behind).
	local debver upver extver mkver
	debver=$(cd "$REPO" && dpkg-parsechangelog -S Version)
	upver=${debver%-*}
	upver=${upver#*:}
	extver=$(control_version "$REPO/pg_orgs.control")
	mkver=$(sed -n 's/^EXTVERSION[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$REPO/Makefile" | head -n 1)
	msg "package version $debver; pg_orgs.control default_version $extver; Makefile EXTVERSION $mkver"
	[ "$extver" = "$mkver" ] || {
		err "pg_orgs.control default_version ($extver) and Makefile EXTVERSION ($mkver) differ"
		return 1
	}
	[ "$upver" = "$extver" ] || msg "note: debian/changelog's upstream version $upver is not the extension's $extver"

	local src=$WORK/src/pg-orgs-$upver
	copy_checkout "$src"
	[ -f "$src/debian/rules" ] || {
		err "no debian/rules in the copy"
		return 1
	}
	# Clean (pg_buildext checkcontrol and make clean), then the orig tarball
	# from everything but debian/.
	(cd "$src" && debian/rules clean) >"$WORK/build.log" 2>&1 || {
		cat "$WORK/build.log" >&2
		return 1
	}
	tar -C "$WORK/src" --exclude="pg-orgs-$upver/debian" --owner=0 --group=0 --sort=name \
		-czf "$WORK/src/pg-orgs_$upver.orig.tar.gz" "pg-orgs-$upver"

	msg "dpkg-buildpackage -us -uc in $src (log: $WORK/build.log)"
	if ! (cd "$src" && dpkg-buildpackage -us -uc) >>"$WORK/build.log" 2>&1; then
		tail -n 60 "$WORK/build.log" >&2
		return 1
	fi
	grep -E '^dpkg-(deb|source): ' "$WORK/build.log" || true
	local deb
	deb=$(ls "$WORK"/src/"${PKG}_${debver#*:}"_*.deb)
	msg "built $(basename "$deb"):"
	dpkg-deb -c "$deb" | awk '{ print "  " $NF }' | grep -v '/$'
	if command -v lintian >/dev/null 2>&1; then
		msg "lintian (informational):"
		# (its temporary files in $WORK, which the clean-up removes)
		mkdir -p "$WORK/lintian-tmp"
		TMPDIR=$WORK/lintian-tmp lintian --allow-root "$WORK"/src/pg-orgs_*.changes 2>&1 |
			sed 's/^/  /' || true
	fi
}

# ---------------------------------------------------------------- install
do_install() {
	local debs deb
	debs=("$WORK"/src/"${PKG}"_*.deb)
	[ -f "${debs[0]}" ] && [ ${#debs[@]} -eq 1 ] || {
		err "expected one ${PKG}_*.deb in $WORK/src, found: ${debs[*]}"
		return 1
	}
	deb=${debs[0]}

	# Save files that sit at the package's paths without belonging to any
	# package (an earlier "make install"): dpkg overwrites them, the purge
	# removes them, the clean-up puts them back.
	local path
	while IFS= read -r path; do
		path=${path#.}
		[ -f "$path" ] || [ -L "$path" ] || continue
		if dpkg-query -S "$path" >/dev/null 2>&1; then
			continue # a package's file (ours from an earlier install?)
		fi
		mkdir -p "$WORK/backup$(dirname "$path")"
		cp -a "$path" "$WORK/backup$path"
	done < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$')
	if [ -n "$(ls -A "$WORK/backup" 2>/dev/null)" ]; then
		msg "files not from a package at the package's paths (saved, restored after the purge):"
		(cd "$WORK/backup" && find . -type f | sed 's|^\.|  |')
	fi

	touch "$WORK/installed"
	if ! dpkg -i "$deb"; then
		msg "dpkg -i failed; apt-get -f install"
		apt-get install -y -f -qq || return 1
	fi
	[ "$(dpkg-query -W -f '${db:Status-Status}' "$PKG")" = installed ] || {
		err "$PKG is not installed"
		return 1
	}
	dpkg-query -W "$PKG"
}

# ---------------------------------------------------------------- smoke
do_smoke() {
	local smoke
	smoke=$(ls "$WORK"/src/pg-orgs-*/debian/tests/smoke)
	bash "$smoke" "$PG_MAJOR"
}

# ---------------------------------------------------------------- main
msg "building $PKG from $REPO in $WORK"
if step build do_build; then
	if step install do_install; then
		step smoke do_smoke || true
	else
		FAILED=$((FAILED + 1)) # smoke not run
	fi
else
	FAILED=$((FAILED + 2)) # install and smoke not run
fi

if ! cleanup; then
	FAILED=$((FAILED + 1))
fi
msg "run time $((SECONDS - START)) s"
echo "package: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
