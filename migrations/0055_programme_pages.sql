-- The bodies of the brief page and of the responsibility matrix's page as
-- every view fills them (issue 23): what they show below the programme's
-- navigation, written to HTML by tandem from the programme's kept document
-- (`brief_page`, `matrix_page`), at the end of each write through a page
-- and by the keeper task for any other write or another release's markup.
-- The places that differ between viewers (the forms and links their seats
-- give them) are kept marked, each view filling in its own. A page shows
-- its body only while it was written from the document as it stands
-- (`pages_of` = `written_in`) with this release's markup (`pages_markup`);
-- otherwise it renders from the document, as before. Derived copies: no
-- audit entry.
ALTER TABLE programme_sources
    ADD COLUMN brief_page text[],
    ADD COLUMN matrix_page text[],
    ADD COLUMN pages_of xid8,
    ADD COLUMN pages_markup text;
ALTER TABLE programme_sources ALTER COLUMN brief_page SET STORAGE EXTERNAL;
ALTER TABLE programme_sources ALTER COLUMN matrix_page SET STORAGE EXTERNAL;

-- The latest saved matrix of a programme as its page reads it: the
-- version, the matrix, when and by whom it was saved.
CREATE FUNCTION latest_matrix(p_programme uuid) RETURNS json
    LANGUAGE sql STABLE
    RETURN (SELECT row_to_json(x) FROM (
                SELECT v.version, v.matrix_text AS matrix, v.saved_at, u.display_name AS saved_by_name
                  FROM raci_versions v LEFT JOIN users u ON u.id = v.saved_by
                 WHERE v.programme_id = p_programme ORDER BY v.version DESC LIMIT 1) x);

-- The kept documents this transaction wrote, with what their pages'
-- bodies are written from, as `dashboards_written`.
CREATE FUNCTION programme_pages_written()
    RETURNS TABLE (programme_id uuid, programme json, brief json, brief_shown text[], matrix json)
    LANGUAGE plpgsql AS $fn$
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    RETURN QUERY SELECT k.programme_id, k.programme, k.brief, k.brief_shown, latest_matrix(k.programme_id)
                   FROM programme_sources k
                  WHERE k.written_in = pg_current_xact_id() AND k.programme IS NOT NULL;
END
$fn$;
