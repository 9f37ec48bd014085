-- The dashboard's source kept by the writes (issue 23): what a dashboard
-- shows (the signed and draft metric sections, each metric's recent values,
-- the ROI actuals) is written as one JSON document per programme by the
-- transaction that changes any of it, so the five pages that show the
-- dashboard or its figures read one small row instead of running the query
-- on every view. The query lives here, once: tandem calls
-- `dashboard_source` itself for a metric's own page (all its values and its
-- corrections) and for the figures a write freezes in its own transaction.

-- The brief sections the dashboard is defined by (`db::metrics::SECTIONS`).
CREATE FUNCTION dashboard_sections() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY['operational_metrics', 'success_metrics', 'business_case', 'process_scope'];

-- The dashboard of `p_programme`: the recent `p_recent` values per metric,
-- or, with `p_focus`, that metric's values and its corrections.
CREATE FUNCTION dashboard_source(p_programme uuid, p_focus text, p_recent integer) RETURNS json
    LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    sections text[] := dashboard_sections();
BEGIN
    RETURN (SELECT row_to_json(d) FROM (WITH signed AS (
             SELECT v.id, v.number,
                    (SELECT max(s.signed_at) FROM brief_signatures s WHERE s.version_id = v.id) AS approved_at
               FROM brief_versions v
              WHERE v.programme_id = p_programme
                AND NOT EXISTS (
                    SELECT 1 FROM brief_signature_slots sl
                     WHERE sl.version_id = v.id
                       AND NOT EXISTS (SELECT 1 FROM brief_signatures s
                                        WHERE s.version_id = v.id AND s.user_id = sl.user_id
                                          AND s.decision = 'signed'))
              ORDER BY v.number DESC LIMIT 1
         ),
         metric_ids AS (
             SELECT DISTINCT m->>'id' AS id
               FROM (SELECT content FROM brief_sections WHERE programme_id = p_programme AND section_key = ANY(sections)
                     UNION ALL
                     SELECT vs.content FROM brief_version_sections vs JOIN signed s ON s.id = vs.version_id
                      WHERE vs.section_key = ANY(sections)) c,
                    jsonb_array_elements(coalesce(c.content->'metrics', '[]') || coalesce(c.content->'business_metrics', '[]')) m
              WHERE p_focus::text IS NULL OR m->>'id' = p_focus
         ),
         recent AS (
             SELECT v.*, u.display_name AS recorded_by_name
               FROM metric_ids i
               CROSS JOIN LATERAL (
                   SELECT * FROM metric_values mv
                    WHERE mv.programme_id = p_programme AND mv.metric_id = i.id
                    ORDER BY mv.period DESC LIMIT p_recent) v
               LEFT JOIN users u ON u.id = v.recorded_by
         )
         SELECT
             (SELECT json_build_object(
                         'number', s.number, 'approved_at', s.approved_at,
                         'sections', coalesce((SELECT json_object_agg(vs.section_key, vs.content ORDER BY vs.section_key)
                                                 FROM brief_version_sections vs
                                                WHERE vs.version_id = s.id AND vs.section_key = ANY(sections)), '{}'::json))
                FROM signed s) AS signed,
             (SELECT max(number) FROM brief_versions WHERE programme_id = p_programme) AS latest_number,
             (SELECT json_object_agg(section_key, content ORDER BY section_key) FROM brief_sections
               WHERE programme_id = p_programme AND section_key = ANY(sections)) AS draft,
             vals.ids, vals.metric_ids, vals.periods, vals.vals, vals.notes, vals.names, vals.ats, vals.versions,
             (SELECT coalesce(json_agg(json_build_object(
                         'period', mv.period, 'old_value', c.old_value, 'new_value', c.new_value,
                         'old_note', c.old_note, 'new_note', c.new_note, 'reason', c.reason,
                         'corrected_by_name', u.display_name, 'corrected_at', c.corrected_at) ORDER BY c.id DESC), '[]'::json)
                FROM metric_value_corrections c
                JOIN metric_values mv ON mv.id = c.value_id
                LEFT JOIN users u ON u.id = c.corrected_by
               WHERE p_focus::text IS NOT NULL AND mv.programme_id = p_programme AND mv.metric_id = p_focus) AS corrections,
             (SELECT coalesce(json_agg(json_build_object(
                         'month', r.month, 'investment', r.investment, 'benefit', r.benefit,
                         'note', r.note, 'version', r.version) ORDER BY r.month), '[]'::json)
                FROM roi_actuals r WHERE r.programme_id = p_programme) AS roi
           FROM (SELECT coalesce(array_agg(r.id ORDER BY r.metric_id, r.period DESC), '{}') AS ids,
                        coalesce(array_agg(r.metric_id ORDER BY r.metric_id, r.period DESC), '{}') AS metric_ids,
                        coalesce(array_agg(r.period ORDER BY r.metric_id, r.period DESC), '{}') AS periods,
                        coalesce(array_agg(r.value ORDER BY r.metric_id, r.period DESC), '{}') AS vals,
                        coalesce(array_agg(r.note ORDER BY r.metric_id, r.period DESC), '{}') AS notes,
                        coalesce(array_agg(r.recorded_by_name ORDER BY r.metric_id, r.period DESC), '{}') AS names,
                        coalesce(array_agg(r.recorded_at ORDER BY r.metric_id, r.period DESC), '{}') AS ats,
                        coalesce(array_agg(r.version ORDER BY r.metric_id, r.period DESC), '{}') AS versions
                   FROM recent r) vals) d);
