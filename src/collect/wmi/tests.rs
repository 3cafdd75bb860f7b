//! Collector-level tests: address syntax, handwritten Exchange 2007 fixtures, and every
//! corpus file of `clixml`, `ps_json` and `ps_csv`.

use super::*;
use crate::testutil::{corpus_dir, corpus_files};
use proptest::prelude::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wmi")
}

fn address(source: &str) -> Address {
    let table: toml::Table = toml::from_str(source).expect("valid TOML");
    WmiCollector.parse_address(&table).expect("valid source")
}

/// Collects the given sources from a folder holding `files`.
fn collect_in(root: &Path, files: &[&str], sources: &[&str]) -> (Vec<Address>, Collected) {
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let host = HostFiles {
        root,
        files: &files,
    };
    let addresses: Vec<Address> = sources.iter().map(|s| address(s)).collect();
    let refs: Vec<&Address> = addresses.iter().collect();
    let collected = WmiCollector.collect(&host, &refs);
    (addresses, collected)
}

fn value_of(collected: &Collected, address: &Address) -> Option<Value> {
    collected.items.get(address).map(|item| item.value.clone())
}

fn string(s: &str) -> Option<Value> {
    Some(Value::String(s.into()))
}

#[test]
fn select_syntax_table() {
    let condition = |p: &str, v: &str| (p.to_string(), v.to_string());
    let cases: Vec<(&str, Result<Selection, ()>)> = vec![
        (
            "Name=MSExchangeIS",
            Ok(Selection {
                many: false,
                conditions: vec![condition("Name", "MSExchangeIS")],
            }),
        ),
        (
            " Name = a , StartMode=Auto ",
            Ok(Selection {
                many: false,
                conditions: vec![condition("Name", "a"), condition("StartMode", "Auto")],
            }),
        ),
        (
            "Caption=Microsoft Windows Server 2003, Enterprise Edition",
            Ok(Selection {
                many: false,
                conditions: vec![condition(
                    "Caption",
                    "Microsoft Windows Server 2003, Enterprise Edition",
                )],
            }),
        ),
        (
            "Caption=\"a, b=c \"\"q\"\"\",Index=7",
            Ok(Selection {
                many: false,
                conditions: vec![
                    condition("Caption", "a, b=c \"q\""),
                    condition("Index", "7"),
                ],
            }),
        ),
        (
            "*",
            Ok(Selection {
                many: true,
                conditions: vec![],
            }),
        ),
        (
            "*, StartMode=Auto",
            Ok(Selection {
                many: true,
                conditions: vec![condition("StartMode", "Auto")],
            }),
        ),
        (
            "StartMode=Auto,*",
            Ok(Selection {
                many: true,
                conditions: vec![condition("StartMode", "Auto")],
            }),
        ),
        (
            "Name=",
            Ok(Selection {
                many: false,
                conditions: vec![condition("Name", "")],
            }),
        ),
        ("", Err(())),
        ("Name", Err(())),
        ("=x", Err(())),
        ("*,*", Err(())),
        ("Name=\"open", Err(())),
        ("Name=\"a\" b", Err(())),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_select(text).map_err(|_| ()), expected, "{text:?}");
    }
}

