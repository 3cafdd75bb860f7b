//! Writing a [`RegistryModel`] as a `.reg` file the way regedit exports: version 5 header,
//! UTF-16LE with BOM, CRLF line breaks, hex data wrapped at 80 columns with `\` and a
//! two-space indent. Deleted keys become `[-key]`, deleted values `"name"=-`.

use super::data::{Dialect, REG_BINARY, escape, value_to_bytes};
use super::model::{KeyEntry, RegistryModel, ValueEntry};
use crate::value::Value;
use std::fmt::Write as _;

/// Regedit keeps every wrapped hex line within this many columns (a long value name still
/// gets at least one byte on its first line).
pub const MAX_COLUMNS: usize = 80;

const CRLF: &str = "\r\n";

/// Something a `.reg` file cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("value `{name}` of [{key}] is {type_name}, not registry data")]
    NotRegistryData {
        key: String,
        name: String,
        type_name: String,
    },
    #[error("key `{0}` contains a line break, which a .reg file cannot express")]
    KeyLineBreak(String),
    #[error(
        "value name `{name}` of [{key}] contains a line break, which a .reg file cannot express"
    )]
    NameLineBreak { key: String, name: String },
}

/// The model as `.reg` text (CRLF line breaks), ready to be encoded.
pub fn render_reg(model: &RegistryModel) -> Result<String, WriteError> {
    let mut out = String::new();
    out.push_str(Dialect::Regedit5.header());
    out.push_str(CRLF);
    out.push_str(CRLF);
    for key in model.keys() {
        write_key(&mut out, key)?;
    }
    Ok(out)
}

/// The model as a regedit-style file: UTF-16LE with a byte-order mark.
pub fn write_reg(model: &RegistryModel) -> Result<Vec<u8>, WriteError> {
    Ok(encode_regedit(&render_reg(model)?))
}

/// `.reg` text encoded as regedit writes it: UTF-16LE with a byte-order mark.
pub fn encode_regedit(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2 + text.len() * 2);
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

fn write_key(out: &mut String, key: &KeyEntry) -> Result<(), WriteError> {
    if key.canonical.contains(['\r', '\n']) {
        return Err(WriteError::KeyLineBreak(key.canonical.clone()));
    }
    if key.deleted {
        let _ = write!(out, "[-{}]{CRLF}{CRLF}", key.canonical);
    }
    if key.exists {
        let _ = write!(out, "[{}]{CRLF}", key.canonical);
        for value in key.values() {
            write_value(out, key, value)?;
        }
        out.push_str(CRLF);
    }
    Ok(())
}

fn write_value(out: &mut String, key: &KeyEntry, value: &ValueEntry) -> Result<(), WriteError> {
    if value.name.contains(['\r', '\n']) {
        return Err(WriteError::NameLineBreak {
            key: key.canonical.clone(),
            name: value.name.clone(),
        });
    }
    let line_start = out.len();
    if value.name.is_empty() {
        out.push('@');
    } else {
        let _ = write!(out, "\"{}\"", escape(&value.name));
    }
    out.push('=');
    match &value.data {
        None => out.push('-'),
        Some(Value::Dword(n)) => {
            let _ = write!(out, "dword:{n:08x}");
        }
        // Line breaks and NULs inside a quoted string are not portable: regedit's import
        // would split the line. Such strings are written as hex(1), like binary data.
        Some(Value::String(s)) if !s.contains(['\0', '\r', '\n']) => {
            let _ = write!(out, "\"{}\"", escape(s));
        }
        Some(data) => {
            let (code, bytes) =
                value_to_bytes(data).ok_or_else(|| WriteError::NotRegistryData {
                    key: key.canonical.clone(),
                    name: value.name.clone(),
                    type_name: data.type_name(),
                })?;
            match code {
                REG_BINARY => out.push_str("hex:"),
                _ => {
                    let _ = write!(out, "hex({code:x}):");
                }
            }
            let column = out[line_start..].chars().count();
            push_wrapped_hex(out, column, &bytes);
        }
    }
    out.push_str(CRLF);
    Ok(())
}

