//! The `.reg` parser. It walks the raw bytes line by line without decoding them first
//! (UTF-16LE exports are scanned as 2-byte units), decodes only key lines and the lines
//! of keys it was asked to read, and skips everything else with a cheap scan that still
//! honours strings spanning lines. Malformed lines become diagnostics; parsing continues.

use super::data::{
    Dialect, QuotedText, REG_BINARY, parse_dword, parse_hex_list, parse_type_code, quoted_prefix,
    value_from_bytes,
};
use super::filter::{Filter, WantedKey};
use super::key::{KeyPath, folded_key_into};
use super::model::Record;
use crate::collect::Diagnostic;
use crate::collect::decode::{TextEncoding, decode, sniff};
use crate::value::Value;
use std::path::Path;

/// A parsed file: its records in order, and what was wrong with it.
#[derive(Debug, Clone)]
pub struct ParsedReg {
    /// `None` when the header is missing (then there are no records).
    pub dialect: Option<Dialect>,
    pub encoding: TextEncoding,
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a whole file: every key and value. `file` names it in diagnostics.
pub fn parse_reg(bytes: &[u8], file: &Path) -> ParsedReg {
    parse_filtered(bytes, file, Filter::All)
}

/// Parses a file, reading only what `filter` asks for.
pub(crate) fn parse_filtered(bytes: &[u8], file: &Path, filter: Filter<'_, '_>) -> ParsedReg {
    let encoding = sniff(bytes);
    let mut out = ParsedReg {
        dialect: None,
        encoding,
        records: Vec::new(),
        diagnostics: Vec::new(),
    };
    match encoding {
        TextEncoding::Utf16Le => {
            let mut body = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
            if body.len() % 2 == 1 {
                out.diagnostics.push(Diagnostic::file(
                    file,
                    "UTF-16 file has an odd number of bytes (truncated?); the last byte is ignored",
                ));
                body = &body[..body.len() - 1];
            }
            if body.ends_with(&[0x1A, 0]) {
                body = &body[..body.len() - 2];
            }
            Parser::new(Utf16(body), file, filter, &mut out).run();
        }
        _ => {
            let (text, _) = decode(bytes);
            let text = text.strip_suffix('\u{1a}').unwrap_or(&text);
            Parser::new(Text(text), file, filter, &mut out).run();
        }
    }
    out
}

/// Positions in the raw data are byte offsets; a unit is one byte (8-bit text) or one
/// UTF-16 code unit (two bytes). Only ASCII matters to the syntax, so the scanner asks
/// "which ASCII character is here" and never decodes what it skips.
trait Units {
    /// Bytes per unit.
    const STEP: usize;
    fn len(&self) -> usize;
    /// The ASCII character at `pos`, or 0x80 when the unit is not ASCII (or out of range).
    fn ascii(&self, pos: usize) -> u8;
    /// The first position in `from..to` holding ASCII `a` or `b`.
    fn find2(&self, from: usize, to: usize, a: u8, b: u8) -> Option<usize>;
    /// The last position in `from..to` holding ASCII `a`.
    fn rfind(&self, from: usize, to: usize, a: u8) -> Option<usize>;
    /// Appends the text of `from..to` to `out`.
    fn decode_into(&self, from: usize, to: usize, out: &mut String);
    /// From a line start: where the line's text ends, where the next line starts, and the
    /// line break as text (CRLF, LF or lone CR; empty at the end of the data).
    fn line_end(&self, from: usize) -> (usize, usize, &'static str);
}

/// UTF-16LE data (BOM removed, even length).
struct Utf16<'a>(&'a [u8]);

impl Utf16<'_> {
    /// Whether the two bytes at `at` (found by a byte search) are the ASCII unit `c`.
    fn is_unit(&self, at: usize, c: u8) -> bool {
        at.is_multiple_of(2) && self.0.get(at) == Some(&c) && self.0.get(at + 1) == Some(&0)
    }
}

