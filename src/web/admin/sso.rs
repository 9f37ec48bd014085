//! Administration → Single sign-on: the organisation's OpenID Connect
//! provider, its e-mail domains and what a first sign-in may do.
//!
//! GET and POST /admin/single-sign-on. The client secret is written, never
//! shown again (an empty field keeps it). Saving reads the provider's
//! discovery document first, so a mistyped issuer is said beside its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::shared::parse_version;
use crate::auth::extract::CurrentUser;
use crate::auth::oidc;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::sso::{Provider, SaveRefused, Settings};
use crate::domain::permission::Action;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};
use crate::web::session::sso::redirect_uri;

#[derive(Template, WebTemplate)]
#[template(path = "admin/sso.html")]
pub(super) struct SsoPage {
    page: Page,
    /// The settings as stored, if any.
    saved: Option<Provider>,
    /// The form's values (as typed, after a refusal).
    form: SsoForm,
    errors: FieldErrors,
    redirect_uri: String,
    /// When the settings were last saved, in the reader's zone.
    saved_at: String,
    /// Whether signatories must confirm with a passkey or the provider.
    strong_sign_off: bool,
}

/// The form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(super) struct SsoForm {
    issuer: String,
    client_id: String,
    client_secret: String,
    domains: String,
    link_by_email: Option<String>,
    create_accounts: Option<String>,
    require_sso: Option<String>,
    version: String,
}

impl SsoForm {
    fn of(provider: &Provider) -> Self {
        let on = |flag: bool| flag.then(|| "on".to_owned());
        SsoForm {
            issuer: provider.issuer.clone(),
            client_id: provider.client_id.clone(),
            client_secret: String::new(),
            domains: provider.domains.join(", "),
            link_by_email: on(provider.link_by_email),
            create_accounts: on(provider.create_accounts),
            require_sso: on(provider.require_sso),
            version: provider.version.to_string(),
        }
    }
}

/// The most domains one organisation lists.
const MAX_DOMAINS: usize = 20;

/// The form, checked: the issuer, client id and secret, and the domains.
struct Parsed {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    domains: Vec<String>,
}

fn parse(form: &SsoForm, has_secret: bool) -> std::result::Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::new();
    let issuer = form.issuer.trim();
    if let Some(problem) = issuer_problem(issuer) {
        errors.add("issuer", problem);
    }
    let client_id = form.client_id.trim();
    if client_id.is_empty() || client_id.chars().count() > 200 || has_control(client_id) {
        errors.add(
            "client_id",
            "Enter the client id the provider gave tandem (at most 200 characters).",
        );
    }
    let secret = form.client_secret.trim();
    if secret.is_empty() && !has_secret {
        errors.add(
            "client_secret",
            "Enter the client secret the provider gave tandem.",
        );
    } else if secret.chars().count() > 500 || has_control(secret) {
        errors.add(
            "client_secret",
            "That is not a client secret: at most 500 characters, on one line.",
        );
    }
    let mut domains: Vec<String> = form
        .domains
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|domain| domain.trim().trim_start_matches('@').to_lowercase())
        .filter(|domain| !domain.is_empty())
        .collect();
    domains.sort();
    domains.dedup();
    if domains.is_empty() {
        errors.add(
            "domains",
            "Enter at least one e-mail domain, such as halden.example.",
        );
    } else if domains.len() > MAX_DOMAINS {
        errors.add(
            "domains",
            format!("At most {MAX_DOMAINS} domains: list your organisation's own."),
        );
    } else if let Some(bad) = domains.iter().find(|domain| !is_domain(domain)) {
        errors.add(
            "domains",
            format!("“{bad}” is not an e-mail domain: write it as halden.example, without the part before @."),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Parsed {
        issuer: issuer.to_owned(),
        client_id: client_id.to_owned(),
        client_secret: (!secret.is_empty()).then(|| secret.to_owned()),
        domains,
    })
}

/// What is wrong with an issuer URL, if anything: https, or http to this
/// machine only (a provider under test).
fn issuer_problem(issuer: &str) -> Option<&'static str> {
    const SHAPE: &str = "Enter the provider's issuer URL, such as https://login.example.com/tenant (its discovery document is under it).";
    if issuer.is_empty() || issuer.len() > 500 || has_control(issuer) || issuer.contains(' ') {
        return Some(SHAPE);
    }
    let Some((scheme, rest)) = issuer.split_once("://") else {
        return Some(SHAPE);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !host.is_empty() => None,
        "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => None,
        "http" => {
            Some("The issuer must be an https URL (http only for a provider on this machine).")
        }
        _ => Some(SHAPE),
    }
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn is_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

async fn strong_sign_off(state: &AppState, user: &CurrentUser) -> Result<bool> {
    Ok(
        db::organisations::sign_off(&state.pool, user.organisation_id, user.id)
            .await?
            .strong_required,
    )
}

/// The sign-off form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignOffForm {
    strong_sign_off: Option<String>,
}

/// POST /admin/sign-off: whether signatories must confirm with a passkey or
/// a fresh sign-in at the provider.
pub(super) async fn sign_off(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<SignOffForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let required = form.strong_sign_off.is_some();
    if required == strong_sign_off(&state, &user).await? {
        return crate::web::pages::nothing_changed(&state, &user, paths::ADMIN_SSO).await;
    }
    let mut tx = state.pool.begin().await?;
    db::organisations::set_strong_sign_off(
        &mut tx,
        &user.actor(&client, state.now()),
        user.organisation_id,
        required,
    )
    .await?;
    let message = if required {
        "Signatories now confirm with a passkey or a fresh sign-in at the provider: a password no longer signs a brief."
    } else {
        "Signatories may again confirm with their password."
    };
    done(tx, &user, paths::ADMIN_SSO, message).await
}

