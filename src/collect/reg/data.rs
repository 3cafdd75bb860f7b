//! Value data: registry type codes, `hex(N):` byte lists, `dword:` numbers and string
//! escapes, in both directions (parsing and writing).

use crate::value::Value;
use std::borrow::Cow;

pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_DWORD_BIG_ENDIAN: u32 = 5;
pub const REG_LINK: u32 = 6;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_RESOURCE_LIST: u32 = 8;
pub const REG_FULL_RESOURCE_DESCRIPTOR: u32 = 9;
pub const REG_RESOURCE_REQUIREMENTS_LIST: u32 = 0xa;
pub const REG_QWORD: u32 = 0xb;

/// The file dialect, chosen by the header line. It decides how the bytes of string types
/// inside `hex(N):` lists are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `REGEDIT4`: single-byte ANSI strings (Windows-1252 here).
    Regedit4,
    /// `Windows Registry Editor Version 5.00`: UTF-16LE strings.
    Regedit5,
}

impl Dialect {
    pub fn header(self) -> &'static str {
        match self {
            Dialect::Regedit4 => "REGEDIT4",
            Dialect::Regedit5 => "Windows Registry Editor Version 5.00",
        }
    }

    /// Recognises a header line (surrounding whitespace and letter case tolerated).
    pub fn from_header(line: &str) -> Option<Dialect> {
        let line = line.trim();
        [Dialect::Regedit5, Dialect::Regedit4]
            .into_iter()
            .find(|d| d.header().eq_ignore_ascii_case(line))
    }
}

/// Decodes string bytes of one dialect. Lenient: an odd trailing byte of UTF-16 is ignored
/// and invalid code units become U+FFFD, so a damaged value still reads as text.
fn decode_text(bytes: &[u8], dialect: Dialect) -> String {
    match dialect {
        Dialect::Regedit5 => char::decode_utf16(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        Dialect::Regedit4 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Turns the raw data of a registry type into a typed value.
///
/// Strings drop their NUL terminator(s); MULTI_SZ splits on NUL after dropping the final
/// terminators, so the degenerate forms `00`, `00,00` and `00,00,00` all read as an empty
/// list. DWORD and QWORD data of the wrong length, and every type without a typed variant,
/// stay raw bytes with their type code.
pub fn value_from_bytes(type_code: u32, bytes: Vec<u8>, dialect: Dialect) -> Value {
    match type_code {
        REG_SZ | REG_EXPAND_SZ => {
            let mut text = decode_text(&bytes, dialect);
            text.truncate(text.trim_end_matches('\0').len());
            if type_code == REG_SZ {
                Value::String(text)
            } else {
                Value::ExpandString(text)
            }
        }
        REG_MULTI_SZ => {
            let text = decode_text(&bytes, dialect);
            let text = text.trim_end_matches('\0');
            if text.is_empty() {
                Value::MultiString(Vec::new())
            } else {
                Value::MultiString(text.split('\0').map(str::to_string).collect())
            }
        }
        REG_BINARY => Value::Binary(bytes),
        REG_DWORD => match <[u8; 4]>::try_from(bytes.as_slice()) {
            Ok(le) => Value::Dword(u32::from_le_bytes(le)),
            Err(_) => Value::Raw { type_code, bytes },
        },
        REG_QWORD => match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(le) => Value::Qword(u64::from_le_bytes(le)),
            Err(_) => Value::Raw { type_code, bytes },
        },
        _ => Value::Raw { type_code, bytes },
    }
}

fn utf16_with_nul(text: &str, out: &mut Vec<u8>) {
    for unit in text.encode_utf16().chain([0]) {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// The registry type code and raw bytes of a value as a v5 file stores them (strings
/// UTF-16LE with terminators). `None` for values that are not registry data (integers,
/// booleans and lists from other formats).
pub fn value_to_bytes(value: &Value) -> Option<(u32, Cow<'_, [u8]>)> {
    let mut out = Vec::new();
    let code = match value {
        Value::String(s) => {
            utf16_with_nul(s, &mut out);
            REG_SZ
        }
        Value::ExpandString(s) => {
            utf16_with_nul(s, &mut out);
            REG_EXPAND_SZ
        }
        Value::MultiString(items) => {
            for item in items {
                utf16_with_nul(item, &mut out);
            }
            out.extend_from_slice(&[0, 0]);
            REG_MULTI_SZ
        }
        Value::Dword(n) => {
            out.extend_from_slice(&n.to_le_bytes());
            REG_DWORD
        }
        Value::Qword(n) => {
            out.extend_from_slice(&n.to_le_bytes());
            REG_QWORD
        }
        Value::Binary(bytes) => return Some((REG_BINARY, Cow::Borrowed(bytes))),
        Value::Raw { type_code, bytes } => return Some((*type_code, Cow::Borrowed(bytes))),
        Value::Integer(_) | Value::Boolean(_) | Value::List(_) => return None,
    };
    Some((code, Cow::Owned(out)))
}

/// Parses the digits after `dword:`: 1 to 8 hex digits, either case. More digits are an
/// error, never truncated.
pub fn parse_dword(digits: &str) -> Result<u32, String> {
    let digits = digits.trim_end();
    if digits.is_empty() {
        return Err("`dword:` has no digits".into());
    }
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "`dword:{digits}` contains `{bad}`, not a hex digit"
        ));
    }
    if digits.len() > 8 {
        return Err(format!(
            "`dword:{digits}` has {} hex digits; a DWORD has at most 8",
            digits.len()
        ));
    }
    u32::from_str_radix(digits, 16).map_err(|e| format!("`dword:{digits}`: {e}"))
}

/// Parses the type number inside `hex(N)`: hexadecimal, 1 to 8 digits.
pub fn parse_type_code(digits: &str) -> Result<u32, String> {
    if digits.is_empty() || digits.len() > 8 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "`hex({digits})`: the type must be 1 to 8 hex digits"
        ));
    }
    u32::from_str_radix(digits, 16).map_err(|e| format!("`hex({digits})`: {e}"))
}

