//! Drift: what changed between two recorded runs of the same fleet.
//!
//! Computed from verdict rows alone, so `confaudit drift --run N` gives the same answer
//! years later as the run itself printed.

use crate::baseline::Severity;
use crate::report::{Report, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// A verdict as recorded: enough to tell what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub status: Status,
    pub severity: Severity,
    pub title: String,
    pub actual: Option<String>,
    /// When this finding started failing without interruption (failing verdicts only).
    pub open_since: Option<DateTime<Utc>>,
}

/// (host, setting, instance or "").
pub type VerdictKey = (String, String, String);

/// The recorded verdicts of one run.
pub type RunVerdicts = HashMap<VerdictKey, Recorded>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousRun {
    pub id: i64,
    pub run_time: DateTime<Utc>,
}

/// One host × setting that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftItem {
    pub host: String,
    pub setting: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<Status>,
    pub actual: Option<String>,
    pub previous_actual: Option<String>,
    /// When the finding started failing (new and still-open findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_since: Option<DateTime<Utc>>,
}

/// Changes since the previous run of the same fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Drift {
    /// `None` for the first recorded run: there is nothing to compare with, so nothing is
    /// new, resolved or changed.
    pub previous_run: Option<PreviousRun>,
    /// Failing now, not failing (or not audited) in the previous run.
    pub new: Vec<DriftItem>,
    /// Failing in the previous run, not now.
    pub resolved: Vec<DriftItem>,
    /// Failing in both runs.
    pub still_open: Vec<DriftItem>,
    /// Same verdict, different actual value (compliant items included: a value that moves
    /// within its allowed range is still a change someone made).
    pub changed: Vec<DriftItem>,
    pub hosts_added: Vec<String>,
    pub hosts_gone: Vec<String>,
}

impl Drift {
    /// New findings at or above a severity: what alerts and exit code 4 are about.
    pub fn new_at_or_above(&self, threshold: Severity) -> usize {
        self.new.iter().filter(|d| d.severity >= threshold).count()
    }
}

/// The recorded form of a report's verdicts, with `open_since` carried over from the
/// previous run for findings that were already failing.
pub fn recorded(report: &Report, previous: &RunVerdicts) -> RunVerdicts {
    let mut verdicts = RunVerdicts::new();
    for host in &report.hosts {
        for finding in &host.findings {
            let key = (
                host.host.clone(),
                finding.setting.clone(),
                finding.instance.clone().unwrap_or_default(),
            );
            let open_since = finding.status.is_failing().then(|| {
                previous
                    .get(&key)
                    .filter(|p| p.status.is_failing())
                    .and_then(|p| p.open_since)
                    .unwrap_or(report.run_time)
            });
            verdicts.insert(
                key,
                Recorded {
                    status: finding.status,
                    severity: finding.severity,
                    title: finding.title.clone(),
                    actual: finding.actual.clone(),
                    open_since,
                },
            );
        }
    }
    verdicts
}

