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

/// How a row changed since the table's previous scan, when the table was refreshed (as
/// TCPView marks them: new rows green, closed ones red until the next refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mark {
    #[default]
    Same,
    /// Not there at the previous scan.
    New,
    /// There at the previous scan, gone now; kept one refresh so it can be seen going.
    Gone,
}

/// A row of the table: the shared socket row, and the words the filter looks through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub socket: SocketRow,
    pub mark: Mark,
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
    /// How many rows the last refresh marked new and gone.
    pub changes: (usize, usize),
    /// The columns the user hid.
    pub hidden: Vec<Column>,
}

/// What identifies a socket from one scan to the next.
type RowKey = (&'static str, String, u16, String, Option<u16>, Vec<u32>);

fn key(r: &SocketRow) -> RowKey {
    (
        r.proto,
        r.local_addr.clone(),
        r.port,
        r.remote_addr.clone(),
        r.remote_port,
        r.pids.clone(),
    )
}

impl SocketTable {
    pub fn load(&mut self, s: &Snapshot, pinned_ports: &[u16]) {
        self.pinned_ports = pinned_ports.to_vec();
        self.rows = self.rows_of(s, pinned_ports);
        self.changes = (0, 0);
        self.selected = None;
        self.refresh();
    }

    /// Loads a newer scan of the same machine, marking the rows that are new and keeping the
    /// ones that went away (marked) until the next refresh. The filter, the sort and the
    /// selected socket stay.
    pub fn load_refreshed(&mut self, s: &Snapshot, pinned_ports: &[u16]) {
        let selected = self.selected.and_then(|i| self.rows.get(i)).map(|r| key(r));
        let before: std::collections::HashSet<RowKey> = self
            .rows
            .iter()
            .filter(|r| r.mark != Mark::Gone)
            .map(|r| key(r))
            .collect();
        let mut rows = self.rows_of(s, pinned_ports);
        let now: std::collections::HashSet<RowKey> = rows.iter().map(|r| key(r)).collect();
        for r in &mut rows {
            if !before.contains(&key(r)) {
                r.mark = Mark::New;
            }
        }
        let new = rows.iter().filter(|r| r.mark == Mark::New).count();
        let gone: Vec<Row> = std::mem::take(&mut self.rows)
            .into_iter()
            .filter(|r| r.mark != Mark::Gone && !now.contains(&key(r)))
            .map(|mut r| {
                r.mark = Mark::Gone;
                r
            })
            .collect();
        self.changes = (new, gone.len());
        rows.extend(gone);
        self.pinned_ports = pinned_ports.to_vec();
        self.rows = rows;
        self.selected = selected.and_then(|k| self.rows.iter().position(|r| key(r) == k));
        self.refresh();
    }

    fn rows_of(&self, s: &Snapshot, pinned_ports: &[u16]) -> Vec<Row> {
        let columns = self.columns();
        socket_rows(s, pinned_ports)
            .into_iter()
            .map(|socket| {
                let remote_port_text = socket
                    .remote_port
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                let mut row = Row {
                    socket,
                    mark: Mark::Same,
                    haystack: String::new(),
                    remote_port_text,
                };
                row.haystack = haystack(&row, &columns);
                row
            })
            .collect()
    }

    /// The columns shown, in order.
    pub fn columns(&self) -> Vec<Column> {
        Column::ALL
            .into_iter()
            .filter(|c| !self.hidden.contains(c))
            .collect()
    }

    /// Shows or hides a column; the port stays (it is what the table is about). The filter
    /// then matches only the columns shown.
    pub fn set_shown(&mut self, c: Column, shown: bool) {
        if c == Column::Port {
            return;
        }
        self.hidden.retain(|h| *h != c);
        if !shown {
            self.hidden.push(c);
        }
        let columns = self.columns();
        for r in &mut self.rows {
            r.haystack = haystack(r, &columns);
        }
        self.refresh();
    }

    /// Recomputes the visible rows after the filter or the sort changed. The filter's words
    /// must all be in a row's shown cells; a word with a leading `-` must not be
    /// (`-svchost -established` hides those rows).
    pub fn refresh(&mut self) {
        let needle = self.filter.trim().to_lowercase();
        let (exclude, include): (Vec<&str>, Vec<&str>) = needle
            .split_whitespace()
            .partition(|t| t.len() > 1 && t.starts_with('-'));
        let exclude: Vec<&str> = exclude.iter().map(|t| &t[1..]).collect();
        let mut visible: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                (r.pinned || !self.listening_only || is_listener(r))
                    && include.iter().all(|t| r.haystack.contains(t))
                    && !exclude.iter().any(|t| r.haystack.contains(t))
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
            self.columns()
                .into_iter()
                .map(|c| shown(r, c))
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
        let columns = self.columns();
        let mut out = columns
            .iter()
            .map(|c| cell(c.title()))
            .collect::<Vec<_>>()
            .join(sep);
        out.push('\n');
        for &i in &self.visible {
            let r = &self.rows[i];
            let line: Vec<String> = columns.iter().map(|&c| cell(&shown(r, c))).collect();
            out.push_str(&line.join(sep));
            out.push('\n');
        }
        out
    }

    pub fn listeners(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.mark != Mark::Gone && is_listener(r))
            .count()
    }
}

