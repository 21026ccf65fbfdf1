--------------------------------------------------------------------------
-- Scaling out with Citus: the key that signs the acting-user token (see
-- src/acting.c).  The upgrade from 0.1.0 creates it with this file too
-- (extension/upgrade/0.1.0--0.2.0/45_citus.sql).
--------------------------------------------------------------------------

-- One row: 32 bytes from the strong random source (two random UUIDs),
-- readable by nobody but superusers (80_citus.sql).  On a Citus cluster it
-- is a reference table, so every node holds the same key.  Not dumped: a
-- restored database gets a key of its own.
CREATE TABLE orgs.cluster_key (
    singleton  boolean NOT NULL PRIMARY KEY DEFAULT true
               CHECK (singleton),
    key        bytea NOT NULL
               CHECK (pg_catalog.octet_length(key) BETWEEN 32 AND 64),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE orgs.cluster_key IS
    'The key that signs the acting-user token on a Citus cluster (pg_orgs.acting_token): one row, readable by superusers only; rotate it with orgs.rotate_cluster_key().';
COMMENT ON COLUMN orgs.cluster_key.singleton IS 'Always true: the table has one row.';
COMMENT ON COLUMN orgs.cluster_key.key IS 'The HMAC-SHA256 key: 32 to 64 random bytes.';
COMMENT ON COLUMN orgs.cluster_key.created_at IS 'When the key was made.';
INSERT INTO orgs.cluster_key (key)
VALUES (pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
        OPERATOR(pg_catalog.||) pg_catalog.uuid_send(pg_catalog.gen_random_uuid()));
