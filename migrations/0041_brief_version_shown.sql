-- A frozen version's sections as its page shows them (issue 23), as the
-- draft's are (migration 0040): written by tandem at submission, with the
-- processes the version froze, and at start for a version frozen before or
-- written with another release's markup (`db::brief::derive_missing`). A
-- derived copy of immutable content: the markup may be rewritten, the
-- content never.
CREATE TABLE brief_version_shown (
    version_id   uuid NOT NULL,
    section_key  text NOT NULL,
    shown        text NOT NULL,
    shown_markup text NOT NULL,
    PRIMARY KEY (version_id, section_key),
    FOREIGN KEY (version_id, section_key) REFERENCES brief_version_sections (version_id, section_key)
);
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT OR UPDATE ON brief_version_shown
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();

-- Kept beside the version's document as text, in its sections' order.
ALTER TABLE brief_version_sources ADD COLUMN shown text[];
ALTER TABLE brief_version_sources ALTER COLUMN shown SET STORAGE EXTERNAL;

CREATE OR REPLACE FUNCTION refresh_brief_version_source(p_version uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
    shown text[];
BEGIN
    PERFORM 1 FROM brief_version_sources WHERE version_id = p_version FOR UPDATE;
    IF EXISTS (SELECT 1 FROM brief_version_sources
                WHERE version_id = p_version AND written_in = pg_current_xact_id()) THEN
        RETURN;
    END IF;
    -- One statement, one snapshot: the markup lines up with the sections.
    SELECT brief_version_source(p_version),
           ARRAY(SELECT coalesce(m.shown, '') FROM brief_version_sections s
                   LEFT JOIN brief_version_shown m USING (version_id, section_key)
                  WHERE s.version_id = p_version ORDER BY s.position)
      INTO body, shown;
    IF body IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO brief_version_sources (version_id, programme_id, number, body, shown, written_in)
    SELECT p_version, programme_id, number, body, shown, pg_current_xact_id() FROM brief_versions WHERE id = p_version
    ON CONFLICT (version_id) DO UPDATE
        SET programme_id = EXCLUDED.programme_id, number = EXCLUDED.number, body = EXCLUDED.body,
            shown = EXCLUDED.shown, written_in = EXCLUDED.written_in;
END
$fn$;
