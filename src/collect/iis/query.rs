//! What an `iis` setting asks for, and its one-line canonical form.
//!
//! A setting's `source` table names a configuration path (`location`), a section, an
//! element path below the section (whose steps may select collection items), and an
//! attribute. The collector only ever sees the [`Address`](crate::collect::Address), so the
//! query is written into `Address::location` in a canonical form that reads well in
//! reports and parses back exactly:
//!
//! ```text
//! [Default Web Site/owa] system.webServer/security/access
//! [] system.applicationHost/applicationPools#add[name=MSExchangeOWAAppPool]/processModel
//! [Default Web Site] system.webServer/httpErrors#error(statusCode,subStatusCode)[statusCode=404]
//! [Default Web Site/owa]
//! ```
//!
//! `[path]` is the configuration path (empty = global), then the section, then after `#`
//! the element steps: `name`, optionally `(key,attributes)` overriding the collection's
//! unique key, optionally `[attribute=value,...]` selecting collection items. Inside
//! `[...]` a `\` escapes `]`, `,` and `\`. A bare `[path]` reads the `<location>` tag's
//! own attributes. `Address::name` holds the attribute, or `*keys` for the list of a
//! collection's item keys.

/// The attribute name that asks for a whole collection's keys.
pub const KEYS: &str = "*keys";

/// One step below a section.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step {
    pub name: String,
    /// The attributes that make an item of this collection unique, when the address says
    /// so explicitly; empty means the built-in heuristics decide.
    pub unique_key: Vec<String>,
    /// `Some` when the step selects collection items by attribute values.
    pub selector: Option<Vec<(String, String)>>,
}

impl Step {
    pub fn plain(name: &str) -> Self {
        Self {
            name: name.to_string(),
            unique_key: Vec::new(),
            selector: None,
        }
    }
}

/// What is read at the end of the steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Attribute(String),
    /// The keys of the collection whose item element is the last step.
    Keys,
}

/// A parsed `iis` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Normalised configuration path, `/`-separated, empty for global.
    pub path: String,
    /// `None` reads the attributes of the `<location>` tag for `path` itself.
    pub section: Option<String>,
    pub steps: Vec<Step>,
    pub target: Target,
}

impl Query {
    /// The path's segments, case-folded for comparison.
    pub fn folded_segments(&self) -> Vec<String> {
        segments(&self.path)
            .iter()
            .map(|s| s.to_lowercase())
            .collect()
    }

    pub fn attribute_text(&self) -> String {
        match &self.target {
            Target::Attribute(a) => a.clone(),
            Target::Keys => KEYS.to_string(),
        }
    }
}

/// Normalises a configuration path the way IIS compares them: `\` and `/` both separate,
/// empty and `.` segments drop out (so `""`, `"."` and `"/"` are global), spaces inside a
/// segment are kept and spaces around it trimmed. Case is kept for display; compare with
/// [`is_path_prefix`].
pub fn normalize_path(raw: &str) -> String {
    raw.trim()
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The segments of a normalised path.
pub fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether `prefix` is a segment-wise, case-insensitive prefix of `path` (both normalised).
pub fn is_path_prefix(prefix: &str, path: &str) -> bool {
    let (p, t) = (segments(prefix), segments(path));
    p.len() <= t.len()
        && p.iter()
            .zip(&t)
            .all(|(a, b)| a.to_lowercase() == b.to_lowercase())
}

/// Whether `name` can be an XML element or attribute name as IIS writes them.
pub fn is_xml_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '/' | '[' | ']' | '(' | ')' | ',' | '=' | '#' | '\\' | '*'
                )
        })
}

fn escape(text: &str, specials: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || specials.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Writes the canonical location text of a query.
pub fn encode(query: &Query) -> String {
    let mut out = format!("[{}]", escape(&query.path, &[']']));
    if let Some(section) = &query.section {
        out.push(' ');
        out.push_str(section);
        if !query.steps.is_empty() {
            out.push('#');
            let steps: Vec<String> = query.steps.iter().map(encode_step).collect();
            out.push_str(&steps.join("/"));
        }
    }
    out
}

fn encode_step(step: &Step) -> String {
    let mut out = step.name.clone();
    if !step.unique_key.is_empty() {
        out.push('(');
        out.push_str(&step.unique_key.join(","));
        out.push(')');
    }
    if let Some(selector) = &step.selector {
        let pairs: Vec<String> = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", escape(v, &[']', ','])))
            .collect();
        out.push('[');
        out.push_str(&pairs.join(","));
        out.push(']');
    }
    out
}

/// Parses the canonical location text and attribute name back into a query.
pub fn decode(location: &str, name: &str) -> Result<Query, String> {
    let rest = location
        .strip_prefix('[')
        .ok_or_else(|| format!("`{location}` does not start with `[path]`"))?;
    let (path, rest) = take_until_unescaped(rest, ']')
        .ok_or_else(|| format!("`{location}`: the path has no closing `]`"))?;
    let path = normalize_path(&path);
    let target = if name == KEYS {
        Target::Keys
    } else {
        Target::Attribute(name.to_string())
    };
    if rest.is_empty() {
        return Ok(Query {
            path,
            section: None,
            steps: Vec::new(),
            target,
        });
    }
    let rest = rest
        .strip_prefix(' ')
        .ok_or_else(|| format!("`{location}`: expected a space after `[path]`"))?;
    let (section, steps) = match rest.split_once('#') {
        Some((section, steps)) => (section, parse_steps(steps)?),
        None => (rest, Vec::new()),
    };
    validate_section(section)?;
    Ok(Query {
        path,
        section: Some(section.to_string()),
        steps,
        target,
    })
}

/// Splits at the first `stop` not escaped by `\`, unescaping the head.
fn take_until_unescaped(text: &str, stop: char) -> Option<(String, &str)> {
    let mut head = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => head.push(chars.next()?.1),
            c if c == stop => return Some((head, &text[i + c.len_utf8()..])),
            c => head.push(c),
        }
    }
    None
}

