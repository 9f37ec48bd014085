-- Invitations (SPEC §10): an administrator invites a person by e-mail
-- instead of choosing an initial password for them. The person exists from
-- the invitation on (so seats can be given at once) but has no password
-- until they set one through the link: single use, valid 7 days, stored as
-- the SHA-256 of its token. Opening the link changes nothing (mail scanners
-- fetch links); only its form does.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

CREATE TABLE invitations (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    user_id          uuid NOT NULL,
    token_hash       bytea NOT NULL CONSTRAINT invitations_token_hash_key UNIQUE,
    invited_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    withdrawn_at     timestamptz,
    CONSTRAINT invitations_user_fkey FOREIGN KEY (user_id, organisation_id) REFERENCES users (id, organisation_id)
);
CREATE INDEX invitations_user_idx ON invitations (user_id, created_at DESC);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known CHECK (kind IN (
    'decision_requested', 'decision_reminder', 'decision_deadline', 'decision_taken',
    'signature_requested', 'signature_reminder', 'brief_signed', 'brief_rejected',
    'update_due', 'update_sent', 'session_due', 'review_opened', 'review_part_due', 'review_held',
    'warning_sign', 'action_due', 'pulse_due', 'rating_round', 'digest', 'test', 'invitation'));
