-- The deployment brief: a living draft of sections, frozen on submission
-- into immutable versions with section hashes, a version hash, one
-- signature slot per required signatory, and the signatures themselves.

CREATE TABLE brief_sections (
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    section_key      text NOT NULL,
    content          jsonb NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL,
    updated_by       uuid REFERENCES users (id),
    ceo_agreed_at    timestamptz,
    ceo_agreed_by    uuid REFERENCES users (id),
    coo_agreed_at    timestamptz,
    coo_agreed_by    uuid REFERENCES users (id),
    CONSTRAINT brief_sections_pkey PRIMARY KEY (programme_id, section_key),
    CONSTRAINT brief_sections_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

CREATE TABLE brief_versions (
    id               uuid PRIMARY KEY,
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    number           integer NOT NULL CONSTRAINT brief_versions_number_positive CHECK (number > 0),
    version_hash     text NOT NULL,
    submitted_at     timestamptz NOT NULL,
    submitted_by     uuid REFERENCES users (id),
    CONSTRAINT brief_versions_number_key UNIQUE (programme_id, number),
    CONSTRAINT brief_versions_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

CREATE TABLE brief_version_sections (
    version_id     uuid NOT NULL REFERENCES brief_versions (id),
    section_key    text NOT NULL,
    position       integer NOT NULL,
    owner          text NOT NULL CONSTRAINT brief_version_sections_owner_known CHECK (owner IN ('ceo', 'coo', 'joint')),
    content        jsonb NOT NULL,
    section_hash   text NOT NULL,
    PRIMARY KEY (version_id, section_key)
);

-- One slot per required signatory, fixed when the version is submitted.
CREATE TABLE brief_signature_slots (
    version_id   uuid NOT NULL REFERENCES brief_versions (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    seat         text NOT NULL,
    position     integer NOT NULL,
    PRIMARY KEY (version_id, user_id)
);

CREATE TABLE brief_signatures (
    id               uuid PRIMARY KEY,
    version_id       uuid NOT NULL,
    user_id          uuid NOT NULL,
    decision         text NOT NULL CONSTRAINT brief_signatures_decision_known CHECK (decision IN ('signed', 'rejected')),
    reason           text NOT NULL DEFAULT '',
    version_hash     text NOT NULL,
    seat             text NOT NULL,
    signed_at        timestamptz NOT NULL,
    ip               text,
    user_agent       text,
    idempotency_key  text NOT NULL,
    CONSTRAINT brief_signatures_once_per_slot UNIQUE (version_id, user_id),
    CONSTRAINT brief_signatures_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT brief_signatures_slot
        FOREIGN KEY (version_id, user_id) REFERENCES brief_signature_slots (version_id, user_id),
    CONSTRAINT brief_signatures_reason_on_reject CHECK (decision <> 'rejected' OR btrim(reason) <> '')
);

-- Frozen versions and signatures never change.
CREATE TRIGGER brief_versions_immutable BEFORE UPDATE OR DELETE ON brief_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER brief_version_sections_immutable BEFORE UPDATE OR DELETE ON brief_version_sections
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER brief_signature_slots_immutable BEFORE UPDATE OR DELETE ON brief_signature_slots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER brief_signatures_immutable BEFORE UPDATE OR DELETE ON brief_signatures
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
