//! One module per subcommand. Commands write their report to the `out` they are given and
//! log lines through `log`; they never print or exit themselves.

pub mod audit;
pub mod capture;
pub mod collect;
pub mod diff;
pub mod explain;
pub mod history;
pub mod pin;
pub mod plan;
pub mod remediate;
pub mod rollback;
pub mod schedule;
pub mod validate;
pub mod watch;

use crate::baseline::{BaselineError, Catalog};
use crate::exit::ExitStatus;
use crate::inventory::Inventory;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A command that could not do its job: the error (with its chain of causes), lines to
/// print before it (template problems), a hint when a next step is known, and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub error: Box<dyn std::error::Error + Send + Sync>,
    pub details: Vec<String>,
    pub hint: Option<String>,
    pub status: ExitStatus,
}

impl Failure {
    pub fn usage(
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
        hint: Option<&str>,
    ) -> Failure {
        Failure {
            error: error.into(),
            details: Vec::new(),
            hint: hint.map(str::to_string),
            status: ExitStatus::UsageOrBaseline,
        }
    }
}

impl From<BaselineError> for Failure {
    fn from(err: BaselineError) -> Failure {
        let (details, hint) = match &err {
            BaselineError::Invalid(problems) => (
                problems.iter().map(ToString::to_string).collect(),
                Some(
                    "fix the problems above; `confaudit validate` re-checks templates without auditing",
                ),
            ),
            BaselineError::NotFound(_) => (
                Vec::new(),
                Some("pass --baselines DIR, or set `baselines` in the inventory"),
            ),
            BaselineError::Read { .. } => (Vec::new(), None),
        };
        Failure {
            error: Box::new(err),
            details,
            hint: hint.map(str::to_string),
            status: ExitStatus::UsageOrBaseline,
        }
    }
}

/// The run's timestamp: now, or `CONFAUDIT_NOW` (RFC 3339) for reproducible reports and tests.
pub fn run_time() -> DateTime<Utc> {
    std::env::var("CONFAUDIT_NOW")
        .ok()
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// Loads the fleet and the baselines it should be audited against.
pub fn load_fleet(fleet: &Path, baselines: &[PathBuf]) -> Result<(Inventory, Catalog), Failure> {
    let inventory = Inventory::load(fleet).map_err(|e| {
        Failure::usage(
            e,
            Some("pass an inventory TOML, a folder holding inventory.toml, or a folder of host folders with host.toml"),
        )
    })?;
    let paths = if !baselines.is_empty() {
        baselines.to_vec()
    } else if let Some(dir) = &inventory.baselines {
        vec![dir.clone()]
    } else {
        vec![PathBuf::from("baselines")]
    };
    let catalog = Catalog::load(&paths)?;
    Ok((inventory, catalog))
}

/// Writes a rendered report to a file (atomically) or to `out`.
pub fn emit(
    bytes: &[u8],
    output: Option<&Path>,
    out: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    match output {
        Some(path) => crate::atomic::write(path, bytes).map_err(|e| Failure {
            error: Box::new(WriteError {
                path: path.to_path_buf(),
                source: e,
            }),
            details: Vec::new(),
            hint: None,
            status: ExitStatus::UsageOrBaseline,
        }),
        None => match out.write_all(bytes) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::usage(
                WriteError {
                    path: PathBuf::from("<stdout>"),
                    source: e,
                },
                None,
            )),
            _ => Ok(()),
        },
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}
