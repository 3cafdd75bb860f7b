//! Template checks beyond TOML syntax: names, versions, inheritance, ids, sources,
//! operator/expected-value agreement, regexes. Each problem points into the file.

use super::resolve::parse_source;
use super::schema::{Operator, SettingDef};
use super::{Catalog, Problem, Template};
use crate::value::Value;
use std::collections::BTreeMap;

/// Every problem in a catalog, in no particular order (the caller sorts).
pub fn check(catalog: &Catalog) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut roles: BTreeMap<String, &str> = BTreeMap::new();
    let mut hardware: BTreeMap<String, &str> = BTreeMap::new();
    for template in catalog.templates.values() {
        check_template(catalog, template, &mut problems);
        if let Some(role) = &template.def.role
            && let Some(other) = roles.insert(role.get_ref().to_lowercase(), template.name())
        {
            problems.push(template.problem(
                role.span().start,
                format!(
                    "role `{}` is also defined by template `{other}`",
                    role.get_ref()
                ),
            ));
        }
        if let Some(hw) = &template.def.hardware
            && let Some(other) = hardware.insert(hw.get_ref().to_lowercase(), template.name())
        {
            problems.push(template.problem(
                hw.span().start,
                format!(
                    "hardware type `{}` is also overlaid by template `{other}`",
                    hw.get_ref()
                ),
            ));
        }
    }
    problems
}

