//! The command line: arguments (clap), turned into plain settings for the commands, and the
//! only place that writes to the terminal or decides the process exit code.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::baseline::Severity;
use crate::change::render::ChangeFormat;
use crate::change::risk::RiskPolicy;
use crate::commands;
use crate::exit::ExitStatus;
use crate::history::alerts::Alerting;
use crate::history::trend::Dimension;
use crate::report::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Parser)]
#[command(
    name = "confaudit",
    version,
    about = "Audit server exports against role and hardware baseline templates"
)]
#[command(
    after_help = "Exit codes: 0 compliant, 1 noncompliant at or above --fail-on, 2 usage or baseline error, 3 some sources could not be read, 4 new drift since the last recorded run, 5 major change risk (plan), 6 another run is recording (busy)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit a fleet against its baselines and report compliance per host and setting.
    Audit(AuditArgs),
    /// List every configuration item found in host folders or export files.
    Collect(CollectArgs),
    /// Check baseline templates and report each problem as file:line:col.
    Validate(ValidateArgs),
    /// Show where a host's expected and actual values come from.
    Explain(ExplainArgs),
    /// Assess a proposed change: hosts touched, current → proposed values, risk, rollback readiness.
    Plan(PlanArgs),
    /// Show setting-level differences between two template versions or trees.
    Diff(DiffArgs),
    /// Write what restores today's state on every host a change touches (.reg, scripts, backup templates).
    Rollback(RollbackArgs),
    /// Write the .reg files and scripts that bring noncompliant hosts to baseline, per host and per role.
    Remediate(RemediateArgs),
    /// Print the approvals file pinning the current templates by version and content hash.
    Pin(PinArgs),
    /// Turn a known-good host's exports into a template of equals checks.
    Capture(CaptureArgs),
    /// List recorded runs (audit --record), newest first.
    History(HistoryArgs),
    /// Show what changed between a recorded run and the run before it.
    Drift(DriftArgs),
    /// Compliance per recorded run, by fleet, role, hardware or severity.
    Trend(TrendArgs),
    /// Green/red per role against a compliance target, compared with an earlier run.
    Scorecard(ScorecardArgs),
    /// Print systemd timer and service units, a cron line and a Windows task for a recorded audit.
    Schedule(ScheduleArgs),
    /// Run the recorded audit in a loop, every interval, until stopped.
    Watch(WatchArgs),
}

