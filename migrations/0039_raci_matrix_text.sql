-- Each saved matrix also as JSON text (issue 23). Pages send a matrix out as
-- JSON, and converting the stored jsonb to text on every view was a third of
-- the matrix page's statement. The database writes the text with the row;
-- checks and comparisons keep using the jsonb.
ALTER TABLE raci_versions ADD COLUMN matrix_text json GENERATED ALWAYS AS (matrix::json) STORED;
