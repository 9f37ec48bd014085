//! Small parsed types for user input: parse, don't validate.

use std::fmt;

/// An email address, trimmed; compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses a plausible address: one `@`, text either side, a dot in the
    /// domain, no spaces, at most 254 characters.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let email = input.trim();
        if email.is_empty() {
            return Err("Enter an email address.");
        }
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("Enter a valid email address.");
        }
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Self(email.to_owned()))
            }
            _ => Err("Enter a valid email address, like name@example.com."),
        }
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key used for uniqueness and throttling.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A required single line of text of bounded length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    /// Trims and checks `input`; `what` names the field in messages.
    pub fn parse(input: &str, what: &str, max: usize) -> Result<Self, String> {
        let line = input.trim();
        if line.is_empty() {
            return Err(format!("Enter {what}."));
        }
        if line.chars().count() > max {
            return Err(format!("Keep {what} to {max} characters or fewer."));
        }
        if line.chars().any(char::is_control) {
            return Err(format!("Use a single line for {what}."));
        }
        Ok(Self(line.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Free text (one line or several): trimmed, at most `max` characters, possibly empty.
pub fn text(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > max {
        Err(format!("Keep this to {max} characters or fewer."))
    } else {
        Ok(value.to_owned())
    }
}

/// Free text that must not be empty; `what` names it in the message ("Write {what}.").
pub fn required(value: &str, max: usize, what: &str) -> Result<String, String> {
    let value = text(value, max)?;
    if value.is_empty() {
        Err(format!("Write {what}."))
    } else {
        Ok(value)
    }
}

/// A new password that meets the policy: 10 to 256 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// The shortest password accepted.
    pub const MIN_CHARS: usize = 10;

    /// Checks the policy.
    pub fn parse(input: &str) -> Result<Self, String> {
        let count = input.chars().count();
        if count < Self::MIN_CHARS {
            return Err(format!(
                "Use at least {} characters; a short phrase is easier to remember than symbols.",
                Self::MIN_CHARS
            ));
        }
        if count > 256 {
            return Err("Use 256 characters or fewer.".to_owned());
        }
        if input.trim().is_empty() {
            return Err("A password cannot be only spaces.".to_owned());
        }
        Ok(Self(input.to_owned()))
    }

    /// The password.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Whether `next` is a safe place to send someone after login: a path on
/// this site, never another origin.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
}

/// A wait in words: "30 seconds", "1 minute", "5 minutes".
pub fn wait_phrase(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

/// The first eight bytes of the SHA-256 of `parts` one after the other, in
/// hex: what a kept rendering was written with (the templates and code
/// behind it), to know a copy written by another release.
pub fn short_hash(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hex(&hash.finalize()[..8])
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Ceo@Example.COM ").unwrap().key(),
            "ceo@example.com"
        );
        for bad in [
            "", "nobody", "a@b", "a b@c.d", "@c.d", "a@.c", "a@b.", "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn lines() {
        assert_eq!(
            Line::parse("  CFO ", "a title", 10).unwrap().as_str(),
            "CFO"
        );
        assert!(Line::parse("   ", "a title", 10).is_err());
        assert!(Line::parse("x".repeat(11).as_str(), "a title", 10).is_err());
        assert!(Line::parse("a\nb", "a title", 10).is_err());
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("          ").is_err());
        assert!(NewPassword::parse("correct horse").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse").unwrap()),
            "NewPassword(***)"
        );
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_phrase(1), "a second");
        assert_eq!(wait_phrase(30), "30 seconds");
        assert_eq!(wait_phrase(60), "a minute");
        assert_eq!(wait_phrase(61), "a minute");
        assert_eq!(wait_phrase(121), "3 minutes");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert!(is_local_path("/programmes/1"));
        assert!(is_local_path("/?a=b"));
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\r\nb",
        ] {
            assert!(!is_local_path(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(text("  a note \n", 10), Ok("a note".to_owned()));
        assert_eq!(text("", 10), Ok(String::new()));
        assert!(text("ééééé", 4).unwrap_err().contains("4 characters"));
        assert_eq!(text("ééééé", 5).unwrap(), "ééééé");
        assert_eq!(
            required("  ", 10, "the question"),
            Err("Write the question.".to_owned())
        );
        assert_eq!(
            required(" Why? ", 10, "the question"),
            Ok("Why?".to_owned())
        );
    }
}
