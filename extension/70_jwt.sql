--------------------------------------------------------------------------
-- Identity from the stacks people use (src/jwt.c): external user ids,
-- verified JWTs, and a PostgREST / Supabase recipe.
--------------------------------------------------------------------------

-- Raise 22023 unless value is NULL or a valid external id.
CREATE OR REPLACE FUNCTION orgs_internal.check_external_id(value text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NOT NULL AND (octet_length(value) NOT BETWEEN 1 AND 255 OR value ~ '[[:cntrl:]]') THEN
        RAISE EXCEPTION 'invalid external id: "%"', value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An external id has 1 to 255 bytes and no control characters.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.check_external_id(text) IS
    'Raise invalid_parameter_value unless value is NULL or a valid external id (1 to 255 bytes, no control characters).';

CREATE OR REPLACE FUNCTION orgs.set_external_id(handle text, external_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.check_external_id(external_id);
    BEGIN
        UPDATE orgs.users u SET external_id = set_external_id.external_id
         WHERE u.handle_key = lower(set_external_id.handle);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a user with external id "%" already exists', external_id
            USING ERRCODE = 'duplicate_object';
    END;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', handle
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.set_external_id(text, text) IS
    'Set (NULL: remove) the id a user has in an identity provider (trusted role only); unique among users.';
REVOKE ALL ON FUNCTION orgs.set_external_id(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.act_as_subject(subject text, is_local boolean DEFAULT true)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'orgs_act_as_subject';
COMMENT ON FUNCTION orgs.act_as_subject(text, boolean) IS
    'Set the acting user by external id (NULL clears it), as orgs.act_as does by handle (trusted role only).';
REVOKE ALL ON FUNCTION orgs.act_as_subject(text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.act_as_jwt(token text, is_local boolean DEFAULT true)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'orgs_act_as_jwt';
COMMENT ON FUNCTION orgs.act_as_jwt(text, boolean) IS
    'Set the acting user from a JWT (NULL clears it): only when its signature verifies with a key of orgs.jwt_keys, it has not expired, and its issuer, audience and subject are accepted (orgs.jwt_config); any other token is refused with one error (28000, invalid token). Callable by everyone.';
REVOKE ALL ON FUNCTION orgs.act_as_jwt(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION orgs.act_as_jwt(text, boolean) TO PUBLIC;

CREATE OR REPLACE FUNCTION orgs.jwk_algorithm(jwk jsonb)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_jwk_algorithm';
COMMENT ON FUNCTION orgs.jwk_algorithm(jsonb) IS
    'Check a JWK as orgs.jwt_keys does and return the algorithm it verifies (HS256, RS256 or ES256); an error says what is wrong with it.';
REVOKE ALL ON FUNCTION orgs.jwk_algorithm(jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.jwk_from_secret(secret text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.jsonb_build_object(
    'kty', 'oct', 'alg', 'HS256',
    'k', pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(secret, 'UTF8'), 'base64'),
                              E'+/=\n', '-_'));
COMMENT ON FUNCTION orgs.jwk_from_secret(text) IS
    'The HS256 JWK of a shared secret given as text (as PostgREST''s jwt-secret and Supabase''s JWT secret are): {"kty": "oct", "alg": "HS256", "k": base64url of its UTF-8 bytes}.';

-- The keys are checked when they are written; every change of the keys
-- or the settings reaches the key cache of every backend (jwt.c).
CREATE OR REPLACE FUNCTION orgs_internal.trg_jwt_keys()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'orgs_trg_jwt_keys';
COMMENT ON FUNCTION orgs_internal.trg_jwt_keys() IS
    'Checks a JWK written to orgs.jwt_keys (an error says what is wrong) and takes the kid from it when none is given.';

CREATE OR REPLACE FUNCTION orgs_internal.trg_jwt_changed()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'orgs_trg_jwt_changed';
COMMENT ON FUNCTION orgs_internal.trg_jwt_changed() IS
    'Invalidates the verified-key cache of every backend after a change of orgs.jwt_keys or orgs.jwt_config.';

CREATE OR REPLACE TRIGGER check_jwk BEFORE INSERT OR UPDATE ON orgs.jwt_keys
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_jwt_keys();
COMMENT ON TRIGGER check_jwk ON orgs.jwt_keys IS 'A malformed or unusable key is refused when it is written.';
CREATE OR REPLACE TRIGGER jwt_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.jwt_keys
    FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.trg_jwt_changed();
COMMENT ON TRIGGER jwt_changed ON orgs.jwt_keys IS 'Every backend reloads the keys after a change.';
CREATE OR REPLACE TRIGGER jwt_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.jwt_config
    FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.trg_jwt_changed();
COMMENT ON TRIGGER jwt_changed ON orgs.jwt_config IS 'Every backend reloads the settings after a change.';

-- Nobody but a superuser reads or writes the keys and the settings: no
-- privilege, row-level security forced and no policy.  pg_dump keeps them.
ALTER TABLE orgs.jwt_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.jwt_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.jwt_config ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.jwt_config FORCE ROW LEVEL SECURITY;
REVOKE ALL ON orgs.jwt_keys FROM PUBLIC;
REVOKE ALL ON orgs.jwt_config FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('orgs.jwt_keys', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.jwt_config', '');

--------------------------------------------------------------------------
-- PostgREST: db-pre-request = "orgs.postgrest_pre_request"
--------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orgs.postgrest_pre_request()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_headers text := current_setting('request.headers', true);
    v_auth text;
BEGIN
    IF v_headers IS NOT NULL AND v_headers <> '' THEN
        v_auth := json_extract_path_text(v_headers::json, 'authorization');
    END IF;
    -- "Bearer <token>" (the scheme without regard to case); anything else
    -- is no token: nobody acts
    PERFORM orgs.act_as_jwt(substring(v_auth FROM '^[Bb][Ee][Aa][Rr][Ee][Rr] +([^ ].*)$'), true);
END;
$$;
COMMENT ON FUNCTION orgs.postgrest_pre_request() IS
    'PostgREST''s db-pre-request: acts, for the transaction, as the user of the bearer token of the request (request.headers), verified by orgs.act_as_jwt; with no bearer token nobody acts.';

--------------------------------------------------------------------------
-- Supabase (auth.uid()): an application's own users table, kept in step
--------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orgs.sync_user()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_new jsonb;
    v_old jsonb;
    v_id text;
    v_old_id text;
    v_email text;
    v_ready boolean;
    v_handle text;
BEGIN
    IF TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION 'orgs.sync_user() must be called as an AFTER ... FOR EACH ROW trigger'
            USING ERRCODE = 'triggered_action_exception';
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        v_old := to_jsonb(OLD);
        v_old_id := v_old ->> 'id';
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM orgs.users u WHERE u.external_id = v_old_id;
        RETURN NULL;
    END IF;
    v_new := to_jsonb(NEW);
    IF NOT (v_new ? 'id' AND v_new ? 'email') THEN
        RAISE EXCEPTION 'orgs.sync_user(): table %.% has no column "id" or "email"', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'undefined_column';
    END IF;
    v_id := v_new ->> 'id';
    v_email := v_new ->> 'email';
    -- an address is registered once it is confirmed (Supabase:
    -- email_confirmed_at), never before: invitations go by e-mail address
    v_ready := v_id IS NOT NULL AND v_email IS NOT NULL
               AND (NOT v_new ? 'email_confirmed_at' OR v_new ->> 'email_confirmed_at' IS NOT NULL);
    IF TG_OP = 'UPDATE' AND v_old_id IS DISTINCT FROM v_id THEN
        UPDATE orgs.users u SET external_id = v_id WHERE u.external_id = v_old_id;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.users u WHERE u.external_id = v_id) THEN
        IF v_ready THEN
            UPDATE orgs.users u SET email = orgs_internal.clean_email(v_email)
             WHERE u.external_id = v_id AND u.email IS DISTINCT FROM orgs_internal.clean_email(v_email);
        END IF;
    ELSIF v_ready THEN
        IF TG_NARGS > 0 THEN
            v_handle := v_new ->> TG_ARGV[0];
        END IF;
        v_handle := coalesce(v_handle, 'u' || replace(v_id, '-', ''));
        PERFORM orgs.register_user(v_handle, v_email, NULL, NULL, v_id);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs.sync_user() IS
    'AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW trigger for an application''s users table (Supabase: auth.users): reads columns id (the external id), email, email_confirmed_at if the table has it, and the handle from the column named by the trigger''s argument (default ''u'' || id without dashes); registers a user once its e-mail address is confirmed, follows changes of e-mail and id, removes it with the row.';
REVOKE ALL ON FUNCTION orgs.sync_user() FROM PUBLIC;
