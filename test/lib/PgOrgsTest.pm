
# Helpers shared by the TAP tests in test/t/ (see test/run.sh).
#
# Everything here runs as the cluster's bootstrap superuser, which bypasses
# row-level security even where it is forced.

package PgOrgsTest;

use strict;
use warnings;

use Exporter 'import';
use Test::More;

our @EXPORT = qw(
  orgs_has_function
  orgs_populate
  orgs_customize_model
  orgs_all_answers
  orgs_config_relations
  orgs_extension_tables
  orgs_table_contents
  orgs_sequence_state
  orgs_owned_sequences
  orgs_catalog
  orgs_catalog_diff
);

# orgs_has_function($node, $db, $name): is there a function orgs.$name?
sub orgs_has_function
{
	my ($node, $db, $name) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM pg_catalog.pg_proc
		  WHERE pronamespace = 'orgs'::regnamespace AND proname = '$name'")
	  > 0;
}

# orgs_config_relations($node, $db): the relations registered with
# pg_extension_config_dump by pg_orgs, as { tables => [...], sequences => [...] }
# (qualified names, sorted).
sub orgs_config_relations
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql(
		$db, q{
		SELECT c.relkind, c.oid::regclass::text
		  FROM pg_catalog.pg_extension e,
		       pg_catalog.unnest(e.extconfig) AS u(reloid)
		  JOIN pg_catalog.pg_class c ON c.oid = u.reloid
		 WHERE e.extname = 'pg_orgs'
		 ORDER BY c.oid::regclass::text COLLATE "C"});
	my %rel = (tables => [], sequences => []);
	for my $line (split /\n/, $out)
	{
		my ($kind, $name) = split /\|/, $line, 2;
		if ($kind eq 'S') { push @{ $rel{sequences} }, $name; }
		elsif ($kind eq 'r' || $kind eq 'p') { push @{ $rel{tables} }, $name; }
	}
	return \%rel;
}

# orgs_extension_tables($node, $db): every table that belongs to pg_orgs
# (config or not), qualified, sorted.
sub orgs_extension_tables
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql(
		$db, q{
		SELECT c.oid::regclass::text
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
		  JOIN pg_catalog.pg_class c ON c.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_class'::regclass
		   AND d.refclassid = 'pg_catalog.pg_extension'::regclass
		   AND d.deptype = 'e'
		   AND e.extname = 'pg_orgs'
		   AND c.relkind IN ('r', 'p')
		 ORDER BY c.oid::regclass::text COLLATE "C"});
	return [ split /\n/, $out ];
}

# orgs_table_contents($node, $db, $table): the full contents of a table, one
# row per line as the row's text form, sorted (as text, in "C" order), so
# that two databases can be compared.
sub orgs_table_contents
{
	my ($node, $db, $table) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) || E' rows\\n' || coalesce(pg_catalog.string_agg(r, E'\\n' ORDER BY r COLLATE \"C\"), '')
		   FROM (SELECT t::text AS r FROM $table AS t) AS s");
}

# orgs_sequence_state($node, $db, $seq): "last_value|is_called".
sub orgs_sequence_state
{
	my ($node, $db, $seq) = @_;
	return $node->safe_psql($db, "SELECT last_value, is_called FROM $seq");
}

# orgs_owned_sequences($node, $db): [ [seq, table, column], ... ] for the
# sequences of pg_orgs that are owned by a column.
sub orgs_owned_sequences
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql(
		$db, q{
		SELECT s.oid::regclass::text, t.oid::regclass::text,
		       pg_catalog.quote_ident(a.attname)
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
		  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
		  JOIN pg_catalog.pg_attribute a
		       ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		 WHERE d.classid = 'pg_catalog.pg_class'::regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::regclass
		   AND d.deptype IN ('a', 'i')
		   AND s.relnamespace = 'orgs'::regnamespace
		 ORDER BY s.oid::regclass::text COLLATE "C"});
	return [ map { [ split /\|/, $_ ] } split /\n/, $out ];
}

# The catalog description of an extension, one line per fact, sorted: every
# object that is a member of the extension (pg_depend 'e'), and everything
# that lives in its schemas (the extension's schema and the schemas it
# created) with its definition, owner, privileges, comment and initial
# privileges; tables with their columns (in order), constraints, indexes,
# triggers, policies and row-level security flags; the configuration
# tables of pg_dump.  Names are printed schema-qualified and no OID
# appears, so two databases can be compared line by line: an upgraded
# database must describe exactly as a fresh install.
my $catalog_sql = <<'SQL';
SET search_path = pg_catalog;
WITH ext AS (
    SELECT e.oid, e.extnamespace, e.extconfig, e.extcondition, e.extrelocatable
      FROM pg_extension e WHERE e.extname = :'extname'),
members AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
       AND d.deptype = 'e'),
nsp AS (
    SELECT n.oid, n.nspname FROM pg_namespace n, ext WHERE n.oid = ext.extnamespace
    UNION
    SELECT n.oid, n.nspname FROM pg_namespace n JOIN members m
        ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid),
rels AS (
    SELECT c.* FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM nsp)),
lines AS (
    SELECT 'member ' || pg_describe_object(classid, objid, objsubid) AS l FROM members
    UNION ALL
    SELECT format('extension relocatable=%s config=%s',
                  ext.extrelocatable,
                  (SELECT string_agg(format('%s[%s]', c::regclass, coalesce(w, '')), ', '
                                     ORDER BY c::regclass::text)
                     FROM unnest(ext.extconfig, ext.extcondition) AS u(c, w)))
      FROM ext
    UNION ALL
    SELECT format('schema %I owner=%s acl=%s comment=%L', n.nspname, n.nspowner::regrole,
                  n.nspacl, obj_description(n.oid, 'pg_namespace'))
      FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT format('rel %s kind=%s owner=%s acl=%s options=%s rls=%s force_rls=%s persistence=%s comment=%L',
                  c.oid::regclass, c.relkind, c.relowner::regrole, c.relacl, c.reloptions,
                  c.relrowsecurity, c.relforcerowsecurity, c.relpersistence,
                  obj_description(c.oid, 'pg_class'))
      FROM rels c
    UNION ALL
    SELECT format('column %s #%s %I %s notnull=%s default=%s generated=%s identity=%s collation=%s acl=%s comment=%L',
                  c.oid::regclass,
                  row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated, a.attidentity,
                  CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END,
                  a.attacl, col_description(c.oid, a.attnum))
      FROM rels c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
    SELECT format('constraint %s %I %s deferrable=%s validated=%s comment=%L',
                  coalesce(co.conrelid::regclass::text, co.contypid::regtype::text),
                  co.conname, pg_get_constraintdef(co.oid), co.condeferrable,
                  co.convalidated, obj_description(co.oid, 'pg_constraint'))
      FROM pg_constraint co
     WHERE co.conrelid IN (SELECT oid FROM rels)
        OR co.contypid IN (SELECT t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM nsp))
    UNION ALL
    SELECT format('index %s', pg_get_indexdef(i.indexrelid))
      FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT format('trigger %s %I %s enabled=%s comment=%L', t.tgrelid::regclass, t.tgname,
                  pg_get_triggerdef(t.oid), t.tgenabled, obj_description(t.oid, 'pg_trigger'))
      FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s %I cmd=%s permissive=%s roles=%s using=%s check=%s comment=%L',
                  p.polrelid::regclass, p.polname, p.polcmd, p.polpermissive,
                  (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1)
                     FROM unnest(p.polroles) AS r),
                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
                  obj_description(p.oid, 'pg_policy'))
      FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid, true))
      FROM rels c WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                  s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement,
                  s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                  (SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend d
                     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
      FROM pg_sequence s WHERE s.seqrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT format('function %s owner=%s acl=%s comment=%L definition=%s',
                  p.oid::regprocedure, p.proowner::regrole, p.proacl,
                  obj_description(p.oid, 'pg_proc'),
                  CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END)
      FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT format('type %s typtype=%s owner=%s acl=%s notnull=%s base=%s default=%s labels=%s comment=%L',
                  t.oid::regtype, t.typtype, t.typowner::regrole, t.typacl, t.typnotnull,
                  CASE WHEN t.typbasetype <> 0 THEN format_type(t.typbasetype, t.typtypmod) END,
                  t.typdefault,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                     FROM pg_enum e WHERE e.enumtypid = t.oid),
                  obj_description(t.oid, 'pg_type'))
      FROM pg_type t
     WHERE t.typnamespace IN (SELECT oid FROM nsp)
       AND t.typtype IN ('e', 'd', 'c', 'b', 'r', 'm')
       AND NOT (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid
                                                                    AND c.relkind <> 'c'))
    UNION ALL
    SELECT format('initprivs %s %s %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
                  ip.privtype, ip.initprivs)
      FROM pg_init_privs ip JOIN members m
        ON m.classid = ip.classoid AND m.objid = ip.objoid
)
SELECT l FROM lines ORDER BY l COLLATE "C";
SQL

