//! ConvertTo-Json output (Windows PowerShell 5.1 and PowerShell 7).
//!
//! The document is validated once without building anything (a malformed file gives one
//! diagnostic with line and column and no objects); then each element of a top-level
//! array is parsed on its own and handed to the caller, so a large array is never held
//! whole. A single top-level object is a list of one. Property order is kept.
//! `\/Date(ms)\/` becomes an ISO 8601 UTC timestamp; the `ToString()` text PowerShell
//! writes for objects deeper than `-Depth` (`System.Collections.Hashtable`, `@{a=1}`)
//! becomes an unknown value, not data.

use super::object::{Property, PsObject, PsValue, looks_truncated};
use super::{ParseReport, TopLevel};
use crate::collect::Diagnostic;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;

/// Parses a JSON export, calling `sink` once per top-level object.
pub fn parse(text: &str, file: &Path, sink: &mut dyn FnMut(TopLevel)) -> ParseReport {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = body.strip_suffix('\u{1a}').unwrap_or(body);
    if body.trim().is_empty() {
        return ParseReport::default();
    }
    if let Err(err) = serde_json::from_str::<IgnoredAny>(body) {
        let line = u32::try_from(err.line()).unwrap_or(u32::MAX);
        return ParseReport {
            diagnostics: vec![Diagnostic::line(
                file,
                line,
                format!(
                    "malformed JSON at line {line}, column {}: {err}; the file was not read",
                    err.column()
                ),
            )],
            fatal: true,
        };
    }
    let mut report = ParseReport::default();
    let mut line = 1u32;
    let mut counted_to = 0usize;
    for range in top_level_elements(body) {
        line = line.saturating_add(
            u32::try_from(
                memchr::memchr_iter(b'\n', &body.as_bytes()[counted_to..range.start]).count(),
            )
            .unwrap_or(u32::MAX),
        );
        counted_to = range.start;
        let slice = &body[range];
        let mut deserializer = serde_json::Deserializer::from_str(slice);
        let seed = NodeSeed { line };
        let parsed = seed
            .deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value));
        match parsed {
            Ok(value) => sink(TopLevel { value, line }),
            Err(err) => report.diagnostics.push(Diagnostic::line(
                file,
                line,
                format!("cannot read this element: {err}"),
            )),
        }
    }
    report
}

/// Byte ranges of the top-level values: each element of a top-level array, or the whole
/// document. Assumes the document is valid JSON.
fn top_level_elements(body: &str) -> Vec<Range<usize>> {
    let bytes = body.as_bytes();
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Vec::new();
    };
    if bytes[first] != b'[' {
        return vec![Range {
            start: first,
            end: body.len(),
        }];
    }
    let mut ranges = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate().skip(first + 1) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                start.get_or_insert(i);
            }
            b'{' | b'[' => {
                depth += 1;
                start.get_or_insert(i);
            }
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                ranges.extend(start.take().map(|s| s..i));
                break;
            }
            b',' if depth == 0 => ranges.extend(start.take().map(|s| s..i)),
            b if b.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    ranges
}

/// `/Date(1567807200000)/` (optionally with a `+0200` offset) as ISO 8601 UTC.
fn json_date(text: &str) -> Option<String> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .find(|&(i, c)| i > 0 && (c == '+' || c == '-'))
        .map_or(inner.len(), |(i, _)| i);
    let (millis, offset) = inner.split_at(digits_end);
    let offset_is_valid =
        offset.is_empty() || (offset.len() == 5 && offset[1..].chars().all(|c| c.is_ascii_digit()));
    if !offset_is_valid {
        return None;
    }
    let millis: i64 = millis.parse().ok()?;
    let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(millis)?;
    let format = if millis % 1000 == 0 {
        chrono::SecondsFormat::Secs
    } else {
        chrono::SecondsFormat::Millis
    };
    Some(time.to_rfc3339_opts(format, true))
}

fn string_value(text: &str) -> PsValue {
    if let Some(date) = json_date(text) {
        return PsValue::Text(date);
    }
    if looks_truncated(text) {
        return PsValue::Unknown(format!(
            "ConvertTo-Json wrote `{}` in place of an object nested deeper than its -Depth \
             (or one it could not serialize), so the value is unknown",
            text.chars().take(80).collect::<String>()
        ));
    }
    PsValue::Text(text.to_string())
}

