//! Every table tandem hands to a spreadsheet goes through here: one
//! [`Table`] of typed cells, written as CSV or as an Excel workbook.
//!
//! - CSV starts with a UTF-8 byte-order mark, which is how Excel and
//!   LibreOffice know the file is UTF-8 ("Sørensen", "€" read as typed).
//! - Text a spreadsheet could run as a formula is neutralised with a leading
//!   apostrophe in CSV, header cells included; numbers are written as
//!   numbers (a negative value is no formula).
//! - XLSX (rust_xlsxwriter) stores numbers as numbers and dates as dates,
//!   and text as text, which Excel never evaluates.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::Result;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A calendar day.
    Date(NaiveDate),
    /// A moment, shown in UTC.
    Time(DateTime<Utc>),
}

impl Cell {
    /// The cell as CSV text, neutralised.
    fn csv_text(&self) -> String {
        match self {
            Cell::Text(text) => spreadsheet_safe(text),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => t.to_rfc3339(),
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

/// A table with a header row.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The CSV text, with its byte-order mark.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(BOM.as_bytes().to_vec());
        let header: Vec<String> = self.header.iter().map(|h| spreadsheet_safe(h)).collect();
        writer.write_record(&header).map_err(anyhow::Error::from)?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Cell::csv_text).collect();
            writer.write_record(&cells).map_err(anyhow::Error::from)?;
        }
        Ok(writer
            .into_inner()
            .map_err(|error| anyhow::anyhow!("writing CSV: {error}"))?)
    }

    /// The Excel workbook: one sheet called `sheet`, a bold header row kept
    /// in view, columns sized to their content.
    pub fn xlsx(&self, sheet: &str) -> Result<Vec<u8>> {
        let xlsx = |error: rust_xlsxwriter::XlsxError| anyhow::anyhow!("writing XLSX: {error}");
        let mut workbook = Workbook::new();
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(sheet_name(sheet)).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        for (column, name) in self.header.iter().enumerate() {
            worksheet
                .write_string_with_format(0, column as u16, name, &bold)
                .map_err(xlsx)?;
        }
        for (index, row) in self.rows.iter().enumerate() {
            let at = index as u32 + 1;
            for (column, cell) in row.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Cell::Text(text) => worksheet.write_string(at, column, text),
                    Cell::Number(n) => worksheet.write_number(at, column, *n),
                    Cell::Date(d) => worksheet.write_date_with_format(at, column, d, &date),
                    Cell::Time(t) => {
                        worksheet.write_datetime_with_format(at, column, t.naive_utc(), &time)
                    }
                }
                .map_err(xlsx)?;
            }
        }
        worksheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        worksheet.autofit();
        Ok(workbook.save_to_buffer().map_err(xlsx)?)
    }

    /// The CSV as a download named `stem.csv`.
    pub fn csv_download(&self, stem: &str) -> Result<Response> {
        Ok(download(
            self.csv()?,
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
        ))
    }

    /// The workbook as a download named `stem.xlsx`.
    pub fn xlsx_download(&self, stem: &str, sheet: &str) -> Result<Response> {
        Ok(download(
            self.xlsx(sheet)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{stem}.xlsx"),
        ))
    }
}

/// The byte-order mark that tells a spreadsheet the CSV is UTF-8.
pub const BOM: &str = "\u{feff}";

fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A worksheet name Excel takes: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned
    }
}

/// Text that a spreadsheet would run as a formula gets a leading apostrophe:
/// text starting with `=`, `+`, `-`, `@`, `|` (DDE), a tab or a carriage
/// return, or their full-width forms (`＝`, `＋`, `－`, `＠`, `｜`), which
/// some spreadsheets fold to the ASCII ones.
pub fn spreadsheet_safe(text: &str) -> String {
    const RISKY: [char; 12] = [
        '=', '+', '-', '@', '|', '\t', '\r', '＝', '＋', '－', '＠', '｜',
    ];
    if text.starts_with(RISKY) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A file-name-safe slug of a name.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_cell_is_neutralised_and_numbers_stay_numbers() {
        let mut table = Table::new(["=HYPERLINK(\"http://evil.example\",\"x\")", "CEO"]);
        table.row(vec!["+1".into(), "@SUM(A1)".into()]);
        table.row(vec!["＝1+1".into(), "|cmd".into()]);
        table.row(vec![Cell::Number(-2.5), "－2".into()]);
        let text = String::from_utf8(table.csv().unwrap()).unwrap();
        assert!(text.starts_with("\u{feff}\"'=HYPERLINK("), "{text}");
        assert!(text.contains("'+1,'@SUM(A1)"), "{text}");
        assert!(text.contains("'＝1+1,'|cmd"), "{text}");
        assert!(text.contains("\n-2.5,'－2"), "{text}");
        assert_eq!(slug("Freight ops — phase 2"), "freight-ops-phase-2");
    }

    #[test]
    fn a_workbook_is_a_zip_with_a_sheet() {
        let mut table = Table::new(["period", "value", "day"]);
        table.row(vec![
            "2026-W05".into(),
            Cell::Number(41.5),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()),
        ]);
        let bytes = table.xlsx("Values: [draft]").unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert_eq!(sheet_name("Values: [draft]"), "Values draft");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
