//! The deployment brief: its sections (who owns each, what fields they
//! hold), parsing a section's form into content, the canonical hash that
//! signatures rest on, and the difference between two versions of a section.
//!
//! Section content is a JSON object with sorted keys: scalar fields are
//! strings, tables are arrays of string maps. Nothing here does I/O.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Who owns a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Only the CEO edits it.
    Ceo,
    /// Only the COO edits it.
    Coo,
    /// Either edits it; both must then mark it agreed.
    Joint,
}

impl Owner {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Ceo => "ceo",
            Owner::Coo => "coo",
            Owner::Joint => "joint",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Owner::Ceo => "CEO",
            Owner::Coo => "COO",
            Owner::Joint => "Joint: CEO and COO",
        }
    }
}

/// The kind of a scalar field or a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text, at most this many characters.
    Line(usize),
    /// Markdown prose.
    Prose,
    /// One of these (value, label) options.
    Choice(&'static [(&'static str, &'static str)]),
    /// An amount of money, whole units, not negative.
    Money,
    /// A percentage from 0 to 100.
    Percent,
    /// A decimal number, possibly negative (a baseline, a target).
    Decimal,
    /// A whole number, not negative.
    Count,
    /// A date, YYYY-MM-DD.
    Date,
    /// A month, YYYY-MM.
    Month,
    /// A reference to one of the brief's processes (by id).
    Process,
}

/// A column of a table field.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Key in each row.
    pub key: &'static str,
    /// Heading.
    pub label: &'static str,
    /// Kind.
    pub kind: Kind,
}

/// A field of a section.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Key in the content.
    pub key: &'static str,
    /// Label.
    pub label: &'static str,
    /// A line of help shown under the label.
    pub hint: &'static str,
    /// A scalar kind, or `None` for a table.
    pub kind: Option<Kind>,
    /// The table's columns (empty for scalars).
    pub columns: &'static [Column],
    /// Whether a table may be filled by pasting CSV.
    pub csv_paste: bool,
}

impl Field {
    /// Whether this is a table.
    pub fn is_table(&self) -> bool {
        self.kind.is_none()
    }

    /// Whether this is prose (rendered from Markdown).
    pub fn is_prose(&self) -> bool {
        self.kind == Some(Kind::Prose)
    }
}

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

/// A section of the brief.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// Stable key.
    pub key: &'static str,
    /// Title.
    pub title: &'static str,
    /// Owner.
    pub owner: Owner,
    /// What the section is for, in a sentence.
    pub purpose: &'static str,
    /// Its fields.
    pub fields: &'static [Field],
}

impl Section {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.key == key)
    }
}

/// Keys of the joint sections' side-by-side inputs.
pub const CEO_INPUT: &str = "ceo_input";
/// See [`CEO_INPUT`].
pub const COO_INPUT: &str = "coo_input";

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
const BUILD_BUY: &[(&str, &str)] = &[("build", "Build"), ("buy", "Buy"), ("partner", "Partner")];
/// The levels of governance complexity a process may have.
pub const COMPLEXITY: &[(&str, &str)] = &[("low", "Low"), ("medium", "Medium"), ("high", "High")];
const AUTONOMY: &[(&str, &str)] = &[
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
        key: "process_scope",
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

/// The section with this key.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.key == key)
}

/// A section's content: sorted keys, so serialising it is canonical.
pub type Content = BTreeMap<String, Value>;

