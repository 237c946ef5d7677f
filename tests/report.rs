//! Reports: golden files for every format, hostile input kept inert, redaction that leaves no
//! original behind, JSON that reads back, and writes that never leave a broken file.
//!
//! Regenerate the golden files after an intended change with `UPDATE_GOLDEN=1 cargo test --test report`.

use portsleuth::engine::snapshot::{
    Host, Process, Product, Service, ServiceManager, Snapshot, Socket, Transport, Warning,
};
use portsleuth::report::html::render_html;
use portsleuth::report::{markdown::render_markdown, text::render_text, Report};
use portsleuth::session::{Case, Knowledge};
use std::path::Path;
use std::process::{Command, Output};

const SEED: &str = include_str!("../assets/examples/seed-q298944-outlook-express.txt");

fn snapshot() -> Snapshot {
    Snapshot {
        schema: "portsleuth.snapshot/1".into(),
        taken_at: "2026-11-26T12:00:00Z".into(),
        host: Host {
            hostname: "EXCH01".into(),
            os: "Windows".into(),
            os_version: "Server 2003".into(),
            elevated: true,
            user: "jsmith".into(),
            scanned_by: None,
            scanned_by_parent: None,
            addresses: Vec::new(),
        },
        socket_source: "iphlpapi".into(),
        sockets: vec![Socket {
            transport: Transport::Tcp,
            local_addr: "0.0.0.0".into(),
            local_port: 110,
            remote_addr: None,
            remote_port: None,
            state: "LISTEN".into(),
            pids: vec![1234],
            dual_stack: false,
        }],
        processes: vec![Process {
            pid: 1234,
            name: "PoProxy.exe".into(),
            exe_name: "PoProxy.exe".into(),
            exe: Some("C:\\Program Files\\Norton AntiVirus\\PoProxy.exe".into()),
            user: Some("SYSTEM".into()),
            start_time: 1_700_000_000,
            services: vec!["NAVAPSVC".into()],
            product: Some("registry:hklm/NAV".into()),
            ..Process::default()
        }],
        services: vec![Service {
            id: "NAVAPSVC".into(),
            display_name: "Norton AntiVirus Auto-Protect Service".into(),
            manager: ServiceManager::Scm,
            state: "running".into(),
            start_type: "auto".into(),
            pid: Some(1234),
            socket_unit: None,
        }],
        products: vec![Product {
            id: "registry:hklm/NAV".into(),
            name: "Norton AntiVirus 2001".into(),
            version: "7.0".into(),
            publisher: "Symantec".into(),
            source: "registry".into(),
            install_location: Some("C:\\Program Files\\Norton AntiVirus\\".into()),
            uninstall_command: Some("MsiExec.exe /I{B3B9B3B9}".into()),
            quiet_uninstall_command: None,
            protected: None,
        }],
        warnings: vec![Warning {
            what: "services are read from the SCM only".into(),
            remedy: None,
        }],
        ..Snapshot::default()
    }
}

fn report(text: &str, snap: Option<Snapshot>) -> Report {
    let knowledge = Knowledge::builtin();
    Case::with_snapshot(&knowledge, text.into(), None, snap)
        .report_at(&knowledge, "2026-11-26T12:00:00Z".into())
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() || !path.exists() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("golden file");
    assert!(expected == actual, "{name} differs from the golden file; if intended, rerun with UPDATE_GOLDEN=1 and review the diff");
}

#[test]
fn every_format_matches_its_golden_file() {
    let r = report(SEED, Some(snapshot()));
    let text = render_text(&r);
    for line in text.lines() {
        // 80 columns for e-mail; only a single unbreakable word (a long link) may run over.
        assert!(
            line.chars().count() <= 80 || !line.trim().contains(' '),
            "over 80 columns: {line}"
        );
    }
    golden("seed.txt", &text);
    golden("seed.md", &render_markdown(&r));
    golden("seed.html", &render_html(&r));
    golden(
        "seed.json",
        &(serde_json::to_string_pretty(&r).expect("json") + "\n"),
    );
}

#[test]
fn the_html_report_is_self_contained_and_names_the_culprit() {
    let html = render_html(&report(SEED, Some(snapshot())));
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    for forbidden in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(
            !html.to_ascii_lowercase().contains(forbidden),
            "{forbidden} in the HTML"
        );
    }
    assert!(html.contains("PoProxy.exe") && html.contains("1234"));
    assert!(html.contains("href=\"https://"), "references are links");
}

#[test]
fn json_reads_back_to_the_same_report() {
    let r = report(SEED, Some(snapshot()));
    let text = serde_json::to_string(&r).expect("json");
    let back: Report = serde_json::from_str(&text).expect("reads back");
    let mut expected = r;
    // Which parts of a big log were read closely is working state, not part of the schema.
    expected.symptoms.regions.clear();
    assert_eq!(back, expected);
}

