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
    let text = render_reg(model)?;
    let mut bytes = Vec::with_capacity(2 + text.len() * 2);
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    Ok(bytes)
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
