//! The Windows scanner: sockets with owners from the IP Helper API (through netstat2);
//! services from the Service Control Manager ([`super::services`]); installed programs from
//! the Uninstall registry keys ([`super::products`]); elevation from the process token;
//! executables, start times and version resources from process handles; excluded port ranges
//! and http.sys request queues from `netsh` ([`super::netsh`]).
//!
//! Nothing here parses a tool's text but netsh's. A call that fails becomes a warning with a
//! remedy, never an aborted scan.

use super::netsh;
use super::products::ProductRow;
use super::services::{ServiceRow, ServiceState};
use crate::engine::snapshot::{
    HttpSysRegistration, PortRange, Process, Product, Service, ServiceManager, Socket, Transport,
    VersionInfo, Warning,
};
use crate::platform::parse::pe_version;
use crate::platform::parse::windows_text::{self, UninstallEntry};
use crate::platform::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use netstat2::{AddressFamilyFlags, ProtocolFlags};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const ELEVATE_HINT: &str = "Run PortSleuth as administrator (right-click it, Run as administrator) to see every process's sockets and executables.";

/// Whether PortSleuth runs elevated: `TokenElevation` of its own token.
pub fn is_elevated() -> bool {
    super::process::is_elevated()
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

/// Fills what `sysinfo` could not read of a process (its executable, its start time) from
/// the process's own handle.
pub(crate) fn complete_process(p: &mut Process) {
    if p.exe.is_some() && p.start_time != 0 {
        return;
    }
    let Ok(facts) = super::process::process_facts(p.pid) else {
        return;
    };
    if p.exe.is_none() && !facts.exe.is_empty() {
        if let Some(name) = Path::new(&facts.exe).file_name() {
            p.exe_name = name.to_string_lossy().into_owned();
        }
        p.exe = Some(facts.exe);
    }
    if p.start_time == 0 {
        p.start_time = facts.start_time;
    }
}

/// The Windows services hosted by the socket-holding processes — all of them for a shared
/// `svchost.exe` — from one Service Control Manager enumeration, with display name, state and
/// start type.
pub(crate) fn services(
    processes: &mut [Process],
    _sockets: &[Socket],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, ScanError> {
    reporter.step(Phase::Services, 0, 1)?;
    let rows = match super::services::services() {
        Ok(rows) => rows,
        Err(e) => {
            warnings.push(Warning {
                what: format!("the Service Control Manager could not be asked for services: {e}"),
                remedy: Some(
                    "Processes are still shown, without their services; open services.msc to see them."
                        .into(),
                ),
            });
            return Ok(Vec::new());
        }
    };
    let by_pid = services_by_pid(&rows);
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for p in processes.iter_mut() {
        if let Some(names) = by_pid.get(&p.pid) {
            p.services.clone_from(names);
            wanted.extend(names.iter().map(String::as_str));
        }
    }
    let mut out = Vec::new();
    let mut unreadable: Vec<&str> = Vec::new();
    for row in rows.iter().filter(|r| wanted.contains(r.name.as_str())) {
        if row.start_type.is_none() {
            unreadable.push(&row.name);
        }
        out.push(snapshot_service(row));
    }
    reporter.step(Phase::Services, 1, 1)?;
    if !unreadable.is_empty() {
        warnings.push(Warning {
            what: format!(
                "the start type of {} services could not be read from the Service Control Manager ({})",
                unreadable.len(),
                unreadable.join(", ")
            ),
            remedy: Some(ELEVATE_HINT.into()),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The running services of each process, by PID: every service of a shared `svchost.exe`
/// reports its PID.
fn services_by_pid(rows: &[ServiceRow]) -> BTreeMap<u32, Vec<String>> {
    let mut by_pid: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for row in rows {
        if let (Some(pid), false) = (row.pid, row.state == ServiceState::Stopped) {
            by_pid.entry(pid).or_default().push(row.name.clone());
        }
    }
    for names in by_pid.values_mut() {
        names.sort_by_key(|n| n.to_lowercase());
    }
    by_pid
}

fn snapshot_service(row: &ServiceRow) -> Service {
    Service {
        id: row.name.clone(),
        display_name: row.display_name.clone(),
        manager: ServiceManager::Scm,
        state: row.state.words(),
        start_type: row.start_type.map(|s| s.words()).unwrap_or_default(),
        pid: row.pid,
        socket_unit: None,
    }
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
    let (rows, problems) = super::products::uninstall_products();
    for what in problems {
        warnings.push(Warning {
            what,
            remedy: Some("Run PortSleuth as administrator, or check Settings › Apps › Installed apps by hand.".into()),
        });
    }
    let entries: Vec<UninstallEntry> = rows.iter().map(uninstall_entry).collect();
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

/// A registry row as the product matcher takes it (values already expanded by Windows).
fn uninstall_entry(row: &ProductRow) -> UninstallEntry {
    let key = match row.view {
        Some(view) => format!("{}\\{}", view.key_path(), row.key_name),
        None => row.key_name.clone(),
    };
    UninstallEntry {
        key,
        display_name: row.display_name.clone(),
        display_version: row.display_version.clone(),
        publisher: row.publisher.clone(),
        install_location: row.install_location.clone(),
        uninstall_string: row.uninstall_string.clone(),
        quiet_uninstall_string: row.quiet_uninstall_string.clone(),
        display_icon: row.display_icon.clone(),
        system_component: row.system_component,
        is_update: row.parent_key_name.is_some(),
    }
}

/// Fills each process's product name, company and version from its executable's version
/// resource (Properties › Details in Explorer), through `GetFileVersionInfoW`, or PortSleuth's
/// own PE reader where Windows cannot read it. Each executable is read once, however many
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
            .or_insert_with(|| version_info(exe))
            .clone();
    }
}

fn version_info(exe: &str) -> Option<VersionInfo> {
    match super::process::file_version(exe) {
        Ok(found) => found
            .and_then(|v| v.summary())
            .map(|(product_name, company, version)| VersionInfo {
                product_name,
                company,
                version,
            }),
        Err(_) => pe_version::read_version_info_file(Path::new(exe)),
    }
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
        match netsh::run_netsh(&["interface", family, "show", "excludedportrange", "protocol=tcp"]) {
            Ok(text) => {
                for (start, end) in netsh::parse_excluded_port_ranges(&text) {
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
    let found = match netsh::http_sys_registrations() {
        Ok(found) => found,
        Err(why) => {
            warnings.push(Warning {
                what: format!("http.sys registrations could not be read: {why}; ports held by System (PID 4) cannot be traced to a program"),
                remedy: Some("Run `netsh http show servicestate` in an administrator command prompt to see which programs registered URLs with http.sys.".into()),
            });
            return Vec::new();
        }
    };
    let mut registrations: Vec<HttpSysRegistration> = found
        .into_iter()
        .map(|r| HttpSysRegistration {
            url: r.url,
            port: r.port,
            pids: r.pids,
            process_name: r.process_name,
        })
        .collect();
    if registrations.iter().any(|r| !r.pids.is_empty()) {
        name_owners(&mut registrations);
    }
    registrations
}

/// Names each registration's first process by its image and services, as in
/// `svchost.exe (W3SVC, WAS)`, from the process handle and the Service Control Manager, where
/// netsh printed `image: <?>` or nothing.
fn name_owners(registrations: &mut [HttpSysRegistration]) {
    let by_pid = super::services::services()
        .map(|rows| services_by_pid(&rows))
        .unwrap_or_default();
    for r in registrations.iter_mut() {
        let described = r.pids.iter().find_map(|&pid| {
            let image = super::process::process_facts(pid).ok().map(|f| f.exe);
            let image = image
                .as_deref()
                .map(|e| e.rsplit(['\\', '/']).next().unwrap_or(e).to_owned());
            let services = by_pid.get(&pid).cloned().unwrap_or_default();
            describe_process(image.as_deref(), &services)
        });
        if described.is_some() {
            r.process_name = described;
        }
    }
}

/// `svchost.exe (W3SVC, WAS)`, `httpd.exe`, or `service WinRM` when only the services are known.
fn describe_process(image: Option<&str>, services: &[String]) -> Option<String> {
    match (image, services.is_empty()) {
        (Some(image), true) => Some(image.to_owned()),
        (Some(image), false) => Some(format!("{image} ({})", services.join(", "))),
        (None, false) if services.len() == 1 => Some(format!("service {}", services[0])),
        (None, false) => Some(format!("services {}", services.join(", "))),
        (None, true) => None,
    }
}
