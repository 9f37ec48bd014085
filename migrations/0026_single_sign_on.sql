-- Single sign-on (SPEC §10): an organisation may send its people to its
-- OpenID Connect provider. Accounts are linked by (issuer, subject), never
-- by an e-mail address alone; linking by a verified address and creating
-- accounts at first sign-in happen only when the administrator allows them.
CREATE TABLE sso_providers (
    organisation_id  uuid PRIMARY KEY REFERENCES organisations (id),
    issuer           text NOT NULL,
    client_id        text NOT NULL,
    -- Never shown again after saving and never logged or audited.
    client_secret    text NOT NULL,
    link_by_email    boolean NOT NULL DEFAULT false,
    create_accounts  boolean NOT NULL DEFAULT false,
    require_sso      boolean NOT NULL DEFAULT false,
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL,
    updated_by       uuid REFERENCES users (id)
);

-- An e-mail domain belongs to at most one organisation's provider: the
-- login page sends an address of that domain there.
CREATE TABLE sso_domains (
    domain           text PRIMARY KEY CHECK (domain = lower(domain)),
    organisation_id  uuid NOT NULL REFERENCES sso_providers (organisation_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_organisation_idx ON sso_domains (organisation_id);

-- Who a provider's user is in tandem.
CREATE TABLE sso_identities (
    issuer           text NOT NULL,
    subject          text NOT NULL,
    organisation_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    linked_at        timestamptz NOT NULL,
    last_sign_in_at  timestamptz,
    PRIMARY KEY (issuer, subject),
    CONSTRAINT sso_identities_user_fkey FOREIGN KEY (user_id, organisation_id) REFERENCES users (id, organisation_id)
);
CREATE INDEX sso_identities_user_idx ON sso_identities (user_id);

-- A sign-in begun at the provider: its `state` (stored as SHA-256),
-- `nonce` and PKCE verifier, bound to the browser that began it by the
-- digest of a cookie, used once and within ten minutes. A step-up attempt
-- names the session it confirms.
CREATE TABLE sso_attempts (
    state_hash       bytea PRIMARY KEY,
    browser_hash     bytea NOT NULL,
    organisation_id  uuid NOT NULL REFERENCES sso_providers (organisation_id) ON DELETE CASCADE,
    issuer           text NOT NULL,
    nonce            text NOT NULL,
    pkce_verifier    text NOT NULL,
    next             text NOT NULL DEFAULT '',
    session_id       uuid,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX sso_attempts_expires_idx ON sso_attempts (expires_at);

