//! Text decoding shared by every text collector: BOM first, then the UTF-16 NUL pattern,
//! then strict UTF-8, then Windows-1252 (FORMATS.md §13.4).

use std::borrow::Cow;

/// The decoder that was used, recorded so reports can say how a file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Detects the encoding of `bytes` without decoding them.
pub fn sniff(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return TextEncoding::Utf8Bom;
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return TextEncoding::Utf16Le;
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return TextEncoding::Utf16Be;
    }
    // No BOM: a NUL in (nearly) every second byte of the first bytes means UTF-16.
    let probe = &bytes[..bytes.len().min(256)];
    if probe.len() >= 4 {
        let pairs = probe.len() / 2;
        let odd_nuls = probe.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let even_nuls = probe.iter().step_by(2).filter(|b| **b == 0).count();
        if odd_nuls * 10 >= pairs * 9 && even_nuls == 0 {
            return TextEncoding::Utf16Le;
        }
        if even_nuls * 10 >= pairs * 9 && odd_nuls == 0 {
            return TextEncoding::Utf16Be;
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Windows1252
    }
}

/// Decodes a whole file to text, stripping one leading BOM. Malformed UTF-16 becomes U+FFFD
/// rather than an error, so one bad code unit never loses the rest of the file.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    let encoding = sniff(bytes);
    let text = match encoding {
        TextEncoding::Utf8 => Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default()),
        TextEncoding::Utf8Bom => encoding_rs::UTF_8.decode_with_bom_removal(bytes).0,
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0,
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0,
        TextEncoding::Windows1252 => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    (text, encoding)
}

/// Splits text into lines numbered from 1, accepting CRLF, LF and lone CR, and dropping a
/// trailing DOS end-of-file byte (0x1A).
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let text = text.strip_suffix('\u{1a}').unwrap_or(text);
    let mut rest = text;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let end = memchr::memchr2(b'\n', b'\r', rest.as_bytes()).unwrap_or(rest.len());
        let line = &rest[..end];
        let bytes = rest.as_bytes();
        let skip = match (bytes.get(end), bytes.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(_), _) => 1,
            (None, _) => 0,
        };
        rest = &rest[end + skip..];
        Some((number, line.strip_suffix('\u{1a}').unwrap_or(line)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_boms_nul_pattern_utf8_and_1252() {
        assert_eq!(sniff(b"\xEF\xBB\xBFabc"), TextEncoding::Utf8Bom);
        assert_eq!(sniff(b"\xFF\xFEa\0b\0"), TextEncoding::Utf16Le);
        assert_eq!(sniff(b"W\0i\0n\0d\0o\0w\0s\0"), TextEncoding::Utf16Le);
        assert_eq!(sniff("caf\u{e9}".as_bytes()), TextEncoding::Utf8);
        assert_eq!(sniff(b"caf\xe9"), TextEncoding::Windows1252);
    }

    #[test]
    fn decodes_utf16_and_strips_bom() {
        let bytes = b"\xFF\xFEa\0\xe9\0";
        assert_eq!(decode(bytes).0, "a\u{e9}");
        assert_eq!(decode(b"\xEF\xBB\xBFx").0, "x");
        assert_eq!(decode(b"\x93q\x94").0, "\u{201c}q\u{201d}");
    }

    #[test]
    fn lines_accept_crlf_lf_lone_cr_and_ctrl_z() {
        let lines: Vec<_> = numbered_lines("a\r\nb\nc\rd\u{1a}").collect();
        assert_eq!(lines, vec![(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        let lines: Vec<_> = numbered_lines("a\n\nb\n").collect();
        assert_eq!(lines, vec![(1, "a"), (2, ""), (3, "b")]);
    }
}
