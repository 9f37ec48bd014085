-- A held review's pack as the pages send it (issue 23): the frozen jsonb
-- turned into JSON text once, when it is written, instead of on every
-- view of the review (a third of the review page's statement went to
-- printing its two packs). Kept out of line, not compressed.
ALTER TABLE exco_review_snapshots ADD COLUMN shown json GENERATED ALWAYS AS (content::json) STORED;
ALTER TABLE exco_review_snapshots ALTER COLUMN shown SET STORAGE EXTERNAL;
