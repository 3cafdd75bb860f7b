//! Waivers: accepted, approved, time-boxed deviations from the baseline.
//!
//! A waived finding is reported as `waived` (naming its approver and expiry) and never fails
//! a run. Start and expiry are UTC instants written with an explicit offset, so a waiver
//! cannot mean different moments on servers in different time zones. Outside its window a
//! waiver does nothing: the finding is noncompliant again, and the next recorded run counts
//! it as new drift.

use crate::baseline::{Problem, position_in};
use crate::report::{Report, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The waivers of one file, checked.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    pub path: PathBuf,
    pub waivers: Vec<Waiver>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiver {
    pub id: String,
    pub setting: String,
    /// Host-name globs; empty means any host (then `roles` or `hardware` scope it).
    pub hosts: Vec<String>,
    pub roles: Vec<String>,
    pub hardware: Vec<String>,
    pub justification: String,
    pub owner: String,
    pub approver: String,
    pub accepted_risk: String,
    pub change: String,
    pub starts: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// Line of the `[[waiver]]` table in the file.
    pub line: usize,
}

/// What a waiver did to one finding, carried by the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedWaiver {
    pub id: String,
    pub approver: String,
    pub expires: DateTime<Utc>,
    pub change: String,
}

/// Waivers that need attention, so the file gets cleaned up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverState {
    /// Its window is over: its findings count again.
    Expired,
    /// Its window has not begun.
    NotYetStarted,
    /// In force, but no finding it covers failed: nothing to waive any more.
    Unused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverNote {
    pub id: String,
    pub state: WaiverState,
    pub setting: String,
    pub starts: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub owner: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<Spanned<WaiverDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverDef {
    id: String,
    setting: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    hardware: Vec<String>,
    justification: String,
    owner: String,
    approver: String,
    accepted_risk: String,
    change: String,
    starts: Spanned<toml::value::Datetime>,
    expires: Spanned<toml::value::Datetime>,
}

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read waivers file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid waivers file {}", path.display())]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl Waivers {
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Waivers::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Waivers, WaiverError> {
        let problem = |offset: usize, message: String| {
            let (line, column) = position_in(text, offset);
            Problem {
                file: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let invalid = |problems| WaiverError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let file: WaiverFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(vec![problem(offset, e.message().to_string())])
        })?;
        let mut problems = Vec::new();
        let mut waivers: Vec<Waiver> = Vec::new();
        for spanned in file.waiver {
            let start = spanned.span().start;
            let def = spanned.into_inner();
            let starts =
                instant(def.starts.get_ref()).map_err(|m| problem(def.starts.span().start, m));
            let expires =
                instant(def.expires.get_ref()).map_err(|m| problem(def.expires.span().start, m));
            let (starts, expires) = match (starts, expires) {
                (Ok(s), Ok(e)) => (s, e),
                (s, e) => {
                    problems.extend(s.err());
                    problems.extend(e.err());
                    continue;
                }
            };
            if expires <= starts {
                problems.push(problem(
                    def.expires.span().start,
                    format!("waiver `{}` expires before it starts", def.id),
                ));
            }
            if def.hosts.is_empty() && def.roles.is_empty() && def.hardware.is_empty() {
                problems.push(problem(
                    start,
                    format!(
                        "waiver `{}` has no scope; give `hosts`, `roles` or `hardware` (a fleet-wide exception belongs in the template)",
                        def.id
                    ),
                ));
            }
            for pattern in &def.hosts {
                if let Err(e) = globset::Glob::new(pattern) {
                    problems.push(problem(start, format!("host pattern `{pattern}`: {e}")));
                }
            }
            for (name, value) in [
                ("justification", &def.justification),
                ("owner", &def.owner),
                ("approver", &def.approver),
                ("accepted_risk", &def.accepted_risk),
                ("change", &def.change),
            ] {
                if value.trim().is_empty() {
                    problems.push(problem(
                        start,
                        format!("waiver `{}`: `{name}` must not be empty", def.id),
                    ));
                }
            }
            if waivers.iter().any(|w| w.id == def.id) {
                problems.push(problem(start, format!("duplicate waiver id `{}`", def.id)));
            }
            waivers.push(Waiver {
                id: def.id,
                setting: def.setting,
                hosts: def.hosts,
                roles: def.roles,
                hardware: def.hardware,
                justification: def.justification,
                owner: def.owner,
                approver: def.approver,
                accepted_risk: def.accepted_risk,
                change: def.change,
                starts,
                expires,
                line: position_in(text, start).0,
            });
        }
        if problems.is_empty() {
            Ok(Waivers {
                path: path.to_path_buf(),
                waivers,
            })
        } else {
            Err(invalid(problems))
        }
    }

    /// Marks failing findings covered by a waiver in force at the report's run time as
    /// `waived`, recounts, and returns the waivers that need attention.
    pub fn apply(&self, report: &mut Report) -> Vec<WaiverNote> {
        let now = report.run_time;
        let mut used = vec![false; self.waivers.len()];
        for host in &mut report.hosts {
            for finding in &mut host.findings {
                if !finding.status.is_failing() {
                    continue;
                }
                let covering = self.waivers.iter().enumerate().find(|(_, w)| {
                    w.in_force(now)
                        && w.setting == finding.setting
                        && w.covers(&host.host, &host.roles, host.hardware.as_deref())
                });
                if let Some((index, waiver)) = covering {
                    used[index] = true;
                    finding.status = Status::Waived;
                    finding.detail = Some(format!(
                        "waived by {} (approved by {}, {}) until {}: {}",
                        waiver.id,
                        waiver.approver,
                        waiver.change,
                        waiver
                            .expires
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        waiver.justification
                    ));
                    finding.waiver = Some(AppliedWaiver {
                        id: waiver.id.clone(),
                        approver: waiver.approver.clone(),
                        expires: waiver.expires,
                        change: waiver.change.clone(),
                    });
                }
            }
        }
        report.recount();
        self.waivers
            .iter()
            .zip(used)
            .filter_map(|(w, used)| {
                let state = if now >= w.expires {
                    WaiverState::Expired
                } else if now < w.starts {
                    WaiverState::NotYetStarted
                } else if !used {
                    WaiverState::Unused
                } else {
                    return None;
                };
                Some(WaiverNote {
                    id: w.id.clone(),
                    state,
                    setting: w.setting.clone(),
                    starts: w.starts,
                    expires: w.expires,
                    owner: w.owner.clone(),
                })
            })
            .collect()
    }
}

