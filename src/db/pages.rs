//! Everything one page shows, read in one round trip. Each part is the
//! query its entity module already has, wrapped as a JSON value and decoded
//! into the same struct, so the page pays one round trip instead of one per
//! part however long the programme's history grows.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::{FromRow, PgExecutor, Row as _};
use uuid::Uuid;

use super::brief::{
    AwaitingAgreement, AwaitingSignature, FrozenHead, SHOWN_DRAFT, SLOT_SELECT, ShownSection, Slot,
    SlotDecision, VERSION_SELECT, Version,
};
use super::json::{LATEST_VERSION_ID, Part, array, decode, kept_programme, one};
use super::programmes::{Programme, SIGNATORIES, Signatory, list_in_org_sql};
use super::sessions::{Seen, Who};
use super::{raci, seats};

/// What the brief page's body is rendered from (`brief_page`).
#[derive(Debug, Default, Deserialize)]
pub struct BriefSource {
    /// The draft's stored sections, in section key order.
    pub draft: Vec<ShownSection>,
    /// Their fields' markup, in the same order (kept beside the document).
    #[serde(skip)]
    pub shown: Vec<String>,
    /// Every version, newest first.
    pub versions: Vec<Version>,
    /// Every version's slots' decisions.
    pub decisions: Vec<SlotDecision>,
    /// The latest version's section hashes.
    pub latest_hashes: HashMap<String, String>,
}

impl BriefSource {
    /// Decodes the kept brief (`programme_sources.brief`) with its sections'
    /// markup (`brief_shown`).
    pub fn decode(brief: &str, shown: Vec<String>) -> sqlx::Result<BriefSource> {
        let mut source: BriefSource = decode(brief)?;
        source.shown = shown;
        Ok(source)
    }
}

/// What the brief page reads besides its programme: its body as kept, or
/// the document to render it from.
#[derive(Debug)]
pub enum BriefRead {
    /// The kept body (`programme_sources.brief_page`), cut at its marks.
    Shown(Vec<String>),
    /// No body kept from the document as it stands, with this markup.
    Source(Box<BriefSource>),
}

/// The brief page's query, as the database's `brief_source(p_programme)`
/// runs it to keep each programme's document (see [`install_kept_queries`]).
pub(crate) fn brief_source_sql() -> String {
    format!(
        "SELECT json_build_object('draft', {}, 'versions', {}, 'decisions', {},
                'latest_hashes', coalesce((SELECT json_object_agg(section_key, section_hash ORDER BY section_key)
                                             FROM brief_version_sections
                                            WHERE version_id = {LATEST_VERSION_ID}), '{{}}'::json))",
        array(&format!("{SHOWN_DRAFT} ORDER BY s.section_key")),
        array(&format!(
            "{VERSION_SELECT} WHERE v.programme_id = $1 ORDER BY v.number DESC"
        )),
        array(
            "SELECT sl.version_id, sg.decision
               FROM brief_signature_slots sl
               JOIN brief_versions v ON v.id = sl.version_id
               LEFT JOIN brief_signatures sg ON sg.version_id = sl.version_id AND sg.user_id = sl.user_id
              WHERE v.programme_id = $1 ORDER BY v.number, sl.position"
        ),
    )
}

