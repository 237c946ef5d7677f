//! Closing one TCP connection, as TCPView does from its table: the connection the table showed
//! is only the request. It is found again in a fresh scan of its local port — same ends, same
//! owner (PID, start time, executable), still open — and what is closed comes from that scan.
//! The user confirms; the re-scan afterwards shows whether it is gone. No rule offers it: a
//! connection is closed because the technician chose that one.

use super::{execute, previewed, refused, Attempt, Attempted, FixOptions, Prepared, Step};
use crate::engine::diagnose::{ActionTarget, Connection, PlannedAction};
use crate::engine::kb::ActionKind;
use crate::engine::snapshot::{Snapshot, Socket, Transport};
use crate::platform::{Command, Machine, ScanOptions};
use std::sync::atomic::AtomicBool;

/// The close of `c`, owned by the process the table showed, as a planned action (its label
/// and the record's target).
pub fn close_action(c: &Connection, owner: &ActionTarget) -> PlannedAction {
    let who = match (&owner.exe_name, owner.pid) {
        (Some(name), Some(pid)) => format!(" of {name} (PID {pid})"),
        (None, Some(pid)) => format!(" of PID {pid}"),
        _ => String::new(),
    };
    PlannedAction {
        id: format!(
            "close_connection-{}:{}-{}:{}",
            c.local_addr, c.local_port, c.remote_addr, c.remote_port
        ),
        kind: ActionKind::CloseConnection,
        label: format!("Close connection {c}{who}"),
        target: ActionTarget {
            port: Some(c.local_port),
            connection: Some(c.clone()),
            ..owner.clone()
        },
        caution: None,
    }
}

/// Finds the connection again on this machine now and previews, asks or closes it.
pub fn attempt_close(machine: &dyn Machine, asked: &PlannedAction, what: Attempt) -> Attempted {
    let prepared = match prepare_close(machine, asked, what == Attempt::Preview) {
        Ok(p) => p,
        Err(why) => return Attempted::Recorded(refused(asked, why)),
    };
    match what {
        Attempt::Preview => Attempted::Recorded(previewed(&prepared)),
        Attempt::Ask => Attempted::Confirm(prepared),
        Attempt::Run => Attempted::Recorded(execute(machine, &prepared, &FixOptions::default())),
    }
}

/// The open TCP connection with these ends in `snapshot`.
pub fn find<'a>(snapshot: &'a Snapshot, c: &Connection) -> Option<&'a Socket> {
    snapshot.sockets.iter().find(|s| {
        s.transport == Transport::Tcp
            && s.state != "LISTEN"
            && s.local_port == c.local_port
            && s.remote_port == Some(c.remote_port)
            && same_addr(&s.local_addr, &c.local_addr)
            && s.remote_addr
                .as_deref()
                .is_some_and(|r| same_addr(r, &c.remote_addr))
    })
}

fn same_addr(a: &str, b: &str) -> bool {
    match (a.parse::<std::net::IpAddr>(), b.parse::<std::net::IpAddr>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Looks at the connection's local port now; `Err` says why it cannot be looked at.
pub fn scan_port(machine: &dyn Machine, port: u16) -> Result<Snapshot, String> {
    machine
        .scan(
            &ScanOptions { ports: vec![port] },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .map_err(|e| format!("could not scan port {port} again: {e}"))
}

fn prepare_close(
    machine: &dyn Machine,
    asked: &PlannedAction,
    dry_run: bool,
) -> Result<Prepared, String> {
    let c = asked
        .target
        .connection
        .as_ref()
        .ok_or("the request names no connection")?;
    if !machine.closes_connections() {
        return Err(if cfg!(target_os = "linux") {
            "closing a connection needs the ss program (package iproute2), which is not installed"
                .into()
        } else {
            "this system offers no call to close another program's connection; stop the program instead".into()
        });
    }
    let snapshot = scan_port(machine, c.local_port)?;
    let socket = find(&snapshot, c)
        .ok_or_else(|| format!("the connection {c} is no longer open; scan again"))?;
    let pid = match (socket.pids.as_slice(), asked.target.pid) {
        ([pid], Some(asked_pid)) if *pid == asked_pid => *pid,
        ([pid], Some(asked_pid)) => {
            return Err(format!(
                "the connection {c} now belongs to PID {pid}, not to PID {asked_pid}; scan again"
            ))
        }
        ([], _) => {
            return Err(format!(
                "PortSleuth cannot see who owns {c} now; run it as administrator (or with sudo) to see and close it"
            ))
        }
        _ => return Err(format!("the connection {c} is shared by several processes now; scan again")),
    };
    let now = machine
        .process_now(pid)
        .ok_or_else(|| format!("PID {pid} is no longer running; scan again"))?;
    let t = &asked.target;
    if t.start_time.is_some_and(|s| s != now.start_time)
        || matches!((&t.exe, &now.exe), (Some(a), Some(b)) if a != b)
    {
        return Err(format!(
            "PID {pid} now runs {} (started at another time): the program the table showed has exited; scan again",
            now.exe_name
        ));
    }
    if !machine.is_elevated() && !dry_run {
        return Err(if cfg!(windows) {
            "closing another program's connection needs administrator rights: run PortSleuth as administrator".into()
        } else {
            "closing another program's connection needs root: run PortSleuth with sudo".into()
        });
    }
    // What is closed comes from the fresh scan.
    let fresh = Connection {
        local_addr: socket.local_addr.clone(),
        local_port: socket.local_port,
        remote_addr: socket.remote_addr.clone().unwrap_or_default(),
        remote_port: socket.remote_port.unwrap_or_default(),
    };
    let command = Command::CloseConnection(fresh.clone());
    let action = close_action(
        &fresh,
        &ActionTarget {
            pid: Some(pid),
            start_time: Some(now.start_time),
            exe: now.exe.clone(),
            exe_name: Some(now.exe_name.clone()),
            ..ActionTarget::default()
        },
    );
    Ok(Prepared {
        words: vec![
            format!(
                "Reset the connection from {} (local) to {} that {} (PID {pid}) holds.",
                fresh.local_end(),
                fresh.remote_end(),
                now.exe_name
            ),
            "The program sees the connection dropped, as if the network had failed; it may connect again.".into(),
        ],
        commands: vec![command.describe()],
        step: Step::Run(vec![command]),
        action,
        rule_id: String::new(),
    })
}

/// Whether `c` is still open, looked at again for up to two seconds (a reset takes a moment to
/// leave the table). `Err` when the port cannot be scanned.
pub fn still_open(machine: &dyn Machine, c: &Connection) -> Result<bool, String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let open = find(&scan_port(machine, c.local_port)?, c).is_some();
        if !open || std::time::Instant::now() >= deadline {
            return Ok(open);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
