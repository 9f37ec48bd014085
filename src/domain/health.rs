//! Alignment health (SPEC §6): the warning signs that the CEO and the COO no
//! longer see the same programme. Pure rules over what the two executives
//! wrote, stated and rated; the pages show each sign with its evidence.

use chrono::{DateTime, Duration, Utc};

use super::metrics::{Status, Unit};

// ---------------------------------------------------------------------------
// 1. Different words for the same programme.

/// Words and phrases that frame the programme as a change of the business
/// itself. Written as stems: each matches its word forms ("transform"
/// matches transforms, transformed, transforming, transformation).
pub const TRANSFORMATION_TERMS: &[&str] = &[
    "transform",
    "reinvent",
    "reimagin",
    "rethink",
    "redesign",
    "reshap",
    "new operating model",
    "operating model",
    "business model",
    "competitive position",
    "competitive advantage",
    "differentiat",
    "strategic",
    "strategy",
    "growth",
    "new market",
    "customer experience",
    "future of",
    "how we run",
    "how we work",
    "change how",
];

/// Words and phrases that frame it as putting a tool in place.
pub const IMPLEMENTATION_TERMS: &[&str] = &[
    "automat",
    "tool",
    "platform rollout",
    "rollout",
    "roll out",
    "project",
    "efficien",
    "cost saving",
    "cost reduction",
    "cut cost",
    "headcount",
    "productivity",
    "pilot",
    "implement",
    "install",
    "system upgrade",
    "software",
    "it initiative",
];

/// Words that turn the framing of the next few words around ("not just a
/// cost project", "more than an automation tool").
pub const NEGATIONS: &[&str] = &[
    "not", "no", "never", "beyond", "than", "isn't", "isnt", "nor",
];

/// How many words after a negation it reaches.
const NEGATION_REACH: usize = 4;

/// How a sentence frames the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A change of how the business works and competes.
    Transformation,
    /// A tool or project being put in place.
    Implementation,
    /// Both, equally.
    Mixed,
    /// Neither (or nothing written).
    Unclear,
}

impl Framing {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Framing::Transformation => "transformation-framed",
            Framing::Implementation => "implementation-framed",
            Framing::Mixed => "mixed",
            Framing::Unclear => "unclear",
        }
    }
}

/// A sentence's framing and the words that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub framing: Framing,
    /// Terms counted towards transformation (negated implementation terms included, marked "not …").
    pub transformation: Vec<String>,
    /// Terms counted towards implementation.
    pub implementation: Vec<String>,
}

fn words(sentence: &str) -> Vec<String> {
    sentence
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_owned())
        .collect()
}

/// Whether the words at `at` start with `term` (each term word a prefix of
/// the sentence's word, so stems match their forms).
fn matches_at(words: &[String], at: usize, term: &str) -> usize {
    let mut matched = 0;
    for part in term.split(' ') {
        let Some(word) = words.get(at + matched) else {
            return 0;
        };
        // Short words must match whole ("it", "tool"s); stems may grow.
        let fits = if part.len() <= 3 {
            word == part
        } else {
            word.starts_with(part)
        };
        if !fits {
            return 0;
        }
        matched += 1;
    }
    matched
}

/// Sorts a sentence as transformation- or implementation-framed.
pub fn classify(sentence: &str) -> Classified {
    let words = words(sentence);
    let mut result = Classified {
        framing: Framing::Unclear,
        transformation: Vec::new(),
        implementation: Vec::new(),
    };
    let mut negated_until = 0;
    let mut at = 0;
    while at < words.len() {
        if NEGATIONS.contains(&words[at].as_str()) {
            negated_until = at + 1 + NEGATION_REACH;
            at += 1;
            continue;
        }
        let negated = at < negated_until;
        // A term can only match a word that starts with its first letter:
        // the rest are not tried (most words match no term at all).
        let first = words[at].as_bytes().first();
        let hit = |terms: &[&str]| {
            terms
                .iter()
                .filter(|term| term.as_bytes().first() == first)
                .map(|term| matches_at(&words, at, term))
                .max()
                .filter(|n| *n > 0)
        };
        let found = hit(TRANSFORMATION_TERMS)
            .map(|n| (n, true))
            .or_else(|| hit(IMPLEMENTATION_TERMS).map(|n| (n, false)));
        if let Some((n, transformation)) = found {
            let text = words[at..at + n].join(" ");
            match (transformation, negated) {
                (true, false) => result.transformation.push(text),
                (false, false) => result.implementation.push(text),
                (true, true) => result.implementation.push(format!("not {text}")),
                (false, true) => result.transformation.push(format!("not {text}")),
            }
            at += n;
        } else {
            at += 1;
        }
    }
    result.framing = match (result.transformation.len(), result.implementation.len()) {
        (0, 0) => Framing::Unclear,
        (t, i) if t > i => Framing::Transformation,
        (t, i) if i > t => Framing::Implementation,
        _ => Framing::Mixed,
    };
    result
}

