//! The terminal table: what is wrong, grouped by host, then a fleet summary.

use super::{Finding, Report, Status};
use crate::baseline::Severity;
use crate::history::drift::{Drift, DriftItem};
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use std::fmt::Write;

const MAX_CELL: usize = 60;

fn clip(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let clipped: String = first.chars().take(MAX_CELL).collect();
    if clipped.len() < text.len() {
        format!("{clipped}…")
    } else {
        clipped
    }
}

fn status_cell(status: Status, color: bool) -> Cell {
    let cell = Cell::new(status.label());
    if !color {
        return cell;
    }
    match status {
        Status::Noncompliant | Status::Missing => {
            cell.fg(Color::Red).add_attribute(Attribute::Bold)
        }
        Status::Error => cell.fg(Color::Magenta).add_attribute(Attribute::Bold),
        Status::Waived => cell.fg(Color::Cyan),
        Status::Compliant => cell.fg(Color::Green),
        Status::NotApplicable => cell,
    }
}

fn severity_cell(severity: Severity, color: bool) -> Cell {
    let cell = Cell::new(severity.label());
    match (color, severity) {
        (true, Severity::Critical) => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        (true, Severity::High) => cell.fg(Color::Red),
        (true, Severity::Medium) => cell.fg(Color::Yellow),
        _ => cell,
    }
}

fn new_table(color: bool) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if color {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    table
}

fn needs_attention(f: &Finding) -> bool {
    matches!(
        f.status,
        Status::Noncompliant | Status::Missing | Status::Error | Status::Waived
    )
}

/// Renders the table; `color` is true only on a terminal without `NO_COLOR`.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for host in &report.hosts {
        // Errors that merely repeat a host-level problem (folder missing) are shown once, below.
        let host_level = |f: &Finding| {
            f.status == Status::Error
                && host
                    .errors
                    .iter()
                    .any(|e| e.line == 0 && f.detail.as_deref() == Some(e.message.as_str()))
        };
        let mut attention: Vec<&Finding> = host
            .findings
            .iter()
            .filter(|f| needs_attention(f) && !host_level(f))
            .collect();
        if attention.is_empty() && host.errors.is_empty() {
            continue;
        }
        attention.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.setting.cmp(&b.setting)));
        let _ = writeln!(
            out,
            "{} ({}{})",
            host.host,
            if host.roles.is_empty() {
                "no roles".to_string()
            } else {
                host.roles.join(", ")
            },
            host.hardware
                .as_deref()
                .map(|h| format!("; {h}"))
                .unwrap_or_default()
        );
        if !attention.is_empty() {
            let mut table = new_table(color);
            table.set_header(vec![
                "status", "severity", "setting", "expected", "actual", "where",
            ]);
            for f in attention {
                let actual = match (&f.actual, &f.detail) {
                    (Some(a), Some(d)) if f.status == Status::Waived => {
                        format!("{}\n{}", clip(a), clip(d))
                    }
                    (Some(a), _) => clip(a),
                    (None, Some(d)) => clip(d),
                    (None, None) => "-".to_string(),
                };
                table.add_row(vec![
                    status_cell(f.status, color),
                    severity_cell(f.severity, color),
                    Cell::new(match &f.instance {
                        Some(instance) => format!("{}\n  {}", f.setting, clip(instance)),
                        None => f.setting.clone(),
                    }),
                    Cell::new(clip(&f.expected)),
                    Cell::new(actual),
                    Cell::new(
                        f.provenance
                            .as_ref()
                            .map_or("-".into(), ToString::to_string),
                    ),
                ]);
            }
            let _ = writeln!(out, "{table}");
        }
        let unexplained: Vec<_> = host
            .errors
            .iter()
            .filter(|e| {
                !host
                    .findings
                    .iter()
                    .any(|f| f.detail.as_deref() == Some(e.to_string().as_str()))
            })
            .collect();
        for error in unexplained {
            let _ = writeln!(out, "  error: {error}");
        }
        out.push('\n');
    }
    let mut summary = new_table(color);
    summary.set_header(vec![
        "host",
        "roles",
        "hardware",
        "compliance",
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "errors",
    ]);
    for host in &report.hosts {
        let s = &host.summary;
        let count = |sev| {
            s.failing_by_severity
                .get(&sev)
                .copied()
                .unwrap_or(0)
                .to_string()
        };
        summary.add_row(vec![
            Cell::new(&host.host),
            Cell::new(host.roles.join(", ")),
            Cell::new(host.hardware.as_deref().unwrap_or("-")),
            Cell::new(
                s.compliance_percent
                    .map_or("n/a".into(), |p| format!("{p:.1}%")),
            ),
            Cell::new(count(Severity::Critical)),
            Cell::new(count(Severity::High)),
            Cell::new(count(Severity::Medium)),
            Cell::new(count(Severity::Low)),
            Cell::new(count(Severity::Info)),
            Cell::new(host.errors.len().to_string()),
        ]);
    }
    let _ = writeln!(out, "{summary}");
    let s = &report.summary;
    let hosts_failing = report
        .hosts
        .iter()
        .filter(|h| h.summary.noncompliant + h.summary.missing > 0)
        .count();
    let hosts_error = report
        .hosts
        .iter()
        .filter(|h| !h.errors.is_empty() || h.summary.error > 0)
        .count();
    let _ = writeln!(
        out,
        "{} hosts, {} checks: {} compliant, {} noncompliant, {} missing, {} error, {} not applicable, {} waived; fleet compliance {}",
        report.hosts.len(),
        s.settings,
        s.compliant,
        s.noncompliant,
        s.missing,
        s.error,
        s.not_applicable,
        s.waived,
        s.compliance_percent
            .map_or("n/a".into(), |p| format!("{p:.1}%")),
    );
    let _ = writeln!(
        out,
        "{hosts_failing} hosts out of compliance, {hosts_error} hosts with unreadable sources"
    );
    if !report.waivers.is_empty() {
        let _ = writeln!(out, "\nWaivers to clean up:");
        for note in &report.waivers {
            let _ = writeln!(out, "  {note}");
        }
    }
    if let Some(drift) = &report.drift {
        out.push('\n');
        out.push_str(&render_drift(drift, false));
    }
    out
}

