-- The shared dashboard: one value per metric per period (the metric is the
-- brief row that defines it), every correction kept with its reason, and
-- the actual investment and benefit per month against the signed plan.

CREATE TABLE metric_values (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    programme_id     uuid NOT NULL,
    metric_id        text NOT NULL,
    period           text NOT NULL
        CONSTRAINT metric_values_period_shape CHECK (period ~ '^[0-9]{4}-(W[0-9]{2}|[0-9]{2})$'),
    value            double precision NOT NULL
        CONSTRAINT metric_values_finite CHECK (value = value AND abs(value) < 1e15),
    note             text NOT NULL DEFAULT '',
    recorded_by      uuid REFERENCES users (id),
    recorded_at      timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT metric_values_one_per_period UNIQUE (programme_id, metric_id, period),
    CONSTRAINT metric_values_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);

CREATE TABLE metric_value_corrections (
    id             bigserial PRIMARY KEY,
    value_id       uuid NOT NULL REFERENCES metric_values (id),
    old_value      double precision NOT NULL,
    new_value      double precision NOT NULL,
    old_note       text NOT NULL,
    new_note       text NOT NULL,
    reason         text NOT NULL CONSTRAINT metric_value_corrections_reason CHECK (btrim(reason) <> ''),
    corrected_by   uuid REFERENCES users (id),
    corrected_at   timestamptz NOT NULL
);
CREATE INDEX metric_value_corrections_value_idx ON metric_value_corrections (value_id, id);
CREATE TRIGGER metric_value_corrections_append_only
    BEFORE UPDATE OR DELETE ON metric_value_corrections
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE roi_actuals (
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    month            text NOT NULL CONSTRAINT roi_actuals_month_shape CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    investment       double precision NOT NULL CONSTRAINT roi_actuals_investment CHECK (investment >= 0 AND investment < 1e15),
    benefit          double precision NOT NULL CONSTRAINT roi_actuals_benefit CHECK (benefit = benefit AND abs(benefit) < 1e15),
    note             text NOT NULL DEFAULT '',
    recorded_by      uuid REFERENCES users (id),
    recorded_at      timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT roi_actuals_pkey PRIMARY KEY (programme_id, month),
    CONSTRAINT roi_actuals_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