#[test]
fn addresses_are_validated() {
    let collector = WmiCollector;
    let parse = |s: &str| collector.parse_address(&toml::from_str::<toml::Table>(s).unwrap());
    assert_eq!(
        parse(
            "type='wmi'\nfile='wmi\\Win32_Service.xml'\nselect='Name=MSExchangeIS'\nproperty='StartMode'"
        ),
        Ok(Address {
            collector: "wmi".into(),
            file: "wmi/Win32_Service.xml".into(),
            location: "Name=MSExchangeIS".into(),
            name: "StartMode".into(),
        })
    );
    for bad in [
        "type='wmi'\nproperty='x'",
        "type='wmi'\nfile='a.xml'\nselect=''",
        "type='wmi'\nfile='a.xml'\nproperty='a..b'",
        "type='wmi'\nfile='a.xml'\nclass='x'",
        "type='wmi'\nfile='a.xml'\nselect=3",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn exchange_2007_services_from_utf16_clixml() {
    let (addresses, collected) = collect_in(
        &fixtures(),
        &["Win32_Service.xml"],
        &[
            "type='wmi'\nfile='Win32_Service.xml'\nselect='Name=msexchangeis'\nproperty='StartMode'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='Name=MSExchangeIS'\nproperty='Description'",
            "type='wmi'\nfile='*.xml'\nselect='Name=MSExchangeSA'\nproperty='__DERIVATION'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='Name=MSExchangeIMAP4,State=Stopped'\nproperty='ProcessId'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='Name=MSExchangeIS'\nproperty='InstallDate'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='StartMode=Auto'\nproperty='Name'",
            "type='wmi'\nfile='Win32_Service.xml'\nproperty='Name'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='*'\nproperty='StartMode'",
            "type='wmi'\nfile='Win32_Service.xml'\nselect='Name=MSExchangeIS'\nproperty='AcceptStop'",
        ],
    );
    assert_eq!(value_of(&collected, &addresses[0]), string("Auto"));
    let item = &collected.items[&addresses[0]];
    assert_eq!(item.provenance.location, "Win32_Service[Name=MSExchangeIS]");
    assert_eq!(item.provenance.line, 48);
    assert_eq!(
        value_of(&collected, &addresses[1]),
        string(
            "Manages the Microsoft Exchange Information Store.\r\nIf this service is stopped, mailbox and public folder stores on this computer are unavailable."
        )
    );
    // The second object reuses the first one's type names (TNRef) and derivation (Ref).
    assert_eq!(
        value_of(&collected, &addresses[2]),
        Some(Value::List(vec![
            "Win32_BaseService".into(),
            "CIM_Service".into(),
            "CIM_LogicalElement".into(),
            "CIM_ManagedSystemElement".into()
        ]))
    );
    assert_eq!(value_of(&collected, &addresses[3]), Some(Value::Integer(0)));
    assert_eq!(value_of(&collected, &addresses[4]), None, "$null is absent");
    assert_eq!(
        value_of(&collected, &addresses[8]),
        Some(Value::Boolean(true))
    );
    // Ambiguous selections are errors naming the candidates.
    for ambiguous in [&addresses[5], &addresses[6]] {
        assert_eq!(value_of(&collected, ambiguous), None);
        let diagnostic = collected
            .diagnostics
            .iter()
            .find(|d| {
                d.location.as_deref() == Some(ambiguous.location.as_str())
                    && d.name.as_deref() == Some("Name")
            })
            .expect("ambiguity reported");
        assert!(diagnostic.message.contains("MSExchangeIS"), "{diagnostic}");
    }
    let instances = &collected.instances[&addresses[7]];
    let labels: Vec<(&str, Option<&Value>)> = instances
        .iter()
        .map(|(label, item)| (label.as_str(), item.as_ref().map(|i| &i.value)))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("MSExchangeIS", Some(&Value::String("Auto".into()))),
            ("MSExchangeSA", Some(&Value::String("Auto".into()))),
            ("MSExchangeSearch", Some(&Value::String("Auto".into()))),
            ("MSExchangeIMAP4", Some(&Value::String("Disabled".into()))),
        ]
    );
    assert_eq!(
        collected.diagnostics.len(),
        2,
        "{:?}",
        collected.diagnostics
    );
}

