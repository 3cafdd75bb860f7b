//! The registry model: keys and their values, looked up case-insensitively with the
//! original spelling kept. It records what a sequence of `.reg` records does, in order:
//! values set, values deleted, keys deleted (with their subtree) and re-created. Applying
//! parsed files gives the state an import would leave; building one by hand and writing it
//! gives a `.reg` that performs those changes (rollback).

use super::key::{KeyPath, fold, is_ancestor_or_self};
use crate::collect::{Item, Provenance};
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line's effect, as the parser reads it. Values apply to the key opened last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `[key]`: creates or opens a key.
    Key { path: KeyPath, line: u32 },
    /// `[-key]`: deletes a key and everything below it.
    DeleteKey { path: KeyPath, line: u32 },
    /// `"name"=data` (`data` set) or `"name"=-` (`data` none). The default value's name
    /// is empty (written `@`).
    Value {
        name: String,
        data: Option<Value>,
        line: u32,
    },
}

/// Where a value was set: an index into [`RegistryModel::files`] and a 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: usize,
    pub line: u32,
}

/// One value of a key, or the deletion of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueEntry {
    /// The name as first written (`""` is the default value).
    pub name: String,
    /// The data, or `None` when the value is deleted (`"name"=-`).
    pub data: Option<Value>,
    /// Where the last change came from; `None` for changes made through the API.
    pub origin: Option<Origin>,
}

/// One key: whether it is deleted first (`[-key]`), whether it exists afterwards
/// (`[key]`), and its values in case-folded name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// The path as first written (spelling, alias and case kept for reports).
    pub written: String,
    /// Full hive name plus the path as first written: what a `.reg` file must contain.
    pub canonical: String,
    /// The key (and its subtree) is deleted before anything else happens to it.
    pub deleted: bool,
    /// The key exists after the changes (created, opened, or given values).
    pub exists: bool,
    values: BTreeMap<String, ValueEntry>,
}

impl KeyEntry {
    fn new(path: &KeyPath) -> KeyEntry {
        KeyEntry {
            written: path.written.clone(),
            canonical: path.canonical.clone(),
            deleted: false,
            exists: false,
            values: BTreeMap::new(),
        }
    }

    /// Values and value deletions, default value first, then by case-folded name.
    pub fn values(&self) -> impl Iterator<Item = &ValueEntry> {
        self.values.values()
    }

    /// The value or deletion recorded under a name (any case; `""` or `@` for default).
    pub fn entry(&self, name: &str) -> Option<&ValueEntry> {
        self.values.get(&fold_value_name(name))
    }

    fn set(&mut self, name: &str, data: Option<Value>, origin: Option<Origin>) {
        let slot = self
            .values
            .entry(fold_value_name(name))
            .or_insert_with(|| ValueEntry {
                name: value_name(name).to_string(),
                data: None,
                origin: None,
            });
        slot.data = data;
        slot.origin = origin;
    }
}

/// The default value's name is empty; `@` is how .reg files and templates spell it.
fn value_name(name: &str) -> &str {
    if name == "@" { "" } else { name }
}

/// Comparison key of a value name.
pub fn fold_value_name(name: &str) -> String {
    fold(value_name(name))
}

/// A key path that names no known hive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` does not start with a registry hive ({hives})", hives = super::key::HIVE_HELP)]
pub struct UnknownHive(pub String);

fn key_path(path: &str) -> Result<KeyPath, UnknownHive> {
    KeyPath::parse(path).ok_or_else(|| UnknownHive(path.to_string()))
}

/// A folded key path ordered component by component, so that a key's whole subtree sorts
/// right after it (regedit's export order), not interleaved with siblings such as `T2`
/// between `T` and `T\Sub`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TreeKey(String);

impl Ord for TreeKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.split('\\').cmp(other.0.split('\\'))
    }
}

impl PartialOrd for TreeKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Keys by case-folded canonical path, each followed by its subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryModel {
    keys: BTreeMap<TreeKey, KeyEntry>,
    files: Vec<PathBuf>,
}

impl RegistryModel {
    pub fn new() -> RegistryModel {
        RegistryModel::default()
    }

