//! Real parts for tests: child processes that hold real ports under a name of our choosing.
//!
//! The test executable doubles as the listener: copied to a temp folder as `PoProxy.exe` and
//! started with `PORTSLEUTH_TEST_LISTEN=ADDR`, its `child_listener` test binds ADDR, prints the
//! port and waits until killed (or its stdin closes).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Listener {
    pub child: Child,
    pub port: u16,
    pub exe: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a copy of this test executable named `name` that listens on `addr` (`tcp:127.0.0.1:0`,
/// `udp:[::1]:0`).
pub fn spawn_listener(name: &str, addr: &str) -> Listener {
    spawn_listener_with(name, addr, false)
}

/// Like [`spawn_listener`]; with `ignore_term` the child ignores SIGTERM (set by a shell
/// `trap` and inherited across exec), like a program that does not shut down politely.
pub fn spawn_listener_with(name: &str, addr: &str, ignore_term: bool) -> Listener {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = dir.path().join(name);
    std::fs::copy(std::env::current_exe().expect("own path"), &exe).expect("copy test binary");
    let (child, port) = start_listener_binary(&exe, addr, ignore_term);
    Listener {
        child,
        port,
        exe,
        _dir: dir,
    }
}

/// Like [`spawn_listener`], but the child accepts one connection and holds it open: a real
/// program owning a connection's end.
pub fn spawn_accepting(name: &str, addr: &str) -> Listener {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = dir.path().join(name);
    std::fs::copy(std::env::current_exe().expect("own path"), &exe).expect("copy test binary");
    let (child, port) = (0..50)
        .find_map(|_| {
            try_start(&exe, addr, false, true).or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            })
        })
        .expect("the listener never printed its port");
    Listener {
        child,
        port,
        exe,
        _dir: dir,
    }
}

/// Starts `exe` (a copy of this test executable) as a listener on `addr`; returns it and its port.
pub fn start_listener_binary(exe: &std::path::Path, addr: &str, ignore_term: bool) -> (Child, u16) {
    // Through `sh`, a busy text file makes the shell's exec fail instead of our spawn: the
    // child then exits without a port, and is started again.
    for _ in 0..50 {
        if let Some(started) = try_start(exe, addr, ignore_term, false) {
            return started;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the listener never printed its port");
}

fn try_start(
    exe: &std::path::Path,
    addr: &str,
    ignore_term: bool,
    accept: bool,
) -> Option<(Child, u16)> {
    let mut cmd = if ignore_term {
        let mut c = Command::new("sh");
        c.args(["-c", "trap '' TERM; exec \"$0\" \"$@\""]).arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args([
        "--exact",
        "child_listener",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("PORTSLEUTH_TEST_LISTEN", addr)
    .env("PORTSLEUTH_TEST_ACCEPT", if accept { "1" } else { "" })
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = spawn_retrying(&mut cmd);
    let stdout = child.stdout.take().expect("piped stdout");
    let mut port = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("listener output");
        // libtest prints "test child_listener ... " on the same line first.
        if let Some(at) = line.find("LISTENING ") {
            port = Some(line[at + 10..].trim().parse().expect("port number"));
            break;
        }
    }
    match port {
        Some(port) => Some((child, port)),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}

/// Starts `cmd`, trying again while the kernel says "text file busy": a copy of a binary made
/// by one test thread can still be open for writing in a child another thread is forking at
/// that moment, until that child execs.
pub fn spawn_retrying(cmd: &mut Command) -> Child {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Ok(child) => return child,
            Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("start listener: {e}"),
        }
    }
}

/// The body of the child: binds, reports the port, then waits for stdin to close.
pub fn child_listener_main() {
    let Ok(spec) = std::env::var("PORTSLEUTH_TEST_LISTEN") else {
        return;
    };
    let (proto, addr) = spec.split_once(':').expect("proto:addr");
    let port = if proto == "udp" {
        let s = std::net::UdpSocket::bind(addr).expect("bind udp");
        let port = s.local_addr().expect("addr").port();
        std::mem::forget(s);
        port
    } else {
        let l = std::net::TcpListener::bind(addr).expect("bind tcp");
        let port = l.local_addr().expect("addr").port();
        if std::env::var("PORTSLEUTH_TEST_ACCEPT").is_ok_and(|v| v == "1") {
            // Accepts one connection and holds it, so this process owns a connection's end.
            println!("LISTENING {port}");
            let (conn, _) = l.accept().expect("accept");
            std::mem::forget(conn);
        }
        std::mem::forget(l);
        port
    };
    if std::env::var("PORTSLEUTH_TEST_ACCEPT").is_ok_and(|v| v == "1") {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
        std::process::exit(0);
    }
    println!("LISTENING {port}");
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    std::process::exit(0);
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| portsleuth::platform::parse::procfs::effective_uid(&s))
        == Some(0)
}

/// The seed scenario's Outlook Express dialog, naming `port` on this machine: the tests that
/// use it play the server's technician, on the server.
pub fn seed_dialog(port: u16) -> String {
    seed_dialog_for(&this_host(), port)
}

/// The seed dialog naming `server` and `port`.
pub fn seed_dialog_for(server: &str, port: u16) -> String {
    format!(
        "There was a problem logging onto your mail server. Your Password was\r\nrejected. Account: 'alias on {server}', Server: '{server}', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port {port}, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92\r\n"
    )
}

/// This machine's host name, as a scan reports it.
pub fn this_host() -> String {
    sysinfo::System::host_name().unwrap_or_else(|_| "localhost".into())
}
