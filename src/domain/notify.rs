//! What tandem tells people, and in which words (SPEC §9). Each event makes
//! one [`Message`] per recipient; the text is written here, from facts the
//! recipient may see, and kept as written. Nothing here does I/O.

use chrono::{DateTime, Utc};

/// How a person wants to hear of one kind of message (Account → Notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// An e-mail of its own, as soon as it is due.
    Now,
    /// A line in the weekly digest.
    Digest,
    /// In the app only.
    Off,
}

impl Choice {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Now => "now",
            Choice::Digest => "digest",
            Choice::Off => "off",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Choice> {
        match value {
            "now" => Some(Choice::Now),
            "digest" => Some(Choice::Digest),
            "off" => Some(Choice::Off),
            _ => None,
        }
    }
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $stored:literal, $label:literal, $fixed:literal;)*) => {
        /// The kinds of message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            /// Every kind, in the order the settings list them.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The stored value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $stored,)*
                }
            }

            /// Parses the stored value.
            pub fn parse(value: &str) -> Option<Kind> {
                match value {
                    $($stored => Some(Kind::$variant),)*
                    _ => None,
                }
            }

            /// A label for people.
            pub fn label(self) -> &'static str {
                match self {
                    $(Kind::$variant => $label,)*
                }
            }

            /// Whether it is a request addressed to the reader, which they
            /// cannot switch off (SPEC §9).
            pub fn is_fixed(self) -> bool {
                match self {
                    $(Kind::$variant => $fixed,)*
                }
            }
        }
    };
}

kinds! {
    /// The COO raised a decision request: to the CEO, at once.
    DecisionRequested = "decision_requested", "Decision requested", true;
    /// Four hours are left to decide: to the CEO.
    DecisionReminder = "decision_reminder", "Decision reminder", false;
    /// The 24 hours ran out undecided: to the CEO and the COO.
    DecisionDeadline = "decision_deadline", "Decision deadline passed", true;
    /// The CEO decided a request: to the COO, at once.
    DecisionTaken = "decision_taken", "Decision taken", true;
    /// A brief version waits for a signature: to each required signatory.
    SignatureRequested = "signature_requested", "Signature requested", true;
    /// A version still waits for a signature, 3, 6 and 9 days on.
    SignatureReminder = "signature_reminder", "Signature reminder", false;
    /// Every required signatory signed: to the CEO and the COO.
    BriefSigned = "brief_signed", "Brief signed", false;
    /// A signatory rejected a version: to the CEO and the COO, with the reason.
    BriefRejected = "brief_rejected", "Brief rejected", false;
    /// The week's update is due: to the COO.
    UpdateDue = "update_due", "Weekly update due", false;
    /// The COO sent the week's update: its summary, to the CEO.
    UpdateSent = "update_sent", "Weekly update", false;
    /// An alignment session is due: to the CEO and the COO.
    SessionDue = "session_due", "Alignment session due", false;
    /// An ExCo review was opened: to the CEO and the COO, for their parts.
    ReviewOpened = "review_opened", "ExCo review opened", false;
    /// A part of the review is still missing 3 days before the meeting.
    ReviewPartDue = "review_part_due", "ExCo part missing", false;
    /// An ExCo review was held: its pack, to every ExCo member and approver.
    ReviewHeld = "review_held", "ExCo pack ready", false;
    /// A new warning sign: to the CEO and the COO.
    WarningSign = "warning_sign", "Warning sign", false;
    /// An action item is due tomorrow or overdue: to its owner.
    ActionDue = "action_due", "Action item due", false;
    /// The monthly pulse check is due: to the CEO.
    PulseDue = "pulse_due", "Pulse check due", false;
    /// A blind-rating round is open: to the CEO and the COO.
    RatingRound = "rating_round", "Blind rating round", false;
    /// A serious incident was recorded: to the CEO and the COO, at once.
    IncidentSerious = "incident_serious", "Serious incident", true;
    /// A serious incident's clock ran out before this executive acknowledged it.
    IncidentOverdue = "incident_overdue", "Incident not acknowledged", true;
    /// An agent was suspended: to the CEO, the COO and its accountable person.
    AgentSuspended = "agent_suspended", "Agent suspended", false;
    /// A suspended agent went live again: to the same people.
    AgentResumed = "agent_resumed", "Agent resumed", false;
    /// The other executive decided to resume an agent after a serious
    /// incident: to the executive whose decision is still needed.
    ResumeRequested = "resume_requested", "Resumption awaits you", true;
    /// The weekly digest.
    Digest = "digest", "Weekly digest", false;
    /// A test message sent from Administration → Mail.
    Test = "test", "Test message", true;
    /// An invitation to join, to the person invited: its link carries a
    /// single-use token, taken off the record once the message is out.
    Invitation = "invitation", "Invitation", true;
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
    /// The page it is about, behind sign-in; only an invitation's carries a
    /// one-time token, taken off the record once the message is sent.
    pub link: String,
    /// The moment it is about (a deadline), shown in the reader's time zone.
    pub by_when: Option<DateTime<Utc>>,
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
            "{}: decision #{} needed within 24 hours",
            r.programme, r.number
        )),
        body: format!(
            "The COO asks you to decide:\n\n{}\n\nOptions: {}\nThe COO recommends: {}",
            r.question, r.options, r.recommendation
        ),
        link: r.link.clone(),
        by_when: Some(r.deadline),
    }
}

