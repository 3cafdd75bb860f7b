//! Export-Csv / ConvertTo-Csv output, and the related PDH-CSV (perfmon) and W3C
//! (`#Fields:`) dialects.
//!
//! The tokenizer is written here rather than taken from the csv crate because PowerShell
//! gives meaning to quoting: in a fully quoted export an unquoted empty field is `$null`
//! and `""` is the empty string. Quoted fields may hold delimiters, doubled quotes and
//! line breaks. The delimiter (`,`, `;` from `-UseCulture`, or TAB) is read from the
//! header row. A `#TYPE` line names the objects' class.

use super::object::{Property, PsObject, PsValue, looks_truncated};
use super::{ParseReport, TopLevel};
use crate::collect::Diagnostic;
use std::borrow::Cow;
use std::path::Path;
use std::rc::Rc;

/// One field and whether it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub text: Cow<'a, str>,
    pub quoted: bool,
}

/// One record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub fields: Vec<Field<'a>>,
    pub line: u32,
}

/// A quoted field that never closes: the line the field starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated {
    pub line: u32,
}

/// Splits delimited text into records (RFC 4180 quoting, lenient like Import-Csv: text
/// after a closing quote is kept). Blank lines are skipped. Lines end in CRLF, LF or CR.
pub struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    delimiter: u8,
}

impl<'a> Tokenizer<'a> {
    pub fn new(text: &'a str, delimiter: u8, first_line: u32) -> Self {
        Self {
            text,
            pos: 0,
            line: first_line,
            delimiter,
        }
    }

    /// Consumes a line break at the current position, if any.
    fn line_break(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        match bytes.get(self.pos) {
            Some(b'\r') => {
                self.pos += if bytes.get(self.pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            }
            Some(b'\n') => self.pos += 1,
            _ => return false,
        }
        self.line = self.line.saturating_add(1);
        true
    }

    fn quoted_field(&mut self) -> Result<Field<'a>, Unterminated> {
        let bytes = self.text.as_bytes();
        let field_line = self.line;
        self.pos += 1;
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let Some(quote) = memchr::memchr(b'"', &bytes[self.pos..]).map(|i| self.pos + i) else {
                return Err(Unterminated { line: field_line });
            };
            let chunk = &self.text[self.pos..quote];
            self.line = self.line.saturating_add(count_line_breaks(chunk));
            if bytes.get(quote + 1) == Some(&b'"') {
                let buffer = owned.get_or_insert_with(|| String::from(&self.text[start..self.pos]));
                buffer.push_str(chunk);
                buffer.push('"');
                self.pos = quote + 2;
                continue;
            }
            if let Some(buffer) = owned.as_mut() {
                buffer.push_str(chunk);
            }
            self.pos = quote + 1;
            break;
        }
        let end_of_quoted = self.pos - 1;
        // Text between the closing quote and the next delimiter is kept, as Import-Csv does.
        let trailing_end = bytes[self.pos..]
            .iter()
            .position(|&b| b == self.delimiter || b == b'\r' || b == b'\n')
            .map_or(bytes.len(), |i| self.pos + i);
        let trailing = &self.text[self.pos..trailing_end];
        self.pos = trailing_end;
        let text = match owned {
            Some(mut buffer) => {
                buffer.push_str(trailing);
                Cow::Owned(buffer)
            }
            None if trailing.is_empty() => Cow::Borrowed(&self.text[start..end_of_quoted]),
            None => Cow::Owned(format!("{}{trailing}", &self.text[start..end_of_quoted])),
        };
        Ok(Field { text, quoted: true })
    }
}

