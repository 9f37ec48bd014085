-- Each required signatory hears that a version waits for their signature.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known
    CHECK (kind IN ('decision_requested', 'decision_taken', 'review_held', 'signature_requested'));
