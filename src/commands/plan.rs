//! `confaudit plan`: what a proposed change touches, where, how risky, and whether rollback
//! is ready.

use super::{Failure, emit, load_fleet};
use crate::baseline::Catalog;
use crate::change::plan::{ChangeFile, Plan, Proposed, plan};
use crate::change::render::{ChangeFormat, render_plan};
use crate::change::risk::{RiskLevel, RiskPolicy, assess};
use crate::exit::ExitStatus;
use crate::inventory::Inventory;
use std::path::PathBuf;

/// Resolved settings for `plan`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub fleet: PathBuf,
    pub baselines: Vec<PathBuf>,
    /// A change file…
    pub change: Option<PathBuf>,
    /// …or a proposed template tree.
    pub proposed: Option<PathBuf>,
    pub format: ChangeFormat,
    pub output: Option<PathBuf>,
    pub policy: RiskPolicy,
    /// Also write the rollback of the change into this folder.
    pub rollback_dir: Option<PathBuf>,
}

pub fn run(
    settings: &Settings,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let (inventory, plan) = build_plan(settings)?;
    let risk = assess(&plan, settings.policy);
    let bytes = render_plan(&plan, &risk, settings.format).map_err(|e| Failure::usage(e, None))?;
    emit(&bytes, settings.output.as_deref(), out)?;
    log(&format!(
        "confaudit: change {} is {} risk: {} host(s) change",
        plan.change_id,
        risk.level.label(),
        risk.hosts_changing
    ));
    if let Some(dir) = &settings.rollback_dir {
        let rollback = super::rollback::write_rollback(&plan, &inventory, dir)?;
        super::rollback::log_written(&rollback, dir, log);
    }
    Ok(if risk.level == RiskLevel::Major {
        ExitStatus::MajorRisk
    } else {
        ExitStatus::Compliant
    })
}

/// Loads the fleet and the proposal, and plans the change.
pub fn build_plan(settings: &Settings) -> Result<(Inventory, Plan), Failure> {
    let (inventory, catalog) = load_fleet(&settings.fleet, &settings.baselines)?;
    let change_file;
    let proposed_catalog;
    let proposed = match (&settings.change, &settings.proposed) {
        (Some(path), None) => {
            change_file = ChangeFile::load(path).map_err(|e| Failure::usage(e, None))?;
            Proposed::ChangeFile(&change_file)
        }
        (None, Some(dir)) => {
            proposed_catalog = Catalog::load(std::slice::from_ref(dir))?;
            Proposed::Templates {
                catalog: &proposed_catalog,
                label: dir.display().to_string(),
            }
        }
        _ => {
            return Err(Failure::usage(
                "plan needs exactly one of --change FILE or --proposed DIR",
                Some(
                    "--change takes a change file listing settings and new values; --proposed a new template tree",
                ),
            ));
        }
    };
    let plan = plan(&inventory, &catalog, &proposed)
        .map_err(|e| Failure::usage(e, Some("see the change file format in the README")))?;
    Ok((inventory, plan))
}
