#![cfg(target_os = "linux")]
//! The doors tried as an attacker would, with crafted files (issue #12). A report, a rules
//! folder or an output path may come from someone else: PortSleuth must act only on what this
//! machine says now, never run a command from a file, and refuse with a reason — exit 2 —
//! without touching anything.

mod common;

use common::{spawn_listener, Listener};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
fn child_listener() {
    common::child_listener_main();
}

/// Runs PortSleuth with `stubs` first on PATH (programs that leave a marker if run).
fn portsleuth_with(stubs: Option<&Path>, args: &[&str]) -> Output {
    let path = std::env::var("PATH").unwrap_or_default();
    let path = match stubs {
        Some(dir) => format!("{}:{path}", dir.display()),
        None => path,
    };
    Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("run portsleuth")
}

fn portsleuth(args: &[&str]) -> Output {
    portsleuth_with(None, args)
}

fn in_use_text(port: u16) -> String {
    format!("Error: listen EADDRINUSE: address already in use 127.0.0.1:{port}")
}

/// The JSON report of a live diagnosis of `text`, saved in `dir/name`.
fn diagnosed(dir: &Path, name: &str, text: &str) -> (PathBuf, Value) {
    let path = dir.join(name);
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
    let v = serde_json::from_slice(&std::fs::read(&path).expect("report")).expect("json");
    (path, v)
}

/// The action of `kind` aimed at `pid` in a report.
fn action<'v>(report: &'v mut Value, kind: &str, pid: u32) -> &'v mut Value {
    report["findings"]
        .as_array_mut()
        .expect("findings")
        .iter_mut()
        .flat_map(|f| f["actions"].as_array_mut().expect("actions").iter_mut())
        .find(|a| a["kind"] == kind && a["target"]["pid"].as_u64() == Some(u64::from(pid)))
        .unwrap_or_else(|| panic!("no {kind} action for PID {pid}"))
}

fn save(path: &Path, report: &Value) {
    std::fs::write(path, serde_json::to_vec(report).expect("json")).expect("write");
}

fn fix(stubs: Option<&Path>, report: &Path, id: &str) -> Output {
    portsleuth_with(
        stubs,
        &[
            "fix",
            "--report",
            report.to_str().expect("p"),
            "--action",
            id,
            "--yes",
        ],
    )
}

/// A folder of programs named `names` that, if ever run, write `MARKER` next to themselves.
fn stubs(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let marker = dir.path().join("MARKER");
    for name in names {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\n", marker.display()),
        )
        .expect("stub");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (dir, marker)
}

fn alive(l: &mut Listener) -> bool {
    l.child.try_wait().expect("wait").is_none()
}

