//! Key/value text files: Windows-style ini, generic `key=value`/`key value` files, sysctl
//! configuration and sshd_config. Each dialect states which value wins for duplicates, as
//! the program that reads the file decides it.

use super::decode::{decode, numbered_lines};
use super::{
    Address, Collected, Collector, Diagnostic, HostFiles, Item, ListedItem, Listing, Provenance,
    field, only_fields, required,
};
use crate::value::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One key/value assignment as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Section (ini), `Match` criteria (sshd), or empty.
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// Which of several assignments to one key takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    First,
    Last,
}

/// Reads a file as text, or says why not.
fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    std::fs::read(root.join(relative))
        .map(|bytes| decode(&bytes).0.into_owned())
        .map_err(|e| Diagnostic::file(relative, format!("cannot read: {e}")))
}

fn strip_quotes(value: &str) -> &str {
    let v = value.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Windows `GetPrivateProfileString` dialect: `;`/`#` comment lines, `[section]` headers,
/// `key=value`, case-insensitive names, values trimmed and unquoted, first match wins.
/// Keys before any section belong to the empty section.
pub fn parse_ini(text: &str, file: &Path) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    let mut section = String::new();
    for (line_no, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            match rest.find(']') {
                Some(end) => section = rest[..end].trim().to_string(),
                None => diagnostics.push(Diagnostic::line(
                    file,
                    line_no,
                    format!("section header without `]`: {line}"),
                )),
            }
            continue;
        }
        match line.split_once('=') {
            Some((key, value)) => entries.push(Entry {
                section: section.clone(),
                key: key.trim().to_string(),
                value: strip_quotes(value).to_string(),
                line: line_no,
            }),
            // A bare key (configparser's allow_no_value) is present with an empty value.
            None => entries.push(Entry {
                section: section.clone(),
                key: line.to_string(),
                value: String::new(),
                line: line_no,
            }),
        }
    }
    (entries, diagnostics)
}

/// `key=value` or `key value` per line; `#` and `;` comment lines.
pub fn parse_key_value(text: &str) -> Vec<Entry> {
    numbered_lines(text)
        .filter_map(|(line_no, raw)| {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                return None;
            }
            let (key, value) = match line.split_once('=') {
                Some((k, v)) if !k.trim().contains(char::is_whitespace) => (k.trim(), v.trim()),
                _ => line
                    .split_once(char::is_whitespace)
                    .map_or((line, ""), |(k, v)| (k, v.trim())),
            };
            Some(Entry {
                section: String::new(),
                key: key.to_string(),
                value: strip_quotes(value).to_string(),
                line: line_no,
            })
        })
        .collect()
}

/// Normalises a sysctl key: `/` separators become `.`; when the first separator is `/`,
/// dots inside names (VLAN interfaces like `enp3s0.200`) are kept as `/`.
pub fn normalise_sysctl_key(key: &str) -> String {
    let key = key.trim();
    let first_sep = key.find(['.', '/']);
    match first_sep.map(|i| &key[i..=i]) {
        Some("/") => key
            .replace('.', "\u{0}")
            .replace('/', ".")
            .replace('\u{0}', "/"),
        _ => key.to_string(),
    }
}

/// sysctl.d(5): `key = value`, `#`/`;` comments, a leading `-` (ignore failures) stripped,
/// whitespace inside multi-token values normalised to one space. Last assignment wins.
pub fn parse_sysctl(text: &str, file: &Path) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    for (line_no, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let line = line.strip_prefix('-').unwrap_or(line);
        match line.split_once('=') {
            Some((key, value)) => entries.push(Entry {
                section: String::new(),
                key: normalise_sysctl_key(key),
                value: value.split_whitespace().collect::<Vec<_>>().join(" "),
                line: line_no,
            }),
            // `-key` with no value excludes a key from an earlier glob: not an assignment.
            None if raw.trim_start().starts_with('-') => {}
            None => diagnostics.push(
                // The key is known: the setting that reads it becomes `error`, not `missing`.
                Diagnostic::line(
                    file,
                    line_no,
                    format!("expected `key = value`, found `{line}`"),
                )
                .at("", Some(normalise_sysctl_key(line))),
            ),
        }
    }
    (entries, diagnostics)
}

