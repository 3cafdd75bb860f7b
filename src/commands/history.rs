//! `confaudit history`, `drift`, `trend` and `scorecard`: reading the run history.

use super::audit::history_failure;
use super::{Failure, emit};
use crate::change::render::{ChangeFormat, json_document, render_rows};
use crate::exit::ExitStatus;
use crate::history::trend::{Dimension, ScoreRow, TrendPoint};
use crate::history::{self, History, time_text};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Which database to read and where to write.
#[derive(Debug, Clone)]
pub struct Source {
    pub fleet: PathBuf,
    pub history: Option<PathBuf>,
    pub format: ChangeFormat,
    pub output: Option<PathBuf>,
}

impl Source {
    fn open(&self) -> Result<History, Failure> {
        let path = self
            .history
            .clone()
            .unwrap_or_else(|| history::default_path(&self.fleet));
        History::open_existing(&path).map_err(history_failure)
    }

    fn emit(
        &self,
        bytes: Result<Vec<u8>, String>,
        out: &mut dyn std::io::Write,
    ) -> Result<ExitStatus, Failure> {
        let bytes = bytes.map_err(|e| Failure::usage(e, None))?;
        emit(&bytes, self.output.as_deref(), out)?;
        Ok(ExitStatus::Compliant)
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or("n/a".into(), |p| format!("{p:.1}%"))
}

/// Recorded runs, newest first.
pub fn runs(
    source: &Source,
    limit: usize,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let runs = source.open()?.runs(limit).map_err(history_failure)?;
    if source.format == ChangeFormat::Json {
        return source.emit(json_document(&runs), out);
    }
    let headers = [
        "run",
        "time",
        "hosts",
        "checks",
        "compliance",
        "noncompliant",
        "missing",
        "errors",
        "waived",
        "new drift",
        "templates",
    ];
    // Template lists are long: spreadsheets get them whole, screens get the count.
    let templates = |list: &[String]| match source.format {
        ChangeFormat::Csv => list.join(" "),
        _ => list.len().to_string(),
    };
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                time_text(r.run_time),
                r.hosts.to_string(),
                r.settings.to_string(),
                percent(r.compliance_percent),
                r.noncompliant.to_string(),
                r.missing.to_string(),
                r.error.to_string(),
                r.waived.to_string(),
                r.new_drift.to_string(),
                templates(&r.templates),
            ]
        })
        .collect();
    source.emit(render_rows(&headers, &rows, source.format), out)
}

/// Drift of one recorded run against the run before it.
pub fn drift(
    source: &Source,
    run: Option<i64>,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let (id, time, drift) = source.open()?.drift(run).map_err(history_failure)?;
    let bytes = match source.format {
        ChangeFormat::Json => json_document(&serde_json::json!({
            "run_id": id,
            "run_time": time,
            "drift": drift,
        })),
        ChangeFormat::Table => Ok(format!(
            "Run #{id} ({})\n{}",
            time_text(time),
            crate::report::table::render_drift(&drift, true)
        )
        .into_bytes()),
        ChangeFormat::Csv | ChangeFormat::Markdown => {
            let headers = [
                "change",
                "host",
                "setting",
                "instance",
                "severity",
                "was",
                "was actual",
                "now",
                "now actual",
                "open since",
            ];
            let mut rows = Vec::new();
            for (label, items) in [
                ("new", &drift.new),
                ("resolved", &drift.resolved),
                ("changed", &drift.changed),
                ("still open", &drift.still_open),
            ] {
                for item in items {
                    rows.push(vec![
                        label.to_string(),
                        item.host.clone(),
                        item.setting.clone(),
                        item.instance.clone().unwrap_or_default(),
                        item.severity.label().to_string(),
                        item.previous_status.map_or("", |s| s.label()).to_string(),
                        item.previous_actual.clone().unwrap_or_default(),
                        item.status.label().to_string(),
                        item.actual.clone().unwrap_or_default(),
                        item.open_since.map(time_text).unwrap_or_default(),
                    ]);
                }
            }
            render_rows(&headers, &rows, source.format)
        }
    };
    source.emit(bytes, out)
}

