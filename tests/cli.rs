//! The real `portsleuth` binary, as scripts and technicians run it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn portsleuth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("HOME", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .expect("run portsleuth")
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run portsleuth");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // A test's own helper thread feeding a pipe, not product work.
    #[allow(clippy::disallowed_methods)]
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

fn seed() -> String {
    include_str!("../assets/examples/seed-q298944-outlook-express.txt").to_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn stderr_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err:?}"
    );
    err
}

#[test]
fn diagnose_the_seed_text_as_json_names_the_av_proxy_first() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("error.txt");
    std::fs::write(&file, seed()).expect("write");
    let v = json(&portsleuth(&[
        "diagnose",
        "--no-scan",
        "--format",
        "json",
        "--text-file",
        file.to_str().expect("path"),
    ]));
    assert_eq!(v["schema"], "portsleuth.diagnosis/1");
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings[0]["category"], "av_mail_proxy");
    for f in findings {
        for key in [
            "rule_id",
            "category",
            "title",
            "confidence",
            "evidence",
            "actions",
        ] {
            assert!(f.get(key).is_some(), "finding has {key}: {f}");
        }
    }
    let confidences: Vec<f64> = findings
        .iter()
        .map(|f| f["confidence"].as_f64().expect("number"))
        .collect();
    assert!(
        confidences.windows(2).all(|w| w[0] >= w[1]),
        "sorted highest first: {confidences:?}"
    );
    let codes: Vec<&str> = v["symptoms"]["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c["key"].as_str().expect("key"))
        .collect();
    for key in [
        "hresult:0x800CCC92",
        "hresult:0x800CCC90",
        "winsock:10048",
        "hresult:0x80004005",
    ] {
        assert!(codes.contains(&key), "{key} decoded: {codes:?}");
    }
}

#[test]
fn text_and_markdown_output_and_stdin_input() {
    let out = with_stdin(&["diagnose", "--no-scan", "-"], seed().as_bytes());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("category: av_mail_proxy"), "{text}");
    let md = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--format",
        "markdown",
        "--text",
        &seed(),
    ]);
    assert!(String::from_utf8_lossy(&md.stdout).starts_with("## PortSleuth diagnosis"));
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("report.json");
    let run = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--format",
        "json",
        "--text",
        &seed(),
        "--output",
        out.to_str().expect("path"),
    ]);
    assert!(run.status.success());
    assert!(run.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("valid JSON");
    assert_eq!(v["findings"][0]["category"], "av_mail_proxy");
    let bad = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--text",
        "x 10048",
        "--output",
        "/nonexistent-dir/r.txt",
    ]);
    // Caught before any work is done: the path is wrong, so it is a usage error (exit 2).
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr_line(&bad).contains("/nonexistent-dir/r.txt"));
}

