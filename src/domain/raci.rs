//! The responsibility matrix (RACI): its shape, the framework's starting
//! point, the validation rules, and the difference between two versions.
//!
//! A matrix is saved whole, as an immutable version; this module never
//! touches the database.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One letter of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Letter {
    /// Responsible: does the work.
    R,
    /// Accountable: owns the outcome and answers for it.
    A,
    /// Consulted before the decision.
    C,
    /// Informed after the decision.
    I,
}

impl Letter {
    /// Every letter, in RACI order.
    pub const ALL: [Letter; 4] = [Letter::R, Letter::A, Letter::C, Letter::I];

    /// The letter as a string.
    pub fn as_str(self) -> &'static str {
        match self {
            Letter::R => "R",
            Letter::A => "A",
            Letter::C => "C",
            Letter::I => "I",
        }
    }

    /// What the letter means.
    pub fn meaning(self) -> &'static str {
        match self {
            Letter::R => "Responsible — does the work",
            Letter::A => "Accountable — owns the outcome",
            Letter::C => "Consulted — asked before",
            Letter::I => "Informed — told after",
        }
    }

    /// Parses a cell as typed: empty means no letter.
    pub fn parse_cell(input: &str) -> Result<Option<Letter>, String> {
        match input.trim().to_ascii_uppercase().as_str() {
            "" | "-" => Ok(None),
            "R" => Ok(Some(Letter::R)),
            "A" => Ok(Some(Letter::A)),
            "C" => Ok(Some(Letter::C)),
            "I" => Ok(Some(Letter::I)),
            other => Err(format!("{other:?} is not R, A, C or I")),
        }
    }
}

impl fmt::Display for Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of responsibility a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// Only the CEO can own it.
    CeoExclusive,
    /// Only the COO can own it.
    CooExclusive,
    /// The shared zone: the CEO and the COO are both accountable.
    Joint,
    /// Anything else the organisation tracks.
    Other,
}

impl RowKind {
    /// Every kind.
    pub const ALL: [RowKind; 4] = [
        RowKind::CeoExclusive,
        RowKind::CooExclusive,
        RowKind::Joint,
        RowKind::Other,
    ];

    /// The stored and submitted value.
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::CeoExclusive => "ceo_exclusive",
            RowKind::CooExclusive => "coo_exclusive",
            RowKind::Joint => "joint",
            RowKind::Other => "other",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            RowKind::CeoExclusive => "CEO only",
            RowKind::CooExclusive => "COO only",
            RowKind::Joint => "Joint (CEO and COO)",
            RowKind::Other => "Other",
        }
    }

    /// Parses a submitted value.
    pub fn parse(input: &str) -> Result<RowKind, String> {
        RowKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input.trim())
            .ok_or_else(|| "Choose what kind of responsibility this is.".to_owned())
    }
}

/// The role keys the rules know by name.
pub mod roles {
    /// The CEO's column.
    pub const CEO: &str = "ceo";
    /// The COO's column.
    pub const COO: &str = "coo";
    /// The CTO's column.
    pub const CTO: &str = "cto";
}

/// A column: a role in the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// A stable key: `ceo`, `coo`, `cto` for the roles the rules know; any
    /// other key for roles added later.
    pub key: String,
    /// The column heading.
    pub name: String,
    /// Retired roles keep their history but leave the grid.
    #[serde(default)]
    pub retired: bool,
}

/// A row: one responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// A stable key, so that history follows a row through renames.
    pub key: String,
    pub name: String,
    /// One or two sentences.
    pub description: String,
    /// Whose it is.
    pub kind: RowKind,
    /// Retired rows keep their history but leave the grid.
    #[serde(default)]
    pub retired: bool,
    /// Letters by role key.
    pub cells: BTreeMap<String, Letter>,
}

impl Row {
    /// The letter in a role's column.
    pub fn cell(&self, role: &str) -> Option<Letter> {
        self.cells.get(role).copied()
    }
}

/// A whole matrix: its columns and its rows, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub roles: Vec<Role>,
    pub rows: Vec<Row>,
}