/// Reads the brief page of programme `programme_id` for `who` in one round
/// trip: the programme, if the organisation has it, and the body kept with
/// `markup` from the brief as it stands, or else the brief.
pub async fn brief(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    markup: &str,
) -> sqlx::Result<Option<Seen<(Option<Programme>, BriefRead)>>> {
    let sql = who.statement("brief", 0, 2, 3, || {
        // One row, with or without the programme (the session is read
        // with it).
        "SELECT k.programme, CASE WHEN k.fresh THEN k.brief_page END AS page,
                CASE WHEN k.fresh THEN NULL ELSE k.brief END AS brief,
                CASE WHEN k.fresh THEN NULL ELSE k.brief_shown END AS brief_shown
           FROM (SELECT) one
           LEFT JOIN (SELECT programme, brief, brief_shown, brief_page,
                             (pages_of = written_in AND pages_markup = $3) IS TRUE AS fresh
                        FROM programme_sources WHERE programme_id = $1 AND organisation_id = $2) k ON true"
            .to_owned()
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        page: Option<Vec<String>>,
        brief: Option<Part>,
        brief_shown: Option<Vec<String>>,
    }
    let query = who.bind(sqlx::query(sql).bind(programme_id)).bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme = row.programme.map(|p| decode(&p.0)).transpose()?;
    let read = match (row.page, row.brief) {
        (Some(page), _) => BriefRead::Shown(page),
        (None, Some(brief)) => BriefRead::Source(Box::new(BriefSource::decode(
            &brief.0,
            row.brief_shown.unwrap_or_default(),
        )?)),
        (None, None) => BriefRead::Source(Box::default()),
    };
    who.seen(&found, (programme, read)).map(Some)
}

/// What the bodies of a programme's brief and matrix pages are written
/// from (`programme_pages`).
#[derive(Debug)]
pub struct PagesSource {
    pub programme: Programme,
    pub brief: BriefSource,
    /// The latest saved matrix, if any was saved.
    pub matrix: Option<raci::Version>,
}

/// A kept document's row as `programme_pages_written` returns it.
type PagesRow = (Uuid, Part, Option<Part>, Option<Vec<String>>, Option<Part>);

impl PagesSource {
    /// Decodes what a kept document's row holds: the programme, the brief
    /// and its sections' markup, the latest matrix (JSON text each).
    pub fn decode(
        programme: &str,
        brief: Option<&str>,
        shown: Option<Vec<String>>,
        matrix: Option<&str>,
    ) -> sqlx::Result<PagesSource> {
        Ok(PagesSource {
            programme: decode(programme)?,
            brief: match brief {
                Some(brief) => BriefSource::decode(brief, shown.unwrap_or_default())?,
                None => BriefSource::default(),
            },
            matrix: matrix.map(decode).transpose()?,
        })
    }

    fn of((_, programme, brief, shown, matrix): PagesRow) -> sqlx::Result<PagesSource> {
        PagesSource::decode(
            &programme.0,
            brief.as_ref().map(|b| b.0.as_str()),
            shown,
            matrix.as_ref().map(|m| m.0.as_str()),
        )
    }
}

/// The kept documents the current transaction wrote, with what their pages'
/// bodies are written from (`programme_pages_written`, migration 0055).
pub async fn programme_pages_written(
    conn: &mut sqlx::PgConnection,
) -> sqlx::Result<Vec<(Uuid, PagesSource)>> {
    let rows: Vec<PagesRow> = sqlx::query_as(
        "SELECT programme_id, programme, brief, brief_shown, matrix FROM programme_pages_written()",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| Ok((row.0, PagesSource::of(row)?)))
        .collect()
}

/// Up to `limit` kept documents whose pages' bodies are not what their
/// pages would render with `markup`, with what to write them from and the
/// transaction that wrote the document.
pub async fn programme_pages_unshown(
    db: impl PgExecutor<'_>,
    markup: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, PagesSource, i64)>> {
    type UnshownRow = (
        Uuid,
        Part,
        Option<Part>,
        Option<Vec<String>>,
        Option<Part>,
        i64,
    );
    let rows: Vec<UnshownRow> =
        sqlx::query_as(
            "SELECT programme_id, programme, brief, brief_shown, latest_matrix(programme_id),
                    written_in::text::bigint
               FROM programme_sources
              WHERE programme IS NOT NULL AND (pages_of = written_in AND pages_markup = $1) IS NOT TRUE
              ORDER BY programme_id LIMIT $2",
        )
        .bind(markup)
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|(id, programme, brief, shown, matrix, written)| {
            let source = PagesSource::of((id, programme, brief, shown, matrix))?;
            Ok((id, source, written))
        })
        .collect()
}

/// Keeps `brief` and `matrix` as the bodies of programme `programme_id`'s
/// pages, written with `markup` from its document as it stands in this
/// transaction, or with `document`, only if that is still the one written
/// by that transaction. Returns how many were written (0 or 1).
pub async fn write_programme_pages(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    document: Option<i64>,
    (brief, matrix): (&[String], &[String]),
    markup: &str,
) -> sqlx::Result<u64> {
    let written = sqlx::query(
        "UPDATE programme_sources
            SET brief_page = $2, matrix_page = $3, pages_of = written_in, pages_markup = $4
          WHERE programme_id = $1 AND ($5::bigint IS NULL OR written_in = $5::bigint::text::xid8)",
    )
    .bind(programme_id)
    .bind(brief)
    .bind(matrix)
    .bind(markup)
    .bind(document)
    .execute(db)
    .await?;
    Ok(written.rows_affected())
}

/// What a version page shows.
#[derive(Debug)]
pub struct VersionSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// The version, if it exists.
    pub version: Option<Version>,
    /// Its frozen sections, in brief order (without their content).
    pub sections: Vec<FrozenHead>,
    /// Their fields' markup, in the same order (kept beside the document;
    /// empty for one not written).
    pub shown: Vec<String>,
    /// Its slots, in order.
    pub slots: Vec<Slot>,
    /// The number of the latest version.
    pub latest_number: Option<i32>,
    /// The page's body, kept for every viewer, when asked for and current.
    pub page: Option<Vec<String>>,
}