#[derive(Debug, clap::Args)]
struct HistorySourceArgs {
    /// Inventory TOML or fleet folder whose history to read.
    #[arg(default_value = ".")]
    fleet: PathBuf,
    /// History database [default: FLEET/.confaudit/history.sqlite].
    #[arg(long)]
    history: Option<PathBuf>,
    #[arg(long, short, value_enum, default_value = "table")]
    format: ChangeFormatArg,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

impl From<HistorySourceArgs> for commands::history::Source {
    fn from(args: HistorySourceArgs) -> Self {
        commands::history::Source {
            fleet: args.fleet,
            history: args.history,
            format: args.format.into(),
            output: args.output,
        }
    }
}

#[derive(Debug, clap::Args)]
struct HistoryArgs {
    #[command(flatten)]
    source: HistorySourceArgs,
    /// How many runs to list.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

#[derive(Debug, clap::Args)]
struct DriftArgs {
    #[command(flatten)]
    source: HistorySourceArgs,
    /// The recorded run [default: the latest].
    #[arg(long)]
    run: Option<i64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DimensionArg {
    Fleet,
    Role,
    Hardware,
    Severity,
}

impl From<DimensionArg> for Dimension {
    fn from(d: DimensionArg) -> Dimension {
        match d {
            DimensionArg::Fleet => Dimension::Fleet,
            DimensionArg::Role => Dimension::Role,
            DimensionArg::Hardware => Dimension::Hardware,
            DimensionArg::Severity => Dimension::Severity,
        }
    }
}

#[derive(Debug, clap::Args)]
struct TrendArgs {
    #[command(flatten)]
    source: HistorySourceArgs,
    /// Break compliance down by this.
    #[arg(long, value_enum, default_value = "role")]
    by: DimensionArg,
    /// How many runs (21 eight-hourly runs = one week).
    #[arg(long, default_value_t = 21)]
    last: usize,
    /// Only runs at or after this instant or date (2026-11-01, 2026-11-01T08:00:00Z).
    #[arg(long, value_parser = commands::history::parse_instant)]
    since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, clap::Args)]
struct ScorecardArgs {
    #[command(flatten)]
    source: HistorySourceArgs,
    #[arg(long, value_enum, default_value = "role")]
    by: DimensionArg,
    /// Compliance target in percent.
    #[arg(long, default_value_t = 99.0)]
    target: f64,
    /// The recorded run to score [default: the latest].
    #[arg(long)]
    run: Option<i64>,
    /// Compare with the last run at least this much older (7d for a weekly review)
    /// [default: the previous run].
    #[arg(long, value_parser = commands::history::parse_duration, default_value = "0")]
    compare: std::time::Duration,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SchedulerArg {
    Systemd,
    Cron,
    Windows,
    All,
}

#[derive(Debug, clap::Args)]
struct ScheduleArgs {
    /// Inventory TOML or fleet folder the scheduled run audits.
    #[arg(default_value = ".")]
    fleet: PathBuf,
    /// Baseline template folders or files [default: the inventory's `baselines`].
    #[arg(long, short)]
    baselines: Vec<PathBuf>,
    /// The confaudit executable the scheduler starts [default: this one].
    #[arg(long)]
    binary: Option<PathBuf>,
    #[command(flatten)]
    interval: IntervalArgs,
    /// History database [default: FLEET/.confaudit/history.sqlite].
    #[arg(long)]
    history: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "high")]
    alert_on: SeverityArg,
    /// Alert log [default: FLEET/.confaudit/alerts.jsonl].
    #[arg(long)]
    alert_log: Option<PathBuf>,
    /// Shell command run per alert with the event JSON on standard input.
    #[arg(long)]
    alert_command: Option<String>,
    #[arg(long, value_enum, default_value = "all")]
    format: SchedulerArg,
    /// Write to this file (a Windows task is then written as UTF-16, as Task Scheduler expects).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct IntervalArgs {
    /// Interval between run starts.
    #[arg(long, value_parser = commands::history::parse_duration, default_value = "8h")]
    every: std::time::Duration,
    /// Random delay added to each start.
    #[arg(long, value_parser = commands::history::parse_duration, default_value = "10m")]
    jitter: std::time::Duration,
}

#[derive(Debug, clap::Args)]
struct WatchArgs {
    #[command(flatten)]
    audit: AuditArgs,
    #[command(flatten)]
    interval: IntervalArgs,
    /// Stop after this many runs [default: run until SIGTERM or Ctrl-C].
    #[arg(long)]
    runs: Option<usize>,
}

#[derive(Debug, clap::Args)]
struct RecordArgs {
    /// Record the run in the history database: drift since the last run, alerts, exit code 4.
    #[arg(long)]
    record: bool,
    /// History database [default: FLEET/.confaudit/history.sqlite].
    #[arg(long)]
    history: Option<PathBuf>,
    /// Lowest severity of new noncompliance that alerts and makes a recorded run exit 4.
    #[arg(long, value_enum, default_value = "high")]
    alert_on: SeverityArg,
    /// Append alert events as JSON Lines to this file (needs --record).
    #[arg(long)]
    alert_log: Option<PathBuf>,
    /// Run this shell command once per alert, with the event JSON on standard input (needs --record).
    #[arg(long)]
    alert_command: Option<String>,
    /// Alert again about a finding still open after this long, e.g. 24h [default: only when it changes].
    #[arg(long, value_parser = commands::history::parse_duration)]
    renotify: Option<std::time::Duration>,
}

#[derive(Debug, clap::Args)]
struct CaptureArgs {
    /// The known-good host's export folder.
    host_dir: PathBuf,
    /// What to capture, as COLLECTOR:PREFIX (repeatable), e.g. registry:HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters
    #[arg(long, required = true)]
    include: Vec<String>,
    /// Name of the new template.
    #[arg(long)]
    name: String,
    /// Role the new template defines.
    #[arg(long)]
    role: Option<String>,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ChangeFormatArg {
    Table,
    Csv,
    Json,
    Markdown,
}

impl From<ChangeFormatArg> for ChangeFormat {
    fn from(f: ChangeFormatArg) -> ChangeFormat {
        match f {
            ChangeFormatArg::Table => ChangeFormat::Table,
            ChangeFormatArg::Csv => ChangeFormat::Csv,
            ChangeFormatArg::Json => ChangeFormat::Json,
            ChangeFormatArg::Markdown => ChangeFormat::Markdown,
        }
    }
}

#[derive(Debug, clap::Args)]
struct PlanArgs {
    #[command(flatten)]
    inputs: ChangeInputs,
    /// Also write the rollback (per-host .reg, scripts, backup templates) into this folder.
    #[arg(long)]
    rollback_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct RollbackArgs {
    #[command(flatten)]
    inputs: ChangeInputs,
    /// Folder to write the rollback into: <host>/rollback.reg, <host>/rollback.sh|ps1,
    /// baselines/<host>.toml and inventory.toml.
    #[arg(long, short = 'd')]
    output_dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct RemediateArgs {
    /// Inventory TOML, or a folder holding inventory.toml or host folders with host.toml.
    #[arg(default_value = ".")]
    fleet: PathBuf,
    /// Baseline template folders or files [default: the inventory's `baselines`, else ./baselines].
    #[arg(long, short)]
    baselines: Vec<PathBuf>,
    /// Folder to write hosts/<host>/remediate.reg|sh|ps1 and roles/<role>/remediate.reg|sh|ps1 into.
    #[arg(long, short = 'd')]
    output_dir: PathBuf,
    #[arg(long, short, value_enum, default_value = "table")]
    format: ChangeFormatArg,
    /// Write the summary to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// What a change is and what it applies to: shared by `plan` and `rollback`.
#[derive(Debug, clap::Args)]
struct ChangeInputs {
    /// Inventory TOML, or a folder holding inventory.toml or host folders with host.toml.
    #[arg(default_value = ".")]
    fleet: PathBuf,
    /// A change file: settings (or sources) with new values, scoped by role, hardware or host.
    #[arg(long, conflicts_with = "proposed")]
    change: Option<PathBuf>,
    /// A proposed template tree (a new template version) to compare with the current one.
    #[arg(long)]
    proposed: Option<PathBuf>,
    /// Current baseline template folders or files [default: the inventory's `baselines`, else ./baselines].
    #[arg(long, short)]
    baselines: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value = "table")]
    format: ChangeFormatArg,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Largest share of one role's hosts that may change at once before the change is major.
    #[arg(long, default_value_t = 0.5, value_parser = parse_share)]
    max_role_share: f64,
}

impl ChangeInputs {
    fn into_settings(self, rollback_dir: Option<PathBuf>) -> commands::plan::Settings {
        commands::plan::Settings {
            fleet: self.fleet,
            baselines: self.baselines,
            change: self.change,
            proposed: self.proposed,
            format: self.format.into(),
            output: self.output,
            policy: RiskPolicy {
                max_role_share: self.max_role_share,
            },
            rollback_dir,
        }
    }
}

fn parse_share(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    let share = if text.ends_with('%') || value > 1.0 {
        value / 100.0
    } else {
        value
    };
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err("give a share between 0 and 1, or a percentage".into())
    }
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The old template file or tree.
    old: PathBuf,
    /// The new template file or tree.
    new: PathBuf,
    #[arg(long, short, value_enum, default_value = "table")]
    format: ChangeFormatArg,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct PinArgs {
    /// Template files or folders [default: ./baselines].
    paths: Vec<PathBuf>,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Csv,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, clap::Args)]
struct AuditArgs {
    /// Inventory TOML, or a folder holding inventory.toml or host folders with host.toml.
    #[arg(default_value = ".")]
    fleet: PathBuf,
    /// Baseline template folders or files [default: the inventory's `baselines`, else ./baselines].
    #[arg(long, short)]
    baselines: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value = "table")]
    format: FormatArg,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Lowest severity of noncompliance that makes the run exit 1.
    #[arg(long, value_enum, default_value = "low")]
    fail_on: SeverityArg,
    /// Audit only hosts whose name matches this glob (repeatable).
    #[arg(long)]
    host: Vec<String>,
    /// No log line on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Refuse to run unless every template used is approved at this version and content
    /// (an approvals file written by `confaudit pin`).
    #[arg(long)]
    approved: Option<PathBuf>,
    /// Waivers file [default: waivers.toml beside the inventory, when present].
    #[arg(long)]
    waivers: Option<PathBuf>,
    #[command(flatten)]
    record: RecordArgs,
}

