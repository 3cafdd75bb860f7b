use super::*;
use crate::collect::walk::host_files;
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iis")
        .join(name)
}

/// Parses a `source` table written as TOML key/value pairs.
fn source(pairs: &str) -> toml::Table {
    let wrapped: toml::Table =
        toml::from_str(&format!("s = {{ {pairs} }}")).unwrap_or_else(|e| panic!("{pairs}: {e}"));
    let mut table = match wrapped.get("s") {
        Some(toml::Value::Table(table)) => table.clone(),
        other => panic!("{pairs}: {other:?}"),
    };
    table.insert("type".into(), toml::Value::String("iis".into()));
    table
}

fn address(pairs: &str) -> Address {
    IisCollector
        .parse_address(&source(pairs))
        .unwrap_or_else(|e| panic!("{pairs}: {e}"))
}

/// Collects every address from a host folder.
fn collect_all(root: &Path, addresses: &[Address]) -> Collected {
    let (files, walk) = host_files(root);
    assert!(walk.is_empty(), "{walk:?}");
    let host = HostFiles {
        root,
        files: &files,
    };
    let refs: Vec<&Address> = addresses.iter().collect();
    IisCollector.collect(&host, &refs)
}

/// What a setting should come back as.
#[derive(Debug)]
enum Want<'w> {
    /// Text value, file suffix, line.
    Text(&'w str, &'w str, u32),
    /// List value, file suffix, line.
    List(&'w [&'w str], &'w str, u32),
    Missing,
    /// A diagnostic naming the setting, containing this text, at this file suffix and line.
    Error(&'w str, &'w str, u32),
    /// One instance per matching collection item: (label, text value).
    Many(&'w [(&'w str, &'w str)]),
}

const APPHOST: &str = "inetsrv/config/applicationHost.config";
const OWA_WEB_CONFIG: &str = "ClientAccess/Owa/web.config";
const ROOT_WEB_CONFIG: &str = "inetpub/wwwroot/web.config";
const EWS_WEB_CONFIG: &str = "exchweb/ews/web.config";

