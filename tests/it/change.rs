//! The change-board workflow on the example fleet: plan, diff, pin, capture.

use crate::sandbox::{Sandbox, repo, run_in};

#[test]
fn plan_lists_exactly_the_scoped_hosts_and_gates_major_risk() {
    let out = run_in(
        &repo(),
        &[
            "plan",
            "examples/fleet",
            "--change",
            "tests/fixtures/change/keepalive.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.code, 5,
        "every Hub Transport host changes at once: major: {}",
        out.stderr
    );
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut hosts: Vec<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["host"].as_str().unwrap())
        .collect();
    hosts.dedup();
    assert_eq!(hosts, ["EX-HUB-11", "EX-HUB-21", "EX-SITE2-01"]);
    assert_eq!(plan["risk"]["level"], "major");
    assert!(
        plan["risk"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("3 of 3 hub-transport hosts")
    );
    let hub11 = &plan["items"][0];
    assert_eq!(hub11["outcome"], "change");
    assert!(
        hub11["current_value"].is_null(),
        "absent today: rollback deletes the value"
    );
    assert_eq!(plan["rollback_ready"], true);

    let relaxed = run_in(
        &repo(),
        &[
            "plan",
            "examples/fleet",
            "--change",
            "tests/fixtures/change/keepalive.toml",
            "--max-role-share",
            "100%",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(relaxed.code, 0, "{}", relaxed.stderr);
    assert!(
        relaxed.stdout.contains("| **risk** | minor |"),
        "{}",
        relaxed.stdout
    );
    assert!(relaxed.stdout.contains("## Hosts that change (3)"));
}

#[test]
fn diff_pin_and_approved_audit() {
    let sandbox = Sandbox::new().linux_template().file(
        "next/linux.toml",
        crate::sandbox::LINUX_TEMPLATE
            .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
            .replace("expected = 10", "expected = 5"),
    );
    let out = sandbox.run(&["diff", "baselines", "next", "--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("linux,version changed,,version,1.0.0,1.1.0"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("linux,setting changed,swappiness,expected,10,5"),
        "{}",
        out.stdout
    );

    let sandbox = sandbox
        .file("hosts/h1/host.toml", "roles = [\"linux-server\"]\n")
        .file(
            "hosts/h1/etc/sysctl.conf",
            "net.ipv4.tcp_syncookies = 1\nvm.swappiness = 5\n",
        )
        .file("hosts/h1/etc/ssh/sshd_config", "PermitRootLogin no\n");
    assert_eq!(
        sandbox
            .run(&["pin", "baselines", "--output", "approved.toml"])
            .code,
        0
    );
    assert_eq!(
        sandbox
            .run(&["audit", "hosts", "--approved", "approved.toml"])
            .code,
        0
    );
    let refused = sandbox.run(&[
        "audit",
        "hosts",
        "-b",
        "next",
        "--approved",
        "approved.toml",
    ]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("template `linux` is version 1.1.0, but version 1.0.0 is approved"),
        "{}",
        refused.stderr
    );
}

#[test]
fn capture_writes_a_template_that_validates_and_passes_on_its_host() {
    let sandbox = Sandbox::new()
        .file(
            "hosts/good/etc/sysctl.conf",
            "net.ipv4.tcp_syncookies = 1\nnet.ipv4.ip_forward = 0\nvm.swappiness = 10\n",
        )
        .file("hosts/good/host.toml", "roles = [\"captured\"]\n");
    let out = sandbox.run(&[
        "capture",
        "hosts/good",
        "--include",
        "sysctl:net.ipv4.",
        "--name",
        "captured",
        "--role",
        "captured",
        "-o",
        "captured.toml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(sandbox.path().join("captured.toml")).unwrap();
    assert_eq!(text.matches("[[setting]]").count(), 2, "{text}");
    assert_eq!(sandbox.run(&["validate", "captured.toml"]).code, 0);
    let audit = sandbox.run(&["audit", "hosts", "-b", "captured.toml"]);
    assert_eq!(audit.code, 0, "{}{}", audit.stdout, audit.stderr);
}
