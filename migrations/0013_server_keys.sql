-- Keys the servers share, made once by the first server that needs one
-- (from the operating system's generator) and read by every instance, so
-- a token one instance minted verifies on another. Today: the key that
-- binds the sign-in form's CSRF token to tandem.
CREATE TABLE server_keys (
    purpose    text PRIMARY KEY,
    key        bytea NOT NULL CONSTRAINT server_keys_length CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
