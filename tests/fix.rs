#![cfg(target_os = "linux")]
//! `portsleuth fix` against real processes holding real ports.

mod common;

use common::{seed_dialog, spawn_listener, spawn_listener_with, start_listener_binary};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
fn child_listener() {
    common::child_listener_main();
}

fn portsleuth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .expect("run portsleuth")
}

/// Diagnoses `text` with a live scan and writes the JSON report to `dir/report.json`.
fn diagnose(dir: &Path, text: &str) -> (PathBuf, Value) {
    let path = dir.join("report.json");
    let out = portsleuth(&[
        "diagnose",
        "--format",
        "json",
        "--force",
        "--text",
        text,
        "--output",
        path.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("report written")).expect("json");
    (path, v)
}

/// Diagnoses a port-in-use error naming `l`'s port (report in `dir`), and finds the action
/// that stops `l`.
fn diagnosed_stop(dir: &Path, l: &common::Listener) -> (PathBuf, String) {
    let (report, v) = diagnose(dir, &in_use_text(l.port));
    let id = action_id(&v, "stop_process", l.child.id());
    (report, id)
}

/// `portsleuth fix --report REPORT --action ID` and `extra`.
fn fix(report: &Path, id: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "fix",
        "--report",
        report.to_str().expect("utf-8"),
        "--action",
        id,
    ];
    args.extend_from_slice(extra);
    portsleuth(&args)
}

fn action_id(report: &Value, kind: &str, pid: u32) -> String {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["actions"].as_array().cloned().unwrap_or_default())
        .find(|a| a["kind"] == kind && a["target"]["pid"].as_u64() == Some(u64::from(pid)))
        .and_then(|a| a["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {kind} action for PID {pid} in {report:#}"))
}

fn exits_within(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn in_use_text(port: u16) -> String {
    format!("Error: listen EADDRINUSE: address already in use 127.0.0.1:{port}")
}

#[test]
fn fix_stops_the_process_holding_the_port_and_the_port_is_free_afterwards() {
    let mut l = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (report, id) = diagnosed_stop(dir.path(), &l);
    let record_file = dir.path().join("ticket.json");
    let out = fix(
        &report,
        &id,
        &["--yes", "--output", record_file.to_str().expect("p")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("port {} is now free", l.port)),
        "{stdout}"
    );
    assert!(
        stdout.contains("polite request"),
        "graceful stop reported: {stdout}"
    );
    assert!(
        exits_within(&mut l.child, Duration::from_secs(5)),
        "the child was stopped"
    );
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", l.port)).is_ok(),
        "the port can be bound again"
    );
    let ticket: Value =
        serde_json::from_slice(&std::fs::read(&record_file).expect("record written"))
            .expect("json");
    let taken = &ticket["actions_taken"][0];
    assert_eq!(taken["outcome"], "done");
    assert_eq!(taken["action_id"], id.as_str());
    assert!(taken["verification"]
        .as_str()
        .expect("verification")
        .contains("now free"));
}

#[test]
fn dry_run_changes_nothing() {
    let mut l = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (report, id) = diagnosed_stop(dir.path(), &l);
    let out = fix(&report, &id, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("dry run") && stdout.contains("SIGTERM"),
        "{stdout}"
    );
    assert!(
        !exits_within(&mut l.child, Duration::from_millis(500)),
        "still running"
    );
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", l.port)).is_err(),
        "still holding its port"
    );
}