impl Waiver {
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.starts <= now && now < self.expires
    }

    /// Every scope given must match: hosts by glob, roles and hardware by name
    /// (case-insensitively, as inventories are written by hand).
    pub fn covers(&self, host: &str, roles: &[String], hardware: Option<&str>) -> bool {
        let host_ok = self.hosts.is_empty()
            || self.hosts.iter().any(|pattern| {
                globset::GlobBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .is_ok_and(|g| g.compile_matcher().is_match(host))
            });
        let role_ok = self.roles.is_empty()
            || self
                .roles
                .iter()
                .any(|r| roles.iter().any(|h| h.eq_ignore_ascii_case(r)));
        let hardware_ok = self.hardware.is_empty()
            || hardware.is_some_and(|hw| self.hardware.iter().any(|w| w.eq_ignore_ascii_case(hw)));
        host_ok && role_ok && hardware_ok
    }
}

impl std::fmt::Display for WaiverNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match self.state {
            WaiverState::Expired => write!(
                f,
                "waiver {} ({}) expired at {}; its findings count again (owner: {})",
                self.id,
                self.setting,
                at(&self.expires),
                self.owner
            ),
            WaiverState::NotYetStarted => write!(
                f,
                "waiver {} ({}) starts at {}; not in force yet (owner: {})",
                self.id,
                self.setting,
                at(&self.starts),
                self.owner
            ),
            WaiverState::Unused => write!(
                f,
                "waiver {} ({}) waived nothing in this run; remove it if the deviation is gone (owner: {})",
                self.id, self.setting, self.owner
            ),
        }
    }
}

/// A TOML datetime that names an instant: date, time and offset. Local times are refused:
/// eight-hourly runs on servers in several time zones must agree on when a waiver ends.
fn instant(value: &toml::value::Datetime) -> Result<DateTime<Utc>, String> {
    if value.date.is_none() || value.time.is_none() || value.offset.is_none() {
        return Err(format!(
            "`{value}` is not an unambiguous instant; write a date, time and UTC offset, e.g. 2026-12-01T00:00:00Z"
        ));
    }
    DateTime::parse_from_rfc3339(&value.to_string())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{value}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[waiver]]
id = "WV-7"
setting = "tcpip.keepalive-time"
hosts = ["EX-HUB-0*"]
justification = "vendor load balancer needs 5 minutes"
owner = "messaging-ops"
approver = "cab-chair"
accepted_risk = "idle connections held longer"
change = "CHG-1042"
starts = 2026-01-01T00:00:00Z
expires = 2026-02-01T00:00:00+01:00
"#;

    fn parse(text: &str) -> Result<Waivers, Vec<String>> {
        Waivers::parse(Path::new("waivers.toml"), text).map_err(|e| match e {
            WaiverError::Invalid { problems, .. } => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => vec![other.to_string()],
        })
    }

    #[test]
    fn parses_a_waiver_with_offsets_as_utc_instants() {
        let waivers = parse(ONE).unwrap();
        let w = &waivers.waivers[0];
        assert_eq!(w.line, 2);
        assert_eq!(w.expires.to_rfc3339(), "2026-01-31T23:00:00+00:00");
        assert!(w.covers("ex-hub-01", &[], None));
        assert!(!w.covers("EX-MBX-01", &[], None));
    }

    #[test]
    fn rejects_ambiguous_or_incomplete_waivers_with_positions() {
        let cases = [
            (
                ONE.replace("2026-01-01T00:00:00Z", "2026-01-01T00:00:00"),
                "waivers.toml:11:10: `2026-01-01T00:00:00` is not an unambiguous instant",
            ),
            (
                ONE.replace("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"),
                "waiver `WV-7` expires before it starts",
            ),
            (
                ONE.replace("hosts = [\"EX-HUB-0*\"]\n", ""),
                "waiver `WV-7` has no scope",
            ),
            (
                ONE.replace("owner = \"messaging-ops\"", "owner = \" \""),
                "`owner` must not be empty",
            ),
            (
                ONE.replace("change = \"CHG-1042\"\n", ""),
                "missing field `change`",
            ),
            (ONE.replace("owner", "ownr"), "unknown field `ownr`"),
            (format!("{ONE}{ONE}"), "duplicate waiver id `WV-7`"),
        ];
        for (text, expected) in cases {
            let problems = parse(&text).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected:?} not in {problems:?}"
            );
        }
    }

    #[test]
    fn scopes_must_all_match() {
        let mut w = parse(ONE).unwrap().waivers.remove(0);
        w.roles = vec!["hub-transport".into()];
        w.hardware = vec!["hp-dl380-g5".into()];
        let roles = ["Hub-Transport".to_string()];
        assert!(w.covers("EX-HUB-01", &roles, Some("HP-DL380-G5")));
        assert!(!w.covers("EX-HUB-01", &roles, Some("dell-r710")));
        assert!(!w.covers("EX-HUB-01", &[], Some("hp-dl380-g5")));
    }
}
