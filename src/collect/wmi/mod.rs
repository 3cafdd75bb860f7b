//! WMI/CIM objects (and any other PowerShell objects) from PowerShell exports:
//! Export-Clixml, ConvertTo-Json and Export-Csv.
//!
//! `source = { type = "wmi", file = "wmi/Win32_Service.xml", select = "Name=MSExchangeIS",
//! property = "StartMode" }`. `select` picks objects by property (`Prop=Value`, values
//! compared case-insensitively, several conditions joined by `,`), `*` checks every
//! (matching) object on its own; without `select` the file must hold one object.
//! `property` is a dotted path into nested objects and dictionaries. Files are streamed:
//! only the requested values are kept.

pub mod clixml;
pub mod object;
pub mod pscsv;
pub mod psjson;

use super::decode::decode;
use super::{
    Address, Collected, Collector, Diagnostic, HostFiles, Item, ListedItem, Listing, Provenance,
    field, only_fields, required,
};
use crate::value::Value;
use object::{Lookup, PsValue, matches_text, resolve, split_path, to_value};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Largest export read (the decoded text is held while streaming objects out of it).
pub const MAX_EXPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Most items `list` returns for one file (shared objects can repeat without bound).
const MAX_LISTED: usize = 200_000;

/// What parsing one file produced besides its objects.
#[derive(Debug, Default)]
pub struct ParseReport {
    pub diagnostics: Vec<Diagnostic>,
    /// The file is unusable (malformed, unreadable); it produced no objects.
    pub fatal: bool,
}

/// One top-level object (or value) of an export and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct TopLevel {
    pub value: PsValue,
    pub line: u32,
}

/// The three PowerShell export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Clixml,
    Json,
    Csv,
}

/// The format of an export: by extension, else by its first character.
pub fn detect_format(path: &Path, text: &str) -> ExportFormat {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("xml" | "clixml") => ExportFormat::Clixml,
        Some("json") => ExportFormat::Json,
        Some("csv" | "tsv") => ExportFormat::Csv,
        _ => match text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .chars()
            .next()
        {
            Some('<') => ExportFormat::Clixml,
            Some('{' | '[') => ExportFormat::Json,
            _ => ExportFormat::Csv,
        },
    }
}

/// Reads and decodes a file (BOM, UTF-16, UTF-8, else Windows-1252), within the size limit.
pub fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    let path = root.join(relative);
    let size = std::fs::metadata(&path)
        .map_err(|e| Diagnostic::file(relative, format!("cannot read: {e}")))?
        .len();
    if size > MAX_EXPORT_BYTES {
        return Err(Diagnostic::file(
            relative,
            format!(
                "{size} bytes is more than the {MAX_EXPORT_BYTES}-byte limit for an export; not read"
            ),
        ));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| Diagnostic::file(relative, format!("cannot read: {e}")))?;
    Ok(decode(&bytes).0.into_owned())
}

/// Parses decoded export text in the given format, streaming top-level objects to `sink`.
pub fn parse_text(
    text: &str,
    format: ExportFormat,
    file: &Path,
    sink: &mut dyn FnMut(TopLevel),
) -> ParseReport {
    match format {
        ExportFormat::Clixml => clixml::parse(text, file, sink),
        ExportFormat::Json => psjson::parse(text, file, sink),
        ExportFormat::Csv => pscsv::parse(text, file, sink),
    }
}

/// Reads, decodes and parses one export file.
pub fn read_export(root: &Path, relative: &Path, sink: &mut dyn FnMut(TopLevel)) -> ParseReport {
    match read_text(root, relative) {
        Ok(text) => parse_text(&text, detect_format(relative, &text), relative, sink),
        Err(diagnostic) => ParseReport {
            diagnostics: vec![diagnostic],
            fatal: true,
        },
    }
}

/// A parsed `select`: conditions that must all hold, and whether every matching object
/// is checked on its own (`*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub many: bool,
    /// (property path, expected text).
    pub conditions: Vec<(String, String)>,
}