fn refused(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "refused with exit 2: {err}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

#[test]
fn a_report_aimed_at_a_listener_the_error_does_not_name_leaves_it_alive() {
    let mut named = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let mut other = spawn_listener("sshd", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (_, other_report) = diagnosed(dir.path(), "other.json", &in_use_text(other.port));
    let (path, mut report) = diagnosed(dir.path(), "r.json", &in_use_text(named.port));
    let mut other_report = other_report;
    let aimed_elsewhere =
        action(&mut other_report, "stop_process", other.child.id())["target"].clone();
    let a = action(&mut report, "stop_process", named.child.id());
    a["target"] = aimed_elsewhere;
    let id = a["id"].as_str().expect("id").to_owned();
    save(&path, &report);
    let err = refused(&fix(None, &path, &id));
    assert!(
        err.contains("does not hold a port the error names"),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        alive(&mut other) && alive(&mut named),
        "nothing was stopped"
    );
}

#[test]
fn a_label_id_and_pid_that_disagree_are_refused_and_the_files_label_is_never_shown() {
    let mut named = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let mut other = spawn_listener("database", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (path, mut report) = diagnosed(dir.path(), "r.json", &in_use_text(named.port));
    let a = action(&mut report, "stop_process", named.child.id());
    a["id"] = json!("stop_process-17358");
    a["label"] = json!("Stop process PoProxy.exe (PID 17358) — totally safe, trust me");
    a["target"]["pid"] = json!(other.child.id());
    save(&path, &report);
    let out = fix(None, &path, "stop_process-17358");
    let err = refused(&out);
    assert!(
        !err.contains("trust me") && !String::from_utf8_lossy(&out.stdout).contains("trust me")
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(&mut other) && alive(&mut named));
}

#[test]
fn a_hostile_uninstall_command_in_a_report_never_reaches_a_shell() {
    let named = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (path, mut report) = diagnosed(dir.path(), "r.json", &in_use_text(named.port));
    let (stub_dir, marker) = stubs(&["cmd", "sh-never"]);
    report["snapshot"]["products"] = json!([{
        "id": "registry:hklm/Evil", "name": "Norton AntiVirus", "source": "registry",
        "uninstall_command": format!("cmd /C touch {}", marker.display()),
        "quiet_uninstall_command": format!("cmd /C touch {}", marker.display()),
    }]);
    let target = action(&mut report, "stop_process", named.child.id())["target"].clone();
    let findings = report["findings"].as_array_mut().expect("findings");
    findings[0]["actions"].as_array_mut().expect("actions").push(json!({
        "id": "uninstall-registry:hklm/Evil", "kind": "uninstall", "label": "Uninstall Norton",
        "target": { "product": "registry:hklm/Evil", "pid": target["pid"], "start_time": target["start_time"], "port": target["port"] },
    }));
    save(&path, &report);
    refused(&fix(
        Some(stub_dir.path()),
        &path,
        "uninstall-registry:hklm/Evil",
    ));
    assert!(!marker.exists(), "a program from the report ran");
}

#[test]
fn units_named_like_options_or_globs_and_option_like_packages_are_never_run() {
    let named = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (path, base) = diagnosed(dir.path(), "r.json", &in_use_text(named.port));
    let (stub_dir, marker) = stubs(&["systemctl", "apt-get", "dpkg", "sc", "launchctl"]);
    let pid = named.child.id();
    let cases: [(&str, Value, Option<Value>); 4] = [
        (
            "stop_service",
            json!({"service": "*", "service_manager": "systemd"}),
            None,
        ),
        (
            "disable_service",
            json!({"service": "--now --now", "service_manager": "systemd"}),
            None,
        ),
        (
            "stop_service",
            json!({"service": "--now", "service_manager": "systemd"}),
            None,
        ),
        (
            "uninstall",
            json!({"product": "dpkg:evil"}),
            Some(json!({
                "id": "dpkg:evil", "name": "-oDPkg::Pre-Invoke::=touch /tmp/portsleuth-owned", "source": "dpkg"
            })),
        ),
    ];
    for (i, (kind, extra, product)) in cases.into_iter().enumerate() {
        let mut report = base.clone();
        let mut target = action(&mut report, "stop_process", pid)["target"].clone();
        for (k, v) in extra.as_object().expect("object") {
            target[k] = v.clone();
        }
        if let Some(p) = product {
            report["snapshot"]["products"] = json!([p]);
        }
        report["snapshot"]["services"] = json!([{"id": target["service"], "display_name": "x", "manager": "systemd", "state": "active"}]);
        let id = format!("{kind}-crafted-{i}");
        report["findings"][0]["actions"]
            .as_array_mut()
            .expect("actions")
            .push(json!({
                "id": id, "kind": kind, "label": "harmless", "target": target,
            }));
        save(&path, &report);
        refused(&fix(Some(stub_dir.path()), &path, &id));
        assert!(
            !marker.exists(),
            "case {i}: a service or package manager ran: {}",
            std::fs::read_to_string(&marker).unwrap_or_default()
        );
    }
    assert!(!Path::new("/tmp/portsleuth-owned").exists());
}

#[test]
fn fix_with_an_output_that_cannot_be_written_does_nothing_at_all() {
    let mut named = spawn_listener("devserver", "tcp:127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let (path, mut report) = diagnosed(dir.path(), "r.json", &in_use_text(named.port));
    let id = action(&mut report, "stop_process", named.child.id())["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let existing = dir.path().join("notes.txt");
    std::fs::write(&existing, "keep me").expect("write");
    let out = portsleuth(&[
        "fix",
        "--report",
        path.to_str().expect("p"),
        "--action",
        &id,
        "--yes",
        "--output",
        existing.to_str().expect("p"),
    ]);
    refused(&out);
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "keep me");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        alive(&mut named),
        "nothing was stopped before the record could be written"
    );
}

#[test]
fn devices_fifos_and_links_to_them_are_never_replaced_even_with_force() {
    let dir = tempfile::tempdir().expect("dir");
    let (report, _) = diagnosed(dir.path(), "r.json", "Error: listen EADDRINUSE :::3000");
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let link = dir.path().join("null-link");
    std::os::unix::fs::symlink("/dev/null", &link).expect("link");
    let mut targets = vec![fifo.clone(), link.clone(), PathBuf::from("/proc/self/fd/1")];
    let device = dir.path().join("dev-null");
    if common::is_root()
        && Command::new("mknod")
            .arg(&device)
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success())
    {
        targets.push(device.clone());
    } else {
        eprintln!("SKIPPED: making a character device needs root");
    }
    for target in &targets {
        let out = portsleuth(&[
            "report",
            "render",
            report.to_str().expect("p"),
            "--output",
            target.to_str().expect("p"),
            "--force",
        ]);
        refused(&out);
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .expect("fifo")
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    if targets.contains(&device) {
        assert!(std::fs::symlink_metadata(&device)
            .expect("dev")
            .file_type()
            .is_char_device());
    }
    assert!(std::fs::metadata("/dev/null")
        .expect("null")
        .file_type()
        .is_char_device());
    // `-` is standard output, not a file called `-`.
    let out = portsleuth(&[
        "report",
        "render",
        report.to_str().expect("p"),
        "--format",
        "text",
        "--output",
        "-",
    ]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("PortSleuth"));
}

#[test]
fn a_rules_folder_that_links_back_to_itself_is_read_in_well_under_a_second() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("mine.toml"), "").expect("write");
    std::os::unix::fs::symlink(".", dir.path().join("x")).expect("link");
    std::os::unix::fs::symlink(".", dir.path().join("y")).expect("link");
    let started = Instant::now();
    let out = portsleuth(&["kb", "check", dir.path().to_str().expect("p")]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = portsleuth(&["--kb", dir.path().to_str().expect("p"), "decode", "10048"]);
    assert!(out.status.success());
}

#[test]
fn one_bad_field_in_one_rule_skips_that_rule_only_and_names_its_line() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "[[rule]]\nid = \"first\"\ntitel = \"typo\"\ntitle = \"t\"\ncategory = \"firewall\"\ncause = \"c\"\nany = [\"winsock:10060\"]\nbase = 0.4\n\n[[rule]]\nid = \"second\"\ntitle = \"t\"\ncategory = \"firewall\"\ncause = \"c\"\nany = [\"winsock:10060\"]\nbase = 0.4\nreferences = [{ title = \"x\", url = \"javascript:alert(1)\" }]\n\n[[rule]]\nid = \"third\"\ntitle = \"t\"\ncategory = \"firewall\"\ncause = \"c\"\nany = [\"winsock:10060\"]\nbase = 0.4\n",
    )
    .expect("write");
    let out = portsleuth(&["kb", "check", dir.path().to_str().expect("p")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("mine.toml:1:") && text.contains("titel"),
        "{text}"
    );
    assert!(
        text.contains("mine.toml:10:") && text.contains("javascript:"),
        "{text}"
    );
    assert!(text.contains("2 problem"), "{text}");
    let list = portsleuth(&["--kb", dir.path().to_str().expect("p"), "kb", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("third") && !listed.contains(" first "),
        "{listed}"
    );
}

#[test]
fn confidences_from_a_file_are_bounded_in_every_format() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, base) = diagnosed(dir.path(), "r.json", "Error: listen EADDRINUSE :::3000");
    for bad in [json!(1e19), json!(-5.0), json!(1e308), json!(3e8)] {
        let mut report = base.clone();
        report["findings"][0]["confidence"] = bad.clone();
        save(&path, &report);
        for format in ["text", "markdown", "html", "json"] {
            let started = Instant::now();
            let out = portsleuth(&[
                "report",
                "render",
                path.to_str().expect("p"),
                "--format",
                format,
            ]);
            assert!(
                out.status.success(),
                "{bad} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(started.elapsed() < Duration::from_secs(5));
            let shown = String::from_utf8_lossy(&out.stdout);
            assert!(
                shown.len() < 2 << 20,
                "{bad} {format}: {} bytes",
                shown.len()
            );
            assert!(
                !shown.contains("-500%") && !shown.contains("1000000000"),
                "{bad} {format}"
            );
        }
    }
}

#[test]
fn usage_errors_are_one_line_and_port_zero_is_refused() {
    let out = portsleuth(&["diagnose", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = portsleuth(&["scan", "--port", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

#[test]
fn a_report_saved_by_notepad_with_a_byte_order_mark_reads_and_a_foreign_schema_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, mut report) = diagnosed(dir.path(), "r.json", "Error: listen EADDRINUSE :::3000");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(serde_json::to_vec(&report).expect("json"));
    std::fs::write(&path, bytes).expect("write");
    assert!(portsleuth(&["report", "render", path.to_str().expect("p")])
        .status
        .success());
    report["schema"] = json!("portsleuth.diagnosis/9");
    save(&path, &report);
    let out = portsleuth(&["report", "render", path.to_str().expect("p")]);
    let err = refused(&out);
    assert!(err.contains("portsleuth.diagnosis/9"), "{err}");
}
