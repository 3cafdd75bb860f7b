//! The one Report type every renderer draws from, and the renderers (one per format).

pub mod csv;
pub mod json;
pub mod table;

use crate::audit::waiver::{AppliedWaiver, WaiverNote};
use crate::baseline::{Category, Severity};
use crate::collect::{Diagnostic, Provenance};
use crate::history::drift::Drift;
use crate::value::Value;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON report schema; bumped on any incompatible change.
pub const SCHEMA: &str = "confaudit.report/1";

/// The verdict for one host and setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Compliant,
    Noncompliant,
    /// The item is absent and the setting says absence fails.
    Missing,
    /// The source could not be read or was malformed.
    Error,
    NotApplicable,
    /// Accepted deviation (waivers file).
    Waived,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Noncompliant => "noncompliant",
            Status::Missing => "missing",
            Status::Error => "error",
            Status::NotApplicable => "not-applicable",
            Status::Waived => "waived",
        }
    }

    /// The status a label names (as recorded in the history database).
    pub fn from_label(label: &str) -> Option<Status> {
        [
            Status::Compliant,
            Status::Noncompliant,
            Status::Missing,
            Status::Error,
            Status::NotApplicable,
            Status::Waived,
        ]
        .into_iter()
        .find(|s| s.label() == label)
    }

    /// Whether this verdict is a failure to be in the desired state.
    pub fn is_failing(self) -> bool {
        matches!(self, Status::Noncompliant | Status::Missing)
    }
}

/// One host × setting verdict, with everything needed to act on it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub setting: String,
    /// The object this verdict is about, for settings that select many objects (a DN).
    pub instance: Option<String>,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub category: Category,
    /// The template (and version) that gave the effective expectation.
    pub template: String,
    pub template_version: String,
    /// The item's address (`registry | HKLM\...\Tcpip\Parameters | KeepAliveTime`).
    pub source: String,
    pub expected: String,
    /// The actual value as text, when one was found (or the documented default used).
    pub actual: Option<String>,
    /// The actual value with its type, for machines (rollback, history).
    pub actual_value: Option<Value>,
    /// Where the actual value came from.
    pub provenance: Option<Provenance>,
    /// Why the verdict is what it is, when that needs words (error reason, diff, default used).
    pub detail: Option<String>,
    pub rationale: Option<String>,
    pub remediation: Option<String>,
    /// The waiver that made this finding `waived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<AppliedWaiver>,
}

/// Counts for one host or the whole fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub settings: usize,
    pub compliant: usize,
    pub noncompliant: usize,
    pub missing: usize,
    pub error: usize,
    pub not_applicable: usize,
    pub waived: usize,
    /// compliant (and waived) ÷ settings that could be assessed, in percent; `None` when
    /// nothing could be assessed.
    pub compliance_percent: Option<f64>,
    /// Failing verdicts (noncompliant or missing) per severity.
    pub failing_by_severity: BTreeMap<Severity, usize>,
}

impl Summary {
    pub fn add(&mut self, finding: &Finding) {
        self.settings += 1;
        match finding.status {
            Status::Compliant => self.compliant += 1,
            Status::Noncompliant => self.noncompliant += 1,
            Status::Missing => self.missing += 1,
            Status::Error => self.error += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Waived => self.waived += 1,
        }
        if finding.status.is_failing() {
            *self
                .failing_by_severity
                .entry(finding.severity)
                .or_default() += 1;
        }
    }

    pub fn finish(&mut self) {
        let assessed = self.compliant + self.waived + self.noncompliant + self.missing;
        self.compliance_percent = (assessed > 0).then(|| {
            let pct = (self.compliant + self.waived) as f64 * 100.0 / assessed as f64;
            (pct * 10.0).round() / 10.0
        });
    }

    pub fn merge(&mut self, other: &Summary) {
        self.settings += other.settings;
        self.compliant += other.compliant;
        self.noncompliant += other.noncompliant;
        self.missing += other.missing;
        self.error += other.error;
        self.not_applicable += other.not_applicable;
        self.waived += other.waived;
        for (severity, count) in &other.failing_by_severity {
            *self.failing_by_severity.entry(*severity).or_default() += count;
        }
    }

    /// Failing verdicts at or above a severity.
    pub fn failing_at_or_above(&self, threshold: Severity) -> usize {
        self.failing_by_severity
            .iter()
            .filter(|(s, _)| **s >= threshold)
            .map(|(_, n)| n)
            .sum()
    }
}

/// A host's audit.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    pub host: String,
    pub roles: Vec<String>,
    pub hardware: Option<String>,
    /// The export folder, as given in the inventory.
    pub path: String,
    /// Templates applied, as `name@version`.
    pub templates: Vec<String>,
    pub findings: Vec<Finding>,
    /// Problems reading this host's exports (each also makes the run exit 3).
    pub errors: Vec<Diagnostic>,
    pub summary: Summary,
}

/// A whole audit run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub run_time: DateTime<Utc>,
    pub summary: Summary,
    pub hosts: Vec<HostReport>,
    /// Waivers that expired, have not started, or waived nothing (clean-up list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverNote>,
    /// Changes since the last recorded run (`audit --record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

impl Report {
    /// Builds the report from host results, sorting everything so output is deterministic.
    pub fn new(run_time: DateTime<Utc>, mut hosts: Vec<HostReport>) -> Report {
        hosts.sort_by(|a, b| {
            a.host
                .to_lowercase()
                .cmp(&b.host.to_lowercase())
                .then(a.host.cmp(&b.host))
        });
        for host in &mut hosts {
            host.findings
                .sort_by(|a, b| (&a.setting, &a.instance).cmp(&(&b.setting, &b.instance)));
            host.errors
                .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
        }
        let mut report = Report {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            run_time,
            summary: Summary::default(),
            hosts,
            waivers: Vec::new(),
            drift: None,
        };
        report.recount();
        report
    }

    /// Recomputes host and fleet summaries from the findings (after waivers changed some).
    pub fn recount(&mut self) {
        let mut summary = Summary::default();
        for host in &mut self.hosts {
            host.summary = Summary::default();
            for finding in &host.findings {
                host.summary.add(finding);
            }
            host.summary.finish();
            summary.merge(&host.summary);
        }
        summary.finish();
        self.summary = summary;
    }

    /// Whether any source could not be read (exit code 3).
    pub fn has_errors(&self) -> bool {
        self.hosts
            .iter()
            .any(|h| !h.errors.is_empty() || h.summary.error > 0)
    }
}

/// Output formats for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Renders a report in a format. `color` applies to the table only.
pub fn render(report: &Report, format: Format, color: bool) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Table => Ok(table::render(report, color).into_bytes()),
        Format::Csv => csv::render(report),
        Format::Json => json::render(report),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write CSV")]
    Csv(#[from] ::csv::Error),
    #[error("cannot serialise JSON")]
    Json(#[from] serde_json::Error),
}
