//! The object model shared by the PowerShell export parsers (CliXML, JSON, CSV): objects
//! with named properties, lists, dictionaries and typed scalars; dotted-path lookup,
//! object selection, labels, and conversion to a typed [`Value`].

use crate::value::Value;
use std::rc::Rc;

/// One deserialized PowerShell value.
#[derive(Debug, Clone, PartialEq)]
pub enum PsValue {
    /// `$null` (`<Nil/>`, JSON `null`, an unquoted empty CSV field).
    Null,
    Bool(bool),
    Int(i64),
    /// An unsigned value too large for `i64`.
    UInt(u64),
    /// Strings and every primitive kept as its text (dates, GUIDs, versions, doubles).
    Text(String),
    Bytes(Vec<u8>),
    List(Vec<PsValue>),
    /// A dictionary (`DCT`) with its entries in file order.
    Dict(Vec<(PsValue, PsValue)>),
    Object(Rc<PsObject>),
    /// Something the export holds but does not carry as data (a depth-truncated object,
    /// a SecureString, a broken reference): the reason.
    Unknown(String),
}

/// A complex object: type names, its `ToString()`, an optional wrapped value (an enum's
/// number, a list or dictionary), and its properties.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PsObject {
    /// Type names, most-derived first (CliXML `<TN>`, CSV `#TYPE`, CIM class).
    pub type_names: Rc<[String]>,
    pub to_string: Option<String>,
    pub content: Option<PsValue>,
    pub properties: Vec<Property>,
    pub line: u32,
}

/// One named member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub value: PsValue,
    /// An extended (`<MS>`) member; PowerShell resolves these before adapted ones.
    pub extended: bool,
    pub line: u32,
}

impl PsObject {
    /// The property PowerShell would return for `$object.name`: names are
    /// case-insensitive and extended members win over adapted properties.
    pub fn property(&self, name: &str) -> Option<&Property> {
        let mut found: Option<&Property> = None;
        for property in &self.properties {
            if property.name.eq_ignore_ascii_case(name)
                || (!property.name.is_ascii()
                    && property.name.to_lowercase() == name.to_lowercase())
            {
                match found {
                    None => found = Some(property),
                    Some(first) if property.extended && !first.extended => found = Some(property),
                    Some(_) => {}
                }
            }
        }
        found
    }

    /// Whether this object is an enum value (`System.Enum` among its types).
    pub fn is_enum(&self) -> bool {
        self.type_names.iter().any(|t| t == "System.Enum")
    }

    /// The most-derived type name without the `Deserialized.` prefix.
    pub fn class(&self) -> Option<&str> {
        self.type_names
            .first()
            .map(|t| t.strip_prefix("Deserialized.").unwrap_or(t))
    }

    /// A short class name for reports: the WMI/CIM class after `#` and the namespace
    /// (`Win32_Service`), the last part of a .NET type name (`ServiceController`), or the
    /// name as written (`PDH-CSV 4.0`).
    pub fn short_class(&self) -> Option<String> {
        let class = self.class()?;
        let short = match class.rsplit_once('#') {
            Some((_, path)) => path.rsplit(['\\', '/']).next().unwrap_or(path),
            None if !class.contains([' ', '`', '[']) => class.rsplit('.').next().unwrap_or(class),
            None => class,
        };
        Some(short.to_string())
    }
}

/// Property names tried, in order after `Name` and the WMI key, to label an object.
const KEY_PROPERTIES: &[&str] = &[
    "Caption",
    "ServiceName",
    "DeviceID",
    "HotFixID",
    "Id",
    "Index",
    "Key",
    "SettingID",
    "Identity",
    "DistinguishedName",
];

