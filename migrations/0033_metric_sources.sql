-- A metric's own page kept by the writes (issue 23): for each metric with
-- values, the dashboard focused on it (its latest 104 values,
-- `db::metrics::FOCUSED_VALUES`, and its corrections), as
-- `dashboard_source` (migration 0020) writes it, rewritten at the commit of
-- any change to it. A metric without a kept page is read as before.
CREATE TABLE metric_sources (
    programme_id uuid NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    metric_id    text NOT NULL,
    body         json NOT NULL,
    written_in   xid8 NOT NULL,
    PRIMARY KEY (programme_id, metric_id)
);
ALTER TABLE metric_sources ALTER COLUMN body SET STORAGE EXTERNAL;

-- Rewrites the page of metric `p_metric` of `p_programme` (of every metric
-- with values when NULL), each once per transaction.
CREATE FUNCTION refresh_metric_sources(p_programme uuid, p_metric text) RETURNS void
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
        VALUES (p_programme, metric, dashboard_source(p_programme, metric, 104), pg_current_xact_id())
        ON CONFLICT (programme_id, metric_id) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
    END LOOP;
END
$fn$;

-- At commit (deferred): a value or its corrections rewrite its metric's
-- page; what every metric page shows (the definitions in the brief, the
-- ROI, who recorded) rewrites them all.
CREATE FUNCTION metric_source_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
DECLARE
    changed record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'metric_values' THEN
        PERFORM refresh_metric_sources(changed.programme_id, changed.metric_id);
    ELSIF TG_TABLE_NAME = 'metric_value_corrections' THEN
        PERFORM refresh_metric_sources(v.programme_id, v.metric_id) FROM metric_values v WHERE v.id = changed.value_id;
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM refresh_metric_sources(p.id, NULL) FROM programmes p WHERE p.organisation_id = changed.organisation_id;
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots') THEN
        PERFORM refresh_metric_sources(v.programme_id, NULL) FROM brief_versions v WHERE v.id = changed.version_id;
    ELSE
        PERFORM refresh_metric_sources(changed.programme_id, NULL);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON metric_values
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON metric_value_corrections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();
CREATE CONSTRAINT TRIGGER metric_source_changed AFTER INSERT OR UPDATE OR DELETE ON roi_actuals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION metric_source_changed();

SELECT refresh_metric_sources(id, NULL) FROM programmes;
