-- The cadence document's weekly updates and decision requests alone,
-- beside it (issue 23), as its sessions and action items are (migration
-- 0049): a week's page shows that week's update and requests and read the
-- whole document to find them.
CREATE FUNCTION cadence_updates(body json) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object('updates', body -> 'updates', 'requests', body -> 'requests');

ALTER TABLE page_sources
    ADD COLUMN updates json GENERATED ALWAYS AS
        (CASE WHEN page = 'cadence' THEN cadence_updates(body) END) STORED;
-- Read whole, as the document: uncompressed.
ALTER TABLE page_sources ALTER COLUMN updates SET STORAGE EXTERNAL;
