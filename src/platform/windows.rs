//! Windows: sockets with owners from the IP Helper API (through netstat2); services from the
//! Service Control Manager (`sc queryex`, `tasklist /svc`, `sc qc`); installed programs from
//! the Uninstall registry keys (`reg query`); http.sys registrations and excluded port ranges
//! from `netsh`; elevation from `whoami /groups`.
//!
//! The crate denies `unsafe`, so nothing here calls the Win32 API itself: it runs Windows' own
//! tools from `System32`, without a console window, and hands their text to the pure parsers in
//! [`super::parse::windows_text`]. A tool that fails or prints nothing readable becomes a warning with
//! a remedy, never an aborted scan.

use super::parse::pe_version;
use super::parse::windows_text::{self, ScService, TasklistRow, UninstallEntry};
use super::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use crate::engine::snapshot::{
    HttpSysRegistration, PortRange, Process, Product, Service, ServiceManager, Socket, Transport,
    VersionInfo, Warning,
};
use netstat2::{AddressFamilyFlags, ProtocolFlags};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const ELEVATE_HINT: &str = "Run PortSleuth as administrator (right-click it, Run as administrator) to see every process's sockets and executables.";

/// The Uninstall keys Add/Remove Programs reads: 64-bit programs, 32-bit programs, and the
/// current user's own installs. Only the first always exists; the others are absent on
/// 32-bit Windows and for users who installed nothing per-user.
const UNINSTALL_ROOTS: [(&str, bool); 3] = [
    (
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
        true,
    ),
    (
        r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
        false,
    ),
    (
        r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall",
        false,
    ),
];

pub fn is_elevated() -> bool {
    // A process's token does not change while it runs: ask once.
    static ELEVATED: OnceLock<bool> = OnceLock::new();
    *ELEVATED.get_or_init(|| {
        run("whoami.exe", &["/groups"]).is_ok_and(|text| windows_text::groups_show_elevation(&text))
    })
}

pub(crate) fn sockets(
    options: &ScanOptions,
    reporter: &mut Reporter<'_>,
    _warnings: &mut Vec<Warning>,
) -> Result<(Vec<RawSocket>, String), ScanError> {
    let infos = netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| ScanError::Sockets(e.to_string()))?;
    let mut out = Vec::new();
    for info in infos {
        // Windows credits TIME_WAIT sockets to PID 0 (System Idle Process), which owns nothing.
        let pids: Vec<u32> = info
            .associated_pids
            .into_iter()
            .filter(|&p| p != 0)
            .collect();
        let raw = RawSocket::from_netstat(info.protocol_socket_info, pids);
        if options.ports.is_empty()
            || options.ports.contains(&raw.local_port)
            || raw.remote.is_some_and(|(_, p)| options.ports.contains(&p))
        {
            out.push(raw);
        }
    }
    reporter.step(Phase::Sockets, 1, 1)?;
    Ok((out, "iphlpapi".into()))
}