/// The drift section: what is new, resolved and changed since the previous run; still-open
/// findings are listed only when `list_open` (the `drift` command), else counted.
pub fn render_drift(drift: &Drift, list_open: bool) -> String {
    let mut out = String::new();
    let Some(previous) = &drift.previous_run else {
        let _ = writeln!(
            out,
            "Drift: first recorded run of this fleet; drift is reported from the next run on."
        );
        return out;
    };
    let _ = writeln!(
        out,
        "Drift since run #{} ({}): {} new, {} resolved, {} still open, {} changed values",
        previous.id,
        previous
            .run_time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        drift.new.len(),
        drift.resolved.len(),
        drift.still_open.len(),
        drift.changed.len()
    );
    for (label, hosts) in [
        ("hosts added", &drift.hosts_added),
        ("hosts gone", &drift.hosts_gone),
    ] {
        if !hosts.is_empty() {
            let _ = writeln!(out, "{label}: {}", hosts.join(", "));
        }
    }
    let mut groups: Vec<(&str, &[DriftItem])> = vec![
        ("new", &drift.new),
        ("resolved", &drift.resolved),
        ("changed", &drift.changed),
    ];
    if list_open {
        groups.push(("still open", &drift.still_open));
    }
    if groups.iter().all(|(_, items)| items.is_empty()) {
        return out;
    }
    let mut table = new_table(false);
    table.set_header(vec![
        "change",
        "host",
        "setting",
        "severity",
        "was",
        "now",
        "open since",
    ]);
    for (label, items) in groups {
        for item in items {
            let state = |status: Option<Status>, actual: &Option<String>| match (status, actual) {
                (None, _) => "-".to_string(),
                (Some(s), Some(a)) => format!("{} {}", s.label(), clip(a)),
                (Some(s), None) => s.label().to_string(),
            };
            table.add_row(vec![
                label.to_string(),
                item.host.clone(),
                match &item.instance {
                    Some(instance) => format!("{}\n  {}", item.setting, clip(instance)),
                    None => item.setting.clone(),
                },
                item.severity.label().to_string(),
                state(item.previous_status, &item.previous_actual),
                state(Some(item.status), &item.actual),
                item.open_since.map_or("-".into(), |t| {
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                }),
            ]);
        }
    }
    let _ = writeln!(out, "{table}");
    out
}
