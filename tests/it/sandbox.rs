//! A temporary fleet built file by file, and a runner for the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The run time every test pins, so reports are reproducible.
pub const NOW: &str = "2026-01-01T00:00:00Z";

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) and returns the sandbox for chaining.
    pub fn file(self, relative: &str, content: impl AsRef<[u8]>) -> Sandbox {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    /// A Linux template with two sysctl checks and one sshd check.
    pub fn linux_template(self) -> Sandbox {
        self.file("baselines/linux.toml", LINUX_TEMPLATE)
    }

    /// An inventory classifying `LNX-*` hosts as linux-server.
    pub fn inventory(self) -> Sandbox {
        self.file(
            "fleet/inventory.toml",
            "baselines = \"../baselines\"\nhosts_dir = \"hosts\"\n\n[[rule]]\nmatch = \"LNX-*\"\nroles = [\"linux-server\"]\n",
        )
    }

    pub fn host(self, name: &str, sysctl: &str, sshd: &str) -> Sandbox {
        self.file(&format!("fleet/hosts/{name}/etc/sysctl.conf"), sysctl)
            .file(&format!("fleet/hosts/{name}/etc/ssh/sshd_config"), sshd)
    }

    /// A copy of the shipped example fleet (`examples/fleet`) and baselines (`baselines`),
    /// for tests that change exports.
    pub fn example_fleet(self) -> Sandbox {
        for folder in ["examples/fleet", "baselines"] {
            let from = repo().join(folder);
            for entry in walkdir::WalkDir::new(&from) {
                let entry = entry.unwrap();
                let to = self
                    .path()
                    .join(folder)
                    .join(entry.path().strip_prefix(&from).unwrap());
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(&to).unwrap();
                } else {
                    std::fs::copy(entry.path(), &to).unwrap();
                }
            }
        }
        self
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        run_in(self.dir.path(), args)
    }
}

pub const LINUX_TEMPLATE: &str = r#"name = "linux"
version = "1.0.0"
role = "linux-server"

[[setting]]
id = "syncookies"
title = "SYN cookies on"
source = { type = "sysctl", key = "net.ipv4.tcp_syncookies" }
expected = 1
when_absent = "fail"
severity = "high"
category = "security"
rationale = "Survives SYN floods"

[[setting]]
id = "swappiness"
title = "Low swappiness"
source = { type = "sysctl", key = "vm.swappiness" }
op = "less-or-equal"
expected = 10
when_absent = { default = 60 }
severity = "low"
category = "performance"

[[setting]]
id = "root-login"
title = "No root login over SSH"
source = { type = "sshd", key = "PermitRootLogin" }
expected = "no"
ignore_case = true
when_absent = "fail"
severity = "critical"
category = "security"
"#;

/// What a run produced.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Exit code, stdout and stderr in one text, timings removed, for snapshots.
    pub fn transcript(&self) -> String {
        let timing = regex::Regex::new(r"in \d+\.\d+s").unwrap();
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            self.stdout,
            timing.replace_all(&self.stderr, "in [TIME]")
        )
    }
}

pub fn run_in(dir: &Path, args: &[&str]) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_confaudit"))
        .args(args)
        .current_dir(dir)
        .env("CONFAUDIT_NOW", NOW)
        .env("NO_COLOR", "1")
        .output()
        .expect("run confaudit");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The repository root (for the shipped example fleet and baselines).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
