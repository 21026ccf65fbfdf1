--------------------------------------------------------------------------
-- Invitations (docs/reference.md)
--------------------------------------------------------------------------
--
-- An admin (members.manage) invites an e-mail address with a role.  The
-- token, 32 random bytes in base64url, is returned once by orgs.invite and
-- only its SHA-256 is stored.  The invitee is told twice:
--   - a row in orgs.notifications, addressed by user key when the address
--     belongs to an account and always by e-mail, so that a person who
--     registers later sees it too;
--   - NOTIFY on channel orgs_events, which PostgreSQL delivers after commit
--     (never after a rollback).  Any role can LISTEN on any channel, so the
--     payload is only the key of the new orgs.notifications row:
--     {"notification_id": 42}.  Every row of orgs.notifications is
--     announced so (trigger notification_notify).  The addressee reads the
--     row through row-level security; a mail sender, running as a role the
--     DBA granted EXECUTE on orgs.notification_for_delivery(), reads the
--     rest (event, addressee's e-mail and handle, organization, payload).
--     Notifications: invitation (to the invitee), invitation_rescinded (to
--     the invitee), invitation_accepted (to the invitee), member_joined
--     and invitation_declined (to the inviter).
--
-- Errors:
--   - by token, an unknown, used, declined, rescinded, expired or foreign
--     token (addressed to another e-mail) is always the same error:
--     22023 'invitation token is invalid';
--   - by id, an invitation the acting user may not see (neither its invitee
--     nor holding members.manage in its org) does not exist (42704); one
--     addressed to someone else is 42501; one that is no longer pending
--     (or is past its expiry) is 55000.
--
-- Expiry: a pending invitation past expires_at is expired.  Its state
-- column is set to 'expired' lazily: before the same e-mail is invited to
-- the same org again, and by orgs.expire_invitations() (for a periodic
-- job).  Until then the views (orgs.my_invitations, orgs.org_invitations)
-- report the effective state and no function accepts it.

CREATE OR REPLACE FUNCTION orgs.current_user_email()
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT u.email::text FROM orgs.users u WHERE u.id OPERATOR(pg_catalog.=) orgs.current_user_id());
END;
COMMENT ON FUNCTION orgs.current_user_email() IS
    'The acting user''s e-mail address, or NULL (used by the invitation and notification policies).';

-- The state an invitation really is in: pending past its expiry is expired.
CREATE OR REPLACE FUNCTION orgs.invitation_effective_state(state orgs.invitation_state, expires_at timestamptz)
RETURNS orgs.invitation_state
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN state OPERATOR(pg_catalog.=) 'pending'::orgs.invitation_state
                 AND expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
            THEN 'expired'::orgs.invitation_state ELSE state END;
COMMENT ON FUNCTION orgs.invitation_effective_state(orgs.invitation_state, timestamptz) IS
    'The state of an invitation, counting a pending invitation past its expiry as expired.';

-- Announce every new notification on orgs_events (delivered at commit):
-- its key only, so that a stranger listening learns nothing.  On a Citus
-- cluster (orgs.notifications a reference table) the row is written on
-- every node; only the node that runs the transaction announces it: a
-- worker's part of a distributed transaction is prepared (two-phase
-- commit), and a prepared transaction cannot NOTIFY.  Listen on the
-- coordinator.
CREATE OR REPLACE FUNCTION orgs_internal.trg_notification_notify()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.current_setting('application_name') NOT LIKE 'citus\_%' THEN
        PERFORM pg_notify('orgs_events', jsonb_build_object('notification_id', NEW.id)::text);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_notification_notify() IS
    'Internal: NOTIFY orgs_events with the key of a new notification, and nothing else (any role may listen).';
REVOKE ALL ON FUNCTION orgs_internal.trg_notification_notify() FROM PUBLIC;

CREATE OR REPLACE TRIGGER notification_notify AFTER INSERT ON orgs.notifications
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_notification_notify();
COMMENT ON TRIGGER notification_notify ON orgs.notifications IS
    'Announces each new notification on channel orgs_events (payload: its key).';

