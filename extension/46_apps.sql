--------------------------------------------------------------------------
-- Apps (docs/reference.md)
--------------------------------------------------------------------------
--
-- An app is owned by a user (a personal app: its owner holds everything on
-- it, nobody else anything) or by an organization.  Apps are named in text
-- as 'owner/app_id'.  A personal app, or an org app, can be transferred
-- into an organization (app.transfer on the app, apps.create in the
-- organization), optionally with a new app ID; its team grants in the old
-- organization go with the move (trigger app_owner_change).  update_app
-- changes its ID, description, notes and is_public, each under its own
-- permission; the key (orgs.apps.id) never changes, so rows keyed to the
-- app in application tables stay with it.

CREATE OR REPLACE FUNCTION orgs.create_app(owner text, app_id text, description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_handle text := orgs.current_user_handle();
    v_org bigint;
    v_owner_name text;
    v_id bigint;
BEGIN
    PERFORM orgs_internal.check_identifier('app ID', app_id);
    IF length(description) > 2000 THEN
        RAISE EXCEPTION 'app description too long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A description has at most 2000 characters, notes at most 20000.';
    END IF;
    IF lower(owner) = lower(v_handle) THEN
        v_owner_name := v_handle;               -- a personal app
    ELSE
        v_org := CASE WHEN owner IS NULL THEN NULL ELSE orgs.lookup_org(owner) END;
        -- another user's handle gets the error of a name that is nobody's
        IF v_org IS NULL OR NOT COALESCE(orgs.has_org_permission(v_org, 'org.view'), false) THEN
            RAISE EXCEPTION 'owner "%" does not exist', owner
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'The owner of an app is the acting user or an organization of the acting user.';
        END IF;
        PERFORM orgs_internal.require_org_permission(v_org, 'apps.create', 'create apps in organization %s');
        -- the org's row, locked now as the app's foreign key would lock it:
        -- an org that delete_org removed meanwhile is a missing owner here,
        -- not a foreign key error (delete_org locks the row before it counts
        -- the org's apps, so it waits for this transaction and counts the app)
        PERFORM FROM orgs.organizations o WHERE o.id = v_org FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'owner "%" does not exist', owner
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'The owner of an app is the acting user or an organization of the acting user.';
        END IF;
        v_owner_name := orgs_internal.org_name(v_org);
    END IF;
    BEGIN
        INSERT INTO orgs.apps AS a (org_id, owner_user_id, app_id, description, created_by)
        VALUES (v_org, CASE WHEN v_org IS NULL THEN v_actor END, create_app.app_id,
                create_app.description, v_actor)
        RETURNING a.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%/%" already exists', v_owner_name, app_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'App IDs are unique within their owner, compared without regard to case.';
    END;
    PERFORM orgs_internal.write_audit(v_org, 210, 'app_created', orgs_internal.app_name(v_id),
                             jsonb_build_object('app_id', v_id, 'personal', v_org IS NULL,
                                                'description', description));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_app(text, text, text) IS
    'Create an app owned by the acting user (owner = own handle) or by an organization where the acting user holds apps.create.';

CREATE OR REPLACE FUNCTION orgs.transfer_app(app text, to_org text, new_app_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_app bigint;
    v_row orgs.apps;
    v_org bigint;
    v_old_name text;
    v_new_id text;
    v_grants jsonb;
BEGIN
    IF new_app_id IS NOT NULL THEN
        PERFORM orgs_internal.check_identifier('app ID', new_app_id);
    END IF;
    v_app := orgs_internal.resolve_app(app);
    SELECT a.* INTO v_row FROM orgs.apps a WHERE a.id = v_app FOR UPDATE;
    IF NOT FOUND THEN               -- deleted while we looked it up
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT COALESCE(orgs.has_app_permission(v_app, 'app.transfer'), false) THEN
        RAISE EXCEPTION 'permission denied to transfer app "%"', orgs_internal.app_name(v_app)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This requires permission "app.transfer" on the app.';
    END IF;
    v_org := orgs_internal.visible_org(to_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'apps.create', 'transfer apps into organization %s');
    -- as in create_app: an org deleted meanwhile is missing, not a foreign
    -- key error
    PERFORM FROM orgs.organizations o WHERE o.id = v_org FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization "%" does not exist', to_org USING ERRCODE = 'undefined_object';
    END IF;
    IF v_row.org_id = v_org THEN
        RAISE EXCEPTION 'app "%" already belongs to organization "%"', orgs_internal.app_name(v_app), orgs_internal.org_name(v_org)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_old_name := orgs_internal.app_name(v_app);
    v_new_id := COALESCE(new_app_id, v_row.app_id::text);
    SELECT COALESCE(jsonb_agg(jsonb_build_object('team', t.team_id::text, 'permission', ta.permission)
                              ORDER BY t.team_key), '[]') INTO v_grants
      FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
     WHERE ta.app_id = v_app;
    BEGIN
        -- the trigger app_owner_change drops the old team grants
        UPDATE orgs.apps a SET org_id = v_org, owner_user_id = NULL, app_id = v_new_id
         WHERE a.id = v_app;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%/%" already exists', orgs_internal.org_name(v_org), v_new_id
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Pass new_app_id to give the app another ID in the organization.';
    END;
    PERFORM orgs_internal.write_audit(v_org, 211, 'app_transferred_in', orgs_internal.app_name(v_app),
                             jsonb_build_object('app_id', v_app, 'from', v_old_name));
    -- the giving side: its org, or (org_id NULL) the owner of a personal app
    PERFORM orgs_internal.write_audit(v_row.org_id, 212, 'app_transferred_out', v_old_name,
                             jsonb_build_object('app_id', v_app, 'to', orgs_internal.app_name(v_app),
                                                'dropped_team_grants', v_grants));
END;
$$;
COMMENT ON FUNCTION orgs.transfer_app(text, text, text) IS
    'Move an app into an organization (app.transfer on the app, apps.create in the organization), optionally with a new app ID; its old team grants go.';

CREATE OR REPLACE FUNCTION orgs.delete_app(app text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_app bigint := orgs_internal.resolve_app(app);
    v_row orgs.apps;
    v_name text;
    v_grants jsonb;
BEGIN
    SELECT a.* INTO v_row FROM orgs.apps a WHERE a.id = v_app FOR UPDATE;
    IF NOT FOUND THEN               -- deleted while we looked it up
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    v_name := orgs_internal.app_name(v_app);
    IF NOT COALESCE(orgs.has_app_permission(v_app, 'app.delete'), false) THEN
        RAISE EXCEPTION 'permission denied to delete app "%"', v_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This requires permission "app.delete" on the app.';
    END IF;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('team', t.team_id::text, 'permission', ta.permission)
                              ORDER BY t.team_key), '[]') INTO v_grants
      FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
     WHERE ta.app_id = v_app;
    DELETE FROM orgs.apps a WHERE a.id = v_app;     -- team grants cascade
    PERFORM orgs_internal.write_audit(v_row.org_id, 213, 'app_deleted', v_name,
                             jsonb_build_object('app_id', v_app, 'dropped_team_grants', v_grants));
END;
$$;
COMMENT ON FUNCTION orgs.delete_app(text) IS 'Delete an app and its team grants (app.delete).';

CREATE OR REPLACE FUNCTION orgs.update_app(app text, new_app_id text DEFAULT NULL,
                                description text DEFAULT NULL, notes text DEFAULT NULL,
                                is_public boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_app bigint;
    v_row orgs.apps;
    v_name text;
    v_changes jsonb := '{}';
    v_need record;
BEGIN
    IF new_app_id IS NOT NULL THEN
        PERFORM orgs_internal.check_identifier('app ID', new_app_id);
    END IF;
    IF length(description) > 2000 OR length(notes) > 20000 THEN
        RAISE EXCEPTION 'app % too long', CASE WHEN length(description) > 2000 THEN 'description' ELSE 'notes' END
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A description has at most 2000 characters, notes at most 20000.';
    END IF;
    v_app := orgs_internal.resolve_app(app);
    SELECT a.* INTO v_row FROM orgs.apps a WHERE a.id = v_app FOR UPDATE;
    IF NOT FOUND THEN               -- deleted while we looked it up
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    v_name := orgs_internal.app_name(v_app);
    -- all or nothing: every permission first
    FOR v_need IN SELECT x.what, x.perm FROM (VALUES
            (new_app_id IS NOT NULL, 'change the ID of', 'app.edit_id'),
            (description IS NOT NULL, 'edit the description of', 'app.edit_description'),
            (notes IS NOT NULL, 'edit the notes of', 'app.edit_notes'),
            (is_public IS NOT NULL, 'change the visibility of', 'app.visibility')) AS x(given, what, perm)
        WHERE x.given LOOP
        IF NOT COALESCE(orgs.has_app_permission(v_app, v_need.perm), false) THEN
            RAISE EXCEPTION 'permission denied to % app "%"', v_need.what, v_name
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('This requires permission "%s" on the app.', v_need.perm);
        END IF;
    END LOOP;
    IF new_app_id IS NOT NULL AND new_app_id IS DISTINCT FROM v_row.app_id::text THEN
        v_changes := v_changes || jsonb_build_object('app_id', jsonb_build_object('old', v_row.app_id, 'new', new_app_id));
    END IF;
    IF description IS NOT NULL AND description IS DISTINCT FROM v_row.description THEN
        v_changes := v_changes || jsonb_build_object('description', jsonb_build_object('old', v_row.description, 'new', description));
    END IF;
    IF notes IS NOT NULL AND notes IS DISTINCT FROM v_row.notes THEN
        v_changes := v_changes || jsonb_build_object('notes', jsonb_build_object('old', v_row.notes, 'new', notes));
    END IF;
    IF is_public IS NOT NULL AND is_public IS DISTINCT FROM v_row.is_public THEN
        v_changes := v_changes || jsonb_build_object('is_public', jsonb_build_object('old', v_row.is_public, 'new', is_public));
    END IF;
    IF v_changes = '{}' THEN
        RETURN;                     -- nothing changes, nothing to log
    END IF;
    BEGIN
        UPDATE orgs.apps a
           SET app_id = COALESCE(update_app.new_app_id, a.app_id),
               description = COALESCE(update_app.description, a.description),
               notes = COALESCE(update_app.notes, a.notes),
               is_public = COALESCE(update_app.is_public, a.is_public)
         WHERE a.id = v_app;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%" already exists',
                        split_part(v_name, '/', 1) || '/' || new_app_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'App IDs are unique within their owner, compared without regard to case.';
    END;
    PERFORM orgs_internal.write_audit(v_row.org_id, 214, 'app_updated', orgs_internal.app_name(v_app),
                             jsonb_build_object('app_id', v_app, 'changes', v_changes));
END;
$$;
COMMENT ON FUNCTION orgs.update_app(text, text, text, text, boolean) IS
    'Change an app''s ID (app.edit_id), description (app.edit_description), notes (app.edit_notes) or is_public (app.visibility); each argument given needs its permission, all or nothing; the app''s key stays.';
