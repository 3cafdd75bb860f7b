//! What a host's registry exports say about keys a change touches: whether a key existed,
//! did not exist, or lies outside every export. A rollback may delete a key only when the
//! exports prove it was absent; regedit and `reg export` write a key with its whole subtree,
//! so a key missing below an exported key did not exist.

use crate::collect::HostFiles;
use crate::collect::reg::{KeyPath, RegistryModel, parse_reg};
use crate::inventory::Host;
use std::path::PathBuf;

/// The `.reg` files a registry setting reads when it names no `file`.
const DEFAULT_FILES: &str = "*.reg";

/// A key before the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key existed (exported itself, or an exported key lies below it).
    Existed,
    /// The key did not exist: this, its topmost missing ancestor, is what a rollback deletes.
    Absent { topmost_missing: String },
    /// No export covers the key: whether it existed is unknown.
    Unknown,
}

/// A host's registry as its exports leave it, read in full (only hosts a change touches).
pub struct HostRegistry {
    model: RegistryModel,
}

impl HostRegistry {
    /// Reads every file of `host` matching `pattern` (empty: every `.reg`), in the order the
    /// registry collector merges them. Unreadable files count as not exported.
    pub fn load(host: &Host, pattern: &str) -> HostRegistry {
        let (files, _) = crate::collect::walk::host_files(&host.path);
        let host_files = HostFiles {
            root: &host.path,
            files: &files,
        };
        let pattern = if pattern.is_empty() {
            DEFAULT_FILES
        } else {
            pattern
        };
        let mut model = RegistryModel::new();
        for relative in host_files.matching(pattern) {
            if let Ok(bytes) = std::fs::read(host.path.join(&relative)) {
                model.apply(&relative, &parse_reg(&bytes, &relative).records);
            }
        }
        HostRegistry::from_model(model)
    }

    pub fn from_model(model: RegistryModel) -> HostRegistry {
        HostRegistry { model }
    }

    /// Folded paths of keys that exist in the exports.
    fn existing(&self) -> impl Iterator<Item = String> + '_ {
        self.model
            .keys()
            .filter(|k| k.exists)
            .filter_map(|k| KeyPath::parse(&k.canonical).map(|p| p.folded))
    }

    /// The state of `key` before the change.
    pub fn key_state(&self, key: &str) -> KeyState {
        let Some(target) = KeyPath::parse(key) else {
            return KeyState::Unknown;
        };
        let wanted: Vec<&str> = target.folded.split('\\').collect();
        // Every ancestor of an existing key exists too, so the deepest existing ancestor of
        // the target is its longest common prefix with any existing key.
        let mut deepest_existing = 0;
        let mut covered = false;
        for existing in self.existing() {
            let parts: Vec<&str> = existing.split('\\').collect();
            let common = parts
                .iter()
                .zip(&wanted)
                .take_while(|(a, b)| a == b)
                .count();
            if common == wanted.len() {
                return KeyState::Existed;
            }
            covered |= common == parts.len();
            deepest_existing = deepest_existing.max(common);
        }
        if !covered {
            return KeyState::Unknown;
        }
        KeyState::Absent {
            topmost_missing: target
                .canonical
                .split('\\')
                .take(deepest_existing + 1)
                .collect::<Vec<_>>()
                .join("\\"),
        }
    }

    /// The export files read, for messages.
    pub fn files(&self) -> &[PathBuf] {
        self.model.files()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn registry() -> HostRegistry {
        let mut model = RegistryModel::new();
        model
            .set_value(
                "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
                "TcpTimedWaitDelay",
                Value::Dword(30),
            )
            .unwrap();
        model
            .create_key(
                "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{A}",
            )
            .unwrap();
        HostRegistry::from_model(model)
    }

    #[test]
    fn key_states_follow_what_the_exports_prove() {
        let registry = registry();
        let cases = [
            (
                "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
                KeyState::Existed,
            ),
            // An ancestor of an exported key exists even though it was not exported itself.
            ("HKLM\\SYSTEM\\CurrentControlSet\\Services", KeyState::Existed),
            (
                "hklm\\system\\currentcontrolset\\services\\tcpip\\parameters\\Winsock\\Sub",
                KeyState::Absent {
                    topmost_missing:
                        "HKEY_LOCAL_MACHINE\\system\\currentcontrolset\\services\\tcpip\\parameters\\Winsock"
                            .into(),
                },
            ),
            // Interfaces exists only as the parent of an exported key: keep it, delete {B}.
            (
                "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{B}\\X",
                KeyState::Absent {
                    topmost_missing: "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{B}".into(),
                },
            ),
            ("HKLM\\SOFTWARE\\Vendor", KeyState::Unknown),
            ("HKXX\\Nope", KeyState::Unknown),
        ];
        for (key, expected) in cases {
            assert_eq!(registry.key_state(key), expected, "{key}");
        }
    }

    #[test]
    fn deleted_keys_do_not_count_as_existing() {
        let mut model = RegistryModel::new();
        model.create_key("HKLM\\A").unwrap();
        model.create_key("HKLM\\A\\B").unwrap();
        model.delete_key("HKLM\\A\\B").unwrap();
        let registry = HostRegistry::from_model(model);
        assert_eq!(
            registry.key_state("HKLM\\A\\B\\C"),
            KeyState::Absent {
                topmost_missing: "HKEY_LOCAL_MACHINE\\A\\B".into()
            }
        );
    }
}
