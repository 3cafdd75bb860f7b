//! Table-driven tests of every operator and the typed comparison rules.

use super::*;
use crate::baseline::{Category, Origin, ResolvedSetting, Severity, WhenAbsent};
use crate::collect::Address;
use toml::Value as T;

fn setting(op: Operator, expected: Option<T>) -> ResolvedSetting {
    let regex = match (&op, &expected) {
        (Operator::Matches, Some(T::String(p))) => regex::Regex::new(p).ok(),
        _ => None,
    };
    ResolvedSetting {
        id: "s".into(),
        title: "s".into(),
        address: Address {
            collector: "registry".into(),
            file: String::new(),
            location: "K".into(),
            name: "V".into(),
        },
        source: toml::Table::new(),
        op,
        expected,
        expected_content: None,
        when_absent: WhenAbsent::Fail,
        severity: Severity::High,
        category: Category::Security,
        ignore_case: false,
        unordered: false,
        regex,
        rationale: None,
        remediation: None,
        references: Vec::new(),
        auto_remediate: true,
        remediate_value: None,
        origin: Origin {
            template: "t".into(),
            version: "1.0.0".into(),
            file: "t.toml".into(),
            line: 1,
            note: None,
        },
        overrides: Vec::new(),
    }
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn list(items: &[&str]) -> Value {
    Value::MultiString(items.iter().map(|i| (*i).to_string()).collect())
}

fn tlist(items: &[i64]) -> T {
    T::Array(items.iter().map(|i| T::Integer(*i)).collect())
}

fn tstrs(items: &[&str]) -> T {
    T::Array(items.iter().map(|i| T::String((*i).into())).collect())
}

fn outcome(c: Comparison) -> &'static str {
    match c {
        Comparison::Pass => "pass",
        Comparison::Fail(_) => "fail",
        Comparison::Invalid(_) => "invalid",
    }
}

/// (case, operator, expected, actual, ignore_case, unordered, outcome)
type Case = (
    &'static str,
    Operator,
    Option<T>,
    Value,
    bool,
    bool,
    &'static str,
);