#[test]
fn exchange_2007_services_from_a_type_csv() {
    let (addresses, collected) = collect_in(
        &fixtures(),
        &["Win32_Service.csv"],
        &[
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=MSExchangeIS'\nproperty='StartMode'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=MSExchangeIS'\nproperty='Description'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=MSExchangeIS'\nproperty='InstallDate'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=MSExchangeMailboxAssistants'\nproperty='Description'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=MSExchangeIS'\nproperty='Properties'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='*,StartMode=Disabled'\nproperty='State'",
            "type='wmi'\nfile='Win32_Service.csv'\nselect='Name=msftesql-Exchange'\nproperty='PathName'",
        ],
    );
    assert_eq!(value_of(&collected, &addresses[0]), string("Auto"));
    assert_eq!(collected.items[&addresses[0]].provenance.line, 3);
    assert_eq!(
        value_of(&collected, &addresses[1]),
        string(
            "Manages the Microsoft Exchange Information Store.\r\nIf this service is stopped, mailbox and public folder stores on this computer are unavailable."
        )
    );
    assert_eq!(
        value_of(&collected, &addresses[2]),
        None,
        "unquoted empty is $null"
    );
    assert_eq!(
        value_of(&collected, &addresses[3]),
        string(""),
        "quoted empty is an empty string"
    );
    // A nested object Export-Csv flattened to its type name is an error, not data.
    assert_eq!(value_of(&collected, &addresses[4]), None);
    assert!(collected.diagnostics.iter().any(|d| {
        d.name.as_deref() == Some("Properties")
            && d.message
                .contains("System.Management.PropertyDataCollection")
    }));
    let disabled = &collected.instances[&addresses[5]];
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].0, "MSExchangePOP3");
    assert_eq!(
        value_of(&collected, &addresses[6]),
        string(
            "\"C:\\Program Files\\Microsoft\\Exchange Server\\bin\\msftesql.exe\" -s:Exchange -f:Exchange"
        )
    );
}

#[test]
fn cim_json_in_utf16_with_wrappers() {
    let (addresses, collected) = collect_in(
        &fixtures(),
        &["Win32_Service.json"],
        &[
            "type='wmi'\nfile='Win32_Service.json'\nselect='Name=MSExchangeTransport'\nproperty='StartMode'",
            "type='wmi'\nfile='Win32_Service.json'\nselect='Name=MSExchangeTransport'\nproperty='CimInstanceProperties.PathName'",
            "type='wmi'\nfile='Win32_Service.json'\nselect='Name=MSExchangeTransport'\nproperty='CimSystemProperties.ServerName'",
            "type='wmi'\nfile='Win32_Service.json'\nselect='*'\nproperty='ProcessId'",
            "type='wmi'\nfile='Win32_Service.json'\nselect='Name=MSExchangeEdgeSync'\nproperty='DelayedAutoStart'",
        ],
    );
    assert_eq!(value_of(&collected, &addresses[0]), string("Auto"));
    assert_eq!(
        collected.items[&addresses[0]].provenance.location,
        "Win32_Service[Name=MSExchangeTransport]"
    );
    assert_eq!(
        value_of(&collected, &addresses[1]),
        string("\"C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\MSExchangeTransport.exe\"")
    );
    assert_eq!(value_of(&collected, &addresses[2]), string("EXHUB01"));
    let pids: Vec<Option<Value>> = collected.instances[&addresses[3]]
        .iter()
        .map(|(_, item)| item.as_ref().map(|i| i.value.clone()))
        .collect();
    assert_eq!(
        pids,
        vec![
            Some(Value::Integer(2280)),
            Some(Value::Integer(1964)),
            Some(Value::Integer(0))
        ]
    );
    assert_eq!(
        value_of(&collected, &addresses[4]),
        Some(Value::Boolean(false))
    );
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
}