fn saved_at(saved: Option<&Provider>, user: &CurrentUser) -> String {
    saved
        .map(|saved| crate::domain::zone::moment(saved.updated_at, user.time_zone))
        .unwrap_or_default()
}

impl SsoPage {
    fn respond(self, status: StatusCode) -> Response {
        render(status, &self)
    }
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require(Action::Administer)?;
    let saved = db::sso::provider(&state.pool, user.organisation_id).await?;
    let strong_sign_off = strong_sign_off(&state, &user).await?;
    let form = saved.as_ref().map(SsoForm::of).unwrap_or_else(|| SsoForm {
        // Nothing saved yet: the first save expects none to exist.
        version: "0".into(),
        ..SsoForm::default()
    });
    Ok(SsoPage {
        page: Page::of(&state, &user),
        saved_at: saved_at(saved.as_ref(), &user),
        strong_sign_off,
        saved,
        form,
        errors: FieldErrors::new(),
        redirect_uri: redirect_uri(&state),
    }
    .into_response())
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<SsoForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let saved = db::sso::provider(&state.pool, user.organisation_id).await?;
    let strong_sign_off = strong_sign_off(&state, &user).await?;
    let mut typed = form.clone();
    typed.client_secret = String::new();
    let page = |errors: FieldErrors, saved: Option<Provider>| SsoPage {
        page: Page::of(&state, &user),
        saved_at: saved_at(saved.as_ref(), &user),
        strong_sign_off,
        saved,
        form: typed.clone(),
        errors,
        redirect_uri: redirect_uri(&state),
    };
    let parsed = match parse(&form, saved.is_some()) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(page(errors, saved).respond(StatusCode::UNPROCESSABLE_ENTITY)),
    };
    if let Err(error) = oidc::discover(state.oidc_http(), &parsed.issuer).await {
        let mut errors = FieldErrors::new();
        errors.add(
            "issuer",
            format!("tandem could not read this provider's discovery document: {error}."),
        );
        return Ok(page(errors, saved).respond(StatusCode::UNPROCESSABLE_ENTITY));
    }

    let version = parse_version(&form.version);
    let settings = Settings {
        issuer: &parsed.issuer,
        client_id: &parsed.client_id,
        client_secret: parsed.client_secret.as_deref(),
        domains: &parsed.domains,
        link_by_email: form.link_by_email.is_some(),
        create_accounts: form.create_accounts.is_some(),
        require_sso: form.require_sso.is_some(),
    };
    let mut tx = state.pool.begin().await?;
    let outcome = db::sso::save(
        &mut tx,
        &user.actor(&client, state.now()),
        user.organisation_id,
        version,
        &settings,
    )
    .await?;
    match outcome {
        Ok(_) => {
            done(
                tx,
                &user,
                paths::ADMIN_SSO,
                "Single sign-on saved. People whose address is at one of its domains now continue at the provider.",
            )
            .await
        }
        Err(SaveRefused::DomainTaken(domain)) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            let which = if domain.is_empty() {
                "One of these domains".to_owned()
            } else {
                format!("“{domain}”")
            };
            errors.add(
                "domains",
                format!("{which} belongs to another organisation's single sign-on in this tandem."),
            );
            Ok(page(errors, saved).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(SaveRefused::Stale) => {
            drop(tx);
            let current = db::sso::provider(&state.pool, user.organisation_id).await?;
            let theirs = current.as_ref().map(SsoForm::of).unwrap_or_default();
            Err(ConflictPage {
                page: Page::of(&state, &user),
                what: "the single sign-on settings".into(),
                reload_url: paths::ADMIN_SSO.into(),
                fields: vec![
                    ConflictField {
                        label: "Issuer".into(),
                        yours: parsed.issuer.clone(),
                        theirs: theirs.issuer,
                    },
                    ConflictField {
                        label: "Client id".into(),
                        yours: parsed.client_id.clone(),
                        theirs: theirs.client_id,
                    },
                    ConflictField {
                        label: "Domains".into(),
                        yours: parsed.domains.join(", "),
                        theirs: theirs.domains,
                    },
                ],
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers() {
        assert_eq!(issuer_problem("https://login.example.com/tenant"), None);
        assert_eq!(issuer_problem("http://127.0.0.1:4000"), None);
        assert_eq!(issuer_problem("http://localhost:4000/oidc"), None);
        assert!(issuer_problem("http://login.example.com").is_some());
        assert!(issuer_problem("ftp://login.example.com").is_some());
        assert!(issuer_problem("login.example.com").is_some());
        assert!(issuer_problem("https://").is_some());
        assert!(issuer_problem("https://a b").is_some());
    }

    #[test]
    fn domains() {
        assert!(is_domain("halden.example"));
        assert!(is_domain("mail.halden-group.example"));
        assert!(!is_domain("halden"));
        assert!(!is_domain("-halden.example"));
        assert!(!is_domain("hal den.example"));
        assert!(!is_domain("halden..example"));
        let form = SsoForm {
            issuer: "https://login.example.com".into(),
            client_id: "tandem".into(),
            client_secret: "s".into(),
            domains: "@Halden.example, halden.example\nnorth.example".into(),
            ..SsoForm::default()
        };
        let parsed = parse(&form, false).map_err(|_| ()).unwrap();
        assert_eq!(parsed.domains, ["halden.example", "north.example"]);
    }
}
