-- What the alignment-health page shows of a programme's board (the names
-- of its stale metrics, its primary metric's name and unit), kept with the
-- board it was written with (issue 23): the health page reads these few
-- words while the board is current instead of building the board from
-- the dashboard. Written, and current, exactly when `shown` is.
ALTER TABLE dashboard_sources ADD COLUMN shown_facts json;