#[test]
fn single_object_json_dates_enums_and_depth_truncation() {
    let (addresses, collected) = collect_in(
        &fixtures(),
        &["ExchangeServer.json"],
        &[
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='WhenCreated'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='ServerRole'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='AdminDisplayVersion.Build'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='ExchangeVersion.ExchangeBuild'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='NetworkAddress'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='ExternalPostmasterAddress'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='Notes'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='StaticDomainControllers'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='AdminDisplayVersion'",
            "type='wmi'\nfile='ExchangeServer.json'\nproperty='ErrorReportingEnabled'",
        ],
    );
    assert_eq!(
        value_of(&collected, &addresses[0]),
        string("2010-10-05T15:00:45Z")
    );
    assert_eq!(value_of(&collected, &addresses[1]), Some(Value::Integer(2)));
    assert_eq!(
        value_of(&collected, &addresses[2]),
        Some(Value::Integer(83))
    );
    assert_eq!(value_of(&collected, &addresses[3]), string("8.0.535.0"));
    assert_eq!(
        value_of(&collected, &addresses[6]),
        string("Mailbox <CCR> node & 'active'")
    );
    assert_eq!(
        value_of(&collected, &addresses[7]),
        Some(Value::List(vec![]))
    );
    assert_eq!(value_of(&collected, &addresses[9]), None);
    // Truncated and non-scalar values are errors on exactly the settings that read them.
    for (index, needle) in [
        (4, "System.Collections.Hashtable"),
        (5, "@{Length=0}"),
        (8, "is an object"),
    ] {
        assert_eq!(value_of(&collected, &addresses[index]), None);
        let address = &addresses[index];
        let diagnostic = collected
            .diagnostics
            .iter()
            .find(|d| d.name.as_deref() == Some(address.name.as_str()))
            .unwrap_or_else(|| panic!("no diagnostic for {}", address.name));
        assert!(diagnostic.message.contains(needle), "{diagnostic}");
        assert_eq!(diagnostic.line, 1);
    }
    assert_eq!(collected.diagnostics.len(), 3);
}

#[test]
fn malformed_and_semantically_broken_clixml() {
    let (addresses, collected) = collect_in(
        &fixtures(),
        &["malformed.xml", "dangling_ref.xml"],
        &[
            "type='wmi'\nfile='malformed.xml'\nproperty='Caption'",
            "type='wmi'\nfile='malformed.xml'\nselect='*'\nproperty='Caption'",
            "type='wmi'\nfile='dangling_ref.xml'\nproperty='StartMode'",
            "type='wmi'\nfile='dangling_ref.xml'\nproperty='StartName'",
        ],
    );
    let malformed: Vec<&Diagnostic> = collected
        .diagnostics
        .iter()
        .filter(|d| d.file == Path::new("malformed.xml") && d.location.is_none())
        .collect();
    assert_eq!(malformed.len(), 1, "{malformed:?}");
    assert_eq!(malformed[0].line, 2);
    assert!(
        malformed[0].message.contains("column 3"),
        "{}",
        malformed[0]
    );
    assert!(value_of(&collected, &addresses[0]).is_none());
    assert!(
        !collected.instances.contains_key(&addresses[1]),
        "no partial instance list"
    );
    for blocked in &addresses[..2] {
        assert!(
            collected
                .diagnostics
                .iter()
                .any(|d| d.location.as_deref() == Some(blocked.location.as_str())
                    && d.name.as_deref() == Some("Caption"))
        );
    }
    // The dangling Ref spoils one property, not the object.
    assert_eq!(value_of(&collected, &addresses[2]), string("Auto"));
    assert!(value_of(&collected, &addresses[3]).is_none());
    assert!(
        collected
            .diagnostics
            .iter()
            .any(|d| d.name.as_deref() == Some("StartName") && d.message.contains("RefId 17"))
    );
}

#[test]
fn listing_names_every_property_with_a_usable_select() {
    let listing = WmiCollector.list(&fixtures(), Path::new("Win32_Service.xml"));
    let find = |location: &str, name: &str| {
        listing
            .items
            .iter()
            .find(|i| i.address.location == location && i.address.name == name)
            .map(|i| i.item.value.clone())
    };
    assert_eq!(
        find("Name=MSExchangeIMAP4", "StartMode"),
        string("Disabled")
    );
    assert_eq!(
        find("Name=MSExchangeIS", "ProcessId"),
        Some(Value::Integer(2712))
    );
    assert!(listing.diagnostics.is_empty(), "{:?}", listing.diagnostics);
    // Not-data values are summarised, not listed.
    let csv = WmiCollector.list(&fixtures(), Path::new("Win32_Service.csv"));
    assert_eq!(csv.diagnostics.len(), 1);
    assert!(
        csv.diagnostics[0].message.contains("__DERIVATION"),
        "{}",
        csv.diagnostics[0]
    );
    assert!(!csv.items.iter().any(|i| i.address.name == "InstallDate"));
}

