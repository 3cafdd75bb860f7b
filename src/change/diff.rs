//! Differences between two template versions or trees: setting-level changes, and a unified
//! text diff of the resolved baselines per role and hardware type.

use crate::baseline::resolve::{parse_source, toml_value_text};
use crate::baseline::schema::{OverrideDef, SettingDef};
use crate::baseline::{Catalog, ResolvedBaseline, Template};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    TemplateAdded,
    TemplateRemoved,
    VersionChanged,
    SettingAdded,
    SettingRemoved,
    SettingChanged,
    OverrideAdded,
    OverrideRemoved,
    OverrideChanged,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::TemplateAdded => "template added",
            ChangeKind::TemplateRemoved => "template removed",
            ChangeKind::VersionChanged => "version changed",
            ChangeKind::SettingAdded => "setting added",
            ChangeKind::SettingRemoved => "setting removed",
            ChangeKind::SettingChanged => "setting changed",
            ChangeKind::OverrideAdded => "override added",
            ChangeKind::OverrideRemoved => "override removed",
            ChangeKind::OverrideChanged => "override changed",
        }
    }
}

/// One setting-level difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub template: String,
    pub kind: ChangeKind,
    pub setting: Option<String>,
    /// The field that changed (`expected`, `op`, `severity`, ...).
    pub field: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A unified diff of one resolved baseline (a role, or a hardware overlay on its own).
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedDiff {
    pub scope: String,
    pub unified: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateDiff {
    pub schema: &'static str,
    pub changes: Vec<Change>,
    pub resolved: Vec<ResolvedDiff>,
}

fn setting_fields(def: &SettingDef) -> Vec<(&'static str, String)> {
    vec![
        ("title", def.title.clone()),
        (
            "source",
            parse_source(def.source.get_ref()).map_or_else(|e| e, |a| a.to_string()),
        ),
        (
            "op",
            def.op
                .as_ref()
                .map_or("equals", |o| o.get_ref().label())
                .to_string(),
        ),
        (
            "expected",
            def.expected
                .as_ref()
                .map(|e| toml_value_text(e.get_ref()))
                .unwrap_or_default(),
        ),
        (
            "expected_file",
            def.expected_file
                .as_ref()
                .map(|e| e.get_ref().clone())
                .unwrap_or_default(),
        ),
        ("when_absent", format!("{:?}", def.when_absent.get_ref())),
        ("severity", def.severity.label().to_string()),
        ("category", def.category.label().to_string()),
        ("ignore_case", def.ignore_case.to_string()),
        ("unordered", def.unordered.to_string()),
        ("auto_remediate", def.auto_remediate.to_string()),
    ]
}

fn override_fields(def: &OverrideDef) -> Vec<(&'static str, String)> {
    vec![
        (
            "op",
            def.op
                .as_ref()
                .map(|o| o.get_ref().label().to_string())
                .unwrap_or_default(),
        ),
        (
            "expected",
            def.expected
                .as_ref()
                .map(|e| toml_value_text(e.get_ref()))
                .unwrap_or_default(),
        ),
        (
            "severity",
            def.severity
                .map(|s| s.label().to_string())
                .unwrap_or_default(),
        ),
        (
            "when_absent",
            def.when_absent
                .as_ref()
                .map(|w| format!("{:?}", w.get_ref()))
                .unwrap_or_default(),
        ),
        ("disabled", def.disabled.to_string()),
    ]
}

fn field_changes(
    template: &str,
    kind: ChangeKind,
    id: &str,
    old: &[(&'static str, String)],
    new: &[(&'static str, String)],
) -> Vec<Change> {
    old.iter()
        .zip(new)
        .filter(|(o, n)| o.1 != n.1)
        .map(|(o, n)| Change {
            template: template.to_string(),
            kind,
            setting: Some(id.to_string()),
            field: Some(o.0.to_string()),
            old: Some(o.1.clone()),
            new: Some(n.1.clone()),
        })
        .collect()
}

/// Entries (settings or overrides) of two versions matched by id: added, removed, or
/// changed field by field. `kinds` are the (added, removed, changed) kinds to report.
fn compare_by_id(
    template: &str,
    old: &[(String, Vec<(&'static str, String)>)],
    new: &[(String, Vec<(&'static str, String)>)],
    [added, removed, changed]: [ChangeKind; 3],
    changes: &mut Vec<Change>,
) {
    let ids: BTreeSet<&str> = old.iter().chain(new).map(|(id, _)| id.as_str()).collect();
    for id in ids {
        let before = old.iter().find(|(i, _)| i == id).map(|(_, f)| f);
        let after = new.iter().find(|(i, _)| i == id).map(|(_, f)| f);
        let one = |kind| Change {
            template: template.to_string(),
            kind,
            setting: Some(id.to_string()),
            field: None,
            old: None,
            new: None,
        };
        match (before, after) {
            (None, Some(_)) => changes.push(one(added)),
            (Some(_), None) => changes.push(one(removed)),
            (Some(b), Some(a)) => changes.extend(field_changes(template, changed, id, b, a)),
            (None, None) => {}
        }
    }
}

fn compare_templates(old: &Template, new: &Template, changes: &mut Vec<Change>) {
    let name = new.name();
    if old.version() != new.version() {
        changes.push(Change {
            template: name.to_string(),
            kind: ChangeKind::VersionChanged,
            setting: None,
            field: Some("version".into()),
            old: Some(old.version().to_string()),
            new: Some(new.version().to_string()),
        });
    }
    let ids = |defs: &[toml::Spanned<SettingDef>]| -> Vec<(String, Vec<(&'static str, String)>)> {
        defs.iter()
            .map(|d| {
                (
                    d.get_ref().id.get_ref().clone(),
                    setting_fields(d.get_ref()),
                )
            })
            .collect()
    };
    compare_by_id(
        name,
        &ids(&old.def.setting),
        &ids(&new.def.setting),
        [
            ChangeKind::SettingAdded,
            ChangeKind::SettingRemoved,
            ChangeKind::SettingChanged,
        ],
        changes,
    );
    let ids = |defs: &[toml::Spanned<OverrideDef>]| -> Vec<(String, Vec<(&'static str, String)>)> {
        defs.iter()
            .map(|d| {
                (
                    d.get_ref().id.get_ref().clone(),
                    override_fields(d.get_ref()),
                )
            })
            .collect()
    };
    compare_by_id(
        name,
        &ids(&old.def.overrides),
        &ids(&new.def.overrides),
        [
            ChangeKind::OverrideAdded,
            ChangeKind::OverrideRemoved,
            ChangeKind::OverrideChanged,
        ],
        changes,
    );
}

/// The resolved baseline as text, one line per setting, for a readable unified diff.
pub fn resolved_text(baseline: &ResolvedBaseline) -> String {
    let mut text = String::new();
    for s in &baseline.settings {
        let when_absent = match &s.when_absent {
            crate::baseline::WhenAbsent::Default(v) => format!("default {}", toml_value_text(v)),
            other => format!("{other:?}").to_lowercase(),
        };
        text.push_str(&format!(
            "{} | {} | {} | {} {} | absent: {}\n",
            s.id,
            s.address,
            s.expected_text(),
            s.severity.label(),
            s.category.label(),
            when_absent
        ));
    }
    text
}

/// Compares two catalogs.
pub fn diff(old: &Catalog, new: &Catalog) -> TemplateDiff {
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = old.templates.keys().chain(new.templates.keys()).collect();
    for name in &names {
        match (old.templates.get(*name), new.templates.get(*name)) {
            (None, Some(t)) => changes.push(Change {
                template: name.to_string(),
                kind: ChangeKind::TemplateAdded,
                setting: None,
                field: None,
                old: None,
                new: Some(t.version().to_string()),
            }),
            (Some(t), None) => changes.push(Change {
                template: name.to_string(),
                kind: ChangeKind::TemplateRemoved,
                setting: None,
                field: None,
                old: Some(t.version().to_string()),
                new: None,
            }),
            (Some(o), Some(n)) => compare_templates(o, n, &mut changes),
            (None, None) => {}
        }
    }
    // Resolved baselines per role, and per hardware overlay, present on either side.
    let mut scopes: BTreeSet<(String, bool)> = BTreeSet::new();
    for catalog in [old, new] {
        for t in catalog.templates.values() {
            if let Some(role) = &t.def.role {
                scopes.insert((role.get_ref().to_lowercase(), true));
            }
            if let Some(hw) = &t.def.hardware {
                scopes.insert((hw.get_ref().to_lowercase(), false));
            }
        }
    }
    let mut resolved = Vec::new();
    for (scope, is_role) in scopes {
        let resolve = |c: &Catalog| {
            let result = if is_role {
                c.resolve(std::slice::from_ref(&scope), None)
            } else {
                c.resolve(&[], Some(&scope))
            };
            result.map(|b| resolved_text(&b)).unwrap_or_default()
        };
        let (before, after) = (resolve(old), resolve(new));
        if before != after {
            let label = if is_role {
                format!("role {scope}")
            } else {
                format!("hardware {scope}")
            };
            let unified = similar::TextDiff::from_lines(&before, &after)
                .unified_diff()
                .context_radius(1)
                .header(&format!("old/{label}"), &format!("new/{label}"))
                .to_string();
            resolved.push(ResolvedDiff {
                scope: label,
                unified,
            });
        }
    }
    TemplateDiff {
        schema: "confaudit.diff/1",
        changes,
        resolved,
    }
}
