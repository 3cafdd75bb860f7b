//! `confaudit rollback`: plans a change and writes what restores today's state on every host
//! it changes.

use super::plan::{Settings, build_plan};
use super::{Failure, emit, run_time};
use crate::change::plan::Plan;
use crate::change::render::render_rollback;
use crate::change::rollback::{Rollback, build, write_files};
use crate::exit::ExitStatus;
use crate::inventory::Inventory;
use std::path::Path;

pub fn run(
    settings: &Settings,
    dir: &Path,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let (inventory, plan) = build_plan(settings)?;
    let rollback = write_rollback(&plan, &inventory, dir)?;
    let bytes = render_rollback(&rollback, settings.format).map_err(|e| Failure::usage(e, None))?;
    emit(&bytes, settings.output.as_deref(), out)?;
    log_written(&rollback, dir, log);
    Ok(if rollback.complete() {
        ExitStatus::Compliant
    } else {
        ExitStatus::SourcesUnreadable
    })
}

/// Builds the rollback of a plan and writes its files under `dir`.
pub fn write_rollback(plan: &Plan, inventory: &Inventory, dir: &Path) -> Result<Rollback, Failure> {
    let rollback = build(
        plan,
        inventory,
        dir,
        &run_time().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
    .map_err(|e| Failure::usage(e, None))?;
    write_files(dir, &rollback.files).map_err(|e| {
        Failure::usage(
            super::WriteError {
                path: dir.to_path_buf(),
                source: e,
            },
            Some("pass a writable folder with --rollback-dir / --output-dir"),
        )
    })?;
    Ok(rollback)
}

pub fn log_written(rollback: &Rollback, dir: &Path, log: &mut dyn FnMut(&str)) {
    let incomplete: usize = rollback.hosts.iter().map(|h| h.not_restorable.len()).sum();
    log(&format!(
        "confaudit: rollback of {} for {} host(s) written to {}{}",
        rollback.change_id,
        rollback.hosts.len(),
        dir.display(),
        if incomplete == 0 {
            String::new()
        } else {
            format!("; {incomplete} item(s) cannot be restored (state before the change unknown)")
        }
    ));
    log(&format!(
        "confaudit: after a rollback, prove it with: confaudit audit {}",
        dir.join(&rollback.inventory).display()
    ));
}
