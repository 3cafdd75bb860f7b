//! A small element tree over quick-xml for IIS configuration files, keeping the line of
//! every element and attribute.
//!
//! The reader never expands a DTD or an entity other than the five predefined ones and
//! character references: an unknown `&name;` is a well-formedness error, not a lookup.
//! The caller decides per element whether it is kept, so a large file contributes only
//! the sections an audit asks for; everything else is still read to the end so a
//! malformed file is always reported.

use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

/// Deeper nesting than this is refused: IIS files nest a dozen levels, and a hostile file
/// must not exhaust the stack when the tree is walked or dropped.
pub const MAX_DEPTH: usize = 256;

/// One attribute, unescaped, with the line its name starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub value: String,
    pub line: u32,
}

/// One element with the attributes and the kept children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// Line and column of the `<` that opens the element.
    pub line: u32,
    pub column: u32,
}

impl Element {
    /// The attribute with exactly this name (XML names are case-sensitive).
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The attribute's value, if present.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    /// Children with this element name, in document order.
    pub fn children_named<'e>(&'e self, name: &str) -> impl Iterator<Item = &'e Element> {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// What the caller wants done with an element it has just seen (with its attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keep it and everything below it without asking again.
    Subtree,
    /// Keep it and ask again for each child.
    Descend,
    /// Drop it and everything below it (still checked for well-formedness).
    Skip,
}

/// A well-formedness error: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "malformed XML at line {}, column {}: {}; the file was not read further",
            self.line, self.column, self.message
        )
    }
}

/// Byte offsets to 1-based line and column, counting LF, CRLF and a lone CR as one break.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Self { text, starts }
    }

    /// Line of a byte offset (offsets past the end count as the last line).
    pub fn line(&self, offset: usize) -> u32 {
        let index = self.starts.partition_point(|s| *s <= offset).max(1);
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    /// 1-based column in characters.
    pub fn column(&self, offset: usize) -> u32 {
        let offset = offset.min(self.text.len());
        let start = self.starts[self.line(offset) as usize - 1].min(offset);
        let prefix = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        u32::try_from(prefix + 1).unwrap_or(u32::MAX)
    }

    /// Byte offset of `slice` inside the indexed text, when it borrows from it.
    fn offset_of(&self, slice: &[u8]) -> Option<usize> {
        let base = self.text.as_ptr() as usize;
        let at = slice.as_ptr() as usize;
        (at >= base && at <= base + self.text.len()).then(|| at - base)
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> XmlError {
        XmlError {
            line: self.line(offset),
            column: self.column(offset),
            message: message.into(),
        }
    }
}

/// An element being built, with the decision taken for it.
struct Open {
    element: Element,
    keep: Keep,
    /// Whether an ancestor was skipped (then this element is only checked, never kept).
    dropped: bool,
    offset: usize,
}

/// Parses `text` into the root element, keeping what `decide` asks for. `decide` sees the
/// names of the open ancestors (root first) and the element with its attributes.
pub fn parse(
    text: &str,
    decide: &mut dyn FnMut(&[&str], &Element) -> Keep,
) -> Result<Element, XmlError> {
    let index = LineIndex::new(text);
    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    // End names are checked here, against our own stack, so the message can say where the
    // unclosed element was opened.
    config.check_end_names = false;
    config.check_comments = true;
    config.expand_empty_elements = false;

    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(before);
                return Err(index.error(at, err.to_string()));
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let at = index
                    .offset_of(&start)
                    .map_or(before, |o| o.saturating_sub(1));
                return Err(index.error(
                    at,
                    format!(
                        "a second root element <{}> after the document element",
                        String::from_utf8_lossy(start.name().as_ref())
                    ),
                ));
            }
            Event::Start(start) => {
                let open = open_element(&index, &start, before, &stack, decide)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(index.error(
                        open.offset,
                        format!("elements nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(open);
            }
            Event::Empty(start) => {
                let open = open_element(&index, &start, before, &stack, decide)?;
                close(open, &mut stack, &mut root);
            }
            Event::End(end) => {
                let at = index
                    .offset_of(&end)
                    .map_or(before, |o| o.saturating_sub(2));
                let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                let Some(open) = stack.pop() else {
                    return Err(index.error(at, format!("end tag </{name}> without a start tag")));
                };
                if open.element.name != name {
                    return Err(index.error(
                        at,
                        format!(
                            "end tag </{name}> does not match <{}> opened at line {} (unclosed <{}>)",
                            open.element.name, open.element.line, open.element.name
                        ),
                    ));
                }
                close(open, &mut stack, &mut root);
            }
            Event::Text(text_event) => {
                let raw: &[u8] = &text_event;
                if stack.is_empty() && !raw.iter().all(u8::is_ascii_whitespace) {
                    return Err(index.error(before, "text outside the document element"));
                }
                // IIS files carry no text content, but a bad entity is still malformed.
                if let Err(err) = text_event.unescape() {
                    return Err(index.error(before, err.to_string()));
                }
            }
            Event::Eof => break,
            // Comments (including a commented-out <location>), declarations, processing
            // instructions, CDATA and a DOCTYPE carry no configuration; a DOCTYPE's
            // entities are never expanded.
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::CData(_) => {}
            Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(index.error(
            text.len(),
            format!(
                "the file ends inside <{}> opened at line {} (unclosed element)",
                open.element.name, open.element.line
            ),
        ));
    }
    root.ok_or_else(|| index.error(text.len(), "no document element"))
}

fn open_element(
    index: &LineIndex<'_>,
    start: &BytesStart<'_>,
    before: usize,
    stack: &[Open],
    decide: &mut dyn FnMut(&[&str], &Element) -> Keep,
) -> Result<Open, XmlError> {
    // The event's bytes start after `<`.
    let content_offset = index.offset_of(start).unwrap_or(before + 1);
    let offset = content_offset.saturating_sub(1);
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|e| index.error(offset, e.to_string()))?
        .to_string();
    if name.is_empty() {
        return Err(index.error(offset, "an element without a name"));
    }
    let line = index.line(offset);
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|err| {
            let at = match &err {
                quick_xml::events::attributes::AttrError::ExpectedEq(p)
                | quick_xml::events::attributes::AttrError::ExpectedValue(p)
                | quick_xml::events::attributes::AttrError::UnquotedValue(p)
                | quick_xml::events::attributes::AttrError::ExpectedQuote(p, _)
                | quick_xml::events::attributes::AttrError::Duplicated(p, _) => content_offset + p,
            };
            index.error(at, format!("in <{name}>: {err}"))
        })?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let key_offset = index
            .offset_of(attribute.key.as_ref())
            .unwrap_or(content_offset);
        let value: Cow<'_, str> = attribute
            .unescape_value()
            .map_err(|err| index.error(key_offset, format!("in attribute {key}: {err}")))?;
        attrs.push(Attr {
            name: key,
            value: value.into_owned(),
            line: index.line(key_offset),
        });
    }
    let element = Element {
        name,
        attrs,
        children: Vec::new(),
        line,
        column: index.column(offset),
    };
    let parent_dropped = stack
        .last()
        .is_some_and(|p| p.dropped || p.keep == Keep::Skip);
    let keep = match stack.last() {
        _ if parent_dropped => Keep::Skip,
        Some(parent) if parent.keep == Keep::Subtree => Keep::Subtree,
        _ => {
            let names: Vec<&str> = stack.iter().map(|o| o.element.name.as_str()).collect();
            decide(&names, &element)
        }
    };
    Ok(Open {
        element,
        keep,
        dropped: parent_dropped,
        offset,
    })
}

