-- The responsibility matrix (RACI) of each programme, and to whom the COO
-- answers on AI matters.
--
-- A matrix is saved whole as a new immutable version: the current matrix is
-- the latest version, the history is every version, and the matrix "as it
-- stood" on a date is the latest version saved by then.

CREATE TABLE raci_versions (
    programme_id     uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    version          integer NOT NULL CONSTRAINT raci_versions_version_positive CHECK (version > 0),
    matrix           jsonb NOT NULL,
    saved_at         timestamptz NOT NULL,
    saved_by         uuid REFERENCES users (id),
    CONSTRAINT raci_versions_pkey PRIMARY KEY (programme_id, version),
    CONSTRAINT raci_versions_programme
        FOREIGN KEY (programme_id, organisation_id) REFERENCES programmes (id, organisation_id)
);
CREATE INDEX raci_versions_saved_idx ON raci_versions (programme_id, saved_at DESC);

CREATE TRIGGER raci_versions_append_only
    BEFORE UPDATE OR DELETE ON raci_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

ALTER TABLE programmes
    ADD COLUMN coo_reports_to text NOT NULL DEFAULT 'ceo'
        CONSTRAINT programmes_coo_reports_to_known CHECK (coo_reports_to IN ('ceo', 'cto', 'other')),
    ADD COLUMN coo_reports_to_note text NOT NULL DEFAULT '';