#[test]
fn operators_compare_typed_values() {
    use Operator::*;
    let cases: Vec<Case> = vec![
        (
            "dword equals integer",
            Equals,
            Some(T::Integer(16)),
            Value::Dword(16),
            false,
            false,
            "pass",
        ),
        (
            "dword equals hex text",
            Equals,
            Some(T::String("0x10".into())),
            Value::Dword(16),
            false,
            false,
            "pass",
        ),
        (
            "dword equals decimal text",
            Equals,
            Some(T::String("16".into())),
            Value::Dword(16),
            false,
            false,
            "pass",
        ),
        (
            "numeric text equals integer",
            Equals,
            Some(T::Integer(16)),
            s("16"),
            false,
            false,
            "pass",
        ),
        (
            "dword differs",
            Equals,
            Some(T::Integer(15)),
            Value::Dword(16),
            false,
            false,
            "fail",
        ),
        (
            "qword beyond u32",
            Equals,
            Some(T::Integer(5_000_000_000)),
            Value::Qword(5_000_000_000),
            false,
            false,
            "pass",
        ),
        (
            "text is not a number",
            Equals,
            Some(T::Integer(1)),
            s("yes"),
            false,
            false,
            "invalid",
        ),
        (
            "case-sensitive by default",
            Equals,
            Some(T::String("NT5DS".into())),
            s("nt5ds"),
            false,
            false,
            "fail",
        ),
        (
            "ignore_case when asked",
            Equals,
            Some(T::String("NT5DS".into())),
            s("nt5ds"),
            true,
            false,
            "pass",
        ),
        (
            "boolean from integer",
            Equals,
            Some(T::Boolean(true)),
            Value::Integer(1),
            false,
            false,
            "pass",
        ),
        (
            "boolean from text",
            Equals,
            Some(T::Boolean(false)),
            s("no"),
            false,
            false,
            "pass",
        ),
        (
            "multi-sz in order",
            Equals,
            Some(tstrs(&["a", "b"])),
            list(&["a", "b"]),
            false,
            false,
            "pass",
        ),
        (
            "multi-sz order matters",
            Equals,
            Some(tstrs(&["b", "a"])),
            list(&["a", "b"]),
            false,
            false,
            "fail",
        ),
        (
            "multi-sz as set",
            Equals,
            Some(tstrs(&["b", "a"])),
            list(&["a", "b"]),
            false,
            true,
            "pass",
        ),
        (
            "multi-sz length differs",
            Equals,
            Some(tstrs(&["a"])),
            list(&["a", "b"]),
            false,
            true,
            "fail",
        ),
        (
            "one-element list equals scalar",
            Equals,
            Some(T::String("volsnap".into())),
            list(&["volsnap"]),
            false,
            false,
            "pass",
        ),
        (
            "not-equals",
            NotEquals,
            Some(T::Integer(0)),
            Value::Dword(1),
            false,
            false,
            "pass",
        ),
        (
            "not-equals same",
            NotEquals,
            Some(T::Integer(0)),
            Value::Dword(0),
            false,
            false,
            "fail",
        ),
        (
            "less-than",
            LessThan,
            Some(T::Integer(10)),
            Value::Dword(9),
            false,
            false,
            "pass",
        ),
        (
            "less-than equal fails",
            LessThan,
            Some(T::Integer(10)),
            Value::Dword(10),
            false,
            false,
            "fail",
        ),
        (
            "less-or-equal",
            LessOrEqual,
            Some(T::Integer(10)),
            Value::Dword(10),
            false,
            false,
            "pass",
        ),
        (
            "greater-than negative",
            GreaterThan,
            Some(T::Integer(-2)),
            s("-1"),
            false,
            false,
            "pass",
        ),
        (
            "greater-or-equal",
            GreaterOrEqual,
            Some(T::Integer(60)),
            Value::Integer(59),
            false,
            false,
            "fail",
        ),
        (
            "ordering needs a number",
            GreaterOrEqual,
            Some(T::Integer(60)),
            s("sixty"),
            false,
            false,
            "invalid",
        ),
        (
            "float ordering",
            LessOrEqual,
            Some(T::Float(1.5)),
            s("1.25"),
            false,
            false,
            "pass",
        ),
        (
            "in-range low bound",
            InRange,
            Some(tlist(&[3, 5])),
            Value::Dword(3),
            false,
            false,
            "pass",
        ),
        (
            "in-range high bound",
            InRange,
            Some(tlist(&[3, 5])),
            Value::Dword(5),
            false,
            false,
            "pass",
        ),
        (
            "in-range above",
            InRange,
            Some(tlist(&[3, 5])),
            Value::Dword(6),
            false,
            false,
            "fail",
        ),
        (
            "one-of hit",
            OneOf,
            Some(tlist(&[2, 3])),
            Value::Dword(3),
            false,
            false,
            "pass",
        ),
        (
            "one-of miss",
            OneOf,
            Some(tlist(&[2, 3])),
            Value::Dword(4),
            false,
            false,
            "fail",
        ),
        (
            "matches",
            Matches,
            Some(T::String("^C:\\\\".into())),
            s("C:\\pagefile.sys"),
            false,
            false,
            "pass",
        ),
        (
            "matches any list element",
            Matches,
            Some(T::String("^b".into())),
            list(&["a", "bc"]),
            false,
            false,
            "pass",
        ),
        (
            "matches miss",
            Matches,
            Some(T::String("^x".into())),
            s("abc"),
            false,
            false,
            "fail",
        ),
        (
            "contains list element",
            Contains,
            Some(T::String("VndFltr".into())),
            list(&["volsnap", "VndFltr"]),
            false,
            false,
            "pass",
        ),
        (
            "contains list miss",
            Contains,
            Some(T::String("x".into())),
            list(&["a"]),
            false,
            false,
            "fail",
        ),
        (
            "contains substring",
            Contains,
            Some(T::String("Exchange".into())),
            s("D:\\Exchange Server"),
            false,
            false,
            "pass",
        ),
        (
            "contains ignore_case",
            Contains,
            Some(T::String("exchange".into())),
            s("D:\\Exchange Server"),
            true,
            false,
            "pass",
        ),
        (
            "version at least, longer actual",
            VersionAtLeast,
            Some(T::String("8.1".into())),
            s("8.1.240.6"),
            false,
            false,
            "pass",
        ),
        (
            "version at least, lower",
            VersionAtLeast,
            Some(T::String("8.3.83.6".into())),
            s("8.1.240.6"),
            false,
            false,
            "fail",
        ),
        (
            "version at most, missing parts are 0",
            VersionAtMost,
            Some(T::String("6.0".into())),
            s("6.0.0"),
            false,
            false,
            "pass",
        ),
        (
            "version numeric not lexical",
            VersionAtLeast,
            Some(T::String("8.10".into())),
            s("8.9"),
            false,
            false,
            "fail",
        ),
        (
            "version not dotted",
            VersionAtLeast,
            Some(T::String("1.0".into())),
            s("n/a"),
            false,
            false,
            "invalid",
        ),
        (
            "exists when present",
            Exists,
            None,
            s("x"),
            false,
            false,
            "pass",
        ),
        (
            "absent when present",
            Absent,
            None,
            s("x"),
            false,
            false,
            "fail",
        ),
    ];
    for (name, op, expected, actual, ignore_case, unordered, want) in cases {
        let mut setting = setting(op, expected);
        setting.ignore_case = ignore_case;
        setting.unordered = unordered;
        assert_eq!(outcome(compare(&setting, &actual)), want, "{name}");
    }
}

#[test]
fn content_mismatch_carries_a_unified_diff_and_ignores_line_endings() {
    let mut setting = setting(Operator::Equals, None);
    setting.expected_content = Some("a\nb\nc\n".into());
    assert_eq!(compare(&setting, &s("a\r\nb\r\nc\r\n")), Comparison::Pass);
    let Comparison::Fail(Some(diff)) = compare(&setting, &s("a\nB\nc\n")) else {
        panic!("expected a failing comparison with a diff");
    };
    assert!(diff.contains("-b") && diff.contains("+B"), "{diff}");
}

#[test]
fn documented_defaults_become_typed_values() {
    assert_eq!(
        default_as_value(&T::Integer(7_200_000)),
        Value::Integer(7_200_000)
    );
    assert_eq!(default_as_value(&T::String("x".into())), s("x"));
    assert_eq!(
        default_as_value(&tstrs(&["a"])),
        Value::List(vec!["a".into()])
    );
    let setting = setting(Operator::LessOrEqual, Some(T::Integer(1_800_000)));
    assert_eq!(
        outcome(compare(&setting, &default_as_value(&T::Integer(7_200_000)))),
        "fail"
    );
}
