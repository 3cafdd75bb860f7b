use super::*;
use crate::collect::walk::host_files;
use proptest::prelude::*;
use std::path::PathBuf;

const METABASE: &str = "WINDOWS/system32/inetsrv/MetaBase.xml";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iis/exchange2003_iis6")
}

fn address(location: &str, property: &str) -> Address {
    let mut source = toml::Table::new();
    source.insert("type".into(), "metabase".into());
    source.insert("location".into(), location.into());
    source.insert("property".into(), property.into());
    MetabaseCollector.parse_address(&source).unwrap()
}

fn collect_from(root: &Path, addresses: &[Address]) -> Collected {
    let (files, walk) = host_files(root);
    assert!(walk.is_empty(), "{walk:?}");
    let host = HostFiles {
        root,
        files: &files,
    };
    let refs: Vec<&Address> = addresses.iter().collect();
    MetabaseCollector.collect(&host, &refs)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| s.to_string()).collect())
}

fn multi(items: &[&str]) -> Value {
    Value::MultiString(items.iter().map(|s| s.to_string()).collect())
}

/// (location, property, expected value and line, or `None` for missing)
type Case<'c> = (&'c str, &'c str, Option<(Value, u32)>);

#[test]
fn exchange_front_end_properties_inherit_down_the_path() {
    let script_maps = multi(&[
        ".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
        ".cer,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
        ".aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG",
    ]);
    let cases: Vec<Case<'_>> = vec![
        (
            "/LM/W3SVC/1/root/owa",
            "AccessSSLFlags",
            Some((list(&["AccessSSL", "AccessSSL128"]), 97)),
        ),
        // A directory key without the property inherits the virtual directory's.
        (
            "/LM/W3SVC/1/root/owa/auth",
            "AccessSSLFlags",
            Some((list(&["AccessSSL", "AccessSSL128"]), 97)),
        ),
        (
            "/LM/W3SVC/1/root/owa/auth",
            "AuthFlags",
            Some((list(&["AuthAnonymous"]), 105)),
        ),
        // A path that is no key inherits all the same; paths compare case-insensitively.
        (
            "/lm/w3svc/1/ROOT/OWA/auth/logon.aspx",
            "authflags",
            Some((list(&["AuthAnonymous"]), 105)),
        ),
        (
            "/LM/W3SVC/1/root/Microsoft-Server-ActiveSync",
            "AccessSSLFlags",
            Some((
                list(&["AccessSSL", "AccessSSL128", "AccessSSLNegotiateCert"]),
                110,
            )),
        ),
        (
            "/LM/W3SVC/1/root/EWS",
            "AuthFlags",
            Some((list(&["AuthNTLM", "AuthMD5"]), 119)),
        ),
        ("/LM/W3SVC/1/root", "AccessSSLFlags", None),
        (
            "/LM/W3SVC/1/root",
            "AccessFlags",
            Some((list(&["AccessRead", "AccessScript"]), 69)),
        ),
        // "0" is no flag at all.
        (
            "/LM/W3SVC/1/root/Exchange",
            "DirBrowseFlags",
            Some((list(&[]), 83)),
        ),
        (
            "/LM/W3SVC/1/root/owa",
            "DirBrowseFlags",
            Some((
                list(&[
                    "DirBrowseShowDate",
                    "DirBrowseShowTime",
                    "DirBrowseShowSize",
                    "DirBrowseShowExtension",
                    "DirBrowseShowLongDate",
                    "EnableDefaultDoc",
                ]),
                30,
            )),
        ),
        (
            "/LM/W3SVC/1/root/owa",
            "ScriptMaps",
            Some((script_maps, 33)),
        ),
        (
            "/LM/W3SVC/1",
            "ServerBindings",
            Some((multi(&[":80:", "10.0.0.15:80:mail.contoso.com"]), 63)),
        ),
        // ServerBindings is NO_ATTRIBUTES: it does not reach the root virtual directory.
        ("/LM/W3SVC/1/root", "ServerBindings", None),
        (
            "/LM/W3SVC",
            "HttpCustomHeaders",
            Some((multi(&["X-Powered-By: ASP.NET"]), 31)),
        ),
        (
            "/LM/W3SVC/1/root/owa",
            "AnonymousUserPass",
            Some((Value::String(ENCRYPTED.into()), 25)),
        ),
        (
            "/LM/W3SVC/1/root",
            "WAMUserPass",
            Some((
                Value::String("present, invalidated by the export (NOLONGERVALID)".into()),
                36,
            )),
        ),
        (
            "/LM/W3SVC/1/root/owa",
            "Path",
            Some((
                Value::String(
                    "C:\\Program Files\\Microsoft\\Exchange Server\\ClientAccess\\Owa".into(),
                ),
                101,
            )),
        ),
        // <Custom> properties: by name or by ID, typed, inherited only with INHERIT.
        (
            "/LM/W3SVC/1/root/owa",
            "DisableLM",
            Some((Value::Dword(1), 42)),
        ),
        ("/LM/W3SVC/1/root/owa", "45054", Some((Value::Dword(1), 42))),
        (
            "/LM/W3SVC/1/root/owa",
            "ExchangeAdminSecret",
            Some((Value::String(ENCRYPTED.into()), 50)),
        ),
        (
            "/LM/W3SVC/1/root/Exchange",
            "28581",
            Some((Value::String("\"Exchange\" & friends".into()), 86)),
        ),
        ("/LM/W3SVC/1/root/Exchange/sub", "28581", None),
        (
            "/LM/W3SVC/1/root/owa/auth",
            "KeyType",
            Some((Value::String("IIsWebDirectory".into()), 104)),
        ),
        ("/LM/W3SVC/1/root/owa/auth/x", "KeyType", None),
        (
            "/LM/W3SVC/AppPools/MSExchangeOWAAppPool",
            "AppPoolIdentityType",
            Some((Value::String("0".into()), 136)),
        ),
        (
            "/LM/W3SVC/AppPools/Other",
            "AppPoolIdentityType",
            Some((Value::String("2".into()), 131)),
        ),
        (
            "/LM/W3SVC/Filters/Exchange OWA Cookie Authentication ISAPI Filter",
            "FilterFlags",
            Some((
                list(&[
                    "NotifyOrderHigh",
                    "NotifyPreProcHeaders",
                    "NotifyAuthComplete",
                ]),
                146,
            )),
        ),
        (
            ".",
            "ChangeNumber",
            Some((Value::String("4711".into()), 10)),
        ),
        ("/LM/W3SVC/1/root/owa", "NoSuchProperty", None),
    ];
    let addresses: Vec<Address> = cases.iter().map(|(l, p, _)| address(l, p)).collect();
    let collected = collect_from(&fixture(), &addresses);
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
    assert_eq!(collected.files_read, vec![PathBuf::from(METABASE)]);
    for ((location, property, expected), address) in cases.iter().zip(&addresses) {
        let got = collected.items.get(address);
        match expected {
            None => assert!(got.is_none(), "{location} {property}: {got:?}"),
            Some((value, line)) => {
                let item = got.unwrap_or_else(|| panic!("{location} {property}: missing"));
                assert_eq!(&item.value, value, "{location} {property}");
                assert_eq!(item.provenance.line, *line, "{location} {property}");
                assert_eq!(item.provenance.file, PathBuf::from(METABASE));
            }
        }
    }
}

