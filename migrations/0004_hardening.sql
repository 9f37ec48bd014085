-- Hardening: sign-in throttling by account and source address, step-up
-- failures counted per session, signing keys of one bounded shape, and a
-- hash chain over the audit log that makes tampering detectable.

-- Failed sign-ins now remember where they came from ('' when unknown).
ALTER TABLE login_failures ADD COLUMN source text NOT NULL DEFAULT '';
DROP INDEX login_failures_email_idx;
CREATE INDEX login_failures_source_idx ON login_failures (source, failed_at);

-- Wrong passwords re-entered to confirm an action (step-up), per session:
-- too many end the session instead of locking the account.
ALTER TABLE sessions ADD COLUMN stepup_failures integer NOT NULL DEFAULT 0;

-- Signing keys are tandem's own 65-character format; older rows are kept.
ALTER TABLE brief_signatures
    ADD CONSTRAINT brief_signatures_idempotency_key_length
    CHECK (length(idempotency_key) <= 100) NOT VALID;

-- The audit chain. Each organisation's entries form one chain (entries with
-- no organisation, such as failed sign-ins for unknown emails, form their
-- own): every row stores the hash of the row before it and its own hash,
-- SHA-256 over that previous hash and the row's canonical text. The database
-- sets the time and the sequence number, so neither can be chosen by the
-- writer. `tandem audit verify` recomputes the chain in Rust, with its own
-- copy of the canonical text below.
ALTER TABLE audit_log ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;
CREATE INDEX audit_log_chain_idx ON audit_log (organisation_id, id DESC);
CREATE INDEX audit_log_object_idx ON audit_log (object_id, id DESC) WHERE object_id IS NOT NULL;

CREATE FUNCTION audit_log_canonical(a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(
        a.id, a.organisation_id, a.actor_id, a.action, a.object_type, a.object_id,
        a.before, a.after, a.ip,
        to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text
$$;

CREATE FUNCTION audit_log_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
BEGIN
    -- One link at a time per chain, held until commit: the chain's order is
    -- the order in which its links were written.
    PERFORM pg_advisory_xact_lock(727301, hashtext(coalesce(NEW.organisation_id::text, '')));
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.at := clock_timestamp();
    IF NEW.organisation_id IS NULL THEN
        SELECT hash INTO previous FROM audit_log
         WHERE organisation_id IS NULL ORDER BY id DESC LIMIT 1;
    ELSE
        SELECT hash INTO previous FROM audit_log
         WHERE organisation_id = NEW.organisation_id ORDER BY id DESC LIMIT 1;
    END IF;
    NEW.prev_hash := previous;
    NEW.hash := sha256(coalesce(previous, '\x'::bytea) || convert_to(audit_log_canonical(NEW), 'UTF8'));
    RETURN NEW;
END
$$;

-- Existing rows are linked once, in order.
DO $$
DECLARE
    entry audit_log;
    previous bytea;
    chain uuid;
    first boolean := true;
BEGIN
    ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
    FOR entry IN SELECT * FROM audit_log ORDER BY organisation_id NULLS FIRST, id LOOP
        IF first OR entry.organisation_id IS DISTINCT FROM chain THEN
            previous := NULL;
            chain := entry.organisation_id;
            first := false;
        END IF;
        UPDATE audit_log
           SET prev_hash = previous,
               hash = sha256(coalesce(previous, '\x'::bytea) || convert_to(audit_log_canonical(entry), 'UTF8'))
         WHERE id = entry.id
        RETURNING hash INTO previous;
    END LOOP;
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
END
$$;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;

CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_link();
