//! Linux: sockets from netlink (sock_diag, via netstat2) or `/proc/net` when netlink is not
//! available, owners from the `/proc/*/fd` inode walk, services from cgroups and systemd,
//! products from dpkg or rpm.

use super::parse::procfs::{self, SocketUnit};
use super::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use crate::engine::snapshot::{
    HttpSysRegistration, PortRange, Process, Product, Service, ServiceManager, Socket, Transport,
    Warning,
};
use netstat2::{AddressFamilyFlags, ProtocolFlags};
use std::collections::{HashMap, HashSet};

pub const ELEVATE_HINT: &str =
    "Run it with sudo (sudo portsleuth …) to see every process's sockets.";

pub fn is_elevated() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| procfs::effective_uid(&s))
        == Some(0)
}

/// Sockets with owners. `--port` scans keep only the sockets on those ports before the
/// expensive owner walk.
pub(crate) fn sockets(
    options: &ScanOptions,
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<RawSocket>, String), ScanError> {
    let (mut rows, source) = match netlink_sockets() {
        Ok(rows) => (rows, "netlink".to_owned()),
        Err(why) => {
            warnings.push(Warning {
                what: format!("netlink socket diagnostics are not available ({why}); sockets were read from /proc/net instead"),
                remedy: None,
            });
            (proc_net_sockets(warnings), "procfs".to_owned())
        }
    };
    if !options.ports.is_empty() {
        rows.retain(|(s, _)| {
            options.ports.contains(&s.local_port)
                || s.remote.is_some_and(|(_, p)| options.ports.contains(&p))
        });
    }
    reporter.step(Phase::Sockets, 1, 1)?;
    let wanted: HashSet<u64> = rows
        .iter()
        .map(|(_, inode)| *inode)
        .filter(|&i| i != 0)
        .collect();
    let owners = pids_by_inode(&wanted, reporter, warnings)?;
    let sockets = rows
        .into_iter()
        .map(|(mut s, inode)| {
            if let Some(pids) = owners.get(&inode) {
                s.pids = pids.clone();
            }
            s
        })
        .collect();
    Ok((sockets, source))
}

fn netlink_sockets() -> Result<Vec<(RawSocket, u64)>, String> {
    let iter = netstat2::iterate_sockets_info_without_pids(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for info in iter {
        let info = info.map_err(|e| e.to_string())?;
        let inode = u64::from(info.inode);
        let raw = RawSocket::from_netstat(info.protocol_socket_info, Vec::new());
        out.push((raw, inode));
    }
    Ok(out)
}

fn proc_net_sockets(warnings: &mut Vec<Warning>) -> Vec<(RawSocket, u64)> {
    let mut out = Vec::new();
    for (file, transport) in [
        ("tcp", Transport::Tcp),
        ("tcp6", Transport::Tcp),
        ("udp", Transport::Udp),
        ("udp6", Transport::Udp),
    ] {
        let path = format!("/proc/net/{file}");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for row in procfs::parse_proc_net(&text, transport) {
                    let remote =
                        (transport == Transport::Tcp).then_some((row.remote, row.remote_port));
                    out.push((
                        RawSocket {
                            transport,
                            local: row.local,
                            local_port: row.local_port,
                            remote,
                            state: row.state,
                            pids: Vec::new(),
                        },
                        row.inode,
                    ));
                }
            }
            Err(e) => warnings.push(Warning {
                what: format!("cannot read {path}: {e}"),
                remedy: None,
            }),
        }
    }
    out
}

