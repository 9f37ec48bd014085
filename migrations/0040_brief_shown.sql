-- A draft section's fields as the brief page shows them (issue 23): their
-- HTML (`shown`) and whether any is filled in (`blank`), written by tandem
-- with every save (`brief_shown`) — the sections naming a process again
-- when the process scope is saved — so a view splices the markup instead
-- of decoding the content and writing every field. `shown_markup` says
-- which markup wrote it: at every start tandem fills what is missing and
-- writes again what another release's markup wrote
-- (`db::brief::derive_missing`).
ALTER TABLE brief_sections ADD COLUMN shown text, ADD COLUMN blank boolean, ADD COLUMN shown_markup text;

-- The kept brief holds the sections' markup as text, in the order of its
-- draft (section key), beside the document: as JSON the markup cost a
-- view more to decode than it saved.
ALTER TABLE programme_sources ADD COLUMN brief_shown text[];
-- Read whole on every view: uncompressed, as the document.
ALTER TABLE programme_sources ALTER COLUMN brief_shown SET STORAGE EXTERNAL;

CREATE OR REPLACE FUNCTION refresh_programme_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
    brief json;
    shown text[];
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
    -- One statement, one snapshot: the markup lines up with the draft.
    SELECT brief_source(p_programme),
           ARRAY(SELECT coalesce(s.shown, '') FROM brief_sections s
                  WHERE s.programme_id = p_programme ORDER BY s.section_key)
      INTO brief, shown;
    INSERT INTO programme_sources (programme_id, organisation_id, body, brief, brief_shown, programme, written_in)
    SELECT p_programme, organisation_id, body, brief, shown, body -> 'programme', pg_current_xact_id()
      FROM programmes WHERE id = p_programme
    ON CONFLICT (programme_id) DO UPDATE
        SET organisation_id = EXCLUDED.organisation_id, body = EXCLUDED.body, brief = EXCLUDED.brief,
            brief_shown = EXCLUDED.brief_shown, programme = EXCLUDED.programme,
            written_in = EXCLUDED.written_in;
END
$fn$;
