//! Seats: the roles a person holds in an organisation.

use std::fmt;
use std::str::FromStr;

/// A kind of seat (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeatKind {
    /// The chief executive: strategic owner. Exactly one per organisation.
    Ceo,
    /// The chief operating officer: execution owner. Exactly one per organisation.
    Coo,
    /// A signatory with a title (CFO, CTO, CHRO, Board chair…).
    Approver,
    /// A member of the executive committee: reads everything, writes nothing.
    Exco,
    /// Manages users, seats, programmes and tokens. May also hold another seat.
    Admin,
}

impl SeatKind {
    /// Every kind, in display order.
    pub const ALL: [SeatKind; 5] = [
        SeatKind::Ceo,
        SeatKind::Coo,
        SeatKind::Approver,
        SeatKind::Exco,
        SeatKind::Admin,
    ];

    /// The value stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatKind::Ceo => "ceo",
            SeatKind::Coo => "coo",
            SeatKind::Approver => "approver",
            SeatKind::Exco => "exco",
            SeatKind::Admin => "admin",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            SeatKind::Ceo => "CEO",
            SeatKind::Coo => "COO",
            SeatKind::Approver => "Approver",
            SeatKind::Exco => "ExCo member",
            SeatKind::Admin => "Administrator",
        }
    }

    /// The executive seat stored as `value` ("ceo" or "coo"): who owns an
    /// action item, who wrote a part. Anything else is none.
    pub fn executive(value: &str) -> Option<SeatKind> {
        match value {
            "ceo" => Some(SeatKind::Ceo),
            "coo" => Some(SeatKind::Coo),
            _ => None,
        }
    }

    /// Whether the organisation may have only one sitting holder.
    pub fn is_single(self) -> bool {
        matches!(self, SeatKind::Ceo | SeatKind::Coo)
    }

    /// Whether a person can hold both seats at once. The CEO and the COO are
    /// two people in two lanes; neither also signs as an approver or sits as
    /// a read-only ExCo member. Admin combines with anything.
    pub fn compatible_with(self, other: SeatKind) -> bool {
        use SeatKind::*;
        if self == other || self == Admin || other == Admin {
            return true;
        }
        !matches!((self, other), (Ceo, _) | (_, Ceo) | (Coo, _) | (_, Coo))
    }
}

impl fmt::Display for SeatKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The input named no known seat.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown seat {0:?}: expected one of ceo, coo, approver, exco, admin")]
pub struct UnknownSeat(pub String);

impl FromStr for SeatKind {
    type Err = UnknownSeat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SeatKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSeat(s.to_owned()))
    }
}

/// The seats a user holds right now in their organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seats(Vec<SeatKind>);

impl Seats {
    /// From the kinds of the user's sitting seats.
    pub fn new(mut kinds: Vec<SeatKind>) -> Self {
        kinds.sort();
        kinds.dedup();
        Self(kinds)
    }

    /// Whether one of the seats is `kind`.
    pub fn holds(&self, kind: SeatKind) -> bool {
        self.0.contains(&kind)
    }

    /// Whether the user holds no seat at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The kinds held, in display order.
    pub fn kinds(&self) -> &[SeatKind] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_case_insensitively() {
        for kind in SeatKind::ALL {
            assert_eq!(kind.as_str().parse::<SeatKind>(), Ok(kind));
            assert_eq!(kind.as_str().to_uppercase().parse::<SeatKind>(), Ok(kind));
        }
        assert!("cto".parse::<SeatKind>().is_err());
    }

    #[test]
    fn ceo_and_coo_are_two_people() {
        assert!(!SeatKind::Ceo.compatible_with(SeatKind::Coo));
        assert!(!SeatKind::Coo.compatible_with(SeatKind::Approver));
        assert!(!SeatKind::Exco.compatible_with(SeatKind::Ceo));
        assert!(SeatKind::Admin.compatible_with(SeatKind::Ceo));
        assert!(SeatKind::Approver.compatible_with(SeatKind::Exco));
    }

    #[test]
    fn only_the_two_executives_are_executive_seats() {
        assert_eq!(SeatKind::executive("ceo"), Some(SeatKind::Ceo));
        assert_eq!(SeatKind::executive("coo"), Some(SeatKind::Coo));
        assert_eq!(SeatKind::executive("approver"), None);
        assert_eq!(
            SeatKind::executive("CEO"),
            None,
            "stored values are lower case"
        );
    }
}