impl Units for Utf16<'_> {
    const STEP: usize = 2;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn ascii(&self, pos: usize) -> u8 {
        match (self.0.get(pos), self.0.get(pos + 1)) {
            (Some(&low), Some(0)) if low < 0x80 => low,
            _ => 0x80,
        }
    }

    fn find2(&self, from: usize, to: usize, a: u8, b: u8) -> Option<usize> {
        let to = to.min(self.0.len());
        let mut p = from;
        while p < to {
            let at = p + memchr::memchr2(a, b, &self.0[p..to])?;
            if at.is_multiple_of(2) && self.0.get(at + 1) == Some(&0) {
                return Some(at);
            }
            p = at + 1;
        }
        None
    }

    fn rfind(&self, from: usize, to: usize, a: u8) -> Option<usize> {
        let mut end = to.min(self.0.len());
        while from < end {
            let at = from + memchr::memrchr(a, &self.0[from..end])?;
            if self.is_unit(at, a) {
                return Some(at);
            }
            end = at;
        }
        None
    }

    fn decode_into(&self, from: usize, to: usize, out: &mut String) {
        let Some(bytes) = self.0.get(from..to.min(self.0.len())) else {
            return;
        };
        let mut decoder = encoding_rs::UTF_16LE.new_decoder_without_bom_handling();
        if let Some(needed) = decoder.max_utf8_buffer_length(bytes.len()) {
            out.reserve(needed);
        }
        let _ = decoder.decode_to_string(bytes, out, true);
    }

    fn line_end(&self, from: usize) -> (usize, usize, &'static str) {
        let data = self.0;
        let mut p = from;
        while let Some(i) = memchr::memchr2(b'\n', b'\r', &data[p.min(data.len())..]) {
            let at = p + i;
            if at.is_multiple_of(2) && data.get(at + 1) == Some(&0) {
                return if data[at] == b'\n' {
                    (at, at + 2, "\n")
                } else if self.is_unit(at + 2, b'\n') {
                    (at, at + 4, "\r\n")
                } else {
                    (at, at + 2, "\r")
                };
            }
            p = at + 1;
        }
        (data.len(), data.len(), "")
    }
}

/// 8-bit data already decoded to text (UTF-8 or Windows-1252 files).
struct Text<'a>(&'a str);

impl Units for Text<'_> {
    const STEP: usize = 1;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn ascii(&self, pos: usize) -> u8 {
        match self.0.as_bytes().get(pos) {
            Some(&b) if b < 0x80 => b,
            _ => 0x80,
        }
    }

    fn find2(&self, from: usize, to: usize, a: u8, b: u8) -> Option<usize> {
        let bytes = self.0.as_bytes().get(from..to.min(self.0.len()))?;
        memchr::memchr2(a, b, bytes).map(|i| from + i)
    }

    fn rfind(&self, from: usize, to: usize, a: u8) -> Option<usize> {
        let bytes = self.0.as_bytes().get(from..to.min(self.0.len()))?;
        memchr::memrchr(a, bytes).map(|i| from + i)
    }

    fn decode_into(&self, from: usize, to: usize, out: &mut String) {
        // Syntax positions are char boundaries already; a length cap (message snippets)
        // may not be, so it is moved back to the boundary before it.
        let mut to = to.min(self.0.len());
        while to > from && !self.0.is_char_boundary(to) {
            to -= 1;
        }
        out.push_str(self.0.get(from..to).unwrap_or_default());
    }

    fn line_end(&self, from: usize) -> (usize, usize, &'static str) {
        let bytes = self.0.as_bytes();
        match memchr::memchr2(b'\n', b'\r', bytes.get(from..).unwrap_or_default()) {
            None => (bytes.len(), bytes.len(), ""),
            Some(i) => {
                let at = from + i;
                if bytes[at] == b'\n' {
                    (at, at + 1, "\n")
                } else if bytes.get(at + 1) == Some(&b'\n') {
                    (at, at + 2, "\r\n")
                } else {
                    (at, at + 1, "\r")
                }
            }
        }
    }
}

/// One physical line.
#[derive(Debug, Clone, Copy)]
struct Line {
    number: u32,
    /// Where its text ends (before the line break).
    end: usize,
    /// Where the next line starts.
    next: usize,
    terminator: &'static str,
}

