-- The dashboard's board as its page shows it (issue 23): the statuses,
-- tables, charts and ROI that every view of the dashboard rendered from the
-- kept document, written to HTML by tandem when the document changes
-- (`board_shown`, at the end of each write through a page, and by the
-- keeper task for any other write, a new day or another release's markup).
-- Its page shows it only while it is what it would render now: written
-- from this document (`shown_of` = `written_in`), for today
-- (`shown_for`), with this release's markup (`shown_markup`); otherwise it
-- renders the board from the document, as before. A derived copy: no
-- audit entry, and rewriting the document (which changes `written_in`)
-- leaves it standing but no longer shown.
ALTER TABLE dashboard_sources
    ADD COLUMN shown text,
    ADD COLUMN shown_of xid8,
    ADD COLUMN shown_for date,
    ADD COLUMN shown_markup text;
ALTER TABLE dashboard_sources ALTER COLUMN shown SET STORAGE EXTERNAL;

-- The kept dashboards this transaction wrote, with the day their board was
-- last shown for: a write through a page renders them again before it
-- commits. The refreshes run at commit (deferred triggers), so they are
-- run now.
CREATE FUNCTION dashboards_written() RETURNS TABLE (programme_id uuid, body json, shown_for date)
    LANGUAGE plpgsql AS $fn$
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN QUERY SELECT d.programme_id, d.body, d.shown_for FROM dashboard_sources d
                  WHERE d.written_in = pg_current_xact_id() AND d.shown_for IS NOT NULL;
END
$fn$;
