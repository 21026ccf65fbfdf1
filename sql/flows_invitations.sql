--
-- Invitations: invite, rescind_invitation, accept_invitation and
-- decline_invitation (by token and by id), notifications, expiry.
-- NOTIFY on orgs_events after commit is tested by the isolation spec
-- invitation_accept.
--
-- Every refusal is run through pg_temp.try, which prints the SQLSTATE as a
-- NOTICE and re-raises the error, so the message, DETAIL and HINT follow.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE FUNCTION pg_temp.try(cmd text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    EXECUTE cmd;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    RAISE NOTICE 'SQLSTATE %', st;
    RAISE;
END;
$$;

-- Error messages name invitations by key: start this file's keys at a
-- fixed point so that the expected output does not depend on other tests.
SELECT setval('orgs.invitations_id_seq', 4200, false) IS NOT NULL AS keys_fixed;
SELECT setval('orgs.notifications_id_seq', 4200, false) IS NOT NULL AS keys_fixed;

CREATE ROLE regress_fi_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fi_app;

SELECT orgs.register_user('fi_ann', 'fi_ann@example.com', 'Ann', 'Admin') IS NOT NULL AS registered;
SELECT orgs.register_user('fi_ben', 'fi_ben@example.com') IS NOT NULL AS registered;
SELECT orgs.register_user('fi_cat', 'Fi_Cat@Example.com') IS NOT NULL AS registered;
SELECT orgs.register_user('fi_dan', 'fi_dan@example.com') IS NOT NULL AS registered;
SELECT orgs.register_user('fi_zed', 'fi_zed@example.com') IS NOT NULL AS registered;

SET ROLE regress_fi_app;

-- no acting user
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'x@example.com', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.accept_invitation('x')$$);
SELECT pg_temp.try($$SELECT orgs.accept_invitation(4200)$$);
SELECT pg_temp.try($$SELECT orgs.decline_invitation('x')$$);
SELECT pg_temp.try($$SELECT orgs.decline_invitation(4200)$$);
SELECT pg_temp.try($$SELECT orgs.rescind_invitation(4200)$$);

SELECT orgs.act_as('fi_zed', false);
SELECT orgs.create_org('fi_other', 'Other tenant') IS NOT NULL AS created;
SELECT orgs.act_as('fi_ann', false);
SELECT orgs.create_org('fi_org', 'Invitations Inc') IS NOT NULL AS created;

--------------------------------------------------------------------------
-- invite (members.manage)
--------------------------------------------------------------------------
SELECT invitation_id AS inv_ben, token AS tok_ben FROM orgs.invite('fi_org', 'fi_ben@example.com', 'org_contributor') \gset
SELECT :inv_ben - 4200 AS first_key_offset,
       :'tok_ben' ~ '^[A-Za-z0-9_-]{43}$' AS token_is_43_base64url_characters;
SELECT invitation_id, token AS tok_cat FROM orgs.invite('fi_org', '  FI_CAT@example.COM ', 'org_user', NULL) \gset
-- the invitee's address is normalized; NULL valid_for means 7 days
SELECT id, email, role, state, expires_at - created_at AS valid_for, invited_by IS NOT NULL AS has_inviter
  FROM orgs.invitations WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'fi_org')
 ORDER BY id;
-- tokens are single, random, and only their hash is stored
SELECT :'tok_ben' <> :'tok_cat' AS tokens_differ;
RESET ROLE;
SELECT i.token_hash = sha256(convert_to(:'tok_cat', 'UTF8')) AS sha256_stored,
       position(:'tok_cat' IN row_to_json(i)::text) = 0 AS token_not_in_row
  FROM orgs.invitations i WHERE i.id = :invitation_id;
SELECT count(*) AS rows_holding_a_token
  FROM (SELECT row_to_json(n)::text AS t FROM orgs.notifications n
        UNION ALL SELECT row_to_json(a)::text FROM orgs.audit_log a) x
 WHERE position(:'tok_cat' IN x.t) > 0 OR position(:'tok_ben' IN x.t) > 0;
