//! Renderers for plans and template diffs: table, CSV, JSON and Markdown (for pasting into
//! a change request).

use super::diff::TemplateDiff;
use super::plan::{Outcome, Plan, PlannedItem};
use super::remediate::Remediation;
use super::risk::Risk;
use super::rollback::Rollback;
use comfy_table::{Table, presets};
use serde::Serialize;
use std::fmt::Write;

/// Output formats for change documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeFormat {
    Table,
    Csv,
    Json,
    Markdown,
}

#[derive(Serialize)]
struct PlanDocument<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    risk: &'a Risk,
    rollback_ready: bool,
}

/// Whether every item that would change has a known value to return to.
pub fn rollback_ready(plan: &Plan) -> bool {
    plan.items.iter().all(|i| i.outcome != Outcome::Unknown)
}

fn current_text(item: &PlannedItem) -> String {
    match (&item.current, item.outcome) {
        (Some(c), _) => c.clone(),
        (None, Outcome::Unknown) => format!(
            "unknown: {}",
            item.detail.as_deref().unwrap_or("unreadable")
        ),
        (None, _) => "(absent)".into(),
    }
}

fn where_text(item: &PlannedItem) -> String {
    item.provenance
        .as_ref()
        .map_or("-".into(), ToString::to_string)
}

fn summary_lines(plan: &Plan, risk: &Risk) -> Vec<String> {
    let mut roles: Vec<String> = risk
        .roles
        .iter()
        .map(|(role, (n, size))| format!("{role} {n}/{size}"))
        .collect();
    if roles.is_empty() {
        roles.push("none".into());
    }
    vec![
        format!("change:      {} — {}", plan.change_id, plan.title),
        format!("risk:        {}", risk.level.label()),
        format!("because:     {}", risk.reasons.join("; ")),
        format!(
            "categories:  {}",
            if risk.categories.is_empty() {
                "none".to_string()
            } else {
                risk.categories
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        format!(
            "hosts:       {} change, {} already match; {} item(s) change, {} unknown",
            risk.hosts_changing,
            risk.hosts_already_matching,
            risk.items_changing,
            risk.items_unknown
        ),
        format!("roles:       {}", roles.join(", ")),
        format!(
            "rollback:    {}",
            if rollback_ready(plan) {
                "ready (every changing item has a known current value)"
            } else {
                "NOT ready (some current values are unknown)"
            }
        ),
    ]
}

pub fn render_plan(plan: &Plan, risk: &Risk, format: ChangeFormat) -> Result<Vec<u8>, String> {
    match format {
        ChangeFormat::Json => {
            let doc = PlanDocument {
                plan,
                risk,
                rollback_ready: rollback_ready(plan),
            };
            let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
            out.push(b'\n');
            Ok(out)
        }
        ChangeFormat::Csv => plan_csv(plan, risk),
        ChangeFormat::Table => Ok(plan_table(plan, risk).into_bytes()),
        ChangeFormat::Markdown => Ok(plan_markdown(plan, risk).into_bytes()),
    }
}

fn group_key(item: &PlannedItem) -> String {
    format!(
        "{} / {}",
        item.roles.join("+"),
        item.hardware.as_deref().unwrap_or("-")
    )
}

fn plan_table(plan: &Plan, risk: &Risk) -> String {
    let mut out = String::new();
    for line in summary_lines(plan, risk) {
        let _ = writeln!(out, "{line}");
    }
    let mut items: Vec<&PlannedItem> = plan.items.iter().collect();
    items.sort_by(|a, b| {
        (group_key(a), a.outcome, a.host.to_lowercase(), &a.setting).cmp(&(
            group_key(b),
            b.outcome,
            b.host.to_lowercase(),
            &b.setting,
        ))
    });
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_header(vec![
        "roles / hardware",
        "host",
        "setting",
        "current",
        "proposed",
        "outcome",
        "where",
    ]);
    for item in items {
        table.add_row(vec![
            group_key(item),
            item.host.clone(),
            item.setting.clone(),
            current_text(item),
            item.proposed.clone(),
            item.outcome.label().to_string(),
            where_text(item),
        ]);
    }
    let _ = writeln!(out, "{table}");
    out
}

fn plan_csv(plan: &Plan, risk: &Risk) -> Result<Vec<u8>, String> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let err = |e: ::csv::Error| e.to_string();
        w.write_record([
            "change_id",
            "risk",
            "host",
            "roles",
            "hardware",
            "setting",
            "title",
            "source",
            "severity",
            "category",
            "current",
            "proposed",
            "outcome",
            "location",
        ])
        .map_err(err)?;
        for i in &plan.items {
            w.write_record([
                plan.change_id.as_str(),
                risk.level.label(),
                &i.host,
                &i.roles.join(";"),
                i.hardware.as_deref().unwrap_or_default(),
                &i.setting,
                &i.title,
                &i.address.to_string(),
                i.severity.label(),
                i.category.label(),
                &current_text(i),
                &i.proposed,
                i.outcome.label(),
                &where_text(i),
            ])
            .map_err(err)?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn plan_markdown(plan: &Plan, risk: &Risk) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", plan.change_id, plan.title);
    if !plan.description.is_empty() {
        let _ = writeln!(out, "{}\n", plan.description.trim());
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    for line in summary_lines(plan, risk).iter().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            let _ = writeln!(out, "| **{}** | {} |", k.trim(), md_cell(v.trim()));
        }
    }
    for (title, outcome) in [
        ("Hosts that change", Outcome::Change),
        ("Current value unknown", Outcome::Unknown),
        ("Already matching", Outcome::AlreadyMatches),
    ] {
        let rows: Vec<&PlannedItem> = plan.items.iter().filter(|i| i.outcome == outcome).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {title} ({})\n", rows.len());
        let _ = writeln!(
            out,
            "| Host | Roles / hardware | Setting | Severity | Current | Proposed | Source |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for i in rows {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                md_cell(&i.host),
                md_cell(&group_key(i)),
                md_cell(&i.setting),
                i.severity.label(),
                md_cell(&current_text(i)),
                md_cell(&i.proposed),
                md_cell(&where_text(i))
            );
        }
    }
    out
}

