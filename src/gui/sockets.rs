//! The Scan page's table as plain data: one row per socket with its owner's process, service,
//! product and user in words, the ports from the error pinned to the top, filtering and
//! sorting. Built once per scan, so a frame with 10,000 rows only draws the visible ones.

use crate::engine::snapshot::{Snapshot, Transport};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Proto,
    Local,
    Port,
    State,
    Pid,
    Process,
    Service,
    Product,
    User,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Proto,
        Column::Local,
        Column::Port,
        Column::State,
        Column::Pid,
        Column::Process,
        Column::Service,
        Column::Product,
        Column::User,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Proto => "Proto",
            Column::Local => "Local address",
            Column::Port => "Port",
            Column::State => "State",
            Column::Pid => "PID",
            Column::Process => "Process",
            Column::Service => "Service",
            Column::Product => "Product",
            Column::User => "User",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// A port the error names: shown first and highlighted.
    pub pinned: bool,
    pub proto: &'static str,
    pub local: String,
    pub port: u16,
    pub remote: String,
    pub state: String,
    pub pids: Vec<u32>,
    pub pid: String,
    pub process: String,
    pub exe: String,
    pub service: String,
    pub product: String,
    pub user: String,
    /// Everything above, lower case, for the filter.
    haystack: String,
}

impl Row {
    pub fn cell(&self, c: Column) -> &str {
        match c {
            Column::Proto => self.proto,
            Column::Local => &self.local,
            Column::Port => "",
            Column::State => &self.state,
            Column::Pid => &self.pid,
            Column::Process => &self.process,
            Column::Service => &self.service,
            Column::Product => &self.product,
            Column::User => &self.user,
        }
    }
}

#[derive(Debug, Default)]
pub struct SocketTable {
    pub rows: Vec<Row>,
    /// Indices into `rows`, in display order.
    pub visible: Vec<usize>,
    pub filter: String,
    pub listening_only: bool,
    pub sort: Option<(Column, bool)>,
    /// The row the user jumped to from a piece of evidence.
    pub selected: Option<usize>,
    /// Scroll to this display position on the next frame.
    pub scroll_to: Option<usize>,
    pub pinned_ports: Vec<u16>,
}

impl SocketTable {
    pub fn load(&mut self, s: &Snapshot, pinned_ports: &[u16]) {
        self.pinned_ports = pinned_ports.to_vec();
        self.rows = s
            .sockets
            .iter()
            .map(|sock| {
                let procs: Vec<_> = sock.pids.iter().filter_map(|p| s.process(*p)).collect();
                let join = |f: &dyn Fn(&crate::engine::snapshot::Process) -> Option<String>| {
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
                let mut row = Row {
                    pinned: pinned_ports.contains(&sock.local_port) && sock.holds_port(),
                    proto: match sock.transport {
                        Transport::Tcp => "TCP",
                        Transport::Udp => "UDP",
                    },
                    local: sock.local_addr.clone(),
                    port: sock.local_port,
                    remote: match (&sock.remote_addr, sock.remote_port) {
                        (Some(a), Some(p)) => format!("{a}:{p}"),
                        _ => String::new(),
                    },
                    state: sock.state.clone(),
                    pids: sock.pids.clone(),
                    pid: sock
                        .pids
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    process: if sock.pids.is_empty() {
                        "(not visible)".into()
                    } else {
                        join(&|p| Some(p.exe_name.clone()))
                    },
                    exe: join(&|p| p.exe.clone()),
                    service,
                    product,
                    user: join(&|p| p.user.clone()),
                    haystack: String::new(),
                };
                row.haystack = format!(
                    "{} {}:{} {} {} {} {} {} {} {} {}",
                    row.proto,
                    row.local,
                    row.port,
                    row.remote,
                    row.state,
                    row.pid,
                    row.process,
                    row.exe,
                    row.service,
                    row.product,
                    row.user
                )
                .to_lowercase();
                row
            })
            .collect();
        self.selected = None;
        self.refresh();
    }

    /// Recomputes the visible rows after the filter or the sort changed.
    pub fn refresh(&mut self) {
        let needle = self.filter.trim().to_lowercase();
        let terms: Vec<&str> = needle.split_whitespace().collect();
        let mut visible: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                (r.pinned || !self.listening_only || is_listener(r))
                    && terms.iter().all(|t| r.haystack.contains(t))
            })
            .collect();
        let rows = &self.rows;
        let sort = self.sort;
        visible.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            rb.pinned.cmp(&ra.pinned).then_with(|| match sort {
                None => a.cmp(&b),
                Some((c, ascending)) => {
                    let o = match c {
                        Column::Port => ra.port.cmp(&rb.port),
                        Column::Pid => ra
                            .pids
                            .first()
                            .cmp(&rb.pids.first())
                            .then(ra.pid.cmp(&rb.pid)),
                        _ => ra.cell(c).to_lowercase().cmp(&rb.cell(c).to_lowercase()),
                    }
                    .then(a.cmp(&b));
                    if ascending {
                        o
                    } else {
                        o.reverse()
                    }
                }
            })
        });
        self.visible = visible;
    }

    /// Clicking a column header: sort by it, then reverse, then back to the scan's order.
    pub fn click_header(&mut self, c: Column) {
        self.sort = match self.sort {
            Some((old, true)) if old == c => Some((c, false)),
            Some((old, false)) if old == c => None,
            _ => Some((c, true)),
        };
        self.refresh();
    }

    /// Selects the first row for `port` (and `pid`, when given) and scrolls to it, clearing a
    /// filter that would hide it. Returns whether such a row exists.
    pub fn jump_to(&mut self, port: Option<u16>, pid: Option<u32>) -> bool {
        let wanted =
            |r: &Row| port.is_none_or(|p| r.port == p) && pid.is_none_or(|p| r.pids.contains(&p));
        let Some(index) = self
            .rows
            .iter()
            .position(|r| wanted(r) && is_listener(r))
            .or_else(|| self.rows.iter().position(wanted))
        else {
            return false;
        };
        if !self.visible.contains(&index) {
            self.filter.clear();
            self.listening_only = false;
            self.refresh();
        }
        self.selected = Some(index);
        self.scroll_to = self.visible.iter().position(|&i| i == index);
        true
    }

    pub fn listeners(&self) -> usize {
        self.rows.iter().filter(|r| is_listener(r)).count()
    }
}

fn is_listener(r: &Row) -> bool {
    r.state == "LISTEN" || r.proto == "UDP"
}
