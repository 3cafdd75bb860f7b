//! Registry key paths. The hive at the front is written many ways (`HKEY_LOCAL_MACHINE`,
//! `HKLM`, `hklm:`); this module is the one place that normalises it. Comparison uses the
//! canonical form case-folded; reports keep the text as it was written.

/// A registry root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hive {
    LocalMachine,
    CurrentUser,
    ClassesRoot,
    Users,
    CurrentConfig,
    /// Windows 9x only; still accepted in old REGEDIT4 files.
    DynData,
}

impl Hive {
    pub const ALL: [Hive; 6] = [
        Hive::LocalMachine,
        Hive::CurrentUser,
        Hive::ClassesRoot,
        Hive::Users,
        Hive::CurrentConfig,
        Hive::DynData,
    ];

    /// The full name regedit writes and requires.
    pub fn name(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKEY_LOCAL_MACHINE",
            Hive::CurrentUser => "HKEY_CURRENT_USER",
            Hive::ClassesRoot => "HKEY_CLASSES_ROOT",
            Hive::Users => "HKEY_USERS",
            Hive::CurrentConfig => "HKEY_CURRENT_CONFIG",
            Hive::DynData => "HKEY_DYN_DATA",
        }
    }

    /// The short alias used by `reg.exe` and PowerShell.
    pub fn alias(self) -> Option<&'static str> {
        match self {
            Hive::LocalMachine => Some("HKLM"),
            Hive::CurrentUser => Some("HKCU"),
            Hive::ClassesRoot => Some("HKCR"),
            Hive::Users => Some("HKU"),
            Hive::CurrentConfig => Some("HKCC"),
            Hive::DynData => None,
        }
    }

    /// Recognises a hive token: full name or alias, any case, with an optional trailing
    /// `:` (PowerShell drive syntax).
    pub fn parse(token: &str) -> Option<Hive> {
        let token = token.strip_suffix(':').unwrap_or(token);
        Hive::ALL.into_iter().find(|hive| {
            hive.name().eq_ignore_ascii_case(token)
                || hive.alias().is_some_and(|a| a.eq_ignore_ascii_case(token))
        })
    }
}

/// Every hive spelling accepted, for messages.
pub const HIVE_HELP: &str = "HKEY_LOCAL_MACHINE (HKLM), HKEY_CURRENT_USER (HKCU), \
     HKEY_CLASSES_ROOT (HKCR), HKEY_USERS (HKU), HKEY_CURRENT_CONFIG (HKCC)";

/// Splits a key path into its hive and the path below it (without surrounding
/// backslashes). `None` when the path does not start with a known hive.
pub fn split_key(path: &str) -> Option<(Hive, &str)> {
    let (token, rest) = path.split_once('\\').unwrap_or((path, ""));
    let hive = Hive::parse(token)?;
    Some((hive, rest.trim_end_matches('\\')))
}

/// Case folding used for every registry comparison (keys and value names).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Appends the case-folded `text` to `out` (allocation-free for ASCII text, which is what
/// nearly every key name is).
pub fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// Writes the folded canonical form of a key path into `out` (cleared first) and returns
/// its hive, or `None` when the hive is unknown. This is the comparison key of a registry
/// key everywhere in the collector and model.
pub fn folded_key_into(path: &str, out: &mut String) -> Option<Hive> {
    out.clear();
    let (hive, rest) = split_key(path)?;
    fold_into(hive.name(), out);
    if !rest.is_empty() {
        out.push('\\');
        fold_into(rest, out);
    }
    Some(hive)
}

/// A key path as written, with its canonical form (full hive name) and comparison key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    /// As written in the file or template (may use an alias, any case).
    pub written: String,
    /// Full upper-case hive name, then the rest as written: what regedit accepts.
    pub canonical: String,
    /// `canonical` case-folded: the comparison key.
    pub folded: String,
}