impl AuditArgs {
    fn into_settings(
        self,
        color: bool,
        force_record: bool,
    ) -> Result<commands::audit::Settings, commands::Failure> {
        let r = self.record;
        let record = r.record || force_record;
        if !record
            && (r.alert_log.is_some()
                || r.alert_command.is_some()
                || r.renotify.is_some()
                || r.history.is_some())
        {
            return Err(commands::Failure::usage(
                "--history, --alert-log, --alert-command and --renotify need --record",
                Some("alerts and drift compare with the previous recorded run; add --record"),
            ));
        }
        let renotify = r
            .renotify
            .map(|d| chrono::Duration::from_std(d).map_err(|e| commands::Failure::usage(e, None)))
            .transpose()?;
        Ok(commands::audit::Settings {
            fleet: self.fleet,
            baselines: self.baselines,
            format: self.format.into(),
            output: self.output,
            fail_on: self.fail_on.into(),
            hosts: self.host,
            quiet: self.quiet,
            approved: self.approved,
            color,
            run_time: commands::run_time(),
            waivers: self.waivers,
            record: record.then(|| commands::audit::Recording {
                history: r.history,
                alerting: Alerting {
                    threshold: r.alert_on.into(),
                    renotify,
                    log: r.alert_log,
                    command: r.alert_command,
                    ..Alerting::default()
                },
            }),
        })
    }
}