impl Matrix {
    /// The columns still in use.
    pub fn active_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().filter(|role| !role.retired)
    }

    /// The rows still in use.
    pub fn active_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| !row.retired)
    }

    /// A role's heading, by key.
    pub fn role_name(&self, key: &str) -> String {
        self.roles
            .iter()
            .find(|role| role.key == key)
            .map_or_else(|| key.to_owned(), |role| role.name.clone())
    }

    /// The framework's starting point for a new programme: the CEO's four
    /// exclusive responsibilities, the COO's four, and the four shared-zone
    /// decisions in which both are accountable.
    pub fn framework_default() -> Matrix {
        use Letter::*;
        let roles = [
            (roles::CEO, "CEO"),
            (roles::COO, "COO"),
            (roles::CTO, "CTO"),
            ("cfo", "CFO"),
            ("board", "Board"),
            ("hr", "HR"),
            ("ops", "Operations leads"),
        ]
        .into_iter()
        .map(|(key, name)| Role {
            key: key.to_owned(),
            name: name.to_owned(),
            retired: false,
        })
        .collect();
        type Cells = &'static [(&'static str, Letter)];
        let rows: [(&str, &str, &str, RowKind, Cells); 12] = [
            (
                "ambition",
                "Competitive ambition",
                "How large an advantage the programme should build, and over what horizon: a year of efficiency gains or a multi-year change in how the company competes.",
                RowKind::CeoExclusive,
                &[("ceo", A), ("coo", C), ("cto", C), ("cfo", R), ("board", I)],
            ),
            (
                "board_narrative",
                "Board narrative",
                "The story the board hears: why this, how it serves the three-year plan, what waiting would cost, what is invested and what comes back.",
                RowKind::CeoExclusive,
                &[("ceo", A), ("coo", C), ("cfo", R), ("board", I)],
            ),
            (
                "build_buy_partner",
                "Build, buy or partner",
                "Whether to build the agent platform, buy one, or partner for delivery. The CTO prepares the options; the decision is the CEO's.",
                RowKind::CeoExclusive,
                &[("ceo", A), ("coo", C), ("cto", R), ("cfo", C), ("board", I)],
            ),
            (
                "workforce_commitment",
                "Workforce commitment",
                "The public promise to staff: which roles change, what support and new skills are offered, what the company owes its people.",
                RowKind::CeoExclusive,
                &[("ceo", A), ("coo", C), ("hr", R), ("board", I), ("ops", I)],
            ),
            (
                "process_scope",
                "Process scope and sequencing",
                "Which processes agents take on, in what order, and why: volume, return and how hard each is to govern.",
                RowKind::CooExclusive,
                &[("ceo", I), ("coo", A), ("cto", C), ("cfo", C), ("ops", R)],
            ),
            (
                "governance_framework",
                "Governance framework",
                "Who decides what once agents do the work: autonomy levels, confidence thresholds, who may override, and what the audit trail keeps.",
                RowKind::CooExclusive,
                &[("ceo", I), ("coo", A), ("cto", C), ("board", I), ("ops", R)],
            ),
            (
                "team_transition",
                "Team transition",
                "Leading the teams through the change, person by person: redesigned roles, reskilling, and steady communication.",
                RowKind::CooExclusive,
                &[("ceo", I), ("coo", A), ("hr", R), ("ops", R)],
            ),
            (
                "operational_metrics",
                "Operational metrics",
                "Processing rate, exceptions, cycle time, unit cost and errors: measured, owned and reported to the CEO on the agreed rhythm.",
                RowKind::CooExclusive,
                &[("ceo", I), ("coo", A), ("cfo", C), ("ops", R)],
            ),
            (
                "investment",
                "Investment level and phasing",
                "The total budget and how it is released over time, weighing ambition against what delivery really costs.",
                RowKind::Joint,
                &[("ceo", A), ("coo", A), ("cto", C), ("cfo", R), ("board", I)],
            ),
            (
                "timeline",
                "Timeline and go-live",
                "The go-live date committed inside the company and in public, set against the board's calendar and the teams' readiness.",
                RowKind::Joint,
                &[("ceo", A), ("coo", A), ("cto", C), ("board", I), ("ops", R)],
            ),
            (
                "success_metrics",
                "Success metrics",
                "The shared dashboard both executives answer to at the monthly executive committee: business and operational results side by side.",
                RowKind::Joint,
                &[("ceo", A), ("coo", A), ("cfo", R), ("board", I), ("ops", C)],
            ),
            (
                "workforce_communication",
                "Workforce communication",
                "What staff are told, by whom and when, so the public commitment and the plan on the ground say the same thing.",
                RowKind::Joint,
                &[("ceo", A), ("coo", A), ("hr", R), ("ops", C)],
            ),
        ];
        let rows = rows
            .into_iter()
            .map(|(key, name, description, kind, cells)| Row {
                key: key.to_owned(),
                name: name.to_owned(),
                description: description.to_owned(),
                kind,
                retired: false,
                cells: cells
                    .iter()
                    .map(|(role, letter)| ((*role).to_owned(), *letter))
                    .collect(),
            })
            .collect();
        Matrix { roles, rows }
    }
}

