//! `confaudit capture`: a known-good host's items as a template of equals checks.

use super::{Failure, emit};
use crate::change::capture::{Selector, capture};
use crate::exit::ExitStatus;
use std::path::Path;

pub fn run(
    host_dir: &Path,
    name: &str,
    role: Option<&str>,
    includes: &[String],
    output: Option<&Path>,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
) -> Result<ExitStatus, Failure> {
    if !host_dir.is_dir() {
        return Err(Failure::usage(
            format!("host folder {} does not exist", host_dir.display()),
            None,
        ));
    }
    let selectors = includes
        .iter()
        .map(|text| Selector::parse(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::usage(e, Some("--include takes COLLECTOR:PREFIX, e.g. registry:HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters or sysctl:net.ipv4.")))?;
    let now = super::run_time().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let captured = capture(host_dir, name, role, &selectors, &now);
    for skipped in &captured.skipped {
        log(&format!("confaudit: skipped {skipped}"));
    }
    for diagnostic in &captured.diagnostics {
        log(&format!("confaudit: {diagnostic}"));
    }
    if captured.settings == 0 {
        return Err(Failure::usage(
            "nothing matched the --include selectors",
            Some("`confaudit collect HOST_DIR` lists every item with its collector and location"),
        ));
    }
    emit(captured.toml.as_bytes(), output, out)?;
    log(&format!(
        "confaudit: captured {} settings",
        captured.settings
    ));
    Ok(if captured.diagnostics.is_empty() {
        ExitStatus::Compliant
    } else {
        ExitStatus::SourcesUnreadable
    })
}
