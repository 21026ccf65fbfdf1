--------------------------------------------------------------------------
-- Identity from outside: external user ids and verified JWTs (src/jwt.c).
-- The upgrade from 0.1.0 makes exactly these changes in
-- extension/upgrade/0.1.0--0.2.0/40_jwt.sql: keep the two identical.
--------------------------------------------------------------------------

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