/// A version page's query, as the database's
/// `brief_version_source(p_version)` runs it to keep each version's document
/// (see [`install_kept_queries`]).
pub(crate) fn brief_version_source_sql() -> String {
    format!(
        "SELECT json_build_object('version', {}, 'sections', {}, 'slots', {})",
        one(&format!("{VERSION_SELECT} WHERE v.id = $1")),
        array(
            "SELECT s.section_key, s.section_hash FROM brief_version_sections s
              WHERE s.version_id = $1 ORDER BY s.position"
        ),
        array(&format!(
            "{SLOT_SELECT} WHERE sl.version_id = $1 ORDER BY sl.position"
        )),
    )
}

/// A version's document as kept.
#[derive(Deserialize)]
struct VersionKept {
    version: Option<Version>,
    sections: Vec<FrozenHead>,
    slots: Vec<Slot>,
}

#[derive(FromRow)]
struct VersionRow {
    programme: Option<Part>,
    page: Option<Vec<String>>,
    version: Option<Part>,
    shown: Option<Vec<String>>,
    latest_number: Option<i32>,
}

/// Reads version `number` of a programme's brief for `who` in one round
/// trip: the programme, the latest number, and the version's page body
/// kept with `markup` (if one is asked for and is current) or else its
/// kept document.
pub async fn version(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    number: i32,
    markup: Option<&str>,
) -> sqlx::Result<Option<Seen<VersionSource>>> {
    let sql = who.statement("version", 0, 2, 4, || {
        format!(
            "SELECT {} AS programme, l.latest_number, CASE WHEN k.fresh THEN k.page END AS page,
                    CASE WHEN k.fresh THEN NULL ELSE k.body END AS version,
                    CASE WHEN k.fresh THEN NULL ELSE k.shown END AS shown
               FROM (SELECT max(number) AS latest_number FROM brief_versions WHERE programme_id = $1) l
               LEFT JOIN LATERAL (
                   SELECT page, body, shown,
                          (page_of = written_in AND page_latest = l.latest_number AND page_markup = $4) IS TRUE AS fresh
                     FROM brief_version_sources WHERE programme_id = $1 AND number = $3) k ON true",
            kept_programme(),
        )
    });
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(number)
        .bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = VersionRow::from_row(&found)?;
    let source = VersionSource::decode(
        row.programme.map(|v| decode(&v.0)).transpose()?,
        row.version.as_ref().map(|v| v.0.as_str()),
        row.shown.unwrap_or_default(),
        row.latest_number,
    )?;
    let source = VersionSource {
        page: row.page,
        ..source
    };
    who.seen(&found, source).map(Some)
}

impl VersionSource {
    /// A version's kept document (`brief_version_sources.body`, if any) and
    /// sections' markup decoded, with its programme and the latest number.
    pub fn decode(
        programme: Option<Programme>,
        body: Option<&str>,
        shown: Vec<String>,
        latest_number: Option<i32>,
    ) -> sqlx::Result<VersionSource> {
        let kept: Option<VersionKept> = body.map(decode).transpose()?;
        let (version, sections, slots) = match kept {
            Some(kept) => (kept.version, kept.sections, kept.slots),
            None => (None, Vec::new(), Vec::new()),
        };
        Ok(VersionSource {
            programme,
            version,
            sections,
            shown,
            slots,
            latest_number,
            page: None,
        })
    }
}

/// The kept versions whose page the current transaction changed, decoded
/// (`version_pages_written`, migration 0056).
pub async fn version_pages_written(
    conn: &mut sqlx::PgConnection,
) -> sqlx::Result<Vec<(Uuid, VersionSource)>> {
    let rows: Vec<VersionPageRow> = sqlx::query_as(
        "SELECT version_id, programme, body, shown, latest, NULL::bigint FROM version_pages_written()",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| Ok((row.0, version_page_source(row)?.0)))
        .collect()
}

/// A kept version's row as its page body is written from.
type VersionPageRow = (
    Uuid,
    Option<Part>,
    Part,
    Option<Vec<String>>,
    Option<i32>,
    Option<i64>,
);

fn version_page_source(
    (_, programme, body, shown, latest, written): VersionPageRow,
) -> sqlx::Result<(VersionSource, Option<i64>)> {
    let programme = programme.map(|p| decode(&p.0)).transpose()?;
    let source =
        VersionSource::decode(programme, Some(&body.0), shown.unwrap_or_default(), latest)?;
    Ok((source, written))
}

