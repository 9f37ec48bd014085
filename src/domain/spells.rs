//! When each warning sign stood, as spells from appearing to clearing, and
//! the round of blind ratings a day falls in.

use chrono::{DateTime, NaiveDate, Utc};

use super::health::Sign;
use super::period::{Cadence, Period};
use super::phase::Phase;

/// The round of blind ratings a day falls in: its ISO week before go-live
/// (weekly sessions and updates), its month after (monthly reviews).
pub fn rating_round(phase: Phase, today: NaiveDate) -> Period {
    let cadence = if matches!(phase, Phase::PostDeployment | Phase::Closed) {
        Cadence::Monthly
    } else {
        Cadence::Weekly
    };
    Period::containing(today, cadence)
}

/// When a sign stood: (sign, appeared, cleared).
pub type Spell = (Sign, DateTime<Utc>, Option<DateTime<Utc>>);

/// Turns (moment, standing?) points, oldest first, into the spells in
/// which the sign stood; the last may still be open.
pub fn spells(sign: Sign, points: &[(DateTime<Utc>, bool)]) -> Vec<Spell> {
    let mut out: Vec<Spell> = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for (at, standing) in points {
        match (open, standing) {
            (None, true) => open = Some(*at),
            (Some(since), false) => {
                out.push((sign, since, Some(*at)));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(since) = open {
        out.push((sign, since, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_points_become_spells_and_the_last_may_stay_open() {
        let at = |d: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, d, 9, 0, 0).unwrap();
        let points = [
            (at(1), false),
            (at(2), true),
            (at(3), true),
            (at(5), false),
            (at(9), true),
        ];
        assert_eq!(
            spells(Sign::PulseOff, &points),
            vec![
                (Sign::PulseOff, at(2), Some(at(5))),
                (Sign::PulseOff, at(9), None),
            ]
        );
        assert!(spells(Sign::PulseOff, &[]).is_empty());
    }

    #[test]
    fn ratings_come_weekly_before_go_live_and_monthly_after() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert_eq!(
            rating_round(Phase::PreDeployment, day).to_string(),
            "2026-W10"
        );
        assert_eq!(rating_round(Phase::Deploying, day).to_string(), "2026-W10");
        assert_eq!(
            rating_round(Phase::PostDeployment, day).to_string(),
            "2026-03"
        );
        assert_eq!(rating_round(Phase::Closed, day).to_string(), "2026-03");
    }
}