pub fn validate_section(section: &str) -> Result<(), String> {
    if section.split('/').all(is_xml_name) {
        Ok(())
    } else {
        Err(format!(
            "section `{section}` must be `/`-separated element names, e.g. `system.webServer/security/access`"
        ))
    }
}

/// Parses element steps: `a/b[key=value]/c(k1,k2)[k1=x,k2=y]`. `/` inside `[...]` belongs
/// to the value; `\` escapes `]`, `,` and `\` there.
pub fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let name_end = rest.find(['/', '(', '[']).unwrap_or(rest.len());
        let name = rest[..name_end].trim();
        if !is_xml_name(name) {
            return Err(format!(
                "`{text}`: `{name}` is not an element name (steps are `name`, `name[attribute=value]`)"
            ));
        }
        let mut step = Step::plain(name);
        rest = &rest[name_end..];
        if let Some(after) = rest.strip_prefix('(') {
            let end = after
                .find(')')
                .ok_or_else(|| format!("`{text}`: `(` without `)`"))?;
            step.unique_key = parse_key_names(&after[..end])?;
            rest = &after[end + 1..];
        }
        if let Some(after) = rest.strip_prefix('[') {
            let (inner, tail) = take_until_unescaped_raw(after)
                .ok_or_else(|| format!("`{text}`: `[` without `]`"))?;
            step.selector = Some(parse_selector(inner, true)?);
            rest = tail;
        }
        steps.push(step);
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('/') {
            rest = after.trim_start();
            if rest.is_empty() {
                return Err(format!("`{text}` ends with `/`"));
            }
        } else if !rest.is_empty() {
            return Err(format!("`{text}`: expected `/` before `{rest}`"));
        }
    }
    Ok(steps)
}

/// Like `take_until_unescaped` for `]`, but keeps escapes so the selector parser can split
/// on unescaped commas.
fn take_until_unescaped_raw(text: &str) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ']' => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    None
}

/// `k1,k2` → attribute names.
pub fn parse_key_names(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
    if names.iter().all(|n| is_xml_name(n)) {
        Ok(names)
    } else {
        Err(format!(
            "`{text}` must be attribute names separated by commas"
        ))
    }
}

