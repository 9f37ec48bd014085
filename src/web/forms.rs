//! Field-level validation messages for forms that re-render with what was typed.

use std::collections::HashMap;

/// Messages keyed by field name, shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// No errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: impl AsRef<str>) -> Option<&str> {
        let field = field.as_ref();
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, in order, for the summary at the top of a form.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, message)| (name.as_str(), message.as_str()))
    }

    /// Keeps the value if parsing succeeded, or records the message.
    pub fn check<T, E: Into<String>>(
        &mut self,
        field: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }
}

/// A form value by name, or empty.
pub fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}
