//! The permission table of SPEC §1: which seats may take which action.
//!
//! Deny by default: an action is allowed only if one of the caller's seats
//! appears in its row.

use super::seat::{SeatKind, Seats};

/// Something a user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read every page of the organisation's programmes.
    ReadProgramme,
    /// Edit the brief sections the CEO owns.
    EditCeoSection,
    /// Edit the brief sections the COO owns.
    EditCooSection,
    /// Edit the joint (shared-zone) brief sections and mark them agreed.
    EditJointSection,
    /// Submit a brief draft for sign-off.
    SubmitBrief,
    /// Sign or reject a brief version (only when a required signatory).
    SignBrief,
    /// Edit the responsibility matrix and the COO's AI reporting line.
    EditMatrix,
    /// Move a programme to its next phase (subject to the gates).
    MovePhase,
    /// Record alignment sessions; create and close action items.
    RecordAlignment,
    /// Record business-metric values and the CEO pulse check.
    RecordBusinessMetric,
    /// Record operational-metric values.
    RecordOperationalMetric,
    /// Write the weekly COO update and raise decision requests (deploying).
    WriteWeeklyUpdate,
    /// Decide decision requests.
    DecideRequest,
    /// Create ExCo reviews and write one's own part.
    WriteExcoReview,
    /// Keep the agent register, record overrides and incidents, set the
    /// override-rate threshold.
    KeepAgentRegister,
    /// Suspend an agent (also the override owner the signed framework names;
    /// see [`super::governance::suspends_as`]).
    SuspendAgent,
    /// Decide to resume a suspended agent (the CEO only after a serious
    /// incident; see [`super::governance::resumed_by`]).
    ResumeAgent,
    /// Acknowledge a serious incident.
    AcknowledgeIncident,
    /// Manage users, seats, programmes, signatories and API tokens.
    Administer,
}

impl Action {
    /// The seats whose holders may take this action.
    pub fn permitted_seats(self) -> &'static [SeatKind] {
        use SeatKind::*;
        match self {
            Action::ReadProgramme => &[Ceo, Coo, Approver, Exco, Admin],
            Action::EditCeoSection => &[Ceo],
            Action::EditCooSection => &[Coo],
            Action::EditJointSection => &[Ceo, Coo],
            Action::SubmitBrief => &[Ceo, Coo],
            Action::SignBrief => &[Ceo, Coo, Approver],
            Action::EditMatrix => &[Ceo, Coo],
            Action::MovePhase => &[Ceo, Coo],
            Action::RecordAlignment => &[Ceo, Coo],
            Action::RecordBusinessMetric => &[Ceo],
            Action::RecordOperationalMetric => &[Coo],
            Action::WriteWeeklyUpdate => &[Coo],
            Action::DecideRequest => &[Ceo],
            Action::WriteExcoReview => &[Ceo, Coo],
            Action::KeepAgentRegister => &[Coo],
            Action::SuspendAgent => &[Coo],
            Action::ResumeAgent => &[Ceo, Coo],
            Action::AcknowledgeIncident => &[Ceo, Coo],
            Action::Administer => &[Admin],
        }
    }
}

impl Seats {
    /// Whether any of these seats permits `action`.
    pub fn permits(&self, action: Action) -> bool {
        action
            .permitted_seats()
            .iter()
            .any(|&kind| self.holds(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SeatKind::*;

    fn only(kind: SeatKind) -> Seats {
        Seats::new(vec![kind])
    }

    #[test]
    fn nobody_without_a_seat_may_do_anything() {
        let none = Seats::default();
        for action in [Action::ReadProgramme, Action::Administer, Action::SignBrief] {
            assert!(!none.permits(action));
        }
    }

    #[test]
    fn table_matches_the_spec() {
        // (action, ceo, coo, approver, exco, admin) — SPEC §1.
        let table = [
            (Action::ReadProgramme, true, true, true, true, true),
            (Action::EditCeoSection, true, false, false, false, false),
            (Action::EditCooSection, false, true, false, false, false),
            (Action::EditJointSection, true, true, false, false, false),
            (Action::SubmitBrief, true, true, false, false, false),
            (Action::SignBrief, true, true, true, false, false),
            (Action::EditMatrix, true, true, false, false, false),
            (Action::MovePhase, true, true, false, false, false),
            (Action::RecordAlignment, true, true, false, false, false),
            (
                Action::RecordBusinessMetric,
                true,
                false,
                false,
                false,
                false,
            ),
            (
                Action::RecordOperationalMetric,
                false,
                true,
                false,
                false,
                false,
            ),
            (Action::WriteWeeklyUpdate, false, true, false, false, false),
            (Action::DecideRequest, true, false, false, false, false),
            (Action::WriteExcoReview, true, true, false, false, false),
            (Action::KeepAgentRegister, false, true, false, false, false),
            (Action::SuspendAgent, false, true, false, false, false),
            (Action::ResumeAgent, true, true, false, false, false),
            (Action::AcknowledgeIncident, true, true, false, false, false),
            (Action::Administer, false, false, false, false, true),
        ];
        for (action, ceo, coo, approver, exco, admin) in table {
            assert_eq!(only(Ceo).permits(action), ceo, "{action:?} for CEO");
            assert_eq!(only(Coo).permits(action), coo, "{action:?} for COO");
            assert_eq!(
                only(Approver).permits(action),
                approver,
                "{action:?} for approver"
            );
            assert_eq!(only(Exco).permits(action), exco, "{action:?} for ExCo");
            assert_eq!(only(Admin).permits(action), admin, "{action:?} for admin");
        }
    }

    #[test]
    fn an_admin_who_is_also_coo_has_both_rights() {
        let seats = Seats::new(vec![Admin, Coo]);
        assert!(seats.permits(Action::Administer));
        assert!(seats.permits(Action::EditCooSection));
        assert!(!seats.permits(Action::EditCeoSection));
    }
}
