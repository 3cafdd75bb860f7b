//! Planning a change: for every host in scope, the current value of each touched item and
//! the proposed one, and whether the host would change, already matches, or cannot be known.

use crate::audit::{collect_host, evaluate_all};
use crate::baseline::resolve::{parse_source, toml_value_text};
use crate::baseline::{
    Catalog, Category, Operator, ResolvedBaseline, ResolvedSetting, Severity, WhenAbsent,
};
use crate::change::registry_state::{HostRegistry, KeyState};
use crate::collect::{Address, Provenance};
use crate::inventory::{Host, Inventory};
use crate::report::Status;
use crate::value::Value;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A change request file: settings and their new values, each scoped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeFile {
    /// The change reference (`CHG-2041`).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "change")]
    pub changes: Vec<ChangeDef>,
}

/// One setting to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeDef {
    /// An existing setting id of the hosts' baselines…
    pub setting: Option<String>,
    /// …or an item given by its source, for items no baseline checks yet.
    pub source: Option<toml::Table>,
    /// Required with `source`: how the change is classified.
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    /// The new value.
    pub value: toml::Value,
    #[serde(default)]
    pub scope: Scope,
}

/// Which hosts a change applies to; every criterion given must match.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub hardware: Vec<String>,
    /// Host-name globs.
    #[serde(default)]
    pub hosts: Vec<String>,
}

impl Scope {
    pub fn matches(&self, host: &Host) -> bool {
        let role_ok = self.roles.is_empty()
            || self
                .roles
                .iter()
                .any(|r| host.roles.iter().any(|hr| hr.eq_ignore_ascii_case(r)));
        let hardware_ok = self.hardware.is_empty()
            || host
                .hardware
                .as_ref()
                .is_some_and(|h| self.hardware.iter().any(|x| x.eq_ignore_ascii_case(h)));
        let host_ok = self.hosts.is_empty()
            || self.hosts.iter().any(|pattern| {
                globset::GlobBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .is_ok_and(|g| g.compile_matcher().is_match(&host.name))
            });
        role_ok && hardware_ok && host_ok
    }
}

/// What a change would do to one host's item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The host's current value differs: the change would modify it.
    Change,
    /// The host already has the proposed value.
    AlreadyMatches,
    /// The current value could not be read: nothing known to roll back to.
    Unknown,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Change => "change",
            Outcome::AlreadyMatches => "already-matches",
            Outcome::Unknown => "unknown-current",
        }
    }
}

/// One host × item row of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedItem {
    pub host: String,
    pub roles: Vec<String>,
    pub hardware: Option<String>,
    pub setting: String,
    pub title: String,
    pub address: Address,
    /// The setting's `source` table, for writing backup templates.
    pub source: toml::Table,
    pub severity: Severity,
    pub category: Category,
    /// Today's value as text (`None` when absent or unknown).
    pub current: Option<String>,
    /// Today's value with its type: what a rollback restores. `None` with outcome
    /// `change` means the item is absent today (rollback deletes it).
    pub current_value: Option<Value>,
    pub provenance: Option<Provenance>,
    pub proposed: String,
    /// The concrete new value, when the change names one.
    pub proposed_value: Option<toml::Value>,
    pub outcome: Outcome,
    /// Why the current value is unknown, when it is.
    pub detail: Option<String>,
    /// For a registry value absent today because its key did not exist: the topmost key
    /// that did not exist, which a rollback deletes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absent_key: Option<String>,
}

/// A whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema: &'static str,
    pub change_id: String,
    pub title: String,
    pub description: String,
    pub items: Vec<PlannedItem>,
    /// Hosts in the fleet per role, to judge how much of a role changes at once.
    pub role_sizes: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read change file {path}")]
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
    #[error("change {index} ({what}): {message}")]
    Change {
        index: usize,
        what: String,
        message: String,
    },
}

impl ChangeFile {
    pub fn load(path: &Path) -> Result<ChangeFile, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|err| {
            let (line, column) = err
                .span()
                .map_or((1, 1), |s| crate::baseline::position_in(&text, s.start));
            PlanError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: err.message().trim().to_string(),
            }
        })
    }
}

/// A setting to evaluate against a host, with the proposal it stands for.
struct Proposal {
    setting: ResolvedSetting,
    proposed_value: Option<toml::Value>,
}

fn role_sizes(inventory: &Inventory) -> std::collections::BTreeMap<String, usize> {
    let mut sizes = std::collections::BTreeMap::new();
    for host in &inventory.hosts {
        for role in &host.roles {
            *sizes.entry(role.to_lowercase()).or_insert(0) += 1;
        }
    }
    sizes
}

