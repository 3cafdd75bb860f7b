//! What the IIS schema (`IIS_schema.xml`) says about common collections and attributes,
//! as far as an offline reader needs it: which attributes key a collection's items, which
//! `*Defaults` elements supply values a collection item leaves unset, which attributes are
//! flags, and which element paths are section groups. Exports do not carry the schema, so
//! these are facts from the IIS configuration reference, kept small and explicit.

/// Unique-key attributes by collection: (parent element path ending, item element name).
/// The parent path is the section path plus element names below it, so
/// `windowsAuthentication/providers` (keyed by `value`) and `configProtectedData/providers`
/// (keyed by `name`) stay apart. Collections not listed are keyed by `name`.
const UNIQUE_KEYS: &[(&str, &str, &[&str])] = &[
    ("system.webServer/defaultDocument/files", "add", &["value"]),
    (
        "system.webServer/security/authentication/windowsAuthentication/providers",
        "add",
        &["value"],
    ),
    (
        "system.webServer/staticContent",
        "mimeMap",
        &["fileExtension"],
    ),
    (
        "system.webServer/httpErrors",
        "error",
        &["statusCode", "subStatusCode"],
    ),
    (
        "system.webServer/httpCompression/dynamicTypes",
        "add",
        &["mimeType"],
    ),
    (
        "system.webServer/httpCompression/staticTypes",
        "add",
        &["mimeType"],
    ),
    (
        "system.webServer/security/requestFiltering/fileExtensions",
        "add",
        &["fileExtension"],
    ),
    (
        "system.webServer/security/requestFiltering/verbs",
        "add",
        &["verb"],
    ),
    (
        "system.webServer/security/requestFiltering/hiddenSegments",
        "add",
        &["segment"],
    ),
    (
        "system.webServer/security/requestFiltering/denyUrlSequences",
        "add",
        &["sequence"],
    ),
    (
        "system.webServer/security/requestFiltering/denyQueryStringSequences",
        "add",
        &["sequence"],
    ),
    (
        "system.webServer/security/requestFiltering/requestLimits/headerLimits",
        "add",
        &["header"],
    ),
    (
        "system.webServer/security/requestFiltering/alwaysAllowedUrls",
        "add",
        &["url"],
    ),
    (
        "system.webServer/security/requestFiltering/alwaysAllowedQueryStrings",
        "add",
        &["queryString"],
    ),
    (
        "system.webServer/security/ipSecurity",
        "add",
        &["ipAddress", "subnetMask", "domainName"],
    ),
    (
        "system.webServer/security/isapiCgiRestriction",
        "add",
        &["path"],
    ),
    (
        "system.webServer/security/authorization",
        "add",
        &["users", "roles", "verbs", "accessType"],
    ),
    (
        "system.webServer/security/authorization",
        "remove",
        &["users", "roles", "verbs", "accessType"],
    ),
    (
        "system.webServer/security/authentication/iisClientCertificateMappingAuthentication/oneToOneMappings",
        "add",
        &["certificate"],
    ),
    (
        "system.webServer/security/applicationDependencies/application",
        "add",
        &["groupId"],
    ),
    (
        "system.webServer/fastCgi",
        "application",
        &["fullPath", "arguments"],
    ),
    ("system.webServer/httpRedirect", "add", &["wildcard"]),
    (
        "system.webServer/tracing/traceFailedRequests",
        "add",
        &["path"],
    ),
    (
        "system.webServer/tracing/traceFailedRequests/add/traceAreas",
        "add",
        &["provider"],
    ),
    ("system.webServer/caching/profiles", "add", &["extension"]),
    (
        "system.webServer/webdav/authoringRules",
        "add",
        &["users", "roles", "path"],
    ),
    (
        "system.applicationHost/sites/site",
        "application",
        &["path"],
    ),
    (
        "system.applicationHost/sites/site/application",
        "virtualDirectory",
        &["path"],
    ),
    (
        "system.applicationHost/sites/site/bindings",
        "binding",
        &["protocol", "bindingInformation"],
    ),
    ("system.applicationHost/customMetadata", "key", &["path"]),
    (
        "system.applicationHost/customMetadata/key",
        "property",
        &["id"],
    ),
];

/// Key attributes by item element name alone, for collections met outside the paths above
/// (a `web.config` `<location>` or an unusual nesting).
const UNIQUE_KEYS_BY_ITEM: &[(&str, &[&str])] = &[
    ("mimeMap", &["fileExtension"]),
    ("error", &["statusCode", "subStatusCode"]),
    ("binding", &["protocol", "bindingInformation"]),
    ("virtualDirectory", &["path"]),
];

/// Values a key attribute has when an item leaves it out (schema defaults).
pub fn key_default(attribute: &str) -> Option<&'static str> {
    match attribute {
        "subStatusCode" => Some("-1"),
        _ => None,
    }
}

