-- The brief page kept by the writes (issue 23): the draft's sections, every
-- version with its slots and signatures, and the latest version's section
-- hashes, as one JSON document per programme beside its overview, rewritten
-- at the commit of any change to them. Written by `brief_source(programme)`,
-- which tandem installs at start from its own query
-- (`db::pages::brief_source_sql`), as the overview's is (migration 0022).
ALTER TABLE programme_sources ADD COLUMN brief json;
ALTER TABLE programme_sources ALTER COLUMN brief SET STORAGE EXTERNAL;

CREATE FUNCTION brief_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

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
    INSERT INTO programme_sources (programme_id, organisation_id, body, brief, written_in)
    SELECT p_programme, organisation_id, body, brief, pg_current_xact_id() FROM programmes WHERE id = p_programme
    ON CONFLICT (programme_id) DO UPDATE
        SET organisation_id = EXCLUDED.organisation_id, body = EXCLUDED.body, brief = EXCLUDED.brief,
            written_in = EXCLUDED.written_in;
END
$fn$;

CREATE OR REPLACE FUNCTION programme_source_changed() RETURNS trigger
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
    IF TG_TABLE_NAME IN ('seats', 'users') THEN
        PERFORM refresh_programme_source(p.id)
           FROM programmes p WHERE p.organisation_id = changed.organisation_id;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'programmes' THEN
        programme := changed.id;
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots', 'brief_version_sections') THEN
        SELECT programme_id INTO programme FROM brief_versions WHERE id = changed.version_id;
    ELSE
        programme := changed.programme_id;
    END IF;
    IF programme IS NOT NULL AND EXISTS (SELECT 1 FROM programmes WHERE id = programme) THEN
        PERFORM refresh_programme_source(programme);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_version_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
