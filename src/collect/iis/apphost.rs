//! IIS 7+ configuration: `applicationHost.config` and `web.config`.
//!
//! # Source syntax (`type = "iis"`)
//!
//! | field | meaning |
//! |---|---|
//! | `file` | the file, relative to the host folder (glob); default `applicationHost.config` anywhere, preferring `…/inetsrv/config/applicationHost.config` |
//! | `location` | configuration path (`Default Web Site/owa`); `""`, `"."` or absent = global |
//! | `section` | section path, `system.webServer/security/access`; absent = the `<location>` tag's own attributes (`overrideMode`, `allowOverride`, `inheritInChildApplications`, `path`) |
//! | `element` | element path below the section, `requestFiltering/requestLimits`; a step may select a collection item, `site[name=Default Web Site]/application[path=/owa]`, and name its unique key, `error(statusCode,subStatusCode)[statusCode=404]`; inside `[...]`, `\` escapes `]`, `,` and `\` |
//! | `collection` | item element of a collection at `element` (`add`, `mimeMap`, `error`, ...) |
//! | `key` | `attribute=value[,attribute=value]` selecting the item; several matching items give one finding each |
//! | `unique_key` | the attributes that identify the collection's items, when the built-in schema facts do not know the collection (default `name`) |
//! | `attribute` | the attribute to read; `*keys` reads the collection's item keys as a list |
//!
//! # Effective configuration
//!
//! For a configuration path, contributions are merged level by level from the global level
//! to the path itself. At each level come, in this order: `applicationHost.config` sections
//! (global sections and `<location path="">` at level 0, `<location path="…">` at the level
//! its path names), then the `web.config` files tied to the level (see [`super::sites`]) from the
//! shallowest file down, each file's own `<location>` tags relative to its folder. Within a
//! level and file, document order. A `<location inheritInChildApplications="false">` does
//! not reach a deeper path when an application root lies between. Attributes: the last
//! contribution that sets one wins. Collections: `<add>`, `<remove>`, `<clear/>` applied in
//! that order, items keyed by the collection's unique key; adding a key that is already
//! there is an IIS configuration error. Collection items of `applicationPools`, `sites`,
//! site applications and virtual directories take unset attributes from the matching
//! `*Defaults` element. IIS schema defaults are not known offline: an attribute nobody sets
//! is `missing`. `web.config` files are merged only when `file` is an
//! `applicationHost.config`; a `file` naming a `web.config` reads that file alone, with
//! `location` relative to its folder.
//!
//! Locks are enforced where IIS enforces them against lower files: a `web.config` that sets
//! a section whose effective `overrideMode` is `Deny` (from `overrideModeDefault` or a
//! `<location overrideMode>`/`allowOverride`), that sets an `AppHostOnly`/`MachineOnly`
//! section or a `MachineToApplication` one below an application root, that sets an
//! attribute locked by `lockAttributes` or `lockAllAttributesExcept`, or that removes/clears
//! an item with `lockItem="true"` makes the setting `error`, as IIS answers such a path with
//! HTTP 500.19. Locks are not checked between sections of the same file, and
//! `lockElements` is not checked.
//!
//! Values are text as written, except flags attributes (`sslFlags`, `accessPolicy`, ...),
//! which are lists of flags, and `[enc:Provider:...:enc]` values, which read
//! `present, encrypted`. A selector matching several items gives one finding per item,
//! labelled with the item's key. Provenance is the file and line of the winning attribute.

use super::query::{self, KEYS, Query, Step, Target, is_path_prefix, segments};
use super::schema;
use super::sites::{Sites, export_folders};
use super::xml::{self, Attr, Element, Keep, XmlError};
use super::{ENCRYPTED, Pick, ambiguous, encrypted_provider, pick_file, read_text};
use crate::collect::{
    Address, Collected, Collector, Diagnostic, HostFiles, Item, ListedItem, Listing, Provenance,
    field, only_fields, required,
};
use crate::value::Value;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const DEFAULT_FILE: &str = "applicationHost.config";
const STANDARD_PLACE: &str = "inetsrv/config/applicationhost.config";
const SITES_SECTION: &str = "system.applicationHost/sites";

/// A section declared in `<configSections>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDecl {
    pub path: String,
    pub override_mode_default: Option<String>,
    /// Where the section may be set: `MachineOnly`, `MachineToApplication`,
    /// `AppHostOnly`, `Everywhere` (the default).
    pub allow_definition: Option<String>,
    pub line: u32,
}

/// A top-level `<location>` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationTag {
    pub raw_path: String,
    /// Normalised path (relative to the file's own level for a `web.config`).
    pub path: String,
    pub line: u32,
    pub attrs: Vec<Attr>,
    /// `Some(true)` unlocks the sections inside, `Some(false)` locks them.
    pub override_mode: Option<bool>,
    pub inherit_in_child_applications: bool,
}

/// One section element as it occurs in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Index into `ConfigFile::locations`, `None` outside any `<location>`.
    pub location: Option<usize>,
    pub section: String,
    pub element: Element,
}

/// What one configuration file holds (only the wanted sections).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    pub sections: Vec<SectionDecl>,
    pub groups: Vec<String>,
    pub locations: Vec<LocationTag>,
    pub occurrences: Vec<Occurrence>,
}

/// Which sections to keep while reading.
pub enum Wanted<'w> {
    All,
    Sections(&'w BTreeSet<String>),
}

