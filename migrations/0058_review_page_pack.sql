-- What a held review's page reads of its pack (issue 23), worked out once
-- when the pack is written, as `standing` is (migration 0047):
--
-- - `page`: the pack without what only the printable pack shows (each
--   figure's recent values, drawn as its chart, and the rule's
--   explanation): a third of the pack, and most of what the page decoded.
-- - `frozen_metrics`, `frozen_periods`: the (metric, period) of each
--   figure's value, in the pack's order: what a correction of a value is
--   matched with (below).
--
-- The printable pack and its check still read the pack whole (`shown`).
CREATE FUNCTION pack_page(pack jsonb) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN (CASE WHEN jsonb_typeof(pack->'figures'->'metrics') = 'array'
                 THEN jsonb_set(pack, '{figures,metrics}',
                                (SELECT coalesce(jsonb_agg(m - 'recent' - 'explanation' ORDER BY e.n), '[]'::jsonb)
                                   FROM jsonb_array_elements(pack->'figures'->'metrics')
                                        WITH ORDINALITY AS e(m, n)))
                 ELSE pack END)::json;

CREATE FUNCTION pack_frozen(pack jsonb, field text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY(SELECT m->>field
                   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pack->'figures'->'metrics') = 'array'
                                                  THEN pack->'figures'->'metrics' ELSE '[]'::jsonb END)
                        WITH ORDINALITY AS e(m, n)
                  ORDER BY e.n);

ALTER TABLE exco_review_snapshots
    ADD COLUMN page json GENERATED ALWAYS AS (pack_page(content)) STORED,
    ADD COLUMN frozen_metrics text[] GENERATED ALWAYS AS (pack_frozen(content, 'id')) STORED,
    ADD COLUMN frozen_periods text[] GENERATED ALWAYS AS (pack_frozen(content, 'period')) STORED;

-- The frozen figures corrected since their pack was held: today's value of
-- the figure at `position` (0-based, in the pack's order) of review
-- `review_id`'s pack. Written by the correction itself (the only write
-- that changes a recorded value) through the trigger below, in its
-- transaction; a derived copy, as the kept documents are (the correction
-- is audited). The review's page reads these few rows (usually none)
-- instead of the whole kept dashboard, to show a correction beside the
-- figure it changed.
CREATE TABLE review_corrections (
    review_id uuid NOT NULL REFERENCES exco_reviews(id) ON DELETE CASCADE,
    position integer NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (review_id, position)
);

CREATE FUNCTION review_corrections_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO review_corrections (review_id, position, value)
    SELECT s.review_id, f.n - 1, NEW.value
      FROM exco_review_snapshots s
      JOIN exco_reviews r ON r.id = s.review_id
     CROSS JOIN LATERAL unnest(s.frozen_metrics, s.frozen_periods) WITH ORDINALITY AS f(metric_id, period, n)
     WHERE r.programme_id = NEW.programme_id AND f.metric_id = NEW.metric_id AND f.period = NEW.period
    ON CONFLICT (review_id, position) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END $$;

CREATE TRIGGER review_corrections_changed AFTER UPDATE OF value ON metric_values
    FOR EACH ROW WHEN (OLD.value IS DISTINCT FROM NEW.value)
    EXECUTE FUNCTION review_corrections_changed();

-- The packs already held: each figure whose value differs today.
INSERT INTO review_corrections (review_id, position, value)
SELECT s.review_id, f.n - 1, v.value
  FROM exco_review_snapshots s
  JOIN exco_reviews r ON r.id = s.review_id
 CROSS JOIN LATERAL unnest(s.frozen_metrics, s.frozen_periods) WITH ORDINALITY AS f(metric_id, period, n)
  JOIN metric_values v ON v.programme_id = r.programme_id AND v.metric_id = f.metric_id AND v.period = f.period
 WHERE v.value IS DISTINCT FROM (s.content->'figures'->'metrics'->(f.n::int - 1)->>'value')::double precision;

-- The kept dashboard's figures (migration 0038) were read by a held
-- review's page alone, to look up today's values: no longer written. The
-- column stays, empty, while a release that reads it may still run beside
-- this one (it then shows no correction beside a frozen figure).
CREATE OR REPLACE FUNCTION refresh_dashboard_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    kept json;
BEGIN
    PERFORM 1 FROM dashboard_sources WHERE programme_id = p_programme FOR UPDATE;
    kept := kept_dashboard(dashboard_source(p_programme, NULL, 26));
    INSERT INTO dashboard_sources (programme_id, body, written_in)
    VALUES (p_programme, dashboard_trimmed(kept), pg_current_xact_id())
    ON CONFLICT (programme_id) DO UPDATE
        SET body = EXCLUDED.body, figures = NULL, written_in = EXCLUDED.written_in;
END
$fn$;

DROP FUNCTION dashboard_figures(json);
UPDATE dashboard_sources SET figures = NULL;
