//! Collector tests: addresses, collection over handwritten host folders, listing, and every
//! file of the real-world corpus.

use super::*;
use crate::collect::Item;
use crate::testutil::corpus_files;
use crate::value::Value;

fn source(text: &str) -> toml::Table {
    toml::from_str(text).expect("valid TOML")
}

fn address(key: &str, value: &str, file: &str) -> Address {
    RegistryCollector
        .parse_address(&source(&format!(
            "type = \"registry\"\nkey = '{key}'\nvalue = '{value}'\nfile = '{file}'"
        )))
        .expect("valid address")
}

fn fixture_host(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reg")
        .join(name)
}

/// Collects from a fixture host folder.
fn collect(host: &str, wanted: &[Address]) -> Collected {
    let root = fixture_host(host);
    let (files, walk_diagnostics) = crate::collect::walk::host_files(&root);
    assert!(walk_diagnostics.is_empty());
    let refs: Vec<&Address> = wanted.iter().collect();
    RegistryCollector.collect(
        &HostFiles {
            root: &root,
            files: &files,
        },
        &refs,
    )
}

#[test]
fn addresses_parse_and_normalise() {
    let ok = RegistryCollector
        .parse_address(&source(
            "type = \"registry\"\nkey = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters'\nvalue = \"KeepAliveTime\"",
        ))
        .unwrap();
    assert_eq!(
        ok,
        Address {
            collector: "registry".into(),
            file: String::new(),
            location: "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters".into(),
            name: "KeepAliveTime".into(),
        }
    );
    assert_eq!(address("HKCU\\K", "@", "").name, "@");
    assert_eq!(address("HKCU\\K", "", "").name, "@");
    assert_eq!(
        address("HKCU\\K", "v", "exports\\*.reg").file,
        "exports/*.reg"
    );
    let errors = [
        ("key = 'SOFTWARE\\X'\nvalue = 'v'", "registry hive"),
        ("key = 'HKLM\\X'", "missing `value`"),
        ("value = 'v'", "missing `key`"),
        (
            "key = 'HKLM\\X'\nvalue = 'v'\nhive = 'x'",
            "unknown field `hive`",
        ),
        ("key = 'HKLM\\X'\nvalue = 1", "must be a string"),
        (
            "key = 'HKLM\\X'\nvalue = 'v'\nfile = 'a[.reg'",
            "file `a[.reg`",
        ),
    ];
    for (text, expected) in errors {
        let error = RegistryCollector
            .parse_address(&source(&format!("type = \"registry\"\n{text}")))
            .unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[test]
fn files_merge_in_sorted_order_with_deletions_and_recreation() {
    let tcpip = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters";
    let wanted = [
        address(tcpip, "KeepAliveTime", ""),
        address(&tcpip.to_lowercase(), "keepalivetime", ""),
        address(tcpip, "EnableDeadGWDetect", ""),
        address(tcpip, "DisabledComponents", ""),
        address(tcpip, "SearchList", ""),
        address(
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange\\Setup",
            "@",
            "",
        ),
        address(
            "hklm\\software\\microsoft\\exchange\\setup",
            "MsiInstallPath",
            "",
        ),
        address("HKLM\\SOFTWARE\\Microsoft\\Exchange\\Setup", "Owner", ""),
        address("HKLM\\SOFTWARE\\Vendor\\Agent", "Mode", ""),
        address("HKLM\\SOFTWARE\\Vendor\\Agent", "Paths", ""),
        address("HKLM\\SOFTWARE\\Vendor\\Agent\\Plugins", "Old", ""),
        address(tcpip, "KeepAliveTime", "10-*.reg"),
    ];
    let collected = collect("host-a", &wanted);
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
    assert_eq!(
        collected.files_read,
        [
            PathBuf::from("10-base.reg"),
            PathBuf::from("20-override.reg"),
            PathBuf::from("sub/30-extra.reg")
        ]
    );
    let value = |i: usize| collected.items.get(&wanted[i]).map(|item| &item.value);
    assert_eq!(
        value(0),
        Some(&Value::Dword(300_000)),
        "the later file wins"
    );
    assert_eq!(value(1), Some(&Value::Dword(300_000)), "any case matches");
    assert_eq!(value(2), None, "deleted by the later file");
    assert_eq!(value(3), Some(&Value::Dword(0xff)), "hex(4) is a DWORD");
    assert_eq!(value(4), Some(&Value::String("corp.example.com".into())));
    assert_eq!(value(5), Some(&Value::String("Exchange 2007".into())));
    assert_eq!(
        value(6),
        Some(&Value::String(
            "C:\\Program Files\\Microsoft\\Exchange Server\\".into()
        ))
    );
    assert_eq!(
        value(7),
        Some(&Value::String("Messaging Team".into())),
        "REGEDIT4 in a subfolder"
    );
    assert_eq!(
        value(8),
        Some(&Value::String("modern".into())),
        "re-created after deletion"
    );
    assert_eq!(
        value(9),
        Some(&Value::MultiString(vec!["C:\\a".into(), "D:\\b".into()]))
    );
    assert_eq!(value(10), None, "deleted with its parent key");
    assert_eq!(
        value(11),
        Some(&Value::Dword(0x006ddd00)),
        "`file` restricts the files read"
    );

    let item: &Item = &collected.items[&wanted[0]];
    assert_eq!(item.provenance.file, PathBuf::from("20-override.reg"));
    assert_eq!(item.provenance.line, 4);
    assert_eq!(
        item.provenance.location,
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
    );
}

#[test]
fn malformed_input_names_the_setting_it_was_meant_for() {
    let tcpip = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters";
    let wanted = [
        address(tcpip, "KeepAliveTime", ""),
        address(tcpip, "TcpTimedWaitDelay", ""),
    ];
    let collected = collect("host-b", &wanted);
    assert!(
        !collected.items.contains_key(&wanted[0]),
        "never truncated to 8 digits"
    );
    assert_eq!(
        collected.items[&wanted[1]].value,
        Value::Dword(30),
        "the next line is still read"
    );
    let bad_dword = collected
        .diagnostics
        .iter()
        .find(|d| d.line == 4)
        .expect("9-digit dword reported");
    assert_eq!(bad_dword.file, PathBuf::from("export.reg"));
    assert_eq!(bad_dword.location.as_deref(), Some(tcpip));
    assert_eq!(bad_dword.name.as_deref(), Some("KeepAliveTime"));
    assert!(
        bad_dword.message.contains("9 hex digits"),
        "{}",
        bad_dword.message
    );
    let no_header = collected
        .diagnostics
        .iter()
        .find(|d| d.file == Path::new("zz-broken.reg"))
        .expect("file without header reported");
    assert_eq!(no_header.line, 0);
    assert!(no_header.message.contains("not a registry export"));
}

#[test]
fn a_host_without_exports_yields_nothing_and_unreadable_files_are_reported() {
    let collected = collect("host-a", &[address("HKLM\\X", "v", "missing-*.reg")]);
    assert!(collected.items.is_empty() && collected.diagnostics.is_empty());
    let root = fixture_host("host-a");
    let files = vec![PathBuf::from("does-not-exist.reg")];
    let wanted = address("HKLM\\X", "v", "");
    let collected = RegistryCollector.collect(
        &HostFiles {
            root: &root,
            files: &files,
        },
        &[&wanted],
    );
    assert_eq!(collected.diagnostics.len(), 1);
    assert!(collected.diagnostics[0].message.starts_with("cannot read"));
}

#[test]
fn list_shows_every_value_with_type_and_line() {
    let listing = RegistryCollector.list(&fixture_host("host-a"), Path::new("20-override.reg"));
    assert!(listing.diagnostics.is_empty(), "{:?}", listing.diagnostics);
    let rows: Vec<(u32, &str, String)> = listing
        .items
        .iter()
        .map(|l| {
            (
                l.item.provenance.line,
                l.address.name.as_str(),
                l.item.value.type_name(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (4, "KeepAliveTime", "REG_DWORD".to_string()),
            (6, "DisabledComponents", "REG_DWORD".to_string()),
            (11, "Mode", "REG_SZ".to_string()),
            (12, "Paths", "REG_MULTI_SZ".to_string()),
        ]
    );
    assert_eq!(listing.items[0].address.file, "20-override.reg");
    assert_eq!(
        listing.items[2].address.location,
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Agent"
    );
    let missing = RegistryCollector.list(&fixture_host("host-a"), Path::new("nope.reg"));
    assert_eq!(missing.diagnostics.len(), 1);
    assert!(RegistryCollector.claims(Path::new("a/B.REG")));
    assert!(!RegistryCollector.claims(Path::new("a/b.pol")));
}

/// Parses one corpus file by name.
fn corpus(name: &str) -> Option<(ParsedReg, RegistryModel)> {
    let path = corpus_files("reg")
        .into_iter()
        .find(|p| p.ends_with(name))?;
    let bytes = std::fs::read(&path).expect("readable corpus file");
    let parsed = parse_reg(&bytes, Path::new(name));
    let mut model = RegistryModel::new();
    model.apply(Path::new(name), &parsed.records);
    Some((parsed, model))
}

#[test]
fn every_corpus_file_parses_cleanly_except_the_known_nine_digit_dword() {
    let files = corpus_files("reg");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(path).unwrap();
        let parsed = parse_reg(&bytes, Path::new(&name));
        assert!(parsed.dialect.is_some(), "{name}: no header");
        assert!(!parsed.records.is_empty(), "{name}: no records");
        if name == "w4rh4wk_lower_ram_usage.reg" {
            assert_eq!(
                parsed.diagnostics.len(),
                1,
                "{name}: {:?}",
                parsed.diagnostics
            );
            let d = &parsed.diagnostics[0];
            assert_eq!(d.line, 9);
            assert_eq!(d.name.as_deref(), Some("NetworkThrottlingIndex"));
            assert_eq!(
                d.location.as_deref(),
                Some(
                    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Multimedia\\SystemProfile"
                )
            );
            assert!(d.message.contains("dword:0ffffffff"), "{}", d.message);
        } else {
            assert!(
                parsed.diagnostics.is_empty(),
                "{name}: {:?}",
                parsed.diagnostics
            );
        }
        // The audit's skipping parser agrees with the full one on every value of the file.
        let mut model = RegistryModel::new();
        model.apply(Path::new(&name), &parsed.records);
        let wanted: Vec<Address> = model
            .keys()
            .flat_map(|k| k.values().map(move |v| (k, v)))
            .map(|(k, v)| Address {
                collector: "registry".into(),
                file: String::new(),
                location: k.written.clone(),
                name: address_name(&v.name),
            })
            .collect();
        let refs: Vec<&Address> = wanted.iter().collect();
        let set = WantedSet::new(&refs);
        let filtered = parse::parse_filtered(&bytes, Path::new(&name), Filter::Wanted(&set));
        let mut filtered_model = RegistryModel::new();
        filtered_model.apply(Path::new(&name), &filtered.records);
        for address in &wanted {
            assert_eq!(
                filtered_model.value(&address.location, &address.name),
                model.value(&address.location, &address.name),
                "{name}: {address}"
            );
        }
    }
}

#[test]
fn corpus_values_read_as_written() {
    let Some((_, ascii)) = corpus("mswcs_sideshow_pictures.reg") else {
        return;
    };
    let (utf16, utf16_model) = corpus("mswcs_sideshow_pictures_utf16_2016.reg").unwrap();
    assert_eq!(
        utf16.encoding,
        crate::collect::decode::TextEncoding::Utf16Le
    );
    let gadget =
        "HKCU\\Software\\Microsoft\\SideShow\\Gadgets\\{00BA1AD8-5381-449b-9A13-551FA4ADE0F2}";
    assert_eq!(
        ascii.value(gadget, "Endpoints"),
        Some(&Value::MultiString(vec![
            "{A9A5353F-2D4B-47ce-93EE-759F3A7DDA4F}".into()
        ]))
    );
    assert_eq!(
        ascii.value(gadget, "FriendlyName"),
        Some(&Value::ExpandString(
            "@%USERPROFILE%\\Desktop\\WindowsSideShowPictures\\WindowsSideShowPictures.exe,-1000"
                .into()
        ))
    );
    for name in [
        "Endpoints",
        "FriendlyName",
        "Icon",
        "OnlineOnly",
        "StartCommand",
    ] {
        assert!(ascii.value(gadget, name).is_some(), "{name}");
        assert_eq!(
            ascii.value(gadget, name),
            utf16_model.value(gadget, name),
            "{name}"
        );
    }
    // regedit's own export comes back byte for byte from the writer.
    let original = std::fs::read(
        corpus_files("reg")
            .into_iter()
            .find(|p| p.ends_with("mswcs_sideshow_pictures_utf16_2016.reg"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(write_reg(&utf16_model).unwrap(), original);

    let (_, wine) = corpus("wine_regedit_tests_orig.reg").unwrap();
    let key1 = "HKEY_CURRENT_USER\\Test Regedit\\New Key #1";
    let long_name = "A- \" Binary Value #1, long name \\ []= long long long long long long long long long long long long end";
    match wine.value(key1, long_name) {
        Some(Value::Binary(bytes)) => {
            assert_eq!(bytes.len(), 277);
            assert!(bytes.starts_with(b"012345678901") && bytes.ends_with(b"23456"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        wine.value(key1, "v1"),
        Some(&Value::String("\" \\,=[]".into()))
    );
    assert_eq!(
        wine.value(key1, "New Binary Value #2"),
        Some(&Value::Binary(vec![]))
    );
    assert_eq!(
        wine.value(key1, "New DWORD Value #2"),
        Some(&Value::Dword(0xc9))
    );
    match wine.value(key1, "@") {
        Some(Value::String(text)) => {
            assert!(text.starts_with("222Sample default value data, very long"));
            assert!(text.len() > 200, "strings are never wrapped");
        }
        other => panic!("{other:?}"),
    }
    for name in ["Empty Value1", "Empty Value2", "Empty Value3"] {
        assert_eq!(
            wine.value(&format!("{key1}\\New Key #2"), name),
            Some(&Value::MultiString(vec![])),
            "{name}"
        );
    }
    match wine.value("HKCU\\Test Regedit\\New Key #7", "Presentation Cache") {
        Some(Value::Binary(bytes)) => {
            assert_eq!(bytes.len(), 2628);
            assert!(bytes.ends_with(b") content indexer\0\0\0"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        wine.key(&format!("{key1}\\New Key #2\\New Key #3"))
            .is_some_and(|k| k.exists)
    );

    let (_, photo) = corpus("w4rh4wk_enable_photo_viewer.reg").unwrap();
    for ext in [".jpg", ".png", ".ico"] {
        assert_eq!(
            photo.value(&format!("HKEY_CURRENT_USER\\Software\\Classes\\{ext}"), "@"),
            Some(&Value::String("PhotoViewer.FileAssoc.Tiff".into())),
            "{ext}"
        );
    }

    let (appmem, appmem_model) = corpus("mswcs_appmem.reg").unwrap();
    assert_eq!(appmem.dialect, Some(Dialect::Regedit4));
    let perf = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\AppMem\\Performance";
    assert_eq!(
        appmem_model.value(perf, "Library"),
        Some(&Value::String("appmem.dll".into()))
    );
    let eventlog = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\AppMem";
    assert_eq!(
        appmem_model.value(eventlog, "TypesSupported"),
        Some(&Value::Dword(7))
    );
    assert_eq!(
        appmem_model.value(eventlog, "EventMessageFile"),
        Some(&Value::String("%systemroot%\\system32\\appmem.dll".into()))
    );

    let (_, vim) = corpus("vim_gvimext.reg").unwrap();
    assert_eq!(
        vim.value("HKCR\\*\\shellex\\ContextMenuHandlers\\gvim", "@"),
        Some(&Value::String(
            "{51EEE242-AD87-11d3-9C1E-0090278BBD99}".into()
        ))
    );
    assert_eq!(
        vim.value("HKLM\\Software\\Vim\\Gvim", "path"),
        Some(&Value::String("gvim.exe".into()))
    );

    let (credprov, _) = corpus("mswcs_credprov_unregister.reg").unwrap();
    assert!(matches!(
        &credprov.records[..],
        [Record::DeleteKey { line: 3, .. }]
    ));

    let (_, wmp) = corpus("mswcs_wmp_debugon.reg").unwrap();
    assert_eq!(
        wmp.value(
            "HKCU\\SOFTWARE\\Microsoft\\MediaPlayer\\Preferences",
            "ScriptDebugging"
        ),
        Some(&Value::Binary(vec![1]))
    );

    let (_, l2) = corpus("mswcs_l2secext.reg").unwrap();
    assert!(l2
        .key("HKLM\\SYSTEM\\CurrentControlSet\\Control\\NetDiagFx\\MyCompany\\HostDLLs\\L2SecExt\\HelperClasses")
        .is_some_and(|k| k.exists && k.values().count() == 0));
    match l2.value(
        "HKCR\\AppID\\{00102030-4050-6070-8090-A0B0C0D0E0F0}",
        "LaunchPermission",
    ) {
        Some(Value::Binary(bytes)) => assert_eq!(&bytes[..4], &[1, 0, 4, 0x80]),
        other => panic!("{other:?}"),
    }

    let (_, fd) = corpus("mswcs_fd_provider_install.reg").unwrap();
    assert_eq!(
        fd.value(
            "HKCR\\CLSID\\{8C19066A-643A-4586-92B2-A785B90D766F}\\InprocServer32",
            "ThreadingModel"
        ),
        Some(&Value::String("Free".into()))
    );

    let (_, ram) = corpus("w4rh4wk_lower_ram_usage.reg").unwrap();
    let profile =
        "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Multimedia\\SystemProfile";
    assert_eq!(ram.value(profile, "NetworkThrottlingIndex"), None);
    assert_eq!(
        ram.value(profile, "SystemResponsiveness"),
        Some(&Value::Dword(0))
    );

    let (_, osp) = corpus("mswcs_sampleosp_vc.reg").unwrap();
    assert_eq!(
        osp.value(
            "HKCR\\CLSID\\{D54C0C30-0E70-11d1-B3AF-00AA00C1A924}\\InprocServer32",
            "@"
        ),
        Some(&Value::String(
            "c:\\Program Files\\Common Files\\System\\OLE DB\\MSDAOSP.DLL".into()
        ))
    );
}
