-- The home page kept by the writes (issue 23): what the home page lists for
-- an organisation — its programmes, the signatures and agreements awaited,
-- open decision requests, deployments, reviews in preparation, open action
-- items, the committee's dates — is one JSON document per organisation,
-- rewritten at the commit of any change to it, and filtered per reader by
-- tandem. The document is written by `home_source(organisation)`, which
-- tandem installs at start from its own query (`db::pages::home_source_sql`)
-- and which rebuilds every document then, so the query lives in one place.
CREATE TABLE home_sources (
    organisation_id uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    body            json NOT NULL,
    -- The transaction that wrote it: rewritten once per transaction.
    written_in      xid8 NOT NULL
);
ALTER TABLE home_sources ALTER COLUMN body SET STORAGE EXTERNAL;

-- Replaced at start by tandem's own query; until then, an empty page.
CREATE FUNCTION home_source(p_organisation uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

-- Rewrites the home document of `p_organisation`; two transactions changing
-- one organisation at once rewrite it in turn (see refresh_dashboard_source).
CREATE FUNCTION refresh_home_source(p_organisation uuid) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
BEGIN
    PERFORM 1 FROM home_sources WHERE organisation_id = p_organisation FOR UPDATE;
    body := home_source(p_organisation);
    IF body IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO home_sources (organisation_id, body, written_in)
    VALUES (p_organisation, body, pg_current_xact_id())
    ON CONFLICT (organisation_id) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
END
$fn$;

-- At commit (deferred), once per organisation and transaction.
CREATE FUNCTION home_source_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
DECLARE
    changed record;
    organisation uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'organisations' THEN
        organisation := changed.id;
    ELSIF TG_TABLE_NAME = 'programmes' THEN
        organisation := changed.organisation_id;
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots') THEN
        SELECT p.organisation_id INTO organisation
          FROM brief_versions v JOIN programmes p ON p.id = v.programme_id
         WHERE v.id = changed.version_id;
    ELSE
        SELECT organisation_id INTO organisation FROM programmes WHERE id = changed.programme_id;
    END IF;
    IF organisation IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM home_sources
                        WHERE organisation_id = organisation AND written_in = pg_current_xact_id()) THEN
        PERFORM refresh_home_source(organisation);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT ON organisations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON programme_health
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON pulse_checks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON decision_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON weekly_updates
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON exco_reviews
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON action_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
