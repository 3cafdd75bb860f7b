//! Export-Clixml files (CliXML, [MS-PSRP] §2.2.5 "Serialization").
//!
//! Two streaming passes over the decoded text: the first checks well-formedness and
//! notes which `RefId`s are referenced by `<Ref>`; the second builds one top-level value
//! at a time and hands it to the caller, keeping only referenced objects and the type
//! name lists (`<TN>`) for later `<Ref>`/`<TNRef>`. A malformed file therefore yields one
//! diagnostic and no objects. DTDs are never processed: an entity they declare is an
//! unknown entity, hence malformed.

use super::object::{Property, PsObject, PsValue, decode_ps_escapes};
use super::{ParseReport, TopLevel};
use crate::collect::Diagnostic;
use base64::Engine;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

/// Element nesting beyond which a file is refused (protects the recursive descent).
const MAX_ELEMENT_DEPTH: usize = 256;

/// A structural problem at a byte offset of the text.
#[derive(Debug)]
struct Fatal {
    offset: usize,
    message: String,
}

/// 1-based line and column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (u32, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn fatal_diagnostic(text: &str, file: &Path, fatal: &Fatal) -> Diagnostic {
    let (line, column) = line_and_column(text, fatal.offset);
    Diagnostic::line(
        file,
        line,
        format!(
            "malformed CliXML at line {line}, column {column}: {}; the file was not read",
            fatal.message
        ),
    )
}

/// Parses a CliXML document, calling `sink` once per child of `<Objs>`.
pub fn parse(text: &str, file: &Path, sink: &mut dyn FnMut(TopLevel)) -> ParseReport {
    // quick-xml skips a BOM without counting it in positions; drop it so offsets match.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let referenced = match scan(text) {
        Ok(referenced) => referenced,
        Err(fatal) => {
            return ParseReport {
                diagnostics: vec![fatal_diagnostic(text, file, &fatal)],
                fatal: true,
            };
        }
    };
    let mut parser = Parser {
        reader: Reader::from_str(text),
        text,
        file,
        lines: LineCounter::new(text),
        type_names: HashMap::new(),
        objects: HashMap::new(),
        referenced,
        diagnostics: Vec::new(),
    };
    let outcome = parser.run(sink);
    let mut report = ParseReport {
        diagnostics: std::mem::take(&mut parser.diagnostics),
        fatal: false,
    };
    if let Err(fatal) = outcome {
        report
            .diagnostics
            .push(fatal_diagnostic(text, file, &fatal));
        report.fatal = true;
    }
    report
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// The `N` (member name) and `RefId` attributes of an element.
fn attributes(
    e: &BytesStart<'_>,
    offset: usize,
) -> Result<(Option<String>, Option<String>), Fatal> {
    let mut name = None;
    let mut ref_id = None;
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|err| Fatal {
            offset,
            message: format!("bad attribute: {err}"),
        })?;
        let value = attribute.unescape_value().map_err(|err| Fatal {
            offset,
            message: format!("bad attribute value: {err}"),
        })?;
        match attribute.key.local_name().as_ref() {
            b"N" => name = Some(decode_ps_escapes(&value).into_owned()),
            b"RefId" => ref_id = Some(value.trim().to_string()),
            _ => {}
        }
    }
    Ok((name, ref_id))
}