/// Whether two framings disagree: one transformation, the other implementation.
pub fn disagree(a: Framing, b: Framing) -> bool {
    matches!(
        (a, b),
        (Framing::Transformation, Framing::Implementation)
            | (Framing::Implementation, Framing::Transformation)
    )
}

// ---------------------------------------------------------------------------
// 3. The CEO does not know the primary metric.

/// How far a pulse check may be off before it is a sign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Percentage points (for percentages).
    Points(f64),
    /// A share of the true figure (otherwise).
    Relative(f64),
}

impl Tolerance {
    /// The default for a unit: 5 points for percentages, 10 % otherwise.
    pub fn default_for(unit: Unit) -> Tolerance {
        match unit {
            Unit::Percent => Tolerance::Points(5.0),
            _ => Tolerance::Relative(0.10),
        }
    }

    /// The tolerance for a unit, with the programme's setting (a number of
    /// points for percentages, a fraction otherwise) if it has one.
    pub fn for_unit(unit: Unit, setting: Option<f64>) -> Tolerance {
        match (unit, setting) {
            (Unit::Percent, Some(points)) => Tolerance::Points(points),
            (_, Some(share)) => Tolerance::Relative(share),
            (unit, None) => Tolerance::default_for(unit),
        }
    }

    /// Whether `stated` is further from `actual` than this allows.
    pub fn exceeded(self, stated: f64, actual: f64) -> bool {
        match self {
            Tolerance::Points(points) => (stated - actual).abs() > points + 1e-9,
            Tolerance::Relative(share) => {
                (stated - actual).abs() > share * actual.abs().max(f64::EPSILON) + 1e-9
            }
        }
    }

    /// In words: "5 points", "10 %".
    pub fn describe(self) -> String {
        match self {
            Tolerance::Points(p) => format!("{} points", super::metrics::format_number(p)),
            Tolerance::Relative(s) => format!("{} %", super::metrics::format_number(s * 100.0)),
        }
    }
}

/// A pulse check is due at least this often.
pub const PULSE_EVERY: Duration = Duration::days(35);

/// A pulse check as it was answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseCheck {
    pub at: DateTime<Utc>,
    /// What the CEO said the value is.
    pub stated_value: f64,
    /// What the CEO said the target is.
    pub stated_target: f64,
    /// The value then (none if nothing was recorded yet).
    pub actual_value: Option<f64>,
    /// The target then.
    pub actual_target: f64,
}

impl PulseCheck {
    /// Whether the value or the target was beyond the tolerance.
    pub fn off(&self, tolerance: Tolerance) -> bool {
        self.actual_value
            .is_some_and(|actual| tolerance.exceeded(self.stated_value, actual))
            || tolerance.exceeded(self.stated_target, self.actual_target)
    }
}

/// What is wrong with the CEO's knowledge of the primary metric, if anything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PulseProblem {
    /// The last pulse was beyond the tolerance.
    Gap(PulseCheck),
    /// No pulse for longer than [`PULSE_EVERY`]; since when it is overdue.
    Missing(DateTime<Utc>),
}

/// Whether a pulse check is overdue at `now`, the last one (or, if none,
/// the programme's start) having been at `last`.
pub fn pulse_overdue(last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now > last + PULSE_EVERY
}

