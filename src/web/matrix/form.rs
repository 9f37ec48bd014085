//! The whole-grid edit form: raw fields as typed, built from a matrix or
//! from the submitted pairs, and parsed back into a matrix.

use std::collections::HashMap;

use crate::auth::token;
use crate::domain::raci::{Letter, Matrix, Role, Row, RowKind, RowProblems, roles, validate};
use crate::domain::values::Line;
use crate::web::forms::FieldErrors;

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct MatrixForm {
    pub version: String,
    pub roles: Vec<RoleForm>,
    pub rows: Vec<RowForm>,
    pub new_row: NewRowForm,
    pub new_role: String,
}

/// One column's fields.
#[derive(Debug, Clone)]
pub(super) struct RoleForm {
    pub key: String,
    pub name: String,
    pub retired: bool,
    /// The CEO and COO columns are never retired: the rules need them.
    pub fixed: bool,
}

/// One row's fields; `cells` follow the active columns.
#[derive(Debug, Clone)]
pub(super) struct RowForm {
    pub key: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub position: String,
    pub retired: bool,
    pub cells: Vec<(String, String)>,
    /// What is wrong with the row as last saved.
    pub problems: Vec<String>,
}

/// The "add a responsibility" fields.
#[derive(Debug, Clone, Default)]
pub(super) struct NewRowForm {
    pub name: String,
    pub description: String,
    pub kind: String,
}

impl RowForm {
    /// The field name of a cell.
    pub fn cell_field(&self, role: &str) -> String {
        format!("row.{}.cell.{role}", self.key)
    }
}

impl MatrixForm {
    /// The form showing a saved matrix.
    pub fn from_matrix(matrix: &Matrix, version: i32) -> Self {
        let active: Vec<&Role> = matrix.active_roles().collect();
        let problems = validate(matrix);
        MatrixForm {
            version: version.to_string(),
            roles: matrix.roles.iter().map(role_form).collect(),
            rows: matrix
                .rows
                .iter()
                .enumerate()
                .map(|(index, row)| RowForm {
                    key: row.key.clone(),
                    name: row.name.clone(),
                    description: row.description.clone(),
                    kind: row.kind.as_str().to_owned(),
                    position: (index + 1).to_string(),
                    retired: row.retired,
                    cells: active
                        .iter()
                        .map(|role| {
                            (
                                role.key.clone(),
                                row.cell(&role.key)
                                    .map(|l| l.as_str().to_owned())
                                    .unwrap_or_default(),
                            )
                        })
                        .collect(),
                    problems: problems_of(&problems, &row.key),
                })
                .collect(),
            new_row: NewRowForm {
                kind: RowKind::Other.as_str().to_owned(),
                ..NewRowForm::default()
            },
            new_role: String::new(),
        }
    }

    /// The form as submitted, shaped by the matrix it was loaded from: only
    /// that matrix's rows and columns are read.
    pub fn from_pairs(pairs: Vec<(String, String)>, base: &Matrix) -> Self {
        let fields: HashMap<String, String> = pairs.into_iter().collect();
        let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
        let ticked = |name: &str| fields.contains_key(name);
        let active: Vec<&Role> = base.active_roles().collect();
        let problems = validate(base);
        MatrixForm {
            version: get("version"),
            roles: base
                .roles
                .iter()
                .map(|role| RoleForm {
                    name: get(&format!("role.{}.name", role.key)),
                    retired: ticked(&format!("role.{}.retired", role.key)),
                    ..role_form(role)
                })
                .collect(),
            rows: base
                .rows
                .iter()
                .map(|row| {
                    let field = |what: &str| get(&format!("row.{}.{what}", row.key));
                    RowForm {
                        key: row.key.clone(),
                        name: field("name"),
                        description: field("description"),
                        kind: field("kind"),
                        position: field("position"),
                        retired: ticked(&format!("row.{}.retired", row.key)),
                        cells: active
                            .iter()
                            .map(|role| (role.key.clone(), field(&format!("cell.{}", role.key))))
                            .collect(),
                        problems: problems_of(&problems, &row.key),
                    }
                })
                .collect(),
            new_row: NewRowForm {
                name: get("new_row.name"),
                description: get("new_row.description"),
                kind: get("new_row.kind"),
            },
            new_role: get("new_role.name"),
        }
    }

