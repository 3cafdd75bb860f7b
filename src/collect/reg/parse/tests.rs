//! Parser tests: one table per pitfall of FORMATS.md §1, then properties.

use super::*;
use crate::collect::Address;
use crate::collect::reg::filter::WantedSet;
use crate::collect::reg::model::RegistryModel;
use proptest::prelude::*;

const V5: &str = "Windows Registry Editor Version 5.00\r\n\r\n";
const V4: &str = "REGEDIT4\r\n\r\n";

fn parse_bytes(bytes: &[u8]) -> ParsedReg {
    parse_reg(bytes, Path::new("t.reg"))
}

fn parse_text(text: &str) -> ParsedReg {
    parse_bytes(text.as_bytes())
}

fn utf16(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

fn model_of(parsed: &ParsedReg) -> RegistryModel {
    let mut model = RegistryModel::new();
    model.apply(Path::new("t.reg"), &parsed.records);
    model
}

/// Parses a file that must be clean and returns one value from it.
fn clean_value(text: &str, key: &str, name: &str) -> Option<Value> {
    let parsed = parse_text(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{text:?}: {:?}",
        parsed.diagnostics
    );
    model_of(&parsed).value(key, name).cloned()
}

#[test]
fn headers_select_the_dialect() {
    let cases: [(&str, Option<Dialect>); 8] = [
        ("REGEDIT4\r\n", Some(Dialect::Regedit4)),
        (
            "Windows Registry Editor Version 5.00\r\n",
            Some(Dialect::Regedit5),
        ),
        (
            "Windows Registry Editor Version 5.00 \r\n",
            Some(Dialect::Regedit5),
        ),
        ("\r\n\r\n  REGEDIT4\n", Some(Dialect::Regedit4)),
        ("regedit4\n", Some(Dialect::Regedit4)),
        ("[HKEY_CURRENT_USER\\K]\r\n", None),
        ("Windows Registry Editor Version 4.00\r\n", None),
        ("", None),
    ];
    for (text, dialect) in cases {
        let parsed = parse_text(text);
        assert_eq!(parsed.dialect, dialect, "{text:?}");
        if dialect.is_none() {
            assert_eq!(parsed.diagnostics.len(), 1, "{text:?}");
            assert_eq!(
                parsed.diagnostics[0].line, 0,
                "whole-file problem: {text:?}"
            );
            assert!(parsed.records.is_empty());
        } else {
            assert!(parsed.diagnostics.is_empty(), "{text:?}");
        }
    }
}

#[test]
fn every_encoding_reads_the_same_content() {
    let crlf =
        format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"s\"=\"caf\u{e9}\"\r\n\"d\"=dword:00000001\r\n");
    let lf = crlf.replace("\r\n", "\n");
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(crlf.as_bytes());
    let (ansi, _, _) = encoding_rs::WINDOWS_1252.encode(&crlf);
    let mut ctrl_z = ansi.to_vec();
    ctrl_z.push(0x1A);
    let mut utf16_ctrl_z = utf16(&crlf, true);
    utf16_ctrl_z.extend_from_slice(&[0x1A, 0]);
    let cases: Vec<(&str, Vec<u8>, TextEncoding)> = vec![
        (
            "UTF-16LE BOM CRLF",
            utf16(&crlf, true),
            TextEncoding::Utf16Le,
        ),
        (
            "UTF-16LE no BOM",
            utf16(&crlf, false),
            TextEncoding::Utf16Le,
        ),
        ("UTF-16LE LF only", utf16(&lf, true), TextEncoding::Utf16Le),
        ("UTF-16LE + Ctrl-Z", utf16_ctrl_z, TextEncoding::Utf16Le),
        ("UTF-8 BOM", utf8_bom, TextEncoding::Utf8Bom),
        ("UTF-8", crlf.as_bytes().to_vec(), TextEncoding::Utf8),
        ("Windows-1252", ansi.to_vec(), TextEncoding::Windows1252),
        ("1252 + Ctrl-Z", ctrl_z, TextEncoding::Windows1252),
    ];
    for (label, bytes, encoding) in cases {
        let parsed = parse_bytes(&bytes);
        assert_eq!(parsed.encoding, encoding, "{label}");
        assert!(
            parsed.diagnostics.is_empty(),
            "{label}: {:?}",
            parsed.diagnostics
        );
        let model = model_of(&parsed);
        assert_eq!(
            model.value("HKCU\\K", "s"),
            Some(&Value::String("caf\u{e9}".into())),
            "{label}"
        );
        assert_eq!(
            model.value("HKCU\\K", "d"),
            Some(&Value::Dword(1)),
            "{label}"
        );
        let lines: Vec<u32> = parsed
            .records
            .iter()
            .map(|r| match r {
                Record::Key { line, .. }
                | Record::DeleteKey { line, .. }
                | Record::Value { line, .. } => *line,
            })
            .collect();
        assert_eq!(lines, [3, 4, 5], "{label}");
    }
}

