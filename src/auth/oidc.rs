//! OpenID Connect, the protocol side of single sign-on (SPEC §10): the
//! authorization code flow with PKCE (S256), `state` and `nonce`, and the
//! checks of the ID token — signature (keys fetched afresh from the
//! provider each time, so a rotated key is simply found), `iss`, `aud`,
//! `azp`, `exp`, `iat`, `nonce` and, for a fresh sign-in, `auth_time` — by
//! the `openidconnect` crate. What the identity means for tandem is
//! `web::session::sso`'s business.

use std::time::Duration;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, reqwest,
};

/// How long a token may have been issued before it reaches tandem, and how
/// far the provider's clock may run ahead of ours.
const ISSUED_WITHIN: chrono::Duration = chrono::Duration::minutes(10);
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// How recent the provider's sign-in must be when tandem asked for a fresh one.
pub const FRESH_FOR: chrono::Duration = chrono::Duration::minutes(5);

/// An organisation's provider, as tandem is registered there.
#[derive(Clone)]
pub struct ProviderConfig<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    /// tandem's callback: `{base}/sso/callback`.
    pub redirect_uri: &'a str,
}

/// The client every provider request goes through: it never follows a
/// redirect and gives up after ten seconds.
pub fn http_client() -> reqwest::Client {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client without redirects")
}

/// A sign-in begun: where to send the browser, and the secrets to keep
/// until it comes back.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What went wrong with the provider, in words for the audit log and the
/// page (never the secret, never the token).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider's address is not a URL")]
    BadIssuer,
    #[error("the provider could not be reached or its discovery document was refused: {0}")]
    Discovery(String),
    #[error("the provider refused the authorization code: {0}")]
    Exchange(String),
    #[error("the provider returned no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Token(String),
}

fn client(
    metadata: CoreProviderMetadata,
    config: &ProviderConfig<'_>,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    OidcError,
> {
    let redirect = RedirectUrl::new(config.redirect_uri.to_owned())
        .map_err(|error| OidcError::Discovery(format!("redirect URI: {error}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.to_owned()),
        Some(ClientSecret::new(config.client_secret.to_owned())),
    )
    .set_redirect_uri(redirect))
}

/// The provider's discovery document, with its signing keys, fetched now.
pub async fn discover(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<CoreProviderMetadata, OidcError> {
    let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|_| OidcError::BadIssuer)?;
    CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|error| OidcError::Discovery(error_chain(&error)))
}

/// Begins a sign-in: the authorization URL with a fresh `state`, `nonce`
/// and PKCE challenge. `fresh` asks the provider to sign the person in
/// again whatever session it holds (`prompt=login`, `max_age=0`).
pub async fn begin(
    http: &reqwest::Client,
    config: &ProviderConfig<'_>,
    login_hint: Option<&str>,
    fresh: bool,
) -> Result<Begun, OidcError> {
    let metadata = discover(http, config.issuer).await?;
    let client = client(metadata, config)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    if let Some(hint) = login_hint.filter(|hint| !hint.is_empty()) {
        request = request.add_extra_param("login_hint", hint.to_owned());
    }
    if fresh {
        request = request
            .add_prompt(CoreAuthPrompt::Login)
            .set_max_age(Duration::ZERO);
    }
    let (url, state, nonce) = request.url();
    Ok(Begun {
        url: url.into(),
        state: state.into_secret(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.into_secret(),
    })
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches for the address (`email_verified`).
    pub email_verified: bool,
    pub name: Option<String>,
    /// When the person last signed in at the provider.
    pub auth_time: Option<DateTime<Utc>>,
}

/// What the callback must match: the secrets kept when the sign-in began.
pub struct Expected<'a> {
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    /// Whether a fresh sign-in was asked for: `auth_time` must then be
    /// present and within [`FRESH_FOR`].
    pub fresh: bool,
    pub now: DateTime<Utc>,
}

/// Exchanges the authorization code and checks the ID token.
pub async fn finish(
    http: &reqwest::Client,
    config: &ProviderConfig<'_>,
    code: &str,
    expected: Expected<'_>,
) -> Result<Identity, OidcError> {
    let metadata = discover(http, config.issuer).await?;
    let client = client(metadata, config)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|error| OidcError::Exchange(error.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(expected.pkce_verifier.to_owned()))
        .request_async(http)
        .await
        .map_err(|error| OidcError::Exchange(error_chain(&error)))?;
    let id_token = response.id_token().ok_or(OidcError::NoIdToken)?;
    let now = expected.now;
    let fresh = expected.fresh;
    let verifier = client
        .id_token_verifier()
        .set_time_fn(move || now)
        .set_issue_time_verifier_fn(move |issued| {
            if issued > now + CLOCK_SKEW {
                Err(format!("issued in the future ({issued})"))
            } else if issued < now - ISSUED_WITHIN {
                Err(format!("issued too long ago ({issued})"))
            } else {
                Ok(())
            }
        })
        .set_auth_time_verifier_fn(move |auth_time| match (fresh, auth_time) {
            (false, _) => Ok(()),
            (true, None) => Err("no auth_time for a fresh sign-in".to_owned()),
            (true, Some(at)) if at < now - FRESH_FOR || at > now + CLOCK_SKEW => {
                Err(format!("the sign-in at {at} is not fresh"))
            }
            (true, Some(_)) => Ok(()),
        });
    let claims: &CoreIdTokenClaims = id_token
        .claims(&verifier, &Nonce::new(expected.nonce.to_owned()))
        .map_err(|error| OidcError::Token(error.to_string()))?;
    Ok(identity(claims))
}

fn identity(claims: &CoreIdTokenClaims) -> Identity {
    let name = claims
        .name()
        .and_then(|name| name.get(None))
        .map(|name| name.to_string());
    Identity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|email| email.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name,
        auth_time: claims.auth_time(),
    }
}

/// An error with its sources, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
