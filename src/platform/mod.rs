//! The seam between PortSleuth and the operating system: the only code that looks at the
//! machine or changes it.
//!
//! The rest of PortSleuth sees the machine through [`Machine`]: a scan that yields a
//! [`Snapshot`], a fresh look at one process, and the few acts a fix may perform. [`LiveMachine`]
//! is the real one; tests of the wizard alone put a fake machine behind the same trait. Each OS
//! has one module behind `cfg` with the same functions; what the OS prints is parsed by pure
//! functions under [`parse`], tested with captured fixtures on every OS; every other program
//! is run through [`runner`]. Scans report progress, can be cancelled, and never abort on one
//! unreadable process: what could not be seen becomes a warning in the snapshot.

pub mod parse;
pub mod probe;
pub mod runner;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as os;

// Always compiled: its pure parts (row types, netsh parsers) are tested on every OS.
pub mod windows;
#[cfg(windows)]
use windows::scan as os;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos as os;

// macOS reads its sockets through `generic` too.
#[cfg(not(any(target_os = "linux", windows)))]
mod generic;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
use generic as os;

pub mod act;
mod processes;

pub use act::{ActError, Command, Expected, Stopped};
pub use runner::RunError;

use crate::engine::snapshot::{Snapshot, Socket, Transport, Warning, SNAPSHOT_SCHEMA};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Only the holders of these ports (faster); empty for everything.
    pub ports: Vec<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Sockets,
    Owners,
    Processes,
    Services,
    Products,
}

impl Phase {
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Sockets => "Reading sockets",
            Phase::Owners => "Finding which process owns each socket",
            Phase::Processes => "Reading processes",
            Phase::Services => "Matching services",
            Phase::Products => "Matching installed products",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the scan was cancelled")]
    Cancelled,
    #[error("cannot list sockets: {0}")]
    Sockets(String),
}

/// Reports progress and answers whether to stop.
pub struct Reporter<'a> {
    progress: &'a mut dyn FnMut(Progress),
    cancel: &'a AtomicBool,
}

