//! Generates a synthetic fleet to benchmark the registry collector:
//!
//! ```text
//! cargo run --release --example genfleet -- --hosts 1000 --out target/bench-fleet [--size-kb 1024]
//! ```
//!
//! Writes `OUT/inventory.toml`, `OUT/baselines/bench.toml` (50 registry settings, some
//! drifted or absent on some hosts) and, per host, `OUT/hosts/<host>/HKLM.reg`: a regedit-style
//! export (UTF-16LE with BOM, CRLF, hex wrapped at 80 columns) of about `--size-kb` KiB with
//! the usual HKLM\SYSTEM and HKLM\SOFTWARE shapes: service keys with security descriptors
//! and failure actions, uninstall entries, COM classes, TCP/IP interfaces. Generation is
//! deterministic: the same arguments give the same bytes.

use confaudit::collect::reg::{RegistryModel, write_reg};
use confaudit::value::Value;
use rayon::prelude::*;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// SplitMix64: a tiny deterministic generator (no seed from the environment).
struct Mix(u64);

impl Mix {
    fn new(stream: u64, index: u64) -> Mix {
        Mix(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn guid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }
}

const SYSTEM: &str = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet";
const SOFTWARE: &str = "HKEY_LOCAL_MACHINE\\SOFTWARE";

/// One benchmark setting: where it lives, the rule the baseline states, and what a given
/// host has there (`None`: absent).
struct Bench {
    /// Key as a template author writes it (aliases and odd case on purpose).
    template_key: &'static str,
    value: &'static str,
    /// TOML lines after `source`: op / expected / when_absent.
    rule: &'static str,
    actual: fn(u64) -> Option<Value>,
}

/// Whether host `h` falls in the `percent` of hosts that drifted for this setting.
fn drifted(h: u64, salt: u64, percent: u64) -> bool {
    Mix::new(salt, h).below(100) < percent
}

fn dword(n: u32) -> Option<Value> {
    Some(Value::Dword(n))
}

fn text(s: &str) -> Option<Value> {
    Some(Value::String(s.to_string()))
}

fn benches() -> Vec<Bench> {
    macro_rules! b {
        ($key:expr, $value:expr, $rule:expr, $actual:expr) => {
            Bench {
                template_key: $key,
                value: $value,
                rule: $rule,
                actual: $actual,
            }
        };
    }
    vec![
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "KeepAliveTime",
            "expected = 300000\nwhen_absent = { default = 7200000 }",
            |h| if drifted(h, 1, 8) {
                dword(7_200_000)
            } else {
                dword(300_000)
            }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "TcpTimedWaitDelay",
            "expected = 30\nwhen_absent = { default = 240 }",
            |h| if drifted(h, 2, 5) { None } else { dword(30) }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "EnableDeadGWDetect",
            "op = \"absent\"\nwhen_absent = \"pass\"",
            |h| if drifted(h, 3, 3) { dword(1) } else { None }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "MaxUserPort",
            "op = \"greater-or-equal\"\nexpected = 60000\nwhen_absent = { default = 5000 }",
            |h| dword(60_000 + (h % 5000) as u32)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "SynAttackProtect",
            "expected = 1\nwhen_absent = { default = 0 }",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "EnablePMTUDiscovery",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| None
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
            "TcpMaxDataRetransmissions",
            "op = \"in-range\"\nexpected = [3, 5]\nwhen_absent = { default = 5 }",
            |h| dword(3 + (h % 3) as u32)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters",
            "DisabledComponents",
            "expected = 255\nwhen_absent = \"fail\"",
            |h| if drifted(h, 4, 10) {
                dword(0)
            } else {
                dword(0xff)
            }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters",
            "RequireSecuritySignature",
            "expected = 1\nwhen_absent = { default = 0 }",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters",
            "EnableSecuritySignature",
            "expected = 1\nwhen_absent = { default = 0 }",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters",
            "AutoShareServer",
            "expected = 0\nwhen_absent = { default = 1 }",
            |h| if drifted(h, 5, 4) { None } else { dword(0) }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters",
            "NullSessionShares",
            "expected = []\nwhen_absent = \"pass\"",
            |_| Some(Value::MultiString(vec![]))
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters",
            "RequireSecuritySignature",
            "expected = 1\nwhen_absent = { default = 0 }",
            |h| if drifted(h, 6, 12) {
                dword(0)
            } else {
                dword(1)
            }
        ),
        b!(
            "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa",
            "LmCompatibilityLevel",
            "op = \"greater-or-equal\"\nexpected = 5\nwhen_absent = { default = 3 }",
            |h| if drifted(h, 7, 6) { dword(3) } else { dword(5) }
        ),
        b!(
            "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa",
            "RestrictAnonymous",
            "expected = 1\nwhen_absent = { default = 0 }",
            |_| dword(1)
        ),
        b!(
            "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa",
            "NoLMHash",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| dword(1)
        ),
        b!(
            "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa",
            "LimitBlankPasswordUse",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| dword(1)
        ),
        b!(
            "hklm\\system\\currentcontrolset\\control\\securityproviders\\schannel\\protocols\\SSL 2.0\\Server",
            "Enabled",
            "expected = 0\nwhen_absent = { default = 1 }",
            |_| dword(0)
        ),
        b!(
            "hklm\\system\\currentcontrolset\\control\\securityproviders\\schannel\\protocols\\SSL 3.0\\Server",
            "Enabled",
            "expected = 0\nwhen_absent = { default = 1 }",
            |h| if drifted(h, 8, 15) { None } else { dword(0) }
        ),
        b!(
            "hklm\\system\\currentcontrolset\\control\\securityproviders\\schannel\\protocols\\TLS 1.0\\Server",
            "Enabled",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| dword(1)
        ),
        b!(
            "hklm\\system\\currentcontrolset\\control\\securityproviders\\schannel\\protocols\\TLS 1.0\\Server",
            "DisabledByDefault",
            "expected = 0\nwhen_absent = { default = 0 }",
            |_| dword(0)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management",
            "ClearPageFileAtShutdown",
            "expected = 0\nwhen_absent = { default = 0 }",
            |_| dword(0)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management",
            "PagingFiles",
            "expected = [\"C:\\\\pagefile.sys 16384 16384\"]\nwhen_absent = \"fail\"",
            |h| Some(Value::MultiString(vec![if drifted(h, 9, 7) {
                "?:\\pagefile.sys".into()
            } else {
                "C:\\pagefile.sys 16384 16384".into()
            }]))
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\CrashControl",
            "CrashDumpEnabled",
            "op = \"one-of\"\nexpected = [1, 2]\nwhen_absent = { default = 1 }",
            |h| dword(1 + (h % 2) as u32)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\CrashControl",
            "AutoReboot",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\CrashControl",
            "DumpFile",
            "op = \"matches\"\nexpected = '(?i)^%SystemRoot%\\\\MEMORY\\.DMP$'\nwhen_absent = \"fail\"",
            |_| Some(Value::ExpandString("%SystemRoot%\\MEMORY.DMP".into()))
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Disk",
            "TimeOutValue",
            "expected = 60\nwhen_absent = { default = 10 }",
            |h| if drifted(h, 10, 20) { None } else { dword(60) }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\RemoteRegistry",
            "Start",
            "expected = 4\nwhen_absent = \"fail\"",
            |h| if drifted(h, 11, 9) {
                dword(2)
            } else {
                dword(4)
            }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Spooler",
            "Start",
            "expected = 4\nwhen_absent = \"fail\"",
            |_| dword(4)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters",
            "Type",
            "expected = \"NT5DS\"\nwhen_absent = \"fail\"",
            |h| if drifted(h, 12, 5) {
                text("NTP")
            } else {
                text("NT5DS")
            }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application",
            "MaxSize",
            "op = \"greater-or-equal\"\nexpected = 33554432\nwhen_absent = { default = 20971520 }",
            |_| dword(33_554_432)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Security",
            "MaxSize",
            "op = \"greater-or-equal\"\nexpected = 134217728\nwhen_absent = { default = 20971520 }",
            |h| if drifted(h, 13, 10) {
                dword(20_971_520)
            } else {
                dword(134_217_728)
            }
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\System",
            "MaxSize",
            "op = \"greater-or-equal\"\nexpected = 33554432\nwhen_absent = { default = 20971520 }",
            |_| dword(33_554_432)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIS\\ParametersSystem",
            "Maximum Pool Threads",
            "op = \"in-range\"\nexpected = [10, 50]\nwhen_absent = \"pass\"",
            |h| dword(10 + (h % 30) as u32)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIS\\ParametersSystem",
            "Background Cleanup",
            "expected = 1\nwhen_absent = \"fail\"",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeTransport\\Parameters",
            "MaxOutboundConnections",
            "expected = 1000\nwhen_absent = { default = 1000 }",
            |_| None
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\Setup",
            "@",
            "op = \"exists\"\nwhen_absent = \"fail\"",
            |_| text("Microsoft Exchange Server 2007")
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\Setup",
            "MsiProductMajor",
            "expected = 8\nwhen_absent = \"fail\"",
            |_| dword(8)
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\Setup",
            "MsiBuildMinor",
            "op = \"greater-or-equal\"\nexpected = 83\nwhen_absent = \"fail\"",
            |h| dword(if drifted(h, 14, 25) { 45 } else { 83 })
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\Setup",
            "MsiInstallPath",
            "op = \"matches\"\nexpected = '(?i)^[CD]:\\\\Program Files\\\\Microsoft\\\\Exchange Server\\\\$'\nwhen_absent = \"fail\"",
            |_| text("C:\\Program Files\\Microsoft\\Exchange Server\\")
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
            "AutoAdminLogon",
            "expected = \"0\"\nwhen_absent = { default = \"0\" }",
            |h| if drifted(h, 15, 2) {
                text("1")
            } else {
                text("0")
            }
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
            "CachedLogonsCount",
            "op = \"less-or-equal\"\nexpected = 2\nwhen_absent = { default = 10 }",
            |h| if drifted(h, 16, 30) {
                text("10")
            } else {
                text("2")
            }
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
            "CurrentBuildNumber",
            "expected = \"6002\"\nwhen_absent = \"fail\"",
            |_| text("6002")
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
            "CSDVersion",
            "expected = \"Service Pack 2\"\nwhen_absent = \"fail\"",
            |h| if drifted(h, 17, 4) {
                text("Service Pack 1")
            } else {
                text("Service Pack 2")
            }
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
            "EnableLUA",
            "expected = 1\nwhen_absent = { default = 1 }",
            |_| dword(1)
        ),
        b!(
            "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
            "ConsentPromptBehaviorAdmin",
            "op = \"one-of\"\nexpected = [1, 2]\nwhen_absent = { default = 2 }",
            |_| dword(2)
        ),
        b!(
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU",
            "NoAutoUpdate",
            "expected = 1\nwhen_absent = \"fail\"",
            |h| if drifted(h, 18, 6) { None } else { dword(1) }
        ),
        b!(
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU",
            "AUOptions",
            "expected = 2\nwhen_absent = \"not-applicable\"",
            |_| dword(2)
        ),
        b!(
            "HKLM\\SOFTWARE\\Vendor\\HostAgent",
            "Version",
            "op = \"version-at-least\"\nexpected = \"4.2.0\"\nwhen_absent = \"fail\"",
            |h| text(if drifted(h, 19, 10) { "4.1.7" } else { "4.2.3" })
        ),
        b!(
            "HKLM\\SOFTWARE\\Vendor\\HostAgent",
            "Enabled",
            "op = \"exists\"\nwhen_absent = \"fail\"",
            |_| None
        ),
    ]
}