/// A setting that holds when the item has exactly the proposed value.
fn pinned(mut setting: ResolvedSetting, value: &toml::Value) -> ResolvedSetting {
    setting.op = Operator::Equals;
    setting.expected = Some(value.clone());
    setting.expected_content = None;
    setting.regex = None;
    setting.when_absent = WhenAbsent::Fail;
    setting
}

/// Proposals of a change file for one host (settings it scopes to that host).
fn proposals_for(
    change: &ChangeFile,
    host: &Host,
    baseline: Option<&ResolvedBaseline>,
) -> Result<Vec<Proposal>, PlanError> {
    let mut out = Vec::new();
    for (index, def) in change.changes.iter().enumerate() {
        if !def.scope.matches(host) {
            continue;
        }
        let setting = match (&def.setting, &def.source) {
            (Some(id), None) => {
                let Some(current) = baseline
                    .and_then(|b| b.settings.iter().find(|s| s.id.eq_ignore_ascii_case(id)))
                else {
                    // A setting outside this host's baseline does not apply to it.
                    continue;
                };
                pinned(current.clone(), &def.value)
            }
            (None, Some(source)) => {
                let address = parse_source(source).map_err(|message| PlanError::Change {
                    index: index + 1,
                    what: "source".into(),
                    message,
                })?;
                let missing = |field: &str| PlanError::Change {
                    index: index + 1,
                    what: address.to_string(),
                    message: format!("a change given by `source` needs `{field}`"),
                };
                let title = def.title.clone().ok_or_else(|| missing("title"))?;
                let severity = def.severity.ok_or_else(|| missing("severity"))?;
                let category = def.category.ok_or_else(|| missing("category"))?;
                ResolvedSetting {
                    id: format!("{}#{}", change.id, index + 1),
                    title,
                    address,
                    source: source.clone(),
                    op: Operator::Equals,
                    expected: Some(def.value.clone()),
                    expected_content: None,
                    when_absent: WhenAbsent::Fail,
                    severity,
                    category,
                    ignore_case: false,
                    unordered: false,
                    regex: None,
                    rationale: None,
                    remediation: None,
                    references: Vec::new(),
                    auto_remediate: true,
                    remediate_value: None,
                    origin: crate::baseline::Origin {
                        template: change.id.clone(),
                        version: String::new(),
                        file: PathBuf::new(),
                        line: 0,
                        note: None,
                    },
                    overrides: Vec::new(),
                }
            }
            _ => {
                return Err(PlanError::Change {
                    index: index + 1,
                    what: "change".into(),
                    message: "give exactly one of `setting` or `source`".into(),
                });
            }
        };
        out.push(Proposal {
            setting,
            proposed_value: Some(def.value.clone()),
        });
    }
    Ok(out)
}

/// Proposals of a new template tree for one host: every setting whose check differs from
/// today's (new, or a changed source, operator, expected value or absence rule).
fn proposals_from_templates(
    current: Option<&ResolvedBaseline>,
    proposed: &ResolvedBaseline,
) -> Vec<Proposal> {
    proposed
        .settings
        .iter()
        .filter(|new| {
            current
                .and_then(|b| b.settings.iter().find(|s| s.id == new.id))
                .is_none_or(|old| {
                    old.address != new.address
                        || old.op != new.op
                        || old.expected != new.expected
                        || old.expected_content != new.expected_content
                        || old.when_absent != new.when_absent
                })
        })
        .map(|new| Proposal {
            proposed_value: (new.op == Operator::Equals)
                .then(|| new.expected.clone())
                .flatten(),
            setting: new.clone(),
        })
        .collect()
}

