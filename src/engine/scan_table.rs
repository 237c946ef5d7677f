//! The scan as a table a person reads: the ports asked about first, then listeners by port,
//! then connections; each row with its process, service, product and user.

use super::snapshot::{Snapshot, Socket, Transport};
use std::fmt::Write as _;

pub fn render(s: &Snapshot, pinned: &[u16]) -> String {
    let mut rows: Vec<&Socket> = s.sockets.iter().collect();
    rows.sort_by_key(|r| {
        (
            !pinned.contains(&r.local_port),
            !r.holds_port(),
            r.local_port,
            r.transport,
            r.local_addr.clone(),
        )
    });
    let mut table: Vec<[String; 8]> = Vec::new();
    for r in rows {
        let proto = match r.transport {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        };
        let remote = match (&r.remote_addr, r.remote_port) {
            (Some(a), Some(p)) => format!("{a}:{p}"),
            _ => String::new(),
        };
        let state = if r.state.is_empty() {
            "-".to_owned()
        } else {
            r.state.clone()
        };
        if r.pids.is_empty() {
            table.push([
                proto.into(),
                format!("{}:{}", r.local_addr, r.local_port),
                remote,
                state,
                "?".into(),
                "(not visible)".into(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        for &pid in &r.pids {
            let p = s.process(pid);
            let process = p.map_or_else(|| "?".to_owned(), |p| p.exe_name.clone());
            let service = p
                .and_then(|p| p.services.first())
                .cloned()
                .unwrap_or_default();
            let product = p
                .and_then(|p| p.product.as_deref())
                .and_then(|id| s.product(id))
                .map(|pr| pr.name.clone())
                .unwrap_or_default();
            let user = p.and_then(|p| p.user.clone()).unwrap_or_default();
            table.push([
                proto.into(),
                format!("{}:{}", r.local_addr, r.local_port),
                remote.clone(),
                state.clone(),
                pid.to_string(),
                process,
                service,
                format!(
                    "{product}{}",
                    if user.is_empty() {
                        String::new()
                    } else {
                        format!(" [{user}]")
                    }
                ),
            ]);
        }
    }
    let header = [
        "PROTO",
        "LOCAL",
        "REMOTE",
        "STATE",
        "PID",
        "PROCESS",
        "SERVICE",
        "PRODUCT [USER]",
    ];
    let mut widths = header.map(str::len);
    for row in &table {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count()).min(40);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on {} ({}), {} sockets, {} processes{}",
        if s.limited_to_ports.is_empty() {
            "Scan".to_owned()
        } else {
            format!(
                "Scan of port {}",
                s.limited_to_ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        s.host.hostname,
        s.host.os,
        s.sockets.len(),
        s.processes.len(),
        if s.host.elevated {
            ", elevated"
        } else {
            ", not elevated"
        }
    );
    let line = |cells: &[String]| -> String {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let cut: String = if c.chars().count() > 40 {
                c.chars().take(39).collect::<String>() + "…"
            } else {
                c.clone()
            };
            let _ = write!(l, "{:<w$}  ", cut, w = widths[i]);
        }
        l.trim_end().to_owned() + "\n"
    };
    out.push_str(&line(&header.map(str::to_owned)));
    for row in &table {
        out.push_str(&line(row));
    }
    if table.is_empty() {
        out.push_str("(no sockets)\n");
    }
    for w in &s.warnings {
        let _ = writeln!(out, "warning: {}", w.what);
        if let Some(r) = &w.remedy {
            let _ = writeln!(out, "         {r}");
        }
    }
    out
}