/// Line breaks in a chunk of text, counting CRLF once.
fn count_line_breaks(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut count = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            count = count.saturating_add(1);
        }
    }
    count
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Result<Record<'a>, Unterminated>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let line = self.line;
            let mut fields = Vec::new();
            loop {
                let bytes = self.text.as_bytes();
                if bytes.get(self.pos) == Some(&b'"') {
                    match self.quoted_field() {
                        Ok(field) => fields.push(field),
                        Err(err) => {
                            self.pos = self.text.len();
                            return Some(Err(err));
                        }
                    }
                } else {
                    let end = bytes[self.pos..]
                        .iter()
                        .position(|&b| b == self.delimiter || b == b'\r' || b == b'\n')
                        .map_or(bytes.len(), |i| self.pos + i);
                    fields.push(Field {
                        text: Cow::Borrowed(&self.text[self.pos..end]),
                        quoted: false,
                    });
                    self.pos = end;
                }
                if self.text.as_bytes().get(self.pos) == Some(&self.delimiter) {
                    self.pos += 1;
                    continue;
                }
                self.line_break();
                break;
            }
            let blank = fields.len() == 1 && !fields[0].quoted && fields[0].text.trim().is_empty();
            if !blank {
                return Some(Ok(Record { fields, line }));
            }
        }
    }
}

/// The delimiter a header row uses: the most frequent of `,`, `;` and TAB outside
/// quotes (comma on a tie or when there is none).
pub fn detect_delimiter(header_line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for b in header_line.bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// The first line of `text` from `pos` and the offset after its line break.
fn take_line(text: &str, pos: usize) -> (&str, usize) {
    let rest = &text[pos..];
    let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
    let mut next = pos + end;
    let bytes = text.as_bytes();
    if bytes.get(next) == Some(&b'\r') {
        next += 1;
    }
    if bytes.get(next) == Some(&b'\n') {
        next += 1;
    }
    (&rest[..end], next)
}

/// What the lines before the header said.
#[derive(Debug, Default)]
struct Preamble {
    class: Option<String>,
    w3c_fields: Option<Vec<String>>,
    /// Offset and line of the header row.
    pos: usize,
    line: u32,
}

fn preamble(text: &str) -> Preamble {
    let mut preamble = Preamble {
        line: 1,
        ..Preamble::default()
    };
    while preamble.pos < text.len() {
        let (line, next) = take_line(text, preamble.pos);
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            break;
        }
        if trimmed
            .get(..5)
            .is_some_and(|tag| tag.eq_ignore_ascii_case("#TYPE"))
        {
            preamble.class = Some(trimmed[5..].trim().to_string()).filter(|c| !c.is_empty());
        } else if let Some(fields) = trimmed.strip_prefix("#Fields:") {
            preamble.w3c_fields = Some(fields.split_whitespace().map(str::to_string).collect());
        }
        preamble.pos = next;
        preamble.line += 1;
    }
    preamble
}

