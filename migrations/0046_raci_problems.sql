-- What is wrong with each saved matrix, worked out when it is saved (issue
-- 23): the programme overview shows the matrix's health, and kept the whole
-- matrix (4 of its 7 KB) to check it on every view. The problems are kept
-- per version with the rules that found them (`raci::rules`, a hash of the
-- rules' code); the start works them out for versions saved before, or
-- under other rules (`db::raci::derive_missing`). A derived copy: no audit.
CREATE TABLE raci_version_problems (
    programme_id uuid NOT NULL,
    version      integer NOT NULL,
    rules        text NOT NULL,
    problems     json NOT NULL,
    PRIMARY KEY (programme_id, version),
    FOREIGN KEY (programme_id, version) REFERENCES raci_versions (programme_id, version)
);
CREATE CONSTRAINT TRIGGER programme_source_changed AFTER INSERT OR UPDATE OR DELETE ON raci_version_problems
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programme_source_changed();
