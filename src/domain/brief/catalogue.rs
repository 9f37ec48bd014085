//! The brief's sections, in the order it reads: who owns each and what
//! fields it holds; and the metrics a new programme starts with.

use serde_json::Value;

use super::{Column, Content, Field, Kind, Owner, Section};

const fn scalar(key: &'static str, label: &'static str, hint: &'static str, kind: Kind) -> Field {
    Field {
        key,
        label,
        hint,
        kind: Some(kind),
        columns: &[],
        csv_paste: false,
    }
}

const fn table(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    columns: &'static [Column],
    csv_paste: bool,
) -> Field {
    Field {
        key,
        label,
        hint,
        kind: None,
        columns,
        csv_paste,
    }
}

/// Keys of the joint sections' side-by-side inputs.
pub const CEO_INPUT: &str = "ceo_input";
/// See [`CEO_INPUT`].
pub const COO_INPUT: &str = "coo_input";

/// The section whose table lists the brief's processes.
pub const PROCESS_SCOPE: &str = "process_scope";

const YES_NO: &[(&str, &str)] = &[("no", "No"), ("yes", "Yes")];

/// The columns that define a dashboard metric.
const METRIC_COLUMNS: &[Column] = &[
    Column {
        key: "name",
        label: "Metric",
        kind: Kind::Line(120),
    },
    Column {
        key: "unit",
        label: "Unit",
        kind: Kind::Choice(crate::domain::metrics::Unit::CHOICES),
    },
    Column {
        key: "direction",
        label: "Direction",
        kind: Kind::Choice(crate::domain::metrics::Direction::CHOICES),
    },
    Column {
        key: "baseline",
        label: "Baseline",
        kind: Kind::Decimal,
    },
    Column {
        key: "baseline_date",
        label: "Baseline date",
        kind: Kind::Date,
    },
    Column {
        key: "target",
        label: "Target",
        kind: Kind::Decimal,
    },
    Column {
        key: "target_date",
        label: "Target date",
        kind: Kind::Date,
    },
    Column {
        key: "cadence",
        label: "Cadence",
        kind: Kind::Choice(crate::domain::metrics::Cadence::CHOICES),
    },
];

/// The operational metrics' columns: the same, and which one is primary.
const METRIC_COLUMNS_WITH_PRIMARY: &[Column] = &[
    METRIC_COLUMNS[0],
    METRIC_COLUMNS[1],
    METRIC_COLUMNS[2],
    METRIC_COLUMNS[3],
    METRIC_COLUMNS[4],
    METRIC_COLUMNS[5],
    METRIC_COLUMNS[6],
    METRIC_COLUMNS[7],
    Column {
        key: "primary",
        label: "Primary",
        kind: Kind::Choice(YES_NO),
    },
];

const HORIZONS: &[(&str, &str)] = &[
    ("efficiency_12m", "A 12-month efficiency programme"),
    ("transformation_multi_year", "A multi-year transformation"),
];
/// How the programme gets its agents.
pub const BUILD_BUY: &[(&str, &str)] =
    &[("build", "Build"), ("buy", "Buy"), ("partner", "Partner")];
/// The levels of governance complexity a process may have.
pub const COMPLEXITY: &[(&str, &str)] = &[("low", "Low"), ("medium", "Medium"), ("high", "High")];
/// How far an agent may act alone on a type of decision.
pub const AUTONOMY: &[(&str, &str)] = &[
    ("acts_alone", "Acts alone"),
    ("acts_and_logs", "Acts and logs"),
    ("proposes", "Proposes; a person approves"),
    ("escalates", "Escalates to a person"),
];
/// People who may override an agent. Only roles held by people are offered:
/// an agent can never be the accountable party.
pub const OVERRIDE_ROLES: &[(&str, &str)] = &[
    ("process_owner", "Process owner"),
    ("team_lead", "Team lead"),
    ("coo", "COO"),
    ("cfo", "CFO"),
    ("cto", "CTO"),
    ("risk_officer", "Risk officer"),
    ("compliance_officer", "Compliance officer"),
];

