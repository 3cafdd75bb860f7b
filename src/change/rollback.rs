//! Rollback: for every host a plan changes, what restores today's state — a `.reg` file that
//! restores each value with its exact type and deletes values and keys that did not exist,
//! a script for other sources (or explicit manual steps), and a backup template pinning
//! today's values so that a later audit proves the rollback happened.

use super::bundle::{Bundle, BundleError};
use super::capture::{expected_for, inline_table};
use super::plan::{Outcome, Plan, PlannedItem};
use super::steps::step_for;
use crate::baseline::resolve::toml_value_text;
use crate::inventory::Inventory;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// A file to write, relative to the rollback folder.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// What the rollback does for one host.
#[derive(Debug, Clone, Serialize)]
pub struct HostRollback {
    pub host: String,
    /// Items restored (value set back, value or key deleted, or script step).
    pub restored: usize,
    /// Script steps an operator must do by hand.
    pub manual: usize,
    /// Items whose state before the change is unknown, so nothing can restore them.
    pub not_restorable: Vec<String>,
    /// Files written for this host, relative to the rollback folder.
    pub files: Vec<PathBuf>,
}

/// A rollback for a whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub schema: &'static str,
    pub change_id: String,
    pub hosts: Vec<HostRollback>,
    /// The inventory that audits every host against its backup template.
    pub inventory: PathBuf,
    #[serde(skip)]
    pub files: Vec<OutputFile>,
}

impl Rollback {
    /// Whether every changing item can be restored.
    pub fn complete(&self) -> bool {
        self.hosts.iter().all(|h| h.not_restorable.is_empty())
    }
}

/// A name safe as a file or folder name on Windows and Unix.
pub fn file_name_for(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// A template role or name component: lower-case letters, digits and dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn normal_components(path: &Path) -> Vec<Component<'_>> {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// `to` relative to the folder `from` (both made absolute), for an inventory that still
/// works when the rollback folder and the fleet move together.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let (Ok(from), Ok(to)) = (std::path::absolute(from), std::path::absolute(to)) else {
        return to.to_path_buf();
    };
    let (from_parts, to_parts) = (normal_components(&from), normal_components(&to));
    if from_parts.first() != to_parts.first() {
        return to;
    }
    let common = from_parts
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from_parts.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn string(text: impl Into<String>) -> String {
    toml::Value::String(text.into()).to_string()
}

/// Where an item was read, for rationales and notes.
fn read_at(item: &PlannedItem) -> String {
    item.provenance
        .as_ref()
        .map_or_else(|| "absent".to_string(), |p| format!("read at {p}"))
}

/// The backup template pinning what `items` held before the change.
fn backup_template(
    change_id: &str,
    host: &str,
    role: &str,
    items: &[&PlannedItem],
    written_at: &str,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Backup template for {host}, written by `confaudit rollback` for change {change_id} at {written_at}.\n\
         # It pins the values this host had before the change: auditing with the inventory.toml\n\
         # beside the baselines folder proves a rollback restored them.\n"
    ));
    out.push_str(&format!(
        "name = {}\nversion = \"1.0.0\"\n",
        string(format!("{role}-{}", slug(change_id)))
    ));
    out.push_str(&format!(
        "description = {}\nrole = {}\n",
        string(format!("State of {host} before change {change_id}")),
        string(role)
    ));
    for item in items {
        out.push_str("\n[[setting]]\n");
        out.push_str(&format!("id = {}\n", string(&item.setting)));
        out.push_str(&format!("title = {}\n", string(&item.title)));
        out.push_str(&format!("source = {}\n", inline_table(&item.source)));
        match &item.current_value {
            Some(value) => {
                let expected = expected_for(value);
                out.push_str(&format!(
                    "op = \"equals\"\nexpected = {expected}\nwhen_absent = \"fail\"\n"
                ));
                out.push_str(&format!(
                    "rationale = {}\n",
                    string(format!(
                        "Value before change {change_id} ({}), {}",
                        toml_value_text(&expected),
                        read_at(item)
                    ))
                ));
            }
            None => {
                out.push_str("op = \"absent\"\nwhen_absent = \"pass\"\n");
                out.push_str(&format!(
                    "rationale = {}\n",
                    string(format!("Absent before change {change_id}"))
                ));
            }
        }
        out.push_str(&format!(
            "severity = \"{}\"\ncategory = \"{}\"\n",
            item.severity.label(),
            item.category.label()
        ));
    }
    out
}

