-- The governance framework at work (SPEC §12, issue 26) — the agents that
-- run in a programme's processes, the people who overrule them, what the
-- AI platform reports they decided, the incidents, and who suspended and
-- resumed which agent, when and why.
--
-- What the framework *says* (the decision types, their autonomy, threshold
-- and override owner) is written in the brief and signed with it; an agent
-- names the framework's rows it handles by their stable ids.

CREATE TABLE agents (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    name             text NOT NULL,
    process_id       uuid NOT NULL,
    -- The ids of the governance framework's rows it handles.
    decisions        text[] NOT NULL DEFAULT '{}',
    -- The platform or model it runs on.
    provider         text NOT NULL DEFAULT '',
    -- A person (never an agent: agents are not users) answers for it.
    accountable_id   uuid NOT NULL,
    state            text NOT NULL DEFAULT 'live'
        CONSTRAINT agents_state_known CHECK (state IN ('live', 'suspended', 'retired')),
    -- How many times it was suspended: the current suspension's number.
    suspensions      integer NOT NULL DEFAULT 0,
    version          integer NOT NULL DEFAULT 1,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    CONSTRAINT agents_id_programme UNIQUE (id, programme_id),
    CONSTRAINT agents_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id),
    CONSTRAINT agents_process
        FOREIGN KEY (process_id, programme_id) REFERENCES processes (id, programme_id),
    CONSTRAINT agents_accountable
        FOREIGN KEY (accountable_id, organisation_id) REFERENCES users (id, organisation_id)
);
CREATE UNIQUE INDEX agents_name_key ON agents (programme_id, lower(name));

-- Every change of an agent: registered, edited, suspended, a resumption
-- decided by one executive, resumed, retired. Append-only.
CREATE TABLE agent_changes (
    id          bigserial PRIMARY KEY,
    agent_id    uuid NOT NULL REFERENCES agents (id),
    change      text NOT NULL CONSTRAINT agent_changes_known
        CHECK (change IN ('registered', 'edited', 'suspended', 'resume_decided', 'resumed', 'retired')),
    state       text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    -- The seat (or the override role) the person acted in.
    acted_as    text NOT NULL DEFAULT '',
    changed_by  uuid REFERENCES users (id),
    changed_at  timestamptz NOT NULL
);
CREATE INDEX agent_changes_agent_idx ON agent_changes (agent_id, changed_at);
CREATE TRIGGER agent_changes_append_only BEFORE UPDATE OR DELETE ON agent_changes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The executives' decisions to resume a suspended agent: the COO's always,
-- the CEO's too after a serious incident. Once per suspension and seat.
CREATE TABLE agent_resumptions (
    agent_id    uuid NOT NULL REFERENCES agents (id),
    suspension  integer NOT NULL,
    seat        text NOT NULL CONSTRAINT agent_resumptions_seat CHECK (seat IN ('ceo', 'coo')),
    reason      text NOT NULL,
    decided_by  uuid NOT NULL REFERENCES users (id),
    decided_at  timestamptz NOT NULL,
    PRIMARY KEY (agent_id, suspension, seat)
);