-- What a mail sender needs to deliver one notification.
CREATE OR REPLACE FUNCTION orgs.notification_for_delivery(notification_id bigint)
RETURNS TABLE(event text, email text, user_handle text, org_id text, payload jsonb,
              created_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT n.event, COALESCE(n.email::text, u.email::text), u.handle::text, o.org_id::text,
           n.payload, n.created_at
      FROM orgs.notifications n
      LEFT JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) n.user_id
      LEFT JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) n.org_id
     WHERE n.id OPERATOR(pg_catalog.=) notification_for_delivery.notification_id;
END;
COMMENT ON FUNCTION orgs.notification_for_delivery(bigint) IS
    'For a mail sender: the event, addressee (e-mail and handle), organization and payload of a notification announced on orgs_events. EXECUTE is granted by the DBA to the sender''s role only.';
REVOKE ALL ON FUNCTION orgs.notification_for_delivery(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.invite(org_id text, email text, role orgs.org_role,
                            valid_for interval DEFAULT '7 days')
RETURNS TABLE(invitation_id bigint, token text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_email text := orgs_internal.clean_email(email);
    v_now timestamptz := now();
    v_expires timestamptz;
    v_org bigint;
    v_token text;
    v_id bigint;
    v_invitee bigint;
    v_constraint text;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_expires := v_now + COALESCE(valid_for, interval '7 days');
    IF v_expires <= v_now OR v_expires > v_now + interval '30 days' THEN
        RAISE EXCEPTION 'invalid invitation validity: "%"', valid_for
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An invitation is valid for more than zero and at most 30 days.';
    END IF;
    v_org := orgs_internal.visible_org(org_id);
    -- an invitation is a membership to be: it serializes with the org's
    -- membership changes (a concurrent demotion of the inviter is seen)
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'invite members in organization %s');
    PERFORM orgs_internal.require_role_within_actor(v_org, role, 'invite with');

    SELECT u.id INTO v_invitee FROM orgs.users u WHERE u.email_key = orgs.email_key(v_email);
    IF v_invitee IS NOT NULL
       AND EXISTS (SELECT 1 FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_invitee) THEN
        RAISE EXCEPTION 'user with e-mail address "%" is already a member of organization "%"',
                        v_email, orgs_internal.org_name(v_org)
            USING ERRCODE = 'duplicate_object';
    END IF;

    -- an earlier invitation of the same address that ran out is expired now
    UPDATE orgs.invitations i SET state = 'expired', decided_at = v_now
     WHERE i.org_id = v_org AND i.email_key = orgs.email_key(v_email)
       AND i.state = 'pending' AND i.expires_at <= v_now;

    v_token := orgs_internal.generate_token();
    PERFORM orgs_internal.lock_role(v_org, role, 'invite with');
    BEGIN
        INSERT INTO orgs.invitations AS i (org_id, email, role, token_hash, invited_by, created_at, expires_at)
        VALUES (v_org, v_email, invite.role, orgs_internal.hash_token(v_token), v_actor, v_now, v_expires)
        RETURNING i.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
        IF v_constraint = 'invitations_one_pending' THEN
            RAISE EXCEPTION 'a pending invitation for "%" to organization "%" already exists',
                            v_email, orgs_internal.org_name(v_org)
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Rescind it before sending a new one.';
        END IF;
        RAISE;
    END;

    INSERT INTO orgs.notifications AS n (user_id, email, org_id, event, payload)
    VALUES (v_invitee, v_email, v_org, 'invitation',
            jsonb_build_object('invitation_id', v_id, 'org_id', v_org,
                               'org', orgs_internal.org_name(v_org), 'role', role,
                               'invited_by', orgs.current_user_handle(),
                               'expires_at', v_expires));
    PERFORM orgs_internal.write_audit(v_org, 103, 'invitation_created', v_email,
                             jsonb_build_object('invitation_id', v_id, 'role', role, 'expires_at', v_expires));
    invitation_id := v_id;
    token := v_token;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION orgs.invite(text, text, orgs.org_role, interval) IS
    'Invite an e-mail address to the organization with a role (members.manage); returns the token once, valid for at most 30 days.';

-- The invitation, locked FOR UPDATE (all NULL when there is none), after
-- the rows it refers to, locked FOR KEY SHARE: its organization and its
-- role.  Rescinding,
-- accepting and declining lock the invitation and then write rows that
-- reference the org (notifications, the membership), whose foreign keys
-- lock the org's row; delete_org locks that row and then deletes the org's
-- invitations.  Accepting also writes a membership that references the
-- role, and rename_role updates the role's row and then, through the
-- cascade, the invitation.  Locked in this order (the order invite,
-- delete_org and rename_role use), a deletion or a rename waits for the
-- decision (or has changed the invitation when we get to it) instead of
-- deadlocking with it.
CREATE OR REPLACE FUNCTION orgs_internal.lock_invitation(invitation_id bigint)
RETURNS orgs.invitations
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_inv orgs.invitations;
BEGIN
    SELECT i.* INTO v_inv FROM orgs.invitations i WHERE i.id = lock_invitation.invitation_id;
    PERFORM FROM orgs.organizations o WHERE o.id = v_inv.org_id FOR KEY SHARE;
    PERFORM FROM orgs.roles r WHERE r.role_scope = v_inv.role_scope AND r.name = v_inv.role FOR KEY SHARE;
    SELECT i.* INTO v_inv FROM orgs.invitations i WHERE i.id = lock_invitation.invitation_id FOR UPDATE;
    RETURN v_inv;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_invitation(bigint) IS
    'Internal: the invitation, locked FOR UPDATE, after the rows of its organization and role (FOR KEY SHARE).';
REVOKE ALL ON FUNCTION orgs_internal.lock_invitation(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.rescind_invitation(invitation_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_inv orgs.invitations;
    v_invitee bigint;
BEGIN
    v_inv := orgs_internal.lock_invitation(invitation_id);
    -- an invitation is seen only by members.manage holders of its org (and
    -- its invitee, who declines rather than rescinds): to anyone else it
    -- does not exist
    IF v_inv.id IS NULL OR NOT COALESCE(orgs.has_org_permission(v_inv.org_id, 'members.manage'), false) THEN
        RAISE EXCEPTION 'invitation % does not exist', invitation_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF orgs.invitation_effective_state(v_inv.state, v_inv.expires_at) <> 'pending' THEN
        RAISE EXCEPTION 'invitation % is already %', invitation_id,
                        orgs.invitation_effective_state(v_inv.state, v_inv.expires_at)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only a pending invitation can be rescinded.';
    END IF;
    UPDATE orgs.invitations i SET state = 'rescinded', decided_at = now(), decided_by = v_actor
     WHERE i.id = v_inv.id;
    -- (looked up first: Citus takes no sub-query in INSERT ... VALUES)
    SELECT u.id INTO v_invitee FROM orgs.users u WHERE u.email_key = v_inv.email_key;
    INSERT INTO orgs.notifications (user_id, email, org_id, event, payload)
    VALUES (v_invitee, v_inv.email, v_inv.org_id,
            'invitation_rescinded',
            jsonb_build_object('invitation_id', v_inv.id, 'org_id', v_inv.org_id,
                               'org', orgs_internal.org_name(v_inv.org_id), 'role', v_inv.role));
    PERFORM orgs_internal.write_audit(v_inv.org_id, 104, 'invitation_cancelled', v_inv.email::text,
                             jsonb_build_object('invitation_id', v_inv.id, 'role', v_inv.role));
END;
$$;
COMMENT ON FUNCTION orgs.rescind_invitation(bigint) IS
    'Rescind a pending invitation (members.manage in its organization).';

-- Accept or decline an invitation already locked and checked by the caller:
-- it is pending, unexpired and addressed to the acting user.
CREATE OR REPLACE FUNCTION orgs_internal.decide_invitation(inv orgs.invitations, accept boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_handle text := orgs.current_user_handle();
    v_org_name text := orgs_internal.org_name(inv.org_id);
BEGIN
    IF accept THEN
        IF EXISTS (SELECT 1 FROM orgs.members m WHERE m.org_id = inv.org_id AND m.user_id = v_actor) THEN
            RAISE EXCEPTION 'user "%" is already a member of organization "%"', v_handle, v_org_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Decline the invitation instead.';
        END IF;
        UPDATE orgs.invitations i SET state = 'accepted', decided_at = now(), decided_by = v_actor
         WHERE i.id = inv.id;
        BEGIN
            INSERT INTO orgs.members (org_id, user_id, role) VALUES (inv.org_id, v_actor, inv.role);
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'user "%" is already a member of organization "%"', v_handle, v_org_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Decline the invitation instead.';
        END;
        INSERT INTO orgs.notifications (user_id, email, org_id, event, payload)
        VALUES (v_actor, inv.email, inv.org_id, 'invitation_accepted',
                jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                   'org', v_org_name, 'role', inv.role));
        IF inv.invited_by IS NOT NULL AND inv.invited_by <> v_actor THEN
            INSERT INTO orgs.notifications (user_id, org_id, event, payload)
            VALUES (inv.invited_by, inv.org_id, 'member_joined',
                    jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                       'org', v_org_name, 'user', v_handle, 'role', inv.role));
        END IF;
        PERFORM orgs_internal.write_audit(inv.org_id, 105, 'invitation_accepted', inv.email::text,
                                 jsonb_build_object('invitation_id', inv.id, 'role', inv.role, 'user', v_handle));
        PERFORM orgs_internal.write_audit(inv.org_id, 100, 'member_added', v_handle,
                                 jsonb_build_object('role', inv.role, 'via', 'invitation', 'invitation_id', inv.id));
    ELSE
        UPDATE orgs.invitations i SET state = 'declined', decided_at = now(), decided_by = v_actor
         WHERE i.id = inv.id;
        IF inv.invited_by IS NOT NULL AND inv.invited_by <> v_actor THEN
            INSERT INTO orgs.notifications (user_id, org_id, event, payload)
            VALUES (inv.invited_by, inv.org_id, 'invitation_declined',
                    jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                       'org', v_org_name, 'email', inv.email));
        END IF;
        PERFORM orgs_internal.write_audit(inv.org_id, 106, 'invitation_declined', inv.email::text,
                                 jsonb_build_object('invitation_id', inv.id, 'role', inv.role, 'user', v_handle));
    END IF;
    RETURN inv.org_id;
END;
$$;
COMMENT ON FUNCTION orgs_internal.decide_invitation(orgs.invitations, boolean) IS
    'Internal: accept or decline a locked, checked invitation for the acting user.';
REVOKE ALL ON FUNCTION orgs_internal.decide_invitation(orgs.invitations, boolean) FROM PUBLIC;

-- The invitation with this token, locked, if the acting user may use it;
-- otherwise the one error for every bad token.
CREATE OR REPLACE FUNCTION orgs_internal.invitation_by_token(token text)
RETURNS orgs.invitations
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_id bigint;
    v_inv orgs.invitations;
BEGIN
    IF token IS NOT NULL THEN
        SELECT i.id INTO v_id FROM orgs.invitations i
         WHERE i.token_hash = orgs_internal.hash_token(invitation_by_token.token);
        v_inv := orgs_internal.lock_invitation(v_id);
    END IF;
    IF v_inv.id IS NULL
       OR orgs.invitation_effective_state(v_inv.state, v_inv.expires_at) <> 'pending'
       OR v_inv.email_key IS DISTINCT FROM orgs.email_key(orgs.current_user_email()) THEN
        RAISE EXCEPTION 'invitation token is invalid'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The token is unknown, already used, expired, or addressed to another e-mail address.';
    END IF;
    RETURN v_inv;
END;
$$;
COMMENT ON FUNCTION orgs_internal.invitation_by_token(text) IS
    'Internal: the pending invitation of a token, locked, for the acting user; one error for every token that cannot be used.';
REVOKE ALL ON FUNCTION orgs_internal.invitation_by_token(text) FROM PUBLIC;

-- The invitation with this id, locked, if addressed to the acting user.
CREATE OR REPLACE FUNCTION orgs_internal.invitation_by_id(invitation_id bigint)
RETURNS orgs.invitations
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_email text := orgs.email_key(orgs.current_user_email());
    v_inv orgs.invitations;
    v_state orgs.invitation_state;
BEGIN
    v_inv := orgs_internal.lock_invitation(invitation_id);
    IF v_inv.id IS NULL
       OR (v_inv.email_key IS DISTINCT FROM v_email
           AND NOT COALESCE(orgs.has_org_permission(v_inv.org_id, 'members.manage'), false)) THEN
        RAISE EXCEPTION 'invitation % does not exist', invitation_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF v_inv.email_key IS DISTINCT FROM v_email THEN
        RAISE EXCEPTION 'invitation % is not addressed to user "%"', invitation_id, orgs.current_user_handle()
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only the invitee can accept or decline an invitation.';
    END IF;
    v_state := orgs.invitation_effective_state(v_inv.state, v_inv.expires_at);
    IF v_state <> 'pending' THEN
        RAISE EXCEPTION 'invitation % is already %', invitation_id, v_state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only a pending invitation can be accepted or declined.';
    END IF;
    RETURN v_inv;
END;
$$;
COMMENT ON FUNCTION orgs_internal.invitation_by_id(bigint) IS
    'Internal: a pending invitation addressed to the acting user, locked; the error says why otherwise.';
REVOKE ALL ON FUNCTION orgs_internal.invitation_by_id(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.accept_invitation(token text)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN orgs_internal.decide_invitation(orgs_internal.invitation_by_token(token), true);
COMMENT ON FUNCTION orgs.accept_invitation(text) IS
    'Accept an invitation by its token: the acting user joins the organization with the invited role; returns the org''s key.';

CREATE OR REPLACE FUNCTION orgs.accept_invitation(invitation_id bigint)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN orgs_internal.decide_invitation(orgs_internal.invitation_by_id(invitation_id), true);
COMMENT ON FUNCTION orgs.accept_invitation(bigint) IS
    'Accept an invitation addressed to the acting user by its id; returns the org''s key.';

CREATE OR REPLACE FUNCTION orgs.decline_invitation(token text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.decide_invitation(orgs_internal.invitation_by_token(token), false);
END;
$$;
COMMENT ON FUNCTION orgs.decline_invitation(text) IS 'Decline an invitation by its token.';

CREATE OR REPLACE FUNCTION orgs.decline_invitation(invitation_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.decide_invitation(orgs_internal.invitation_by_id(invitation_id), false);
END;
$$;
COMMENT ON FUNCTION orgs.decline_invitation(bigint) IS 'Decline an invitation addressed to the acting user by its id.';

CREATE OR REPLACE FUNCTION orgs.expire_invitations()
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH expired AS (
        UPDATE orgs.invitations i
           SET state = 'expired', decided_at = pg_catalog.now()
         WHERE i.state OPERATOR(pg_catalog.=) 'pending'
           AND i.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
        RETURNING 1)
    SELECT pg_catalog.count(*) FROM expired;
END;
COMMENT ON FUNCTION orgs.expire_invitations() IS
    'Mark every pending invitation past its expiry as expired (for a periodic job); returns how many.';
REVOKE ALL ON FUNCTION orgs.expire_invitations() FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.mark_notification_read(notification_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    -- values, not calls, in the UPDATE: Citus refuses a non-IMMUTABLE call
    -- in COALESCE in a modification of a reference table
    v_now timestamptz := now();
    v_email_key text := orgs.email_key(orgs.current_user_email());
BEGIN
    UPDATE orgs.notifications n SET read_at = COALESCE(n.read_at, v_now)
     WHERE n.id = mark_notification_read.notification_id
       AND (n.user_id = v_actor OR n.email_key = v_email_key);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'notification % does not exist', notification_id
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.mark_notification_read(bigint) IS
    'Mark one of the acting user''s notifications read.';
