-- The programme as every page's header shows it (its row with its stored
-- warning signs, last pulse check, suspended agents and the first open
-- incident clock: `db::programmes::COLUMNS`), kept beside its overview
-- (issue 23): the overview's document already holds it and is rewritten
-- at every change to any of those, so the pages that read a kept document
-- read the programme from one column instead of four subqueries.
ALTER TABLE programme_sources ADD COLUMN programme json;

CREATE OR REPLACE FUNCTION refresh_programme_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
    brief json;
BEGIN
    PERFORM 1 FROM programme_sources WHERE programme_id = p_programme FOR UPDATE;
    IF EXISTS (SELECT 1 FROM programme_sources
                WHERE programme_id = p_programme AND written_in = pg_current_xact_id()) THEN
        RETURN;
    END IF;
    body := programme_source(p_programme);
    IF body IS NULL THEN
        RETURN;
    END IF;
    brief := brief_source(p_programme);
    INSERT INTO programme_sources (programme_id, organisation_id, body, brief, programme, written_in)
    SELECT p_programme, organisation_id, body, brief, body -> 'programme', pg_current_xact_id()
      FROM programmes WHERE id = p_programme
    ON CONFLICT (programme_id) DO UPDATE
        SET organisation_id = EXCLUDED.organisation_id, body = EXCLUDED.body, brief = EXCLUDED.brief,
            programme = EXCLUDED.programme, written_in = EXCLUDED.written_in;
END
$fn$;