/// sshd_config(5): keyword and arguments separated by whitespace or `=`; keywords are
/// case-insensitive; the first value obtained wins; `Match` starts a block that lasts to the
/// next `Match` (its entries carry the criteria as their section).
pub fn parse_sshd(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut section = String::new();
    for (line_no, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let split = line
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(line.len());
        let keyword = &line[..split];
        let rest = line[split..].trim_start().trim_start_matches('=').trim();
        if keyword.eq_ignore_ascii_case("Match") {
            section = format!("Match {rest}");
            continue;
        }
        entries.push(Entry {
            section: section.clone(),
            key: keyword.to_string(),
            value: strip_quotes(rest).to_string(),
            line: line_no,
        });
    }
    entries
}

/// How one dialect reads its files.
struct Dialect {
    winner: Winner,
    case_insensitive: bool,
}

/// Picks the winning entry per (section, key) and fills the wanted items.
fn select(
    dialect: &Dialect,
    entries: &[(PathBuf, Entry)],
    wanted: &[&Address],
    collected: &mut Collected,
) {
    let fold = |s: &str| {
        if dialect.case_insensitive {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let mut index: HashMap<(String, String), &(PathBuf, Entry)> = HashMap::new();
    for pair in entries {
        let key = (fold(&pair.1.section), fold(&pair.1.key));
        match dialect.winner {
            Winner::First => {
                index.entry(key).or_insert(pair);
            }
            Winner::Last => {
                index.insert(key, pair);
            }
        }
    }
    for address in wanted {
        let key = (fold(&address.location), fold(&address.name));
        if let Some((file, entry)) = index.get(&key) {
            collected.items.insert(
                (*address).clone(),
                Item {
                    value: Value::String(entry.value.clone()),
                    provenance: Provenance {
                        file: file.clone(),
                        line: entry.line,
                        location: entry.section.clone(),
                    },
                },
            );
        }
    }
}

fn list_entries(
    collector: &str,
    relative: &Path,
    entries: Vec<Entry>,
    diagnostics: Vec<Diagnostic>,
) -> Listing {
    Listing {
        items: entries
            .into_iter()
            .map(|e| ListedItem {
                address: Address {
                    collector: collector.into(),
                    file: relative.to_string_lossy().replace('\\', "/"),
                    location: e.section.clone(),
                    name: e.key.clone(),
                },
                item: Item {
                    value: Value::String(e.value),
                    provenance: Provenance {
                        file: relative.to_path_buf(),
                        line: e.line,
                        location: e.section,
                    },
                },
            })
            .collect(),
        diagnostics,
    }
}

/// A dialect's parser: file text (and its path, for diagnostics) to entries.
type ParseFn<'a> = &'a dyn Fn(&str, &Path) -> (Vec<Entry>, Vec<Diagnostic>);

/// Reads every file a set of addresses names (grouped so each file is read once), in the
/// order the dialect applies them.
fn gather(
    host: &HostFiles<'_>,
    patterns: &[&str],
    parse: ParseFn<'_>,
    collected: &mut Collected,
) -> Vec<(PathBuf, Entry)> {
    let mut entries = Vec::new();
    for pattern in patterns {
        for relative in host.matching(pattern) {
            if collected.files_read.contains(&relative) {
                continue;
            }
            collected.files_read.push(relative.clone());
            match read_text(host.root, &relative) {
                Ok(text) => {
                    let (parsed, diagnostics) = parse(&text, &relative);
                    entries.extend(parsed.into_iter().map(|e| (relative.clone(), e)));
                    collected.diagnostics.extend(diagnostics);
                }
                Err(diagnostic) => collected.diagnostics.push(diagnostic),
            }
        }
    }
    entries
}

/// Collects per file: addresses naming different files never see each other's entries.
fn collect_per_file(
    dialect: &Dialect,
    host: &HostFiles<'_>,
    wanted: &[&Address],
    parse: ParseFn<'_>,
) -> Collected {
    let mut collected = Collected::default();
    let mut by_file: std::collections::BTreeMap<&str, Vec<&Address>> =
        std::collections::BTreeMap::new();
    for address in wanted {
        by_file
            .entry(address.file.as_str())
            .or_default()
            .push(address);
    }
    for (file, addresses) in by_file {
        let mut part = Collected::default();
        let entries = gather(host, &[file], parse, &mut part);
        select(dialect, &entries, &addresses, &mut part);
        collected.items.extend(part.items);
        collected.diagnostics.extend(part.diagnostics);
        collected.files_read.extend(part.files_read);
    }
    collected
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// `type = "ini"`: `file`, optional `section`, `key`.
pub struct IniCollector;

impl Collector for IniCollector {
    fn name(&self) -> &'static str {
        "ini"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["file", "section", "key"])?;
        Ok(Address {
            collector: self.name().into(),
            file: required(source, "file")?.replace('\\', "/"),
            location: field(source, "section")?.unwrap_or_default().to_string(),
            name: required(source, "key")?.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        has_extension(relative_path, &["ini", "cfg"])
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let dialect = Dialect {
            winner: Winner::First,
            case_insensitive: true,
        };
        collect_per_file(&dialect, host, wanted, &|text, file| parse_ini(text, file))
    }

    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        Some(super::source_table(
            self.name(),
            &[
                ("file", &address.file),
                ("section", &address.location),
                ("key", &address.name),
            ],
        ))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        match read_text(root, relative_path) {
            Ok(text) => {
                let (entries, diagnostics) = parse_ini(&text, relative_path);
                list_entries(self.name(), relative_path, entries, diagnostics)
            }
            Err(d) => Listing {
                items: Vec::new(),
                diagnostics: vec![d],
            },
        }
    }
}

/// `type = "keyvalue"`: `file`, `key`, optional `duplicates = "first" | "last"` (default last).
pub struct KeyValueCollector;

impl Collector for KeyValueCollector {
    fn name(&self) -> &'static str {
        "keyvalue"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["file", "key", "duplicates"])?;
        let duplicates = field(source, "duplicates")?.unwrap_or("last");
        if duplicates != "first" && duplicates != "last" {
            return Err(format!(
                "duplicates must be \"first\" or \"last\", found `{duplicates}`"
            ));
        }
        Ok(Address {
            collector: self.name().into(),
            file: required(source, "file")?.replace('\\', "/"),
            // The winner rule travels in the location so two settings can read one file differently.
            location: if duplicates == "first" {
                "first".into()
            } else {
                String::new()
            },
            name: required(source, "key")?.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        has_extension(relative_path, &["conf", "properties", "env"])
            && !has_extension(relative_path, &["ini"])
            && !relative_path.to_string_lossy().contains("sysctl")
            && !relative_path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("sshd_config"))
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        for winner in [Winner::First, Winner::Last] {
            let subset: Vec<&Address> = wanted
                .iter()
                .copied()
                .filter(|a| (a.location == "first") == (winner == Winner::First))
                .collect();
            if subset.is_empty() {
                continue;
            }
            let dialect = Dialect {
                winner,
                case_insensitive: false,
            };
            // Entries carry no section; match on key alone.
            let normalized: Vec<Address> = subset
                .iter()
                .map(|a| Address {
                    location: String::new(),
                    ..(*a).clone()
                })
                .collect();
            let refs: Vec<&Address> = normalized.iter().collect();
            let part = collect_per_file(&dialect, host, &refs, &|text, _| {
                (parse_key_value(text), Vec::new())
            });
            for (original, normal) in subset.iter().zip(&normalized) {
                if let Some(item) = part.items.get(normal) {
                    collected.items.insert((*original).clone(), item.clone());
                }
            }
            collected.diagnostics.extend(part.diagnostics);
            collected.files_read.extend(part.files_read);
        }
        collected
    }

    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        let duplicates = if address.location == "first" {
            "first"
        } else {
            ""
        };
        Some(super::source_table(
            self.name(),
            &[
                ("file", &address.file),
                ("key", &address.name),
                ("duplicates", duplicates),
            ],
        ))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        match read_text(root, relative_path) {
            Ok(text) => list_entries(
                self.name(),
                relative_path,
                parse_key_value(&text),
                Vec::new(),
            ),
            Err(d) => Listing {
                items: Vec::new(),
                diagnostics: vec![d],
            },
        }
    }
}