fn check_template(catalog: &Catalog, template: &Template, problems: &mut Vec<Problem>) {
    let version = template.def.version.get_ref();
    if !is_semver(version) {
        problems.push(template.problem(
            template.def.version.span().start,
            format!("version `{version}` is not a semantic version (MAJOR.MINOR.PATCH)"),
        ));
    }
    let mut chain_ok = true;
    for parent in &template.def.extends {
        if !catalog.templates.contains_key(parent.get_ref()) {
            chain_ok = false;
            problems.push(template.problem(
                parent.span().start,
                format!("extends unknown template `{}`", parent.get_ref()),
            ));
        }
    }
    if chain_ok && let Err(message) = catalog.linearize(template, &mut Vec::new(), &mut Vec::new())
    {
        let offset = template.def.extends.first().map_or(0, |e| e.span().start);
        problems.push(template.problem(offset, message));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for setting in &template.def.setting {
        let def = setting.get_ref();
        let id = def.id.get_ref();
        if let Some(first_line) = seen.insert(id, template.position(def.id.span().start).0) {
            problems.push(template.problem(
                def.id.span().start,
                format!("duplicate setting id `{id}` (first defined on line {first_line})"),
            ));
        }
        check_setting(template, def, problems);
    }
    for ov in &template.def.overrides {
        let def = ov.get_ref();
        if let (Some(op), Some(expected)) = (&def.op, &def.expected)
            && let Err(message) = check_expected(*op.get_ref(), Some(expected.get_ref()), false)
        {
            problems.push(template.problem(expected.span().start, message));
        }
    }
    // Overrides must name an inherited setting, and no two parents may define one id.
    if chain_ok && problems.iter().all(|p| p.file != template.path) {
        let roles: Vec<String> = template
            .def
            .role
            .iter()
            .map(|r| r.get_ref().clone())
            .collect();
        let hardware = template.def.hardware.as_ref().map(|h| h.get_ref().as_str());
        if (!roles.is_empty() || hardware.is_some())
            && let Err(message) = catalog.resolve(&roles, hardware)
        {
            problems.push(template.problem(template.def.name.span().start, message));
        }
    }
}

fn check_setting(template: &Template, def: &SettingDef, problems: &mut Vec<Problem>) {
    if let Err(message) = parse_source(def.source.get_ref()) {
        problems.push(template.problem(
            def.source.span().start,
            format!("setting `{}`: {message}", def.id.get_ref()),
        ));
    }
    let op = def.op.as_ref().map_or(Operator::Equals, |o| *o.get_ref());
    let offset = def
        .expected
        .as_ref()
        .map(|e| e.span().start)
        .or_else(|| def.op.as_ref().map(|o| o.span().start))
        .unwrap_or(def.id.span().start);
    if def.expected.is_some() && def.expected_file.is_some() {
        problems.push(template.problem(
            offset,
            format!(
                "setting `{}`: give `expected` or `expected_file`, not both",
                def.id.get_ref()
            ),
        ));
    }
    if let Some(file) = &def.expected_file {
        let dir = template.path.parent().unwrap_or(std::path::Path::new("."));
        if !dir.join(file.get_ref()).is_file() {
            problems.push(template.problem(
                file.span().start,
                format!(
                    "expected_file `{}` not found beside the template",
                    file.get_ref()
                ),
            ));
        }
        if op != Operator::Equals && op != Operator::NotEquals {
            problems.push(template.problem(
                file.span().start,
                format!(
                    "expected_file works with equals or not-equals, not {}",
                    op.label()
                ),
            ));
        }
    }
    if let Err(message) = check_expected(
        op,
        def.expected.as_ref().map(|e| e.get_ref()),
        def.expected_file.is_some(),
    ) {
        problems
            .push(template.problem(offset, format!("setting `{}`: {message}", def.id.get_ref())));
    } else if let Some(value) = &def.remediate_value
        && let Err(message) = check_remediate_value(template, def, value.get_ref())
    {
        problems.push(template.problem(
            value.span().start,
            format!("setting `{}`: {message}", def.id.get_ref()),
        ));
    }
}

/// A remediation must leave the setting compliant: its value has to pass the setting's own
/// check, or every generated fix would be wrong.
fn check_remediate_value(
    template: &Template,
    def: &SettingDef,
    value: &toml::Value,
) -> Result<(), String> {
    let Some(item) = Value::from_toml(value) else {
        return Err("remediate_value must be a number, string, boolean or list of strings".into());
    };
    let setting = super::resolve::resolve_setting(template, def, 0)?;
    if setting.op == Operator::Absent {
        return Err(
            "remediate_value has no use with `absent`: the remediation deletes the item".into(),
        );
    }
    match crate::audit::operator::compare(&setting, &item) {
        crate::audit::operator::Comparison::Pass => Ok(()),
        _ => Err(format!(
            "remediate_value {} does not pass the setting's own check ({})",
            super::resolve::toml_value_text(value),
            setting.expected_text()
        )),
    }
}

/// Whether an operator and its expected value agree.
pub fn check_expected(
    op: Operator,
    expected: Option<&toml::Value>,
    has_file: bool,
) -> Result<(), String> {
    use toml::Value as V;
    let label = op.label();
    let scalar = |v: &V| {
        matches!(
            v,
            V::String(_) | V::Integer(_) | V::Boolean(_) | V::Float(_)
        )
    };
    match (op, expected) {
        (Operator::Exists | Operator::Absent, None) => Ok(()),
        (Operator::Exists | Operator::Absent, Some(_)) => {
            Err(format!("operator {label} takes no expected value"))
        }
        (_, None) if has_file => Ok(()),
        (_, None) => Err(format!("operator {label} needs an expected value")),
        (Operator::Equals | Operator::NotEquals, Some(V::Array(items)))
            if items.iter().all(scalar) =>
        {
            Ok(())
        }
        (Operator::Equals | Operator::NotEquals | Operator::Contains, Some(v)) if scalar(v) => {
            Ok(())
        }
        (
            Operator::LessThan
            | Operator::LessOrEqual
            | Operator::GreaterThan
            | Operator::GreaterOrEqual,
            Some(V::Integer(_) | V::Float(_)),
        ) => Ok(()),
        (Operator::InRange, Some(V::Array(items))) => match items.as_slice() {
            [V::Integer(min), V::Integer(max)] if min <= max => Ok(()),
            [V::Integer(_), V::Integer(_)] => {
                Err("in-range needs [min, max] with min <= max".into())
            }
            _ => Err("in-range needs [min, max] with two integers".into()),
        },
        (Operator::OneOf, Some(V::Array(items)))
            if !items.is_empty() && items.iter().all(scalar) =>
        {
            Ok(())
        }
        (Operator::Matches, Some(V::String(pattern))) => {
            regex::Regex::new(pattern).map(|_| ()).map_err(|e| {
                format!(
                    "invalid regex: {}",
                    e.to_string().lines().last().unwrap_or_default()
                )
            })
        }
        (Operator::VersionAtLeast | Operator::VersionAtMost, Some(V::String(v)))
            if is_dotted_version(v) =>
        {
            Ok(())
        }
        (_, Some(v)) => Err(format!(
            "operator {label} cannot take a {} as expected value{}",
            v.type_str(),
            match op {
                Operator::LessThan
                | Operator::LessOrEqual
                | Operator::GreaterThan
                | Operator::GreaterOrEqual => " (needs a number)",
                Operator::InRange => " (needs [min, max])",
                Operator::OneOf => " (needs a non-empty array)",
                Operator::Matches => " (needs a regex string)",
                Operator::VersionAtLeast | Operator::VersionAtMost =>
                    " (needs a dotted version string such as \"8.1.240.6\")",
                _ => "",
            }
        )),
    }
}

fn is_semver(text: &str) -> bool {
    let core = text.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<_> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// `8.1.240.6`: dot-separated unsigned numbers.
pub fn is_dotted_version(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_values_must_fit_their_operator() {
        let int = toml::Value::Integer(5);
        let text = toml::Value::String("x".into());
        assert!(check_expected(Operator::Equals, Some(&int), false).is_ok());
        assert!(check_expected(Operator::LessThan, Some(&text), false).is_err());
        assert!(check_expected(Operator::Exists, Some(&int), false).is_err());
        assert!(
            check_expected(
                Operator::Matches,
                Some(&toml::Value::String("(".into())),
                false
            )
            .is_err()
        );
        assert!(
            check_expected(
                Operator::VersionAtLeast,
                Some(&toml::Value::String("8.1.240".into())),
                false
            )
            .is_ok()
        );
        assert!(check_expected(Operator::VersionAtLeast, Some(&text), false).is_err());
        let range = toml::Value::Array(vec![toml::Value::Integer(5), toml::Value::Integer(1)]);
        assert!(check_expected(Operator::InRange, Some(&range), false).is_err());
    }

    #[test]
    fn semver_needs_three_numeric_parts() {
        assert!(is_semver("1.2.3"));
        assert!(is_semver("1.2.3-rc1"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("v1.2.3"));
    }
}
