//! The template file format (TOML), deserialized strictly: unknown fields are errors.

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One baseline template file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateFile {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The server role this template defines (`mailbox`, `hub-transport`, ...).
    pub role: Option<Spanned<String>>,
    /// The hardware type this template overlays (`hp-proliant-dl380-g5`, ...).
    pub hardware: Option<Spanned<String>>,
    #[serde(default)]
    pub extends: Vec<Spanned<String>>,
    #[serde(default)]
    pub setting: Vec<Spanned<SettingDef>>,
    #[serde(default, rename = "override")]
    pub overrides: Vec<Spanned<OverrideDef>>,
}

/// A setting as written in a template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingDef {
    pub id: Spanned<String>,
    pub title: String,
    pub source: Spanned<toml::Table>,
    #[serde(default)]
    pub op: Option<Spanned<Operator>>,
    pub expected: Option<Spanned<toml::Value>>,
    /// A reference file beside the template whose whole content is expected.
    pub expected_file: Option<Spanned<String>>,
    pub when_absent: Spanned<WhenAbsentDef>,
    pub severity: Severity,
    pub category: Category,
    #[serde(default)]
    pub ignore_case: bool,
    /// Compare list values as sets (order ignored).
    #[serde(default)]
    pub unordered: bool,
    pub rationale: Option<String>,
    pub remediation: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// False for settings that must never be changed by a generated remediation.
    #[serde(default = "default_true")]
    pub auto_remediate: bool,
    /// The value a generated remediation sets when the check names no single value
    /// (`less-or-equal`, `in-range`, `one-of`, …); `equals` checks remediate to `expected`.
    pub remediate_value: Option<Spanned<toml::Value>>,
}

fn default_true() -> bool {
    true
}

/// An overlay's change to an inherited setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDef {
    pub id: Spanned<String>,
    pub op: Option<Spanned<Operator>>,
    pub expected: Option<Spanned<toml::Value>>,
    pub severity: Option<Severity>,
    pub when_absent: Option<Spanned<WhenAbsentDef>>,
    /// Turns the setting off for hosts this template applies to.
    #[serde(default)]
    pub disabled: bool,
    /// Why the overlay differs (shown by `explain`).
    pub reason: Option<String>,
}

/// What a missing item means, stated per setting: never silently compliant.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WhenAbsentDef {
    Rule(AbsentRule),
    Default { default: toml::Value },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbsentRule {
    Fail,
    Pass,
    NotApplicable,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operator {
    Equals,
    NotEquals,
    LessThan,
    LessOrEqual,
    GreaterThan,
    GreaterOrEqual,
    InRange,
    OneOf,
    Matches,
    Contains,
    Exists,
    Absent,
    VersionAtLeast,
    VersionAtMost,
}

impl Operator {
    pub fn label(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "not-equals",
            Operator::LessThan => "less-than",
            Operator::LessOrEqual => "less-or-equal",
            Operator::GreaterThan => "greater-than",
            Operator::GreaterOrEqual => "greater-or-equal",
            Operator::InRange => "in-range",
            Operator::OneOf => "one-of",
            Operator::Matches => "matches",
            Operator::Contains => "contains",
            Operator::Exists => "exists",
            Operator::Absent => "absent",
            Operator::VersionAtLeast => "version-at-least",
            Operator::VersionAtMost => "version-at-most",
        }
    }

    /// Whether the operator takes an `expected` value.
    pub fn takes_expected(self) -> bool {
        !matches!(self, Operator::Exists | Operator::Absent)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn from_label(label: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.label() == label)
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Availability,
    Performance,
    Security,
    Capacity,
    Recoverability,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Availability => "availability",
            Category::Performance => "performance",
            Category::Security => "security",
            Category::Capacity => "capacity",
            Category::Recoverability => "recoverability",
        }
    }
}
