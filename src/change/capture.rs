//! Capture: turning a known-good host's exports into a template of equals checks — the start
//! of a new role template.

use crate::baseline::resolve::toml_value_text;
use crate::collect::{self, ListedItem};
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What to capture: `collector:prefix`, where the prefix is matched case-insensitively
/// against the item's location (registry key, section) or, for location-less items, its
/// name (sysctl key) or file.
#[derive(Debug, Clone)]
pub struct Selector {
    pub collector: String,
    pub prefix: String,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let (collector, prefix) = text
            .split_once(':')
            .ok_or_else(|| format!("`{text}`: write COLLECTOR:PREFIX, e.g. registry:HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip"))?;
        if collect::by_name(collector).is_none() {
            return Err(format!("`{collector}` is not a collector"));
        }
        Ok(Selector {
            collector: collector.to_string(),
            prefix: normalise(prefix),
        })
    }

    fn matches(&self, listed: &ListedItem) -> bool {
        let a = &listed.address;
        a.collector == self.collector
            && [&a.location, &a.name, &a.file]
                .iter()
                .any(|field| !field.is_empty() && normalise(field).starts_with(&self.prefix))
    }
}

/// Case-folds and expands the short registry hive names so `HKLM\X` selects `HKEY_LOCAL_MACHINE\X`.
fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace('/', "\\");
    for (short, long) in [
        ("hklm\\", "hkey_local_machine\\"),
        ("hkcu\\", "hkey_current_user\\"),
        ("hkcr\\", "hkey_classes_root\\"),
        ("hku\\", "hkey_users\\"),
        ("hkcc\\", "hkey_current_config\\"),
    ] {
        if let Some(rest) = lower.strip_prefix(short) {
            return format!("{long}{rest}");
        }
    }
    lower
}

/// The expected value that an equals check needs to pass on this value.
pub fn expected_for(value: &Value) -> toml::Value {
    match value {
        Value::Dword(n) => toml::Value::Integer(i64::from(*n)),
        Value::Qword(n) => i64::try_from(*n)
            .map_or_else(|_| toml::Value::String(n.to_string()), toml::Value::Integer),
        Value::Integer(n) => toml::Value::Integer(*n),
        Value::Boolean(b) => toml::Value::Boolean(*b),
        Value::MultiString(items) | Value::List(items) => toml::Value::Array(
            items
                .iter()
                .map(|s| toml::Value::String(s.clone()))
                .collect(),
        ),
        Value::String(s) | Value::ExpandString(s) => toml::Value::String(s.clone()),
        Value::Binary(_) | Value::Raw { .. } => {
            toml::Value::String(crate::audit::operator::comparable_text(value))
        }
    }
}

/// A captured template, and the items that could not be captured (with why).
pub struct Captured {
    pub toml: String,
    pub settings: usize,
    pub skipped: Vec<String>,
    pub diagnostics: Vec<collect::Diagnostic>,
}

/// `{ type = "registry", key = '...', value = "..." }` with `type` first.
pub(crate) fn inline_table(table: &toml::Table) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = table.get("type") {
        parts.push(format!("type = {kind}"));
    }
    for (key, value) in table.iter().filter(|(k, _)| *k != "type") {
        parts.push(format!("{key} = {value}"));
    }
    format!("{{ {} }}", parts.join(", "))
}

/// A setting id from an item: lower-case words of its last path parts.
fn setting_id(listed: &ListedItem, used: &mut BTreeMap<String, usize>) -> String {
    let a = &listed.address;
    let tail = a.location.rsplit(['\\', '/']).next().unwrap_or_default();
    let raw = format!("{}-{}-{}", a.collector, tail, a.name);
    let mut id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while id.contains("--") {
        id = id.replace("--", "-");
    }
    let id = id.trim_matches('-').to_string();
    let n = used.entry(id.clone()).or_insert(0);
    *n += 1;
    if *n > 1 { format!("{id}-{n}") } else { id }
}

/// Captures every item of the host folder that a selector selects.
pub fn capture(
    host_dir: &Path,
    name: &str,
    role: Option<&str>,
    selectors: &[Selector],
    captured_at: &str,
) -> Captured {
    let (files, mut diagnostics) = collect::walk::host_files(host_dir);
    let host = host_dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // Later items override earlier ones for the same address (merged .reg files, drop-ins).
    let mut items: BTreeMap<collect::Address, ListedItem> = BTreeMap::new();
    for file in &files {
        for collector in collect::registry().iter().filter(|c| c.claims(file)) {
            if !selectors.iter().any(|s| s.collector == collector.name()) {
                continue;
            }
            let listing = collector.list(host_dir, file);
            diagnostics.extend(listing.diagnostics);
            for listed in listing.items {
                if selectors.iter().any(|s| s.matches(&listed)) {
                    let mut key = listed.address.clone();
                    // Merged sources address by location and name, not by file.
                    if matches!(key.collector.as_str(), "registry" | "sysctl") {
                        key.file.clear();
                    }
                    items.insert(key, listed);
                }
            }
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# Captured from known-good host {host} on {captured_at} by `confaudit capture`.\n"
    ));
    out.push_str("# Review every setting: give it a severity, category and a rationale that says why it matters.\n");
    out.push_str(&format!(
        "name = {}\nversion = \"0.1.0\"\n",
        toml::Value::String(name.into())
    ));
    out.push_str(&format!(
        "description = {}\n",
        toml::Value::String(format!("Captured from {host}"))
    ));
    if let Some(role) = role {
        out.push_str(&format!("role = {}\n", toml::Value::String(role.into())));
    }
    let mut used = BTreeMap::new();
    let mut settings = 0;
    let mut skipped = Vec::new();
    for (address, listed) in &items {
        let Some(source) = collect::by_name(&address.collector).and_then(|c| c.source_for(address))
        else {
            skipped.push(format!(
                "{address}: the {} collector cannot be captured",
                address.collector
            ));
            continue;
        };
        let expected = expected_for(&listed.item.value);
        let string = |text: String| toml::Value::String(text).to_string();
        out.push_str("\n[[setting]]\n");
        out.push_str(&format!("id = {}\n", string(setting_id(listed, &mut used))));
        out.push_str(&format!(
            "title = {}\n",
            string(format!("{} = {}", address.name, toml_value_text(&expected)))
        ));
        out.push_str(&format!("source = {}\n", inline_table(&source)));
        out.push_str(&format!("expected = {expected}\n"));
        out.push_str(
            "when_absent = \"fail\"\nseverity = \"medium\"\ncategory = \"availability\"\n",
        );
        out.push_str(&format!(
            "rationale = {}\n",
            string(format!(
                "Value on known-good host {host} at {}",
                listed.item.provenance
            ))
        ));
        settings += 1;
    }
    Captured {
        toml: out,
        settings,
        skipped,
        diagnostics,
    }
}