/// To whom the COO answers on AI matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportingLine {
    /// The CEO: what the framework asks for.
    Ceo,
    /// The CTO: the programme gets run as a technology project.
    Cto,
    Other,
}

impl ReportingLine {
    /// Every choice.
    pub const ALL: [ReportingLine; 3] =
        [ReportingLine::Ceo, ReportingLine::Cto, ReportingLine::Other];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportingLine::Ceo => "ceo",
            ReportingLine::Cto => "cto",
            ReportingLine::Other => "other",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            ReportingLine::Ceo => "The CEO",
            ReportingLine::Cto => "The CTO",
            ReportingLine::Other => "Someone else",
        }
    }

    /// Parses a stored or submitted value.
    pub fn parse(input: &str) -> Result<ReportingLine, String> {
        ReportingLine::ALL
            .into_iter()
            .find(|line| line.as_str() == input.trim())
            .ok_or_else(|| "Choose to whom the COO answers on AI.".to_owned())
    }

    /// Why anything but the CEO is a warning sign; `None` for the CEO.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            ReportingLine::Ceo => None,
            ReportingLine::Cto => Some(
                "The COO answers to the CTO on AI. Routed through IT, the programme gets scoped as a technology \
                 project and tends to deliver technology-sized results; the COO should answer to the CEO.",
            ),
            ReportingLine::Other => Some(
                "The COO does not answer to the CEO on AI. Deploying agents changes how the business runs, so the \
                 COO's accountability for it should run straight to the CEO.",
            ),
        }
    }
}

/// Something wrong with a row, as the grid and the summary say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// Nobody is accountable.
    NoAccountable,
    /// More than one role is accountable on a row that needs exactly one.
    SeveralAccountable(Vec<String>),
    /// A joint row whose accountable roles are not exactly the CEO and the COO.
    JointNeedsBoth,
    /// Nobody is responsible.
    NoResponsible,
    /// A CEO-only responsibility is owned by someone else.
    CeoExclusiveElsewhere(String),
    /// A COO responsibility routed through the CTO.
    CooRoutedThroughCto,
}

impl Problem {
    /// The explanation shown beside the row.
    pub fn message(&self) -> String {
        match self {
            Problem::NoAccountable => "Nobody is accountable. Give exactly one role the A.".to_owned(),
            Problem::SeveralAccountable(names) => format!(
                "{} are all accountable. One owner answers for the outcome; give the others R or C.",
                names.join(" and ")
            ),
            Problem::JointNeedsBoth => {
                "A shared-zone decision needs the CEO and the COO accountable together, and nobody else.".to_owned()
            }
            Problem::NoResponsible => "Nobody is responsible for doing the work. Give at least one role an R.".to_owned(),
            Problem::CeoExclusiveElsewhere(name) => format!(
                "Only the CEO can own this, but {name} is accountable. It needs the CEO's view of the competition and the board."
            ),
            Problem::CooRoutedThroughCto => "The CTO is accountable for a COO responsibility: the programme is being \
                 run as a technology project instead of a change in how the business operates. Make the COO accountable."
                .to_owned(),
        }
    }