/// Parses a comma-separated list of hex bytes (continuation backslashes already removed).
/// Empty means zero-length data; a trailing comma is tolerated; spaces around bytes too.
pub fn parse_hex_list(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let text = text.strip_suffix(',').unwrap_or(text);
    let mut bytes = Vec::with_capacity(text.len() / 3 + 1);
    for (index, part) in text.split(',').enumerate() {
        let part = part.trim_matches([' ', '\t']);
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "byte {} of the hex list is `{part}`, not one or two hex digits",
                index + 1
            ));
        }
        bytes.push(u8::from_str_radix(part, 16).map_err(|e| e.to_string())?);
    }
    Ok(bytes)
}

/// Escapes text for a quoted name or string: `\` and `"` get a backslash.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['\\', '"']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Incremental reader of a quoted string's body (after the opening quote): `\\` and `\"`
/// are escapes; any other backslash is kept as written. Fed chunk by chunk because
/// `reg export` writes embedded line breaks raw, so a string can span physical lines.
#[derive(Debug, Default)]
pub struct QuotedText {
    pub text: String,
    pending_backslash: bool,
}

impl QuotedText {
    /// Consumes `chunk`; returns the byte offset just past the closing quote when the string
    /// ends inside it.
    pub fn feed(&mut self, chunk: &str) -> Option<usize> {
        for (i, c) in chunk.char_indices() {
            if self.pending_backslash {
                self.pending_backslash = false;
                match c {
                    '\\' | '"' => {
                        self.text.push(c);
                        continue;
                    }
                    _ => self.text.push('\\'),
                }
            }
            match c {
                '\\' => self.pending_backslash = true,
                '"' => return Some(i + 1),
                _ => self.text.push(c),
            }
        }
        None
    }
}