/// The CEO's reminder, 4 hours before the deadline, of an undecided request.
pub fn decision_reminder(r: &Requested<'_>) -> Message {
    Message {
        kind: Kind::DecisionReminder,
        subject: shorten(&format!(
            "{}: 4 hours left to decide #{}",
            r.programme, r.number
        )),
        body: format!(
            "Decision #{} is still open:\n\n{}\n\nThe COO recommends: {}",
            r.number, r.question, r.recommendation
        ),
        link: r.link.clone(),
        by_when: Some(r.deadline),
    }
}

/// To the CEO and the COO when the 24 hours ran out undecided.
pub fn decision_deadline(r: &Requested<'_>) -> Message {
    Message {
        kind: Kind::DecisionDeadline,
        subject: shorten(&format!(
            "{}: decision #{} passed its 24 hours undecided",
            r.programme, r.number
        )),
        body: format!(
            "Decision #{} was not taken within 24 hours:\n\n{}\n\nA late decision is a warning sign on the alignment health page until it is taken.",
            r.number, r.question
        ),
        link: r.link.clone(),
        by_when: Some(r.deadline),
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
        by_when: None,
    }
}

/// A serious incident, at once: the CEO and the COO must each acknowledge it.
pub fn incident_serious(
    programme: &str,
    number: i32,
    title: &str,
    by: DateTime<Utc>,
    link: String,
) -> Message {
    Message {
        kind: Kind::IncidentSerious,
        subject: shorten(&format!(
            "{programme}: serious incident #{number} — acknowledge within 24 hours"
        )),
        body: format!(
            "The COO recorded a serious incident:\n\n{title}\n\nThe CEO and the COO each \
             acknowledge it within 24 hours; until both have, it stays on the home page, and past \
             the clock it is a warning sign on the alignment health page."
        ),
        link,
        by_when: Some(by),
    }
}

/// A serious incident's clock ran out before this reader acknowledged it.
pub fn incident_overdue(
    programme: &str,
    number: i32,
    title: &str,
    by: DateTime<Utc>,
    link: String,
) -> Message {
    Message {
        kind: Kind::IncidentOverdue,
        subject: shorten(&format!(
            "{programme}: serious incident #{number} is still not acknowledged"
        )),
        body: format!(
            "Serious incident #{number} ({title}) passed its 24 hours without your \
             acknowledgement. It is now a warning sign on the alignment health page."
        ),
        link,
        by_when: Some(by),
    }
}

/// An agent was suspended, and why.
pub fn agent_suspended(
    programme: &str,
    agent: &str,
    acted_as: &str,
    reason: &str,
    link: String,
) -> Message {
    Message {
        kind: Kind::AgentSuspended,
        subject: shorten(&format!("{programme}: the agent {agent} is suspended")),
        body: format!(
            "The agent {agent} was suspended by its {acted_as}, with this reason:\n\n{}\n\n\
             It takes no decision until the COO resumes it (and the CEO too, after a serious incident).",
            reason.trim()
        ),
        link,
        by_when: None,
    }
}

/// A suspended agent is live again.
pub fn agent_resumed(programme: &str, agent: &str, reason: &str, link: String) -> Message {
    Message {
        kind: Kind::AgentResumed,
        subject: shorten(&format!("{programme}: the agent {agent} is live again")),
        body: format!(
            "The agent {agent} was resumed, with this reason:\n\n{}",
            reason.trim()
        ),
        link,
        by_when: None,
    }
}

/// One executive decided to resume an agent; the other's decision is needed.
pub fn resume_requested(
    programme: &str,
    agent: &str,
    by_seat: &str,
    reason: &str,
    link: String,
) -> Message {
    Message {
        kind: Kind::ResumeRequested,
        subject: shorten(&format!(
            "{programme}: resuming the agent {agent} waits for your decision"
        )),
        body: format!(
            "The {by_seat} decided to resume the agent {agent}, with this reason:\n\n{}\n\n\
             After a serious incident it stays suspended until you decide too.",
            reason.trim()
        ),
        link,
        by_when: None,
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
        by_when: None,
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
        by_when: None,
    }
}