/// A field's value as text (empty when absent).
pub fn text(content: &Content, key: &str) -> String {
    content
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A table field's rows.
pub fn rows(content: &Content, key: &str) -> Vec<BTreeMap<String, String>> {
    content
        .get(key)
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(Value::as_object)
                .map(|row| {
                    row.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a section has nothing filled in.
pub fn is_empty(content: &Content) -> bool {
    content.values().all(|value| match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(rows) => rows.is_empty(),
        _ => true,
    })
}

/// The processes of a brief (id, name), from its process-scope content.
pub fn processes(process_scope: &Content) -> Vec<(String, String)> {
    rows(process_scope, "processes")
        .into_iter()
        .map(|row| {
            (
                row.get("id").cloned().unwrap_or_default(),
                row.get("name").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// Checks one value of a kind; returns it normalised, or a message.
pub fn check(kind: Kind, raw: &str, processes: &[(String, String)]) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    match kind {
        Kind::Line(max) => {
            if value.chars().count() > max {
                Err(format!("Keep this to {max} characters or fewer."))
            } else if value.chars().any(char::is_control) {
                Err("Use a single line here.".to_owned())
            } else {
                Ok(value.to_owned())
            }
        }
        Kind::Prose => {
            if raw.chars().count() > 20_000 {
                Err("Keep this to 20,000 characters or fewer.".to_owned())
            } else if !crate::markdown::shows_something(raw) {
                Err(
                    "Nothing of this would be shown: tandem removes raw HTML and scripts \
                     for safety. Write it as plain text or Markdown."
                        .to_owned(),
                )
            } else {
                Ok(raw.trim_end().replace("\r\n", "\n"))
            }
        }
        Kind::Choice(options) => options
            .iter()
            .find(|(key, _)| *key == value)
            .map(|(key, _)| (*key).to_owned())
            .ok_or_else(|| "Choose one of the options.".to_owned()),
        Kind::Money | Kind::Count => {
            let digits: String = value
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_'))
                .collect();
            match digits.parse::<u64>() {
                Ok(n) if n <= 1_000_000_000_000 => Ok(n.to_string()),
                _ => Err("Enter a whole number, not negative (separators are fine).".to_owned()),
            }
        }
        Kind::Decimal => {
            let digits: String = value
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_' | '%' | '€' | '$' | '£'))
                .collect();
            match digits.replace('−', "-").parse::<f64>() {
                Ok(n) if n.is_finite() && n.abs() <= 1e12 => Ok(format_number(n)),
                _ => Err("Enter a number, such as 41.5 or -2 (no units).".to_owned()),
            }
        }
        Kind::Percent => match value.trim_end_matches('%').trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(format_number(p)),
            _ => Err("Enter a percentage from 0 to 100.".to_owned()),
        },
        Kind::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|date| date.to_string())
            .map_err(|_| "Enter a date as YYYY-MM-DD.".to_owned()),
        Kind::Month => chrono::NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d")
            .map(|date| date.format("%Y-%m").to_string())
            .map_err(|_| "Enter a month as YYYY-MM.".to_owned()),
        Kind::Process => processes
            .iter()
            .find(|(id, _)| id == value)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| "Choose one of the brief's processes.".to_owned()),
    }
}

fn format_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A value as people read it: option labels, thousands separators, names of
/// processes instead of ids.
pub fn display(kind: Kind, value: &str, processes: &[(String, String)]) -> String {
    if value.is_empty() {
        return String::new();
    }
    match kind {
        Kind::Choice(options) => options
            .iter()
            .find(|(key, _)| *key == value)
            .map_or_else(|| value.to_owned(), |(_, label)| (*label).to_owned()),
        Kind::Money | Kind::Count => thousands(value),
        Kind::Percent => format!("{value} %"),
        Kind::Process => processes.iter().find(|(id, _)| id == value).map_or_else(
            || "(a process no longer in scope)".to_owned(),
            |(_, name)| name.clone(),
        ),
        _ => value.to_owned(),
    }
}

fn thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Blank rows offered under a table for new entries.
pub const BLANK_ROWS: usize = 3;

/// Parses a section's submitted fields into content. Field names:
/// `f.KEY` for scalars; `f.KEY.N.COLUMN`, `f.KEY.N.id` and `f.KEY.N.remove`
/// for table rows; `f.KEY.csv` for pasted CSV, which replaces the table.
/// `new_id` makes ids for new table rows.
pub fn parse(
    section: &Section,
    fields: &BTreeMap<String, String>,
    processes: &[(String, String)],
    mut new_id: impl FnMut() -> String,
) -> Result<Content, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut content = Content::new();
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    for field in section.fields {
        let name = format!("f.{}", field.key);
        if let Some(kind) = field.kind {
            match check(kind, get(&name), processes) {
                Ok(value) => {
                    content.insert(field.key.to_owned(), Value::String(value));
                }
                Err(message) => {
                    errors.insert(name, message);
                }
            }
            continue;
        }
        let pasted = get(&format!("{name}.csv"));
        let raw_rows: Vec<(String, BTreeMap<&str, String>)> =
            if field.csv_paste && !pasted.trim().is_empty() {
                match csv_rows(pasted, field.columns) {
                    Ok(parsed) => parsed.into_iter().map(|row| (String::new(), row)).collect(),
                    Err(message) => {
                        errors.insert(format!("{name}.csv"), message);
                        continue;
                    }
                }
            } else {
                let mut found = Vec::new();
                for index in 0.. {
                    let prefix = format!("{name}.{index}");
                    let present = field
                        .columns
                        .iter()
                        .any(|c| fields.contains_key(&format!("{prefix}.{}", c.key)));
                    if !present {
                        break;
                    }
                    if fields.contains_key(&format!("{prefix}.remove")) {
                        continue;
                    }
                    let row = field
                        .columns
                        .iter()
                        .map(|c| (c.key, get(&format!("{prefix}.{}", c.key)).to_owned()))
                        .collect();
                    found.push((get(&format!("{prefix}.id")).to_owned(), row));
                }
                found
            };
        let mut table = Vec::new();
        for (index, (id, row)) in raw_rows.into_iter().enumerate() {
            if row.values().all(|v| v.trim().is_empty()) {
                continue;
            }
            let mut object = Map::new();
            for column in field.columns {
                match check(column.kind, &row[column.key], processes) {
                    Ok(value) => {
                        object.insert(column.key.to_owned(), Value::String(value));
                    }
                    Err(message) => {
                        errors.insert(
                            format!("{name}.{index}.{}", column.key),
                            format!("Row {}: {message}", index + 1),
                        );
                    }
                }
            }
            let id = if id.is_empty() { new_id() } else { id };
            object.insert("id".to_owned(), Value::String(id));
            table.push(Value::Object(object));
        }
        if field.columns.iter().any(|c| c.key == "primary") {
            let primaries = table
                .iter()
                .filter(|row| row.get("primary").and_then(Value::as_str) == Some("yes"))
                .count();
            if !table.is_empty() && primaries != 1 {
                errors.insert(
                    format!("{name}.0.primary"),
                    format!(
                        "Mark exactly one metric as the primary one ({primaries} are marked now)."
                    ),
                );
            }
        }
        content.insert(field.key.to_owned(), Value::Array(table));
    }
    if errors.is_empty() {
        Ok(content)
    } else {
        Err(errors)
    }
}

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

/// Reads pasted CSV (comma, semicolon or tab separated; an optional header
/// row) into rows in column order.
fn csv_rows(text: &str, columns: &[Column]) -> Result<Vec<BTreeMap<&'static str, String>>, String> {
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .find(|d| {
            text.lines()
                .next()
                .is_some_and(|line| line.as_bytes().contains(d))
        })
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|error| format!("Line {}: {error}", line + 1))?;
        let first = record.get(0).unwrap_or_default().trim();
        if line == 0 && !first.is_empty() && !first.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // a header row
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            return Err(format!(
                "Line {} has {} values; expected {} ({}).",
                line + 1,
                record.len(),
                columns.len(),
                columns
                    .iter()
                    .map(|c| c.label)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push(
            columns
                .iter()
                .zip(record.iter())
                .map(|(c, v)| (c.key, v.trim().to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

/// A draft frozen into a version: every section of the catalogue (empty
/// ones included) with its content and hash, in catalogue order, and the
/// version hash over them. Hashes are computed here and nowhere else.
#[derive(Debug, Clone)]
pub struct Frozen {
    /// The sections, in catalogue order.
    pub sections: Vec<FrozenPart>,
    /// SHA-256 over the lines "key:hash".
    pub version_hash: String,
}

/// One section of a [`Frozen`] brief.
#[derive(Debug, Clone)]
pub struct FrozenPart {
    /// The section's key.
    pub key: &'static str,
    /// Its owner.
    pub owner: Owner,
    /// Its content.
    pub content: Content,
    /// SHA-256 of its canonical serialisation.
    pub hash: String,
}

impl Frozen {
    /// Freezes the contents `content_of` gives for each section key.
    pub fn of(content_of: impl Fn(&str) -> Content) -> Frozen {
        let sections: Vec<FrozenPart> = SECTIONS
            .iter()
            .map(|section| {
                let content = content_of(section.key);
                FrozenPart {
                    key: section.key,
                    owner: section.owner,
                    hash: section_hash(section.key, section.owner, &content),
                    content,
                }
            })
            .collect();
        let version_hash = version_hash(sections.iter().map(|s| (s.key, s.hash.as_str())));
        Frozen {
            sections,
            version_hash,
        }
    }

    /// Whether a stored version has exactly these sections (keys and hashes, in order).
    pub fn same_as<'a>(&self, stored: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        let stored: Vec<(&str, &str)> = stored.into_iter().collect();
        stored.len() == self.sections.len()
            && stored
                .iter()
                .zip(&self.sections)
                .all(|((key, hash), part)| *key == part.key && *hash == part.hash)
    }
}

/// The SHA-256 of a section's canonical serialisation: its key, owner and
/// content as compact JSON with sorted keys.
pub fn section_hash(section_key: &str, owner: Owner, content: &Content) -> String {
    let canonical = serde_json::json!({
        "content": content,
        "owner": owner.as_str(),
        "section": section_key,
    });
    hex_digest(canonical.to_string().as_bytes())
}

/// The version hash: SHA-256 over the section hashes, in brief order.
pub fn version_hash<'a>(section_hashes: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = String::new();
    for (key, hash) in section_hashes {
        text.push_str(key);
        text.push(':');
        text.push_str(hash);
        text.push('\n');
    }
    hex_digest(text.as_bytes())
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A table field's rows as people read them, one string per column.
pub fn display_rows(
    field: &Field,
    content: &Content,
    processes: &[(String, String)],
) -> Vec<Vec<String>> {
    rows(content, field.key)
        .iter()
        .map(|row| {
            field
                .columns
                .iter()
                .map(|c| {
                    display(
                        c.kind,
                        row.get(c.key).map(String::as_str).unwrap_or_default(),
                        processes,
                    )
                })
                .collect()
        })
        .collect()
}

/// A section's fields as lines of text, for diffs.
pub fn as_lines(
    section: &Section,
    content: &Content,
    processes: &[(String, String)],
) -> Vec<(String, Vec<String>)> {
    section
        .fields
        .iter()
        .map(|field| {
            let lines = match field.kind {
                Some(kind) => display(kind, &text(content, field.key), processes)
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                None => display_rows(field, content, processes)
                    .into_iter()
                    .map(|cells| cells.join(" | "))
                    .collect(),
            };
            (field.label.to_owned(), lines)
        })
        .collect()
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the old.
    Removed(String),
    /// Only in the new.
    Added(String),
}

/// A line diff (longest common subsequence).
pub fn diff_lines(old: &[String], new: &[String]) -> Vec<DiffLine> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if old[i] == new[j] {
            out.push(DiffLine::Same(old[i].clone()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(DiffLine::Removed(old[i].clone()));
            i += 1;
        } else {
            out.push(DiffLine::Added(new[j].clone()));
            j += 1;
        }
    }
    out.extend(old[i..].iter().cloned().map(DiffLine::Removed));
    out.extend(new[j..].iter().cloned().map(DiffLine::Added));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("p{n}")
        }
    }

    #[test]
    fn every_section_of_the_framework_is_there_once() {
        let count = |owner| SECTIONS.iter().filter(|s| s.owner == owner).count();
        assert_eq!(
            (count(Owner::Ceo), count(Owner::Coo), count(Owner::Joint)),
            (4, 4, 5)
        );
        let mut keys: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SECTIONS.len());
        for joint in SECTIONS
            .iter()
            .filter(|s| s.owner == Owner::Joint && s.key != "business_case")
        {
            assert!(
                joint.field(CEO_INPUT).is_some() && joint.field(COO_INPUT).is_some(),
                "{}",
                joint.key
            );
        }
    }

    #[test]
    fn the_same_content_always_gives_the_same_hash_and_any_change_changes_it() {
        let investment = section("investment").unwrap();
        let content = parse(
            investment,
            &form(&[
                ("f.total_budget", "4,200,000"),
                ("f.phasing", "Two tranches"),
            ]),
            &[],
            counter(),
        )
        .unwrap();
        let again = parse(
            investment,
            &form(&[("f.phasing", "Two tranches"), ("f.total_budget", "4200000")]),
            &[],
            counter(),
        )
        .unwrap();
        let hash = section_hash("investment", Owner::Joint, &content);
        assert_eq!(
            hash,
            section_hash("investment", Owner::Joint, &again),
            "field order and separators do not matter"
        );
        assert_eq!(hash.len(), 64);
        // Any change to any field changes it, as does the key or the owner.
        for (field, value) in [
            ("f.total_budget", "4200001"),
            ("f.phasing", "Two tranches."),
            ("f.ceo_input", "x"),
            ("f.coo_input", "x"),
        ] {
            let mut pairs = form(&[("f.total_budget", "4200000"), ("f.phasing", "Two tranches")]);
            pairs.insert(field.to_owned(), value.to_owned());
            let changed = parse(investment, &pairs, &[], counter()).unwrap();
            assert_ne!(
                section_hash("investment", Owner::Joint, &changed),
                hash,
                "{field}"
            );
        }
        assert_ne!(section_hash("timeline", Owner::Joint, &content), hash);
        assert_ne!(section_hash("investment", Owner::Ceo, &content), hash);
        // The version hash depends on every section hash and their order.
        let v = version_hash([("a", "1"), ("b", "2")]);
        assert_eq!(v, version_hash([("a", "1"), ("b", "2")]));
        assert_ne!(v, version_hash([("a", "1"), ("b", "3")]));
        assert_ne!(v, version_hash([("b", "2"), ("a", "1")]));
    }

    #[test]
    fn values_are_checked_and_normalised() {
        assert_eq!(check(Kind::Money, "1 250 000", &[]), Ok("1250000".into()));
        assert!(check(Kind::Money, "-5", &[]).is_err());
        assert_eq!(check(Kind::Percent, "87.50%", &[]), Ok("87.5".into()));
        assert!(check(Kind::Percent, "120", &[]).is_err());
        assert_eq!(check(Kind::Month, "2027-3", &[]), Ok("2027-03".into()));
        assert!(check(Kind::Date, "31/12/2027", &[]).is_err());
        assert!(check(Kind::Choice(BUILD_BUY), "steal", &[]).is_err());
        assert!(
            check(Kind::Choice(OVERRIDE_ROLES), "ai_agent", &[]).is_err(),
            "no agent may override"
        );
        let processes = vec![("p1".to_owned(), "Invoice matching".to_owned())];
        assert_eq!(check(Kind::Process, "p1", &processes), Ok("p1".into()));
        assert!(check(Kind::Process, "p9", &processes).is_err());
        assert_eq!(display(Kind::Money, "1250000", &[]), "1,250,000");
        assert_eq!(display(Kind::Process, "p1", &processes), "Invoice matching");
    }

    #[test]
    fn tables_keep_row_ids_drop_blank_and_removed_rows_and_report_each_bad_cell() {
        let scope = section("process_scope").unwrap();
        let content = parse(
            scope,
            &form(&[
                ("f.processes.0.id", "keep-me"),
                ("f.processes.0.name", "Invoice matching"),
                ("f.processes.0.monthly_volume", "40,000"),
                ("f.processes.0.expected_roi", "35"),
                ("f.processes.0.complexity", "low"),
                ("f.processes.0.rationale", "High volume"),
                ("f.processes.1.name", "Old one"),
                ("f.processes.1.monthly_volume", ""),
                ("f.processes.1.expected_roi", ""),
                ("f.processes.1.complexity", ""),
                ("f.processes.1.rationale", ""),
                ("f.processes.1.remove", "on"),
                ("f.processes.2.name", "Customs paperwork"),
                ("f.processes.2.monthly_volume", ""),
                ("f.processes.2.expected_roi", ""),
                ("f.processes.2.complexity", "medium"),
                ("f.processes.2.rationale", ""),
                ("f.processes.3.name", ""),
                ("f.processes.3.monthly_volume", ""),
                ("f.processes.3.expected_roi", ""),
                ("f.processes.3.complexity", ""),
                ("f.processes.3.rationale", ""),
            ]),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(
            processes(&content),
            vec![
                ("keep-me".into(), "Invoice matching".into()),
                ("p1".into(), "Customs paperwork".into())
            ]
        );

        let errors = parse(
            scope,
            &form(&[
                ("f.processes.0.name", "X"),
                ("f.processes.0.expected_roi", "lots"),
                ("f.processes.0.complexity", "extreme"),
            ]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(errors["f.processes.0.expected_roi"].starts_with("Row 1:"));
        assert!(errors.contains_key("f.processes.0.complexity"));
    }

    #[test]
    fn the_business_case_takes_pasted_csv() {
        let case = section("business_case").unwrap();
        let content = parse(
            case,
            &form(&[(
                "f.months.csv",
                "Month\tInvestment\tBenefit\n2027-01\t250,000\t0\n2027-02\t150000\t40000\n",
            )]),
            &[],
            counter(),
        )
        .unwrap();
        let months = rows(&content, "months");
        assert_eq!(months.len(), 2);
        assert_eq!(months[0]["investment"], "250000");
        assert_eq!(months[1]["month"], "2027-02");
        let error = parse(
            case,
            &form(&[("f.months.csv", "2027-01,5\n")]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(error["f.months.csv"].contains("expected 3"));
        let error = parse(
            case,
            &form(&[("f.months.csv", "2027-13,5,5\n")]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(error.values().any(|m| m.contains("YYYY-MM")));
    }

    #[test]
    fn line_diffs() {
        let old: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let new: Vec<String> = ["a", "c", "d"].map(String::from).to_vec();
        assert_eq!(
            diff_lines(&old, &new),
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into())
            ]
        );
    }
}
