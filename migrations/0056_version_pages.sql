-- A brief version's page body as every view fills it (issue 23): the
-- version's standing, its signatures and its frozen sections, written to
-- HTML by tandem from the version's kept document (`version_page`), as the
-- brief's own (migration 0055). The link to sign is for the signatories
-- still to decide, marked as theirs. Shown only while written from the
-- document as it stands (`page_of` = `written_in`), while the same version
-- is the latest (`page_latest`: a newer one supersedes it) and with this
-- release's markup. A derived copy: no audit entry.
ALTER TABLE brief_version_sources
    ADD COLUMN page text[],
    ADD COLUMN page_of xid8,
    ADD COLUMN page_latest integer,
    ADD COLUMN page_markup text;
ALTER TABLE brief_version_sources ALTER COLUMN page SET STORAGE EXTERNAL;

-- The kept versions whose page this transaction changed: each one written
-- in it, and every other of the same programmes whose latest version is no
-- longer the one its page was written under.
CREATE FUNCTION version_pages_written()
    RETURNS TABLE (version_id uuid, programme json, body json, shown text[], latest integer)
    LANGUAGE plpgsql AS $fn$
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN QUERY
        SELECT k.version_id, p.programme, k.body, k.shown, l.latest
          FROM brief_version_sources k
          JOIN programme_sources p ON p.programme_id = k.programme_id
          CROSS JOIN LATERAL (SELECT max(number) AS latest FROM brief_versions
                               WHERE programme_id = k.programme_id) l
         WHERE k.programme_id IN (SELECT w.programme_id FROM brief_version_sources w
                                   WHERE w.written_in = pg_current_xact_id())
           AND (k.written_in = pg_current_xact_id() OR k.page_latest IS DISTINCT FROM l.latest);
END
$fn$;
