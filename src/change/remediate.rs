//! Remediation: the `.reg` files and scripts that bring noncompliant hosts to their baseline,
//! per host and per role. A setting whose check names one value (`equals`), absence
//! (`absent`), or a `remediate_value` has a faithful fix; any other check becomes a manual
//! step that says what must hold. Settings marked `auto_remediate = false` and unreadable sources are skipped, and
//! the report says so.

use super::bundle::{Bundle, BundleError};
use super::rollback::{OutputFile, file_name_for};
use super::steps::{Step, step_for};
use crate::audit::operator::{Comparison, compare};
use crate::audit::{collect_host, evaluate_all};
use crate::baseline::resolve::toml_value_text;
use crate::baseline::{Catalog, Operator, ResolvedSetting};
use crate::collect::Address;
use crate::inventory::{Host, Inventory};
use crate::report::{Finding, Status};
use crate::value::{Value, parse_integer};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// One fix for one host's setting.
#[derive(Debug, Clone, PartialEq)]
struct Fix {
    setting: String,
    address: Address,
    step: Step,
}

/// A setting left alone, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub host: String,
    pub setting: String,
    pub reason: String,
}

/// What one remediation file set does.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `host` or `role`.
    pub kind: &'static str,
    pub name: String,
    /// Hosts the files bring to baseline.
    pub hosts: Vec<String>,
    /// Settings fixed (registry changes and script steps).
    pub fixes: usize,
    /// Of those, steps an operator must do by hand.
    pub manual: usize,
    pub files: Vec<PathBuf>,
    /// Fixes left out of a role's files because its hosts need different values.
    pub notes: Vec<String>,
}

/// A fleet's remediation.
#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    pub schema: &'static str,
    pub targets: Vec<Target>,
    pub skipped: Vec<Skipped>,
    /// Hosts whose sources could not all be read: their remediation may be incomplete.
    pub incomplete_hosts: Vec<String>,
    #[serde(skip)]
    pub files: Vec<OutputFile>,
}

/// The registry type a baseline value takes: today's type when the host has the value,
/// otherwise the natural one (REG_DWORD for numbers that fit, REG_SZ, REG_MULTI_SZ).
fn registry_value(expected: &toml::Value, actual: Option<&Value>) -> Option<Value> {
    let integer = match expected {
        toml::Value::Integer(n) => Some(i128::from(*n)),
        toml::Value::Boolean(b) => Some(i128::from(*b)),
        toml::Value::String(s) if matches!(actual, Some(Value::Dword(_) | Value::Qword(_))) => {
            parse_integer(s)
        }
        _ => None,
    };
    if let Some(n) = integer {
        return match actual {
            Some(Value::Qword(_)) => u64::try_from(n).ok().map(Value::Qword),
            _ => u32::try_from(n)
                .ok()
                .map(Value::Dword)
                .or_else(|| u64::try_from(n).ok().map(Value::Qword)),
        };
    }
    match expected {
        toml::Value::String(s) => Some(match actual {
            Some(Value::ExpandString(_)) => Value::ExpandString(s.clone()),
            _ => Value::String(s.clone()),
        }),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Value::MultiString),
        _ => None,
    }
}

/// The value a text source takes: what its files hold, as text.
fn text_value(expected: &toml::Value) -> Value {
    match expected {
        toml::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect(),
        ),
        other => Value::String(toml_value_text(other)),
    }
}

/// The manual instruction for a check no single value satisfies.
fn manual(setting: &ResolvedSetting, finding: &Finding) -> Step {
    let what = finding.instance.as_ref().map_or_else(
        || setting.address.to_string(),
        |instance| format!("{} of {instance}", setting.address),
    );
    let mut instruction = format!("make {what} satisfy `{}`", setting.expected_text());
    if let Some(advice) = &setting.remediation {
        instruction.push_str(&format!(" ({})", advice.trim()));
    }
    Step::Manual { instruction }
}