/// What the lines after a key header mean.
enum Mode<'f, 'a> {
    /// Values of a key that is read: all of them (`wanted` none) or the wanted ones.
    Body {
        /// The key's canonical path, for diagnostics.
        key: String,
        wanted: Option<&'f WantedKey<'a>>,
    },
    /// Lines nobody asked for: only their extent is tracked. `note` says why values here
    /// are ignored when that deserves a diagnostic.
    Skip { note: Option<&'static str> },
}

struct Parser<'p, 'f, 'a, U: Units> {
    units: U,
    pos: usize,
    line_number: u32,
    /// The line break that ended the last line consumed (joins a string's lines).
    last_terminator: &'static str,
    file: &'p Path,
    filter: Filter<'f, 'a>,
    dialect: Dialect,
    mode: Mode<'f, 'a>,
    out: &'p mut ParsedReg,
    /// Reused buffers: the current line's text, a continuation line's text, a folded key.
    line_text: String,
    more_text: String,
    folded: String,
}

/// A value line's parse failure: the reason, and the value name when it was readable.
struct Malformed {
    reason: String,
    name: Option<String>,
}

impl<'p, 'f, 'a, U: Units> Parser<'p, 'f, 'a, U> {
    fn new(units: U, file: &'p Path, filter: Filter<'f, 'a>, out: &'p mut ParsedReg) -> Self {
        Parser {
            units,
            pos: 0,
            line_number: 0,
            last_terminator: "",
            file,
            filter,
            dialect: Dialect::Regedit5,
            mode: Mode::Skip {
                note: Some("value line before any [key]"),
            },
            out,
            line_text: String::new(),
            more_text: String::new(),
            folded: String::new(),
        }
    }

    fn peek_line(&self) -> Option<Line> {
        if self.pos >= self.units.len() {
            return None;
        }
        let (end, next, terminator) = self.units.line_end(self.pos);
        Some(Line {
            number: self.line_number.saturating_add(1),
            end,
            next,
            terminator,
        })
    }

    /// Consumes a peeked line; returns where its text starts.
    fn consume(&mut self, line: &Line) -> usize {
        let start = self.pos;
        self.pos = line.next;
        self.line_number = line.number;
        self.last_terminator = line.terminator;
        start
    }

    fn next_line(&mut self) -> Option<(usize, Line)> {
        let line = self.peek_line()?;
        Some((self.consume(&line), line))
    }

    /// First position in `from..to` that is not a space or tab.
    fn skip_blanks(&self, mut from: usize, to: usize) -> usize {
        while from < to && matches!(self.units.ascii(from), b' ' | b'\t') {
            from += U::STEP;
        }
        from
    }

    fn diagnose(&mut self, line: u32, message: String, targets: Vec<(String, Option<String>)>) {
        let base = Diagnostic::line(self.file, line, message);
        if targets.is_empty() {
            self.out.diagnostics.push(base);
        } else {
            for (location, name) in targets {
                self.out.diagnostics.push(base.clone().at(location, name));
            }
        }
    }

    fn run(&mut self) {
        if !self.header() {
            return;
        }
        while let Some((start, line)) = self.next_line() {
            let first = self.skip_blanks(start, line.end);
            if first >= line.end {
                continue;
            }
            match self.units.ascii(first) {
                b';' => {}
                b'[' => self.key_line(first, &line),
                b'"' | b'@' => match &self.mode {
                    Mode::Body { .. } => self.value_line(first, &line),
                    Mode::Skip { note } => {
                        if let Some(note) = *note {
                            self.report_ignored(note, first, &line);
                        }
                        self.skip_value(first, &line);
                    }
                },
                _ => self.other_line(first, &line),
            }
        }
    }

    /// Reads the header (the first non-blank line) and picks the dialect.
    fn header(&mut self) -> bool {
        while let Some((start, line)) = self.next_line() {
            let first = self.skip_blanks(start, line.end);
            if first >= line.end {
                continue;
            }
            self.line_text.clear();
            self.units.decode_into(first, line.end, &mut self.line_text);
            if let Some(dialect) = Dialect::from_header(&self.line_text) {
                self.dialect = dialect;
                self.out.dialect = Some(dialect);
                return true;
            }
            let found: String = self.line_text.chars().take(60).collect();
            self.out.diagnostics.push(Diagnostic::file(
                self.file,
                format!(
                    "not a registry export: line {} should be the header `{}` or `{}`, found `{found}`",
                    line.number,
                    Dialect::Regedit5.header(),
                    Dialect::Regedit4.header()
                ),
            ));
            return false;
        }
        self.out.diagnostics.push(Diagnostic::file(
            self.file,
            "empty file: no `Windows Registry Editor Version 5.00` or `REGEDIT4` header",
        ));
        false
    }

