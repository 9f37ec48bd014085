-- Alignment health (SPEC §6): what each executive says the programme is
-- (every version kept), the CEO's pulse checks of the primary metric, the
-- blind status ratings, and the warning signs standing after the last
-- change that can raise or clear one.

ALTER TABLE programmes
    ADD COLUMN pulse_tolerance double precision
        CONSTRAINT programmes_pulse_tolerance CHECK (pulse_tolerance IS NULL OR (pulse_tolerance > 0 AND pulse_tolerance <= 100));

CREATE TABLE programme_statements (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    seat             text NOT NULL CONSTRAINT programme_statements_seat CHECK (seat IN ('ceo', 'coo')),
    sentence         text NOT NULL CONSTRAINT programme_statements_sentence CHECK (btrim(sentence) <> '' AND length(sentence) <= 400),
    written_by       uuid REFERENCES users (id),
    written_at       timestamptz NOT NULL,
    CONSTRAINT programme_statements_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX programme_statements_idx ON programme_statements (programme_id, written_at);
CREATE TRIGGER programme_statements_append_only
    BEFORE UPDATE OR DELETE ON programme_statements
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE pulse_checks (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    metric_id        text NOT NULL,
    unit             text NOT NULL,
    stated_value     double precision NOT NULL CONSTRAINT pulse_checks_value CHECK (stated_value = stated_value AND abs(stated_value) < 1e15),
    stated_target    double precision NOT NULL CONSTRAINT pulse_checks_target CHECK (stated_target = stated_target AND abs(stated_target) < 1e15),
    actual_value     double precision,
    actual_target    double precision NOT NULL,
    checked_by       uuid REFERENCES users (id),
    checked_at       timestamptz NOT NULL,
    CONSTRAINT pulse_checks_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX pulse_checks_idx ON pulse_checks (programme_id, checked_at);
CREATE TRIGGER pulse_checks_append_only
    BEFORE UPDATE OR DELETE ON pulse_checks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- One rating per executive per round; a rating once given is not changed.
CREATE TABLE status_ratings (
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    round            text NOT NULL CONSTRAINT status_ratings_round CHECK (round ~ '^[0-9]{4}-(W[0-9]{2}|[0-9]{2})$'),
    seat             text NOT NULL CONSTRAINT status_ratings_seat CHECK (seat IN ('ceo', 'coo')),
    rating           text NOT NULL CONSTRAINT status_ratings_rating CHECK (rating IN ('red', 'amber', 'green')),
    confidence       integer NOT NULL CONSTRAINT status_ratings_confidence CHECK (confidence BETWEEN 1 AND 5),
    why              text NOT NULL DEFAULT '',
    -- What the dashboard's statuses said at the moment of rating.
    dashboard        text CONSTRAINT status_ratings_dashboard CHECK (dashboard IN ('red', 'amber', 'green')),
    rated_by         uuid REFERENCES users (id),
    rated_at         timestamptz NOT NULL,
    PRIMARY KEY (programme_id, round, seat),
    CONSTRAINT status_ratings_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE TRIGGER status_ratings_append_only
    BEFORE UPDATE OR DELETE ON status_ratings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The signs standing after the last write that can change them (the
-- pulse's 35 days are judged when a page is read, from the last check).
CREATE TABLE programme_health (
    programme_id  uuid PRIMARY KEY REFERENCES programmes (id),
    signs         text[] NOT NULL,
    updated_at    timestamptz NOT NULL
);