#[test]
fn odd_length_utf16_is_reported_and_still_read() {
    let mut bytes = utf16(
        &format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"d\"=dword:2\r\n"),
        true,
    );
    bytes.push(0x41);
    let parsed = parse_bytes(&bytes);
    assert_eq!(parsed.diagnostics.len(), 1);
    assert!(
        parsed.diagnostics[0]
            .message
            .contains("odd number of bytes")
    );
    assert_eq!(
        model_of(&parsed).value("HKCU\\K", "d"),
        Some(&Value::Dword(2))
    );
}

#[test]
fn comments_blank_lines_and_leading_whitespace() {
    let text = format!(
        "{V5}; comment\r\n  ; indented comment\r\n\t\r\n   [HKEY_CURRENT_USER\\K]\r\n   \"a\"=\"x;not a comment\"\r\n\t@=\"d\"\r\n\r\n\r\n\"b\"=dword:3\r\n"
    );
    assert_eq!(
        clean_value(&text, "HKCU\\K", "a"),
        Some(Value::String("x;not a comment".into()))
    );
    assert_eq!(
        clean_value(&text, "HKCU\\K", "@"),
        Some(Value::String("d".into()))
    );
    // A blank line does not end a key section.
    assert_eq!(clean_value(&text, "HKCU\\K", "b"), Some(Value::Dword(3)));
}

#[test]
fn key_lines_read_to_the_last_bracket_and_normalise_the_hive() {
    let cases = [
        (
            "[HKEY_CLASSES_ROOT\\*\\shellex\\a]b]",
            "HKEY_CLASSES_ROOT\\*\\shellex\\a]b",
        ),
        (
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\{X} #1]  ",
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\{X} #1",
        ),
        ("[hkey_users\\default]", "HKEY_USERS\\default"),
        ("[HKLM\\Software\\A]", "HKEY_LOCAL_MACHINE\\Software\\A"),
        ("[HKCU\\A\\]", "HKEY_CURRENT_USER\\A"),
        ("[HKCC\\System]", "HKEY_CURRENT_CONFIG\\System"),
    ];
    for (line, canonical) in cases {
        let parsed = parse_text(&format!("{V5}{line}\r\n\"v\"=dword:1\r\n"));
        assert!(
            parsed.diagnostics.is_empty(),
            "{line}: {:?}",
            parsed.diagnostics
        );
        match &parsed.records[0] {
            Record::Key { path, line: 3 } => {
                assert_eq!(path.canonical, canonical, "{line}");
                assert!(line.contains(&path.written), "original text kept: {line}");
            }
            other => panic!("{line}: {other:?}"),
        }
        assert_eq!(
            model_of(&parsed).value(canonical, "v"),
            Some(&Value::Dword(1))
        );
    }
}

#[test]
fn values_names_escapes_and_spacing() {
    let key = "[HKEY_CURRENT_USER\\K]\r\n";
    let cases: [(&str, &str, Value); 10] = [
        ("\"a\"=\"text\"", "a", Value::String("text".into())),
        ("\"a\" = \"spaced\"", "a", Value::String("spaced".into())),
        ("\"a\"= \"right\"", "a", Value::String("right".into())),
        ("\"a\"\t=\t\"tabs\"", "a", Value::String("tabs".into())),
        ("@=\"default\"", "@", Value::String("default".into())),
        ("@ = \"default\"", "", Value::String("default".into())),
        ("\"a=b[c]\"=\"x\"", "a=b[c]", Value::String("x".into())),
        ("\"q\\\"n\\\\\"=\"v\"", "q\"n\\", Value::String("v".into())),
        (
            "\"s\"=\"a\\\\b\\\"c\\d\"",
            "s",
            Value::String("a\\b\"c\\d".into()),
        ),
        (
            "\"\"=\"empty name is the default\"",
            "@",
            Value::String("empty name is the default".into()),
        ),
    ];
    for (line, name, expected) in cases {
        let text = format!("{V5}{key}{line}\r\n");
        assert_eq!(
            clean_value(&text, "HKCU\\K", name),
            Some(expected),
            "{line}"
        );
    }
}