pub fn render_diff(diff: &TemplateDiff, format: ChangeFormat) -> Result<Vec<u8>, String> {
    match format {
        ChangeFormat::Json => {
            let mut out = serde_json::to_vec_pretty(diff).map_err(|e| e.to_string())?;
            out.push(b'\n');
            Ok(out)
        }
        ChangeFormat::Csv => {
            let mut out = Vec::from("\u{feff}".as_bytes());
            {
                let mut w = ::csv::WriterBuilder::new()
                    .terminator(::csv::Terminator::CRLF)
                    .from_writer(&mut out);
                let err = |e: ::csv::Error| e.to_string();
                w.write_record(["template", "change", "setting", "field", "old", "new"])
                    .map_err(err)?;
                for c in &diff.changes {
                    w.write_record([
                        c.template.as_str(),
                        c.kind.label(),
                        c.setting.as_deref().unwrap_or_default(),
                        c.field.as_deref().unwrap_or_default(),
                        c.old.as_deref().unwrap_or_default(),
                        c.new.as_deref().unwrap_or_default(),
                    ])
                    .map_err(err)?;
                }
                w.flush().map_err(|e| e.to_string())?;
            }
            Ok(out)
        }
        ChangeFormat::Table | ChangeFormat::Markdown => {
            let markdown = format == ChangeFormat::Markdown;
            let mut out = String::new();
            if diff.changes.is_empty() {
                let _ = writeln!(out, "no setting-level differences");
            } else if markdown {
                let _ = writeln!(
                    out,
                    "| Template | Change | Setting | Field | Old | New |\n|---|---|---|---|---|---|"
                );
                for c in &diff.changes {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} |",
                        md_cell(&c.template),
                        c.kind.label(),
                        md_cell(c.setting.as_deref().unwrap_or_default()),
                        md_cell(c.field.as_deref().unwrap_or_default()),
                        md_cell(c.old.as_deref().unwrap_or_default()),
                        md_cell(c.new.as_deref().unwrap_or_default())
                    );
                }
            } else {
                let mut table = Table::new();
                table.load_preset(presets::UTF8_FULL_CONDENSED);
                table.force_no_tty();
                table.set_header(vec!["template", "change", "setting", "field", "old", "new"]);
                for c in &diff.changes {
                    table.add_row(vec![
                        c.template.clone(),
                        c.kind.label().to_string(),
                        c.setting.clone().unwrap_or_default(),
                        c.field.clone().unwrap_or_default(),
                        c.old.clone().unwrap_or_default(),
                        c.new.clone().unwrap_or_default(),
                    ]);
                }
                let _ = writeln!(out, "{table}");
            }
            for r in &diff.resolved {
                let _ = writeln!(
                    out,
                    "\n{}",
                    if markdown {
                        format!("### Resolved baseline, {}\n\n```diff", r.scope)
                    } else {
                        format!("resolved baseline, {}:", r.scope)
                    }
                );
                out.push_str(&r.unified);
                if markdown {
                    let _ = writeln!(out, "```");
                }
            }
            Ok(out.into_bytes())
        }
    }
}

