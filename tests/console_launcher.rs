//! `portsleuth-console` (portsleuth.com in the Windows release): starts `portsleuth` from its
//! own folder with the same arguments and standard handles, and exits with its exit code. Run
//! on Linux and, by tests/wine/run.sh, as Windows programs under Wine.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const LAUNCHER: &str = env!("CARGO_BIN_EXE_portsleuth-console");
const PORTSLEUTH: &str = env!("CARGO_BIN_EXE_portsleuth");

fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env("HOME", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the program");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    // A test's own helper thread feeding a pipe, not product work.
    #[allow(clippy::disallowed_methods)]
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

#[test]
fn forwards_arguments_and_output() {
    let direct = run(PORTSLEUTH, &["--version"], b"");
    let launched = run(LAUNCHER, &["--version"], b"");
    assert_eq!(launched.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&launched.stdout).starts_with("portsleuth "));
    assert_eq!(launched.stdout, direct.stdout);
}

#[test]
fn passes_on_the_exit_code_and_standard_error() {
    let out = run(LAUNCHER, &["decode"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("required arguments"), "{err}");
}

#[test]
fn forwards_standard_input() {
    let seed = include_str!("../assets/examples/seed-q298944-outlook-express.txt");
    let args = ["diagnose", "--no-scan", "--format", "json", "-"];
    let findings = |out: &Output| -> Vec<(String, String)> {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (f["rule_id"].to_string(), f["category"].to_string()))
            .collect()
    };
    let launched = findings(&run(LAUNCHER, &args, seed.as_bytes()));
    assert!(!launched.is_empty());
    assert_eq!(launched, findings(&run(PORTSLEUTH, &args, seed.as_bytes())));
}

#[test]
fn without_portsleuth_beside_it_says_so_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let alone = dir.path().join(
        std::path::Path::new(LAUNCHER)
            .file_name()
            .expect("file name"),
    );
    std::fs::copy(LAUNCHER, &alone).expect("copy the launcher");
    let out = run(alone.to_str().expect("UTF-8 path"), &["--version"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.contains("not found"), "{err}");
}
