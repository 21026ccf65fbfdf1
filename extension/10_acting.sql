--------------------------------------------------------------------------
-- Who is acting (src/acting.c), accounts, tokens
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs.act_as(handle text, is_local boolean DEFAULT true)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'orgs_act_as';
COMMENT ON FUNCTION orgs.act_as(text, boolean) IS
    'Set the acting user (NULL clears it); is_local keeps it to the current transaction. Only this function can change the acting user.';
REVOKE ALL ON FUNCTION orgs.act_as(text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.current_user_id()
RETURNS bigint
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_current_user_id';
COMMENT ON FUNCTION orgs.current_user_id() IS
    'The acting user''s key, else the user linked to current_user, else NULL.';

CREATE OR REPLACE FUNCTION orgs.current_user_handle()
RETURNS text
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_current_user_handle';
COMMENT ON FUNCTION orgs.current_user_handle() IS
    'The acting user''s handle, else the handle of the user linked to current_user, else NULL.';

CREATE OR REPLACE FUNCTION orgs_internal.generate_token()
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_generate_token';
COMMENT ON FUNCTION orgs_internal.generate_token() IS
    'A new invitation token: 32 bytes from the strong random source, base64url (43 characters).';
REVOKE ALL ON FUNCTION orgs_internal.generate_token() FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.hash_token(token text)
RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_hash_token';
COMMENT ON FUNCTION orgs_internal.hash_token(text) IS 'SHA-256 of a token: what orgs.invitations stores.';

-- E-mail addresses are stored as the application verified them (trimmed of
-- white space) and compared after lowering ASCII letters only: lower()
-- would also fold non-ASCII letters (the Kelvin sign to "k"), so that one
-- verified address could take over another's invitations.
CREATE OR REPLACE FUNCTION orgs_internal.normalize_email(email text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.btrim(email, E' \t\n\r');
COMMENT ON FUNCTION orgs_internal.normalize_email(text) IS
    'An e-mail address as it is stored: trimmed of white space, letters as given.';

CREATE OR REPLACE FUNCTION orgs.email_key(email text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
COMMENT ON FUNCTION orgs.email_key(text) IS
    'The comparison key of an e-mail address: ASCII letters lowered, nothing else changed. Two addresses are the same when their keys are equal.';

CREATE OR REPLACE FUNCTION orgs_internal.clean_email(value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := orgs_internal.normalize_email(value);
    v_utf8 boolean := getdatabaseencoding() = 'UTF8';
BEGIN
    IF v IS NULL OR v !~ '^[^@[:space:]]+@[^@[:space:]]+$' OR length(v) > 254 THEN
        RAISE EXCEPTION 'invalid e-mail address: "%"', value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (CASE WHEN v_utf8 THEN NOT (v IS NFC NORMALIZED) ELSE v !~ '^[ -~]+$' END) THEN
        RAISE EXCEPTION 'invalid e-mail address: "%"', value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN v_utf8
                                THEN 'The address is not in Unicode normalization form NFC: it has characters that normalize to others (such as the Kelvin sign, or a letter followed by a combining accent).'
                                ELSE 'In a database whose encoding is not UTF8 an address has printable ASCII characters only.' END;
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs_internal.clean_email(text) IS
    'Internal: an e-mail address trimmed; invalid_parameter_value unless it is well formed and in Unicode normalization form NFC.';

-- Raise 22023 unless value is a valid identifier of the given kind.
CREATE OR REPLACE FUNCTION orgs_internal.check_identifier(kind text, value text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION '% cannot be null', kind
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF value !~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' THEN
        RAISE EXCEPTION 'invalid %: "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An identifier has 1 to 64 characters: letters, digits, "_" and "-", starting with a letter or digit.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.check_identifier(text, text) IS
    'Raise invalid_parameter_value unless value is a valid handle, org ID, team ID or app ID.';

-- (0.2.0 added external_id: the upgrade drops the four-argument function of
-- 0.1.0, extension/upgrade/0.1.0--0.2.0/40_jwt.sql.)
CREATE OR REPLACE FUNCTION orgs.register_user(handle text, email text,
                                   first_name text DEFAULT NULL,
                                   last_name text DEFAULT NULL,
                                   external_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_email text;
    v_id bigint;
BEGIN
    PERFORM orgs_internal.check_identifier('handle', handle);
    v_email := orgs_internal.clean_email(email);
    PERFORM orgs_internal.check_external_id(external_id);
    IF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(handle) AND n.user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'user "%" already exists', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles are compared without regard to case.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(handle)) THEN
        RAISE EXCEPTION 'handle "%" is already taken', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.users u WHERE u.email_key = orgs.email_key(v_email)) THEN
        RAISE EXCEPTION 'a user with e-mail address "%" already exists', v_email
            USING ERRCODE = 'duplicate_object';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.users u WHERE u.external_id = register_user.external_id) THEN
        RAISE EXCEPTION 'a user with external id "%" already exists', external_id
            USING ERRCODE = 'duplicate_object';
    END IF;
    BEGIN
        INSERT INTO orgs.users (handle, email, first_name, last_name, external_id)
        VALUES (handle, v_email, first_name, last_name, register_user.external_id)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'user "%" already exists', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A concurrent registration took the handle, the e-mail address or the external id.';
    END;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.register_user(text, text, text, text, text) IS
    'Register an account (called by the application''s trusted role once it has verified the e-mail address), optionally with its id in an identity provider (external_id).';
REVOKE ALL ON FUNCTION orgs.register_user(text, text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.link_db_role(handle text, role regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF role IS NOT NULL THEN
        UPDATE orgs.users u SET db_role = NULL
         WHERE u.db_role = role AND u.handle_key <> lower(link_db_role.handle);
    END IF;
    UPDATE orgs.users u SET db_role = role WHERE u.handle_key = lower(link_db_role.handle);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', handle
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.link_db_role(text, regrole) IS
    'Let a database role act as this user without act_as (NULL unlinks); a role is linked to at most one user.';
REVOKE ALL ON FUNCTION orgs.link_db_role(text, regrole) FROM PUBLIC;
