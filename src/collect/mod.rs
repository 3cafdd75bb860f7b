//! Collection: turning a host's exported files into configuration items.
//!
//! Each source format is one module implementing [`Collector`]; [`registry()`] lists them.
//! A collector is handed the addresses a host's resolved baseline asks for and materializes
//! only those items, so a large export never becomes a large map in memory.

pub mod decode;
pub mod file;
pub mod iis;
pub mod kv;
pub mod reg;
pub mod services;
pub mod walk;
pub mod wmi;

use crate::value::Value;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// Where an actual value came from: file (relative to the host folder), line, and the
/// location inside the file (registry key, ini section, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub file: PathBuf,
    /// 1-based line; 0 when the format has no lines (binary files, whole-file properties).
    pub line: u32,
    pub location: String,
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self.file.display().to_string().replace('\\', "/");
        if self.line > 0 {
            write!(f, "{file}:{}", self.line)
        } else {
            f.write_str(&file)
        }
    }
}

/// One collected configuration item: its value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub value: Value,
    pub provenance: Provenance,
}

/// A problem reading an export: file, line and reason. When the collector knows which
/// item the bad input was meant to set, `address` says so, and that setting's verdict
/// becomes `error` rather than `missing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: u32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, not the expected format).
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            message: message.into(),
            location: None,
            name: None,
        }
    }

    /// A problem on one line.
    pub fn line(file: impl Into<PathBuf>, line: u32, message: impl Into<String>) -> Self {
        Self {
            line,
            ..Self::file(file, message)
        }
    }

    /// Attaches the canonical location (and value name, if known) the bad input addressed.
    pub fn at(mut self, location: impl Into<String>, name: Option<String>) -> Self {
        self.location = Some(location.into());
        self.name = name;
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self.file.display().to_string().replace('\\', "/");
        if self.line > 0 {
            write!(f, "{file}:{}: {}", self.line, self.message)
        } else {
            write!(f, "{file}: {}", self.message)
        }
    }
}

/// A normalised item address, parsed by a collector from a setting's `source` table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Address {
    /// The collector's name (`registry`, `file`, `ini`, ...).
    pub collector: String,
    /// The export file(s) to read, relative to the host folder; a glob where the collector
    /// allows several (`*.reg`). Empty means the collector's default.
    pub file: String,
    /// The location inside the export: registry key, ini section, ... (may be empty).
    pub location: String,
    /// The item's name at that location: value name, key, property, check.
    pub name: String,
}

impl Address {
    /// Case-folded key under which the collector stores the item; two addresses that denote
    /// the same item compare equal here.
    pub fn lookup_key(&self, case_insensitive: bool) -> (String, String) {
        if case_insensitive {
            (self.location.to_lowercase(), self.name.to_lowercase())
        } else {
            (self.location.clone(), self.name.clone())
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = vec![self.collector.clone()];
        if !self.file.is_empty() {
            parts.push(self.file.clone());
        }
        if !self.location.is_empty() {
            parts.push(self.location.clone());
        }
        if !self.name.is_empty() {
            parts.push(self.name.clone());
        }
        f.write_str(&parts.join(" | "))
    }
}

/// What a collector found for a host: the requested items it could find, and diagnostics.
#[derive(Debug, Default)]
pub struct Collected {
    pub items: HashMap<Address, Item>,
    /// For addresses that select many objects (every user object under an OU, every
    /// instance of a WMI class): one entry per object, labelled (a DN, an instance key),
    /// with the object's item, or `None` when that object lacks it. Each entry gets its own
    /// verdict. An empty list means the selection matched no object.
    pub instances: HashMap<Address, Vec<(String, Option<Item>)>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files the collector read, relative to the host folder (for `explain` and reports).
    pub files_read: Vec<PathBuf>,
}

/// One row of `confaudit collect`: every item a file holds, unfiltered.
#[derive(Debug, Clone, Serialize)]
pub struct ListedItem {
    pub address: Address,
    pub item: Item,
}

/// Everything a file holds, for `confaudit collect`.
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<ListedItem>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The files of one host, with symlinks that leave the folder already refused.
pub struct HostFiles<'a> {
    pub root: &'a Path,
    /// Every regular file under the host folder, relative to it, sorted.
    pub files: &'a [PathBuf],
}