#[test]
fn listing_ignores_xml_and_csv_of_other_kinds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("MetaBase.xml"),
        "<configuration><IIsWebServer Location=\"/LM/W3SVC/1\"/></configuration>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("audit.csv"),
        "Machine Name,Policy Target,Subcategory\r\nX,System,Logon\r\n",
    )
    .unwrap();
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/services/driverquery_v_de.csv"),
        dir.path().join("driverquery.csv"),
    )
    .unwrap();
    for file in ["MetaBase.xml", "audit.csv", "driverquery.csv"] {
        let listing = WmiCollector.list(dir.path(), Path::new(file));
        assert!(
            listing.items.is_empty() && listing.diagnostics.is_empty(),
            "{file}"
        );
    }
}

#[test]
fn format_detection_by_extension_then_content() {
    let cases = [
        ("a.xml", "{", ExportFormat::Clixml),
        ("a.CliXml", "", ExportFormat::Clixml),
        ("a.json", "<", ExportFormat::Json),
        ("a.csv", "{", ExportFormat::Csv),
        ("a.txt", "\u{feff}  <Objs>", ExportFormat::Clixml),
        ("a.out", "\r\n[ {", ExportFormat::Json),
        ("a", "#TYPE x", ExportFormat::Csv),
    ];
    for (path, text, expected) in cases {
        assert_eq!(detect_format(Path::new(path), text), expected, "{path}");
    }
}

#[test]
fn csv_reads_the_same_in_every_encoding_powershell_writes() {
    let text = "#TYPE Deserialized.System.ServiceProcess.ServiceController\r\n\"Name\",\"DisplayName\",\"StartType\"\r\n\"MSExchangeIS\",\"Informationsspeicher f\u{fc}r Exchange\",\"Automatic\"\r\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf8_bom: Vec<u8> = b"\xEF\xBB\xBF"
        .iter()
        .copied()
        .chain(text.bytes())
        .collect();
    let ansi: Vec<u8> = text
        .chars()
        .map(|c| if c == '\u{fc}' { 0xFC } else { c as u8 })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let encodings: [(&str, &[u8]); 4] = [
        ("utf8.csv", text.as_bytes()),
        ("utf8bom.csv", &utf8_bom),
        ("utf16.csv", &utf16),
        ("ansi.csv", &ansi),
    ];
    for (name, bytes) in encodings {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let mut objects = Vec::new();
        let report = read_export(dir.path(), Path::new(name), &mut |t| objects.push(t));
        assert!(report.diagnostics.is_empty(), "{name}");
        assert_eq!(objects.len(), 1, "{name}");
        assert_eq!(objects[0].line, 3, "{name}");
        let PsValue::Object(object) = &objects[0].value else {
            panic!("{name}")
        };
        assert_eq!(
            object.class(),
            Some("System.ServiceProcess.ServiceController"),
            "{name}"
        );
        assert_eq!(
            object.property("DisplayName").map(|p| p.value.clone()),
            Some(PsValue::Text(
                "Informationsspeicher f\u{fc}r Exchange".into()
            )),
            "{name}"
        );
    }
}

