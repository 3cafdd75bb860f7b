//! `confaudit audit`: the scheduled compliance run.

use super::{Failure, emit, load_fleet};
use crate::audit::waiver::{WaiverError, Waivers};
use crate::baseline::Severity;
use crate::exit::ExitStatus;
use crate::history;
use crate::report::{self, Format};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
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
    /// Waivers file; `None` uses `waivers.toml` in the fleet folder when there is one.
    pub waivers: Option<PathBuf>,
    /// Record the run in the history database, with drift and alerts.
    pub record: Option<Recording>,
}

/// Where and how a recorded run keeps history and alerts.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The database; `None` means `.confaudit/history.sqlite` in the fleet folder.
    pub history: Option<PathBuf>,
    pub alerting: crate::history::alerts::Alerting,
}

/// Progress of a run, for a progress bar: called with (hosts done, hosts in all).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

pub fn run(
    settings: &Settings,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
    progress: Progress<'_>,
) -> Result<ExitStatus, Failure> {
    let started = std::time::Instant::now();
    let (mut inventory, catalog) = load_fleet(&settings.fleet, &settings.baselines)?;
    if settings.record.is_some() && !settings.hosts.is_empty() {
        return Err(Failure::usage(
            "--record cannot be combined with --host",
            Some(
                "a recorded run covers the whole fleet, so drift compares like with like; audit a subset without --record",
            ),
        ));
    }
    // Taken before auditing: a second run started meanwhile stops at once.
    let history = match &settings.record {
        Some(recording) => {
            let path = recording
                .history
                .clone()
                .unwrap_or_else(|| history::default_path(&settings.fleet));
            let lock =
                history::RunLock::acquire(&path, settings.run_time).map_err(history_failure)?;
            Some((path, lock))
        }
        None => None,
    };
    let waivers = load_waivers(settings)?;
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
    let total = inventory.hosts.len();
    let mut report = crate::audit::audit_fleet(&catalog, &inventory, settings.run_time, &|_| {
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(finished, total);
    });
    if let Some(waivers) = &waivers {
        report.waivers = waivers.apply(&mut report);
    }
    let mut new_drift = 0;
    if let (Some(recording), Some((path, _lock))) = (&settings.record, &history) {
        let mut database = history::History::open(path).map_err(history_failure)?;
        let fleet = std::fs::canonicalize(&settings.fleet)
            .unwrap_or_else(|_| settings.fleet.clone())
            .display()
            .to_string();
        let recorded = database
            .record(&report, &fleet, &recording.alerting)
            .map_err(history_failure)?;
        new_drift = recorded.drift.new_at_or_above(recording.alerting.threshold);
        if !settings.quiet {
            log(&recorded_line(&recorded, path));
        }
        for problem in &recorded.alerts.problems {
            log(&format!("warning: {problem}"));
        }
        report.drift = Some(recorded.drift);
    }
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
        for note in &report.waivers {
            log(&format!("warning: {note}"));
        }
    }
    let mut status = ExitStatus::Compliant;
    if report.summary.failing_at_or_above(settings.fail_on) > 0 {
        status = status.worst(ExitStatus::Noncompliant);
    }
    if new_drift > 0 {
        status = status.worst(ExitStatus::NewDrift);
    }
    if report.has_errors() {
        status = status.worst(ExitStatus::SourcesUnreadable);
    }
    Ok(status)
}

fn recorded_line(recorded: &history::Recording, path: &std::path::Path) -> String {
    let drift = &recorded.drift;
    let mut line = format!(
        "confaudit: recorded run #{} in {}",
        recorded.run_id,
        path.display()
    );
    match &drift.previous_run {
        Some(previous) => line.push_str(&format!(
            "; since run #{}: {} new, {} resolved, {} still open, {} changed values",
            previous.id,
            drift.new.len(),
            drift.resolved.len(),
            drift.still_open.len(),
            drift.changed.len()
        )),
        None => line.push_str("; first recorded run of this fleet, drift starts with the next"),
    }
    let alerts = &recorded.alerts;
    if !alerts.delivered.is_empty() || !alerts.failed.is_empty() {
        line.push_str(&format!(
            "; {} alert(s) sent, {} to retry",
            alerts.delivered.len(),
            alerts.failed.len()
        ));
    }
    line
}

/// The waivers file given, or `waivers.toml` beside the inventory when present.
fn load_waivers(settings: &Settings) -> Result<Option<Waivers>, Failure> {
    let path = match &settings.waivers {
        Some(path) => path.clone(),
        None => {
            let folder = if settings.fleet.is_file() {
                settings
                    .fleet
                    .parent()
                    .unwrap_or(Path::new("."))
                    .to_path_buf()
            } else {
                settings.fleet.clone()
            };
            let beside = folder.join("waivers.toml");
            if !beside.is_file() {
                return Ok(None);
            }
            beside
        }
    };
    Waivers::load(&path).map(Some).map_err(|e| {
        let details = match &e {
            WaiverError::Invalid { problems, .. } => {
                problems.iter().map(ToString::to_string).collect()
            }
            WaiverError::Read { .. } => Vec::new(),
        };
        Failure {
            error: Box::new(e),
            details,
            hint: Some("each waiver needs id, setting, a scope (hosts, roles or hardware), justification, owner, approver, accepted_risk, change, and starts/expires with a UTC offset".into()),
            status: ExitStatus::UsageOrBaseline,
        }
    })
}

pub(crate) fn history_failure(error: history::HistoryError) -> Failure {
    let (status, hint) = match &error {
        history::HistoryError::Busy { .. } => (
            ExitStatus::Busy,
            Some(
                "runs of one fleet must not overlap; this one did nothing, the next scheduled run will go ahead",
            ),
        ),
        history::HistoryError::TooNew { .. } => (
            ExitStatus::UsageOrBaseline,
            Some("use the confaudit version that wrote this database, or a newer one"),
        ),
        history::HistoryError::Empty { .. } => (
            ExitStatus::UsageOrBaseline,
            Some("record a run first: confaudit audit FLEET --record"),
        ),
        _ => (ExitStatus::UsageOrBaseline, None),
    };
    Failure {
        error: Box::new(error),
        details: Vec::new(),
        hint: hint.map(str::to_string),
        status,
    }
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
