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

/// A registry's effective state: existing keys and their values with exact types, folded.
fn registry_state(
    model: &confaudit::collect::reg::RegistryModel,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, confaudit::value::Value>>
{
    model
        .keys()
        .filter(|key| key.exists)
        .map(|key| {
            let values = key
                .values()
                .filter_map(|v| Some((v.name.to_lowercase(), v.data.clone()?)))
                .collect();
            (key.canonical.to_lowercase(), values)
        })
        .collect()
}

fn read_registry(files: &[std::path::PathBuf]) -> confaudit::collect::reg::RegistryModel {
    let mut model = confaudit::collect::reg::RegistryModel::new();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        let parsed = confaudit::collect::reg::parse_reg(&bytes, file);
        assert!(
            parsed.diagnostics.is_empty(),
            "{file:?}: {:?}",
            parsed.diagnostics
        );
        model.apply(file, &parsed.records);
    }
    model
}

fn utf16_text(bytes: &[u8]) -> String {
    assert_eq!(
        &bytes[..2],
        [0xFF, 0xFE],
        "regedit files start with a UTF-16LE BOM"
    );
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn rollback_restores_exact_pre_change_values_and_the_backup_template_proves_it() {
    use confaudit::value::Value;
    let sandbox = Sandbox::new().example_fleet();
    let change = repo().join("tests/fixtures/change/keepalive-and-driver.toml");
    let change = change.to_str().unwrap();
    let out = sandbox.run(&[
        "rollback",
        "examples/fleet",
        "--change",
        change,
        "-d",
        "rb",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rollback: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let hosts: Vec<(&str, u64)> = rollback["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["host"].as_str().unwrap(), h["restored"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        hosts,
        [("EX-HUB-11", 2), ("EX-HUB-21", 1), ("EX-SITE2-01", 1)]
    );
    assert!(
        out.stderr
            .contains("prove it with: confaudit audit rb/inventory.toml")
    );

    let hub11 =
        utf16_text(&std::fs::read(sandbox.path().join("rb/EX-HUB-11/rollback.reg")).unwrap());
    insta::assert_snapshot!("rollback_reg_ex_hub_11", hub11.replace("\r\n", "\n"));

    // Before the change the hosts hold exactly what the backup templates pin.
    let audit = sandbox.run(&["audit", "rb/inventory.toml", "--format", "json"]);
    assert_eq!(audit.code, 0, "{}", audit.transcript());

    // The change happens and the hosts are exported again.
    let mut before = std::collections::BTreeMap::new();
    for host in ["EX-HUB-11", "EX-HUB-21", "EX-SITE2-01"] {
        let export = sandbox
            .path()
            .join(format!("examples/fleet/hosts/{host}/registry/system.reg"));
        let pre = read_registry(std::slice::from_ref(&export));
        let mut post = pre.clone();
        let tcpip = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters";
        post.set_value(tcpip, "KeepAliveTime", Value::Dword(900_000))
            .unwrap();
        if host == "EX-HUB-11" {
            let key = r"HKLM\SYSTEM\CurrentControlSet\Services\NewDrv\Parameters";
            post.set_value(key, "Mode", Value::String("passive".into()))
                .unwrap();
        }
        std::fs::write(&export, confaudit::collect::reg::write_reg(&post).unwrap()).unwrap();
        before.insert(host, (export, registry_state(&pre)));
    }
    let changed = sandbox.run(&["audit", "rb/inventory.toml", "--format", "json"]);
    assert_eq!(
        changed.code, 1,
        "the backup templates see the change: {}",
        changed.stderr
    );

    // Round trip: the post-change export plus the rollback is exactly the pre-change state.
    for (host, (export, pre_state)) in &before {
        let rollback_file = sandbox.path().join(format!("rb/{host}/rollback.reg"));
        let restored = read_registry(&[export.clone(), rollback_file.clone()]);
        assert_eq!(&registry_state(&restored), pre_state, "{host}");
        std::fs::copy(&rollback_file, export.with_file_name("zz-rollback.reg")).unwrap();
    }
    let rolled_back = sandbox.run(&["audit", "rb/inventory.toml"]);
    assert_eq!(rolled_back.code, 0, "{}", rolled_back.transcript());
}

#[test]
fn rollback_never_guesses_about_keys_no_export_covers() {
    let change = repo().join("tests/fixtures/change/outside-exports.toml");
    let sandbox = Sandbox::new();
    let fleet = repo().join("examples/fleet");
    let args = |command: &'static str| {
        vec![
            command.to_string(),
            fleet.to_string_lossy().into_owned(),
            "--change".into(),
            change.to_string_lossy().into_owned(),
            "--format".into(),
            "json".into(),
        ]
    };
    let plan_args = args("plan");
    let plan = sandbox.run(&plan_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        plan.code, 5,
        "unknown previous state is major risk: {}",
        plan.stderr
    );
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["items"][0]["outcome"], "unknown");
    assert_eq!(plan["rollback_ready"], false);

    let mut rollback_args = args("rollback");
    rollback_args.extend(["-d".into(), "rb".into()]);
    let out = sandbox.run(&rollback_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        out.code, 3,
        "an incomplete rollback says so: {}",
        out.stderr
    );
    let rollback: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let missing = rollback["hosts"][0]["not_restorable"][0].as_str().unwrap();
    assert!(
        missing.contains("no registry export of this host covers key"),
        "{missing}"
    );
    assert!(
        !sandbox.path().join("rb/baselines/EX-HUB-11.toml").exists(),
        "nothing known to pin"
    );
}

#[test]
fn remediation_fixes_what_it_can_skips_what_it_must_and_the_fix_audits_clean() {
    let sandbox = Sandbox::new().example_fleet();
    let out = sandbox.run(&[
        "remediate",
        "examples/fleet",
        "-d",
        "rem",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.code, 3,
        "EX-MBX-13 and EX-MBX-22 cannot be fully read: {}",
        out.stderr
    );
    let remediation: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let skipped: Vec<(&str, &str)> = remediation["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["host"].as_str().unwrap(), s["setting"].as_str().unwrap()))
        .collect();
    assert!(
        skipped.contains(&("EX-HUB-21", "vndfltr-disabled")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("EX-MBX-22", "tcpip-keepalivetime")),
        "{skipped:?}"
    );
    let reason = remediation["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["setting"] == "vndfltr-disabled")
        .unwrap()["reason"]
        .as_str()
        .unwrap();
    assert!(reason.starts_with("not auto-remediable"), "{reason}");
    let targets: Vec<String> = remediation["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["kind"].as_str().unwrap(),
                t["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        targets.contains(&"host EX-UM-11".to_string()),
        "{targets:?}"
    );
    assert!(
        targets.contains(&"role unified-messaging".to_string()),
        "{targets:?}"
    );

    let fix = sandbox.path().join("rem/hosts/EX-UM-11/remediate.reg");
    let text = utf16_text(&std::fs::read(&fix).unwrap());
    assert!(
        text.contains("\"ActivePowerScheme\"=\"8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c\""),
        "{text}"
    );
    let sh =
        std::fs::read_to_string(sandbox.path().join("rem/hosts/LX-MON-01/remediate.sh")).unwrap();
    assert!(sh.contains("PermitRootLogin no"), "{sh}");

    std::fs::copy(
        &fix,
        sandbox
            .path()
            .join("examples/fleet/hosts/EX-UM-11/registry/zz-remediate.reg"),
    )
    .unwrap();
    let audit = sandbox.run(&[
        "audit",
        "examples/fleet",
        "--host",
        "EX-UM-11",
        "--format",
        "json",
    ]);
    assert_eq!(audit.code, 0, "{}", audit.transcript());
}