impl Selection {
    /// Whether an object satisfies every condition.
    pub fn matches(&self, value: &PsValue) -> bool {
        self.conditions.iter().all(
            |(path, wanted)| match resolve(value, &split_path(path), 0) {
                Lookup::Found(found, _) => matches_text(&found, wanted),
                Lookup::Missing => wanted.is_empty(),
                Lookup::Unknown(_) => false,
            },
        )
    }
}

/// Parses `select`: `Prop=Value` conditions joined by `,`, and/or `*`. A value may be
/// double-quoted (`Caption="a, b"`, `""` for a quote); unquoted, a comma belongs to the
/// value unless what follows it is another condition.
pub fn parse_select(text: &str) -> Result<Selection, String> {
    let mut selection = Selection::default();
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("`select` is empty; omit it, or write `Prop=Value` or `*`".into());
    }
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('*') {
            let after = after.trim_start();
            if after.is_empty() || after.starts_with(',') {
                if selection.many {
                    return Err("`*` appears twice in `select`".into());
                }
                selection.many = true;
                match after.strip_prefix(',') {
                    Some(next) => {
                        rest = next;
                        continue;
                    }
                    None => break,
                }
            }
        }
        let Some(equals) = rest.find('=') else {
            return Err(format!("`{rest}` in `select` is not `Prop=Value` or `*`"));
        };
        let path = rest[..equals].trim();
        if path.is_empty() || path.contains(',') {
            return Err(format!(
                "`{}` in `select` does not start with a property name",
                &rest[..=equals]
            ));
        }
        let after = rest[equals + 1..].trim_start();
        if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if chars.peek().is_some_and(|&(_, next)| next == '"') {
                        value.push('"');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            let Some(end) = end else {
                return Err(format!(
                    "the quoted value of `{path}` in `select` never closes"
                ));
            };
            selection.conditions.push((path.to_string(), value));
            let tail = quoted[end..].trim_start();
            match tail.strip_prefix(',') {
                Some(next) => rest = next,
                None if tail.is_empty() => break,
                None => {
                    return Err(format!(
                        "unexpected `{tail}` after the quoted value of `{path}`"
                    ));
                }
            }
            continue;
        }
        let mut end = after.len();
        let mut search = 0;
        while let Some(i) = after[search..].find(',') {
            let comma = search + i;
            let piece = after[comma + 1..].split(',').next().unwrap_or("");
            if piece.contains('=') || piece.trim() == "*" {
                end = comma;
                break;
            }
            search = comma + 1;
        }
        selection
            .conditions
            .push((path.to_string(), after[..end].trim().to_string()));
        if end == after.len() {
            break;
        }
        rest = &after[end + 1..];
    }
    Ok(selection)
}

/// How an object is named in reports: `Win32_Service[Name=MSExchangeIS]`.
fn describe(value: &PsValue, label: Option<&(String, String)>) -> String {
    let class = match value {
        PsValue::Object(object) => object.short_class(),
        _ => None,
    };
    match (class, label) {
        (Some(class), Some((property, text))) if !property.is_empty() => {
            format!("{class}[{property}={text}]")
        }
        (Some(class), _) => class,
        (None, Some((property, text))) if !property.is_empty() => format!("{property}={text}"),
        _ => String::new(),
    }
}

/// A `select` that picks this object again, for listings.
fn select_for(label: Option<&(String, String)>, index: usize) -> String {
    match label {
        Some((property, text)) if !property.is_empty() => {
            if text.contains([',', '"', '=']) || text.trim() != text {
                format!("{property}=\"{}\"", text.replace('"', "\"\""))
            } else {
                format!("{property}={text}")
            }
        }
        _ => format!("#{}", index + 1),
    }
}

/// What one object gave for a query.
enum Outcome {
    Item(Item),
    Absent,
    Problem(Diagnostic),
}

/// One requested address while its files stream past.
struct Query<'a> {
    address: &'a Address,
    selection: Option<Selection>,
    path: Vec<&'a str>,
    matched: usize,
    labels: Vec<String>,
    first: Option<Outcome>,
    instances: Vec<(String, Option<Item>)>,
    problems: Vec<Diagnostic>,
}

