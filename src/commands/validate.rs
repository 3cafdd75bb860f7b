//! `confaudit validate`: check templates without auditing anything.

use super::Failure;
use crate::baseline::Catalog;
use crate::exit::ExitStatus;
use std::path::PathBuf;

pub fn run(
    paths: &[PathBuf],
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("baselines")]
    } else {
        paths.to_vec()
    };
    let (catalog, problems) = Catalog::load_lenient(&paths)?;
    let mut text = String::new();
    for problem in &problems {
        text.push_str(&problem.to_string());
        text.push('\n');
    }
    super::emit(text.as_bytes(), None, out)?;
    let settings: usize = catalog
        .templates
        .values()
        .map(|t| t.def.setting.len())
        .sum();
    if problems.is_empty() {
        log(&format!(
            "confaudit: {} templates, {settings} settings: no problems",
            catalog.templates.len()
        ));
        Ok(ExitStatus::Compliant)
    } else {
        log(&format!(
            "confaudit: {} problem(s) in {} templates",
            problems.len(),
            catalog.templates.len()
        ));
        Ok(ExitStatus::UsageOrBaseline)
    }
}