impl Reporter<'_> {
    pub fn step(&mut self, phase: Phase, done: usize, total: usize) -> Result<(), ScanError> {
        (self.progress)(Progress { phase, done, total });
        if self.cancel.load(Ordering::Relaxed) {
            Err(ScanError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// A socket as the OS reported it, before owners are named.
#[derive(Debug, Clone)]
pub(crate) struct RawSocket {
    pub transport: Transport,
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: Option<(IpAddr, u16)>,
    pub state: String,
    pub pids: Vec<u32>,
}

impl RawSocket {
    /// A socket as netstat2 describes it, with its owners.
    pub(crate) fn from_netstat(info: netstat2::ProtocolSocketInfo, pids: Vec<u32>) -> Self {
        match info {
            netstat2::ProtocolSocketInfo::Tcp(t) => RawSocket {
                transport: Transport::Tcp,
                local: t.local_addr,
                local_port: t.local_port,
                remote: Some((t.remote_addr, t.remote_port)),
                state: t.state.to_string(),
                pids,
            },
            netstat2::ProtocolSocketInfo::Udp(u) => RawSocket {
                transport: Transport::Udp,
                local: u.local_addr,
                local_port: u.local_port,
                remote: None,
                state: String::new(),
                pids,
            },
        }
    }
}

/// Scans the machine. Blocking; see [`ScanJob`] for the worker-thread form.
pub fn scan(
    options: &ScanOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Snapshot, ScanError> {
    let mut reporter = Reporter { progress, cancel };
    let mut warnings: Vec<Warning> = Vec::new();
    reporter.step(Phase::Sockets, 0, 1)?;
    let (raw, socket_source) = os::sockets(options, &mut reporter, &mut warnings)?;
    let sockets = merge_sockets(raw);
    let mut pids: Vec<u32> = sockets
        .iter()
        .flat_map(|s| s.pids.iter().copied())
        .collect();
    pids.sort_unstable();
    pids.dedup();
    reporter.step(Phase::Processes, 0, pids.len())?;
    let mut processes = processes::read(&pids, &mut warnings);
    reporter.step(Phase::Processes, pids.len(), pids.len())?;
    let sockets = drop_vanished(sockets, &processes, &mut warnings);
    let services = os::services(&mut processes, &sockets, &mut reporter, &mut warnings)?;
    let products = os::products(&mut processes, &mut reporter, &mut warnings)?;
    let host = processes::host();
    if !host.elevated && sockets.iter().any(|s| s.pids.is_empty() && s.holds_port()) {
        let hidden = sockets
            .iter()
            .filter(|s| s.pids.is_empty() && s.holds_port())
            .count();
        warnings.push(Warning {
            what: format!("{hidden} listening sockets belong to processes of other users, which PortSleuth cannot see without elevation"),
            remedy: Some(os::ELEVATE_HINT.to_owned()),
        });
    }
    warnings.sort();
    warnings.dedup();
    let (excluded_ranges, http_sys) = os::windows_specials(&mut warnings);
    Ok(Snapshot {
        schema: SNAPSHOT_SCHEMA.into(),
        taken_at: crate::clock::now_rfc3339(),
        host,
        limited_to_ports: options.ports.clone(),
        socket_source,
        sockets,
        processes,
        services,
        products,
        excluded_ranges,
        http_sys,
        warnings,
    })
}

/// A process that exited between reading the sockets and reading the processes took its
/// sockets with it: its PID is dropped from them, and a socket left with no owner at all is
/// dropped (it closed), so every PID a snapshot lists is a process it describes.
fn drop_vanished(
    sockets: Vec<Socket>,
    processes: &[crate::engine::snapshot::Process],
    warnings: &mut Vec<Warning>,
) -> Vec<Socket> {
    let alive = |pid: &u32| processes.iter().any(|p| p.pid == *pid);
    let mut closed = 0;
    let kept: Vec<Socket> = sockets
        .into_iter()
        .filter_map(|mut s| {
            if s.pids.is_empty() {
                return Some(s);
            }
            s.pids.retain(alive);
            if s.pids.is_empty() {
                closed += 1;
                None
            } else {
                Some(s)
            }
        })
        .collect();
    if closed > 0 {
        warnings.push(Warning {
            what: format!("{closed} sockets closed while the scan ran (their processes exited); they are not listed"),
            remedy: None,
        });
    }
    kept
}

/// Puts sockets in a stable order, writes IPv4-mapped IPv6 addresses as IPv4 and reports each
/// socket once.
fn merge_sockets(raw: Vec<RawSocket>) -> Vec<Socket> {
    let mut merged: BTreeMap<(Transport, u16, String, String, String), Socket> = BTreeMap::new();
    for r in raw {
        let local = unmap(r.local);
        let remote = r
            .remote
            .filter(|(ip, port)| *port != 0 || !ip.is_unspecified())
            .map(|(ip, port)| (unmap(ip), port));
        let local_addr = addr_string(local);
        let remote_addr = remote.map(|(ip, _)| addr_string(ip));
        let key = (
            r.transport,
            r.local_port,
            local_addr.clone(),
            remote.map_or(String::new(), |(ip, p)| format!("{ip}:{p}")),
            r.state.clone(),
        );
        let entry = merged.entry(key).or_insert_with(|| Socket {
            transport: r.transport,
            local_addr,
            local_port: r.local_port,
            remote_addr,
            remote_port: remote.map(|(_, p)| p),
            state: r.state.clone(),
            pids: Vec::new(),
            dual_stack: false,
        });
        for pid in r.pids {
            if !entry.pids.contains(&pid) {
                entry.pids.push(pid);
            }
        }
        entry.pids.sort_unstable();
    }
    let mut sockets: Vec<Socket> = merged.into_values().collect();
    // Listeners first, then by port: the rows a person looks for.
    sockets.sort_by(|a, b| {
        b.holds_port()
            .cmp(&a.holds_port())
            .then(a.local_port.cmp(&b.local_port))
            .then(a.cmp(b))
    });
    sockets
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn addr_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// A scan on a worker thread: progress as it goes, the snapshot at the end.
pub type ScanJob = crate::jobs::Job<Result<Snapshot, ScanError>, Progress>;

/// Starts a scan of `machine` on a worker thread; `wake` runs whenever it has news.
pub fn start_scan(
    machine: std::sync::Arc<dyn Machine>,
    options: ScanOptions,
    wake: &crate::jobs::Wake,
) -> std::io::Result<ScanJob> {
    crate::jobs::Job::spawn("scan", wake, move |worker| {
        machine.scan(&options, &mut |p| worker.progress(p), worker.cancel_flag())
    })
}

/// What PortSleuth needs of a machine: to look at it, and to act on it. The session, the fix
/// and the wizard take a `Machine`, so the wizard can be tested on a fake one.
pub trait Machine: Send + Sync {
    /// Scans sockets, their owners, services and products.
    fn scan(
        &self,
        options: &ScanOptions,
        progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<Snapshot, ScanError>;
    /// The process running now with this PID, read fresh (for re-checks before acting).
    fn process_now(&self, pid: u32) -> Option<crate::engine::snapshot::Process>;
    /// Whether PortSleuth runs as administrator / root.
    fn is_elevated(&self) -> bool;
    /// Stops `pid`, politely first, by force after `grace`; `still_same` is asked once the
    /// process is pinned whether it is still the planned one, and on Windows the handle that
    /// pins it must show `expected`'s start time and executable.
    fn stop_process(
        &self,
        pid: u32,
        expected: &Expected,
        grace: std::time::Duration,
        still_same: &dyn Fn() -> bool,
    ) -> Result<Stopped, ActError>;
    /// Runs a service manager's, package manager's or uninstaller's command (no shell).
    fn run(&self, argv: &[String]) -> Result<String, RunError>;
    /// Carries out one step of a fix. A machine that only runs commands runs `Run` and
    /// `Uninstaller` steps with [`Machine::run`] and refuses the Service Control Manager's.
    fn perform(&self, command: &Command) -> Result<String, String> {
        match command {
            Command::Run(argv) | Command::Uninstaller(argv) => {
                self.run(argv).map_err(|e| e.to_string())
            }
            Command::StopService(_) | Command::DisableService(_) => Err(format!(
                "{}: this machine has no Service Control Manager",
                command.describe()
            )),
            Command::CloseConnection(c) => Err(format!(
                "closing {c}: this machine cannot close connections"
            )),
        }
    }
    /// Whether a program is on PATH (which package manager a fix can use).
    fn on_path(&self, program: &str) -> bool;
    /// Whether one TCP connection of another program can be closed here (Windows; Linux
    /// with `ss`): what the scan table offers.
    fn closes_connections(&self) -> bool {
        false
    }
}

/// The machine PortSleuth runs on.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveMachine;

impl Machine for LiveMachine {
    fn scan(
        &self,
        options: &ScanOptions,
        progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<Snapshot, ScanError> {
        scan(options, progress, cancel)
    }

    fn process_now(&self, pid: u32) -> Option<crate::engine::snapshot::Process> {
        process_now(pid)
    }

    fn is_elevated(&self) -> bool {
        is_elevated()
    }

    fn stop_process(
        &self,
        pid: u32,
        expected: &Expected,
        grace: std::time::Duration,
        still_same: &dyn Fn() -> bool,
    ) -> Result<Stopped, ActError> {
        act::stop_process(pid, expected, grace, still_same)
    }

    fn perform(&self, command: &Command) -> Result<String, String> {
        act::perform(command)
    }

    fn run(&self, argv: &[String]) -> Result<String, RunError> {
        runner::run_argv(argv).map(|o| format!("{}{}", o.stdout, o.stderr).trim().to_owned())
    }

    fn on_path(&self, program: &str) -> bool {
        runner::on_path(program)
    }

    fn closes_connections(&self) -> bool {
        cfg!(windows) || (cfg!(target_os = "linux") && runner::on_path("ss"))
    }
}

/// The process running now with this PID, read fresh (for re-checks before acting).
pub fn process_now(pid: u32) -> Option<crate::engine::snapshot::Process> {
    processes::read(&[pid], &mut Vec::new()).into_iter().next()
}

/// Whether PortSleuth runs as administrator / root.
pub fn is_elevated() -> bool {
    os::is_elevated()
}
