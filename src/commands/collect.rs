//! `confaudit collect`: every configuration item in host folders or single export files,
//! with type, value and provenance: configuration item identification for the CMDB, and
//! raw material for writing templates.

use super::{Failure, emit};
use crate::collect::{self, Diagnostic, ListedItem};
use crate::exit::ExitStatus;
use crate::report::Format;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize)]
struct Row {
    host: String,
    collector: String,
    file: String,
    line: u32,
    location: String,
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct Listing {
    schema: &'static str,
    items: Vec<Row>,
    errors: Vec<ErrorRow>,
}

#[derive(Debug, Serialize)]
struct ErrorRow {
    host: String,
    #[serde(flatten)]
    diagnostic: Diagnostic,
}

/// Files to list for one PATH: (host label, root, relative files).
fn targets(path: &Path) -> Result<(String, PathBuf, Vec<PathBuf>, Vec<Diagnostic>), Failure> {
    if path.is_dir() {
        let (files, diagnostics) = collect::walk::host_files(path);
        let host = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        Ok((host, path.to_path_buf(), files, diagnostics))
    } else if path.is_file() {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = PathBuf::from(path.file_name().unwrap_or_default());
        Ok((String::new(), root, vec![file], Vec::new()))
    } else {
        Err(Failure::usage(
            format!("{} does not exist", path.display()),
            Some("pass host folders or export files"),
        ))
    }
}

pub fn run(
    paths: &[PathBuf],
    format: Format,
    output: Option<&Path>,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut unclaimed = 0usize;
    for path in paths {
        let (host, root, files, walk_diagnostics) = targets(path)?;
        errors.extend(walk_diagnostics.into_iter().map(|d| ErrorRow {
            host: host.clone(),
            diagnostic: d,
        }));
        let single_file = path.is_file();
        let results: Vec<(Vec<ListedItem>, Vec<Diagnostic>, bool)> = files
            .par_iter()
            .map(|file| {
                let collectors: Vec<_> = collect::registry()
                    .iter()
                    .filter(|c| c.claims(file))
                    .collect();
                let mut items = Vec::new();
                let mut diagnostics = Vec::new();
                for collector in &collectors {
                    let listing = collector.list(&root, file);
                    items.extend(listing.items);
                    diagnostics.extend(listing.diagnostics);
                }
                (items, diagnostics, !collectors.is_empty())
            })
            .collect();
        for (file, (items, diagnostics, claimed)) in files.iter().zip(results) {
            if !claimed {
                unclaimed += 1;
                if single_file {
                    errors.push(ErrorRow {
                        host: host.clone(),
                        diagnostic: Diagnostic::file(file, "no collector reads this kind of file"),
                    });
                }
            }
            rows.extend(items.into_iter().map(|listed| {
                Row {
                    host: host.clone(),
                    collector: listed.address.collector.clone(),
                    file: listed
                        .item
                        .provenance
                        .file
                        .display()
                        .to_string()
                        .replace('\\', "/"),
                    line: listed.item.provenance.line,
                    location: listed.address.location.clone(),
                    name: listed.address.name.clone(),
                    type_name: listed.item.value.type_name(),
                    value: listed.item.value.to_string(),
                }
            }));
            errors.extend(diagnostics.into_iter().map(|d| ErrorRow {
                host: host.clone(),
                diagnostic: d,
            }));
        }
    }
    let bytes = match format {
        Format::Json => {
            let listing = Listing {
                schema: "confaudit.collect/1",
                items: rows,
                errors,
            };
            let mut bytes =
                serde_json::to_vec_pretty(&listing).map_err(|e| Failure::usage(e, None))?;
            bytes.push(b'\n');
            let status = if listing.errors.is_empty() {
                ExitStatus::Compliant
            } else {
                ExitStatus::SourcesUnreadable
            };
            emit(&bytes, output, out)?;
            return Ok(finish(status, unclaimed, log));
        }
        Format::Csv => render_csv(&rows, &errors)?,
        Format::Table => render_table(&rows, &errors),
    };
    emit(&bytes, output, out)?;
    let status = if errors.is_empty() {
        ExitStatus::Compliant
    } else {
        ExitStatus::SourcesUnreadable
    };
    Ok(finish(status, unclaimed, log))
}

fn finish(status: ExitStatus, unclaimed: usize, log: &mut dyn FnMut(&str)) -> ExitStatus {
    if unclaimed > 0 {
        log(&format!(
            "confaudit: {unclaimed} file(s) not read by any collector"
        ));
    }
    status
}

fn render_csv(rows: &[Row], errors: &[ErrorRow]) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let fail = |e: ::csv::Error| Failure::usage(e, None);
        writer
            .write_record([
                "host",
                "collector",
                "file",
                "line",
                "location",
                "name",
                "type",
                "value",
                "error",
            ])
            .map_err(fail)?;
        for r in rows {
            writer
                .write_record([
                    &r.host,
                    &r.collector,
                    &r.file,
                    &r.line.to_string(),
                    &r.location,
                    &r.name,
                    &r.type_name,
                    &r.value,
                    "",
                ])
                .map_err(fail)?;
        }
        for e in errors {
            let d = &e.diagnostic;
            writer
                .write_record([
                    &e.host,
                    "",
                    &d.file.display().to_string(),
                    &d.line.to_string(),
                    "",
                    "",
                    "",
                    "",
                    &d.message,
                ])
                .map_err(fail)?;
        }
        writer.flush().map_err(|e| Failure::usage(e, None))?;
    }
    Ok(out)
}

fn render_table(rows: &[Row], errors: &[ErrorRow]) -> Vec<u8> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_header(vec![
        "host",
        "file:line",
        "location",
        "name",
        "type",
        "value",
    ]);
    for r in rows {
        let value: String = r.value.chars().take(60).collect();
        let value = if value.len() < r.value.len() {
            format!("{value}…")
        } else {
            value
        };
        table.add_row(vec![
            r.host.clone(),
            format!("{}:{}", r.file, r.line),
            r.location.clone(),
            r.name.clone(),
            r.type_name.clone(),
            value,
        ]);
    }
    let mut text = format!("{table}\n{} items\n", rows.len());
    for e in errors {
        let prefix = if e.host.is_empty() {
            String::new()
        } else {
            format!("{}: ", e.host)
        };
        text.push_str(&format!("error: {prefix}{}\n", e.diagnostic));
    }
    text.into_bytes()
}
