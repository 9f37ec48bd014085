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
    cumulative_from((0.0, 0.0), months)
}

/// Running totals month by month, starting from the totals of the months
/// before them (investment, benefit).
pub fn cumulative_from(start: (f64, f64), months: &[Month]) -> Vec<Point> {
    let mut sorted = months.to_vec();
    sorted.sort_by_key(|m| m.month);
    let mut points: Vec<Point> = Vec::new();
    let (mut investment, mut benefit) = start;
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

/// When payback would come at the recent pace, from the running totals at
/// `last`: the average net gain of the last `window` of `months`,
/// extended. `None` when the recent pace does not close the gap (or there
/// is none to close).
pub fn projected_payback(last: Point, months: &[Month], window: usize) -> Option<Period> {
    if window == 0 || last.net() >= 0.0 {
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
    if recent.is_empty() {
        return None;
    }
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

/// Months of actuals summed into one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summed {
    pub first: Period,
    pub last: Period,
    pub investment: f64,
    pub benefit: f64,
}

/// The actuals as the dashboard keeps them (written by the database at
/// every change, migration 0045): the months of the last twelve up to
/// the latest one by one, those before summed, and the payback month
/// found over all of them — so what a page reads stays the same size
/// however long the programme runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actuals {
    /// The months before the recent ones, summed.
    pub earlier: Option<Summed>,
    /// The recent months, in order.
    pub recent: Vec<Month>,
    /// The first month in which cumulative benefit reached cumulative
    /// investment, over every month.
    pub payback: Option<Period>,
}

impl Actuals {
    /// The running totals of the summed months, when any.
    fn start(&self) -> Option<Point> {
        self.earlier.map(|e| Point {
            month: e.last,
            investment: e.investment,
            benefit: e.benefit,
        })
    }
}

/// Plan and actuals side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The plan's running totals.
    pub plan: Vec<Point>,
    /// The actual running totals of the recent months (counting the
    /// summed ones before them).
    pub actual: Vec<Point>,
    /// The running totals at the end of the summed months, when any: where
    /// the recent months start from.
    pub actual_start: Option<Point>,
    /// The plan's payback month.
    pub plan_payback: Option<Period>,
    /// The actual payback month, if reached.
    pub actual_payback: Option<Period>,
    /// When payback comes at the last three months' pace, if not reached.
    pub projected_payback: Option<Period>,
}

impl Comparison {
    /// Compares a plan with actuals.
    pub fn of(plan: &[Month], actual: &Actuals) -> Comparison {
        let plan_points = cumulative(plan);
        let actual_start = actual.start();
        let actual_points = cumulative_from(
            actual_start.map_or((0.0, 0.0), |p| (p.investment, p.benefit)),
            &actual.recent,
        );
        let projected_payback = match (actual.payback, actual_points.last()) {
            (None, Some(last)) => projected_payback(*last, &actual.recent, 3),
            _ => None,
        };
        Comparison {
            plan_payback: payback(&plan_points),
            actual_payback: actual.payback,
            projected_payback,
            plan: plan_points,
            actual: actual_points,
            actual_start,
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

    /// Every month one by one (nothing summed), the payback found here.
    fn whole(months: &[Month]) -> Actuals {
        Actuals {
            earlier: None,
            payback: payback(&cumulative(months)),
            recent: months.to_vec(),
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
        let last = *cumulative(&losing).last().unwrap();
        assert_eq!(
            projected_payback(last, &losing, 3),
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
        let last = *cumulative(&actual).last().unwrap();
        assert_eq!(
            projected_payback(last, &actual, 3).unwrap().to_string(),
            "2026-06"
        );
        let comparison = Comparison::of(&actual, &whole(&actual));
        assert_eq!(comparison.actual_payback, None);
        assert_eq!(comparison.projected_payback, Some(last.month.next().next()));
        let (latest, plan) = comparison.latest().unwrap();
        assert_eq!(latest.month.to_string(), "2026-04");
        assert_eq!(plan.unwrap().benefit, 60.0);
    }

    #[test]
    fn summed_months_count_towards_the_recent_running_totals() {
        let months: Vec<Month> = (1..=12)
            .map(|n| {
                m(
                    &format!("2026-{n:02}"),
                    100.0,
                    if n > 6 { 150.0 } else { 0.0 },
                )
            })
            .collect();
        let all = Comparison::of(&[], &whole(&months));
        // The first six months summed, as the database keeps them.
        let kept = Actuals {
            earlier: Some(Summed {
                first: months[0].month,
                last: months[5].month,
                investment: 600.0,
                benefit: 0.0,
            }),
            recent: months[6..].to_vec(),
            payback: all.actual_payback,
        };
        let summed = Comparison::of(&[], &kept);
        assert_eq!(summed.actual, all.actual[6..].to_vec());
        assert_eq!(summed.actual_start, Some(all.actual[5]));
        assert_eq!(summed.latest(), all.latest());
        assert_eq!(all.actual_payback, None, "1,200 invested, 900 gained");
        assert_eq!(summed.projected_payback, all.projected_payback);
        assert_eq!(summed.projected_payback.unwrap().to_string(), "2027-06");
    }
}
