#!/usr/bin/env bash
# examples/demo.sh - pg_orgs in five minutes ("make demo").
#
# On a Debian 12 machine, as root or as a user with sudo:
#   1. installs what is missing (postgresql-15, postgresql-server-dev-15,
#      make, gcc), after apt-get update;
#   2. builds and installs pg_orgs and its reference schema pg_orgs_example;
#   3. starts a throw-away PostgreSQL cluster in a temporary directory, on a
#      free port, with its own socket directory (the system cluster is never
#      touched);
#   4. seeds a Clarifai-like organization through the API functions: an
#      admin, one member of each role, a team of each permission level, two
#      apps, a pending invitation, and an invitee who registers and accepts;
#   5. shows, user by user, what each one sees and may do, one refused
#      action each, and why (orgs.explain_app_permission);
#   6. stops the cluster and removes it.
#
# Environment:
#   KEEP=1    keep the cluster running at the end, and print how to connect
#             to it and how to stop it
#   PORT=n    first port to try (default 55432; the first free one is used)
#   PG_CONFIG pg_config of the PostgreSQL to use (default
#             /usr/lib/postgresql/15/bin/pg_config; for a Debian path
#             /usr/lib/postgresql/N/bin/pg_config, step 1 installs
#             postgresql-N and postgresql-server-dev-N)
#   PG_ORGS_DEMO_INSTALLED=1  pg_orgs is already built and installed for
#             PG_CONFIG: skip steps 1 and 2 (the test suite, group "demo" of
#             test/run.sh, runs the demo this way after its own build)

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
case $PG_CONFIG in
/usr/lib/postgresql/*/bin/pg_config)
	major=${PG_CONFIG#/usr/lib/postgresql/}
	major=${major%%/*}
	PACKAGES=("postgresql-$major" "postgresql-server-dev-$major" make gcc)
	;;
*) PACKAGES=(make gcc) ;;
esac
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Never talk to a server chosen by the caller's environment, and do not let
# an outer "make demo" leak its flags into the inner make.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGDATA \
	MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
else
	[ "${PG_ORGS_DEMO_INSTALLED:-0}" = 1 ] || command -v sudo >/dev/null ||
		{ echo "demo.sh: run as root, or install sudo" >&2; exit 1; }
	SUDO=(sudo)
fi

if [ "${PG_ORGS_DEMO_INSTALLED:-0}" = 1 ]; then
say "1. Packages, 2. Build and install: skipped (PG_ORGS_DEMO_INSTALLED=1)"
else
#--------------------------------------------------------------------------
say "1. Packages"
#--------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	"${SUDO[@]}" apt-get update -q
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "already installed: ${PACKAGES[*]}"
fi

#--------------------------------------------------------------------------
say "2. Build and install"
#--------------------------------------------------------------------------
make -s -C "$REPO" PG_CONFIG="$PG_CONFIG"
"${SUDO[@]}" make -s -C "$REPO" PG_CONFIG="$PG_CONFIG" install
SHAREDIR=$("$PG_CONFIG" --sharedir)
for f in pg_orgs.control pg_orgs_example.control; do
	if [ ! -f "$SHAREDIR/extension/$f" ]; then
		echo "demo.sh: $SHAREDIR/extension/$f is missing after make install" >&2
		echo "         (the Makefile must install the reference schema: see examples/)" >&2
		exit 1
	fi
done
echo "installed pg_orgs and pg_orgs_example into $SHAREDIR/extension"
fi
PG_BINDIR=$("$PG_CONFIG" --bindir)

#--------------------------------------------------------------------------
say "3. A throw-away cluster"
#--------------------------------------------------------------------------
# The server refuses to run as root: as root it runs as the OS user postgres.
if [ "$(id -u)" -eq 0 ]; then
	AS_PG=(runuser -u postgres --)
else
	AS_PG=()
fi
TMP=$(mktemp -d /tmp/pg_orgs_demo.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres: "$TMP"
chmod 755 "$TMP"

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
	[ -e "/var/run/postgresql/.s.PGSQL.$1" ] && return 0
	return 1
}
PORT=${PORT:-55432}
while port_in_use "$PORT"; do PORT=$((PORT + 1)); done

stop_cluster() {
	"${AS_PG[@]}" "$PG_BINDIR/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
cleanup() {
	local rc=$?
	if [ "${KEEP:-0}" = 1 ] && [ -f "$TMP/data/postmaster.pid" ]; then
		return $rc
	fi
	stop_cluster
	return $rc
}
trap cleanup EXIT

"${AS_PG[@]}" "$PG_BINDIR/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 --locale=C >"$TMP/initdb.log" 2>&1 \
	|| { cat "$TMP/initdb.log" >&2; exit 1; }
"${AS_PG[@]}" "$PG_BINDIR/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
	-o "-p $PORT -k $TMP -c listen_addresses=''" start >/dev/null \
	|| { cat "$TMP/server.log" >&2; exit 1; }
echo "cluster in $TMP, port $PORT, socket directory $TMP"

PSQL=("$PG_BINDIR/psql" -h "$TMP" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE demo'

#--------------------------------------------------------------------------
say "4. The reference schema and a Clarifai-like organization"
#--------------------------------------------------------------------------
"${PSQL[@]}" -d demo <<'SQL'
\set QUIET on
CREATE EXTENSION pg_orgs;
CREATE EXTENSION pg_orgs_example;

-- The application connects as an ordinary role and says who is acting.
CREATE ROLE demo_app NOLOGIN;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO demo_app;

-- Keys by name, for this demo's statements (the application knows them).
CREATE SCHEMA demo;
GRANT USAGE ON SCHEMA demo TO PUBLIC;
CREATE FUNCTION demo.app(name text) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp RETURN orgs.lookup_app(name);
CREATE FUNCTION demo.usr(handle text) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp RETURN orgs.lookup_user(handle);
CREATE FUNCTION demo.input(url text) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp RETURN (SELECT i.id FROM example.inputs i WHERE i.url = input.url);
\o /dev/null

-- Accounts, registered by the application once it has verified the e-mail.
SELECT count(*) AS registered FROM (
  SELECT orgs.register_user(h, h || '@example.com', f, l)
    FROM (VALUES ('ada', 'Ada', 'Lovelace'), ('felix', 'Felix', 'Banks'),
                 ('olga', 'Olga', 'Ortiz'), ('uma', 'Uma', 'Usman'),
                 ('ivan', 'Ivan', 'Ivanov'), ('tina', 'Tina', 'Torres'),
                 ('mark', 'Mark', 'Miller'), ('lena', 'Lena', 'Larsen'),
                 ('walt', 'Walt', 'Weber')) AS u(h, f, l)) s \gset

-- Ada creates the organization and invites everyone with their role.
BEGIN;
SELECT orgs.act_as('ada');
SELECT orgs.create_org('clarifai-demo', 'Clarifai Demo', 'billing@clarifai-demo.example') AS org_key \gset
SELECT token AS t_felix FROM orgs.invite('clarifai-demo', 'felix@example.com', 'financial_manager') \gset
SELECT token AS t_olga  FROM orgs.invite('clarifai-demo', 'olga@example.com', 'org_contributor') \gset
SELECT token AS t_uma   FROM orgs.invite('clarifai-demo', 'uma@example.com', 'org_user') \gset
SELECT token AS t_ivan  FROM orgs.invite('clarifai-demo', 'ivan@example.com', 'infrastructure_manager') \gset
SELECT token AS t_tina  FROM orgs.invite('clarifai-demo', 'tina@example.com', 'team_contributor') \gset
SELECT token AS t_mark  FROM orgs.invite('clarifai-demo', 'mark@example.com', 'team_contributor') \gset
SELECT token AS t_lena  FROM orgs.invite('clarifai-demo', 'lena@example.com', 'team_contributor') \gset
SELECT token AS t_walt  FROM orgs.invite('clarifai-demo', 'walt@example.com', 'team_contributor') \gset
-- nina has no account yet; zoe never answers (a pending invitation).
SELECT token AS t_nina  FROM orgs.invite('clarifai-demo', 'nina@example.com', 'team_contributor') \gset
SELECT token AS t_zoe   FROM orgs.invite('clarifai-demo', 'zoe@example.com', 'org_user') \gset
COMMIT;

BEGIN; SELECT orgs.act_as('felix'); SELECT orgs.accept_invitation(:'t_felix'); COMMIT;
BEGIN; SELECT orgs.act_as('olga');  SELECT orgs.accept_invitation(:'t_olga');  COMMIT;
BEGIN; SELECT orgs.act_as('uma');   SELECT orgs.accept_invitation(:'t_uma');   COMMIT;
BEGIN; SELECT orgs.act_as('ivan');  SELECT orgs.accept_invitation(:'t_ivan');  COMMIT;
BEGIN; SELECT orgs.act_as('tina');  SELECT orgs.accept_invitation(:'t_tina');  COMMIT;
BEGIN; SELECT orgs.act_as('mark');  SELECT orgs.accept_invitation(:'t_mark');  COMMIT;
BEGIN; SELECT orgs.act_as('lena');  SELECT orgs.accept_invitation(:'t_lena');  COMMIT;
BEGIN; SELECT orgs.act_as('walt');  SELECT orgs.accept_invitation(:'t_walt');  COMMIT;
-- nina registers, then accepts with the token from her e-mail.
SELECT orgs.register_user('nina', 'Nina@Example.com ', 'Nina', 'Novak');
BEGIN; SELECT orgs.act_as('nina');  SELECT orgs.accept_invitation(:'t_nina');  COMMIT;

-- Apps and teams: olga (org contributor) builds them.
BEGIN;
SELECT orgs.act_as('olga');
SELECT orgs.create_app('clarifai-demo', 'vision', 'Image recognition');
SELECT orgs.create_app('clarifai-demo', 'nlp', 'Text classification');
SELECT orgs.create_team('clarifai-demo', 'core', 'Core engineers', 'full_access');
SELECT orgs.create_team('clarifai-demo', 'trainers', 'Model trainers', 'model_trainer');
SELECT orgs.create_team('clarifai-demo', 'leads', 'Labeling leads', 'labeler_lead');
SELECT orgs.create_team('clarifai-demo', 'labelers', 'Labelers', 'labeler_worker');
SELECT orgs.add_team_member('clarifai-demo', t, u)
  FROM (VALUES ('core', 'tina'), ('trainers', 'mark'), ('leads', 'lena'),
               ('labelers', 'lena'), ('labelers', 'walt'), ('labelers', 'nina')) AS m(t, u);
SELECT orgs.add_team_app('clarifai-demo', t, 'clarifai-demo/vision')
  FROM unnest(ARRAY['trainers', 'leads', 'labelers']) AS t;
COMMIT;
-- Full access includes app.transfer, which on an organization's app only
-- an admin holds, and nobody can grant what they do not hold: ada gives
-- the core team its app.
BEGIN;
SELECT orgs.act_as('ada');
SELECT orgs.add_team_app('clarifai-demo', 'core', 'clarifai-demo/vision');
COMMIT;

-- The apps' content, written by the users themselves through row-level
-- security, as the application's role.
SET ROLE demo_app;
BEGIN;
SELECT orgs.act_as('ada');
INSERT INTO example.models (app_id, name, description)
VALUES (demo.app('clarifai-demo/vision'), 'general-image', 'General image recognition'),
       (demo.app('clarifai-demo/vision'), 'face-detector', 'Faces'),
       (demo.app('clarifai-demo/nlp'), 'intent-classifier', 'Intents');
INSERT INTO example.model_versions (app_id, model_id, version, status)
SELECT app_id, id, 1, 'trained' FROM example.models;
INSERT INTO example.model_metrics (app_id, model_version_id, metric, value)
SELECT app_id, id, 'accuracy', 0.93 FROM example.model_versions;
INSERT INTO example.workflows (app_id, name)
VALUES (demo.app('clarifai-demo/vision'), 'detect-and-tag'),
       (demo.app('clarifai-demo/nlp'), 'route-tickets');
INSERT INTO example.base_workflows (app_id, workflow_id) SELECT app_id, id FROM example.workflows;
INSERT INTO example.datasets (app_id, name)
VALUES (demo.app('clarifai-demo/vision'), 'pets'), (demo.app('clarifai-demo/nlp'), 'tickets');
INSERT INTO example.inputs (app_id, dataset_id, url)
SELECT d.app_id, d.id, 'https://data.example/' || d.name || '/' || g || '.jpg'
  FROM example.datasets d, generate_series(1, 3) g;
INSERT INTO example.concepts (app_id, name)
VALUES (demo.app('clarifai-demo/vision'), 'cat'), (demo.app('clarifai-demo/vision'), 'dog'),
       (demo.app('clarifai-demo/nlp'), 'refund');
INSERT INTO example.modules (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'labeling-ui');
INSERT INTO example.module_installs (app_id, module_url)
VALUES (demo.app('clarifai-demo/vision'), 'https://clarifai.example/modules/annotate');
COMMIT;

-- ivan (infrastructure manager) sets up compute; felix (finance) a budget.
BEGIN;
SELECT orgs.act_as('ivan');
INSERT INTO example.clusters (org_id, cluster_id, region) VALUES (:org_key, 'gpu-us', 'us-east-1');
INSERT INTO example.nodepools (org_id, cluster_id, nodepool_id, instance_type, max_nodes)
SELECT org_id, id, 'a10g', 'g5.xlarge', 4 FROM example.clusters;
COMMIT;
BEGIN;
SELECT orgs.act_as('felix');
INSERT INTO example.budgets (org_id, name, monthly_limit_usd, alert_percent) VALUES (:org_key, 'monthly', 500, 80);
COMMIT;

-- mark (model trainer) deploys a model into ivan's nodepool.
BEGIN;
SELECT orgs.act_as('mark');
INSERT INTO example.deployments (org_id, app_id, model_id, nodepool_id, replicas)
SELECT :org_key, m.app_id, m.id, n.id, 2
  FROM example.models m, example.nodepools n WHERE m.name = 'general-image';
COMMIT;

-- lena (labeler lead) creates two labeling tasks and assigns walt and nina.
BEGIN;
SELECT orgs.act_as('lena');
INSERT INTO example.tasks (app_id, name, instructions, guidelines)
VALUES (demo.app('clarifai-demo/vision'), 'label-cats', 'Draw a box around every cat.', 'Boxes touch the fur.'),
       (demo.app('clarifai-demo/vision'), 'label-dogs', 'Tag every dog.', 'One tag per dog.');
INSERT INTO example.task_inputs (app_id, task_id, input_id)
SELECT t.app_id, t.id, i.id FROM example.tasks t, example.inputs i
 WHERE i.app_id = t.app_id AND ((t.name = 'label-cats' AND i.url LIKE '%/1.jpg')
                             OR (t.name = 'label-dogs' AND i.url NOT LIKE '%/1.jpg'));
INSERT INTO example.task_concepts (app_id, task_id, concept_id)
SELECT t.app_id, t.id, c.id FROM example.tasks t JOIN example.concepts c
    ON c.app_id = t.app_id AND c.name = CASE t.name WHEN 'label-cats' THEN 'cat' ELSE 'dog' END;
INSERT INTO example.task_assignees (app_id, task_id, user_id)
SELECT t.app_id, t.id, demo.usr(CASE t.name WHEN 'label-cats' THEN 'walt' ELSE 'nina' END)
  FROM example.tasks t;
COMMIT;

-- walt labels his input.
BEGIN;
SELECT orgs.act_as('walt');
INSERT INTO example.annotations (app_id, input_id, concept_id, value)
SELECT i.app_id, i.id, c.id, '{"box": [10, 20, 200, 180]}'
  FROM example.inputs i, example.concepts c WHERE c.name = 'cat';
UPDATE example.tasks SET status = 'in_progress', progress = 100;
COMMIT;
RESET ROLE;

-- The platform's metering jobs fill the Control Center (they bypass RLS).
INSERT INTO example.overview_stats (org_id, day, active_apps, operations, spend_usd)
SELECT :org_key, d::date, 2, 1000 + 10 * g, 30 + g FROM generate_series(1, 7) g,
       LATERAL (SELECT date '2024-05-01' + g - 1 AS d) x;
INSERT INTO example.usage_records (org_id, day, app_id, operation, count)
SELECT :org_key, date '2024-05-01' + g, demo.app('clarifai-demo/' || a), 'predict', 100 * g
  FROM generate_series(0, 6) g, unnest(ARRAY['vision', 'nlp']) a;
INSERT INTO example.cost_records (org_id, month, category, amount_usd)
VALUES (:org_key, '2024-05-01', 'compute', 212.40), (:org_key, '2024-05-01', 'storage', 18.75);
INSERT INTO example.invoices (org_id, period, amount_usd, status)
VALUES (:org_key, '2024-04-01', 198.00, 'paid'), (:org_key, '2024-05-01', 231.15, 'open');

SELECT format('org "clarifai-demo": %s members, %s teams, %s apps, %s pending invitation(s) (%s)',
              (SELECT count(*) FROM orgs.members WHERE org_id = :org_key),
              (SELECT count(*) FROM orgs.teams WHERE org_id = :org_key),
              (SELECT count(*) FROM orgs.apps WHERE org_id = :org_key),
              (SELECT count(*) FROM orgs.invitations WHERE org_id = :org_key AND state = 'pending'),
              (SELECT string_agg(email, ', ') FROM orgs.invitations WHERE org_id = :org_key AND state = 'pending'))
       AS summary \gset
\o
\echo :summary
\echo 'nina registered after her invitation and accepted it; zoe''s invitation is still pending.'
SQL

#--------------------------------------------------------------------------
say "5. User by user: what each one sees and may do"
#--------------------------------------------------------------------------
"${PSQL[@]}" -d demo <<'SQL'
\pset tuples_only on
\pset format unaligned
-- Helpers for this demo.  They run as the calling role (demo_app), so the
-- row-level security policies decide what they see, except demo.apps() and
-- demo.header(), which read the org's apps and teams to describe the user.

CREATE FUNCTION demo.sees() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; n bigint; out text[] := '{}';
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'example'::regnamespace AND c.relkind IN ('r', 'v')
              ORDER BY c.relname LOOP
        EXECUTE format('SELECT count(*) FROM example.%I', r.relname) INTO n;
        IF n > 0 THEN out := out || format('%s %s', r.relname, n); END IF;
    END LOOP;
    RETURN coalesce(nullif(array_to_string(out, ', '), ''), '(nothing)');
END $$;

CREATE FUNCTION demo.apps() RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE r record; perms text[]; total int;
BEGIN
    SELECT count(*) INTO total FROM orgs.permissions WHERE scope = 'app';
    FOR r IN SELECT o.org_id || '/' || a.app_id AS name FROM orgs.apps a
               JOIN orgs.organizations o ON o.id = a.org_id ORDER BY a.id LOOP
        perms := orgs.app_permissions(orgs.current_user_handle(), r.name);
        RETURN NEXT format('  %-22s %s', r.name,
            CASE WHEN cardinality(perms) = 0 THEN 'no access'
                 WHEN cardinality(perms) = total THEN format('all %s permissions', total)
                 WHEN cardinality(perms) <= 6 THEN array_to_string(perms, ', ')
                 ELSE format('%s of %s permissions, e.g. %s', cardinality(perms), total,
                             array_to_string(perms[1:5], ', ')) END);
    END LOOP;
END $$;

CREATE FUNCTION demo.org_perms() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(p.name, ', ' ORDER BY p.name), '(none)')
      FROM orgs.permissions p
     WHERE p.scope = 'org' AND orgs.has_org_permission('clarifai-demo', p.name) $$;

-- Try a statement and roll it back: "ok" with the row count, or the error.
CREATE FUNCTION demo.try(what text, stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    BEGIN
        IF stmt ~* '^\s*select' THEN EXECUTE stmt INTO n;
        ELSE EXECUTE stmt; GET DIAGNOSTICS n = ROW_COUNT; END IF;
        RAISE EXCEPTION USING ERRCODE = 'DEMO0', MESSAGE = n::text;
    EXCEPTION
        WHEN SQLSTATE 'DEMO0' THEN
            RETURN format('  %-9s %s%s', CASE WHEN SQLERRM = '0' THEN 'no rows' ELSE 'yes' END, what,
                          CASE WHEN stmt ~* '^\s*select' OR SQLERRM = '0' THEN ''
                               ELSE format(' (%s row%s)', SQLERRM, CASE WHEN SQLERRM = '1' THEN '' ELSE 's' END) END);
        WHEN OTHERS THEN
            RETURN format('  %-9s %s%s  ERROR %s: %s', 'REFUSED', what, E'\n           ', SQLSTATE, SQLERRM);
    END;
END $$;

CREATE FUNCTION demo.why(who text, perm text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT format('  %s %s on vision? %s via %s: %s', who, perm,
                  CASE WHEN e.granted THEN 'yes,' ELSE 'no,' END, e.via, e.detail)
      FROM orgs.explain_app_permission(who, 'clarifai-demo/vision', perm) e $$;

CREATE FUNCTION demo.header(who text) RETURNS text LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
    SELECT format(E'\n----------------------------------------------------------------------\n %s %s (%s): %s%s\n----------------------------------------------------------------------',
                  u.first_name, u.last_name, u.handle, m.role,
                  coalesce((SELECT CASE count(*) WHEN 1 THEN ' in team ' ELSE ' in teams ' END
                                   || string_agg(format('"%s" (%s on vision)', t.team_id, ta.permission), ', ')
                                            FROM orgs.team_members tm JOIN orgs.teams t ON t.id = tm.team_id
                                            JOIN orgs.team_apps ta ON ta.team_id = t.id
                                           WHERE tm.user_id = u.id), ''))
      FROM orgs.users u JOIN orgs.members m ON m.user_id = u.id
     WHERE u.handle = who $$;

SET ROLE demo_app;

\echo 'Every action below is tried and rolled back, so each user sees the same data.'
\echo '"sees" counts the rows of the reference schema visible to the user.'

-- ada ---------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('ada') \g /dev/null
SELECT demo.header('ada');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('invite a new member', $$SELECT count(*) FROM orgs.invite('clarifai-demo', 'sam@example.com', 'org_user')$$);
SELECT demo.try('delete the app nlp', $$SELECT count(*) FROM (SELECT orgs.delete_app('clarifai-demo/nlp')) s$$);
SELECT demo.try('leave the org (she is its only admin)', $$SELECT count(*) FROM (SELECT orgs.leave_org('clarifai-demo')) s$$);
SELECT 'why:'; SELECT demo.why('ada', 'app.delete');
COMMIT;

-- felix -------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('felix') \g /dev/null
SELECT demo.header('felix');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('raise the monthly budget', $$UPDATE example.budgets SET monthly_limit_usd = 800$$);
SELECT demo.try('list the models of vision', $$SELECT count(*) FROM example.models$$);
SELECT demo.try('create a model in vision', $$INSERT INTO example.models (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'x')$$);
COMMIT;

-- olga --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('olga') \g /dev/null
SELECT demo.header('olga');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('create an app', $$SELECT count(*) FROM (SELECT orgs.create_app('clarifai-demo', 'audio')) s$$);
SELECT demo.try('add uma to the team "leads"', $$SELECT count(*) FROM (SELECT orgs.add_team_member('clarifai-demo', 'leads', 'uma')) s$$);
SELECT demo.try('invite a new member', $$SELECT count(*) FROM orgs.invite('clarifai-demo', 'sam@example.com', 'org_user')$$);
COMMIT;

-- uma ---------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('uma') \g /dev/null
SELECT demo.header('uma');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('read model metrics', $$SELECT count(*) FROM example.model_metrics$$);
SELECT demo.try('rename the model general-image', $$UPDATE example.models SET name = 'general' WHERE name = 'general-image'$$);
SELECT demo.try('create a model in vision', $$INSERT INTO example.models (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'x')$$);
SELECT 'why:'; SELECT demo.why('uma', 'models.create');
COMMIT;

-- ivan --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('ivan') \g /dev/null
SELECT demo.header('ivan');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('scale the nodepool a10g', $$UPDATE example.nodepools SET max_nodes = 8$$);
SELECT demo.try('scale the deployment', $$UPDATE example.deployments SET replicas = 3$$);
SELECT demo.try('create a workflow in vision', $$INSERT INTO example.workflows (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'x')$$);
COMMIT;

-- tina --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('tina') \g /dev/null
SELECT demo.header('tina');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('create a model in vision', $$INSERT INTO example.models (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'x')$$);
SELECT demo.try('make the model face-detector public', $$UPDATE example.models SET visibility = 'public' WHERE name = 'face-detector'$$);
SELECT demo.try('create a model in nlp', $$INSERT INTO example.models (app_id, name) VALUES (demo.app('clarifai-demo/nlp'), 'x')$$);
SELECT demo.try('delete the app vision', $$SELECT count(*) FROM (SELECT orgs.delete_app('clarifai-demo/vision')) s$$);
SELECT 'why:'; SELECT demo.why('tina', 'app.delete');
COMMIT;

-- mark --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('mark') \g /dev/null
SELECT demo.header('mark');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'tries:';
SELECT demo.try('train general-image again', $$INSERT INTO example.model_versions (app_id, model_id, version) SELECT app_id, id, 2 FROM example.models WHERE name = 'general-image'$$);
SELECT demo.try('deploy face-detector', $$INSERT INTO example.deployments (org_id, app_id, model_id, nodepool_id) SELECT n.org_id, m.app_id, m.id, n.id FROM example.models m, example.nodepools n WHERE m.name = 'face-detector'$$);
SELECT demo.try('create a workflow in vision', $$INSERT INTO example.workflows (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'x')$$);
SELECT 'why:'; SELECT demo.why('mark', 'models.train'); SELECT demo.why('mark', 'workflows.create');
COMMIT;

-- lena --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('lena') \g /dev/null
SELECT demo.header('lena');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'her team mates (team_members.view):';
SELECT format('  %s: %s %s (%s)', team_id, first_name, last_name, user_handle) FROM example.team_member_names ORDER BY 1;
SELECT 'tries:';
SELECT demo.try('add the concept "bird"', $$INSERT INTO example.concepts (app_id, name) VALUES (demo.app('clarifai-demo/vision'), 'bird')$$);
SELECT demo.try('review walt''s annotation', $$INSERT INTO example.annotation_reviews (app_id, annotation_id, verdict, feedback) SELECT app_id, id, 'accepted', 'Nice box.' FROM example.annotations$$);
SELECT demo.try('upload an input', $$INSERT INTO example.inputs (app_id, url) VALUES (demo.app('clarifai-demo/vision'), 'https://data.example/new.jpg')$$);
COMMIT;

-- walt --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('walt') \g /dev/null
SELECT demo.header('walt');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'his tasks:';
SELECT format('  %s [%s, %s%%]: %s Guidelines: %s', name, status, progress, instructions, guidelines) FROM example.tasks;
SELECT 'tries:';
SELECT demo.try('annotate an input of his task', $$INSERT INTO example.annotations (app_id, input_id, concept_id) SELECT i.app_id, i.id, c.id FROM example.inputs i, example.concepts c$$);
SELECT demo.try('report progress', $$INSERT INTO example.task_events (app_id, task_id, kind, detail) SELECT app_id, id, 'progress', 'done' FROM example.tasks$$);
SELECT demo.try('rewrite the task''s instructions', $$UPDATE example.tasks SET instructions = 'Skip the cats.'$$);
SELECT 'why:'; SELECT demo.why('walt', 'tasks.work'); SELECT demo.why('walt', 'tasks.view');
COMMIT;

-- nina --------------------------------------------------------------------
BEGIN; SELECT orgs.act_as('nina') \g /dev/null
SELECT demo.header('nina');
SELECT 'org permissions: ' || demo.org_perms();
SELECT 'apps:'; SELECT demo.apps();
SELECT 'sees: ' || demo.sees();
SELECT 'her tasks:';
SELECT format('  %s [%s, %s%%]: %s Guidelines: %s', name, status, progress, instructions, guidelines) FROM example.tasks;
SELECT 'tries:';
SELECT demo.try('annotate an input of walt''s task, by its key', $$INSERT INTO example.annotations (app_id, input_id) VALUES (demo.app('clarifai-demo/vision'), demo.input('https://data.example/pets/1.jpg'))$$);
SELECT demo.try('change walt''s annotation', $$UPDATE example.annotations SET value = '{}'$$);
COMMIT;

-- Access review ----------------------------------------------------------
BEGIN; SELECT orgs.act_as('ada') \g /dev/null
\echo
\echo '----------------------------------------------------------------------'
\echo ' Access review (as ada): who can edit models in vision, and through what'
\echo '----------------------------------------------------------------------'
SELECT format('  %-6s %s', user_handle, via) FROM orgs.who_can('clarifai-demo/vision', 'models.edit');
COMMIT;
SQL

if [ "${KEEP:-0}" = 1 ]; then
	say "The cluster keeps running"
	echo "connect:  $PG_BINDIR/psql -h $TMP -p $PORT -U postgres -d demo"
	echo "          (then: SET ROLE demo_app; BEGIN; SELECT orgs.act_as('walt'); TABLE example.tasks;)"
	if [ ${#AS_PG[@]} -gt 0 ]; then
		echo "stop:     ${AS_PG[*]} $PG_BINDIR/pg_ctl -D $TMP/data stop && rm -rf $TMP"
	else
		echo "stop:     $PG_BINDIR/pg_ctl -D $TMP/data stop && rm -rf $TMP"
	fi
else
	say "6. Stopping and removing the cluster (KEEP=1 keeps it)"
fi
