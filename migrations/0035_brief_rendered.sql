-- A brief section's prose rendered to sanitised HTML (a prose field's key
-- → its HTML, empty fields left out), and a draft section's hash, stored
-- when the section is written (issue 23): no view renders Markdown or
-- hashes a section again. tandem writes them with every save and every
-- submission, and at start fills what was written before this migration
-- (`db::brief::derive_missing`): Markdown is rendered in Rust, not here.
ALTER TABLE brief_sections ADD COLUMN section_hash text, ADD COLUMN rendered json;

-- A frozen version's sections never change, so their rendered prose is
-- kept beside them, written once like them.
CREATE TABLE brief_version_renderings (
    version_id  uuid NOT NULL,
    section_key text NOT NULL,
    rendered    json NOT NULL,
    PRIMARY KEY (version_id, section_key),
    FOREIGN KEY (version_id, section_key) REFERENCES brief_version_sections (version_id, section_key)
);
CREATE TRIGGER brief_version_renderings_immutable BEFORE UPDATE OR DELETE ON brief_version_renderings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- The version's kept page shows them.
CREATE CONSTRAINT TRIGGER brief_version_source_changed AFTER INSERT ON brief_version_renderings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION brief_version_source_changed();
