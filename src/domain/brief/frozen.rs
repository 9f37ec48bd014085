//! Freezing a draft into a version, and the canonical hashes signatures
//! rest on. Hashes are computed here and nowhere else.

use sha2::{Digest, Sha256};

use super::{Content, Owner, SECTIONS};

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
    pub owner: Owner,
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
    /// The canonical form, its fields in sorted order (content's maps sort
    /// their own keys), serialised without copying the content.
    #[derive(serde::Serialize)]
    struct Canonical<'a> {
        content: &'a Content,
        owner: &'a str,
        section: &'a str,
    }
    let canonical = Canonical {
        content,
        owner: owner.as_str(),
        section: section_key,
    };
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex_digest(&bytes)
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
    crate::domain::values::hex(&Sha256::digest(bytes))
}
