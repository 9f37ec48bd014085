-- The cadence document's sessions and action items alone, beside it
-- (issue 23). A review's page, and the pages that open a review or an
-- update, show the action items (with how often each was carried over,
-- which needs the sessions) but none of the updates, requests or reviews:
-- they read the whole document (21 KB for a year of the demo's programme)
-- for a quarter of it. Written by PostgreSQL with the row, so it can never
-- disagree with the document.
CREATE FUNCTION cadence_actions(body json) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object('sessions', body -> 'sessions', 'actions', body -> 'actions');

ALTER TABLE page_sources
    ADD COLUMN actions json GENERATED ALWAYS AS
        (CASE WHEN page = 'cadence' THEN cadence_actions(body) END) STORED;
-- Read whole, as the document: uncompressed.
ALTER TABLE page_sources ALTER COLUMN actions SET STORAGE EXTERNAL;
