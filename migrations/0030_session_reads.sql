-- What every request reads of its user, on the user's row (issue 23). The
-- session's statement ran on every view with two subqueries besides its
-- joins: the kinds of the seats the user sits in, and the time zone they
-- chose. Both are now kept on `users` by the writes to `seats` and
-- `notification_settings`, so a page's statement reads the session with
-- one join. `seats` and `notification_settings` stay the record; these two
-- columns are copies.
ALTER TABLE users
    ADD COLUMN seat_kinds text[] NOT NULL DEFAULT '{}',
    ADD COLUMN time_zone text;

-- Rewrites the seat kinds of `p_user`. Two transactions changing the seats
-- of one person at once write in turn: the row is locked first, and the
-- second statement, with a snapshot of its own, sees what the first
-- transaction committed.
CREATE FUNCTION refresh_seat_kinds(p_user uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
    UPDATE users
       SET seat_kinds = ARRAY(SELECT kind FROM seats
                               WHERE user_id = p_user AND ended_at IS NULL ORDER BY kind)
     WHERE id = p_user;
END
$fn$;

CREATE FUNCTION seat_kinds_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM refresh_seat_kinds(OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id) THEN
        PERFORM refresh_seat_kinds(NEW.user_id);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER seat_kinds_changed
    AFTER INSERT OR UPDATE OR DELETE ON seats
    FOR EACH ROW EXECUTE FUNCTION seat_kinds_changed();

CREATE FUNCTION time_zone_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE users SET time_zone = NULL WHERE id = OLD.user_id;
    ELSE
        UPDATE users SET time_zone = NEW.time_zone WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER time_zone_changed
    AFTER INSERT OR UPDATE OF time_zone OR DELETE ON notification_settings
    FOR EACH ROW EXECUTE FUNCTION time_zone_changed();

SELECT refresh_seat_kinds(id) FROM users;
UPDATE users u
   SET time_zone = (SELECT time_zone FROM notification_settings WHERE user_id = u.id);
