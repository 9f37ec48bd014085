-- Each metric's page as it shows it (issue 23), as the dashboard's board
-- (migration 0052): the heading, standing and chart, and the values with
-- their corrections, written to HTML by tandem when the metric's kept
-- document changes, with what the page frames them with (the metric's
-- name, its kind, which says who records it, and the period its form
-- proposes). Shown only while written from the document as it stands, for
-- today, with this release's markup; a derived copy, no audit entry.
ALTER TABLE metric_sources
    ADD COLUMN shown text[],
    ADD COLUMN shown_name text,
    ADD COLUMN shown_kind text,
    ADD COLUMN shown_due text,
    ADD COLUMN shown_of xid8,
    ADD COLUMN shown_for date,
    ADD COLUMN shown_markup text;
ALTER TABLE metric_sources ALTER COLUMN shown SET STORAGE EXTERNAL;

-- The metric pages this transaction wrote, as `dashboards_written`.
CREATE FUNCTION metric_pages_written() RETURNS TABLE (programme_id uuid, metric_id text, body json, shown_for date)
    LANGUAGE plpgsql AS $fn$
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN QUERY SELECT m.programme_id, m.metric_id, m.body, m.shown_for FROM metric_sources m
                  WHERE m.written_in = pg_current_xact_id() AND m.shown_for IS NOT NULL;
END
$fn$;