    /// Whether this is the "COO routed through the CTO" warning sign.
    pub fn is_warning_sign(&self) -> bool {
        matches!(self, Problem::CooRoutedThroughCto)
    }
}

/// A row and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblems {
    /// The row's key.
    pub row_key: String,
    /// The row's name.
    pub row_name: String,
    /// The problems, in the order the rules are listed.
    pub problems: Vec<Problem>,
}

/// What the kept problems of a saved matrix were found with: a hash of this
/// file, where the rules live. The start works the problems out again for
/// every version kept under another (`db::raci::derive_missing`), so an
/// upgrade never shows what the last release's rules found; an edit of this
/// file, even of a comment, only costs checking each saved version again.
pub fn rules() -> &'static str {
    static RULES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        Sha256::digest(include_str!("raci.rs"))[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    &RULES
}

/// Checks every active row against the rules. Retired roles do not count.
pub fn validate(matrix: &Matrix) -> Vec<RowProblems> {
    let active: Vec<&Role> = matrix.active_roles().collect();
    matrix
        .active_rows()
        .filter_map(|row| {
            let holding = |letter: Letter| -> Vec<&Role> {
                active
                    .iter()
                    .copied()
                    .filter(|role| row.cell(&role.key) == Some(letter))
                    .collect()
            };
            let accountable = holding(Letter::A);
            let keys: Vec<&str> = accountable.iter().map(|role| role.key.as_str()).collect();
            let mut problems = Vec::new();
            if row.kind == RowKind::Joint {
                let mut sorted = keys.clone();
                sorted.sort_unstable();
                if sorted != [roles::CEO, roles::COO] {
                    problems.push(Problem::JointNeedsBoth);
                }
            } else if accountable.is_empty() {
                problems.push(Problem::NoAccountable);
            } else if accountable.len() > 1 {
                problems.push(Problem::SeveralAccountable(
                    accountable.iter().map(|role| role.name.clone()).collect(),
                ));
            }
            if holding(Letter::R).is_empty() {
                problems.push(Problem::NoResponsible);
            }
            if row.kind == RowKind::CeoExclusive
                && let Some(other) = accountable.iter().find(|role| role.key != roles::CEO)
            {
                problems.push(Problem::CeoExclusiveElsewhere(other.name.clone()));
            }
            if row.kind == RowKind::CooExclusive && keys.contains(&roles::CTO) {
                problems.push(Problem::CooRoutedThroughCto);
            }
            (!problems.is_empty()).then(|| RowProblems {
                row_key: row.key.clone(),
                row_name: row.name.clone(),
                problems,
            })
        })
        .collect()
}

/// One difference between two versions of a matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where: "Governance framework × CTO", or "Row: Board narrative".
    pub place: String,
    /// Before ("—" when absent).
    pub old: String,
    /// After ("—" when absent).
    pub new: String,
}

fn show(letter: Option<Letter>) -> String {
    letter.map_or_else(|| "—".to_owned(), |letter| letter.as_str().to_owned())
}

/// What changed from `before` to `after`: cells, rows and roles.
pub fn diff(before: &Matrix, after: &Matrix) -> Vec<Change> {
    let mut changes = Vec::new();
    for role in &after.roles {
        match before.roles.iter().find(|old| old.key == role.key) {
            None => changes.push(Change {
                place: format!("Role {}", role.name),
                old: "—".into(),
                new: "added".into(),
            }),
            Some(old) => {
                if old.name != role.name {
                    changes.push(Change {
                        place: format!("Role {}", old.name),
                        old: old.name.clone(),
                        new: role.name.clone(),
                    });
                }
                if old.retired != role.retired {
                    changes.push(Change {
                        place: format!("Role {}", role.name),
                        old: if old.retired { "retired" } else { "in use" }.into(),
                        new: if role.retired { "retired" } else { "in use" }.into(),
                    });
                }
            }
        }
    }
    let position = |matrix: &Matrix, key: &str| matrix.rows.iter().position(|row| row.key == key);
    for row in &after.rows {
        let Some(old) = before.rows.iter().find(|old| old.key == row.key) else {
            changes.push(Change {
                place: format!("Row {}", row.name),
                old: "—".into(),
                new: "added".into(),
            });
            continue;
        };
        let mut field = |what: &str, old_value: String, new_value: String| {
            if old_value != new_value {
                changes.push(Change {
                    place: format!("{} — {what}", row.name),
                    old: old_value,
                    new: new_value,
                });
            }
        };
        field("name", old.name.clone(), row.name.clone());
        field(
            "description",
            old.description.clone(),
            row.description.clone(),
        );
        field("kind", old.kind.label().into(), row.kind.label().into());
        field(
            "status",
            if old.retired { "retired" } else { "in use" }.into(),
            if row.retired { "retired" } else { "in use" }.into(),
        );
        field(
            "position",
            position(before, &row.key).map_or(String::new(), |p| (p + 1).to_string()),
            position(after, &row.key).map_or(String::new(), |p| (p + 1).to_string()),
        );
        for role in &after.roles {
            let (was, is) = (old.cell(&role.key), row.cell(&role.key));
            if was != is {
                changes.push(Change {
                    place: format!("{} × {}", row.name, role.name),
                    old: show(was),
                    new: show(is),
                });
            }
        }
    }
    changes
}