# orgs_catalog($node, $db, $extname): the catalog description above, as a
# list of lines.
sub orgs_catalog
{
	my ($node, $db, $extname) = @_;
	my $sql = $catalog_sql;
	$sql =~ s/:'extname'/'$extname'/g;
	my $out = $node->safe_psql($db, $sql);
	return [ split /\n/, $out ];
}

# orgs_catalog_diff($a, $b): the lines only in $a ("- ...") and only in
# $b ("+ ..."), as one string ('' when the two are equal).
sub orgs_catalog_diff
{
	my ($a, $b) = @_;
	my (%ina, %inb);
	$ina{$_}++ for @$a;
	$inb{$_}++ for @$b;
	my @out;
	for my $l (@$a) { push @out, "- $l" if !$inb{$l} || $inb{$l}-- <= 0; }
	%inb = ();
	$inb{$_}++ for @$b;
	%ina = ();
	$ina{$_}++ for @$a;
	for my $l (@$b) { push @out, "+ $l" if !$ina{$l} || $ina{$l}-- <= 0; }
	return join("\n", @out);
}

# Run $sql in $db; return true on success.  On failure, say why (diag) and
# return false, so that callers can fall back to direct INSERTs.
sub _try_sql
{
	my ($node, $db, $what, $sql) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql($db, $sql, on_error_stop => 1);
	return 1 if $ret == 0;
	diag("$what failed, falling back to direct INSERTs:\n$stderr");
	return 0;
}

