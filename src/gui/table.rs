//! The Scan page's table as plain data: one row per socket (the same rows the CLI's `scan`
//! prints) with its owner's process, service, product and user in words, the ports from the error pinned to the top, filtering and
//! sorting. Built once per scan, so a frame with 10,000 rows only draws the visible ones.

use crate::engine::snapshot::Snapshot;
use crate::report::rows::{socket_rows, SocketRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Proto,
    Local,
    Port,
    RemoteAddr,
    RemotePort,
    State,
    Pid,
    Process,
    Service,
    Product,
    User,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Proto,
        Column::Local,
        Column::Port,
        Column::RemoteAddr,
        Column::RemotePort,
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
            Column::RemoteAddr => "Remote address",
            Column::RemotePort => "Remote port",
            Column::State => "State",
            Column::Pid => "PID",
            Column::Process => "Process",
            Column::Service => "Service",
            Column::Product => "Product",
            Column::User => "User",
        }
    }
}

/// A row of the table: the shared socket row, and the words the filter looks through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub socket: SocketRow,
    /// Everything shown (and only that), lower case, for the filter.
    haystack: String,
    /// The remote port in words (empty for a listener).
    remote_port_text: String,
}

impl std::ops::Deref for Row {
    type Target = SocketRow;
    fn deref(&self) -> &SocketRow {
        &self.socket
    }
}

impl Row {
    pub fn cell(&self, c: Column) -> &str {
        match c {
            Column::Proto => self.proto,
            Column::Local => &self.local_addr,
            Column::Port => "",
            Column::RemoteAddr => &self.remote_addr,
            Column::RemotePort => &self.remote_port_text,
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
        self.rows = socket_rows(s, pinned_ports)
            .into_iter()
            .map(|socket| {
                let remote_port_text = socket
                    .remote_port
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                // Only what the columns show: a row the filter keeps shows what was typed.
                let haystack = format!(
                    "{} {} {} {} {} {} {} {} {} {} {}",
                    socket.proto,
                    socket.local_addr,
                    socket.port,
                    socket.remote_addr,
                    remote_port_text,
                    socket.state,
                    socket.pid,
                    socket.process,
                    socket.service,
                    socket.product,
                    socket.user
                )
                .to_lowercase();
                Row {
                    socket,
                    haystack,
                    remote_port_text,
                }
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
                        Column::RemotePort => ra.remote_port.cmp(&rb.remote_port),
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

    /// A row as a line of text, its shown cells separated by tabs (what Ctrl+C copies).
    pub fn row_text(&self, index: usize) -> Option<String> {
        let r = self.rows.get(index)?;
        Some(
            Column::ALL
                .iter()
                .map(|&c| shown(r, c))
                .collect::<Vec<_>>()
                .join("\t"),
        )
    }

    /// The rows shown, with a header line, as tab-separated text or as CSV.
    pub fn shown_as(&self, csv: bool) -> String {
        let cell = |v: &str| {
            if csv && v.contains([',', '"', '\n']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_owned()
            }
        };
        let sep = if csv { "," } else { "\t" };
        let mut out = Column::ALL
            .iter()
            .map(|c| cell(c.title()))
            .collect::<Vec<_>>()
            .join(sep);
        out.push('\n');
        for &i in &self.visible {
            let r = &self.rows[i];
            let line: Vec<String> = Column::ALL.iter().map(|&c| cell(&shown(r, c))).collect();
            out.push_str(&line.join(sep));
            out.push('\n');
        }
        out
    }

    pub fn listeners(&self) -> usize {
        self.rows.iter().filter(|r| is_listener(r)).count()
    }
}

/// A cell as the table shows it.
fn shown(r: &Row, c: Column) -> String {
    match c {
        Column::Port => r.port.to_string(),
        _ => r.cell(c).to_owned(),
    }
}

fn is_listener(r: &Row) -> bool {
    r.state == "LISTEN" || r.proto == "UDP"
}