#[test]
fn every_data_type_decodes() {
    let v5 = |data: &str| format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"v\"={data}\r\n");
    let v4 = |data: &str| format!("{V4}[HKEY_CURRENT_USER\\K]\r\n\"v\"={data}\r\n");
    let raw = |type_code: u32, bytes: &[u8]| Value::Raw {
        type_code,
        bytes: bytes.to_vec(),
    };
    let cases: Vec<(String, Value)> = vec![
        (v5("\"\""), Value::String(String::new())),
        (v5("dword:0000000A"), Value::Dword(10)),
        (v5("dword:1"), Value::Dword(1)),
        (v5("DWORD:ffffffff"), Value::Dword(u32::MAX)),
        (v5("hex:"), Value::Binary(vec![])),
        (v5("hex:01,AB,ff"), Value::Binary(vec![1, 0xab, 0xff])),
        (v5("hex(0):"), raw(0, &[])),
        (v5("hex(1):41,00,00,00"), Value::String("A".into())),
        (
            v5("hex(2):25,00,41,00,25,00,00,00"),
            Value::ExpandString("%A%".into()),
        ),
        (v5("hex(3):0A,0b"), Value::Binary(vec![10, 11])),
        (v5("HEX(3):0A"), Value::Binary(vec![10])),
        (v5("hex(4):01,00,00,00"), Value::Dword(1)),
        (v5("hex(5):00,00,00,01"), raw(5, &[0, 0, 0, 1])),
        (v5("hex(6):41,00"), raw(6, &[0x41, 0])),
        (
            v5("hex(7):61,00,00,00,62,00,00,00,00,00"),
            Value::MultiString(vec!["a".into(), "b".into()]),
        ),
        (v5("hex(7):00"), Value::MultiString(vec![])),
        (v5("hex(7):00,00"), Value::MultiString(vec![])),
        (v5("hex(7):00,00,00"), Value::MultiString(vec![])),
        (v5("hex(8):01"), raw(8, &[1])),
        (v5("hex(9):01"), raw(9, &[1])),
        (v5("hex(a):01"), raw(10, &[1])),
        (v5("hex(A):01"), raw(10, &[1])),
        (v5("hex(b):01,00,00,00,00,00,00,00"), Value::Qword(1)),
        (v5("hex(ffff0012):01,02"), raw(0xffff0012, &[1, 2])),
        (v5("hex(10):"), raw(16, &[])),
        (v4("hex(2):25,41,25,00"), Value::ExpandString("%A%".into())),
        (
            v4("hex(7):61,00,e9,00,00"),
            Value::MultiString(vec!["a".into(), "\u{e9}".into()]),
        ),
        (v4("hex(1):e9,00"), Value::String("\u{e9}".into())),
    ];
    for (text, expected) in cases {
        assert_eq!(
            clean_value(&text, "HKCU\\K", "v"),
            Some(expected),
            "{text:?}"
        );
    }
}

#[test]
fn hex_continuation_lines_take_any_indent() {
    let cases = [
        "hex:01,02,\\\r\n  03,04",
        "hex:01,02,\\\r\n03,04",
        "hex:01,02,\\\r\n\t 03,04",
        "hex:01,02,\\  \r\n  03,\\\r\n  04",
        "hex:01,02,\\\r\n; a comment between\r\n\r\n  03,04",
        "hex:01,02,\\\n  03,04",
    ];
    for data in cases {
        let text = format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"v\"={data}\r\n\"after\"=dword:1\r\n");
        assert_eq!(
            clean_value(&text, "HKCU\\K", "v"),
            Some(Value::Binary(vec![1, 2, 3, 4])),
            "{data:?}"
        );
        assert_eq!(
            clean_value(&text, "HKCU\\K", "after"),
            Some(Value::Dword(1))
        );
    }
}