/// The fix for one failing finding, or why there is none.
fn fix_for(setting: &ResolvedSetting, finding: &Finding) -> Result<Step, String> {
    if finding.status == Status::Error {
        return Err(format!(
            "source unreadable: {}",
            finding.detail.as_deref().unwrap_or("see the audit report")
        ));
    }
    if !setting.auto_remediate {
        return Err(match &setting.remediation {
            Some(advice) => format!("not auto-remediable: {}", advice.trim()),
            None => "not auto-remediable (auto_remediate = false)".into(),
        });
    }
    if finding.instance.is_some() {
        return Ok(manual(setting, finding));
    }
    let file = finding
        .provenance
        .as_ref()
        .map(|p| p.file.to_string_lossy().into_owned());
    let registry = matches!(setting.address.collector.as_str(), "registry" | "policy");
    if setting.op == Operator::Absent {
        return Ok(step_for(&setting.address, None, file.as_deref()));
    }
    let target = match (&setting.remediate_value, setting.op, &setting.expected) {
        (Some(value), _, _) => value,
        (None, Operator::Equals, Some(expected)) => expected,
        _ => return Ok(manual(setting, finding)),
    };
    // An overlay may have changed the check after the template chose the value.
    let passes =
        Value::from_toml(target).is_none_or(|v| matches!(compare(setting, &v), Comparison::Pass));
    let value = if !passes {
        None
    } else if registry {
        registry_value(target, finding.actual_value.as_ref())
    } else {
        Some(text_value(target))
    };
    Ok(match value {
        Some(value) => step_for(&setting.address, Some(&value), file.as_deref()),
        None => manual(setting, finding),
    })
}

/// Fixes and skips for one host.
fn host_fixes(host: &Host, catalog: &Catalog) -> (Vec<Fix>, Vec<Skipped>, bool) {
    let skip = |setting: &str, reason: String| Skipped {
        host: host.name.clone(),
        setting: setting.to_string(),
        reason,
    };
    let baseline = match catalog.resolve(&host.roles, host.hardware.as_deref()) {
        Ok(b) => b,
        Err(e) => {
            return (
                Vec::new(),
                vec![skip("*", format!("no baseline: {e}"))],
                true,
            );
        }
    };
    let collected = match collect_host(host, &baseline) {
        Ok(c) => c,
        Err(e) => {
            return (
                Vec::new(),
                vec![skip("*", format!("not audited: {e}"))],
                true,
            );
        }
    };
    let mut fixes = Vec::new();
    let mut skipped = Vec::new();
    let mut incomplete = false;
    for setting in &baseline.settings {
        for finding in evaluate_all(setting, &collected) {
            if !matches!(
                finding.status,
                Status::Noncompliant | Status::Missing | Status::Error
            ) {
                continue;
            }
            incomplete |= finding.status == Status::Error;
            match fix_for(setting, &finding) {
                Ok(step) => fixes.push(Fix {
                    setting: setting.id.clone(),
                    address: setting.address.clone(),
                    step,
                }),
                Err(reason) => skipped.push(skip(&setting.id, reason)),
            }
        }
    }
    (fixes, skipped, incomplete)
}

/// Files for one target: `<folder>/remediate.reg` and `<folder>/remediate.sh|ps1`.
fn target_files(
    bundle: &Bundle,
    folder: &std::path::Path,
    header: &[String],
) -> Result<Vec<OutputFile>, BundleError> {
    let mut files = Vec::new();
    if let Some(bytes) = bundle.reg_file(header)? {
        files.push(OutputFile {
            path: folder.join("remediate.reg"),
            bytes,
        });
    }
    if let Some((text, ext)) = bundle.script_file(&header.join(" ")) {
        files.push(OutputFile {
            path: folder.join(format!("remediate.{ext}")),
            bytes: text.into_bytes(),
        });
    }
    Ok(files)
}

