//! The scan as a table a person reads: the ports asked about first, then listeners by port,
//! then connections; each row with its process, service, product and user.

use super::rows::{reading_order, socket_rows};
use crate::engine::snapshot::Snapshot;
use std::fmt::Write as _;

pub fn render(s: &Snapshot, pinned: &[u16]) -> String {
    let mut rows = socket_rows(s, pinned);
    reading_order(&mut rows);
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let product_user = if r.user.is_empty() {
                r.product.clone()
            } else {
                format!("{} [{}]", r.product, r.user)
            };
            [
                r.proto.to_owned(),
                format!("{}:{}", r.local_addr, r.port),
                r.remote(),
                if r.state.is_empty() {
                    "-".to_owned()
                } else {
                    r.state.clone()
                },
                if r.pid.is_empty() {
                    "?".to_owned()
                } else {
                    r.pid.clone()
                },
                r.process.clone(),
                r.service.clone(),
                product_user.trim().to_owned(),
            ]
        })
        .collect();
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