impl PsValue {
    /// The value's text when it is a scalar (what a CSV export would show), else `None`.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            PsValue::Null | PsValue::List(_) | PsValue::Dict(_) | PsValue::Unknown(_) => None,
            PsValue::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            PsValue::Int(n) => Some(n.to_string()),
            PsValue::UInt(n) => Some(n.to_string()),
            PsValue::Text(s) => Some(s.clone()),
            PsValue::Bytes(bytes) => Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            PsValue::Object(object) => {
                if object.is_enum() {
                    return object
                        .to_string
                        .clone()
                        .or_else(|| object.content.as_ref().and_then(PsValue::scalar_text));
                }
                match &object.content {
                    Some(PsValue::List(_) | PsValue::Dict(_)) => None,
                    Some(content) => content.scalar_text(),
                    None if object.properties.is_empty() => {
                        object.to_string.clone().filter(|s| !looks_truncated(s))
                    }
                    None => None,
                }
            }
        }
    }

    /// The property and text that identify this object among others of its kind: `Name`,
    /// the first WMI key property (from `__RELPATH`), `Caption`, a common key property, or
    /// the first property with text. Scalars label themselves.
    pub fn label(&self) -> Option<(String, String)> {
        let object = match self {
            PsValue::Object(object) if !object.properties.is_empty() => object,
            other => return other.scalar_text().map(|text| (String::new(), text)),
        };
        let text_of = |name: &str| {
            let property = object.property(name)?;
            let text = property.value.scalar_text().filter(|t| !t.is_empty())?;
            Some((property.name.clone(), text))
        };
        if let Some(found) = text_of("Name") {
            return Some(found);
        }
        if let Some(key) = object
            .property("__RELPATH")
            .and_then(|p| p.value.scalar_text())
            .and_then(|relpath| first_key_of_relpath(&relpath))
            && let Some(found) = text_of(&key)
        {
            return Some(found);
        }
        for name in KEY_PROPERTIES {
            if let Some(found) = text_of(name) {
                return Some(found);
            }
        }
        object.properties.iter().find_map(|p| {
            p.value
                .scalar_text()
                .filter(|t| !t.is_empty())
                .map(|t| (p.name.clone(), t))
        })
    }
}

/// `Win32_QuickFixEngineering.HotFixID="KB1",ServicePackInEffect=""` → `HotFixID`.
fn first_key_of_relpath(relpath: &str) -> Option<String> {
    let dot = relpath.find('.')?;
    let equals = relpath.find('=')?;
    (dot < equals).then(|| relpath[dot + 1..equals].to_string())
}

/// Type names of values PowerShell writes as data; a string equal to one of these is
/// data (a `TypeName` property), never a truncation placeholder.
const VALUE_TYPE_NAMES: &[&str] = &[
    "System.String",
    "System.Char",
    "System.Boolean",
    "System.Byte",
    "System.SByte",
    "System.Int16",
    "System.UInt16",
    "System.Int32",
    "System.UInt32",
    "System.Int64",
    "System.UInt64",
    "System.Single",
    "System.Double",
    "System.Decimal",
    "System.DateTime",
    "System.DateTimeOffset",
    "System.TimeSpan",
    "System.Guid",
    "System.Version",
    "System.Uri",
    "System.Object",
];

/// Whether a string is what PowerShell writes in place of an object it did not
/// serialize: `@{a=1; b=2}` (a PSCustomObject's ToString), or one or more .NET reference
/// type names (`System.Collections.Hashtable`, `System.Object[]`, the space-joined names
/// of an array's elements). Such text carries no data.
pub fn looks_truncated(text: &str) -> bool {
    let t = text.trim();
    if t.len() >= 3 && t.starts_with("@{") && t.ends_with('}') {
        return true;
    }
    !t.is_empty() && t.split(' ').all(is_reference_type_name)
}

fn is_reference_type_name(token: &str) -> bool {
    let mut name = token;
    let mut decorated = false;
    while let Some(stripped) = name.strip_suffix("[]") {
        name = stripped;
        decorated = true;
    }
    if let Some((base, generic)) = name.split_once('`') {
        let arity_end = generic
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(generic.len());
        let rest = &generic[arity_end..];
        if arity_end == 0 || !(rest.is_empty() || (rest.starts_with('[') && rest.ends_with(']'))) {
            return false;
        }
        name = base;
        decorated = true;
    }
    let segments: Vec<&str> = name.split('.').collect();
    let identifiers = segments.len() >= 2
        && segments.iter().all(|s| {
            let mut chars = s.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
        });
    identifiers
        && matches!(
            segments[0],
            "System" | "Microsoft" | "Deserialized" | "Selected"
        )
        && (decorated || !VALUE_TYPE_NAMES.contains(&name))
}

/// The result of looking a dotted path up in a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The value and the line it came from.
    Found(PsValue, u32),
    Missing,
    /// The export holds the member but not its data (the reason).
    Unknown(String),
}

/// Nesting beyond which a lookup gives up (references make deep structures cheap).
const MAX_LOOKUP_DEPTH: usize = 64;

