//! Alignment sessions: recording one with its action items, each executive's
//! part of the relationship check, and closing an action item.

use super::*;

/// An action item to create.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// What is to be done.
    pub title: String,
    /// `ceo` or `coo`.
    pub owner_seat: &'static str,
    pub due_on: NaiveDate,
}

/// An alignment session to record.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
    /// The day held.
    pub held_on: NaiveDate,
    pub attendees: &'a str,
    /// Notes: scope, investment, governance framework, board narrative.
    pub notes: [&'a str; 4],
    pub decisions: &'a str,
    /// New action items.
    pub actions: &'a [NewAction],
}

pub(super) async fn insert_actions(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    origin: (Option<Uuid>, Option<Uuid>),
    items: &[NewAction],
) -> sqlx::Result<()> {
    for item in items {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO action_items (id, organisation_id, programme_id, session_id, review_id, title, owner_seat, due_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(organisation_id)
        .bind(programme_id)
        .bind(origin.0)
        .bind(origin.1)
        .bind(&item.title)
        .bind(item.owner_seat)
        .bind(item.due_on)
        .bind(actor.user_id)
        .bind(actor.at)
        .execute(&mut *conn)
        .await?;
        super::clocks::action_created(conn, actor, organisation_id, programme_id, id, item).await?;
    }
    Ok(())
}

/// Records an alignment session with its action items; returns its number.
/// The caller holds the programme's lock.
pub async fn record_session(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewSession<'_>,
) -> sqlx::Result<i32> {
    let id = Uuid::new_v4();
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO alignment_sessions (id, organisation_id, programme_id, number, held_on, attendees,
                scope_notes, investment_notes, governance_notes, narrative_notes, decisions, recorded_by, recorded_at)
         VALUES ($1, $2, $3, (SELECT coalesce(max(number), 0) + 1 FROM alignment_sessions WHERE programme_id = $3),
                 $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING number",
    )
    .bind(id)
    .bind(new.organisation_id)
    .bind(new.programme_id)
    .bind(new.held_on)
    .bind(new.attendees)
    .bind(new.notes[0])
    .bind(new.notes[1])
    .bind(new.notes[2])
    .bind(new.notes[3])
    .bind(new.decisions)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_one(&mut *conn)
    .await?;
    insert_actions(
        conn,
        actor,
        new.organisation_id,
        new.programme_id,
        (Some(id), None),
        new.actions,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SESSION_RECORD,
            object_type: "programme",
            object_id: Some(new.programme_id),
            before: None,
            after: Some(json!({
                "session": number, "held_on": new.held_on, "attendees": new.attendees,
                "notes": new.notes, "decisions": new.decisions,
                "actions": new.actions.iter().map(|a| json!({"title": a.title, "owner": a.owner_seat, "due_on": a.due_on})).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    super::clocks::session_expected(conn, actor, new.programme_id, new.held_on).await?;
    Ok(number)
}

/// What saving an editable record did.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved<T> {
    Saved,
    Unchanged,
    /// It changed since the form was loaded; here is how it stands.
    Stale(T),
    /// There is no such record (or it can no longer change).
    Missing,
}

/// One executive's part of a relationship check, as written.
#[derive(Debug, Clone)]
pub struct CheckParts<'a> {
    /// What is working.
    pub working: &'a str,
    /// What is not.
    pub not_working: &'a str,
    /// What I need from you.
    pub needs: &'a str,
}

/// Writes (or rewrites) one executive's part of session `number`'s check.
pub async fn write_check(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    number: i32,
    seat: &str,
    parts: &CheckParts<'_>,
    expected_version: i32,
) -> sqlx::Result<Saved<CheckRow>> {
    let Some(session_id): Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM alignment_sessions WHERE programme_id = $1 AND number = $2",
    )
    .bind(programme_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Saved::Missing);
    };
    let existing: Option<Json<CheckRow>> = sqlx::query_scalar(
        "SELECT to_jsonb(x) FROM (SELECT c.session_id, c.seat, c.working, c.not_working, c.needs,
                (SELECT display_name FROM users WHERE id = c.written_by) AS written_by_name, c.written_at, c.version
           FROM relationship_checks c WHERE c.session_id = $1 AND c.seat = $2 FOR UPDATE) x",
    )
    .bind(session_id)
    .bind(seat)
    .fetch_optional(&mut *conn)
    .await?;
    let before = existing.as_ref().map(|e| &e.0);
    match before {
        Some(row) if row.version != expected_version => return Ok(Saved::Stale(row.clone())),
        None if expected_version != 0 => return Ok(Saved::Missing),
        Some(row)
            if row.working == parts.working
                && row.not_working == parts.not_working
                && row.needs == parts.needs =>
        {
            return Ok(Saved::Unchanged);
        }
        _ => {}
    }
    sqlx::query(
        "INSERT INTO relationship_checks (session_id, seat, working, not_working, needs, written_by, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_id, seat) DO UPDATE
            SET working = EXCLUDED.working, not_working = EXCLUDED.not_working, needs = EXCLUDED.needs,
                written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at,
                version = relationship_checks.version + 1",
    )
    .bind(session_id)
    .bind(seat)
    .bind(parts.working)
    .bind(parts.not_working)
    .bind(parts.needs)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::RELATIONSHIP_CHECK,
            object_type: "programme",
            object_id: Some(programme_id),
            before: before.map(|row| {
                json!({"session": number, "seat": seat, "working": row.working, "not_working": row.not_working, "needs": row.needs})
            }),
            after: Some(json!({
                "session": number, "seat": seat, "working": parts.working,
                "not_working": parts.not_working, "needs": parts.needs,
            })),
        },
    )
    .await?;
    Ok(Saved::Saved)
}

/// Marks an action item done (or open again).
pub async fn set_action_done(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    action_id: Uuid,
    done: bool,
    expected_version: i32,
) -> sqlx::Result<Saved<(String, bool)>> {
    let current: Option<(String, Option<DateTime<Utc>>, i32)> = sqlx::query_as(
        "SELECT title, done_at, version FROM action_items WHERE id = $1 AND programme_id = $2 FOR UPDATE",
    )
    .bind(action_id)
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((title, done_at, version)) = current else {
        return Ok(Saved::Missing);
    };
    if version != expected_version {
        return Ok(Saved::Stale((title, done_at.is_some())));
    }
    if done_at.is_some() == done {
        return Ok(Saved::Unchanged);
    }
    sqlx::query(
        "UPDATE action_items SET done_at = $2, done_by = $3, version = version + 1 WHERE id = $1",
    )
    .bind(action_id)
    .bind(done.then_some(actor.at))
    .bind(done.then_some(actor.user_id).flatten())
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::ACTION_ITEM_UPDATE,
            object_type: "action_item",
            object_id: Some(action_id),
            before: Some(json!({"title": title, "done": done_at.is_some()})),
            after: Some(json!({"title": title, "done": done})),
        },
    )
    .await?;
    if let (true, Some(organisation_id)) = (done, actor.organisation_id) {
        super::clocks::action_done(conn, organisation_id, action_id).await?;
    }
    Ok(Saved::Saved)
}