/// A signatory's reminder (`nth` of 3) that the version still waits for them.
pub fn signature_reminder(t: &ToSign<'_>, nth: i32, submitted: DateTime<Utc>) -> Message {
    Message {
        kind: Kind::SignatureReminder,
        subject: shorten(&format!(
            "Reminder: {} — version {} of the deployment brief still waits for your signature",
            t.programme, t.number
        )),
        body: format!(
            "Version {} was submitted on {} and still waits for your signature or your rejection \
             with a reason (reminder {nth} of 3). No deployment starts until every required \
             signatory has signed.",
            t.number,
            crate::domain::dates::long(submitted)
        ),
        link: t.link.clone(),
        by_when: None,
    }
}

/// Everyone signed a version: to the CEO and the COO.
pub fn brief_signed(programme: &str, number: i32, link: String) -> Message {
    Message {
        kind: Kind::BriefSigned,
        subject: shorten(&format!(
            "{programme}: version {number} of the deployment brief is signed by everyone"
        )),
        body: format!(
            "Every required signatory signed version {number}. The programme may now move to deployment."
        ),
        link,
        by_when: None,
    }
}

/// A signatory rejected a version: to the CEO and the COO, with the reason.
pub fn brief_rejected(
    programme: &str,
    number: i32,
    who: &str,
    reason: &str,
    link: String,
) -> Message {
    Message {
        kind: Kind::BriefRejected,
        subject: shorten(&format!(
            "{programme}: {who} rejected version {number} of the deployment brief"
        )),
        body: format!(
            "{who} rejected version {number}, with this reason:\n\n{}\n\nRevise the draft and submit a new version for signature.",
            reason.trim()
        ),
        link,
        by_when: None,
    }
}

/// The COO's weekly update falls due: on the morning its week begins
/// (`reminder` false), and on its last day if still unsent.
pub fn update_due(
    programme: &str,
    week: u32,
    weeks: u32,
    due: DateTime<Utc>,
    reminder: bool,
    link: String,
) -> Message {
    let (subject, lead) = if reminder {
        (
            format!("Reminder: {programme} — the week {week} update is due today"),
            "The update for this week of the deployment is not written yet, and today is its last day.",
        )
    } else {
        (
            format!("{programme}: write the week {week} update"),
            "A new week of the deployment begins: the CEO expects your one-page update.",
        )
    };
    Message {
        kind: Kind::UpdateDue,
        subject: shorten(&subject),
        body: format!(
            "{lead} Week {week} of {weeks}: where the deployment stands, each workstream on plan or not, \
             what blocks you, and any decision you need from the CEO within 24 hours."
        ),
        link,
        by_when: Some(due),
    }
}

/// What the CEO receives when the COO sends a weekly update: the one-page
/// summary itself, so it can be read in the mail.
pub struct Sent<'a> {
    pub programme: &'a str,
    pub week: i32,
    pub summary: &'a str,
    /// Each workstream with its standing, for people.
    pub workstreams: &'a [(String, &'a str)],
    pub blockers: &'a str,
    /// The decision request raised with it, if any.
    pub question: Option<&'a str>,
    pub link: String,
}

/// The weekly update, to the CEO.
pub fn update_sent(s: &Sent<'_>) -> Message {
    let mut body = format!("Where we are:\n{}", s.summary.trim());
    if !s.workstreams.is_empty() {
        body.push_str("\n\nWorkstreams:");
        for (name, standing) in s.workstreams {
            body.push_str(&format!("\n• {name}: {standing}"));
        }
    }
    if !s.blockers.trim().is_empty() {
        body.push_str(&format!("\n\nWhat blocks us:\n{}", s.blockers.trim()));
    }
    if let Some(question) = s.question {
        body.push_str(&format!(
            "\n\nA decision is requested of you within 24 hours:\n{}",
            question.trim()
        ));
    }
    Message {
        kind: Kind::UpdateSent,
        subject: shorten(&format!(
            "{}: the COO's update for week {}",
            s.programme, s.week
        )),
        body,
        link: s.link.clone(),
        by_when: None,
    }
}

/// An ExCo review was opened: the CEO and the COO write their parts.
pub fn review_opened(
    programme: &str,
    month: &str,
    meeting: DateTime<Utc>,
    link: String,
) -> Message {
    Message {
        kind: Kind::ReviewOpened,
        subject: shorten(&format!(
            "{programme}: the ExCo review of {month} is open for your part"
        )),
        body: "The CEO writes the strategy and competition part, the COO the operations part; \
               the dashboard, what moved since the last review and the decisions are gathered \
               by tandem. Write your part before the meeting."
            .to_owned(),
        link,
        by_when: Some(meeting),
    }
}

