//! Trends and scorecards over recorded runs, read from the per-run summaries.

use super::{History, HistoryError, parse_time};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

/// What a trend is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    Fleet,
    Role,
    Hardware,
    Severity,
}

impl Dimension {
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Fleet => "fleet",
            Dimension::Role => "role",
            Dimension::Hardware => "hardware",
            Dimension::Severity => "severity",
        }
    }
}

/// Compliance of one slice of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub run_id: i64,
    pub run_time: DateTime<Utc>,
    pub key: String,
    pub hosts: i64,
    pub settings: i64,
    pub compliant: i64,
    pub waived: i64,
    pub failing: i64,
    pub error: i64,
    /// (compliant + waived) ÷ assessed, like the audit summary; `None` if nothing assessed.
    pub compliance_percent: Option<f64>,
}

/// Green or red against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Score {
    Green,
    Red,
    /// Nothing could be assessed (every check errored or was not applicable).
    NoData,
}

impl Score {
    pub fn label(self) -> &'static str {
        match self {
            Score::Green => "GREEN",
            Score::Red => "RED",
            Score::NoData => "NO DATA",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    pub key: String,
    pub hosts: i64,
    pub failing: i64,
    pub error: i64,
    pub compliance_percent: Option<f64>,
    /// The same slice in the run the scorecard compares with.
    pub previous_percent: Option<f64>,
    pub score: Score,
}

/// Each role (or other slice) of one run against a target, compared with an earlier run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub run_id: i64,
    pub run_time: DateTime<Utc>,
    pub compared_with: Option<(i64, DateTime<Utc>)>,
    pub target_percent: f64,
    pub dimension: Dimension,
    pub rows: Vec<ScoreRow>,
    pub fleet: ScoreRow,
}

impl History {
    /// The last `last` runs (oldest first), optionally only those at or after `since`.
    pub fn trend(
        &self,
        dimension: Dimension,
        last: usize,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<TrendPoint>, HistoryError> {
        let since = since.map(super::time_text).unwrap_or_default();
        let mut statement = self.connection().prepare(&format!(
            "{POINT_COLUMNS} WHERE s.dimension = ?1 AND r.run_time >= ?2
               AND s.run_id IN (SELECT id FROM runs WHERE run_time >= ?2
                                ORDER BY id DESC LIMIT ?3)
             ORDER BY s.run_id, s.key"
        ))?;
        let rows = statement.query_map(params![dimension.label(), since, last as i64], point)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The scorecard of a run (the latest when `None`) against `target_percent`, compared
    /// with the last run at least `compare_after` older (the previous run when zero).
    pub fn scorecard(
        &self,
        dimension: Dimension,
        run: Option<i64>,
        target_percent: f64,
        compare_after: chrono::Duration,
    ) -> Result<Scorecard, HistoryError> {
        let runs = self.runs(usize::MAX >> 1)?;
        let current = match run {
            Some(id) => runs
                .iter()
                .find(|r| r.id == id)
                .ok_or(HistoryError::NoSuchRun(id))?,
            None => runs.first().ok_or_else(|| HistoryError::Empty {
                path: self.path().to_path_buf(),
            })?,
        };
        let earlier = runs.iter().find(|r| {
            r.id < current.id
                && r.fleet == current.fleet
                && current.run_time - r.run_time >= compare_after
        });
        let slices = |id: i64, dimension: Dimension| self.slices(id, dimension);
        let now = slices(current.id, dimension)?;
        let before = match earlier {
            Some(r) => slices(r.id, dimension)?,
            None => Vec::new(),
        };
        let row = |point: &TrendPoint, before: &[TrendPoint]| {
            let score = match point.compliance_percent {
                None => Score::NoData,
                Some(p) if p >= target_percent => Score::Green,
                Some(_) => Score::Red,
            };
            ScoreRow {
                key: point.key.clone(),
                hosts: point.hosts,
                failing: point.failing,
                error: point.error,
                compliance_percent: point.compliance_percent,
                previous_percent: before
                    .iter()
                    .find(|b| b.key == point.key)
                    .and_then(|b| b.compliance_percent),
                score,
            }
        };
        let fleet_now = slices(current.id, Dimension::Fleet)?;
        let fleet_before = match earlier {
            Some(r) => slices(r.id, Dimension::Fleet)?,
            None => Vec::new(),
        };
        let fleet = fleet_now
            .first()
            .map(|p| row(p, &fleet_before))
            .unwrap_or(ScoreRow {
                key: String::new(),
                hosts: 0,
                failing: 0,
                error: 0,
                compliance_percent: None,
                previous_percent: None,
                score: Score::NoData,
            });
        Ok(Scorecard {
            run_id: current.id,
            run_time: current.run_time,
            compared_with: earlier.map(|r| (r.id, r.run_time)),
            target_percent,
            dimension,
            rows: now.iter().map(|p| row(p, &before)).collect(),
            fleet,
        })
    }

    fn slices(&self, run_id: i64, dimension: Dimension) -> Result<Vec<TrendPoint>, HistoryError> {
        let mut statement = self.connection().prepare_cached(&format!(
            "{POINT_COLUMNS} WHERE s.run_id = ?1 AND s.dimension = ?2 ORDER BY s.key"
        ))?;
        let rows = statement.query_map(params![run_id, dimension.label()], point)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

const POINT_COLUMNS: &str = "SELECT s.run_id, r.run_time, s.key, s.hosts, s.settings,
    s.compliant, s.waived, s.failing, s.error FROM run_summaries s JOIN runs r ON r.id = s.run_id";

fn point(row: &rusqlite::Row<'_>) -> rusqlite::Result<TrendPoint> {
    let (compliant, waived, failing): (i64, i64, i64) = (row.get(5)?, row.get(6)?, row.get(7)?);
    Ok(TrendPoint {
        run_id: row.get(0)?,
        run_time: parse_time(&row.get::<_, String>(1)?),
        key: row.get(2)?,
        hosts: row.get(3)?,
        settings: row.get(4)?,
        compliant,
        waived,
        failing,
        error: row.get(8)?,
        compliance_percent: percent(compliant + waived, failing),
    })
}

/// Rounded to one decimal, as in audit summaries.
fn percent(passing: i64, failing: i64) -> Option<f64> {
    let assessed = passing + failing;
    (assessed > 0).then(|| (passing as f64 * 1000.0 / assessed as f64).round() / 10.0)
}