#[test]
fn values_follow_the_property_kind() {
    let named: &[(&str, &str, Value)] = &[
        (
            "AccessFlags",
            "AccessRead | AccessScript",
            list(&["AccessRead", "AccessScript"]),
        ),
        ("AccessSSLFlags", "0", list(&[])),
        ("AccessSSLFlags", "", list(&[])),
        (
            "AuthPersistence",
            "AuthPersistSingleRequest",
            list(&["AuthPersistSingleRequest"]),
        ),
        ("ServerBindings", ":80:", multi(&[":80:"])),
        (
            "HttpErrors",
            "400,*,FILE,C:\\x.htm\n\t\t\t401,1,URL,/e.asp",
            multi(&["400,*,FILE,C:\\x.htm", "401,1,URL,/e.asp"]),
        ),
        ("Unknown", "a\r\n  b", multi(&["a", "b"])),
        ("UNCPassword", "4963446270", Value::String(ENCRYPTED.into())),
        (
            "AnonymousUserPass",
            "NOLONGERVALID",
            Value::String("present, invalidated by the export (NOLONGERVALID)".into()),
        ),
        (
            "Path",
            "%SystemRoot%\\Help",
            Value::String("%SystemRoot%\\Help".into()),
        ),
    ];
    for (name, raw, expected) in named {
        assert_eq!(named_value(name, raw), *expected, "{name}={raw:?}");
    }
    let custom: &[(&str, &str, bool, Result<Value, &str>)] = &[
        ("DWORD", "42", false, Ok(Value::Dword(42))),
        ("dword", "0x10", false, Ok(Value::Dword(16))),
        ("DWORD", "-1", false, Err("not a DWORD")),
        ("DWORD", "x", false, Err("not a DWORD")),
        ("STRING", "a b", false, Ok(Value::String("a b".into()))),
        (
            "EXPANDSZ",
            "%windir%",
            false,
            Ok(Value::ExpandString("%windir%".into())),
        ),
        ("MULTISZ", "a\n\tb\n", false, Ok(multi(&["a", "b"]))),
        ("BINARY", "00 ff", false, Ok(Value::Binary(vec![0, 255]))),
        ("BINARY", "0g", false, Err("not hexadecimal")),
        ("BINARY", "0", false, Err("not hexadecimal")),
        ("DWORD", "secret", true, Ok(Value::String(ENCRYPTED.into()))),
    ];
    for (kind, raw, secure, expected) in custom {
        match (custom_value(kind, raw, *secure), expected) {
            (Ok(value), Ok(expected)) => assert_eq!(value, *expected, "{kind} {raw}"),
            (Err(message), Err(needle)) => assert!(message.contains(needle), "{message}"),
            (got, want) => panic!("{kind} {raw}: {got:?} vs {want:?}"),
        }
    }
    let locations = [
        ("/LM/W3SVC/1/root/", "/LM/W3SVC/1/root"),
        ("LM\\W3SVC", "/LM/W3SVC"),
        ("//LM//W3SVC", "/LM/W3SVC"),
        (" . ", "."),
        ("/", "/"),
    ];
    for (raw, normal) in locations {
        assert_eq!(normalize_location(raw), normal, "{raw}");
    }
}