/// Compliance per run, broken down by a dimension. CSV is long (one row per run and key,
/// for spreadsheets); table and Markdown pivot keys into columns.
pub fn trend(
    source: &Source,
    dimension: Dimension,
    last: usize,
    since: Option<DateTime<Utc>>,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let points = source
        .open()?
        .trend(dimension, last, since)
        .map_err(history_failure)?;
    let bytes = match source.format {
        ChangeFormat::Json => json_document(&points),
        ChangeFormat::Csv => {
            let headers = [
                "run",
                "time",
                dimension.label(),
                "hosts",
                "checks",
                "compliant",
                "waived",
                "failing",
                "errors",
                "compliance percent",
            ];
            let rows: Vec<Vec<String>> = points
                .iter()
                .map(|p| {
                    vec![
                        p.run_id.to_string(),
                        time_text(p.run_time),
                        p.key.clone(),
                        p.hosts.to_string(),
                        p.settings.to_string(),
                        p.compliant.to_string(),
                        p.waived.to_string(),
                        p.failing.to_string(),
                        p.error.to_string(),
                        p.compliance_percent
                            .map(|v| format!("{v:.1}"))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            render_rows(&headers, &rows, ChangeFormat::Csv)
        }
        ChangeFormat::Table | ChangeFormat::Markdown => pivot(&points, dimension, source.format),
    };
    source.emit(bytes, out)
}

fn pivot(
    points: &[TrendPoint],
    dimension: Dimension,
    format: ChangeFormat,
) -> Result<Vec<u8>, String> {
    let keys: BTreeSet<&str> = points.iter().map(|p| p.key.as_str()).collect();
    let mut headers = vec!["run".to_string(), "time".to_string()];
    headers.extend(keys.iter().map(|k| match (dimension, *k) {
        (Dimension::Fleet, _) => "fleet".to_string(),
        (_, "") => "(none)".to_string(),
        (_, key) => key.to_string(),
    }));
    let mut runs: Vec<(i64, DateTime<Utc>)> =
        points.iter().map(|p| (p.run_id, p.run_time)).collect();
    runs.dedup();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|(id, time)| {
            let mut row = vec![id.to_string(), time_text(*time)];
            row.extend(keys.iter().map(|key| {
                points
                    .iter()
                    .find(|p| p.run_id == *id && p.key == *key)
                    .map_or("-".into(), |p| percent(p.compliance_percent))
            }));
            row
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    render_rows(&headers, &rows, format)
}

/// What a scorecard compares.
#[derive(Debug, Clone)]
pub struct ScorecardSettings {
    pub dimension: Dimension,
    pub run: Option<i64>,
    pub target_percent: f64,
    pub compare_after: chrono::Duration,
}

pub fn scorecard(
    source: &Source,
    settings: &ScorecardSettings,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let card = source
        .open()?
        .scorecard(
            settings.dimension,
            settings.run,
            settings.target_percent,
            settings.compare_after,
        )
        .map_err(history_failure)?;
    if source.format == ChangeFormat::Json {
        return source.emit(json_document(&card), out);
    }
    let headers = [
        settings.dimension.label(),
        "hosts",
        "compliance",
        "target",
        "score",
        "previous",
        "change",
        "failing",
        "errors",
    ];
    let row = |label: &str, r: &ScoreRow| {
        let change = match (r.compliance_percent, r.previous_percent) {
            (Some(now), Some(before)) => format!("{:+.1}", now - before),
            _ => "-".into(),
        };
        vec![
            label.to_string(),
            r.hosts.to_string(),
            percent(r.compliance_percent),
            format!("{:.1}%", card.target_percent),
            r.score.label().to_string(),
            percent(r.previous_percent),
            change,
            r.failing.to_string(),
            r.error.to_string(),
        ]
    };
    let mut rows: Vec<Vec<String>> = if settings.dimension == Dimension::Fleet {
        Vec::new()
    } else {
        card.rows
            .iter()
            .map(|r| row(if r.key.is_empty() { "(none)" } else { &r.key }, r))
            .collect()
    };
    rows.push(row("fleet", &card.fleet));
    let mut bytes =
        render_rows(&headers, &rows, source.format).map_err(|e| Failure::usage(e, None))?;
    if source.format != ChangeFormat::Csv {
        let compared = match card.compared_with {
            Some((id, time)) => format!("compared with run #{id} ({})", time_text(time)),
            None => "no earlier run to compare with".into(),
        };
        let heading = format!(
            "Scorecard of run #{} ({}), target {:.1}%, {compared}\n",
            card.run_id,
            time_text(card.run_time),
            card.target_percent
        );
        let heading = if source.format == ChangeFormat::Markdown {
            format!("**{}**\n\n", heading.trim_end())
        } else {
            heading
        };
        bytes.splice(0..0, heading.into_bytes());
    }
    source.emit(Ok(bytes), out)
}

/// Accepts `7d`, `8h`, `1h30m`, or `0`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    humantime::parse_duration(text).map_err(|e| format!("`{text}`: {e} (write e.g. 8h, 30m, 7d)"))
}

/// Accepts an RFC 3339 instant (`2026-11-01T00:00:00Z`) or a date (`2026-11-01`, midnight UTC).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| format!("`{text}` is neither an RFC 3339 instant nor a YYYY-MM-DD date"))
}
