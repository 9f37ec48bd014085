-- The cadence (SPEC §2): when the phases began, alignment sessions with
-- their relationship checks, action items, weekly COO updates, decision
-- requests with their 24-hour clock, monthly ExCo reviews with a frozen
-- snapshot, and each user's calendar feed.

ALTER TABLE programmes
    ADD COLUMN deploying_since date,
    ADD COLUMN live_since      date,
    ADD COLUMN closed_since    date;

CREATE TABLE alignment_sessions (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL,
    programme_id      uuid NOT NULL,
    number            integer NOT NULL,
    held_on           date NOT NULL,
    attendees         text NOT NULL DEFAULT '',
    scope_notes       text NOT NULL DEFAULT '',
    investment_notes  text NOT NULL DEFAULT '',
    governance_notes  text NOT NULL DEFAULT '',
    narrative_notes   text NOT NULL DEFAULT '',
    decisions         text NOT NULL DEFAULT '',
    recorded_by       uuid REFERENCES users (id),
    recorded_at       timestamptz NOT NULL,
    CONSTRAINT alignment_sessions_number_key UNIQUE (programme_id, number),
    CONSTRAINT alignment_sessions_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX alignment_sessions_held_idx ON alignment_sessions (programme_id, held_on);

-- Each executive writes their own part; neither edits the other's.
CREATE TABLE relationship_checks (
    session_id   uuid NOT NULL REFERENCES alignment_sessions (id),
    seat         text NOT NULL CONSTRAINT relationship_checks_seat CHECK (seat IN ('ceo', 'coo')),
    working      text NOT NULL,
    not_working  text NOT NULL,
    needs        text NOT NULL,
    written_by   uuid REFERENCES users (id),
    written_at   timestamptz NOT NULL,
    version      integer NOT NULL DEFAULT 1,
    PRIMARY KEY (session_id, seat)
);

CREATE TABLE weekly_updates (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    week             integer NOT NULL CONSTRAINT weekly_updates_week CHECK (week BETWEEN 1 AND 8),
    summary          text NOT NULL,
    workstreams      jsonb NOT NULL,
    blockers         text NOT NULL DEFAULT '',
    -- The primary metric and the statuses as they stood when it was written.
    figures          jsonb NOT NULL,
    written_by       uuid REFERENCES users (id),
    written_at       timestamptz NOT NULL,
    CONSTRAINT weekly_updates_week_key UNIQUE (programme_id, week),
    CONSTRAINT weekly_updates_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

CREATE TABLE decision_requests (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    update_id        uuid NOT NULL REFERENCES weekly_updates (id),
    number           integer NOT NULL,
    question         text NOT NULL CONSTRAINT decision_requests_question CHECK (btrim(question) <> ''),
    options          text NOT NULL,
    recommendation   text NOT NULL,
    raised_by        uuid REFERENCES users (id),
    raised_at        timestamptz NOT NULL,
    decision         text CONSTRAINT decision_requests_decision
        CHECK (decision IN ('approved', 'rejected', 'more_information')),
    note             text NOT NULL DEFAULT '',
    decided_by       uuid REFERENCES users (id),
    decided_at       timestamptz,
    -- The dashboard as it stood when the decision was taken.
    figures          jsonb,
    decision_key     text CONSTRAINT decision_requests_key_shape CHECK (length(decision_key) <= 80),
    CONSTRAINT decision_requests_number_key UNIQUE (programme_id, number),
    CONSTRAINT decision_requests_decided CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CONSTRAINT decision_requests_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

-- A decision, once taken, is history.
CREATE FUNCTION decision_requests_keep_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.decided_at IS NOT NULL THEN
        RAISE EXCEPTION 'decision request % was decided and cannot change', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER decision_requests_keep_decided BEFORE UPDATE OR DELETE ON decision_requests
    FOR EACH ROW EXECUTE FUNCTION decision_requests_keep_decided();

CREATE TABLE exco_reviews (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid NOT NULL,
    programme_id        uuid NOT NULL,
    month               text NOT NULL CONSTRAINT exco_reviews_month_shape CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    meeting_on          date NOT NULL,
    strategy            text NOT NULL DEFAULT '',
    competition         text NOT NULL DEFAULT '',
    operations          text NOT NULL DEFAULT '',
    pipeline_decisions  text NOT NULL DEFAULT '',
    attendees           text NOT NULL DEFAULT '',
    opened_by           uuid REFERENCES users (id),
    opened_at           timestamptz NOT NULL,
    version             integer NOT NULL DEFAULT 1,
    held_at             timestamptz,
    held_by             uuid REFERENCES users (id),
    snapshot_hash       text,
    CONSTRAINT exco_reviews_month_key UNIQUE (programme_id, month),
    CONSTRAINT exco_reviews_held CHECK ((held_at IS NULL) = (snapshot_hash IS NULL)),
    CONSTRAINT exco_reviews_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

-- Once held, a review is what the committee saw: it never changes again.
CREATE FUNCTION exco_reviews_keep_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.held_at IS NOT NULL THEN
        RAISE EXCEPTION 'ExCo review % was held and cannot change', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER exco_reviews_keep_held BEFORE UPDATE OR DELETE ON exco_reviews
    FOR EACH ROW EXECUTE FUNCTION exco_reviews_keep_held();

-- The frozen pack: written once when the review is held. The serving role
-- may only read and insert it (see db::grant_serving_role).
CREATE TABLE exco_review_snapshots (
    review_id  uuid PRIMARY KEY REFERENCES exco_reviews (id),
    content    jsonb NOT NULL,
    sha256     text NOT NULL CONSTRAINT exco_review_snapshots_hash CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
CREATE TRIGGER exco_review_snapshots_append_only
    BEFORE UPDATE OR DELETE ON exco_review_snapshots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE action_items (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    session_id       uuid REFERENCES alignment_sessions (id),
    review_id        uuid REFERENCES exco_reviews (id),
    title            text NOT NULL CONSTRAINT action_items_title CHECK (btrim(title) <> ''),
    owner_seat       text NOT NULL CONSTRAINT action_items_owner CHECK (owner_seat IN ('ceo', 'coo')),
    due_on           date NOT NULL,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    done_at          timestamptz,
    done_by          uuid REFERENCES users (id),
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT action_items_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX action_items_programme_idx ON action_items (programme_id, created_at);

-- One calendar feed per user; only a digest of its secret is kept.
CREATE TABLE calendar_feeds (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    token_hash   bytea UNIQUE,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CONSTRAINT calendar_feeds_state CHECK ((token_hash IS NULL) = (revoked_at IS NOT NULL))
);