/// The matrix's health for the programme page: problems stay in view there
/// until they are fixed.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// Rows with problems: (row name, messages).
    pub rows: Vec<(String, Vec<String>)>,
}

impl Health {
    /// The problems of a matrix.
    pub fn of(matrix: &Matrix) -> Health {
        Health::of_problems(validate(matrix))
    }

    /// The health a matrix's problems, found by [`validate`], make.
    pub fn of_problems(problems: Vec<RowProblems>) -> Health {
        Health {
            rows: problems
                .into_iter()
                .map(|row| {
                    (
                        row.row_name,
                        row.problems.iter().map(|p| p.message()).collect(),
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_row<'a>(matrix: &'a mut Matrix, key: &str) -> &'a mut Row {
        matrix.rows.iter_mut().find(|row| row.key == key).unwrap()
    }

    #[test]
    fn the_framework_default_is_clean_and_complete() {
        let matrix = Matrix::framework_default();
        assert_eq!(validate(&matrix), vec![]);
        let count = |kind| matrix.rows.iter().filter(|row| row.kind == kind).count();
        assert_eq!(
            (
                count(RowKind::CeoExclusive),
                count(RowKind::CooExclusive),
                count(RowKind::Joint)
            ),
            (4, 4, 4)
        );
        for row in matrix.rows.iter().filter(|row| row.kind == RowKind::Joint) {
            assert_eq!(row.cell("ceo"), Some(Letter::A));
            assert_eq!(row.cell("coo"), Some(Letter::A));
        }
    }

    #[test]
    fn exactly_one_accountable_and_at_least_one_responsible() {
        let mut matrix = Matrix::framework_default();
        let row = default_row(&mut matrix, "board_narrative");
        row.cells.remove("ceo");
        row.cells.remove("cfo");
        let problems = validate(&matrix);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].problems,
            vec![Problem::NoAccountable, Problem::NoResponsible]
        );

        let mut matrix = Matrix::framework_default();
        default_row(&mut matrix, "operational_metrics")
            .cells
            .insert("cfo".into(), Letter::A);
        assert_eq!(
            validate(&matrix)[0].problems,
            vec![Problem::SeveralAccountable(vec![
                "COO".into(),
                "CFO".into()
            ])]
        );
    }

    #[test]
    fn joint_rows_need_exactly_the_ceo_and_the_coo() {
        let mut matrix = Matrix::framework_default();
        default_row(&mut matrix, "timeline")
            .cells
            .insert("coo".into(), Letter::C);
        assert_eq!(validate(&matrix)[0].problems, vec![Problem::JointNeedsBoth]);

        let mut matrix = Matrix::framework_default();
        default_row(&mut matrix, "investment")
            .cells
            .insert("cfo".into(), Letter::A);
        // CFO no longer R either.
        assert_eq!(
            validate(&matrix)[0].problems,
            vec![Problem::JointNeedsBoth, Problem::NoResponsible]
        );
    }

    #[test]
    fn ceo_exclusive_rows_owned_by_someone_else_are_flagged() {
        let mut matrix = Matrix::framework_default();
        let row = default_row(&mut matrix, "build_buy_partner");
        row.cells.insert("ceo".into(), Letter::C);
        row.cells.insert("cto".into(), Letter::A);
        row.cells.insert("cfo".into(), Letter::R);
        assert_eq!(
            validate(&matrix)[0].problems,
            vec![Problem::CeoExclusiveElsewhere("CTO".into())]
        );
    }

    #[test]
    fn a_coo_responsibility_routed_through_the_cto_is_the_warning_sign() {
        let mut matrix = Matrix::framework_default();
        let row = default_row(&mut matrix, "governance_framework");
        row.cells.insert("coo".into(), Letter::R);
        row.cells.insert("cto".into(), Letter::A);
        let problems = validate(&matrix);
        assert_eq!(problems[0].problems, vec![Problem::CooRoutedThroughCto]);
        assert!(problems[0].problems[0].is_warning_sign());
        // Another role accountable (not the CTO) is not this warning sign.
        let mut matrix = Matrix::framework_default();
        let row = default_row(&mut matrix, "governance_framework");
        row.cells.insert("coo".into(), Letter::R);
        row.cells.insert("cfo".into(), Letter::A);
        assert_eq!(validate(&matrix), vec![]);
    }

    #[test]
    fn retired_rows_and_roles_do_not_count() {
        let mut matrix = Matrix::framework_default();
        default_row(&mut matrix, "board_narrative").cells.clear();
        default_row(&mut matrix, "board_narrative").retired = true;
        assert_eq!(validate(&matrix), vec![]);
        // Retiring the CFO column leaves rows whose only R was the CFO.
        matrix
            .roles
            .iter_mut()
            .find(|role| role.key == "cfo")
            .unwrap()
            .retired = true;
        let flagged: Vec<String> = validate(&matrix).into_iter().map(|p| p.row_key).collect();
        assert_eq!(flagged, vec!["ambition", "investment", "success_metrics"]);
    }

    #[test]
    fn diffs_name_every_changed_cell_row_and_role() {
        let before = Matrix::framework_default();
        let mut after = before.clone();
        default_row(&mut after, "governance_framework")
            .cells
            .insert("cto".into(), Letter::A);
        after.roles.push(Role {
            key: "legal".into(),
            name: "Legal".into(),
            retired: false,
        });
        after.rows.swap(0, 1);
        let changes = diff(&before, &after);
        assert!(changes.contains(&Change {
            place: "Governance framework × CTO".into(),
            old: "C".into(),
            new: "A".into()
        }));
        assert!(
            changes
                .iter()
                .any(|c| c.place == "Role Legal" && c.new == "added")
        );
        assert!(
            changes
                .iter()
                .any(|c| c.place == "Competitive ambition — position"
                    && c.old == "1"
                    && c.new == "2")
        );
        assert_eq!(diff(&before, &before), vec![]);
    }

    #[test]
    fn cells_parse_leniently_and_refuse_nonsense() {
        assert_eq!(Letter::parse_cell(" a "), Ok(Some(Letter::A)));
        assert_eq!(Letter::parse_cell(""), Ok(None));
        assert!(Letter::parse_cell("X").is_err());
    }

    #[test]
    fn health_lists_each_flagged_row_with_its_messages() {
        let fine = Matrix::framework_default();
        assert!(Health::of(&fine).rows.is_empty());
        let problems = validate(&fine).len();
        assert_eq!(problems, 0);
        let mut routed = Matrix::framework_default();
        let row = routed
            .rows
            .iter()
            .position(|r| r.name.to_lowercase().contains("governance"))
            .unwrap();
        for letter in routed.rows[row].cells.values_mut() {
            if *letter == Letter::A {
                *letter = Letter::R;
            }
        }
        routed.rows[row].cells.insert("cto".into(), Letter::A);
        let health = Health::of(&routed);
        assert_eq!(health.rows.len(), 1);
        assert!(health.rows[0].0.to_lowercase().contains("governance"));
        assert!(!health.rows[0].1.is_empty());
    }
}
