//! Windows services and drivers, normalised across the exports that describe them:
//! `driverquery /v /fo csv` (localized header, console OEM code page, locale thousands
//! separators), Get-Service and Win32_Service/Win32_SystemDriver exports (CSV, CliXML or
//! JSON, read through the WMI collector's parsers), and `sc query`/`sc qc` text.
//!
//! `source = { type = "service", name = "VndFltr", property = "start_mode" }`, optional
//! `file` (a glob; by default every file under the host folder whose content identifies
//! it). Start modes become Boot/System/Auto/Manual/Disabled and states
//! Running/Stopped/Paused/... whichever export they came from, so one expectation works
//! across exports. Exports that disagree about a service make that setting an error.

use super::decode::{TextEncoding, decode, numbered_lines, sniff};
use super::wmi::object::{PsObject, PsValue, looks_truncated};
use super::wmi::pscsv::{Record, Tokenizer, detect_delimiter};
use super::wmi::{MAX_EXPORT_BYTES, TopLevel, detect_format, parse_text};
use super::{
    Address, Collected, Collector, Diagnostic, HostFiles, Item, ListedItem, Listing, Provenance,
    field, only_fields, required,
};
use crate::value::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The normalised properties a setting can read.
pub const PROPERTIES: &[&str] = &[
    "display_name",
    "description",
    "state",
    "start_mode",
    "status",
    "path",
    "type",
    "start_name",
    "error_control",
    "delayed_auto_start",
    "accept_stop",
    "accept_pause",
    "exit_code",
    "link_date",
    "paged_pool_bytes",
    "code_bytes",
    "bss_bytes",
    "init_bytes",
];

/// How much of a file is read to decide whether it is a service export.
const SNIFF_BYTES: usize = 16 * 1024;

/// One service or driver as one export describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRecord {
    pub name: String,
    pub line: u32,
    /// (property, value or why it cannot be read, line).
    pub fields: Vec<(&'static str, Result<Value, String>, u32)>,
}

impl ServiceRecord {
    fn new(name: &str, line: u32) -> Self {
        Self {
            name: name.trim().to_string(),
            line,
            fields: Vec::new(),
        }
    }

    /// Sets a property (a later value for the same property replaces an earlier one).
    fn set(&mut self, property: &'static str, value: Result<Value, String>, line: u32) {
        match self.fields.iter_mut().find(|(p, _, _)| *p == property) {
            Some(slot) => *slot = (property, value, line),
            None => self.fields.push((property, value, line)),
        }
    }

    fn set_text(&mut self, property: &'static str, text: &str, line: u32) {
        let text = text.trim();
        if !text.is_empty() {
            self.set(property, Ok(Value::String(text.to_string())), line);
        }
    }

    pub fn get(&self, property: &str) -> Option<&(&'static str, Result<Value, String>, u32)> {
        self.fields.iter().find(|(p, _, _)| *p == property)
    }
}

/// Which tool wrote a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceExport {
    DriverQuery,
    PowerShell,
    ScText,
}

// ---------------------------------------------------------------------------------------
// Console code pages

/// CP437 (OEM United States), bytes 0x80-0xFF, from the published code page chart.
const CP437_HIGH: &str = concat!(
    "ÇüéâäàåçêëèïîìÄÅ",
    "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ",
    "áíóúñÑªº¿⌐¬½¼¡«»",
    "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐",
    "└┴┬├─┼╞╟╚╔╩╦╠═╬╧",
    "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀",
    "αßΓπΣσµτΦΘΩδ∞φε∩",
    "≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}",
);

/// CP850 (OEM Multilingual Latin 1), bytes 0x80-0xFF, from the published code page chart.
const CP850_HIGH: &str = concat!(
    "ÇüéâäàåçêëèïîìÄÅ",
    "ÉæÆôöòûùÿÖÜø£Ø×ƒ",
    "áíóúñÑªº¿®¬½¼¡«»",
    "░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐",
    "└┴┬├─┼ãÃ╚╔╩╦╠═╬¤",
    "ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀",
    "ÓßÔÒõÕµþÞÚÛÙýÝ¯´",
    "\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}",
);

/// A DOS console code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OemCodePage {
    Cp437,
    Cp850,
}

impl OemCodePage {
    fn high_half(self) -> &'static str {
        match self {
            OemCodePage::Cp437 => CP437_HIGH,
            OemCodePage::Cp850 => CP850_HIGH,
        }
    }

    /// Decodes bytes in this code page (the low half is ASCII).
    pub fn decode(self, bytes: &[u8]) -> String {
        let high: Vec<char> = self.high_half().chars().collect();
        bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b)
                } else {
                    high[usize::from(b - 0x80)]
                }
            })
            .collect()
    }
}

/// How plausible a character is in console output: letters count for, line drawing,
/// Greek and math symbols (where one code page has letters the other has those) against.
fn plausibility(c: char) -> i32 {
    match c {
        'À'..='ɏ' | 'ª' | 'º' | '©' | '®' | '¢' | '£' | '¥' | 'µ' => 1,
        '\u{2500}'..='\u{25ff}' | '\u{0370}'..='\u{03ff}' | '\u{2200}'..='\u{23ff}' | '₧' | 'ⁿ' => {
            -1
        }
        _ => 0,
    }
}

/// Picks CP850 or CP437 for console output that is not UTF-8, by which reads as text.
/// German, French and other Western European consoles use 850; US ones 437. A tie
/// (umlauts are the same in both) goes to 850.
pub fn guess_oem_code_page(bytes: &[u8]) -> OemCodePage {
    let score = |page: OemCodePage| -> i32 {
        let high: Vec<char> = page.high_half().chars().collect();
        bytes
            .iter()
            .filter(|&&b| b >= 0x80)
            .map(|&b| plausibility(high[usize::from(b - 0x80)]))
            .sum()
    };
    if score(OemCodePage::Cp437) > score(OemCodePage::Cp850) {
        OemCodePage::Cp437
    } else {
        OemCodePage::Cp850
    }
}

