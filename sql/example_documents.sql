--
-- example_documents: the second example of the README ("Defining your own
-- model"): a document editor, a different product on the same engine.
-- Its model is loaded as one document into a fresh database; its table of
-- documents is protected with orgs.protect_table; what each user sees and
-- may write follows the model.
--
\set SHOW_CONTEXT never
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_documents;
\c regress_documents
CREATE EXTENSION pg_orgs;

-- The model: workspaces are the "apps"; documents.read/write/share are the
-- product's permissions, next to the ones pg_orgs's own functions check.
SELECT count(*) AS changes FROM orgs.load_model($model$
{
  "permissions": {
    "org": {
      "org.view": "See the organization.", "org.edit": "Rename the organization.",
      "org.delete": "Delete the organization.", "members.view": "List members.",
      "members.manage": "Invite, re-role and remove members.", "teams.view": "List teams.",
      "teams.manage": "Create and delete teams.", "teams.manage_members": "Change team members.",
      "teams.manage_apps": "Give teams workspaces.", "apps.create": "Create workspaces.",
      "audit.view": "Read the audit log."
    },
    "app": {
      "app.view": "Open the workspace.", "app.edit_id": "Rename the workspace.",
      "app.edit_description": "Describe the workspace.", "app.edit_notes": "Edit the workspace notes.",
      "app.visibility": "Make the workspace public or private.", "app.delete": "Delete the workspace.",
      "app.transfer": "Move the workspace to another owner.",
      "team_members.view": "See the names of one's team mates.",
      "documents.read": "Read the workspace's documents.",
      "documents.write": "Create, edit and delete documents.",
      "documents.share": "Share documents outside the organization."
    }
  },
  "roles": {
    "admin": {"description": "Owns the organization."},
    "editor": {"description": "Writes in every workspace.",
               "org": ["org.view", "members.view", "teams.view", "apps.create"],
               "baseline": ["app.view", "documents.read", "documents.write"],
               "ceiling": ["app.view", "documents.read", "documents.write", "documents.share"]},
    "viewer": {"description": "Reads every workspace; writes where a team lets them.",
               "org": ["org.view", "members.view"],
               "baseline": ["app.view", "documents.read"],
               "ceiling": ["app.view", "documents.read", "documents.write"]}
  },
  "levels": {
    "reader": {"description": "Reads.", "permissions": ["app.view", "documents.read"]},
    "writer": {"description": "Reads and writes.", "permissions": ["app.view", "documents.read", "documents.write"]},
    "publisher": {"description": "Reads, writes and shares.",
                  "permissions": ["app.view", "documents.read", "documents.write", "documents.share"]}
  },
  "implications": []
}
$model$);
SELECT name FROM orgs.roles ORDER BY 1;
SELECT name FROM orgs.team_levels ORDER BY 1;

-- The product's table, guarded by the model.
CREATE TABLE public.documents (
    id           bigserial PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES orgs.apps (id),
    title        text NOT NULL
);
CREATE INDEX ON public.documents (workspace_id);
SELECT orgs.protect_table('public.documents', 'workspace_id',
                          select_permission => 'documents.read',
                          insert_permission => 'documents.write',
                          update_permission => 'documents.write',
                          delete_permission => 'documents.write');
CREATE ROLE regress_docs_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_docs_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.documents TO regress_docs_app;
GRANT USAGE ON SEQUENCE public.documents_id_seq TO regress_docs_app;

-- ada owns the organization; ed edits; vic and tom read, and tom's team
-- writes in the handbook.  (Members join by invitation: the token goes by
-- mail to the invitee, who accepts it.)
CREATE FUNCTION pg_temp.join(handle text, role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tok text;
BEGIN
    PERFORM orgs.act_as('ada', false);
    SELECT i.token INTO tok FROM orgs.invite('acme', handle || '@example.com', role) i;
    PERFORM orgs.act_as(handle, false);
    PERFORM orgs.accept_invitation(tok);
    PERFORM orgs.act_as(NULL, false);
END;
$$;
SELECT count(orgs.register_user(h, h || '@example.com')) FROM unnest(ARRAY['ada', 'ed', 'vic', 'tom']) h;
SELECT orgs.act_as('ada', false);
SELECT orgs.create_org('acme', 'Acme') IS NOT NULL AS org;
SELECT orgs.create_app('acme', 'handbook') IS NOT NULL AS workspace;
SELECT orgs.create_app('acme', 'board') IS NOT NULL AS workspace;
SELECT pg_temp.join('ed', 'editor'), pg_temp.join('vic', 'viewer'), pg_temp.join('tom', 'viewer');
SELECT orgs.act_as('ada', false);
SELECT orgs.create_team('acme', 'authors', 'Authors', 'writer') IS NOT NULL AS team;
SELECT orgs.add_team_member('acme', 'authors', 'tom');
SELECT orgs.add_team_app('acme', 'authors', 'acme/handbook');
INSERT INTO public.documents (workspace_id, title)
VALUES (orgs.lookup_app('acme/handbook'), 'Welcome'), (orgs.lookup_app('acme/board'), 'Minutes');
SELECT orgs.act_as(NULL, false);

-- What each of them may do, as the application's role.
CREATE FUNCTION pg_temp.may(who text, OUT reads text, OUT writes_handbook boolean,
                            OUT writes_board boolean, OUT shares_handbook boolean)
LANGUAGE sql AS $$
    SELECT orgs.act_as(who, false);
    SELECT (SELECT string_agg(title, ', ' ORDER BY title) FROM public.documents),
           orgs.has_app_permission(orgs.lookup_app('acme/handbook'), 'documents.write'),
           orgs.has_app_permission(orgs.lookup_app('acme/board'), 'documents.write'),
           orgs.has_app_permission(orgs.lookup_app('acme/handbook'), 'documents.share');
$$;
SET ROLE regress_docs_app;
SELECT h AS member, m.* FROM unnest(ARRAY['ada', 'ed', 'vic', 'tom']) h, LATERAL pg_temp.may(h) m;
SELECT orgs.act_as('tom', false);
INSERT INTO public.documents (workspace_id, title) VALUES (orgs.lookup_app('acme/handbook'), 'Style guide');
INSERT INTO public.documents (workspace_id, title) VALUES (orgs.lookup_app('acme/board'), 'Budget');
UPDATE public.documents SET workspace_id = orgs.lookup_app('acme/board') WHERE title = 'Style guide';
SELECT orgs.act_as('vic', false);
DELETE FROM public.documents WHERE title = 'Welcome';
SELECT count(*) AS still_there FROM public.documents WHERE title = 'Welcome';
SELECT orgs.act_as(NULL, false);
RESET ROLE;

\c :regress_db
DROP DATABASE regress_documents;
DROP ROLE regress_docs_app;