impl<'a> Query<'a> {
    fn new(address: &'a Address) -> Result<Self, String> {
        let selection = if address.location.is_empty() {
            None
        } else {
            Some(parse_select(&address.location)?)
        };
        Ok(Self {
            address,
            selection,
            path: split_path(&address.name),
            matched: 0,
            labels: Vec::new(),
            first: None,
            instances: Vec::new(),
            problems: Vec::new(),
        })
    }

    fn many(&self) -> bool {
        self.selection.as_ref().is_some_and(|s| s.many)
    }

    fn offer(&mut self, top: &TopLevel, file: &Path, index: usize) {
        if let Some(selection) = &self.selection
            && !selection.matches(&top.value)
        {
            return;
        }
        self.matched += 1;
        let label = top.value.label();
        let label_text = label
            .as_ref()
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| format!("#{}", index + 1));
        if self.many() {
            match self.outcome(top, file, label.as_ref()) {
                Outcome::Item(item) => self.instances.push((label_text, Some(item))),
                Outcome::Absent => self.instances.push((label_text, None)),
                Outcome::Problem(diagnostic) => {
                    self.instances.push((label_text, None));
                    self.problems.push(diagnostic);
                }
            }
            return;
        }
        if self.labels.len() < 5 {
            self.labels.push(label_text);
        }
        if self.matched == 1 {
            self.first = Some(self.outcome(top, file, label.as_ref()));
        }
    }

    fn property_text(&self) -> &str {
        if self.address.name.is_empty() {
            "the value"
        } else {
            &self.address.name
        }
    }

    fn problem(&self, file: &Path, line: u32, reason: &str) -> Diagnostic {
        Diagnostic::line(file, line, format!("`{}`: {reason}", self.property_text())).at(
            self.address.location.clone(),
            Some(self.address.name.clone()),
        )
    }

    fn outcome(&self, top: &TopLevel, file: &Path, label: Option<&(String, String)>) -> Outcome {
        match resolve(&top.value, &self.path, top.line) {
            Lookup::Found(value, line) => match to_value(&value) {
                Ok(Some(value)) => Outcome::Item(Item {
                    value,
                    provenance: Provenance {
                        file: file.to_path_buf(),
                        line,
                        location: describe(&top.value, label),
                    },
                }),
                Ok(None) => Outcome::Absent,
                Err(reason) => Outcome::Problem(self.problem(file, line, &reason)),
            },
            Lookup::Missing => Outcome::Absent,
            Lookup::Unknown(reason) => Outcome::Problem(self.problem(file, top.line, &reason)),
        }
    }

    /// Moves the result into `collected`. `unreadable` holds the files this query read
    /// that could not be parsed.
    fn finish(self, unreadable: &[Diagnostic], collected: &mut Collected) {
        let at = |d: Diagnostic| {
            d.at(
                self.address.location.clone(),
                Some(self.address.name.clone()),
            )
        };
        let blocked = |collected: &mut Collected| {
            for fatal in unreadable.iter().filter(|d| d.line > 0) {
                collected.diagnostics.push(at(Diagnostic::file(
                    &fatal.file,
                    format!("not read: the file is malformed (line {})", fatal.line),
                )));
            }
        };
        if self.many() {
            if unreadable.is_empty() {
                collected
                    .instances
                    .insert(self.address.clone(), self.instances);
                collected.diagnostics.extend(self.problems);
            } else {
                // An incomplete set of objects would pass objects it never saw.
                blocked(collected);
            }
            return;
        }
        match self.matched {
            0 => blocked(collected),
            1 => match self.first {
                Some(Outcome::Item(item)) => {
                    collected.items.insert(self.address.clone(), item);
                }
                Some(Outcome::Problem(diagnostic)) => collected.diagnostics.push(diagnostic),
                Some(Outcome::Absent) | None => {}
            },
            n => {
                let more = if n > self.labels.len() { ", ..." } else { "" };
                let message = match &self.selection {
                    Some(_) => format!(
                        "`select = \"{}\"` matches {n} objects ({}{more}); make it match one, or add `*` to check each",
                        self.address.location,
                        self.labels.join(", ")
                    ),
                    None => format!(
                        "the export holds {n} objects ({}{more}); add `select` (for example `Name=...`) to pick one, or `select = \"*\"` to check each",
                        self.labels.join(", ")
                    ),
                };
                collected.diagnostics.push(at(Diagnostic::file(
                    PathBuf::from(&self.address.file),
                    message,
                )));
            }
        }
    }
}

