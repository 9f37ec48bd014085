-- The health page keeps the latest matrix's problems as the overview does
-- (issue 23): its document held the whole matrix (4 of its 12 KB) and
-- every view checked it again. When the start works the problems out again
-- (`db::raci::derive_missing`), the health document is rewritten too.
CREATE CONSTRAINT TRIGGER page_source_health AFTER INSERT OR UPDATE OR DELETE ON raci_version_problems
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
