#!/usr/bin/env python3
"""Source of truth for the Windows registry exports under hosts/*/registry/.

Run it from anywhere (`python3 examples/fleet/regen.py`); it rewrites every Windows host's
system.reg and software.reg byte for byte, deterministically. Edit the host table or the
drift functions here, never the .reg files.

What it writes, and why:
- Most hosts: `reg export` output, i.e. UTF-16LE with a BOM, CRLF line ends, header
  "Windows Registry Editor Version 5.00", hex data wrapped at 80 columns with `\\`
  continuations indented by two spaces (the same rule regedit.exe uses).
- EX-CAS-11: the same v5 text stored as UTF-8 without a BOM (the collection script on that
  server re-encoded it); EX-HUB-21: UTF-8 with a BOM.
- EX-EDGE-11: a REGEDIT4 ("Win9x/NT4") export in the ANSI code page (Windows-1252), where
  hex(2)/hex(7) data are single-byte strings.
- EX-MBX-22: system.reg was edited by hand after export; one DWORD has nine hex digits.

Only the Python standard library is used.
"""

import hashlib
import pathlib
import uuid

HERE = pathlib.Path(__file__).resolve().parent
HOSTS_DIR = HERE / "hosts"

HKLM = "HKEY_LOCAL_MACHINE"
CCS = HKLM + r"\SYSTEM\CurrentControlSet"
SW = HKLM + r"\SOFTWARE"
SVC = CCS + r"\Services"
EXCH = r"D:\Program Files\Microsoft\Exchange Server"
EXCH_VERSION = "8.3.0083.006"

NET_CLASS = CCS + r"\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}"
VOLUME_CLASS = CCS + r"\Control\Class\{71A27CDD-812A-11D0-BEC7-08002BE2092F}"
POWER_HIGH = "8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c"
POWER_BALANCED = "381b4222-f694-41f0-9685-ff5bb260df2e"


# --- registry model -----------------------------------------------------------------------


class Registry:
    """Keys in insertion order of their values; keys are emitted sorted like regedit does."""

    def __init__(self):
        self.keys = {}

    def key(self, path):
        return self.keys.setdefault(path, [])

    def set(self, path, name, kind, data):
        values = self.key(path)
        for index, (existing, _, _) in enumerate(values):
            if existing.lower() == name.lower():
                values[index] = (name, kind, data)
                return
        values.append((name, kind, data))

    def sz(self, path, name, text):
        self.set(path, name, "sz", text)

    def expand(self, path, name, text):
        self.set(path, name, "expand", text)

    def multi(self, path, name, items):
        self.set(path, name, "multi", list(items))

    def dword(self, path, name, number):
        self.set(path, name, "dword", number)

    def binary(self, path, name, data):
        self.set(path, name, "binary", bytes(data))

    def delete(self, path, name):
        self.keys[path] = [v for v in self.key(path) if v[0].lower() != name.lower()]


def pseudo_bytes(seed, count):
    """Deterministic filler for binary values (product IDs, DUIDs, timestamps)."""
    out = b""
    counter = 0
    while len(out) < count:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return out[:count]


def failure_actions(restarts=3, delay_ms=60000, reset_seconds=86400):
    """SERVICE_FAILURE_ACTIONS as the service control manager stores it."""
    data = reset_seconds.to_bytes(4, "little")
    data += bytes(8)  # reboot message and command pointers (unused)
    data += restarts.to_bytes(4, "little")
    data += (20).to_bytes(4, "little")  # offset of the action array
    for _ in range(restarts):
        data += (1).to_bytes(4, "little") + delay_ms.to_bytes(4, "little")
    return data


# --- export writer ------------------------------------------------------------------------

MAX_HEX_CHARS = 77


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hex_text(prefix_len, tag, data):
    """hex bytes wrapped the way regedit wraps them: break once a line reaches 77 columns."""
    out = tag
    line_len = prefix_len + len(tag)
    for index, byte in enumerate(data):
        out += f"{byte:02x}"
        if index == len(data) - 1:
            break
        out += ","
        line_len += 3
        if line_len >= MAX_HEX_CHARS:
            out += "\\\r\n  "
            line_len = 2
    return out


def string_bytes(text, dialect):
    if dialect == "v5":
        return (text + "\0").encode("utf-16-le")
    return (text + "\0").encode("cp1252")


def value_line(name, kind, data, dialect):
    head = "@=" if name == "" else quote(name) + "="
    if kind == "sz":
        return head + quote(data)
    if kind == "dword":
        return head + f"dword:{data:08x}"
    if kind == "expand":
        return head + hex_text(len(head), "hex(2):", string_bytes(data, dialect))
    if kind == "multi":
        raw = b"".join(string_bytes(item, dialect) for item in data)
        raw += string_bytes("", dialect)
        return head + hex_text(len(head), "hex(7):", raw)
    if kind == "binary":
        return head + hex_text(len(head), "hex:", data)
    raise ValueError(kind)


def export(registry, root, dialect):
    """Text of an export of `root` and everything below it, with CRLF line ends."""
    paths = set()
    for path in registry.keys:
        if path == root or path.startswith(root + "\\"):
            parts = path.split("\\")
            depth = len(root.split("\\"))
            for end in range(depth, len(parts) + 1):
                paths.add("\\".join(parts[:end]))
    ordered = sorted(paths, key=lambda p: [c.upper() for c in p.split("\\")])
    header = "Windows Registry Editor Version 5.00" if dialect == "v5" else "REGEDIT4"
    lines = [header, ""]
    for path in ordered:
        lines.append(f"[{path}]")
        values = registry.keys.get(path, [])
        # regedit writes the default value first.
        for name, kind, data in sorted(values, key=lambda v: v[0] != ""):
            lines.append(value_line(name, kind, data, dialect))
        lines.append("")
    return "\r\n".join(lines) + "\r\n"


def encode(text, encoding):
    if encoding == "utf16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf8":
        return text.encode("utf-8")
    if encoding == "utf8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "ansi":
        return text.encode("cp1252")
    raise ValueError(encoding)


# --- building blocks ----------------------------------------------------------------------


def service(reg, name, display, image, start, *, kind=0x10, account="LocalSystem",
            depends=(), description=None, group=None, error_control=1, recovery=False):
    path = f"{SVC}\\{name}"
    if description:
        reg.sz(path, "Description", description)
    reg.sz(path, "DisplayName", display)
    reg.dword(path, "ErrorControl", error_control)
    if group:
        reg.sz(path, "Group", group)
    reg.expand(path, "ImagePath", image)
    reg.dword(path, "Start", start)
    reg.dword(path, "Type", kind)
    if depends:
        reg.multi(path, "DependOnService", depends)
    if kind != 1:
        reg.sz(path, "ObjectName", account)
    if recovery:
        reg.binary(path, "FailureActions", failure_actions())
    return path