/// The pulse rule: the latest check off by more than the tolerance, or none
/// for more than 35 days (counted from `since` when there was never one).
pub fn pulse_problem(
    latest: Option<&PulseCheck>,
    tolerance: Tolerance,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<PulseProblem> {
    let last = latest.map_or(since, |p| p.at);
    if pulse_overdue(last, now) {
        return Some(PulseProblem::Missing(last + PULSE_EVERY));
    }
    latest
        .filter(|p| p.off(tolerance))
        .map(|p| PulseProblem::Gap(*p))
}

// ---------------------------------------------------------------------------
// 4. Blind status ratings.

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    /// Every rating, in the form's order.
    pub const ALL: [Rag; 3] = [Rag::Green, Rag::Amber, Rag::Red];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Rag> {
        Rag::ALL.into_iter().find(|r| r.as_str() == text)
    }

    fn step(self) -> i32 {
        match self {
            Rag::Red => 0,
            Rag::Amber => 1,
            Rag::Green => 2,
        }
    }

    /// How many steps apart two ratings are.
    pub fn steps_from(self, other: Rag) -> i32 {
        (self.step() - other.step()).abs()
    }

    /// What the dashboard's statuses say: red when the primary metric is
    /// off track or most metrics are; amber when any is off or near; green
    /// otherwise.
    pub fn of_dashboard(primary: Option<Status>, statuses: &[Status]) -> Rag {
        let off = statuses.iter().filter(|s| **s == Status::Off).count();
        let measured = statuses
            .iter()
            .filter(|s| matches!(s, Status::On | Status::Near | Status::Off))
            .count();
        if primary == Some(Status::Off) || (measured > 0 && off * 2 > measured) {
            Rag::Red
        } else if statuses
            .iter()
            .any(|s| matches!(s, Status::Off | Status::Near))
        {
            Rag::Amber
        } else {
            Rag::Green
        }
    }
}

/// One round of ratings (a week, or a month after go-live).
#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    /// The round ("2026-W47", "2026-11").
    pub key: String,
    /// The CEO's rating.
    pub ceo: Option<Rag>,
    /// The COO's rating.
    pub coo: Option<Rag>,
    /// What the dashboard said when the last of the two rated.
    pub dashboard: Option<Rag>,
}

impl Round {
    /// Both are in: the ratings may be shown.
    pub fn complete(&self) -> bool {
        self.ceo.is_some() && self.coo.is_some()
    }

    /// The gap between the two, when both are in.
    pub fn gap(&self) -> Option<i32> {
        Some(self.ceo?.steps_from(self.coo?))
    }
}

/// What the ratings show, if it is a sign.
#[derive(Debug, Clone, PartialEq)]
pub enum RatingProblem {
    /// Two steps apart in the latest round.
    FarApart(String),
    /// One step apart three rounds running.
    ApartThreeTimes(Vec<String>),
    /// A rating two steps from what the dashboard says.
    FarFromData(String),
}

/// The ratings rule over rounds in order (only complete rounds count).
pub fn rating_problem(rounds: &[Round]) -> Option<RatingProblem> {
    let complete: Vec<&Round> = rounds.iter().filter(|r| r.complete()).collect();
    let latest = complete.last()?;
    if latest.gap() == Some(2) {
        return Some(RatingProblem::FarApart(latest.key.clone()));
    }
    if complete.len() >= 3
        && complete[complete.len() - 3..]
            .iter()
            .all(|r| r.gap() == Some(1))
    {
        return Some(RatingProblem::ApartThreeTimes(
            complete[complete.len() - 3..]
                .iter()
                .map(|r| r.key.clone())
                .collect(),
        ));
    }
    let far = |rating: Option<Rag>| matches!((rating, latest.dashboard), (Some(r), Some(d)) if r.steps_from(d) >= 2);
    if far(latest.ceo) || far(latest.coo) {
        return Some(RatingProblem::FarFromData(latest.key.clone()));
    }
    None
}

/// The warning signs, as the badge counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// 1. The two sentences frame the programme differently.
    DifferentWords,
    /// 2. The COO answers to the CTO on AI, or the matrix routes a COO responsibility through the CTO.
    RoutedThroughCto,
    /// 3. The CEO does not know the primary metric.
    PulseOff,
    /// 4. The blind ratings disagree with each other or with the data.
    RatingsApart,
    /// 5. A serious incident went unacknowledged past its clock.
    IncidentUnacknowledged,
}

impl Sign {
    /// Every sign, in the page's order.
    pub const ALL: [Sign; 5] = [
        Sign::DifferentWords,
        Sign::RoutedThroughCto,
        Sign::PulseOff,
        Sign::RatingsApart,
        Sign::IncidentUnacknowledged,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Sign::DifferentWords => "different_words",
            Sign::RoutedThroughCto => "routed_through_cto",
            Sign::PulseOff => "pulse",
            Sign::RatingsApart => "ratings",
            Sign::IncidentUnacknowledged => "incident",
        }
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Sign::DifferentWords => "Different words for the same programme",
            Sign::RoutedThroughCto => "The COO routed through the CTO",
            Sign::PulseOff => "The CEO does not know the primary metric",
            Sign::RatingsApart => "The blind ratings disagree",
            Sign::IncidentUnacknowledged => "A serious incident not acknowledged in time",
        }
    }
}

