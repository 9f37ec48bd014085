//! The brief's sign-off rules: a signatory's decision, where a version
//! stands, what keeps a draft from being submitted, and the phase gate (no
//! deployment without a brief signed by everyone). Nothing here does I/O.

use super::phase::Phase;

/// A signatory's decision on a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Signed,
    /// Rejected, with a reason.
    Rejected,
}

impl Decision {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Signed => "signed",
            Decision::Rejected => "rejected",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Decision> {
        match value {
            "signed" => Some(Decision::Signed),
            "rejected" => Some(Decision::Rejected),
            _ => None,
        }
    }

    /// The past tense, for sentences.
    pub fn past(self) -> &'static str {
        self.as_str()
    }

    /// A label for a table cell.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Signed => "Signed",
            Decision::Rejected => "Rejected",
        }
    }
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for signatures.
    Pending,
    /// Every slot signed.
    Approved,
    /// Someone rejected it.
    Rejected,
}

impl Status {
    /// Of a version's decisions, one per slot (`None`: not decided yet).
    pub fn of(decisions: impl IntoIterator<Item = Option<Decision>>) -> Status {
        let decisions: Vec<Option<Decision>> = decisions.into_iter().collect();
        if decisions.contains(&Some(Decision::Rejected)) {
            Status::Rejected
        } else if !decisions.is_empty() && decisions.iter().all(|d| *d == Some(Decision::Signed)) {
            Status::Approved
        } else {
            Status::Pending
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "Awaiting signatures",
            Status::Approved => "Approved: signed by everyone",
            Status::Rejected => "Rejected",
        }
    }

    /// For CSS.
    pub fn class(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
}

/// Where the latest version of a programme's brief stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BriefStatus {
    /// Nothing submitted yet.
    None,
    /// Waiting for these signatories ("Name (Seat)").
    Pending {
        /// The version number.
        number: i32,
        /// Who has not signed.
        missing: Vec<String>,
    },
    /// Signed by every required signatory.
    Approved {
        /// The version number.
        number: i32,
    },
    /// Rejected by these signatories.
    Rejected {
        /// The version number.
        number: i32,
        /// Who rejected it.
        by: Vec<String>,
    },
}

impl BriefStatus {
    /// Where version `number` stands, from its slots: who ("Name (Seat)")
    /// and their decision, if any.
    pub fn of(number: i32, slots: &[(String, Option<Decision>)]) -> BriefStatus {
        let who = |wanted: Option<Decision>| {
            slots
                .iter()
                .filter(|(_, decision)| *decision == wanted)
                .map(|(who, _)| who.clone())
                .collect()
        };
        match Status::of(slots.iter().map(|(_, d)| *d)) {
            Status::Approved => BriefStatus::Approved { number },
            Status::Rejected => BriefStatus::Rejected {
                number,
                by: who(Some(Decision::Rejected)),
            },
            Status::Pending => BriefStatus::Pending {
                number,
                missing: who(None),
            },
        }
    }
}

/// A draft section, as far as submission cares.
#[derive(Debug, Clone, Copy)]
pub struct DraftState<'a> {
    /// The section's title.
    pub title: &'a str,
    /// Nothing filled in.
    pub empty: bool,
    /// A joint section (both executives must agree it).
    pub joint: bool,
    /// The CEO marked it agreed.
    pub ceo_agreed: bool,
    /// The COO marked it agreed.
    pub coo_agreed: bool,
}