impl HostFiles<'_> {
    /// Files matching a glob relative to the host folder (`*.reg` matches at any depth,
    /// `etc/ssh/sshd_config` matches exactly), in sorted order. Case-insensitive, as the
    /// exports come from Windows.
    pub fn matching(&self, pattern: &str) -> Vec<PathBuf> {
        let Some(matcher) = file_pattern(pattern) else {
            return Vec::new();
        };
        let by_path = pattern.contains('/');
        self.files
            .iter()
            .filter(|f| {
                if by_path {
                    matcher.is_match(f)
                } else {
                    f.file_name().is_some_and(|n| matcher.is_match(n))
                }
            })
            .cloned()
            .collect()
    }
}

/// A compiled file pattern, shared by every host of a run: compiling a glob costs far more
/// than matching one host's file list against it. `None` for an invalid pattern.
fn file_pattern(pattern: &str) -> Option<Arc<globset::GlobMatcher>> {
    type Cache = RwLock<HashMap<String, Option<Arc<globset::GlobMatcher>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.read().ok().and_then(|c| c.get(pattern).cloned()) {
        return found;
    }
    let compiled = globset::GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(pattern.contains('/'))
        .build()
        .ok()
        .map(|glob| Arc::new(glob.compile_matcher()));
    if let Ok(mut c) = cache.write() {
        c.insert(pattern.to_string(), compiled.clone());
    }
    compiled
}

/// A source format: parses addresses from templates, collects requested items from a host,
/// and lists everything a single file holds.
pub trait Collector: Sync {
    /// The `type` that selects this collector in a setting's `source` table.
    fn name(&self) -> &'static str;

    /// Turns a setting's `source` table into an address, or says what is wrong with it.
    fn parse_address(&self, source: &toml::Table) -> Result<Address, String>;

    /// Whether `collect PATH` should hand this file to this collector.
    fn claims(&self, relative_path: &Path) -> bool;

    /// Collects the requested items (all of this collector's addresses for one host).
    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected;

    /// Lists every item in one file, for `confaudit collect`.
    fn list(&self, root: &Path, relative_path: &Path) -> Listing;

    /// The `source` table that addresses this item, for templates written by `capture` and
    /// rollback; `None` when the collector's items cannot be captured.
    fn source_for(&self, _address: &Address) -> Option<toml::Table> {
        None
    }
}

/// Builds a `source` table from string fields, skipping empty ones.
pub fn source_table(collector: &str, fields: &[(&str, &str)]) -> toml::Table {
    let mut table = toml::Table::new();
    table.insert("type".into(), toml::Value::String(collector.into()));
    for (key, value) in fields {
        if !value.is_empty() {
            table.insert((*key).into(), toml::Value::String((*value).into()));
        }
    }
    table
}

/// Every collector confaudit knows, in a fixed order. Adding a source is one module plus
/// one line here.
pub fn registry() -> &'static [&'static dyn Collector] {
    &[
        &reg::RegistryCollector,
        &file::FileCollector,
        &kv::IniCollector,
        &kv::KeyValueCollector,
        &kv::SysctlCollector,
        &kv::SshdCollector,
        &wmi::WmiCollector,
        &services::ServiceCollector,
        &iis::IisCollector,
        &iis::MetabaseCollector,
    ]
}

/// Looks a collector up by its `type` name.
pub fn by_name(name: &str) -> Option<&'static dyn Collector> {
    registry().iter().copied().find(|c| c.name() == name)
}

/// Reads a string field of a source table.
pub fn field<'t>(source: &'t toml::Table, key: &str) -> Result<Option<&'t str>, String> {
    match source.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "`{key}` must be a string, found {}",
            other.type_str()
        )),
    }
}

/// Reads a required string field of a source table.
pub fn required<'t>(source: &'t toml::Table, key: &str) -> Result<&'t str, String> {
    field(source, key)?.ok_or_else(|| format!("missing `{key}`"))
}

/// Rejects fields a collector does not know (templates are strict, like `deny_unknown_fields`).
pub fn only_fields(source: &toml::Table, known: &[&str]) -> Result<(), String> {
    for key in source.keys() {
        if key != "type" && !known.contains(&key.as_str()) {
            return Err(format!(
                "unknown field `{key}` in source; expected one of: type, {}",
                known.join(", ")
            ));
        }
    }
    Ok(())
}