/// The Windows services hosted by the socket-holding processes: all of them for a shared
/// `svchost.exe`, with display name, state and start type.
pub(crate) fn services(
    processes: &mut [Process],
    _sockets: &[Socket],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, ScanError> {
    reporter.step(Phase::Services, 0, processes.len())?;
    let known = scm_services(warnings);
    let by_pid = services_by_pid(&known, warnings);
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for p in processes.iter_mut() {
        if let Some(names) = by_pid.get(&p.pid) {
            p.services = names.clone();
            wanted.extend(names.iter().map(String::as_str));
        }
    }
    let total = wanted.len();
    let mut out = Vec::new();
    let mut unreadable: Vec<&str> = Vec::new();
    for (i, name) in wanted.into_iter().enumerate() {
        reporter.step(Phase::Services, i, total)?;
        let scm = known.iter().find(|s| s.name.eq_ignore_ascii_case(name));
        let start_type = run("sc.exe", &["qc", name])
            .ok()
            .and_then(|text| windows_text::parse_sc_qc_start_type(&text));
        if start_type.is_none() {
            unreadable.push(name);
        }
        out.push(Service {
            id: name.to_owned(),
            display_name: scm.map_or_else(|| name.to_owned(), |s| s.display_name.clone()),
            manager: ServiceManager::Scm,
            // A service tasklist saw in a process is running, even if sc did not list it.
            state: scm.map_or_else(|| "running".to_owned(), |s| s.state.clone()),
            start_type: start_type.unwrap_or_default(),
            pid: scm.and_then(|s| s.pid).or_else(|| {
                by_pid
                    .iter()
                    .find(|(_, names)| names.iter().any(|n| n == name))
                    .map(|(&pid, _)| pid)
            }),
            socket_unit: None,
        });
    }
    reporter.step(Phase::Services, total, total)?;
    if !unreadable.is_empty() {
        warnings.push(Warning {
            what: format!(
                "the start type of {} services could not be read with sc qc ({})",
                unreadable.len(),
                unreadable.join(", ")
            ),
            remedy: Some(ELEVATE_HINT.into()),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Every service the SCM knows, running or not.
fn scm_services(warnings: &mut Vec<Warning>) -> Vec<ScService> {
    match run("sc.exe", &["queryex", "type=", "service", "state=", "all"]) {
        Ok(text) => {
            let services = windows_text::parse_sc_queryex(&text);
            if services.is_empty() {
                warnings.push(Warning {
                    what: "sc queryex listed no services that PortSleuth could read".into(),
                    remedy: Some("Run `sc queryex type= service state= all` in a command prompt to check the Service Control Manager answers.".into()),
                });
            } else if text.contains("more data") {
                warnings.push(Warning {
                    what: "sc queryex did not list every service (its buffer was full)".into(),
                    remedy: Some("Run `sc queryex type= service state= all bufsize= 65536` in a command prompt to see the rest.".into()),
                });
            }
            services
        }
        Err(why) => {
            warnings.push(Warning {
                what: format!("the Service Control Manager could not be asked for services: {why}"),
                remedy: Some("Check that sc.exe runs in a command prompt; processes are still shown, without their services.".into()),
            });
            Vec::new()
        }
    }
}

/// Which services each process hosts: `sc queryex` gives each running service's PID and
/// `tasklist /svc` the same from the process side; either alone is enough.
fn services_by_pid(known: &[ScService], warnings: &mut Vec<Warning>) -> BTreeMap<u32, Vec<String>> {
    let mut by_pid: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut add = |pid: u32, name: &str| {
        let names = by_pid.entry(pid).or_default();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    };
    for s in known {
        if let Some(pid) = s.pid {
            add(pid, &s.name);
        }
    }
    match tasklist() {
        Ok(rows) => {
            for row in rows {
                for name in &row.services {
                    // `N/A` is translated on some Windows: keep only names the SCM knows,
                    // unless sc gave nothing to check against.
                    if known.is_empty() || known.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
                        add(row.pid, name);
                    }
                }
            }
        }
        Err(why) if known.is_empty() => warnings.push(Warning {
            what: format!("tasklist /svc could not list the services in each process: {why}"),
            remedy: Some(
                "Run `tasklist /svc` in a command prompt to see which services each process hosts."
                    .into(),
            ),
        }),
        Err(_) => {}
    }
    for names in by_pid.values_mut() {
        names.sort_by_key(|n| n.to_ascii_lowercase());
    }
    by_pid
}

fn tasklist() -> Result<Vec<TasklistRow>, String> {
    run("tasklist.exe", &["/svc", "/fo", "csv", "/nh"])
        .map(|text| windows_text::parse_tasklist_rows(&text))
}

/// The installed program behind each executable, from the Uninstall keys, and the product
/// each executable names in its own version resource.
pub(crate) fn products(
    processes: &mut [Process],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Product>, ScanError> {
    let total = processes.len();
    reporter.step(Phase::Products, 0, total)?;
    read_version_infos(processes);
    if processes.iter().all(|p| p.exe.is_none()) {
        return Ok(Vec::new());
    }
    let entries = uninstall_entries(warnings);
    let mut products: BTreeMap<String, Product> = BTreeMap::new();
    for (i, p) in processes.iter_mut().enumerate() {
        if let Some(entry) = p
            .exe
            .as_deref()
            .and_then(|exe| windows_text::match_product(&entries, exe))
        {
            let product = entry.product();
            p.product = Some(product.id.clone());
            products.entry(product.id.clone()).or_insert(product);
        }
        reporter.step(Phase::Products, i + 1, total)?;
    }
    Ok(products.into_values().collect())
}

/// Fills each process's product name, company and version from its executable's version
/// resource (Properties › Details in Explorer). Each executable is read once, however many
/// processes run it (a shared `svchost.exe`). No warning when there is none: many programs
/// carry no version resource, and the rest of the scan does not depend on it.
fn read_version_infos(processes: &mut [Process]) {
    let mut by_exe: BTreeMap<String, Option<VersionInfo>> = BTreeMap::new();
    for p in processes.iter_mut() {
        let Some(exe) = p.exe.as_deref() else {
            continue;
        };
        // Windows paths ignore case: `C:\Windows` and `c:\windows` are one file.
        p.version_info = by_exe
            .entry(exe.to_lowercase())
            .or_insert_with(|| pe_version::read_version_info_file(Path::new(exe)))
            .clone();
    }
}

fn uninstall_entries(warnings: &mut Vec<Warning>) -> Vec<UninstallEntry> {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut entries = Vec::new();
    for (root, always_there) in UNINSTALL_ROOTS {
        // `/reg:64` reads the 64-bit view even from a 32-bit build; WOW6432Node is named
        // explicitly, so its query needs no view.
        let text = if always_there {
            run("reg.exe", &["query", root, "/s", "/reg:64"])
                .or_else(|_| run("reg.exe", &["query", root, "/s"]))
        } else {
            run("reg.exe", &["query", root, "/s"])
        };
        match text {
            Ok(text) => entries.extend(
                windows_text::parse_reg_query_uninstall(&text)
                    .iter()
                    .map(|e| e.expanded(&lookup)),
            ),
            // A missing WOW6432Node or per-user key is normal: nothing installed there.
            Err(_) if !always_there => {}
            Err(why) => warnings.push(Warning {
                what: format!("installed programs could not be read from the registry ({root}): {why}"),
                remedy: Some("Run PortSleuth as administrator, or check Settings › Apps › Installed apps by hand.".into()),
            }),
        }
    }
    entries
}

/// Windows' excluded port ranges (Hyper-V, WinNAT, `netsh add excludedportrange`) and the
/// http.sys URL registrations behind ports held by `System` (PID 4).
pub(crate) fn windows_specials(
    warnings: &mut Vec<Warning>,
) -> (Vec<PortRange>, Vec<HttpSysRegistration>) {
    (excluded_ranges(warnings), http_sys(warnings))
}

fn excluded_ranges(warnings: &mut Vec<Warning>) -> Vec<PortRange> {
    let mut ranges: Vec<PortRange> = Vec::new();
    for family in ["ipv4", "ipv6"] {
        match run(
            "netsh.exe",
            &["interface", family, "show", "excludedportrange", "protocol=tcp"],
        ) {
            Ok(text) => {
                for (start, end) in windows_text::parse_excluded_port_ranges(&text) {
                    ranges.push(PortRange {
                        transport: Transport::Tcp,
                        start,
                        end,
                    });
                }
            }
            Err(why) => warnings.push(Warning {
                what: format!("Windows' excluded {family} port ranges could not be read: {why}"),
                remedy: Some(format!("Run `netsh interface {family} show excludedportrange protocol=tcp` in a command prompt to see the ports Windows reserves.")),
            }),
        }
    }
    // IPv4 and IPv6 usually exclude the same ranges.
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.dedup();
    ranges
}

fn http_sys(warnings: &mut Vec<Warning>) -> Vec<HttpSysRegistration> {
    // The request-queue view ties every URL to its processes; the default view is the fallback.
    let text = match run(
        "netsh.exe",
        &["http", "show", "servicestate", "view=requestq"],
    )
    .or_else(|_| run("netsh.exe", &["http", "show", "servicestate"]))
    {
        Ok(text) => text,
        Err(why) => {
            warnings.push(Warning {
                what: format!("http.sys registrations could not be read: {why}; ports held by System (PID 4) cannot be traced to a program"),
                remedy: Some("Run `netsh http show servicestate` in an administrator command prompt to see which programs registered URLs with http.sys.".into()),
            });
            return Vec::new();
        }
    };
    let mut registrations = windows_text::parse_netsh_servicestate(&text);
    if text.contains("://") && !text.contains("Request queue name") {
        warnings.push(Warning {
            what: "netsh printed http.sys registrations in a language PortSleuth does not read; their processes are unknown".into(),
            remedy: Some("Run `netsh http show servicestate view=requestq` in a command prompt and look up the Process IDs listed above each port's URL.".into()),
        });
    }
    if registrations.iter().any(|r| !r.pids.is_empty()) {
        name_owners(&mut registrations);
    }
    registrations
}

/// Names each registration's first process by its image and services, as in
/// `svchost.exe (W3SVC, WAS)`: tasklist knows them even where netsh prints `image: <?>`.
fn name_owners(registrations: &mut [HttpSysRegistration]) {
    let Ok(rows) = tasklist() else {
        return;
    };
    for r in registrations.iter_mut() {
        let described = r.pids.iter().find_map(|pid| {
            let row = rows.iter().find(|row| row.pid == *pid)?;
            windows_text::describe_process(Some(&row.image), &row.services)
        });
        if described.is_some() {
            r.process_name = described;
        }
    }
}

/// `%SystemRoot%\System32\<tool>`: never a same-named program next to PortSleuth or on PATH.
fn system_tool(tool: &str) -> PathBuf {
    let root = std::env::var_os("SystemRoot").unwrap_or_else(|| r"C:\Windows".into());
    PathBuf::from(root).join("System32").join(tool)
}

/// Runs a Windows tool from System32 (no console window) and returns what it printed when it
/// succeeded, or why not. Console tools print in the OEM code page; non-ASCII text may come out
/// garbled, which the parsers tolerate (they key on ASCII labels, numbers and paths).
fn run(tool: &str, args: &[&str]) -> Result<String, String> {
    super::runner::run(system_tool(tool), args)
        .map(|o| o.stdout)
        .map_err(|e| e.to_string())
}