/// Decodes console-tool output: a BOM, UTF-16 or valid UTF-8 is trusted; anything else is
/// the console's OEM code page.
pub fn decode_console(bytes: &[u8]) -> String {
    match sniff(bytes) {
        TextEncoding::Windows1252 => guess_oem_code_page(bytes).decode(bytes),
        _ => decode(bytes).0.into_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// Normalisation

/// Lower-cased with spaces, `_` and `-` removed: `AUTO_START`, `Auto Start` → `autostart`.
fn squash(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Boot/System/Auto/Manual/Disabled from any export's spelling (WMI `Auto`, Get-Service
/// `Automatic`, PowerShell 7 `AutomaticDelayedStart`, sc `AUTO_START`, the registry
/// `Start` number, and German/French/Spanish driverquery words).
pub fn normalise_start_mode(raw: &str) -> Option<&'static str> {
    Some(match squash(raw).as_str() {
        "0" | "boot" | "bootstart" | "démarrage" => "Boot",
        "1" | "system" | "systemstart" | "système" | "sistema" => "System",
        "2"
        | "auto"
        | "automatic"
        | "autostart"
        | "automaticdelayedstart"
        | "automatisch"
        | "automatique"
        | "automático"
        | "automatico" => "Auto",
        "3" | "manual" | "demand" | "demandstart" | "manuell" | "manuel" => "Manual",
        "4" | "disabled" | "deaktiviert" | "désactivé" | "desactive" | "deshabilitado" => {
            "Disabled"
        }
        _ => return None,
    })
}

/// Running/Stopped/Paused/Start Pending/... from WMI, Get-Service, sc (number or word)
/// and German/French driverquery words.
pub fn normalise_state(raw: &str) -> Option<&'static str> {
    Some(match squash(raw).as_str() {
        "1" | "stopped" | "beendet" | "arrêté" | "arrete" | "detenido" => "Stopped",
        "2" | "startpending" => "Start Pending",
        "3" | "stoppending" => "Stop Pending",
        "4" | "running" | "wirdausgeführt" | "gestartet" | "encoursdexécution"
        | "encoursdexecution" | "encours" | "enejecución" => "Running",
        "5" | "continuepending" => "Continue Pending",
        "6" | "pausepending" => "Pause Pending",
        "7" | "paused" | "angehalten" | "suspendu" => "Paused",
        "unknown" => "Unknown",
        _ => return None,
    })
}

/// WMI's service type names from driverquery (`Kernel `), Get-Service
/// (`Win32OwnProcess`), sc (`WIN32_OWN_PROCESS`) or a number.
pub fn normalise_type(raw: &str) -> Option<&'static str> {
    Some(match squash(raw).as_str() {
        "1" | "kernel" | "kerneldriver" | "noyau" => "Kernel Driver",
        "2" | "filesystem" | "filesystemdriver" | "dateisystem" | "systèmedefichiers" => {
            "File System Driver"
        }
        "4" | "adapter" => "Adapter",
        "8" | "recognizerdriver" => "Recognizer Driver",
        "16" | "ownprocess" | "win32ownprocess" => "Own Process",
        "32" | "shareprocess" | "win32shareprocess" => "Share Process",
        "272" | "win32ownprocess(interactive)" | "ownprocessinteractive" => {
            "Own Process, Interactive"
        }
        "288" | "win32shareprocess(interactive)" | "shareprocessinteractive" => {
            "Share Process, Interactive"
        }
        _ => return None,
    })
}

/// Ignore/Normal/Severe/Critical from WMI, sc (`1   NORMAL`) or a number.
pub fn normalise_error_control(raw: &str) -> Option<&'static str> {
    Some(match squash(raw).as_str() {
        "0" | "ignore" => "Ignore",
        "1" | "normal" => "Normal",
        "2" | "severe" => "Severe",
        "3" | "critical" => "Critical",
        _ => return None,
    })
}

/// A normalised word, or the raw text when the spelling is not known (kept, so a report
/// shows what the export said).
fn normalised(raw: &str, normalise: fn(&str) -> Option<&'static str>) -> Value {
    Value::String(normalise(raw).map_or_else(|| raw.trim().to_string(), str::to_string))
}

/// An integer written with locale thousands separators (`81,920`, `81.920`, `81 920`).
pub fn parse_grouped_integer(raw: &str) -> Option<i64> {
    let text = raw.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits: String = digits
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | '\'' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

fn boolean(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Sets a property from raw text with the property's normalisation.
fn set_normalised(record: &mut ServiceRecord, property: &'static str, raw: &str, line: u32) {
    let text = raw.trim();
    if text.is_empty() {
        return;
    }
    let value = match property {
        "start_mode" => Ok(normalised(text, normalise_start_mode)),
        "state" => Ok(normalised(text, normalise_state)),
        "type" => Ok(normalised(text, normalise_type)),
        "error_control" => Ok(normalised(text, normalise_error_control)),
        "accept_stop" | "accept_pause" | "delayed_auto_start" => boolean(text)
            .map(Value::Boolean)
            .ok_or_else(|| format!("`{text}` is not TRUE or FALSE")),
        "exit_code" | "paged_pool_bytes" | "code_bytes" | "bss_bytes" | "init_bytes" => {
            parse_grouped_integer(text)
                .map(Value::Integer)
                .ok_or_else(|| format!("`{text}` is not a number"))
        }
        _ => Ok(Value::String(text.to_string())),
    };
    record.set(property, value, line);
}

// ---------------------------------------------------------------------------------------
// driverquery

/// `driverquery /v` columns in order (English: Module Name, Display Name, Description,
/// Driver Type, Start Mode, State, Status, Accept Stop, Accept Pause, Paged Pool(bytes),
/// Code(bytes), BSS(bytes), Link Date, Path, Init(bytes)).
const VERBOSE_LAYOUT: [&str; 15] = [
    "name",
    "display_name",
    "description",
    "type",
    "start_mode",
    "state",
    "status",
    "accept_stop",
    "accept_pause",
    "paged_pool_bytes",
    "code_bytes",
    "bss_bytes",
    "link_date",
    "path",
    "init_bytes",
];

/// `driverquery` without `/v`: Module Name, Display Name, Driver Type, Link Date.
const SHORT_LAYOUT: [&str; 4] = ["name", "display_name", "type", "link_date"];

/// An English column name → property.
fn english_column(name: &str) -> Option<&'static str> {
    let key: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "modulename" => "name",
        "displayname" => "display_name",
        "description" => "description",
        "drivertype" => "type",
        "startmode" => "start_mode",
        "state" => "state",
        "status" => "status",
        "acceptstop" => "accept_stop",
        "acceptpause" => "accept_pause",
        "pagedpool(bytes)" => "paged_pool_bytes",
        "code(bytes)" => "code_bytes",
        "bss(bytes)" => "bss_bytes",
        "linkdate" => "link_date",
        "path" => "path",
        "init(bytes)" => "init_bytes",
        _ => return None,
    })
}

fn is_true_false(field: &str) -> bool {
    field == "TRUE" || field == "FALSE"
}

/// A `/v` data row: Accept Stop and Accept Pause are the literal words TRUE/FALSE in every
/// language.
fn is_verbose_data_row(record: &Record<'_>) -> bool {
    record.fields.len() == 15
        && is_true_false(&record.fields[7].text)
        && is_true_false(&record.fields[8].text)
}

/// A short-layout data row: Driver Type carries a trailing space (`"Kernel "`).
fn is_short_data_row(record: &Record<'_>) -> bool {
    record.fields.len() == 4 && record.fields[2].text.ends_with(' ')
}

/// The column layout of a driverquery CSV and whether its first row is data (`/nh`).
/// English headers map by name; other languages by the known column positions, once a
/// data row confirms the layout.
fn driverquery_layout(
    first: &Record<'_>,
    second: Option<&Record<'_>>,
) -> Option<(Vec<Option<&'static str>>, bool)> {
    let english: Vec<Option<&'static str>> = first
        .fields
        .iter()
        .map(|f| english_column(&f.text))
        .collect();
    if english.contains(&Some("name")) && english.iter().filter(|c| c.is_some()).count() >= 3 {
        return Some((english, false));
    }
    if is_verbose_data_row(first) {
        return Some((VERBOSE_LAYOUT.iter().copied().map(Some).collect(), true));
    }
    if is_short_data_row(first) {
        return Some((SHORT_LAYOUT.iter().copied().map(Some).collect(), true));
    }
    let second = second?;
    if first.fields.len() == 15 && is_verbose_data_row(second) {
        return Some((VERBOSE_LAYOUT.iter().copied().map(Some).collect(), false));
    }
    if first.fields.len() == 4 && is_short_data_row(second) {
        return Some((SHORT_LAYOUT.iter().copied().map(Some).collect(), false));
    }
    None
}

