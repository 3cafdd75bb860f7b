//! Typed configuration values, as collected from exports and as expected by baselines.

use serde::Serialize;
use std::fmt;

/// An actual value read from an export, keeping its source type so comparisons are typed
/// (a REG_DWORD compares numerically) and rollback can restore the exact type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "kebab-case")]
pub enum Value {
    /// REG_SZ, or plain text from a text format.
    String(String),
    /// REG_EXPAND_SZ.
    ExpandString(String),
    /// REG_MULTI_SZ.
    MultiString(Vec<String>),
    /// REG_DWORD.
    Dword(u32),
    /// REG_QWORD.
    Qword(u64),
    /// REG_BINARY.
    Binary(Vec<u8>),
    /// Any other registry type number (REG_NONE, resource lists, device property types), raw.
    Raw { type_code: u32, bytes: Vec<u8> },
    /// A number that is not a registry value (file size, WMI integer property).
    Integer(i64),
    /// A true/false property.
    Boolean(bool),
    /// A multi-valued attribute or list property (LDIF attribute values, SID lists).
    List(Vec<String>),
}

impl Value {
    /// Short type name shown in reports (`REG_DWORD`, `string`, ...).
    pub fn type_name(&self) -> String {
        match self {
            Value::String(_) => "REG_SZ".into(),
            Value::ExpandString(_) => "REG_EXPAND_SZ".into(),
            Value::MultiString(_) => "REG_MULTI_SZ".into(),
            Value::Dword(_) => "REG_DWORD".into(),
            Value::Qword(_) => "REG_QWORD".into(),
            Value::Binary(_) => "REG_BINARY".into(),
            Value::Raw { type_code, .. } => match type_code {
                0 => "REG_NONE".into(),
                5 => "REG_DWORD_BIG_ENDIAN".into(),
                6 => "REG_LINK".into(),
                8 => "REG_RESOURCE_LIST".into(),
                9 => "REG_FULL_RESOURCE_DESCRIPTOR".into(),
                10 => "REG_RESOURCE_REQUIREMENTS_LIST".into(),
                n => format!("hex({n:x})"),
            },
            Value::Integer(_) => "integer".into(),
            Value::Boolean(_) => "boolean".into(),
            Value::List(_) => "list".into(),
        }
    }

    /// The value as a signed integer when it is numeric or numeric text
    /// (`16`, `0x10`, `-1`); `None` otherwise.
    pub fn as_integer(&self) -> Option<i128> {
        match self {
            Value::Dword(n) => Some(i128::from(*n)),
            Value::Qword(n) => Some(i128::from(*n)),
            Value::Integer(n) => Some(i128::from(*n)),
            Value::Boolean(b) => Some(i128::from(*b)),
            Value::String(s) | Value::ExpandString(s) => parse_integer(s),
            Value::Raw {
                type_code: 5,
                bytes,
            } if bytes.len() == 4 => Some(i128::from(u32::from_be_bytes([
                bytes[0], bytes[1], bytes[2], bytes[3],
            ]))),
            _ => None,
        }
    }

    /// The value as a list of strings: multi-valued types as they are, scalars as one element.
    pub fn as_list(&self) -> Vec<String> {
        match self {
            Value::MultiString(items) | Value::List(items) => items.clone(),
            other => vec![other.to_string()],
        }
    }

    /// A template value as an item value (numbers, text, booleans, lists of text), for
    /// checking a value against a setting before anything is collected.
    pub fn from_toml(value: &toml::Value) -> Option<Value> {
        match value {
            toml::Value::Integer(n) => Some(Value::Integer(*n)),
            toml::Value::String(s) => Some(Value::String(s.clone())),
            toml::Value::Boolean(b) => Some(Value::Boolean(*b)),
            toml::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            _ => None,
        }
    }

    /// Whether the value is multi-valued (compares as a list).
    pub fn is_list(&self) -> bool {
        matches!(self, Value::MultiString(_) | Value::List(_))
    }
}

/// Parses decimal (`16`, `-1`) or hexadecimal (`0x10`) integer text.
pub fn parse_integer(text: &str) -> Option<i128> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i128::from_str_radix(hex, 16).ok();
    }
    t.parse::<i128>().ok()
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) | Value::ExpandString(s) => f.write_str(s),
            Value::MultiString(items) | Value::List(items) => {
                write!(f, "[{}]", items.join(", "))
            }
            Value::Dword(n) => write!(f, "{n} (0x{n:08x})"),
            Value::Qword(n) => write!(f, "{n} (0x{n:016x})"),
            Value::Binary(bytes) | Value::Raw { bytes, .. } => write_hex(f, bytes),
            Value::Integer(n) => write!(f, "{n}"),
            Value::Boolean(b) => write!(f, "{b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_decimal_hex_and_negative() {
        assert_eq!(parse_integer("16"), Some(16));
        assert_eq!(parse_integer("0x10"), Some(16));
        assert_eq!(parse_integer(" -1 "), Some(-1));
        assert_eq!(parse_integer("1.5"), None);
        assert_eq!(Value::String("0x1F".into()).as_integer(), Some(31));
        assert_eq!(Value::Dword(u32::MAX).as_integer(), Some(4_294_967_295));
    }

    #[test]
    fn display_shows_dword_in_decimal_and_hex() {
        assert_eq!(Value::Dword(16).to_string(), "16 (0x00000010)");
        assert_eq!(Value::Binary(vec![1, 0xab]).to_string(), "01,ab");
        assert_eq!(
            Value::MultiString(vec!["a".into(), "b".into()]).to_string(),
            "[a, b]"
        );
    }
}
