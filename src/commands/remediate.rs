//! `confaudit remediate`: writes the `.reg` files and scripts that bring noncompliant hosts
//! to their baseline, per host and per role.

use super::{Failure, emit, load_fleet};
use crate::change::remediate::build;
use crate::change::render::{ChangeFormat, render_remediation};
use crate::change::rollback::write_files;
use crate::exit::ExitStatus;
use std::path::{Path, PathBuf};

pub struct Settings<'a> {
    pub fleet: &'a Path,
    pub baselines: &'a [PathBuf],
    pub dir: &'a Path,
    pub format: ChangeFormat,
    pub output: Option<&'a Path>,
}

pub fn run(
    settings: &Settings<'_>,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let (inventory, catalog) = load_fleet(settings.fleet, settings.baselines)?;
    let remediation = build(&inventory, &catalog).map_err(|e| Failure::usage(e, None))?;
    write_files(settings.dir, &remediation.files).map_err(|e| {
        Failure::usage(
            super::WriteError {
                path: settings.dir.to_path_buf(),
                source: e,
            },
            Some("pass a writable folder with --output-dir"),
        )
    })?;
    let bytes =
        render_remediation(&remediation, settings.format).map_err(|e| Failure::usage(e, None))?;
    emit(&bytes, settings.output, out)?;
    let hosts = remediation
        .targets
        .iter()
        .filter(|t| t.kind == "host")
        .count();
    log(&format!(
        "confaudit: remediation for {hosts} host(s) written to {}; {} setting(s) skipped",
        settings.dir.display(),
        remediation.skipped.len()
    ));
    if !remediation.incomplete_hosts.is_empty() {
        log(&format!(
            "confaudit: sources of {} could not all be read; their remediation may be incomplete",
            remediation.incomplete_hosts.join(", ")
        ));
    }
    Ok(if remediation.incomplete_hosts.is_empty() {
        ExitStatus::Compliant
    } else {
        ExitStatus::SourcesUnreadable
    })
}