SET ROLE regress_fi_app;

-- validity: more than zero and at most 30 days
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_30 FROM orgs.invite('fi_org', 'fi_thirty@example.com', 'org_user', '30 days') \gset
SELECT expires_at - created_at AS valid_for FROM orgs.invitations WHERE id = :inv_30;
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user', '30 days 1 second')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user', '0')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user', '-1 day')$$);
-- bad input
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'not an address', 'org_user')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', NULL, 'org_user')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', NULL)$$);
-- one pending invitation per org and address
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'Fi_Ben@Example.com', 'org_user')$$);
-- a member cannot be invited again
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_ann@example.com', 'org_user')$$);
-- unknown org, other tenant
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_nosuch', 'fi_x@example.com', 'org_user')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_other', 'fi_x@example.com', 'org_user')$$);
SELECT orgs.act_as('fi_zed', false);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user')$$);

--------------------------------------------------------------------------
-- accept by token
--------------------------------------------------------------------------
-- what the invitee sees before accepting
SELECT orgs.act_as('fi_cat', false);
SELECT org_id, org_name, role, invited_by, expires_at - created_at AS valid_for FROM orgs.my_invitations;
SELECT event, org_id IS NOT NULL AS has_org, payload - 'invitation_id' - 'org_id' - 'expires_at' AS payload
  FROM orgs.notifications ORDER BY id;
SELECT email, role, state FROM orgs.invitations;
-- one error for every token that cannot be used: unknown, NULL, foreign
SELECT pg_temp.try($$SELECT orgs.accept_invitation('no-such-token')$$);
SELECT pg_temp.try($$SELECT orgs.accept_invitation(NULL::text)$$);
SELECT pg_temp.try($$SELECT orgs.accept_invitation('$$ || :'tok_ben' || $$')$$);
SELECT pg_temp.try($$SELECT orgs.decline_invitation('$$ || :'tok_ben' || $$')$$);
-- accept: membership and state change together; the org's key comes back
SELECT orgs.accept_invitation(:'tok_cat') AS org_key \gset
SELECT id = :org_key AS key_returned, org_id, role FROM orgs.my_orgs;
SELECT email, role, state, decided_at IS NOT NULL AS decided FROM orgs.invitations WHERE id = :invitation_id;
SELECT count(*) AS pending_for_me FROM orgs.my_invitations;
SELECT event, payload - 'invitation_id' - 'org_id' - 'expires_at' AS payload
  FROM orgs.notifications ORDER BY id;
-- used: the same error
SELECT pg_temp.try($$SELECT orgs.accept_invitation('$$ || :'tok_cat' || $$')$$);
SELECT pg_temp.try($$SELECT orgs.decline_invitation('$$ || :'tok_cat' || $$')$$);
-- a member (org_user) does not see the org's invitations
SELECT count(*) AS invitations_seen FROM orgs.invitations WHERE orgs.email_key(email) <> 'fi_cat@example.com';
SELECT count(*) AS org_invitations_seen FROM orgs.org_invitations;
-- nor can she invite or rescind
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user')$$);
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_ben));

-- the inviter is told
SELECT orgs.act_as('fi_ann', false);
SELECT event, payload - 'invitation_id' - 'org_id' AS payload FROM orgs.notifications ORDER BY id;

-- ben accepts; an org contributor cannot invite (no members.manage)
SELECT orgs.act_as('fi_ben', false);
SELECT orgs.accept_invitation(:'tok_ben') = :org_key AS joined;
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user')$$);

-- No escalation (invariant 5): with members.manage given to org
-- contributors for one transaction, ben may invite only roles within his.
RESET ROLE;
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO orgs.role_org_permissions (role, permission) VALUES ('org_contributor', 'members.manage');
SET LOCAL ROLE regress_fi_app;
SELECT orgs.act_as('fi_ben');
SELECT count(*) AS invited FROM orgs.invite('fi_org', 'fi_x@example.com', 'org_user');
SELECT count(*) AS invited FROM orgs.invite('fi_org', 'fi_y@example.com', 'org_contributor');
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_z@example.com', 'admin')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_z@example.com', 'financial_manager')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('fi_org', 'fi_z@example.com', 'infrastructure_manager')$$);
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SET ROLE regress_fi_app;