/// First pass: well-formedness, the `<Objs>` root, and the set of referenced RefIds.
fn scan(text: &str) -> Result<HashSet<String>, Fatal> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut root_seen = false;
    let mut referenced = HashSet::new();
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|err| Fatal {
            offset: usize::try_from(reader.error_position()).unwrap_or(offset),
            message: err.to_string(),
        })?;
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = local_name(&e);
                let (_, ref_id) = attributes(&e, offset)?;
                if open.is_empty() {
                    if root_seen {
                        return Err(Fatal {
                            offset,
                            message: format!("a second root element <{name}>"),
                        });
                    }
                    root_seen = true;
                    if name != "Objs" {
                        return Err(Fatal {
                            offset,
                            message: format!(
                                "the root element is <{name}>, not <Objs>: not a CliXML export"
                            ),
                        });
                    }
                }
                if name == "Ref" {
                    referenced.extend(ref_id);
                }
                if is_start {
                    open.push((name, offset));
                    if open.len() > MAX_ELEMENT_DEPTH {
                        return Err(Fatal {
                            offset,
                            message: format!(
                                "elements nested deeper than {MAX_ELEMENT_DEPTH} levels"
                            ),
                        });
                    }
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) => {
                t.unescape().map_err(|err| Fatal {
                    offset,
                    message: err.to_string(),
                })?;
                if open.is_empty() && !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(Fatal {
                        offset,
                        message: "text outside the root element".into(),
                    });
                }
            }
            Event::Eof => {
                if let Some((name, at)) = open.last() {
                    return Err(Fatal {
                        offset: *at,
                        message: format!("<{name}> is never closed (the file ends first)"),
                    });
                }
                if !root_seen {
                    return Err(Fatal {
                        offset: 0,
                        message: "no root element".into(),
                    });
                }
                return Ok(referenced);
            }
            _ => {}
        }
    }
}

/// Counts lines incrementally as offsets move forward.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let newlines =
            memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..offset]).count();
        self.line = self
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.offset = offset;
        self.line
    }
}