/// Up to `limit` kept versions whose page body is not what their page would
/// render with `markup`, decoded, each with the transaction that wrote it.
pub async fn version_pages_unshown(
    db: impl PgExecutor<'_>,
    markup: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, VersionSource, i64)>> {
    let rows: Vec<VersionPageRow> = sqlx::query_as(
        "SELECT k.version_id, p.programme, k.body, k.shown, l.latest, k.written_in::text::bigint
           FROM brief_version_sources k
           JOIN programme_sources p ON p.programme_id = k.programme_id
           CROSS JOIN LATERAL (SELECT max(number) AS latest FROM brief_versions
                                WHERE programme_id = k.programme_id) l
          WHERE (k.page_of = k.written_in AND k.page_latest = l.latest AND k.page_markup = $1) IS NOT TRUE
          ORDER BY k.version_id LIMIT $2",
    )
    .bind(markup)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let id = row.0;
            let (source, written) = version_page_source(row)?;
            Ok((id, source, written.unwrap_or_default()))
        })
        .collect()
}

/// Keeps `page` as version `version_id`'s page body, written with `markup`
/// under latest version `latest` from its document as it stands in this
/// transaction, or with `document`, only if that is still the one written
/// by that transaction. Returns how many were written (0 or 1).
pub async fn write_version_page(
    db: impl PgExecutor<'_>,
    version_id: Uuid,
    document: Option<i64>,
    (page, latest): (&[String], Option<i32>),
    markup: &str,
) -> sqlx::Result<u64> {
    let written = sqlx::query(
        "UPDATE brief_version_sources
            SET page = $2, page_of = written_in, page_latest = $3, page_markup = $4
          WHERE version_id = $1 AND ($5::bigint IS NULL OR written_in = $5::bigint::text::xid8)",
    )
    .bind(version_id)
    .bind(page)
    .bind(latest)
    .bind(markup)
    .bind(document)
    .execute(db)
    .await?;
    Ok(written.rows_affected())
}

/// What the programme overview shows.
#[derive(Debug)]
pub struct OverviewSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// The organisation's sitting CEO and COO seats.
    pub executives: Vec<seats::Seat>,
    /// The latest brief version's number and slots.
    pub latest: Option<(i32, Vec<Slot>)>,
    /// The health of the latest saved matrix (of the framework's default
    /// while none is saved).
    pub matrix_health: crate::domain::raci::Health,
    /// The required signatories besides the executives.
    pub signatories: Vec<Signatory>,
    /// What the cadence schedule needs.
    pub cadence: super::cadence::ScheduleFacts,
}

/// The programme overview's document of programme `$1`, as one JSON
/// object. The database runs it (as `programme_source`, installed by
/// [`install_kept_queries`]) at the commit of every change to what it
/// shows, and keeps the result in `programme_sources`.
pub(crate) fn programme_source_sql() -> String {
    let organisation = "(SELECT organisation_id FROM programmes WHERE id = $1)";
    format!(
        "SELECT json_build_object('programme', {}, 'executives', {}, 'latest', {}, 'latest_slots', {}, 'matrix', {},
                'signatories', {}, 'cadence', {})",
        one(&format!(
            "SELECT {} FROM programmes WHERE id = $1",
            super::programmes::COLUMNS
        )),
        array(&format!(
            "{} WHERE s.organisation_id = {organisation} AND s.ended_at IS NULL AND s.kind IN ('ceo', 'coo')
              ORDER BY s.kind, s.started_at",
            seats::SELECT
        )),
        one(
            "SELECT number FROM brief_versions WHERE programme_id = $1 ORDER BY number DESC LIMIT 1"
        ),
        array(&format!(
            "{SLOT_SELECT} WHERE sl.version_id = {LATEST_VERSION_ID} ORDER BY sl.position"
        )),
        one(&raci::kept_matrix_sql()),
        array(SIGNATORIES),
        one(&super::cadence::schedule_facts_sql()),
    )
}

/// The overview document as kept.
#[derive(Deserialize)]
struct OverviewKept {
    programme: Option<Programme>,
    executives: Vec<seats::Seat>,
    latest: Option<Latest>,
    latest_slots: Vec<Slot>,
    matrix: Option<raci::KeptMatrix>,
    signatories: Vec<Signatory>,
    cadence: Option<super::cadence::ScheduleFacts>,
}

#[derive(Deserialize)]
struct Latest {
    number: i32,
}