impl Wanted<'_> {
    fn keep(&self, path: &str) -> Keep {
        match self {
            Wanted::All => Keep::Subtree,
            Wanted::Sections(set) => {
                if set.contains(path) {
                    Keep::Subtree
                } else if set.iter().any(|s| is_below(s, path)) {
                    Keep::Descend
                } else {
                    Keep::Skip
                }
            }
        }
    }
}

/// Whether section path `inner` lies strictly below `outer`.
fn is_below(inner: &str, outer: &str) -> bool {
    inner.len() > outer.len() && inner.starts_with(outer) && inner.as_bytes()[outer.len()] == b'/'
}

fn override_mode(location: &Element) -> Option<bool> {
    match location.value("overrideMode").map(str::trim) {
        Some(m) if m.eq_ignore_ascii_case("Allow") => return Some(true),
        Some(m) if m.eq_ignore_ascii_case("Deny") => return Some(false),
        _ => {}
    }
    match location.value("allowOverride").map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Reads a configuration file, keeping the wanted sections.
pub fn load(text: &str, wanted: &Wanted<'_>) -> Result<ConfigFile, XmlError> {
    let root = xml::parse(text, &mut |ancestors, element| {
        match ancestors {
            [] => return Keep::Descend,
            [_] if element.name == "configSections" => return Keep::Subtree,
            [_] if element.name == "location" => return Keep::Descend,
            _ => {}
        }
        let below = match ancestors.get(1) {
            Some(&"location") => &ancestors[2..],
            _ => &ancestors[1..],
        };
        let mut path = below.join("/");
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&element.name);
        wanted.keep(&path)
    })?;
    if root.name != "configuration" {
        return Err(XmlError {
            line: root.line,
            column: root.column,
            message: format!(
                "the document element is <{}>, not <configuration>: not an IIS configuration file",
                root.name
            ),
        });
    }
    let mut file = ConfigFile::default();
    for child in &root.children {
        if child.name == "configSections" {
            declarations(child, "", &mut file);
        }
    }
    for child in root.children {
        match child.name.as_str() {
            "configSections" => {}
            "location" => {
                let raw_path = child.value("path").unwrap_or_default().to_string();
                let index = file.locations.len();
                file.locations.push(LocationTag {
                    path: query::normalize_path(&raw_path),
                    raw_path,
                    line: child.line,
                    override_mode: override_mode(&child),
                    inherit_in_child_applications: !child
                        .value("inheritInChildApplications")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false")),
                    attrs: child.attrs.clone(),
                });
                for section in child.children {
                    occurrences(section, "", Some(index), wanted, &mut file);
                }
            }
            _ => occurrences(child, "", None, wanted, &mut file),
        }
    }
    Ok(file)
}

fn declarations(group: &Element, prefix: &str, file: &mut ConfigFile) {
    for child in &group.children {
        let Some(name) = child.value("name") else {
            continue;
        };
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        match child.name.as_str() {
            "sectionGroup" => {
                file.groups.push(path.clone());
                declarations(child, &path, file);
            }
            "section" => file.sections.push(SectionDecl {
                path,
                override_mode_default: child.value("overrideModeDefault").map(str::to_string),
                allow_definition: child.value("allowDefinition").map(str::to_string),
                line: child.line,
            }),
            _ => {}
        }
    }
}

fn occurrences(
    element: Element,
    prefix: &str,
    location: Option<usize>,
    wanted: &Wanted<'_>,
    file: &mut ConfigFile,
) {
    let path = if prefix.is_empty() {
        element.name.clone()
    } else {
        format!("{prefix}/{}", element.name)
    };
    match wanted {
        Wanted::All => {
            let is_group = file.groups.contains(&path) || schema::is_builtin_group(&path);
            if is_group && !file.sections.iter().any(|s| s.path == path) {
                for child in element.children {
                    occurrences(child, &path, location, wanted, file);
                }
            } else {
                file.occurrences.push(Occurrence {
                    location,
                    section: path,
                    element,
                });
            }
        }
        Wanted::Sections(set) => {
            // A wanted path that is itself above another wanted path (a template naming a
            // group as a section) is kept whole and also searched below.
            let descend = set.iter().any(|s| is_below(s, &path));
            if set.contains(&path) && !descend {
                file.occurrences.push(Occurrence {
                    location,
                    section: path,
                    element,
                });
                return;
            }
            if set.contains(&path) {
                file.occurrences.push(Occurrence {
                    location,
                    section: path.clone(),
                    element: element.clone(),
                });
            }
            for child in element.children {
                occurrences(child, &path, location, wanted, file);
            }
        }
    }
}

