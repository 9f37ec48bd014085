-- The weekly digest (SPEC §9): at most one queued row per reader, due at
-- their chosen day and hour in their time zone; the delivery loop writes its
-- text when it goes out, then queues the next one. The unique index keeps
-- two instances from queueing a reader's next digest twice, and finds the
-- readers whose next digest is not queued yet.
CREATE UNIQUE INDEX notifications_digest_once ON notifications (recipient_id)
    WHERE kind = 'digest' AND delivery = 'queued';
