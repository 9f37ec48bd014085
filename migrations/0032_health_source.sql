-- The alignment-health page kept by the writes (issue 23), beside the
-- pages of migration 0031: everything it shows but the dashboard (kept on
-- its own), written by `health_source(programme)` (`db::health::health_source_sql`).
CREATE FUNCTION health_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON programme_statements
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON pulse_checks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON status_ratings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON raci_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON alignment_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON weekly_updates
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON exco_reviews
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON decision_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON action_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON incidents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');

-- The programme the overview and the brief page show carries its stored
-- warning signs and its latest pulse check: their changes rewrite those
-- documents too (they were missed in migration 0022).
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON programme_health
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON pulse_checks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
