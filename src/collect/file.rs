//! Whole-file properties: existence, size, SHA-256, and content (compared with a reference
//! file kept beside the template; a mismatch is reported as a unified diff).

use super::{
    Address, Collected, Collector, HostFiles, Item, ListedItem, Listing, Provenance, only_fields,
    required,
};
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub struct FileCollector;

const CHECKS: [&str; 4] = ["exists", "size", "sha256", "content"];

/// Largest file whose content is compared whole; larger ones should be checked by hash.
const MAX_CONTENT: u64 = 16 * 1024 * 1024;

impl Collector for FileCollector {
    fn name(&self) -> &'static str {
        "file"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["file", "check"])?;
        let file = required(source, "file")?;
        let check = required(source, "check")?;
        if !CHECKS.contains(&check) {
            return Err(format!(
                "check `{check}` is not one of: {}",
                CHECKS.join(", ")
            ));
        }
        Ok(Address {
            collector: self.name().into(),
            file: file.replace('\\', "/"),
            location: String::new(),
            name: check.into(),
        })
    }

    /// `collect` lists file properties only when asked for a single file.
    fn claims(&self, _relative_path: &Path) -> bool {
        false
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        for address in wanted {
            // Exact path, case-insensitive (Windows exports).
            let Some(relative) = host.matching(&address.file).into_iter().next() else {
                continue;
            };
            let path = host.root.join(&relative);
            collected.files_read.push(relative.clone());
            match file_property(&path, &address.name) {
                Ok(value) => {
                    collected.items.insert(
                        (*address).clone(),
                        Item {
                            value,
                            provenance: Provenance {
                                file: relative,
                                line: 0,
                                location: address.name.clone(),
                            },
                        },
                    );
                }
                Err(message) => collected.diagnostics.push(
                    super::Diagnostic::file(&relative, message).at("", Some(address.name.clone())),
                ),
            }
        }
        collected
    }

    fn source_for(&self, address: &Address) -> Option<toml::Table> {
        Some(super::source_table(
            self.name(),
            &[("file", &address.file), ("check", &address.name)],
        ))
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        let mut listing = Listing::default();
        for check in ["size", "sha256"] {
            match file_property(&root.join(relative_path), check) {
                Ok(value) => listing.items.push(ListedItem {
                    address: Address {
                        collector: self.name().into(),
                        file: relative_path.to_string_lossy().replace('\\', "/"),
                        location: String::new(),
                        name: check.into(),
                    },
                    item: Item {
                        value,
                        provenance: Provenance {
                            file: relative_path.to_path_buf(),
                            line: 0,
                            location: String::new(),
                        },
                    },
                }),
                Err(message) => listing
                    .diagnostics
                    .push(super::Diagnostic::file(relative_path, message)),
            }
        }
        listing
    }
}

fn file_property(path: &Path, check: &str) -> Result<Value, String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    match check {
        "exists" => Ok(Value::Boolean(true)),
        "size" => Ok(Value::Integer(
            i64::try_from(metadata.len()).unwrap_or(i64::MAX),
        )),
        "sha256" => {
            let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
            let mut hasher = Sha256::new();
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = file
                    .read(&mut buffer)
                    .map_err(|e| format!("cannot read: {e}"))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
            }
            let digest = hasher.finalize();
            Ok(Value::String(
                digest.iter().map(|b| format!("{b:02x}")).collect(),
            ))
        }
        "content" => {
            if metadata.len() > MAX_CONTENT {
                return Err(format!(
                    "{} bytes is too large to compare whole; check `sha256` instead",
                    metadata.len()
                ));
            }
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
            Ok(Value::String(super::decode::decode(&bytes).0.into_owned()))
        }
        other => Err(format!("unknown file check `{other}`")),
    }
}
