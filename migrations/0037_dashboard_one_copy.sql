-- The kept dashboard without a second copy of its definitions (issue 23):
-- while no change to the brief is being prepared, the draft's dashboard
-- sections are the signed version's, and every page that shows the
-- dashboard decoded both. The kept documents (the dashboard's, each
-- metric page's) now leave the draft out when it is the same and say so
-- (`draft_is_signed`); `dashboard_source` itself, which tandem also calls
-- inside writes, is unchanged.
CREATE FUNCTION kept_dashboard(p_body json) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN json_typeof(p_body -> 'signed') = 'object'
                 AND (p_body -> 'draft')::jsonb = (p_body -> 'signed' -> 'sections')::jsonb
                THEN ((p_body::jsonb - 'draft') || '{"draft_is_signed": true}'::jsonb)::json
                ELSE p_body END;

CREATE OR REPLACE FUNCTION refresh_dashboard_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM dashboard_sources WHERE programme_id = p_programme FOR UPDATE;
    INSERT INTO dashboard_sources (programme_id, body, written_in)
    VALUES (p_programme, kept_dashboard(dashboard_source(p_programme, NULL, 26)), pg_current_xact_id())
    ON CONFLICT (programme_id) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
END
$fn$;

CREATE OR REPLACE FUNCTION refresh_metric_sources(p_programme uuid, p_metric text) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    metric text;
BEGIN
    FOR metric IN SELECT DISTINCT metric_id FROM metric_values
                   WHERE programme_id = p_programme AND (p_metric IS NULL OR metric_id = p_metric)
                   ORDER BY metric_id LOOP
        PERFORM 1 FROM metric_sources WHERE programme_id = p_programme AND metric_id = metric FOR UPDATE;
        CONTINUE WHEN EXISTS (SELECT 1 FROM metric_sources
                               WHERE programme_id = p_programme AND metric_id = metric
                                 AND written_in = pg_current_xact_id());
        INSERT INTO metric_sources (programme_id, metric_id, body, written_in)
        VALUES (p_programme, metric, kept_dashboard(dashboard_source(p_programme, metric, 104)), pg_current_xact_id())
        ON CONFLICT (programme_id, metric_id) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
    END LOOP;
END
$fn$;

UPDATE dashboard_sources SET body = kept_dashboard(body);
UPDATE metric_sources SET body = kept_dashboard(body);