#[test]
fn hostile_text_stays_inert_in_html_and_markdown() {
    let long = "A".repeat(1 << 20);
    let text = format!("<script>alert(1)</script></table>\"><img src=x onerror=alert(2)> \u{202E}gnp.exe \u{1}\u{7f} [x](javascript:alert(3)) Port 110 0x800CCC92 {long}\n");
    let r = report(&text, None);
    let html = render_html(&r);
    assert!(!html.contains("<script>alert"), "script escaped");
    assert!(!html.contains("<img src=x"), "markup escaped");
    assert!(!html.contains('\u{202E}'), "bidi override neutralised");
    assert!(!html.contains('\u{1}'), "control characters dropped");
    assert!(!html.contains("href=\"javascript"), "only http(s) links");
    let md = render_markdown(&r);
    // The pasted text is quoted verbatim, but only inside the fenced block at the end.
    let (body, quoted) = md
        .split_once("### Pasted error")
        .expect("pasted error section");
    assert!(
        !body.contains("<script>"),
        "Markdown escapes HTML outside the quote"
    );
    assert!(
        !body.contains("](javascript"),
        "Markdown cannot make links from pasted text"
    );
    let fence_lines = quoted.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fence_lines, 2, "one fenced block holds the quote");
}

fn portsleuth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .expect("run")
}

#[test]
fn redaction_leaves_no_original_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let snap_path = dir.path().join("snap.json");
    let mut snap = snapshot();
    snap.host.hostname = "fileserver-07".into();
    snap.host.user = "mallory".into();
    std::fs::write(&snap_path, serde_json::to_vec(&snap).expect("json")).expect("write");
    let text = "There was a problem logging onto your mail server. Your Password was rejected. Account: 'jdoe on fileserver-07', Server: 'mail.corp.example.com', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port: 110, Secure(SSL): No, Error Number: 0x800CCC92\nContact jdoe@corp.example.com; client 10.20.30.40 and fe80::1234:5678 via 192.168.7.9:110\n";
    for format in ["json", "html", "markdown", "text"] {
        let out = portsleuth(&[
            "diagnose",
            "--snapshot",
            snap_path.to_str().expect("p"),
            "--redact",
            "--format",
            format,
            "--text",
            text,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body = String::from_utf8_lossy(&out.stdout).to_lowercase();
        for secret in [
            "fileserver-07",
            "mallory",
            "jdoe",
            "mail.corp.example.com",
            "corp.example.com",
            "10.20.30.40",
            "fe80::1234:5678",
            "192.168.7.9",
        ] {
            assert!(
                !body.contains(secret),
                "{format}: {secret} left in the redacted report"
            );
        }
        assert!(
            ["<host-", "&lt;host-", "\\<host-"]
                .iter()
                .any(|p| body.contains(p)),
            "{format}: placeholders used"
        );
    }
}

#[test]
fn report_render_turns_a_json_report_into_each_format_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("dir");
    let json = dir.path().join("r.json");
    let out = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--text",
        SEED,
        "--output",
        json.to_str().expect("p"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&json).expect("written"))
            .expect("json by extension")["schema"],
        "portsleuth.diagnosis/1"
    );
    let html = dir.path().join("r.html");
    let out = portsleuth(&[
        "report",
        "render",
        json.to_str().expect("p"),
        "--output",
        html.to_str().expect("p"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&html)
        .expect("html")
        .contains("av_mail_proxy"));
    std::fs::write(&html, "the technician's own notes").expect("write");
    let again = portsleuth(&[
        "report",
        "render",
        json.to_str().expect("p"),
        "--output",
        html.to_str().expect("p"),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&html).expect("kept"),
        "the technician's own notes"
    );
    let forced = portsleuth(&[
        "report",
        "render",
        json.to_str().expect("p"),
        "--output",
        html.to_str().expect("p"),
        "--force",
        "--format",
        "markdown",
    ]);
    assert!(forced.status.success());
    assert!(std::fs::read_to_string(&html)
        .expect("md")
        .starts_with("## PortSleuth diagnosis"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_only_folder_or_a_full_disk_fails_cleanly_and_keeps_the_old_file() {
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| portsleuth::platform::parse::procfs::effective_uid(&s))
        == Some(0);
    if !root {
        eprintln!("SKIPPED: mounting a small file system needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let mnt = dir.path();
    if !Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(mnt)
        .status()
        .expect("mount")
        .success()
    {
        eprintln!("SKIPPED: cannot mount tmpfs here");
        return;
    }
    let old = mnt.join("report.txt");
    std::fs::write(&old, "old report").expect("old file");
    // Fill the file system to the last byte.
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=4k"])
        .arg(format!("of={}", mnt.join("filler").display()))
        .output();
    let full = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--text",
        SEED,
        "--output",
        old.to_str().expect("p"),
        "--force",
    ]);
    let listing: Vec<String> = std::fs::read_dir(mnt)
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    let _ = std::fs::remove_file(mnt.join("filler"));
    let kept_full = std::fs::read_to_string(&old).expect("old file readable");
    assert!(Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(mnt)
        .status()
        .expect("remount")
        .success());
    let ro = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--text",
        SEED,
        "--output",
        old.to_str().expect("p"),
        "--force",
    ]);
    let kept_ro = std::fs::read_to_string(&old).expect("old file readable");
    let _ = Command::new("umount").arg(mnt).status();
    // A disk that fails while writing is a failure of the work (exit 4), not a finding.
    assert_eq!(
        full.status.code(),
        Some(4),
        "full disk: {}",
        String::from_utf8_lossy(&full.stderr)
    );
    assert!(
        String::from_utf8_lossy(&full.stderr).contains("report.txt"),
        "the message names the path"
    );
    assert_eq!(kept_full, "old report");
    assert_eq!(
        listing.iter().filter(|n| n.contains("tmp")).count(),
        0,
        "no temporary file left: {listing:?}"
    );
    // A read-only folder is found out before anything is written: the path cannot be used.
    assert_eq!(ro.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ro.stderr).contains("report.txt"));
    assert_eq!(kept_ro, "old report");
}