/// The per-host filler that makes an export realistic in size and shape.
fn fill_host(model: &mut RegistryModel, mix: &mut Mix, target_chars: usize) {
    const SERVICE_WORDS: [&str; 12] = [
        "Net", "Srv", "Agent", "Host", "Mgmt", "Trans", "Store", "Rpc", "Log", "Sync", "Disk",
        "Vss",
    ];
    const PUBLISHERS: [&str; 5] = [
        "Microsoft Corporation",
        "Hewlett-Packard Company",
        "Symantec Corporation",
        "Broadcom Corporation",
        "Vendor Systems Ltd.",
    ];
    let set = |model: &mut RegistryModel, key: &str, name: &str, value: Value| {
        model
            .set_value(key, name, value)
            .expect("generated keys use a known hive");
    };
    let mut written = 0usize;
    let mut index = 0u64;
    while written < target_chars {
        index += 1;
        match index % 4 {
            // A driver or service with its security descriptor and failure actions: the
            // long wrapped hex that dominates real SYSTEM exports.
            0 | 1 => {
                let name = format!(
                    "{}{}{index}",
                    mix.pick(&SERVICE_WORDS),
                    mix.pick(&SERVICE_WORDS)
                );
                let key = format!("{SYSTEM}\\Services\\{name}");
                set(
                    model,
                    &key,
                    "Type",
                    Value::Dword(*mix.pick(&[1, 2, 16, 32])),
                );
                set(model, &key, "Start", Value::Dword(mix.below(5) as u32));
                set(model, &key, "ErrorControl", Value::Dword(1));
                let image = format!(
                    "%SystemRoot%\\system32\\drivers\\{}.sys",
                    name.to_lowercase()
                );
                set(model, &key, "ImagePath", Value::ExpandString(image.clone()));
                set(
                    model,
                    &key,
                    "DisplayName",
                    Value::String(format!(
                        "@%SystemRoot%\\system32\\{}.dll,-{}",
                        name.to_lowercase(),
                        100 + mix.below(900)
                    )),
                );
                set(
                    model,
                    &key,
                    "Group",
                    Value::String(
                        mix.pick(&["NDIS", "Base", "Network", "PNP Filter", "SCSI miniport"])
                            .to_string(),
                    ),
                );
                set(
                    model,
                    &key,
                    "DependOnService",
                    Value::MultiString(vec![
                        "RpcSs".into(),
                        "Tcpip".into(),
                        format!("{}{}", mix.pick(&SERVICE_WORDS), index / 3),
                    ]),
                );
                set(model, &key, "FailureActions", Value::Binary(mix.bytes(44)));
                set(model, &key, "Tag", Value::Dword(mix.below(64) as u32));
                let descriptor_len = 148 + mix.below(64) as usize;
                set(
                    model,
                    &format!("{key}\\Security"),
                    "Security",
                    Value::Binary(mix.bytes(descriptor_len)),
                );
                set(
                    model,
                    &format!("{key}\\Enum"),
                    "0",
                    Value::String(format!("Root\\LEGACY_{}\\0000", name.to_uppercase())),
                );
                set(model, &format!("{key}\\Enum"), "Count", Value::Dword(1));
                set(
                    model,
                    &format!("{key}\\Parameters"),
                    "ServiceDll",
                    Value::ExpandString(image),
                );
                written += 1760;
            }
            // An installed product.
            2 => {
                let key = format!(
                    "{SOFTWARE}\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{}",
                    mix.guid()
                );
                let publisher = *mix.pick(&PUBLISHERS);
                set(
                    model,
                    &key,
                    "DisplayName",
                    Value::String(format!("{publisher} Component {index}")),
                );
                set(
                    model,
                    &key,
                    "DisplayVersion",
                    Value::String(format!(
                        "{}.{}.{}",
                        mix.below(10),
                        mix.below(100),
                        mix.below(10000)
                    )),
                );
                set(model, &key, "Publisher", Value::String(publisher.into()));
                set(
                    model,
                    &key,
                    "InstallDate",
                    Value::String(format!(
                        "2009{:02}{:02}",
                        1 + mix.below(12),
                        1 + mix.below(28)
                    )),
                );
                set(
                    model,
                    &key,
                    "InstallLocation",
                    Value::String(format!("C:\\Program Files\\{publisher}\\{index}\\")),
                );
                set(
                    model,
                    &key,
                    "UninstallString",
                    Value::ExpandString(format!("MsiExec.exe /X{}", mix.guid())),
                );
                set(
                    model,
                    &key,
                    "EstimatedSize",
                    Value::Dword(mix.below(200_000) as u32),
                );
                set(model, &key, "NoModify", Value::Dword(1));
                set(model, &key, "Language", Value::Dword(1033));
                set(
                    model,
                    &key,
                    "VersionMajor",
                    Value::Dword(mix.below(10) as u32),
                );
                written += 1100;
            }
            // A COM class and a TCP/IP interface.
            _ => {
                let clsid = format!("{SOFTWARE}\\Classes\\CLSID\\{}", mix.guid());
                set(
                    model,
                    &clsid,
                    "@",
                    Value::String(format!("Component Class {index}")),
                );
                set(
                    model,
                    &format!("{clsid}\\InprocServer32"),
                    "@",
                    Value::ExpandString(format!("%SystemRoot%\\System32\\comp{index}.dll")),
                );
                set(
                    model,
                    &format!("{clsid}\\InprocServer32"),
                    "ThreadingModel",
                    Value::String("Both".into()),
                );
                let interface = format!(
                    "{SYSTEM}\\Services\\Tcpip\\Parameters\\Interfaces\\{}",
                    mix.guid()
                );
                set(model, &interface, "EnableDHCP", Value::Dword(0));
                set(
                    model,
                    &interface,
                    "IPAddress",
                    Value::MultiString(vec![format!(
                        "10.{}.{}.{}",
                        mix.below(255),
                        mix.below(255),
                        1 + mix.below(254)
                    )]),
                );
                set(
                    model,
                    &interface,
                    "SubnetMask",
                    Value::MultiString(vec!["255.255.255.0".into()]),
                );
                set(
                    model,
                    &interface,
                    "DefaultGateway",
                    Value::MultiString(vec![format!("10.{}.{}.1", mix.below(255), mix.below(255))]),
                );
                set(
                    model,
                    &interface,
                    "NameServer",
                    Value::String("10.0.0.10,10.0.0.11".into()),
                );
                set(
                    model,
                    &interface,
                    "LeaseObtainedTime",
                    Value::Qword(mix.next() >> 8),
                );
                written += 1400;
            }
        }
    }
}

