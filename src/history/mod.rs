//! Run history: every recorded audit in an embedded SQLite database, drift between runs,
//! alert state, and the per-run summaries trends and scorecards read.
//!
//! One process records at a time: a lock file beside the database is held for the whole
//! run (audit included), so a second run started meanwhile stops at once with a clear
//! message instead of waiting or interleaving. The lock is the operating system's, so a
//! crashed run never leaves a stale lock behind. Each run is written in one transaction.

pub mod alerts;
pub mod drift;
pub mod trend;

use crate::baseline::Severity;
use crate::report::{Report, Status};
use chrono::{DateTime, Utc};
use drift::{Drift, PreviousRun, Recorded, RunVerdicts};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema version this build writes; older databases are migrated forward on open.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A schema step: statements, then data work (backfills) in the same transaction.
struct Migration {
    sql: &'static str,
    then: fn(&Transaction<'_>) -> rusqlite::Result<()>,
}

/// Forward migrations; entry `n` takes a database from version `n` to `n + 1`. Never edit a
/// released entry: add a new one.
const MIGRATIONS: &[Migration] = &[
    // 1: runs and their verdicts.
    Migration {
        then: |_| Ok(()),
        sql: "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        run_time TEXT NOT NULL,
        fleet TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        templates TEXT NOT NULL,
        hosts INTEGER NOT NULL,
        settings INTEGER NOT NULL,
        compliant INTEGER NOT NULL,
        noncompliant INTEGER NOT NULL,
        missing INTEGER NOT NULL,
        error INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL,
        waived INTEGER NOT NULL,
        compliance_percent REAL
    );
    CREATE TABLE verdicts (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        setting TEXT NOT NULL,
        instance TEXT NOT NULL,
        roles TEXT NOT NULL,
        hardware TEXT,
        template TEXT NOT NULL,
        template_version TEXT NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        category TEXT NOT NULL,
        expected TEXT NOT NULL,
        actual TEXT,
        provenance TEXT,
        open_since TEXT,
        PRIMARY KEY (run_id, host, setting, instance)
    ) WITHOUT ROWID;",
    },
    // 2: alert de-duplication state, new-drift counts and per-dimension summaries
    // (backfilled for runs recorded before).
    Migration {
        then: |tx| summarize(tx, None),
        sql: "CREATE TABLE alert_state (
        host TEXT NOT NULL,
        setting TEXT NOT NULL,
        instance TEXT NOT NULL,
        alerted_at TEXT NOT NULL,
        status TEXT NOT NULL,
        actual TEXT,
        PRIMARY KEY (host, setting, instance)
    ) WITHOUT ROWID;
    ALTER TABLE runs ADD COLUMN new_drift INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE run_summaries (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        dimension TEXT NOT NULL,
        key TEXT NOT NULL,
        hosts INTEGER NOT NULL,
        settings INTEGER NOT NULL,
        compliant INTEGER NOT NULL,
        waived INTEGER NOT NULL,
        failing INTEGER NOT NULL,
        error INTEGER NOT NULL,
        PRIMARY KEY (run_id, dimension, key)
    ) WITHOUT ROWID;",
    },
];

