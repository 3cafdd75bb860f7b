//! IIS 6 metabase exports (`MetaBase.xml`, `iiscnfg /export`).
//!
//! # Source syntax (`type = "metabase"`)
//!
//! `location` (a metabase path, `/LM/W3SVC/1/root/owa`, case-insensitive), `property` (a
//! property name, or the numeric `ID` of a `<Custom>` property), optional `file` (default
//! `MetaBase.xml` anywhere, preferring `…/inetsrv/MetaBase.xml`).
//!
//! # Reading
//!
//! Under `<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0"><MBProperty>`
//! each element is a metabase key: its name is the ADSI class (`IIsWebVirtualDir`, which
//! `property = "KeyType"` returns), `Location` its path, every other attribute a property.
//! `<Custom Name ID Value Type UserType Attributes/>` children are properties the schema
//! does not name, typed by `Type` (DWORD, STRING, EXPANDSZ, MULTISZ, BINARY).
//!
//! Values: flag properties (`…Flags`, `AuthPersistence`, `LogEventOnRecycle`) are lists of
//! the flag names written between `|` (`0` or empty is the empty list); MULTI_SZ
//! properties (the known ones, or any value with line breaks) are one item per line,
//! indentation trimmed; secure properties (passwords, ACLs, session keys, `<Custom>` marked
//! `SECURE`) are `present, encrypted`; everything else is text as written.
//!
//! Inheritance: a property set on a key applies to every path below it, except the
//! properties the IIS 6 reference marks `NO_ATTRIBUTES` (`KeyType`, `ServerBindings`,
//! `SecureBindings`, `ServerState`, `AdminServer`) and `<Custom>` properties without
//! `INHERIT` in `Attributes`. The nearest key on the path that sets the property wins; a path
//! that is not itself a key inherits all the same.

use super::xml::{self, Element, Keep, XmlError};
use super::{ENCRYPTED, Pick, ambiguous, pick_file, read_text};
use crate::collect::{
    Address, Collected, Collector, Diagnostic, HostFiles, Item, ListedItem, Listing, Provenance,
    field, only_fields, required,
};
use crate::value::{Value, parse_integer};
use std::collections::BTreeMap;
use std::path::Path;

const DEFAULT_FILE: &str = "MetaBase.xml";
const STANDARD_PLACE: &str = "inetsrv/metabase.xml";
const NAMESPACE_PREFIX: &str = "urn:microsoft-catalog:XML_Metabase";

const NOT_INHERITED: &[&str] = &[
    "KeyType",
    "ServerBindings",
    "SecureBindings",
    "ServerState",
    "AdminServer",
];

const SECURE: &[&str] = &[
    "AnonymousUserPass",
    "WAMUserPass",
    "UNCPassword",
    "LogOdbcPassword",
    "AdminACL",
    "AdminACLBin",
    "ADConnectionsPassword",
    "SessionKey",
];

const MULTI_SZ: &[&str] = &[
    "ScriptMaps",
    "ServerBindings",
    "SecureBindings",
    "HttpCustomHeaders",
    "HttpErrors",
    "RedirectHeaders",
    "ApplicationDependencies",
    "WebSvcExtRestrictionList",
    "MimeMap",
    "CustomErrorDescriptions",
    "HcFileExtensions",
    "HcScriptFileExtensions",
];

fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn is_flags(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("flags")
        || name.eq_ignore_ascii_case("AuthPersistence")
        || name.eq_ignore_ascii_case("LogEventOnRecycle")
}

/// One property of a metabase key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    /// The numeric ID of a `<Custom>` property.
    pub id: Option<String>,
    pub value: Value,
    pub inherited: bool,
    pub line: u32,
}

/// One metabase key (an element under `<MBProperty>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The path as written (`/LM/W3SVC/1/ROOT`).
    pub location: String,
    /// The ADSI class, from the element name.
    pub class: String,
    pub line: u32,
    pub properties: Vec<Property>,
}