fn close(open: Open, stack: &mut [Open], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => {
            if !open.dropped && open.keep != Keep::Skip {
                parent.element.children.push(open.element);
            }
        }
        None => *root = Some(open.element),
    }
}

/// Parses and keeps everything.
pub fn parse_all(text: &str) -> Result<Element, XmlError> {
    parse(text, &mut |_, _| Keep::Subtree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_every_break_style() {
        let index = LineIndex::new("ab\r\ncd\ref\ngh");
        let cases = [
            (0, 1, 1),
            (1, 1, 2),
            (4, 2, 1),
            (7, 3, 1),
            (10, 4, 1),
            (11, 4, 2),
        ];
        for (offset, line, column) in cases {
            assert_eq!(
                (index.line(offset), index.column(offset)),
                (line, column),
                "offset {offset}"
            );
        }
        // Columns count characters, not bytes.
        let index = LineIndex::new("\u{e9}\u{e9}x");
        assert_eq!(index.column(4), 3);
    }

    #[test]
    fn keeps_lines_of_elements_and_attributes() {
        let root = parse_all("<a>\n  <b x=\"1\"\n     y=\"&amp;&#xA;\"/>\n</a>").unwrap();
        let b = &root.children[0];
        assert_eq!((b.name.as_str(), b.line, b.column), ("b", 2, 3));
        assert_eq!(b.attr("x").unwrap().line, 2);
        assert_eq!(b.attr("y").unwrap().line, 3);
        assert_eq!(b.value("y"), Some("&\n"));
        assert_eq!(b.value("Y"), None, "XML names are case-sensitive");
    }

    #[test]
    fn comments_never_become_elements() {
        let root = parse_all("<c><!-- <location path=\"x\"><a/></location> --><d/></c>").unwrap();
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["d"]);
    }

    #[test]
    fn keep_decisions_prune_the_tree() {
        let text = "<r><keep><x/><y/></keep><skip><z/></skip><d><in/><out/></d></r>";
        let root = parse(
            text,
            &mut |path, element| match (path.len(), element.name.as_str()) {
                (0, _) => Keep::Descend,
                (1, "keep") => Keep::Subtree,
                (1, "d") => Keep::Descend,
                (2, "in") => Keep::Subtree,
                _ => Keep::Skip,
            },
        )
        .unwrap();
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["keep", "d"]);
        assert_eq!(root.children[0].children.len(), 2);
        assert_eq!(root.children[1].children.len(), 1);
    }

    #[test]
    fn malformed_input_reports_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("<a>\n  <b>\n</a>", 3, 1, "unclosed <b>"),
            ("<a>\n<b>", 2, 4, "ends inside <b>"),
            ("<a x=\"1\" x=\"2\"/>", 1, 10, "Duplicate"),
            ("<a>\n <b v=\"&ent;\"/></a>", 2, 5, "ent"),
            ("<a/><b/>", 1, 5, "second root"),
            ("</a>", 1, 1, "</a>"),
            ("", 1, 1, "no document element"),
            ("<a><!-- x -- y --></a>", 1, 11, "--"),
            (
                "<!DOCTYPE a [<!ENTITY e \"boom\">]><a v=\"&e;\"/>",
                1,
                37,
                "e",
            ),
        ];
        for (text, line, column, needle) in cases {
            let err = parse_all(text).unwrap_err();
            assert_eq!((err.line, err.column), (*line, *column), "{text:?}: {err}");
            assert!(
                err.message.to_lowercase().contains(&needle.to_lowercase()),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn nesting_is_capped() {
        let deep = "<a>".repeat(MAX_DEPTH + 5);
        let err = parse_all(&deep).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
    }

    #[test]
    fn whitespace_before_the_equals_sign_is_accepted() {
        let root = parse_all("<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\n\tServerComment=\"x\" />")
            .unwrap();
        assert_eq!(root.value("Location"), Some("/LM/W3SVC/1"));
    }
}
