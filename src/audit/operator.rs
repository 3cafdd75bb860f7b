//! Typed comparison of an actual value with a setting's expectation.
//!
//! Numbers compare numerically whatever their spelling (`dword:00000010` equals 16 and
//! "0x10"); lists compare as lists (or as sets with `unordered`); strings compare exactly
//! unless the setting says `ignore_case`.

use crate::baseline::{Operator, ResolvedSetting};
use crate::value::{Value, parse_integer};
use std::cmp::Ordering;
use toml::Value as Expected;

/// The result of comparing one present value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    Pass,
    /// Failed, with an optional explanation (a diff for whole-file comparisons).
    Fail(Option<String>),
    /// The comparison itself could not be made (a number was expected, text was found).
    Invalid(String),
}

/// Text of a value for string comparison: numbers in decimal, lists joined.
pub fn comparable_text(value: &Value) -> String {
    match value {
        Value::Dword(n) => n.to_string(),
        Value::Qword(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn text_eq(a: &str, b: &str, ignore_case: bool) -> bool {
    if ignore_case {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// Whether a scalar expected value equals a single actual text or value.
fn scalar_eq(expected: &Expected, actual: &Value, ignore_case: bool) -> Result<bool, String> {
    match expected {
        Expected::Integer(n) => actual
            .as_integer()
            .map(|a| a == i128::from(*n))
            .ok_or_else(|| format!("expected a number, found `{}`", comparable_text(actual))),
        Expected::Float(f) => actual_float(actual).map(|a| (a - f).abs() < f64::EPSILON),
        Expected::Boolean(b) => actual_bool(actual).map(|a| a == *b),
        Expected::String(s) => {
            // A numeric value compares numerically with numeric text ("16" or "0x10").
            if matches!(
                actual,
                Value::Dword(_) | Value::Qword(_) | Value::Integer(_)
            ) && let (Some(e), Some(a)) = (parse_integer(s), actual.as_integer())
            {
                return Ok(e == a);
            }
            Ok(text_eq(&comparable_text(actual), s, ignore_case))
        }
        other => Err(format!("cannot compare with a {}", other.type_str())),
    }
}

fn actual_float(actual: &Value) -> Result<f64, String> {
    if let Some(n) = actual.as_integer() {
        return Ok(n as f64);
    }
    comparable_text(actual)
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("expected a number, found `{}`", comparable_text(actual)))
}

fn actual_bool(actual: &Value) -> Result<bool, String> {
    match actual {
        Value::Boolean(b) => Ok(*b),
        other => {
            if let Some(n) = other.as_integer() {
                return Ok(n != 0);
            }
            match comparable_text(other).trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "enabled" => Ok(true),
                "false" | "no" | "off" | "disabled" => Ok(false),
                text => Err(format!("expected true/false, found `{text}`")),
            }
        }
    }
}

fn expected_text(expected: &Expected) -> String {
    match expected {
        Expected::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list_eq(
    expected: &[Expected],
    actual: &Value,
    setting: &ResolvedSetting,
) -> Result<bool, String> {
    let actual_items = actual.as_list();
    if actual_items.len() != expected.len() {
        return Ok(false);
    }
    let norm = |s: &str| {
        if setting.ignore_case {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let mut want: Vec<String> = expected.iter().map(|e| norm(&expected_text(e))).collect();
    let mut have: Vec<String> = actual_items.iter().map(|s| norm(s)).collect();
    if setting.unordered {
        want.sort();
        have.sort();
    }
    Ok(want == have)
}

fn equals(expected: &Expected, actual: &Value, setting: &ResolvedSetting) -> Result<bool, String> {
    match expected {
        Expected::Array(items) => list_eq(items, actual, setting),
        scalar if actual.is_list() => {
            // A one-element list equals its element.
            let items = actual.as_list();
            Ok(items.len() == 1
                && scalar_eq(
                    scalar,
                    &Value::String(items[0].clone()),
                    setting.ignore_case,
                )?)
        }
        scalar => scalar_eq(scalar, actual, setting.ignore_case),
    }
}

fn numeric_order(expected: &Expected, actual: &Value) -> Result<Ordering, String> {
    match expected {
        Expected::Integer(n) => {
            let a = actual
                .as_integer()
                .ok_or_else(|| format!("expected a number, found `{}`", comparable_text(actual)))?;
            Ok(a.cmp(&i128::from(*n)))
        }
        Expected::Float(f) => {
            let a = actual_float(actual)?;
            a.partial_cmp(f).ok_or_else(|| "not comparable".to_string())
        }
        other => Err(format!("cannot order against a {}", other.type_str())),
    }
}

/// Compares dotted versions component by component; missing components count as 0.
pub fn compare_versions(actual: &str, expected: &str) -> Option<Ordering> {
    let parse = |v: &str| -> Option<Vec<u64>> {
        v.trim()
            .split('.')
            .map(|p| p.trim().parse::<u64>().ok())
            .collect()
    };
    let (a, e) = (parse(actual)?, parse(expected)?);
    let len = a.len().max(e.len());
    for i in 0..len {
        let ord = a.get(i).unwrap_or(&0).cmp(e.get(i).unwrap_or(&0));
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    Some(Ordering::Equal)
}

/// Compares a present value with the setting.
pub fn compare(setting: &ResolvedSetting, actual: &Value) -> Comparison {
    let verdict = |ok: Result<bool, String>| match ok {
        Ok(true) => Comparison::Pass,
        Ok(false) => Comparison::Fail(None),
        Err(reason) => Comparison::Invalid(reason),
    };
    if let Some(reference) = &setting.expected_content {
        return compare_content(setting, reference, actual);
    }
    let Some(expected) = &setting.expected else {
        return match setting.op {
            Operator::Absent => Comparison::Fail(Some("present, but must be absent".into())),
            _ => Comparison::Pass,
        };
    };
    match setting.op {
        Operator::Equals => verdict(equals(expected, actual, setting)),
        Operator::NotEquals => verdict(equals(expected, actual, setting).map(|eq| !eq)),
        Operator::LessThan => verdict(numeric_order(expected, actual).map(Ordering::is_lt)),
        Operator::LessOrEqual => verdict(numeric_order(expected, actual).map(Ordering::is_le)),
        Operator::GreaterThan => verdict(numeric_order(expected, actual).map(Ordering::is_gt)),
        Operator::GreaterOrEqual => verdict(numeric_order(expected, actual).map(Ordering::is_ge)),
        Operator::InRange => match expected {
            Expected::Array(bounds) if bounds.len() == 2 => {
                verdict(numeric_order(&bounds[0], actual).and_then(|lo| {
                    numeric_order(&bounds[1], actual).map(|hi| lo.is_ge() && hi.is_le())
                }))
            }
            _ => Comparison::Invalid("in-range needs [min, max]".into()),
        },
        Operator::OneOf => match expected {
            Expected::Array(options) => {
                let mut last_err = None;
                for option in options {
                    match equals(option, actual, setting) {
                        Ok(true) => return Comparison::Pass,
                        Ok(false) => {}
                        Err(e) => last_err = Some(e),
                    }
                }
                last_err.map_or(Comparison::Fail(None), Comparison::Invalid)
            }
            _ => Comparison::Invalid("one-of needs a list".into()),
        },
        Operator::Matches => match &setting.regex {
            // Lists pass when any element matches.
            Some(regex) => verdict(Ok(actual.as_list().iter().any(|s| regex.is_match(s))
                || regex.is_match(&comparable_text(actual)))),
            None => Comparison::Invalid("matches needs a valid regex".into()),
        },
        Operator::Contains => {
            if actual.is_list() {
                verdict(Ok(actual.as_list().iter().any(|item| {
                    scalar_eq(expected, &Value::String(item.clone()), setting.ignore_case)
                        .unwrap_or(false)
                })))
            } else {
                let (hay, needle) = (comparable_text(actual), expected_text(expected));
                verdict(Ok(if setting.ignore_case {
                    hay.to_lowercase().contains(&needle.to_lowercase())
                } else {
                    hay.contains(&needle)
                }))
            }
        }
        Operator::VersionAtLeast | Operator::VersionAtMost => {
            let text = comparable_text(actual);
            match compare_versions(&text, &expected_text(expected)) {
                Some(ord) if setting.op == Operator::VersionAtLeast => verdict(Ok(ord.is_ge())),
                Some(ord) => verdict(Ok(ord.is_le())),
                None => Comparison::Invalid(format!("`{text}` is not a dotted version")),
            }
        }
        Operator::Exists => Comparison::Pass,
        Operator::Absent => Comparison::Fail(Some("present, but must be absent".into())),
    }
}

/// Whole-file comparison with a reference; line endings are normalised (exports from
/// Windows carry CRLF), and a mismatch carries a unified diff.
fn compare_content(setting: &ResolvedSetting, reference: &str, actual: &Value) -> Comparison {
    let actual_text = match actual {
        Value::String(s) => s.replace("\r\n", "\n"),
        other => {
            return Comparison::Invalid(format!(
                "expected file content, found {}",
                other.type_name()
            ));
        }
    };
    let reference = reference.replace("\r\n", "\n");
    let same = actual_text == reference;
    let wants_equal = setting.op != Operator::NotEquals;
    if same == wants_equal {
        return Comparison::Pass;
    }
    if !wants_equal {
        return Comparison::Fail(Some("content equals the reference, but must differ".into()));
    }
    let diff = similar::TextDiff::from_lines(&reference, &actual_text)
        .unified_diff()
        .context_radius(2)
        .header("expected", "actual")
        .to_string();
    Comparison::Fail(Some(diff))
}

/// Compares the documented default of an absent item (`when_absent = { default = ... }`).
pub fn default_as_value(default: &Expected) -> Value {
    match default {
        Expected::Integer(n) => Value::Integer(*n),
        Expected::Boolean(b) => Value::Boolean(*b),
        Expected::Array(items) => Value::List(items.iter().map(expected_text).collect()),
        other => Value::String(expected_text(other)),
    }
}

#[cfg(test)]
mod tests;