#[test]
fn strings_continue_across_physical_lines() {
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("CRLF", format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"s\"=\"one\r\n[not a key]\r\n\\\"two\\\" end\"\r\n\"n\"=dword:1\r\n").into_bytes(), "one\r\n[not a key]\r\n\"two\" end"),
        ("LF", format!("{V5}[HKEY_CURRENT_USER\\K]\n\"s\"=\"one\n\\\"two\"\n\"n\"=dword:1\n").into_bytes(), "one\n\"two"),
        ("UTF-16", utf16(&format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"s\"=\"a\\\r\n  b\"\r\n\"n\"=dword:1\r\n"), true), "a\\\r\n  b"),
        ("lone CR", format!("{V5}[HKEY_CURRENT_USER\\K]\r\"s\"=\"a\rb\"\r\"n\"=dword:1\r").into_bytes(), "a\rb"),
    ];
    for (label, bytes, expected) in cases {
        let parsed = parse_bytes(&bytes);
        assert!(
            parsed.diagnostics.is_empty(),
            "{label}: {:?}",
            parsed.diagnostics
        );
        let model = model_of(&parsed);
        assert_eq!(
            model.value("HKCU\\K", "s"),
            Some(&Value::String(expected.into())),
            "{label}"
        );
        assert_eq!(
            model.value("HKCU\\K", "n"),
            Some(&Value::Dword(1)),
            "{label}"
        );
        assert!(model.key("HKCU\\not a key").is_none(), "{label}");
    }
}

#[test]
fn records_apply_in_order() {
    let text = format!(
        "{V5}[HKEY_CURRENT_USER\\K]\r\n\"a\"=dword:1\r\n\"b\"=dword:1\r\n@=\"d\"\r\n\r\n\
         [HKEY_CURRENT_USER\\k]\r\n\"A\"=dword:2\r\n\"b\"=-\r\n@=-\r\n\r\n\
         [HKEY_CURRENT_USER\\Gone\\Sub]\r\n\"x\"=dword:1\r\n[-HKEY_CURRENT_USER\\Gone]\r\n\r\n\
         [-HKEY_CURRENT_USER\\Again]\r\n[HKEY_CURRENT_USER\\Again\\Sub]\r\n\"y\"=dword:5\r\n"
    );
    let parsed = parse_text(&text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let model = model_of(&parsed);
    assert_eq!(model.value("HKCU\\K", "a"), Some(&Value::Dword(2)));
    assert_eq!(model.key("HKCU\\K").unwrap().entry("a").unwrap().name, "a");
    assert_eq!(model.value("HKCU\\K", "b"), None);
    assert_eq!(model.value("HKCU\\K", "@"), None);
    assert_eq!(model.value("HKCU\\Gone\\Sub", "x"), None);
    assert_eq!(model.value("HKCU\\Again\\Sub", "y"), Some(&Value::Dword(5)));
}

#[test]
fn malformed_lines_are_reported_and_parsing_continues() {
    // (line 4 of the file, what the diagnostic must say, the value name it names)
    let cases: [(&str, &str, Option<&str>); 15] = [
        ("\"d\"=dword:0ffffffff", "9 hex digits", Some("d")),
        ("\"d\"=dword:", "no digits", Some("d")),
        ("\"d\"=dword:12 34", "not a hex digit", Some("d")),
        ("@=dword:xyz", "not a hex digit", Some("@")),
        ("\"h\"=hex:0g", "not one or two hex digits", Some("h")),
        (
            "\"h\"=hex(zz):00",
            "type must be 1 to 8 hex digits",
            Some("h"),
        ),
        ("\"x\"=str(2):\"a\"", "unknown data", Some("x")),
        ("\"x\" \"y\"", "expected `=`", Some("x")),
        ("\"unclosed=dword:1", "closing quote is missing", None),
        ("\"s\"=\"abc\" junk", "unexpected text `junk`", Some("s")),
        ("garbage line", "unexpected line", None),
        ("# hash comment", "unexpected line", None),
        (
            "\"h\"=hex:01,\\\r\n\"next\"=dword:0",
            "does not continue it",
            Some("h"),
        ),
        ("[HKEY_CURRENT_USER\\no close", "no closing `]`", None),
        ("[NOHIVE\\x]", "does not start with a registry hive", None),
    ];
    for (line, reason, name) in cases {
        let text = format!(
            "{V5}[HKEY_CURRENT_USER\\K]\r\n{line}\r\n[HKEY_CURRENT_USER\\K]\r\n\"ok\"=dword:1\r\n"
        );
        let parsed = parse_text(&text);
        assert_eq!(
            parsed.diagnostics.len(),
            1,
            "{line}: {:?}",
            parsed.diagnostics
        );
        let diagnostic = &parsed.diagnostics[0];
        assert_eq!(diagnostic.file, Path::new("t.reg"));
        assert_eq!(diagnostic.line, 4, "{line}");
        assert!(
            diagnostic.message.contains(reason),
            "{line}: {}",
            diagnostic.message
        );
        if let Some(name) = name {
            assert_eq!(
                diagnostic.location.as_deref(),
                Some("HKEY_CURRENT_USER\\K"),
                "{line}"
            );
            assert_eq!(diagnostic.name.as_deref(), Some(name), "{line}");
        }
        assert_eq!(
            model_of(&parsed).value("HKCU\\K", "ok"),
            Some(&Value::Dword(1)),
            "{line}"
        );
    }
}

#[test]
fn values_outside_keys_and_truncated_data_are_reported() {
    let cases: [(String, u32, &str); 4] = [
        (format!("{V5}\"early\"=dword:1\r\n"), 3, "before any [key]"),
        (
            format!("{V5}[-HKEY_CURRENT_USER\\K]\r\n\"v\"=dword:1\r\n"),
            4,
            "after a key deletion",
        ),
        (
            format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"s\"=\"never closed\r\nmore\r\n"),
            4,
            "closing quote is missing",
        ),
        (
            format!("{V5}[HKEY_CURRENT_USER\\K]\r\n\"h\"=hex:01,\\\r\n"),
            4,
            "end of the file",
        ),
    ];
    for (text, line, reason) in cases {
        let parsed = parse_text(&text);
        assert_eq!(
            parsed.diagnostics.len(),
            1,
            "{text:?}: {:?}",
            parsed.diagnostics
        );
        assert_eq!(parsed.diagnostics[0].line, line, "{text:?}");
        assert!(
            parsed.diagnostics[0].message.contains(reason),
            "{}",
            parsed.diagnostics[0].message
        );
    }
}

