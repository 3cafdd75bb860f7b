//! The fleet: which hosts exist, their roles, hardware types and export folders.
//!
//! Either an inventory TOML (explicit hosts plus pattern rules over a hosts folder), or
//! zero-config: a folder whose sub-folders each carry a small `host.toml`.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One host to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub roles: Vec<String>,
    pub hardware: Option<String>,
    /// The export folder.
    pub path: PathBuf,
    /// The folder as written in the inventory, for reports (no machine-specific prefix).
    pub display_path: String,
    /// Why the host cannot be audited (no rule matched, host.toml invalid), if so.
    pub problem: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryFile {
    /// Baseline templates folder, relative to the inventory file.
    baselines: Option<PathBuf>,
    /// Folder whose sub-folders are hosts classified by `rule`s.
    hosts_dir: Option<PathBuf>,
    #[serde(default)]
    host: Vec<HostDef>,
    #[serde(default)]
    rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostDef {
    name: String,
    #[serde(default)]
    roles: Vec<String>,
    hardware: Option<String>,
    path: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    /// Host-name glob, case-insensitive (`EX-MBX-*`).
    #[serde(rename = "match")]
    pattern: String,
    #[serde(default)]
    roles: Vec<String>,
    hardware: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostToml {
    name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    hardware: Option<String>,
}

/// The fleet to audit.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    /// The baselines folder the inventory names, if any.
    pub baselines: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("fleet path {0} does not exist")]
    NotFound(PathBuf),
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Rule(String),
}

/// File name of the inventory inside a fleet folder.
pub const INVENTORY_FILE: &str = "inventory.toml";
/// File name of a host's zero-config description.
pub const HOST_FILE: &str = "host.toml";

impl Inventory {
    /// Loads a fleet: an inventory file, a folder holding `inventory.toml`, or a folder of
    /// host folders with `host.toml` each.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        if !path.exists() {
            return Err(InventoryError::NotFound(path.to_path_buf()));
        }
        if path.is_file() {
            return Inventory::from_file(path);
        }
        let inventory = path.join(INVENTORY_FILE);
        if inventory.is_file() {
            return Inventory::from_file(&inventory);
        }
        Inventory::zero_config(path)
    }

    fn from_file(path: &Path) -> Result<Inventory, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let def: InventoryFile = parse_toml(path, &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut rules = Vec::new();
        for rule in &def.rule {
            let glob = globset::GlobBuilder::new(&rule.pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| {
                    InventoryError::Rule(format!(
                        "{}: rule `{}`: {e}",
                        path.display(),
                        rule.pattern
                    ))
                })?
                .compile_matcher();
            rules.push((glob, rule));
        }
        let mut hosts: Vec<Host> = def
            .host
            .iter()
            .map(|h| {
                let relative = h
                    .path
                    .clone()
                    .unwrap_or_else(|| def.hosts_dir.clone().unwrap_or_default().join(&h.name));
                let mut host = Host {
                    name: h.name.clone(),
                    roles: h.roles.clone(),
                    hardware: h.hardware.clone(),
                    path: base.join(&relative),
                    display_path: display(&relative),
                    problem: None,
                };
                if host.roles.is_empty() {
                    apply_rules(&mut host, &rules);
                }
                host
            })
            .collect();
        if let Some(dir) = &def.hosts_dir {
            let folder = base.join(dir);
            for entry in sorted_dirs(&folder)? {
                let name = entry
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                if hosts.iter().any(|h| h.name.eq_ignore_ascii_case(&name)) {
                    continue;
                }
                let mut host = Host {
                    name: name.clone(),
                    roles: Vec::new(),
                    hardware: None,
                    path: entry.clone(),
                    display_path: display(&dir.join(&name)),
                    problem: None,
                };
                apply_rules(&mut host, &rules);
                if host.roles.is_empty() {
                    read_host_toml(&mut host);
                }
                if host.roles.is_empty() && host.problem.is_none() {
                    host.problem = Some(format!(
                        "no inventory rule matches host `{name}` and it has no {HOST_FILE}"
                    ));
                }
                hosts.push(host);
            }
        }
        Ok(Inventory {
            hosts,
            baselines: def.baselines.map(|b| base.join(b)),
        })
    }

    fn zero_config(folder: &Path) -> Result<Inventory, InventoryError> {
        let mut hosts = Vec::new();
        for dir in sorted_dirs(folder)? {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let mut host = Host {
                name: name.clone(),
                roles: Vec::new(),
                hardware: None,
                path: dir.clone(),
                display_path: name.clone(),
                problem: None,
            };
            read_host_toml(&mut host);
            if host.roles.is_empty() && host.problem.is_none() {
                host.problem = Some(format!("{HOST_FILE} is missing or names no roles"));
            }
            hosts.push(host);
        }
        if hosts.is_empty() {
            return Err(InventoryError::Rule(format!(
                "{} holds neither {INVENTORY_FILE} nor host folders",
                folder.display()
            )));
        }
        Ok(Inventory {
            hosts,
            baselines: None,
        })
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, InventoryError> {
    toml::from_str(text).map_err(|err| {
        let (line, column) = err
            .span()
            .map_or((1, 1), |s| crate::baseline::position_in(text, s.start));
        InventoryError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: err.message().trim().to_string(),
        }
    })
}

fn sorted_dirs(folder: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let read = std::fs::read_dir(folder).map_err(|source| InventoryError::Read {
        path: folder.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Roles are the union of every matching rule's roles; hardware comes from the first
/// matching rule that names one.
fn apply_rules(host: &mut Host, rules: &[(globset::GlobMatcher, &RuleDef)]) {
    for (glob, rule) in rules {
        if glob.is_match(&host.name) {
            for role in &rule.roles {
                if !host.roles.iter().any(|r| r.eq_ignore_ascii_case(role)) {
                    host.roles.push(role.clone());
                }
            }
            if host.hardware.is_none() {
                host.hardware.clone_from(&rule.hardware);
            }
        }
    }
}

fn read_host_toml(host: &mut Host) {
    let file = host.path.join(HOST_FILE);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return;
    };
    match parse_toml::<HostToml>(&file, &text) {
        Ok(def) => {
            if let Some(name) = def.name {
                host.name = name;
            }
            host.roles = def.roles;
            host.hardware = def.hardware;
        }
        Err(err) => host.problem = Some(err.to_string()),
    }
}
