//! Comparing each host's collected items with its resolved baseline.

pub mod operator;
pub mod waiver;

use crate::baseline::{Catalog, ResolvedBaseline, ResolvedSetting, WhenAbsent};
use crate::collect::{self, Address, Collected, Diagnostic, HostFiles};
use crate::inventory::{Host, Inventory};
use crate::report::{Finding, HostReport, Report, Status};
use chrono::{DateTime, Utc};
use operator::{Comparison, comparable_text, compare, default_as_value};
use rayon::prelude::*;
use std::collections::BTreeMap;

type BaselineKey = (Vec<String>, Option<String>);

/// Audits every host of the inventory against the catalog, in parallel across hosts.
/// `progress` is called once per finished host (from worker threads).
pub fn audit_fleet(
    catalog: &Catalog,
    inventory: &Inventory,
    run_time: DateTime<Utc>,
    progress: &(dyn Fn(&str) + Sync),
) -> Report {
    // Hosts share few role/hardware combinations: resolve each once.
    let mut baselines: BTreeMap<BaselineKey, Result<ResolvedBaseline, String>> = BTreeMap::new();
    for host in &inventory.hosts {
        let key = (host.roles.clone(), host.hardware.clone());
        baselines
            .entry(key)
            .or_insert_with(|| catalog.resolve(&host.roles, host.hardware.as_deref()));
    }
    let hosts: Vec<HostReport> = inventory
        .hosts
        .par_iter()
        .map(|host| {
            let baseline = &baselines[&(host.roles.clone(), host.hardware.clone())];
            let report = audit_host(host, baseline.as_ref());
            progress(&host.name);
            report
        })
        .collect();
    Report::new(run_time, hosts)
}

/// Collects what a baseline asks for from one host folder.
pub fn collect_host(host: &Host, baseline: &ResolvedBaseline) -> Result<Collected, String> {
    if let Some(problem) = &host.problem {
        return Err(problem.clone());
    }
    if !host.path.is_dir() {
        return Err(format!(
            "export folder {} does not exist",
            host.display_path
        ));
    }
    let (files, walk_diagnostics) = collect::walk::host_files(&host.path);
    let host_files = HostFiles {
        root: &host.path,
        files: &files,
    };
    let mut by_collector: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
    for setting in &baseline.settings {
        by_collector
            .entry(setting.address.collector.as_str())
            .or_default()
            .push(&setting.address);
    }
    let parts: Vec<Collected> = by_collector
        .par_iter()
        .filter_map(|(name, wanted)| collect::by_name(name).map(|c| c.collect(&host_files, wanted)))
        .collect();
    let mut collected = Collected {
        diagnostics: walk_diagnostics,
        ..Collected::default()
    };
    for part in parts {
        collected.items.extend(part.items);
        collected.instances.extend(part.instances);
        collected.diagnostics.extend(part.diagnostics);
        collected.files_read.extend(part.files_read);
    }
    collected.files_read.sort();
    collected.files_read.dedup();
    Ok(collected)
}

fn audit_host(host: &Host, baseline: Result<&ResolvedBaseline, &String>) -> HostReport {
    let mut report = HostReport {
        host: host.name.clone(),
        roles: host.roles.clone(),
        hardware: host.hardware.clone(),
        path: host.display_path.clone(),
        templates: Vec::new(),
        findings: Vec::new(),
        errors: Vec::new(),
        summary: Default::default(),
    };
    let baseline = match baseline {
        Ok(b) => b,
        Err(message) => {
            report
                .errors
                .push(Diagnostic::file(&host.display_path, message.clone()));
            return report;
        }
    };
    report.templates = baseline
        .templates
        .iter()
        .map(|(n, v)| format!("{n}@{v}"))
        .collect();
    // A bug in one host's parsing must not take the fleet down with it.
    let collected =
        std::panic::catch_unwind(|| collect_host(host, baseline)).unwrap_or_else(|_| {
            Err(
                "internal error while reading this host's exports; please report this as a bug"
                    .into(),
            )
        });
    match collected {
        Ok(collected) => {
            report.findings = baseline
                .settings
                .iter()
                .flat_map(|s| evaluate_all(s, &collected))
                .collect();
            report.errors = collected.diagnostics;
        }
        Err(message) => {
            report.findings = baseline
                .settings
                .iter()
                .map(|s| error_finding(s, &message))
                .collect();
            report
                .errors
                .push(Diagnostic::file(&host.display_path, message));
        }
    }
    report
}

fn base_finding(setting: &ResolvedSetting, status: Status) -> Finding {
    let origin = setting.effective_origin();
    Finding {
        setting: setting.id.clone(),
        instance: None,
        title: setting.title.clone(),
        status,
        severity: setting.severity,
        category: setting.category,
        template: origin.template.clone(),
        template_version: origin.version.clone(),
        source: setting.address.to_string(),
        expected: setting.expected_text(),
        actual: None,
        actual_value: None,
        provenance: None,
        detail: None,
        rationale: setting.rationale.clone(),
        remediation: setting.remediation.clone(),
        waiver: None,
    }
}

fn error_finding(setting: &ResolvedSetting, message: &str) -> Finding {
    let mut finding = base_finding(setting, Status::Error);
    finding.detail = Some(message.to_string());
    finding
}

