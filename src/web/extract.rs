//! Extractors whose rejections become tandem's own error pages.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::auth::session::ClientInfo;
use crate::error::{AppError, TextProblem};

/// A urlencoded form. Form structs hold raw `String`s with defaults, so
/// reading never fails on content: handlers check permission first, then
/// parse the form into domain types.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest("expected a urlencoded form".into()));
        }
        let bytes = match Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge);
            }
            Err(rejection) => return Err(AppError::BadRequest(rejection.body_text())),
        };
        check_text(&bytes)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|error| AppError::BadRequest(error.to_string()))
    }
}

/// Path parameters; a malformed id is simply not found.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_: PathRejection| AppError::NotFound)
    }
}

/// Query parameters.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(query) = parts.uri.query() {
            check_text(query.as_bytes())?;
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection: QueryRejection| AppError::BadRequest(rejection.body_text()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = forwarded_for(&parts.headers).or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.chars().take(512).collect());
        Ok(ClientInfo { ip, user_agent })
    }
}

/// The client address set by a reverse proxy, if any (the first hop).
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(str::trim)
        .filter(|value| value.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_owned)
}

/// Refuses a urlencoded body or query whose names or values, once decoded,
/// are not valid UTF-8 or hold a NUL byte: PostgreSQL cannot store NUL in
/// text, and silently replacing bad bytes would store something nobody typed.
/// The error names the field.
pub fn check_text(urlencoded: &[u8]) -> Result<(), AppError> {
    for pair in urlencoded.split(|&byte| byte == b'&') {
        let mut halves = pair.splitn(2, |&byte| byte == b'=');
        let name = percent_decode(halves.next().unwrap_or_default());
        let value = percent_decode(halves.next().unwrap_or_default());
        let readable_name = String::from_utf8_lossy(&name)
            .replace('\0', "")
            .chars()
            .take(60)
            .collect::<String>();
        for decoded in [&name, &value] {
            if std::str::from_utf8(decoded).is_err() {
                return Err(AppError::InvalidText {
                    field: readable_name,
                    problem: TextProblem::NotUtf8,
                });
            }
            if decoded.contains(&0) {
                return Err(AppError::InvalidText {
                    field: readable_name,
                    problem: TextProblem::Nul,
                });
            }
        }
    }
    Ok(())
}

/// Decodes `application/x-www-form-urlencoded` escapes (`+` and `%XX`).
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |byte: u8| (byte as char).to_digit(16).map(|digit| digit as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_bad_utf8_are_refused_with_the_field_named() {
        assert!(check_text(b"email=ada%40example.com&password=x+y").is_ok());
        assert!(check_text("name=Zo%C3%AB".as_bytes()).is_ok());
        match check_text(b"email=a%00b") {
            Err(AppError::InvalidText { field, problem }) => {
                assert_eq!(field, "email");
                assert_eq!(problem, TextProblem::Nul);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        match check_text(b"ok=1&f.statement=%FF%FE") {
            Err(AppError::InvalidText { field, problem }) => {
                assert_eq!(field, "f.statement");
                assert_eq!(problem, TextProblem::NotUtf8);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // A raw byte that is not UTF-8, not escaped.
        assert!(check_text(b"note=\xff").is_err());
        // A trailing lone percent is kept as is, not an error.
        assert!(check_text(b"note=100%").is_ok());
    }
}

/// A programme of the caller's organisation that the caller may read, named
/// by the route's `{id}`: the access check of every programme page. Another
/// organisation's programme answers exactly like one that does not exist.
#[derive(Debug)]
pub struct Readable(pub crate::db::programmes::Programme);

impl FromRequestParts<crate::state::AppState> for Readable {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = crate::auth::extract::CurrentUser::from_request_parts(parts, state).await?;
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| value.parse().ok())
            .ok_or(AppError::NotFound)?;
        readable(state, &user, id).await.map(Readable)
    }
}

/// The programme `id` if the user may read it, or 404 (see [`Readable`]).
pub async fn readable(
    state: &crate::state::AppState,
    user: &crate::auth::extract::CurrentUser,
    id: uuid::Uuid,
) -> crate::error::Result<crate::db::programmes::Programme> {
    user.require(crate::domain::permission::Action::ReadProgramme)?;
    crate::db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)
}