/// Reads the programme overview for `who` in one round trip: the document
/// the writes keep, if the organisation has the programme.
pub async fn overview(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
) -> sqlx::Result<Option<Seen<OverviewSource>>> {
    let sql = who.statement("overview", 0, 2, 2, || {
        "SELECT (SELECT body FROM programme_sources
                  WHERE programme_id = $1 AND organisation_id = $2) AS overview"
            .to_owned()
    });
    let query = who.bind(sqlx::query(sql).bind(programme_id));
    let Some(row) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let body: Option<Part> = row.try_get("overview")?;
    let source = match body {
        None => OverviewSource {
            programme: None,
            executives: Vec::new(),
            latest: None,
            matrix_health: Default::default(),
            signatories: Vec::new(),
            cadence: Default::default(),
        },
        Some(body) => {
            let kept: OverviewKept = decode(&body.0)?;
            OverviewSource {
                programme: kept.programme,
                executives: kept.executives,
                latest: kept.latest.map(|l| (l.number, kept.latest_slots)),
                matrix_health: crate::domain::raci::Health::of_problems(
                    raci::KeptMatrix::problems(kept.matrix),
                ),
                signatories: kept.signatories,
                cadence: kept.cadence.unwrap_or_default(),
            }
        }
    };
    who.seen(&row, source).map(Some)
}

/// What the home page shows.
#[derive(Debug)]
pub struct HomeSource {
    /// The organisation's programmes, open ones first.
    pub programmes: Vec<Programme>,
    /// Latest versions waiting for this user's decision.
    pub to_sign: Vec<AwaitingSignature>,
    /// Joint sections waiting for this executive's agreement.
    pub to_agree: Vec<AwaitingAgreement>,
    /// Decision requests not yet decided.
    pub open_requests: Vec<HomeRequest>,
    /// Programmes in deployment, with the weeks that have an update.
    pub deploying: Vec<HomeDeploying>,
    /// ExCo reviews not yet held whose CEO or COO text is still empty.
    pub open_reviews: Vec<HomeReview>,
    /// Open action items due by the horizon.
    pub actions: Vec<HomeAction>,
    /// Each live programme's next review and latest held pack.
    pub committee: Vec<HomeCommittee>,
    /// Serious incidents not yet acknowledged by both executives.
    pub incidents: Vec<HomeIncident>,
    /// Suspended agents waiting for an executive's decision to resume.
    pub suspended: Vec<HomeSuspended>,
}

/// A serious incident waiting for acknowledgement.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeIncident {
    pub programme_id: Uuid,
    pub programme_name: String,
    pub number: i32,
    pub title: String,
    pub acknowledge_by: chrono::DateTime<chrono::Utc>,
    pub ceo_acknowledged: bool,
    pub coo_acknowledged: bool,
}

/// A suspended agent.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeSuspended {
    pub programme_id: Uuid,
    pub programme_name: String,
    pub agent_id: Uuid,
    pub name: String,
    /// Whether the CEO's decision is needed too (a serious incident).
    pub ceo_needed: bool,
    /// The seats that decided to resume it already.
    pub decided: Vec<String>,
}

/// A live programme as the committee follows it.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeCommittee {
    pub programme_id: Uuid,
    pub programme_name: String,
    /// The meeting day of its next review not yet held.
    pub next_meeting: Option<chrono::NaiveDate>,
    /// The month of its latest held review (its pack).
    pub latest_pack: Option<String>,
}

impl HomeCommittee {
    /// The latest pack's month, for people ("October 2026").
    pub fn latest_pack_label(&self) -> String {
        use crate::domain::metrics::{Cadence, Period};
        self.latest_pack
            .as_deref()
            .map(|month| {
                Period::parse_for(month, Cadence::Monthly)
                    .map_or_else(|_| month.to_owned(), Period::label)
            })
            .unwrap_or_default()
    }
}

/// A decision request waiting for the CEO.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeRequest {
    pub programme_id: Uuid,
    pub programme_name: String,
    /// The request's number.
    pub number: i32,
    pub question: String,
    /// When it was raised.
    pub raised_at: chrono::DateTime<chrono::Utc>,
}

/// A programme in deployment.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeDeploying {
    pub programme_id: Uuid,
    pub programme_name: String,
    /// Week 1's first day.
    pub deploying_since: Option<chrono::NaiveDate>,
    /// The weeks with an update.
    pub weeks: Vec<i32>,
}

/// An ExCo review in preparation.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeReview {
    pub programme_id: Uuid,
    pub programme_name: String,
    pub month: String,
    /// The meeting day.
    pub meeting_on: chrono::NaiveDate,
    /// Whether the CEO's narrative is still empty.
    pub ceo_missing: bool,
    /// Whether the COO's outcomes are still empty.
    pub coo_missing: bool,
}

