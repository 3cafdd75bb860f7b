//! `confaudit pin`: the approvals file for the current templates (name, version, SHA-256),
//! for `audit --approved`.

use super::{Failure, emit};
use crate::baseline::Catalog;
use crate::change::pin::pins;
use crate::exit::ExitStatus;
use std::path::{Path, PathBuf};

pub fn run(
    paths: &[PathBuf],
    output: Option<&Path>,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("baselines")]
    } else {
        paths.to_vec()
    };
    let catalog = Catalog::load(&paths)?;
    let text = format!(
        "# Approved baseline templates: `confaudit audit --approved FILE` refuses any other version or content.\n{}",
        pins(&catalog).to_toml()
    );
    emit(text.as_bytes(), output, out)?;
    Ok(ExitStatus::Compliant)
}