    /// The columns the grid shows.
    pub fn active_roles(&self) -> Vec<&RoleForm> {
        self.roles.iter().filter(|role| !role.retired).collect()
    }

    /// Parses into a matrix. Cells of columns retired before this edit are
    /// kept as they were in `base`.
    pub fn parse(&self, base: &Matrix) -> Result<Matrix, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut roles = Vec::new();
        for (form, old) in self.roles.iter().zip(&base.roles) {
            let field = format!("role.{}.name", form.key);
            let name = errors.check(
                field.clone(),
                Line::parse(&form.name, "the role's name", 40),
            );
            if form.retired && form.fixed {
                errors.add(
                    format!("role.{}.retired", form.key),
                    "The CEO and COO columns cannot be retired.",
                );
            }
            roles.push(Role {
                key: old.key.clone(),
                name: name
                    .map(Line::into_string)
                    .unwrap_or_else(|| old.name.clone()),
                retired: form.retired,
            });
        }
        if !self.new_role.trim().is_empty()
            && let Some(name) = errors.check(
                "new_role.name",
                Line::parse(&self.new_role, "the new role's name", 40),
            )
        {
            if roles
                .iter()
                .any(|role| role.name.eq_ignore_ascii_case(name.as_str()))
            {
                errors.add("new_role.name", "There is already a role with this name.");
            } else {
                roles.push(Role {
                    key: format!("role-{}", token::random_hex(4)),
                    name: name.into_string(),
                    retired: false,
                });
            }
        }

        let mut rows: Vec<(i64, usize, Row)> = Vec::new();
        for (index, (form, old)) in self.rows.iter().zip(&base.rows).enumerate() {
            let prefix = format!("row.{}", form.key);
            let name = errors.check(
                format!("{prefix}.name"),
                Line::parse(&form.name, "the responsibility's name", 120),
            );
            let description = form.description.trim().to_owned();
            if description.chars().count() > 600 {
                errors.add(
                    format!("{prefix}.description"),
                    "Keep the description to 600 characters or fewer.",
                );
            }
            let kind = errors.check(format!("{prefix}.kind"), RowKind::parse(&form.kind));
            let position = errors.check(
                format!("{prefix}.position"),
                form.position
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| "Enter a whole number for the position."),
            );
            // Columns retired before this edit keep their letters untouched.
            let mut cells = old.cells.clone();
            for (role, raw) in &form.cells {
                match errors.check(format!("{prefix}.cell.{role}"), Letter::parse_cell(raw)) {
                    Some(Some(letter)) => {
                        cells.insert(role.clone(), letter);
                    }
                    Some(None) => {
                        cells.remove(role);
                    }
                    None => {}
                }
            }
            if let (Some(name), Some(kind), Some(position)) = (name, kind, position) {
                rows.push((
                    position,
                    index,
                    Row {
                        key: old.key.clone(),
                        name: name.into_string(),
                        description,
                        kind,
                        retired: form.retired,
                        cells,
                    },
                ));
            }
        }
        if !self.new_row.name.trim().is_empty() {
            let name = errors.check(
                "new_row.name",
                Line::parse(&self.new_row.name, "the new responsibility's name", 120),
            );
            let kind = errors.check("new_row.kind", RowKind::parse(&self.new_row.kind));
            if let (Some(name), Some(kind)) = (name, kind) {
                rows.push((
                    i64::MAX,
                    usize::MAX,
                    Row {
                        key: format!("row-{}", token::random_hex(4)),
                        name: name.into_string(),
                        description: self.new_row.description.trim().chars().take(600).collect(),
                        kind,
                        retired: false,
                        cells: Default::default(),
                    },
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        rows.sort_by_key(|(position, index, _)| (*position, *index));
        Ok(Matrix {
            roles,
            rows: rows.into_iter().map(|(_, _, row)| row).collect(),
        })
    }
}

fn problems_of(problems: &[RowProblems], row_key: &str) -> Vec<String> {
    problems
        .iter()
        .find(|row| row.row_key == row_key)
        .map(|row| {
            row.problems
                .iter()
                .map(|problem| problem.message())
                .collect()
        })
        .unwrap_or_default()
}

fn role_form(role: &Role) -> RoleForm {
    RoleForm {
        key: role.key.clone(),
        name: role.name.clone(),
        retired: role.retired,
        fixed: role.key == roles::CEO || role.key == roles::COO,
    }
}
