//! One notification as an e-mail: the same words as in the app, in a plain
//! text and an HTML part (askama templates, tandem's design), with a stable
//! `Message-ID` built from the outbox id and tandem's own domain, `Date`,
//! `Auto-Submitted: auto-generated`, and — for what the reader may switch
//! off — RFC 8058 one-click unsubscribe.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use super::Mailer;
use crate::domain::notify::Kind;
use crate::domain::zone;

/// What one e-mail says, to whom.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    /// The outbox row: the `Message-ID` is built from it.
    pub id: Uuid,
    pub kind: Kind,
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The page, a path behind sign-in.
    pub link: &'a str,
    /// The moment it is about.
    pub by_when: Option<DateTime<Utc>>,
    /// The reader's zone.
    pub zone: Tz,
    /// When it was ready to go (the `Date`; the same on every attempt).
    pub date: DateTime<Utc>,
    /// The one-click unsubscribe path, for a kind the reader may switch off.
    pub unsubscribe: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct Text<'a> {
    subject: &'a str,
    kind_label: &'a str,
    paragraphs: Vec<&'a str>,
    by: Option<String>,
    url: String,
    name: &'a str,
    settings_url: String,
    unsubscribe: Option<String>,
    /// An invitation: its link is a single-use way in, not a page behind
    /// sign-in, and there are no settings yet to point to.
    invitation: bool,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct Html<'a> {
    subject: &'a str,
    kind_label: &'a str,
    paragraphs: Vec<&'a str>,
    by: Option<String>,
    url: String,
    name: &'a str,
    settings_url: String,
    unsubscribe: Option<String>,
    /// An invitation: its link is a single-use way in, not a page behind
    /// sign-in, and there are no settings yet to point to.
    invitation: bool,
}

/// The `Message-ID` of outbox row `id`: the same on every attempt.
pub fn message_id(id: Uuid, domain: &str) -> String {
    format!("<{id}@{domain}>")
}

/// Writes `letter` as an e-mail from `mailer`'s sender.
pub fn compose(mailer: &Mailer, letter: &Letter<'_>) -> Result<lettre::Message, String> {
    let to = Mailbox::new(
        Some(letter.to_name.to_owned()),
        letter
            .to_email
            .parse()
            .map_err(|error| format!("the address {} is not usable: {error}", letter.to_email))?,
    );
    let paragraphs: Vec<&str> = letter
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let by = letter.by_when.map(|by| zone::moment(by, letter.zone));
    let url = format!("{}{}", mailer.base_url, letter.link);
    let settings_url = format!("{}{}", mailer.base_url, crate::paths::NOTIFICATION_SETTINGS);
    let unsubscribe = letter
        .unsubscribe
        .as_ref()
        .map(|path| format!("{}{path}", mailer.base_url));
    let kind_label = letter.kind.label();
    let text = Text {
        subject: letter.subject,
        kind_label,
        paragraphs: paragraphs.clone(),
        by: by.clone(),
        url: url.clone(),
        name: letter.to_name,
        settings_url: settings_url.clone(),
        unsubscribe: unsubscribe.clone(),
        invitation: letter.kind == Kind::Invitation,
    }
    .render()
    .map_err(|error| error.to_string())?;
    let html = Html {
        subject: letter.subject,
        kind_label,
        paragraphs,
        by,
        url,
        name: letter.to_name,
        settings_url,
        unsubscribe: unsubscribe.clone(),
        invitation: letter.kind == Kind::Invitation,
    }
    .render()
    .map_err(|error| error.to_string())?;
    let mut message = lettre::Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(letter.subject)
        .message_id(Some(message_id(letter.id, &mailer.domain)))
        .date(letter.date.into())
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|error| error.to_string())?;
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-generated".to_owned(),
    ));
    if let Some(unsubscribe) = unsubscribe {
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{unsubscribe}>"),
        ));
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn letter(unsubscribe: Option<String>) -> Letter<'static> {
        Letter {
            id: Uuid::from_u128(0x1234),
            kind: Kind::DecisionRequested,
            to_name: "Ada Ceo",
            to_email: "ceo@example.com",
            subject: "Freight: decision #3 needed within 24 hours",
            body: "The COO asks you to decide:\n\nAdd a <second> carrier?\n\nOptions: yes; no",
            link: "/programmes/p/decisions/3",
            by_when: Some(Utc.with_ymd_and_hms(2026, 12, 8, 14, 30, 0).unwrap()),
            zone: Tz::Europe__Paris,
            date: Utc.with_ymd_and_hms(2026, 12, 7, 14, 30, 0).unwrap(),
            unsubscribe,
        }
    }

    #[test]
    fn a_letter_has_both_parts_a_stable_id_and_links_from_the_base_url() {
        let mailer = Mailer::new(None, None, "https://tandem.acme.example/").unwrap();
        let raw = String::from_utf8(compose(&mailer, &letter(None)).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <00000000-0000-0000-0000-000000001234@tandem.acme.example>")
        );
        assert!(raw.contains("Auto-Submitted: auto-generated"));
        assert!(raw.contains("Date: Mon, 07 Dec 2026 14:30:00 +0000"));
        assert!(raw.contains("Content-Type: text/plain"));
        assert!(raw.contains("Content-Type: text/html"));
        assert!(raw.contains("https://tandem.acme.example/programmes/p/decisions/3"));
        assert!(raw.contains("Tuesday 8 December 2026, 15:30 CET"));
        // The HTML part escapes what people typed.
        assert!(raw.contains("Add a &#60;second"), "{raw}");
        assert!(!raw.contains("List-Unsubscribe"));
    }

    #[test]
    fn what_the_reader_may_switch_off_carries_one_click_unsubscribe() {
        let mailer = Mailer::new(None, None, "https://tandem.acme.example").unwrap();
        let raw = String::from_utf8(
            compose(&mailer, &letter(Some("/unsubscribe/u/digest/t".into())))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(
            raw.contains("List-Unsubscribe: <https://tandem.acme.example/unsubscribe/u/digest/t>")
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }
}
