//! What the machine looked like: sockets, the processes holding them, their services and
//! installed products, and what could not be seen.
//!
//! A snapshot is plain data. The platform layer fills it; the diagnosis reads it; `scan
//! --format json` writes it and `diagnose --snapshot` reads it back, so a snapshot taken on a
//! user's PC can be diagnosed on a technician's. Nothing here talks to the operating system.

use serde::{Deserialize, Serialize};

pub const SNAPSHOT_SCHEMA: &str = "portsleuth.snapshot/1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    /// RFC 3339, UTC.
    pub taken_at: String,
    pub host: Host,
    /// The ports the scan was limited to (`scan --port`); empty for a full scan.
    #[serde(default)]
    pub limited_to_ports: Vec<u16>,
    /// How sockets were read (`netlink`, `procfs`, `iphlpapi`, …).
    #[serde(default)]
    pub socket_source: String,
    pub sockets: Vec<Socket>,
    pub processes: Vec<Process>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub products: Vec<Product>,
    /// Windows excluded port ranges (Hyper-V, WinNAT): binds there fail with 10013.
    #[serde(default)]
    pub excluded_ranges: Vec<PortRange>,
    /// Windows http.sys URL registrations, for ports held by `System` (PID 4).
    #[serde(default)]
    pub http_sys: Vec<HttpSysRegistration>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: String,
    pub os: String,
    #[serde(default)]
    pub os_version: String,
    /// Administrator / root: without it, other users' sockets and processes may be hidden.
    pub elevated: bool,
    #[serde(default)]
    pub user: String,
    /// The machine's own addresses (its interfaces'), to tell whether a server the text names
    /// is this machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The PortSleuth process that took the scan, and its parent (the shell or the window that
    /// started it): never offered as a target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_by: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_by_parent: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Socket {
    pub transport: Transport,
    pub local_addr: String,
    pub local_port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_port: Option<u16>,
    /// TCP state in upper case (`LISTEN`, `ESTABLISHED`); empty for UDP.
    pub state: String,
    /// Owning processes; empty when the owner could not be seen.
    pub pids: Vec<u32>,
    /// Also listening on IPv4 through an IPv6 dual-stack socket.
    #[serde(default)]
    pub dual_stack: bool,
}

impl Socket {
    /// A socket that holds its port against a new bind: a TCP listener or a bound UDP socket.
    pub fn holds_port(&self) -> bool {
        match self.transport {
            Transport::Tcp => self.state == "LISTEN",
            Transport::Udp => true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// The operating system's short name (cut to 15 characters on Linux).
    pub name: String,
    /// The executable's file name: what people recognise and what PortSleuth matches on.
    pub exe_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    #[serde(default)]
    pub cmd: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Seconds since the Unix epoch; with the PID it names one process for good.
    pub start_time: u64,
    /// Ids of the services this process runs (several for a shared svchost.exe).
    #[serde(default)]
    pub services: Vec<String>,
    /// Id of the installed product it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Windows version resource: product name, company, version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_info: Option<VersionInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub product_name: String,
    pub company: String,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceManager {
    Scm,
    Systemd,
    Launchd,
}

impl ServiceManager {
    pub const ALL: [ServiceManager; 3] = [
        ServiceManager::Scm,
        ServiceManager::Systemd,
        ServiceManager::Launchd,
    ];

    /// The name used in JSON and in action targets (`scm`, `systemd`, `launchd`).
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceManager::Scm => "scm",
            ServiceManager::Systemd => "systemd",
            ServiceManager::Launchd => "launchd",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The name the manager knows it by (`nginx.service`, `NAVAPSVC`, `com.apple.controlcenter`).
    pub id: String,
    pub display_name: String,
    pub manager: ServiceManager,
    /// `running`, `stopped`, … as the manager says.
    pub state: String,
    /// `auto`, `manual`, `disabled`, `enabled`, `static`, … as the manager says.
    #[serde(default)]
    pub start_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// A socket unit (systemd) that itself holds ports and starts the service on demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub publisher: String,
    /// `dpkg`, `rpm`, `registry`, `app_bundle`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uninstall_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_uninstall_command: Option<String>,
    /// Why the system needs it and it is never offered for removal (an Essential package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub transport: Transport,
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSysRegistration {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub pids: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
}

/// Something the scan could not see, and what would let it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

/// One socket holding a port, with its owner where known.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'s> {
    pub socket: &'s Socket,
    pub process: Option<&'s Process>,
}

impl Snapshot {
    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.processes.iter().find(|p| p.pid == pid)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Every socket that holds `port` (listeners and bound UDP sockets), with owners.
    pub fn holders(&self, port: u16) -> Vec<Holder<'_>> {
        let mut out = Vec::new();
        for socket in self
            .sockets
            .iter()
            .filter(|s| s.local_port == port && s.holds_port())
        {
            if socket.pids.is_empty() {
                out.push(Holder {
                    socket,
                    process: None,
                });
            }
            for &pid in &socket.pids {
                out.push(Holder {
                    socket,
                    process: self.process(pid),
                });
            }
        }
        out
    }

    /// The program behind a port that the kernel's HTTP server (http.sys, shown as System, PID
    /// 4) holds on its behalf: the first registration for that port whose process is known.
    pub fn http_sys_owner(&self, port: u16) -> Option<(&HttpSysRegistration, Option<&Process>)> {
        let regs = self.http_sys.iter().filter(|r| r.port == Some(port));
        let mut first = None;
        for reg in regs {
            if let Some(p) = reg.pids.iter().find_map(|&pid| self.process(pid)) {
                return Some((reg, Some(p)));
            }
            first.get_or_insert((reg, None));
        }
        first
    }

    pub fn in_excluded_range(&self, port: u16) -> bool {
        self.excluded_ranges
            .iter()
            .any(|r| (r.start..=r.end).contains(&port))
    }

    /// Whether the scan covered `port` (a `--port` scan covers only its ports).
    pub fn covers(&self, port: u16) -> bool {
        self.limited_to_ports.is_empty() || self.limited_to_ports.contains(&port)
    }
}
