//! Alerts for the monitoring console: one event per open finding at or above a severity,
//! appended as JSON Lines and optionally piped to a command.
//!
//! No alert storms: a finding alerts when it first opens, again only when its status or
//! actual value changes, or when the re-notify interval has passed. The state lives in the
//! history database and is updated in the run's transaction, only for events actually
//! delivered, so an alert that could not be delivered is retried by the next run.

use super::drift::RunVerdicts;
use super::{HistoryError, parse_time, time_text};
use crate::baseline::Severity;
use crate::report::{Report, Status};
use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Version of the alert event schema.
pub const SCHEMA: &str = "confaudit.alert/1";

/// How a run alerts.
#[derive(Debug, Clone)]
pub struct Alerting {
    /// Findings below this severity never alert (and never count as new drift for exit 4).
    pub threshold: Severity,
    /// Alert again about a finding still open after this long; `None`: only on change.
    pub renotify: Option<chrono::Duration>,
    /// JSON Lines file events are appended to.
    pub log: Option<PathBuf>,
    /// Shell command run once per event with the event JSON on standard input.
    pub command: Option<String>,
    pub command_timeout: Duration,
}

impl Default for Alerting {
    fn default() -> Self {
        Alerting {
            threshold: Severity::High,
            renotify: None,
            log: None,
            command: None,
            command_timeout: Duration::from_secs(60),
        }
    }
}

/// Why an event was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The finding opened (or was never alerted before).
    New,
    /// Its status or actual value changed since it was last alerted.
    Changed,
    /// Still open after the re-notify interval.
    Reminder,
}

/// One alert event, as written to the log and given to the command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    pub schema: &'static str,
    pub run_id: i64,
    pub run_time: DateTime<Utc>,
    pub reason: Reason,
    pub host: String,
    pub roles: Vec<String>,
    pub hardware: Option<String>,
    pub setting: String,
    pub instance: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub category: crate::baseline::Category,
    pub status: Status,
    pub expected: String,
    pub actual: Option<String>,
    pub provenance: Option<String>,
    pub open_since: Option<DateTime<Utc>>,
    pub detail: Option<String>,
    pub remediation: Option<String>,
    /// What was alerted last time (for `changed` and `reminder`).
    pub previously_alerted: Option<PreviousAlert>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousAlert {
    pub at: DateTime<Utc>,
    pub status: Status,
    pub actual: Option<String>,
}

/// What delivering a run's alerts did.
#[derive(Debug, Default)]
pub struct Delivery {
    pub delivered: Vec<AlertEvent>,
    pub failed: Vec<AlertEvent>,
    /// Why deliveries failed, one line each.
    pub problems: Vec<String>,
}

type Key = (String, String, String);

