//! Invitations (migration 0025): a person an administrator invites by
//! e-mail sets their own password through a single-use link, valid for
//! [`VALID_FOR`]. Only the SHA-256 of the link's token is stored.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

/// How long an invitation can be used.
pub const VALID_FOR: Duration = Duration::days(7);

/// An invitation with the person it is for.
#[derive(Debug, Clone, FromRow)]
pub struct Invitation {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The invited person's name and address.
    pub display_name: String,
    pub email: String,
    /// Whether their account was disabled since.
    pub disabled: bool,
    /// Their organisation's name.
    pub organisation_name: String,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It can be used.
    Open,
    /// Its form was sent once already.
    Used,
    /// Its seven days are over.
    Expired,
    /// A newer invitation replaced it, or the account was disabled.
    Withdrawn,
}

impl Invitation {
    /// Where it stands at `now`.
    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        if self.accepted_at.is_some() {
            Standing::Used
        } else if self.withdrawn_at.is_some() || self.disabled {
            Standing::Withdrawn
        } else if now >= self.expires_at {
            Standing::Expired
        } else {
            Standing::Open
        }
    }
}

const SELECT: &str = "SELECT i.id, i.organisation_id, i.user_id, i.expires_at, i.accepted_at, i.withdrawn_at,
        u.display_name, u.email, u.disabled_at IS NOT NULL AS disabled, o.name AS organisation_name
   FROM invitations i JOIN users u ON u.id = i.user_id JOIN organisations o ON o.id = i.organisation_id";

/// The invitation whose token hashes to `token_hash`.
pub async fn find(db: impl PgExecutor<'_>, token_hash: &[u8]) -> sqlx::Result<Option<Invitation>> {
    sqlx::query_as(&format!("{SELECT} WHERE i.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// The invitation `id`, locked until the transaction ends.
pub async fn lock_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Invitation>> {
    sqlx::query_as(&format!("{SELECT} WHERE i.id = $1 FOR UPDATE OF i"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The same, locked until the transaction ends: two forms sent at once
/// are taken one after the other, and the second finds it used.
pub async fn lock(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<Option<Invitation>> {
    sqlx::query_as(&format!("{SELECT} WHERE i.token_hash = $1 FOR UPDATE OF i"))
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// The latest invitation of a person, if they were ever invited.
pub async fn latest_for(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<Invitation>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.user_id = $1 ORDER BY i.created_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Invites `user_id` with the token that hashes to `token_hash`, valid
/// from `at` for [`VALID_FOR`]; any earlier invitation still open is
/// withdrawn. With its audit entry.
pub async fn issue(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    user_id: Uuid,
    token_hash: &[u8],
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let withdrawn = withdraw_open(&mut *conn, user_id, at).await?;
    let id = Uuid::new_v4();
    let expires_at = at + VALID_FOR;
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, user_id, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(organisation_id)
    .bind(user_id)
    .bind(token_hash)
    .bind(actor.user_id)
    .bind(at)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::INVITATION_SEND,
            object_type: "user",
            object_id: Some(user_id),
            before: None,
            after: Some(json!({
                "invitation": id,
                "expires_at": expires_at,
                "earlier_withdrawn": withdrawn,
            })),
        },
    )
    .await
}

/// Withdraws the invitations of `user_id` still open (a newer one, or an
/// initial password set instead), with their messages not yet sent.
/// Returns how many.
pub async fn withdraw_open(
    conn: &mut PgConnection,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let withdrawn = sqlx::query(
        "UPDATE invitations SET withdrawn_at = $2
          WHERE user_id = $1 AND accepted_at IS NULL AND withdrawn_at IS NULL",
    )
    .bind(user_id)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    forget_links(conn, user_id).await?;
    Ok(withdrawn)
}

/// Takes the links (and their tokens) off every invitation message to
/// `user_id`; one still waiting to go out is cancelled, so no e-mail leaves
/// with a link that no longer works.
async fn forget_links(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notifications
            SET delivery = CASE WHEN delivery = 'queued' THEN 'cancelled' ELSE delivery END,
                lease_until = NULL, link = '/'
          WHERE recipient_id = $1 AND kind = 'invitation' AND link <> '/'",
    )
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an invitation used and sets the person's own password, with its
/// audit entry (never the hash).
pub async fn accept(
    conn: &mut PgConnection,
    actor: &Actor,
    invitation: &Invitation,
    password_hash: Option<&str>,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE invitations SET accepted_at = $2 WHERE id = $1")
        .bind(invitation.id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    // Joining through the provider sets no password.
    if let Some(hash) = password_hash {
        super::users::set_password(&mut *conn, invitation.user_id, hash, false).await?;
    }
    // The message that brought them here is read by now, and no copy of
    // it (a retry, say) keeps the used link.
    sqlx::query(
        "UPDATE notifications SET read_at = $2
          WHERE recipient_id = $1 AND kind = 'invitation' AND read_at IS NULL",
    )
    .bind(invitation.user_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    forget_links(&mut *conn, invitation.user_id).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::INVITATION_ACCEPT,
            object_type: "user",
            object_id: Some(invitation.user_id),
            before: None,
            after: Some(json!({
                "invitation": invitation.id,
                "joined_with": if password_hash.is_some() { "password" } else { "single_sign_on" },
            })),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(at: DateTime<Utc>) -> Invitation {
        Invitation {
            id: Uuid::nil(),
            organisation_id: Uuid::nil(),
            user_id: Uuid::nil(),
            expires_at: at + VALID_FOR,
            accepted_at: None,
            withdrawn_at: None,
            display_name: "Ines Duarte".into(),
            email: "ines@example.com".into(),
            disabled: false,
            organisation_name: "Halden".into(),
        }
    }

    #[test]
    fn an_invitation_is_open_for_seven_days_then_expires() {
        let at = Utc::now();
        let open = invitation(at);
        assert_eq!(
            open.standing(at + Duration::days(7) - Duration::seconds(1)),
            Standing::Open
        );
        assert_eq!(open.standing(at + Duration::days(7)), Standing::Expired);
    }

    #[test]
    fn used_beats_withdrawn_beats_expired() {
        let at = Utc::now();
        let later = at + Duration::days(30);
        let mut used = invitation(at);
        used.accepted_at = Some(at);
        used.disabled = true;
        assert_eq!(used.standing(later), Standing::Used);
        let mut disabled = invitation(at);
        disabled.disabled = true;
        assert_eq!(disabled.standing(at), Standing::Withdrawn);
        assert_eq!(disabled.standing(later), Standing::Withdrawn);
        let mut replaced = invitation(at);
        replaced.withdrawn_at = Some(at);
        assert_eq!(replaced.standing(at), Standing::Withdrawn);
    }
}