/// Compares a run's verdicts with the previous run's. Output is sorted by host, setting
/// and instance.
pub fn compare(
    previous_run: Option<PreviousRun>,
    previous: &RunVerdicts,
    current: &RunVerdicts,
) -> Drift {
    let mut drift = Drift {
        previous_run,
        ..Drift::default()
    };
    if drift.previous_run.is_none() {
        return drift;
    }
    let hosts = |v: &RunVerdicts| v.keys().map(|k| k.0.clone()).collect::<BTreeSet<_>>();
    let (before, now) = (hosts(previous), hosts(current));
    drift.hosts_added = now.difference(&before).cloned().collect();
    drift.hosts_gone = before.difference(&now).cloned().collect();

    let mut keys: Vec<&VerdictKey> = current.keys().chain(previous.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (was, is) = (previous.get(key), current.get(key));
        let item = |r: &Recorded| DriftItem {
            host: key.0.clone(),
            setting: key.1.clone(),
            instance: (!key.2.is_empty()).then(|| key.2.clone()),
            title: r.title.clone(),
            severity: r.severity,
            status: r.status,
            previous_status: was.map(|w| w.status),
            actual: is.and_then(|i| i.actual.clone()),
            previous_actual: was.and_then(|w| w.actual.clone()),
            open_since: r.open_since,
        };
        match (was, is) {
            (_, Some(now)) if now.status.is_failing() => {
                if was.is_some_and(|w| w.status.is_failing()) {
                    drift.still_open.push(item(now));
                } else {
                    drift.new.push(item(now));
                }
            }
            (Some(before), Some(now)) if before.status.is_failing() => {
                drift.resolved.push(item(now));
            }
            (Some(before), None) if before.status.is_failing() && now.contains(&key.0) => {
                // The setting left the host's baseline: the finding is gone, not fixed.
                let mut gone = item(before);
                gone.status = before.status;
                drift.resolved.push(gone);
            }
            (Some(before), Some(now)) if before.actual != now.actual => {
                drift.changed.push(item(now));
            }
            _ => {}
        }
    }
    drift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        format!("2026-01-01T{hour:02}:00:00Z").parse().unwrap()
    }

    fn rec(status: Status, actual: &str, open_since: Option<DateTime<Utc>>) -> Recorded {
        Recorded {
            status,
            severity: Severity::High,
            title: "t".into(),
            actual: Some(actual.into()),
            open_since,
        }
    }

    fn key(host: &str, setting: &str) -> VerdictKey {
        (host.into(), setting.into(), String::new())
    }

    #[test]
    fn classifies_new_resolved_open_and_changed() {
        use Status::*;
        let previous: RunVerdicts = [
            (key("A", "fixed"), rec(Noncompliant, "1", Some(at(0)))),
            (key("A", "open"), rec(Missing, "-", Some(at(0)))),
            (key("A", "breaks"), rec(Compliant, "4", None)),
            (key("A", "moves"), rec(Compliant, "10", None)),
            (key("A", "waived-then-expired"), rec(Waived, "x", None)),
            (key("GONE", "s"), rec(Compliant, "1", None)),
        ]
        .into();
        let current: RunVerdicts = [
            (key("A", "fixed"), rec(Compliant, "0", None)),
            (key("A", "open"), rec(Missing, "-", Some(at(0)))),
            (key("A", "breaks"), rec(Noncompliant, "3", Some(at(8)))),
            (key("A", "moves"), rec(Compliant, "12", None)),
            (
                key("A", "waived-then-expired"),
                rec(Noncompliant, "x", Some(at(8))),
            ),
            (key("NEW", "s"), rec(Noncompliant, "1", Some(at(8)))),
        ]
        .into();
        let previous_run = Some(PreviousRun {
            id: 1,
            run_time: at(0),
        });
        let drift = compare(previous_run, &previous, &current);
        let names = |items: &[DriftItem]| {
            items
                .iter()
                .map(|d| format!("{}/{}", d.host, d.setting))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&drift.new),
            ["A/breaks", "A/waived-then-expired", "NEW/s"]
        );
        assert_eq!(names(&drift.resolved), ["A/fixed"]);
        assert_eq!(names(&drift.still_open), ["A/open"]);
        assert_eq!(names(&drift.changed), ["A/moves"]);
        assert_eq!(drift.changed[0].previous_actual.as_deref(), Some("10"));
        assert_eq!(drift.hosts_added, ["NEW"]);
        assert_eq!(drift.hosts_gone, ["GONE"]);
        assert_eq!(drift.new_at_or_above(Severity::Critical), 0);
        assert_eq!(drift.new_at_or_above(Severity::High), 3);
    }

    #[test]
    fn first_run_has_no_drift() {
        let current: RunVerdicts =
            [(key("A", "s"), rec(Status::Noncompliant, "1", Some(at(0))))].into();
        let drift = compare(None, &RunVerdicts::new(), &current);
        assert_eq!(drift, Drift::default());
    }
}
