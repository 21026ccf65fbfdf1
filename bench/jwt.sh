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
# that baseline, OpenSSL's time for one verification, and their ratio; in
# CPU time of the backend (from /proc/self/stat: robust when the machine is
# loaded by others) and in wall-clock time.
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
-- microseconds per call: wall-clock, and CPU time of this backend (user +
-- system, from /proc/self/stat, in clock ticks of 10 ms: robust when other
-- processes load the machine)
CREATE FUNCTION cpu_ticks() RETURNS bigint LANGUAGE sql AS \$\$
SELECT (f[13])::bigint + (f[14])::bigint  -- utime, stime
  FROM regexp_split_to_array(regexp_replace(pg_read_file('/proc/self/stat'), '^.*\) ', '.. '), ' ') AS f
\$\$;
CREATE FUNCTION bench_us(q text, n int) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; c0 bigint;
BEGIN
    c0 := cpu_ticks();
    t0 := clock_timestamp();
    EXECUTE q USING n;
    RETURN format('%s %s', extract(epoch FROM clock_timestamp() - t0) * 1e6 / n,
                  (cpu_ticks() - c0) * 1e4 / n);
END;
\$\$;
EOF

# median of REPS measurements of one query, in one session (cache warm):
# "wall cpu" in microseconds per call
measure() { # sql-expression n
	local q="SELECT count(*) FROM generate_series(1, \$1) WHERE $1 IS NULL"
	{
		echo "SELECT $1;"
		for _ in $(seq "$REPS"); do
			printf "SELECT bench_us(%s, %s);\n" "'${q//\'/\'\'}'" "$2"
		done
	} | psql_ | sed 1d >"$WORK/measure.out"
	echo "$(median 1) $(median 2)"
}
median() { # column of $WORK/measure.out
	awk -v c="$1" '{ print $c }' "$WORK/measure.out" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'
}

# OpenSSL: microseconds for one verification, in CPU time (openssl speed's
# default) and in wall-clock time (-elapsed)
ossl_verify_us() { # rsa2048 | ecdsap256
	local cpu wall
	cpu=$(openssl speed -seconds 2 "$1" 2>/dev/null | ossl_parse "$1")
	wall=$(openssl speed -elapsed -seconds 2 "$1" 2>/dev/null | ossl_parse "$1")
	echo "$wall $cpu"
}
ossl_parse() {
	awk -v alg="$1" '
		alg == "rsa2048" && /^rsa 2048 bits/ { print 1e6 / $NF }
		alg == "ecdsap256" && /ecdsa \(nistp256\)/ { print 1e6 / $NF }'
}

echo "== measuring: $N calls (HS256 and the baseline: 5 x $N) x $REPS, median per call"
read -r base_w base_c < <(measure "orgs.act_as(NULL, false)" $((N * 5)))
read -r hs_w hs_c < <(measure "orgs.act_as_jwt('$HS', false)" $((N * 5)))
read -r rs_w rs_c < <(measure "orgs.act_as_jwt('$RS', false)" "$N")
read -r es_w es_c < <(measure "orgs.act_as_jwt('$ES', false)" "$N")
read -r rsv_w rsv_c < <(ossl_verify_us rsa2048)
read -r esv_w esv_c < <(ossl_verify_us ecdsap256)

report() { # title base hs rs es rsv esv
	awk -v t="$1" -v base="$2" -v hs="$3" -v rs="$4" -v es="$5" -v rsv="$6" -v esv="$7" 'BEGIN {
		printf "\n%s\n%-34s %10s %10s %14s %13s\n", t, "per call (us)", "total", "net", "one verify", "total/verify"
		printf "%-34s %10.2f %10s %14s %13s\n", "baseline: orgs.act_as(NULL)", base, "-", "-", "-"
		printf "%-34s %10.2f %10.2f %14s %13s\n", "act_as_jwt HS256", hs, hs - base, "-", "-"
		printf "%-34s %10.2f %10.2f %14.2f %13.2f\n", "act_as_jwt RS256 (RSA 2048)", rs, rs - base, rsv, rs / rsv
		printf "%-34s %10.2f %10.2f %14.2f %13.2f\n", "act_as_jwt ES256 (P-256)", es, es - base, esv, es / esv
	}'
}
report "CPU time (the backend's; openssl speed's default)" "$base_c" "$hs_c" "$rs_c" "$es_c" "$rsv_c" "$esv_c"
report "wall-clock time (clock_timestamp(); openssl speed -elapsed)" "$base_w" "$hs_w" "$rs_w" "$es_w" "$rsv_w" "$esv_w"
echo
echo "(one verify: openssl speed -seconds 2 rsa2048 / ecdsap256, on this machine in this run; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
