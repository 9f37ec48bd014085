//! What tandem tells people, and in which words (SPEC §9). Each event makes
//! one [`Message`] per recipient; the text is written here, from facts the
//! recipient may see, and kept as written. Nothing here does I/O.

use chrono::{DateTime, Utc};

/// The kinds of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The COO raised a decision request: to the CEO, at once.
    DecisionRequested,
    /// The CEO decided a request: to the COO, at once.
    DecisionTaken,
    /// An ExCo review was held: its pack, to every ExCo member and approver.
    ReviewHeld,
    /// A brief version waits for a signature: to each required signatory.
    SignatureRequested,
}

impl Kind {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DecisionRequested => "decision_requested",
            Kind::DecisionTaken => "decision_taken",
            Kind::ReviewHeld => "review_held",
            Kind::SignatureRequested => "signature_requested",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Kind> {
        match value {
            "decision_requested" => Some(Kind::DecisionRequested),
            "decision_taken" => Some(Kind::DecisionTaken),
            "review_held" => Some(Kind::ReviewHeld),
            "signature_requested" => Some(Kind::SignatureRequested),
            _ => None,
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DecisionRequested => "Decision requested",
            Kind::DecisionTaken => "Decision taken",
            Kind::ReviewHeld => "ExCo pack ready",
            Kind::SignatureRequested => "Signature requested",
        }
    }
}

/// One message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its kind.
    pub kind: Kind,
    /// The subject line: what, for which programme.
    pub subject: String,
    /// The text: the facts and by when, in plain words.
    pub body: String,
    /// The page it is about (behind sign-in; never a one-time token).
    pub link: String,
}

/// The CEO is asked to decide.
pub struct Requested<'a> {
    /// The programme's name.
    pub programme: &'a str,
    /// The request's number.
    pub number: i32,
    /// The question.
    pub question: &'a str,
    /// The options.
    pub options: &'a str,
    /// What the COO recommends.
    pub recommendation: &'a str,
    /// When the 24 hours end.
    pub deadline: DateTime<Utc>,
    /// The decision page.
    pub link: String,
}

/// The message to the CEO about a decision request.
pub fn decision_requested(r: &Requested<'_>) -> Message {
    Message {
        kind: Kind::DecisionRequested,
        subject: shorten(&format!(
            "{}: decision #{} needed by {}",
            r.programme,
            r.number,
            r.deadline.format("%-d %b %H:%M UTC")
        )),
        body: format!(
            "The COO asks you to decide, within 24 hours ({} UTC):\n\n{}\n\nOptions: {}\nThe COO recommends: {}",
            r.deadline.format("%A %-d %B, %H:%M"),
            r.question,
            r.options,
            r.recommendation
        ),
        link: r.link.clone(),
    }
}

/// The COO hears what the CEO decided.
pub struct Taken<'a> {
    /// The programme's name.
    pub programme: &'a str,
    /// The request's number.
    pub number: i32,
    /// The question.
    pub question: &'a str,
    /// The outcome, for people ("Approved", "Rejected", "More information").
    pub outcome: &'a str,
    /// The CEO's note.
    pub note: &'a str,
    /// The decision page.
    pub link: String,
}

/// The message to the COO about a decision.
pub fn decision_taken(t: &Taken<'_>) -> Message {
    let note = if t.note.trim().is_empty() {
        String::new()
    } else {
        format!("\n\nThe CEO's note: {}", t.note.trim())
    };
    Message {
        kind: Kind::DecisionTaken,
        subject: shorten(&format!(
            "{}: decision #{} — {}",
            t.programme,
            t.number,
            t.outcome.to_lowercase()
        )),
        body: format!("{}\n\n{}{note}", t.question, t.outcome),
        link: t.link.clone(),
    }
}

/// A held ExCo review, for the committee.
pub struct Held<'a> {
    /// The programme's name.
    pub programme: &'a str,
    /// The month reviewed, for people ("October 2026").
    pub month: &'a str,
    /// The meeting day, for people.
    pub meeting: &'a str,
    /// The pack's page.
    pub link: String,
}

/// The message to ExCo members and approvers when a review is held.
pub fn review_held(h: &Held<'_>) -> Message {
    Message {
        kind: Kind::ReviewHeld,
        subject: shorten(&format!(
            "{}: the ExCo pack for {} is ready",
            h.programme, h.month
        )),
        body: format!(
            "The review of {} (meeting of {}) is held. Its pack is sealed: the dashboard as it stood, \
             what moved since the last review, the CEO's strategy and competition, the COO's \
             operations, and the decisions and actions.",
            h.month, h.meeting
        ),
        link: h.link.clone(),
    }
}

