//! Ready-to-install schedules for the recorded audit run: systemd timer and service, a cron
//! line, and a Windows Task Scheduler task.

use std::fmt::Write;
use std::time::Duration;

/// What to schedule.
#[derive(Debug, Clone)]
pub struct Job {
    /// The confaudit executable, absolute.
    pub binary: String,
    /// Arguments after the executable (`audit FLEET --record ...`).
    pub arguments: Vec<String>,
    pub every: Duration,
    /// Random delay added to each start, so many fleets scheduled alike do not start at once.
    pub jitter: Duration,
    /// Shown in unit descriptions.
    pub fleet: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ScheduleError {
    #[error(
        "every {0} cannot be written as a cron line; cron repeats in whole minutes dividing an hour or whole hours dividing a day"
    )]
    NotCron(String),
    #[error("the interval must be at least one minute")]
    TooShort,
}

fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A systemd `OnCalendar=` expression for intervals that divide a day into whole hours or
/// an hour into whole minutes (fixed wall-clock slots: 00:00, 08:00, 16:00 for 8h), else
/// `None` (the timer then counts from the last run).
fn calendar(every: Duration) -> Option<String> {
    let minutes = every.as_secs() / 60;
    if !every.as_secs().is_multiple_of(60) || minutes == 0 {
        return None;
    }
    if minutes.is_multiple_of(60) && 24 % (minutes / 60) == 0 {
        return Some(format!("*-*-* 00/{}:00:00", minutes / 60));
    }
    (60 % minutes == 0).then(|| format!("*-*-* *:00/{minutes}:00"))
}

