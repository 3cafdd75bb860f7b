//! CSV: one row per host × setting, for spreadsheets and the CMDB.
//!
//! Columns are stable (see [`COLUMNS`]); new columns are only ever appended. The file is
//! UTF-8 with a BOM so Excel detects the encoding, and cells that a spreadsheet would run
//! as a formula are prefixed with `'`.

use super::{Finding, HostReport, RenderError, Report};

/// The header row, in order. Documented in the README; append-only.
pub const COLUMNS: [&str; 17] = [
    "run_time",
    "host",
    "roles",
    "hardware",
    "template",
    "template_version",
    "setting_id",
    "title",
    "source",
    "location",
    "expected",
    "actual",
    "status",
    "severity",
    "category",
    "detail",
    "instance",
];

/// Spreadsheets evaluate cells starting with these; numbers such as `-1` stay as they are.
fn defuse(cell: &str) -> String {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => cell.parse::<f64>().is_err(),
        _ => false,
    };
    if risky {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn finding_row(run_time: &str, host: &HostReport, f: &Finding) -> Vec<String> {
    vec![
        run_time.to_string(),
        host.host.clone(),
        host.roles.join(";"),
        host.hardware.clone().unwrap_or_default(),
        f.template.clone(),
        f.template_version.clone(),
        f.setting.clone(),
        f.title.clone(),
        f.source.clone(),
        f.provenance
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        f.expected.clone(),
        f.actual.clone().unwrap_or_default(),
        f.status.label().to_string(),
        f.severity.label().to_string(),
        f.category.label().to_string(),
        f.detail.clone().unwrap_or_default(),
        f.instance.clone().unwrap_or_default(),
    ]
}

pub fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(COLUMNS)?;
        let run_time = report
            .run_time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for host in &report.hosts {
            for finding in &host.findings {
                let row = finding_row(&run_time, host, finding);
                writer.write_record(row.iter().map(|c| defuse(c)))?;
            }
            // Host-level problems that no setting row already carries still get a row, so
            // a host that could not be audited at all is visible in the spreadsheet.
            for error in &host.errors {
                let text = error.to_string();
                if host.findings.iter().any(|f| {
                    f.detail.as_deref() == Some(text.as_str())
                        || f.detail.as_deref() == Some(error.message.as_str())
                }) {
                    continue;
                }
                let row = vec![
                    run_time.clone(),
                    host.host.clone(),
                    host.roles.join(";"),
                    host.hardware.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                    String::new(),
                    "source could not be read".to_string(),
                    String::new(),
                    if error.line > 0 {
                        format!("{}:{}", error.file.display(), error.line)
                    } else {
                        error.file.display().to_string()
                    }
                    .replace('\\', "/"),
                    String::new(),
                    String::new(),
                    "error".to_string(),
                    String::new(),
                    String::new(),
                    error.message.clone(),
                    String::new(),
                ];
                writer.write_record(row.iter().map(|c| defuse(c)))?;
            }
        }
        writer.flush().map_err(::csv::Error::from)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formulas_are_defused_but_negative_numbers_are_not() {
        assert_eq!(defuse("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("-1"), "-1");
        assert_eq!(defuse("-cmd"), "'-cmd");
        assert_eq!(defuse("plain"), "plain");
    }
}
