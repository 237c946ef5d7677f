//! One row per socket, in words: the same facts for the CLI's `scan` table, the HTML report's
//! socket table and the wizard's table, built in one place so the doors never disagree.

use crate::engine::snapshot::{Process, Snapshot, Socket, Transport};

/// What a row says when the owner of a socket could not be seen (another user's process,
/// without elevation).
pub const NOT_VISIBLE: &str = "(not visible)";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRow {
    /// A port the error names, held here: shown first and highlighted.
    pub pinned: bool,
    /// A listener or a bound UDP socket: what holds a port against a new bind.
    pub holds_port: bool,
    pub proto: &'static str,
    pub local_addr: String,
    pub port: u16,
    /// The far end's address and port, for connections.
    pub remote_addr: String,
    pub remote_port: Option<u16>,
    /// TCP state in upper case (`LISTEN`, `ESTABLISHED`); empty for UDP.
    pub state: String,
    pub pids: Vec<u32>,
    pub pid: String,
    /// The owners' executable names, or [`NOT_VISIBLE`].
    pub process: String,
    /// The owners' full paths, where known.
    pub exe: String,
    pub service: String,
    pub product: String,
    pub user: String,
}

impl SocketRow {
    /// `remote_addr:remote_port`, or empty for a listener.
    pub fn remote(&self) -> String {
        match self.remote_port {
            Some(p) if !self.remote_addr.is_empty() => format!("{}:{p}", self.remote_addr),
            _ => String::new(),
        }
    }
}

/// A row for every socket of the snapshot, in the snapshot's order. `pinned_ports` are the
/// ports the error names.
pub fn socket_rows(s: &Snapshot, pinned_ports: &[u16]) -> Vec<SocketRow> {
    s.sockets
        .iter()
        .map(|sock| row(s, sock, pinned_ports))
        .collect()
}

/// The order a person reads a scan in: the ports asked about first, then listeners by port,
/// then connections.
pub fn reading_order(rows: &mut [SocketRow]) {
    rows.sort_by(|a, b| {
        (!a.pinned, !a.holds_port, a.port, a.proto, &a.local_addr).cmp(&(
            !b.pinned,
            !b.holds_port,
            b.port,
            b.proto,
            &b.local_addr,
        ))
    });
}

fn row(s: &Snapshot, sock: &Socket, pinned_ports: &[u16]) -> SocketRow {
    let procs: Vec<&Process> = sock.pids.iter().filter_map(|p| s.process(*p)).collect();
    let join = |f: &dyn Fn(&Process) -> Option<String>| {
        let mut v: Vec<String> = procs.iter().filter_map(|p| f(p)).collect();
        v.dedup();
        v.join(", ")
    };
    let service = join(&|p| {
        (!p.services.is_empty()).then(|| {
            p.services
                .iter()
                .map(|id| {
                    s.service(id)
                        .map_or(id.clone(), |sv| sv.display_name.clone())
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let product = join(&|p| {
        p.product
            .as_deref()
            .and_then(|id| s.product(id))
            .map(|pr| pr.name.clone())
            .or_else(|| p.version_info.as_ref().map(|v| v.product_name.clone()))
    });
    SocketRow {
        pinned: pinned_ports.contains(&sock.local_port) && sock.holds_port(),
        holds_port: sock.holds_port(),
        proto: match sock.transport {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        },
        local_addr: sock.local_addr.clone(),
        port: sock.local_port,
        remote_addr: sock.remote_addr.clone().unwrap_or_default(),
        remote_port: sock.remote_port,
        state: sock.state.clone(),
        pids: sock.pids.clone(),
        pid: sock
            .pids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        process: if sock.pids.is_empty() {
            NOT_VISIBLE.into()
        } else if procs.is_empty() {
            "?".into()
        } else {
            join(&|p| Some(p.exe_name.clone()))
        },
        exe: join(&|p| p.exe.clone()),
        service,
        product,
        user: join(&|p| p.user.clone()),
    }
}