#[test]
fn the_export_shape_is_read_as_iiscnfg_writes_it() {
    let text = std::fs::read_to_string(fixture().join(METABASE)).unwrap();
    assert!(text.contains("<IIsWebService\tLocation =\"/LM/W3SVC\""));
    let (keys, diagnostics) = parse(&text, Path::new(METABASE), None).unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(keys.len(), 15);
    let classes: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k.class.as_str(), k.location.as_str()))
        .take(4)
        .collect();
    assert_eq!(
        classes,
        vec![
            ("IIS_Global", "."),
            ("IIsComputer", "/LM"),
            ("IIsWebService", "/LM/W3SVC"),
            ("IIsWebServer", "/LM/W3SVC/1"),
        ]
    );
    // Only the keys on the way to a wanted path are kept.
    let wanted = vec![folded_segments("/LM/W3SVC/1/root/owa/auth")];
    let (kept, _) = parse(&text, Path::new(METABASE), Some(&wanted)).unwrap();
    let kept: Vec<&str> = kept.iter().map(|k| k.location.as_str()).collect();
    assert_eq!(
        kept,
        vec![
            "/LM",
            "/LM/W3SVC",
            "/LM/W3SVC/1",
            "/LM/W3SVC/1/root",
            "/LM/W3SVC/1/root/owa",
            "/LM/W3SVC/1/root/owa/auth"
        ]
    );
}

