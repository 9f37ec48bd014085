-- One-time form keys. Every form that creates a record carries a fresh key;
-- the write claims it in its own transaction, so a form sent twice (a double
-- click, a reload, a retry, three at once) records once, and the resend is
-- answered with a link to what was recorded. A key is claimed per user, so
-- no one can spend another person's key. Keys older than a week are dropped
-- by the next claim of the same user: a form is not resent after that.
CREATE TABLE form_keys (
    user_id      uuid NOT NULL REFERENCES users (id),
    key          uuid NOT NULL,
    recorded_url text NOT NULL DEFAULT ''
        CONSTRAINT form_keys_url_relative CHECK (recorded_url = '' OR recorded_url LIKE '/%'),
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT form_keys_pkey PRIMARY KEY (user_id, key)
);
