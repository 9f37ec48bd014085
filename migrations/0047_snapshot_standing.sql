-- What a later review compares with an earlier pack (issue 23): each
-- metric's id, unit, value and status, worked out once when the pack is
-- written. A review's page showed its own pack and read the whole pack
-- before it (a fifth of the page's statement) only to say what moved.
CREATE FUNCTION pack_standing(pack jsonb) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN (SELECT coalesce(json_agg(json_build_object('id', m->>'id', 'unit', m->>'unit',
                                                       'value', m->'value', 'status', m->>'status')
                                     ORDER BY e.n), '[]'::json)
              FROM jsonb_array_elements(coalesce(pack->'figures'->'metrics', '[]'::jsonb))
                   WITH ORDINALITY AS e(m, n));

ALTER TABLE exco_review_snapshots
    ADD COLUMN standing json GENERATED ALWAYS AS (pack_standing(content)) STORED;