/// A list of rows as a table, CSV (with BOM, for Excel) or Markdown.
pub(crate) fn render_rows(
    headers: &[&str],
    rows: &[Vec<String>],
    format: ChangeFormat,
) -> Result<Vec<u8>, String> {
    match format {
        ChangeFormat::Csv => {
            let mut out = Vec::from("\u{feff}".as_bytes());
            {
                let mut w = ::csv::WriterBuilder::new()
                    .terminator(::csv::Terminator::CRLF)
                    .from_writer(&mut out);
                let err = |e: ::csv::Error| e.to_string();
                w.write_record(headers).map_err(err)?;
                for row in rows {
                    w.write_record(row).map_err(err)?;
                }
                w.flush().map_err(|e| e.to_string())?;
            }
            Ok(out)
        }
        ChangeFormat::Markdown => {
            let mut out = String::new();
            let _ = writeln!(out, "| {} |", headers.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            Ok(out.into_bytes())
        }
        ChangeFormat::Table | ChangeFormat::Json => {
            let mut table = Table::new();
            table.load_preset(presets::UTF8_FULL_CONDENSED);
            table.force_no_tty();
            table.set_header(headers.to_vec());
            for row in rows {
                table.add_row(row.clone());
            }
            Ok(format!("{table}\n").into_bytes())
        }
    }
}

pub(crate) fn json_document(value: &impl Serialize) -> Result<Vec<u8>, String> {
    let mut out = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

fn path_list(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a rollback restores per host, and where its files are.
pub fn render_rollback(rollback: &Rollback, format: ChangeFormat) -> Result<Vec<u8>, String> {
    if format == ChangeFormat::Json {
        return json_document(rollback);
    }
    let rows: Vec<Vec<String>> = rollback
        .hosts
        .iter()
        .map(|h| {
            vec![
                h.host.clone(),
                h.restored.to_string(),
                h.manual.to_string(),
                if h.not_restorable.is_empty() {
                    "-".into()
                } else {
                    h.not_restorable.join("\n")
                },
                path_list(&h.files),
            ]
        })
        .collect();
    render_rows(
        &[
            "host",
            "restores",
            "manual steps",
            "cannot restore",
            "files",
        ],
        &rows,
        format,
    )
}

/// Remediation files per host and role, then the settings skipped and why.
pub fn render_remediation(
    remediation: &Remediation,
    format: ChangeFormat,
) -> Result<Vec<u8>, String> {
    if format == ChangeFormat::Json {
        return json_document(remediation);
    }
    let rows: Vec<Vec<String>> = remediation
        .targets
        .iter()
        .map(|t| {
            vec![
                format!("{} {}", t.kind, t.name),
                t.hosts.join(", "),
                t.fixes.to_string(),
                t.manual.to_string(),
                path_list(&t.files),
            ]
        })
        .collect();
    let mut out = render_rows(
        &["target", "hosts", "fixes", "manual steps", "files"],
        &rows,
        format,
    )?;
    if format == ChangeFormat::Csv {
        // One CSV holds one table: the skipped settings are in the JSON and table formats.
        return Ok(out);
    }
    let skipped: Vec<Vec<String>> = remediation
        .skipped
        .iter()
        .map(|s| vec![s.host.clone(), s.setting.clone(), s.reason.clone()])
        .collect();
    if !skipped.is_empty() {
        out.extend_from_slice(b"\nskipped:\n");
        out.extend(render_rows(
            &["host", "setting", "reason"],
            &skipped,
            format,
        )?);
    }
    Ok(out)
}