/// Converts an attribute value: encrypted values are reported as such, flags attributes
/// become lists of flags, everything else stays text as written (`%windir%` included).
pub fn attribute_value(name: &str, raw: &str) -> Value {
    if encrypted_provider(raw).is_some() {
        return Value::String(ENCRYPTED.into());
    }
    if schema::is_flags_attribute(name) {
        return Value::List(
            raw.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    Value::String(raw.to_string())
}

/// One file's section element applying at some level of the target path.
#[derive(Debug)]
pub struct Contribution<'a> {
    pub file: &'a Path,
    /// 0 for the main file; for a `web.config`, the level it was read at.
    pub file_depth: usize,
    /// Number of path segments of the configuration path it applies to.
    pub level: usize,
    pub order: usize,
    /// `global` or `<location path="…">`.
    pub label: String,
    pub override_mode: Option<bool>,
    pub element: &'a Element,
}

/// Whether a `<location>` at `location_segs` reaches `target_segs`.
fn reaches(
    location_segs: &[&str],
    target_segs: &[&str],
    inherit_in_child_applications: bool,
    sites: &Sites,
) -> bool {
    if inherit_in_child_applications {
        return true;
    }
    (location_segs.len() + 1..=target_segs.len())
        .all(|k| !sites.is_application_root(&target_segs[..k]))
}

/// One configuration file as it applies to a target path: the main file at depth 0, or a
/// `web.config` read at the level of its folder.
pub struct Source<'a> {
    pub config: &'a ConfigFile,
    pub path: &'a Path,
    /// 0 for the main file; for a `web.config`, the level it is read at.
    pub depth: usize,
    /// The configuration path of the file's own level (empty for the main file).
    pub base: Vec<String>,
}

impl<'a> Source<'a> {
    /// Adds the file's occurrences of `section` that apply at `target`.
    pub fn contributions(
        &self,
        section: &str,
        target: &str,
        sites: &Sites,
        out: &mut Vec<Contribution<'a>>,
    ) {
        let target_segs = segments(target);
        let config = self.config;
        for (order, occurrence) in config.occurrences.iter().enumerate() {
            if occurrence.section != section {
                continue;
            }
            let own = self.base.join("/");
            let (full, label, override_mode) = match occurrence.location {
                None if self.depth == 0 => (own, "global".to_string(), None),
                None => {
                    let label = format!("web.config at \"{own}\"");
                    (own, label, None)
                }
                Some(index) => {
                    let tag = &config.locations[index];
                    let full = if own.is_empty() {
                        tag.path.clone()
                    } else if tag.path.is_empty() {
                        own
                    } else {
                        format!("{own}/{}", tag.path)
                    };
                    if !is_path_prefix(&full, target)
                        || !reaches(
                            &segments(&full),
                            &target_segs,
                            tag.inherit_in_child_applications,
                            sites,
                        )
                    {
                        continue;
                    }
                    (
                        full,
                        format!("<location path=\"{}\">", tag.raw_path),
                        tag.override_mode,
                    )
                }
            };
            out.push(Contribution {
                file: self.path,
                file_depth: self.depth,
                level: segments(&full).len(),
                order,
                label,
                override_mode,
                element: &occurrence.element,
            });
        }
    }
}

type Nodes<'a> = Vec<(usize, &'a Element)>;

/// A live collection item after `<add>`/`<remove>`/`<clear/>`.
struct LiveItem<'a> {
    contribution: usize,
    element: &'a Element,
    key: Option<Vec<String>>,
}

/// A collection after its operations: the live items, and the contribution and line of the
/// last operation (none when no contribution touches the collection).
struct LiveCollection<'a> {
    items: Vec<LiveItem<'a>>,
    last: Option<(usize, u32)>,
}

/// The result of resolving one address.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    One(Option<Item>),
    /// Several collection items matched the selector: one entry each.
    Many(Vec<(String, Option<Item>)>),
}

/// Resolves a query over ordered contributions.
pub struct Resolver<'r, 'a> {
    pub contributions: &'r [Contribution<'a>],
    pub section: &'r str,
    pub query: &'r Query,
    /// The section's declaration in the main file, if it has one.
    pub declaration: Option<&'r SectionDecl>,
    /// The site layout, to tell application roots.
    pub sites: &'r Sites,
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Which lock list of `element`, if any, locks `attribute` for lower files.
fn attribute_lock(element: &Element, attribute: &str) -> Option<&'static str> {
    let named = |list: &str| {
        split_list(list)
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(attribute))
    };
    if element.value("lockAttributes").is_some_and(named) {
        Some("lockAttributes")
    } else if element
        .value("lockAllAttributesExcept")
        .is_some_and(|except| !named(except))
    {
        Some("lockAllAttributesExcept")
    } else {
        None
    }
}