/// Each corpus file, with the values a reader of the file can see in it.
#[test]
fn every_clixml_corpus_file() {
    let Some(root) = corpus_dir("clixml") else {
        return;
    };
    let files = corpus_files("clixml");
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for name in &name_refs {
        let mut objects = Vec::new();
        let report = read_export(&root, Path::new(name), &mut |t| objects.push(t));
        assert!(!report.fatal, "{name}: {:?}", report.diagnostics);
        assert!(
            report.diagnostics.is_empty(),
            "{name}: {:?}",
            report.diagnostics
        );
        assert!(!objects.is_empty(), "{name}");
        let listing = WmiCollector.list(&root, Path::new(name));
        assert!(!listing.items.is_empty(), "{name}");
    }
    let checks: &[(&str, &str, &str, Option<Value>)] = &[
        (
            "Win32_OperatingSystem.xml",
            "",
            "Caption",
            string("Microsoft Windows Server 2016 Datacenter"),
        ),
        (
            "Win32_OperatingSystem.xml",
            "",
            "BuildNumber",
            string("14393"),
        ),
        (
            "Win32_OperatingSystem.xml",
            "",
            "CurrentTimeZone",
            Some(Value::Integer(-300)),
        ),
        (
            "Win32_OperatingSystem.xml",
            "",
            "DataExecutionPrevention_Available",
            Some(Value::Boolean(true)),
        ),
        (
            "Win32_OperatingSystem.xml",
            "",
            "__DERIVATION",
            Some(Value::List(vec![
                "CIM_OperatingSystem".into(),
                "CIM_LogicalElement".into(),
                "CIM_ManagedSystemElement".into(),
            ])),
        ),
        ("Win32_OperatingSystem.xml", "", "CSDVersion", None),
        (
            "GetHotFix.xml",
            "HotFixID=KB3192137",
            "Description",
            string("Update"),
        ),
        (
            "GetHotFix.xml",
            "HotFixID=KB4049065",
            "__CLASS",
            string("Win32_QuickFixEngineering"),
        ),
        (
            "GetHotFix.xml",
            "HotFixID=KB3192137",
            "InstalledOn",
            string("2016-09-12T00:00:00"),
        ),
        (
            "GetAllTlsSettings.xml",
            "",
            "Registry.TLS.1.2.ServerEnabled",
            Some(Value::Boolean(true)),
        ),
        (
            "GetAllTlsSettings.xml",
            "",
            "Registry.TLS.1.0.ServerRegistryPath",
            string(
                "SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server",
            ),
        ),
        (
            "GetAllTlsSettings.xml",
            "",
            "Registry.NET.NETv4.NetVersion",
            string("v4.0.30319"),
        ),
        (
            "GetAllTlsSettings.xml",
            "",
            "Registry.NET.NETv4.SchUseStrongCryptoValue",
            None,
        ),
        (
            "GetAllTlsSettings.xml",
            "",
            "SecurityProtocol",
            string("Tls12"),
        ),
        (
            "GetSmbServerConfiguration.xml",
            "",
            "EnableSMB1Protocol",
            Some(Value::Boolean(false)),
        ),
        (
            "GetSmbServerConfiguration.xml",
            "",
            "Smb2CreditsMax",
            Some(Value::Integer(8192)),
        ),
        (
            "GetSmbServerConfiguration.xml",
            "",
            "__ClassMetadata.ServerName",
            Some(Value::List(vec!["SOLO-E19A".into()])),
        ),
        (
            "RemoteRegistryValueProductName.xml",
            "",
            "",
            string("Windows Server 2016 Datacenter"),
        ),
        (
            "Win32_NetworkAdapterConfiguration.xml",
            "",
            "IPAddress",
            Some(Value::List(vec![
                "192.168.11.11".into(),
                "fe80::9849:f94f:c7a1:cacb".into(),
            ])),
        ),
        (
            "Win32_NetworkAdapterConfiguration.xml",
            "",
            "GatewayCostMetric",
            Some(Value::List(vec!["256".into()])),
        ),
        (
            "Win32_NetworkAdapterConfiguration.xml",
            "",
            "DHCPEnabled",
            Some(Value::Boolean(false)),
        ),
    ];
    let sources: Vec<String> = checks
        .iter()
        .map(|(file, select, property, _)| {
            let select = if select.is_empty() {
                String::new()
            } else {
                format!("\nselect='{select}'")
            };
            format!("type='wmi'\nfile='{file}'{select}\nproperty='{property}'")
        })
        .collect();
    let source_refs: Vec<&str> = sources.iter().map(String::as_str).collect();
    let (addresses, collected) = collect_in(&root, &name_refs, &source_refs);
    for ((file, _, property, expected), address) in checks.iter().zip(&addresses) {
        assert_eq!(
            &value_of(&collected, address),
            expected,
            "{file} {property}"
        );
    }
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
    // The hotfix list: the second object takes its type names from TNRef.
    let (all, collected) = collect_in(
        &root,
        &name_refs,
        &["type='wmi'\nfile='GetHotFix.xml'\nselect='*'\nproperty='HotFixID'"],
    );
    let hotfixes = &collected.instances[&all[0]];
    assert!(hotfixes.len() >= 2);
    assert!(
        hotfixes
            .iter()
            .all(|(label, item)| item.as_ref().is_some_and(|i| i.value
                == Value::String(label.clone())
                && i.provenance
                    .location
                    .starts_with("Win32_QuickFixEngineering[")))
    );
    // Cipher suites: member enumeration over a list of objects.
    let (suites, collected) = collect_in(
        &root,
        &name_refs,
        &["type='wmi'\nfile='GetAllTlsSettings.xml'\nproperty='TlsCipherSuite.Name'"],
    );
    let Some(Value::List(names)) = value_of(&collected, &suites[0]) else {
        panic!("no suite names")
    };
    assert!(names.contains(&"TLS_RSA_WITH_AES_128_CBC_SHA".to_string()));
    assert!(names.contains(&"TLS_RSA_WITH_3DES_EDE_CBC_SHA".to_string()));
}

