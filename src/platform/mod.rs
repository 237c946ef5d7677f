//! The seam between PortSleuth and the operating system: the only code that looks at the
//! machine.
//!
//! [`scan`] yields a [`Snapshot`]; each OS has one module behind `cfg` with the same functions.
//! What the OS prints is parsed by pure functions ([`procfs`], [`windows_text`]) tested with
//! captured fixtures on every OS. Scans report progress, can be cancelled, and never abort on
//! one unreadable process: what could not be seen becomes a warning in the snapshot.

pub mod macos_text;
pub mod pe_version;
pub mod procfs;
pub mod windows_text;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as os;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

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

use crate::engine::snapshot::{Snapshot, Socket, Transport, Warning, SNAPSHOT_SCHEMA};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

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
        taken_at: crate::files::now_rfc3339(),
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

/// A message from a scan running on a worker thread.
#[derive(Debug)]
pub enum ScanEvent {
    Progress(Progress),
    Done(Box<Result<Snapshot, ScanError>>),
}

/// A scan on a named worker thread, with progress and cancellation, for the GUI and the CLI.
pub struct ScanJob {
    pub events: mpsc::Receiver<ScanEvent>,
    cancel: Arc<AtomicBool>,
}

impl ScanJob {
    /// Starts a scan; `on_event` runs after each message is sent (the GUI asks for a repaint).
    pub fn start(
        options: ScanOptions,
        on_event: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, events) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        std::thread::Builder::new()
            .name("portsleuth-scan".into())
            .spawn(move || {
                let mut progress = |p: Progress| {
                    let _ = tx.send(ScanEvent::Progress(p));
                    on_event();
                };
                let result = scan(&options, &mut progress, &flag);
                let _ = tx.send(ScanEvent::Done(Box::new(result)));
                on_event();
            })?;
        Ok(Self { events, cancel })
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Waits for the result, passing progress to `progress`.
    pub fn wait(self, mut progress: impl FnMut(Progress)) -> Result<Snapshot, ScanError> {
        for event in self.events.iter() {
            match event {
                ScanEvent::Progress(p) => progress(p),
                ScanEvent::Done(result) => return *result,
            }
        }
        Err(ScanError::Cancelled)
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
