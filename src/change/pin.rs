//! Approved template versions: each template pinned by name, version and the SHA-256 of its
//! file, so an audit can refuse to run on anything the change board has not approved.

use crate::baseline::Catalog;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One approved template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub name: String,
    pub version: String,
    pub sha256: String,
}

/// An approvals file: `[[approved]]` entries.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    #[serde(default)]
    pub approved: Vec<Pin>,
}

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("cannot read approvals file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// SHA-256 of a template's file content, hex.
pub fn content_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Pins for every template of a catalog, sorted by name.
pub fn pins(catalog: &Catalog) -> Approvals {
    Approvals {
        approved: catalog
            .templates
            .values()
            .map(|t| Pin {
                name: t.name().to_string(),
                version: t.version().to_string(),
                sha256: content_hash(&t.text),
            })
            .collect(),
    }
}

impl Approvals {
    pub fn load(path: &Path) -> Result<Approvals, PinError> {
        let text = std::fs::read_to_string(path).map_err(|source| PinError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| PinError::Invalid {
            path: path.to_path_buf(),
            message: e.message().trim().to_string(),
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Problems with using these templates: each one not approved at its exact version and
    /// content. Empty when every template is approved.
    pub fn check<'a>(
        &self,
        catalog: &Catalog,
        used: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let mut names: Vec<&str> = used.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let Some(template) = catalog.templates.get(name) else {
                continue;
            };
            let hash = content_hash(&template.text);
            match self.approved.iter().find(|p| p.name == name) {
                None => problems.push(format!("template `{name}` is not approved")),
                Some(pin) if pin.version != template.version() => problems.push(format!(
                    "template `{name}` is version {}, but version {} is approved",
                    template.version(),
                    pin.version
                )),
                Some(pin) if !pin.sha256.eq_ignore_ascii_case(&hash) => problems.push(format!(
                    "template `{name}` {} was modified after approval (sha256 {hash}, approved {})",
                    template.version(),
                    pin.sha256
                )),
                Some(_) => {}
            }
        }
        problems
    }
}