/// Parses a PowerShell CSV export, calling `sink` once per row.
pub fn parse(text: &str, file: &Path, sink: &mut dyn FnMut(TopLevel)) -> ParseReport {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\u{1a}').unwrap_or(text);
    let preamble = preamble(text);
    if let Some(fields) = &preamble.w3c_fields {
        return parse_w3c(text, preamble.pos, preamble.line, fields, file, sink);
    }
    let body = &text[preamble.pos..];
    let delimiter = detect_delimiter(take_line(body, 0).0);
    // Validate first, so a quote that never closes reads nothing rather than half a file.
    if let Some(Err(Unterminated { line })) =
        Tokenizer::new(body, delimiter, preamble.line).find(Result::is_err)
    {
        return ParseReport {
            diagnostics: vec![Diagnostic::line(
                file,
                line,
                format!(
                    "a quoted field starting on line {line} never closes; the file was not read"
                ),
            )],
            fatal: true,
        };
    }
    let mut records = Tokenizer::new(body, delimiter, preamble.line).filter_map(Result::ok);
    let Some(header) = records.next() else {
        return ParseReport::default();
    };
    let mut report = ParseReport::default();
    let header_quoted = header.fields.iter().all(|f| f.quoted);
    let pdh = header
        .fields
        .first()
        .is_some_and(|f| f.text.starts_with("(PDH-CSV"));
    let class = preamble.class.or_else(|| {
        pdh.then(|| {
            let first = &header.fields[0].text;
            first[1..first.find(')').unwrap_or(first.len())].to_string()
        })
    });
    let names = header_names(&header, file, &mut report);
    let type_names: Rc<[String]> = class.into_iter().collect::<Vec<_>>().into();
    for record in records {
        if record.fields.len() != names.len() {
            report.diagnostics.push(Diagnostic::line(
                file,
                record.line,
                format!(
                    "{} fields where the header has {}; {}",
                    record.fields.len(),
                    names.len(),
                    if record.fields.len() < names.len() {
                        "the missing ones read as $null"
                    } else {
                        "the extra ones are ignored"
                    }
                ),
            ));
        }
        let properties = names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let name = name.as_ref()?;
                let value = record.fields.get(i).map_or(PsValue::Null, |field| {
                    field_value(field, header_quoted, pdh)
                });
                Some(Property {
                    name: name.clone(),
                    value,
                    extended: false,
                    line: record.line,
                })
            })
            .collect();
        sink(TopLevel {
            value: PsValue::Object(Rc::new(PsObject {
                type_names: Rc::clone(&type_names),
                properties,
                line: record.line,
                ..PsObject::default()
            })),
            line: record.line,
        });
    }
    report
}

/// Column names; a duplicate column is reported and ignored (`None`), as Import-Csv
/// refuses such files; an empty name becomes `H<n>`.
fn header_names(header: &Record<'_>, file: &Path, report: &mut ParseReport) -> Vec<Option<String>> {
    let mut names: Vec<Option<String>> = Vec::new();
    for (i, field) in header.fields.iter().enumerate() {
        let name = if field.quoted {
            field.text.to_string()
        } else {
            field.text.trim().to_string()
        };
        let name = if name.is_empty() {
            format!("H{}", i + 1)
        } else {
            name
        };
        if names
            .iter()
            .flatten()
            .any(|n| n.eq_ignore_ascii_case(&name))
        {
            report.diagnostics.push(Diagnostic::line(
                file,
                header.line,
                format!("column `{name}` appears twice; the second one is ignored"),
            ));
            names.push(None);
        } else {
            names.push(Some(name));
        }
    }
    names
}

fn field_value(field: &Field<'_>, header_quoted: bool, pdh: bool) -> PsValue {
    if pdh && field.text == " " {
        // PDH writes a single space where a counter has no sample.
        return PsValue::Null;
    }
    if !field.quoted && field.text.is_empty() && header_quoted {
        return PsValue::Null;
    }
    if looks_truncated(&field.text) {
        return PsValue::Unknown(format!(
            "Export-Csv wrote the type name `{}` in place of a nested object or array; the value is lost",
            field.text.chars().take(80).collect::<String>()
        ));
    }
    PsValue::Text(field.text.to_string())
}

