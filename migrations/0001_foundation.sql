-- Foundation: organisations, people and their seats, programmes, sessions,
-- login throttling and the append-only audit log.
--
-- Tenancy is enforced by the database as well as by the application: every
-- table that points at two organisation-scoped rows carries organisation_id
-- and uses composite foreign keys, so a row can never join across tenants.

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CONSTRAINT organisations_name_present CHECK (btrim(name) <> ''),
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

CREATE TABLE users (
    id                    uuid PRIMARY KEY,
    organisation_id       uuid NOT NULL REFERENCES organisations (id),
    email                 text NOT NULL CONSTRAINT users_email_present CHECK (position('@' in email) > 1),
    display_name          text NOT NULL CONSTRAINT users_display_name_present CHECK (btrim(display_name) <> ''),
    password_hash         text NOT NULL,
    must_change_password  boolean NOT NULL DEFAULT false,
    disabled_at           timestamptz,
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL,
    CONSTRAINT users_id_organisation_key UNIQUE (id, organisation_id)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- A seat is a role held by a user in their organisation for a period of time.
-- Ended seats are kept: they are the seat history.
CREATE TABLE seats (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    kind             text NOT NULL
        CONSTRAINT seats_kind_known CHECK (kind IN ('ceo', 'coo', 'approver', 'exco', 'admin')),
    title            text,
    started_at       timestamptz NOT NULL,
    started_by       uuid REFERENCES users (id),
    ended_at         timestamptz,
    ended_by         uuid REFERENCES users (id),
    CONSTRAINT seats_user_in_organisation
        FOREIGN KEY (user_id, organisation_id) REFERENCES users (id, organisation_id),
    CONSTRAINT seats_approver_has_title
        CHECK (kind <> 'approver' OR (title IS NOT NULL AND btrim(title) <> '')),
    CONSTRAINT seats_end_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- Exactly one sitting CEO and one sitting COO per organisation (at most one
-- here; "at least one" is the reassignment flow's job).
CREATE UNIQUE INDEX seats_one_sitting_ceo_coo ON seats (organisation_id, kind)
    WHERE ended_at IS NULL AND kind IN ('ceo', 'coo');
-- A user holds a given kind of seat at most once at a time.
CREATE UNIQUE INDEX seats_one_sitting_kind_per_user ON seats (user_id, kind)
    WHERE ended_at IS NULL;
CREATE INDEX seats_organisation_idx ON seats (organisation_id) WHERE ended_at IS NULL;

CREATE TABLE programmes (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL CONSTRAINT programmes_name_present CHECK (btrim(name) <> ''),
    summary          text NOT NULL DEFAULT '',
    phase            text NOT NULL DEFAULT 'pre_deployment'
        CONSTRAINT programmes_phase_known
        CHECK (phase IN ('pre_deployment', 'deploying', 'post_deployment', 'closed')),
    planned_start    date,
    phase_changed_at timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    created_by       uuid REFERENCES users (id),
    CONSTRAINT programmes_id_organisation_key UNIQUE (id, organisation_id)
);
CREATE UNIQUE INDEX programmes_name_key ON programmes (organisation_id, lower(name));

-- Approvers who must sign the programme's brief, besides the CEO and the COO
-- (who always must).
CREATE TABLE programme_signatories (
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    user_id          uuid NOT NULL,
    added_at         timestamptz NOT NULL,
    PRIMARY KEY (programme_id, user_id),
    CONSTRAINT programme_signatories_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id),
    CONSTRAINT programme_signatories_user
        FOREIGN KEY (user_id, organisation_id) REFERENCES users (id, organisation_id)
);

-- Sessions: the cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    token_hash     bytea NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    user_id        uuid NOT NULL REFERENCES users (id),
    csrf_token     text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    ip             text,
    user_agent     text,
    flash_kind     text,
    flash_message  text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed logins, keyed by the normalised email whether or not an account
-- exists, so throttling does not reveal which addresses are registered.
CREATE TABLE login_failures (
    id           bigserial PRIMARY KEY,
    email_key    text NOT NULL,
    failed_at    timestamptz NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email_key, failed_at);

-- The audit log: who did what, when, to which object, before and after.
CREATE TABLE audit_log (
    id               bigserial PRIMARY KEY,
    organisation_id  uuid REFERENCES organisations (id),
    actor_id         uuid REFERENCES users (id),
    action           text NOT NULL,
    object_type      text NOT NULL,
    object_id        uuid,
    before           jsonb,
    after            jsonb,
    ip               text,
    at               timestamptz NOT NULL
);
CREATE INDEX audit_log_organisation_idx ON audit_log (organisation_id, at DESC);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
