-- The dashboard a weekly update and a decision request froze, also as JSON
-- text (issue 23): a week's page sends them out as JSON, and converting the
-- stored jsonb to text on every view was two fifths of that part of its
-- statement. The database writes the text with the row, as 0039 does for
-- the matrix; everything else keeps using the jsonb.
ALTER TABLE weekly_updates ADD COLUMN figures_text json GENERATED ALWAYS AS (figures::json) STORED;
ALTER TABLE decision_requests ADD COLUMN figures_text json GENERATED ALWAYS AS (figures::json) STORED;