    /// A line that is neither a key, a value nor a comment.
    fn other_line(&mut self, first: usize, line: &Line) {
        let (message, targets) = match &self.mode {
            Mode::Skip { note: None } => return,
            Mode::Skip { note: Some(note) } => ((*note).to_string(), Vec::new()),
            Mode::Body { key, wanted } => (
                format!("in [{key}]"),
                wanted.map(|w| w.targets(None)).unwrap_or_default(),
            ),
        };
        let text = self.snippet(first, line.end);
        self.diagnose(
            line.number,
            format!(
                "{message}: unexpected line `{text}`; expected `[key]`, `\"name\"=data`, `@=data` or a `;` comment; line ignored"
            ),
            targets,
        );
    }

    fn report_ignored(&mut self, note: &str, first: usize, line: &Line) {
        let text = self.snippet(first, line.end);
        self.diagnose(
            line.number,
            format!("{note}: `{text}` is ignored"),
            Vec::new(),
        );
    }

    /// Up to 60 characters of a line, for messages (the same whatever the encoding: 240
    /// bytes hold 60 characters in UTF-8 and in UTF-16).
    fn snippet(&self, from: usize, to: usize) -> String {
        let mut text = String::new();
        let to = to.min(from + 240);
        self.units.decode_into(from, to, &mut text);
        let short: String = text.chars().take(60).collect();
        if short.len() < text.len() {
            format!("{short}…")
        } else {
            short
        }
    }

    /// `[key]` or `[-key]`: the name runs to the last `]` on the line.
    fn key_line(&mut self, first: usize, line: &Line) {
        let after_bracket = first + U::STEP;
        let deletion = self.units.ascii(after_bracket) == b'-';
        let name_start = if deletion {
            after_bracket + U::STEP
        } else {
            after_bracket
        };
        let Some(close) = self.units.rfind(name_start, line.end, b']') else {
            let text = self.snippet(first, line.end);
            self.diagnose(
                line.number,
                format!("key line `{text}` has no closing `]`; the values below it are ignored"),
                Vec::new(),
            );
            self.mode = Mode::Skip { note: None };
            return;
        };
        if !deletion && self.last_component_unwanted(name_start, close) {
            self.mode = Mode::Skip { note: None };
            return;
        }
        self.line_text.clear();
        self.units
            .decode_into(name_start, close, &mut self.line_text);
        if folded_key_into(&self.line_text, &mut self.folded).is_none() {
            self.diagnose(
                line.number,
                format!(
                    "key `{}` does not start with a registry hive ({}); the values below it are ignored",
                    self.line_text,
                    super::key::HIVE_HELP
                ),
                Vec::new(),
            );
            self.mode = Mode::Skip { note: None };
            return;
        }
        let wanted = match self.filter {
            Filter::All => None,
            Filter::Wanted(set) => {
                let relevant = if deletion {
                    set.deletion_matters(&self.folded)
                } else {
                    set.key(&self.folded).is_some()
                };
                if !relevant {
                    self.mode = Mode::Skip { note: None };
                    return;
                }
                set.key(&self.folded)
            }
        };
        let Some(path) = KeyPath::parse(&self.line_text) else {
            self.mode = Mode::Skip { note: None };
            return;
        };
        if deletion {
            self.mode = Mode::Skip {
                note: self
                    .filter
                    .is_all()
                    .then_some("value line after a key deletion [-key]"),
            };
            self.out.records.push(Record::DeleteKey {
                path,
                line: line.number,
            });
        } else {
            self.mode = Mode::Body {
                key: path.canonical.clone(),
                wanted,
            };
            self.out.records.push(Record::Key {
                path,
                line: line.number,
            });
        }
    }