/// Every section, in the order the brief reads.
pub static SECTIONS: &[Section] = &[
    Section {
        key: "competitive_ambition",
        title: "Competitive ambition",
        owner: Owner::Ceo,
        purpose: "How large an advantage the programme is meant to build, and over what horizon.",
        fields: &[
            scalar(
                "horizon",
                "Horizon",
                "The choice shapes investment, scope and the pace of expansion.",
                Kind::Choice(HORIZONS),
            ),
            scalar(
                "statement",
                "The ambition",
                "In the CEO's words: what changes for customers, costs and competitors.",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: "board_narrative",
        title: "Board narrative",
        owner: Owner::Ceo,
        purpose: "The story the board hears, owned by the CEO rather than a slide deck.",
        fields: &[
            scalar(
                "strategic_logic",
                "Strategic logic",
                "Why agents, why now, why this programme.",
                Kind::Prose,
            ),
            scalar(
                "three_year_plan",
                "Link to the three-year plan",
                "",
                Kind::Prose,
            ),
            scalar(
                "cost_of_delay",
                "What moving slower would cost",
                "",
                Kind::Prose,
            ),
            scalar(
                "investment_and_return",
                "Investment and expected return",
                "",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: "build_buy_partner",
        title: "Build, buy or partner",
        owner: Owner::Ceo,
        purpose: "A capital-allocation decision the CEO makes, with the CTO's advice on record.",
        fields: &[
            scalar("choice", "Decision", "", Kind::Choice(BUILD_BUY)),
            scalar(
                "rationale",
                "Rationale",
                "Cost, risk, speed and what sets the company apart.",
                Kind::Prose,
            ),
            scalar(
                "cto_input",
                "The CTO's input",
                "What the CTO advised, in summary.",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: "workforce_commitment",
        title: "Workforce commitment",
        owner: Owner::Ceo,
        purpose: "The CEO's public promise to staff about how the change affects them.",
        fields: &[
            scalar(
                "what_changes",
                "What changes",
                "Which roles change, and how.",
                Kind::Prose,
            ),
            scalar(
                "what_is_offered",
                "What is offered",
                "Reskilling, new roles, support.",
                Kind::Prose,
            ),
            scalar(
                "obligations",
                "What the company owes its people",
                "",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: PROCESS_SCOPE,
        title: "Process scope and sequencing",
        owner: Owner::Coo,
        purpose: "Which processes agents take on, in what order, and why.",
        fields: &[table(
            "processes",
            "Processes, in deployment order",
            "Each process is a record the governance framework and the expansion pipeline refer to; the sequence and figures as last signed are the pipeline's plan.",
            &[
                Column {
                    key: "name",
                    label: "Process",
                    kind: Kind::Line(120),
                },
                Column {
                    key: "monthly_volume",
                    label: "Volume per month",
                    kind: Kind::Count,
                },
                Column {
                    key: "expected_roi",
                    label: "Expected ROI %",
                    kind: Kind::Percent,
                },
                Column {
                    key: "complexity",
                    label: "Governance complexity",
                    kind: Kind::Choice(COMPLEXITY),
                },
                Column {
                    key: "expected_go_live",
                    label: "Expected go-live",
                    kind: Kind::Date,
                },
                Column {
                    key: "investment",
                    label: "Investment required (€)",
                    kind: Kind::Money,
                },
                Column {
                    key: "expected_benefit",
                    label: "Expected benefit per year (€)",
                    kind: Kind::Money,
                },
                Column {
                    key: "rationale",
                    label: "Why in this position",
                    kind: Kind::Line(300),
                },
            ],
            false,
        )],
    },
    Section {
        key: "governance_framework",
        title: "Governance framework",
        owner: Owner::Coo,
        purpose: "Who decides what once agents do the work: for each process, a decision authority matrix.",
        fields: &[table(
            "decisions",
            "Decision authority matrix",
            "One row per process and type of decision. Only people can override an agent.",
            &[
                Column {
                    key: "process",
                    label: "Process",
                    kind: Kind::Process,
                },
                Column {
                    key: "decision",
                    label: "Decision type",
                    kind: Kind::Line(160),
                },
                Column {
                    key: "autonomy",
                    label: "Agent autonomy",
                    kind: Kind::Choice(AUTONOMY),
                },
                Column {
                    key: "threshold",
                    label: "Confidence below which it may not act alone (%)",
                    kind: Kind::Percent,
                },
                Column {
                    key: "override",
                    label: "Who may override",
                    kind: Kind::Choice(OVERRIDE_ROLES),
                },
                Column {
                    key: "audit",
                    label: "What the audit trail keeps",
                    kind: Kind::Line(300),
                },
            ],
            false,
        )],
    },
    Section {
        key: "team_transition",
        title: "Team transition plan",
        owner: Owner::Coo,
        purpose: "How the COO takes the teams through the change, person by person.",
        fields: &[
            scalar("role_redesign", "Role redesign", "", Kind::Prose),
            scalar("reskilling", "Reskilling", "", Kind::Prose),
            scalar(
                "change_communication",
                "Change communication",
                "",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: "operational_metrics",
        title: "Operational metrics",
        owner: Owner::Coo,
        purpose: "The measures the COO owns and reports to the CEO: the operational half of the shared dashboard.",
        fields: &[table(
            "metrics",
            "Metrics",
            "Each metric runs in a straight line from its baseline (on the baseline date) to its target (on the target date); the dashboard measures progress along that line. Mark exactly one as the primary metric.",
            METRIC_COLUMNS_WITH_PRIMARY,
            false,
        )],
    },
    Section {
        key: "investment",
        title: "Investment level and phasing",
        owner: Owner::Joint,
        purpose: "The total budget and how it is released: ambition weighed against what delivery costs.",
        fields: &[
            scalar(
                CEO_INPUT,
                "The CEO's input",
                "Ambition, competitive urgency, the board's appetite.",
                Kind::Prose,
            ),
            scalar(
                COO_INPUT,
                "The COO's input",
                "Delivery cost, operational impact, people and resources.",
                Kind::Prose,
            ),
            scalar(
                "total_budget",
                "Total budget",
                "The joint decision, in whole currency units.",
                Kind::Money,
            ),
            scalar(
                "phasing",
                "Phasing",
                "How the budget is released over time.",
                Kind::Prose,
            ),
        ],
    },
    Section {
        key: "timeline",
        title: "Timeline",
        owner: Owner::Joint,
        purpose: "The go-live dates committed inside the company and in public.",
        fields: &[
            scalar(
                CEO_INPUT,
                "The CEO's input",
                "The competitive clock, board cycle, announcements.",
                Kind::Prose,
            ),
            scalar(
                COO_INPUT,
                "The COO's input",
                "A realistic plan, governance work, team readiness.",
                Kind::Prose,
            ),
            scalar("internal_go_live", "Internal go-live", "", Kind::Date),
            scalar("public_go_live", "Public go-live", "", Kind::Date),
        ],
    },
    Section {
        key: "success_metrics",
        title: "Success metrics",
        owner: Owner::Joint,
        purpose: "The shared dashboard both executives answer to at the monthly ExCo.",
        fields: &[
            scalar(
                CEO_INPUT,
                "The CEO's input",
                "Business results: revenue, margin, competitive position.",
                Kind::Prose,
            ),
            scalar(
                COO_INPUT,
                "The COO's input",
                "Operational results: efficiency, quality, capacity.",
                Kind::Prose,
            ),
            scalar(
                "dashboard",
                "The shared dashboard",
                "The joint decision: which measures, which targets, reviewed monthly.",
                Kind::Prose,
            ),
            table(
                "business_metrics",
                "Business metrics",
                "The CEO's measures on the shared dashboard, defined like the operational ones; the operational metrics section holds the COO's.",
                METRIC_COLUMNS,
                false,
            ),
        ],
    },
    Section {
        key: "workforce_communication",
        title: "Workforce communication",
        owner: Owner::Joint,
        purpose: "What staff hear, from whom and when, so promise and plan say the same.",
        fields: &[
            scalar(
                CEO_INPUT,
                "The CEO's input",
                "The content and tone of the public commitment.",
                Kind::Prose,
            ),
            scalar(
                COO_INPUT,
                "The COO's input",
                "The implementation plan and the reskilling investment.",
                Kind::Prose,
            ),
            scalar(
                "content",
                "What we tell staff",
                "The joint decision.",
                Kind::Prose,
            ),
            scalar("schedule", "When and how", "", Kind::Prose),
        ],
    },
    Section {
        key: "business_case",
        title: "Business case",
        owner: Owner::Joint,
        purpose: "Planned investment and benefit per month: what the dashboard will hold actuals against.",
        fields: &[table(
            "months",
            "Plan by month",
            "Paste from a spreadsheet as CSV (month, investment, benefit), or type row by row.",
            &[
                Column {
                    key: "month",
                    label: "Month (YYYY-MM)",
                    kind: Kind::Month,
                },
                Column {
                    key: "investment",
                    label: "Planned investment",
                    kind: Kind::Money,
                },
                Column {
                    key: "benefit",
                    label: "Planned benefit",
                    kind: Kind::Money,
                },
            ],
            true,
        )],
    },
];

/// The dashboard a new programme starts with: the framework's five
/// operational and three business metrics, measured from `start` to a year
/// later. Baselines and targets are left for the executives to set.
pub fn default_metric_sections(start: chrono::NaiveDate) -> Vec<(&'static str, Content)> {
    let end = start + chrono::Duration::days(365);
    let row = |id: &str,
               name: &str,
               unit: &str,
               direction: &str,
               cadence: &str,
               primary: Option<&str>| {
        let mut row = serde_json::json!({
            "id": id, "name": name, "unit": unit, "direction": direction,
            "baseline": "", "baseline_date": start.to_string(),
            "target": "", "target_date": end.to_string(), "cadence": cadence,
        });
        if let Some(primary) = primary {
            row["primary"] = Value::String(primary.to_owned());
        }
        row
    };
    let operational = serde_json::json!({ "metrics": [
        row("automated-processing-rate", "Automated processing rate", "percent", "higher", "weekly", Some("yes")),
        row("exception-rate", "Exception rate", "percent", "lower", "weekly", Some("no")),
        row("cycle-time", "Cycle time", "hours", "lower", "weekly", Some("no")),
        row("cost-per-transaction", "Cost per transaction", "currency", "lower", "weekly", Some("no")),
        row("error-rate", "Error rate", "percent", "lower", "weekly", Some("no")),
    ]});
    let business = serde_json::json!({
        "ceo_input": "", "coo_input": "", "dashboard": "",
        "business_metrics": [
            row("revenue-impact", "Revenue impact", "currency", "higher", "monthly", None),
            row("operating-margin", "Operating margin", "percent", "higher", "monthly", None),
            row("competitive-position", "Competitive position", "score", "higher", "monthly", None),
        ],
    });
    vec![
        (
            "operational_metrics",
            serde_json::from_value(operational).unwrap_or_default(),
        ),
        (
            "success_metrics",
            serde_json::from_value(business).unwrap_or_default(),
        ),
    ]
}
