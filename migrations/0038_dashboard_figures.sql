-- Each kept dashboard's values as figures alone (metric, period, value:
-- `db::metrics::decode_values`), kept beside the whole document (issue
-- 23): a held ExCo review compares its pack with today's values, and read
-- the whole dashboard (27 KB at a year) for them.
ALTER TABLE dashboard_sources ADD COLUMN figures json;
ALTER TABLE dashboard_sources ALTER COLUMN figures SET STORAGE EXTERNAL;

CREATE FUNCTION dashboard_figures(p_body json) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object('metric_ids', p_body -> 'metric_ids', 'periods', p_body -> 'periods',
                             'vals', p_body -> 'vals');

CREATE OR REPLACE FUNCTION refresh_dashboard_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    kept json;
BEGIN
    PERFORM 1 FROM dashboard_sources WHERE programme_id = p_programme FOR UPDATE;
    kept := kept_dashboard(dashboard_source(p_programme, NULL, 26));
    INSERT INTO dashboard_sources (programme_id, body, figures, written_in)
    VALUES (p_programme, kept, dashboard_figures(kept), pg_current_xact_id())
    ON CONFLICT (programme_id) DO UPDATE
        SET body = EXCLUDED.body, figures = EXCLUDED.figures, written_in = EXCLUDED.written_in;
END
$fn$;

UPDATE dashboard_sources SET figures = dashboard_figures(body);