impl Job {
    pub fn command_line(&self) -> String {
        std::iter::once(&self.binary)
            .chain(&self.arguments)
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `confaudit-audit.service` and `confaudit-audit.timer`, as two named documents.
    pub fn systemd(&self) -> Result<Vec<(String, String)>, ScheduleError> {
        if self.every < Duration::from_secs(60) {
            return Err(ScheduleError::TooShort);
        }
        let mut service = String::new();
        let _ = writeln!(service, "[Unit]");
        let _ = writeln!(
            service,
            "Description=confaudit compliance audit of {}",
            self.fleet
        );
        let _ = writeln!(service, "\n[Service]");
        let _ = writeln!(service, "Type=oneshot");
        let _ = writeln!(service, "ExecStart={}", self.command_line());
        let _ = writeln!(
            service,
            "# 1 (standing noncompliance) and 4 (new drift) are findings, delivered as alerts;\n# 2 (usage or baseline), 3 (unreadable sources) and 6 (busy) mark the unit failed."
        );
        let _ = writeln!(service, "SuccessExitStatus=1 4");
        let _ = writeln!(service, "Nice=10");
        let _ = writeln!(service, "IOSchedulingClass=idle");

        let mut timer = String::new();
        let _ = writeln!(timer, "[Unit]");
        let _ = writeln!(
            timer,
            "Description=Run the confaudit compliance audit of {} every {}",
            self.fleet,
            human(self.every)
        );
        let _ = writeln!(timer, "\n[Timer]");
        match calendar(self.every) {
            Some(expression) => {
                let _ = writeln!(timer, "OnCalendar={expression}");
                // Catch up once after downtime instead of skipping the slot.
                let _ = writeln!(timer, "Persistent=true");
            }
            None => {
                let _ = writeln!(timer, "OnBootSec=5min");
                let _ = writeln!(timer, "OnUnitActiveSec={}", self.every.as_secs());
            }
        }
        if !self.jitter.is_zero() {
            let _ = writeln!(timer, "RandomizedDelaySec={}", self.jitter.as_secs());
        }
        let _ = writeln!(timer, "Unit=confaudit-audit.service");
        let _ = writeln!(timer, "\n[Install]");
        let _ = writeln!(timer, "WantedBy=timers.target");
        Ok(vec![
            ("confaudit-audit.service".into(), service),
            ("confaudit-audit.timer".into(), timer),
        ])
    }

    /// One crontab line. Cron has no jitter; overlapping runs are refused by the history lock.
    pub fn cron(&self) -> Result<String, ScheduleError> {
        let minutes = self.every.as_secs() / 60;
        if !self.every.as_secs().is_multiple_of(60) || minutes == 0 {
            return Err(ScheduleError::NotCron(human(self.every)));
        }
        let when = if minutes.is_multiple_of(60) && 24 % (minutes / 60) == 0 {
            if minutes == 24 * 60 {
                "0 0 * * *".to_string()
            } else {
                format!("0 */{} * * *", minutes / 60)
            }
        } else if 60 % minutes == 0 {
            format!("*/{minutes} * * * *")
        } else {
            return Err(ScheduleError::NotCron(human(self.every)));
        };
        Ok(format!("{when} {}\n", self.command_line()))
    }

    /// A Task Scheduler 1.2 task: daily trigger repeating every interval, a random delay,
    /// no overlapping instances, catch-up after downtime, runs as SYSTEM.
    pub fn windows_task(&self, encoding: &str) -> String {
        let every = iso_duration(self.every);
        let mut xml = String::new();
        let _ = writeln!(xml, r#"<?xml version="1.0" encoding="{encoding}"?>"#);
        let _ = writeln!(
            xml,
            r#"<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">"#
        );
        let _ = writeln!(xml, "  <RegistrationInfo>");
        let _ = writeln!(
            xml,
            "    <Description>confaudit compliance audit of {} every {}</Description>",
            xml_escape(&self.fleet),
            human(self.every)
        );
        let _ = writeln!(xml, "    <URI>\\confaudit\\audit</URI>");
        let _ = writeln!(xml, "  </RegistrationInfo>");
        let _ = writeln!(xml, "  <Triggers>");
        let _ = writeln!(xml, "    <CalendarTrigger>");
        let _ = writeln!(
            xml,
            "      <StartBoundary>2000-01-01T00:00:00</StartBoundary>"
        );
        let _ = writeln!(xml, "      <Enabled>true</Enabled>");
        let _ = writeln!(
            xml,
            "      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>"
        );
        if self.every < Duration::from_secs(24 * 3600) {
            let _ = writeln!(
                xml,
                "      <Repetition><Interval>{every}</Interval><Duration>P1D</Duration><StopAtDurationEnd>false</StopAtDurationEnd></Repetition>"
            );
        }
        if !self.jitter.is_zero() {
            let _ = writeln!(
                xml,
                "      <RandomDelay>{}</RandomDelay>",
                iso_duration(self.jitter)
            );
        }
        let _ = writeln!(xml, "    </CalendarTrigger>");
        let _ = writeln!(xml, "  </Triggers>");
        let _ = writeln!(xml, "  <Principals>");
        let _ = writeln!(
            xml,
            r#"    <Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>LeastPrivilege</RunLevel></Principal>"#
        );
        let _ = writeln!(xml, "  </Principals>");
        let _ = writeln!(xml, "  <Settings>");
        let _ = writeln!(
            xml,
            "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>"
        );
        let _ = writeln!(
            xml,
            "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>"
        );
        let _ = writeln!(
            xml,
            "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>"
        );
        let _ = writeln!(xml, "    <StartWhenAvailable>true</StartWhenAvailable>");
        let _ = writeln!(xml, "    <ExecutionTimeLimit>{every}</ExecutionTimeLimit>");
        let _ = writeln!(xml, "    <Enabled>true</Enabled>");
        let _ = writeln!(xml, "  </Settings>");
        let _ = writeln!(xml, r#"  <Actions Context="Author">"#);
        let _ = writeln!(xml, "    <Exec>");
        let _ = writeln!(xml, "      <Command>{}</Command>", xml_escape(&self.binary));
        let arguments: Vec<String> = self.arguments.iter().map(|a| windows_quote(a)).collect();
        let _ = writeln!(
            xml,
            "      <Arguments>{}</Arguments>",
            xml_escape(&arguments.join(" "))
        );
        let _ = writeln!(xml, "    </Exec>");
        let _ = writeln!(xml, "  </Actions>");
        let _ = writeln!(xml, "</Task>");
        xml
    }
}

/// `PT8H`, `PT10M`, `P1D`, `PT90S` (XML Schema duration, as Task Scheduler wants).
fn iso_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs > 0 && secs.is_multiple_of(86_400) {
        return format!("P{}D", secs / 86_400);
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        let _ = write!(out, "{h}H");
    }
    if m > 0 {
        let _ = write!(out, "{m}M");
    }
    if s > 0 || (h == 0 && m == 0) {
        let _ = write!(out, "{s}S");
    }
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// POSIX shell quoting, only where needed (keeps unit files readable).
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Windows command-line quoting (CommandLineToArgvW rules), only where needed.
fn windows_quote(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
        return arg.to_string();
    }
    let mut out = String::from('"');
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            other => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(other);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(every_secs: u64) -> Job {
        Job {
            binary: "/usr/local/bin/confaudit".into(),
            arguments: vec![
                "audit".into(),
                "/srv/fleet a".into(),
                "--record".into(),
                "--alert-command".into(),
                "logger -t \"confaudit\"".into(),
            ],
            every: Duration::from_secs(every_secs),
            jitter: Duration::from_secs(600),
            fleet: "/srv/fleet a".into(),
        }
    }

    #[test]
    fn intervals_map_to_calendar_cron_and_iso_forms() {
        let cases = [
            (
                8 * 3600,
                Some("*-*-* 00/8:00:00"),
                Ok("0 */8 * * *"),
                "PT8H",
            ),
            (
                15 * 60,
                Some("*-*-* *:00/15:00"),
                Ok("*/15 * * * *"),
                "PT15M",
            ),
            (24 * 3600, Some("*-*-* 00/24:00:00"), Ok("0 0 * * *"), "P1D"),
            (
                7 * 3600,
                None,
                Err(ScheduleError::NotCron("7h".into())),
                "PT7H",
            ),
            (
                5400,
                None,
                Err(ScheduleError::NotCron("1h 30m".into())),
                "PT1H30M",
            ),
        ];
        for (secs, calendar_form, cron_when, iso) in cases {
            let every = Duration::from_secs(secs);
            assert_eq!(calendar(every).as_deref(), calendar_form, "{secs}");
            let cron = job(secs)
                .cron()
                .map(|l| l.split(" /").next().unwrap().to_string());
            assert_eq!(cron, cron_when.map(str::to_string), "{secs}");
            assert_eq!(iso_duration(every), iso);
        }
    }

    #[test]
    fn command_lines_are_quoted_for_each_platform() {
        let j = job(8 * 3600);
        assert_eq!(
            j.command_line(),
            r#"/usr/local/bin/confaudit audit '/srv/fleet a' --record --alert-command 'logger -t "confaudit"'"#
        );
        assert_eq!(windows_quote(r#"C:\a b\"#), r#""C:\a b\\""#);
        assert_eq!(windows_quote(r#"say "hi""#), r#""say \"hi\"""#);
        let xml = j.windows_task("UTF-8");
        assert!(xml.contains("&quot;"), "{xml}");
        assert!(xml.contains("<Interval>PT8H</Interval>"));
        assert!(xml.contains("<RandomDelay>PT10M</RandomDelay>"));
    }

    #[test]
    fn task_xml_is_well_formed() {
        let xml = job(8 * 3600).windows_task("UTF-8");
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut depth = 0i32;
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
    }

    #[test]
    fn systemd_units_use_fixed_slots_and_refuse_tiny_intervals() {
        let units = job(8 * 3600).systemd().unwrap();
        assert!(
            units[1]
                .1
                .contains("OnCalendar=*-*-* 00/8:00:00\nPersistent=true\n")
        );
        assert!(units[1].1.contains("RandomizedDelaySec=600\n"));
        assert!(units[0].1.contains("SuccessExitStatus=1 4\n"));
        let odd = job(7 * 3600).systemd().unwrap();
        assert!(odd[1].1.contains("OnUnitActiveSec=25200\n"));
        assert_eq!(job(30).systemd().unwrap_err(), ScheduleError::TooShort);
    }
}