/// A pulled XML node with ignorable events (comments, PIs, DOCTYPE) dropped.
enum Node<'a> {
    Open {
        element: BytesStart<'a>,
        empty: bool,
        offset: usize,
    },
    Close,
    Text(Cow<'a, str>),
    Eof,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    text: &'a str,
    file: &'a Path,
    lines: LineCounter<'a>,
    /// `<TN RefId>` lists, for `<TNRef>`.
    type_names: HashMap<String, Rc<[String]>>,
    /// Objects some `<Ref>` points to, kept once complete.
    objects: HashMap<String, PsValue>,
    referenced: HashSet<String>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Result<Node<'a>, Fatal> {
        loop {
            let offset = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
            let event = self.reader.read_event().map_err(|err| Fatal {
                offset: usize::try_from(self.reader.error_position()).unwrap_or(offset),
                message: err.to_string(),
            })?;
            return Ok(match event {
                Event::Start(element) => Node::Open {
                    element,
                    empty: false,
                    offset,
                },
                Event::Empty(element) => Node::Open {
                    element,
                    empty: true,
                    offset,
                },
                Event::End(_) => Node::Close,
                Event::Text(t) => Node::Text(t.unescape().map_err(|err| Fatal {
                    offset,
                    message: err.to_string(),
                })?),
                Event::CData(c) => Node::Text(Cow::Owned(
                    String::from_utf8_lossy(&c.into_inner()).into_owned(),
                )),
                Event::Eof => Node::Eof,
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => continue,
            });
        }
    }

    fn line_at(&mut self, offset: usize) -> u32 {
        self.lines.line_at(offset)
    }

    fn note(&mut self, line: u32, message: String) {
        self.diagnostics
            .push(Diagnostic::line(self.file, line, message));
    }

    fn unexpected_eof(&self) -> Fatal {
        Fatal {
            offset: self.text.len(),
            message: "the file ends inside an element".into(),
        }
    }

    fn run(&mut self, sink: &mut dyn FnMut(TopLevel)) -> Result<(), Fatal> {
        // The root, validated as <Objs> by the first pass.
        loop {
            match self.next()? {
                Node::Open { empty: true, .. } | Node::Eof | Node::Close => return Ok(()),
                Node::Open { empty: false, .. } => break,
                Node::Text(_) => {}
            }
        }
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => {
                    let line = self.line_at(offset);
                    let (_, value) = self.value(&element, empty, offset, 0)?;
                    sink(TopLevel { value, line });
                }
                Node::Text(text) => {
                    if !text.trim().is_empty() {
                        let line = self.line_at(self.offset());
                        self.note(line, "text directly inside <Objs> ignored".into());
                    }
                }
                Node::Close | Node::Eof => return Ok(()),
            }
        }
    }

    fn offset(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip_element(&mut self) -> Result<(), Fatal> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Node::Open { empty: false, .. } => depth += 1,
                Node::Open { empty: true, .. } | Node::Text(_) => {}
                Node::Close => depth -= 1,
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
        Ok(())
    }

    /// The text content of a primitive element (nested elements are reported, skipped).
    fn text_content(&mut self, name: &str, line: u32) -> Result<String, Fatal> {
        let mut text = String::new();
        loop {
            match self.next()? {
                Node::Text(t) => text.push_str(&t),
                Node::Open { element, empty, .. } => {
                    let child = local_name(&element);
                    self.note(line, format!("element <{child}> inside <{name}> ignored"));
                    if !empty {
                        self.skip_element()?;
                    }
                }
                Node::Close => return Ok(text),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// One serialized value: returns its `N` attribute (member name) and the value.
    fn value(
        &mut self,
        element: &BytesStart<'_>,
        empty: bool,
        offset: usize,
        depth: usize,
    ) -> Result<(Option<String>, PsValue), Fatal> {
        let name = local_name(element);
        let (member, ref_id) = attributes(element, offset)?;
        let line = self.line_at(offset);
        if depth > MAX_ELEMENT_DEPTH {
            return Err(Fatal {
                offset,
                message: format!("values nested deeper than {MAX_ELEMENT_DEPTH} levels"),
            });
        }
        let value = match name.as_str() {
            "Obj" => self.object(empty, ref_id, line, depth)?,
            "Ref" => {
                if !empty {
                    self.skip_element()?;
                }
                self.reference(ref_id, line)
            }
            "Nil" => {
                if !empty {
                    self.skip_element()?;
                }
                PsValue::Null
            }
            "S" | "C" | "B" | "DT" | "TS" | "By" | "SB" | "U16" | "I16" | "U32" | "I32" | "U64"
            | "I64" | "Sg" | "Db" | "D" | "BA" | "G" | "URI" | "Version" | "XD" | "SBK" | "SS" => {
                let text = if empty {
                    String::new()
                } else {
                    self.text_content(&name, line)?
                };
                self.primitive(&name, &text, line)
            }
            other => {
                if !empty {
                    self.skip_element()?;
                }
                self.note(
                    line,
                    format!("unknown CliXML element <{other}>; its value is unknown"),
                );
                PsValue::Unknown(format!(
                    "the export holds an unknown element <{other}> here"
                ))
            }
        };
        Ok((member, value))
    }

    fn reference(&mut self, ref_id: Option<String>, line: u32) -> PsValue {
        let Some(id) = ref_id else {
            self.note(line, "<Ref> without a RefId".into());
            return PsValue::Unknown("a <Ref> without a RefId".into());
        };
        match self.objects.get(&id) {
            Some(value) => value.clone(),
            None => {
                self.note(
                    line,
                    format!("<Ref RefId=\"{id}\"> points to no earlier complete object; its value is unknown"),
                );
                PsValue::Unknown(format!(
                    "refers to RefId {id}, which no earlier object declares"
                ))
            }
        }
    }

    fn primitive(&mut self, name: &str, text: &str, line: u32) -> PsValue {
        let parsed = match name {
            "S" | "XD" | "SBK" | "URI" => Some(PsValue::Text(decode_ps_escapes(text).into_owned())),
            "DT" | "TS" | "G" | "Version" | "Db" | "Sg" | "D" => {
                Some(PsValue::Text(text.trim().to_string()))
            }
            "C" => text
                .trim()
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .map(|c| PsValue::Text(c.to_string())),
            "B" => match text.trim() {
                "true" | "1" => Some(PsValue::Bool(true)),
                "false" | "0" => Some(PsValue::Bool(false)),
                _ => None,
            },
            "By" | "U16" | "U32" | "U64" => text
                .trim()
                .parse::<u64>()
                .ok()
                .map(|n| i64::try_from(n).map_or(PsValue::UInt(n), PsValue::Int)),
            "SB" | "I16" | "I32" | "I64" => text.trim().parse::<i64>().ok().map(PsValue::Int),
            "BA" => {
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .ok()
                    .map(PsValue::Bytes)
            }
            "SS" => {
                return PsValue::Unknown(
                    "a SecureString, encrypted with the exporting user's DPAPI key; not readable here"
                        .into(),
                );
            }
            _ => None,
        };
        parsed.unwrap_or_else(|| {
            let shown: String = text.chars().take(60).collect();
            self.note(
                line,
                format!("<{name}> holds `{shown}`, which is not a valid {name} value"),
            );
            PsValue::Unknown(format!("<{name}> holds an invalid value `{shown}`"))
        })
    }

    fn object(
        &mut self,
        empty: bool,
        ref_id: Option<String>,
        line: u32,
        depth: usize,
    ) -> Result<PsValue, Fatal> {
        let mut object = PsObject {
            line,
            ..PsObject::default()
        };
        if !empty {
            loop {
                match self.next()? {
                    Node::Open {
                        element,
                        empty,
                        offset,
                    } => {
                        let part = local_name(&element);
                        match part.as_str() {
                            "TN" => {
                                let (_, tn_id) = attributes(&element, offset)?;
                                let names: Rc<[String]> = self.type_name_list(empty)?.into();
                                if let Some(id) = tn_id {
                                    self.type_names.insert(id, Rc::clone(&names));
                                }
                                object.type_names = names;
                            }
                            "TNRef" => {
                                let (_, tn_id) = attributes(&element, offset)?;
                                if !empty {
                                    self.skip_element()?;
                                }
                                let found = tn_id
                                    .as_ref()
                                    .and_then(|id| self.type_names.get(id))
                                    .cloned();
                                match found {
                                    Some(names) => object.type_names = names,
                                    None => {
                                        let at = self.line_at(offset);
                                        self.note(
                                            at,
                                            format!(
                                                "<TNRef RefId=\"{}\"> names no earlier <TN>; the object's type is unknown",
                                                tn_id.unwrap_or_default()
                                            ),
                                        );
                                    }
                                }
                            }
                            "ToString" => {
                                let text = if empty {
                                    String::new()
                                } else {
                                    let at = self.line_at(offset);
                                    self.text_content("ToString", at)?
                                };
                                object.to_string = Some(decode_ps_escapes(&text).into_owned());
                            }
                            "Props" | "MS" => {
                                let extended = part == "MS";
                                if !empty {
                                    self.members(extended, &mut object.properties, depth)?;
                                }
                            }
                            "LST" | "IE" | "STK" | "QUE" => {
                                let items = if empty {
                                    Vec::new()
                                } else {
                                    self.items(depth)?
                                };
                                object.content = Some(PsValue::List(items));
                            }
                            "DCT" => {
                                let entries = if empty {
                                    Vec::new()
                                } else {
                                    self.entries(depth)?
                                };
                                object.content = Some(PsValue::Dict(entries));
                            }
                            _ => {
                                // A wrapped primitive: an enum's number, a string with notes.
                                let (_, value) = self.value(&element, empty, offset, depth + 1)?;
                                object.content = Some(value);
                            }
                        }
                    }
                    Node::Text(_) => {}
                    Node::Close => break,
                    Node::Eof => return Err(self.unexpected_eof()),
                }
            }
        }
        let value = PsValue::Object(Rc::new(object));
        if let Some(id) = ref_id
            && self.referenced.contains(&id)
        {
            self.objects.insert(id, value.clone());
        }
        Ok(value)
    }

    fn type_name_list(&mut self, empty: bool) -> Result<Vec<String>, Fatal> {
        let mut names = Vec::new();
        if empty {
            return Ok(names);
        }
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => {
                    let line = self.line_at(offset);
                    if local_name(&element) == "T" && !empty {
                        let text = self.text_content("T", line)?;
                        names.push(decode_ps_escapes(text.trim()).into_owned());
                    } else if !empty {
                        self.skip_element()?;
                    }
                }
                Node::Text(_) => {}
                Node::Close => return Ok(names),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn members(
        &mut self,
        extended: bool,
        properties: &mut Vec<Property>,
        depth: usize,
    ) -> Result<(), Fatal> {
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => {
                    let line = self.line_at(offset);
                    let (name, value) = self.value(&element, empty, offset, depth + 1)?;
                    match name {
                        Some(name) => properties.push(Property {
                            name,
                            value,
                            extended,
                            line,
                        }),
                        None => self.note(
                            line,
                            "a member without an N (name) attribute ignored".into(),
                        ),
                    }
                }
                Node::Text(_) => {}
                Node::Close => return Ok(()),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn items(&mut self, depth: usize) -> Result<Vec<PsValue>, Fatal> {
        let mut items = Vec::new();
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => items.push(self.value(&element, empty, offset, depth + 1)?.1),
                Node::Text(_) => {}
                Node::Close => return Ok(items),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn entries(&mut self, depth: usize) -> Result<Vec<(PsValue, PsValue)>, Fatal> {
        let mut entries = Vec::new();
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => {
                    let line = self.line_at(offset);
                    if local_name(&element) != "En" {
                        if !empty {
                            self.skip_element()?;
                        }
                        self.note(line, "a dictionary child that is not <En> ignored".into());
                        continue;
                    }
                    let mut key = None;
                    let mut value = None;
                    if !empty {
                        for (name, part) in self.items_named(depth)? {
                            match name.as_deref() {
                                Some("Key") => key = Some(part),
                                Some("Value") => value = Some(part),
                                _ => {}
                            }
                        }
                    }
                    match key {
                        Some(key) => entries.push((key, value.unwrap_or(PsValue::Null))),
                        None => self.note(line, "a dictionary entry without a Key ignored".into()),
                    }
                }
                Node::Text(_) => {}
                Node::Close => return Ok(entries),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn items_named(&mut self, depth: usize) -> Result<Vec<(Option<String>, PsValue)>, Fatal> {
        let mut items = Vec::new();
        loop {
            match self.next()? {
                Node::Open {
                    element,
                    empty,
                    offset,
                } => items.push(self.value(&element, empty, offset, depth + 1)?),
                Node::Text(_) => {}
                Node::Close => return Ok(items),
                Node::Eof => return Err(self.unexpected_eof()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEAD: &str =
        "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">";

    fn parse_all(body: &str) -> (Vec<TopLevel>, ParseReport) {
        let text = format!("{HEAD}{body}</Objs>");
        parse_doc(&text)
    }

    fn parse_doc(text: &str) -> (Vec<TopLevel>, ParseReport) {
        let mut out = Vec::new();
        let report = parse(text, Path::new("x.xml"), &mut |t| out.push(t));
        (out, report)
    }

    fn prop(top: &TopLevel, name: &str) -> PsValue {
        match &top.value {
            PsValue::Object(o) => o
                .property(name)
                .map(|p| p.value.clone())
                .unwrap_or(PsValue::Null),
            _ => PsValue::Null,
        }
    }

    #[test]
    fn primitives_table() {
        let text = |s: &str| PsValue::Text(s.into());
        let cases: Vec<(&str, PsValue)> = vec![
            ("<S N=\"v\">a &amp; b_x000D__x000A_</S>", text("a & b\r\n")),
            ("<S N=\"v\" />", text("")),
            ("<S N=\"v\">_x005F_x000A_</S>", text("_x000A_")),
            ("<B N=\"v\">true</B>", PsValue::Bool(true)),
            ("<B N=\"v\">false</B>", PsValue::Bool(false)),
            ("<I32 N=\"v\">-5</I32>", PsValue::Int(-5)),
            ("<U32 N=\"v\">4294967295</U32>", PsValue::Int(4_294_967_295)),
            (
                "<I64 N=\"v\">-9223372036854775808</I64>",
                PsValue::Int(i64::MIN),
            ),
            (
                "<U64 N=\"v\">18446744073709551615</U64>",
                PsValue::UInt(u64::MAX),
            ),
            ("<By N=\"v\">3</By>", PsValue::Int(3)),
            ("<Db N=\"v\">1.5E+20</Db>", text("1.5E+20")),
            (
                "<DT N=\"v\">2016-09-12T00:00:00</DT>",
                text("2016-09-12T00:00:00"),
            ),
            (
                "<G N=\"v\">9b5e8d5e-1c5a-4b8a-9d3b-0f0a1c2d3e4f</G>",
                text("9b5e8d5e-1c5a-4b8a-9d3b-0f0a1c2d3e4f"),
            ),
            ("<Version N=\"v\">8.1.240.6</Version>", text("8.1.240.6")),
            ("<C N=\"v\">65</C>", text("A")),
            ("<BA N=\"v\">AQID</BA>", PsValue::Bytes(vec![1, 2, 3])),
            ("<Nil N=\"v\" />", PsValue::Null),
            ("<TS N=\"v\">PT9.0269S</TS>", text("PT9.0269S")),
            ("<S N=\"v\"><![CDATA[<raw>]]></S>", text("<raw>")),
        ];
        for (element, expected) in cases {
            let (objects, report) =
                parse_all(&format!("<Obj RefId=\"0\"><Props>{element}</Props></Obj>"));
            assert!(
                report.diagnostics.is_empty(),
                "{element}: {:?}",
                report.diagnostics
            );
            assert_eq!(prop(&objects[0], "v"), expected, "{element}");
        }
    }

    #[test]
    fn invalid_primitives_and_secure_strings_are_unknown_with_a_note() {
        for element in [
            "<I32 N=\"v\">x</I32>",
            "<B N=\"v\">yes</B>",
            "<BA N=\"v\">!!!</BA>",
            "<SS N=\"v\">01000000d08c9ddf</SS>",
            "<Weird N=\"v\">1</Weird>",
        ] {
            let (objects, report) =
                parse_all(&format!("<Obj RefId=\"0\"><Props>{element}</Props></Obj>"));
            assert!(
                matches!(prop(&objects[0], "v"), PsValue::Unknown(_)),
                "{element}"
            );
            assert!(!report.fatal, "{element}");
            if !element.starts_with("<SS") {
                assert_eq!(report.diagnostics.len(), 1, "{element}");
            }
        }
    }

    #[test]
    fn type_names_refs_lists_dictionaries_and_enums() {
        let body = r#"
<Obj RefId="0">
  <TN RefId="0"><T>System.Management.ManagementObject#root\cimv2\Win32_Service</T><T>System.Object</T></TN>
  <ToString>svc</ToString>
  <Props>
    <S N="Name">MSExchangeIS</S>
    <Obj N="Deps" RefId="1"><TN RefId="1"><T>System.String[]</T></TN><LST><S>MSExchangeSA</S><S>RPCSS</S></LST></Obj>
    <Obj N="Start" RefId="2"><TN RefId="2"><T>System.ServiceProcess.ServiceStartMode</T><T>System.Enum</T></TN><ToString>Automatic</ToString><I32>2</I32></Obj>
    <Obj N="Table" RefId="3"><TN RefId="3"><T>System.Collections.Hashtable</T></TN><DCT><En><S N="Key">1.2</S><I32 N="Value">1</I32></En></DCT></Obj>
  </Props>
  <MS><S N="Name">extended wins</S></MS>
</Obj>
<Obj RefId="4">
  <TNRef RefId="0" />
  <Props><S N="Name">MSExchangeSA</S><Ref N="Deps" RefId="1" /></Props>
</Obj>"#;
        let (objects, report) = parse_all(body);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].line, 2);
        let PsValue::Object(second) = &objects[1].value else {
            panic!()
        };
        assert_eq!(second.short_class().as_deref(), Some("Win32_Service"));
        assert_eq!(
            prop(&objects[0], "Name"),
            PsValue::Text("extended wins".into())
        );
        assert_eq!(prop(&objects[1], "Deps"), prop(&objects[0], "Deps"));
        assert_eq!(
            super::super::object::to_value(&prop(&objects[1], "Deps")),
            Ok(Some(crate::value::Value::List(vec![
                "MSExchangeSA".into(),
                "RPCSS".into()
            ])))
        );
        assert_eq!(
            super::super::object::to_value(&prop(&objects[0], "Start")),
            Ok(Some(crate::value::Value::String("Automatic".into())))
        );
        assert_eq!(
            super::super::object::resolve(&objects[0].value, &["Table", "1", "2"], 0),
            super::super::object::Lookup::Found(PsValue::Int(1), 9)
        );
    }

    #[test]
    fn semantically_broken_files_fail_gracefully() {
        let body = r#"<Obj RefId = "0" ><TNRef RefId="9" /><Props><Ref N="Missing" RefId="7" /><Ref N="Self" RefId="0" /><S>no name</S></Props></Obj>"#;
        let (objects, report) = parse_all(body);
        assert_eq!(objects.len(), 1);
        assert!(!report.fatal);
        assert!(matches!(prop(&objects[0], "Missing"), PsValue::Unknown(_)));
        assert!(matches!(prop(&objects[0], "Self"), PsValue::Unknown(_)));
        assert_eq!(report.diagnostics.len(), 4, "{:?}", report.diagnostics);
    }

    #[test]
    fn malformed_xml_is_one_diagnostic_with_line_and_column() {
        let cases = [
            (
                "<Objs>\n  <Obj RefId=\"0\">\n    <S N=\"a\">x</B>\n  </Obj>\n</Objs>",
                3,
            ),
            ("<Objs>\n  <Obj RefId=\"0\">\n", 2),
            ("<Objs>\n<S>&custom;</S></Objs>", 2),
            ("<configuration />", 1),
            ("", 1),
            ("<Objs/><Objs/>", 1),
        ];
        for (text, line) in cases {
            let (objects, report) = parse_doc(text);
            assert!(objects.is_empty(), "{text}");
            assert!(report.fatal, "{text}");
            assert_eq!(report.diagnostics.len(), 1, "{text}");
            assert_eq!(
                report.diagnostics[0].line, line,
                "{text}: {}",
                report.diagnostics[0]
            );
            assert!(report.diagnostics[0].message.contains("column"), "{text}");
        }
    }

    #[test]
    fn dtd_entities_are_never_expanded() {
        let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE Objs [<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY a \"aaaaaaaaaa\">]>\n<Objs><S>&xxe;&a;</S></Objs>";
        let (objects, report) = parse_doc(text);
        assert!(objects.is_empty());
        assert!(report.fatal);
        assert_eq!(report.diagnostics[0].line, 3);
    }

    #[test]
    fn a_lone_primitive_is_a_top_level_value() {
        let (objects, _) = parse_doc(
            "\u{feff}<Objs Version=\"1.1.0.1\">\n  <S>Windows Server 2016 Datacenter</S>\n</Objs>",
        );
        assert_eq!(
            objects,
            vec![TopLevel {
                value: PsValue::Text("Windows Server 2016 Datacenter".into()),
                line: 2
            }]
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
            let _ = parse_doc(&text);
        }

        #[test]
        fn never_panics_on_clixml_shaped_noise(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "<Obj RefId=\"0\">", "<Obj RefId=\"1\">", "</Obj>", "<Props>", "</Props>", "<MS>", "</MS>",
                    "<S N=\"a\">x</S>", "<Ref N=\"r\" RefId=\"0\" />", "<Ref RefId=\"1\"/>", "<TN RefId=\"0\"><T>A</T></TN>",
                    "<TNRef RefId=\"0\" />", "<LST>", "</LST>", "<DCT>", "</DCT>", "<En>", "</En>", "<I32 N=\"Key\">1</I32>",
                    "<Nil />", "<ToString>t</ToString>", "&amp;", "_x0041_", "<B>maybe</B>",
                ]),
                0..40,
            )
        ) {
            let body: String = parts.concat();
            let text = format!("{HEAD}{body}</Objs>");
            let _ = parse_doc(&text);
        }
    }
}