fn address(key: &str, name: &str) -> Address {
    Address {
        collector: "registry".into(),
        file: String::new(),
        location: key.into(),
        name: name.into(),
    }
}

/// The filtered parse, applied, must give exactly what the full parse gives for the
/// wanted addresses, and report nothing the full parse does not.
fn assert_filtered_matches_full(bytes: &[u8], wanted: &[Address]) {
    let full = parse_bytes(bytes);
    let full_model = model_of(&full);
    let refs: Vec<&Address> = wanted.iter().collect();
    let set = WantedSet::new(&refs);
    let filtered = parse_filtered(bytes, Path::new("t.reg"), Filter::Wanted(&set));
    let filtered_model = model_of(&filtered);
    for address in wanted {
        let lookup = |model: &RegistryModel| {
            let key = model.key(&address.location)?;
            let entry = key.entry(&address.name)?;
            Some((entry.data.clone(), entry.origin))
        };
        let full_value = lookup(&full_model).filter(|(data, _)| data.is_some());
        let filtered_value = lookup(&filtered_model).filter(|(data, _)| data.is_some());
        assert_eq!(filtered_value, full_value, "{address}");
    }
    for diagnostic in &filtered.diagnostics {
        assert!(
            full.diagnostics
                .iter()
                .any(|d| d.line == diagnostic.line && d.message == diagnostic.message),
            "filtered-only diagnostic {diagnostic}"
        );
    }
}

#[test]
fn skipping_unwanted_keys_keeps_strings_and_ancestor_deletions_straight() {
    let text = format!(
        "{V5}[HKEY_LOCAL_MACHINE\\Skip]\r\n\"s\"=\"starts here\r\n[HKEY_LOCAL_MACHINE\\Want]\r\n\\\"v\\\"=dword:9\r\nends\"\r\n\
         [HKEY_LOCAL_MACHINE\\Want]\r\n\"v\"=dword:1\r\n\"w\"=hex(7):61,00,00,\\\r\n  00,00,00\r\n\
         [-HKEY_LOCAL_MACHINE\\Other]\r\n[HKEY_LOCAL_MACHINE\\Gone\\Deep]\r\n\"x\"=dword:1\r\n\
         [-HKEY_LOCAL_MACHINE\\Gone]\r\n[-HKEY_LOCAL_MACHINE\\Want\\Child]\r\n\
         [HKEY_LOCAL_MACHINE\\Skip]\r\n\"q\"=\"a \\\" b\r\n[HKEY_LOCAL_MACHINE\\Want]\r\n\\\"v\\\"=dword:7\r\n\"\r\n"
    );
    let wanted = [
        address("HKLM\\Want", "v"),
        address("HKLM\\WANT", "W"),
        address("HKEY_LOCAL_MACHINE\\Gone\\Deep", "x"),
        address("HKLM\\Skip", "s"),
    ];
    for bytes in [text.as_bytes().to_vec(), utf16(&text, true)] {
        // With `Skip` unwanted its multi-line strings are only scanned, not read.
        assert_filtered_matches_full(&bytes, &wanted[..3]);
        assert_filtered_matches_full(&bytes, &wanted);
        let parsed = parse_bytes(&bytes);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let model = model_of(&parsed);
        assert_eq!(model.value("HKLM\\Want", "v"), Some(&Value::Dword(1)));
        assert_eq!(model.value("HKLM\\Gone\\Deep", "x"), None);
        assert_eq!(
            model.value("HKLM\\Skip", "s"),
            Some(&Value::String(
                "starts here\r\n[HKEY_LOCAL_MACHINE\\Want]\r\n\"v\"=dword:9\r\nends".into()
            ))
        );
    }
}

