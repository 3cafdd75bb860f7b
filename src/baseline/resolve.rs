//! Resolving a host's baseline: its role templates (with everything they extend), then its
//! hardware overlay; settings merge by id and overlays may override or disable them.

use super::schema::{
    AbsentRule, Category, Operator, OverrideDef, SettingDef, Severity, WhenAbsentDef,
};
use super::{Catalog, Template};
use crate::collect::{self, Address};
use regex::Regex;
use serde::Serialize;
use std::path::PathBuf;

/// Where a setting, or a change to it, was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub template: String,
    pub version: String,
    pub file: PathBuf,
    pub line: usize,
    /// What an override changed, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a missing item means for one setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenAbsent {
    Fail,
    Pass,
    NotApplicable,
    /// Compare this documented default instead.
    Default(toml::Value),
}

impl From<&WhenAbsentDef> for WhenAbsent {
    fn from(def: &WhenAbsentDef) -> Self {
        match def {
            WhenAbsentDef::Rule(AbsentRule::Fail) => WhenAbsent::Fail,
            WhenAbsentDef::Rule(AbsentRule::Pass) => WhenAbsent::Pass,
            WhenAbsentDef::Rule(AbsentRule::NotApplicable) => WhenAbsent::NotApplicable,
            WhenAbsentDef::Default { default } => WhenAbsent::Default(default.clone()),
        }
    }
}

/// A setting as it applies to one host after inheritance and overlays.
#[derive(Debug, Clone)]
pub struct ResolvedSetting {
    pub id: String,
    pub title: String,
    pub address: Address,
    /// The `source` table as written, for templates generated from this one (backups).
    pub source: toml::Table,
    pub op: Operator,
    pub expected: Option<toml::Value>,
    /// Content of `expected_file`, for whole-file comparisons.
    pub expected_content: Option<String>,
    pub when_absent: WhenAbsent,
    pub severity: Severity,
    pub category: Category,
    pub ignore_case: bool,
    pub unordered: bool,
    pub regex: Option<Regex>,
    pub rationale: Option<String>,
    pub remediation: Option<String>,
    pub references: Vec<String>,
    pub auto_remediate: bool,
    /// What a remediation sets when the check names no single value.
    pub remediate_value: Option<toml::Value>,
    pub origin: Origin,
    pub overrides: Vec<Origin>,
}

impl ResolvedSetting {
    /// The template (and version) that gave the setting its effective expectation.
    pub fn effective_origin(&self) -> &Origin {
        self.overrides.last().unwrap_or(&self.origin)
    }

    /// The expectation as text for reports: `equals 0`, `in-range [1, 5]`, `exists`.
    pub fn expected_text(&self) -> String {
        match (&self.expected, &self.expected_content) {
            (_, Some(_)) => format!("{} <reference file>", self.op.label()),
            (Some(v), None) => format!("{} {}", self.op.label(), toml_value_text(v)),
            (None, None) => self.op.label().to_string(),
        }
    }
}

