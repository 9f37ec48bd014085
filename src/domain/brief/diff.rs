//! The difference between two versions of a section, line by line.

use super::{Content, Section, display, display_rows, text};

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