/// What the signs are judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The CEO's latest sentence.
    pub ceo_sentence: Option<String>,
    /// The COO's latest sentence.
    pub coo_sentence: Option<String>,
    /// The COO does not answer to the CEO on AI.
    pub line_warning: bool,
    /// The matrix makes the CTO accountable for a COO responsibility.
    pub matrix_routed: bool,
    /// The latest pulse check.
    pub pulse: Option<PulseCheck>,
    pub tolerance: Tolerance,
    /// Since when a pulse is expected if there was never one.
    pub pulse_since: DateTime<Utc>,
    /// The rating rounds, oldest first.
    pub rounds: Vec<Round>,
    /// The earliest clock of a serious incident not yet acknowledged by both.
    pub incident_due_at: Option<DateTime<Utc>>,
}

/// The signs standing at `now`.
pub fn signs(inputs: &Inputs, now: DateTime<Utc>) -> Vec<Sign> {
    let framing = |s: &Option<String>| {
        s.as_deref()
            .map_or(Framing::Unclear, |s| classify(s).framing)
    };
    let mut signs = Vec::new();
    if disagree(framing(&inputs.ceo_sentence), framing(&inputs.coo_sentence)) {
        signs.push(Sign::DifferentWords);
    }
    if inputs.line_warning || inputs.matrix_routed {
        signs.push(Sign::RoutedThroughCto);
    }
    if pulse_problem(
        inputs.pulse.as_ref(),
        inputs.tolerance,
        inputs.pulse_since,
        now,
    )
    .is_some()
    {
        signs.push(Sign::PulseOff);
    }
    if rating_problem(&inputs.rounds).is_some() {
        signs.push(Sign::RatingsApart);
    }
    if inputs.incident_due_at.is_some_and(|due| due <= now) {
        signs.push(Sign::IncidentUnacknowledged);
    }
    signs
}

