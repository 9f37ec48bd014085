-- The programme overview kept by the writes (issue 23): the programme, the
-- organisation's executives, the latest brief version and its signatures,
-- the matrix, the required signatories and the cadence's schedule, as one
-- JSON document per programme, rewritten at the commit of any change to it.
-- Written by `programme_source(programme)`, which tandem installs at start
-- from its own query (`db::pages::programme_source_sql`) and which rebuilds
-- every document then, as for the home page (migration 0021).
CREATE TABLE programme_sources (
    programme_id    uuid PRIMARY KEY REFERENCES programmes (id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL,
    body            json NOT NULL,
    written_in      xid8 NOT NULL
);
ALTER TABLE programme_sources ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE FUNCTION programme_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

CREATE FUNCTION refresh_programme_source(p_programme uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
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
    INSERT INTO programme_sources (programme_id, organisation_id, body, written_in)
    SELECT p_programme, organisation_id, body, pg_current_xact_id() FROM programmes WHERE id = p_programme
    ON CONFLICT (programme_id) DO UPDATE
        SET organisation_id = EXCLUDED.organisation_id, body = EXCLUDED.body, written_in = EXCLUDED.written_in;
END
$fn$;

-- At commit (deferred), once per programme and transaction; a change to the
-- organisation's seats or people rewrites every programme of it.
CREATE FUNCTION programme_source_changed() RETURNS trigger
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
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots') THEN
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

CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON seats
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON programme_signatories
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON raci_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON alignment_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON weekly_updates
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON exco_reviews
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON decision_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
