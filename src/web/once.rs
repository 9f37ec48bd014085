//! One-time form keys for forms that create a record (a decision request,
//! an alignment session, a pulse check, an API token, a programme, a gate).
//!
//! The form carries a fresh key in a hidden field ([`FIELD`], written by the
//! `forms::once()` template macro); the handler claims it in the write's
//! transaction ([`Once::claim`]) and notes where the record can be seen
//! ([`Once::recorded`]). A form sent again — a double click, a reload, a
//! retry, three at once — gets the "already recorded" page with a link to
//! what the first one recorded. The page cache writes a fresh key into a
//! kept page each time it serves it, so two views never share one.
//!
//! A request without a key (a script, an older page) is served as before.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::db::form_keys::{self, Claim};
use crate::state::AppState;
use crate::web::pages::{Page, render};

/// The hidden field's name.
pub const FIELD: &str = "once";

/// What precedes a key in a rendered page (the `forms::once()` macro).
pub const BEFORE_KEY: &str = "name=\"once\" value=\"";

/// The length of a key as rendered (a hyphenated UUID).
pub const KEY_LEN: usize = 36;

/// A fresh key, for a form being rendered.
pub fn fresh() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// Where the keys in a rendered page start.
pub fn key_offsets(page: &[u8]) -> Vec<usize> {
    page.windows(BEFORE_KEY.len())
        .enumerate()
        .filter(|(_, window)| *window == BEFORE_KEY.as_bytes())
        .map(|(at, _)| at + BEFORE_KEY.len())
        .filter(|at| at + KEY_LEN <= page.len())
        .collect()
}

/// The key a submitted form carried, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Once(Option<Uuid>);

impl Once {
    /// Reads the hidden field; anything but a key counts as none.
    pub fn parse(raw: &str) -> Once {
        Once(raw.trim().parse().ok())
    }

    /// Claims the key in `conn`'s transaction. `Some(page)` when the form was
    /// already recorded: answer with it and write nothing.
    pub async fn claim(
        self,
        conn: &mut PgConnection,
        state: &AppState,
        user: &CurrentUser,
    ) -> crate::error::Result<Option<Response>> {
        let Some(key) = self.0 else {
            return Ok(None);
        };
        match form_keys::claim(conn, user.id, key).await? {
            Claim::Fresh => Ok(None),
            Claim::Spent { recorded_url } => Ok(Some(render(
                StatusCode::OK,
                &AlreadyRecorded {
                    page: Page::of(state, user),
                    recorded_url: if recorded_url.is_empty() {
                        "/".to_owned()
                    } else {
                        recorded_url
                    },
                },
            ))),
        }
    }

    /// Notes where the record made under this key can be seen.
    pub async fn recorded(
        self,
        conn: &mut PgConnection,
        user_id: Uuid,
        url: &str,
    ) -> crate::error::Result<()> {
        if let Some(key) = self.0 {
            form_keys::recorded(conn, user_id, key, url).await?;
        }
        Ok(())
    }
}

/// The answer to a form sent again.
#[derive(Debug, Template)]
#[template(path = "already.html")]
struct AlreadyRecorded {
    page: Page,
    recorded_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_rendered_key() {
        let page = format!(
            "<form><input type=\"hidden\" name=\"once\" value=\"{}\"></form><form><input type=\"hidden\" name=\"once\" value=\"{}\"></form>",
            fresh(),
            fresh()
        );
        let offsets = key_offsets(page.as_bytes());
        assert_eq!(offsets.len(), 2);
        for at in offsets {
            assert!(page[at..at + KEY_LEN].parse::<Uuid>().is_ok());
            assert_eq!(&page[at + KEY_LEN..at + KEY_LEN + 1], "\"");
        }
        assert!(key_offsets(b"no form here").is_empty());
    }

    #[test]
    fn anything_but_a_key_is_no_key() {
        assert_eq!(Once::parse(""), Once(None));
        assert_eq!(Once::parse("not-a-key"), Once(None));
        assert!(Once::parse(&fresh()).0.is_some());
    }
}
