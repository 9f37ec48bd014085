-- When each of a user's unread notifications falls due, on the user's row
-- (issue 23). Every page's statement counted the reader's unread
-- notifications due by now with a subquery, whose setup and run cost
-- PostgreSQL more than a third of the session's part of the statement. The
-- count depends on the time (a reminder shows from its due time), so the
-- row keeps the due times, in order, and a page counts those up to now
-- with `width_bucket(now, unread_due)`. `notifications` stays the record;
-- this column is a copy, kept by the writes to it.
--
-- Only the earliest 100 are kept: a badge that reaches 100 says "99+".
ALTER TABLE users ADD COLUMN unread_due timestamptz[] NOT NULL DEFAULT '{}';

-- Rewrites the due times of `p_users`. The rows are locked first, in id
-- order (two writes notifying the same people lock them in the same
-- order), and the update, with a snapshot of its own, sees what a
-- transaction that held a lock before committed.
CREATE FUNCTION refresh_unread_due(p_users uuid[]) RETURNS void
    LANGUAGE plpgsql AS $fn$
BEGIN
    IF cardinality(p_users) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM users WHERE id = ANY (p_users) ORDER BY id FOR NO KEY UPDATE;
    UPDATE users u
       SET unread_due = ARRAY(SELECT n.due_at FROM notifications n
                               WHERE n.recipient_id = u.id AND n.read_at IS NULL
                                 AND n.delivery <> 'cancelled'
                               ORDER BY n.due_at LIMIT 100)
     WHERE u.id = ANY (p_users);
END
$fn$;

-- One rewrite per statement, for the people whose unread notifications
-- it changed: a fan-out or "mark all read" rewrites each person once.
CREATE FUNCTION unread_due_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM refresh_unread_due(ARRAY(
        SELECT DISTINCT recipient_id FROM added WHERE read_at IS NULL AND delivery <> 'cancelled'));
    RETURN NULL;
END
$fn$;

CREATE FUNCTION unread_due_updated() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM refresh_unread_due(ARRAY(
        SELECT o.recipient_id FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.read_at IS NULL AND o.delivery <> 'cancelled')
                   IS DISTINCT FROM (n.read_at IS NULL AND n.delivery <> 'cancelled')
            OR o.due_at IS DISTINCT FROM n.due_at
            OR o.recipient_id IS DISTINCT FROM n.recipient_id
        UNION
        SELECT n.recipient_id FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE o.recipient_id IS DISTINCT FROM n.recipient_id));
    RETURN NULL;
END
$fn$;

CREATE FUNCTION unread_due_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM refresh_unread_due(ARRAY(
        SELECT DISTINCT recipient_id FROM removed WHERE read_at IS NULL AND delivery <> 'cancelled'));
    RETURN NULL;
END
$fn$;

CREATE TRIGGER unread_due_inserted AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION unread_due_inserted();
CREATE TRIGGER unread_due_updated AFTER UPDATE ON notifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unread_due_updated();
CREATE TRIGGER unread_due_deleted AFTER DELETE ON notifications
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION unread_due_deleted();

SELECT refresh_unread_due(ARRAY(SELECT id FROM users));