#[test]
fn problems_in_the_file_are_reported_where_they_are() {
    let ns = r#"xmlns="urn:microsoft-catalog:XML_Metabase_V64_0""#;
    // (file text, address location, property, diagnostic line, text, blocks the setting)
    let cases: Vec<(String, &str, &str, u32, &str, bool)> = vec![
        (
            format!(
                "<configuration {ns}>\n<MBProperty>\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\">\n</MBProperty>\n</configuration>"
            ),
            "/LM/W3SVC/1",
            "ServerComment",
            4,
            "unclosed <IIsWebServer>",
            true,
        ),
        (
            "<configuration xmlns=\"urn:other\"><MBProperty/></configuration>".to_string(),
            "/LM",
            "X",
            1,
            "not a MetaBase.xml export",
            true,
        ),
        (
            format!(
                "<configuration {ns}>\n<MBProperty>\n<IIsWebServer ServerComment=\"x\"/>\n</MBProperty></configuration>"
            ),
            "/LM",
            "X",
            3,
            "no Location",
            false,
        ),
        (
            format!(
                "<configuration {ns}><MBProperty>\n<IIsWebService Location=\"/LM/W3SVC\">\n<Custom Name=\"N\" ID=\"9\" Value=\"zz\" Type=\"DWORD\" Attributes=\"INHERIT\"/>\n</IIsWebService></MBProperty></configuration>"
            ),
            "/lm/w3svc",
            "N",
            3,
            "not a DWORD",
            true,
        ),
        (
            format!(
                "<configuration {ns}><MBProperty>\n<IIsWebService Location=\"/LM/W3SVC\">\n<Bogus/>\n</IIsWebService></MBProperty></configuration>"
            ),
            "/LM/W3SVC",
            "X",
            3,
            "not a <Custom>",
            false,
        ),
        (
            format!("<configuration {ns}>\n<MBSchema/>\n<MBProperty/></configuration>"),
            "/LM",
            "X",
            2,
            "outside <MBProperty>",
            false,
        ),
        (
            format!(
                "<configuration {ns}><MBProperty>\n<IIsComputer Location=\"/LM\" A=\"1\"/>\n<IIsComputer Location=\"/lm\" A=\"2\"/>\n</MBProperty></configuration>"
            ),
            "/LM",
            "A",
            3,
            "appears again",
            false,
        ),
    ];
    for (text, location, property, line, needle, blocks) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("MetaBase.xml"), &text).unwrap();
        let address = address(location, property);
        let collected = collect_from(dir.path(), std::slice::from_ref(&address));
        let diagnostic = collected
            .diagnostics
            .iter()
            .find(|d| d.message.contains(needle))
            .unwrap_or_else(|| panic!("{text}: {:?}", collected.diagnostics));
        assert_eq!(diagnostic.line, line, "{diagnostic}");
        let names_it = diagnostic.location.as_deref().map(str::to_lowercase)
            == Some(address.location.to_lowercase())
            && diagnostic.name.as_deref() == Some(address.name.as_str());
        assert_eq!(names_it, blocks, "{diagnostic:?}");
        // A malformed or foreign file stops: nothing is read from it.
        if needle.starts_with("unclosed") || needle.starts_with("not a MetaBase") {
            assert!(collected.items.is_empty(), "{text}");
        }
    }
    // Of a key given twice, the later element's value wins.
    let text = format!(
        "<configuration {ns}><MBProperty>\n<IIsComputer Location=\"/LM\" A=\"1\"/>\n<IIsComputer Location=\"/lm\" A=\"2\"/>\n</MBProperty></configuration>"
    );
    let (keys, _) = parse(&text, Path::new("m.xml"), None).unwrap();
    let item = resolve(&keys, Path::new("m.xml"), "/LM/W3SVC", "A").unwrap();
    assert_eq!(
        (item.value, item.provenance.line),
        (Value::String("2".into()), 3)
    );
}

#[test]
fn source_tables_are_checked() {
    let mut source = toml::Table::new();
    source.insert("type".into(), "metabase".into());
    source.insert("location".into(), "/LM/W3SVC/1/root/owa/".into());
    source.insert("property".into(), "AccessSSLFlags".into());
    let address = MetabaseCollector.parse_address(&source).unwrap();
    assert_eq!(
        (
            address.file.as_str(),
            address.location.as_str(),
            address.name.as_str()
        ),
        ("MetaBase.xml", "/LM/W3SVC/1/root/owa", "AccessSSLFlags")
    );
    let bad: &[(&[(&str, &str)], &str)] = &[
        (&[("location", "/LM")], "property"),
        (&[("property", "X")], "location"),
        (&[("location", "/"), ("property", "X")], "metabase path"),
        (&[("location", "/LM"), ("property", "A B")], "property name"),
        (
            &[("location", "/LM"), ("property", "X"), ("section", "s")],
            "unknown field",
        ),
    ];
    for (fields, needle) in bad {
        let mut source = toml::Table::new();
        source.insert("type".into(), "metabase".into());
        for (k, v) in *fields {
            source.insert(k.to_string(), (*v).into());
        }
        let err = MetabaseCollector.parse_address(&source).unwrap_err();
        assert!(err.contains(needle), "{fields:?}: {err}");
    }
    assert!(MetabaseCollector.claims(Path::new("WINDOWS/system32/inetsrv/MetaBase.xml")));
    assert!(MetabaseCollector.claims(Path::new("metabase-export.XML")));
    assert!(!MetabaseCollector.claims(Path::new("inetsrv/MBSchema.xml")));
}

