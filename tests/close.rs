#![cfg(target_os = "linux")]
//! Closing one connection from the scan table (TCPView's *Close connection*), on a real
//! connection: a copy of this test binary named `PoProxy.exe` accepts it and holds its end;
//! the connection is found again on the live machine, confirmed, reset by the kernel's socket
//! destroy (`ss -K`, root), and the re-scan shows it gone while the other end sees the reset.

mod common;

use common::{is_root, spawn_accepting, Listener};
use portsleuth::engine::diagnose::{ActionTarget, Connection, PlannedAction};
use portsleuth::engine::fixing::Outcome;
use portsleuth::platform::{LiveMachine, Machine, ScanOptions};
use portsleuth::session::fix::close::{attempt_close, close_action, find};
use portsleuth::session::fix::{Attempt, Attempted};
use std::io::Read;
use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

#[test]
fn child_listener() {
    common::child_listener_main();
}

/// The live machine's sockets on `port`, now.
fn scan_port(port: u16) -> portsleuth::engine::snapshot::Snapshot {
    LiveMachine
        .scan(
            &ScanOptions { ports: vec![port] },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("scan")
}

/// A PoProxy.exe holding the server end of a connection from this test, as the scan shows it.
fn held_connection() -> (Listener, TcpStream, Connection) {
    let l = spawn_accepting("PoProxy.exe", "tcp:127.0.0.1:0");
    let client = TcpStream::connect(("127.0.0.1", l.port)).expect("connect to the child");
    let c = Connection {
        local_addr: "127.0.0.1".into(),
        local_port: l.port,
        remote_addr: "127.0.0.1".into(),
        remote_port: client.local_addr().expect("own end").port(),
    };
    // The child accepts a moment after the connect: until then the end has no owner.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let snap = scan_port(l.port);
        if find(&snap, &c).is_some_and(|s| s.pids == [l.child.id()]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scan never showed {c} owned by the child"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (l, client, c)
}

/// Whether this kernel destroys a socket on request (`CONFIG_INET_DIAG_DESTROY`): tried on a
/// loopback connection of this test's own, with an `ss -K` line of the test's own.
fn kernel_destroys_sockets() -> bool {
    let Ok(listener) = std::net::TcpListener::bind("127.0.0.1:0") else {
        return false;
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let (Ok(mut client), Ok((_server, _))) =
        (TcpStream::connect(("127.0.0.1", port)), listener.accept())
    else {
        return false;
    };
    let client_port = client.local_addr().map(|a| a.port()).unwrap_or(0);
    // Written out here, not taken from PortSleuth: a fault in its own command must fail the
    // test below, not skip it.
    let (sport, dport) = (port.to_string(), client_port.to_string());
    let ran = std::process::Command::new("ss")
        .args(["-K", "-t", "-n", "src", "127.0.0.1", "sport", "=", &sport])
        .args(["dst", "127.0.0.1", "dport", "=", &dport])
        .output();
    if !ran.is_ok_and(|o| o.status.success()) {
        return false;
    }
    let _ = client.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 1];
    !matches!(client.read(&mut buf), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

fn owner(pid: u32) -> ActionTarget {
    ActionTarget {
        pid: Some(pid),
        exe_name: Some("PoProxy.exe".into()),
        ..ActionTarget::default()
    }
}

fn ask(action: &PlannedAction) -> Result<portsleuth::session::fix::Prepared, String> {
    match attempt_close(&LiveMachine, action, Attempt::Ask) {
        Attempted::Confirm(p) => Ok(p),
        Attempted::Recorded(r) | Attempted::NotApplicable(r) => Err(r.detail),
    }
}

#[test]
fn a_confirmed_close_resets_the_real_connection_and_the_rescan_shows_it_gone() {
    if !is_root() {
        eprintln!("skipped: closing another program's connection needs root (CI runs as root)");
        return;
    }
    if !LiveMachine.closes_connections() {
        eprintln!("skipped: ss (iproute2) is not installed");
        return;
    }
    if !kernel_destroys_sockets() {
        eprintln!("skipped: this kernel does not destroy sockets on request (CONFIG_INET_DIAG_DESTROY); PortSleuth reports such a close as still open");
        return;
    }
    let (l, mut client, c) = held_connection();
    let action = close_action(&c, &owner(l.child.id()));

    let prepared = ask(&action).expect("the connection was found again and may be closed");
    assert_eq!(
        prepared.commands,
        [format!(
            "ss -K -t -n src 127.0.0.1 sport = {} dst 127.0.0.1 dport = {}",
            c.local_port, c.remote_port
        )]
    );
    assert!(
        prepared.words[0].contains("PoProxy.exe")
            && prepared.words[0].contains(&c.remote_port.to_string()),
        "{:?}",
        prepared.words
    );
    // What will be closed is the fresh scan's, with the owner's start time read now.
    assert!(prepared.action.target.start_time.is_some());

    let record = match attempt_close(&LiveMachine, &prepared.action, Attempt::Run) {
        Attempted::Recorded(r) => r,
        other => panic!("expected a record, got {other:?}"),
    };
    assert_eq!(record.outcome, Outcome::Done, "{record:?}");
    assert_eq!(
        record.verification.as_deref(),
        Some(format!("the re-scan no longer shows the connection {c}").as_str())
    );
    // The other end saw the connection reset (or ended), and the program is still running.
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 8];
    match client.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("read {n} bytes from a closed connection"),
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the client end was not reset: {e}"
        ),
    }
    let state = std::fs::read_to_string(format!("/proc/{}/stat", l.child.id())).unwrap();
    assert!(
        !state.contains(") Z"),
        "closing the connection must not stop the program"
    );

    // Asked again, there is nothing to close.
    let again = ask(&action).unwrap_err();
    assert!(again.contains("is no longer open"), "{again}");
}

#[test]
fn a_close_aimed_at_another_owner_or_a_missing_connection_is_refused_and_touches_nothing() {
    let (l, _client, c) = held_connection();
    if !LiveMachine.closes_connections() {
        eprintln!("skipped: ss (iproute2) is not installed");
        return;
    }
    // The request names another PID (an edited request, or the PID changed hands).
    let wrong = close_action(&c, &owner(l.child.id() + 100_000));
    let why = ask(&wrong).unwrap_err();
    assert!(
        why.contains(&format!("now belongs to PID {}", l.child.id())),
        "{why}"
    );
    // A connection that is not there.
    let gone = Connection {
        remote_port: c.remote_port.wrapping_add(1).max(1),
        ..c.clone()
    };
    let why = ask(&close_action(&gone, &owner(l.child.id()))).unwrap_err();
    assert!(why.contains("is no longer open"), "{why}");
    // An end that is not an IP address never reaches a command line.
    let odd = Connection {
        remote_addr: "127.0.0.1; reboot".into(),
        ..c.clone()
    };
    let why = ask(&close_action(&odd, &owner(l.child.id()))).unwrap_err();
    assert!(why.contains("is no longer open"), "{why}");
    // The real connection is still open.
    assert!(find(&scan_port(c.local_port), &c).is_some());
}