/// The diagnostic that explains why an item could not be read, if any: one naming the
/// exact item always counts; one naming only the location, or only the file, counts when
/// the item is absent.
fn blocking_diagnostic<'d>(
    setting: &ResolvedSetting,
    collected: &'d Collected,
    present: bool,
) -> Option<&'d Diagnostic> {
    let (location, name) = setting.address.lookup_key(true);
    collected
        .diagnostics
        .iter()
        .find(|d| match (&d.location, &d.name) {
            (Some(l), Some(n)) => l.to_lowercase() == location && n.to_lowercase() == name,
            (Some(l), None) => !present && l.to_lowercase() == location,
            (None, _) => !present && d.line == 0 && reads_file(setting, d),
        })
}

fn reads_file(setting: &ResolvedSetting, diagnostic: &Diagnostic) -> bool {
    let file = diagnostic.file.to_string_lossy().replace('\\', "/");
    setting.address.file.is_empty()
        || globset::Glob::new(&setting.address.file)
            .map(|g| g.compile_matcher().is_match(&file) || file.ends_with(&setting.address.file))
            .unwrap_or(false)
}

/// The verdicts for one setting: one, or one per selected object for settings that select
/// many objects.
pub fn evaluate_all(setting: &ResolvedSetting, collected: &Collected) -> Vec<Finding> {
    let Some(instances) = collected.instances.get(&setting.address) else {
        return vec![evaluate(setting, collected)];
    };
    if instances.is_empty() {
        let mut finding = absent(setting);
        finding.detail = Some(format!(
            "no object matched; {}",
            finding.detail.unwrap_or_default()
        ));
        return vec![finding];
    }
    instances
        .iter()
        .map(|(label, item)| {
            let mut finding = match item {
                Some(item) => evaluate_present(setting, item),
                None => absent(setting),
            };
            finding.instance = Some(label.clone());
            finding
        })
        .collect()
}

/// The verdict for one setting.
pub fn evaluate(setting: &ResolvedSetting, collected: &Collected) -> Finding {
    let item = collected.items.get(&setting.address);
    if let Some(diagnostic) = blocking_diagnostic(setting, collected, item.is_some()) {
        let mut finding = error_finding(setting, &diagnostic.to_string());
        finding.provenance = Some(collect::Provenance {
            file: diagnostic.file.clone(),
            line: diagnostic.line,
            location: diagnostic.location.clone().unwrap_or_default(),
        });
        return finding;
    }
    let Some(item) = item else {
        return absent(setting);
    };
    evaluate_present(setting, item)
}

fn evaluate_present(setting: &ResolvedSetting, item: &collect::Item) -> Finding {
    if setting.op == crate::baseline::Operator::Absent {
        let mut finding = base_finding(setting, Status::Noncompliant);
        finding.detail = Some("present, but must be absent".into());
        fill_actual(&mut finding, &item.value);
        finding.provenance = Some(item.provenance.clone());
        return finding;
    }
    let mut finding = base_finding(setting, Status::Compliant);
    fill_actual(&mut finding, &item.value);
    finding.provenance = Some(item.provenance.clone());
    apply_comparison(&mut finding, compare(setting, &item.value));
    finding
}

fn fill_actual(finding: &mut Finding, value: &crate::value::Value) {
    let text = match value {
        crate::value::Value::String(s) if s.contains('\n') => {
            format!("<{} bytes of text>", s.len())
        }
        other => other.to_string(),
    };
    finding.actual = Some(text);
    finding.actual_value = Some(value.clone());
}

fn apply_comparison(finding: &mut Finding, comparison: Comparison) {
    match comparison {
        Comparison::Pass => finding.status = Status::Compliant,
        Comparison::Fail(detail) => {
            finding.status = Status::Noncompliant;
            finding.detail = detail;
        }
        Comparison::Invalid(reason) => {
            finding.status = Status::Noncompliant;
            finding.detail = Some(reason);
        }
    }
}

fn absent(setting: &ResolvedSetting) -> Finding {
    use crate::baseline::Operator;
    if setting.op == Operator::Absent {
        return base_finding(setting, Status::Compliant);
    }
    match &setting.when_absent {
        WhenAbsent::Fail => {
            let mut finding = base_finding(setting, Status::Missing);
            finding.detail = Some("item not found in the host's exports".into());
            finding
        }
        WhenAbsent::Pass => {
            let mut finding = base_finding(setting, Status::Compliant);
            finding.detail = Some("absent; the setting treats absence as compliant".into());
            finding
        }
        WhenAbsent::NotApplicable => {
            let mut finding = base_finding(setting, Status::NotApplicable);
            finding.detail = Some("absent; not applicable to this host".into());
            finding
        }
        WhenAbsent::Default(default) => {
            let value = default_as_value(default);
            let mut finding = base_finding(setting, Status::Compliant);
            finding.actual = Some(format!("{} (default)", comparable_text(&value)));
            finding.detail = Some("absent; compared the documented default".into());
            apply_comparison(&mut finding, compare(setting, &value));
            if finding.status == Status::Noncompliant && finding.detail.is_none() {
                finding.detail = Some("absent; the documented default does not comply".into());
            }
            finding
        }
    }
}