fn check(root: &Path, cases: &[(&str, Want<'_>)]) {
    let addresses: Vec<Address> = cases.iter().map(|(s, _)| address(s)).collect();
    let collected = collect_all(root, &addresses);
    for ((text, want), address) in cases.iter().zip(&addresses) {
        let item = collected.items.get(address);
        let blocking = collected.diagnostics.iter().find(|d| {
            d.location.as_deref() == Some(address.location.as_str())
                && d.name.as_deref() == Some(address.name.as_str())
        });
        let file_of = |p: &Provenance| p.file.to_string_lossy().replace('\\', "/");
        match want {
            Want::Text(value, file, line) => {
                let item = item.unwrap_or_else(|| panic!("{text}: no item ({blocking:?})"));
                assert_eq!(item.value, Value::String(value.to_string()), "{text}");
                assert!(
                    file_of(&item.provenance).ends_with(file),
                    "{text}: {item:?}"
                );
                assert_eq!(item.provenance.line, *line, "{text}: {item:?}");
                assert!(blocking.is_none(), "{text}: {blocking:?}");
            }
            Want::List(values, file, line) => {
                let item = item.unwrap_or_else(|| panic!("{text}: no item ({blocking:?})"));
                let expected: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                assert_eq!(item.value, Value::List(expected), "{text}");
                assert!(
                    file_of(&item.provenance).ends_with(file),
                    "{text}: {item:?}"
                );
                assert_eq!(item.provenance.line, *line, "{text}: {item:?}");
                assert!(blocking.is_none(), "{text}: {blocking:?}");
            }
            Want::Missing => {
                assert!(item.is_none(), "{text}: {item:?}");
                assert!(blocking.is_none(), "{text}: {blocking:?}");
                assert!(!collected.instances.contains_key(address), "{text}");
            }
            Want::Error(needle, file, line) => {
                assert!(item.is_none(), "{text}: {item:?}");
                let diagnostic =
                    blocking.unwrap_or_else(|| panic!("{text}: no diagnostic naming it"));
                assert!(diagnostic.message.contains(needle), "{text}: {diagnostic}");
                assert!(
                    diagnostic
                        .file
                        .to_string_lossy()
                        .replace('\\', "/")
                        .ends_with(file),
                    "{text}: {diagnostic}"
                );
                assert_eq!(diagnostic.line, *line, "{text}: {diagnostic}");
            }
            Want::Many(expected) => {
                let instances = collected
                    .instances
                    .get(address)
                    .unwrap_or_else(|| panic!("{text}: no instances"));
                let got: Vec<(String, Option<Value>)> = instances
                    .iter()
                    .map(|(label, item)| (label.clone(), item.as_ref().map(|i| i.value.clone())))
                    .collect();
                let expected: Vec<(String, Option<Value>)> = expected
                    .iter()
                    .map(|(l, v)| (l.to_string(), Some(Value::String(v.to_string()))))
                    .collect();
                assert_eq!(got, expected, "{text}");
            }
        }
    }
}

#[test]
fn exchange_2007_cas_locations_resolve_as_iis_merges_them() {
    let access = r#"section = "system.webServer/security/access", attribute = "sslFlags""#;
    let auth = "system.webServer/security/authentication";
    let cases: Vec<(String, Want<'_>)> = vec![
        // Global, and global spelled `.`.
        (access.to_string(), Want::List(&["None"], APPHOST, 112)),
        (
            format!(r#"{access}, location = ".""#),
            Want::List(&["None"], APPHOST, 112),
        ),
        // OWA sets no sslFlags: the site's location gives them.
        (
            format!(r#"{access}, location = "Default Web Site/owa""#),
            Want::List(&["Ssl", "Ssl128"], APPHOST, 152),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/owa/auth""#),
            Want::List(&["Ssl", "Ssl128"], APPHOST, 152),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/ecp""#),
            Want::List(&["Ssl", "Ssl128"], APPHOST, 206),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/EWS""#),
            Want::List(&["Ssl", "Ssl128"], APPHOST, 218),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/Autodiscover""#),
            Want::List(&["Ssl", "Ssl128"], APPHOST, 233),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/Microsoft-Server-ActiveSync""#),
            Want::List(&["Ssl", "Ssl128", "SslNegotiateCert"], APPHOST, 246),
        ),
        // Paths compare case-insensitively, slashes and spaces as written.
        (
            format!(r#"{access}, location = "DEFAULT WEB SITE\\OAB""#),
            Want::List(&["None"], APPHOST, 259),
        ),
        // Authentication per application.
        (
            format!(
                r#"section = "{auth}/basicAuthentication", location = "Default Web Site/owa", attribute = "enabled""#
            ),
            Want::Text("true", APPHOST, 177),
        ),
        // `owa2` is not below `owa`: prefixes are whole segments.
        (
            format!(
                r#"section = "{auth}/basicAuthentication", location = "Default Web Site/owa2", attribute = "enabled""#
            ),
            Want::Text("false", APPHOST, 115),
        ),
        (
            format!(
                r#"section = "{auth}/anonymousAuthentication", location = "Default Web Site/owa", attribute = "enabled""#
            ),
            Want::Text("false", APPHOST, 176),
        ),
        (
            format!(
                r#"section = "{auth}/anonymousAuthentication", location = "Default Web Site/owa/auth", attribute = "enabled""#
            ),
            Want::Text("true", APPHOST, 197),
        ),
        // An attribute nobody below sets still comes from the global section.
        (
            format!(
                r#"section = "{auth}/anonymousAuthentication", location = "Default Web Site/owa/auth", attribute = "userName""#
            ),
            Want::Text("IUSR", APPHOST, 114),
        ),
        (
            format!(
                r#"section = "{auth}/clientCertificateMappingAuthentication", location = "Default Web Site/Microsoft-Server-ActiveSync", attribute = "enabled""#
            ),
            Want::Text("true", APPHOST, 250),
        ),
        // <clear/> then <add> in a collection keyed by `value`.
        (
            format!(
                r#"section = "{auth}/windowsAuthentication", location = "Default Web Site/owa", element = "providers", collection = "add", attribute = "*keys""#
            ),
            Want::List(&["Negotiate", "NTLM"], APPHOST, 182),
        ),
        // A collection nobody writes is missing, not empty.
        (
            format!(
                r#"section = "{auth}/windowsAuthentication", element = "providers", collection = "add", attribute = "*keys""#
            ),
            Want::Missing,
        ),
        // An attribute nobody sets is missing (schema defaults are not known offline).
        (
            format!(
                r#"section = "{auth}/windowsAuthentication", location = "Default Web Site/EWS", attribute = "useKernelMode""#
            ),
            Want::Missing,
        ),
    ];
    let refs: Vec<(&str, Want<'_>)> = cases
        .iter()
        .map(|(s, w)| (s.as_str(), clone_want(w)))
        .collect();
    check(&fixture("exchange2007_cas"), &refs);
}

fn clone_want<'w>(want: &Want<'w>) -> Want<'w> {
    match want {
        Want::Text(a, b, c) => Want::Text(a, b, *c),
        Want::List(a, b, c) => Want::List(a, b, *c),
        Want::Missing => Want::Missing,
        Want::Error(a, b, c) => Want::Error(a, b, *c),
        Want::Many(a) => Want::Many(a),
    }
}

#[test]
fn collections_add_remove_clear_and_web_config_files_merge_in_order() {
    let modules = r#"section = "system.webServer/modules", collection = "add""#;
    let headers = r#"section = "system.webServer/httpProtocol", element = "customHeaders", collection = "add""#;
    let documents = r#"section = "system.webServer/defaultDocument", element = "files", collection = "add", attribute = "*keys""#;
    let limits =
        r#"section = "system.webServer/security/requestFiltering", element = "requestLimits""#;
    let cases: Vec<(String, Want<'_>)> = vec![
        (
            format!(r#"{modules}, attribute = "*keys""#),
            Want::List(
                &["StaticFileModule", "DefaultDocumentModule", "WebDAVModule", "OwaAuthModule"],
                APPHOST,
                138,
            ),
        ),
        (
            format!(r#"{modules}, location = "Default Web Site/owa", attribute = "*keys""#),
            Want::List(
                &["StaticFileModule", "DefaultDocumentModule", "OwaAuthModule"],
                APPHOST,
                188,
            ),
        ),
        (
            format!(r#"{modules}, location = "Default Web Site/owa", key = "name=OwaAuthModule", attribute = "type""#),
            Want::Text("Microsoft.Exchange.Clients.Owa.Core.OwaModule", APPHOST, 138),
        ),
        (
            format!(r#"{modules}, location = "Default Web Site/owa", key = "name=webdavmodule", attribute = "name""#),
            Want::Missing,
        ),
        // The EWS web.config removes an item locked with lockItem="true".
        (
            format!(r#"{modules}, location = "Default Web Site/EWS", attribute = "*keys""#),
            Want::Error("lockItem", EWS_WEB_CONFIG, 7),
        ),
        (
            format!(r#"{headers}, key = "name=X-Powered-By", attribute = "value""#),
            Want::Text("ASP.NET", APPHOST, 107),
        ),
        (
            format!(r#"{headers}, location = "Default Web Site", key = "name=X-Powered-By", attribute = "value""#),
            Want::Missing,
        ),
        // The OWA application's web.config adds a header.
        (
            format!(r#"{headers}, location = "Default Web Site/owa", attribute = "*keys""#),
            Want::List(&["X-OWA-Version"], OWA_WEB_CONFIG, 7),
        ),
        // Site level: global, the site's location, then the site's web.config.
        (
            format!(r#"{documents}, location = "Default Web Site""#),
            Want::List(
                &["Default.htm", "default.aspx", "iisstart.htm", "exchange.htm"],
                ROOT_WEB_CONFIG,
                11,
            ),
        ),
        // inheritInChildApplications="false" stops at the /owa application, the site's
        // web.config does not.
        (
            format!(r#"{documents}, location = "Default Web Site/owa""#),
            Want::List(&["Default.htm", "default.aspx", "exchange.htm"], ROOT_WEB_CONFIG, 11),
        ),
        // A plain folder below the site is no application: the location reaches it.
        (
            format!(r#"{documents}, location = "Default Web Site/aspnet_client""#),
            Want::List(
                &["Default.htm", "default.aspx", "iisstart.htm", "exchange.htm"],
                ROOT_WEB_CONFIG,
                11,
            ),
        ),
        (
            format!(r#"{limits}, attribute = "maxAllowedContentLength""#),
            Want::Text("30000000", APPHOST, 124),
        ),
        (
            format!(r#"{limits}, location = "Default Web Site/EWS", attribute = "maxAllowedContentLength""#),
            Want::Text("104857600", APPHOST, 224),
        ),
        (
            format!(r#"{limits}, location = "Default Web Site/owa", attribute = "maxAllowedContentLength""#),
            Want::Text("52428800", OWA_WEB_CONFIG, 12),
        ),
        (
            format!(r#"{limits}, location = "Default Web Site/owa", attribute = "maxUrl""#),
            Want::Text("4096", APPHOST, 124),
        ),
        // The OWA web.config's <location path="auth"> sets a locked attribute.
        (
            format!(r#"{limits}, location = "Default Web Site/owa/auth", attribute = "maxUrl""#),
            Want::Error("lockAttributes", OWA_WEB_CONFIG, 20),
        ),
        // <asp> is locked (overrideModeDefault="Deny"); the site's web.config sets it.
        (
            r#"section = "system.webServer/asp", location = "Default Web Site", attribute = "enableParentPaths""#.to_string(),
            Want::Error("locked at this path", ROOT_WEB_CONFIG, 7),
        ),
        // <serverRuntime> is locked too, but unlocked for the site by overrideMode="Allow".
        (
            r#"section = "system.webServer/serverRuntime", location = "Default Web Site", attribute = "uploadReadAheadSize""#.to_string(),
            Want::Text("49152", ROOT_WEB_CONFIG, 8),
        ),
        (
            r#"section = "system.webServer/security/requestFiltering", element = "fileExtensions", collection = "add", key = "fileExtension=.CONFIG", attribute = "allowed""#.to_string(),
            Want::Text("false", APPHOST, 121),
        ),
        (
            r#"section = "system.webServer/security/requestFiltering", element = "verbs", collection = "add", key = "verb=TRACE", attribute = "allowed""#.to_string(),
            Want::Text("false", APPHOST, 126),
        ),
        // A selector that is not the unique key may match several items.
        (
            r#"section = "system.webServer/security/requestFiltering", element = "fileExtensions", collection = "add", key = "allowed=false", attribute = "allowed""#.to_string(),
            Want::Many(&[(".config", "false"), (".mdb", "false")]),
        ),
    ];
    let refs: Vec<(&str, Want<'_>)> = cases
        .iter()
        .map(|(s, w)| (s.as_str(), clone_want(w)))
        .collect();
    check(&fixture("exchange2007_cas"), &refs);
}

#[test]
fn application_pools_sites_locations_and_secrets() {
    let pools = r#"section = "system.applicationHost/applicationPools""#;
    let sites = r#"section = "system.applicationHost/sites""#;
    let cases: Vec<(String, Want<'_>)> = vec![
        (
            format!(
                r#"{pools}, collection = "add", key = "name=MSExchangeOWAAppPool", attribute = "managedPipelineMode""#
            ),
            Want::Text("Classic", APPHOST, 46),
        ),
        (
            format!(
                r#"{pools}, element = "add[name=MSExchangeOWAAppPool]/processModel", attribute = "identityType""#
            ),
            Want::Text("LocalSystem", APPHOST, 47),
        ),
        // Unset on the pool: applicationPoolDefaults supplies it.
        (
            format!(
                r#"{pools}, element = "add[name=DefaultAppPool]/processModel", attribute = "identityType""#
            ),
            Want::Text("NetworkService", APPHOST, 60),
        ),
        // Encrypted attributes are present, never decrypted.
        (
            format!(
                r#"{pools}, element = "add[name=MSExchangeServicesAppPool]/processModel", attribute = "password""#
            ),
            Want::Text(ENCRYPTED, APPHOST, 56),
        ),
        (
            format!(
                r#"{pools}, element = "add[name=MSExchangeServicesAppPool]/processModel", attribute = "userName""#
            ),
            Want::Text("CONTOSO\\svc-ews", APPHOST, 56),
        ),
        (
            format!(
                r#"{sites}, element = "site[name=Default Web Site]/application[path=/owa]", attribute = "applicationPool""#
            ),
            Want::Text("MSExchangeOWAAppPool", APPHOST, 69),
        ),
        (
            format!(
                r#"{sites}, element = "site[name=Default Web Site]/application[path=/OAB]", attribute = "applicationPool""#
            ),
            Want::Text("DefaultAppPool", APPHOST, 92),
        ),
        // %SystemDrive% stays as written.
        (
            format!(
                r#"{sites}, element = "site[name=Default Web Site]/application[path=/]/virtualDirectory[path=/]", attribute = "physicalPath""#
            ),
            Want::Text("%SystemDrive%\\inetpub\\wwwroot", APPHOST, 67),
        ),
        (
            format!(
                r#"{sites}, element = "site[name=Default Web Site]/bindings", collection = "binding", attribute = "*keys""#
            ),
            Want::List(
                &[
                    "protocol=http,bindingInformation=*:80:",
                    "protocol=https,bindingInformation=*:443:",
                ],
                APPHOST,
                89,
            ),
        ),
        // The <location> tag's own attributes: the last tag with exactly that path.
        (
            r#"location = "Default Web Site", attribute = "inheritInChildApplications""#
                .to_string(),
            Want::Text("false", APPHOST, 162),
        ),
        (
            r#"location = "", attribute = "overrideMode""#.to_string(),
            Want::Text("Allow", APPHOST, 132),
        ),
        (
            r#"location = "Default Web Site/owa", attribute = "overrideMode""#.to_string(),
            Want::Missing,
        ),
        // Section names are case-sensitive, as IIS reads them.
        (
            r#"section = "system.webserver/security/access", attribute = "sslFlags""#.to_string(),
            Want::Error("case-sensitive", APPHOST, 25),
        ),
    ];
    let refs: Vec<(&str, Want<'_>)> = cases
        .iter()
        .map(|(s, w)| (s.as_str(), clone_want(w)))
        .collect();
    check(&fixture("exchange2007_cas"), &refs);
}

#[test]
fn loading_records_declarations_locations_and_ignores_comments() {
    let text = std::fs::read_to_string(
        fixture("exchange2007_cas").join("Windows/System32/inetsrv/config/applicationHost.config"),
    )
    .unwrap();
    let config = load(&text, &Wanted::All).unwrap();
    // Eleven real tags; the one inside the comment at line 8 is no location.
    assert_eq!(config.locations.len(), 11);
    assert!(config.locations.iter().all(|l| l.line != 8));
    assert!(config.sections.iter().any(|s| s.path
        == "system.webServer/security/authentication/windowsAuthentication"
        && s.override_mode_default.as_deref() == Some("Deny")));
    assert!(
        config
            .groups
            .contains(&"system.webServer/security/authentication".to_string())
    );
    let cases: &[(&str, &str, Option<bool>, bool)] = &[
        ("", "", Some(true), true),
        ("Default Web Site", "Default Web Site", Some(true), true),
        ("Default Web Site", "Default Web Site", None, false),
        ("default web site/oab/", "default web site/oab", None, true),
    ];
    for (raw, path, mode, inherit) in cases {
        assert!(
            config.locations.iter().any(|l| l.raw_path == *raw
                && l.path == *path
                && l.override_mode == *mode
                && l.inherit_in_child_applications == *inherit),
            "{raw}"
        );
    }
    // Wanted sections keep only those (and the groups on the way).
    let wanted: BTreeSet<String> = ["system.webServer/security/access".to_string()].into();
    let config = load(&text, &Wanted::Sections(&wanted)).unwrap();
    assert!(
        config
            .occurrences
            .iter()
            .all(|o| o.section == "system.webServer/security/access")
    );
    assert_eq!(config.occurrences.len(), 7);
}

#[test]
fn override_modes_and_lock_lists_read_like_iis() {
    let cases: &[(&str, Option<bool>)] = &[
        (r#"<location overrideMode="Allow"/>"#, Some(true)),
        (r#"<location overrideMode="deny"/>"#, Some(false)),
        (r#"<location overrideMode="Inherit"/>"#, None),
        (r#"<location allowOverride="false"/>"#, Some(false)),
        (r#"<location allowOverride="true"/>"#, Some(true)),
        (r#"<location/>"#, None),
    ];
    for (text, expected) in cases {
        let element = xml::parse_all(text).unwrap();
        assert_eq!(override_mode(&element), *expected, "{text}");
    }
    let locks: &[(&str, &str, Option<&str>)] = &[
        (
            r#"<e lockAttributes="maxUrl, maxQueryString"/>"#,
            "maxQueryString",
            Some("lockAttributes"),
        ),
        (
            r#"<e lockAttributes="maxUrl"/>"#,
            "maxAllowedContentLength",
            None,
        ),
        (
            r#"<e lockAttributes="*"/>"#,
            "anything",
            Some("lockAttributes"),
        ),
        (r#"<e lockAllAttributesExcept="enabled"/>"#, "enabled", None),
        (
            r#"<e lockAllAttributesExcept="enabled"/>"#,
            "userName",
            Some("lockAllAttributesExcept"),
        ),
        (
            r#"<e lockAttributes="a" lockAllAttributesExcept="b"/>"#,
            "c",
            Some("lockAllAttributesExcept"),
        ),
        (r#"<e/>"#, "enabled", None),
    ];
    for (text, attribute, expected) in locks {
        let element = xml::parse_all(text).unwrap();
        assert_eq!(
            attribute_lock(&element, attribute),
            *expected,
            "{text} {attribute}"
        );
    }
}

#[test]
fn attribute_values_keep_text_and_split_flags() {
    let cases: &[(&str, &str, Value)] = &[
        (
            "sslFlags",
            "Ssl, Ssl128",
            Value::List(vec!["Ssl".into(), "Ssl128".into()]),
        ),
        ("sslFlags", "None", Value::List(vec!["None".into()])),
        (
            "accessPolicy",
            "Read,Script",
            Value::List(vec!["Read".into(), "Script".into()]),
        ),
        (
            "image",
            "%windir%\\System32\\x.dll",
            Value::String("%windir%\\System32\\x.dll".into()),
        ),
        (
            "password",
            "[enc:AesProvider:abc:enc]",
            Value::String(ENCRYPTED.into()),
        ),
        ("enabled", "true", Value::String("true".into())),
        (
            "image",
            "%IIS_BIN%\\authsspi.dll",
            Value::String("%IIS_BIN%\\authsspi.dll".into()),
        ),
    ];
    for (name, raw, expected) in cases {
        assert_eq!(attribute_value(name, raw), *expected, "{name}={raw}");
    }
}

#[test]
fn source_tables_are_checked_and_encoded() {
    let good: &[(&str, &str, &str)] = &[
        (
            r#"section = "system.webServer/security/access", location = "Default Web Site/owa", attribute = "sslFlags""#,
            "[Default Web Site/owa] system.webServer/security/access",
            "sslFlags",
        ),
        (
            r#"section = "system.webServer/security/requestFiltering", element = "requestFiltering/requestLimits", attribute = "maxUrl""#,
            "[] system.webServer/security/requestFiltering#requestFiltering/requestLimits",
            "maxUrl",
        ),
        (
            r#"section = "system.applicationHost/applicationPools", collection = "add", key = "name=MSExchangeOWAAppPool", attribute = "autoStart""#,
            "[] system.applicationHost/applicationPools#add[name=MSExchangeOWAAppPool]",
            "autoStart",
        ),
        (
            r#"section = "system.webServer/httpErrors", collection = "error", key = "statusCode=404", unique_key = "statusCode,subStatusCode", attribute = "path""#,
            "[] system.webServer/httpErrors#error(statusCode,subStatusCode)[statusCode=404]",
            "path",
        ),
        (
            r#"section = "system.webServer/modules", collection = "add", attribute = "*keys""#,
            "[] system.webServer/modules#add",
            "*keys",
        ),
        (
            r#"location = "Default Web Site", attribute = "overrideMode""#,
            "[Default Web Site]",
            "overrideMode",
        ),
    ];
    for (pairs, location, name) in good {
        let address = address(pairs);
        assert_eq!(
            (address.location.as_str(), address.name.as_str()),
            (*location, *name),
            "{pairs}"
        );
        assert_eq!(address.file, DEFAULT_FILE);
        assert!(query::decode(&address.location, &address.name).is_ok());
    }
    let bad: &[(&str, &str)] = &[
        (r#"section = "a/b""#, "attribute"),
        (
            r#"section = "a/b", attribute = "x", bogus = "1""#,
            "unknown field",
        ),
        (r#"section = "a b", attribute = "x""#, "section"),
        (
            r#"section = "a", collection = "add", attribute = "x""#,
            "key",
        ),
        (
            r#"section = "a", key = "name=x", attribute = "x""#,
            "collection",
        ),
        (
            r#"section = "a", collection = "add", key = "name=x", attribute = "*keys""#,
            "drop `key`",
        ),
        (r#"section = "a", attribute = "*keys""#, "collection"),
        (r#"element = "x", attribute = "y""#, "section"),
        (
            r#"section = "a", unique_key = "name", attribute = "y""#,
            "unique_key",
        ),
        (r#"section = "a", attribute = "x y""#, "attribute name"),
        (
            r#"section = "a", element = "b[", attribute = "y""#,
            "`[` without",
        ),
        (r#"section = "a", attribute = 3"#, "must be a string"),
    ];
    for (pairs, needle) in bad {
        let err = IisCollector.parse_address(&source(pairs)).unwrap_err();
        assert!(err.contains(needle), "{pairs}: {err}");
    }
}

#[test]
fn claims_only_iis_configuration_file_names() {
    let cases = [
        (
            "Windows/System32/inetsrv/config/applicationHost.config",
            true,
        ),
        ("inetpub/wwwroot/Web.Config", true),
        ("inetsrv/config/administration.config", false),
        ("etc/app.config", false),
    ];
    for (path, expected) in cases {
        assert_eq!(IisCollector.claims(Path::new(path)), expected, "{path}");
    }
}

/// A temporary host folder holding one applicationHost.config.
fn host_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("applicationHost.config"), text).unwrap();
    dir
}

#[test]
fn iis_configuration_errors_become_setting_errors() {
    let cases: &[(&str, &str, &str, u32)] = &[
        // An encrypted section cannot be read.
        (
            r#"<configuration><system.webServer><security>
<access configProtectionProvider="AesProvider"><EncryptedData/></access>
</security></system.webServer></configuration>"#,
            r#"section = "system.webServer/security/access", attribute = "sslFlags""#,
            "encrypted with provider AesProvider",
            2,
        ),
        // Adding a key twice is an IIS configuration error.
        (
            r#"<configuration><system.webServer><modules>
<add name="A"/>
</modules></system.webServer>
<location path="S"><system.webServer><modules>
<add name="a"/>
</modules></system.webServer></location></configuration>"#,
            r#"section = "system.webServer/modules", location = "S", collection = "add", attribute = "*keys""#,
            "duplicate collection entry",
            5,
        ),
        // Malformed XML: line and column, and the setting is an error.
        (
            "<configuration>\n<system.webServer>\n<security>\n</system.webServer>\n</configuration>",
            r#"section = "system.webServer/security/access", attribute = "sslFlags""#,
            "column 1",
            4,
        ),
        (
            "<notconfig/>",
            r#"section = "system.webServer/security/access", attribute = "sslFlags""#,
            "not an IIS configuration file",
            1,
        ),
    ];
    for (text, pairs, needle, line) in cases {
        let dir = host_with(text);
        let address = address(pairs);
        let collected = collect_all(dir.path(), std::slice::from_ref(&address));
        assert!(collected.items.is_empty(), "{text}");
        let diagnostic = collected
            .diagnostics
            .iter()
            .find(|d| d.name.as_deref() == Some(address.name.as_str()))
            .unwrap_or_else(|| panic!("{text}: {:?}", collected.diagnostics));
        assert!(diagnostic.message.contains(needle), "{diagnostic}");
        assert_eq!(diagnostic.line, *line, "{diagnostic}");
        assert_eq!(
            diagnostic.location.as_deref(),
            Some(address.location.as_str())
        );
    }
}

#[test]
fn several_candidate_files_need_an_explicit_file() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["a", "b"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::write(
            dir.path().join(folder).join("applicationHost.config"),
            "<configuration/>",
        )
        .unwrap();
    }
    let address = address(r#"section = "x", attribute = "y""#);
    let collected = collect_all(dir.path(), std::slice::from_ref(&address));
    assert_eq!(collected.diagnostics.len(), 1);
    assert!(collected.diagnostics[0].message.contains("matches 2 files"));
    let explicit = address_with_file("b/applicationHost.config");
    let collected = collect_all(dir.path(), std::slice::from_ref(&explicit));
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
    assert_eq!(
        collected.files_read,
        vec![PathBuf::from("b/applicationHost.config")]
    );
}

fn address_with_file(file: &str) -> Address {
    address(&format!(
        r#"section = "x", attribute = "y", file = "{file}""#
    ))
}

#[test]
fn a_standalone_web_config_is_read_relative_to_itself() {
    let root = fixture("exchange2007_cas");
    let address = address(
        r#"file = "Program Files/Microsoft/Exchange Server/ClientAccess/Owa/web.config", section = "system.webServer/security/requestFiltering", element = "requestLimits", location = "auth", attribute = "maxUrl""#,
    );
    let collected = collect_all(&root, std::slice::from_ref(&address));
    let item = collected.items.get(&address).unwrap();
    assert_eq!(item.value, Value::String("8192".into()));
    assert_eq!(item.provenance.line, 20);
}

#[test]
fn listing_names_every_attribute_with_a_usable_address() {
    let root = fixture("exchange2007_cas");
    let relative = Path::new("Windows/System32/inetsrv/config/applicationHost.config");
    let listing = IisCollector.list(&root, relative);
    assert!(listing.diagnostics.is_empty(), "{:?}", listing.diagnostics);
    let find = |location: &str, name: &str| {
        listing
            .items
            .iter()
            .find(|i| i.address.location == location && i.address.name == name)
            .unwrap_or_else(|| panic!("{location} {name}"))
    };
    let owa = find(
        "[Default Web Site/owa] system.webServer/security/authentication/basicAuthentication",
        "enabled",
    );
    assert_eq!(owa.item.provenance.line, 177);
    let pool = find(
        "[] system.applicationHost/applicationPools#add[name=MSExchangeOWAAppPool]/processModel",
        "identityType",
    );
    assert_eq!(pool.item.value, Value::String("LocalSystem".into()));
    let remove = find(
        "[Default Web Site] system.webServer/httpProtocol#customHeaders/remove[name=X-Powered-By]",
        "*op",
    );
    assert_eq!(remove.item.value, Value::String("remove".into()));
    find("[Default Web Site]", "inheritInChildApplications");
    find(
        "[] configProtectedData#providers/add[name=IISWASOnlyAesProvider]",
        "keyContainerName",
    );
    // Every listed attribute address parses back and resolves to a value in collect.
    let addresses: Vec<Address> = listing
        .items
        .iter()
        .filter(|i| i.address.name != "*op")
        .map(|i| i.address.clone())
        .collect();
    for a in &addresses {
        query::decode(&a.location, &a.name).unwrap_or_else(|e| panic!("{a}: {e}"));
    }
}

#[test]
fn malformed_file_fails_every_setting_reading_it_through_the_audit() {
    use crate::audit::{collect_host, evaluate_all};
    use crate::baseline::Catalog;
    use crate::inventory::Host;
    use crate::report::Status;
    let dir = tempfile::tempdir().unwrap();
    let host_dir = dir.path().join("cas01");
    std::fs::create_dir_all(host_dir.join("inetsrv/config")).unwrap();
    std::fs::write(
        host_dir.join("inetsrv/config/applicationHost.config"),
        "<configuration>\n  <configSections>\n    <sectionGroup name=\"system.webServer\">\n  </configSections>\n</configuration>\n",
    )
    .unwrap();
    let template = dir.path().join("cas.toml");
    std::fs::write(
        &template,
        r#"name = "cas"
version = "1.0.0"
role = "cas"

[[setting]]
id = "owa-ssl"
title = "OWA requires SSL"
source = { type = "iis", section = "system.webServer/security/access", location = "Default Web Site/owa", attribute = "sslFlags" }
expected = ["Ssl", "Ssl128"]
unordered = true
when_absent = "pass"
severity = "high"
category = "security"

[[setting]]
id = "owa-basic"
title = "OWA basic authentication"
source = { type = "iis", section = "system.webServer/security/authentication/basicAuthentication", location = "Default Web Site/owa", attribute = "enabled" }
op = "absent"
when_absent = "pass"
severity = "high"
category = "security"
"#,
    )
    .unwrap();
    let catalog = Catalog::load(&[template]).unwrap();
    let baseline = catalog.resolve(&["cas".into()], None).unwrap();
    let host = Host {
        name: "cas01".into(),
        roles: vec!["cas".into()],
        hardware: None,
        path: host_dir.clone(),
        display_path: "cas01".into(),
        problem: None,
    };
    let collected = collect_host(&host, &baseline).unwrap();
    for setting in &baseline.settings {
        let findings = evaluate_all(setting, &collected);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Error, "{}", setting.id);
        let provenance = findings[0].provenance.as_ref().unwrap();
        assert_eq!(provenance.line, 4);
        assert!(
            findings[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("line 4, column 3")
        );
    }
}

#[test]
fn corpus_files_parse_or_report_where_they_break() {
    let files = crate::testutil::corpus_files("iis_applicationhost");
    for path in &files {
        let root = path.parent().unwrap();
        let name = PathBuf::from(path.file_name().unwrap());
        let listing = IisCollector.list(root, &name);
        let text = std::fs::read_to_string(path).unwrap();
        match load(&text, &Wanted::All) {
            Ok(config) => {
                assert!(
                    listing.diagnostics.is_empty(),
                    "{name:?}: {:?}",
                    listing.diagnostics
                );
                assert!(listing.items.len() > 1000, "{name:?}");
                assert!(!config.occurrences.is_empty());
                // Every listed attribute reads back through collect with the same value
                // when its location is global and the section is outside any collection.
                let sample: Vec<&ListedItem> = listing
                    .items
                    .iter()
                    .filter(|i| {
                        i.address.location.starts_with("[] ") && !i.address.location.contains('#')
                    })
                    .collect();
                assert!(!sample.is_empty());
                let addresses: Vec<Address> = sample
                    .iter()
                    .map(|i| Address {
                        file: name.to_string_lossy().into(),
                        ..i.address.clone()
                    })
                    .collect();
                let files = vec![name.clone()];
                let host = HostFiles {
                    root,
                    files: &files,
                };
                let refs: Vec<&Address> = addresses.iter().collect();
                let collected = IisCollector.collect(&host, &refs);
                for (listed, address) in sample.iter().zip(&addresses) {
                    let item = collected
                        .items
                        .get(address)
                        .unwrap_or_else(|| panic!("{address}"));
                    assert_eq!(item.value, listed.item.value, "{address}");
                }
            }
            Err(error) => {
                assert!(listing.items.is_empty(), "{name:?}");
                assert_eq!(listing.diagnostics.len(), 1, "{name:?}");
                assert_eq!(listing.diagnostics[0].line, error.line);
                assert!(error.line > 0 && error.column > 0);
            }
        }
    }
    if !files.is_empty() {
        assert!(
            files
                .iter()
                .any(|f| f.ends_with("E19_applicationHost.config"))
        );
        assert!(
            files
                .iter()
                .any(|f| f.ends_with("E19_BadApplicationHost.config"))
        );
    }
}

#[test]
fn corpus_exchange_2019_spot_checks() {
    let Some(dir) = crate::testutil::corpus_dir("iis_applicationhost") else {
        return;
    };
    let file = "E19_applicationHost.config";
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    // 44 `<location` tags in the text, one of them inside the opening comment (line 35):
    // 43 real locations.
    assert_eq!(text.matches("<location ").count(), 44);
    let config = load(&text, &Wanted::All).unwrap();
    assert_eq!(config.locations.len(), 43);
    assert!(config.locations.iter().all(|l| l.line != 35));
    assert_eq!(config.locations[0].line, 1195);
    assert_eq!(config.locations[0].path, "");

    let f = format!(r#"file = "{file}""#);
    let access =
        format!(r#"{f}, section = "system.webServer/security/access", attribute = "sslFlags""#);
    let pools = format!(r#"{f}, section = "system.applicationHost/applicationPools""#);
    let cases: Vec<(String, Want<'_>)> = vec![
        (
            format!(r#"{access}, location = "Default Web Site/owa""#),
            Want::List(&["Ssl", "Ssl128"], file, 1301),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/ecp""#),
            Want::List(&["Ssl", "Ssl128"], file, 1301),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/owa/Integrated""#),
            Want::List(&["Ssl", "Ssl128"], file, 2042),
        ),
        (
            format!(r#"{access}, location = "Default Web Site/owa/Calendar""#),
            Want::List(&["None"], file, 2012),
        ),
        (
            format!(r#"{access}, location = "Exchange Back End/owa""#),
            Want::List(&["Ssl", "Ssl128"], file, 1396),
        ),
        (
            format!(
                r#"{pools}, element = "add[name=MSExchangeOWAAppPool]/recycling/periodicRestart", attribute = "time""#
            ),
            Want::Text("14.00:00:00", file, 187),
        ),
        (
            format!(
                r#"{pools}, collection = "add", key = "name=MSExchangeOWAAppPool", attribute = "managedPipelineMode""#
            ),
            Want::Text("Integrated", file, 184),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/modules", collection = "add", key = "name=RewriteModule", attribute = "name""#
            ),
            Want::Text("RewriteModule", file, 1292),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/globalModules", collection = "add", key = "name=kerbauth", attribute = "image""#
            ),
            Want::Text(
                "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\kerbauth.dll",
                file,
                593,
            ),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/globalModules", collection = "add", key = "name=HttpLoggingModule", attribute = "image""#
            ),
            Want::Text("%windir%\\System32\\inetsrv\\loghttp.dll", file, 565),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/isapiFilters", location = "Default Web Site", collection = "filter", attribute = "*keys""#
            ),
            Want::List(
                &[
                    "Exchange OWA Cookie Authentication ISAPI Filter",
                    "Exchange ActiveSync ISAPI Filter",
                ],
                file,
                1310,
            ),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/security/authentication/windowsAuthentication", location = "Default Web Site/owa", element = "providers", collection = "add", attribute = "*keys""#
            ),
            Want::List(&[], file, 1972),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/security/authentication/windowsAuthentication", location = "Exchange Back End/owa", element = "providers", collection = "add", attribute = "*keys""#
            ),
            Want::List(&["Negotiate", "NTLM"], file, 1421),
        ),
        (
            format!(
                r#"{f}, section = "system.webServer/handlers", location = "Default Web Site/owa", attribute = "accessPolicy""#
            ),
            Want::List(&["Read", "Script"], file, 1964),
        ),
        (
            format!(
                r#"{f}, section = "system.applicationHost/sites", element = "site[name=Exchange Back End]/application[path=/]", attribute = "applicationPool""#
            ),
            Want::Text("DefaultAppPool", file, 526),
        ),
    ];
    let refs: Vec<(&str, Want<'_>)> = cases
        .iter()
        .map(|(s, w)| (s.as_str(), clone_want(w)))
        .collect();
    check(&dir, &refs);
}

#[test]
fn corpus_bad_file_is_reported_once_with_its_line() {
    let Some(dir) = crate::testutil::corpus_dir("iis_applicationhost") else {
        return;
    };
    let file = Path::new("E19_BadApplicationHost.config");
    let listing = IisCollector.list(&dir, file);
    assert!(listing.items.is_empty());
    assert_eq!(listing.diagnostics.len(), 1);
    let diagnostic = &listing.diagnostics[0];
    assert_eq!(diagnostic.line, 128);
    assert!(
        diagnostic.message.contains("line 128, column 5"),
        "{diagnostic}"
    );
    assert!(
        diagnostic
            .message
            .contains("<sectionGroup> opened at line 52"),
        "{diagnostic}"
    );
    let addresses = vec![
        address(
            r#"file = "E19_BadApplicationHost.config", section = "system.webServer/security/access", location = "Default Web Site/owa", attribute = "sslFlags""#,
        ),
        address(
            r#"file = "E19_BadApplicationHost.config", section = "system.webServer/modules", collection = "add", attribute = "*keys""#,
        ),
    ];
    let files = vec![file.to_path_buf()];
    let host = HostFiles {
        root: &dir,
        files: &files,
    };
    let refs: Vec<&Address> = addresses.iter().collect();
    let collected = IisCollector.collect(&host, &refs);
    assert!(collected.items.is_empty());
    assert_eq!(collected.diagnostics.len(), addresses.len());
    for (diagnostic, address) in collected.diagnostics.iter().zip(&addresses) {
        assert_eq!(diagnostic.line, 128);
        assert_eq!(
            diagnostic.location.as_deref(),
            Some(address.location.as_str())
        );
    }
}

/// One generated `<location>` (or the global section when `path` is `None`).
#[derive(Debug, Clone)]
struct GenLocation {
    path: Option<String>,
    value: Option<u8>,
    ops: Vec<GenOp>,
}

#[derive(Debug, Clone, Copy)]
enum GenOp {
    Add(u8),
    Remove(u8),
    Clear,
}

fn gen_location() -> impl Strategy<Value = GenLocation> {
    let paths = prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some(".".to_string())),
        Just(Some("Site".to_string())),
        Just(Some("site/A".to_string())),
        Just(Some("Site/a/b".to_string())),
        Just(Some("Site/ab".to_string())),
        Just(Some("Other".to_string())),
    ];
    let op = prop_oneof![
        (0u8..3).prop_map(GenOp::Add),
        (0u8..3).prop_map(GenOp::Remove),
        Just(GenOp::Clear),
    ];
    (
        paths,
        proptest::option::of(0u8..10),
        proptest::collection::vec(op, 0..4),
    )
        .prop_map(|(path, value, ops)| GenLocation { path, value, ops })
}

fn render(locations: &[GenLocation]) -> String {
    let mut text = String::from("<configuration>\n");
    for location in locations {
        let mut section = String::from("<system.webServer><test");
        if let Some(v) = location.value {
            section.push_str(&format!(" value=\"v{v}\""));
        }
        section.push_str("><items>");
        for op in &location.ops {
            match op {
                GenOp::Add(n) => section.push_str(&format!("<add name=\"n{n}\"/>")),
                GenOp::Remove(n) => section.push_str(&format!("<remove name=\"N{n}\"/>")),
                GenOp::Clear => section.push_str("<clear/>"),
            }
        }
        section.push_str("</items></test></system.webServer>\n");
        match &location.path {
            None => text.push_str(&section),
            Some(path) => {
                text.push_str(&format!("<location path=\"{path}\">{section}</location>\n"))
            }
        }
    }
    text.push_str("</configuration>\n");
    text
}

/// The reference model: applicable locations by segment count, document order within a
/// level; the last value wins; the collection is a list with IIS's duplicate rule.
fn model(
    locations: &[GenLocation],
    target: &str,
) -> (Option<String>, Option<Result<Vec<String>, ()>>) {
    let target_segs: Vec<String> = target
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut applicable: Vec<(usize, usize, &GenLocation)> = Vec::new();
    for (order, location) in locations.iter().enumerate() {
        let segs: Vec<String> = location
            .path
            .as_deref()
            .unwrap_or("")
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_lowercase)
            .collect();
        if segs.len() <= target_segs.len() && segs.iter().zip(&target_segs).all(|(a, b)| a == b) {
            applicable.push((segs.len(), order, location));
        }
    }
    applicable.sort_by_key(|(level, order, _)| (*level, *order));
    let mut value = None;
    let mut items: Vec<u8> = Vec::new();
    let mut touched = false;
    let mut duplicate = false;
    for (_, _, location) in applicable {
        if let Some(v) = location.value {
            value = Some(format!("v{v}"));
        }
        for op in &location.ops {
            touched = true;
            match op {
                GenOp::Add(n) if items.contains(n) => duplicate = true,
                GenOp::Add(n) => items.push(*n),
                GenOp::Remove(n) => items.retain(|i| i != n),
                GenOp::Clear => items.clear(),
            }
        }
    }
    let keys = match (touched, duplicate) {
        (false, _) => None,
        (true, true) => Some(Err(())),
        (true, false) => Some(Ok(items.iter().map(|n| format!("n{n}")).collect())),
    };
    (value, keys)
}

fn resolve_text(text: &str, query: &Query) -> Result<Outcome, Diagnostic> {
    let section = query.section.clone().unwrap_or_default();
    let wanted: BTreeSet<String> = [section.clone()].into();
    let config = load(text, &Wanted::Sections(&wanted))
        .map_err(|e| Diagnostic::line("t", e.line, e.message))?;
    let mut contributions = Vec::new();
    Source {
        config: &config,
        path: Path::new("t"),
        depth: 0,
        base: Vec::new(),
    }
    .contributions(&section, &query.path, &Sites::default(), &mut contributions);
    contributions.sort_by_key(|c| (c.level, c.file_depth, c.order));
    Resolver {
        contributions: &contributions,
        section: &section,
        query,
        declaration: None,
        sites: &Sites::default(),
    }
    .resolve()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_locations_and_collections_resolve_like_the_model(
        locations in proptest::collection::vec(gen_location(), 0..7),
        target in prop_oneof![
            Just(""), Just("Site"), Just("SITE/a"), Just("Site/a/b/c"), Just("Site/ab"), Just("Other/x")
        ],
    ) {
        let text = render(&locations);
        let (want_value, want_keys) = model(&locations, target);
        let value_query = Query {
            path: query::normalize_path(target),
            section: Some("system.webServer/test".into()),
            steps: Vec::new(),
            target: Target::Attribute("value".into()),
        };
        let got = resolve_text(&text, &value_query).unwrap();
        let got_value = match got {
            Outcome::One(item) => item.map(|i| i.value.to_string()),
            Outcome::Many(_) => None,
        };
        prop_assert_eq!(got_value, want_value);
        let keys_query = Query {
            steps: vec![Step::plain("items"), Step::plain("add")],
            target: Target::Keys,
            ..value_query
        };
        let got = resolve_text(&text, &keys_query);
        match (got, want_keys) {
            (Ok(Outcome::One(None)), None) => {}
            (Ok(Outcome::One(Some(item))), Some(Ok(keys))) => prop_assert_eq!(item.value, Value::List(keys)),
            (Err(d), Some(Err(()))) => prop_assert!(d.message.contains("duplicate")),
            (got, want) => prop_assert!(false, "got {:?}, model {:?}\n{}", got, want, text),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = crate::collect::decode::decode(&bytes).0.into_owned();
        let _ = load(&text, &Wanted::All);
        let query = query::decode("[a/b] system.webServer/test#items/add", "*keys").unwrap();
        let _ = resolve_text(&text, &query);
    }

    #[test]
    fn xml_like_noise_never_panics(text in "[<>/=\"' a-c!?&;#x\\-\\[\\]\n]{0,120}") {
        let wrapped = format!("<configuration>{text}</configuration>");
        let _ = load(&text, &Wanted::All);
        let _ = load(&wrapped, &Wanted::All);
        let query = query::decode("[a] a#b[c=d]/e", "f").unwrap();
        let _ = resolve_text(&wrapped, &query);
    }
}

#[test]
fn web_config_files_tie_by_physical_path_and_respect_allow_definition() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |relative: &str, text: &str| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "Windows/System32/inetsrv/config/applicationHost.config",
        r#"<configuration>
  <configSections>
    <sectionGroup name="system.applicationHost">
      <section name="sites" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
    </sectionGroup>
    <sectionGroup name="system.webServer">
      <section name="modules" allowDefinition="MachineToApplication" overrideModeDefault="Allow" />
      <section name="directoryBrowse" overrideModeDefault="Allow" />
    </sectionGroup>
  </configSections>
  <system.applicationHost>
    <sites>
      <site name="S" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\s" /></application>
        <application path="/a"><virtualDirectory path="/" physicalPath="D:\apps\a" /></application>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <modules><add name="M1" /></modules>
    <directoryBrowse enabled="false" />
  </system.webServer>
</configuration>"#,
    );
    // The site root is exported with its drive letter, the application without one.
    write(
        "C/s/web.config",
        "<configuration><system.webServer><directoryBrowse enabled=\"true\" /></system.webServer></configuration>",
    );
    write(
        "apps/a/web.config",
        "<configuration><system.webServer><modules><add name=\"M2\" /></modules></system.webServer></configuration>",
    );
    // A plain folder below the site may not set a MachineToApplication section.
    write(
        "C/s/sub/web.config",
        "<configuration>\n<system.webServer><modules><add name=\"M3\" /></modules></system.webServer></configuration>",
    );
    // Nor may any web.config set an AppHostOnly section.
    write(
        "apps/a/b/web.config",
        "<configuration>\n\n<system.applicationHost><sites /></system.applicationHost></configuration>",
    );
    let modules =
        r#"section = "system.webServer/modules", collection = "add", attribute = "*keys""#;
    let browse = r#"section = "system.webServer/directoryBrowse", attribute = "enabled""#;
    let cases: Vec<(String, Want<'_>)> = vec![
        (format!(r#"{browse}, location = "S""#), Want::Text("true", "C/s/web.config", 1)),
        (format!(r#"{browse}, location = "S/a/x""#), Want::Text("true", "C/s/web.config", 1)),
        (format!(r#"{modules}, location = "S/a""#), Want::List(&["M1", "M2"], "apps/a/web.config", 1)),
        (
            format!(r#"{modules}, location = "S/sub""#),
            Want::Error("MachineToApplication", "C/s/sub/web.config", 2),
        ),
        (
            r#"section = "system.applicationHost/sites", location = "S/a/b", element = "site[name=S]", attribute = "id""#.to_string(),
            Want::Error("AppHostOnly", "apps/a/b/web.config", 3),
        ),
        (
            r#"section = "system.applicationHost/sites", location = "S/a", element = "site[name=S]", attribute = "id""#.to_string(),
            Want::Text("1", "applicationHost.config", 13),
        ),
    ];
    let refs: Vec<(&str, Want<'_>)> = cases
        .iter()
        .map(|(s, w)| (s.as_str(), clone_want(w)))
        .collect();
    check(root, &refs);
    let collected = collect_all(root, &[address(&format!(r#"{modules}, location = "S/a""#))]);
    assert_eq!(
        collected.files_read,
        vec![
            PathBuf::from("Windows/System32/inetsrv/config/applicationHost.config"),
            PathBuf::from("C/s/web.config"),
            PathBuf::from("apps/a/web.config"),
        ]
    );
}

#[test]
fn byte_order_marks_and_utf16_files_read_like_utf8() {
    let text = "<configuration>\n<system.webServer><security><access sslFlags=\"Ssl\" /></security></system.webServer>\n</configuration>\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let encodings: Vec<(&str, Vec<u8>)> = vec![
        ("UTF-8", text.as_bytes().to_vec()),
        (
            "UTF-8 with BOM (IIS Express)",
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        ),
        ("UTF-16LE", utf16),
    ];
    let address =
        address(r#"section = "system.webServer/security/access", attribute = "sslFlags""#);
    for (label, bytes) in encodings {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("applicationHost.config"), bytes).unwrap();
        let collected = collect_all(dir.path(), std::slice::from_ref(&address));
        let item = collected
            .items
            .get(&address)
            .unwrap_or_else(|| panic!("{label}: {:?}", collected.diagnostics));
        assert_eq!(item.value, Value::List(vec!["Ssl".into()]), "{label}");
        assert_eq!(item.provenance.line, 2, "{label}");
    }
}
