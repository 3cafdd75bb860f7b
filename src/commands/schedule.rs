//! `confaudit schedule`: prints the units that run the recorded audit on a schedule.

use super::{Failure, emit};
use crate::exit::ExitStatus;
use crate::schedule::Job;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which scheduler to print for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    Systemd,
    Cron,
    Windows,
    All,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub fleet: PathBuf,
    pub baselines: Vec<PathBuf>,
    pub binary: Option<PathBuf>,
    pub every: Duration,
    pub jitter: Duration,
    pub history: Option<PathBuf>,
    pub alert_on: crate::baseline::Severity,
    pub alert_log: Option<PathBuf>,
    pub alert_command: Option<String>,
    pub scheduler: Scheduler,
    pub output: Option<PathBuf>,
}

/// Absolute, without touching the file system for paths written for another platform.
fn absolute(path: &Path) -> String {
    let text = path.display().to_string();
    if windows_style(&text) {
        return text;
    }
    std::path::absolute(path).map_or(text, |p| p.display().to_string())
}

fn windows_style(path: &str) -> bool {
    path.starts_with(r"\\") || path.get(1..3) == Some(r":\")
}

pub fn job(settings: &Settings) -> Job {
    let fleet = absolute(&settings.fleet);
    let separator = if windows_style(&fleet) { '\\' } else { '/' };
    let state = if windows_style(&fleet) {
        format!("{}\\.confaudit", fleet.trim_end_matches('\\'))
    } else {
        crate::history::default_path(&settings.fleet)
            .parent()
            .map(absolute)
            .unwrap_or_default()
    };
    let binary = settings
        .binary
        .clone()
        .or_else(|| std::env::current_exe().ok())
        .map_or_else(|| "confaudit".to_string(), |b| absolute(&b));
    let mut arguments = vec!["audit".to_string(), fleet.clone()];
    for baselines in &settings.baselines {
        arguments.extend(["--baselines".into(), absolute(baselines)]);
    }
    arguments.extend(["--record".into(), "--quiet".into()]);
    if let Some(history) = &settings.history {
        arguments.extend(["--history".into(), absolute(history)]);
    }
    arguments.extend([
        "--alert-on".into(),
        settings.alert_on.label().into(),
        "--alert-log".into(),
        settings
            .alert_log
            .as_deref()
            .map_or(format!("{state}{separator}alerts.jsonl"), absolute),
        "--format".into(),
        "json".into(),
        "--output".into(),
        format!("{state}{separator}last-report.json"),
    ]);
    if let Some(command) = &settings.alert_command {
        arguments.extend(["--alert-command".into(), command.clone()]);
    }
    Job {
        binary,
        arguments,
        every: settings.every,
        jitter: settings.jitter,
        fleet,
    }
}

pub fn run(settings: &Settings, out: &mut dyn std::io::Write) -> Result<ExitStatus, Failure> {
    let job = job(settings);
    let fail = |e: crate::schedule::ScheduleError| {
        Failure::usage(e, Some("`confaudit watch --every` runs any interval"))
    };
    let bytes = match settings.scheduler {
        Scheduler::Systemd => documents(&job.systemd().map_err(fail)?),
        Scheduler::Cron => job.cron().map_err(fail)?.into_bytes(),
        // Task Scheduler reads UTF-16 task files most reliably; a terminal wants UTF-8.
        Scheduler::Windows if settings.output.is_some() => {
            let xml = job.windows_task("UTF-16");
            let mut bytes = vec![0xFF, 0xFE];
            for unit in xml.replace('\n', "\r\n").encode_utf16() {
                bytes.extend(unit.to_le_bytes());
            }
            bytes
        }
        Scheduler::Windows => job.windows_task("UTF-8").into_bytes(),
        Scheduler::All => {
            let mut all = documents(&job.systemd().map_err(fail)?);
            let cron = job.cron().unwrap_or_else(|e| format!("# {e}\n"));
            all.extend(documents(&[
                ("crontab line".into(), cron),
                (
                    "confaudit-audit.xml (schtasks /create /tn confaudit\\audit /xml FILE)".into(),
                    job.windows_task("UTF-8"),
                ),
            ]));
            all
        }
    };
    emit(&bytes, settings.output.as_deref(), out)?;
    Ok(ExitStatus::Compliant)
}

fn documents(named: &[(String, String)]) -> Vec<u8> {
    let mut out = String::new();
    for (index, (name, text)) in named.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&format!("# ---- {name} ----\n{text}"));
    }
    out.into_bytes()
}
