//! The command line: exit codes, validation messages, explain, collect, outputs.

use crate::sandbox::{Sandbox, repo, run_in};

const GOOD_SYSCTL: &str = "net.ipv4.tcp_syncookies = 1\nvm.swappiness = 10\n";
const GOOD_SSHD: &str = "PermitRootLogin no\n";

/// (case, hosts as (name, sysctl.conf, sshd_config), extra args, expected exit code)
type ExitCase<'a> = (&'a str, Vec<(&'a str, &'a str, &'a str)>, Vec<&'a str>, i32);

fn fleet() -> Sandbox {
    Sandbox::new().linux_template().inventory()
}

#[test]
fn exit_codes_follow_the_contract() {
    let cases: Vec<ExitCase> = vec![
        (
            "compliant",
            vec![("LNX-01", GOOD_SYSCTL, GOOD_SSHD)],
            vec![],
            0,
        ),
        (
            "low drift fails at the default threshold",
            vec![(
                "LNX-01",
                "net.ipv4.tcp_syncookies = 1\nvm.swappiness = 30\n",
                GOOD_SSHD,
            )],
            vec![],
            1,
        ),
        (
            "low drift passes with --fail-on high",
            vec![(
                "LNX-01",
                "net.ipv4.tcp_syncookies = 1\nvm.swappiness = 30\n",
                GOOD_SSHD,
            )],
            vec!["--fail-on", "high"],
            0,
        ),
        (
            "critical drift",
            vec![("LNX-01", GOOD_SYSCTL, "PermitRootLogin yes\n")],
            vec!["--fail-on", "critical"],
            1,
        ),
        (
            "a malformed export is exit 3 and the other host is still audited",
            vec![
                ("LNX-01", GOOD_SYSCTL, GOOD_SSHD),
                ("LNX-02", "net.ipv4.tcp_syncookies\n", GOOD_SSHD),
            ],
            vec![],
            3,
        ),
    ];
    for (name, hosts, args, code) in cases {
        let mut sandbox = fleet();
        for (host, sysctl, sshd) in &hosts {
            sandbox = sandbox.host(host, sysctl, sshd);
        }
        let mut all = vec!["audit", "fleet", "--format", "json"];
        all.extend(&args);
        let out = sandbox.run(&all);
        assert_eq!(out.code, code, "{name}: {}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            json["hosts"].as_array().unwrap().len(),
            hosts.len(),
            "{name}: every host is reported"
        );
    }
}

