//! Which parts of a file the parser must read: every key (`confaudit collect`), or only the
//! keys some wanted address names plus deletions of those keys' ancestors (`audit`).

use super::key::KeyPath;
use super::model::fold_value_name;
use crate::collect::Address;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiplicative hasher for the per-key-line lookups of the skipping parser
/// (folded key paths from template addresses; flooding is not a concern here).
#[derive(Default)]
pub(crate) struct QuickHasher(u64);

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type QuickBuild = BuildHasherDefault<QuickHasher>;

/// The wanted values of one key.
#[derive(Debug, Default)]
pub(crate) struct WantedKey<'a> {
    /// Folded value name (`""` for the default value) → the addresses asking for it.
    names: HashMap<String, Vec<&'a Address>>,
    /// Every address under this key (a line whose value name cannot be read may have been
    /// meant for any of them).
    addresses: Vec<&'a Address>,
}

impl<'a> WantedKey<'a> {
    /// Whether a value of this folded name is wanted.
    pub fn wants(&self, folded_name: &str) -> bool {
        self.names.contains_key(folded_name)
    }

    /// `(location, name)` pairs, as the addresses spell them, that a malformed line
    /// setting `name` (or an unreadable name) was meant for; each distinct once.
    pub fn targets(&self, name: Option<&str>) -> Vec<(String, Option<String>)> {
        let mut targets: Vec<(String, Option<String>)> = match name {
            Some(name) => self
                .names
                .get(&fold_value_name(name))
                .into_iter()
                .flatten()
                .map(|a| (a.location.clone(), Some(a.name.clone())))
                .collect(),
            None => self
                .addresses
                .iter()
                .map(|a| (a.location.clone(), None))
                .collect(),
        };
        targets.sort();
        targets.dedup();
        targets
    }
}

/// The keys the audit asks for.
#[derive(Debug, Default)]
pub(crate) struct WantedSet<'a> {
    keys: HashMap<String, WantedKey<'a>, QuickBuild>,
    /// Folded paths that are a wanted key or one of its ancestors: deleting one of these
    /// affects a wanted value.
    ancestors: HashSet<String, QuickBuild>,
    /// The folded last path component of every wanted key: a cheap first test of a key line.
    last_components: HashSet<String, QuickBuild>,
}

impl<'a> WantedSet<'a> {
    /// Builds the set; addresses whose key names no hive (rejected earlier by
    /// `parse_address`) are left out.
    pub fn new(addresses: &[&'a Address]) -> WantedSet<'a> {
        let mut set = WantedSet::default();
        for address in addresses {
            let Some(path) = KeyPath::parse(&address.location) else {
                continue;
            };
            let mut ancestor = path.folded.as_str();
            loop {
                set.ancestors.insert(ancestor.to_string());
                match ancestor.rfind('\\') {
                    Some(cut) => ancestor = &ancestor[..cut],
                    None => break,
                }
            }
            if let Some((_, last)) = path.folded.rsplit_once('\\') {
                set.last_components.insert(last.to_string());
            }
            let key = set.keys.entry(path.folded).or_default();
            key.names
                .entry(fold_value_name(&address.name))
                .or_default()
                .push(address);
            key.addresses.push(address);
        }
        set
    }

    /// The wanted key with this folded path, if any.
    pub fn key(&self, folded: &str) -> Option<&WantedKey<'a>> {
        self.keys.get(folded)
    }

    /// Whether some wanted key ends in this folded component. Hive-only keys have no
    /// component and are always compared in full.
    pub fn wants_last_component(&self, folded: &str) -> bool {
        self.last_components.contains(folded)
    }

    /// Whether deleting this folded key removes a wanted key.
    pub fn deletion_matters(&self, folded: &str) -> bool {
        self.ancestors.contains(folded)
    }
}

/// What the parser reads.
#[derive(Clone, Copy)]
pub(crate) enum Filter<'f, 'a> {
    /// Every key and value (listing, tests, rollback).
    All,
    /// Only what these addresses need.
    Wanted(&'f WantedSet<'a>),
}

impl Filter<'_, '_> {
    pub fn is_all(&self) -> bool {
        matches!(self, Filter::All)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::reg::key::is_ancestor_or_self;

    /// Whether a wanted key lies at or below `folded` (cross-checks the ancestor set).
    fn any_under(set: &WantedSet<'_>, folded: &str) -> bool {
        set.keys.keys().any(|k| is_ancestor_or_self(folded, k))
    }

    fn address(location: &str, name: &str) -> Address {
        Address {
            collector: "registry".into(),
            file: String::new(),
            location: location.into(),
            name: name.into(),
        }
    }

    #[test]
    fn wanted_keys_match_any_spelling_and_ancestors_are_known() {
        let a = address(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "KeepAliveTime",
        );
        let b = address(
            "HKEY_LOCAL_MACHINE\\system\\currentcontrolset\\services\\tcpip\\parameters",
            "@",
        );
        let set = WantedSet::new(&[&a, &b]);
        let folded = "hkey_local_machine\\system\\currentcontrolset\\services\\tcpip\\parameters";
        let key = set.key(folded).expect("wanted key");
        assert!(key.wants("keepalivetime"));
        assert!(key.wants(""));
        assert!(!key.wants("other"));
        for ancestor in [
            folded,
            "hkey_local_machine\\system\\currentcontrolset",
            "hkey_local_machine",
        ] {
            assert!(set.deletion_matters(ancestor), "{ancestor}");
            assert!(any_under(&set, ancestor));
        }
        assert!(!set.deletion_matters(
            "hkey_local_machine\\system\\currentcontrolset\\services\\tcpip\\parameters\\interfaces"
        ));
        assert!(!set.deletion_matters("hkey_local_machine\\sys"));
        assert_eq!(
            key.targets(Some("KEEPALIVETIME")),
            vec![(a.location.clone(), Some("KeepAliveTime".to_string()))]
        );
        assert_eq!(key.targets(None).len(), 2);
        assert!(key.targets(Some("unwanted")).is_empty());
    }

    #[test]
    fn quick_hasher_spreads_short_keys() {
        let hash = |text: &str| {
            let mut h = QuickHasher::default();
            h.write(text.as_bytes());
            h.finish()
        };
        assert_ne!(hash("hkey_users\\a"), hash("hkey_users\\b"));
        assert_ne!(hash("a"), hash("aa"));
    }
}