/// Builds the rollback of `plan` for the hosts of `inventory` it changes. `dir` is where the
/// files will be written (paths in the inventory are relative to it).
pub fn build(
    plan: &Plan,
    inventory: &Inventory,
    dir: &Path,
    written_at: &str,
) -> Result<Rollback, BundleError> {
    let mut hosts = Vec::new();
    let mut files = Vec::new();
    let mut inventory_toml = format!(
        "# Audits each host changed by {} against the backup template of its state before the change:\n\
         #   confaudit audit {}\n\
         # Every setting compliant means the rollback restored that state.\n\n\
         baselines = \"baselines\"\n",
        plan.change_id,
        dir.join("inventory.toml").display()
    );
    let mut ordered: Vec<&crate::inventory::Host> = inventory.hosts.iter().collect();
    ordered.sort_by_key(|h| h.name.to_lowercase());
    for host in ordered {
        let changing: Vec<&PlannedItem> = plan
            .items
            .iter()
            .filter(|i| i.host == host.name && i.outcome != Outcome::AlreadyMatches)
            .collect();
        if changing.is_empty() {
            continue;
        }
        let folder = PathBuf::from(file_name_for(&host.name));
        let title = format!(
            "Rollback of change {} for {}: restores the state before the change.",
            plan.change_id, host.name
        );
        let mut bundle = Bundle::default();
        let mut restorable = Vec::new();
        let mut not_restorable = Vec::new();
        for item in &changing {
            if item.outcome == Outcome::Unknown {
                let why = item.detail.as_deref().unwrap_or("current value unreadable");
                not_restorable.push(format!("{}: {why}", item.setting));
                bundle.notes.push(format!(
                    "NOT RESTORED: {} ({}): {why}",
                    item.setting, item.address
                ));
                continue;
            }
            if let Some(key) = &item.absent_key {
                bundle.delete_key(key);
            }
            let file = item.provenance.as_ref().map(|p| p.file.to_string_lossy());
            bundle.add(step_for(
                &item.address,
                item.current_value.as_ref(),
                file.as_deref(),
            ));
            restorable.push(*item);
        }
        let mut host_files = Vec::new();
        if let Some(bytes) = bundle.reg_file(std::slice::from_ref(&title))? {
            host_files.push(OutputFile {
                path: folder.join("rollback.reg"),
                bytes,
            });
        }
        if let Some((text, ext)) = bundle.script_file(&title) {
            host_files.push(OutputFile {
                path: folder.join(format!("rollback.{ext}")),
                bytes: text.into_bytes(),
            });
        }
        let role = format!("rollback-{}", slug(&host.name));
        if !restorable.is_empty() {
            host_files.push(OutputFile {
                path: PathBuf::from("baselines")
                    .join(format!("{}.toml", file_name_for(&host.name))),
                bytes: backup_template(&plan.change_id, &host.name, &role, &restorable, written_at)
                    .into_bytes(),
            });
            inventory_toml.push_str(&format!(
                "\n[[host]]\nname = {}\nroles = [{}]\npath = {}\n",
                string(&host.name),
                string(&role),
                string(
                    relative_path(dir, &host.path)
                        .to_string_lossy()
                        .replace('\\', "/")
                )
            ));
        }
        let (_, manual) = bundle.step_counts();
        hosts.push(HostRollback {
            host: host.name.clone(),
            restored: restorable.len(),
            manual,
            not_restorable,
            files: host_files.iter().map(|f| f.path.clone()).collect(),
        });
        files.extend(host_files);
    }
    files.push(OutputFile {
        path: PathBuf::from("inventory.toml"),
        bytes: inventory_toml.into_bytes(),
    });
    Ok(Rollback {
        schema: "confaudit.rollback/1",
        change_id: plan.change_id.clone(),
        hosts,
        inventory: PathBuf::from("inventory.toml"),
        files,
    })
}