END
$fn$;

CREATE TABLE dashboard_sources (
    programme_id uuid PRIMARY KEY REFERENCES programmes (id) ON DELETE CASCADE,
    body         json NOT NULL,
    -- The transaction that wrote it: a transaction that changes several
    -- rows of a programme rewrites its dashboard once.
    written_in   xid8 NOT NULL
);
-- Read on every view, written at a change: kept out of line but not
-- compressed (decompressing 30 KB cost more than reading it).
ALTER TABLE dashboard_sources ALTER COLUMN body SET STORAGE EXTERNAL;

-- Rewrites the dashboard of `p_programme`, keeping as many recent values
-- per metric as the dashboard shows (`db::metrics::RECENT_VALUES`). Two
-- transactions changing one programme at once rewrite it one after the
-- other: the second waits for the first to commit, then reads what both
-- wrote (each statement of a function like this one sees the latest commits).
CREATE FUNCTION refresh_dashboard_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM dashboard_sources WHERE programme_id = p_programme FOR UPDATE;
    INSERT INTO dashboard_sources (programme_id, body, written_in)
    VALUES (p_programme, dashboard_source(p_programme, NULL, 26), pg_current_xact_id())
    ON CONFLICT (programme_id) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
END
$fn$;

-- At commit (deferred), once per programme and transaction: rewrites the
-- dashboard of the programme whose row changed.
CREATE FUNCTION dashboard_source_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
DECLARE
    changed record;
    programme uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'programmes' THEN
        programme := changed.id;
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots') THEN
        SELECT programme_id INTO programme FROM brief_versions WHERE id = changed.version_id;
    ELSIF TG_TABLE_NAME = 'users' THEN
        -- A new name for whoever recorded values: every programme of theirs.
        PERFORM refresh_dashboard_source(p.id)
           FROM programmes p
          WHERE p.organisation_id = changed.organisation_id
            AND NOT EXISTS (SELECT 1 FROM dashboard_sources s
                             WHERE s.programme_id = p.id AND s.written_in = pg_current_xact_id());
        RETURN NULL;
    ELSE
        programme := changed.programme_id;
    END IF;
    IF programme IS NOT NULL
       AND EXISTS (SELECT 1 FROM programmes WHERE id = programme)
       AND NOT EXISTS (SELECT 1 FROM dashboard_sources
                        WHERE programme_id = programme AND written_in = pg_current_xact_id()) THEN
        PERFORM refresh_dashboard_source(programme);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON metric_values
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER INSERT OR UPDATE OR DELETE ON roi_actuals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();
CREATE CONSTRAINT TRIGGER dashboard_source_changed AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_source_changed();

INSERT INTO dashboard_sources (programme_id, body, written_in)
SELECT id, dashboard_source(id, NULL, 26), pg_current_xact_id() FROM programmes;