/// What to plan: a change file, or a whole new template tree.
pub enum Proposed<'a> {
    ChangeFile(&'a ChangeFile),
    Templates { catalog: &'a Catalog, label: String },
}

/// Builds the plan for a fleet.
pub fn plan(
    inventory: &Inventory,
    current: &Catalog,
    proposed: &Proposed<'_>,
) -> Result<Plan, PlanError> {
    let per_host: Vec<Result<Vec<PlannedItem>, PlanError>> = inventory
        .hosts
        .par_iter()
        .map(|host| {
            let baseline = current.resolve(&host.roles, host.hardware.as_deref()).ok();
            let proposals = match proposed {
                Proposed::ChangeFile(change) => proposals_for(change, host, baseline.as_ref())?,
                Proposed::Templates { catalog, .. } => {
                    match catalog.resolve(&host.roles, host.hardware.as_deref()) {
                        Ok(new) => proposals_from_templates(baseline.as_ref(), &new),
                        Err(_) => Vec::new(),
                    }
                }
            };
            Ok(plan_host(host, proposals))
        })
        .collect();
    let mut items = Vec::new();
    for result in per_host {
        items.extend(result?);
    }
    items.sort_by(|a, b| {
        (a.host.to_lowercase(), &a.setting).cmp(&(b.host.to_lowercase(), &b.setting))
    });
    let (change_id, title, description) = match proposed {
        Proposed::ChangeFile(c) => (c.id.clone(), c.title.clone(), c.description.clone()),
        Proposed::Templates { label, .. } => (
            label.clone(),
            format!("Adopt templates {label}"),
            String::new(),
        ),
    };
    Ok(Plan {
        schema: "confaudit.plan/1",
        change_id,
        title,
        description,
        items,
        role_sizes: role_sizes(inventory),
    })
}

fn plan_host(host: &Host, proposals: Vec<Proposal>) -> Vec<PlannedItem> {
    if proposals.is_empty() {
        return Vec::new();
    }
    let baseline = ResolvedBaseline {
        templates: Vec::new(),
        settings: proposals.iter().map(|p| p.setting.clone()).collect(),
    };
    let collected = collect_host(host, &baseline);
    // Full registry reads, only for absent values, keyed by the files a setting reads.
    let mut registries: std::collections::HashMap<String, HostRegistry> =
        std::collections::HashMap::new();
    let mut items = Vec::new();
    for proposal in proposals {
        let setting = &proposal.setting;
        let proposed = match &proposal.proposed_value {
            Some(value) => toml_value_text(value),
            None => setting.expected_text(),
        };
        let row =
            |outcome, current: Option<String>, current_value, provenance, detail| PlannedItem {
                host: host.name.clone(),
                roles: host.roles.clone(),
                hardware: host.hardware.clone(),
                setting: setting.id.clone(),
                title: setting.title.clone(),
                address: setting.address.clone(),
                source: setting.source.clone(),
                severity: setting.severity,
                category: setting.category,
                current,
                current_value,
                provenance,
                proposed: proposed.clone(),
                proposed_value: proposal.proposed_value.clone(),
                outcome,
                detail,
                absent_key: None,
            };
        match &collected {
            Err(message) => items.push(row(
                Outcome::Unknown,
                None,
                None,
                None,
                Some(message.clone()),
            )),
            Ok(collected) => {
                for finding in evaluate_all(setting, collected) {
                    let outcome = match finding.status {
                        Status::Compliant | Status::Waived | Status::NotApplicable => {
                            Outcome::AlreadyMatches
                        }
                        Status::Noncompliant | Status::Missing => Outcome::Change,
                        Status::Error => Outcome::Unknown,
                    };
                    let detail = (outcome == Outcome::Unknown)
                        .then(|| finding.detail.clone())
                        .flatten();
                    let mut item = row(
                        outcome,
                        finding.actual,
                        finding.actual_value,
                        finding.provenance,
                        detail,
                    );
                    if item.outcome == Outcome::Change
                        && item.current_value.is_none()
                        && item.address.collector == "registry"
                    {
                        let registry = registries
                            .entry(item.address.file.clone())
                            .or_insert_with(|| HostRegistry::load(host, &item.address.file));
                        settle_absent_registry_value(&mut item, registry);
                    }
                    items.push(item);
                }
            }
        }
    }
    items
}

/// A registry value absent today is restored by deleting it, and its key too when the key
/// did not exist; when no export covers the key, nothing proves what to restore.
fn settle_absent_registry_value(item: &mut PlannedItem, registry: &HostRegistry) {
    match registry.key_state(&item.address.location) {
        KeyState::Existed => {}
        KeyState::Absent { topmost_missing } => item.absent_key = Some(topmost_missing),
        KeyState::Unknown => {
            item.outcome = Outcome::Unknown;
            item.detail = Some(format!(
                "no registry export of this host covers key {}, so whether it existed before the change is unknown",
                item.address.location
            ));
        }
    }
}

/// A plan row for tests of what consumes plans.
#[cfg(test)]
pub(crate) fn test_item(
    host: &str,
    role: &str,
    setting: &str,
    severity: Severity,
    category: Category,
    outcome: Outcome,
) -> PlannedItem {
    PlannedItem {
        host: host.into(),
        roles: vec![role.into()],
        hardware: None,
        setting: setting.into(),
        title: setting.into(),
        address: Address {
            collector: "sysctl".into(),
            file: String::new(),
            location: String::new(),
            name: setting.into(),
        },
        source: toml::Table::new(),
        severity,
        category,
        current: Some("1".into()),
        current_value: None,
        provenance: None,
        proposed: "2".into(),
        proposed_value: None,
        outcome,
        detail: None,
        absent_key: None,
    }
}