-- A person overruled an agent's decision. Written through the form or by
-- the AI platform through the API, whose own id makes a resend harmless.
CREATE TABLE agent_overrides (
    id           uuid PRIMARY KEY,
    agent_id     uuid NOT NULL REFERENCES agents (id),
    -- The framework row (decision type) it concerned.
    decision     text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    -- The role of the person who overruled (the framework's override roles).
    role         text NOT NULL,
    category     text NOT NULL CONSTRAINT agent_overrides_category CHECK (
        category IN ('wrong_outcome', 'low_confidence', 'policy', 'customer', 'data', 'other')),
    note         text NOT NULL DEFAULT '',
    external_id  text,
    recorded_by  uuid REFERENCES users (id),
    token_id     uuid REFERENCES api_tokens (id),
    recorded_at  timestamptz NOT NULL,
    CONSTRAINT agent_overrides_external UNIQUE (agent_id, external_id)
);
CREATE INDEX agent_overrides_agent_idx ON agent_overrides (agent_id, occurred_at);
CREATE TRIGGER agent_overrides_append_only BEFORE UPDATE OR DELETE ON agent_overrides
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- How many decisions of a type an agent took in a month, as the platform
-- reports them (a later report for the same month replaces the figure).
CREATE TABLE agent_decision_counts (
    agent_id     uuid NOT NULL REFERENCES agents (id),
    decision     text NOT NULL,
    month        text NOT NULL CONSTRAINT agent_decision_counts_month CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    decisions    integer NOT NULL CONSTRAINT agent_decision_counts_positive CHECK (decisions >= 0),
    reported_at  timestamptz NOT NULL,
    token_id     uuid REFERENCES api_tokens (id),
    PRIMARY KEY (agent_id, decision, month)
);

-- The COO's threshold: an override rate above it is flagged.
CREATE TABLE governance_settings (
    programme_id        uuid PRIMARY KEY REFERENCES programmes (id),
    override_threshold  double precision NOT NULL
        CONSTRAINT governance_settings_threshold CHECK (override_threshold > 0 AND override_threshold <= 100),
    version             integer NOT NULL DEFAULT 1
);

CREATE TABLE incidents (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    number           integer NOT NULL,
    severity         text NOT NULL CONSTRAINT incidents_severity CHECK (severity IN ('minor', 'major', 'serious')),
    title            text NOT NULL,
    what_happened    text NOT NULL,
    process_id       uuid,
    agent_id         uuid,
    detected_at      timestamptz NOT NULL,
    contained_at     timestamptz,
    follow_up        text NOT NULL DEFAULT '',
    -- A serious incident's clock: the CEO and the COO each acknowledge it by then.
    acknowledge_by   timestamptz,
    ceo_acknowledged_by  uuid REFERENCES users (id),
    ceo_acknowledged_at  timestamptz,
    coo_acknowledged_by  uuid REFERENCES users (id),
    coo_acknowledged_at  timestamptz,
    recorded_by      uuid REFERENCES users (id),
    recorded_at      timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT incidents_number UNIQUE (programme_id, number),
    CONSTRAINT incidents_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id),
    CONSTRAINT incidents_process
        FOREIGN KEY (process_id, programme_id) REFERENCES processes (id, programme_id),
    CONSTRAINT incidents_agent
        FOREIGN KEY (agent_id, programme_id) REFERENCES agents (id, programme_id),
    CONSTRAINT incidents_clock CHECK ((severity = 'serious') = (acknowledge_by IS NOT NULL)),
    CONSTRAINT incidents_contained CHECK (contained_at IS NULL OR contained_at >= detected_at)
);
CREATE INDEX incidents_open_clock_idx ON incidents (programme_id, acknowledge_by)
    WHERE acknowledge_by IS NOT NULL AND (ceo_acknowledged_at IS NULL OR coo_acknowledged_at IS NULL);
CREATE INDEX incidents_agent_idx ON incidents (agent_id, recorded_at) WHERE agent_id IS NOT NULL;

ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scope;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope CHECK (scope IN ('read', 'write', 'overrides'));

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known CHECK (kind IN (
    'decision_requested', 'decision_reminder', 'decision_deadline', 'decision_taken',
    'signature_requested', 'signature_reminder', 'brief_signed', 'brief_rejected',
    'update_due', 'update_sent', 'session_due', 'review_opened', 'review_part_due', 'review_held',
    'warning_sign', 'action_due', 'pulse_due', 'rating_round', 'digest', 'test', 'invitation',
    'incident_serious', 'incident_overdue', 'agent_suspended', 'agent_resumed', 'resume_requested'));

-- The home page and the programme overview show suspended agents and
-- serious incidents waiting for acknowledgement: their kept documents
-- follow these tables too.
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON agents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER home_source_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION home_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON agents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
