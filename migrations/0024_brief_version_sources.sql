-- A brief version's page kept by the writes (issue 23): the version, its
-- frozen sections and its slots with their signatures, as one JSON document
-- per version, rewritten at the commit of any change to them (a signature,
-- a signer's or submitter's name). Written by
-- `brief_version_source(version)`, which tandem installs at start from its
-- own query (`db::pages::brief_version_source_sql`), as the overview's is
-- (migration 0022).
CREATE TABLE brief_version_sources (
    version_id    uuid PRIMARY KEY REFERENCES brief_versions (id) ON DELETE CASCADE,
    programme_id  uuid NOT NULL,
    number        integer NOT NULL,
    body          json NOT NULL,
    written_in    xid8 NOT NULL,
    CONSTRAINT brief_version_sources_number_key UNIQUE (programme_id, number)
);
ALTER TABLE brief_version_sources ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE FUNCTION brief_version_source(p_version uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

CREATE FUNCTION refresh_brief_version_source(p_version uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
BEGIN
    PERFORM 1 FROM brief_version_sources WHERE version_id = p_version FOR UPDATE;
    IF EXISTS (SELECT 1 FROM brief_version_sources
                WHERE version_id = p_version AND written_in = pg_current_xact_id()) THEN
        RETURN;
    END IF;
    body := brief_version_source(p_version);
    IF body IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO brief_version_sources (version_id, programme_id, number, body, written_in)
    SELECT p_version, programme_id, number, body, pg_current_xact_id() FROM brief_versions WHERE id = p_version
    ON CONFLICT (version_id) DO UPDATE
        SET programme_id = EXCLUDED.programme_id, number = EXCLUDED.number, body = EXCLUDED.body,
            written_in = EXCLUDED.written_in;
END
$fn$;

-- At commit (deferred), once per version and transaction; a renamed person
-- rewrites the versions that show their name.
CREATE FUNCTION brief_version_source_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
DECLARE
    changed record;
    version uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM refresh_brief_version_source(v.id)
           FROM brief_versions v
          WHERE v.submitted_by = changed.id
             OR EXISTS (SELECT 1 FROM brief_signature_slots sl WHERE sl.version_id = v.id AND sl.user_id = changed.id);
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'brief_versions' THEN
        version := changed.id;
    ELSE
        version := changed.version_id;
    END IF;
    IF EXISTS (SELECT 1 FROM brief_versions WHERE id = version) THEN
        PERFORM refresh_brief_version_source(version);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT OR UPDATE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_version_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