#[test]
fn filtered_diagnostics_name_the_wanted_setting() {
    let text = format!(
        "{V5}[HKEY_LOCAL_MACHINE\\SOFTWARE\\P]\r\n\"Throttle\"=dword:0ffffffff\r\n\"Other\"=dword:0ffffffff\r\njunk\r\n[HKEY_LOCAL_MACHINE\\Unwanted]\r\n\"x\"=dword:0ffffffff\r\n"
    );
    let wanted = [address("HKLM\\Software\\p", "throttle")];
    let refs: Vec<&Address> = wanted.iter().collect();
    let set = WantedSet::new(&refs);
    let parsed = parse_filtered(text.as_bytes(), Path::new("t.reg"), Filter::Wanted(&set));
    let found: Vec<(u32, Option<&str>, Option<&str>)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.line, d.location.as_deref(), d.name.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (4, Some("HKLM\\Software\\p"), Some("throttle")),
            (5, None, None),
            (6, Some("HKLM\\Software\\p"), None),
        ]
    );
}

/// Line fragments that exercise every syntax path, for the generated files below.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[HKEY_LOCAL_MACHINE\\A]".to_string()),
        Just("[HKLM\\a\\B]".to_string()),
        Just("[-HKEY_LOCAL_MACHINE\\A]".to_string()),
        Just("[-hklm\\a\\b]".to_string()),
        Just("[HKCU\\A]".to_string()),
        Just("[HKLM\\a]]".to_string()),
        Just("\"v\"=dword:1".to_string()),
        Just("\"V\"=dword:2".to_string()),
        Just("\"w\"=\"text".to_string()),
        Just("\"w\"=\"text\"".to_string()),
        Just("end\"".to_string()),
        Just("@=\"d\"".to_string()),
        Just("@=-".to_string()),
        Just("\"v\"=-".to_string()),
        Just("\"h\"=hex(7):61,00,\\".to_string()),
        Just("  00,00".to_string()),
        Just("\"x\\\"y\"=\"\\\\\"".to_string()),
        Just("; comment".to_string()),
        Just("\"v\"=dword:123456789".to_string()),
        Just("\u{e9}\u{4e0a}\u{a0a}".to_string()),
        "[ -~]{0,12}",
    ]
}

fn line_break() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\r\n"), Just("\n"), Just("\r")]
}

fn generated_file() -> impl Strategy<Value = String> {
    proptest::collection::vec((fragment(), line_break()), 0..24).prop_map(|lines| {
        let mut text = String::from(V5);
        for (line, end) in lines {
            text.push_str(&line);
            text.push_str(end);
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_bytes(&bytes);
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&bytes);
        let _ = parse_bytes(&with_bom);
        let mut with_header = V5.as_bytes().to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = parse_bytes(&with_header);
    }

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec("\\PC{0,40}", 0..16)) {
        let text = format!("{V5}{}", lines.join("\r\n"));
        let _ = parse_text(&text);
        let _ = parse_bytes(&utf16(&text, true));
    }

    #[test]
    fn encodings_and_filtering_agree(text in generated_file()) {
        let eight_bit = parse_text(&text);
        let sixteen = parse_bytes(&utf16(&text, true));
        prop_assert_eq!(&eight_bit.records, &sixteen.records);
        prop_assert_eq!(&eight_bit.diagnostics, &sixteen.diagnostics);
        let wanted = [
            address("HKLM\\A", "v"),
            address("HKEY_LOCAL_MACHINE\\A", "w"),
            address("hklm\\a\\b", "v"),
            address("HKLM\\A\\B", "@"),
            address("HKLM\\A\\B", "h"),
            address("HKLM\\a]", "v"),
        ];
        assert_filtered_matches_full(text.as_bytes(), &wanted);
        assert_filtered_matches_full(&utf16(&text, true), &wanted[..2]);
    }
}