/// Reads a quoted name at the start of `text` (which begins with `"`); returns the name and
/// the rest after the closing quote, or `None` when the quote is not closed on the line.
pub fn quoted_prefix(text: &str) -> Option<(String, &str)> {
    let mut reader = QuotedText::default();
    let end = reader.feed(text.strip_prefix('"')?)?;
    Some((reader.text, &text[1 + end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        utf16_with_nul(text, &mut out);
        out
    }

    #[test]
    fn type_codes_map_to_typed_values() {
        let v5 = Dialect::Regedit5;
        let cases: Vec<(u32, Vec<u8>, Value)> = vec![
            (
                0,
                vec![],
                Value::Raw {
                    type_code: 0,
                    bytes: vec![],
                },
            ),
            (1, utf16("abc"), Value::String("abc".into())),
            (
                2,
                utf16("%SystemRoot%"),
                Value::ExpandString("%SystemRoot%".into()),
            ),
            (3, vec![1, 2], Value::Binary(vec![1, 2])),
            (4, vec![0x10, 0, 0, 0], Value::Dword(16)),
            (
                4,
                vec![1, 2],
                Value::Raw {
                    type_code: 4,
                    bytes: vec![1, 2],
                },
            ),
            (
                5,
                vec![0, 0, 0, 1],
                Value::Raw {
                    type_code: 5,
                    bytes: vec![0, 0, 0, 1],
                },
            ),
            (
                6,
                vec![0x41, 0],
                Value::Raw {
                    type_code: 6,
                    bytes: vec![0x41, 0],
                },
            ),
            (
                8,
                vec![9],
                Value::Raw {
                    type_code: 8,
                    bytes: vec![9],
                },
            ),
            (
                9,
                vec![9],
                Value::Raw {
                    type_code: 9,
                    bytes: vec![9],
                },
            ),
            (
                0xa,
                vec![9],
                Value::Raw {
                    type_code: 0xa,
                    bytes: vec![9],
                },
            ),
            (0xb, vec![1, 0, 0, 0, 0, 0, 0, 0], Value::Qword(1)),
            (
                0xb,
                vec![1],
                Value::Raw {
                    type_code: 0xb,
                    bytes: vec![1],
                },
            ),
            (
                0xffff0012,
                vec![7],
                Value::Raw {
                    type_code: 0xffff0012,
                    bytes: vec![7],
                },
            ),
        ];
        for (code, bytes, expected) in cases {
            assert_eq!(value_from_bytes(code, bytes, v5), expected, "hex({code:x})");
        }
    }

    #[test]
    fn multi_sz_degenerate_forms_read_as_empty_lists() {
        for bytes in [vec![], vec![0], vec![0, 0], vec![0, 0, 0], vec![0, 0, 0, 0]] {
            assert_eq!(
                value_from_bytes(REG_MULTI_SZ, bytes.clone(), Dialect::Regedit5),
                Value::MultiString(vec![]),
                "{bytes:?}"
            );
        }
        let mut two = utf16("a");
        two.extend(utf16("bc"));
        two.extend([0, 0]);
        assert_eq!(
            value_from_bytes(REG_MULTI_SZ, two, Dialect::Regedit5),
            Value::MultiString(vec!["a".into(), "bc".into()])
        );
        // REGEDIT4 stores the same type as ANSI bytes.
        assert_eq!(
            value_from_bytes(REG_MULTI_SZ, b"x\0\xe9\0\0".to_vec(), Dialect::Regedit4),
            Value::MultiString(vec!["x".into(), "é".into()])
        );
    }

    #[test]
    fn strings_decode_per_dialect_leniently() {
        assert_eq!(
            value_from_bytes(REG_EXPAND_SZ, b"%a%\0".to_vec(), Dialect::Regedit4),
            Value::ExpandString("%a%".into())
        );
        // Odd length: the dangling byte is ignored, not fatal.
        assert_eq!(
            value_from_bytes(REG_SZ, vec![0x41, 0, 0x42], Dialect::Regedit5),
            Value::String("A".into())
        );
        // No terminator at all still reads.
        assert_eq!(
            value_from_bytes(REG_SZ, vec![0x41, 0], Dialect::Regedit5),
            Value::String("A".into())
        );
    }

    #[test]
    fn dwords_take_one_to_eight_hex_digits() {
        assert_eq!(parse_dword("0000000a"), Ok(10));
        assert_eq!(parse_dword("FFFFFFFF"), Ok(u32::MAX));
        assert_eq!(parse_dword("1"), Ok(1));
        assert_eq!(parse_dword("10  "), Ok(16));
        assert!(
            parse_dword("0ffffffff")
                .unwrap_err()
                .contains("9 hex digits")
        );
        assert!(parse_dword("").is_err());
        assert!(parse_dword("0x10").is_err());
    }

    #[test]
    fn hex_lists_accept_case_empty_and_trailing_commas() {
        assert_eq!(parse_hex_list(""), Ok(vec![]));
        assert_eq!(parse_hex_list("01,AB,ff"), Ok(vec![1, 0xab, 0xff]));
        assert_eq!(parse_hex_list("01, 02 ,"), Ok(vec![1, 2]));
        assert_eq!(parse_hex_list("1,2"), Ok(vec![1, 2]));
        assert!(parse_hex_list("01,,02").is_err());
        assert!(parse_hex_list("012").is_err());
        assert!(parse_hex_list("0g").is_err());
        assert_eq!(parse_type_code("ffff0012"), Ok(0xffff0012));
        assert_eq!(parse_type_code("B"), Ok(11));
        assert!(parse_type_code("123456789").is_err());
    }

    #[test]
    fn quoted_text_handles_escapes_across_chunks() {
        let mut q = QuotedText::default();
        assert_eq!(q.feed(r#"a\"b\\c\d"#), None);
        assert_eq!(q.feed("\r\n"), None);
        assert_eq!(q.feed(r#"e" tail"#), Some(2));
        assert_eq!(q.text, "a\"b\\c\\d\r\ne");
        // A backslash at the end of a physical line stays a backslash.
        let mut q = QuotedText::default();
        assert_eq!(q.feed("x\\"), None);
        assert_eq!(q.feed("\n\""), Some(2));
        assert_eq!(q.text, "x\\\n");
        assert_eq!(
            quoted_prefix(r#""A- \" B \\ []=" = x"#),
            Some(("A- \" B \\ []=".to_string(), " = x"))
        );
        assert_eq!(quoted_prefix(r#""open"#), None);
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
    }

    #[test]
    fn values_convert_to_type_and_bytes() {
        assert_eq!(
            value_to_bytes(&Value::Dword(1)).map(|(c, b)| (c, b.into_owned())),
            Some((REG_DWORD, vec![1, 0, 0, 0]))
        );
        assert_eq!(
            value_to_bytes(&Value::MultiString(vec![])).map(|(c, b)| (c, b.into_owned())),
            Some((REG_MULTI_SZ, vec![0, 0]))
        );
        assert_eq!(value_to_bytes(&Value::Integer(1)), None);
    }
}