/// Parses `driverquery /fo csv` output (with or without `/v`, `/nh`).
pub fn parse_driverquery(text: &str, file: &Path) -> (Vec<ServiceRecord>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = detect_delimiter(text.lines().next().unwrap_or_default());
    let mut diagnostics = Vec::new();
    let mut rows = Vec::new();
    for record in Tokenizer::new(text, delimiter, 1) {
        match record {
            Ok(record) => rows.push(record),
            Err(err) => diagnostics.push(Diagnostic::line(
                file,
                err.line,
                "a quoted field never closes; the rest of the file was not read",
            )),
        }
    }
    let Some((columns, first_is_data)) = rows
        .first()
        .and_then(|first| driverquery_layout(first, rows.get(1)))
    else {
        diagnostics.push(Diagnostic::file(
            file,
            "not driverquery CSV output: the columns are not recognised",
        ));
        return (Vec::new(), diagnostics);
    };
    let Some(name_column) = columns.iter().position(|c| *c == Some("name")) else {
        diagnostics.push(Diagnostic::file(
            file,
            "driverquery output without a Module Name column",
        ));
        return (Vec::new(), diagnostics);
    };
    let mut records = Vec::new();
    for row in rows.iter().skip(usize::from(!first_is_data)) {
        if row.fields.len() != columns.len() {
            diagnostics.push(Diagnostic::line(
                file,
                row.line,
                format!(
                    "{} fields where driverquery writes {}; row skipped",
                    row.fields.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let mut record = ServiceRecord::new(&row.fields[name_column].text, row.line);
        if record.name.is_empty() {
            diagnostics.push(Diagnostic::line(
                file,
                row.line,
                "a row without a module name; skipped",
            ));
            continue;
        }
        for (column, field) in columns.iter().zip(&row.fields) {
            match column {
                Some("name") | None => {}
                Some(property) => set_normalised(&mut record, property, &field.text, row.line),
            }
        }
        records.push(record);
    }
    (records, diagnostics)
}

// ---------------------------------------------------------------------------------------
// sc query / sc qc

/// The symbolic part of an sc value: `4  RUNNING` → `RUNNING`, `2   AUTO_START  (DELAYED)`
/// → `AUTO_START  (DELAYED)`.
fn sc_symbol(value: &str) -> &str {
    let value = value.trim();
    match value.split_once(char::is_whitespace) {
        Some((number, rest)) if number.chars().all(|c| c.is_ascii_hexdigit()) => rest.trim(),
        _ => value,
    }
}

/// Parses `sc query`, `sc queryex`, `sc qc` and `sc qdescription` output; several
/// services and several commands may be concatenated in one file.
pub fn parse_sc(text: &str) -> Vec<ServiceRecord> {
    let mut records: Vec<ServiceRecord> = Vec::new();
    let mut current: Option<ServiceRecord> = None;
    for (line_no, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("[SC]") {
            continue;
        }
        if let Some(name) = line.strip_prefix("SERVICE_NAME:") {
            records.extend(current.take());
            current = Some(ServiceRecord::new(name, line_no));
            continue;
        }
        let Some(record) = current.as_mut() else {
            continue;
        };
        if let Some(flags) = line.strip_prefix('(') {
            // The control flags under STATE: (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN).
            for flag in flags.trim_end_matches(')').split(',').map(str::trim) {
                match flag {
                    "STOPPABLE" => record.set("accept_stop", Ok(Value::Boolean(true)), line_no),
                    "NOT_STOPPABLE" => {
                        record.set("accept_stop", Ok(Value::Boolean(false)), line_no)
                    }
                    "PAUSABLE" => record.set("accept_pause", Ok(Value::Boolean(true)), line_no),
                    "NOT_PAUSABLE" => {
                        record.set("accept_pause", Ok(Value::Boolean(false)), line_no)
                    }
                    _ => {}
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        match key {
            "DISPLAY_NAME" => record.set_text("display_name", value, line_no),
            "DESCRIPTION" => record.set_text("description", value, line_no),
            "TYPE" => set_normalised(record, "type", sc_symbol(value), line_no),
            "STATE" => set_normalised(record, "state", sc_symbol(value), line_no),
            "START_TYPE" => {
                let symbol = sc_symbol(value);
                let delayed = symbol.contains("(DELAYED)");
                let mode = symbol.split_whitespace().next().unwrap_or_default();
                set_normalised(record, "start_mode", mode, line_no);
                record.set("delayed_auto_start", Ok(Value::Boolean(delayed)), line_no);
            }
            "ERROR_CONTROL" => set_normalised(record, "error_control", sc_symbol(value), line_no),
            "BINARY_PATH_NAME" => record.set_text("path", value, line_no),
            "SERVICE_START_NAME" => record.set_text("start_name", value, line_no),
            "WIN32_EXIT_CODE" => {
                let number = value.split_whitespace().next().unwrap_or_default();
                set_normalised(record, "exit_code", number, line_no);
            }
            _ => {}
        }
    }
    records.extend(current);
    records
}

// ---------------------------------------------------------------------------------------
// PowerShell objects

fn property_value<'a>(object: &'a PsObject, names: &[&str]) -> Option<(&'a PsValue, u32)> {
    names
        .iter()
        .find_map(|name| object.property(name))
        .map(|p| (&p.value, p.line))
}

/// Type names that mark a service or driver object.
const SERVICE_TYPES: &[&str] = &[
    "ServiceController",
    "Win32_Service",
    "Win32_SystemDriver",
    "Win32_BaseService",
];

/// A service record from a Get-Service or Win32_Service/Win32_SystemDriver object, or
/// `None` for other objects.
pub fn service_from_object(value: &PsValue) -> Option<ServiceRecord> {
    let PsValue::Object(object) = value else {
        return None;
    };
    let typed = object
        .type_names
        .iter()
        .any(|t| SERVICE_TYPES.iter().any(|s| t.contains(s)));
    let has = |name: &str| object.property(name).is_some();
    let controller = has("CanStop") || has("ServiceHandle");
    let shaped = has("StartMode")
        || has("StartType")
        || has("StartupType")
        || (has("State") && has("PathName"));
    if !(typed || controller || shaped) {
        return None;
    }
    let (name, line) = property_value(object, &["ServiceName", "Name"])?;
    let name = name.scalar_text().filter(|n| !n.trim().is_empty())?;
    let mut record = ServiceRecord::new(&name, if object.line > 0 { object.line } else { line });
    let state_names: &[&str] = if has("State") {
        &["State"]
    } else {
        &["Status"]
    };
    let status_names: &[&str] = if has("State") { &["Status"] } else { &[] };
    let mapping: [(&'static str, &[&str]); 13] = [
        ("display_name", &["DisplayName"]),
        ("description", &["Description"]),
        ("state", state_names),
        ("status", status_names),
        ("start_mode", &["StartMode", "StartupType", "StartType"]),
        ("delayed_auto_start", &["DelayedAutoStart"]),
        ("path", &["PathName", "BinaryPathName"]),
        ("start_name", &["StartName", "UserName"]),
        ("type", &["ServiceType"]),
        ("error_control", &["ErrorControl"]),
        ("accept_stop", &["AcceptStop", "CanStop"]),
        ("accept_pause", &["AcceptPause", "CanPauseAndContinue"]),
        ("exit_code", &["ExitCode"]),
    ];
    for (property, names) in mapping {
        let Some((value, at)) = property_value(object, names) else {
            continue;
        };
        match value {
            PsValue::Null => {}
            PsValue::Unknown(reason) => record.set(property, Err(reason.clone()), at),
            PsValue::Bool(b) => record.set(property, Ok(Value::Boolean(*b)), at),
            other => match other.scalar_text() {
                Some(text) if looks_truncated(&text) => {
                    record.set(
                        property,
                        Err(format!("the export holds only the type name `{text}`")),
                        at,
                    );
                }
                Some(text) => set_normalised(&mut record, property, &text, at),
                None => record.set(
                    property,
                    Err("the export holds no single value here".into()),
                    at,
                ),
            },
        }
    }
    // PowerShell 7 says `AutomaticDelayedStart` where WMI has `DelayedAutoStart = True`.
    if let Some(startup) = object.property("StartupType")
        && let Some(text) = startup.value.scalar_text()
        && record.get("delayed_auto_start").is_none()
        && normalise_start_mode(&text) == Some("Auto")
    {
        let delayed = squash(&text) == "automaticdelayedstart";
        record.set(
            "delayed_auto_start",
            Ok(Value::Boolean(delayed)),
            startup.line,
        );
    }
    Some(record)
}

// ---------------------------------------------------------------------------------------
// Files

/// What reading one file gave.
#[derive(Debug, Default)]
struct FileRecords {
    records: Vec<ServiceRecord>,
    diagnostics: Vec<Diagnostic>,
}

/// Which service export a file's first bytes look like, if any.
pub fn identify(prefix: &str) -> Option<ServiceExport> {
    let body = prefix.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if body
        .lines()
        .take(200)
        .any(|l| l.trim_start().starts_with("SERVICE_NAME:"))
    {
        return Some(ServiceExport::ScText);
    }
    match body.chars().next() {
        Some('<') => SERVICE_TYPES
            .iter()
            .any(|t| body.contains(t))
            .then_some(ServiceExport::PowerShell),
        Some('{' | '[') => ["\"StartMode\"", "\"StartType\"", "\"StartupType\""]
            .iter()
            .any(|k| body.contains(k))
            .then_some(ServiceExport::PowerShell),
        _ => identify_csv(body),
    }
}

fn identify_csv(body: &str) -> Option<ServiceExport> {
    let mut type_line = None;
    let mut rest = body;
    while rest.starts_with('#') {
        let (line, next) = rest.split_once('\n').unwrap_or((rest, ""));
        if line.starts_with("#TYPE") {
            type_line = Some(line.to_string());
        }
        rest = next;
    }
    let delimiter = detect_delimiter(rest.lines().next().unwrap_or_default());
    let rows: Vec<Record<'_>> = Tokenizer::new(rest, delimiter, 1)
        .take(2)
        .filter_map(Result::ok)
        .collect();
    let first = rows.first()?;
    if type_line.is_none() && driverquery_layout(first, rows.get(1)).is_some() {
        return Some(ServiceExport::DriverQuery);
    }
    let typed = type_line.is_some_and(|t| SERVICE_TYPES.iter().any(|s| t.contains(s)));
    let column = |name: &str| {
        first
            .fields
            .iter()
            .any(|f| f.text.trim().eq_ignore_ascii_case(name))
    };
    let named = column("Name") || column("ServiceName");
    let shaped = column("StartMode")
        || column("StartType")
        || column("StartupType")
        || (column("Status") && column("CanStop"))
        || (column("State") && column("PathName"));
    (typed || (named && shaped)).then_some(ServiceExport::PowerShell)
}

/// Reads a file's first bytes for identification.
fn read_prefix(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut buffer)?;
    Ok(buffer)
}

/// Reads one file into service records. `explicit` when a setting named the file: then a
/// file that is no service export is reported rather than passed over.
fn read_services(root: &Path, relative: &Path, explicit: bool) -> FileRecords {
    let fail = |message: String| FileRecords {
        records: Vec::new(),
        diagnostics: vec![Diagnostic::file(relative, message)],
    };
    let path = root.join(relative);
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > MAX_EXPORT_BYTES => {
            return fail(format!(
                "{} bytes is more than the {MAX_EXPORT_BYTES}-byte limit for an export; not read",
                m.len()
            ));
        }
        Ok(_) => {}
        Err(e) => return fail(format!("cannot read: {e}")),
    }
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let ansi = decode(&bytes).0;
    let kind = match identify(&ansi) {
        Some(kind) => kind,
        None if explicit => ServiceExport::PowerShell,
        None => return FileRecords::default(),
    };
    let mut result = match kind {
        ServiceExport::ScText => FileRecords {
            records: parse_sc(&decode_console(&bytes)),
            diagnostics: Vec::new(),
        },
        ServiceExport::DriverQuery => {
            let (records, diagnostics) = parse_driverquery(&decode_console(&bytes), relative);
            FileRecords {
                records,
                diagnostics,
            }
        }
        ServiceExport::PowerShell => {
            let mut records = Vec::new();
            let format = detect_format(relative, &ansi);
            let report = parse_text(&ansi, format, relative, &mut |top: TopLevel| {
                records.extend(service_from_object(&top.value));
            });
            FileRecords {
                records,
                diagnostics: report.diagnostics,
            }
        }
    };
    if explicit && result.records.is_empty() && result.diagnostics.is_empty() {
        result.diagnostics.push(Diagnostic::file(
            relative,
            "holds no service or driver records",
        ));
    }
    result
}

/// Every file of the host whose first bytes identify it as a service export.
fn discover(host: &HostFiles<'_>) -> Vec<PathBuf> {
    host.files
        .iter()
        .filter(|relative| {
            read_prefix(&host.root.join(relative))
                .map(|bytes| identify(&decode(&bytes).0).is_some())
                .unwrap_or(false)
        })
        .cloned()
        .collect()
}

/// The canonical property name for a setting's `property` (`StartMode`, `start-mode` and
/// `start_mode` are one property).
pub fn canonical_property(text: &str) -> Option<&'static str> {
    let wanted = squash(text);
    PROPERTIES.iter().copied().find(|p| squash(p) == wanted)
}

/// What the exports say about one property of one service.
enum Resolution {
    Found(Item),
    Missing,
    Problem(Diagnostic),
}

fn resolve(records: &[(&Path, &ServiceRecord)], property: &str, address: &Address) -> Resolution {
    let at = |d: Diagnostic| d.at(address.location.clone(), Some(address.name.clone()));
    let mut values: Vec<(&Path, u32, &Value)> = Vec::new();
    let mut problems: Vec<(&Path, u32, &String)> = Vec::new();
    for (file, record) in records {
        match record.get(property) {
            Some((_, Ok(value), line)) => values.push((file, *line, value)),
            Some((_, Err(reason), line)) => problems.push((file, *line, reason)),
            None => {}
        }
    }
    let Some(&(file, line, first)) = values.first() else {
        return match problems.first() {
            Some((file, line, reason)) => Resolution::Problem(at(Diagnostic::line(
                *file,
                *line,
                format!("`{property}` of {}: {reason}", address.location),
            ))),
            None => Resolution::Missing,
        };
    };
    let same = |a: &Value, b: &Value| a.to_string().to_lowercase() == b.to_string().to_lowercase();
    if values.iter().any(|(_, _, v)| !same(v, first)) {
        let claims: Vec<String> = values
            .iter()
            .map(|(f, l, v)| {
                format!(
                    "{}:{l} says {v}",
                    f.display().to_string().replace('\\', "/")
                )
            })
            .collect();
        return Resolution::Problem(at(Diagnostic::file(
            file,
            format!(
                "the exports disagree about `{property}` of {}: {}; name one with `file`",
                address.location,
                claims.join(", ")
            ),
        )));
    }
    let name = records
        .first()
        .map_or(address.location.as_str(), |(_, r)| r.name.as_str());
    Resolution::Found(Item {
        value: first.clone(),
        provenance: Provenance {
            file: file.to_path_buf(),
            line,
            location: name.to_string(),
        },
    })
}

/// `type = "service"`: `name` (service or driver key name; `*`/`?` select every matching
/// service), `property` (one of [`PROPERTIES`]), optional `file` glob.
pub struct ServiceCollector;

impl Collector for ServiceCollector {
    fn name(&self) -> &'static str {
        "service"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["name", "property", "file"])?;
        let name = required(source, "name")?.trim();
        if name.is_empty() {
            return Err("`name` is empty".into());
        }
        if name.contains(['*', '?']) {
            globset::Glob::new(name).map_err(|e| format!("`name` is not a valid pattern: {e}"))?;
        }
        let property = required(source, "property")?;
        let property = canonical_property(property).ok_or_else(|| {
            format!(
                "`property = \"{property}\"` is not one of: {}",
                PROPERTIES.join(", ")
            )
        })?;
        Ok(Address {
            collector: self.name().into(),
            file: field(source, "file")?
                .unwrap_or_default()
                .trim()
                .replace('\\', "/"),
            location: name.to_string(),
            name: property.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| {
                ["csv", "txt", "log", "out", "xml", "clixml", "json"]
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
        let mut parsed: HashMap<PathBuf, FileRecords> = HashMap::new();
        for (pattern, addresses) in by_file {
            let explicit = !pattern.is_empty();
            let files = if explicit {
                host.matching(pattern)
            } else {
                discover(host)
            };
            for file in &files {
                if !parsed.contains_key(file) {
                    let result = read_services(host.root, file, explicit);
                    collected
                        .diagnostics
                        .extend(result.diagnostics.iter().cloned());
                    collected.files_read.push(file.clone());
                    parsed.insert(file.clone(), result);
                }
            }
            let mut index: BTreeMap<String, Vec<(&Path, &ServiceRecord)>> = BTreeMap::new();
            for file in &files {
                for record in &parsed[file].records {
                    index
                        .entry(record.name.to_lowercase())
                        .or_default()
                        .push((file.as_path(), record));
                }
            }
            for address in addresses {
                let property = address.name.as_str();
                if address.location.contains(['*', '?']) {
                    let Ok(glob) = globset::GlobBuilder::new(&address.location)
                        .case_insensitive(true)
                        .build()
                    else {
                        continue;
                    };
                    let matcher = glob.compile_matcher();
                    let mut instances = Vec::new();
                    for records in index.values() {
                        let label = records[0].1.name.clone();
                        if !matcher.is_match(&label) {
                            continue;
                        }
                        match resolve(records, property, address) {
                            Resolution::Found(item) => instances.push((label, Some(item))),
                            Resolution::Missing => instances.push((label, None)),
                            Resolution::Problem(diagnostic) => {
                                instances.push((label, None));
                                collected.diagnostics.push(diagnostic);
                            }
                        }
                    }
                    collected.instances.insert((*address).clone(), instances);
                    continue;
                }
                let Some(records) = index.get(&address.location.to_lowercase()) else {
                    continue;
                };
                match resolve(records, property, address) {
                    Resolution::Found(item) => {
                        collected.items.insert((*address).clone(), item);
                    }
                    Resolution::Missing => {}
                    Resolution::Problem(diagnostic) => collected.diagnostics.push(diagnostic),
                }
            }
        }
        collected
    }

    fn list(&self, root: &Path, relative_path: &Path) -> Listing {
        let result = read_services(root, relative_path, false);
        let file = relative_path.to_string_lossy().replace('\\', "/");
        let mut listing = Listing {
            items: Vec::new(),
            diagnostics: result.diagnostics,
        };
        for record in result.records {
            for (property, value, line) in record.fields {
                match value {
                    Ok(value) => listing.items.push(ListedItem {
                        address: Address {
                            collector: self.name().into(),
                            file: file.clone(),
                            location: record.name.clone(),
                            name: property.to_string(),
                        },
                        item: Item {
                            value,
                            provenance: Provenance {
                                file: relative_path.to_path_buf(),
                                line,
                                location: record.name.clone(),
                            },
                        },
                    }),
                    Err(reason) => listing.diagnostics.push(
                        Diagnostic::line(
                            relative_path,
                            line,
                            format!("`{property}` of {}: {reason}", record.name),
                        )
                        .at(record.name.clone(), Some(property.to_string())),
                    ),
                }
            }
        }
        listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fixtures(area: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(area)
    }

    fn address(source: &str) -> Address {
        let table: toml::Table = toml::from_str(source).expect("valid TOML");
        ServiceCollector
            .parse_address(&table)
            .expect("valid source")
    }

    fn collect_in(root: &Path, files: &[&str], sources: &[&str]) -> (Vec<Address>, Collected) {
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        let host = HostFiles {
            root,
            files: &files,
        };
        let addresses: Vec<Address> = sources.iter().map(|s| address(s)).collect();
        let refs: Vec<&Address> = addresses.iter().collect();
        let collected = ServiceCollector.collect(&host, &refs);
        (addresses, collected)
    }

    fn value(collected: &Collected, address: &Address) -> Option<Value> {
        collected.items.get(address).map(|i| i.value.clone())
    }

    fn text(s: &str) -> Option<Value> {
        Some(Value::String(s.into()))
    }

    #[test]
    fn code_page_tables_follow_the_charts() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(CP850_HIGH.chars().count(), 128);
        let cases: [(OemCodePage, u8, char); 10] = [
            (OemCodePage::Cp437, 0x81, 'ü'),
            (OemCodePage::Cp850, 0x81, 'ü'),
            (OemCodePage::Cp437, 0xE1, 'ß'),
            (OemCodePage::Cp850, 0xE1, 'ß'),
            (OemCodePage::Cp437, 0xB8, '╕'),
            (OemCodePage::Cp850, 0xB8, '©'),
            (OemCodePage::Cp437, 0x9B, '¢'),
            (OemCodePage::Cp850, 0x9B, 'ø'),
            (OemCodePage::Cp850, 0xD5, 'ı'),
            (OemCodePage::Cp437, 0xFF, '\u{a0}'),
        ];
        for (page, byte, expected) in cases {
            assert_eq!(
                page.decode(&[byte]),
                expected.to_string(),
                "{page:?} {byte:#x}"
            );
        }
        assert_eq!(OemCodePage::Cp437.decode(b"ACPI"), "ACPI");
    }

    #[test]
    fn console_output_decoding_prefers_what_reads_as_text() {
        // "für © Vendor" in CP850: ü = 0x81, © = 0xB8 (a box corner in CP437).
        let cp850 = b"f\x81r \xb8 Vendor";
        assert_eq!(guess_oem_code_page(cp850), OemCodePage::Cp850);
        assert_eq!(decode_console(cp850), "für © Vendor");
        assert_eq!(
            decode_console("für".as_bytes()),
            "für",
            "valid UTF-8 is trusted"
        );
        assert_eq!(decode_console(b"\xff\xfeO\0K\0"), "OK", "UTF-16 is trusted");
        // Greek and line drawing (CP437's reading of 0xE0, 0xD5) lose to letters.
        assert_eq!(guess_oem_code_page(b"\xe0\xd5"), OemCodePage::Cp850);
        assert_eq!(guess_oem_code_page(b"plain"), OemCodePage::Cp850);
    }

    #[test]
    fn normalisation_tables() {
        let start_modes = [
            ("Auto", "Auto"),
            ("Automatic", "Auto"),
            ("AutomaticDelayedStart", "Auto"),
            ("AUTO_START", "Auto"),
            ("2", "Auto"),
            ("Automatisch", "Auto"),
            ("Manual", "Manual"),
            ("DEMAND_START", "Manual"),
            ("Manuell", "Manual"),
            ("Disabled", "Disabled"),
            ("DISABLED", "Disabled"),
            ("Deaktiviert", "Disabled"),
            ("Désactivé", "Disabled"),
            ("4", "Disabled"),
            ("Boot", "Boot"),
            ("BOOT_START", "Boot"),
            ("System", "System"),
            ("SYSTEM_START", "System"),
        ];
        for (raw, expected) in start_modes {
            assert_eq!(normalise_start_mode(raw), Some(expected), "{raw}");
        }
        assert_eq!(normalise_start_mode("Sometimes"), None);
        let states = [
            ("Running", "Running"),
            ("RUNNING", "Running"),
            ("4", "Running"),
            ("Wird ausgeführt", "Running"),
            ("Stopped", "Stopped"),
            ("Beendet", "Stopped"),
            ("StopPending", "Stop Pending"),
            ("Stop Pending", "Stop Pending"),
            ("STOP_PENDING", "Stop Pending"),
            ("Paused", "Paused"),
        ];
        for (raw, expected) in states {
            assert_eq!(normalise_state(raw), Some(expected), "{raw}");
        }
        let types = [
            ("Kernel ", "Kernel Driver"),
            ("Kernel Driver", "Kernel Driver"),
            ("KERNEL_DRIVER", "Kernel Driver"),
            ("File System ", "File System Driver"),
            ("Dateisystem ", "File System Driver"),
            ("FileSystemDriver", "File System Driver"),
            ("Win32OwnProcess", "Own Process"),
            ("WIN32_SHARE_PROCESS", "Share Process"),
            ("16", "Own Process"),
        ];
        for (raw, expected) in types {
            assert_eq!(normalise_type(raw), Some(expected), "{raw}");
        }
        let numbers = [
            ("81,920", Some(81_920)),
            ("81.920", Some(81_920)),
            ("1.040.384", Some(1_040_384)),
            ("81 920", Some(81_920)),
            ("81\u{a0}920", Some(81_920)),
            ("0", Some(0)),
            ("-5", Some(-5)),
            ("", None),
            ("n/a", None),
        ];
        for (raw, expected) in numbers {
            assert_eq!(parse_grouped_integer(raw), expected, "{raw}");
        }
    }

    #[test]
    fn driverquery_layouts() {
        let english = "\"Module Name\",\"Display Name\",\"Description\",\"Driver Type\",\"Start Mode\",\"State\",\"Status\",\"Accept Stop\",\"Accept Pause\",\"Paged Pool(bytes)\",\"Code(bytes)\",\"BSS(bytes)\",\"Link Date\",\"Path\",\"Init(bytes)\"\r\n\"VndFltr\",\"Vendor Filter\",\"Vendor Filter\",\"File System \",\"Disabled\",\"Stopped\",\"OK\",\"FALSE\",\"FALSE\",\"0\",\"81,920\",\"0\",\"\",\"C:\\Windows\\system32\\drivers\\VndFltr.sys\",\"4,096\"\r\n";
        let no_header = "\"VndFltr\",\"Vendor Filter\",\"Vendor Filter\",\"File System \",\"Disabled\",\"Stopped\",\"OK\",\"FALSE\",\"FALSE\",\"0\",\"81,920\",\"0\",\"\",\"C:\\x.sys\",\"4,096\"\r\n";
        let short = "\"Module Name\",\"Display Name\",\"Driver Type\",\"Link Date\"\r\n\"VndFltr\",\"Vendor Filter\",\"File System \",\"\"\r\n";
        let short_localized_nh =
            "\"VndFltr\",\"Vendor Filter\",\"Dateisystem \",\"01.02.2009 10:00:00\"\r\n";
        let reordered = "\"Start Mode\",\"Module Name\",\"Driver Type\"\r\n\"Manual\",\"VndFltr\",\"Kernel \"\r\n";
        let cases: [(&str, &str, Option<Value>); 6] = [
            (english, "start_mode", text("Disabled")),
            (english, "code_bytes", Some(Value::Integer(81_920))),
            (no_header, "accept_stop", Some(Value::Boolean(false))),
            (short, "type", text("File System Driver")),
            (short_localized_nh, "link_date", text("01.02.2009 10:00:00")),
            (reordered, "start_mode", text("Manual")),
        ];
        for (input, property, expected) in cases {
            let (records, diagnostics) = parse_driverquery(input, Path::new("d.csv"));
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
            assert_eq!(records.len(), 1, "{input}");
            assert_eq!(records[0].name, "VndFltr");
            let got = records[0]
                .get(property)
                .and_then(|(_, v, _)| v.clone().ok());
            assert_eq!(got, expected, "{property} in {input}");
        }
        assert!(records_link_date_absent(english));
        let (records, diagnostics) = parse_driverquery(
            "\"DeviceName\",\"InfName\",\"IsSigned\",\"Manufacturer\"\r\n\"x\",\"y.inf\",\"TRUE\",\"z\"\r\n",
            Path::new("si.csv"),
        );
        assert!(records.is_empty());
        assert_eq!(
            diagnostics.len(),
            1,
            "driverquery /si is not a service listing"
        );
    }

    fn records_link_date_absent(input: &str) -> bool {
        let (records, _) = parse_driverquery(input, Path::new("d.csv"));
        records[0].get("link_date").is_none()
    }

    #[test]
    fn sc_output_table() {
        let records =
            parse_sc(&std::fs::read_to_string(fixtures("services").join("sc_qc.txt")).unwrap());
        let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "MSExchangeIS",
                "MSExchangeIS",
                "VndFltr",
                "MSExchangeSearch"
            ]
        );
        let get = |index: usize, property: &str| {
            records[index]
                .get(property)
                .and_then(|(_, v, _)| v.clone().ok())
        };
        let cases: [(usize, &str, Option<Value>); 11] = [
            (0, "start_mode", text("Auto")),
            (0, "type", text("Own Process")),
            (
                0,
                "path",
                text("\"C:\\Program Files\\Microsoft\\Exchange Server\\bin\\store.exe\""),
            ),
            (0, "error_control", text("Normal")),
            (0, "start_name", text("LocalSystem")),
            (1, "state", text("Running")),
            (1, "accept_stop", Some(Value::Boolean(true))),
            (1, "accept_pause", Some(Value::Boolean(false))),
            (1, "exit_code", Some(Value::Integer(0))),
            (2, "type", text("File System Driver")),
            (3, "delayed_auto_start", Some(Value::Boolean(true))),
        ];
        for (index, property, expected) in cases {
            assert_eq!(get(index, property), expected, "{index} {property}");
        }
        assert_eq!(
            get(2, "start_name"),
            None,
            "an empty SERVICE_START_NAME is absent"
        );
        assert_eq!(records[2].get("start_mode").map(|f| f.2), Some(29));
    }

    #[test]
    fn german_cp850_driverquery_with_vndfltr() {
        let root = fixtures("services");
        let (addresses, collected) = collect_in(
            &root,
            &["driverquery_v_de.csv"],
            &[
                "type='service'\nname='VndFltr'\nproperty='start_mode'",
                "type='service'\nname='vndfltr'\nproperty='state'",
                "type='service'\nname='VndFltr'\nproperty='type'",
                "type='service'\nname='VndFltr'\nproperty='description'",
                "type='service'\nname='VndFltr'\nproperty='code_bytes'",
                "type='service'\nname='VndFltr'\nproperty='link_date'",
                "type='service'\nname='Ntfs'\nproperty='paged_pool_bytes'",
                "type='service'\nname='Disk'\nproperty='display_name'",
                "type='service'\nname='elxstor'\nproperty='StartMode'",
                "type='service'\nname='VndFltr'\nproperty='status'",
            ],
        );
        let expected = [
            text("Disabled"),
            text("Stopped"),
            text("File System Driver"),
            text("Dateisystem-Filtertreiber für Sicherungen © Vendor GmbH"),
            Some(Value::Integer(81_920)),
            None,
            Some(Value::Integer(1_040_384)),
            text("Datenträgertreiber"),
            text("Manual"),
            text("OK"),
        ];
        for (address, expected) in addresses.iter().zip(expected) {
            assert_eq!(value(&collected, address), expected, "{address}");
        }
        let item = &collected.items[&addresses[0]];
        assert_eq!(item.provenance.line, 5);
        assert_eq!(item.provenance.location, "VndFltr");
        assert!(
            collected.diagnostics.is_empty(),
            "{:?}",
            collected.diagnostics
        );
    }

    #[test]
    fn get_service_and_win32_service_exports_normalise_alike() {
        let (addresses, collected) = collect_in(
            &fixtures("services"),
            &["get-service.csv"],
            &[
                "type='service'\nname='MSExchangeIS'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeIS'\nproperty='state'",
                "type='service'\nname='MSExchangeIMAP4'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeIS'\nproperty='type'",
                "type='service'\nname='MSExchangeIS'\nproperty='accept_stop'",
                "type='service'\nname='MSExchangeIS'\nproperty='path'",
            ],
        );
        assert_eq!(value(&collected, &addresses[0]), text("Auto"));
        assert_eq!(value(&collected, &addresses[1]), text("Running"));
        assert_eq!(value(&collected, &addresses[2]), text("Disabled"));
        assert_eq!(value(&collected, &addresses[3]), text("Own Process"));
        assert_eq!(value(&collected, &addresses[4]), Some(Value::Boolean(true)));
        assert_eq!(
            value(&collected, &addresses[5]),
            None,
            "Get-Service has no path"
        );
        assert_eq!(collected.items[&addresses[0]].provenance.line, 3);

        let (addresses, collected) = collect_in(
            &fixtures("wmi"),
            &[
                "Win32_Service.csv",
                "Win32_Service.xml",
                "Win32_Service.json",
            ],
            &[
                "type='service'\nname='MSExchangeIS'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeIS'\nproperty='path'",
                "type='service'\nname='MSExchangePOP3'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeTransport'\nproperty='state'",
                "type='service'\nname='MSExchangeIS'\nproperty='status'",
                "type='service'\nname='MSExchangeIMAP4'\nproperty='accept_stop'",
            ],
        );
        assert_eq!(value(&collected, &addresses[0]), text("Auto"));
        // PathName is the binary; Win32_Service's `Path` column is the WMI object path.
        assert_eq!(
            value(&collected, &addresses[1]),
            text("\"C:\\Program Files\\Microsoft\\Exchange Server\\bin\\store.exe\""),
        );
        assert_eq!(value(&collected, &addresses[2]), text("Disabled"));
        assert_eq!(value(&collected, &addresses[3]), text("Running"));
        assert_eq!(value(&collected, &addresses[4]), text("OK"));
        assert_eq!(
            value(&collected, &addresses[5]),
            Some(Value::Boolean(false))
        );
    }

    #[test]
    fn get_cim_instance_csv_maps_pathname_not_the_object_path() {
        let export = "#TYPE Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_Service\r\n\"Name\",\"Status\",\"PathName\",\"StartMode\",\"State\",\"DelayedAutoStart\",\"Path\",\"CimClass\",\"CimInstanceProperties\",\"CimSystemProperties\"\r\n\"MSExchangeTransport\",\"OK\",\"\"\"C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\MSExchangeTransport.exe\"\"\",\"Auto\",\"Running\",\"False\",\"\\\\EXHUB01\\root\\cimv2:Win32_Service.Name=\"\"MSExchangeTransport\"\"\",\"root/cimv2:Win32_Service\",\"Microsoft.Management.Infrastructure.CimPropertiesCollection\",\"Microsoft.Management.Infrastructure.CimSystemProperties\"\r\n";
        let mut records = Vec::new();
        let report = crate::collect::wmi::pscsv::parse(export, Path::new("svc.csv"), &mut |top| {
            records.extend(service_from_object(&top.value));
        });
        assert!(report.diagnostics.is_empty());
        assert_eq!(identify(export), Some(ServiceExport::PowerShell));
        let get = |property: &str| {
            records[0]
                .get(property)
                .and_then(|(_, v, _)| v.clone().ok())
        };
        assert_eq!(records[0].name, "MSExchangeTransport");
        assert_eq!(
            get("path"),
            text("\"C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\MSExchangeTransport.exe\"")
        );
        assert_eq!(get("start_mode"), text("Auto"));
        assert_eq!(get("state"), text("Running"));
        assert_eq!(get("status"), text("OK"));
        assert_eq!(get("delayed_auto_start"), Some(Value::Boolean(false)));
    }

    #[test]
    fn default_discovery_reads_every_identified_file_and_checks_agreement() {
        let dir = tempfile::tempdir().unwrap();
        let services = fixtures("services");
        for file in ["driverquery_v_de.csv", "get-service.csv", "sc_qc.txt"] {
            std::fs::copy(services.join(file), dir.path().join(file)).unwrap();
        }
        std::fs::copy(
            fixtures("wmi").join("Win32_Service.xml"),
            dir.path().join("Win32_Service.xml"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("notes.txt"),
            "SERVICE_NAME is mentioned but not at a line start\r\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("app.ini"), "[a]\r\nStartMode=Auto\r\n").unwrap();
        let files = [
            "app.ini",
            "driverquery_v_de.csv",
            "get-service.csv",
            "notes.txt",
            "sc_qc.txt",
            "Win32_Service.xml",
        ];
        let (addresses, collected) = collect_in(
            dir.path(),
            &files,
            &[
                "type='service'\nname='VndFltr'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeIS'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeIS'\nproperty='state'",
                "type='service'\nname='MSExchange*'\nproperty='start_mode'",
                "type='service'\nname='MSExchangeSearch'\nproperty='delayed_auto_start'",
                "type='service'\nname='NoSuchService'\nproperty='start_mode'",
                "type='service'\nname='VndFltr'\nproperty='start_mode'\nfile='sc_*.txt'",
            ],
        );
        assert_eq!(
            value(&collected, &addresses[0]),
            text("Disabled"),
            "driverquery and sc agree"
        );
        assert_eq!(
            value(&collected, &addresses[1]),
            text("Auto"),
            "four exports agree"
        );
        assert_eq!(value(&collected, &addresses[2]), text("Running"));
        let modes: Vec<(String, Option<Value>)> = collected.instances[&addresses[3]]
            .iter()
            .map(|(label, item)| (label.clone(), item.as_ref().map(|i| i.value.clone())))
            .collect();
        assert_eq!(
            modes,
            vec![
                ("MSExchangeIMAP4".to_string(), text("Disabled")),
                ("MSExchangeIS".to_string(), text("Auto")),
                ("MSExchangeMonitoring".to_string(), text("Manual")),
                ("MSExchangeSA".to_string(), text("Auto")),
                ("MSExchangeSearch".to_string(), text("Auto")),
            ]
        );
        // WMI says DelayedAutoStart is unknown here, sc says delayed: only sc has it.
        assert_eq!(value(&collected, &addresses[4]), Some(Value::Boolean(true)));
        assert_eq!(value(&collected, &addresses[5]), None);
        assert_eq!(
            collected.items[&addresses[6]].provenance.file,
            Path::new("sc_qc.txt")
        );
        let read: Vec<&str> = collected
            .files_read
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect();
        assert!(
            !read.contains(&"notes.txt") && !read.contains(&"app.ini"),
            "{read:?}"
        );
        assert!(
            collected.diagnostics.is_empty(),
            "{:?}",
            collected.diagnostics
        );
    }

    #[test]
    fn disagreeing_exports_make_the_setting_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            fixtures("services").join("driverquery_v_de.csv"),
            dir.path().join("driverquery.csv"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sc.txt"),
            "SERVICE_NAME: VndFltr\r\n        START_TYPE         : 3   DEMAND_START\r\n",
        )
        .unwrap();
        let (addresses, collected) = collect_in(
            dir.path(),
            &["driverquery.csv", "sc.txt"],
            &["type='service'\nname='VndFltr'\nproperty='start_mode'"],
        );
        assert_eq!(value(&collected, &addresses[0]), None);
        let diagnostic = &collected.diagnostics[0];
        assert_eq!(diagnostic.location.as_deref(), Some("VndFltr"));
        assert!(
            diagnostic
                .message
                .contains("driverquery.csv:5 says Disabled"),
            "{diagnostic}"
        );
        assert!(
            diagnostic.message.contains("sc.txt:2 says Manual"),
            "{diagnostic}"
        );
    }

    #[test]
    fn explicit_files_that_are_not_service_exports_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.csv"), "a,b\r\n1,2\r\n").unwrap();
        let (addresses, collected) = collect_in(
            dir.path(),
            &["x.csv"],
            &["type='service'\nname='VndFltr'\nproperty='state'\nfile='x.csv'"],
        );
        assert_eq!(value(&collected, &addresses[0]), None);
        assert_eq!(collected.diagnostics.len(), 1);
        assert_eq!(
            collected.diagnostics[0].line, 0,
            "a whole-file problem blocks the setting"
        );
    }

    #[test]
    fn addresses_are_validated() {
        let parse =
            |s: &str| ServiceCollector.parse_address(&toml::from_str::<toml::Table>(s).unwrap());
        assert_eq!(
            parse("type='service'\nname='VndFltr'\nproperty='StartMode'\nfile='exports\\dq.csv'"),
            Ok(Address {
                collector: "service".into(),
                file: "exports/dq.csv".into(),
                location: "VndFltr".into(),
                name: "start_mode".into(),
            })
        );
        for bad in [
            "type='service'\nproperty='state'",
            "type='service'\nname=''\nproperty='state'",
            "type='service'\nname='x'\nproperty='colour'",
            "type='service'\nname='x'\nproperty='state'\nselect='y'",
            "type='service'\nname='x[*'\nproperty='state'",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listing_a_driverquery_file() {
        let listing =
            ServiceCollector.list(&fixtures("services"), Path::new("driverquery_v_de.csv"));
        assert!(listing.diagnostics.is_empty(), "{:?}", listing.diagnostics);
        let vnd: Vec<&ListedItem> = listing
            .items
            .iter()
            .filter(|i| i.address.location == "VndFltr")
            .collect();
        assert!(
            vnd.iter().any(|i| i.address.name == "start_mode"
                && i.item.value == Value::String("Disabled".into()))
        );
        let other = ServiceCollector.list(&fixtures("wmi"), Path::new("ExchangeServer.json"));
        assert!(other.items.is_empty() && other.diagnostics.is_empty());
    }

    proptest! {
        #[test]
        fn driverquery_parser_never_panics(text in "([\"a-zA-Z ,.;\t\r\n#<{\u{fc}\u{20ac}]|TRUE|FALSE|#TYPE|SERVICE_NAME:){0,120}") {
            let _ = parse_driverquery(&text, Path::new("d.csv"));
            let _ = identify(&text);
        }

        #[test]
        fn sc_parser_never_panics(lines in proptest::collection::vec("(SERVICE_NAME|STATE|START_TYPE|TYPE|\\(|\\[SC\\]|[A-Z_]{0,6})? *:? *[0-9A-Z_() ]{0,20}", 0..12)) {
            let text = lines.join("\r\n");
            let _ = parse_sc(&text);
        }

        #[test]
        fn oem_decoding_never_panics_and_keeps_length(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for page in [OemCodePage::Cp437, OemCodePage::Cp850] {
                prop_assert_eq!(page.decode(&bytes).chars().count(), bytes.len());
            }
            let _ = decode_console(&bytes);
        }
    }
}