/// Where sysctl settings live in a Linux host export, in the order they are applied:
/// drop-ins in lexical order of file name, then /etc/sysctl.conf.
const SYSCTL_FILES: [&str; 5] = [
    "usr/lib/sysctl.d/*.conf",
    "run/sysctl.d/*.conf",
    "etc/sysctl.d/*.conf",
    "etc/sysctl.conf",
    "sysctl.conf",
];

/// `type = "sysctl"`: `key` (dots or slashes), optional `file` to read one file only.
pub struct SysctlCollector;

impl Collector for SysctlCollector {
    fn name(&self) -> &'static str {
        "sysctl"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["key", "file"])?;
        Ok(Address {
            collector: self.name().into(),
            file: field(source, "file")?
                .unwrap_or_default()
                .replace('\\', "/"),
            location: String::new(),
            name: normalise_sysctl_key(required(source, "key")?),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        let text = relative_path.to_string_lossy().replace('\\', "/");
        text.contains("sysctl") && has_extension(relative_path, &["conf"])
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let dialect = Dialect {
            winner: Winner::Last,
            case_insensitive: false,
        };
        let (explicit, default): (Vec<&Address>, Vec<&Address>) =
            wanted.iter().partition(|a| !a.file.is_empty());
        let mut collected = collect_per_file(&dialect, host, &explicit, &|t, f| parse_sysctl(t, f));
        if !default.is_empty() {
            // Drop-ins with the same file name: /etc masks /run masks /usr/lib.
            let mut files: Vec<PathBuf> = Vec::new();
            for pattern in &SYSCTL_FILES[..3] {
                for file in host.matching(pattern) {
                    let name = file.file_name().map(|n| n.to_os_string());
                    files.retain(|f| f.file_name().map(|n| n.to_os_string()) != name);
                    files.push(file);
                }
            }
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            for pattern in &SYSCTL_FILES[3..] {
                files.extend(
                    host.matching(pattern)
                        .into_iter()
                        .filter(|f| f.components().count() == pattern.split('/').count()),
                );
            }
            let mut entries = Vec::new();
            for file in files {
                collected.files_read.push(file.clone());
                match read_text(host.root, &file) {
                    Ok(text) => {
                        let (parsed, diagnostics) = parse_sysctl(&text, &file);
                        entries.extend(parsed.into_iter().map(|e| (file.clone(), e)));
                        collected.diagnostics.extend(diagnostics);
                    }
                    Err(d) => collected.diagnostics.push(d),
                }
            }
            // Glob keys (`net.ipv4.conf.*.rp_filter`) apply to every wanted key they match.
            let mut expanded = Vec::new();
            for (file, entry) in entries {
                if entry.key.contains(['*', '?']) {
                    if let Ok(glob) = globset::Glob::new(&entry.key) {
                        let matcher = glob.compile_matcher();
                        for address in &default {
                            if matcher.is_match(&address.name) {
                                expanded.push((
                                    file.clone(),
                                    Entry {
                                        key: address.name.clone(),
                                        ..entry.clone()
                                    },
                                ));
                            }
                        }
                    }
                } else {
                    expanded.push((file, entry));
                }
            }
            select(&dialect, &expanded, &default, &mut collected);
        }
        collected
    }

    /// Captured sysctl items read the effective value (all files in order), not one file.
    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        Some(super::source_table(self.name(), &[("key", &address.name)]))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        match read_text(root, relative_path) {
            Ok(text) => {
                let (entries, diagnostics) = parse_sysctl(&text, relative_path);
                list_entries(self.name(), relative_path, entries, diagnostics)
            }
            Err(d) => Listing {
                items: Vec::new(),
                diagnostics: vec![d],
            },
        }
    }
}