/// Looks a dotted path up in a value. Names may themselves contain dots (`TLS.1.2`): the
/// longest name that exists wins. Lists accept an index (`IPAddress.0`), a CIM property
/// bag name (`CimInstanceProperties.Caption`), or a member name applied to every element
/// (PowerShell member enumeration). An object without a property falls back to its
/// `CimInstanceProperties`.
pub fn resolve(value: &PsValue, path: &[&str], line: u32) -> Lookup {
    resolve_at(value, path, line, 0)
}

fn resolve_at(value: &PsValue, path: &[&str], line: u32, depth: usize) -> Lookup {
    if path.is_empty() {
        return Lookup::Found(value.clone(), line);
    }
    if depth > MAX_LOOKUP_DEPTH {
        return Lookup::Unknown(format!("nesting deeper than {MAX_LOOKUP_DEPTH} levels"));
    }
    match value {
        PsValue::Unknown(reason) => Lookup::Unknown(reason.clone()),
        PsValue::Object(object) => resolve_in_object(object, path, depth),
        PsValue::Dict(entries) => resolve_in_dict(entries, path, line, depth),
        PsValue::List(items) => resolve_in_list(items, path, line, depth),
        _ => Lookup::Missing,
    }
}

fn resolve_in_object(object: &PsObject, path: &[&str], depth: usize) -> Lookup {
    for take in (1..=path.len()).rev() {
        let name = path[..take].join(".");
        if let Some(property) = object.property(&name) {
            match resolve_at(&property.value, &path[take..], property.line, depth + 1) {
                Lookup::Missing => continue,
                other => return other,
            }
        }
    }
    if let Some(content @ (PsValue::Dict(_) | PsValue::List(_))) = &object.content {
        match resolve_at(content, path, object.line, depth + 1) {
            Lookup::Missing => {}
            other => return other,
        }
    }
    if !path[0].eq_ignore_ascii_case("CimInstanceProperties")
        && let Some(bag) = object.property("CimInstanceProperties")
    {
        match resolve_at(&bag.value, path, bag.line, depth + 1) {
            Lookup::Missing => {}
            other => return other,
        }
    }
    if object.properties.is_empty()
        && object.content.is_none()
        && let Some(text) = &object.to_string
    {
        return Lookup::Unknown(format!(
            "the export holds this object only as its text `{text}` (it was deeper than \
                 the serialization depth), so `{}` is unknown",
            path.join(".")
        ));
    }
    Lookup::Missing
}

fn resolve_in_dict(
    entries: &[(PsValue, PsValue)],
    path: &[&str],
    line: u32,
    depth: usize,
) -> Lookup {
    for take in (1..=path.len()).rev() {
        let name = path[..take].join(".").to_lowercase();
        let hit = entries
            .iter()
            .find(|(key, _)| key.scalar_text().is_some_and(|k| k.to_lowercase() == name));
        if let Some((_, value)) = hit {
            let entry_line = match value {
                PsValue::Object(object) => object.line,
                _ => line,
            };
            match resolve_at(value, &path[take..], entry_line, depth + 1) {
                Lookup::Missing => continue,
                other => return other,
            }
        }
    }
    Lookup::Missing
}

fn resolve_in_list(items: &[PsValue], path: &[&str], line: u32, depth: usize) -> Lookup {
    if let Ok(index) = path[0].parse::<usize>() {
        return match items.get(index) {
            Some(item) => resolve_at(item, &path[1..], line, depth + 1),
            None => Lookup::Missing,
        };
    }
    // A CIM property bag: elements with `Name` and `Value`.
    for take in (1..=path.len()).rev() {
        let name = path[..take].join(".");
        let hit = items.iter().find_map(|item| match item {
            PsValue::Object(object) => {
                let is_named = object
                    .property("Name")
                    .and_then(|p| p.value.scalar_text())
                    .is_some_and(|n| n.eq_ignore_ascii_case(&name));
                if is_named {
                    object.property("Value")
                } else {
                    None
                }
            }
            _ => None,
        });
        if let Some(value) = hit {
            match resolve_at(&value.value, &path[take..], value.line, depth + 1) {
                Lookup::Missing => continue,
                other => return other,
            }
        }
    }
    // Member enumeration: `$list.Name` is every element's Name.
    let mut values = Vec::new();
    for item in items {
        match resolve_at(item, path, line, depth + 1) {
            Lookup::Found(value, _) => values.push(value),
            Lookup::Missing => {}
            unknown @ Lookup::Unknown(_) => return unknown,
        }
    }
    if values.is_empty() {
        Lookup::Missing
    } else {
        Lookup::Found(PsValue::List(values), line)
    }
}