# orgs_populate($node, $db): fill every data table of pg_orgs with a few
# rows, through the extension's functions where they exist and by direct
# INSERTs (as superuser) otherwise.  Idempotent only on a fresh database.
#
# Users: alice, bob, carol, dave, erin (and zed, registered then deleted so
# that sequences have a gap).  Orgs: acme (alice admin), globex (erin admin).
sub orgs_populate
{
	my ($node, $db) = @_;

	# --- users
	my @users = (
		[ 'alice', ' Alice@Example.COM ', 'Alice', 'Anders' ],
		[ 'bob',   'bob@example.com',     'Bob',   'Brown' ],
		[ 'carol', 'carol@example.com',   'Carol', undef ],
		[ 'dave',  'dave@example.com',    undef,   undef ],
		[ 'Erin-2', 'erin@example.org',   'Erin',  'Eve' ],
		[ 'zed',   'zed@example.com',     'Zed',   'Z' ]);
	my $lit = sub { defined $_[0] ? "'$_[0]'" : 'NULL' };
	my $done = 0;
	if (orgs_has_function($node, $db, 'register_user'))
	{
		$done = _try_sql($node, $db, 'orgs.register_user',
			join('',
				map { "SELECT orgs.register_user("
					  . join(', ', map { $lit->($_) } @$_) . ");\n" } @users));
	}
	if (!$done)
	{
		$node->safe_psql($db,
			"INSERT INTO orgs.users (handle, email, first_name, last_name) VALUES "
			  . join(', ',
				map {
					my @v = @$_;
					$v[1] = lc($v[1]);
					$v[1] =~ s/^\s+|\s+$//g;
					'(' . join(', ', map { $lit->($_) } @v) . ')'
				} @users));
	}
	$node->safe_psql($db, "DELETE FROM orgs.users WHERE handle_key = 'zed'");

	# A database role linked to a user (orgs.users.db_role is a regrole).
	$node->safe_psql($db,
		"DO \$\$BEGIN
		   IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orgs_tap_alice') THEN
		     CREATE ROLE orgs_tap_alice;
		   END IF;
		 END\$\$;");
	$done = 0;
	if (orgs_has_function($node, $db, 'link_db_role'))
	{
		$done = _try_sql($node, $db, 'orgs.link_db_role',
			"SELECT orgs.link_db_role('alice', 'orgs_tap_alice');");
	}
	if (!$done)
	{
		$node->safe_psql($db,
			"UPDATE orgs.users SET db_role = 'orgs_tap_alice' WHERE handle_key = 'alice'");
	}

	# --- organizations: acme through create_org as alice, if it exists
	$done = 0;
	if (   orgs_has_function($node, $db, 'create_org')
		&& orgs_has_function($node, $db, 'act_as'))
	{
		$done = _try_sql($node, $db, 'orgs.create_org',
			"SELECT orgs.act_as('alice', false);
			 SELECT orgs.create_org('acme', 'Acme Inc');
			 SELECT orgs.act_as(NULL, false);");
	}
	if (!$done)
	{
		$node->safe_psql($db,
			"INSERT INTO orgs.organizations (org_id, name, created_by)
			 SELECT 'acme', 'Acme Inc', id FROM orgs.users WHERE handle_key = 'alice'");
	}
	my $sql = <<'SQL';
UPDATE orgs.organizations SET billing_email = 'billing@acme.example' WHERE org_key = 'acme';
INSERT INTO orgs.organizations (org_id, name, created_by)
SELECT 'Globex', 'Globex Corporation', id FROM orgs.users WHERE handle_key = 'erin-2';

-- members (ON CONFLICT: create_org may already have made alice admin)
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, r.role::orgs.org_role
  FROM (VALUES ('acme', 'alice', 'admin'),
               ('acme', 'bob', 'org_contributor'),
               ('acme', 'carol', 'org_user'),
               ('acme', 'dave', 'team_contributor'),
               ('acme', 'erin-2', 'financial_manager'),
               ('globex', 'erin-2', 'admin'),
               ('globex', 'bob', 'infrastructure_manager')) AS r(org, handle, role)
  JOIN orgs.organizations o ON o.org_key = r.org
  JOIN orgs.users u ON u.handle_key = r.handle
ON CONFLICT DO NOTHING;

-- apps: two org apps, one personal app
INSERT INTO orgs.apps (org_id, app_id, description, notes, created_by)
SELECT o.id, a.app_id, a.descr, a.notes, u.id
  FROM (VALUES ('acme', 'App-One', 'first app', 'some notes', 'public'),
               ('acme', 'app_two', NULL, NULL, 'private'),
               ('globex', 'widgets', 'widgets', 'n', 'private')) AS a(org, app_id, descr, notes, vis)
  JOIN orgs.organizations o ON o.org_key = a.org
  JOIN orgs.users u ON u.handle_key = 'alice';
INSERT INTO orgs.apps (owner_user_id, app_id, description, created_by)
SELECT id, 'scratch', 'personal app', id FROM orgs.users WHERE handle_key = 'alice';
UPDATE orgs.apps SET notes = 'edited notes' WHERE app_key = 'app-one';

-- teams
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, t.team_id, t.name, t.perm::orgs.team_permission
  FROM (VALUES ('acme', 'labelers', 'Labelers', 'labeler_worker'),
               ('acme', 'Trainers', 'Model trainers', 'model_trainer')) AS t(org, team_id, name, perm)
  JOIN orgs.organizations o ON o.org_key = t.org;

INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id
  FROM (VALUES ('labelers', 'dave'), ('labelers', 'bob'), ('trainers', 'carol')) AS m(team, handle)
  JOIN orgs.teams t ON t.team_key = m.team
  JOIN orgs.users u ON u.handle_key = m.handle;

INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, m.perm::orgs.team_permission
  FROM (VALUES ('labelers', 'app-one', 'labeler_lead'),
               ('trainers', 'app_two', 'model_trainer'),
               ('trainers', 'app-one', 'full_access')) AS m(team, app, perm)
  JOIN orgs.teams t ON t.team_key = m.team
  JOIN orgs.apps a ON a.app_key = m.app AND a.org_id = t.org_id;

-- invitations: one pending, one accepted
INSERT INTO orgs.invitations (org_id, email, role, token_hash, invited_by, expires_at)
SELECT o.id, 'newbie@example.com', 'org_user', pg_catalog.sha256('tap-token-1'::bytea), u.id,
       pg_catalog.now() + interval '7 days'
  FROM orgs.organizations o, orgs.users u
 WHERE o.org_key = 'acme' AND u.handle_key = 'alice';
INSERT INTO orgs.invitations (org_id, email, role, token_hash, state, invited_by,
                              expires_at, decided_at, decided_by)
SELECT o.id, 'carol@example.com', 'org_user', pg_catalog.sha256('tap-token-2'::bytea),
       'accepted', a.id, pg_catalog.now() + interval '7 days', pg_catalog.now(), c.id
  FROM orgs.organizations o, orgs.users a, orgs.users c
 WHERE o.org_key = 'acme' AND a.handle_key = 'alice' AND c.handle_key = 'carol';

-- audit log and notifications
INSERT INTO orgs.audit_log (org_id, actor_id, actor_handle, event_code, event, target, details)
SELECT o.id, u.id, u.handle, 200, 'tap_test', 'acme', '{"k": [1, 2, "x"]}'::jsonb
  FROM orgs.organizations o, orgs.users u
 WHERE o.org_key = 'acme' AND u.handle_key = 'alice';
INSERT INTO orgs.audit_log (org_id, event_code, event, success)
VALUES (NULL, 201, 'tap_test_failure', false);

INSERT INTO orgs.notifications (user_id, org_id, event, payload)
SELECT u.id, o.id, 'invitation_accepted', '{"who": "carol"}'::jsonb
  FROM orgs.organizations o, orgs.users u
 WHERE o.org_key = 'acme' AND u.handle_key = 'alice';
INSERT INTO orgs.notifications (email, org_id, event, read_at)
SELECT 'newbie@example.com', id, 'invitation', pg_catalog.now()
  FROM orgs.organizations WHERE org_key = 'acme';
SQL
	$node->safe_psql($db, $sql);
	# an app made public: is_public since 0.2.0, visibility before
	my $has_is_public = $node->safe_psql($db,
		q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'orgs.apps'::regclass AND attname = 'is_public'});
	$node->safe_psql($db, $has_is_public
		? q{UPDATE orgs.apps SET is_public = true WHERE app_key = 'app-one'}
		: q{UPDATE orgs.apps SET visibility = 'public' WHERE app_key = 'app-one'});
	return;
}

# Customize the permission model of a database filled by orgs_populate,
# through the model API (a version without it is left alone): a permission
# of each scope added, a default one described otherwise, a role and a
# level added, a default role renamed while held and another dropped, a
# default grant taken away and one added, an implication replaced, and a
# role of one organization held by a member.  Returns whether it did.
sub orgs_customize_model
{
	my ($node, $db) = @_;
	return 0 unless orgs_has_function($node, $db, 'define_role');
	$node->safe_psql($db, <<'SQL');
SELECT orgs.define_permission('app', 'reports.export', 'Export reports.');
SELECT orgs.define_permission('org', 'reports.schedule', 'Schedule reports.');
SELECT orgs.define_permission('app', 'models.view', 'View models and their versions.');
SELECT orgs.define_level('reporter', 'Reports only', ARRAY['app.view', 'reports.export']);
SELECT orgs.define_role('auditor', 'Reads the audit log',
                        ARRAY['org.view', 'audit.view', 'reports.schedule'],
                        ARRAY['app.view'], ARRAY['app.view', 'reports.export']);
SELECT orgs.rename_role('org_user', 'member');
SELECT orgs.define_role('team_contributor', NULL, ARRAY['org.view', 'members.view']);
SELECT orgs.define_level('labeler_worker', NULL, ARRAY['app.view', 'tasks.work', 'reports.export']);
SELECT orgs.drop_implication('clusters.view', 'clusters.view');
SELECT orgs.define_implication('reports.schedule', 'reports.export');
UPDATE orgs.members SET role = 'auditor' WHERE role = 'infrastructure_manager';
SELECT orgs.drop_role('infrastructure_manager');
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'reporter'
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id
 WHERE t.team_key = 'labelers' AND a.app_key = 'app_two';
SELECT orgs.act_as('alice', false);
SELECT orgs.define_org_role('acme', 'reviewer', 'Reviews annotations',
                            ARRAY['org.view', 'members.view'],
                            ARRAY['app.view', 'annotations.view'],
                            ARRAY['app.view', 'annotations.view', 'annotations.review']);
SELECT orgs.set_member_role('acme', 'dave', 'reviewer');
SELECT orgs.act_as(NULL, false);
SQL
	return 1;
}

# Every answer of the engine in a database: for each user and app its
# effective set, for each user, org and org-level permission the answer.
sub orgs_all_answers
{
	my ($node, $db) = @_;
	return $node->safe_psql($db, q{
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT format('%s %s %s %s', u.handle, a.id, p.name, orgs.has_app_permission(u.id, a.id, p.name)) AS x
    FROM orgs.users u, orgs.apps a, orgs.permissions p WHERE p.scope = 'app'
  UNION ALL
  SELECT format('%s %s %s %s', u.handle, o.org_id, p.name, orgs.has_org_permission(u.id, o.id, p.name))
    FROM orgs.users u, orgs.organizations o, orgs.permissions p WHERE p.scope = 'org') s});
}

1;
