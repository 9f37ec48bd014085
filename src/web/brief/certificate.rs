//! GET …/versions/{number}/certificate — a printable sign-off certificate;
//! GET …/versions/{number}/verify — recompute every hash from the stored
//! content and say plainly whether it still matches.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::readable_programme;
use super::version::{Loaded, load};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Owner};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "brief/certificate.html")]
pub(super) struct CertificatePage {
    page: Page,
    programme: Programme,
    organisation: String,
    loaded: Loaded,
    printed: String,
    /// The audit chain's head when the latest decision on this version was
    /// recorded: its entry number and hash.
    chain_head: Option<(i64, String)>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<CertificatePage> {
    let (user, loaded) = load(&state, viewer, id, number).await?;
    let programme = loaded.programme.clone();
    let organisation = db::organisations::find(&state.pool, user.organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let chain_head =
        db::audit::head_at_object(&state.pool, user.organisation_id, loaded.version.id).await?;
    Ok(CertificatePage {
        page: Page::of(&state, &user),
        programme,
        organisation,
        chain_head,
        loaded,
        printed: state.now().format("%-d %B %Y, %H:%M UTC").to_string(),
    })
}

/// One section's check.
pub(super) struct SectionCheck {
    title: String,
    stored: String,
    computed: String,
}

impl SectionCheck {
    fn matches(&self) -> bool {
        self.stored == self.computed
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "brief/verify.html")]
pub(super) struct VerifyPage {
    page: Page,
    programme: Programme,
    number: i32,
    stored_version_hash: String,
    computed_version_hash: String,
    sections: Vec<SectionCheck>,
    /// Signatures whose recorded hash is not the version's.
    stray_signatures: Vec<String>,
    intact: bool,
    checked_at: String,
}

pub(super) async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<VerifyPage> {
    let programme = readable_programme(&state, &user, id).await?;
    let version = db::brief::version(&state.pool, id, number)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let frozen = db::brief::version_sections(&state.pool, version.id).await?;
    let sections: Vec<SectionCheck> = frozen
        .iter()
        .map(|f| {
            let owner = match f.owner.as_str() {
                "ceo" => Owner::Ceo,
                "coo" => Owner::Coo,
                _ => Owner::Joint,
            };
            SectionCheck {
                title: brief::section(&f.section_key)
                    .map_or_else(|| f.section_key.clone(), |s| s.title.to_owned()),
                stored: f.section_hash.clone(),
                computed: brief::section_hash(&f.section_key, owner, &f.content.0),
            }
        })
        .collect();
    let computed_version_hash = brief::version_hash(
        frozen
            .iter()
            .zip(&sections)
            .map(|(f, check)| (f.section_key.as_str(), check.computed.as_str())),
    );
    let stray_signatures: Vec<String> = db::brief::slots(&state.pool, version.id)
        .await?
        .into_iter()
        .filter(|slot| {
            slot.signed_hash
                .as_ref()
                .is_some_and(|hash| *hash != version.version_hash)
        })
        .map(|slot| format!("{} ({})", slot.name, slot.seat))
        .collect();
    let intact = sections.iter().all(SectionCheck::matches)
        && computed_version_hash == version.version_hash
        && stray_signatures.is_empty();
    Ok(VerifyPage {
        page: Page::of(&state, &user),
        programme,
        number,
        stored_version_hash: version.version_hash,
        computed_version_hash,
        sections,
        stray_signatures,
        intact,
        checked_at: state.now().format("%-d %B %Y, %H:%M:%S UTC").to_string(),
    })
}