#[test]
fn every_ps_json_corpus_file() {
    let Some(root) = corpus_dir("ps_json") else {
        return;
    };
    for file in corpus_files("ps_json") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut objects = Vec::new();
        let report = read_export(&root, Path::new(&name), &mut |t| objects.push(t));
        assert!(
            !report.fatal && report.diagnostics.is_empty(),
            "{name}: {:?}",
            report.diagnostics
        );
        assert!(!objects.is_empty(), "{name}");
    }
    let (addresses, collected) = collect_in(
        &root,
        &["GetWebSite.json"],
        &[
            "type='wmi'\nfile='GetWebSite.json'\nselect='name=Default Web Site'\nproperty='logFile.logFormat'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='name=Default Web Site'\nproperty='logFile.truncateSize'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='id=2'\nproperty='bindings.Collection.bindingInformation'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='name=Default Web Site'\nproperty='limits.Attributes.maxBandwidth'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='name=Default Web Site'\nproperty='bindings.Collection.Attributes'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='*'\nproperty='physicalPath'",
            "type='wmi'\nfile='GetWebSite.json'\nselect='name=Default Web Site'\nproperty='Attributes.serverAutoStart'",
        ],
    );
    assert_eq!(value_of(&collected, &addresses[0]), string("W3C"));
    assert_eq!(
        value_of(&collected, &addresses[1]),
        Some(Value::Integer(20_971_520))
    );
    assert_eq!(
        value_of(&collected, &addresses[2]),
        Some(Value::List(vec![
            "*:81:".into(),
            "*".into(),
            "*:444:".into()
        ]))
    );
    assert_eq!(
        value_of(&collected, &addresses[3]),
        Some(Value::Integer(4_294_967_295))
    );
    assert_eq!(
        value_of(&collected, &addresses[4]),
        None,
        "a depth-truncated value is not data"
    );
    assert!(collected.diagnostics.iter().any(|d| d.name.as_deref()
        == Some("bindings.Collection.Attributes")
        && d.message.contains("-Depth")));
    let paths: Vec<(&str, Option<&Value>)> = collected.instances[&addresses[5]]
        .iter()
        .map(|(label, item)| (label.as_str(), item.as_ref().map(|i| &i.value)))
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "Default Web Site",
                Some(&Value::String("%SystemDrive%\\inetpub\\wwwroot".into()))
            ),
            (
                "Exchange Back End",
                Some(&Value::String(
                    "F:\\Program Files\\Microsoft\\Exchange\\ClientAccess".into()
                ))
            ),
        ]
    );
    assert_eq!(
        value_of(&collected, &addresses[6]),
        Some(Value::Boolean(true))
    );
}