/// Flattens a value into (dotted name, value or why not, line) leaves for listings.
fn flatten(
    value: &PsValue,
    prefix: &str,
    line: u32,
    out: &mut Vec<(String, Result<Value, String>, u32)>,
    depth: usize,
) {
    if out.len() >= MAX_LISTED || depth > 32 {
        return;
    }
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match value {
        PsValue::Null => {}
        PsValue::Object(object) if !object.properties.is_empty() => {
            let mut seen = HashSet::new();
            for property in &object.properties {
                if !seen.insert(property.name.to_lowercase()) {
                    continue;
                }
                if let Some(winner) = object.property(&property.name) {
                    flatten(
                        &winner.value,
                        &join(&winner.name),
                        winner.line,
                        out,
                        depth + 1,
                    );
                }
            }
        }
        PsValue::Object(object) if matches!(object.content, Some(PsValue::Dict(_))) => {
            if let Some(content) = &object.content {
                flatten(content, prefix, object.line, out, depth + 1);
            }
        }
        PsValue::Dict(entries) => {
            for (key, entry) in entries {
                let key = key.scalar_text().unwrap_or_default();
                let entry_line = match entry {
                    PsValue::Object(object) => object.line,
                    _ => line,
                };
                flatten(entry, &join(&key), entry_line, out, depth + 1);
            }
        }
        other => match to_value(other) {
            Ok(Some(value)) => out.push((prefix.to_string(), Ok(value), line)),
            Ok(None) => {}
            Err(reason) => out.push((prefix.to_string(), Err(reason), line)),
        },
    }
}

/// Whether `list` should read a file: CliXML needs an `<Objs>` root, CSV a PowerShell
/// header (`#TYPE`, a fully quoted header row, PDH-CSV or `#Fields:`) and not be
/// driverquery output. Other XML and CSV files belong to other collectors.
fn looks_like_export(format: ExportFormat, text: &str) -> bool {
    let body = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    match format {
        ExportFormat::Json => true,
        ExportFormat::Clixml => {
            let mut reader = quick_xml::Reader::from_str(body);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                        return e.local_name().as_ref() == b"Objs";
                    }
                    Ok(quick_xml::events::Event::Eof) | Err(_) => return true,
                    Ok(_) => {}
                }
            }
        }
        ExportFormat::Csv => {
            // driverquery output is fully quoted too, but is console text, not an export.
            if crate::collect::services::identify(body)
                == Some(crate::collect::services::ServiceExport::DriverQuery)
            {
                return false;
            }
            let first = body.lines().next().unwrap_or_default();
            first.starts_with("#TYPE")
                || first.starts_with("#Fields:")
                || first.starts_with("#Software:")
                || first.starts_with("\"(PDH-CSV")
                || (first.starts_with('"')
                    && pscsv::Tokenizer::new(first, pscsv::detect_delimiter(first), 1)
                        .next()
                        .and_then(Result::ok)
                        .is_some_and(|r| r.fields.iter().all(|f| f.quoted)))
        }
    }
}

/// `type = "wmi"`: `file` (required, may be a glob), optional `select`, optional
/// `property` (a dotted path; absent for a file holding one bare value).
pub struct WmiCollector;