#[test]
fn malformed_line_is_an_error_naming_host_file_and_line() {
    let out = fleet()
        .host("LNX-01", GOOD_SYSCTL, GOOD_SSHD)
        .host(
            "LNX-02",
            "vm.swappiness = 5\nnet.ipv4.tcp_syncookies\n",
            GOOD_SSHD,
        )
        .run(&["audit", "fleet"]);
    assert_eq!(out.code, 3);
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn usage_and_baseline_errors_exit_2_with_cause_and_hint() {
    let out = fleet().run(&["audit", "no-such-fleet"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: fleet path no-such-fleet does not exist"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);

    let out = fleet()
        .file("fleet/inventory.toml", "hosts_dir = [")
        .run(&["audit", "fleet"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("inventory.toml:1:"), "{}", out.stderr);

    let out = fleet()
        .host("LNX-01", GOOD_SYSCTL, GOOD_SSHD)
        .file(
            "baselines/bad.toml",
            "name = \"bad\"\nversion = \"1.0.0\"\nsurprise = 1\n",
        )
        .run(&["audit", "fleet"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("baselines/bad.toml:3:1: unknown field `surprise`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error: 1 problem(s) in baseline templates"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_host_folder_is_reported_not_dropped() {
    let out = fleet()
        .host("LNX-01", GOOD_SYSCTL, GOOD_SSHD)
        .file("fleet/inventory.toml", "baselines = \"../baselines\"\nhosts_dir = \"hosts\"\n[[rule]]\nmatch = \"LNX-*\"\nroles = [\"linux-server\"]\n[[host]]\nname = \"LNX-GONE\"\n")
        .run(&["audit", "fleet", "--format", "json"]);
    assert_eq!(out.code, 3);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let gone = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "LNX-GONE")
        .unwrap();
    assert!(
        gone["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    assert!(
        gone["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "error")
    );
}

#[test]
fn validate_points_at_each_problem() {
    let sandbox = Sandbox::new()
        .file(
            "t/base.toml",
            "name = \"base\"\nversion = \"1.0.0\"\nextends = [\"loop\"]\n",
        )
        .file(
            "t/loop.toml",
            "name = \"loop\"\nversion = \"1.0.0\"\nextends = [\"base\"]\n",
        )
        .file(
            "t/orphan.toml",
            "name = \"orphan\"\nversion = \"1.0\"\nextends = [\"nowhere\"]\n",
        )
        .file(
            "t/settings.toml",
            r#"name = "settings"
version = "1.0.0"
role = "r"

[[setting]]
id = "a"
title = "a"
source = { type = "sysctl", key = "k" }
op = "matches"
expected = "(unclosed"
when_absent = "fail"
severity = "low"
category = "security"

[[setting]]
id = "a"
title = "duplicate"
source = { type = "sysctl", key = "k" }
op = "greater-than"
expected = "ten"
when_absent = "fail"
severity = "low"
category = "security"

[[setting]]
id = "b"
title = "unknown source"
source = { type = "telepathy", key = "k" }
when_absent = "fail"
expected = 1
severity = "low"
category = "security"

[[setting]]
id = "c"
title = "a remediation that would not comply"
source = { type = "sysctl", key = "vm.swappiness" }
op = "less-or-equal"
expected = 10
remediate_value = 20
when_absent = "fail"
severity = "low"
category = "performance"
"#,
        );
    let out = sandbox.run(&["validate", "t"]);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn validate_accepts_the_shipped_baselines() {
    let out = run_in(&repo(), &["validate", "baselines"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn explain_shows_templates_overrides_and_provenance() {
    let out = run_in(
        &repo(),
        &[
            "explain",
            "EX-UM-11",
            "tcpip-rss",
            "--fleet",
            "examples/fleet",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn collect_lists_items_and_flags_bad_files() {
    let sandbox = Sandbox::new().host(
        "LNX-01",
        "vm.swappiness = 10\n",
        "PermitRootLogin no\nMatch Group admins\n  X11Forwarding yes\n",
    );
    let out = sandbox.run(&["collect", "fleet/hosts/LNX-01"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.transcript());

    let out = Sandbox::new()
        .file("h/etc/sysctl.conf", "vm.swappiness = 10\njunk\n")
        .run(&["collect", "h", "--format", "json"]);
    assert_eq!(out.code, 3);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["items"].as_array().unwrap().len(),
        1,
        "what parsed is still listed"
    );
    assert_eq!(json["errors"][0]["line"], 2);
}

#[test]
fn output_file_is_written_whole_and_alone() {
    let sandbox = fleet().host("LNX-01", GOOD_SYSCTL, GOOD_SSHD);
    let out = sandbox.run(&[
        "audit",
        "fleet",
        "--format",
        "csv",
        "--output",
        "report.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.is_empty(),
        "the report goes to the file, not stdout"
    );
    let text = std::fs::read_to_string(sandbox.path().join("report.csv")).unwrap();
    assert_eq!(text.lines().count(), 4, "header + 3 settings");
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn zero_config_fleet_and_host_filter() {
    let sandbox = Sandbox::new()
        .linux_template()
        .file("hosts/web-1/host.toml", "roles = [\"linux-server\"]\n")
        .file("hosts/web-1/etc/sysctl.conf", GOOD_SYSCTL)
        .file("hosts/web-1/etc/ssh/sshd_config", GOOD_SSHD)
        .file("hosts/db-1/host.toml", "roles = [\"linux-server\"]\n")
        .file(
            "hosts/db-1/etc/sysctl.conf",
            "net.ipv4.tcp_syncookies = 0\n",
        )
        .file("hosts/db-1/etc/ssh/sshd_config", GOOD_SSHD);
    let out = sandbox.run(&["audit", "hosts", "--host", "web-*", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["hosts"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox.run(&["audit", "hosts"]).code, 1);
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_a_host_folder_are_not_followed() {
    let sandbox = fleet()
        .host("LNX-01", GOOD_SYSCTL, GOOD_SSHD)
        .file("outside/sysctl.conf", "net.ipv4.tcp_syncookies = 0\n");
    let link = sandbox
        .path()
        .join("fleet/hosts/LNX-01/etc/sysctl.d/99-evil.conf");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(sandbox.path().join("outside/sysctl.conf"), &link).unwrap();
    let out = sandbox.run(&["audit", "fleet", "--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let host = &json["hosts"][0];
    let syn = host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["setting"] == "syncookies")
        .unwrap();
    assert_eq!(syn["status"], "compliant", "the outside file was not read");
    assert!(
        host["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not followed")
    );
}