def driver(reg, name, display, image, start, group=None):
    return service(reg, name, display, image, start, kind=1, group=group)


def exchange_service(reg, name, display, binary, start=2, depends=("MSExchangeADTopology",)):
    return service(reg, name, display, f'"{EXCH}\\bin\\{binary}"', start,
                   depends=depends, recovery=True)


def base_windows(reg, host):
    name = host["name"]
    domain = host["dns_domain"]
    site = host["site"]

    # Computer name and TCP/IP identity
    reg.sz(CCS + r"\Control\ComputerName\ComputerName", "ComputerName", name)
    tcpip = SVC + r"\Tcpip\Parameters"
    reg.expand(tcpip, "DataBasePath", r"%SystemRoot%\System32\drivers\etc")
    reg.sz(tcpip, "NameServer", "")
    reg.dword(tcpip, "UseDomainNameDevolution", 1)
    reg.dword(tcpip, "EnableICMPRedirect", 1)
    reg.dword(tcpip, "DeadGWDetectDefault", 1)
    reg.dword(tcpip, "DontAddDefaultGatewayDefault", 0)
    reg.dword(tcpip, "EnableWsd", 1)
    reg.sz(tcpip, "Domain", domain if host["domain_member"] else "")
    reg.sz(tcpip, "Hostname", name)
    reg.sz(tcpip, "NV Hostname", name)
    reg.sz(tcpip, "NV Domain", domain)
    reg.dword(tcpip, "SyncDomainWithMembership", 1 if host["domain_member"] else 0)
    reg.sz(tcpip, "SearchList", domain)
    reg.dword(tcpip, "KeepAliveTime", 1800000)
    reg.dword(tcpip, "EnableTCPChimney", 0)
    reg.dword(tcpip, "EnableRSS", 0)
    nic_guid = "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, name + ".nic0")).upper() + "}"
    host["nic_guid"] = nic_guid
    interface = tcpip + r"\Interfaces" + "\\" + nic_guid
    reg.dword(interface, "EnableDHCP", 0)
    reg.sz(interface, "Domain", "")
    reg.sz(interface, "NameServer", host["dns_servers"])
    reg.multi(interface, "IPAddress", [host["ip"]])
    reg.multi(interface, "SubnetMask", ["255.255.255.0"])
    reg.multi(interface, "DefaultGateway", [host["ip"].rsplit(".", 1)[0] + ".1"])
    reg.multi(interface, "DefaultGatewayMetric", ["0"])
    reg.dword(interface, "UseZeroBroadcast", 0)
    reg.dword(interface, "RegistrationEnabled", 1 if host["domain_member"] else 0)
    reg.dword(interface, "RegisterAdapterName", 0)
    tcpip6 = SVC + r"\Tcpip6\Parameters"
    reg.binary(tcpip6, "Dhcpv6DUID", b"\x00\x01\x00\x01" + pseudo_bytes(name + "duid", 10))
    if host.get("ipv6_off"):
        reg.dword(tcpip6, "DisabledComponents", 0xFFFFFFFF)
    reg.sz(tcpip6, "Hostname", name)
    reg.sz(tcpip6, "NV Hostname", name)
    reg.sz(tcpip6, "Domain", domain if host["domain_member"] else "")
    reg.sz(tcpip6, "NV Domain", domain)

    # SCHANNEL
    schannel = CCS + r"\Control\SecurityProviders\SCHANNEL"
    reg.dword(schannel, "EventLogging", 1)
    protocols = schannel + r"\Protocols"
    reg.dword(protocols + r"\SSL 2.0\Client", "DisabledByDefault", 1)
    reg.dword(protocols + r"\SSL 2.0\Server", "Enabled", 0)
    reg.dword(protocols + r"\SSL 3.0\Server", "Enabled", 0)
    ciphers = schannel + r"\Ciphers"
    for cipher in ["DES 56/56", "NULL", "RC2 40/128", "RC4 40/128", "RC4 56/128"]:
        reg.dword(ciphers + "\\" + cipher, "Enabled", 0)
    for cipher in ["AES 128/128", "AES 256/256", "RC4 128/128", "Triple DES 168/168"]:
        reg.key(ciphers + "\\" + cipher)
    reg.key(schannel + r"\Hashes\MD5")
    reg.key(schannel + r"\Hashes\SHA")

    # LSA
    lsa = CCS + r"\Control\Lsa"
    reg.multi(lsa, "Authentication Packages", ["msv1_0"])
    reg.binary(lsa, "Bounds", bytes.fromhex("0030000000200000"))
    reg.dword(lsa, "crashonauditfail", 0)
    reg.dword(lsa, "disabledomaincreds", 0)
    reg.dword(lsa, "everyoneincludesanonymous", 0)
    reg.dword(lsa, "forceguest", 0)
    reg.binary(lsa, "fullprivilegeauditing", b"\x00")
    reg.dword(lsa, "LimitBlankPasswordUse", 1)
    reg.dword(lsa, "NoLmHash", 1)
    reg.multi(lsa, "Notification Packages", ["scecli"])
    reg.dword(lsa, "restrictanonymous", 0)
    reg.dword(lsa, "restrictanonymoussam", 1)
    reg.multi(lsa, "Security Packages", ["kerberos", "msv1_0", "schannel", "wdigest", "tspkg"])
    if site == 2:
        reg.dword(lsa, "LmCompatibilityLevel", 5)
    reg.key(lsa + r"\MSV1_0")

    # Crash dump and memory
    crash = CCS + r"\Control\CrashControl"
    reg.dword(crash, "AutoReboot", 1)
    reg.dword(crash, "CrashDumpEnabled", 2)
    reg.expand(crash, "DumpFile", r"%SystemRoot%\MEMORY.DMP")
    reg.dword(crash, "LogEvent", 1)
    reg.expand(crash, "MinidumpDir", r"%SystemRoot%\Minidump")
    reg.dword(crash, "Overwrite", 1)
    reg.dword(crash, "MinidumpsCount", 0x32)
    memory = CCS + r"\Control\Session Manager\Memory Management"
    ram_mb = host["ram_gb"] * 1024
    reg.dword(memory, "ClearPageFileAtShutdown", 0)
    reg.dword(memory, "DisablePagingExecutive", 0)
    reg.dword(memory, "LargeSystemCache", 0)
    reg.dword(memory, "NonPagedPoolQuota", 0)
    reg.dword(memory, "NonPagedPoolSize", 0)
    reg.dword(memory, "PagedPoolQuota", 0)
    reg.dword(memory, "PagedPoolSize", 0)
    reg.dword(memory, "SecondLevelDataCache", 0)
    reg.dword(memory, "SessionPoolSize", 4)
    reg.dword(memory, "SessionViewSize", 0x30)
    reg.dword(memory, "SystemPages", 0)
    reg.multi(memory, "PagingFiles", [f"C:\\pagefile.sys {ram_mb + 10} {ram_mb + 10}"])
    reg.dword(memory, "PhysicalAddressExtension", 1)
    reg.multi(memory, "ExistingPageFiles", [r"\??\C:\pagefile.sys"])
    reg.key(memory + r"\PrefetchParameters")
    reg.dword(memory + r"\PrefetchParameters", "EnablePrefetcher", 3)
    reg.dword(memory + r"\PrefetchParameters", "EnableSuperfetch", 0)

    # Power plan
    reg.sz(CCS + r"\Control\Power\User\PowerSchemes", "ActivePowerScheme",
           POWER_HIGH if host.get("high_performance") else POWER_BALANCED)

    # Remote Desktop
    ts = CCS + r"\Control\Terminal Server"
    reg.dword(ts, "AllowRemoteRPC", 0)
    reg.dword(ts, "DeleteTempDirsOnExit", 1)
    reg.dword(ts, "fDenyTSConnections", 0)
    reg.dword(ts, "fSingleSessionPerUser", 1)
    reg.sz(ts, "ProductVersion", "5.1")
    reg.dword(ts, "TSUserEnabled", 0)
    rdp = ts + r"\WinStations\RDP-Tcp"
    reg.sz(rdp, "Comment", "")
    reg.dword(rdp, "fInheritAutoLogon", 1)
    reg.dword(rdp, "fPromptForPassword", 0)
    reg.dword(rdp, "MaxConnectionTime", 0)
    reg.dword(rdp, "MaxDisconnectionTime", 0x0036ee80)
    reg.dword(rdp, "MaxIdleTime", 0)
    reg.dword(rdp, "MinEncryptionLevel", 3)
    reg.dword(rdp, "PortNumber", 3389)
    reg.dword(rdp, "SecurityLayer", 2)
    reg.dword(rdp, "UserAuthentication", 1)
    reg.sz(rdp, "WdName", "Microsoft RDP 6.1")

    # Misc control
    windows = CCS + r"\Control\Windows"
    reg.dword(windows, "CSDVersion", 0x200)
    reg.dword(windows, "ErrorMode", 0)
    reg.binary(windows, "ShutdownTime", pseudo_bytes(name + "shutdown", 8))

    # Classes: network adapters and storage volumes
    reg.sz(NET_CLASS, "", "Network adapters")
    reg.sz(NET_CLASS, "Class", "Net")
    reg.sz(NET_CLASS, "ClassDesc", r"@%systemroot%\system32\NetCfgx.dll,-5001")
    reg.sz(NET_CLASS, "Icon", "-5")
    reg.sz(NET_CLASS, "Installer32", "NetCfgx.dll,NetClassInstaller")
    wan = NET_CLASS + r"\0000"
    reg.sz(wan, "DriverDesc", "WAN Miniport (SSTP)")
    reg.sz(wan, "ProviderName", "Microsoft")
    reg.dword(wan, "Characteristics", 0x29)
    reg.sz(wan, "ComponentId", "ms_sstpminiport")
    reg.sz(VOLUME_CLASS, "", "Storage volumes")
    reg.sz(VOLUME_CLASS, "Class", "Volume")
    reg.sz(VOLUME_CLASS, "ClassDesc", r"@%systemroot%\system32\devmgr.dll,-272")
    reg.multi(VOLUME_CLASS, "IconPath", [r"%systemroot%\system32\setupapi.dll,-53"])
    reg.sz(VOLUME_CLASS, "NoDisplayClass", "1")
    reg.sz(VOLUME_CLASS, "SilentInstall", "1")
    reg.multi(VOLUME_CLASS, "UpperFilters", ["volsnap"])

    # Event logs
    evt = SVC + r"\Eventlog"
    logs = {"Application": 104857600, "Security": 201326592, "System": 52428800}
    for log, size in logs.items():
        path = evt + "\\" + log
        reg.dword(path, "AutoBackupLogFiles", 1 if log == "Security" else 0)
        reg.expand(path, "File", f"%SystemRoot%\\System32\\Winevt\\Logs\\{log}.evtx")
        reg.dword(path, "MaxSize", size)
        reg.sz(path, "PrimaryModule", log)
        reg.dword(path, "Retention", 0)

    # Services common to the Windows build
    service(reg, "RpcSs", "@oleres.dll,-5010", r"%systemroot%\system32\svchost.exe -k rpcss", 2,
            kind=0x20, account=r"NT AUTHORITY\NetworkService",
            description="@oleres.dll,-5011", group="COM Infrastructure")
    service(reg, "RemoteRegistry", "@regsvc.dll,-1",
            r"%SystemRoot%\system32\svchost.exe -k regsvc",
            4 if host["role_tags"] == {"edge"} else 2,
            kind=0x20, account=r"NT AUTHORITY\LocalService", depends=["RPCSS"],
            description="@regsvc.dll,-2")
    w32 = service(reg, "W32Time", "@%SystemRoot%\\system32\\w32time.dll,-200",
                  r"%SystemRoot%\system32\svchost.exe -k LocalService", 2, kind=0x20,
                  account=r"NT AUTHORITY\LocalService",
                  description="@%SystemRoot%\\system32\\w32time.dll,-201")
    if host["domain_member"]:
        reg.sz(w32 + r"\Parameters", "NtpServer", "time.windows.com,0x9")
        reg.sz(w32 + r"\Parameters", "Type", "NT5DS")
    else:
        reg.sz(w32 + r"\Parameters", "NtpServer",
               "ntp1.dmz.example.net,0x9 ntp2.dmz.example.net,0x9")
        reg.sz(w32 + r"\Parameters", "Type", "NTP")
    reg.expand(w32 + r"\Parameters", "ServiceDll", r"%systemroot%\system32\w32time.dll")
    service(reg, "Spooler", "@%systemroot%\\system32\\spoolsv.exe,-1",
            r"%SystemRoot%\System32\spoolsv.exe", 4, kind=0x110, depends=["RPCSS", "http"],
            description="@%systemroot%\\system32\\spoolsv.exe,-2", group="SpoolerGroup")
    lanman = service(reg, "LanmanServer", "@%systemroot%\\system32\\srvsvc.dll,-100",
                     r"%SystemRoot%\system32\svchost.exe -k netsvcs", 2, kind=0x20,
                     depends=["SamSS", "Srv"], description="@%systemroot%\\system32\\srvsvc.dll,-101")
    params = lanman + r"\Parameters"
    reg.dword(params, "AutoShareServer", 1)
    reg.dword(params, "EnableSecuritySignature", 1)
    reg.dword(params, "RequireSecuritySignature", 1)
    reg.multi(params, "NullSessionPipes", [])
    reg.expand(params, "ServiceDll", r"%SystemRoot%\system32\srvsvc.dll")
    reg.dword(params, "Lmannounce", 0)
    reg.dword(params, "Size", 3)
    driver(reg, "Disk", "Disk Driver", r"system32\DRIVERS\disk.sys", 0, group="SCSI Class")
    driver(reg, "volsnap", "Storage volumes", r"system32\drivers\volsnap.sys", 0,
           group="Filter")

    # The backup vendor's agent ships the VndFltr volume filter; it is installed on every
    # domain-joined server and kept disabled since the 2009 I/O latency incident.
    if host["domain_member"]:
        vnd = driver(reg, "VndFltr", "Vnd Change Tracking Volume Filter",
                     r"system32\DRIVERS\VndFltr.sys", 4, group="PnP Filter")
        reg.sz(vnd + r"\Parameters", "BitmapDirectory", r"C:\ProgramData\Vnd\cbt")
        reg.dword(vnd + r"\Parameters", "TrackingGranularityKB", 64)
        agent = SW + r"\Vnd Software\Backup Agent"
        reg.sz(agent, "InstallPath", r"C:\Program Files\Vnd Software\Backup Agent")
        reg.sz(agent, "Version", "3.2.1180")
        reg.sz(agent, "SnapshotMode", "VSS")
        reg.dword(agent, "ChangeTrackingEnabled", 0)

    # SOFTWARE: OS identity
    nt = SW + r"\Microsoft\Windows NT\CurrentVersion"
    reg.sz(nt, "CurrentVersion", "6.0")
    reg.sz(nt, "CurrentBuild", "6002")
    reg.sz(nt, "CurrentBuildNumber", "6002")
    reg.sz(nt, "CurrentType", "Multiprocessor Free")
    reg.sz(nt, "CSDVersion", "Service Pack 2")
    reg.sz(nt, "BuildLab", "6002.vistasp2_gdr.120503-0344")
    reg.sz(nt, "BuildLabEx", "6002.22791.amd64fre.vistasp2_ldr.120503-0344")
    reg.sz(nt, "EditionID", "ServerEnterprise")
    reg.sz(nt, "ProductName", "Windows Server\u00ae 2008 Enterprise")
    reg.sz(nt, "ProductId", f"92573-082-2500{site}15-7{int(hashlib.md5(name.encode()).hexdigest(), 16) % 10000:04d}")
    reg.binary(nt, "DigitalProductId", b"\xa4\x00\x00\x00\x03\x00\x00\x00" + pseudo_bytes(name + "dpid", 156))
    reg.sz(nt, "RegisteredOrganization", "Example Corp")
    reg.sz(nt, "RegisteredOwner", "Messaging Infrastructure")
    reg.sz(nt, "SoftwareType", "System")
    reg.sz(nt, "SystemRoot", r"C:\Windows")
    reg.sz(nt, "PathName", r"C:\Windows")
    reg.dword(nt, "InstallDate", host["install_date"])
    winlogon = nt + r"\Winlogon"
    reg.dword(winlogon, "AutoRestartShell", 1)
    reg.sz(winlogon, "Background", "0 0 0")
    reg.sz(winlogon, "CachedLogonsCount", "10")
    reg.sz(winlogon, "DebugServerCommand", "no")
    reg.sz(winlogon, "DefaultDomainName", "CORP" if host["domain_member"] else name)
    reg.sz(winlogon, "DefaultUserName", "Administrator")
    reg.dword(winlogon, "ForceUnlockLogon", 0)
    reg.sz(winlogon, "LegalNoticeCaption", "")
    reg.sz(winlogon, "LegalNoticeText", "")
    reg.dword(winlogon, "PasswordExpiryWarning", 5)
    reg.sz(winlogon, "PowerdownAfterShutdown", "0")
    reg.sz(winlogon, "ReportBootOk", "1")
    reg.sz(winlogon, "Shell", "explorer.exe")
    reg.sz(winlogon, "Userinit", r"C:\Windows\system32\userinit.exe,")
    reg.sz(winlogon, "VMApplet", "SystemPropertiesPerformance.exe /pagefile")
    reg.sz(winlogon, "WinStationsDisabled", "0")
    reg.sz(winlogon, "AutoAdminLogon", "0")

    policies = SW + r"\Microsoft\Windows\CurrentVersion\Policies\System"
    reg.dword(policies, "ConsentPromptBehaviorAdmin", 5)
    reg.dword(policies, "ConsentPromptBehaviorUser", 3)
    reg.dword(policies, "dontdisplaylastusername", 0)
    reg.dword(policies, "EnableInstallerDetection", 1)
    reg.dword(policies, "EnableLUA", 1)
    reg.dword(policies, "EnableSecureUIAPaths", 1)
    reg.dword(policies, "EnableUIADesktopToggle", 0)
    reg.dword(policies, "EnableVirtualization", 1)
    reg.dword(policies, "FilterAdministratorToken", 0)
    reg.sz(policies, "legalnoticecaption", "Example Corp - authorised use only")
    reg.sz(policies, "legalnoticetext",
           "This system is operated by the Messaging Infrastructure team. "
           "All activity is logged and may be reviewed.")
    reg.dword(policies, "PromptOnSecureDesktop", 1)
    reg.dword(policies, "scforceoption", 0)
    reg.dword(policies, "shutdownwithoutlogon", 0)
    reg.dword(policies, "undockwithoutlogon", 1)
    reg.dword(policies, "ValidateAdminCodeSignatures", 0)

    wu = SW + r"\Policies\Microsoft\Windows\WindowsUpdate"
    server = ("http://wsus-dmz.dmz.example.net:8530" if not host["domain_member"]
              else f"http://wsus0{site}.corp.example.net:8530")
    reg.sz(wu, "WUServer", server)
    reg.sz(wu, "WUStatusServer", server)
    reg.dword(wu + r"\AU", "AUOptions", 3 if host["domain_member"] else 2)
    reg.dword(wu + r"\AU", "NoAutoRebootWithLoggedOnUsers", 1)
    reg.dword(wu + r"\AU", "NoAutoUpdate", 0)
    reg.dword(wu + r"\AU", "ScheduledInstallDay", 0)
    reg.dword(wu + r"\AU", "ScheduledInstallTime", 3)
    reg.dword(wu + r"\AU", "UseWUServer", 1)
    reg.dword(wu + r"\AU", "DetectionFrequencyEnabled", 1)
    reg.dword(wu + r"\AU", "DetectionFrequency", 22)

    rpc = SW + r"\Microsoft\Rpc"
    reg.key(rpc)
    for protocol in ["ncacn_http", "ncacn_ip_tcp", "ncacn_np", "ncacn_ip_udp"]:
        reg.sz(rpc + r"\ClientProtocols", protocol, "rpcrt4.dll")

    # .NET and PowerShell prerequisites
    ndp = SW + r"\Microsoft\NET Framework Setup\NDP"
    reg.dword(ndp + r"\v2.0.50727", "Install", 1)
    reg.sz(ndp + r"\v2.0.50727", "Increment", "4016")
    reg.dword(ndp + r"\v2.0.50727", "SP", 2)
    reg.sz(ndp + r"\v2.0.50727", "Version", "2.0.50727.4016")
    reg.dword(ndp + r"\v3.0\Setup", "InstallSuccess", 1)
    reg.sz(ndp + r"\v3.0\Setup", "Version", "3.0.30729.4037")
    reg.dword(ndp + r"\v3.0", "SP", 2)
    reg.dword(ndp + r"\v3.5", "Install", 1)
    reg.dword(ndp + r"\v3.5", "SP", 1)
    reg.sz(ndp + r"\v3.5", "Version", "3.5.30729.01")
    ps = SW + r"\Microsoft\PowerShell\1"
    reg.dword(ps, "Install", 1)
    reg.sz(ps, "PID", "89383-100-0001260-04309")
    engine = ps + r"\PowerShellEngine"
    reg.sz(engine, "ApplicationBase", r"C:\Windows\System32\WindowsPowerShell\v1.0")
    reg.sz(engine, "PSCompatibleVersion", "1.0")
    reg.sz(engine, "RuntimeVersion", "v2.0.50727")
    reg.sz(engine, "ConsoleHostAssemblyName",
           "Microsoft.PowerShell.ConsoleHost, Version=1.0.0.0, Culture=neutral, "
           "PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=msil")
    reg.sz(engine, "PowerShellVersion", "1.0")
    reg.sz(ps + r"\ShellIds\Microsoft.PowerShell", "Path",
           r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe")
    reg.sz(ps + r"\ShellIds\Microsoft.PowerShell", "ExecutionPolicy", "RemoteSigned")


def exchange_common(reg, host):
    setup = SW + r"\Microsoft\Exchange\v8.0\Setup"
    reg.sz(setup, "MsiInstallPath", EXCH + "\\")
    reg.dword(setup, "MsiProductMajor", 8)
    reg.dword(setup, "MsiProductMinor", 3)
    reg.dword(setup, "MsiBuildMajor", 83)
    reg.dword(setup, "MsiBuildMinor", 6)
    reg.sz(setup, "Services", EXCH)
    reg.sz(setup, "ServicesRoot", EXCH + "\\")
    admin = SW + r"\Microsoft\Exchange\v8.0\AdminTools"
    reg.sz(admin, "ConfiguredVersion", EXCH_VERSION)
    reg.sz(admin, "UnpackedVersion", EXCH_VERSION)
    uninstall = SW + r"\Microsoft\Windows\CurrentVersion\Uninstall\{24B2C164-DE66-44FE-B468-A46D9D5E6B31}"
    reg.sz(uninstall, "DisplayName", "Microsoft Exchange Server 2007")
    reg.sz(uninstall, "DisplayVersion", "8.3.83.6")
    reg.sz(uninstall, "Publisher", "Microsoft Corporation")
    reg.sz(uninstall, "InstallLocation", EXCH + "\\")
    reg.expand(uninstall, "UninstallString",
               r"MsiExec.exe /X{24B2C164-DE66-44FE-B468-A46D9D5E6B31}")
    reg.dword(uninstall, "NoModify", 1)
    snapin = SW + r"\Microsoft\PowerShell\1\PowerShellSnapIns\Microsoft.Exchange.Management.PowerShell.Admin"
    reg.sz(snapin, "ApplicationBase", EXCH + r"\bin")
    reg.sz(snapin, "AssemblyName",
           "Microsoft.Exchange.PowerShell.Configuration, Version=8.0.0.0, Culture=neutral, "
           "PublicKeyToken=31bf3856ad364e35")
    reg.sz(snapin, "Description", "Admin Tasks for the Exchange Server")
    reg.sz(snapin, "ModuleName", EXCH + r"\bin\Microsoft.Exchange.PowerShell.Configuration.dll")
    reg.sz(snapin, "PowerShellVersion", "1.0")
    reg.sz(snapin, "Version", "8.0.0.0")

    exchange_service(reg, "MSExchangeMonitoring", "Microsoft Exchange Monitoring",
                     "Microsoft.Exchange.Monitoring.exe", start=3, depends=())
    if host["domain_member"]:
        exchange_service(reg, "MSExchangeADTopology",
                         "Microsoft Exchange Active Directory Topology Service",
                         "Microsoft.Exchange.Directory.TopologyService.exe",
                         depends=("NetTcpPortSharing",))
        sh = exchange_service(reg, "MSExchangeServiceHost", "Microsoft Exchange Service Host",
                              "Microsoft.Exchange.ServiceHost.exe")
        reg.dword(sh + r"\RpcHttpConfigurator", "PeriodicPollingMinutes", 15)
    evt_app = SVC + r"\Eventlog\Application"
    reg.expand(evt_app + r"\MSExchangeSetup", "EventMessageFile",
               EXCH + r"\bin\Microsoft.Exchange.Setup.Common.dll")
    reg.dword(evt_app + r"\MSExchangeSetup", "CategoryCount", 0)


def role_key(reg, role):
    path = SW + r"\Microsoft\Exchange\v8.0" + "\\" + role
    reg.sz(path, "ConfiguredVersion", EXCH_VERSION)
    reg.sz(path, "UnpackedVersion", EXCH_VERSION)
    return path


def role_mailbox(reg, host):
    role_key(reg, "MailboxRole")
    store = exchange_service(reg, "MSExchangeIS", "Microsoft Exchange Information Store",
                             "store.exe", depends=("MSExchangeADTopology", "RPCSS",
                                                   "LanmanWorkstation", "LanmanServer"))
    system = store + r"\ParametersSystem"
    reg.dword(system, "TCP/IP Port", 59531)
    reg.sz(system, "Working Directory", EXCH + r"\Mailbox\MDBTEMP")
    reg.dword(system, "Maximum Allowed Sessions Per User", 64 if host["site"] == 1 else 32)
    sa = exchange_service(reg, "MSExchangeSA", "Microsoft Exchange System Attendant", "mad.exe",
                          depends=("MSExchangeADTopology", "RPCSS", "LanmanWorkstation"))
    reg.dword(sa + r"\Parameters", "TCP/IP NSPI Port", 59532)
    reg.dword(sa + r"\Parameters", "TCP/IP RFR Port", 59533)
    exchange_service(reg, "MSExchangeRepl", "Microsoft Exchange Replication Service",
                     "msexchangerepl.exe")
    exchange_service(reg, "MSExchangeSearch", "Microsoft Exchange Search Indexer",
                     "Microsoft.Exchange.Search.ExSearch.exe", depends=("MSExchangeIS",))
    exchange_service(reg, "MSExchangeMailSubmission", "Microsoft Exchange Mail Submission",
                     "MSExchangeMailSubmission.exe", depends=("MSExchangeIS",))
    exchange_service(reg, "MSExchangeMailboxAssistants", "Microsoft Exchange Mailbox Assistants",
                     "MSExchangeMailboxAssistants.exe", depends=("MSExchangeIS",))
    service(reg, "msftesql-Exchange", "Microsoft Search (Exchange)",
            f'"{EXCH}\\bin\\msftesql.exe" -s:MSSearch.Exchange', 3)
    reg.expand(SVC + r"\Eventlog\Application\MSExchangeIS", "EventMessageFile",
               EXCH + r"\bin\mdbmsg.dll")
    if host.get("ccr"):
        clus = service(reg, "ClusSvc", "Cluster Service", r"%SystemRoot%\Cluster\clussvc.exe",
                       2, depends=["RpcSs", "NetFT", "W32Time"], recovery=True)
        reg.dword(clus + r"\Parameters", "NodeId", host["ccr"])


def role_hub(reg, host):
    role_key(reg, "HubTransportRole")
    exchange_service(reg, "MSExchangeTransport", "Microsoft Exchange Transport",
                     "MSExchangeTransport.exe")
    exchange_service(reg, "MSExchangeEdgeSync", "Microsoft Exchange EdgeSync",
                     "Microsoft.Exchange.EdgeSyncSvc.exe")
    exchange_service(reg, "MSExchangeTransportLogSearch",
                     "Microsoft Exchange Transport Log Search", "MSExchangeTransportLogSearch.exe")
    exchange_service(reg, "MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update",
                     "Microsoft.Exchange.AntispamUpdateSvc.exe", start=3)
    reg.expand(SVC + r"\Eventlog\Application\MSExchangeTransport", "EventMessageFile",
               EXCH + r"\bin\Microsoft.Exchange.Transport.EventLog.dll")


def role_cas(reg, host):
    role_key(reg, "ClientAccessRole")
    service(reg, "W3SVC", "@%windir%\\system32\\inetsrv\\iisres.dll,-30003",
            r"%SystemRoot%\system32\svchost.exe -k iissvcs", 2, kind=0x20,
            depends=["WAS", "HTTP"], description="@%windir%\\system32\\inetsrv\\iisres.dll,-30004")
    exchange_service(reg, "MSExchangeFDS", "Microsoft Exchange File Distribution",
                     "MSExchangeFDS.exe")
    service(reg, "MSExchangeIMAP4", "Microsoft Exchange IMAP4",
            f'"{EXCH}\\ClientAccess\\PopImap\\Microsoft.Exchange.Imap4Service.exe"', 3,
            depends=["MSExchangeADTopology"])
    service(reg, "MSExchangePOP3", "Microsoft Exchange POP3",
            f'"{EXCH}\\ClientAccess\\PopImap\\Microsoft.Exchange.Pop3Service.exe"', 4,
            depends=["MSExchangeADTopology"])
    rpc = SW + r"\Microsoft\Rpc"
    reg.dword(rpc, "MinimumConnectionTimeout", 120)
    entries = []
    for mailbox in host["rpc_targets"]:
        for name in (mailbox, f"{mailbox}.{host['dns_domain']}"):
            entries += [f"{name}:6001-6002", f"{name}:6004"]
    reg.dword(rpc + r"\RpcProxy", "Enabled", 1)
    reg.sz(rpc + r"\RpcProxy", "ValidPorts", ";".join(entries))


def role_edge(reg, host):
    role_key(reg, "EdgeTransportRole")
    adam_settings = SW + r"\Microsoft\Exchange\v8.0\EdgeTransportRole\AdamSettings\MSExchange"
    reg.sz(adam_settings, "DataFilesPath", EXCH + r"\TransportRoles\data\Adam")
    reg.sz(adam_settings, "LogFilesPath", EXCH + r"\TransportRoles\data\Adam")
    reg.dword(adam_settings, "LdapPort", 50389)
    reg.dword(adam_settings, "SslPort", 50636)
    exchange_service(reg, "MSExchangeTransport", "Microsoft Exchange Transport",
                     "MSExchangeTransport.exe", depends=("ADAM_MSExchange",))
    exchange_service(reg, "MSExchangeEdgeCredential", "Microsoft Exchange Credential Service",
                     "EdgeCredentialSvc.exe", depends=("ADAM_MSExchange",))
    exchange_service(reg, "MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update",
                     "Microsoft.Exchange.AntispamUpdateSvc.exe", depends=())
    exchange_service(reg, "MSExchangeTransportLogSearch",
                     "Microsoft Exchange Transport Log Search", "MSExchangeTransportLogSearch.exe",
                     depends=())
    adam = service(reg, "ADAM_MSExchange", "Microsoft Exchange ADAM",
                   r"%SystemRoot%\ADAM\dsamain.exe -sn:MSExchange", 2,
                   account=r"NT AUTHORITY\NetworkService", recovery=True)
    params = adam + r"\Parameters"
    reg.sz(params, "DSA Database file", EXCH + r"\TransportRoles\data\Adam\adamntds.dit")
    reg.sz(params, "DSA Working Directory", EXCH + r"\TransportRoles\data\Adam")
    reg.sz(params, "Database log files path", EXCH + r"\TransportRoles\data\Adam")
    reg.dword(params, "Port LDAP", 50389)
    reg.dword(params, "Port SSL", 50636)
    reg.sz(params, "Configuration NC", "CN=Configuration,CN={9F4F1C3E-51B2-4C8B-9E2A-5D6F0B3A7C21}")


def role_um(reg, host):
    path = role_key(reg, "UnifiedMessagingRole")
    reg.sz(path + r"\LanguagePacks", "en-US", EXCH_VERSION)
    exchange_service(reg, "MSExchangeUM", "Microsoft Exchange Unified Messaging", "umservice.exe",
                     depends=("MSExchangeADTopology", "MSS"))
    service(reg, "MSS", "Microsoft Exchange Speech Engine",
            f'"{EXCH}\\UnifiedMessaging\\SpeechEngine\\MSS.exe"', 2,
            account=r"NT AUTHORITY\NetworkService", recovery=True)


def hardware_hp(reg, host):
    driver(reg, "HpCISSs2", "Smart Array SAS/SATA Controller Driver",
           r"system32\DRIVERS\HpCISSs2.sys", 0, group="SCSI miniport")
    for name, display, exe in [
        ("CqMgHost", "HP Insight Foundation Agents", "cqmghost.exe"),
        ("CqMgServ", "HP Insight Server Agents", "cqmgserv.exe"),
        ("CqMgStor", "HP Insight Storage Agents", "cqmgstor.exe"),
        ("CpqNicMgmt", "HP Insight NIC Agents", "cpqnicmgmt.exe"),
    ]:
        service(reg, name, display, f"%SystemRoot%\\system32\\CpqMgmt\\{name}\\{exe}", 2,
                depends=["SNMP"] if name != "CqMgHost" else ["SNMP", "Winmgmt"])
    service(reg, "sysdown", "HP ProLiant System Shutdown Service",
            r"%SystemRoot%\system32\CpqMgmt\sysdown\sysdown.exe", 2)
    snmp = service(reg, "SNMP", "SNMP Service", r"%SystemRoot%\System32\snmp.exe", 2,
                   depends=["EventLog"], recovery=True)
    reg.dword(snmp + r"\Parameters", "EnableAuthenticationTraps", 1)
    reg.dword(snmp + r"\Parameters", "NameResolutionRetries", 0x10)
    reg.sz(snmp + r"\Parameters\PermittedManagers", "1", "10.11.5.20")
    reg.dword(snmp + r"\Parameters\ValidCommunities", "hpsim-ro", 4)
    reg.dword(SVC + r"\Tcpip\Parameters", "EnableRSS", 1)
    for index, port in (("0007", 1), ("0008", 2)):
        nic = NET_CLASS + "\\" + index
        reg.sz(nic, "DriverDesc", f"HP NC373i Multifunction Gigabit Server Adapter #{port}"
               if port > 1 else "HP NC373i Multifunction Gigabit Server Adapter")
        reg.sz(nic, "ProviderName", "Hewlett-Packard Company")
        reg.sz(nic, "DriverDate", "8-29-2008")
        reg.sz(nic, "DriverVersion", "4.6.16.0")
        reg.sz(nic, "MatchingDeviceId", "b06bdrv\\l2nd&pci_164c14e4&subsys_7038103c")
        reg.dword(nic, "Characteristics", 0x84)
        reg.sz(nic, "BusType", "15")
        reg.sz(nic, "NetCfgInstanceId", host["nic_guid"] if port == 1 else
               "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, host["name"] + ".nic1")).upper() + "}")
        reg.sz(nic, "InfPath", "oem7.inf")
        reg.sz(nic, "InfSection", "BCM5708_x64")
        reg.sz(nic, "*SpeedDuplex", "0")
        reg.sz(nic, "*FlowControl", "3")
        reg.sz(nic, "*JumboPacket", "1514")
        reg.sz(nic, "*LsoV2IPv4", "0")
        reg.sz(nic, "*RSS", "1")
        reg.sz(nic, "*TCPChecksumOffloadIPv4", "3")
        reg.sz(nic, "*UDPChecksumOffloadIPv4", "3")


def hardware_dell(reg, host):
    driver(reg, "megasas", "LSI MegaRAID SAS RAID Controller Driver",
           r"system32\DRIVERS\megasas.sys", 0, group="SCSI miniport")
    reg.dword(SVC + r"\Disk", "TimeOutValue", 60)
    reg.dword(SVC + r"\Tcpip\Parameters", "EnableTCPA", 0)
    omsa = r"C:\Program Files (x86)\Dell\SysMgt"
    service(reg, "dcstor32", "DSM SA Data Manager", f"{omsa}\\dataeng\\bin\\dsm_sa_datamgr32.exe", 2,
            depends=["omsad", "IPMIDRV"])
    service(reg, "dcevt32", "DSM SA Event Manager", f"{omsa}\\dataeng\\bin\\dsm_sa_eventmgr32.exe", 2,
            depends=["dcstor32"])
    service(reg, "omsad", "DSM SA Shared Services", f"{omsa}\\dataeng\\bin\\dsm_sa_snmp32.exe", 2)
    service(reg, "Server Administrator", "DSM SA Connection Service",
            f'"{omsa}\\oma\\bin\\dsm_om_connsvc32.exe"', 3)
    driver(reg, "IPMIDRV", "Microsoft IPMI Driver", r"system32\drivers\IPMIDrv.sys", 3,
           group="Extended Base")
    for index, port in (("0001", 1), ("0002", 2)):
        nic = NET_CLASS + "\\" + index
        reg.sz(nic, "DriverDesc", "Broadcom BCM5708C NetXtreme II GigE (NDIS VBD Client)"
               + (f" #{port}" if port > 1 else ""))
        reg.sz(nic, "ProviderName", "Broadcom")
        reg.sz(nic, "DriverDate", "6-2-2009")
        reg.sz(nic, "DriverVersion", "4.8.5.0")
        reg.sz(nic, "MatchingDeviceId", "b06bdrv\\l2nd&pci_164c14e4&subsys_01b21028")
        reg.dword(nic, "Characteristics", 0x84)
        reg.sz(nic, "BusType", "15")
        reg.sz(nic, "NetCfgInstanceId", host["nic_guid"] if port == 1 else
               "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, host["name"] + ".nic1")).upper() + "}")
        reg.sz(nic, "InfPath", "oem3.inf")
        reg.sz(nic, "InfSection", "BCM5708_x64")
        reg.sz(nic, "*SpeedDuplex", "0")
        reg.sz(nic, "*FlowControl", "3")
        reg.sz(nic, "*JumboPacket", "1514")
        reg.sz(nic, "*LsoV2IPv4", "0")
        reg.sz(nic, "*RSS", "0")
        reg.sz(nic, "*TCPChecksumOffloadIPv4", "3")
        reg.sz(nic, "*UDPChecksumOffloadIPv4", "3")


ROLE_BUILDERS = {
    "mailbox": role_mailbox,
    "hub-transport": role_hub,
    "client-access": role_cas,
    "edge-transport": role_edge,
    "unified-messaging": role_um,
}
HARDWARE_BUILDERS = {"hp-proliant-dl380-g5": hardware_hp, "dell-poweredge-2950": hardware_dell}


# --- drift --------------------------------------------------------------------------------


def drift_keepalive_missing(reg, host):
    """Rebuilt from the OS image after a mainboard swap; the Exchange post-build step that
    writes KeepAliveTime was skipped, so Windows uses its two-hour default."""
    reg.delete(SVC + r"\Tcpip\Parameters", "KeepAliveTime")


def drift_vndfltr_reenabled(reg, host):
    """The backup agent's 3.3 update re-registered its filter and switched it back on."""
    reg.dword(SVC + r"\VndFltr", "Start", 1)
    reg.multi(VOLUME_CLASS, "UpperFilters", ["volsnap", "VndFltr"])
    agent = SW + r"\Vnd Software\Backup Agent"
    reg.sz(agent, "Version", "3.3.0412")
    reg.sz(agent, "SnapshotMode", "CBT")
    reg.dword(agent, "ChangeTrackingEnabled", 1)


def drift_tls10_disabled(reg, host):
    """A PCI hardening tool applied its generic 'best practice' profile: TLS 1.0 off,
    TLS 1.1/1.2 keys written, which Exchange 2007 cannot use."""
    protocols = CCS + r"\Control\SecurityProviders\SCHANNEL\Protocols"
    for version in ["TLS 1.0"]:
        for side in ["Client", "Server"]:
            reg.dword(protocols + f"\\{version}\\{side}", "DisabledByDefault", 1)
            reg.dword(protocols + f"\\{version}\\{side}", "Enabled", 0)
    for version in ["TLS 1.1", "TLS 1.2"]:
        for side in ["Client", "Server"]:
            reg.dword(protocols + f"\\{version}\\{side}", "DisabledByDefault", 0)
            reg.dword(protocols + f"\\{version}\\{side}", "Enabled", 0xFFFFFFFF)
    reg.dword(protocols + r"\SSL 3.0\Client", "DisabledByDefault", 1)
    reg.dword(protocols + r"\SSL 3.0\Client", "Enabled", 0)


def drift_balanced_power(reg, host):
    """Motherboard replaced; the BIOS defaults and a fresh OS power policy came back."""
    reg.sz(CCS + r"\Control\Power\User\PowerSchemes", "ActivePowerScheme", POWER_BALANCED)


def malformed_keepalive(text):
    """Someone 'fixed' KeepAliveTime in the exported file with one digit too many."""
    good = '"KeepAliveTime"=dword:001b7740'
    assert text.count(good) == 1
    return text.replace(good, '"KeepAliveTime"=dword:0001b7740')


# --- the fleet ----------------------------------------------------------------------------

SITE1_MAILBOX = ["EX-MBX-11", "EX-MBX-12"]
SITE2_MAILBOX = ["EX-MBX-21", "EX-MBX-22"]

HOSTS = [
    dict(name="EX-MBX-11", roles=["mailbox"], hw="hp-proliant-dl380-g5", site=1,
         ip="10.11.20.11", ccr=1),
    dict(name="EX-MBX-12", roles=["mailbox"], hw="hp-proliant-dl380-g5", site=1,
         ip="10.11.20.12", ccr=2, drift=[drift_vndfltr_reenabled]),
    dict(name="EX-HUB-11", roles=["hub-transport"], hw="hp-proliant-dl380-g5", site=1,
         ip="10.11.30.11", drift=[drift_keepalive_missing]),
    dict(name="EX-CAS-11", roles=["client-access"], hw="hp-proliant-dl380-g5", site=1,
         ip="10.11.40.11", encoding="utf8"),
    dict(name="EX-EDGE-11", roles=["edge-transport"], hw="hp-proliant-dl380-g5", site=1,
         ip="172.16.11.25", dialect="regedit4", encoding="ansi"),
    dict(name="EX-UM-11", roles=["unified-messaging"], hw="hp-proliant-dl380-g5", site=1,
         ip="10.11.50.11", high_performance=True, drift=[drift_balanced_power]),
    dict(name="EX-MBX-21", roles=["mailbox"], hw="dell-poweredge-2950", site=2,
         ip="10.21.20.21"),
    dict(name="EX-MBX-22", roles=["mailbox"], hw="dell-poweredge-2950", site=2,
         ip="10.21.20.22", malformed=malformed_keepalive),
    dict(name="EX-HUB-21", roles=["hub-transport"], hw="dell-poweredge-2950", site=2,
         ip="10.21.30.21", encoding="utf8-bom", drift=[drift_vndfltr_reenabled]),
    dict(name="EX-CAS-21", roles=["client-access"], hw="dell-poweredge-2950", site=2,
         ip="10.21.40.21", drift=[drift_tls10_disabled]),
    dict(name="EX-EDGE-21", roles=["edge-transport"], hw="dell-poweredge-2950", site=2,
         ip="172.16.21.25", ipv6_off=True),
    dict(name="EX-SITE2-01", roles=["hub-transport", "client-access", "unified-messaging"],
         hw="dell-poweredge-2950", site=2, ip="10.22.10.31", high_performance=True),
]


def complete(host):
    host.setdefault("encoding", "utf16")
    host.setdefault("dialect", "v5")
    host.setdefault("drift", [])
    edge = "edge-transport" in host["roles"]
    host["domain_member"] = not edge
    host["role_tags"] = {"edge"} if edge else set()
    host["dns_domain"] = "dmz.example.net" if edge else "corp.example.net"
    site = host["site"]
    host["dns_servers"] = ("172.16.%d.10" % (site * 10 + 1) if edge
                           else "10.%d.1.10,10.%d.1.11" % (site * 10 + 1, site * 10 + 1))
    host["ram_gb"] = 32 if host["hw"] == "hp-proliant-dl380-g5" else 16
    host["install_date"] = 0x4B000000 + int(hashlib.md5(host["name"].encode()).hexdigest()[:6], 16)
    host["rpc_targets"] = SITE1_MAILBOX if site == 1 else SITE2_MAILBOX
    if "unified-messaging" in host["roles"]:
        host.setdefault("high_performance", True)
    return host


def build(host):
    reg = Registry()
    base_windows(reg, host)
    exchange_common(reg, host)
    for role in host["roles"]:
        ROLE_BUILDERS[role](reg, host)
    HARDWARE_BUILDERS[host["hw"]](reg, host)
    for drift in host["drift"]:
        drift(reg, host)
    return reg


def main():
    for spec in HOSTS:
        host = complete(dict(spec))
        reg = build(host)
        folder = HOSTS_DIR / host["name"] / "registry"
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, root in (("system.reg", CCS), ("software.reg", SW)):
            text = export(reg, root, host["dialect"])
            if file_name == "system.reg" and host.get("malformed"):
                text = host["malformed"](text)
            (folder / file_name).write_bytes(encode(text, host["encoding"]))


if __name__ == "__main__":
    main()