#[test]
fn a_stale_plan_is_refused_and_nothing_is_signalled() {
    let mut first = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (report, v) = diagnose(dir.path(), &in_use_text(first.port));
    let id = action_id(&v, "stop_process", first.child.id());
    // The planned process exits and another one takes the port.
    first.child.kill().expect("kill");
    first.child.wait().expect("reap");
    let (mut second, port) =
        start_listener_binary(&first.exe, &format!("tcp:127.0.0.1:{}", first.port), false);
    assert_eq!(port, first.port);
    let out = fix(&report, &id, &["--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no longer running"), "{err}");
    assert!(
        !exits_within(&mut second, Duration::from_millis(500)),
        "the new holder was not touched"
    );
    second.kill().expect("kill");
    let _ = second.wait();

    // Same PID, another start time: the PID was reused.
    let l = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let (report, mut v) = diagnose(dir.path(), &in_use_text(l.port));
    let id = action_id(&v, "stop_process", l.child.id());
    for f in v["findings"].as_array_mut().expect("findings") {
        for a in f["actions"].as_array_mut().expect("actions") {
            if a["id"] == id.as_str() {
                let t = a["target"]["start_time"].as_u64().expect("start time");
                a["target"]["start_time"] = (t - 100).into();
            }
        }
    }
    std::fs::write(&report, serde_json::to_vec(&v).expect("json")).expect("write");
    let out = fix(&report, &id, &["--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn protected_targets_are_refused() {
    let l = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (report, v) = diagnose(dir.path(), &in_use_text(l.port));
    let id = action_id(&v, "stop_process", l.child.id());
    for (pid, words) in [(1u32, "operating system"), (std::process::id(), "parent")] {
        let mut edited = v.clone();
        for f in edited["findings"].as_array_mut().expect("findings") {
            for a in f["actions"].as_array_mut().expect("actions") {
                if a["id"] == id.as_str() {
                    a["target"]["pid"] = pid.into();
                }
            }
        }
        std::fs::write(&report, serde_json::to_vec(&edited).expect("json")).expect("write");
        let out = fix(&report, &id, &["--yes"]);
        assert_eq!(out.status.code(), Some(2), "PID {pid}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "PID {pid}: {err}");
    }
}

#[test]
fn a_process_that_ignores_sigterm_is_stopped_by_force_and_the_record_says_so() {
    let mut l = spawn_listener_with("stubborn", "tcp:127.0.0.1:0", true);
    let dir = tempfile::tempdir().expect("dir");
    let (report, id) = diagnosed_stop(dir.path(), &l);
    let out = fix(&report, &id, &["--yes", "--grace", "0.5"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("by force"), "{stdout}");
    assert!(exits_within(&mut l.child, Duration::from_secs(5)));
}

#[test]
fn without_a_terminal_and_without_yes_nothing_happens() {
    let mut l = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (report, id) = diagnosed_stop(dir.path(), &l);
    let out = fix(&report, &id, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(!exits_within(&mut l.child, Duration::from_millis(300)));
    let unknown = portsleuth(&[
        "fix",
        "--report",
        report.to_str().expect("p"),
        "--action",
        "no-such-action",
        "--yes",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains(&id),
        "the message lists the actions on offer"
    );
}

#[test]
fn as_root_a_package_whose_program_holds_the_port_is_uninstalled() {
    if !common::is_root() || !Path::new("/usr/bin/dpkg-deb").exists() {
        eprintln!("SKIPPED: uninstalling a package needs root and dpkg");
        return;
    }
    let pkg = "portsleuth-test-poproxy";
    let _ = Command::new("dpkg").args(["--purge", pkg]).output();
    let build = tempfile::tempdir().expect("dir");
    let root = build.path().join("pkg");
    std::fs::create_dir_all(root.join("DEBIAN")).expect("mkdir");
    std::fs::create_dir_all(root.join("usr/lib/portsleuth-test")).expect("mkdir");
    let exe = root.join("usr/lib/portsleuth-test/PoProxy.exe");
    std::fs::copy(std::env::current_exe().expect("self"), &exe).expect("copy");
    std::fs::write(
        root.join("DEBIAN/control"),
        format!("Package: {pkg}\nVersion: 1.0\nArchitecture: all\nMaintainer: PortSleuth tests <tests@example.invalid>\nDescription: throwaway package whose program holds a port\n"),
    )
    .expect("control");
    // Like real daemons' packages, it stops its program when removed.
    std::fs::write(
        root.join("DEBIAN/prerm"),
        "#!/bin/sh\npkill -f /usr/lib/portsleuth-test/PoProxy.exe || true\n",
    )
    .expect("prerm");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            root.join("DEBIAN/prerm"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
    }
    let deb = build.path().join("p.deb");
    assert!(Command::new("dpkg-deb")
        // Uncompressed: the payload is this test binary, hundreds of MB with debug information,
        // and compressing it would take minutes for nothing.
        .args(["-Znone", "--build", "--root-owner-group"])
        .arg(&root)
        .arg(&deb)
        .output()
        .expect("dpkg-deb")
        .status
        .success());
    assert!(Command::new("dpkg")
        .arg("-i")
        .arg(&deb)
        .output()
        .expect("dpkg -i")
        .status
        .success());
    let (mut child, port) = start_listener_binary(
        Path::new("/usr/lib/portsleuth-test/PoProxy.exe"),
        "tcp:0.0.0.0:0",
        false,
    );
    let dir = tempfile::tempdir().expect("dir");
    let (report, v) = diagnose(dir.path(), &seed_dialog(port));
    let id = format!("uninstall-dpkg:{pkg}");
    assert!(v.to_string().contains(&id), "uninstall offered: {v:#}");
    let out = fix(&report, &id, &["--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let status = Command::new("dpkg")
        .args(["-s", pkg])
        .output()
        .expect("dpkg -s");
    let _ = child.kill();
    let _ = child.wait();
    let _ = Command::new("dpkg").args(["--purge", pkg]).output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("remove") && stdout.contains(pkg),
        "the exact command is shown: {stdout}"
    );
    assert!(
        stdout.contains(&format!("port {port} is now free")),
        "{stdout}"
    );
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains("Status: install ok installed"),
        "the package is gone"
    );
}

/// The antivirus mail proxy cause, as `kb list` names it.
const AV_PROXY_RULE: &str = "password-rejected-av-proxy-owns-mail-port";

/// `portsleuth fix --text-file F --rule RULE --kind KIND` and `extra`, with the error text
/// naming `port`: the form fleets use, planned from this machine's own fresh diagnosis.
fn fix_by_rule(dir: &Path, port: u16, kind: &str, extra: &[&str]) -> Output {
    let text = dir.join("error.txt");
    std::fs::write(&text, seed_dialog(port)).expect("write the error text");
    let mut args = vec![
        "fix",
        "--text-file",
        text.to_str().expect("utf-8"),
        "--rule",
        AV_PROXY_RULE,
        "--kind",
        kind,
    ];
    args.extend_from_slice(extra);
    portsleuth(&args)
}

#[test]
fn fix_by_rule_dry_run_picks_this_machines_poproxy_and_changes_nothing() {
    let mut l = spawn_listener("PoProxy.exe", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let record = dir.path().join("record.json");
    let out = fix_by_rule(
        dir.path(),
        l.port,
        "stop_process",
        &["--dry-run", "--output", record.to_str().expect("p")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = l.child.id();
    assert!(
        stdout.contains(&format!("PoProxy.exe (PID {pid})")) && stdout.contains("dry run"),
        "{stdout}"
    );
    let taken: Value =
        serde_json::from_slice(&std::fs::read(&record).expect("record written")).expect("json");
    let a = &taken["actions_taken"][0];
    assert_eq!(a["outcome"], "previewed");
    assert_eq!(a["target"]["pid"], pid);
    assert_eq!(a["target"]["exe_name"], "PoProxy.exe");
    assert!(
        !exits_within(&mut l.child, Duration::from_millis(300)),
        "still running"
    );
}

#[test]
fn fix_by_rule_exits_3_when_this_machines_diagnosis_does_not_show_the_cause() {
    // The mail server itself holds the port: the antivirus proxy cause is not there.
    let mut l = spawn_listener("dovecot", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let out = fix_by_rule(dir.path(), l.port, "stop_process", &["--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("not applicable here:"), "{stdout}");
    assert!(
        !exits_within(&mut l.child, Duration::from_millis(300)),
        "dovecot still runs"
    );
    // The cause is there, but not that kind of action: a PoProxy.exe no package installed
    // has nothing to uninstall. Also in a dry run.
    let mut p = spawn_listener("PoProxy.exe", "tcp:127.0.0.1:0");
    let out = fix_by_rule(dir.path(), p.port, "uninstall", &["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("does not offer to uninstall"), "{stdout}");
    assert!(!exits_within(&mut p.child, Duration::from_millis(100)));
}