--------------------------------------------------------------------------
-- a person without an account: registers, then accepts by id
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_new FROM orgs.invite('fi_org', 'fi_new@example.com', 'team_contributor') \gset
RESET ROLE;
SELECT orgs.register_user('fi_new', 'fi_new@example.com') IS NOT NULL AS registered;
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_new', false);
SELECT invitation_id = :inv_new AS same_invitation, org_id, role, invited_by FROM orgs.my_invitations;
SELECT event, user_id IS NULL AS sent_before_account, payload ->> 'org' AS org FROM orgs.notifications;
SELECT orgs.accept_invitation(:inv_new) = :org_key AS joined;
SELECT org_id, role FROM orgs.my_orgs;
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_new));
SELECT pg_temp.try(format('SELECT orgs.decline_invitation(%s)', :inv_new));

--------------------------------------------------------------------------
-- decline, by token and by id
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_dan, token AS tok_dan FROM orgs.invite('fi_org', 'fi_dan@example.com', 'org_user') \gset
SELECT orgs.act_as('fi_dan', false);
SELECT orgs.decline_invitation(:'tok_dan');
SELECT state, decided_at IS NOT NULL AS decided FROM orgs.invitations WHERE id = :inv_dan;
SELECT count(*) AS memberships FROM orgs.my_orgs;
SELECT pg_temp.try($$SELECT orgs.accept_invitation('$$ || :'tok_dan' || $$')$$);
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_dan));
-- invited again, declined by id
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_dan2 FROM orgs.invite('fi_org', 'fi_dan@example.com', 'org_user') \gset
SELECT orgs.act_as('fi_dan', false);
SELECT orgs.decline_invitation(:inv_dan2);
SELECT pg_temp.try(format('SELECT orgs.decline_invitation(%s)', :inv_dan2));
SELECT orgs.act_as('fi_ann', false);
SELECT event, payload ->> 'email' AS email FROM orgs.notifications WHERE event = 'invitation_declined';

--------------------------------------------------------------------------
-- by id: what the acting user may not see does not exist; an invitation
-- addressed to someone else is refused
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_dan3 FROM orgs.invite('fi_org', 'fi_dan@example.com', 'org_user') \gset
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_dan3));
SELECT pg_temp.try(format('SELECT orgs.decline_invitation(%s)', :inv_dan3));
SELECT orgs.act_as('fi_cat', false);
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_dan3));
SELECT pg_temp.try($$SELECT orgs.accept_invitation(999999)$$);
SELECT orgs.act_as('fi_zed', false);
SELECT pg_temp.try(format('SELECT orgs.decline_invitation(%s)', :inv_dan3));

--------------------------------------------------------------------------
-- accepting while already a member is an error
--------------------------------------------------------------------------
-- the superuser makes dan a member behind the functions' back
RESET ROLE;
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, 'org_user' FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'fi_org' AND u.handle = 'fi_dan';
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_dan', false);
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_dan3));
SELECT state FROM orgs.invitations WHERE id = :inv_dan3;
-- declining is still possible
SELECT orgs.decline_invitation(:inv_dan3);

