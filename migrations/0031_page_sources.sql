-- Pages kept by the writes, by name (issue 23): the cadence overview, the
-- expansion pipeline and the agent register, one JSON document per
-- programme and page, rewritten at the commit of any change to what it
-- shows, as the overview's and the brief's are (migrations 0022, 0023).
-- Page `p` is written by the database's `p_source(programme)`, which tandem
-- installs at start from its own query (`db::pages::kept_queries`); each
-- table's trigger names the pages its rows appear on.
CREATE TABLE page_sources (
    programme_id uuid NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    page         text NOT NULL,
    body         json NOT NULL,
    written_in   xid8 NOT NULL,
    PRIMARY KEY (programme_id, page)
);
ALTER TABLE page_sources ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE FUNCTION cadence_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;
CREATE FUNCTION pipeline_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;
CREATE FUNCTION agents_source(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN NULL::json;

-- Rewrites page `p_page` of `p_programme`, once per transaction. Two
-- transactions changing one programme at once rewrite it one after the
-- other: the second waits for the first's lock, then reads what both wrote.
CREATE FUNCTION refresh_page_source(p_programme uuid, p_page text) RETURNS void
    LANGUAGE plpgsql AS $fn$
DECLARE
    body json;
BEGIN
    PERFORM 1 FROM page_sources WHERE programme_id = p_programme AND page = p_page FOR UPDATE;
    IF EXISTS (SELECT 1 FROM page_sources
                WHERE programme_id = p_programme AND page = p_page AND written_in = pg_current_xact_id())
       OR NOT EXISTS (SELECT 1 FROM programmes WHERE id = p_programme) THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT %I($1)', p_page || '_source') INTO body USING p_programme;
    IF body IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO page_sources (programme_id, page, body, written_in)
    VALUES (p_programme, p_page, body, pg_current_xact_id())
    ON CONFLICT (programme_id, page) DO UPDATE SET body = EXCLUDED.body, written_in = EXCLUDED.written_in;
END
$fn$;

-- At commit (deferred): rewrites the pages the trigger names (its
-- arguments) of the programme whose row changed — of every programme of
-- the organisation for a person or a seat.
CREATE FUNCTION page_source_changed() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
DECLARE
    changed record;
    affected uuid[];
    page text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'programmes' THEN
        affected := ARRAY[changed.id];
    ELSIF TG_TABLE_NAME IN ('users', 'seats') THEN
        affected := ARRAY(SELECT id FROM programmes WHERE organisation_id = changed.organisation_id);
    ELSIF TG_TABLE_NAME IN ('brief_signatures', 'brief_signature_slots', 'brief_version_sections') THEN
        affected := ARRAY(SELECT programme_id FROM brief_versions WHERE id = changed.version_id);
    ELSIF TG_TABLE_NAME IN ('process_stage_moves', 'process_gates', 'pipeline_decisions') THEN
        affected := ARRAY(SELECT programme_id FROM processes WHERE id = changed.process_id);
    ELSIF TG_TABLE_NAME IN ('agent_changes', 'agent_resumptions', 'agent_overrides', 'agent_decision_counts') THEN
        affected := ARRAY(SELECT programme_id FROM agents WHERE id = changed.agent_id);
    ELSE
        affected := ARRAY[changed.programme_id];
    END IF;
    FOREACH page IN ARRAY TG_ARGV LOOP
        PERFORM refresh_page_source(programme, page) FROM unnest(affected) programme;
    END LOOP;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence', 'pipeline', 'agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER UPDATE OF display_name, disabled_at ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence', 'pipeline', 'agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON seats
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');

-- The cadence overview.
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON alignment_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON action_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON weekly_updates
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON decision_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON exco_reviews
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('cadence', 'pipeline');

-- The expansion pipeline.
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON processes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('pipeline', 'agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON process_stage_moves
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('pipeline');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON process_gates
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('pipeline');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON pipeline_decisions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('pipeline');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON agents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('pipeline', 'agents');

-- The agent register: the framework it checks agents against (the brief),
-- the agents' records, the incidents and the COO's threshold.
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_version_sections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signature_slots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON brief_signatures
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON agent_changes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON agent_resumptions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON agent_overrides
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON agent_decision_counts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER INSERT OR UPDATE OR DELETE ON governance_settings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
CREATE CONSTRAINT TRIGGER page_source_changed AFTER UPDATE OF name ON api_tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('agents');