/// `type = "sshd"`: `key` (keyword), optional `match` (a Match block's criteria, as written
/// after `Match`), optional `file` (default `etc/ssh/sshd_config`).
pub struct SshdCollector;

const SSHD_DEFAULT: &str = "etc/ssh/sshd_config";

impl Collector for SshdCollector {
    fn name(&self) -> &'static str {
        "sshd"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["key", "match", "file"])?;
        Ok(Address {
            collector: self.name().into(),
            file: field(source, "file")?
                .unwrap_or(SSHD_DEFAULT)
                .replace('\\', "/"),
            location: field(source, "match")?
                .map(|m| format!("Match {}", m.trim()))
                .unwrap_or_default(),
            name: required(source, "key")?.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("sshd_config"))
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let dialect = Dialect {
            winner: Winner::First,
            case_insensitive: true,
        };
        collect_per_file(&dialect, host, wanted, &|text, _| {
            (parse_sshd(text), Vec::new())
        })
    }

    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        let criteria = address.location.strip_prefix("Match ").unwrap_or_default();
        let file = if address.file == SSHD_DEFAULT {
            ""
        } else {
            address.file.as_str()
        };
        Some(super::source_table(
            self.name(),
            &[("key", &address.name), ("match", criteria), ("file", file)],
        ))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        match read_text(root, relative_path) {
            Ok(text) => list_entries(self.name(), relative_path, parse_sshd(&text), Vec::new()),
            Err(d) => Listing {
                items: Vec::new(),
                diagnostics: vec![d],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_first_value_wins_names_are_case_insensitive() {
        let (entries, diagnostics) = parse_ini(
            "top=1\n[Net]\nMode = \"fast\" \n;c\n[net]\nmode=slow\nflag\n",
            Path::new("a.ini"),
        );
        assert!(diagnostics.is_empty());
        assert_eq!(
            entries[0],
            Entry {
                section: String::new(),
                key: "top".into(),
                value: "1".into(),
                line: 1
            }
        );
        assert_eq!(entries[1].value, "fast");
        assert_eq!(
            entries[3],
            Entry {
                section: "net".into(),
                key: "flag".into(),
                value: String::new(),
                line: 7
            }
        );
    }

    #[test]
    fn sysctl_keys_normalise_and_values_fold_whitespace() {
        assert_eq!(
            normalise_sysctl_key("net/ipv4/conf/enp3s0.200/forwarding"),
            "net.ipv4.conf.enp3s0/200.forwarding"
        );
        assert_eq!(
            normalise_sysctl_key("net.ipv4.tcp_syncookies"),
            "net.ipv4.tcp_syncookies"
        );
        let (entries, diagnostics) =
            parse_sysctl("a.b=1\n-c.d = 2\t 3\n-e.f\nbad line\n", Path::new("x.conf"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].value, "2 3");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, 4);
    }

    #[test]
    fn sshd_match_blocks_are_kept_apart() {
        let entries = parse_sshd(
            "PermitRootLogin no\nMatch Group administrators\n  AuthorizedKeysFile x\nPort=22\n",
        );
        assert_eq!(entries[0].section, "");
        assert_eq!(entries[1].section, "Match Group administrators");
        assert_eq!(entries[2].key, "Port");
        assert_eq!(entries[2].value, "22");
    }

    #[test]
    fn key_value_accepts_equals_and_whitespace_forms() {
        let entries = parse_key_value("a=1\nb 2\n# c\nd = \"x y\"\n");
        let pairs: Vec<_> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(pairs, vec![("a", "1"), ("b", "2"), ("d", "x y")]);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn key() -> impl Strategy<Value = String> {
            "[a-z][a-z0-9_]{0,8}(\\.[a-z][a-z0-9_]{0,8}){0,3}"
        }

        fn value() -> impl Strategy<Value = String> {
            "[A-Za-z0-9_/:.-]([A-Za-z0-9_/:. -]{0,12}[A-Za-z0-9_/:.-])?"
        }

        proptest! {
            #[test]
            fn parsers_never_panic_on_arbitrary_text(text in "\\PC{0,200}") {
                let _ = parse_ini(&text, Path::new("x.ini"));
                let _ = parse_sysctl(&text, Path::new("x.conf"));
                let _ = parse_sshd(&text);
                let _ = parse_key_value(&text);
            }

            #[test]
            fn rendered_sysctl_parses_back(pairs in proptest::collection::vec((key(), value()), 0..12)) {
                let text: String = pairs.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
                let (entries, diagnostics) = parse_sysctl(&text, Path::new("x.conf"));
                prop_assert!(diagnostics.is_empty());
                let got: Vec<(String, String)> = entries.into_iter().map(|e| (e.key, e.value)).collect();
                let want: Vec<(String, String)> = pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
                    .collect();
                prop_assert_eq!(got, want);
            }

            #[test]
            fn rendered_ini_parses_back(sections in proptest::collection::vec(("[A-Za-z][A-Za-z0-9 ]{0,8}[A-Za-z0-9]", proptest::collection::vec((key(), value()), 0..5)), 0..4)) {
                let mut text = String::new();
                let mut want = Vec::new();
                for (section, pairs) in &sections {
                    text.push_str(&format!("[{section}]\r\n"));
                    for (k, v) in pairs {
                        text.push_str(&format!("{k} = {v}\r\n"));
                        want.push((section.clone(), k.clone(), v.clone()));
                    }
                }
                let (entries, diagnostics) = parse_ini(&text, Path::new("x.ini"));
                prop_assert!(diagnostics.is_empty());
                let got: Vec<_> = entries.into_iter().map(|e| (e.section, e.key, e.value)).collect();
                prop_assert_eq!(got, want);
            }

            #[test]
            fn rendered_sshd_parses_back(pairs in proptest::collection::vec(("[A-Z][A-Za-z]{1,12}", value()), 0..10)) {
                let text: String = pairs.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
                let got: Vec<(String, String)> = parse_sshd(&text).into_iter().map(|e| (e.key, e.value)).collect();
                let want: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("match")).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