/// An open action item.
#[derive(Debug, Clone, Deserialize)]
pub struct HomeAction {
    pub programme_id: Uuid,
    pub programme_name: String,
    pub title: String,
    /// `ceo` or `coo`.
    pub owner_seat: String,
    pub due_on: chrono::NaiveDate,
}

/// The keys of the brief's joint sections as an SQL array literal.
fn joint_sections_sql() -> String {
    let keys: Vec<String> = crate::domain::brief::SECTIONS
        .iter()
        .filter(|s| s.owner == crate::domain::brief::Owner::Joint)
        .map(|s| format!("'{}'", s.key))
        .collect();
    format!("ARRAY[{}]::text[]", keys.join(", "))
}

/// The home page's document of organisation `$1`: everything it lists for
/// anyone there, as one JSON object. The database runs it (as
/// `home_source`, installed by [`install_kept_queries`]) at the commit of
/// every change to what it lists, and keeps the result in `home_sources`;
/// each reader's page filters it ([`home`]).
pub(crate) fn home_source_sql() -> String {
    format!(
        "SELECT json_build_object('programmes', {}, 'to_sign', {}, 'to_agree', {}, 'open_requests', {}, 'deploying', {}, 'open_reviews', {}, 'actions', {}, 'committee', {},
                                  'incidents', {}, 'suspended', {})",
        array(&list_in_org_sql()),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, v.number, sl.user_id
               FROM programmes p
               JOIN LATERAL (SELECT * FROM brief_versions WHERE programme_id = p.id ORDER BY number DESC LIMIT 1) v ON true
               JOIN brief_signature_slots sl ON sl.version_id = v.id
              WHERE p.organisation_id = $1
                AND NOT EXISTS (SELECT 1 FROM brief_signatures s WHERE s.version_id = v.id AND s.user_id = sl.user_id)
                AND NOT EXISTS (SELECT 1 FROM brief_signatures s WHERE s.version_id = v.id AND s.decision = 'rejected')
              ORDER BY p.name, sl.user_id"
        ),
        array(&format!(
            "SELECT p.id AS programme_id, p.name AS programme_name, s.section_key,
                    s.ceo_agreed_at IS NOT NULL AS ceo_agreed, s.coo_agreed_at IS NOT NULL AS coo_agreed
               FROM brief_sections s JOIN programmes p ON p.id = s.programme_id
              WHERE p.organisation_id = $1 AND p.phase <> 'closed'
                AND s.section_key = ANY({joint})
                AND (s.ceo_agreed_at IS NULL OR s.coo_agreed_at IS NULL)
              ORDER BY p.name, s.section_key",
            joint = joint_sections_sql(),
        )),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, d.number, d.question, d.raised_at
               FROM decision_requests d JOIN programmes p ON p.id = d.programme_id
              WHERE p.organisation_id = $1 AND d.decided_at IS NULL
              ORDER BY d.raised_at, p.name, d.number"
        ),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, p.deploying_since,
                    coalesce((SELECT array_agg(week ORDER BY week) FROM weekly_updates WHERE programme_id = p.id), '{}') AS weeks
               FROM programmes p WHERE p.organisation_id = $1 AND p.phase = 'deploying'
              ORDER BY p.name"
        ),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, r.month, r.meeting_on,
                    r.strategy = '' AS ceo_missing, r.operations = '' AS coo_missing
               FROM exco_reviews r JOIN programmes p ON p.id = r.programme_id
              WHERE p.organisation_id = $1 AND r.held_at IS NULL
                AND (r.strategy = '' OR r.operations = '')
              ORDER BY r.meeting_on, p.name"
        ),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, a.title, a.owner_seat, a.due_on
               FROM action_items a JOIN programmes p ON p.id = a.programme_id
              WHERE p.organisation_id = $1 AND a.done_at IS NULL
              ORDER BY a.due_on, p.name, a.title"
        ),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name,
                    (SELECT min(r.meeting_on) FROM exco_reviews r WHERE r.programme_id = p.id AND r.held_at IS NULL) AS next_meeting,
                    (SELECT max(r.month) FROM exco_reviews r WHERE r.programme_id = p.id AND r.held_at IS NOT NULL) AS latest_pack
               FROM programmes p WHERE p.organisation_id = $1 AND p.phase = 'post_deployment'
              ORDER BY p.name"
        ),
        array(
            "SELECT p.id AS programme_id, p.name AS programme_name, i.number, i.title, i.acknowledge_by,
                    i.ceo_acknowledged_at IS NOT NULL AS ceo_acknowledged, i.coo_acknowledged_at IS NOT NULL AS coo_acknowledged
               FROM incidents i JOIN programmes p ON p.id = i.programme_id
              WHERE p.organisation_id = $1 AND i.acknowledge_by IS NOT NULL
                AND (i.ceo_acknowledged_at IS NULL OR i.coo_acknowledged_at IS NULL)
              ORDER BY i.acknowledge_by, p.name"
        ),
        array(&format!(
            "SELECT p.id AS programme_id, p.name AS programme_name, a.id AS agent_id, a.name,
                    {} AS ceo_needed,
                    coalesce((SELECT array_agg(r.seat) FROM agent_resumptions r
                               WHERE r.agent_id = a.id AND r.suspension = a.suspensions), '{{}}') AS decided
               FROM agents a JOIN programmes p ON p.id = a.programme_id
              WHERE p.organisation_id = $1 AND a.state = 'suspended'
              ORDER BY p.name, a.name",
            super::governance::SERIOUS_SINCE_LIVE
        )),
    )
}

