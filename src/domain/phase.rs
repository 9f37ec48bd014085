//! Programme phases (SPEC §2).

use std::fmt;
use std::str::FromStr;

/// Where a programme stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Preparing: weekly alignment sessions, the brief is written and signed.
    PreDeployment,
    /// Weeks 1–8 of the deployment: weekly COO updates and decision requests.
    Deploying,
    /// Months 2–12 after go-live: monthly ExCo reviews.
    PostDeployment,
    Closed,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 4] = [
        Phase::PreDeployment,
        Phase::Deploying,
        Phase::PostDeployment,
        Phase::Closed,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::PreDeployment => "pre_deployment",
            Phase::Deploying => "deploying",
            Phase::PostDeployment => "post_deployment",
            Phase::Closed => "closed",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::PreDeployment => "Pre-deployment",
            Phase::Deploying => "Deploying",
            Phase::PostDeployment => "Post-deployment",
            Phase::Closed => "Closed",
        }
    }

    /// What the phase asks of the two executives, in one line.
    pub fn cadence(self) -> &'static str {
        match self {
            Phase::PreDeployment => {
                "A weekly alignment session between the CEO and the COO until the brief is signed."
            }
            Phase::Deploying => {
                "A weekly update from the COO; decisions asked of the CEO are answered within 24 hours."
            }
            Phase::PostDeployment => {
                "A monthly executive committee review of the shared dashboard."
            }
            Phase::Closed => "No cadence: the programme is closed.",
        }
    }

    /// The phase after this one, if any.
    pub fn next(self) -> Option<Phase> {
        match self {
            Phase::PreDeployment => Some(Phase::Deploying),
            Phase::Deploying => Some(Phase::PostDeployment),
            Phase::PostDeployment => Some(Phase::Closed),
            Phase::Closed => None,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Phase {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phase::ALL
            .into_iter()
            .find(|phase| phase.as_str() == s)
            .ok_or_else(|| format!("unknown phase {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_round_trip_and_advance_in_order() {
        for phase in Phase::ALL {
            assert_eq!(phase.as_str().parse::<Phase>(), Ok(phase));
        }
        assert_eq!(Phase::PreDeployment.next(), Some(Phase::Deploying));
        assert_eq!(Phase::Closed.next(), None);
    }
}
