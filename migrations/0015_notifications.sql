-- Notifications (SPEC §9): every message tandem has for a person, written
-- in the same transaction as the event it announces, so a rolled-back write
-- announces nothing and a crash loses nothing. Each row is one message to
-- one person: shown in the app's notifications list (read_at), and the
-- outbox of its e-mail delivery (delivery). The text is written when the
-- event happens, from what the recipient may see, and never changes.
CREATE TABLE notifications (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    recipient_id     uuid NOT NULL REFERENCES users (id),
    kind             text NOT NULL CONSTRAINT notifications_kind_known
        CHECK (kind IN ('decision_requested', 'decision_taken')),
    subject          text NOT NULL CONSTRAINT notifications_subject CHECK (btrim(subject) <> '' AND length(subject) <= 200),
    body             text NOT NULL,
    link             text NOT NULL CONSTRAINT notifications_link_relative CHECK (link LIKE '/%'),
    created_at       timestamptz NOT NULL,
    read_at          timestamptz,
    delivery         text NOT NULL DEFAULT 'queued'
        CONSTRAINT notifications_delivery_known CHECK (delivery IN ('queued', 'sent', 'failed', 'cancelled'))
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id) WHERE read_at IS NULL;
