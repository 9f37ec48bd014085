-- Alignment health's kept document holds the ExCo reviews of the months
-- the schedule expects, counted from go-live (issue 23): it is written
-- again when a programme's go-live date is set or moved.
CREATE CONSTRAINT TRIGGER page_source_health_live AFTER UPDATE OF live_since ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_source_changed('health');