    /// Applies one file's records in order (values go to the key opened last; values
    /// before any key are ignored, the parser has already reported them).
    pub fn apply(&mut self, file: &Path, records: &[Record]) {
        let file_index = self.files.len();
        self.files.push(file.to_path_buf());
        let mut current: Option<TreeKey> = None;
        for record in records {
            match record {
                Record::Key { path, .. } => {
                    self.open(path).exists = true;
                    current = Some(TreeKey(path.folded.clone()));
                }
                Record::DeleteKey { path, .. } => {
                    self.delete(path);
                    current = None;
                }
                Record::Value { name, data, line } => {
                    let Some(key) = current.as_mut().and_then(|k| self.keys.get_mut(k)) else {
                        continue;
                    };
                    let origin = Origin {
                        file: file_index,
                        line: *line,
                    };
                    key.set(name, data.clone(), Some(origin));
                }
            }
        }
    }

    fn open(&mut self, path: &KeyPath) -> &mut KeyEntry {
        self.keys
            .entry(TreeKey(path.folded.clone()))
            .or_insert_with(|| KeyEntry::new(path))
    }

    fn delete(&mut self, path: &KeyPath) {
        // The subtree sorts right after the key itself.
        let below: Vec<TreeKey> = self
            .keys
            .range(TreeKey(path.folded.clone())..)
            .take_while(|(k, _)| is_ancestor_or_self(&path.folded, &k.0))
            .filter(|(k, _)| k.0 != path.folded)
            .map(|(k, _)| k.clone())
            .collect();
        for key in below {
            self.keys.remove(&key);
        }
        let entry = self.open(path);
        entry.deleted = true;
        entry.exists = false;
        entry.values.clear();
    }

    /// Creates (or opens) a key: `[key]`.
    pub fn create_key(&mut self, path: &str) -> Result<(), UnknownHive> {
        let path = key_path(path)?;
        self.open(&path).exists = true;
        Ok(())
    }

    /// Deletes a key and its subtree: `[-key]`.
    pub fn delete_key(&mut self, path: &str) -> Result<(), UnknownHive> {
        let path = key_path(path)?;
        self.delete(&path);
        Ok(())
    }

    /// Sets a value (`name` `""` or `@` is the default value), creating the key.
    pub fn set_value(&mut self, key: &str, name: &str, value: Value) -> Result<(), UnknownHive> {
        let path = key_path(key)?;
        let entry = self.open(&path);
        entry.exists = true;
        entry.set(name, Some(value), None);
        Ok(())
    }

    /// Deletes a value: `"name"=-` (opening the key, as the import does).
    pub fn delete_value(&mut self, key: &str, name: &str) -> Result<(), UnknownHive> {
        let path = key_path(key)?;
        let entry = self.open(&path);
        entry.exists = true;
        entry.set(name, None, None);
        Ok(())
    }

    /// A key by path, any spelling of hive and case.
    pub fn key(&self, path: &str) -> Option<&KeyEntry> {
        self.key_folded(&KeyPath::parse(path)?.folded)
    }

    /// A key by its folded canonical path ([`KeyPath::folded`]).
    pub fn key_folded(&self, folded: &str) -> Option<&KeyEntry> {
        self.keys.get(&TreeKey(folded.to_string()))
    }

    /// The data a value has after the changes (`None` if absent or deleted).
    pub fn value(&self, key: &str, name: &str) -> Option<&Value> {
        self.key(key)?.entry(name)?.data.as_ref()
    }

    /// Every key, each followed by its subtree (children in case-folded name order).
    pub fn keys(&self) -> impl Iterator<Item = &KeyEntry> {
        self.keys.values()
    }