/// Set by SIGTERM or Ctrl-C while `watch` runs.
static STOP: AtomicBool = AtomicBool::new(false);

/// A progress bar on standard error when it is a terminal and the run is not quiet.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} auditing {pos}/{len} hosts [{bar:30}] {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

#[derive(Debug, clap::Args)]
struct CollectArgs {
    /// Host folders or single export files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value = "table")]
    format: FormatArg,
    /// Write the listing to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ValidateArgs {
    /// Template files or folders [default: ./baselines].
    paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// The host to explain.
    host: String,
    /// Only this setting id.
    setting: Option<String>,
    /// Inventory TOML or fleet folder.
    #[arg(long, default_value = ".")]
    fleet: PathBuf,
    /// Baseline template folders or files [default: the inventory's `baselines`, else ./baselines].
    #[arg(long, short)]
    baselines: Vec<PathBuf>,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                ExitStatus::UsageOrBaseline.code()
            } else {
                0
            });
        }
    };
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let color = stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut stdout = std::io::stdout().lock();
    let mut log = |line: &str| eprintln!("{line}");
    let result = match cli.command {
        Command::Audit(args) => {
            let bar = progress_bar(args.quiet);
            let progress = |done: usize, total: usize| {
                if let Some(bar) = &bar {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                }
            };
            let mut log = |line: &str| match &bar {
                Some(bar) => bar.suspend(|| eprintln!("{line}")),
                None => eprintln!("{line}"),
            };
            let result = args.into_settings(color, false).and_then(|settings| {
                commands::audit::run(&settings, &mut stdout, &mut log, &progress)
            });
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            result
        }
        Command::Watch(args) => {
            let bar = progress_bar(args.audit.quiet);
            let progress = |done: usize, total: usize| {
                if let Some(bar) = &bar {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    if done == total {
                        bar.finish_and_clear();
                        bar.reset();
                    }
                }
            };
            let stop_handler = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
            match stop_handler {
                Err(e) => Err(commands::Failure::usage(
                    format!("cannot install the stop handler: {e}"),
                    None,
                )),
                Ok(()) => args.audit.into_settings(color, true).and_then(|audit| {
                    commands::watch::run(
                        &commands::watch::Settings {
                            audit,
                            every: args.interval.every,
                            jitter: args.interval.jitter,
                            runs: args.runs,
                        },
                        &STOP,
                        &mut stdout,
                        &mut log,
                        &progress,
                    )
                }),
            }
        }
        Command::History(args) => {
            commands::history::runs(&args.source.into(), args.limit, &mut stdout)
        }
        Command::Drift(args) => {
            commands::history::drift(&args.source.into(), args.run, &mut stdout)
        }
        Command::Trend(args) => commands::history::trend(
            &args.source.into(),
            args.by.into(),
            args.last,
            args.since,
            &mut stdout,
        ),
        Command::Scorecard(args) => match chrono::Duration::from_std(args.compare) {
            Ok(compare_after) => commands::history::scorecard(
                &args.source.into(),
                &commands::history::ScorecardSettings {
                    dimension: args.by.into(),
                    run: args.run,
                    target_percent: args.target,
                    compare_after,
                },
                &mut stdout,
            ),
            Err(e) => Err(commands::Failure::usage(e, None)),
        },
        Command::Schedule(args) => commands::schedule::run(
            &commands::schedule::Settings {
                fleet: args.fleet,
                baselines: args.baselines,
                binary: args.binary,
                every: args.interval.every,
                jitter: args.interval.jitter,
                history: args.history,
                alert_on: args.alert_on.into(),
                alert_log: args.alert_log,
                alert_command: args.alert_command,
                scheduler: match args.format {
                    SchedulerArg::Systemd => commands::schedule::Scheduler::Systemd,
                    SchedulerArg::Cron => commands::schedule::Scheduler::Cron,
                    SchedulerArg::Windows => commands::schedule::Scheduler::Windows,
                    SchedulerArg::All => commands::schedule::Scheduler::All,
                },
                output: args.output,
            },
            &mut stdout,
        ),
        Command::Collect(args) => commands::collect::run(
            &args.paths,
            args.format.into(),
            args.output.as_deref(),
            &mut stdout,
            &mut log,
        ),
        Command::Plan(args) => commands::plan::run(
            &args.inputs.into_settings(args.rollback_dir),
            &mut stdout,
            &mut log,
        ),
        Command::Rollback(args) => commands::rollback::run(
            &args.inputs.into_settings(None),
            &args.output_dir,
            &mut stdout,
            &mut log,
        ),
        Command::Remediate(args) => commands::remediate::run(
            &commands::remediate::Settings {
                fleet: &args.fleet,
                baselines: &args.baselines,
                dir: &args.output_dir,
                format: args.format.into(),
                output: args.output.as_deref(),
            },
            &mut stdout,
            &mut log,
        ),
        Command::Diff(args) => commands::diff::run(
            &args.old,
            &args.new,
            args.format.into(),
            args.output.as_deref(),
            &mut stdout,
        ),
        Command::Pin(args) => commands::pin::run(&args.paths, args.output.as_deref(), &mut stdout),
        Command::Capture(args) => commands::capture::run(
            &args.host_dir,
            &args.name,
            args.role.as_deref(),
            &args.include,
            args.output.as_deref(),
            &mut stdout,
            &mut log,
        ),
        Command::Validate(args) => commands::validate::run(&args.paths, &mut stdout, &mut log),
        Command::Explain(args) => commands::explain::run(
            &args.fleet,
            &args.baselines,
            &args.host,
            args.setting.as_deref(),
            &mut stdout,
        ),
    };
    let status = match result {
        Ok(status) => status,
        Err(failure) => {
            print_failure(&failure);
            failure.status
        }
    };
    if let Err(err) = stdout.flush() {
        // A closed pipe (`confaudit audit | head`) is not a failure.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to standard output\nCaused by: {err}");
        }
    }
    ExitCode::from(status.code())
}

fn print_failure(failure: &commands::Failure) {
    for line in &failure.details {
        eprintln!("{line}");
    }
    eprintln!("error: {}", failure.error);
    let mut source = failure.error.source();
    while let Some(cause) = source {
        eprintln!("Caused by: {cause}");
        source = cause.source();
    }
    if let Some(hint) = &failure.hint {
        eprintln!("hint: {hint}");
    }
}
