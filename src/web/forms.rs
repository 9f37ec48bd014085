//! Field-level validation messages for forms that re-render with what was
//! typed, and typed forms whose fields can also be read by name.

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

/// A form whose fields are also read by name: to re-render what was typed
/// beside its message, and to read numbered rows (`action_title_2`).
pub trait Typed {
    /// What was typed in the field called `name` ("" for no such field).
    fn value(&self, name: &str) -> &str;
}

/// A form value by name, or empty.
pub fn field<'a>(form: &'a impl Typed, name: &str) -> &'a str {
    form.value(name)
}

/// Declares a typed form: a struct of `String` fields, each exactly as typed
/// (absent fields are empty), deserialised from the urlencoded body and
/// readable by name through [`Typed`].
#[macro_export]
macro_rules! typed_form {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize)]
        #[serde(default)]
        $vis struct $name {
            $(
                #[allow(missing_docs)]
                pub $field: String,
            )*
        }

        impl $crate::web::forms::Typed for $name {
            fn value(&self, name: &str) -> &str {
                match name {
                    $(stringify!($field) => &self.$field,)*
                    _ => "",
                }
            }
        }

        impl $name {
            /// Fills the field called `name` (a numbered row's, say); an
            /// unknown name changes nothing.
            #[allow(dead_code)]
            pub fn set(&mut self, name: &str, value: String) {
                match name {
                    $(stringify!($field) => self.$field = value,)*
                    _ => {}
                }
            }
        }
    };
}