/// The queries of the documents the writes keep, as the database's
/// functions that run them: name, parameter, query.
pub fn kept_queries() -> [(&'static str, &'static str, String); 8] {
    [
        ("home_source", "p_organisation", home_source_sql()),
        ("programme_source", "p_programme", programme_source_sql()),
        ("brief_source", "p_programme", brief_source_sql()),
        (
            "brief_version_source",
            "p_version",
            brief_version_source_sql(),
        ),
        (
            "cadence_source",
            "p_programme",
            super::cadence::cadence_source_sql(),
        ),
        (
            "pipeline_source",
            "p_programme",
            super::pipeline::pipeline_source_sql(),
        ),
        (
            "agents_source",
            "p_programme",
            super::governance::agents_source_sql(),
        ),
        (
            "health_source",
            "p_programme",
            super::health::health_source_sql(),
        ),
    ]
}

/// The pages kept in `page_sources` (migrations 0031, 0032), each written
/// by the database's function of its name and `_source`.
pub const KEPT_PAGES: [&str; 4] = ["cadence", "pipeline", "agents", "health"];

/// The statement of a kept page that shows the dashboard's figures beside
/// its records: the programme, the page's document and the dashboard, each
/// as the writes keep them (`$1` the programme, `$2` the organisation).
pub(crate) fn kept_with_dashboard_sql(page: &str) -> String {
    format!(
        "SELECT {} AS programme,
                (SELECT body FROM page_sources WHERE programme_id = $1 AND page = '{page}') AS kept,
                {} AS dashboard",
        kept_programme(),
        super::metrics::dashboard_part(),
    )
}