fn host_export(host: u64, benches: &[Bench], target_chars: usize) -> Vec<u8> {
    let mut model = RegistryModel::new();
    let mut mix = Mix::new(0x5EED, host);
    fill_host(&mut model, &mut mix, target_chars);
    for bench in benches {
        if let Some(value) = (bench.actual)(host) {
            model
                .set_value(bench.template_key, bench.value, value)
                .expect("bench keys use a known hive");
        }
    }
    write_reg(&model).expect("generated values are registry data")
}

fn baseline(benches: &[Bench]) -> String {
    let mut out = String::from(
        "# Generated by `cargo run --release --example genfleet`: 50 registry settings.\n\
         name = \"bench\"\nversion = \"1.0.0\"\n\
         description = \"Registry collector benchmark baseline\"\nrole = \"bench\"\n",
    );
    let severities = ["critical", "high", "medium", "low", "info"];
    let categories = [
        "security",
        "performance",
        "availability",
        "capacity",
        "recoverability",
    ];
    for (i, bench) in benches.iter().enumerate() {
        out.push_str(&format!(
            "\n[[setting]]\nid = \"bench-{i:02}\"\ntitle = \"{} {}\"\n\
             source = {{ type = \"registry\", key = '{}', value = '{}' }}\n{}\n\
             severity = \"{}\"\ncategory = \"{}\"\n",
            bench.value,
            i,
            bench.template_key,
            bench.value,
            bench.rule,
            severities[i % severities.len()],
            categories[i % categories.len()],
        ));
    }
    out
}

