-- Each organisation's audit head: the sequence number of the newest entry
-- of its audit chain, kept on the organisation's row so that reading it with
-- the session costs one primary-key lookup, however many entries there are
-- and however many organisations share the log.
--
-- Every change is audited in the transaction that makes it, and a chain's
-- links are handed out under a lock held until commit (audit_log_link), so
-- the head only moves forward, in commit order: a page rendered when the
-- head was N shows every change up to N. The page cache keys pages by it.
ALTER TABLE organisations ADD COLUMN audit_head bigint NOT NULL DEFAULT 0;

UPDATE organisations o
   SET audit_head = coalesce((SELECT max(id) FROM audit_log a WHERE a.organisation_id = o.id), 0);

-- Once per statement (a bulk insert of history moves the head once, not
-- once a row), after the rows are linked and while the chain's lock is held.
CREATE FUNCTION audit_log_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisations o
       SET audit_head = n.head
      FROM (SELECT organisation_id, max(id) AS head FROM inserted
             WHERE organisation_id IS NOT NULL GROUP BY organisation_id) n
     WHERE o.id = n.organisation_id AND o.audit_head < n.head;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_move_head AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_move_head();