/// Events due for this run: open findings at or above the threshold that were never
/// alerted, changed since, or are due for a reminder. `run_id` is filled in on delivery.
pub(super) fn due(
    tx: &Transaction<'_>,
    report: &Report,
    current: &RunVerdicts,
    alerting: &Alerting,
) -> Result<Vec<AlertEvent>, HistoryError> {
    let mut statement = tx.prepare_cached(
        "SELECT host, setting, instance, alerted_at, status, actual FROM alert_state",
    )?;
    let alerted: HashMap<Key, PreviousAlert> = statement
        .query_map([], |row| {
            Ok((
                (row.get(0)?, row.get(1)?, row.get(2)?),
                PreviousAlert {
                    at: parse_time(&row.get::<_, String>(3)?),
                    status: Status::from_label(&row.get::<_, String>(4)?)
                        .unwrap_or(Status::Noncompliant),
                    actual: row.get(5)?,
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    let now = report.run_time;
    let mut events = Vec::new();
    for host in &report.hosts {
        for finding in &host.findings {
            if !finding.status.is_failing() || finding.severity < alerting.threshold {
                continue;
            }
            let key = (
                host.host.clone(),
                finding.setting.clone(),
                finding.instance.clone().unwrap_or_default(),
            );
            let previous = alerted.get(&key);
            let reason = match previous {
                None => Reason::New,
                Some(p) if p.status != finding.status || p.actual != finding.actual => {
                    Reason::Changed
                }
                Some(p) if alerting.renotify.is_some_and(|every| now - p.at >= every) => {
                    Reason::Reminder
                }
                Some(_) => continue,
            };
            events.push(AlertEvent {
                schema: SCHEMA,
                run_id: 0,
                run_time: now,
                reason,
                host: host.host.clone(),
                roles: host.roles.clone(),
                hardware: host.hardware.clone(),
                setting: finding.setting.clone(),
                instance: finding.instance.clone(),
                title: finding.title.clone(),
                severity: finding.severity,
                category: finding.category,
                status: finding.status,
                expected: finding.expected.clone(),
                actual: finding.actual.clone(),
                provenance: finding.provenance.as_ref().map(ToString::to_string),
                open_since: current.get(&key).and_then(|r| r.open_since),
                detail: finding.detail.clone(),
                remediation: finding.remediation.clone(),
                previously_alerted: previous.cloned(),
            });
        }
    }
    Ok(events)
}

impl Alerting {
    /// Appends the events to the log and runs the command for each. An event counts as
    /// delivered only when every configured channel took it.
    pub(super) fn deliver(
        &self,
        run_id: i64,
        mut events: Vec<AlertEvent>,
    ) -> Result<Delivery, HistoryError> {
        for event in &mut events {
            event.run_id = run_id;
        }
        let mut delivery = Delivery::default();
        if events.is_empty() {
            return Ok(delivery);
        }
        let logged = match &self.log {
            Some(path) => match append_lines(path, &events) {
                Ok(()) => true,
                Err(e) => {
                    delivery.problems.push(format!(
                        "cannot append to alert log {}: {e}",
                        path.display()
                    ));
                    false
                }
            },
            None => true,
        };
        for event in events {
            let mut ok = logged;
            if let Some(command) = &self.command
                && let Err(problem) = run_command(command, &event, self.command_timeout)
            {
                delivery.problems.push(format!(
                    "alert command failed for {} {}: {problem}",
                    event.host, event.setting
                ));
                ok = false;
            }
            if ok {
                delivery.delivered.push(event);
            } else {
                delivery.failed.push(event);
            }
        }
        Ok(delivery)
    }
}

/// Updates the de-duplication state: delivered events are remembered; findings no longer
/// failing are forgotten, so one that comes back alerts again.
pub(super) fn remember(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    current: &RunVerdicts,
    delivered: &[AlertEvent],
) -> Result<(), HistoryError> {
    let keys: Vec<Key> = {
        let mut statement = tx.prepare_cached("SELECT host, setting, instance FROM alert_state")?;
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    let mut forget = tx.prepare_cached(
        "DELETE FROM alert_state WHERE host = ?1 AND setting = ?2 AND instance = ?3",
    )?;
    for key in keys {
        if !current.get(&key).is_some_and(|r| r.status.is_failing()) {
            forget.execute(params![key.0, key.1, key.2])?;
        }
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO alert_state (host, setting, instance, alerted_at, status, actual)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (host, setting, instance) DO UPDATE SET
           alerted_at = excluded.alerted_at, status = excluded.status, actual = excluded.actual",
    )?;
    for event in delivered {
        upsert.execute(params![
            event.host,
            event.setting,
            event.instance.clone().unwrap_or_default(),
            time_text(now),
            event.status.label(),
            event.actual,
        ])?;
    }
    Ok(())
}

/// Appends whole lines and syncs, so a crash leaves no half-written event.
fn append_lines(path: &std::path::Path, events: &[AlertEvent]) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    for event in events {
        serde_json::to_writer(&mut buffer, event)?;
        buffer.push(b'\n');
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&buffer)?;
    file.sync_all()
}

/// Runs the alert command through the platform shell with the event on standard input,
/// killing it after the timeout so a hung console cannot stall the schedule.
fn run_command(command: &str, event: &AlertEvent, timeout: Duration) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = if cfg!(windows) {
        Command::new("cmd")
            .args(["/C", command])
            .stdin(Stdio::piped())
            .spawn()
    } else {
        Command::new("sh")
            .args(["-c", command])
            .stdin(Stdio::piped())
            .spawn()
    }
    .map_err(|e| format!("cannot start `{command}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let mut json = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        json.push(b'\n');
        // A command that does not read its input is its own business; its exit status counts.
        let _ = stdin.write_all(&json);
    }
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("`{command}` exited with {status}")),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{command}` did not finish within {}s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}
