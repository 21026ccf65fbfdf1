--------------------------------------------------------------------------
-- pg_orgs upgrade from 0.1.0 to 0.2.0: external user ids and verified JWTs.
-- The same schema changes as a fresh install's extension/schema/70_jwt.sql.
--------------------------------------------------------------------------

-- orgs.register_user gains a fifth argument, external_id DEFAULT NULL (in
-- extension/10_acting.sql): CREATE OR REPLACE cannot add one, so the
-- four-argument function goes, and with it the EXECUTE privileges granted
-- on it.  Calls with two to four arguments resolve to the new one; the
-- roles that held EXECUTE are named so that the DBA grants it again.
DO $$
DECLARE
    v_roles text;
BEGIN
    SELECT pg_catalog.string_agg(CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                      ELSE a.grantee::pg_catalog.regrole::pg_catalog.text END, ', ')
      INTO v_roles
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid OPERATOR(pg_catalog.=) 'orgs.register_user(text, text, text, text)'::pg_catalog.regprocedure
       AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
       AND a.grantee OPERATOR(pg_catalog.<>) p.proowner;
    IF v_roles IS NOT NULL THEN
        RAISE WARNING 'orgs.register_user(text, text, text, text) is replaced by orgs.register_user(text, text, text, text, text): EXECUTE on it was granted to %', v_roles
            USING HINT = pg_catalog.format('After the update, run: GRANT EXECUTE ON FUNCTION orgs.register_user(text, text, text, text, text) TO %s;', v_roles);
    END IF;
END;
$$;
DROP FUNCTION orgs.register_user(text, text, text, text);

-- The identity a user has in another system: an OIDC "sub", a Supabase
-- auth.users.id.  Compared byte for byte (case included).
ALTER TABLE orgs.users ADD COLUMN external_id text COLLATE "C"
    CONSTRAINT users_external_id_check
    CHECK (pg_catalog.octet_length(external_id) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX users_external_id_key ON orgs.users (external_id);
COMMENT ON COLUMN orgs.users.external_id IS
    'The user''s id in an identity provider (an OIDC sub, a Supabase auth.users.id): unique, compared exactly; what orgs.act_as_subject and orgs.act_as_jwt look users up by.';

-- The keys that orgs.act_as_jwt accepts, as JWKs (RFC 7517): one row per
-- key, so that keys rotate by kid.  Readable by nobody but the superuser.
CREATE TABLE orgs.jwt_keys (
    kid        text COLLATE "C" NOT NULL PRIMARY KEY
               CHECK (pg_catalog.octet_length(kid) BETWEEN 1 AND 255),
    jwk        jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
ALTER TABLE orgs.jwt_keys ALTER COLUMN jwk SET STATISTICS 0;
COMMENT ON TABLE orgs.jwt_keys IS
    'Keys that verify the tokens of orgs.act_as_jwt, one JWK per row (oct for HS256, RSA for RS256, EC P-256 for ES256); checked when written; readable by superusers only.';
COMMENT ON COLUMN orgs.jwt_keys.kid IS
    'The key id a token names in its header (taken from the JWK''s "kid" when not given).';
COMMENT ON COLUMN orgs.jwt_keys.jwk IS
    'The key as a JWK (RFC 7517): public keys only for RSA and EC; "alg", "use" and "key_ops" are checked when present.';
COMMENT ON COLUMN orgs.jwt_keys.created_at IS 'When the key was added.';

-- The settings of orgs.act_as_jwt: at most one row; without one, the
-- defaults below apply.
CREATE TABLE orgs.jwt_config (
    singleton      boolean NOT NULL PRIMARY KEY DEFAULT true
                   CHECK (singleton),
    issuer         text
                   CHECK (pg_catalog.octet_length(issuer) BETWEEN 1 AND 1024),
    audience       text
                   CHECK (pg_catalog.octet_length(audience) BETWEEN 1 AND 1024),
    subject_claim  text NOT NULL DEFAULT 'sub'
                   CHECK (pg_catalog.octet_length(subject_claim) BETWEEN 1 AND 255),
    leeway_seconds integer NOT NULL DEFAULT 30
                   CHECK (leeway_seconds BETWEEN 0 AND 3600),
    max_bytes      integer NOT NULL DEFAULT 8192
                   CHECK (max_bytes BETWEEN 256 AND 65536)
);
COMMENT ON TABLE orgs.jwt_config IS
    'Settings of orgs.act_as_jwt, in at most one row (none: the column defaults, no issuer or audience check); readable by superusers only.';
COMMENT ON COLUMN orgs.jwt_config.singleton IS 'Always true: the table has at most one row.';
COMMENT ON COLUMN orgs.jwt_config.issuer IS 'When set, a token''s "iss" must equal it.';
COMMENT ON COLUMN orgs.jwt_config.audience IS 'When set, a token''s "aud" (a string or an array of strings) must be or contain it.';
COMMENT ON COLUMN orgs.jwt_config.subject_claim IS 'The claim that holds the user''s external id (default "sub").';
COMMENT ON COLUMN orgs.jwt_config.leeway_seconds IS 'Clock skew allowed on "exp" and "nbf", in seconds.';
COMMENT ON COLUMN orgs.jwt_config.max_bytes IS 'Longer tokens are refused unread.';
