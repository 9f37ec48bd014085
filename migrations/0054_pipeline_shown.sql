-- The expansion pipeline as its page shows it (issue 23), as the
-- dashboard's board (0052): written to HTML by tandem when its document or
-- the dashboard its gates are judged on changes, once for a reader and
-- once for someone who may move processes (`shown`, in that order), with
-- a placeholder where each view puts its own CSRF token and fresh
-- one-time keys. Shown only while written from both documents as they
-- stand (`shown_of`, `shown_board_of`), for today, with this release's
-- markup; a derived copy, no audit entry. Other kept pages leave these
-- columns empty.
ALTER TABLE page_sources
    ADD COLUMN shown text[],
    ADD COLUMN shown_of xid8,
    ADD COLUMN shown_board_of xid8,
    ADD COLUMN shown_for date,
    ADD COLUMN shown_markup text;
ALTER TABLE page_sources ALTER COLUMN shown SET STORAGE EXTERNAL;

-- The kept pipelines whose document or dashboard this transaction wrote,
-- as `dashboards_written`.
CREATE FUNCTION pipelines_written() RETURNS TABLE (programme_id uuid, body json, dashboard json, shown_for date)
    LANGUAGE plpgsql AS $fn$
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN QUERY SELECT p.programme_id, p.body, d.body, p.shown_for
                   FROM page_sources p LEFT JOIN dashboard_sources d ON d.programme_id = p.programme_id
                  WHERE p.page = 'pipeline' AND p.shown_for IS NOT NULL
                    AND (p.written_in = pg_current_xact_id() OR d.written_in = pg_current_xact_id());
END
$fn$;