/// Installs the queries of the documents the writes keep — the database's
/// `home_source` ([`home_source_sql`]), `programme_source`
/// ([`programme_source_sql`]) and the others of [`kept_queries`] — and rewrites every document with them: run
/// at every start, after the migrations, so the documents follow the
/// queries of the tandem that starts. Several instances starting at once
/// take turns.
pub async fn install_kept_queries(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    use sqlx::Executor;
    let mut tx = pool.begin().await?;
    tx.execute("SELECT pg_advisory_xact_lock(727275)").await?;
    for (function, parameter, sql) in kept_queries() {
        tx.execute(
            format!(
                "CREATE OR REPLACE FUNCTION {function}({parameter} uuid) RETURNS json
                     LANGUAGE plpgsql STABLE AS $tandem$
                 BEGIN
                     RETURN ({sql});
                 END
                 $tandem$"
            )
            .as_str(),
        )
        .await?;
    }
    tx.execute("SELECT refresh_home_source(id) FROM organisations")
        .await?;
    tx.execute("SELECT refresh_programme_source(id) FROM programmes")
        .await?;
    tx.execute("SELECT refresh_brief_version_source(id) FROM brief_versions")
        .await?;
    sqlx::query(
        "SELECT refresh_page_source(p.id, page) FROM programmes p, unnest($1::text[]) page",
    )
    .bind(&KEPT_PAGES[..])
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The home document as kept: everything, for everyone.
#[derive(Debug, Default, Deserialize)]
pub struct HomeKept {
    programmes: Vec<Programme>,
    to_sign: Vec<KeptSignature>,
    to_agree: Vec<KeptAgreement>,
    open_requests: Vec<HomeRequest>,
    deploying: Vec<HomeDeploying>,
    open_reviews: Vec<HomeReview>,
    actions: Vec<HomeAction>,
    committee: Vec<HomeCommittee>,
    #[serde(default)]
    incidents: Vec<HomeIncident>,
    #[serde(default)]
    suspended: Vec<HomeSuspended>,
}

/// A signature awaited on a programme's latest version.
#[derive(Debug, Deserialize)]
struct KeptSignature {
    programme_id: Uuid,
    programme_name: String,
    number: i32,
    user_id: Uuid,
}

/// A brief section that one executive or both have not agreed yet.
#[derive(Debug, Deserialize)]
struct KeptAgreement {
    programme_id: Uuid,
    programme_name: String,
    section_key: String,
    ceo_agreed: bool,
    coo_agreed: bool,
}

/// Reads an organisation's home document for `who`, in one round trip
/// with the session when it is not yet known; [`HomeKept::for_reader`]
/// then keeps what one reader sees.
pub async fn home(db: impl PgExecutor<'_>, who: &Who<'_>) -> sqlx::Result<Option<Seen<HomeKept>>> {
    let sql = who.statement("home", 0, 1, 1, || {
        "SELECT (SELECT body FROM home_sources WHERE organisation_id = $1) AS home".to_owned()
    });
    let Some(row) = who
        .bind_last(who.bind(sqlx::query(sql)))
        .fetch_optional(db)
        .await?
    else {
        return Ok(None);
    };
    let body: Option<Part> = row.try_get("home")?;
    let kept = body
        .map(|part| decode(&part.0))
        .transpose()?
        .unwrap_or_default();
    who.seen(&row, kept).map(Some)
}

impl HomeKept {
    /// What the home page of `user_id` lists. `as_ceo` chooses whose
    /// agreement marks count (the COO's otherwise) on the joint sections;
    /// action items are listed when due by `actions_due_by`.
    pub fn for_reader(
        self,
        user_id: Uuid,
        as_ceo: bool,
        actions_due_by: chrono::NaiveDate,
    ) -> HomeSource {
        HomeSource {
            programmes: self.programmes,
            to_sign: self
                .to_sign
                .into_iter()
                .filter(|s| s.user_id == user_id)
                .map(|s| AwaitingSignature {
                    programme_id: s.programme_id,
                    programme_name: s.programme_name,
                    number: s.number,
                })
                .collect(),
            to_agree: self
                .to_agree
                .into_iter()
                .filter(|a| if as_ceo { !a.ceo_agreed } else { !a.coo_agreed })
                .map(|a| AwaitingAgreement {
                    programme_id: a.programme_id,
                    programme_name: a.programme_name,
                    section_key: a.section_key,
                })
                .collect(),
            open_requests: self.open_requests,
            deploying: self.deploying,
            open_reviews: self.open_reviews,
            actions: self
                .actions
                .into_iter()
                .filter(|a| a.due_on <= actions_due_by)
                .collect(),
            committee: self.committee,
            incidents: self.incidents,
            suspended: self.suspended,
        }
    }
}

/// What the matrix page shows.
#[derive(Debug)]
pub struct MatrixSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    pub read: MatrixRead,
}

/// What the matrix page reads besides its programme.
#[derive(Debug)]
pub enum MatrixRead {
    /// The body kept for the matrix as it stands, cut at its marks.
    Shown(Vec<String>),
    /// The matrix version in force (the latest, or the latest saved before
    /// the date asked for), to render from.
    Version(Option<raci::Version>),
}

/// Reads the matrix page of programme `programme_id` for `who` in one round
/// trip: the body kept with `markup` from the matrix as it stands, or its
/// latest version, or the one in force just before `before`.
pub async fn matrix(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    before: Option<chrono::DateTime<chrono::Utc>>,
    markup: &str,
) -> sqlx::Result<Option<Seen<MatrixSource>>> {
    let sql = who.statement("matrix", 0, 2, 4, || {
        format!(
            "SELECT k.programme, CASE WHEN k.shown THEN k.matrix_page END AS page,
                    CASE WHEN k.shown THEN NULL ELSE {} END AS version
               FROM (SELECT) one
               LEFT JOIN (SELECT programme, matrix_page,
                                 ($3::timestamptz IS NULL AND pages_of = written_in AND pages_markup = $4) IS TRUE AS shown
                            FROM programme_sources WHERE programme_id = $1 AND organisation_id = $2) k ON true",
            one(&format!(
                "{} WHERE v.programme_id = $1 AND ($3::timestamptz IS NULL OR v.saved_at < $3)
                  ORDER BY v.version DESC LIMIT 1",
                raci::SELECT
            )),
        )
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        page: Option<Vec<String>>,
        version: Option<Part>,
    }
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(before)
        .bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let source = MatrixSource {
        programme: row.programme.map(|v| decode(&v.0)).transpose()?,
        read: match row.page {
            Some(page) => MatrixRead::Shown(page),
            None => MatrixRead::Version(row.version.map(|v| decode(&v.0)).transpose()?),
        },
    };
    who.seen(&found, source).map(Some)
}