/// `name=value,other=value` → pairs. `\` escapes `,`, `]` and `\`. When `strict` is false
/// (the `key` field, written by people), a comma-separated piece without `=` belongs to the
/// previous value, so `verb=GET,HEAD` is one pair.
pub fn parse_selector(text: &str, strict: bool) -> Result<Vec<(String, String)>, String> {
    // Each piece is a list of (character, was escaped), split on unescaped commas, so an
    // escaped `=` or `,` never splits anything.
    let mut pieces: Vec<Vec<(char, bool)>> = vec![Vec::new()];
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            if let Some(piece) = pieces.last_mut() {
                piece.push((c, true));
            }
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            pieces.push(Vec::new());
        } else if let Some(piece) = pieces.last_mut() {
            piece.push((c, false));
        }
    }
    if escaped {
        return Err(format!("`{text}` ends with a lone `\\`"));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in &pieces {
        let whole: String = piece.iter().map(|(c, _)| *c).collect();
        match piece.iter().position(|(c, escaped)| *c == '=' && !escaped) {
            Some(at) => {
                let name: String = piece[..at].iter().map(|(c, _)| *c).collect();
                let value: String = piece[at + 1..].iter().map(|(c, _)| *c).collect();
                let name = name.trim();
                if !is_xml_name(name) {
                    return Err(format!("`{text}`: `{name}` is not an attribute name"));
                }
                pairs.push((name.to_string(), value.trim().to_string()));
            }
            None => match pairs.last_mut() {
                Some(last) if !strict => {
                    last.1.push(',');
                    last.1.push_str(whole.trim_end());
                }
                _ => return Err(format!("`{text}`: `{whole}` is not `attribute=value`")),
            },
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_normalise_like_iis_compares_them() {
        let cases = [
            ("", ""),
            (".", ""),
            ("/", ""),
            ("Default Web Site/owa", "Default Web Site/owa"),
            ("  Default Web Site\\owa/ ", "Default Web Site/owa"),
            (
                "/Default Web Site//owa/./auth/",
                "Default Web Site/owa/auth",
            ),
        ];
        for (raw, normal) in cases {
            assert_eq!(normalize_path(raw), normal, "{raw:?}");
        }
        let prefixes = [
            ("", "Default Web Site/owa", true),
            ("default web site", "Default Web Site/owa", true),
            ("Default Web Site/owa", "Default Web Site/owa", true),
            ("Default Web Site/ow", "Default Web Site/owa", false),
            ("Default Web Site/owa", "Default Web Site/owa2", false),
            ("Default Web Site/owa/auth", "Default Web Site/owa", false),
        ];
        for (prefix, path, expected) in prefixes {
            assert_eq!(
                is_path_prefix(prefix, path),
                expected,
                "{prefix:?} {path:?}"
            );
        }
    }

    #[test]
    fn steps_parse_selectors_keys_and_slashes_in_values() {
        let steps =
            parse_steps("site[name=Default Web Site]/application[path=/owa]/virtualDirectory")
                .unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[1].selector,
            Some(vec![("path".into(), "/owa".into())])
        );
        let steps = parse_steps("error(statusCode,subStatusCode)[statusCode=404,subStatusCode=-1]")
            .unwrap();
        assert_eq!(steps[0].unique_key, vec!["statusCode", "subStatusCode"]);
        assert_eq!(steps[0].selector.as_ref().unwrap().len(), 2);
        let steps = parse_steps(r"add[name=a\]b\,c]").unwrap();
        assert_eq!(
            steps[0].selector,
            Some(vec![("name".into(), "a]b,c".into())])
        );
        for bad in ["a//b", "a/", "a[b", "a[=x]", "a(b", "a b/c[x=1]y", "[x=1]"] {
            assert!(parse_steps(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_field_keeps_commas_of_values_without_equals() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "name=MSExchangeOWAAppPool",
                &[("name", "MSExchangeOWAAppPool")],
            ),
            ("verb=GET,HEAD", &[("verb", "GET,HEAD")]),
            (
                "statusCode=404, subStatusCode=-1",
                &[("statusCode", "404"), ("subStatusCode", "-1")],
            ),
            (r"name=a\,b=c", &[("name", "a,b=c")]),
            (r"name=x\=y", &[("name", "x=y")]),
        ];
        for (text, expected) in cases {
            let pairs = parse_selector(text, false).unwrap();
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(pairs, expected, "{text}");
        }
        assert!(parse_selector("verb=GET,HEAD", true).is_err());
        assert!(parse_selector("novalue", false).is_err());
    }

    #[test]
    fn canonical_text_reads_well() {
        let query = Query {
            path: "Default Web Site/owa".into(),
            section: Some("system.webServer/security/access".into()),
            steps: Vec::new(),
            target: Target::Attribute("sslFlags".into()),
        };
        assert_eq!(
            encode(&query),
            "[Default Web Site/owa] system.webServer/security/access"
        );
        let query = Query {
            path: String::new(),
            section: Some("system.applicationHost/applicationPools".into()),
            steps: vec![
                Step {
                    name: "add".into(),
                    unique_key: Vec::new(),
                    selector: Some(vec![("name".into(), "MSExchangeOWAAppPool".into())]),
                },
                Step::plain("processModel"),
            ],
            target: Target::Attribute("identityType".into()),
        };
        assert_eq!(
            encode(&query),
            "[] system.applicationHost/applicationPools#add[name=MSExchangeOWAAppPool]/processModel"
        );
        assert_eq!(decode(&encode(&query), "identityType").unwrap(), query);
        assert!(decode("no brackets", "x").is_err());
        assert!(decode("[a", "x").is_err());
        assert!(decode("[a]x", "x").is_err());
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9._-]{0,8}"
    }

    fn step_strategy() -> impl Strategy<Value = Step> {
        (
            name_strategy(),
            proptest::collection::vec(name_strategy(), 0..3),
            proptest::option::of(proptest::collection::vec(
                (name_strategy(), "[ -~]{0,12}"),
                1..3,
            )),
        )
            .prop_map(|(name, unique_key, selector)| Step {
                name,
                unique_key,
                // Values are trimmed when parsed, as people write them.
                selector: selector.map(|pairs| {
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k, v.trim().to_string()))
                        .collect()
                }),
            })
    }

    proptest! {
        #[test]
        fn canonical_form_round_trips(
            path in "[ -~]{0,20}",
            section in proptest::option::of(proptest::collection::vec(name_strategy(), 1..4)),
            steps in proptest::collection::vec(step_strategy(), 0..4),
            attribute in name_strategy(),
        ) {
            let steps = if section.is_some() { steps } else { Vec::new() };
            let query = Query {
                path: normalize_path(&path),
                section: section.map(|s| s.join("/")),
                steps,
                target: Target::Attribute(attribute.clone()),
            };
            prop_assert_eq!(decode(&encode(&query), &attribute).unwrap(), query);
        }

        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let _ = parse_steps(&text);
            let _ = parse_selector(&text, false);
            let _ = decode(&text, "x");
        }
    }
}
