//! Turning "this item should hold this value" into the step that makes it so, per source:
//! a registry value for a `.reg` file, a shell or PowerShell command where one faithfully does
//! it, or an explicit manual step where none does.

use crate::collect::Address;
use crate::value::Value;
use serde::Serialize;

/// One step of a rollback or remediation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Step {
    /// Set a registry value with its exact type, or delete it (`None`).
    Registry {
        key: String,
        name: String,
        value: Option<Value>,
    },
    /// A shell command (Linux hosts).
    Shell { command: String },
    /// A PowerShell command (Windows hosts, non-registry sources).
    PowerShell { command: String },
    /// No command reproduces this faithfully: what an operator must do by hand.
    Manual { instruction: String },
}

/// Quotes a string for a POSIX shell.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Quotes a string for PowerShell (single-quoted literal).
fn ps_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The path on the server of a file exported at `relative` (etc/sysctl.conf → /etc/sysctl.conf).
fn server_path(relative: &str) -> String {
    format!("/{}", relative.trim_start_matches('/'))
}

fn value_text(value: &Value) -> String {
    crate::audit::operator::comparable_text(value)
}

/// The step that makes `address` hold `value` (or be absent, for `None`). `file` is the
/// export file the item was read from, when known.
pub fn step_for(address: &Address, value: Option<&Value>, file: Option<&str>) -> Step {
    match (address.collector.as_str(), value) {
        ("registry" | "policy", value) => Step::Registry {
            key: address.location.clone(),
            name: address.name.clone(),
            value: value.cloned(),
        },
        ("sysctl", Some(v)) => {
            let target = file.map_or_else(
                || "/etc/sysctl.d/99-confaudit.conf".to_string(),
                server_path,
            );
            let key = &address.name;
            let text = value_text(v);
            Step::Shell {
                command: format!(
                    "sysctl -w {}={} && {{ grep -qE {} {} && sed -i -E {} {} || echo {} >> {}; }}",
                    key,
                    sh_quote(&text),
                    sh_quote(&format!(
                        "^[[:space:]]*-?{}[[:space:]]*=",
                        regex::escape(key)
                    )),
                    sh_quote(&target),
                    sh_quote(&format!(
                        "s|^[[:space:]]*-?{}[[:space:]]*=.*|{} = {}|",
                        regex::escape(key),
                        key,
                        text
                    )),
                    sh_quote(&target),
                    sh_quote(&format!("{key} = {text}")),
                    sh_quote(&target),
                ),
            }
        }
        ("sysctl", None) => Step::Manual {
            instruction: format!(
                "remove `{}` from {} and reboot or reload sysctl settings; the kernel keeps its default until then",
                address.name,
                file.map_or("the sysctl configuration".to_string(), server_path)
            ),
        },
        ("sshd", Some(v)) if address.location.is_empty() => {
            let target = server_path(file.unwrap_or(&address.file));
            let keyword = &address.name;
            let text = value_text(v);
            Step::Shell {
                command: format!(
                    "sed -i -E {} {} && sshd -t && systemctl reload sshd",
                    sh_quote(&format!(
                        "0,/^[[:space:]]*{keyword}[[:space:]=]/I s|^[[:space:]]*{keyword}[[:space:]=].*|{keyword} {text}|"
                    )),
                    sh_quote(&target)
                ),
            }
        }
        ("service", Some(v)) if address.name.eq_ignore_ascii_case("start_mode") => {
            Step::PowerShell {
                command: format!(
                    "Set-Service -Name {} -StartupType {}",
                    ps_quote(&address.location),
                    ps_quote(&match value_text(v).to_ascii_lowercase().as_str() {
                        "auto" | "automatic" => "Automatic".to_string(),
                        "manual" | "demand" => "Manual".to_string(),
                        "disabled" => "Disabled".to_string(),
                        other => other.to_string(),
                    })
                ),
            }
        }
        (_, Some(v)) => Step::Manual {
            instruction: format!("set {address} to `{}`", value_text(v)),
        },
        (_, None) => Step::Manual {
            instruction: format!("remove {address} (it did not exist)"),
        },
    }
}

/// Renders non-registry steps as a script: POSIX shell when every command is shell,
/// PowerShell otherwise; manual steps become comments that stop nothing but must be read.
pub fn script(steps: &[Step], title: &str) -> Option<(String, &'static str)> {
    let commands: Vec<&Step> = steps
        .iter()
        .filter(|s| !matches!(s, Step::Registry { .. }))
        .collect();
    if commands.is_empty() {
        return None;
    }
    let shell = commands
        .iter()
        .all(|s| matches!(s, Step::Shell { .. } | Step::Manual { .. }))
        && commands.iter().any(|s| matches!(s, Step::Shell { .. }));
    let mut out = String::new();
    if shell {
        out.push_str(&format!("#!/bin/sh\n# {title}\nset -e\n"));
    } else {
        out.push_str(&format!("# {title}\n$ErrorActionPreference = 'Stop'\n"));
    }
    for step in commands {
        match step {
            Step::Shell { command } | Step::PowerShell { command } => {
                out.push_str(command);
                out.push('\n');
            }
            Step::Manual { instruction } => {
                out.push_str(&format!("# MANUAL STEP: {instruction}\n"))
            }
            Step::Registry { .. } => {}
        }
    }
    Some((out, if shell { "sh" } else { "ps1" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(collector: &str, location: &str, name: &str) -> Address {
        Address {
            collector: collector.into(),
            file: String::new(),
            location: location.into(),
            name: name.into(),
        }
    }

    #[test]
    fn registry_steps_keep_exact_types_and_deletions() {
        let step = step_for(
            &address("registry", "HKEY_LOCAL_MACHINE\\X", "V"),
            Some(&Value::Qword(7)),
            None,
        );
        assert_eq!(
            step,
            Step::Registry {
                key: "HKEY_LOCAL_MACHINE\\X".into(),
                name: "V".into(),
                value: Some(Value::Qword(7))
            }
        );
        let step = step_for(
            &address("registry", "HKEY_LOCAL_MACHINE\\X", "V"),
            None,
            None,
        );
        assert!(matches!(step, Step::Registry { value: None, .. }));
    }

    #[test]
    fn sysctl_steps_set_now_and_persist_in_the_file_it_came_from() {
        let step = step_for(
            &address("sysctl", "", "vm.swappiness"),
            Some(&Value::String("10".into())),
            Some("etc/sysctl.d/60-x.conf"),
        );
        let Step::Shell { command } = step else {
            panic!("expected a shell step")
        };
        assert!(
            command.starts_with("sysctl -w vm.swappiness='10'"),
            "{command}"
        );
        assert!(command.contains("'/etc/sysctl.d/60-x.conf'"), "{command}");
    }

    #[test]
    fn unsupported_sources_become_manual_steps_never_silence() {
        let step = step_for(
            &address("iis", "Default Web Site", "sslFlags"),
            Some(&Value::String("Ssl".into())),
            None,
        );
        assert!(
            matches!(step, Step::Manual { ref instruction } if instruction.contains("sslFlags") && instruction.contains("Ssl"))
        );
        let (text, ext) = script(&[step], "t").unwrap();
        assert_eq!(ext, "ps1");
        assert!(text.contains("# MANUAL STEP: set iis"));
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(ps_quote("a'b"), "'a''b'");
    }
}