/// Builds remediation files for every noncompliant host of `inventory`, and for each role.
pub fn build(inventory: &Inventory, catalog: &Catalog) -> Result<Remediation, BundleError> {
    let mut hosts: Vec<&Host> = inventory.hosts.iter().collect();
    hosts.sort_by_key(|h| h.name.to_lowercase());
    let per_host: Vec<(Vec<Fix>, Vec<Skipped>, bool)> =
        hosts.par_iter().map(|h| host_fixes(h, catalog)).collect();

    let mut targets = Vec::new();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut incomplete_hosts = Vec::new();
    for (host, (fixes, host_skipped, incomplete)) in hosts.iter().zip(&per_host) {
        skipped.extend(host_skipped.iter().cloned());
        if *incomplete {
            incomplete_hosts.push(host.name.clone());
        }
        if fixes.is_empty() {
            continue;
        }
        let mut bundle = Bundle::default();
        for fix in fixes {
            bundle.add(fix.step.clone());
        }
        let header = [format!(
            "Remediation for {}: brings it to its baseline ({}).",
            host.name,
            host.roles.join(", ")
        )];
        let folder = PathBuf::from("hosts").join(file_name_for(&host.name));
        let written = target_files(&bundle, &folder, &header)?;
        targets.push(Target {
            kind: "host",
            name: host.name.clone(),
            hosts: vec![host.name.clone()],
            fixes: fixes.len(),
            manual: bundle.step_counts().1,
            files: written.iter().map(|f| f.path.clone()).collect(),
            notes: Vec::new(),
        });
        files.extend(written);
    }

    let roles: BTreeSet<String> = hosts
        .iter()
        .flat_map(|h| h.roles.iter().map(|r| r.to_lowercase()))
        .collect();
    for role in roles {
        // A role's files carry the fixes of settings its own templates define, for the
        // role's hosts that need them, when they all need the same fix.
        let Ok(role_baseline) = catalog.resolve(std::slice::from_ref(&role), None) else {
            continue;
        };
        let role_settings: BTreeSet<&str> = role_baseline
            .settings
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let mut by_setting: BTreeMap<(&str, &Address), Vec<(&str, &Step)>> = BTreeMap::new();
        for (host, (fixes, _, _)) in hosts.iter().zip(&per_host) {
            if !host.roles.iter().any(|r| r.eq_ignore_ascii_case(&role)) {
                continue;
            }
            for fix in fixes
                .iter()
                .filter(|f| role_settings.contains(f.setting.as_str()))
            {
                by_setting
                    .entry((fix.setting.as_str(), &fix.address))
                    .or_default()
                    .push((host.name.as_str(), &fix.step));
            }
        }
        if by_setting.is_empty() {
            continue;
        }
        let mut bundle = Bundle::default();
        let mut role_hosts = BTreeSet::new();
        let mut notes = Vec::new();
        let mut fixes = 0;
        for ((setting, _), wanted) in &by_setting {
            let first = wanted[0].1;
            if wanted.iter().all(|(_, step)| *step == first) {
                bundle.add(first.clone());
                role_hosts.extend(wanted.iter().map(|(host, _)| host.to_string()));
                fixes += 1;
            } else {
                let mut hosts: Vec<&str> = wanted.iter().map(|(h, _)| *h).collect();
                hosts.sort_unstable();
                notes.push(format!(
                    "{setting}: hosts need different values (hardware overlays); use the host files of {}",
                    hosts.join(", ")
                ));
            }
        }
        bundle.notes.extend(notes.iter().cloned());
        let role_hosts: Vec<String> = role_hosts.into_iter().collect();
        let header = [format!(
            "Remediation for role {role}: brings {} to the role's baseline.",
            if role_hosts.is_empty() {
                "no host".to_string()
            } else {
                role_hosts.join(", ")
            }
        )];
        let folder = PathBuf::from("roles").join(file_name_for(&role));
        let written = target_files(&bundle, &folder, &header)?;
        targets.push(Target {
            kind: "role",
            name: role,
            hosts: role_hosts,
            fixes,
            manual: bundle.step_counts().1,
            files: written.iter().map(|f| f.path.clone()).collect(),
            notes,
        });
        files.extend(written);
    }
    Ok(Remediation {
        schema: "confaudit.remediation/1",
        targets,
        skipped,
        incomplete_hosts,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_values_keep_the_type_the_host_has_or_take_the_natural_one() {
        let cases: [(toml::Value, Option<Value>, Option<Value>); 9] = [
            (toml::Value::Integer(16), None, Some(Value::Dword(16))),
            (
                toml::Value::Integer(16),
                Some(Value::Qword(1)),
                Some(Value::Qword(16)),
            ),
            (
                toml::Value::Integer(1 << 40),
                None,
                Some(Value::Qword(1 << 40)),
            ),
            (toml::Value::Integer(-1), None, None),
            (toml::Value::Boolean(true), None, Some(Value::Dword(1))),
            (
                toml::Value::String("0x10".into()),
                Some(Value::Dword(0)),
                Some(Value::Dword(16)),
            ),
            (
                toml::Value::String("%SystemRoot%".into()),
                Some(Value::ExpandString(String::new())),
                Some(Value::ExpandString("%SystemRoot%".into())),
            ),
            (
                toml::Value::Array(vec!["a".into(), "b".into()]),
                None,
                Some(Value::MultiString(vec!["a".into(), "b".into()])),
            ),
            (
                toml::Value::Array(vec![toml::Value::Integer(1)]),
                None,
                None,
            ),
        ];
        for (expected, actual, want) in cases {
            assert_eq!(
                registry_value(&expected, actual.as_ref()),
                want,
                "{expected} with {actual:?}"
            );
        }
    }
}
