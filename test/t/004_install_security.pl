
# Installing pg_orgs cannot be hijacked (CVE-2022-2625's kind of hole).
#
# A role with CREATE on the database that makes a schema "orgs" (or
# "example") before a superuser runs CREATE EXTENSION would keep owning
# it, and could later rename it and put its own functions under the
# extension's SECURITY DEFINER functions, or drop the reference schema's
# tables.  So:
#  - CREATE EXTENSION pg_orgs / pg_orgs_example refuse a schema that
#    another role owns, or in which another role may create objects, or
#    that holds objects (42P06), and succeed once it is gone; the empty
#    schema that DROP EXTENSION leaves behind is fine;
#  - ALTER EXTENSION ... UPDATE refuses a schema not owned by the
#    extension's owner (an installation of 0.1.0 that was hijacked);
#  - after a clean install the role can neither rename nor change the
#    extension's schemas;
#  - every SQL or PL/pgSQL function of the extension either fixes its
#    search_path to pg_catalog, pg_temp or has an SQL-standard body (whose
#    names are bound when it is created).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../lib";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('install');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE regress_mallory LOGIN;
CREATE DATABASE hijack;
GRANT CREATE ON DATABASE hijack TO regress_mallory;
});

sub as_mallory
{
	my ($sql) = @_;
	return $node->psql('hijack', "SET ROLE regress_mallory; $sql");
}

# --- CREATE EXTENSION pg_orgs over a schema made by another role ----------
my ($ret, $out, $err) = as_mallory('CREATE SCHEMA orgs');
is($ret, 0, 'mallory creates a schema "orgs" first');
($ret, $out, $err) = $node->psql('hijack', 'CREATE EXTENSION pg_orgs',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'CREATE EXTENSION pg_orgs is refused');
like($err, qr/42P06: schema "orgs" already exists/, '... with duplicate_schema');
like($err, qr/owned by role regress_mallory/, '... naming the owner');
is($node->safe_psql('hijack', q{SELECT count(*) FROM pg_extension WHERE extname = 'pg_orgs'}),
	'0', 'nothing installed');
# ... also when a superuser made it in the same transaction for another role
($ret, $out, $err) = $node->psql('hijack', q{
	BEGIN; DROP SCHEMA orgs; CREATE SCHEMA orgs AUTHORIZATION regress_mallory;
	CREATE EXTENSION pg_orgs; COMMIT;});
like($err, qr/schema "orgs" already exists/, 'a schema made for another role is refused too');
# ... and one of the installing role with privileges for another role, or
# with something in it
($ret, $out, $err) = $node->psql('hijack', q{
	BEGIN; DROP SCHEMA orgs; CREATE SCHEMA orgs; GRANT CREATE ON SCHEMA orgs TO regress_mallory;
	CREATE EXTENSION pg_orgs; COMMIT;});
like($err, qr/other roles may create objects in it/, 'a schema in which another role may create objects is refused');
($ret, $out, $err) = $node->psql('hijack', q{
	BEGIN; DROP SCHEMA orgs; CREATE SCHEMA orgs; CREATE TABLE orgs.lurker (i int);
	CREATE EXTENSION pg_orgs; COMMIT;});
like($err, qr/it holds objects/, 'a schema with objects in it is refused');
as_mallory('DROP SCHEMA orgs');
($ret, $out, $err) = $node->psql('hijack', 'CREATE EXTENSION pg_orgs');
is($ret, 0, 'without it, CREATE EXTENSION pg_orgs creates its schema');
($ret, $out, $err) = $node->psql('hijack', 'DROP EXTENSION pg_orgs; CREATE EXTENSION pg_orgs');
is($ret, 0, 'DROP EXTENSION leaves an empty schema of its own: CREATE EXTENSION takes it again');
is($node->safe_psql('hijack', q{SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'orgs'}),
	$node->safe_psql('hijack', q{SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'pg_orgs'}),
	'the schema is owned by the extension\'s owner');

# --- the same for pg_orgs_example ----------------------------------------
as_mallory('CREATE SCHEMA example');
($ret, $out, $err) = $node->psql('hijack', 'CREATE EXTENSION pg_orgs_example');
isnt($ret, 0, 'CREATE EXTENSION pg_orgs_example is refused');
like($err, qr/schema "example" already exists/, '... because of the schema "example"');
as_mallory('DROP SCHEMA example');
($ret, $out, $err) = $node->psql('hijack', 'CREATE EXTENSION pg_orgs_example');
is($ret, 0, 'without it, pg_orgs_example installs');

# --- after a clean install, the role changes nothing ----------------------
for my $sql ('ALTER SCHEMA orgs RENAME TO orgs_old',
	'ALTER SCHEMA example RENAME TO example_old',
	'DROP SCHEMA example CASCADE',
	'CREATE FUNCTION orgs.current_user_id() RETURNS bigint LANGUAGE sql AS $$SELECT 1::bigint$$',
	'CREATE TABLE orgs.t (i int)',
	'CREATE TABLE example.t (i int)')
{
	($ret, $out, $err) = as_mallory($sql);
	isnt($ret, 0, "refused: $sql");
	like($err, qr/must be owner|permission denied|already exists/, "... ($sql)");
}

# --- no function resolves a name through the caller's search_path --------
is($node->safe_psql('hijack', q{
	SELECT string_agg(p.oid::regprocedure::text, ', ')
	  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
	                                  AND d.deptype = 'e'
	  JOIN pg_extension e ON e.oid = d.refobjid
	 WHERE e.extname IN ('pg_orgs', 'pg_orgs_example')
	   AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
	   AND p.prosqlbody IS NULL
	   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)}),
	'', 'every SQL and PL/pgSQL function of the extensions sets search_path = pg_catalog, pg_temp or binds its names at creation');

# --- ALTER EXTENSION UPDATE of a hijacked 0.1.0 installation --------------
$node->safe_psql('postgres', q{CREATE DATABASE old; GRANT CREATE ON DATABASE old TO regress_mallory;});
$node->psql('old', 'SET ROLE regress_mallory; CREATE SCHEMA orgs');
$node->safe_psql('old', q{CREATE EXTENSION pg_orgs VERSION '0.1.0'});
($ret, $out, $err) = $node->psql('old', 'ALTER EXTENSION pg_orgs UPDATE');
isnt($ret, 0, 'updating a 0.1.0 installation in a schema of another role is refused');
like($err, qr/schema "orgs" is owned by role regress_mallory, not by the owner of extension pg_orgs/,
	'... saying why');
$node->safe_psql('old', 'ALTER SCHEMA orgs OWNER TO CURRENT_USER');
($ret, $out, $err) = $node->psql('old', 'ALTER EXTENSION pg_orgs UPDATE');
is($ret, 0, 'once the DBA owns the schema, the update runs');

$node->stop;
done_testing();
