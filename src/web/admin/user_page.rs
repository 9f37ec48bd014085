//! The admin page of one user, shared by its three forms (profile, seat,
//! password): each POST that fails validation re-renders the whole page with
//! what was typed and the messages beside the right fields.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::seats::Seat;
use crate::db::users::User;
use crate::domain::seat::SeatKind;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, render};

#[derive(Template)]
#[template(path = "admin/user.html")]
pub(super) struct UserPage {
    pub page: Page,
    pub target: User,
    pub is_self: bool,
    pub seats: Vec<Seat>,
    pub seat_kinds: [SeatKind; 5],
    pub profile: ProfileValues,
    pub seat_form: SeatValues,
    pub errors: FieldErrors,
    /// Where the latest invitation stands, in words, if there is one.
    pub invitation: Option<String>,
    /// The provider identities linked to the account: (issuer, subject).
    pub identities: Vec<(String, String)>,
    /// How many passkeys the account has.
    pub passkeys: usize,
}

/// The profile form's values.
#[derive(Debug, Clone, Default)]
pub(super) struct ProfileValues {
    pub email: String,
    pub display_name: String,
    pub disabled: bool,
}

/// The seat form's values.
#[derive(Debug, Clone, Default)]
pub(super) struct SeatValues {
    pub kind: String,
    pub title: String,
}

impl UserPage {
    /// The page as stored, with empty forms.
    pub async fn load(state: &AppState, admin: &CurrentUser, id: Uuid) -> Result<Self> {
        let target = db::users::find_in_org(&state.pool, admin.organisation_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let invitation = db::invitations::latest_for(&state.pool, target.id)
            .await?
            .map(|invitation| invitation_line(&invitation, state.now(), admin.time_zone));
        let identities = db::sso::identities_of(&state.pool, target.id).await?;
        let passkeys = db::passkeys::list(&state.pool, target.id).await?.len();
        Ok(UserPage {
            invitation,
            identities,
            passkeys,
            page: Page::of(state, admin),
            is_self: target.id == admin.id,
            seats: db::seats::for_user(&state.pool, target.id).await?,
            seat_kinds: SeatKind::ALL,
            profile: ProfileValues {
                email: target.email.clone(),
                display_name: target.display_name.clone(),
                disabled: target.disabled_at.is_some(),
            },
            seat_form: SeatValues::default(),
            errors: FieldErrors::new(),
            target,
        })
    }

    /// Whether the person has a way in of their own: a password, a provider
    /// identity or a passkey (an invitation is then no longer needed).
    pub fn has_joined(&self) -> bool {
        self.target.password_hash.is_some() || !self.identities.is_empty() || self.passkeys > 0
    }

    /// Renders at 422 with the messages set.
    pub fn invalid(self) -> Response {
        render(StatusCode::UNPROCESSABLE_ENTITY, &self)
    }

    /// Renders at 200.
    pub fn ok(self) -> Response {
        render(StatusCode::OK, &self)
    }
}

/// Where an invitation stands, for the administrator.
fn invitation_line(
    invitation: &db::invitations::Invitation,
    now: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
) -> String {
    use db::invitations::Standing;
    let moment = |at| crate::domain::zone::moment(at, zone);
    match invitation.standing(now) {
        Standing::Open => format!(
            "Invitation sent; its link works until {}.",
            moment(invitation.expires_at)
        ),
        Standing::Used => format!(
            "Joined through the invitation on {}.",
            invitation.accepted_at.map(moment).unwrap_or_default()
        ),
        Standing::Expired => format!(
            "The invitation expired on {} unused.",
            moment(invitation.expires_at)
        ),
        Standing::Withdrawn => "The latest invitation was withdrawn.".to_owned(),
    }
}
