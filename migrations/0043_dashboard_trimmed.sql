-- The kept dashboard holds only what its readers decode (issue 23): every
-- page that reads it (the dashboard, alignment health, the pipeline, an
-- open ExCo review) builds the board from each value's metric, period and
-- figure, and skipped each value's id, time, author, note and version, and
-- the corrections (more than half of the document at a year), which
-- PostgreSQL still fetched and sent. A metric's page keeps its own
-- document with them (`metric_sources`); `dashboard_source` itself, which
-- tandem also calls inside writes, is unchanged.
CREATE FUNCTION dashboard_trimmed(p_body json) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN (p_body::jsonb - ARRAY['ids', 'ats', 'names', 'notes', 'versions', 'corrections'])::json;

CREATE OR REPLACE FUNCTION refresh_dashboard_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    kept json;
BEGIN
    PERFORM 1 FROM dashboard_sources WHERE programme_id = p_programme FOR UPDATE;
    kept := kept_dashboard(dashboard_source(p_programme, NULL, 26));
    INSERT INTO dashboard_sources (programme_id, body, figures, written_in)
    VALUES (p_programme, dashboard_trimmed(kept), dashboard_figures(kept), pg_current_xact_id())
    ON CONFLICT (programme_id) DO UPDATE
        SET body = EXCLUDED.body, figures = EXCLUDED.figures, written_in = EXCLUDED.written_in;
END
$fn$;

UPDATE dashboard_sources SET body = dashboard_trimmed(body);