/// A part of a review is still missing 3 days before its meeting.
pub fn review_part_due(
    programme: &str,
    month: &str,
    part: &str,
    meeting: DateTime<Utc>,
    link: String,
) -> Message {
    Message {
        kind: Kind::ReviewPartDue,
        subject: shorten(&format!(
            "Reminder: {programme} — your part of the {month} ExCo review is missing"
        )),
        body: format!(
            "The meeting is in 3 days and your part ({part}) is not written yet. The pack cannot be held without it."
        ),
        link,
        by_when: Some(meeting),
    }
}

/// An action item falls due tomorrow (`overdue` false) or has passed its day.
pub fn action_due(
    programme: &str,
    title: &str,
    due_on: chrono::NaiveDate,
    overdue: bool,
    link: String,
) -> Message {
    let when = due_on.format("%A %-d %B").to_string();
    let (subject, lead) = if overdue {
        (
            format!("{programme}: an action of yours is overdue"),
            format!("It was due on {when} and is still open."),
        )
    } else {
        (
            format!("{programme}: an action of yours is due tomorrow"),
            format!("It is due on {when}."),
        )
    };
    Message {
        kind: Kind::ActionDue,
        subject: shorten(&subject),
        body: format!(
            "{}\n\n{lead} Mark it done on the programme's cadence page once it is.",
            title.trim()
        ),
        link,
        by_when: None,
    }
}

/// A warning sign appeared on a programme: to the CEO and the COO, once.
pub fn warning_sign(programme: &str, sign: &str, link: String) -> Message {
    Message {
        kind: Kind::WarningSign,
        subject: shorten(&format!("{programme}: a warning sign appeared — {sign}")),
        body: format!(
            "tandem sees a sign that the CEO and the COO may be drifting apart on this programme: {sign}. \
             The alignment health page shows the evidence and what to talk about at your next session."
        ),
        link,
        by_when: None,
    }
}

/// The week's alignment session is due: to the CEO and the COO, with the
/// action items still open.
pub fn session_due(
    programme: &str,
    by: DateTime<Utc>,
    open_actions: &[String],
    link: String,
) -> Message {
    let actions = if open_actions.is_empty() {
        "No action item is open.".to_owned()
    } else {
        format!(
            "Open action items to go through:\n{}",
            open_actions
                .iter()
                .map(|a| format!("• {a}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    Message {
        kind: Kind::SessionDue,
        subject: shorten(&format!(
            "{programme}: this week's alignment session is due"
        )),
        body: format!(
            "Until the deployment starts, the CEO and the COO meet every week: scope, investment, \
             the governance framework and the board narrative.\n\n{actions}"
        ),
        link,
        by_when: Some(by),
    }
}

/// The monthly pulse check is due: to the CEO.
pub fn pulse_due(programme: &str, link: String) -> Message {
    Message {
        kind: Kind::PulseDue,
        subject: shorten(&format!("{programme}: this month's pulse check")),
        body: "Without looking it up: what is the programme's primary metric today, and its \
               target? Your answer is set against the dashboard; a gap, or no answer within 35 \
               days of the last one, is a warning sign."
            .to_owned(),
        link,
        by_when: None,
    }
}

/// A blind-rating round is open: to the executive who has not rated yet.
/// It says who rated, never what.
pub fn rating_round(programme: &str, round: &str, who: &str, link: String) -> Message {
    Message {
        kind: Kind::RatingRound,
        subject: shorten(&format!(
            "{programme}: your blind status rating for {round} is awaited"
        )),
        body: format!(
            "{who} gave a blind rating of the programme's status for {round}. Give yours: neither \
             of you sees the other's until both are in, then the two are shown side by side."
        ),
        link,
        by_when: None,
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

/// The invitation to a person an administrator added: `link` carries its
/// single-use token; `seat` names what they will do, if they were given a
/// seat already.
pub fn invitation(
    inviter: &str,
    organisation: &str,
    seat: Option<&str>,
    link: String,
    expires: DateTime<Utc>,
) -> Message {
    let role = seat.map(|seat| format!(" as {seat}")).unwrap_or_default();
    Message {
        kind: Kind::Invitation,
        subject: shorten(&format!(
            "{inviter} invites you to {organisation} in tandem"
        )),
        body: format!(
            "{inviter} invited you to join {organisation}{role} in tandem, where its CEO and COO \
             govern their AI programme together: the deployment brief, the responsibility \
             matrix, the shared metrics and their reviews.\n\n\
             Choose your password with the link below to join."
        ),
        link,
        by_when: Some(expires),
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
            "Freight operations agents: decision #3 needed within 24 hours"
        );
        assert!(message.body.contains("Add a second carrier this week?"));
        assert!(
            message
                .body
                .contains("The COO recommends: Yes: the first is stable.")
        );
        assert_eq!(
            message.by_when,
            Some(Utc.with_ymd_and_hms(2026, 12, 8, 14, 30, 0).unwrap())
        );
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
