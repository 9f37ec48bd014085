-- The ROI actuals as the dashboard keeps them (issue 23): every month
-- ever recorded was kept and read by every page that shows the dashboard
-- (121 months, 10 of 23 KB, at ten years), though the dashboard lists only
-- the last twelve and sums the rest. The running totals are now taken
-- here, by the write that changes them: the months of the last twelve up to
-- the latest one by one, those before summed, and the payback month found
-- over all of them (`db::metrics::RoiKept`). A month outside the years
-- tandem accepts (a row older than 0011's check) is left out, as the
-- dashboard left it out before.
CREATE FUNCTION roi_kept(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN (WITH months AS (
                SELECT r.month, r.investment, r.benefit,
                       left(r.month, 4)::int * 12 + right(r.month, 2)::int AS n,
                       sum(r.investment) OVER running AS invested,
                       sum(r.benefit) OVER running AS gained
                  FROM roi_actuals r
                 WHERE r.programme_id = p_programme AND r.month ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$'
                WINDOW running AS (ORDER BY r.month)),
            latest AS (SELECT max(n) AS n FROM months)
            SELECT json_build_object(
                'recent', (SELECT coalesce(json_agg(json_build_object(
                                      'month', m.month, 'investment', m.investment, 'benefit', m.benefit)
                                      ORDER BY m.month), '[]'::json)
                             FROM months m, latest l WHERE m.n > l.n - 12),
                'earlier', (SELECT json_build_object('first', min(m.month), 'last', max(m.month),
                                                     'investment', sum(m.investment), 'benefit', sum(m.benefit))
                              FROM months m, latest l WHERE m.n <= l.n - 12 HAVING count(*) > 0),
                'payback', (SELECT min(m.month) FROM months m WHERE m.invested > 0 AND m.gained >= m.invested)));

-- `dashboard_source` (0020) with the kept actuals in place of every month.
CREATE OR REPLACE FUNCTION dashboard_source(p_programme uuid, p_focus text, p_recent integer) RETURNS json
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
             roi_kept(p_programme) AS roi
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

SELECT refresh_dashboard_source(programme_id) FROM dashboard_sources;
SELECT refresh_metric_sources(p.programme_id, NULL) FROM (SELECT DISTINCT programme_id FROM metric_sources) p;
