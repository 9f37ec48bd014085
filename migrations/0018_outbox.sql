-- Notifications become an outbox (SPEC §9). Each row is delivered by
-- e-mail once its time comes (due_at: now for an event, later for a
-- reminder); a delivery loop claims due rows with a lease so that several
-- instances never send one twice, retries a transient failure with
-- exponential backoff (send_after) for up to a day, and records the
-- server's last answer. A reminder names its reason, and is cancelled when
-- the reason goes (signed, decided, sent). `by_when` is the moment the
-- message is about (a deadline), shown in the reader's own time zone.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known CHECK (kind IN (
    'decision_requested', 'decision_reminder', 'decision_deadline', 'decision_taken',
    'signature_requested', 'signature_reminder', 'brief_signed', 'brief_rejected',
    'update_due', 'update_sent', 'session_due', 'review_opened', 'review_part_due', 'review_held',
    'warning_sign', 'action_due', 'pulse_due', 'rating_round', 'digest', 'test'));
ALTER TABLE notifications
    ADD COLUMN due_at timestamptz,
    ADD COLUMN by_when timestamptz,
    ADD COLUMN reason text,
    ADD COLUMN send_after timestamptz,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN sent_at timestamptz,
    ADD COLUMN last_error text;
UPDATE notifications SET due_at = created_at, send_after = created_at;
ALTER TABLE notifications
    ALTER COLUMN due_at SET NOT NULL,
    ALTER COLUMN send_after SET NOT NULL;
ALTER TABLE notifications DROP CONSTRAINT notifications_delivery_known;
-- held: not e-mailed on its own, by the reader's choice (in the digest, or off).
ALTER TABLE notifications ADD CONSTRAINT notifications_delivery_known
    CHECK (delivery IN ('queued', 'sent', 'failed', 'cancelled', 'held'));
ALTER TABLE notifications ADD CONSTRAINT notifications_error_length CHECK (length(last_error) <= 1000);

DROP INDEX notifications_unread_idx;
CREATE INDEX notifications_unread_idx ON notifications (recipient_id, due_at)
    WHERE read_at IS NULL AND delivery <> 'cancelled';
CREATE INDEX notifications_outbox_idx ON notifications (send_after) WHERE delivery = 'queued';
CREATE INDEX notifications_reason_idx ON notifications (reason) WHERE delivery = 'queued' AND reason IS NOT NULL;

-- A new row wakes the delivery loops (delivered at commit: a rolled-back
-- write wakes nobody).
CREATE FUNCTION notifications_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tandem_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_wake AFTER INSERT ON notifications
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_wake();

-- Without an SMTP server, messages land here, for the administrator to read.
CREATE TABLE mailbox (
    notification_id  uuid PRIMARY KEY REFERENCES notifications (id),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    recipient        text NOT NULL,
    raw              text NOT NULL,
    delivered_at     timestamptz NOT NULL
);
CREATE INDEX mailbox_organisation_idx ON mailbox (organisation_id, delivered_at DESC);

-- How each person wants to hear (Account → Notifications).
CREATE TABLE notification_settings (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    time_zone    text NOT NULL DEFAULT 'UTC' CONSTRAINT notification_settings_zone CHECK (length(time_zone) BETWEEN 1 AND 64),
    digest_day   smallint NOT NULL DEFAULT 1 CONSTRAINT notification_settings_day CHECK (digest_day BETWEEN 1 AND 7),
    digest_hour  smallint NOT NULL DEFAULT 8 CONSTRAINT notification_settings_hour CHECK (digest_hour BETWEEN 0 AND 23),
    -- kind → 'now' | 'digest' | 'off'; a kind not named takes its default.
    choices      jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT notification_settings_choices CHECK (jsonb_typeof(choices) = 'object'),
    version      integer NOT NULL DEFAULT 1
);
