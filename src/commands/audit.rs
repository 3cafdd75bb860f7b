//! `confaudit audit`: the scheduled compliance run.

use super::{Failure, emit, load_fleet};
use crate::baseline::Severity;
use crate::exit::ExitStatus;
use crate::report::{self, Format};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Resolved settings for one audit run (no clap types past this point).
#[derive(Debug, Clone)]
pub struct Settings {
    pub fleet: PathBuf,
    pub baselines: Vec<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub fail_on: Severity,
    /// Host-name globs; empty means every host.
    pub hosts: Vec<String>,
    pub quiet: bool,
    /// Approvals file: refuse templates not approved at their exact version and content.
    pub approved: Option<PathBuf>,
    pub color: bool,
    pub run_time: DateTime<Utc>,
}

pub fn run(
    settings: &Settings,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let started = std::time::Instant::now();
    let (mut inventory, catalog) = load_fleet(&settings.fleet, &settings.baselines)?;
    if !settings.hosts.is_empty() {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in &settings.hosts {
            let glob = globset::GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| Failure::usage(e, Some("--host takes a glob such as EX-MBX-*")))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| Failure::usage(e, None))?;
        inventory.hosts.retain(|h| set.is_match(&h.name));
        if inventory.hosts.is_empty() {
            return Err(Failure::usage(
                format!("no host matches {}", settings.hosts.join(", ")),
                Some("host names are matched case-insensitively against the inventory"),
            ));
        }
    }
    if let Some(path) = &settings.approved {
        check_approved(path, &catalog, &inventory)?;
    }
    let done = AtomicUsize::new(0);
    let report = crate::audit::audit_fleet(&catalog, &inventory, settings.run_time, &|_| {
        done.fetch_add(1, Ordering::Relaxed);
    });
    let color = settings.color && settings.output.is_none();
    let bytes =
        report::render(&report, settings.format, color).map_err(|e| Failure::usage(e, None))?;
    emit(&bytes, settings.output.as_deref(), out)?;
    if !settings.quiet {
        log(&format!(
            "confaudit: audited {} hosts, {} checks in {:.2}s",
            done.load(Ordering::Relaxed),
            report.summary.settings,
            started.elapsed().as_secs_f64()
        ));
        if let Some(path) = &settings.output {
            log(&format!("confaudit: report written to {}", path.display()));
        }
    }
    let mut status = ExitStatus::Compliant;
    if report.summary.failing_at_or_above(settings.fail_on) > 0 {
        status = status.worst(ExitStatus::Noncompliant);
    }
    if report.has_errors() {
        status = status.worst(ExitStatus::SourcesUnreadable);
    }
    Ok(status)
}

/// Refuses to audit with templates the change board has not approved (version and content).
fn check_approved(
    path: &std::path::Path,
    catalog: &crate::baseline::Catalog,
    inventory: &crate::inventory::Inventory,
) -> Result<(), Failure> {
    let approvals =
        crate::change::pin::Approvals::load(path).map_err(|e| Failure::usage(e, None))?;
    let mut used = Vec::new();
    for host in &inventory.hosts {
        if let Ok(chain) = catalog.chain(&host.roles, host.hardware.as_deref()) {
            used.extend(chain.into_iter().map(|t| t.name()));
        }
    }
    let problems = approvals.check(catalog, used);
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure {
        error: format!("{} template(s) are not approved; refusing to audit", problems.len()).into(),
        details: problems,
        hint: Some("audit with the approved template versions, or have the change approved and re-run `confaudit pin`".into()),
        status: ExitStatus::UsageOrBaseline,
    })
}