/// Per-dimension summaries (fleet, role, hardware, severity) of one run, or of every run
/// when `run_id` is `None` (the backfill of migration 2), computed in SQL from verdict rows.
fn summarize(tx: &Transaction<'_>, run_id: Option<i64>) -> rusqlite::Result<()> {
    const COUNTS: &str = "COUNT(DISTINCT host), COUNT(*), SUM(status = 'compliant'),
        SUM(status = 'waived'), SUM(status IN ('noncompliant', 'missing')), SUM(status = 'error')";
    for (dimension, key, from) in [
        ("fleet", "''", "verdicts"),
        (
            "role",
            "r.value",
            "verdicts, json_each(verdicts.roles) AS r",
        ),
        ("hardware", "COALESCE(hardware, '')", "verdicts"),
        ("severity", "severity", "verdicts"),
    ] {
        tx.execute(
            &format!(
                "INSERT INTO run_summaries SELECT run_id, '{dimension}', {key}, {COUNTS}
                 FROM {from} WHERE ?1 IS NULL OR run_id = ?1 GROUP BY run_id, {key}"
            ),
            [run_id],
        )?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("another confaudit run is recording to {}{holder}", path.display())]
    Busy { path: PathBuf, holder: String },
    #[error("cannot open the run history {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "the run history {} has schema version {found}, newer than this confaudit understands ({SCHEMA_VERSION})",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64 },
    #[error("the run history {} has no recorded runs", path.display())]
    Empty { path: PathBuf },
    #[error("run {0} is not in the history")]
    NoSuchRun(i64),
    #[error("run history database error")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot write the alert log {}", path.display())]
    AlertLog {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The database file a fleet's history lives in unless told otherwise:
/// `.confaudit/history.sqlite` in the fleet folder (the inventory file's folder).
pub fn default_path(fleet: &Path) -> PathBuf {
    let folder = if fleet.is_file() {
        fleet.parent().unwrap_or(Path::new("."))
    } else {
        fleet
    };
    folder.join(".confaudit").join("history.sqlite")
}

/// An open history database.
pub struct History {
    path: PathBuf,
    connection: Connection,
}

/// Held while a run records; dropping it (or the process ending) releases the lock.
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the run lock of a history database, or says who holds it.
    pub fn acquire(database: &Path, now: DateTime<Utc>) -> Result<RunLock, HistoryError> {
        use std::io::{Read, Seek, Write};
        let open_error = |source: std::io::Error| HistoryError::Open {
            path: database.to_path_buf(),
            source: source.into(),
        };
        if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(open_error)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(database))
            .map_err(open_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(HistoryError::Busy {
                    path: database.to_path_buf(),
                    holder: if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" ({holder})")
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(open_error(e)),
        }
        // Who holds the lock, for the message the next run prints; best effort.
        let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| {
            write!(
                file,
                "process {} since {}",
                std::process::id(),
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        });
        Ok(RunLock { _file: file })
    }
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// What recording a run produced.
#[derive(Debug)]
pub struct Recording {
    pub run_id: i64,
    pub drift: Drift,
    pub alerts: alerts::Delivery,
}

/// One recorded run, as `confaudit history` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRow {
    pub id: i64,
    pub run_time: DateTime<Utc>,
    pub fleet: String,
    pub templates: Vec<String>,
    pub hosts: i64,
    pub settings: i64,
    pub compliant: i64,
    pub noncompliant: i64,
    pub missing: i64,
    pub error: i64,
    pub waived: i64,
    pub compliance_percent: Option<f64>,
    pub new_drift: i64,
}

impl History {
    /// Opens (creating if needed) and migrates the database.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let open_error = |source: rusqlite::Error| HistoryError::Open {
            path: path.to_path_buf(),
            source: source.into(),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| HistoryError::Open {
                path: path.to_path_buf(),
                source: source.into(),
            })?;
        }
        let mut connection = Connection::open(path).map_err(open_error)?;
        // Readers (`history`, `trend`) may meet a run committing: wait briefly, not fail.
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(open_error)?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        migrate(path, &mut connection)?;
        Ok(History {
            path: path.to_path_buf(),
            connection,
        })
    }

    /// Opens a database that must exist (for reading commands).
    pub fn open_existing(path: &Path) -> Result<History, HistoryError> {
        if !path.is_file() {
            return Err(HistoryError::Open {
                path: path.to_path_buf(),
                source: "no such file; record a run first with `confaudit audit --record`".into(),
            });
        }
        History::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a run in one transaction: the run, its verdicts, its summaries and the drift
    /// since the previous run of the same fleet; then decides and delivers alerts, marking
    /// delivered ones so an open finding alerts once.
    pub fn record(
        &mut self,
        report: &Report,
        fleet: &str,
        alerting: &alerts::Alerting,
    ) -> Result<Recording, HistoryError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous_run: Option<PreviousRun> = tx
            .query_row(
                "SELECT id, run_time FROM runs WHERE fleet = ?1 ORDER BY id DESC LIMIT 1",
                [fleet],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(id, time)| PreviousRun {
                id,
                run_time: parse_time(&time),
            });
        let previous = match &previous_run {
            Some(run) => load_verdicts(&tx, run.id)?,
            None => RunVerdicts::new(),
        };
        let current = drift::recorded(report, &previous);
        let drift = drift::compare(previous_run, &previous, &current);
        let run_id = insert_run(&tx, report, fleet, &current, &drift, alerting.threshold)?;
        let due = alerts::due(&tx, report, &current, alerting)?;
        let delivery = alerting.deliver(run_id, due)?;
        alerts::remember(&tx, report.run_time, &current, &delivery.delivered)?;
        tx.commit()?;
        Ok(Recording {
            run_id,
            drift,
            alerts: delivery,
        })
    }

    /// Recorded runs, newest first (all fleets in this database).
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRow>, HistoryError> {
        let mut statement = self.connection.prepare(
            "SELECT id, run_time, fleet, templates, hosts, settings, compliant, noncompliant,
                    missing, error, waived, compliance_percent, new_drift
             FROM runs ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = statement.query_map([limit as i64], |row| {
            Ok(RunRow {
                id: row.get(0)?,
                run_time: parse_time(&row.get::<_, String>(1)?),
                fleet: row.get(2)?,
                templates: serde_json::from_str(&row.get::<_, String>(3)?).unwrap_or_default(),
                hosts: row.get(4)?,
                settings: row.get(5)?,
                compliant: row.get(6)?,
                noncompliant: row.get(7)?,
                missing: row.get(8)?,
                error: row.get(9)?,
                waived: row.get(10)?,
                compliance_percent: row.get(11)?,
                new_drift: row.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The drift a recorded run had against the run of its fleet before it (the latest run
    /// when `run` is `None`).
    pub fn drift(&self, run: Option<i64>) -> Result<(i64, DateTime<Utc>, Drift), HistoryError> {
        let row: Option<(i64, String, String)> = match run {
            Some(id) => self
                .connection
                .query_row(
                    "SELECT id, run_time, fleet FROM runs WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?,
            None => self
                .connection
                .query_row(
                    "SELECT id, run_time, fleet FROM runs ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?,
        };
        let Some((id, time, fleet)) = row else {
            return Err(match run {
                Some(id) => HistoryError::NoSuchRun(id),
                None => HistoryError::Empty {
                    path: self.path.clone(),
                },
            });
        };
        let previous_run = self
            .connection
            .query_row(
                "SELECT id, run_time FROM runs WHERE fleet = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                params![fleet, id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(id, t)| PreviousRun {
                id,
                run_time: parse_time(&t),
            });
        let current = load_verdicts(&self.connection, id)?;
        let previous = match &previous_run {
            Some(p) => load_verdicts(&self.connection, p.id)?,
            None => RunVerdicts::new(),
        };
        Ok((
            id,
            parse_time(&time),
            drift::compare(previous_run, &previous, &current),
        ))
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }
}

fn migrate(path: &Path, connection: &mut Connection) -> Result<(), HistoryError> {
    let found: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(HistoryError::TooNew {
            path: path.to_path_buf(),
            found,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    // Immediate: two first runs racing to create the schema must not both apply it.
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(migration.sql)?;
        (migration.then)(&tx)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

fn insert_run(
    tx: &Transaction<'_>,
    report: &Report,
    fleet: &str,
    current: &RunVerdicts,
    drift: &Drift,
    alert_threshold: Severity,
) -> Result<i64, HistoryError> {
    let mut templates: Vec<&String> = report.hosts.iter().flat_map(|h| &h.templates).collect();
    templates.sort();
    templates.dedup();
    let s = &report.summary;
    tx.execute(
        "INSERT INTO runs (run_time, fleet, tool_version, templates, hosts, settings, compliant,
            noncompliant, missing, error, not_applicable, waived, compliance_percent, new_drift)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            time_text(report.run_time),
            fleet,
            report.tool_version,
            serde_json::to_string(&templates).unwrap_or_default(),
            report.hosts.len() as i64,
            s.settings as i64,
            s.compliant as i64,
            s.noncompliant as i64,
            s.missing as i64,
            s.error as i64,
            s.not_applicable as i64,
            s.waived as i64,
            s.compliance_percent,
            drift.new_at_or_above(alert_threshold) as i64,
        ],
    )?;
    let run_id = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT INTO verdicts (run_id, host, setting, instance, roles, hardware, template,
            template_version, title, status, severity, category, expected, actual, provenance,
            open_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for host in &report.hosts {
        let roles = serde_json::to_string(&host.roles).unwrap_or_default();
        for finding in &host.findings {
            let instance = finding.instance.clone().unwrap_or_default();
            let open_since = current
                .get(&(host.host.clone(), finding.setting.clone(), instance.clone()))
                .and_then(|r| r.open_since);
            insert.execute(params![
                run_id,
                host.host,
                finding.setting,
                instance,
                roles,
                host.hardware,
                finding.template,
                finding.template_version,
                finding.title,
                finding.status.label(),
                finding.severity.label(),
                finding.category.label(),
                finding.expected,
                finding.actual,
                finding.provenance.as_ref().map(ToString::to_string),
                open_since.map(time_text),
            ])?;
        }
    }
    summarize(tx, Some(run_id))?;
    Ok(run_id)
}

fn load_verdicts(connection: &Connection, run_id: i64) -> Result<RunVerdicts, HistoryError> {
    let mut statement = connection.prepare_cached(
        "SELECT host, setting, instance, status, severity, title, actual, open_since
         FROM verdicts WHERE run_id = ?1",
    )?;
    let rows = statement.query_map([run_id], |row| {
        Ok((
            (row.get(0)?, row.get(1)?, row.get(2)?),
            Recorded {
                status: Status::from_label(&row.get::<_, String>(3)?).unwrap_or(Status::Error),
                severity: Severity::from_label(&row.get::<_, String>(4)?).unwrap_or(Severity::Info),
                title: row.get(5)?,
                actual: row.get(6)?,
                open_since: row.get::<_, Option<String>>(7)?.map(|t| parse_time(&t)),
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, HostReport};

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(text)
    }

    fn finding(setting: &str, status: Status, actual: &str) -> Finding {
        Finding {
            setting: setting.into(),
            instance: None,
            title: format!("{setting} title"),
            status,
            severity: Severity::High,
            category: crate::baseline::Category::Availability,
            template: "t".into(),
            template_version: "1.0.0".into(),
            source: "sysctl | net.x".into(),
            expected: "equals 1".into(),
            actual: Some(actual.into()),
            actual_value: None,
            provenance: None,
            detail: None,
            rationale: None,
            remediation: None,
            waiver: None,
        }
    }

    fn report(time: &str, findings: Vec<Finding>) -> Report {
        Report::new(
            at(time),
            vec![HostReport {
                host: "LX-01".into(),
                roles: vec!["linux-server".into()],
                hardware: None,
                path: "hosts/LX-01".into(),
                templates: vec!["linux-server@1.0.0".into()],
                findings,
                errors: Vec::new(),
                summary: Default::default(),
            }],
        )
    }

    #[test]
    fn an_old_schema_is_migrated_forward_with_its_runs_summarised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute_batch(MIGRATIONS[0].sql).unwrap();
            connection.pragma_update(None, "user_version", 1).unwrap();
            connection
                .execute_batch(
                    "INSERT INTO runs VALUES (1, '2026-01-01T00:00:00Z', '/fleet', '0.1.0', '[]',
                        1, 2, 1, 1, 0, 0, 0, 0, 50.0);
                     INSERT INTO verdicts VALUES
                        (1, 'LX-01', 'a', '', '[\"linux-server\"]', NULL, 't', '1', 'A',
                         'compliant', 'high', 'security', 'equals 1', '1', NULL, NULL),
                        (1, 'LX-01', 'b', '', '[\"linux-server\"]', NULL, 't', '1', 'B',
                         'noncompliant', 'low', 'security', 'equals 1', '0', NULL,
                         '2026-01-01T00:00:00Z');",
                )
                .unwrap();
        }
        let history = History::open(&path).unwrap();
        let version: i64 = history
            .connection()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let runs = history.runs(10).unwrap();
        assert_eq!((runs.len(), runs[0].new_drift), (1, 0));
        let trend = history.trend(trend::Dimension::Role, 10, None).unwrap();
        assert_eq!(trend.len(), 1);
        assert_eq!(
            (trend[0].key.as_str(), trend[0].compliance_percent),
            ("linux-server", Some(50.0))
        );
        let severity = history.trend(trend::Dimension::Severity, 10, None).unwrap();
        assert_eq!(severity.len(), 2);
    }

    #[test]
    fn a_database_from_a_newer_confaudit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            History::open(&path),
            Err(HistoryError::TooNew { found, .. }) if found == SCHEMA_VERSION + 1
        ));
    }

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let now = at("2026-01-01T00:00:00Z");
        let first = RunLock::acquire(&path, now).unwrap();
        let second = std::thread::spawn({
            let path = path.clone();
            move || RunLock::acquire(&path, now).map(|_| ())
        })
        .join()
        .unwrap();
        let Err(HistoryError::Busy { holder, .. }) = second else {
            panic!("expected busy, got {second:?}");
        };
        assert!(
            holder.contains(&format!("process {}", std::process::id())),
            "{holder}"
        );
        drop(first);
        assert!(RunLock::acquire(&path, now).is_ok());
    }

    #[test]
    fn alerts_fire_once_then_on_change_or_reminder_and_again_after_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::open(&dir.path().join("h.sqlite")).unwrap();
        let alerting = alerts::Alerting {
            renotify: Some(chrono::Duration::hours(24)),
            log: Some(dir.path().join("alerts.jsonl")),
            ..alerts::Alerting::default()
        };
        let runs = [
            (
                "2026-01-01T00:00:00Z",
                Status::Noncompliant,
                "0",
                vec![alerts::Reason::New],
            ),
            ("2026-01-01T08:00:00Z", Status::Noncompliant, "0", vec![]),
            (
                "2026-01-01T16:00:00Z",
                Status::Noncompliant,
                "2",
                vec![alerts::Reason::Changed],
            ),
            ("2026-01-02T08:00:00Z", Status::Noncompliant, "2", vec![]),
            (
                "2026-01-02T16:00:00Z",
                Status::Noncompliant,
                "2",
                vec![alerts::Reason::Reminder],
            ),
            ("2026-01-03T00:00:00Z", Status::Compliant, "1", vec![]),
            (
                "2026-01-03T08:00:00Z",
                Status::Noncompliant,
                "0",
                vec![alerts::Reason::New],
            ),
        ];
        for (time, status, actual, expected) in runs {
            let recorded = history
                .record(
                    &report(time, vec![finding("s", status, actual)]),
                    "/fleet",
                    &alerting,
                )
                .unwrap();
            let reasons: Vec<_> = recorded.alerts.delivered.iter().map(|e| e.reason).collect();
            assert_eq!(reasons, expected, "run at {time}");
        }
        let log = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
        assert_eq!(log.lines().count(), 4);
        let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
        assert_eq!(first["schema"], "confaudit.alert/1");
        assert_eq!(first["host"], "LX-01");
        assert_eq!(first["reason"], "new");
    }

    #[test]
    fn undelivered_alerts_are_retried_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::open(&dir.path().join("h.sqlite")).unwrap();
        let failing = alerts::Alerting {
            command: Some("exit 3".into()),
            ..alerts::Alerting::default()
        };
        let first = history
            .record(
                &report(
                    "2026-01-01T00:00:00Z",
                    vec![finding("s", Status::Missing, "-")],
                ),
                "/fleet",
                &failing,
            )
            .unwrap();
        assert_eq!(
            (first.alerts.delivered.len(), first.alerts.failed.len()),
            (0, 1)
        );
        assert!(
            first.alerts.problems[0].contains("exited with"),
            "{:?}",
            first.alerts.problems
        );
        let second = history
            .record(
                &report(
                    "2026-01-01T08:00:00Z",
                    vec![finding("s", Status::Missing, "-")],
                ),
                "/fleet",
                &alerts::Alerting::default(),
            )
            .unwrap();
        assert_eq!(second.alerts.delivered.len(), 1);
        assert_eq!(second.alerts.delivered[0].reason, alerts::Reason::New);
    }

    #[test]
    fn drift_is_per_fleet_and_reproducible_from_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::open(&dir.path().join("h.sqlite")).unwrap();
        let quiet = alerts::Alerting::default();
        let ok = || vec![finding("s", Status::Compliant, "1")];
        let bad = || vec![finding("s", Status::Noncompliant, "0")];
        history
            .record(&report("2026-01-01T00:00:00Z", ok()), "/a", &quiet)
            .unwrap();
        history
            .record(&report("2026-01-01T01:00:00Z", bad()), "/b", &quiet)
            .unwrap();
        let third = history
            .record(&report("2026-01-01T08:00:00Z", bad()), "/a", &quiet)
            .unwrap();
        assert_eq!(third.drift.previous_run.as_ref().map(|p| p.id), Some(1));
        assert_eq!(third.drift.new.len(), 1);
        let (id, _, again) = history.drift(None).unwrap();
        assert_eq!((id, again), (third.run_id, third.drift));
        assert!(matches!(
            history.drift(Some(99)),
            Err(HistoryError::NoSuchRun(99))
        ));
    }
}