impl Collector for WmiCollector {
    fn name(&self) -> &'static str {
        "wmi"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["file", "select", "property"])?;
        let file = required(source, "file")?.trim().replace('\\', "/");
        if file.is_empty() {
            return Err("`file` is empty".into());
        }
        let select = field(source, "select")?.map(str::trim).unwrap_or_default();
        if !select.is_empty() || field(source, "select")?.is_some() {
            parse_select(select)?;
        }
        let property = field(source, "property")?
            .map(str::trim)
            .unwrap_or_default();
        if !property.is_empty() && property.split('.').any(|part| part.trim().is_empty()) {
            return Err(format!(
                "`property = \"{property}\"` has an empty name between dots"
            ));
        }
        Ok(Address {
            collector: self.name().into(),
            file,
            location: select.to_string(),
            name: property.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| {
                ["xml", "clixml", "json", "csv"]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(e))
            })
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        let mut by_file: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
        for address in wanted {
            by_file
                .entry(address.file.as_str())
                .or_default()
                .push(address);
        }
        for (pattern, addresses) in by_file {
            let mut queries = Vec::new();
            for address in addresses {
                match Query::new(address) {
                    Ok(query) => queries.push(query),
                    Err(reason) => collected.diagnostics.push(
                        Diagnostic::file(PathBuf::from(&address.file), reason)
                            .at(address.location.clone(), Some(address.name.clone())),
                    ),
                }
            }
            let mut unreadable = Vec::new();
            for relative in host.matching(pattern) {
                if !collected.files_read.contains(&relative) {
                    collected.files_read.push(relative.clone());
                }
                let mut index = 0usize;
                let report = read_export(host.root, &relative, &mut |top| {
                    for query in &mut queries {
                        query.offer(&top, &relative, index);
                    }
                    index += 1;
                });
                if report.fatal {
                    unreadable.extend(report.diagnostics.iter().cloned());
                }
                collected.diagnostics.extend(report.diagnostics);
            }
            for query in queries {
                query.finish(&unreadable, &mut collected);
            }
        }
        collected
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        let text = match read_text(root, relative_path) {
            Ok(text) => text,
            Err(diagnostic) => {
                return Listing {
                    items: Vec::new(),
                    diagnostics: vec![diagnostic],
                };
            }
        };
        let format = detect_format(relative_path, &text);
        if !looks_like_export(format, &text) {
            return Listing::default();
        }
        let mut objects = Vec::new();
        let report = parse_text(&text, format, relative_path, &mut |top| objects.push(top));
        let mut listing = Listing {
            items: Vec::new(),
            diagnostics: report.diagnostics,
        };
        let file = relative_path.to_string_lossy().replace('\\', "/");
        let mut not_data: Vec<String> = Vec::new();
        let mut leaves = Vec::new();
        for (index, top) in objects.iter().enumerate() {
            let label = top.value.label();
            let location = if objects.len() == 1 {
                String::new()
            } else {
                select_for(label.as_ref(), index)
            };
            let described = describe(&top.value, label.as_ref());
            leaves.clear();
            flatten(&top.value, "", top.line, &mut leaves, 0);
            for (name, value, line) in leaves.drain(..) {
                match value {
                    Ok(value) => listing.items.push(ListedItem {
                        address: Address {
                            collector: self.name().into(),
                            file: file.clone(),
                            location: location.clone(),
                            name,
                        },
                        item: Item {
                            value,
                            provenance: Provenance {
                                file: relative_path.to_path_buf(),
                                line,
                                location: described.clone(),
                            },
                        },
                    }),
                    Err(_) => not_data.push(name),
                }
            }
            if listing.items.len() >= MAX_LISTED {
                listing.diagnostics.push(Diagnostic::file(
                    relative_path,
                    format!("listing stopped after {MAX_LISTED} items"),
                ));
                break;
            }
        }
        if let Some(first) = not_data.first() {
            listing.diagnostics.push(Diagnostic::file(
                relative_path,
                format!(
                    "{} value(s) are not data (objects cut off at the serialization depth, type-name placeholders, SecureStrings); first: `{first}`",
                    not_data.len()
                ),
            ));
        }
        listing
    }
}

#[cfg(test)]
mod tests;
