-- The expansion pipeline (SPEC §5): the processes of the brief's process
-- scope as records of their own, with a stable id, the stage each is at and
-- every move between stages, the go-live gates they carry on metrics, and
-- the ExCo's decisions on them.
--
-- What a process *is* (its name, sequence and figures) is written in the
-- brief and signed with it; what *happens* to it (stage, gates, decisions)
-- is recorded here, because moving a process is not an edit of the brief.

CREATE TABLE processes (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    -- The id of the process's row in the brief: the governance framework,
    -- the versions and the API refer to it.
    key              text NOT NULL,
    name             text NOT NULL,
    -- Its place in the draft's sequence, and whether the draft still has it.
    position         integer NOT NULL,
    in_draft         boolean NOT NULL DEFAULT true,
    stage            text NOT NULL DEFAULT 'candidate'
        CONSTRAINT processes_stage_known CHECK (stage IN ('candidate', 'approved', 'deploying', 'live', 'retired')),
    stage_version    integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    CONSTRAINT processes_key UNIQUE (programme_id, key),
    CONSTRAINT processes_id_programme_key UNIQUE (id, programme_id),
    CONSTRAINT processes_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

-- Every move between stages: who, when, from where, why. Append-only.
CREATE TABLE process_stage_moves (
    id          bigserial PRIMARY KEY,
    process_id  uuid NOT NULL REFERENCES processes (id),
    from_stage  text NOT NULL,
    to_stage    text NOT NULL,
    note        text NOT NULL DEFAULT '',
    moved_by    uuid REFERENCES users (id),
    moved_at    timestamptz NOT NULL
);
CREATE INDEX process_stage_moves_process_idx ON process_stage_moves (process_id, moved_at);
CREATE TRIGGER process_stage_moves_append_only BEFORE UPDATE OR DELETE ON process_stage_moves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A go-live gate: a metric held below (or above) a threshold for a number
-- of consecutive periods before the process may start deploying. Removed
-- gates are kept, marked, for the history.
CREATE TABLE process_gates (
    id          uuid PRIMARY KEY,
    process_id  uuid NOT NULL REFERENCES processes (id),
    metric_id   text NOT NULL,
    comparator  text NOT NULL CONSTRAINT process_gates_comparator CHECK (comparator IN ('below', 'above')),
    threshold   double precision NOT NULL CONSTRAINT process_gates_threshold_finite
        CHECK (threshold > '-Infinity' AND threshold < 'Infinity'),
    periods     integer NOT NULL CONSTRAINT process_gates_periods CHECK (periods BETWEEN 1 AND 26),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    removed_by  uuid REFERENCES users (id),
    removed_at  timestamptz
);
CREATE INDEX process_gates_process_idx ON process_gates (process_id) WHERE removed_at IS NULL;

-- What an ExCo review decided about a process. Part of the review: once the
-- review is held, its decisions never change.
CREATE TABLE pipeline_decisions (
    id           uuid PRIMARY KEY,
    review_id    uuid NOT NULL REFERENCES exco_reviews (id),
    process_id   uuid NOT NULL REFERENCES processes (id),
    decision     text NOT NULL
        CONSTRAINT pipeline_decisions_known CHECK (decision IN ('approve', 'hold', 'reprioritise', 'retire')),
    note         text NOT NULL DEFAULT '',
    recorded_by  uuid REFERENCES users (id),
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX pipeline_decisions_process_idx ON pipeline_decisions (process_id, recorded_at);
CREATE INDEX pipeline_decisions_review_idx ON pipeline_decisions (review_id);

CREATE FUNCTION pipeline_decisions_keep_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM exco_reviews
                WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.review_id ELSE OLD.review_id END
                  AND held_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the ExCo review was held: its pipeline decisions cannot change';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER pipeline_decisions_keep_held BEFORE INSERT OR UPDATE OR DELETE ON pipeline_decisions
    FOR EACH ROW EXECUTE FUNCTION pipeline_decisions_keep_held();

-- The brief's process-scope section is where processes are named and
-- ordered; every write of it (by any path) keeps this table in step: new
-- rows become candidates, renamed and reordered ones follow, and rows the
-- draft dropped stay (with their history) marked as no longer in the draft.
CREATE FUNCTION processes_follow_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.section_key <> 'process_scope' THEN
        RETURN NEW;
    END IF;
    INSERT INTO processes (id, organisation_id, programme_id, key, name, position, in_draft, created_at)
    SELECT gen_random_uuid(), NEW.organisation_id, NEW.programme_id, row.value->>'id',
           coalesce(row.value->>'name', ''), row.ordinality::integer, true, NEW.updated_at
      FROM jsonb_array_elements(coalesce(NEW.content->'processes', '[]'::jsonb)) WITH ORDINALITY AS row
     WHERE coalesce(row.value->>'id', '') <> ''
    ON CONFLICT (programme_id, key) DO UPDATE
       SET name = EXCLUDED.name, position = EXCLUDED.position, in_draft = true;
    UPDATE processes p SET in_draft = false
     WHERE p.programme_id = NEW.programme_id AND p.in_draft
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(NEW.content->'processes', '[]'::jsonb)) r
                        WHERE r->>'id' = p.key);
    RETURN NEW;
END $$;
CREATE TRIGGER brief_sections_processes AFTER INSERT OR UPDATE OF content ON brief_sections
    FOR EACH ROW EXECUTE FUNCTION processes_follow_scope();

-- Processes already written before this migration.
INSERT INTO processes (id, organisation_id, programme_id, key, name, position, in_draft, created_at)
SELECT gen_random_uuid(), s.organisation_id, s.programme_id, row.value->>'id',
       coalesce(row.value->>'name', ''), row.ordinality::integer, true, s.updated_at
  FROM brief_sections s,
       jsonb_array_elements(coalesce(s.content->'processes', '[]'::jsonb)) WITH ORDINALITY AS row
 WHERE s.section_key = 'process_scope' AND coalesce(row.value->>'id', '') <> '';