/// The built-in unique key of the collection at `parent_path` whose items are `item`
/// elements, if the schema facts above know it.
pub fn known_unique_key(parent_path: &str, item: &str) -> Option<&'static [&'static str]> {
    UNIQUE_KEYS
        .iter()
        .find(|(parent, name, _)| *name == item && path_ends_with(parent_path, parent))
        .map(|(_, _, keys)| *keys)
        .or_else(|| {
            UNIQUE_KEYS_BY_ITEM
                .iter()
                .find(|(name, _)| *name == item)
                .map(|(_, keys)| *keys)
        })
}

/// Whether `path` is `suffix` or ends with `/suffix` (a section inside a `<location>` or a
/// `web.config` has the same path as in applicationHost.config).
fn path_ends_with(path: &str, suffix: &str) -> bool {
    path == suffix || path.ends_with(&format!("/{suffix}"))
}

/// Where an item of a collection takes values it leaves unset: `(levels above the
/// collection's parent, element name)`, nearest first. `applicationPools/add` falls back
/// to `applicationPools/applicationPoolDefaults`; a site's application to the site's own
/// `applicationDefaults`, then to `sites/applicationDefaults`.
pub fn defaults_for(parent_path: &str, item: &str) -> &'static [(usize, &'static str)] {
    match (parent_path, item) {
        ("system.applicationHost/applicationPools", "add") => &[(0, "applicationPoolDefaults")],
        ("system.applicationHost/sites", "site") => &[(0, "siteDefaults")],
        ("system.applicationHost/sites/site", "application") => {
            &[(0, "applicationDefaults"), (1, "applicationDefaults")]
        }
        ("system.applicationHost/sites/site/application", "virtualDirectory") => &[
            (1, "virtualDirectoryDefaults"),
            (2, "virtualDirectoryDefaults"),
        ],
        _ => &[],
    }
}

/// Attributes whose schema type is `flags` (comma-separated names). Their values compare
/// as lists of flags, in any order the template chooses.
const FLAGS_ATTRIBUTES: &[&str] = &[
    "sslFlags",
    "accessPolicy",
    "showFlags",
    "logExtFileFlags",
    "logEventOnRecycle",
];

pub fn is_flags_attribute(name: &str) -> bool {
    FLAGS_ATTRIBUTES
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name))
}

/// Section groups of IIS and the .NET configuration that a `web.config` may use without
/// declaring them; used to tell groups from sections when listing a file whose
/// `<configSections>` does not say.
const BUILTIN_GROUPS: &[&str] = &[
    "system.applicationHost",
    "system.webServer",
    "system.webServer/security",
    "system.webServer/security/authentication",
    "system.webServer/tracing",
    "system.webServer/webdav",
    "system.webServer/rewrite",
    "system.ftpServer",
    "system.ftpServer/security",
    "system.web",
    "system.net",
    "system.net/mailSettings",
    "system.serviceModel",
    "system.web.extensions",
    "system.web.extensions/scripting",
    "system.web.extensions/scripting/webServices",
];

pub fn is_builtin_group(path: &str) -> bool {
    BUILTIN_GROUPS.contains(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keys_follow_the_schema_for_common_collections() {
        let cases: &[(&str, &str, Option<&[&str]>)] = &[
            (
                "system.webServer/defaultDocument/files",
                "add",
                Some(&["value"]),
            ),
            (
                "system.webServer/security/authentication/windowsAuthentication/providers",
                "add",
                Some(&["value"]),
            ),
            ("configProtectedData/providers", "add", None),
            (
                "system.webServer/staticContent",
                "mimeMap",
                Some(&["fileExtension"]),
            ),
            ("anything/else", "mimeMap", Some(&["fileExtension"])),
            (
                "system.webServer/security/requestFiltering/verbs",
                "add",
                Some(&["verb"]),
            ),
            ("system.webServer/modules", "add", None),
            (
                "system.webServer/httpErrors",
                "error",
                Some(&["statusCode", "subStatusCode"]),
            ),
        ];
        for (parent, item, expected) in cases {
            assert_eq!(known_unique_key(parent, item), *expected, "{parent} {item}");
        }
        assert_eq!(key_default("subStatusCode"), Some("-1"));
        assert_eq!(key_default("name"), None);
    }

    #[test]
    fn defaults_and_flags_are_known_by_name() {
        assert_eq!(
            defaults_for("system.applicationHost/applicationPools", "add"),
            &[(0, "applicationPoolDefaults")]
        );
        assert!(defaults_for("system.webServer/modules", "add").is_empty());
        assert!(is_flags_attribute("SSLFLAGS"));
        assert!(!is_flags_attribute("enabled"));
        assert!(is_builtin_group("system.webServer/security"));
        assert!(!is_builtin_group("system.webServer/security/access"));
    }
}
