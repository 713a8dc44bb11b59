-- Bearer tokens: named secrets standing for a role. Only the SHA-256 of a
-- secret is stored; the secret itself is shown once, when it is created.

CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
    -- The unique index behind this is how a request's token is found.
    secret_sha256 BYTEA NOT NULL UNIQUE CHECK (octet_length(secret_sha256) = 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
-- A name tells live tokens apart (it is the identity requests act as), so
-- it is unique among them; a revoked token's name can be used again.
CREATE UNIQUE INDEX tokens_live_name_idx ON tokens (name) WHERE revoked_at IS NULL;
