-- API tokens: scoped to one programme and to what they may do; only a
-- digest of the secret is kept; revocable; last use recorded.

CREATE TABLE api_tokens (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    name             text NOT NULL CONSTRAINT api_tokens_name CHECK (btrim(name) <> '' AND length(name) <= 120),
    scope            text NOT NULL CONSTRAINT api_tokens_scope CHECK (scope IN ('read', 'write')),
    token_hash       bytea NOT NULL CONSTRAINT api_tokens_hash_key UNIQUE,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    last_used_at     timestamptz,
    CONSTRAINT api_tokens_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX api_tokens_programme_idx ON api_tokens (programme_id, created_at);
