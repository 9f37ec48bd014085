//! Calendar feeds: issuing, renewing and revoking a person's secret
//! address, reading what it lists, and each event's SEQUENCE.

use super::*;

/// Whether a user's calendar feed is live, and since when.
pub async fn feed_state(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    sqlx::query_as("SELECT created_at, revoked_at FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Issues (or renews) a user's feed under a new secret's digest; the old
/// address stops working at once.
pub async fn issue_feed(
    conn: &mut PgConnection,
    actor: &Actor,
    token_hash: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash,
                created_at = EXCLUDED.created_at, revoked_at = NULL",
    )
    .bind(actor.user_id)
    .bind(token_hash)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::FEED_ISSUE,
            object_type: "user",
            object_id: actor.user_id,
            before: None,
            after: None,
        },
    )
    .await
}

/// Revokes a user's feed; `false` when there was none live.
pub async fn revoke_feed(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<bool> {
    let revoked = sqlx::query(
        "UPDATE calendar_feeds SET token_hash = NULL, revoked_at = $2
          WHERE user_id = $1 AND token_hash IS NOT NULL",
    )
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if revoked {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::FEED_REVOKE,
                object_type: "user",
                object_id: actor.user_id,
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(revoked)
}

/// A decision request in the feed: number, question, raised, decided.
#[derive(Debug, Clone, Deserialize)]
pub struct FeedRequest {
    /// Its number in the programme.
    pub number: i32,
    pub question: String,
    /// When it was raised.
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub raised_at: DateTime<Utc>,
    /// When the CEO decided, if yet.
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// An ExCo review as a calendar feed needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct FeedReview {
    /// Its schedule facts (month, meeting day, held).
    #[serde(flatten)]
    pub fact: ReviewFact,
    /// Its version (each edit raises it).
    pub version: i32,
}

/// One programme's dated records, as a calendar feed needs them.
#[derive(Debug, Clone, Deserialize)]
pub struct FeedProgramme {
    /// The programme.
    #[serde(flatten)]
    pub programme: Programme,
    /// The days sessions were held.
    pub sessions: Vec<NaiveDate>,
    /// The weeks with an update.
    pub updates: Vec<i32>,
    /// The ExCo reviews.
    pub reviews: Vec<FeedReview>,
    /// The decision requests.
    pub requests: Vec<FeedRequest>,
}

/// The feed's owner and their organisation's dated records, found by the
/// secret's digest; `None` for an unknown or revoked address. One round trip.
pub async fn feed(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<(Uuid, Vec<FeedProgramme>)>> {
    let row: Option<(Uuid, Json<Vec<FeedProgramme>>)> = sqlx::query_as(&format!(
        "SELECT u.id,
                coalesce((SELECT jsonb_agg(to_jsonb(p) || jsonb_build_object(
                     'sessions', coalesce((SELECT jsonb_agg(held_on ORDER BY held_on) FROM alignment_sessions WHERE programme_id = p.id), '[]'),
                     'updates', coalesce((SELECT jsonb_agg(week ORDER BY week) FROM weekly_updates WHERE programme_id = p.id), '[]'),
                     'reviews', coalesce((SELECT jsonb_agg(jsonb_build_object('month', month, 'meeting_on', meeting_on,
                                                     'held', held_at IS NOT NULL, 'version', version) ORDER BY month)
                                            FROM exco_reviews WHERE programme_id = p.id), '[]'),
                     'requests', coalesce((SELECT jsonb_agg(jsonb_build_object('number', number, 'question', question,
                                                     'raised_at', raised_at, 'decided_at', decided_at) ORDER BY number)
                                             FROM decision_requests WHERE programme_id = p.id), '[]')))
                   FROM (SELECT {cols} FROM programmes WHERE organisation_id = u.organisation_id ORDER BY name) p), '[]')
           FROM calendar_feeds f JOIN users u ON u.id = f.user_id
          WHERE f.token_hash = $1 AND u.disabled_at IS NULL
            AND EXISTS (SELECT 1 FROM seats s WHERE s.user_id = u.id AND s.ended_at IS NULL)",
        cols = crate::db::programmes::COLUMNS
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(user, programmes)| (user, programmes.0)))
}

/// One event of a calendar feed, as the feed computed it.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    pub programme_id: Uuid,
    pub uid: String,
    /// What it says now (start, summary, status, description).
    pub fingerprint: String,
    /// The SEQUENCE it starts from when it is first served (what feeds
    /// before per-event sequences showed, so no client sees one go back).
    pub first_sequence: i32,
}

/// The SEQUENCE of each event, by UID: a new event starts at its first
/// sequence, a changed one goes up by one, an unchanged one keeps its own.
/// One round trip; concurrent feeds raise a changed event once.
pub async fn event_sequences(
    db: impl PgExecutor<'_>,
    events: &[FeedEvent],
) -> sqlx::Result<std::collections::HashMap<(Uuid, String), i32>> {
    let programmes: Vec<Uuid> = events.iter().map(|e| e.programme_id).collect();
    let uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
    let fingerprints: Vec<&str> = events.iter().map(|e| e.fingerprint.as_str()).collect();
    let firsts: Vec<i32> = events.iter().map(|e| e.first_sequence).collect();
    let rows: Vec<(Uuid, String, i32)> = sqlx::query_as(
        "WITH served AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[])
                        AS s (programme_id, uid, fingerprint, sequence)
         ), changed AS (
             INSERT INTO calendar_events (programme_id, uid, fingerprint, sequence)
             SELECT programme_id, uid, fingerprint, sequence FROM served
             ON CONFLICT ON CONSTRAINT calendar_events_pkey DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, sequence = calendar_events.sequence + 1
              WHERE calendar_events.fingerprint <> EXCLUDED.fingerprint
             RETURNING programme_id, uid, sequence
         )
         SELECT programme_id, uid, sequence FROM changed
         UNION ALL
         SELECT c.programme_id, c.uid, c.sequence
           FROM calendar_events c JOIN served s USING (programme_id, uid)
          WHERE NOT EXISTS (SELECT 1 FROM changed x WHERE x.programme_id = c.programme_id AND x.uid = c.uid)",
    )
    .bind(&programmes)
    .bind(&uids)
    .bind(&fingerprints)
    .bind(&firsts)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(programme, uid, sequence)| ((programme, uid), sequence))
        .collect())
}
