//! Every CSV tandem writes goes through here, so every cell — header cells
//! included — is neutralised against formula injection in one place.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::Result;

/// A CSV document being written.
pub struct CsvDocument {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvDocument {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvDocument {
    /// An empty document.
    pub fn new() -> Self {
        CsvDocument {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    /// Appends one row (the header is a row like any other).
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let safe: Vec<String> = cells
            .into_iter()
            .map(|cell| spreadsheet_safe(cell.as_ref()))
            .collect();
        self.writer
            .write_record(&safe)
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    /// The finished document as a download named `filename`.
    pub fn download(self, filename: &str) -> Result<Response> {
        let body = self
            .writer
            .into_inner()
            .map_err(|error| anyhow::anyhow!("writing CSV: {error}"))?;
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        Ok(response)
    }
}

/// Text that a spreadsheet would run as a formula gets a leading quote.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
    fn every_cell_is_neutralised() {
        let mut doc = CsvDocument::new();
        doc.row(["=HYPERLINK(\"http://evil.example\",\"x\")", "CEO"])
            .unwrap();
        doc.row(["+1", "@SUM(A1)"]).unwrap();
        let text = String::from_utf8(doc.writer.into_inner().unwrap()).unwrap();
        assert!(text.starts_with("\"'=HYPERLINK("), "{text}");
        assert!(text.contains("'+1,'@SUM(A1)"), "{text}");
        assert_eq!(slug("Freight ops — phase 2"), "freight-ops-phase-2");
    }
}
