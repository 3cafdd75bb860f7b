//! `confaudit explain`: for one host, which template gives each expected value and which
//! file and line supplied the actual value.

use super::{Failure, load_fleet};
use crate::audit::{collect_host, evaluate_all};
use crate::exit::ExitStatus;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub fn run(
    fleet: &Path,
    baselines: &[PathBuf],
    host_name: &str,
    setting_id: Option<&str>,
    out: &mut dyn std::io::Write,
) -> Result<ExitStatus, Failure> {
    let (inventory, catalog) = load_fleet(fleet, baselines)?;
    let host = inventory
        .hosts
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(host_name))
        .ok_or_else(|| {
            Failure::usage(
                format!("no host `{host_name}` in the fleet"),
                Some("`confaudit audit` lists the fleet's hosts"),
            )
        })?;
    let baseline = catalog
        .resolve(&host.roles, host.hardware.as_deref())
        .map_err(|e| {
            Failure::usage(
                e,
                Some("check the host's roles and hardware in the inventory"),
            )
        })?;
    let mut text = String::new();
    let _ = writeln!(text, "host:      {}", host.name);
    let _ = writeln!(text, "roles:     {}", host.roles.join(", "));
    let _ = writeln!(
        text,
        "hardware:  {}",
        host.hardware.as_deref().unwrap_or("-")
    );
    let _ = writeln!(text, "exports:   {}", host.display_path);
    let _ = writeln!(text, "templates (applied in order):");
    for (name, version) in &baseline.templates {
        let path = catalog
            .templates
            .get(name)
            .map(|t| t.path.display().to_string())
            .unwrap_or_default();
        let _ = writeln!(text, "  {name}@{version}  {}", path.replace('\\', "/"));
    }
    let settings: Vec<_> = baseline
        .settings
        .iter()
        .filter(|s| setting_id.is_none_or(|id| s.id.eq_ignore_ascii_case(id)))
        .collect();
    if settings.is_empty()
        && let Some(id) = setting_id
    {
        return Err(Failure::usage(
            format!("setting `{id}` is not in {}'s baseline", host.name),
            Some("`confaudit explain HOST` lists every setting that applies"),
        ));
    }
    let collected = collect_host(host, &baseline);
    for setting in settings {
        let _ = writeln!(text, "\n{}  {}", setting.id, setting.title);
        let _ = writeln!(text, "  source:    {}", setting.address);
        let _ = writeln!(text, "  expected:  {}", setting.expected_text());
        let o = &setting.origin;
        let _ = writeln!(
            text,
            "  defined:   {}@{} ({}:{})",
            o.template,
            o.version,
            o.file.display().to_string().replace('\\', "/"),
            o.line
        );
        for ov in &setting.overrides {
            let _ = writeln!(
                text,
                "  override:  {}@{} ({}:{}): {}",
                ov.template,
                ov.version,
                ov.file.display().to_string().replace('\\', "/"),
                ov.line,
                ov.note.as_deref().unwrap_or_default()
            );
        }
        match &collected {
            Ok(collected) => {
                for finding in evaluate_all(setting, collected) {
                    if let Some(instance) = &finding.instance {
                        let _ = writeln!(text, "  object:    {instance}");
                    }
                    let actual = finding.actual.as_deref().unwrap_or("(absent)");
                    let type_name = finding
                        .actual_value
                        .as_ref()
                        .map(|v| format!(" [{}]", v.type_name()))
                        .unwrap_or_default();
                    let _ = writeln!(text, "  actual:    {actual}{type_name}");
                    if let Some(p) = &finding.provenance {
                        let location = if p.location.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", p.location)
                        };
                        let _ = writeln!(text, "  from:      {p}{location}");
                    }
                    let _ = writeln!(text, "  verdict:   {}", finding.status.label());
                    if let Some(detail) = &finding.detail {
                        let _ = writeln!(
                            text,
                            "  detail:    {}",
                            detail.trim_end().replace('\n', "\n             ")
                        );
                    }
                }
            }
            Err(message) => {
                let _ = writeln!(text, "  actual:    cannot be read: {message}");
            }
        }
    }
    super::emit(text.as_bytes(), None, out)?;
    Ok(if collected.is_err() {
        ExitStatus::SourcesUnreadable
    } else {
        ExitStatus::Compliant
    })
}