/// Converts a looked-up value to a typed [`Value`]: integers → Integer, booleans →
/// Boolean, lists → List, text → String, bytes → Binary, enums → their name. `Ok(None)`
/// for `$null`; `Err` (why) for values that are not data or not a single item.
pub fn to_value(value: &PsValue) -> Result<Option<Value>, String> {
    Ok(Some(match value {
        PsValue::Null => return Ok(None),
        PsValue::Bool(b) => Value::Boolean(*b),
        PsValue::Int(n) => Value::Integer(*n),
        PsValue::UInt(n) => match i64::try_from(*n) {
            Ok(n) => Value::Integer(n),
            Err(_) => Value::Qword(*n),
        },
        PsValue::Text(s) => Value::String(s.clone()),
        PsValue::Bytes(bytes) => Value::Binary(bytes.clone()),
        PsValue::Unknown(reason) => return Err(reason.clone()),
        PsValue::List(items) => Value::List(
            items
                .iter()
                .map(element_text)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        PsValue::Dict(entries) => {
            let keys: Vec<String> = entries
                .iter()
                .take(8)
                .filter_map(|(k, _)| k.scalar_text())
                .collect();
            return Err(format!(
                "is a dictionary (keys: {}); name one entry with a dotted path",
                keys.join(", ")
            ));
        }
        PsValue::Object(object) => {
            if object.is_enum() {
                return Ok(value.scalar_text().map(Value::String));
            }
            if let Some(content) = &object.content {
                return to_value(content);
            }
            if !object.properties.is_empty() {
                let names: Vec<&str> = object
                    .properties
                    .iter()
                    .take(8)
                    .map(|p| p.name.as_str())
                    .collect();
                return Err(format!(
                    "is an object (properties: {}{}); name one of its properties with a dotted path",
                    names.join(", "),
                    if object.properties.len() > names.len() {
                        ", ..."
                    } else {
                        ""
                    }
                ));
            }
            match &object.to_string {
                Some(text) if looks_truncated(text) => {
                    return Err(format!(
                        "the export holds only the type name `{text}` in place of this object's data"
                    ));
                }
                Some(text) => Value::String(text.clone()),
                None => return Ok(None),
            }
        }
    }))
}

/// The text of one list element: scalars as text, objects by their label.
fn element_text(item: &PsValue) -> Result<String, String> {
    match item {
        PsValue::Null => Ok(String::new()),
        PsValue::Unknown(reason) => Err(reason.clone()),
        PsValue::List(_) | PsValue::Dict(_) => match to_value(item)? {
            Some(value) => Ok(value.to_string()),
            None => Ok(String::new()),
        },
        PsValue::Object(object) if object.content.is_some() && !object.is_enum() => {
            match to_value(item)? {
                Some(value) => Ok(value.to_string()),
                None => Ok(String::new()),
            }
        }
        other => other
            .scalar_text()
            .or_else(|| other.label().map(|(_, text)| text))
            .ok_or_else(|| "a list element carries no text".to_string()),
    }
}

/// Whether a value matches the text of a `select` condition (case-insensitive). Lists
/// match when any element does; `$null` matches the empty text; enums match by name or
/// number.
pub fn matches_text(value: &PsValue, wanted: &str) -> bool {
    let wanted = wanted.to_lowercase();
    matches_lower(value, &wanted)
}

fn matches_lower(value: &PsValue, wanted: &str) -> bool {
    match value {
        PsValue::Null => wanted.is_empty(),
        PsValue::List(items) => items.iter().any(|item| matches_lower(item, wanted)),
        PsValue::Object(object) => {
            value
                .scalar_text()
                .is_some_and(|t| t.to_lowercase() == wanted)
                || object
                    .content
                    .as_ref()
                    .is_some_and(|content| matches_lower(content, wanted))
        }
        other => other
            .scalar_text()
            .is_some_and(|t| t.to_lowercase() == wanted),
    }
}

/// Splits a `property` path into names (empty path = the value itself).
pub fn split_path(path: &str) -> Vec<&str> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

/// Decodes the `_xHHHH_` escapes PowerShell uses in CliXML strings for control
/// characters and unpaired surrogates (`_x005F_` is a literal `_`). Surrogate pairs
/// combine; a lone surrogate becomes U+FFFD.
pub fn decode_ps_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("_x") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        let candidate = bytes.get(i..i + 7)?;
        if candidate[0] != b'_' || candidate[1] != b'x' || candidate[6] != b'_' {
            return None;
        }
        let hex = std::str::from_utf8(&candidate[2..6]).ok()?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(unit) = unit_at(i) {
            if (0xD800..0xDC00).contains(&unit)
                && let Some(low) = unit_at(i + 7).filter(|u| (0xDC00..0xE000).contains(u))
            {
                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                i += 14;
                continue;
            }
            out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
            i += 7;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(props: &[(&str, PsValue)]) -> PsValue {
        PsValue::Object(Rc::new(PsObject {
            properties: props
                .iter()
                .map(|(n, v)| Property {
                    name: (*n).to_string(),
                    value: v.clone(),
                    extended: false,
                    line: 1,
                })
                .collect(),
            ..PsObject::default()
        }))
    }

    fn text(s: &str) -> PsValue {
        PsValue::Text(s.to_string())
    }

    #[test]
    fn truncation_placeholders_are_recognised_but_value_type_names_are_data() {
        let cases = [
            ("System.Collections.Hashtable", true),
            ("@{a=1; b=2}", true),
            ("System.Object[]", true),
            ("System.String[]", true),
            ("Microsoft.Management.Infrastructure.CimClass", true),
            ("System.Collections.Generic.List`1[System.String]", true),
            (
                "Microsoft.IIs.PowerShell.Framework.ConfigurationAttribute Microsoft.IIs.PowerShell.Framework.ConfigurationAttribute",
                true,
            ),
            ("System.String", false),
            ("System.Int64", false),
            ("Default Web Site", false),
            ("www.contoso.com", false),
            ("v4.0.30319", false),
            ("", false),
            ("@{", false),
            ("Contoso.Widget", false),
        ];
        for (input, expected) in cases {
            assert_eq!(looks_truncated(input), expected, "{input:?}");
        }
    }

    #[test]
    fn ps_escapes_decode_after_xml_unescaping() {
        let cases = [
            ("plain", "plain"),
            ("a_x000A_b", "a\nb"),
            ("_x005F_x000A_", "_x000A_"),
            ("_xD83D__xDE00_", "\u{1F600}"),
            ("_xD83D_", "\u{FFFD}"),
            ("_x00e9_t\u{e9}", "\u{e9}t\u{e9}"),
            ("_xZZZZ_", "_xZZZZ_"),
            ("_x12", "_x12"),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_ps_escapes(input), expected, "{input:?}");
        }
    }

    #[test]
    fn lookup_handles_dotted_keys_lists_cim_bags_and_truncation() {
        let tls = PsValue::Dict(vec![(
            text("1.2"),
            object(&[("ServerEnabled", PsValue::Bool(true))]),
        )]);
        let root = object(&[
            ("Name", text("x")),
            ("TLS", tls),
            (
                "IPAddress",
                PsValue::List(vec![text("10.0.0.1"), text("fe80::1")]),
            ),
            (
                "CimInstanceProperties",
                PsValue::List(vec![object(&[
                    ("Name", text("StartMode")),
                    ("Value", text("Auto")),
                ])]),
            ),
            (
                "Deep",
                PsValue::Object(Rc::new(PsObject {
                    to_string: Some("System.Collections.Hashtable".into()),
                    ..PsObject::default()
                })),
            ),
            (
                "Items",
                PsValue::List(vec![
                    object(&[("Id", PsValue::Int(1))]),
                    object(&[("Id", PsValue::Int(2))]),
                ]),
            ),
        ]);
        let cases: Vec<(&str, Lookup)> = vec![
            ("name", Lookup::Found(text("x"), 1)),
            (
                "TLS.1.2.ServerEnabled",
                Lookup::Found(PsValue::Bool(true), 1),
            ),
            ("IPAddress.1", Lookup::Found(text("fe80::1"), 1)),
            (
                "CimInstanceProperties.StartMode",
                Lookup::Found(text("Auto"), 1),
            ),
            ("StartMode", Lookup::Found(text("Auto"), 1)),
            (
                "Items.Id",
                Lookup::Found(PsValue::List(vec![PsValue::Int(1), PsValue::Int(2)]), 1),
            ),
            ("Nope", Lookup::Missing),
            ("TLS.1.3.ServerEnabled", Lookup::Missing),
        ];
        for (path, expected) in cases {
            assert_eq!(resolve(&root, &split_path(path), 0), expected, "{path}");
        }
        assert!(matches!(
            resolve(&root, &["Deep", "a"], 0),
            Lookup::Unknown(reason) if reason.contains("System.Collections.Hashtable")
        ));
    }

    #[test]
    fn values_convert_to_typed_values() {
        let enum_value = PsValue::Object(Rc::new(PsObject {
            type_names: vec![
                "System.ServiceProcess.ServiceStartMode".to_string(),
                "System.Enum".to_string(),
            ]
            .into(),
            to_string: Some("Automatic".into()),
            content: Some(PsValue::Int(2)),
            ..PsObject::default()
        }));
        let cases: Vec<(PsValue, Result<Option<Value>, ()>)> = vec![
            (PsValue::Null, Ok(None)),
            (PsValue::Int(-3), Ok(Some(Value::Integer(-3)))),
            (PsValue::UInt(u64::MAX), Ok(Some(Value::Qword(u64::MAX)))),
            (PsValue::Bool(true), Ok(Some(Value::Boolean(true)))),
            (text("a"), Ok(Some(Value::String("a".into())))),
            (
                PsValue::List(vec![text("a"), PsValue::Int(2)]),
                Ok(Some(Value::List(vec!["a".into(), "2".into()]))),
            ),
            (
                enum_value.clone(),
                Ok(Some(Value::String("Automatic".into()))),
            ),
            (object(&[("a", PsValue::Int(1))]), Err(())),
            (PsValue::Unknown("x".into()), Err(())),
            (PsValue::Dict(vec![]), Err(())),
        ];
        for (input, expected) in cases {
            assert_eq!(to_value(&input).map_err(|_| ()), expected, "{input:?}");
        }
        assert!(matches_text(&enum_value, "automatic"));
        assert!(matches_text(&enum_value, "2"));
        assert!(matches_text(&PsValue::Null, ""));
        assert!(matches_text(
            &PsValue::List(vec![text("A"), text("B")]),
            "b"
        ));
    }

    #[test]
    fn short_class_names() {
        let cases = [
            (
                "System.Management.ManagementObject#root\\cimv2\\Win32_Service",
                "Win32_Service",
            ),
            (
                "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbServerConfiguration",
                "MSFT_SmbServerConfiguration",
            ),
            (
                "Deserialized.System.ServiceProcess.ServiceController",
                "ServiceController",
            ),
            (
                "Selected.Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
                "ExchangeServer",
            ),
            ("PDH-CSV 4.0", "PDH-CSV 4.0"),
            (
                "System.Collections.Generic.List`1[System.String]",
                "System.Collections.Generic.List`1[System.String]",
            ),
        ];
        for (type_name, expected) in cases {
            let object = PsObject {
                type_names: vec![type_name.to_string()].into(),
                ..PsObject::default()
            };
            assert_eq!(
                object.short_class().as_deref(),
                Some(expected),
                "{type_name}"
            );
        }
    }

    #[test]
    fn labels_prefer_name_then_wmi_key_then_caption() {
        let cases = [
            (
                object(&[("Caption", text("c")), ("Name", text("n"))]),
                ("Name", "n"),
            ),
            (
                object(&[
                    (
                        "__RELPATH",
                        text("Win32_QuickFixEngineering.HotFixID=\"KB1\",ServicePackInEffect=\"\""),
                    ),
                    ("Caption", text("http://x")),
                    ("HotFixID", text("KB1")),
                    ("Name", PsValue::Null),
                ]),
                ("HotFixID", "KB1"),
            ),
            (
                object(&[("Caption", text("c")), ("Other", text("o"))]),
                ("Caption", "c"),
            ),
            (object(&[("Other", PsValue::Int(4))]), ("Other", "4")),
        ];
        for (value, (property, label)) in cases {
            assert_eq!(
                value.label(),
                Some((property.to_string(), label.to_string()))
            );
        }
    }
}