/// A metabase path in one spelling: `/`-separated from the root, `\` accepted, no
/// trailing `/`. `.` (the `IIS_Global` key) stays `.`.
pub fn normalize_location(raw: &str) -> String {
    let raw = raw.trim();
    if raw == "." {
        return ".".into();
    }
    let segments: Vec<&str> = raw
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    format!("/{}", segments.join("/"))
}

fn folded_segments(location: &str) -> Vec<String> {
    location
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_prefix(prefix: &[String], path: &[String]) -> bool {
    prefix.len() <= path.len() && prefix.iter().zip(path).all(|(a, b)| a == b)
}

/// A named property's value.
pub fn named_value(name: &str, raw: &str) -> Value {
    if raw.trim_start().starts_with("NOLONGERVALID") {
        return Value::String("present, invalidated by the export (NOLONGERVALID)".into());
    }
    if listed(SECURE, name) {
        return Value::String(ENCRYPTED.into());
    }
    if is_flags(name) {
        return Value::List(
            raw.split('|')
                .map(str::trim)
                .filter(|f| !f.is_empty() && *f != "0")
                .map(str::to_string)
                .collect(),
        );
    }
    if listed(MULTI_SZ, name) || raw.contains(['\n', '\r']) {
        return Value::MultiString(lines(raw));
    }
    Value::String(raw.to_string())
}

fn lines(raw: &str) -> Vec<String> {
    raw.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn hex_bytes(raw: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = raw.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

/// A `<Custom>` property's value by its `Type`, or why the value does not fit the type.
pub fn custom_value(kind: &str, raw: &str, secure: bool) -> Result<Value, String> {
    if secure {
        return Ok(Value::String(ENCRYPTED.into()));
    }
    match kind.trim().to_ascii_uppercase().as_str() {
        "DWORD" => parse_integer(raw)
            .and_then(|n| u32::try_from(n).ok())
            .map(Value::Dword)
            .ok_or_else(|| format!("Value `{raw}` is not a DWORD")),
        "EXPANDSZ" => Ok(Value::ExpandString(raw.to_string())),
        "MULTISZ" => Ok(Value::MultiString(lines(raw))),
        "BINARY" => hex_bytes(raw)
            .map(Value::Binary)
            .ok_or_else(|| format!("Value `{raw}` is not hexadecimal BINARY data")),
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn has_flag(list: &str, flag: &str) -> bool {
    list.split('|').any(|f| f.trim().eq_ignore_ascii_case(flag))
}

/// Reads a MetaBase.xml, keeping the keys on the way to `wanted` paths (all keys when
/// `None`). Problems that do not stop the file come back as diagnostics.
pub fn parse(
    text: &str,
    file: &Path,
    wanted: Option<&[Vec<String>]>,
) -> Result<(Vec<Key>, Vec<Diagnostic>), XmlError> {
    let mut diagnostics = Vec::new();
    let root = xml::parse(text, &mut |ancestors, element| match ancestors {
        [] => Keep::Descend,
        [_] if element.name == "MBProperty" => Keep::Descend,
        [_] => {
            diagnostics.push(Diagnostic::line(
                file,
                element.line,
                format!(
                    "<{}> outside <MBProperty> is not metabase data; ignored",
                    element.name
                ),
            ));
            Keep::Skip
        }
        [_, _] => {
            let Some(location) = element.value("Location") else {
                return Keep::Subtree;
            };
            let key = folded_segments(&normalize_location(location));
            match wanted {
                Some(paths) if !paths.iter().any(|p| is_prefix(&key, p)) => Keep::Skip,
                _ => Keep::Subtree,
            }
        }
        _ => Keep::Subtree,
    })?;
    let namespace = root.value("xmlns").unwrap_or_default();
    if root.name != "configuration" || !namespace.starts_with(NAMESPACE_PREFIX) {
        return Err(XmlError {
            line: root.line,
            column: root.column,
            message: format!(
                "the document element is <{}> in namespace `{namespace}`, not <configuration xmlns=\"{NAMESPACE_PREFIX}_V64_0\">: not a MetaBase.xml export",
                root.name
            ),
        });
    }
    let mut keys: Vec<Key> = Vec::new();
    for element in root.children.iter().flat_map(|mb| &mb.children) {
        let Some(location) = element.value("Location") else {
            diagnostics.push(Diagnostic::line(
                file,
                element.line,
                format!("<{}> has no Location attribute; ignored", element.name),
            ));
            continue;
        };
        let location = normalize_location(location);
        if let Some(earlier) = keys
            .iter()
            .find(|k| k.location.eq_ignore_ascii_case(&location))
        {
            diagnostics.push(Diagnostic::line(
                file,
                element.line,
                format!(
                    "key {location} appears again (first at line {}); where both set a property, this later one wins",
                    earlier.line
                ),
            ));
        }
        keys.push(read_key(element, location, file, &mut diagnostics));
    }
    Ok((keys, diagnostics))
}

fn read_key(
    element: &Element,
    location: String,
    file: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Key {
    let mut properties: Vec<Property> = element
        .attrs
        .iter()
        .filter(|a| a.name != "Location")
        .map(|a| Property {
            name: a.name.clone(),
            id: None,
            value: named_value(&a.name, &a.value),
            inherited: !listed(NOT_INHERITED, &a.name),
            line: a.line,
        })
        .collect();
    for child in &element.children {
        if child.name != "Custom" {
            diagnostics.push(Diagnostic::line(
                file,
                child.line,
                format!(
                    "<{}> inside <{}> is not a <Custom> property; ignored",
                    child.name, element.name
                ),
            ));
            continue;
        }
        let name = child.value("Name").unwrap_or_default().to_string();
        let id = child.value("ID").map(|i| i.trim().to_string());
        let attributes = child.value("Attributes").unwrap_or_default();
        let raw = child.value("Value").unwrap_or_default();
        let value = custom_value(
            child.value("Type").unwrap_or_default(),
            raw,
            has_flag(attributes, "SECURE"),
        )
        .unwrap_or_else(|message| {
            let label = if name.is_empty() {
                id.clone().unwrap_or_default()
            } else {
                name.clone()
            };
            diagnostics.push(
                Diagnostic::line(file, child.line, format!("<Custom> {label}: {message}"))
                    .at(location.clone(), Some(label)),
            );
            Value::String(raw.to_string())
        });
        properties.push(Property {
            name,
            id,
            value,
            inherited: has_flag(attributes, "INHERIT"),
            line: child.line,
        });
    }
    Key {
        location,
        class: element.name.clone(),
        line: element.line,
        properties,
    }
}

fn matches(property: &Property, wanted: &str) -> bool {
    (!property.name.is_empty() && property.name.eq_ignore_ascii_case(wanted))
        || (wanted.bytes().all(|b| b.is_ascii_digit()) && property.id.as_deref() == Some(wanted))
}

/// The effective value of `property` at `location`, with inheritance down the path.
pub fn resolve(keys: &[Key], file: &Path, location: &str, property: &str) -> Option<Item> {
    let target = folded_segments(location);
    let mut candidates: Vec<(usize, &Key)> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| is_prefix(&folded_segments(&k.location), &target))
        .collect();
    // Deepest first; among duplicates of one key, the later element first.
    candidates.sort_by_key(|(i, k)| {
        (
            std::cmp::Reverse(folded_segments(&k.location).len()),
            std::cmp::Reverse(*i),
        )
    });
    for (_, key) in candidates {
        let own = folded_segments(&key.location).len() == target.len();
        let found = key
            .properties
            .iter()
            .rev()
            .find(|p| matches(p, property) && (own || p.inherited));
        if let Some(p) = found {
            return Some(Item {
                value: p.value.clone(),
                provenance: Provenance {
                    file: file.to_path_buf(),
                    line: p.line,
                    location: key.location.clone(),
                },
            });
        }
        if own && property.eq_ignore_ascii_case("KeyType") {
            return Some(Item {
                value: Value::String(key.class.clone()),
                provenance: Provenance {
                    file: file.to_path_buf(),
                    line: key.line,
                    location: key.location.clone(),
                },
            });
        }
    }
    None
}

/// `type = "metabase"`: IIS 6 `MetaBase.xml`.
pub struct MetabaseCollector;

impl Collector for MetabaseCollector {
    fn name(&self) -> &'static str {
        "metabase"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["file", "location", "property"])?;
        let location = required(source, "location")?;
        let normal = normalize_location(location);
        if normal == "/" {
            return Err("`location` must be a metabase path such as `/LM/W3SVC/1/root`".into());
        }
        let property = required(source, "property")?.trim();
        if property.is_empty() || property.contains(char::is_whitespace) {
            return Err(format!(
                "`property = \"{property}\"` is not a property name"
            ));
        }
        Ok(Address {
            collector: self.name().into(),
            file: field(source, "file")?
                .map(|f| f.trim().replace('\\', "/"))
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| DEFAULT_FILE.to_string()),
            location: normal,
            name: property.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path.file_name().is_some_and(|n| {
            let n = n.to_string_lossy().to_ascii_lowercase();
            n.starts_with("metabase") && n.ends_with(".xml")
        })
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        let mut by_file: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
        for address in wanted {
            by_file.entry(&address.file).or_default().push(address);
        }
        for (pattern, addresses) in by_file {
            let file = match pick_file(host, pattern, STANDARD_PLACE) {
                Pick::Found(file) => file,
                Pick::Missing => continue,
                Pick::Ambiguous(files) => {
                    for address in &addresses {
                        collected.diagnostics.push(ambiguous(address, &files));
                    }
                    continue;
                }
            };
            collected.files_read.push(file.clone());
            let paths: Vec<Vec<String>> = addresses
                .iter()
                .map(|a| folded_segments(&a.location))
                .collect();
            let parsed = read_text(host.root, &file).and_then(|text| {
                parse(&text, &file, Some(&paths))
                    .map_err(|e| Diagnostic::line(&file, e.line, e.to_string()))
            });
            let keys = match parsed {
                Ok((keys, diagnostics)) => {
                    collected.diagnostics.extend(diagnostics);
                    keys
                }
                Err(diagnostic) => {
                    for address in &addresses {
                        collected.diagnostics.push(
                            diagnostic
                                .clone()
                                .at(address.location.clone(), Some(address.name.clone())),
                        );
                    }
                    continue;
                }
            };
            for address in addresses {
                if let Some(item) = resolve(&keys, &file, &address.location, &address.name) {
                    collected.items.insert(address.clone(), item);
                }
            }
        }
        collected
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        let parsed = read_text(root, relative_path).and_then(|text| {
            parse(&text, relative_path, None)
                .map_err(|e| Diagnostic::line(relative_path, e.line, e.to_string()))
        });
        let (keys, diagnostics) = match parsed {
            Ok(parsed) => parsed,
            Err(diagnostic) => {
                return Listing {
                    items: Vec::new(),
                    diagnostics: vec![diagnostic],
                };
            }
        };
        let mut items = Vec::new();
        for key in &keys {
            let class = Property {
                name: "KeyType".into(),
                id: None,
                value: Value::String(key.class.clone()),
                inherited: false,
                line: key.line,
            };
            for property in std::iter::once(&class).chain(&key.properties) {
                let name = if property.name.is_empty() {
                    property.id.clone().unwrap_or_default()
                } else {
                    property.name.clone()
                };
                items.push(ListedItem {
                    address: Address {
                        collector: self.name().into(),
                        file: relative_path.to_string_lossy().replace('\\', "/"),
                        location: key.location.clone(),
                        name,
                    },
                    item: Item {
                        value: property.value.clone(),
                        provenance: Provenance {
                            file: relative_path.to_path_buf(),
                            line: property.line,
                            location: key.location.clone(),
                        },
                    },
                });
            }
        }
        Listing { items, diagnostics }
    }
}

#[cfg(test)]
mod tests;
