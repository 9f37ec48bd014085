//! A page's body rendered once for every viewer and kept beside its
//! document (issue 23), with the places that differ between viewers marked.
//!
//! What differs on the brief, its versions and the matrix is which forms
//! and links a viewer gets, and that follows from their seats (or, for a
//! version waiting for signatures, from who signs it): a template puts each
//! such part between [`when`] (the seats it is for; [`when_one_of`]: the
//! people) and [`END`], and renders forms with the [`CSRF`] placeholder for
//! a token.
//!
//! [`split`] cuts the rendering at the marks into the parts a page keeps;
//! [`fill`] puts one view together: every part for all, each gated part
//! only for those it names, with the viewer's token in its forms. A form is
//! always for someone, so only the gated parts are searched for the
//! placeholder (the parts for all are most of a page). A page that has no kept body renders the same template and fills it
//! the same way, so what a viewer sees does not depend on which it read.

use uuid::Uuid;

use crate::domain::permission::Action;
use crate::domain::seat::{SeatKind, Seats};

/// Whom a kept page is filled for.
#[derive(Debug, Clone, Copy)]
pub struct For<'a> {
    pub user_id: Uuid,
    pub seats: &'a Seats,
    pub csrf_token: &'a str,
}

impl For<'_> {
    /// Whether a gate's name (a seat kind or a person's id) is this
    /// viewer's.
    fn is(&self, name: &str) -> bool {
        match name.parse::<SeatKind>() {
            Ok(kind) => self.seats.holds(kind),
            Err(_) => Uuid::parse_str(name).is_ok_and(|id| id == self.user_id),
        }
    }
}

/// Where a kept page's forms carry the viewer's CSRF token. Letters and
/// hyphens only: escaping leaves it as it is.
pub const CSRF: &str = "kept-page-csrf-token";

/// The mark that opens a part for some viewers (followed by their names
/// and [`NAMES_END`]) and that ends it. No text of a page can hold it:
/// PostgreSQL refuses it in text, so nobody's input ever carried one.
const MARK: char = '\0';

/// Ends the names after an opening mark.
const NAMES_END: char = '|';

/// Ends a part opened by [`when`], [`when_held`] or [`when_one_of`].
pub const END: &str = "\0";

/// Opens a part for the viewers `names` names.
fn gate(names: impl IntoIterator<Item = impl std::fmt::Display>) -> String {
    use std::fmt::Write as _;
    let mut mark = String::from(MARK);
    for (at, name) in names.into_iter().enumerate() {
        let comma = if at > 0 { "," } else { "" };
        let _ = write!(mark, "{comma}{name}");
    }
    mark.push(NAMES_END);
    mark
}

/// Opens a part shown only to a holder of one of `seats`.
pub fn when_held(seats: &[SeatKind]) -> String {
    gate(seats.iter().map(|kind| kind.as_str()))
}

/// Opens a part shown only to one of these people.
pub fn when_one_of(people: impl IntoIterator<Item = Uuid>) -> String {
    gate(people)
}

/// Opens a part shown only to those who may take `action`.
pub fn when(action: Action) -> String {
    when_held(action.permitted_seats())
}

/// A rendering cut at its marks: the parts for all at even places, the
/// gated ones (whom they are for, [`NAMES_END`], their markup) at odd
/// places.
pub fn split(rendered: &str) -> Vec<String> {
    let parts: Vec<String> = rendered.split(MARK).map(str::to_owned).collect();
    debug_assert!(
        parts.iter().step_by(2).all(|part| !part.contains(CSRF)),
        "a form for all viewers would keep the placeholder token"
    );
    parts
}

/// The page as `viewer` sees it.
pub fn fill(parts: &[String], viewer: For<'_>) -> String {
    let mut page = String::with_capacity(parts.iter().map(String::len).sum::<usize>() + 64);
    for (at, part) in parts.iter().enumerate() {
        if at % 2 == 0 {
            page.push_str(part);
        } else if let Some((_, markup)) = part
            .split_once(NAMES_END)
            .filter(|(names, _)| names.split(',').any(|name| viewer.is(name)))
        {
            with_token(&mut page, markup, viewer.csrf_token);
        }
    }
    page
}

/// Appends `markup` to `page` with `csrf_token` in place of the
/// placeholder (a session's token is hex: nothing to escape).
fn with_token(page: &mut String, markup: &str, csrf_token: &str) {
    let mut rest = markup;
    while let Some(at) = rest.find(CSRF) {
        page.push_str(&rest[..at]);
        page.push_str(csrf_token);
        rest = &rest[at + CSRF.len()..];
    }
    page.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Vec<String> {
        split(&format!(
            "<h1>Brief</h1>{}<form><input value=\"{CSRF}\"></form>{END}<p>for all</p>{}<a>edit</a>{END}",
            when(Action::SubmitBrief),
            when_held(&[SeatKind::Coo]),
        ))
    }

    fn viewer<'a>(seats: &'a Seats, csrf_token: &'a str) -> For<'a> {
        For {
            user_id: Uuid::nil(),
            seats,
            csrf_token,
        }
    }

    #[test]
    fn each_viewer_sees_the_parts_for_their_seats_with_their_token() {
        let parts = page();
        assert_eq!(parts.len(), 5);
        assert!(parts[1].starts_with("ceo,coo|") && parts[3].starts_with("coo|"));
        let ceo = fill(&parts, viewer(&Seats::new(vec![SeatKind::Ceo]), "abc123"));
        assert_eq!(
            ceo,
            "<h1>Brief</h1><form><input value=\"abc123\"></form><p>for all</p>"
        );
        let coo = fill(&parts, viewer(&Seats::new(vec![SeatKind::Coo]), "def456"));
        assert!(coo.contains("def456") && coo.ends_with("<a>edit</a>"));
        let exco = fill(&parts, viewer(&Seats::new(vec![SeatKind::Exco]), "0"));
        assert_eq!(exco, "<h1>Brief</h1><p>for all</p>");
        assert!(
            ![ceo, coo, exco]
                .iter()
                .any(|p| p.contains(CSRF) || p.contains(MARK))
        );
    }

    #[test]
    fn a_part_for_some_people_is_theirs_alone() {
        let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
        let parts = split(&format!("<p>all</p>{}<a>sign</a>{END}", when_one_of([one])));
        let seats = Seats::new(vec![SeatKind::Approver]);
        let as_one = For {
            user_id: one,
            ..viewer(&seats, "t")
        };
        let as_two = For {
            user_id: two,
            ..viewer(&seats, "t")
        };
        assert_eq!(fill(&parts, as_one), "<p>all</p><a>sign</a>");
        assert_eq!(fill(&parts, as_two), "<p>all</p>");
    }

    #[test]
    fn a_page_without_marks_is_one_part_for_all() {
        let parts = split("<p>plain</p>");
        assert_eq!(parts, ["<p>plain</p>"]);
        assert_eq!(fill(&parts, viewer(&Seats::default(), "t")), "<p>plain</p>");
    }
}
