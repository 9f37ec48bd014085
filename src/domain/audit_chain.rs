//! The audit log's hash chain, checked link by link.
//!
//! Every entry stores the hash of the entry before it in its chain (one
//! chain per organisation) and its own hash: SHA-256 over the previous hash
//! and the entry's canonical text. The database writes the links; this
//! module recomputes them and names the first one that does not hold.

use sha2::{Digest, Sha256};

use super::values::hex;

/// The hash of a link: SHA-256 of the previous hash (empty at the start of
/// a chain) followed by the entry's canonical text.
pub fn link_hash(previous: Option<&[u8]>, canonical: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(previous.unwrap_or_default());
    hasher.update(canonical.as_bytes());
    hasher.finalize().to_vec()
}

/// One stored entry, as the verifier needs it.
#[derive(Debug, Clone)]
pub struct StoredLink {
    /// The entry's number.
    pub id: i64,
    /// The previous hash it stores.
    pub prev_hash: Option<Vec<u8>>,
    /// Its own stored hash.
    pub hash: Vec<u8>,
    /// Its canonical text, recomputed from the stored columns.
    pub canonical: String,
}

/// Why a link does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's content no longer matches its hash: it was changed after
    /// it was written.
    Altered { id: i64 },
    /// The entry does not point at the entry before it: something before it
    /// was removed, inserted or re-hashed.
    Unlinked { id: i64 },
}

impl Break {
    /// The entry at fault.
    pub fn id(&self) -> i64 {
        match self {
            Break::Altered { id } | Break::Unlinked { id } => *id,
        }
    }

    /// A sentence for people.
    pub fn explain(&self) -> String {
        match self {
            Break::Altered { id } => format!(
                "Entry {id} was changed after it was written: its content no longer matches its hash."
            ),
            Break::Unlinked { id } => format!(
                "Entry {id} does not follow the entry before it: an earlier entry was removed, \
                 inserted or rewritten."
            ),
        }
    }
}

/// Walks one chain in order and remembers the first break.
#[derive(Debug, Default)]
pub struct Verifier {
    previous: Option<Vec<u8>>,
    /// Entries checked so far.
    pub checked: u64,
    /// The first break found, if any.
    pub first_break: Option<Break>,
    /// The last entry's number and hash: the chain's head.
    pub head: Option<(i64, String)>,
}

impl Verifier {
    /// Starts at the beginning of a chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next entry of the chain.
    pub fn check(&mut self, link: &StoredLink) {
        self.checked += 1;
        if self.first_break.is_none() {
            if link.prev_hash != self.previous {
                self.first_break = Some(Break::Unlinked { id: link.id });
            } else if link_hash(link.prev_hash.as_deref(), &link.canonical) != link.hash {
                self.first_break = Some(Break::Altered { id: link.id });
            }
        }
        self.head = Some((link.id, hex(&link.hash)));
        self.previous = Some(link.hash.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(texts: &[&str]) -> Vec<StoredLink> {
        let mut previous: Option<Vec<u8>> = None;
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let hash = link_hash(previous.as_deref(), text);
                let link = StoredLink {
                    id: i as i64 + 1,
                    prev_hash: previous.clone(),
                    hash: hash.clone(),
                    canonical: (*text).to_owned(),
                };
                previous = Some(hash);
                link
            })
            .collect()
    }

    fn verify(links: &[StoredLink]) -> Verifier {
        let mut verifier = Verifier::new();
        links.iter().for_each(|link| verifier.check(link));
        verifier
    }

    #[test]
    fn an_intact_chain_holds() {
        let verifier = verify(&chain(&["a", "b", "c"]));
        assert_eq!(verifier.first_break, None);
        assert_eq!(verifier.checked, 3);
        assert_eq!(verifier.head.unwrap().0, 3);
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut links = chain(&["a", "b", "c"]);
        links[1].canonical = "B".into();
        assert_eq!(verify(&links).first_break, Some(Break::Altered { id: 2 }));
    }

    #[test]
    fn a_removed_entry_breaks_the_next_link() {
        let mut links = chain(&["a", "b", "c"]);
        links.remove(1);
        assert_eq!(verify(&links).first_break, Some(Break::Unlinked { id: 3 }));
    }

    #[test]
    fn a_rehashed_entry_breaks_the_next_link() {
        let mut links = chain(&["a", "b", "c"]);
        links[1].canonical = "B".into();
        links[1].hash = link_hash(links[1].prev_hash.as_deref(), "B");
        assert_eq!(verify(&links).first_break, Some(Break::Unlinked { id: 3 }));
    }
}
