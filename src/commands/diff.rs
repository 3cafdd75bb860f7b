//! `confaudit diff OLD NEW`: setting-level changes between two template versions or trees.

use super::{Failure, emit};
use crate::baseline::Catalog;
use crate::change::diff::diff;
use crate::change::render::{ChangeFormat, render_diff};
use crate::exit::ExitStatus;
use std::path::{Path, PathBuf};

pub fn run(
    old: &Path,
    new: &Path,
    format: ChangeFormat,
    output: Option<&Path>,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let old_catalog = Catalog::load(&[PathBuf::from(old)])?;
    let new_catalog = Catalog::load(&[PathBuf::from(new)])?;
    let difference = diff(&old_catalog, &new_catalog);
    let bytes = render_diff(&difference, format).map_err(|e| Failure::usage(e, None))?;
    emit(&bytes, output, out)?;
    Ok(ExitStatus::Compliant)
}