/// What stands between the draft and a submission, in sentences.
pub fn submission_blockers(sections: &[DraftState<'_>]) -> Vec<String> {
    let mut blockers = Vec::new();
    let empty: Vec<&str> = sections
        .iter()
        .filter(|s| s.empty)
        .map(|s| s.title)
        .collect();
    if !empty.is_empty() {
        blockers.push(format!("Still empty: {}.", empty.join(", ")));
    }
    for s in sections.iter().filter(|s| s.joint) {
        let title = s.title;
        match (s.ceo_agreed, s.coo_agreed) {
            (true, true) => {}
            (false, false) => blockers.push(format!(
                "{title}: neither the CEO nor the COO has marked it agreed."
            )),
            (false, true) => blockers.push(format!("{title}: the CEO has not marked it agreed.")),
            (true, false) => blockers.push(format!("{title}: the COO has not marked it agreed.")),
        }
    }
    blockers
}

/// Why a programme cannot enter `next` now, if it cannot: the move to
/// deploying needs the latest brief version signed by everyone.
pub fn phase_gate(next: Phase, brief: &BriefStatus) -> Option<Vec<String>> {
    if next != Phase::Deploying {
        return None;
    }
    match brief {
        BriefStatus::None => Some(vec![
            "No version of the deployment brief has been submitted for signature.".to_owned(),
        ]),
        BriefStatus::Approved { .. } => None,
        BriefStatus::Rejected { number, by } => Some(vec![format!(
            "Version {number} of the brief was rejected by {}; a new version must be submitted and signed.",
            by.join(", ")
        )]),
        BriefStatus::Pending { number, missing } => Some(
            missing
                .iter()
                .map(|who| {
                    format!("Version {number} of the brief still needs the signature of {who}.")
                })
                .collect(),
        ),
    }
}

/// Who must sign a new version, in order: the CEO and the COO always, then
/// each configured approver who still holds an approver seat (seat titles
/// as shown: "CEO", "COO", "Approver (CFO)"). `None` when the CEO or COO
/// seat is empty: no version can be signed then.
pub fn signatories<Id: Copy + PartialEq>(
    ceo: Option<Id>,
    coo: Option<Id>,
    approvers: &[(Id, Option<String>)],
) -> Option<Vec<(Id, String)>> {
    let mut slots = vec![(ceo?, "CEO".to_owned()), (coo?, "COO".to_owned())];
    for (id, title) in approvers {
        if let Some(title) = title
            && !slots.iter().any(|(existing, _)| existing == id)
        {
            slots.push((*id, format!("Approver ({title})")));
        }
    }
    Some(slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(who: &str, decision: Option<Decision>) -> (String, Option<Decision>) {
        (who.to_owned(), decision)
    }

    #[test]
    fn signatories_are_the_executives_then_sitting_approvers() {
        let approvers = [
            (3, Some("CFO".to_owned())),
            (4, None),
            (1, Some("Board".to_owned())),
        ];
        assert_eq!(
            signatories(Some(1), Some(2), &approvers),
            Some(vec![
                (1, "CEO".into()),
                (2, "COO".into()),
                (3, "Approver (CFO)".into())
            ]),
            "an approver no longer seated is skipped; nobody signs twice"
        );
        assert_eq!(signatories(None, Some(2), &approvers), None);
    }

    #[test]
    fn decisions_round_trip() {
        for d in [Decision::Signed, Decision::Rejected] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("maybe"), None);
    }

    #[test]
    fn a_version_is_approved_only_when_every_slot_is_signed() {
        use Decision::*;
        assert_eq!(Status::of([]), Status::Pending, "no slots is not approval");
        assert_eq!(Status::of([Some(Signed), None]), Status::Pending);
        assert_eq!(Status::of([Some(Signed), Some(Signed)]), Status::Approved);
        assert_eq!(
            Status::of([Some(Signed), Some(Rejected), None]),
            Status::Rejected
        );
    }

    #[test]
    fn the_status_names_who_is_missing_or_rejected() {
        use Decision::*;
        let pending = BriefStatus::of(
            2,
            &[slot("Maren (CEO)", Some(Signed)), slot("Priya (CFO)", None)],
        );
        assert_eq!(
            pending,
            BriefStatus::Pending {
                number: 2,
                missing: vec!["Priya (CFO)".into()]
            }
        );
        let rejected = BriefStatus::of(
            3,
            &[slot("Priya (CFO)", Some(Rejected)), slot("Dan (CTO)", None)],
        );
        assert_eq!(
            rejected,
            BriefStatus::Rejected {
                number: 3,
                by: vec!["Priya (CFO)".into()]
            }
        );
    }

    #[test]
    fn the_phase_gate_names_the_missing_signatures() {
        let pending = BriefStatus::Pending {
            number: 2,
            missing: vec!["Priya Nair (Approver (CFO))".into()],
        };
        let reasons = phase_gate(Phase::Deploying, &pending).unwrap();
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].contains("Priya Nair"));
        assert_eq!(
            phase_gate(Phase::Deploying, &BriefStatus::Approved { number: 2 }),
            None
        );
        assert!(phase_gate(Phase::Deploying, &BriefStatus::None).is_some());
        assert_eq!(
            phase_gate(Phase::PostDeployment, &pending),
            None,
            "only deploying is gated"
        );
    }

    #[test]
    fn blockers_name_empty_sections_and_missing_agreements() {
        let state = |title, empty, joint, ceo_agreed, coo_agreed| DraftState {
            title,
            empty,
            joint,
            ceo_agreed,
            coo_agreed,
        };
        let blockers = submission_blockers(&[
            state("Ambition", true, false, false, false),
            state("Timeline", false, true, true, false),
            state("Investment", false, true, true, true),
            state("Success metrics", false, true, false, false),
        ]);
        assert_eq!(
            blockers,
            vec![
                "Still empty: Ambition.",
                "Timeline: the COO has not marked it agreed.",
                "Success metrics: neither the CEO nor the COO has marked it agreed.",
            ]
        );
        assert!(submission_blockers(&[state("Investment", false, true, true, true)]).is_empty());
    }
}