    /// The files applied, in order ([`Origin::file`] indexes this).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// A present value as a collected item, with its provenance (file, line, key as
    /// written). Values set through the API have no provenance and give `None`.
    pub fn item(&self, key: &KeyEntry, value: &ValueEntry) -> Option<Item> {
        let origin = value.origin?;
        Some(Item {
            value: value.data.clone()?,
            provenance: Provenance {
                file: self.files.get(origin.file)?.clone(),
                line: origin.line,
                location: key.written.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str, line: u32) -> Record {
        Record::Key {
            path: KeyPath::parse(text).unwrap(),
            line,
        }
    }

    fn delete(text: &str, line: u32) -> Record {
        Record::DeleteKey {
            path: KeyPath::parse(text).unwrap(),
            line,
        }
    }

    fn set(name: &str, value: Option<Value>, line: u32) -> Record {
        Record::Value {
            name: name.into(),
            data: value,
            line,
        }
    }

    #[test]
    fn last_write_wins_and_deletions_apply_in_order() {
        let mut model = RegistryModel::new();
        model.apply(
            Path::new("a.reg"),
            &[
                key("HKEY_LOCAL_MACHINE\\Software\\X", 3),
                set("A", Some(Value::Dword(1)), 4),
                set("B", Some(Value::Dword(2)), 5),
                key("HKLM\\SOFTWARE\\x", 7),
                set("a", Some(Value::Dword(3)), 8),
                set("b", None, 9),
            ],
        );
        let x = model.key("hkey_local_machine\\software\\X").unwrap();
        assert_eq!(x.written, "HKEY_LOCAL_MACHINE\\Software\\X");
        let a = x.entry("A").unwrap();
        assert_eq!((a.name.as_str(), &a.data), ("A", &Some(Value::Dword(3))));
        assert_eq!(a.origin, Some(Origin { file: 0, line: 8 }));
        assert_eq!(model.value("HKLM\\Software\\X", "B"), None);
        assert_eq!(x.entry("b").unwrap().data, None);
    }

    #[test]
    fn key_deletion_removes_the_subtree_and_recreation_works() {
        let mut model = RegistryModel::new();
        model.apply(
            Path::new("a.reg"),
            &[
                key("HKCU\\T\\Sub", 1),
                set("v", Some(Value::Dword(1)), 2),
                key("HKCU\\T", 3),
                set("w", Some(Value::Dword(1)), 4),
                key("HKCU\\T2", 5),
                set("kept", Some(Value::Dword(1)), 6),
                delete("HKEY_CURRENT_USER\\t", 7),
                set("ignored", Some(Value::Dword(9)), 8),
                key("HKCU\\T\\Sub", 9),
                set("v", Some(Value::Dword(2)), 10),
            ],
        );
        assert_eq!(model.value("HKCU\\T", "w"), None);
        assert_eq!(model.value("HKCU\\T\\Sub", "v"), Some(&Value::Dword(2)));
        assert_eq!(model.value("HKCU\\T2", "kept"), Some(&Value::Dword(1)));
        let t = model.key("HKCU\\T").unwrap();
        assert!(t.deleted && !t.exists);
        assert_eq!(t.values().count(), 0);
        let order: Vec<&str> = model.keys().map(|k| k.canonical.as_str()).collect();
        assert_eq!(
            order,
            [
                "HKEY_CURRENT_USER\\T",
                "HKEY_CURRENT_USER\\T\\Sub",
                "HKEY_CURRENT_USER\\T2"
            ]
        );
    }

    #[test]
    fn files_merge_in_the_order_applied() {
        let mut model = RegistryModel::new();
        model.apply(
            Path::new("1.reg"),
            &[
                key("HKLM\\K", 1),
                set("@", Some(Value::String("one".into())), 2),
            ],
        );
        model.apply(
            Path::new("2.reg"),
            &[
                key("HKLM\\K", 1),
                set("", Some(Value::String("two".into())), 2),
            ],
        );
        let k = model.key("HKLM\\K").unwrap();
        let default = k.entry("@").unwrap();
        assert_eq!(default.data, Some(Value::String("two".into())));
        let item = model.item(k, default).unwrap();
        assert_eq!(item.provenance.file, PathBuf::from("2.reg"));
        assert_eq!(item.provenance.location, "HKLM\\K");
    }

    #[test]
    fn api_changes_mirror_the_records() {
        let mut model = RegistryModel::new();
        model.set_value("HKLM\\A", "x", Value::Dword(1)).unwrap();
        model.delete_value("HKLM\\A", "y").unwrap();
        model.create_key("HKLM\\A\\B").unwrap();
        model.delete_key("HKLM\\A").unwrap();
        model.set_value("HKLM\\A\\C", "z", Value::Dword(2)).unwrap();
        assert!(model.key("HKLM\\A\\B").is_none());
        assert_eq!(model.value("HKLM\\A", "x"), None);
        assert_eq!(model.value("HKLM\\A\\C", "z"), Some(&Value::Dword(2)));
        assert!(model.set_value("HKXX\\A", "x", Value::Dword(1)).is_err());
    }
}