#[test]
fn empty_binary_and_missing_input_exit_2_with_one_line() {
    let empty = with_stdin(&["diagnose", "--no-scan", "-"], b"  \n\n");
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr_line(&empty).contains("empty"));
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let bin = with_stdin(&["diagnose", "--no-scan", "-"], &binary);
    assert_eq!(bin.status.code(), Some(2));
    assert!(stderr_line(&bin).contains("binary"));
    let missing = portsleuth(&[
        "diagnose",
        "--no-scan",
        "--text-file",
        "/nonexistent/error.txt",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_line(&missing).contains("/nonexistent/error.txt"));
    let none = portsleuth(&["diagnose", "--no-scan"]);
    assert_eq!(none.status.code(), Some(2));
    stderr_line(&none);
    let bad_flag = portsleuth(&["diagnose", "--format", "pdf"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn invalid_utf8_is_read_as_windows_1252_with_a_note() {
    let mut bytes = b"nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use) \x93caf\xe9\x94\n".to_vec();
    bytes.extend_from_slice(b"more\n");
    let v = json(&with_stdin(
        &["diagnose", "--no-scan", "--format", "json", "-"],
        &bytes,
    ));
    assert_eq!(v["findings"][0]["category"], "port_conflict");
    assert!(v["input"]["note"]
        .as_str()
        .expect("note")
        .contains("Windows-1252"));
}

#[test]
fn a_50_mb_log_is_read_and_answered() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("big.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
    let line = "2026-11-26 10:00:00 INFO  request handled in 3 ms: GET /index.html 200\n";
    for _ in 0..(50 << 20) / line.len() {
        f.write_all(line.as_bytes()).expect("write");
    }
    f.write_all(
        b"2026-11-26 10:00:01 [emerg] bind() to 0.0.0.0:8080 failed (98: Address already in use)\n",
    )
    .expect("write");
    drop(f);
    let v = json(&portsleuth(&[
        "diagnose",
        "--no-scan",
        "--format",
        "json",
        "--text-file",
        file.to_str().expect("path"),
    ]));
    assert_eq!(v["findings"][0]["category"], "port_conflict");
    assert_eq!(
        v["input"]["truncated"], true,
        "the report keeps a bounded copy of the text"
    );
}

#[test]
fn nothing_recognisable_is_unknown_with_exit_0() {
    let v = json(&portsleuth(&[
        "diagnose",
        "--no-scan",
        "--format",
        "json",
        "--text",
        "The quick brown fox jumps over the lazy dog.",
    ]));
    assert_eq!(v["findings"][0]["category"], "unknown");
    assert_eq!(v["findings"].as_array().expect("list").len(), 1);
}

#[test]
fn kb_check_names_file_line_and_problem_of_a_broken_rule() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "[[rule]]\nid = \"mine\"\ntitle = \"t\"\ncategory = \"firewall\"\ncause = \"c\"\nany = [\"winsock:10060\", \"colour:red\"]\nbase = 0.4\n",
    )
    .expect("write");
    let out = portsleuth(&["kb", "check", dir.path().to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("mine.toml:1: rule 'mine': any: unknown matcher 'colour:'"),
        "{text}"
    );
    let ok = portsleuth(&["kb", "check"]);
    assert!(
        ok.status.success(),
        "the built-in knowledge base is valid: {}",
        String::from_utf8_lossy(&ok.stdout)
    );
}

#[test]
fn a_user_rule_folder_adds_a_rule_that_wins() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("site.toml"),
        "[[rule]]\nid = \"our-proxy-on-8081\"\ntitle = \"Our build proxy holds 8081\"\ncategory = \"port_conflict\"\ncause = \"The site build proxy listens on 8081.\"\nall = [\"port:8081\"]\nbase = 0.97\n",
    )
    .expect("write");
    let v = json(&portsleuth(&[
        "--kb",
        dir.path().to_str().expect("path"),
        "diagnose",
        "--no-scan",
        "--format",
        "json",
        "--text",
        "listen tcp :8081: bind: address already in use",
    ]));
    assert_eq!(v["findings"][0]["rule_id"], "our-proxy-on-8081");
    let listed = portsleuth(&["--kb", dir.path().to_str().expect("path"), "kb", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("our-proxy-on-8081"));
}

#[test]
fn decode_explains_codes_in_any_spelling() {
    let out = portsleuth(&[
        "decode",
        "0x800CCC92",
        "WinError 10048",
        "Errno 48 Address already in use",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("IXP_E_POP3_INVALID_PASSWORD"));
    assert!(text.contains("WSAEADDRINUSE"));
    assert!(
        text.contains("EADDRINUSE") && text.contains("[macos]"),
        "{text}"
    );
    let none = portsleuth(&["decode", "hello"]);
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn scan_json_reads_back_into_diagnose() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("dir");
    let snap = dir.path().join("snap.json");
    let out = portsleuth(&[
        "scan",
        "--format",
        "json",
        "--port",
        &port.to_string(),
        "--output",
        snap.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = format!("Error: listen EADDRINUSE: address already in use 127.0.0.1:{port}");
    let v = json(&portsleuth(&[
        "diagnose",
        "--snapshot",
        snap.to_str().expect("path"),
        "--format",
        "json",
        "--text",
        &text,
    ]));
    assert_eq!(v["scanned"], true);
    let holders = v["port_holders"].as_array().expect("holders");
    assert_eq!(
        holders[0]["pids"][0].as_u64(),
        Some(u64::from(std::process::id()))
    );
    let table = portsleuth(&["scan", "--port", &port.to_string()]);
    let t = String::from_utf8_lossy(&table.stdout);
    assert!(
        t.contains(&format!("127.0.0.1:{port}")) && t.contains("LISTEN"),
        "{t}"
    );
    drop(listener);
}