impl KeyPath {
    /// Parses a key path; `None` when it does not start with a known hive.
    pub fn parse(written: &str) -> Option<KeyPath> {
        let (hive, rest) = split_key(written)?;
        let canonical = if rest.is_empty() {
            hive.name().to_string()
        } else {
            format!("{}\\{rest}", hive.name())
        };
        let folded = fold(&canonical);
        Some(KeyPath {
            written: written.to_string(),
            canonical,
            folded,
        })
    }

    /// Whether `self` is `other` or one of its ancestors (both compared folded).
    pub fn is_ancestor_or_self_of(&self, other: &KeyPath) -> bool {
        is_ancestor_or_self(&self.folded, &other.folded)
    }
}

/// Whether folded key `ancestor` is `key` or lies above it.
pub fn is_ancestor_or_self(ancestor: &str, key: &str) -> bool {
    key == ancestor
        || (key.len() > ancestor.len()
            && key.starts_with(ancestor)
            && key.as_bytes()[ancestor.len()] == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_spellings_normalise_to_one_canonical_form() {
        let cases = [
            (
                "HKEY_LOCAL_MACHINE\\SYSTEM\\X",
                "HKEY_LOCAL_MACHINE\\SYSTEM\\X",
            ),
            ("HKLM\\SYSTEM\\X", "HKEY_LOCAL_MACHINE\\SYSTEM\\X"),
            ("hklm\\SYSTEM\\X", "HKEY_LOCAL_MACHINE\\SYSTEM\\X"),
            ("HKLM:\\SYSTEM\\X", "HKEY_LOCAL_MACHINE\\SYSTEM\\X"),
            ("hkey_users\\default", "HKEY_USERS\\default"),
            ("HKCU\\Software\\", "HKEY_CURRENT_USER\\Software"),
            ("HKCR\\*\\shellex", "HKEY_CLASSES_ROOT\\*\\shellex"),
            ("HKU\\.DEFAULT", "HKEY_USERS\\.DEFAULT"),
            ("HKCC\\System", "HKEY_CURRENT_CONFIG\\System"),
            ("HKEY_DYN_DATA\\PerfStats", "HKEY_DYN_DATA\\PerfStats"),
            ("HKEY_CURRENT_USER", "HKEY_CURRENT_USER"),
        ];
        for (written, canonical) in cases {
            let key = KeyPath::parse(written).unwrap_or_else(|| panic!("{written}"));
            assert_eq!(key.canonical, canonical, "{written}");
            assert_eq!(key.written, written);
            assert_eq!(key.folded, canonical.to_lowercase());
        }
        for bad in ["", "HKEY_LOCAL", "SOFTWARE\\X", "MACHINE\\X", " HKLM\\X"] {
            assert_eq!(KeyPath::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn case_differences_compare_equal() {
        let a = KeyPath::parse("HKLM\\SOFTWARE\\Microsoft").unwrap();
        let b = KeyPath::parse("HKEY_LOCAL_MACHINE\\Software\\microsoft").unwrap();
        assert_eq!(a.folded, b.folded);
        assert_ne!(a.canonical, b.canonical);
    }

    #[test]
    fn ancestry_respects_component_boundaries() {
        assert!(is_ancestor_or_self("hkey_users\\a", "hkey_users\\a"));
        assert!(is_ancestor_or_self("hkey_users\\a", "hkey_users\\a\\b"));
        assert!(!is_ancestor_or_self("hkey_users\\a", "hkey_users\\ab"));
        assert!(!is_ancestor_or_self("hkey_users\\a\\b", "hkey_users\\a"));
    }

    #[test]
    fn folding_handles_non_ascii_and_reuses_the_buffer() {
        assert_eq!(fold("ÄÖÜ Straße"), "äöü straße");
        let mut out = String::from("junk");
        assert_eq!(
            folded_key_into("HKLM\\Software\\Ä", &mut out),
            Some(Hive::LocalMachine)
        );
        assert_eq!(out, "hkey_local_machine\\software\\ä");
        assert_eq!(folded_key_into("NOPE\\x", &mut out), None);
    }
}
