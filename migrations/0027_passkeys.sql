-- Passkeys (SPEC §10): WebAuthn credentials to sign in with and to confirm
-- a weighty action (the step-up) with. `passkey` is webauthn-rs's record of
-- the credential: its public key and signature counter, never a secret.
CREATE TABLE passkeys (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    credential_id    bytea NOT NULL CONSTRAINT passkeys_credential_key UNIQUE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    passkey          jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    last_used_at     timestamptz,
    CONSTRAINT passkeys_user_fkey FOREIGN KEY (user_id, organisation_id) REFERENCES users (id, organisation_id)
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- A WebAuthn ceremony begun and not yet finished: its challenge state,
-- used once within five minutes, by the session (registering, confirming)
-- or the browser (signing in) that began it.
CREATE TABLE passkey_ceremonies (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('register', 'sign_in', 'confirm')),
    session_id       uuid,
    browser_hash     bytea,
    state            jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX passkey_ceremonies_expires_idx ON passkey_ceremonies (expires_at);

-- A passkey (or a fresh sign-in at the provider) confirms the session's
-- next weighty action, once, for a few minutes: as a typed password does.
ALTER TABLE sessions ADD COLUMN confirmed_at timestamptz;

-- An administrator may require phishing-resistant sign-off: signatories
-- then confirm with a passkey or a fresh sign-in at the organisation's
-- provider, never with a typed password.
ALTER TABLE organisations ADD COLUMN strong_sign_off boolean NOT NULL DEFAULT false;
