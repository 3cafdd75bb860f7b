//! Windows registry `.reg` exports (regedit / `reg export`, REGEDIT4 and version 5).
//!
//! `type = "registry"`, `key` (any hive spelling), `value` (`"@"` or `""` for the default
//! value), optional `file` glob (default: every `*.reg` of the host, applied in sorted path
//! order so later files override earlier ones).
//!
//! For an audit the parser reads only the keys the baseline names (and deletions of their
//! ancestors); everything else is skipped by scanning raw bytes for line starts.

pub mod data;
mod filter;
pub mod key;
pub mod model;
pub mod parse;
pub mod write;

pub use data::Dialect;
pub use key::{Hive, KeyPath};
pub use model::{Record, RegistryModel};
pub use parse::{ParsedReg, parse_reg};
pub use write::{WriteError, encode_regedit, render_reg, write_reg};

use super::{
    Address, Collected, Collector, Diagnostic, HostFiles, ListedItem, Listing, field, only_fields,
    required,
};
use filter::{Filter, WantedSet};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The files read when a setting names no `file`.
const DEFAULT_FILES: &str = "*.reg";

pub struct RegistryCollector;

thread_local! {
    /// One read buffer per worker thread: exports are large and many, and a fresh buffer
    /// per file would cost a page fault per 4 KiB every time.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads a file into the thread's reused buffer and hands the bytes to `with`.
fn with_file_bytes<T>(path: &Path, with: impl FnOnce(&[u8]) -> T) -> std::io::Result<T> {
    READ_BUFFER.with(|cell| {
        let mut buffer = cell.borrow_mut();
        buffer.clear();
        let mut file = std::fs::File::open(path)?;
        if let Ok(meta) = file.metadata() {
            buffer.reserve(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
        }
        file.read_to_end(&mut buffer)?;
        let result = with(&buffer);
        // Keep the capacity for the next file, but not an outsized one forever.
        if buffer.capacity() > 64 << 20 {
            *buffer = Vec::new();
        }
        Ok(result)
    })
}

/// The default value is named `@` in addresses; `""` means the same.
fn address_name(value: &str) -> String {
    if value.is_empty() {
        "@".into()
    } else {
        value.to_string()
    }
}

impl Collector for RegistryCollector {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["key", "value", "file"])?;
        let key = required(source, "key")?.trim();
        if KeyPath::parse(key).is_none() {
            return Err(format!(
                "key `{key}` does not start with a registry hive; use one of {}",
                key::HIVE_HELP
            ));
        }
        let file = field(source, "file")?
            .unwrap_or_default()
            .replace('\\', "/");
        if !file.is_empty() {
            globset::Glob::new(&file).map_err(|e| format!("file `{file}`: {e}"))?;
        }
        Ok(Address {
            collector: self.name().into(),
            file,
            location: key.to_string(),
            name: address_name(required(source, "value")?),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("reg"))
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        // Addresses that read the same files share one model; each file is parsed once,
        // for every address that reads it.
        let mut groups: BTreeMap<Vec<PathBuf>, Vec<&Address>> = BTreeMap::new();
        for address in wanted {
            let pattern = if address.file.is_empty() {
                DEFAULT_FILES
            } else {
                &address.file
            };
            groups
                .entry(host.matching(pattern))
                .or_default()
                .push(address);
        }
        let mut readers: BTreeMap<&Path, Vec<&Address>> = BTreeMap::new();
        for (files, addresses) in &groups {
            for file in files {
                readers.entry(file).or_default().extend(addresses);
            }
        }
        let mut records: HashMap<&Path, Vec<Record>> = HashMap::new();
        for (file, addresses) in readers {
            collected.files_read.push(file.to_path_buf());
            let set = WantedSet::new(&addresses);
            let parsed = with_file_bytes(&host.root.join(file), |bytes| {
                parse::parse_filtered(bytes, file, Filter::Wanted(&set))
            });
            match parsed {
                Ok(parsed) => {
                    collected.diagnostics.extend(parsed.diagnostics);
                    records.insert(file, parsed.records);
                }
                Err(e) => collected
                    .diagnostics
                    .push(Diagnostic::file(file, format!("cannot read: {e}"))),
            }
        }
        for (files, addresses) in &groups {
            let mut model = RegistryModel::new();
            for file in files {
                if let Some(file_records) = records.get(file.as_path()) {
                    model.apply(file, file_records);
                }
            }
            for address in addresses {
                let Some(path) = KeyPath::parse(&address.location) else {
                    continue;
                };
                let found = model.key_folded(&path.folded).and_then(|key| {
                    let value = key.entry(&address.name)?;
                    model.item(key, value)
                });
                if let Some(item) = found {
                    collected.items.insert((*address).clone(), item);
                }
            }
        }
        collected
    }

    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        let value = if address.name.is_empty() {
            "@"
        } else {
            address.name.as_str()
        };
        Some(super::source_table(
            self.name(),
            &[("key", &address.location), ("value", value)],
        ))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        let parsed = match with_file_bytes(&root.join(relative_path), |bytes| {
            parse_reg(bytes, relative_path)
        }) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Listing {
                    items: Vec::new(),
                    diagnostics: vec![Diagnostic::file(relative_path, format!("cannot read: {e}"))],
                };
            }
        };
        let mut model = RegistryModel::new();
        model.apply(relative_path, &parsed.records);
        let file = relative_path.to_string_lossy().replace('\\', "/");
        let mut items: Vec<ListedItem> = model
            .keys()
            .flat_map(|key| key.values().map(move |value| (key, value)))
            .filter_map(|(key, value)| {
                Some(ListedItem {
                    address: Address {
                        collector: self.name().into(),
                        file: file.clone(),
                        location: key.written.clone(),
                        name: address_name(&value.name),
                    },
                    item: model.item(key, value)?,
                })
            })
            .collect();
        items.sort_by_key(|listed| listed.item.provenance.line);
        Listing {
            items,
            diagnostics: parsed.diagnostics,
        }
    }
}

#[cfg(test)]
mod tests;