    /// Whether the key named by `from..to` is surely not wanted, judged by its last path
    /// component alone: most keys of a large export are rejected here without decoding or
    /// folding the whole path. Anything unusual (no `\\`, non-ASCII, over-long) is left to
    /// the full comparison.
    fn last_component_unwanted(&mut self, from: usize, to: usize) -> bool {
        const LONGEST: usize = 255;
        let Filter::Wanted(set) = self.filter else {
            return false;
        };
        let mut end = to;
        while end > from && self.units.ascii(end - U::STEP) == b'\\' {
            end -= U::STEP;
        }
        let Some(separator) = self.units.rfind(from, end, b'\\') else {
            return false;
        };
        let start = separator + U::STEP;
        if (end - start) / U::STEP > LONGEST {
            return false;
        }
        self.folded.clear();
        let mut p = start;
        while p < end {
            let c = self.units.ascii(p);
            if c >= 0x80 {
                return false;
            }
            self.folded.push(char::from(c.to_ascii_lowercase()));
            p += U::STEP;
        }
        !set.wants_last_component(&self.folded)
    }

    /// Skips a quoted run starting after its opening quote in `from..to`; returns the
    /// position after the closing quote, or `None` when the line ends first. Mirrors
    /// [`QuotedText`]: a backslash makes the next unit literal.
    fn skip_quoted(&self, from: usize, to: usize) -> Option<usize> {
        let mut p = from;
        while p < to {
            let at = self.units.find2(p, to, b'"', b'\\')?;
            if self.units.ascii(at) == b'"' {
                return Some(at + U::STEP);
            }
            p = at + 2 * U::STEP;
        }
        None
    }

    /// A value line in a skipped key: only finds out whether its data is a string left
    /// open at the end of the line, and if so consumes the lines up to its close.
    fn skip_value(&mut self, first: usize, line: &Line) {
        let end = line.end;
        let mut p = first + U::STEP;
        if self.units.ascii(first) == b'"' {
            match self.skip_quoted(p, end) {
                Some(after) => p = after,
                None => return,
            }
        }
        p = self.skip_blanks(p, end);
        if p >= end || self.units.ascii(p) != b'=' {
            return;
        }
        p = self.skip_blanks(p + U::STEP, end);
        if p >= end || self.units.ascii(p) != b'"' || self.skip_quoted(p + U::STEP, end).is_some() {
            return;
        }
        while let Some((start, next)) = self.next_line() {
            if self.skip_quoted(start, next.end).is_some() {
                return;
            }
        }
    }

    /// A value line in a key that is read.
    fn value_line(&mut self, first: usize, line: &Line) {
        let Mode::Body { key, wanted } = &self.mode else {
            return;
        };
        let (key, wanted) = (key.clone(), *wanted);
        let mut text = std::mem::take(&mut self.line_text);
        text.clear();
        self.units.decode_into(first, line.end, &mut text);
        let result = self.parse_value(&text);
        self.line_text = text;
        match result {
            Ok((name, data)) => {
                if wanted.is_none_or(|w| w.wants(&super::model::fold_value_name(&name))) {
                    self.out.records.push(Record::Value {
                        name,
                        data,
                        line: line.number,
                    });
                }
            }
            Err(Malformed { reason, name }) => {
                let what = match &name {
                    Some(n) if n.is_empty() => "default value @".to_string(),
                    Some(n) => format!("value `{n}`"),
                    None => "value line".to_string(),
                };
                let targets = match wanted {
                    Some(w) => w.targets(name.as_deref()),
                    None => vec![(key.clone(), name.map(|n| display_name(&n)))],
                };
                self.diagnose(
                    line.number,
                    format!("{what} in [{key}]: {reason}; value ignored"),
                    targets,
                );
            }
        }
    }

