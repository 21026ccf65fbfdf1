#!/usr/bin/env bash
# bench/jwt.sh - the cost of orgs.act_as_jwt per call, for each algorithm,
# with the verified-key cache warm, against a baseline measured in the same
# run: one signature verification of the same kind by OpenSSL
# ("openssl speed"), which act_as_jwt cannot avoid.  Self-contained; not
# part of "make bench" or "make test".
#
#   bash bench/jwt.sh
#
# Environment:
#   PG_CONFIG       the installation to use (default PostgreSQL 15 of Debian)
#   BENCH_JWT_N     calls per measurement (default 20000)
#   BENCH_JWT_REPS  measurements per algorithm, the median is reported (5)
#   BENCH_PORT      port of the throw-away cluster (default 56433)
#
# It copies the repository to a temporary directory, builds it without
# assertions and installs it into PG_CONFIG's installation; starts a cluster
# of its own there (as the OS user postgres when run as root) on a private
# socket directory; makes keys and tokens with test/lib/jwt_mint.py
# (python3-jwt, python3-cryptography); then times
#   SELECT count(*) FROM generate_series(1, N) WHERE orgs.act_as_jwt(token, false) IS NULL
# against the same query around orgs.act_as(NULL, false) (the cost of a
# call that verifies nothing), and prints per call: the total, the net of
# that baseline, OpenSSL's time for one verification, and their ratio.
# The cluster is stopped and the directory removed at the end.

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
N=${BENCH_JWT_N:-20000}
REPS=${BENCH_JWT_REPS:-5}
PORT=${BENCH_PORT:-56433}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3

unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGOPTIONS \
	MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ASSERTS

die() {
	printf 'bench/jwt.sh: %s\n' "$*" >&2
	exit 1
}
command -v openssl >/dev/null || die "openssl is needed (apt-get install openssl)"
$PY -c 'import jwt, cryptography' 2>/dev/null ||
	die "python3-jwt and python3-cryptography are needed (apt-get install python3-jwt python3-cryptography)"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found"
BINDIR=$("$PG_CONFIG" --bindir)

if [ "$(id -u)" -eq 0 ]; then
	as_user() { runuser -u postgres -- "$@"; }
else
	as_user() { "$@"; }
fi

WORK=$(mktemp -d /tmp/pg_orgs-bench-jwt.XXXXXX)
chmod 755 "$WORK"
STARTED=0
cleanup() {
	if [ "$STARTED" -eq 1 ]; then
		as_user "$BINDIR/pg_ctl" -D "$WORK/data" -w -t 60 stop -m fast >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building without assertions ($("$PG_CONFIG" --version))"
mkdir -p "$WORK/src"
tar -C "$REPO" --exclude=./.git --exclude=./bench/out -cf - . | tar -C "$WORK/src" -xf -
make -s -C "$WORK/src" clean PG_CONFIG="$PG_CONFIG" >/dev/null
make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" ASSERTS=0 >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; die "build failed"; }
make -s -C "$WORK/src" install PG_CONFIG="$PG_CONFIG" >>"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; die "make install failed"; }

[ "$(id -u)" -eq 0 ] && chown -R postgres "$WORK"
as_user "$BINDIR/initdb" -D "$WORK/data" --auth=trust -U postgres -E UTF8 --locale=C -N >/dev/null
cat >>"$WORK/data/postgresql.conf" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
jit = off
EOF
as_user "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w start >/dev/null
STARTED=1
psql_() { as_user "$BINDIR/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d postgres "$@"; }

# keys and tokens (one hour)
as_user $PY "$REPO/test/lib/jwt_mint.py" keys "$WORK" hs:hs rs:rs es:es >"$WORK/jwks.json"
echo '[{"key":"hs","claims":{"sub":"bench-user"},"exp_in":3600},
       {"key":"rs","claims":{"sub":"bench-user"},"exp_in":3600},
       {"key":"es","claims":{"sub":"bench-user"},"exp_in":3600}]' |
	as_user $PY "$REPO/test/lib/jwt_mint.py" mint "$WORK" >"$WORK/tokens.json"
read -r HS RS ES < <($PY -c 'import json,sys; print(*json.load(open(sys.argv[1])))' "$WORK/tokens.json")
psql_ >/dev/null <<EOF
CREATE EXTENSION pg_orgs;
SELECT orgs.register_user('bench', 'bench@example.com', external_id => 'bench-user');
INSERT INTO orgs.jwt_keys (jwk)
SELECT k FROM jsonb_array_elements(pg_read_file('$WORK/jwks.json')::jsonb -> 'keys') AS k;
CREATE FUNCTION bench_us(q text, n int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q USING n;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END;
\$\$;
EOF

# median of REPS measurements of one query, in one session (cache warm)
measure() { # sql-expression
	local q="SELECT count(*) FROM generate_series(1, \$1) WHERE $1 IS NULL"
	{
		echo "SELECT $1;"
		for _ in $(seq "$REPS"); do
			printf "SELECT bench_us(%s, %s);\n" "'${q//\'/\'\'}'" "$N"
		done
	} | psql_ | sed 1d | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'
}

# OpenSSL: microseconds for one verification, in wall-clock time like the
# queries above (openssl speed counts CPU time unless -elapsed)
ossl_verify_us() { # rsa2048 | ecdsap256
	openssl speed -elapsed -seconds 2 "$1" 2>/dev/null |
		awk -v alg="$1" '
			alg == "rsa2048" && /^rsa 2048 bits/ { print 1e6 / $NF }
			alg == "ecdsap256" && /ecdsa \(nistp256\)/ { print 1e6 / $NF }'
}

echo "== measuring: $N calls x $REPS, median per call"
base=$(measure "orgs.act_as(NULL, false)")
hs=$(measure "orgs.act_as_jwt('$HS', false)")
rs=$(measure "orgs.act_as_jwt('$RS', false)")
es=$(measure "orgs.act_as_jwt('$ES', false)")
rsv=$(ossl_verify_us rsa2048)
esv=$(ossl_verify_us ecdsap256)

awk -v base="$base" -v hs="$hs" -v rs="$rs" -v es="$es" -v rsv="$rsv" -v esv="$esv" 'BEGIN {
	printf "\n%-34s %10s %10s %14s %13s\n", "per call (us)", "total", "net", "one verify", "total/verify"
	printf "%-34s %10.2f %10s %14s %13s\n", "baseline: orgs.act_as(NULL)", base, "-", "-", "-"
	printf "%-34s %10.2f %10.2f %14s %13s\n", "act_as_jwt HS256", hs, hs - base, "-", "-"
	printf "%-34s %10.2f %10.2f %14.2f %13.2f\n", "act_as_jwt RS256 (RSA 2048)", rs, rs - base, rsv, rs / rsv
	printf "%-34s %10.2f %10.2f %14.2f %13.2f\n", "act_as_jwt ES256 (P-256)", es, es - base, esv, es / esv
}'
echo
echo "(one verify: openssl speed -elapsed -seconds 2 rsa2048 / ecdsap256, on this machine in this run)"