/// Writes every file under `dir`, each atomically.
pub fn write_files(dir: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::atomic::write(&path, &file.bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::baseline::{Catalog, Category, Severity};
    use crate::change::plan::test_item;
    use crate::inventory::Host;
    use crate::value::Value;

    fn sysctl_item(setting: &str, outcome: Outcome, current: Option<&str>) -> PlannedItem {
        let mut item = test_item(
            "LX-01",
            "linux-server",
            setting,
            Severity::Medium,
            Category::Performance,
            outcome,
        );
        item.source = crate::collect::source_table("sysctl", &[("key", setting)]);
        item.current_value = current.map(|c| Value::String(c.into()));
        item
    }

    #[test]
    fn non_registry_items_get_script_steps_and_a_backup_template_that_loads() {
        let plan = Plan {
            schema: "confaudit.plan/1",
            change_id: "CHG-7".into(),
            title: "t".into(),
            description: String::new(),
            items: vec![
                sysctl_item("vm.swappiness", Outcome::Change, Some("60")),
                sysctl_item("net.core.somaxconn", Outcome::Change, None),
                sysctl_item("kernel.pid_max", Outcome::AlreadyMatches, Some("2")),
                sysctl_item("fs.file-max", Outcome::Unknown, None),
            ],
            role_sizes: Default::default(),
        };
        let inventory = Inventory {
            hosts: vec![Host {
                name: "LX-01".into(),
                roles: vec!["linux-server".into()],
                hardware: None,
                path: PathBuf::from("fleet/LX-01"),
                display_path: "fleet/LX-01".into(),
                problem: None,
            }],
            baselines: None,
        };
        let rollback = build(&plan, &inventory, Path::new("rb"), "2026-01-01T00:00:00Z").unwrap();
        assert!(
            !rollback.complete(),
            "fs.file-max has no known previous value"
        );
        let host = &rollback.hosts[0];
        assert_eq!((host.restored, host.manual), (2, 1));
        assert_eq!(host.not_restorable.len(), 1);
        let file = |name: &str| {
            let found = rollback.files.iter().find(|f| f.path == Path::new(name));
            String::from_utf8(found.unwrap_or_else(|| panic!("{name}")).bytes.clone()).unwrap()
        };
        let script = file("LX-01/rollback.sh");
        assert!(script.contains("sysctl -w vm.swappiness='60'"), "{script}");
        assert!(
            script.contains("# MANUAL STEP: remove `net.core.somaxconn`"),
            "{script}"
        );
        assert!(
            !script.contains("pid_max"),
            "unchanged items are not rolled back"
        );
        let inventory_toml = file("inventory.toml");
        assert!(
            inventory_toml.contains("path = \"../fleet/LX-01\""),
            "{inventory_toml}"
        );

        let dir = tempfile::tempdir().unwrap();
        write_files(dir.path(), &rollback.files).unwrap();
        let catalog = Catalog::load(&[dir.path().join("baselines")]).unwrap();
        let baseline = catalog.resolve(&["rollback-lx-01".into()], None).unwrap();
        let pinned: Vec<(&str, crate::baseline::Operator)> = baseline
            .settings
            .iter()
            .map(|s| (s.id.as_str(), s.op))
            .collect();
        assert_eq!(
            pinned,
            [
                ("net.core.somaxconn", crate::baseline::Operator::Absent),
                ("vm.swappiness", crate::baseline::Operator::Equals)
            ]
        );
    }

    #[test]
    fn relative_paths_climb_out_of_the_rollback_folder() {
        assert_eq!(
            relative_path(Path::new("/a/b/out"), Path::new("/a/b/fleet/hosts/X")),
            PathBuf::from("../fleet/hosts/X")
        );
        assert_eq!(
            relative_path(Path::new("/a"), Path::new("/a")),
            PathBuf::from(".")
        );
    }

    #[test]
    fn names_become_safe_file_names_and_slugs() {
        assert_eq!(file_name_for("EX:MBX/01"), "EX_MBX_01");
        assert_eq!(slug("EX-MBX_01 (old)"), "ex-mbx-01-old");
    }
}