impl<'a> Resolver<'_, 'a> {
    fn problem(&self, contribution: usize, line: u32, message: String) -> Diagnostic {
        let file = self.contributions[contribution].file;
        Diagnostic::line(file, line, message)
    }

    /// Resolves the query, or says why IIS itself would refuse this configuration.
    pub fn resolve(&self) -> Result<Outcome, Diagnostic> {
        self.check_section()?;
        let roots: Nodes<'a> = self
            .contributions
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.element))
            .collect();
        self.walk(vec![roots], Vec::new(), self.section.to_string(), 0)
    }

    /// Encrypted sections and section locks.
    fn check_section(&self) -> Result<(), Diagnostic> {
        for (index, contribution) in self.contributions.iter().enumerate() {
            if let Some(provider) = contribution.element.value("configProtectionProvider") {
                return Err(self.problem(
                    index,
                    contribution.element.line,
                    format!(
                        "section {} is encrypted with provider {provider} (present, encrypted); its settings cannot be read without decrypting, which confaudit never does",
                        self.section
                    ),
                ));
            }
            if contribution.file_depth == 0 {
                continue;
            }
            self.check_definition(index, contribution)?;
            let override_mode_default = self
                .declaration
                .and_then(|d| d.override_mode_default.as_deref());
            let mut allowed =
                !override_mode_default.is_some_and(|m| m.trim().eq_ignore_ascii_case("Deny"));
            let mut why = match override_mode_default {
                Some(mode) => format!("overrideModeDefault=\"{mode}\""),
                None => "the default".to_string(),
            };
            for earlier in &self.contributions[..index] {
                if earlier.file_depth < contribution.file_depth
                    && let Some(mode) = earlier.override_mode
                {
                    allowed = mode;
                    why = format!("{} in {}", earlier.label, earlier.file.display());
                }
            }
            if !allowed {
                return Err(self.problem(
                    index,
                    contribution.element.line,
                    format!(
                        "section {} is locked at this path ({why}); IIS rejects this file's setting of it (HTTP 500.19)",
                        self.section
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `allowDefinition`: a `web.config` may not set an `AppHostOnly`/`MachineOnly`
    /// section, nor a `MachineToApplication` one below an application root.
    fn check_definition(
        &self,
        index: usize,
        contribution: &Contribution<'_>,
    ) -> Result<(), Diagnostic> {
        let Some(definition) = self.declaration.and_then(|d| d.allow_definition.as_deref()) else {
            return Ok(());
        };
        let definition = definition.trim();
        let target = segments(&self.query.path);
        let at = &target[..contribution.level.min(target.len())];
        let refused = if definition.eq_ignore_ascii_case("AppHostOnly")
            || definition.eq_ignore_ascii_case("MachineOnly")
        {
            Some("only applicationHost.config may set it")
        } else if definition.eq_ignore_ascii_case("MachineToApplication")
            && !self.sites.is_application_root(at)
        {
            Some("it may be set no deeper than an application root")
        } else {
            None
        };
        match refused {
            Some(reason) => Err(self.problem(
                index,
                contribution.element.line,
                format!(
                    "section {} has allowDefinition=\"{definition}\": {reason}, not at \"{}\"; IIS rejects this configuration (HTTP 500.19)",
                    self.section,
                    at.join("/")
                ),
            )),
            None => Ok(()),
        }
    }

    fn unique_key(&self, step: &Step, parent_path: &str) -> Vec<String> {
        if !step.unique_key.is_empty() {
            return step.unique_key.clone();
        }
        if let Some(known) = schema::known_unique_key(parent_path, &step.name) {
            return known.iter().map(|k| k.to_string()).collect();
        }
        match &step.selector {
            Some(selector) => selector.iter().map(|(k, _)| k.clone()).collect(),
            None => vec!["name".to_string()],
        }
    }

    /// Applies `<add>`/`<remove>`/`<clear/>` under the parent nodes, in order.
    fn collection(
        &self,
        parents: &Nodes<'a>,
        item: &str,
        key_attributes: &[String],
    ) -> Result<LiveCollection<'a>, Diagnostic> {
        let key_of = |element: &Element| -> Option<Vec<String>> {
            let values: Vec<Option<&str>> = key_attributes
                .iter()
                .map(|k| element.value(k).or(schema::key_default(k)))
                .collect();
            values
                .iter()
                .any(Option::is_some)
                .then(|| values.iter().map(|v| fold(v.unwrap_or_default())).collect())
        };
        let mut live: Vec<LiveItem<'a>> = Vec::new();
        let mut last = None;
        for (contribution, parent) in parents {
            let depth = self.contributions[*contribution].file_depth;
            for child in &parent.children {
                if child.name == item {
                    let key = key_of(child);
                    if let Some(existing) = key
                        .as_ref()
                        .and_then(|k| live.iter().find(|l| l.key.as_ref() == Some(k)))
                    {
                        return Err(self.problem(
                            *contribution,
                            child.line,
                            format!(
                                "duplicate collection entry <{item}> with unique key {} (first added at line {}); IIS rejects this configuration (HTTP 500.19)",
                                key_text(child, key_attributes),
                                existing.element.line
                            ),
                        ));
                    }
                    live.push(LiveItem {
                        contribution: *contribution,
                        element: child,
                        key,
                    });
                } else if child.name == "remove" || child.name == "clear" {
                    let key = key_of(child);
                    let affected = |l: &&LiveItem<'_>| child.name == "clear" || l.key == key;
                    if let Some(locked) = live.iter().filter(affected).find(|l| {
                        l.element
                            .value("lockItem")
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                            && self.contributions[l.contribution].file_depth < depth
                    }) {
                        return Err(self.problem(
                            *contribution,
                            child.line,
                            format!(
                                "<{}> touches item {} locked with lockItem=\"true\" at line {}; IIS rejects this configuration (HTTP 500.19)",
                                child.name,
                                key_text(locked.element, key_attributes),
                                locked.element.line
                            ),
                        ));
                    }
                    if child.name == "clear" {
                        live.clear();
                    } else if key.is_some() {
                        live.retain(|l| l.key != key);
                    }
                } else {
                    continue;
                }
                last = Some((*contribution, child.line));
            }
        }
        Ok(LiveCollection { items: live, last })
    }

    fn walk(
        &self,
        context: Vec<Nodes<'a>>,
        fallbacks: Vec<Nodes<'a>>,
        parent_path: String,
        index: usize,
    ) -> Result<Outcome, Diagnostic> {
        let steps = &self.query.steps;
        let last = context.last().cloned().unwrap_or_default();
        let walk_end = match self.query.target {
            Target::Keys => steps.len().saturating_sub(1),
            Target::Attribute(_) => steps.len(),
        };
        if index >= walk_end {
            return match &self.query.target {
                Target::Attribute(attribute) => {
                    Ok(Outcome::One(self.attribute(&last, &fallbacks, attribute)?))
                }
                Target::Keys => {
                    let Some(step) = steps.last() else {
                        return Ok(Outcome::One(None));
                    };
                    let keys = self.unique_key(step, &parent_path);
                    let collection = self.collection(&last, &step.name, &keys)?;
                    Ok(Outcome::One(collection.last.map(|(contribution, line)| {
                        Item {
                            value: Value::List(
                                collection
                                    .items
                                    .iter()
                                    .map(|l| key_text(l.element, &keys))
                                    .collect(),
                            ),
                            provenance: self.provenance(contribution, line, None),
                        }
                    })))
                }
            };
        }
        let step = &steps[index];
        let child_path = format!("{parent_path}/{}", step.name);
        let Some(selector) = &step.selector else {
            let next = |nodes: &Nodes<'a>| -> Nodes<'a> {
                nodes
                    .iter()
                    .flat_map(|(c, e)| e.children_named(&step.name).map(move |child| (*c, child)))
                    .collect()
            };
            let mut context = context.clone();
            context.push(next(&last));
            let fallbacks = fallbacks.iter().map(next).collect();
            return self.walk(context, fallbacks, child_path, index + 1);
        };
        let keys = self.unique_key(step, &parent_path);
        let collection = self.collection(&last, &step.name, &keys)?;
        let matched: Vec<&LiveItem<'a>> = collection
            .items
            .iter()
            .filter(|l| {
                selector.iter().all(|(attribute, wanted)| {
                    l.element
                        .value(attribute)
                        .or(schema::key_default(attribute))
                        .is_some_and(|v| fold(v) == fold(wanted))
                })
            })
            .collect();
        let defaults = schema::defaults_for(&parent_path, &step.name);
        let mut results = Vec::new();
        for item in &matched {
            let fallbacks: Vec<Nodes<'a>> = defaults
                .iter()
                .filter_map(|(up, name)| {
                    let depth = context.len().checked_sub(1 + up)?;
                    Some(
                        context[depth]
                            .iter()
                            .flat_map(|(c, e)| e.children_named(name).map(move |d| (*c, d)))
                            .collect(),
                    )
                })
                .collect();
            let mut context = context.clone();
            context.push(vec![(item.contribution, item.element)]);
            let outcome = self.walk(context, fallbacks, child_path.clone(), index + 1)?;
            results.push((key_text(item.element, &keys), outcome));
        }
        match results.len() {
            0 => Ok(Outcome::One(None)),
            1 => Ok(results.pop().map_or(Outcome::One(None), |(_, o)| o)),
            _ => {
                let mut many = Vec::new();
                for (label, outcome) in results {
                    match outcome {
                        Outcome::One(item) => many.push((label, item)),
                        Outcome::Many(inner) => many.extend(
                            inner
                                .into_iter()
                                .map(|(l, item)| (format!("{label} / {l}"), item)),
                        ),
                    }
                }
                Ok(Outcome::Many(many))
            }
        }
    }

    /// The last contribution that sets `attribute` on the nodes, else the first defaults
    /// element that does.
    fn attribute(
        &self,
        nodes: &Nodes<'a>,
        fallbacks: &[Nodes<'a>],
        attribute: &str,
    ) -> Result<Option<Item>, Diagnostic> {
        let mut winner: Option<(usize, &Attr)> = None;
        let mut lock: Option<(usize, &Element, &'static str)> = None;
        for (contribution, element) in nodes {
            let depth = self.contributions[*contribution].file_depth;
            if let Some(attr) = element.attr(attribute) {
                if let Some((locked_by, locker, list)) = lock
                    && self.contributions[locked_by].file_depth < depth
                {
                    return Err(self.problem(
                            *contribution,
                            attr.line,
                            format!(
                                "attribute {attribute} is locked by {list} on <{}> at {}:{}; IIS rejects this configuration (HTTP 500.19)",
                                locker.name,
                                self.contributions[locked_by].file.display(),
                                locker.line
                            ),
                        ));
                }
                winner = Some((*contribution, attr));
            }
            if lock.is_none() {
                lock =
                    attribute_lock(element, attribute).map(|list| (*contribution, *element, list));
            }
        }
        if let Some((contribution, attr)) = winner {
            return Ok(Some(self.item(contribution, attr, None)));
        }
        for defaults in fallbacks {
            let found = defaults
                .iter()
                .rev()
                .find_map(|(c, e)| e.attr(attribute).map(|a| (*c, a, e.name.as_str())));
            if let Some((contribution, attr, via)) = found {
                return Ok(Some(self.item(contribution, attr, Some(via))));
            }
        }
        Ok(None)
    }

    fn provenance(&self, contribution: usize, line: u32, via: Option<&str>) -> Provenance {
        let c = &self.contributions[contribution];
        let mut location = format!("{} {}", c.label, self.section);
        if let Some(via) = via {
            location.push_str(&format!(" (unset on the item; from <{via}>)"));
        }
        Provenance {
            file: c.file.to_path_buf(),
            line,
            location,
        }
    }

    fn item(&self, contribution: usize, attr: &Attr, via: Option<&str>) -> Item {
        Item {
            value: attribute_value(&attr.name, &attr.value),
            provenance: self.provenance(contribution, attr.line, via),
        }
    }
}

/// How an item's key reads in lists and instance labels: the value for one key attribute,
/// `attribute=value,...` for a composite key.
fn key_text(element: &Element, key_attributes: &[String]) -> String {
    match key_attributes {
        [one] => element
            .value(one)
            .or(schema::key_default(one))
            .unwrap_or_default()
            .to_string(),
        many => many
            .iter()
            .filter_map(|k| {
                element
                    .value(k)
                    .or(schema::key_default(k))
                    .map(|v| format!("{k}={v}"))
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// `type = "iis"`: IIS 7+ `applicationHost.config` / `web.config`.
pub struct IisCollector;

impl IisCollector {
    fn query_from_source(source: &toml::Table) -> Result<Query, String> {
        only_fields(
            source,
            &[
                "file",
                "location",
                "section",
                "element",
                "collection",
                "key",
                "unique_key",
                "attribute",
            ],
        )?;
        let attribute = required(source, "attribute")?.trim();
        let path = query::normalize_path(field(source, "location")?.unwrap_or_default());
        let target = if attribute == KEYS {
            Target::Keys
        } else if query::is_xml_name(attribute) {
            Target::Attribute(attribute.to_string())
        } else {
            return Err(format!(
                "`attribute = \"{attribute}\"` is not an attribute name (or `{KEYS}`)"
            ));
        };
        let element = field(source, "element")?;
        let collection = field(source, "collection")?;
        let key = field(source, "key")?;
        let unique_key = field(source, "unique_key")?;
        let Some(section) = field(source, "section")? else {
            if element.is_some() || collection.is_some() || key.is_some() || unique_key.is_some() {
                return Err(
                    "`element`, `collection`, `key` and `unique_key` need a `section`".into(),
                );
            }
            if target == Target::Keys {
                return Err(format!("`{KEYS}` needs a `section` and a `collection`"));
            }
            return Ok(Query {
                path,
                section: None,
                steps: Vec::new(),
                target,
            });
        };
        let section = section.trim().trim_matches('/');
        query::validate_section(section)?;
        let mut steps = match element {
            Some(e) if !e.trim().is_empty() => query::parse_steps(e.trim().trim_matches('/'))?,
            _ => Vec::new(),
        };
        let unique_key = unique_key.map(query::parse_key_names).transpose()?;
        match collection {
            Some(item) => {
                let item = item.trim();
                if !query::is_xml_name(item) {
                    return Err(format!(
                        "`collection = \"{item}\"` must be the item element name (`add`, `mimeMap`, ...)"
                    ));
                }
                let selector = key.map(|k| query::parse_selector(k, false)).transpose()?;
                match (&selector, &target) {
                    (None, Target::Attribute(_)) => {
                        return Err(format!(
                            "`collection` needs a `key` (`name=value`) to pick an item, or `attribute = \"{KEYS}\"`"
                        ));
                    }
                    (Some(_), Target::Keys) => {
                        return Err(format!("`{KEYS}` lists the whole collection: drop `key`"));
                    }
                    _ => {}
                }
                steps.push(Step {
                    name: item.to_string(),
                    unique_key: unique_key.unwrap_or_default(),
                    selector,
                });
            }
            None => {
                if key.is_some() {
                    return Err("`key` needs `collection` (the item element, e.g. `add`)".into());
                }
                if target == Target::Keys {
                    return Err(format!(
                        "`{KEYS}` needs `collection` (the item element, e.g. `add`)"
                    ));
                }
                if let Some(unique_key) = unique_key {
                    let step = steps
                        .iter_mut()
                        .rev()
                        .find(|s| s.selector.is_some())
                        .ok_or(
                            "`unique_key` needs `collection` or an `element` step with `[...]`",
                        )?;
                    step.unique_key = unique_key;
                }
            }
        }
        Ok(Query {
            path,
            section: Some(section.to_string()),
            steps,
            target,
        })
    }
}

/// Finds exported `web.config` files by lower-cased, `/`-separated relative path.
fn web_config_index(host: &HostFiles<'_>) -> HashMap<String, PathBuf> {
    host.files
        .iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("web.config"))
        })
        .map(|f| {
            (
                f.to_string_lossy().replace('\\', "/").to_lowercase(),
                f.clone(),
            )
        })
        .collect()
}

/// The `web.config` files tied to each level of `target` (1 = the site), per the rule in
/// [`super::sites`].
fn tied_web_configs(
    sites: &Sites,
    index: &HashMap<String, PathBuf>,
    target: &str,
) -> Vec<(usize, PathBuf)> {
    let segs = segments(target);
    let mut tied = Vec::new();
    for level in 1..=segs.len() {
        let Some(physical) = sites.physical_dir(&segs[..level]) else {
            continue;
        };
        for folder in export_folders(&physical) {
            let key = if folder.is_empty() {
                "web.config".to_string()
            } else {
                format!("{}/web.config", folder.to_lowercase())
            };
            if let Some(file) = index.get(&key) {
                tied.push((level, file.clone()));
                break;
            }
        }
    }
    tied
}

/// A file read for a group of addresses: the configuration, or the diagnostic that stops it.
type Loaded = Result<ConfigFile, Diagnostic>;

fn load_file(host: &HostFiles<'_>, file: &Path, sections: &BTreeSet<String>) -> Loaded {
    let text = read_text(host.root, file)?;
    load(&text, &Wanted::Sections(sections))
        .map_err(|e| Diagnostic::line(file, e.line, e.to_string()))
}

/// A main file read for a group of addresses, with what it ties to.
struct Context<'c> {
    main_path: &'c Path,
    main: &'c ConfigFile,
    is_apphost: bool,
    sites: &'c Sites,
    web_configs: &'c HashMap<PathBuf, Loaded>,
    index: &'c HashMap<String, PathBuf>,
}

impl Context<'_> {
    /// Resolves one address against the main file and its tied `web.config` files.
    fn resolve(&self, query: &Query) -> Result<Outcome, Diagnostic> {
        let Some(section) = &query.section else {
            return Ok(Outcome::One(location_attribute(
                query,
                self.main_path,
                self.main,
            )));
        };
        let declared = &self.main.sections;
        if !declared.is_empty()
            && !declared.iter().any(|s| &s.path == section)
            && let Some(other) = declared
                .iter()
                .find(|s| s.path.eq_ignore_ascii_case(section))
        {
            return Err(Diagnostic::line(
                self.main_path,
                other.line,
                format!(
                    "section `{section}` is not declared in <configSections>; `{}` is (section and element names are case-sensitive)",
                    other.path
                ),
            ));
        }
        let mut contributions = Vec::new();
        let main = Source {
            config: self.main,
            path: self.main_path,
            depth: 0,
            base: Vec::new(),
        };
        main.contributions(section, &query.path, self.sites, &mut contributions);
        if self.is_apphost {
            let target_segs = segments(&query.path);
            for (level, file) in tied_web_configs(self.sites, self.index, &query.path) {
                match self.web_configs.get_key_value(&file) {
                    Some((stored, Ok(config))) => Source {
                        config,
                        path: stored,
                        depth: level,
                        base: target_segs[..level].iter().map(|s| s.to_string()).collect(),
                    }
                    .contributions(
                        section,
                        &query.path,
                        self.sites,
                        &mut contributions,
                    ),
                    Some((_, Err(diagnostic))) => return Err(diagnostic.clone()),
                    None => {}
                }
            }
        }
        contributions.sort_by_key(|c| (c.level, c.file_depth, c.order));
        Resolver {
            contributions: &contributions,
            section,
            query,
            declaration: declared.iter().find(|s| &s.path == section),
            sites: self.sites,
        }
        .resolve()
    }
}

/// A `<location>` tag's own attribute, from the last tag with exactly this path.
fn location_attribute(query: &Query, file: &Path, config: &ConfigFile) -> Option<Item> {
    let Target::Attribute(attribute) = &query.target else {
        return None;
    };
    let target = query.folded_segments();
    let tag = config.locations.iter().rev().find(|t| {
        segments(&t.path)
            .iter()
            .map(|s| s.to_lowercase())
            .eq(target.iter().cloned())
    })?;
    let attr = tag.attrs.iter().find(|a| &a.name == attribute)?;
    Some(Item {
        value: Value::String(attr.value.clone()),
        provenance: Provenance {
            file: file.to_path_buf(),
            line: attr.line,
            location: format!("<location path=\"{}\">", tag.raw_path),
        },
    })
}

impl Collector for IisCollector {
    fn name(&self) -> &'static str {
        "iis"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        let query = Self::query_from_source(source)?;
        Ok(Address {
            collector: self.name().into(),
            file: field(source, "file")?
                .map(|f| f.trim().replace('\\', "/"))
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| DEFAULT_FILE.to_string()),
            location: query::encode(&query),
            name: query.attribute_text(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.eq_ignore_ascii_case("applicationHost.config") || n.eq_ignore_ascii_case("web.config")
        })
    }

    fn collect(&self, host: &HostFiles<'_>, wanted: &[&Address]) -> Collected {
        let mut collected = Collected::default();
        let mut by_file: BTreeMap<&str, Vec<(&Address, Query)>> = BTreeMap::new();
        for address in wanted {
            match query::decode(&address.location, &address.name) {
                Ok(query) => by_file
                    .entry(&address.file)
                    .or_default()
                    .push((address, query)),
                Err(message) => collected.diagnostics.push(
                    Diagnostic::file(&address.file, format!("unreadable iis address: {message}"))
                        .at(address.location.clone(), Some(address.name.clone())),
                ),
            }
        }
        let index = web_config_index(host);
        for (pattern, group) in by_file {
            let main_path = match pick_file(host, pattern, STANDARD_PLACE) {
                Pick::Found(file) => file,
                Pick::Missing => continue,
                Pick::Ambiguous(files) => {
                    for (address, _) in &group {
                        collected.diagnostics.push(ambiguous(address, &files));
                    }
                    continue;
                }
            };
            collected.files_read.push(main_path.clone());
            let mut sections: BTreeSet<String> = group
                .iter()
                .filter_map(|(_, q)| q.section.clone())
                .collect();
            let is_apphost = main_path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(DEFAULT_FILE));
            if is_apphost {
                sections.insert(SITES_SECTION.to_string());
            }
            let main = match load_file(host, &main_path, &sections) {
                Ok(main) => main,
                Err(diagnostic) => {
                    for (address, _) in &group {
                        collected.diagnostics.push(
                            diagnostic
                                .clone()
                                .at(address.location.clone(), Some(address.name.clone())),
                        );
                    }
                    continue;
                }
            };
            let sites = Sites::from_sections(
                main.occurrences
                    .iter()
                    .filter(|o| {
                        o.section == SITES_SECTION
                            && o.location.is_none_or(|i| main.locations[i].path.is_empty())
                    })
                    .map(|o| &o.element),
            );
            let mut web_configs: HashMap<PathBuf, Loaded> = HashMap::new();
            if is_apphost {
                for (_, query) in &group {
                    for (_, file) in tied_web_configs(&sites, &index, &query.path) {
                        if let Entry::Vacant(slot) = web_configs.entry(file) {
                            collected.files_read.push(slot.key().clone());
                            let loaded = load_file(host, slot.key(), &sections);
                            slot.insert(loaded);
                        }
                    }
                }
            }
            let context = Context {
                main_path: &main_path,
                main: &main,
                is_apphost,
                sites: &sites,
                web_configs: &web_configs,
                index: &index,
            };
            for (address, query) in group {
                match context.resolve(&query) {
                    Ok(Outcome::One(Some(item))) => {
                        collected.items.insert(address.clone(), item);
                    }
                    Ok(Outcome::One(None)) => {}
                    Ok(Outcome::Many(items)) => {
                        collected.instances.insert(address.clone(), items);
                    }
                    Err(diagnostic) => collected
                        .diagnostics
                        .push(diagnostic.at(address.location.clone(), Some(address.name.clone()))),
                }
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
        let config = match load(&text, &Wanted::All) {
            Ok(config) => config,
            Err(e) => {
                return Listing {
                    items: Vec::new(),
                    diagnostics: vec![Diagnostic::line(relative_path, e.line, e.to_string())],
                };
            }
        };
        let mut lister = Lister {
            file: relative_path,
            items: Vec::new(),
        };
        for tag in &config.locations {
            for attr in &tag.attrs {
                let query = Query {
                    path: tag.path.clone(),
                    section: None,
                    steps: Vec::new(),
                    target: Target::Attribute(attr.name.clone()),
                };
                lister.push(
                    &query,
                    Value::String(attr.value.clone()),
                    attr.line,
                    &tag.raw_path,
                );
            }
        }
        for occurrence in &config.occurrences {
            let (path, label) = match occurrence.location {
                Some(i) => (
                    config.locations[i].path.clone(),
                    config.locations[i].raw_path.clone(),
                ),
                None => (String::new(), String::new()),
            };
            let base = Query {
                path,
                section: Some(occurrence.section.clone()),
                steps: Vec::new(),
                target: Target::Attribute(String::new()),
            };
            lister.element(&base, &occurrence.section, &occurrence.element, &label);
        }
        Listing {
            items: lister.items,
            diagnostics: Vec::new(),
        }
    }
}

/// Lists every attribute of a file as written (not merged): collection items get a
/// selector of their key attributes; `<remove>` and `<clear/>` are listed as `*op` rows,
/// which are operations rather than settings.
struct Lister<'f> {
    file: &'f Path,
    items: Vec<ListedItem>,
}

impl Lister<'_> {
    fn push(&mut self, query: &Query, value: Value, line: u32, location_label: &str) {
        let location = query::encode(query);
        self.items.push(ListedItem {
            address: Address {
                collector: "iis".into(),
                file: self.file.to_string_lossy().replace('\\', "/"),
                location: location.clone(),
                name: query.attribute_text(),
            },
            item: Item {
                value,
                provenance: Provenance {
                    file: self.file.to_path_buf(),
                    line,
                    location: if location_label.is_empty() {
                        location
                    } else {
                        format!("<location path=\"{location_label}\"> {location}")
                    },
                },
            },
        });
    }

    fn element(&mut self, base: &Query, parent_path: &str, element: &Element, label: &str) {
        for attr in &element.attrs {
            let query = Query {
                target: Target::Attribute(attr.name.clone()),
                ..base.clone()
            };
            self.push(
                &query,
                attribute_value(&attr.name, &attr.value),
                attr.line,
                label,
            );
        }
        let has_ops = element
            .children
            .iter()
            .any(|c| c.name == "remove" || c.name == "clear");
        for child in &element.children {
            let siblings = element.children_named(&child.name).count();
            let is_op = child.name == "remove" || child.name == "clear";
            let is_item = is_op
                || child.name == "add"
                || siblings > 1
                || has_ops
                || schema::known_unique_key(parent_path, &child.name).is_some();
            let mut step = Step::plain(&child.name);
            if is_item {
                let keys: Vec<&str> = schema::known_unique_key(parent_path, &child.name)
                    .map(|k| k.to_vec())
                    .unwrap_or_else(|| vec!["name"]);
                let mut selector: Vec<(String, String)> = keys
                    .iter()
                    .filter_map(|k| child.value(k).map(|v| (k.to_string(), v.to_string())))
                    .collect();
                if selector.is_empty() {
                    selector = child
                        .attrs
                        .iter()
                        .map(|a| (a.name.clone(), a.value.clone()))
                        .collect();
                }
                if !selector.is_empty() {
                    step.selector = Some(selector);
                }
            }
            let mut query = base.clone();
            query.steps.push(step);
            if is_op {
                query.target = Target::Attribute("*op".into());
                self.push(&query, Value::String(child.name.clone()), child.line, label);
                continue;
            }
            self.element(
                &query,
                &format!("{parent_path}/{}", child.name),
                child,
                label,
            );
        }
    }
}

#[cfg(test)]
mod tests;