    /// Parses `"name"=data` (or `@=data`), pulling continuation lines as needed. The data
    /// of unwanted names is parsed too: its extent must be known either way, and a bad
    /// line is worth reporting wherever it is.
    fn parse_value(&mut self, text: &str) -> Result<(String, Option<Value>), Malformed> {
        let (name, rest) = match text.strip_prefix('@') {
            Some(rest) => (String::new(), rest),
            None => quoted_prefix(text).ok_or_else(|| Malformed {
                reason: "the value name's closing quote is missing".into(),
                name: None,
            })?,
        };
        let fail = |reason: String, name: &str| Malformed {
            reason,
            name: Some(name.to_string()),
        };
        let Some(data) = rest.trim_start_matches([' ', '\t']).strip_prefix('=') else {
            return Err(fail(
                format!("expected `=` after the name, found `{}`", rest.trim()),
                &name,
            ));
        };
        let data = data.trim_start_matches([' ', '\t']);
        let value = self
            .parse_data(data)
            .map_err(|reason| fail(reason, &name))?;
        Ok((name, value))
    }

    /// The data after `=`: `-`, a quoted string, `dword:`, `hex:` or `hex(N):`.
    fn parse_data(&mut self, data: &str) -> Result<Option<Value>, String> {
        if data.trim_end() == "-" {
            return Ok(None);
        }
        if let Some(body) = data.strip_prefix('"') {
            return self.parse_string(body).map(|s| Some(Value::String(s)));
        }
        let lower_prefix = data
            .get(..data.find(':').map_or(0, |i| i + 1))
            .unwrap_or_default()
            .to_ascii_lowercase();
        if lower_prefix == "dword:" {
            return parse_dword(&data[6..]).map(|n| Some(Value::Dword(n)));
        }
        if lower_prefix == "hex:" {
            let bytes = self.parse_hex(&data[4..])?;
            return Ok(Some(value_from_bytes(REG_BINARY, bytes, self.dialect)));
        }
        if let Some(inner) = lower_prefix
            .strip_prefix("hex(")
            .and_then(|p| p.strip_suffix("):"))
        {
            let code = parse_type_code(inner)?;
            let bytes = self.parse_hex(&data[lower_prefix.len()..])?;
            return Ok(Some(value_from_bytes(code, bytes, self.dialect)));
        }
        let shown: String = data.chars().take(30).collect();
        Err(format!(
            "unknown data `{shown}`; expected \"text\", dword:, hex:, hex(N): or -"
        ))
    }

    /// A quoted string's body; an unclosed quote continues on the next physical line with
    /// the line break kept (`reg export` writes embedded line breaks raw).
    fn parse_string(&mut self, body: &str) -> Result<String, String> {
        let mut quoted = QuotedText::default();
        let mut trailing = quoted.feed(body).map(|end| body[end..].trim().to_string());
        while trailing.is_none() {
            let join = self.last_terminator;
            let Some((start, line)) = self.next_line() else {
                return Err(
                    "the string's closing quote is missing before the end of the file".into(),
                );
            };
            quoted.feed(join);
            self.more_text.clear();
            self.units.decode_into(start, line.end, &mut self.more_text);
            trailing = quoted
                .feed(&self.more_text)
                .map(|end| self.more_text[end..].trim().to_string());
        }
        match trailing {
            Some(text) if !text.is_empty() => {
                Err(format!("unexpected text `{text}` after the closing quote"))
            }
            _ => Ok(quoted.text),
        }
    }

    /// A hex byte list; a line ending in `\` continues on the next line (leading blanks
    /// stripped; blank and comment lines in between are passed over). A next line that
    /// is not hex is left for the main loop and the value is reported as cut short.
    fn parse_hex(&mut self, first_part: &str) -> Result<Vec<u8>, String> {
        let mut hex = first_part.trim_end().to_string();
        while hex.ends_with('\\') {
            hex.pop();
            loop {
                let Some(line) = self.peek_line() else {
                    return Err("hex data ends with `\\` at the end of the file".into());
                };
                let first = self.skip_blanks(self.pos, line.end);
                if first >= line.end || self.units.ascii(first) == b';' {
                    self.consume(&line);
                    continue;
                }
                if !self.units.ascii(first).is_ascii_hexdigit() {
                    return Err(format!(
                        "hex data ends with `\\` but line {} does not continue it",
                        line.number
                    ));
                }
                self.consume(&line);
                self.units.decode_into(first, line.end, &mut hex);
                hex.truncate(hex.trim_end().len());
                break;
            }
        }
        parse_hex_list(&hex)
    }
}

/// A value name as shown: `@` for the default value.
fn display_name(name: &str) -> String {
    if name.is_empty() {
        "@".into()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests;
