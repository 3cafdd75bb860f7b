//! What a rollback or a remediation writes for one host or role: a `.reg` file for registry
//! items (exact types, value and key deletions), a shell or PowerShell script for the rest,
//! and notes on what it could not do. Both files start with comment lines saying what they
//! are, so an operator who opens one knows where it came from.

use super::steps::{Step, script};
use crate::collect::reg::model::UnknownHive;
use crate::collect::reg::{KeyPath, RegistryModel, WriteError, encode_regedit, render_reg};
use crate::value::Value;

/// A registry change a `.reg` file cannot carry.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Hive(#[from] UnknownHive),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Registry changes and other steps for one target.
#[derive(Debug, Default, Clone)]
pub struct Bundle {
    /// Keys to delete with their subtree (`[-key]`), applied before any value.
    key_deletions: Vec<String>,
    /// Values to set, or delete (`None`), in the order added.
    values: Vec<(String, String, Option<Value>)>,
    /// Non-registry steps.
    steps: Vec<Step>,
    /// What the files do not do, and why.
    pub notes: Vec<String>,
}

impl Bundle {
    /// Adds a step: registry steps go to the `.reg` file, others to the script.
    pub fn add(&mut self, step: Step) {
        match step {
            Step::Registry { key, name, value } => self.values.push((key, name, value)),
            other => self.steps.push(other),
        }
    }

    /// Deletes a key that did not exist, with everything below it.
    pub fn delete_key(&mut self, key: &str) {
        if !self
            .key_deletions
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
        {
            self.key_deletions.push(key.to_string());
        }
    }

    /// Registry values set or deleted, and keys deleted.
    pub fn registry_changes(&self) -> usize {
        self.key_deletions.len() + self.values.len()
    }

    /// Steps outside the registry, and how many of them an operator must do by hand.
    pub fn step_counts(&self) -> (usize, usize) {
        let manual = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Manual { .. }))
            .count();
        (self.steps.len(), manual)
    }

    fn model(&self) -> Result<RegistryModel, UnknownHive> {
        let mut model = RegistryModel::new();
        let deleted: Vec<KeyPath> = self
            .key_deletions
            .iter()
            .filter_map(|k| KeyPath::parse(k))
            .collect();
        for key in &self.key_deletions {
            model.delete_key(key)?;
        }
        for (key, name, value) in &self.values {
            match value {
                Some(value) => model.set_value(key, name, value.clone())?,
                None => {
                    // Deleting the key already deletes its values; opening it again to
                    // delete one would re-create it.
                    let under_deleted = KeyPath::parse(key).is_some_and(|path| {
                        deleted.iter().any(|d| d.is_ancestor_or_self_of(&path))
                    });
                    if !under_deleted {
                        model.delete_value(key, name)?;
                    }
                }
            }
        }
        Ok(model)
    }

    /// The `.reg` file (UTF-16LE, as regedit writes), or `None` without registry changes.
    /// `header` lines become `;` comments after the version line.
    pub fn reg_file(&self, header: &[String]) -> Result<Option<Vec<u8>>, BundleError> {
        if self.registry_changes() == 0 {
            return Ok(None);
        }
        let text = render_reg(&self.model()?)?;
        let (version_line, body) = text.split_once("\r\n").unwrap_or((&text, ""));
        let mut out = String::with_capacity(text.len() + 256);
        out.push_str(version_line);
        out.push_str("\r\n");
        for line in header.iter().chain(&self.notes) {
            for part in line.lines() {
                out.push_str("; ");
                out.push_str(part);
                out.push_str("\r\n");
            }
        }
        out.push_str(body);
        Ok(Some(encode_regedit(&out)))
    }

    /// The script for non-registry steps and its extension (`sh` or `ps1`), if any.
    pub fn script_file(&self, title: &str) -> Option<(String, &'static str)> {
        script(&self.steps, title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::reg::parse_reg;
    use std::path::Path;

    fn registry(key: &str, name: &str, value: Option<Value>) -> Step {
        Step::Registry {
            key: key.into(),
            name: name.into(),
            value,
        }
    }

    #[test]
    fn reg_file_carries_header_notes_and_every_change_in_a_form_the_parser_reads_back() {
        let mut bundle = Bundle::default();
        bundle.add(registry("HKLM\\A", "Set", Some(Value::Qword(1 << 40))));
        bundle.add(registry("HKLM\\A", "Gone", None));
        bundle.add(registry("HKLM\\B\\Inner", "Gone", None));
        bundle.delete_key("HKEY_LOCAL_MACHINE\\B");
        bundle.notes.push("NOT RESTORED: something".into());
        let bytes = bundle
            .reg_file(&["Rollback of CHG-1".into()])
            .unwrap()
            .unwrap();
        let text = String::from_utf16(
            &bytes[2..]
                .chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(text.starts_with(
            "Windows Registry Editor Version 5.00\r\n; Rollback of CHG-1\r\n; NOT RESTORED: something\r\n"
        ));
        assert!(text.contains("[-HKEY_LOCAL_MACHINE\\B]"), "{text}");
        assert!(
            !text.contains("Inner"),
            "deleted keys are not re-opened: {text}"
        );
        let parsed = parse_reg(&bytes, Path::new("rollback.reg"));
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let mut model = RegistryModel::new();
        model.set_value("HKLM\\A", "Gone", Value::Dword(1)).unwrap();
        model
            .set_value("HKLM\\B\\Inner", "X", Value::Dword(1))
            .unwrap();
        model.apply(Path::new("rollback.reg"), &parsed.records);
        assert_eq!(model.value("HKLM\\A", "Set"), Some(&Value::Qword(1 << 40)));
        assert_eq!(model.value("HKLM\\A", "Gone"), None);
        assert!(model.key("HKLM\\B\\Inner").is_none());
    }

    #[test]
    fn empty_bundles_write_nothing() {
        let bundle = Bundle::default();
        assert!(bundle.reg_file(&[]).unwrap().is_none());
        assert!(bundle.script_file("t").is_none());
    }
}