--------------------------------------------------------------------------
-- rescind_invitation (members.manage)
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_eve, token AS tok_eve FROM orgs.invite('fi_org', 'fi_eve@example.com', 'org_user') \gset
-- wrong role, other tenant, unknown
SELECT orgs.act_as('fi_ben', false);
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_eve));
SELECT orgs.act_as('fi_zed', false);
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_eve));
SELECT orgs.act_as('fi_ann', false);
SELECT pg_temp.try($$SELECT orgs.rescind_invitation(999999)$$);
SELECT pg_temp.try($$SELECT orgs.rescind_invitation(NULL)$$);
SELECT orgs.rescind_invitation(:inv_eve);
SELECT email, state FROM orgs.org_invitations WHERE invitation_id = :inv_eve;
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_eve));
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_new));
-- a rescinded token is invalid
RESET ROLE;
SELECT orgs.register_user('fi_eve', 'fi_eve@example.com') IS NOT NULL AS registered;
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_eve', false);
SELECT count(*) AS pending_for_me FROM orgs.my_invitations;
SELECT pg_temp.try($$SELECT orgs.accept_invitation('$$ || :'tok_eve' || $$')$$);
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_eve));
-- the invitee cannot rescind
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_eve2 FROM orgs.invite('fi_org', 'fi_eve@example.com', 'org_user') \gset
SELECT orgs.act_as('fi_eve', false);
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_eve2));

--------------------------------------------------------------------------
-- expiry
--------------------------------------------------------------------------
-- The superuser moves the expiry of eve's pending invitation to just after
-- its creation: it is expired from then on.
RESET ROLE;
UPDATE orgs.invitations SET expires_at = created_at + interval '1 microsecond' WHERE id = :inv_eve2;
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_eve', false);
SELECT count(*) AS pending_for_me FROM orgs.my_invitations;
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_eve2));
SELECT pg_temp.try(format('SELECT orgs.decline_invitation(%s)', :inv_eve2));
SELECT orgs.act_as('fi_ann', false);
SELECT email, state FROM orgs.org_invitations WHERE invitation_id = :inv_eve2;
SELECT pg_temp.try(format('SELECT orgs.rescind_invitation(%s)', :inv_eve2));
-- still pending in the table until touched ...
SELECT state FROM orgs.invitations WHERE id = :inv_eve2;
-- ... inviting the same address again marks it expired
SELECT invitation_id AS inv_eve3, token AS tok_eve3 FROM orgs.invite('fi_org', 'fi_eve@example.com', 'admin') \gset
SELECT invitation_id - :inv_eve2 AS after_expired, email, role, state
  FROM orgs.org_invitations WHERE email = 'fi_eve@example.com' ORDER BY invitation_id;
-- an expired token is invalid, with the same error
RESET ROLE;
UPDATE orgs.invitations SET expires_at = created_at + interval '1 microsecond' WHERE id = :inv_eve3;
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_eve', false);
SELECT pg_temp.try($$SELECT orgs.accept_invitation('$$ || :'tok_eve3' || $$')$$);
-- orgs.expire_invitations() (for a periodic job; not for PUBLIC)
SELECT pg_temp.try($$SELECT orgs.expire_invitations()$$);
RESET ROLE;
SELECT orgs.expire_invitations() >= 1 AS expired_some;
SELECT state FROM orgs.invitations WHERE id = :inv_eve3;
SET ROLE regress_fi_app;

--------------------------------------------------------------------------
-- notifications: read by their addressee, marked read through a function
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_cat', false);
SELECT id AS cat_note FROM orgs.notifications ORDER BY id LIMIT 1 \gset
SELECT orgs.mark_notification_read(:cat_note);
SELECT event, read_at IS NOT NULL AS read FROM orgs.notifications ORDER BY id;
SELECT orgs.act_as('fi_dan', false);
SELECT pg_temp.try(format('SELECT orgs.mark_notification_read(%s)', :cat_note));
SELECT count(*) AS cats_notifications_seen_by_dan FROM orgs.notifications WHERE id = :cat_note;