/// A cell as the table shows it.
fn shown(r: &Row, c: Column) -> String {
    match c {
        Column::Port => r.port.to_string(),
        _ => r.cell(c).to_owned(),
    }
}

/// What the filter looks through: the cells of the columns shown, and only those, so a row
/// it keeps shows what was typed.
fn haystack(r: &Row, columns: &[Column]) -> String {
    columns
        .iter()
        .map(|&c| shown(r, c))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn is_listener(r: &Row) -> bool {
    r.state == "LISTEN" || r.proto == "UDP"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::snapshot::{Host, Process, Snapshot, Socket, Transport};

    fn snapshot(sockets: &[(u16, u32, &str)]) -> Snapshot {
        let mut s = Snapshot {
            host: Host {
                hostname: "pc".into(),
                ..Host::default()
            },
            ..Snapshot::default()
        };
        for &(port, pid, name) in sockets {
            s.sockets.push(Socket {
                transport: Transport::Tcp,
                local_addr: "0.0.0.0".into(),
                local_port: port,
                remote_addr: None,
                remote_port: None,
                state: "LISTEN".into(),
                pids: vec![pid],
                dual_stack: false,
            });
            s.processes.push(Process {
                pid,
                exe_name: name.into(),
                ..Process::default()
            });
        }
        s
    }

    #[test]
    fn a_refresh_marks_new_rows_and_keeps_gone_ones_until_the_next() {
        let mut t = SocketTable::default();
        t.load(
            &snapshot(&[(110, 10, "PoProxy.exe"), (80, 20, "httpd")]),
            &[110],
        );
        assert!(t.rows.iter().all(|r| r.mark == Mark::Same));
        t.load_refreshed(
            &snapshot(&[(80, 20, "httpd"), (110, 30, "dovecot")]),
            &[110],
        );
        let mark =
            |t: &SocketTable, name: &str| t.rows.iter().find(|r| r.process == name).map(|r| r.mark);
        assert_eq!(mark(&t, "PoProxy.exe"), Some(Mark::Gone));
        assert_eq!(mark(&t, "dovecot"), Some(Mark::New));
        assert_eq!(mark(&t, "httpd"), Some(Mark::Same));
        assert_eq!(t.changes, (1, 1));
        t.load_refreshed(
            &snapshot(&[(80, 20, "httpd"), (110, 30, "dovecot")]),
            &[110],
        );
        assert_eq!(
            mark(&t, "PoProxy.exe"),
            None,
            "a gone row goes at the next refresh"
        );
        assert_eq!(mark(&t, "dovecot"), Some(Mark::Same));
        assert_eq!(t.changes, (0, 0));
    }

    #[test]
    fn the_filter_includes_and_excludes_by_what_is_shown() {
        let mut t = SocketTable::default();
        t.load(
            &snapshot(&[
                (110, 10, "PoProxy.exe"),
                (80, 20, "httpd"),
                (443, 21, "httpd"),
            ]),
            &[],
        );
        t.filter = "httpd".into();
        t.refresh();
        assert_eq!(t.visible.len(), 2);
        t.filter = "httpd -443".into();
        t.refresh();
        assert_eq!(t.visible.len(), 1);
        assert_eq!(t.rows[t.visible[0]].port, 80);
        t.filter = "-httpd".into();
        t.refresh();
        assert_eq!(t.visible.len(), 1);
        assert_eq!(t.rows[t.visible[0]].process, "PoProxy.exe");
        // A lone "-" is a word like any other, not an empty exclusion hiding everything.
        t.filter = "-".into();
        t.refresh();
        assert_eq!(t.visible.len(), 0);
    }

    #[test]
    fn a_hidden_column_is_neither_matched_nor_copied() {
        let mut t = SocketTable::default();
        t.load(
            &snapshot(&[(110, 10, "PoProxy.exe"), (80, 20, "httpd")]),
            &[],
        );
        t.filter = "poproxy".into();
        t.refresh();
        assert_eq!(t.visible.len(), 1);
        t.set_shown(Column::Process, false);
        assert_eq!(
            t.visible.len(),
            0,
            "the filter matched a column that is not shown"
        );
        assert!(!t.shown_as(false).contains("Process"));
        assert!(!t.row_text(0).unwrap_or_default().contains("PoProxy"));
        t.set_shown(Column::Port, false);
        assert!(
            t.columns().contains(&Column::Port),
            "the port column cannot be hidden"
        );
        t.set_shown(Column::Process, true);
        assert_eq!(t.visible.len(), 1);
    }
}
