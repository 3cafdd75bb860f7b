//! Reports on the shipped example fleet: table, CSV and JSON.

use crate::sandbox::{NOW, repo, run_in};
use serde::Deserialize;

#[test]
fn example_fleet_table_snapshot() {
    let out = run_in(&repo(), &["audit", "examples/fleet"]);
    assert_eq!(
        out.code, 3,
        "drift plus one unreadable export: {}",
        out.stderr
    );
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn example_fleet_csv_opens_as_documented() {
    let out = run_in(&repo(), &["audit", "examples/fleet", "--format", "csv"]);
    assert_eq!(out.code, 3);
    let body = out
        .stdout
        .strip_prefix('\u{feff}')
        .expect("UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, confaudit::report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // One row per host × setting, plus the host-level error rows.
    let find = |host: &str, setting: &str| {
        rows.iter()
            .find(|r| &r[1] == host && &r[6] == setting)
            .unwrap_or_else(|| panic!("no row for {host} {setting}"))
            .clone()
    };
    let vnd = find("EX-HUB-21", "vndfltr-disabled");
    assert_eq!(&vnd[0], NOW.replace(".000", "").as_str());
    assert_eq!(&vnd[12], "noncompliant");
    assert_eq!(&vnd[13], "critical");
    assert_eq!(&vnd[9], "registry/system.reg:621");
    assert!(vnd[11].starts_with('1'), "{:?}", vnd);
    let multi = find("EX-SITE2-01", "vndfltr-disabled");
    assert_eq!(&multi[2], "hub-transport;client-access;unified-messaging");
    assert_eq!(&find("EX-MBX-22", "tcpip-keepalivetime")[12], "error");
    assert!(
        rows.iter()
            .any(|r| &r[1] == "EX-MBX-13" && &r[12] == "error")
    );
    insta::assert_snapshot!(out.stdout);
}

// Fields are read by deserialising: `deny_unknown_fields` pins the schema.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReport {
    schema: String,
    tool_version: String,
    run_time: String,
    summary: JsonSummary,
    hosts: Vec<JsonHost>,
}

// Fields are read by deserialising: `deny_unknown_fields` pins the schema.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSummary {
    settings: usize,
    compliant: usize,
    noncompliant: usize,
    missing: usize,
    error: usize,
    not_applicable: usize,
    waived: usize,
    compliance_percent: Option<f64>,
    failing_by_severity: std::collections::BTreeMap<String, usize>,
}

// Fields are read by deserialising: `deny_unknown_fields` pins the schema.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonHost {
    host: String,
    roles: Vec<String>,
    hardware: Option<String>,
    path: String,
    templates: Vec<String>,
    findings: Vec<JsonFinding>,
    errors: Vec<serde_json::Value>,
    summary: JsonSummary,
}

// Fields are read by deserialising: `deny_unknown_fields` pins the schema.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFinding {
    setting: String,
    instance: Option<String>,
    title: String,
    status: String,
    severity: String,
    category: String,
    template: String,
    template_version: String,
    source: String,
    expected: String,
    actual: Option<String>,
    actual_value: Option<serde_json::Value>,
    provenance: Option<serde_json::Value>,
    detail: Option<String>,
    rationale: Option<String>,
    remediation: Option<String>,
}

#[test]
fn example_fleet_json_matches_the_schema() {
    let out = run_in(&repo(), &["audit", "examples/fleet", "--format", "json"]);
    assert_eq!(out.code, 3);
    let report: JsonReport = serde_json::from_str(&out.stdout).expect("typed JSON");
    assert_eq!(report.schema, "confaudit.report/1");
    assert_eq!(report.run_time, "2026-01-01T00:00:00Z");
    assert!(!report.tool_version.is_empty());
    assert_eq!(report.hosts.len(), 15);
    let hosts: Vec<&str> = report.hosts.iter().map(|h| h.host.as_str()).collect();
    let mut sorted = hosts.clone();
    sorted.sort_by_key(|h| h.to_lowercase());
    assert_eq!(hosts, sorted, "hosts are reported in a stable order");
    let hub = report.hosts.iter().find(|h| h.host == "EX-HUB-21").unwrap();
    let vnd = hub
        .findings
        .iter()
        .find(|f| f.setting == "vndfltr-disabled")
        .unwrap();
    assert_eq!(vnd.status, "noncompliant");
    assert_eq!(vnd.actual_value.as_ref().unwrap()["type"], "dword");
    assert_eq!(vnd.actual_value.as_ref().unwrap()["data"], 1);
    assert_eq!(vnd.provenance.as_ref().unwrap()["line"], 621);
    assert!(vnd.template_version.split('.').count() == 3);
    let broken = report.hosts.iter().find(|h| h.host == "EX-MBX-22").unwrap();
    assert!(broken.errors.iter().any(|e| e["line"] == 635));
    let total: usize = report.hosts.iter().map(|h| h.summary.settings).sum();
    assert_eq!(total, report.summary.settings);
    assert_eq!(report.summary.noncompliant, 8);
}