/// A brief version waits for one signatory.
pub struct ToSign<'a> {
    /// The programme's name.
    pub programme: &'a str,
    /// The version's number.
    pub number: i32,
    /// The version this signatory last signed, if any.
    pub last_signed: Option<i32>,
    /// The titles of the sections changed since then (every section when
    /// they never signed one).
    pub changed: &'a [&'a str],
    /// The signing page.
    pub link: String,
}

/// The message to a signatory when a version is submitted: what changed
/// since the version they last signed.
pub fn signature_requested(t: &ToSign<'_>) -> Message {
    let since = match (t.last_signed, t.changed.is_empty()) {
        (None, _) => "You have not signed a version of this brief before: all of it is new to you."
            .to_owned(),
        (Some(n), true) => format!("No section changed since version {n}, which you signed."),
        (Some(n), false) => format!(
            "Changed since version {n}, which you signed: {}.",
            t.changed.join("; ")
        ),
    };
    Message {
        kind: Kind::SignatureRequested,
        subject: shorten(&format!(
            "{}: version {} of the deployment brief waits for your signature",
            t.programme, t.number
        )),
        body: format!(
            "{since}\n\nNo deployment starts until every required signatory has signed. Open the version to read it, see what changed, and sign or reject it with a reason."
        ),
        link: t.link.clone(),
    }
}

/// A subject line of at most 200 characters.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 200 {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(199).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_request_names_the_programme_the_question_and_the_deadline() {
        let message = decision_requested(&Requested {
            programme: "Freight operations agents",
            number: 3,
            question: "Add a second carrier this week?",
            options: "Yes; wait a week",
            recommendation: "Yes: the first is stable.",
            deadline: Utc.with_ymd_and_hms(2026, 12, 8, 14, 30, 0).unwrap(),
            link: "/programmes/p/decisions/3".into(),
        });
        assert_eq!(message.kind, Kind::DecisionRequested);
        assert_eq!(
            message.subject,
            "Freight operations agents: decision #3 needed by 8 Dec 14:30 UTC"
        );
        assert!(message.body.contains("Add a second carrier this week?"));
        assert!(
            message
                .body
                .contains("The COO recommends: Yes: the first is stable.")
        );
        assert!(message.body.contains("Tuesday 8 December, 14:30"));
        assert_eq!(Kind::parse(message.kind.as_str()), Some(message.kind));
    }

    #[test]
    fn a_decision_says_what_was_decided_and_a_long_subject_is_cut() {
        let long = "x".repeat(300);
        let message = decision_taken(&Taken {
            programme: &long,
            number: 1,
            question: "Extend?",
            outcome: "Approved",
            note: " Go ahead. ",
            link: "/d".into(),
        });
        assert_eq!(message.subject.chars().count(), 200);
        assert!(message.subject.ends_with('…'));
        assert!(message.body.ends_with("The CEO's note: Go ahead."));
    }

    #[test]
    fn a_held_review_points_the_committee_to_its_pack() {
        let message = review_held(&Held {
            programme: "Accounts payable agents",
            month: "November 2026",
            meeting: "9 December 2026",
            link: "/programmes/p/reviews/2026-11/pack".into(),
        });
        assert_eq!(
            message.subject,
            "Accounts payable agents: the ExCo pack for November 2026 is ready"
        );
        assert!(message.body.contains("meeting of 9 December 2026"));
        assert_eq!(Kind::parse("review_held"), Some(Kind::ReviewHeld));
    }

    #[test]
    fn a_signatory_hears_what_changed_since_they_last_signed() {
        let changed = ["Investment level", "Timeline"];
        let message = signature_requested(&ToSign {
            programme: "Freight operations agents",
            number: 3,
            last_signed: Some(1),
            changed: &changed,
            link: "/programmes/p/brief/versions/3/sign".into(),
        });
        assert_eq!(
            message.subject,
            "Freight operations agents: version 3 of the deployment brief waits for your signature"
        );
        assert!(
            message.body.starts_with(
                "Changed since version 1, which you signed: Investment level; Timeline."
            )
        );
        let first = signature_requested(&ToSign {
            programme: "P",
            number: 1,
            last_signed: None,
            changed: &[],
            link: "/x".into(),
        });
        assert!(
            first
                .body
                .starts_with("You have not signed a version of this brief before")
        );
    }
}
