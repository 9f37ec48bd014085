-- The ExCo hears that a held review's pack is ready.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known
    CHECK (kind IN ('decision_requested', 'decision_taken', 'review_held'));