/// Deserializes a JSON value into [`PsValue`], keeping property order and marking every
/// object with the line of its top-level element.
#[derive(Clone, Copy)]
struct NodeSeed {
    line: u32,
}

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = PsValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PsValue, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed {
    type Value = PsValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<PsValue, E> {
        Ok(PsValue::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<PsValue, E> {
        Ok(PsValue::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<PsValue, E> {
        Ok(i64::try_from(v).map_or(PsValue::UInt(v), PsValue::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<PsValue, E> {
        Ok(PsValue::Text(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<PsValue, E> {
        Ok(string_value(v))
    }

    fn visit_unit<E>(self) -> Result<PsValue, E> {
        Ok(PsValue::Null)
    }

    fn visit_none<E>(self) -> Result<PsValue, E> {
        Ok(PsValue::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PsValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(PsValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PsValue, A::Error> {
        let mut properties = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            properties.push(Property {
                name,
                value,
                extended: false,
                line: self.line,
            });
        }
        let mut object = PsObject {
            properties,
            line: self.line,
            ..PsObject::default()
        };
        object.type_names =
            class_of(&object).map_or_else(|| Rc::from(Vec::new()), |c| Rc::from(vec![c]));
        Ok(PsValue::Object(Rc::new(object)))
    }
}

/// The class of a serialized CIM or WMI object, as a type name.
fn class_of(object: &PsObject) -> Option<String> {
    if let Some(PsValue::Object(system)) = object.property("CimSystemProperties").map(|p| &p.value)
    {
        let class = system.property("ClassName")?.value.scalar_text()?;
        let namespace = system
            .property("Namespace")
            .and_then(|p| p.value.scalar_text())
            .unwrap_or_default();
        return Some(format!(
            "Microsoft.Management.Infrastructure.CimInstance#{namespace}/{class}"
        ));
    }
    let class = object.property("__CLASS")?.value.scalar_text()?;
    let namespace = object
        .property("__NAMESPACE")
        .and_then(|p| p.value.scalar_text())
        .unwrap_or_default();
    Some(format!(
        "System.Management.ManagementObject#{namespace}\\{class}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> (Vec<TopLevel>, ParseReport) {
        let mut out = Vec::new();
        let report = parse(text, Path::new("x.json"), &mut |t| out.push(t));
        (out, report)
    }

    #[test]
    fn dates_become_iso_8601() {
        let cases = [
            ("/Date(1567807200000)/", Some("2019-09-06T22:00:00Z")),
            ("/Date(1567807200123)/", Some("2019-09-06T22:00:00.123Z")),
            ("/Date(-1000+0200)/", Some("1969-12-31T23:59:59Z")),
            ("/Date(abc)/", None),
            ("/Date(1+02)/", None),
            ("Date(1)", None),
        ];
        for (input, expected) in cases {
            assert_eq!(json_date(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn top_level_object_and_array_normalise_to_a_list() {
        let (one, _) = parse_all("{\"a\":  1}");
        assert_eq!(one.len(), 1);
        let (many, _) = parse_all(
            "[\r\n    {\r\n        \"a\":  \"x,]\\\"\"\r\n    },\r\n    {\r\n        \"a\":  [1, 2]\r\n    }\r\n]",
        );
        assert_eq!(many.len(), 2);
        assert_eq!(many[0].line, 2);
        assert_eq!(many[1].line, 5);
        let (empty, report) = parse_all("[]");
        assert!(empty.is_empty() && report.diagnostics.is_empty());
        let (scalar, _) = parse_all("\"Windows\"");
        assert_eq!(scalar[0].value, PsValue::Text("Windows".into()));
    }

    #[test]
    fn ps51_layout_escapes_dates_and_truncation() {
        let text = "\u{feff}{\r\n    \"Name\":  \"MSExchangeIS\",\r\n    \"When\":  \"\\/Date(1567807200000)\\/\",\r\n    \"Html\":  \"\\u003cb\\u003e \\u0027x\\u0027 \\u0026\",\r\n    \"Deep\":  \"System.Collections.Hashtable\",\r\n    \"Custom\":  \"@{a=1; b=2}\",\r\n    \"Type\":  \"System.String\",\r\n    \"Big\":  18446744073709551615,\r\n    \"Ratio\":  0.5,\r\n    \"Null\":  null\r\n}";
        let (objects, report) = parse_all(text);
        assert!(report.diagnostics.is_empty());
        let PsValue::Object(object) = &objects[0].value else {
            panic!("not an object")
        };
        let get = |n: &str| object.property(n).map(|p| p.value.clone());
        assert_eq!(get("name"), Some(PsValue::Text("MSExchangeIS".into())));
        assert_eq!(
            get("When"),
            Some(PsValue::Text("2019-09-06T22:00:00Z".into()))
        );
        assert_eq!(get("Html"), Some(PsValue::Text("<b> 'x' &".into())));
        assert!(matches!(get("Deep"), Some(PsValue::Unknown(_))));
        assert!(matches!(get("Custom"), Some(PsValue::Unknown(_))));
        assert_eq!(get("Type"), Some(PsValue::Text("System.String".into())));
        assert_eq!(get("Big"), Some(PsValue::UInt(u64::MAX)));
        assert_eq!(get("Ratio"), Some(PsValue::Text("0.5".into())));
        assert_eq!(get("Null"), Some(PsValue::Null));
        assert_eq!(object.properties[0].name, "Name", "property order is kept");
    }

    #[test]
    fn malformed_json_is_one_diagnostic_with_position_and_no_objects() {
        let (objects, report) = parse_all("[\n  {\"a\": 1},\n  {\"a\": }\n]");
        assert!(objects.is_empty());
        assert!(report.fatal);
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].line, 3);
        assert!(report.diagnostics[0].message.contains("column"));
    }

    #[test]
    fn cim_objects_record_their_class() {
        let (objects, _) = parse_all(
            "{\"Name\": \"x\", \"CimSystemProperties\": {\"Namespace\": \"root/cimv2\", \"ClassName\": \"Win32_Service\"}}",
        );
        let PsValue::Object(object) = &objects[0].value else {
            panic!("not an object")
        };
        assert_eq!(object.short_class().as_deref(), Some("Win32_Service"));
    }
}