/// Appends `bytes` as `xx,xx,...`, breaking with `\` + CRLF + two spaces before a byte that
/// would push the line (with its trailing `,\`) past [`MAX_COLUMNS`].
fn push_wrapped_hex(out: &mut String, mut column: usize, bytes: &[u8]) {
    for (i, byte) in bytes.iter().enumerate() {
        let _ = write!(out, "{byte:02x}");
        column += 2;
        if i + 1 < bytes.len() {
            out.push(',');
            column += 1;
            if column + ",xx".len() + 1 > MAX_COLUMNS {
                out.push('\\');
                out.push_str(CRLF);
                out.push_str("  ");
                column = 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::reg::data::{
        REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_QWORD, REG_SZ,
    };
    use crate::collect::reg::parse_reg;
    use proptest::prelude::*;
    use std::path::Path;

    /// What a model says, without where it was read from or how keys were first spelled.
    type Snapshot = Vec<(String, bool, bool, Vec<(String, Option<Value>)>)>;

    fn snapshot(model: &RegistryModel) -> Snapshot {
        model
            .keys()
            .map(|k| {
                let values = k
                    .values()
                    .map(|v| (v.name.clone(), v.data.clone()))
                    .collect();
                (k.canonical.clone(), k.deleted, k.exists, values)
            })
            .collect()
    }

    /// One change made through the model's API.
    #[derive(Debug, Clone)]
    enum Change {
        Set(String, String, Value),
        DeleteValue(String, String),
        CreateKey(String),
        DeleteKey(String),
    }

    fn key_path() -> impl Strategy<Value = String> {
        let hive = prop_oneof![
            Just("HKEY_LOCAL_MACHINE"),
            Just("HKLM"),
            Just("hkcu"),
            Just("HKEY_USERS")
        ];
        let component = prop_oneof![
            Just("A".to_string()),
            Just("a".to_string()),
            Just("T2".to_string()),
            Just("Sub Key ".to_string()),
            Just("x]y[z".to_string()),
            Just("{8C19066A-643A}".to_string()),
            Just("*".to_string()),
            "[^\\\\\r\n]{1,8}",
        ];
        (hive, proptest::collection::vec(component, 0..4)).prop_map(|(hive, parts)| {
            std::iter::once(hive.to_string())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("\\")
        })
    }

    fn value_name() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), Just("@".to_string()), "[^\r\n]{1,12}"]
    }

    /// Text a registry string can hold: anything but NUL (the terminator).
    fn reg_text() -> impl Strategy<Value = String> {
        "[^\u{0}]{0,20}"
    }

    fn registry_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            reg_text().prop_map(Value::String),
            reg_text().prop_map(Value::ExpandString),
            proptest::collection::vec("[^\u{0}]{1,10}", 0..4).prop_map(Value::MultiString),
            any::<u32>().prop_map(Value::Dword),
            any::<u64>().prop_map(Value::Qword),
            proptest::collection::vec(any::<u8>(), 0..200).prop_map(Value::Binary),
            (
                any::<u32>().prop_filter("typed forms", |c| ![
                    REG_SZ,
                    REG_EXPAND_SZ,
                    REG_BINARY,
                    REG_DWORD,
                    REG_MULTI_SZ,
                    REG_QWORD
                ]
                .contains(c)),
                proptest::collection::vec(any::<u8>(), 0..40)
            )
                .prop_map(|(type_code, bytes)| Value::Raw { type_code, bytes }),
        ]
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            4 => (key_path(), value_name(), registry_value()).prop_map(|(k, n, v)| Change::Set(k, n, v)),
            1 => (key_path(), value_name()).prop_map(|(k, n)| Change::DeleteValue(k, n)),
            1 => key_path().prop_map(Change::CreateKey),
            1 => key_path().prop_map(Change::DeleteKey),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn models_round_trip_through_write_and_parse(changes in proptest::collection::vec(change(), 0..30)) {
            let mut model = RegistryModel::new();
            for change in changes {
                let applied = match change {
                    Change::Set(k, n, v) => model.set_value(&k, &n, v),
                    Change::DeleteValue(k, n) => model.delete_value(&k, &n),
                    Change::CreateKey(k) => model.create_key(&k),
                    Change::DeleteKey(k) => model.delete_key(&k),
                };
                prop_assert!(applied.is_ok());
            }
            let bytes = write_reg(&model).expect("registry values only");
            let parsed = parse_reg(&bytes, Path::new("rollback.reg"));
            prop_assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
            let mut read_back = RegistryModel::new();
            read_back.apply(Path::new("rollback.reg"), &parsed.records);
            prop_assert_eq!(snapshot(&read_back), snapshot(&model));
            // Continuation lines (the only ones starting with two spaces) fit in 80 columns.
            for line in render_reg(&model).unwrap().split("\r\n") {
                prop_assert!(!line.starts_with("  ") || line.chars().count() <= MAX_COLUMNS, "{}", line);
            }
        }
    }

    #[test]
    fn writes_regedit_layout_with_deletions() {
        let mut model = RegistryModel::new();
        model.delete_key("HKLM\\SOFTWARE\\Old").unwrap();
        model
            .set_value(
                "HKLM\\SOFTWARE\\App",
                "@",
                Value::String("C:\\a \"b\"".into()),
            )
            .unwrap();
        model
            .set_value("HKLM\\SOFTWARE\\App", "Count", Value::Dword(10))
            .unwrap();
        model.delete_value("HKLM\\SOFTWARE\\App", "Gone").unwrap();
        model
            .set_value(
                "HKLM\\SOFTWARE\\App",
                "Path",
                Value::ExpandString("%A%".into()),
            )
            .unwrap();
        model
            .set_value("HKLM\\SOFTWARE\\App", "Big", Value::Qword(1))
            .unwrap();
        model
            .set_value(
                "HKLM\\SOFTWARE\\App",
                "Dev",
                Value::Raw {
                    type_code: 0xffff0012,
                    bytes: vec![],
                },
            )
            .unwrap();
        let text = render_reg(&model).unwrap();
        assert_eq!(
            text,
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\App]\r\n\
             @=\"C:\\\\a \\\"b\\\"\"\r\n\
             \"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n\
             \"Count\"=dword:0000000a\r\n\
             \"Dev\"=hex(ffff0012):\r\n\
             \"Gone\"=-\r\n\
             \"Path\"=hex(2):25,00,41,00,25,00,00,00\r\n\r\n\
             [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n\r\n"
        );
        let bytes = write_reg(&model).unwrap();
        assert_eq!(&bytes[..4], &[0xFF, 0xFE, b'W', 0]);
    }

    #[test]
    fn hex_wraps_like_regedit() {
        let mut model = RegistryModel::new();
        model
            .set_value("HKCU\\K", "Endpoints", Value::Binary((0..60).collect()))
            .unwrap();
        let long_name = "n".repeat(90);
        model
            .set_value("HKCU\\K", &long_name, Value::Binary(vec![0x30, 0x36]))
            .unwrap();
        let text = render_reg(&model).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[2], "[HKEY_CURRENT_USER\\K]");
        // `"Endpoints"=hex:` is 16 columns: 21 bytes fit in 80 with the trailing `,\`.
        assert_eq!(lines[3].len(), 16 + 21 * 3 + 1);
        assert!(lines[3].len() <= MAX_COLUMNS && lines[3].ends_with(",\\"));
        assert_eq!(lines[4].len(), 2 + 25 * 3 + 1);
        assert!(lines[4].starts_with("  15,16,"));
        assert_eq!(lines[5], "  2e,2f,30,31,32,33,34,35,36,37,38,39,3a,3b");
        // A long name still gets one byte on its first line.
        assert_eq!(lines[6], format!("\"{long_name}\"=hex:30,\\"));
        assert_eq!(lines[7], "  36");
    }

    #[test]
    fn strings_with_line_breaks_become_hex_and_foreign_values_are_refused() {
        let mut model = RegistryModel::new();
        model
            .set_value("HKCU\\K", "m", Value::String("a\r\nb".into()))
            .unwrap();
        let text = render_reg(&model).unwrap();
        assert!(
            text.contains("\"m\"=hex(1):61,00,0d,00,0a,00,62,00,00,00\r\n"),
            "{text}"
        );
        model.set_value("HKCU\\K", "n", Value::Integer(1)).unwrap();
        assert!(matches!(
            render_reg(&model),
            Err(WriteError::NotRegistryData { .. })
        ));
        let mut model = RegistryModel::new();
        model.set_value("HKCU\\K", "a\nb", Value::Dword(1)).unwrap();
        assert!(matches!(
            render_reg(&model),
            Err(WriteError::NameLineBreak { .. })
        ));
    }
}