/// Renders a TOML value compactly: strings without quotes, arrays bracketed.
pub fn toml_value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(toml_value_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        toml::Value::Table(t) => {
            let parts: Vec<_> = t
                .iter()
                .map(|(k, v)| format!("{k}={}", toml_value_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// A host's resolved baseline.
#[derive(Debug, Clone)]
pub struct ResolvedBaseline {
    /// Templates applied, in order, as (name, version).
    pub templates: Vec<(String, String)>,
    pub settings: Vec<ResolvedSetting>,
}

impl ResolvedBaseline {
    /// `name@version` of each applied template, joined for reports.
    pub fn template_label(&self) -> String {
        self.templates
            .iter()
            .map(|(n, v)| format!("{n}@{v}"))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

impl Catalog {
    /// Templates in application order for a role/hardware combination: every template's
    /// parents before it, each template once.
    pub fn chain(
        &self,
        roles: &[String],
        hardware: Option<&str>,
    ) -> Result<Vec<&Template>, String> {
        let mut roots = Vec::new();
        for role in roles {
            let template = self
                .for_role(role)
                .ok_or_else(|| format!("no baseline template defines role `{role}`"))?;
            roots.push(template);
        }
        if let Some(hw) = hardware {
            let overlay = self
                .for_hardware(hw)
                .ok_or_else(|| format!("no baseline overlay for hardware type `{hw}`"))?;
            roots.push(overlay);
        }
        if roots.is_empty() {
            return Err("host has no roles, so no baseline applies".into());
        }
        let mut ordered: Vec<&Template> = Vec::new();
        for root in roots {
            self.linearize(root, &mut Vec::new(), &mut ordered)?;
        }
        Ok(ordered)
    }

    pub(crate) fn linearize<'c>(
        &'c self,
        template: &'c Template,
        stack: &mut Vec<String>,
        out: &mut Vec<&'c Template>,
    ) -> Result<(), String> {
        let name = template.name().to_string();
        if out.iter().any(|t| t.name() == name) {
            return Ok(());
        }
        if stack.contains(&name) {
            stack.push(name);
            return Err(format!("`extends` cycle: {}", stack.join(" -> ")));
        }
        stack.push(name);
        for parent in &template.def.extends {
            let parent_template = self.templates.get(parent.get_ref()).ok_or_else(|| {
                format!(
                    "template `{}` extends unknown template `{}`",
                    template.name(),
                    parent.get_ref()
                )
            })?;
            self.linearize(parent_template, stack, out)?;
        }
        stack.pop();
        out.push(template);
        Ok(())
    }

    /// Resolves the baseline for a host with these roles and hardware type.
    pub fn resolve(
        &self,
        roles: &[String],
        hardware: Option<&str>,
    ) -> Result<ResolvedBaseline, String> {
        let chain = self.chain(roles, hardware)?;
        let mut settings: Vec<ResolvedSetting> = Vec::new();
        let mut disabled: Vec<String> = Vec::new();
        for template in &chain {
            for def in &template.def.setting {
                let id = def.get_ref().id.get_ref();
                if let Some(existing) = settings.iter().find(|s| &s.id == id) {
                    return Err(format!(
                        "setting `{id}` is defined by both `{}` and `{}`; use an [[override]] to change an inherited setting",
                        existing.origin.template,
                        template.name()
                    ));
                }
                settings.push(resolve_setting(template, def.get_ref(), def.span().start)?);
            }
            for ov in &template.def.overrides {
                let ov_def = ov.get_ref();
                let id = ov_def.id.get_ref();
                let Some(setting) = settings.iter_mut().find(|s| &s.id == id) else {
                    return Err(format!(
                        "`{}` overrides setting `{id}`, which none of its parents defines",
                        template.name()
                    ));
                };
                apply_override(setting, template, ov_def, ov.span().start);
                if ov_def.disabled {
                    disabled.push(id.clone());
                }
            }
        }
        settings.retain(|s| !disabled.contains(&s.id));
        settings.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(ResolvedBaseline {
            templates: chain
                .iter()
                .map(|t| (t.name().to_string(), t.version().to_string()))
                .collect(),
            settings,
        })
    }
}

fn origin(template: &Template, offset: usize, note: Option<String>) -> Origin {
    Origin {
        template: template.name().to_string(),
        version: template.version().to_string(),
        file: template.path.clone(),
        line: template.position(offset).0,
        note,
    }
}

/// Turns a validated setting definition into its resolved form.
pub(crate) fn resolve_setting(
    template: &Template,
    def: &SettingDef,
    offset: usize,
) -> Result<ResolvedSetting, String> {
    let source = def.source.get_ref();
    let address = parse_source(source)?;
    let op = def.op.as_ref().map_or(Operator::Equals, |o| *o.get_ref());
    let expected = def.expected.as_ref().map(|e| e.get_ref().clone());
    let regex = match (op, &expected) {
        (Operator::Matches, Some(toml::Value::String(pattern))) => Some(
            Regex::new(pattern)
                .map_err(|e| format!("setting `{}`: invalid regex: {e}", def.id.get_ref()))?,
        ),
        _ => None,
    };
    let expected_content = match &def.expected_file {
        Some(file) => {
            let dir = template.path.parent().unwrap_or(std::path::Path::new("."));
            let path = dir.join(file.get_ref());
            Some(std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "setting `{}`: cannot read expected_file {}: {e}",
                    def.id.get_ref(),
                    path.display()
                )
            })?)
        }
        None => None,
    };
    Ok(ResolvedSetting {
        id: def.id.get_ref().clone(),
        title: def.title.clone(),
        address,
        source: source.clone(),
        op,
        expected,
        expected_content,
        when_absent: def.when_absent.get_ref().into(),
        severity: def.severity,
        category: def.category,
        ignore_case: def.ignore_case,
        unordered: def.unordered,
        regex,
        rationale: def.rationale.clone(),
        remediation: def.remediation.clone(),
        references: def.references.clone(),
        auto_remediate: def.auto_remediate,
        remediate_value: def.remediate_value.as_ref().map(|v| v.get_ref().clone()),
        origin: origin(template, offset, None),
        overrides: Vec::new(),
    })
}

/// Parses a `source` table with the collector its `type` names.
pub fn parse_source(source: &toml::Table) -> Result<Address, String> {
    let kind = collect::field(source, "type")?.ok_or("source needs a `type`")?;
    let collector = collect::by_name(kind).ok_or_else(|| {
        let known: Vec<_> = collect::registry().iter().map(|c| c.name()).collect();
        format!(
            "unknown source type `{kind}`; known types: {}",
            known.join(", ")
        )
    })?;
    collector.parse_address(source)
}

fn apply_override(
    setting: &mut ResolvedSetting,
    template: &Template,
    ov: &OverrideDef,
    offset: usize,
) {
    let mut changes = Vec::new();
    if let Some(op) = &ov.op {
        setting.op = *op.get_ref();
        changes.push(format!("op {}", setting.op.label()));
    }
    if let Some(expected) = &ov.expected {
        setting.expected = Some(expected.get_ref().clone());
        setting.regex = match (setting.op, &setting.expected) {
            (Operator::Matches, Some(toml::Value::String(p))) => Regex::new(p).ok(),
            _ => None,
        };
        changes.push(format!("expected {}", toml_value_text(expected.get_ref())));
    }
    if let Some(severity) = ov.severity {
        setting.severity = severity;
        changes.push(format!("severity {}", severity.label()));
    }
    if let Some(absent) = &ov.when_absent {
        setting.when_absent = absent.get_ref().into();
        changes.push("when_absent".to_string());
    }
    if ov.disabled {
        changes.push("disabled".to_string());
    }
    let mut note = changes.join(", ");
    if let Some(reason) = &ov.reason {
        note = format!("{note} ({reason})");
    }
    setting.overrides.push(origin(template, offset, Some(note)));
}