--------------------------------------------------------------------------
-- E-mail identity: an address is stored as the application verified it
-- and two addresses are the same only when equal after lowering ASCII
-- letters; an address that Unicode normalization (NFC) would change is
-- refused.  (pg_orgs 0.1.0 stored lower(address): the Kelvin sign U+212A
-- became "k", and an account registered with it accepted, by id and
-- without the token, the invitation of karl@example.test.)
--------------------------------------------------------------------------
RESET ROLE;
CREATE FUNCTION pg_temp.sqlstate(cmd text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE cmd;
    RETURN '00000';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END;
$$;
CREATE FUNCTION pg_temp.sees_invitations(h text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM orgs.act_as(h, false);
    SELECT count(*) INTO n FROM orgs.my_invitations;
    RETURN n;
END;
$$;
-- refused (22023): the Kelvin sign, the Angstrom sign, a letter and a
-- combining accent, the ohm sign: NFC turns each into another character
SELECT h, pg_temp.sqlstate(format('SELECT orgs.register_user(%L, %L)', h, e)) AS sqlstate
  FROM (VALUES ('fi_kelvin', U&'\212Aarl@example.test'),
               ('fi_angstrom', U&'\212Bsa@example.test'),
               ('fi_combining', U&'jose\0301@example.test'),
               ('fi_ohm', U&'\2126mega@example.test')) AS v(h, e)
 ORDER BY h;
SELECT orgs.register_user('fi_kelvin', U&'\212Aarl@example.test'); \echo :SQLSTATE
-- ASCII case makes no other address
SELECT orgs.register_user('fi_karl', 'Karl@Example.TEST') IS NOT NULL AS registered;
SELECT orgs.register_user('fi_karl2', 'karl@example.test'); \echo :SQLSTATE
-- look-alikes that NFC keeps are other addresses: Cyrillic a, Latin long
-- s, dotted capital I, fullwidth K, Greek capital kappa
SELECT h, orgs.register_user(h, e) IS NOT NULL AS registered
  FROM (VALUES ('fi_cyrillic', U&'k\0430rl@example.test'),
               ('fi_long_s', U&'\017Farl@example.test'),
               ('fi_dotted_i', U&'\0130karl@example.test'),
               ('fi_fullwidth', U&'\FF2Barl@example.test'),
               ('fi_kappa', U&'\039Aarl@example.test')) AS v(h, e)
 ORDER BY h;
SELECT handle, email, email_key FROM orgs.users
 WHERE handle IN ('fi_karl', 'fi_cyrillic', 'fi_long_s', 'fi_dotted_i', 'fi_fullwidth', 'fi_kappa')
 ORDER BY handle;
-- the invitation of karl@example.test: only fi_karl may see and accept it
SET ROLE regress_fi_app;
SELECT orgs.act_as('fi_ann', false);
SELECT invitation_id AS inv_karl, token AS tok_karl FROM orgs.invite('fi_org', 'karl@example.test', 'org_user') \gset
SELECT h AS lookalike, pg_temp.sees_invitations(h) AS sees
  FROM unnest(ARRAY['fi_cyrillic', 'fi_long_s', 'fi_dotted_i', 'fi_fullwidth', 'fi_kappa', 'fi_karl']) AS h
 ORDER BY h;
SELECT orgs.act_as('fi_kappa', false);
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%s)', :inv_karl));
SELECT pg_temp.try(format('SELECT orgs.accept_invitation(%L)', :'tok_karl'));
SELECT orgs.act_as('fi_karl', false);
SELECT count(*) AS karl_sees FROM orgs.my_invitations;
SELECT orgs.accept_invitation(:inv_karl) = :org_key AS karl_joined;

--------------------------------------------------------------------------
-- the audit log of invitation events (audit.view)
--------------------------------------------------------------------------
SELECT orgs.act_as('fi_ann', false);
SELECT event_code, event, actor_handle, target, details ->> 'role' AS role, details ->> 'user' AS "user"
  FROM orgs.audit_log
 WHERE org_id = :org_key AND event_code BETWEEN 100 AND 106
 ORDER BY id;

--------------------------------------------------------------------------
-- clean up
--------------------------------------------------------------------------
SELECT orgs.delete_org('fi_org');
SELECT orgs.act_as('fi_zed', false);
SELECT orgs.delete_org('fi_other');
SELECT orgs.act_as(NULL, false);
RESET ROLE;
DELETE FROM orgs.users WHERE handle LIKE 'fi\_%';
DELETE FROM orgs.notifications WHERE email LIKE 'fi\_%';
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'fi\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_fi_app;
DROP ROLE regress_fi_app;