/// W3C extended log format: `#Fields:` names, space-separated values, `-` for none.
fn parse_w3c(
    text: &str,
    mut pos: usize,
    mut line: u32,
    fields: &[String],
    file: &Path,
    sink: &mut dyn FnMut(TopLevel),
) -> ParseReport {
    let mut report = ParseReport::default();
    let type_names: Rc<[String]> = Rc::from(Vec::new());
    while pos < text.len() {
        let (row, next) = take_line(text, pos);
        let row = row.trim();
        if !row.is_empty() && !row.starts_with('#') {
            let values: Vec<&str> = row.split(' ').collect();
            if values.len() != fields.len() {
                report.diagnostics.push(Diagnostic::line(
                    file,
                    line,
                    format!(
                        "{} values where #Fields names {}",
                        values.len(),
                        fields.len()
                    ),
                ));
            }
            let properties = fields
                .iter()
                .enumerate()
                .map(|(i, name)| Property {
                    name: name.clone(),
                    value: match values.get(i) {
                        None | Some(&"-") => PsValue::Null,
                        Some(v) => PsValue::Text((*v).to_string()),
                    },
                    extended: false,
                    line,
                })
                .collect();
            sink(TopLevel {
                value: PsValue::Object(Rc::new(PsObject {
                    type_names: Rc::clone(&type_names),
                    properties,
                    line,
                    ..PsObject::default()
                })),
                line,
            });
        }
        pos = next;
        line += 1;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows(text: &str) -> (Vec<TopLevel>, ParseReport) {
        let mut out = Vec::new();
        let report = parse(text, Path::new("x.csv"), &mut |t| out.push(t));
        (out, report)
    }

    fn property(top: &TopLevel, name: &str) -> Option<PsValue> {
        match &top.value {
            PsValue::Object(o) => o.property(name).map(|p| p.value.clone()),
            _ => None,
        }
    }

    #[test]
    fn delimiters_come_from_the_header() {
        let cases = [
            ("\"a\",\"b\"", b','),
            ("\"a\";\"b\";\"c\"", b';'),
            ("a\tb\tc", b'\t'),
            ("\"a;b\",\"c\"", b','),
            ("single", b','),
        ];
        for (header, expected) in cases {
            assert_eq!(detect_delimiter(header), expected, "{header}");
        }
    }

    #[test]
    fn pitfalls_table() {
        struct Case {
            text: &'static str,
            column: &'static str,
            expected: PsValue,
        }
        let text = |s: &str| PsValue::Text(s.into());
        let cases = [
            Case {
                text: "#TYPE System.Management.ManagementObject#root\\cimv2\\Win32_Service\r\n\"Name\",\"Desc\"\r\n\"a\",\r\n",
                column: "Desc",
                expected: PsValue::Null,
            },
            Case {
                text: "\"Name\",\"Desc\"\r\n\"a\",\"\"\r\n",
                column: "Desc",
                expected: text(""),
            },
            Case {
                text: "Name,Desc\r\na,\r\n",
                column: "Desc",
                expected: text(""),
            },
            Case {
                text: "\"Name\",\"Desc\"\r\n\"a\",\"line one\r\nline \"\"two\"\"\"\r\n",
                column: "Desc",
                expected: text("line one\r\nline \"two\""),
            },
            Case {
                text: "\"Name\";\"Start\"\r\n\"a\";\"Auto\"\r\n",
                column: "Start",
                expected: text("Auto"),
            },
            Case {
                text: "Name\tStart\na\tManual\n",
                column: "Start",
                expected: text("Manual"),
            },
            Case {
                text: "\"Name\",\"Deps\"\r\n\"a\",\"System.Object[]\"\r\n",
                column: "Deps",
                expected: PsValue::Unknown(String::new()),
            },
            Case {
                text: "\"Name\",\"After\"\r\n\"a\"b,\"x\"\r\n",
                column: "Name",
                expected: text("ab"),
            },
        ];
        for case in cases {
            let (objects, report) = rows(case.text);
            assert_eq!(objects.len(), 1, "{}", case.text);
            assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
            let got = property(&objects[0], case.column).expect("column");
            match case.expected {
                PsValue::Unknown(_) => assert!(matches!(got, PsValue::Unknown(_)), "{got:?}"),
                expected => assert_eq!(got, expected, "{}", case.text),
            }
        }
    }

    #[test]
    fn type_line_names_the_class_and_lines_follow_quoted_breaks() {
        let (objects, _) = rows(
            "#TYPE System.Management.ManagementObject#root\\cimv2\\Win32_Service\r\n\"Name\",\"Desc\"\r\n\"a\",\"x\r\ny\"\r\n\r\n\"b\",\"z\"\r\n",
        );
        let PsValue::Object(first) = &objects[0].value else {
            panic!()
        };
        assert_eq!(first.short_class().as_deref(), Some("Win32_Service"));
        assert_eq!(objects[0].line, 3);
        assert_eq!(objects[1].line, 6);
    }

    #[test]
    fn unterminated_quote_reads_nothing() {
        let (objects, report) = rows("\"a\",\"b\"\r\n\"1\",\"2\r\n\"3\",\"4\r\n");
        assert!(objects.is_empty());
        assert!(report.fatal);
        assert_eq!(report.diagnostics[0].line, 3);
    }

    #[test]
    fn short_and_long_rows_are_reported() {
        let (objects, report) = rows("\"a\",\"b\"\r\n\"1\"\r\n\"1\",\"2\",\"3\"\r\n");
        assert_eq!(objects.len(), 2);
        assert_eq!(property(&objects[0], "b"), Some(PsValue::Null));
        assert_eq!(report.diagnostics.len(), 2);
    }

    #[test]
    fn pdh_header_is_tolerated_and_blank_samples_are_null() {
        let (objects, _) = rows(
            "\"(PDH-CSV 4.0) (Pacific Standard Time)(480)\",\"\\\\h\\memory\\% committed bytes in use\"\r\n\"11/26/2016 13:46:30.874\",\" \"\r\n\"11/26/2016 13:46:33.877\",\"86.9\"\r\n",
        );
        let PsValue::Object(first) = &objects[0].value else {
            panic!()
        };
        assert_eq!(first.class(), Some("PDH-CSV 4.0"));
        assert_eq!(
            property(&objects[0], "\\\\h\\memory\\% committed bytes in use"),
            Some(PsValue::Null)
        );
        assert_eq!(
            property(&objects[1], "\\\\h\\memory\\% committed bytes in use"),
            Some(PsValue::Text("86.9".into()))
        );
    }

    #[test]
    fn w3c_fields_header() {
        let (objects, _) = rows(
            "#Software: Microsoft IIS\r\n#Fields: date s-ip cs-method\r\n2024-01-01 10.0.0.1 -\r\n",
        );
        assert_eq!(
            property(&objects[0], "s-ip"),
            Some(PsValue::Text("10.0.0.1".into()))
        );
        assert_eq!(property(&objects[0], "cs-method"), Some(PsValue::Null));
    }

    #[test]
    fn duplicate_columns_are_reported() {
        let (objects, report) = rows("\"a\",\"A\"\r\n\"1\",\"2\"\r\n");
        assert_eq!(property(&objects[0], "a"), Some(PsValue::Text("1".into())));
        assert_eq!(report.diagnostics.len(), 1);
    }

    proptest! {
        #[test]
        fn tokenizer_never_panics(text in "([a-c\",;\t\r\n #TYPE\u{1a}\u{feff}\u{20ac}]|#TYPE|#Fields:|\"\\(PDH-CSV){0,60}") {
            let _ = rows(&text);
        }

        #[test]
        fn csv_written_by_the_csv_crate_parses_back(
            rows_in in proptest::collection::vec(
                proptest::collection::vec("[a-zA-Z0-9 ,;\"\r\n\u{e9}]{0,8}", 3),
                1..6,
            ),
            always in any::<bool>(),
            semicolon in any::<bool>(),
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .quote_style(if always { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            writer.write_record(["One", "Two", "Three"]).unwrap();
            for row in &rows_in {
                writer.write_record(row).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let records: Vec<Record<'_>> = Tokenizer::new(&text, delimiter, 1)
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(records.len(), rows_in.len() + 1);
            for (record, row) in records[1..].iter().zip(&rows_in) {
                let texts: Vec<&str> = record.fields.iter().map(|f| f.text.as_ref()).collect();
                let row: Vec<&str> = row.iter().map(String::as_str).collect();
                prop_assert_eq!(texts, row);
            }
        }
    }
}