/// The badge: clear, one sign, or several.
pub fn badge(count: usize) -> (&'static str, &'static str) {
    match count {
        0 => ("Clear", "tag-ok"),
        1 => ("One sign", "tag-warn"),
        _ => ("Several signs", "tag-bad"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classifier_sorts_thirty_sentences() {
        use Framing::*;
        let table: &[(&str, Framing)] = &[
            (
                "We are transforming how Halden runs its back office.",
                Transformation,
            ),
            ("A new operating model for finance.", Transformation),
            ("This reinvents how we serve our customers.", Transformation),
            (
                "It strengthens our competitive position for the next decade.",
                Transformation,
            ),
            (
                "The programme reshapes the business model of freight.",
                Transformation,
            ),
            (
                "We are reimagining the customer experience end to end.",
                Transformation,
            ),
            ("A strategic bet on growth in new markets.", Transformation),
            (
                "It changes how we work, not just what tools we use.",
                Transformation,
            ),
            (
                "Not just a cost project: a transformation of the company.",
                Transformation,
            ),
            ("This is more than an automation tool.", Transformation),
            ("It is not a software rollout.", Transformation),
            (
                "Redesigning the order-to-cash process around agents.",
                Transformation,
            ),
            (
                "An automation project to cut costs in accounts payable.",
                Implementation,
            ),
            (
                "We roll out the agent platform to three entities.",
                Implementation,
            ),
            (
                "A tool that makes the invoice team more efficient.",
                Implementation,
            ),
            (
                "The platform rollout is on time and on budget.",
                Implementation,
            ),
            (
                "Automating invoice matching for efficiency gains.",
                Implementation,
            ),
            (
                "A pilot of AI agents in the finance department.",
                Implementation,
            ),
            (
                "Implementing the new matching software by March.",
                Implementation,
            ),
            ("It delivers cost savings and productivity.", Implementation),
            ("Headcount reduction through automation.", Implementation),
            (
                "Not a transformation, just an efficiency project.",
                Implementation,
            ),
            ("A system upgrade for the AP team.", Implementation),
            ("We automate to transform.", Mixed),
            ("A transformation delivered as a project.", Mixed),
            ("", Unclear),
            ("   ", Unclear),
            ("Agents help our people.", Unclear),
            ("The CFO is happy.", Unclear),
            (
                "Transformation, transformation, transformation — with one tool.",
                Transformation,
            ),
            (
                "Efficiency, efficiency, and a strategic angle.",
                Implementation,
            ),
        ];
        assert!(table.len() >= 30);
        for (sentence, expected) in table {
            let got = classify(sentence);
            assert_eq!(got.framing, *expected, "{sentence:?}: {got:?}");
        }
        let negated = classify("Not just a cost project.");
        assert_eq!(negated.transformation, vec!["not project".to_owned()]);
        assert!(disagree(Transformation, Implementation));
        assert!(!disagree(Transformation, Mixed));
        assert!(!disagree(Unclear, Implementation));
    }

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-01T09:00:00Z")
            .unwrap()
            .to_utc()
            + Duration::days(days)
    }

    #[test]
    fn the_pulse_rule_uses_the_tolerance_and_35_days() {
        let percent = Tolerance::default_for(Unit::Percent);
        let check = |value: f64, target: f64| PulseCheck {
            at: at(0),
            stated_value: value,
            stated_target: target,
            actual_value: Some(51.3),
            actual_target: 70.0,
        };
        assert!(!check(55.0, 70.0).off(percent), "3.7 points is within 5");
        assert!(check(57.0, 70.0).off(percent), "5.7 points is not");
        assert!(check(51.0, 80.0).off(percent), "the target counts too");
        let euros = Tolerance::default_for(Unit::Currency);
        assert!(!euros.exceeded(1.9, 2.04) && euros.exceeded(1.8, 2.04));
        assert_eq!(
            Tolerance::for_unit(Unit::Percent, Some(2.0)),
            Tolerance::Points(2.0)
        );

        let good = check(53.0, 70.0);
        assert_eq!(pulse_problem(Some(&good), percent, at(-90), at(30)), None);
        assert_eq!(
            pulse_problem(Some(&good), percent, at(-90), at(36)),
            Some(PulseProblem::Missing(at(35)))
        );
        let bad = check(60.0, 70.0);
        assert_eq!(
            pulse_problem(Some(&bad), percent, at(-90), at(1)),
            Some(PulseProblem::Gap(bad))
        );
        assert_eq!(
            pulse_problem(None, percent, at(0), at(20)),
            None,
            "a new programme has 35 days"
        );
        assert!(matches!(
            pulse_problem(None, percent, at(0), at(40)),
            Some(PulseProblem::Missing(_))
        ));
    }

    fn round(key: &str, ceo: Option<Rag>, coo: Option<Rag>, dashboard: Rag) -> Round {
        Round {
            key: key.into(),
            ceo,
            coo,
            dashboard: Some(dashboard),
        }
    }

    #[test]
    fn ratings_apart_by_two_or_by_one_three_times_or_far_from_the_data() {
        use Rag::*;
        assert_eq!(rating_problem(&[]), None);
        let far = [round("W1", Some(Green), Some(Red), Amber)];
        assert_eq!(
            rating_problem(&far),
            Some(RatingProblem::FarApart("W1".into()))
        );
        let one = |k: &str| round(k, Some(Green), Some(Amber), Green);
        assert_eq!(rating_problem(&[one("W1"), one("W2")]), None);
        assert!(matches!(
            rating_problem(&[one("W1"), one("W2"), one("W3")]),
            Some(RatingProblem::ApartThreeTimes(keys)) if keys.len() == 3
        ));
        // An incomplete round is not counted (and shows nothing).
        let open = round("W4", Some(Green), None, Green);
        assert!(!open.complete());
        assert!(rating_problem(&[one("W1"), one("W2"), open.clone()]).is_none());
        let agreed_but_wrong = [round("W1", Some(Green), Some(Green), Red)];
        assert_eq!(
            rating_problem(&agreed_but_wrong),
            Some(RatingProblem::FarFromData("W1".into()))
        );
        assert_eq!(Rag::of_dashboard(Some(Status::Off), &[Status::On]), Red);
        assert_eq!(
            Rag::of_dashboard(Some(Status::On), &[Status::On, Status::Near]),
            Amber
        );
        assert_eq!(
            Rag::of_dashboard(Some(Status::On), &[Status::On, Status::NoData]),
            Green
        );
        assert_eq!(badge(0).0, "Clear");
        assert_eq!(badge(3).0, "Several signs");
    }
}
