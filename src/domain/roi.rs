//! The business case: planned and actual investment and benefit per month,
//! cumulated into return on investment and the payback month.
//!
//! ROI at a month = (cumulative benefit − cumulative investment) /
//! cumulative investment; payback is the first month in which cumulative
//! benefit reaches cumulative investment. Nothing here does I/O.

use super::metrics::Period;

/// One month's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Month {
    pub month: Period,
    /// Money spent that month.
    pub investment: f64,
    /// Money gained or saved that month.
    pub benefit: f64,
}

/// The running totals at the end of a month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub month: Period,
    /// Investment so far.
    pub investment: f64,
    /// Benefit so far.
    pub benefit: f64,
}

impl Point {
    /// Return on investment so far, when anything was invested.
    pub fn roi(&self) -> Option<f64> {
        (self.investment > 0.0).then(|| (self.benefit - self.investment) / self.investment)
    }

    /// Net position so far (benefit minus investment).
    pub fn net(&self) -> f64 {
        self.benefit - self.investment
    }
}

/// Running totals month by month (months sorted; duplicates summed).
pub fn cumulative(months: &[Month]) -> Vec<Point> {
    let mut sorted = months.to_vec();
    sorted.sort_by_key(|m| m.month);
    let mut points: Vec<Point> = Vec::new();
    let (mut investment, mut benefit) = (0.0, 0.0);
    for month in sorted {
        investment += month.investment;
        benefit += month.benefit;
        match points.last_mut() {
            Some(last) if last.month == month.month => {
                last.investment = investment;
                last.benefit = benefit;
            }
            _ => points.push(Point {
                month: month.month,
                investment,
                benefit,
            }),
        }
    }
    points
}

/// The first month in which cumulative benefit reaches cumulative investment.
pub fn payback(points: &[Point]) -> Option<Period> {
    points
        .iter()
        .find(|p| p.investment > 0.0 && p.benefit >= p.investment)
        .map(|p| p.month)
}

/// When payback would come at the recent pace: the average net gain of the
/// last `window` months, extended from the latest point. `None` when already
/// paid back, or when the recent pace does not close the gap.
pub fn projected_payback(months: &[Month], window: usize) -> Option<Period> {
    let points = cumulative(months);
    let last = *points.last()?;
    if payback(&points).is_some() || window == 0 {
        return None;
    }
    let mut sorted = months.to_vec();
    sorted.sort_by_key(|m| m.month);
    let recent: Vec<f64> = sorted
        .iter()
        .rev()
        .take(window)
        .map(|m| m.benefit - m.investment)
        .collect();
    let pace = recent.iter().sum::<f64>() / recent.len() as f64;
    if pace <= 0.0 {
        return None;
    }
    let months_needed = (-last.net() / pace).ceil() as usize;
    let mut month = last.month;
    for _ in 0..months_needed.min(600) {
        month = month.next();
    }
    Some(month)
}

/// Plan and actuals side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The plan's running totals.
    pub plan: Vec<Point>,
    /// The actual running totals.
    pub actual: Vec<Point>,
    /// The plan's payback month.
    pub plan_payback: Option<Period>,
    /// The actual payback month, if reached.
    pub actual_payback: Option<Period>,
    /// When payback comes at the last three months' pace, if not reached.
    pub projected_payback: Option<Period>,
}

impl Comparison {
    /// Compares a plan with actuals.
    pub fn of(plan: &[Month], actual: &[Month]) -> Comparison {
        let plan_points = cumulative(plan);
        let actual_points = cumulative(actual);
        Comparison {
            plan_payback: payback(&plan_points),
            actual_payback: payback(&actual_points),
            projected_payback: projected_payback(actual, 3),
            plan: plan_points,
            actual: actual_points,
        }
    }

    /// The latest actual point and the plan's point for the same month.
    pub fn latest(&self) -> Option<(Point, Option<Point>)> {
        let actual = *self.actual.last()?;
        let plan = self
            .plan
            .iter()
            .rev()
            .find(|p| p.month <= actual.month)
            .copied();
        Some((actual, plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, investment: f64, benefit: f64) -> Month {
        Month {
            month: Period::parse(text).unwrap(),
            investment,
            benefit,
        }
    }

    #[test]
    fn running_totals_roi_and_payback() {
        let plan = [
            m("2026-01", 100.0, 0.0),
            m("2026-02", 50.0, 40.0),
            m("2026-03", 0.0, 60.0),
            m("2026-04", 0.0, 60.0),
        ];
        let points = cumulative(&plan);
        assert_eq!(points.len(), 4);
        assert_eq!(points[1].investment, 150.0);
        assert_eq!(points[0].roi(), Some(-1.0));
        assert!((points[3].roi().unwrap() - 10.0 / 150.0).abs() < 1e-12);
        assert_eq!(payback(&points).unwrap().to_string(), "2026-04");
        // Months in any order give the same answer.
        let mut shuffled = plan;
        shuffled.reverse();
        assert_eq!(cumulative(&shuffled), points);
    }

    #[test]
    fn nothing_invested_or_never_paid_back() {
        assert_eq!(cumulative(&[]), Vec::new());
        assert_eq!(payback(&[]), None);
        let free = cumulative(&[m("2026-01", 0.0, 10.0)]);
        assert_eq!(free[0].roi(), None);
        assert_eq!(payback(&free), None, "no investment, no payback to reach");
        let losing = [m("2026-01", 100.0, 0.0), m("2026-02", 10.0, 5.0)];
        assert_eq!(payback(&cumulative(&losing)), None);
        assert_eq!(
            projected_payback(&losing, 3),
            None,
            "a falling pace never pays back"
        );
    }

    #[test]
    fn payback_is_projected_from_the_recent_pace() {
        let actual = [
            m("2026-01", 100.0, 0.0),
            m("2026-02", 0.0, 20.0),
            m("2026-03", 0.0, 20.0),
            m("2026-04", 0.0, 20.0),
        ];
        // 40 still to recover at 20 a month: June.
        assert_eq!(
            projected_payback(&actual, 3).unwrap().to_string(),
            "2026-06"
        );
        let comparison = Comparison::of(&actual, &actual);
        assert_eq!(comparison.actual_payback, None);
        let (latest, plan) = comparison.latest().unwrap();
        assert_eq!(latest.month.to_string(), "2026-04");
        assert_eq!(plan.unwrap().benefit, 60.0);
    }
}