#[test]
fn listing_shows_every_key_and_property() {
    let listing = MetabaseCollector.list(&fixture(), Path::new(METABASE));
    assert!(listing.diagnostics.is_empty());
    let find = |location: &str, name: &str| {
        listing
            .items
            .iter()
            .find(|i| i.address.location == location && i.address.name == name)
            .unwrap_or_else(|| panic!("{location} {name}"))
    };
    assert_eq!(
        find("/LM/W3SVC/1/root/owa/auth", "KeyType").item.value,
        Value::String("IIsWebDirectory".into())
    );
    assert_eq!(
        find("/LM/W3SVC/1/root/Exchange", "28581")
            .item
            .provenance
            .line,
        86
    );
    assert_eq!(find("/LM/W3SVC", "ScriptMaps").item.provenance.line, 33);
    // 15 keys, each with its KeyType row, plus every property.
    let properties: usize = {
        let text = std::fs::read_to_string(fixture().join(METABASE)).unwrap();
        let (keys, _) = parse(&text, Path::new(METABASE), None).unwrap();
        keys.iter().map(|k| k.properties.len()).sum()
    };
    assert_eq!(listing.items.len(), 15 + properties);
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("MetaBase.xml"), "<configuration").unwrap();
    let listing = MetabaseCollector.list(broken.path(), Path::new("MetaBase.xml"));
    assert!(listing.items.is_empty());
    assert_eq!(listing.diagnostics.len(), 1);
}

/// A generated key: path index into the pool, whether it sets the property, and (for a
/// `<Custom>`) whether it is inheritable.
fn render(keys: &[(usize, Option<u8>, bool)], pool: &[&str]) -> String {
    let mut text = String::from(
        "<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\n<MBProperty>\n",
    );
    for (path, value, inherit) in keys {
        text.push_str(&format!("<IIsConfigObject\tLocation =\"{}\"", pool[*path]));
        if let Some(v) = value {
            text.push_str(&format!("\n\t\tAccessFlags=\"Flag{v}\""));
        }
        text.push_str(">\n");
        if let Some(v) = value {
            let attributes = if *inherit { "INHERIT" } else { "NO_ATTRIBUTES" };
            text.push_str(&format!(
                "\t<Custom Name=\"C\" ID=\"7\" Value=\"{v}\" Type=\"DWORD\" Attributes=\"{attributes}\"/>\n"
            ));
        }
        text.push_str("</IIsConfigObject>\n");
    }
    text.push_str("</MBProperty>\n</configuration>\n");
    text
}

proptest! {
    #[test]
    fn generated_keys_inherit_like_the_model(
        keys in proptest::collection::vec((0usize..5, proptest::option::of(0u8..9), any::<bool>()), 0..8),
        target in 0usize..6,
    ) {
        let pool = ["/LM", "/LM/W3SVC", "/lm/w3svc/1", "/LM/W3SVC/1/ROOT", "/LM/W3SVC/10", "/LM/W3SVC/1/Root/owa"];
        let text = render(&keys, &pool);
        let (parsed, diagnostics) = parse(&text, Path::new("m.xml"), None).unwrap();
        let target_segs = folded_segments(pool[target]);
        // Model: deepest key on the path that sets it (later element first among
        // duplicates); `AccessFlags` always inherits, `<Custom>` only with INHERIT.
        let mut named = None;
        let mut custom = None;
        for depth in (0..=target_segs.len()).rev() {
            for (path, value, inherit) in keys.iter().rev() {
                let segs = folded_segments(pool[*path]);
                if segs.len() != depth || !target_segs.starts_with(&segs) {
                    continue;
                }
                if let Some(v) = value {
                    named = named.or(Some(list(&[&format!("Flag{v}")])));
                    if *inherit || depth == target_segs.len() {
                        custom = custom.or(Some(Value::Dword(u32::from(*v))));
                    }
                }
            }
        }
        let got_named = resolve(&parsed, Path::new("m.xml"), pool[target], "AccessFlags").map(|i| i.value);
        let got_custom = resolve(&parsed, Path::new("m.xml"), pool[target], "7").map(|i| i.value);
        prop_assert_eq!(got_named, named);
        prop_assert_eq!(got_custom, custom);
        prop_assert!(diagnostics.iter().all(|d| d.message.contains("appears again")));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = crate::collect::decode::decode(&bytes).0.into_owned();
        if let Ok((keys, _)) = parse(&text, Path::new("m.xml"), None) {
            let _ = resolve(&keys, Path::new("m.xml"), "/LM/W3SVC/1", "AccessFlags");
        }
    }

    #[test]
    fn metabase_like_noise_never_panics(body in "[<>/=\"' A-Za-z|\t\n&;#]{0,160}") {
        let text = format!("<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\"><MBProperty>{body}</MBProperty></configuration>");
        if let Ok((keys, _)) = parse(&text, Path::new("m.xml"), None) {
            for key in &keys {
                let _ = resolve(&keys, Path::new("m.xml"), &key.location, "A");
            }
        }
    }
}