/// Which processes hold the wanted socket inodes, by reading every `/proc/PID/fd`. Split over
/// two threads: on a busy machine this walk is most of a scan's time.
fn pids_by_inode(
    wanted: &HashSet<u64>,
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<HashMap<u64, Vec<u32>>, ScanError> {
    let mut owners: HashMap<u64, Vec<u32>> = HashMap::new();
    if wanted.is_empty() {
        return Ok(owners);
    }
    let pids: Vec<u32> = match std::fs::read_dir("/proc") {
        Ok(dir) => dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(e) => {
            warnings.push(Warning {
                what: format!("cannot list /proc: {e}; socket owners are unknown"),
                remedy: None,
            });
            return Ok(owners);
        }
    };
    reporter.step(Phase::Owners, 0, pids.len())?;
    let chunks: Vec<&[u32]> = pids.chunks(pids.len().div_ceil(2).max(1)).collect();
    let results: Vec<(Vec<(u64, u32)>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    let mut unreadable = 0;
                    for &pid in *chunk {
                        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
                            unreadable += 1;
                            continue;
                        };
                        for fd in fds.flatten() {
                            let Ok(target) = std::fs::read_link(fd.path()) else {
                                continue;
                            };
                            let Some(inode) = target
                                .to_str()
                                .and_then(|t| t.strip_prefix("socket:["))
                                .and_then(|t| t.strip_suffix(']'))
                                .and_then(|t| t.parse::<u64>().ok())
                            else {
                                continue;
                            };
                            if wanted.contains(&inode) {
                                found.push((inode, pid));
                            }
                        }
                    }
                    (found, unreadable)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut unreadable = 0;
    for (found, u) in results {
        unreadable += u;
        for (inode, pid) in found {
            let list = owners.entry(inode).or_default();
            if !list.contains(&pid) {
                list.push(pid);
            }
        }
    }
    reporter.step(Phase::Owners, pids.len(), pids.len())?;
    if unreadable > 0 && !is_elevated() {
        warnings.push(Warning {
            what: format!("the open sockets of {unreadable} processes could not be read (other users' processes)"),
            remedy: Some(ELEVATE_HINT.into()),
        });
    }
    Ok(owners)
}

/// systemd units behind the processes, and socket units that hold ports themselves.
pub(crate) fn services(
    processes: &mut [Process],
    sockets: &[Socket],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, ScanError> {
    let total = processes.len();
    let mut units: Vec<String> = Vec::new();
    for (i, p) in processes.iter_mut().enumerate() {
        if let Some(unit) = std::fs::read_to_string(format!("/proc/{}/cgroup", p.pid))
            .ok()
            .and_then(|t| procfs::unit_from_cgroup(&t))
        {
            if !units.contains(&unit) {
                units.push(unit.clone());
            }
            p.services = vec![unit];
        }
        reporter.step(Phase::Services, i + 1, total)?;
    }
    // Ports held by PID 1 are systemd socket units (socket activation): name them.
    let socket_units: Vec<SocketUnit> = if sockets.iter().any(|s| s.pids.contains(&1)) {
        run(
            "systemctl",
            &[
                "list-sockets",
                "--all",
                "--no-legend",
                "--full",
                "--no-pager",
            ],
        )
        .map(|t| procfs::parse_list_sockets(&t))
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    if let Some(pid1) = processes.iter_mut().find(|p| p.pid == 1) {
        for su in &socket_units {
            if sockets
                .iter()
                .any(|s| s.pids.contains(&1) && Some(s.local_port) == su.port)
                && !pid1.services.contains(&su.unit)
            {
                pid1.services.push(su.unit.clone());
                units.push(su.unit.clone());
            }
        }
    }
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec![
        "show",
        "--no-pager",
        "-p",
        "Id,Description,ActiveState,SubState,UnitFileState,MainPID,TriggeredBy",
    ];
    args.extend(units.iter().map(String::as_str));
    let Some(text) = run("systemctl", &args) else {
        warnings.push(Warning {
            what: "systemctl is not available: processes are not matched to services".into(),
            remedy: None,
        });
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let fields = procfs::parse_systemctl_show(block);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let id = get("Id");
        if id.is_empty() {
            continue;
        }
        let triggered = get("TriggeredBy");
        out.push(Service {
            display_name: get("Description"),
            manager: ServiceManager::Systemd,
            state: format!("{} ({})", get("ActiveState"), get("SubState")),
            start_type: get("UnitFileState"),
            pid: get("MainPID").parse().ok().filter(|&p| p != 0),
            socket_unit: triggered
                .split_whitespace()
                .find(|u| u.ends_with(".socket"))
                .map(str::to_owned),
            id,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The package that owns each executable (dpkg, then rpm).
pub(crate) fn products(
    processes: &mut [Process],
    reporter: &mut Reporter<'_>,
    _warnings: &mut Vec<Warning>,
) -> Result<Vec<Product>, ScanError> {
    // Package managers install under the system folders; a program run from a home or temp
    // folder belongs to no package, and looking it up would only cost time.
    let packaged = |path: &String| {
        ["/usr/", "/bin/", "/sbin/", "/lib", "/opt/", "/snap/"]
            .iter()
            .any(|p| path.starts_with(p))
    };
    let paths: Vec<String> = {
        let mut v: Vec<String> = processes
            .iter()
            .filter_map(|p| p.exe.clone())
            .filter(packaged)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    reporter.step(Phase::Products, 0, paths.len())?;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut source = "dpkg";
    let owner: HashMap<String, String> = match dpkg_owners(&paths) {
        Some(owner) => owner,
        None => {
            source = "rpm";
            let mut owner = HashMap::new();
            for path in &paths {
                if let Some(pkg) = run("rpm", &["-qf", "--qf", "%{NAME}\n", path]) {
                    let pkg = pkg.trim().to_owned();
                    if !pkg.is_empty() && !pkg.contains(' ') {
                        owner.insert(path.clone(), pkg);
                    }
                }
            }
            owner
        }
    };
    let mut packages: Vec<String> = owner.values().cloned().collect();
    packages.sort();
    packages.dedup();
    let status = if source == "dpkg" {
        let wanted: Vec<&str> = packages.iter().map(String::as_str).collect();
        std::fs::read_to_string("/var/lib/dpkg/status")
            .map(|t| procfs::parse_dpkg_status(&t, &wanted))
            .unwrap_or_default()
    } else {
        HashMap::new()
    };
    let mut products = Vec::new();
    for pkg in &packages {
        let (version, publisher, essential) = if source == "dpkg" {
            let facts = status.get(pkg).cloned().unwrap_or_default();
            (facts.version, facts.maintainer, facts.essential)
        } else {
            (
                run("rpm", &["-q", "--qf", "%{VERSION}-%{RELEASE}", pkg]).unwrap_or_default(),
                String::new(),
                false,
            )
        };
        products.push(Product {
            id: format!("{source}:{pkg}"),
            name: pkg.clone(),
            version,
            publisher,
            source: source.to_owned(),
            install_location: None,
            uninstall_command: Some(if source == "dpkg" {
                format!("apt-get remove -y {pkg}")
            } else {
                format!("dnf remove -y {pkg}")
            }),
            quiet_uninstall_command: None,
            protected: essential
                .then(|| format!("{pkg} is an essential package: the system needs it to work")),
        });
    }
    for p in processes.iter_mut() {
        if let Some(pkg) = p.exe.as_ref().and_then(|e| owner.get(e)) {
            p.product = Some(format!("{source}:{pkg}"));
        }
    }
    reporter.step(Phase::Products, paths.len(), paths.len())?;
    Ok(products)
}

pub(crate) fn windows_specials(
    _warnings: &mut Vec<Warning>,
) -> (Vec<PortRange>, Vec<HttpSysRegistration>) {
    (Vec::new(), Vec::new())
}

/// Which dpkg package owns each path, read from `/var/lib/dpkg/info/*.list` directly: the same
/// data `dpkg-query -S` reads, without its start-up cost (about 100 ms on a desktop install).
/// `None` when this is not a dpkg system.
fn dpkg_owners(paths: &[String]) -> Option<HashMap<String, String>> {
    let lists: Vec<std::path::PathBuf> = std::fs::read_dir("/var/lib/dpkg/info")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "list"))
        .collect();
    // Merged /usr: dpkg may list /bin/x for what the kernel reports as /usr/bin/x.
    let mut needles: Vec<(String, String)> = Vec::new();
    for path in paths {
        needles.push((format!("\n{path}\n"), path.clone()));
        if let Some(short) = path
            .strip_prefix("/usr")
            .filter(|s| ["/bin/", "/sbin/", "/lib"].iter().any(|p| s.starts_with(p)))
        {
            needles.push((format!("\n{short}\n"), path.clone()));
        }
    }
    let finder = aho_corasick::AhoCorasick::new(needles.iter().map(|(n, _)| n)).ok()?;
    let half = lists.len().div_ceil(2).max(1);
    let found: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = lists
            .chunks(half)
            .map(|chunk| {
                let finder = &finder;
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for list in chunk {
                        let Ok(text) = std::fs::read(list) else {
                            continue;
                        };
                        for m in finder.find_overlapping_iter(&text) {
                            let stem = list
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            found.push((
                                m.pattern().as_usize(),
                                stem.split(':').next().unwrap_or(&stem).to_owned(),
                            ));
                        }
                    }
                    found
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .flatten()
            .collect()
    });
    let mut owner = HashMap::new();
    for (needle, pkg) in found {
        owner.entry(needles[needle].1.clone()).or_insert(pkg);
    }
    Some(owner)
}

/// Runs a command and returns its standard output when it succeeds.
fn run(program: &str, args: &[&str]) -> Option<String> {
    super::runner::run(program, args).ok().map(|o| o.stdout)
}