#[test]
fn every_ps_csv_corpus_file() {
    let Some(root) = corpus_dir("ps_csv") else {
        return;
    };
    for file in corpus_files("ps_csv") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut objects = Vec::new();
        let report = read_export(&root, Path::new(&name), &mut |t| objects.push(t));
        assert!(
            !report.fatal && report.diagnostics.is_empty(),
            "{name}: {:?}",
            report.diagnostics
        );
        assert!(!objects.is_empty(), "{name}");
        let listing = WmiCollector.list(&root, Path::new(&name));
        assert!(!listing.items.is_empty(), "{name}");
    }
    let first_column = "(PDH-CSV 4.0) (Pacific Standard Time)(480)";
    let (addresses, collected) = collect_in(
        &root,
        &["ps_perfmon_CounterSamples.csv"],
        &[
            &format!(
                "type='wmi'\nfile='ps_perfmon_CounterSamples.csv'\nselect='{first_column}=11/26/2016 13:46:30.874'\nproperty='\\\\charlieparker\\memory\\% committed bytes in use'"
            ),
            &format!(
                "type='wmi'\nfile='ps_perfmon_CounterSamples.csv'\nselect='{first_column}=11/26/2016 13:46:30.874'\nproperty='\\\\charlieparker\\memory\\cache faults/sec'"
            ),
            "type='wmi'\nfile='ps_perfmon_CounterSamples.csv'\nselect='*'\nproperty='\\\\charlieparker\\network interface(isatap.jetsoft.com)\\bytes total/sec'",
        ],
    );
    assert_eq!(
        value_of(&collected, &addresses[0]),
        string("86.93735103284412")
    );
    assert_eq!(
        value_of(&collected, &addresses[1]),
        None,
        "a blank PDH sample is no value"
    );
    let samples = &collected.instances[&addresses[2]];
    assert_eq!(samples.len(), 25);
    assert_eq!(samples[0].0, "11/26/2016 13:46:30.874");
    assert!(samples[0].1.is_none());
    assert_eq!(samples[1].1.as_ref().map(|i| i.value.clone()), string("0"));
    assert!(
        collected.diagnostics.is_empty(),
        "{:?}",
        collected.diagnostics
    );
}

proptest! {
    #[test]
    fn json_parser_never_panics(text in "[\\[\\]{}\",:0-9a-z\\\\ \n]{0,80}") {
        let _ = psjson::parse(&text, Path::new("x.json"), &mut |_| {});
    }

    #[test]
    fn json_written_by_serde_parses_back(
        values in proptest::collection::vec(("[a-zA-Z_]{1,8}", any::<i64>(), "\\PC{0,12}", any::<bool>()), 0..6)
    ) {
        let array: Vec<serde_json::Value> = values
            .iter()
            .map(|(k, n, s, b)| serde_json::json!({ format!("k_{k}"): n, "s": s, "b": b }))
            .collect();
        let text = serde_json::to_string_pretty(&array).unwrap();
        let mut objects = Vec::new();
        let report = psjson::parse(&text, Path::new("x.json"), &mut |t| objects.push(t));
        prop_assert!(!report.fatal);
        prop_assert_eq!(objects.len(), values.len());
        for (object, (k, n, s, b)) in objects.iter().zip(&values) {
            let PsValue::Object(object) = &object.value else { panic!("not an object") };
            prop_assert_eq!(&object.property(&format!("k_{k}")).unwrap().value, &PsValue::Int(*n));
            prop_assert_eq!(&object.property("b").unwrap().value, &PsValue::Bool(*b));
            if let PsValue::Text(text) = &object.property("s").unwrap().value {
                prop_assert_eq!(text, s);
            }
        }
    }

    #[test]
    fn select_parser_never_panics(text in "\\PC{0,40}") {
        let _ = parse_select(&text);
    }
}