const INVENTORY: &str = "# Generated by `cargo run --release --example genfleet`.\n\
baselines = \"baselines\"\nhosts_dir = \"hosts\"\n\n[[rule]]\nmatch = \"EX-*\"\nroles = [\"bench\"]\n";

struct Args {
    hosts: u64,
    out: PathBuf,
    size_kb: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut hosts = 1000;
    let mut out = None;
    let mut size_kb = 1024;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--hosts" => hosts = value()?.parse().map_err(|e| format!("--hosts: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--size-kb" => size_kb = value()?.parse().map_err(|e| format!("--size-kb: {e}"))?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        hosts,
        out: out.ok_or("--out DIR is required")?,
        size_kb,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn run() -> Result<String, String> {
    let args = parse_args()?;
    let benches = benches();
    assert_eq!(benches.len(), 50, "the benchmark baseline has 50 settings");
    let hosts_dir = args.out.join("hosts");
    let baselines = args.out.join("baselines");
    for dir in [&hosts_dir, &baselines] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write(&args.out.join("inventory.toml"), INVENTORY.as_bytes())?;
    write(&baselines.join("bench.toml"), baseline(&benches).as_bytes())?;
    // UTF-16 doubles the byte count of the (ASCII) text.
    let target_chars = args.size_kb * 1024 / 2;
    let total: usize = (1..=args.hosts)
        .into_par_iter()
        .map(|host| {
            let dir = hosts_dir.join(format!("EX-MBX-{host:04}"));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let bytes = host_export(host, &benches, target_chars);
            write(&dir.join("HKLM.reg"), &bytes)?;
            Ok(bytes.len())
        })
        .collect::<Result<Vec<usize>, String>>()?
        .into_iter()
        .sum();
    Ok(format!(
        "genfleet: {} hosts, {:.1} MiB of .reg exports ({:.0} KiB per host) in {}",
        args.hosts,
        total as f64 / 1048576.0,
        total as f64 / 1024.0 / args.hosts.max(1) as f64,
        args.out.display()
    ))
}

fn main() -> ExitCode {
    match run() {
        Ok(summary) => {
            let _ = writeln!(std::io::stdout(), "{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "genfleet: {message}");
            ExitCode::from(2)
        }
    }
}
