//! `portsleuth triage` on generated fleets: real snapshot files in a temp folder, the real
//! binary, exact counts per cause and holder, hostile and broken files listed with reasons,
//! and the same bytes on every run.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SEED: &str = "There was a problem logging onto your mail server. Your Password was\r\nrejected. Account: 'alias on EXCH01', Server: 'exch01', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port 110, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92\r\n";

fn portsleuth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .expect("run portsleuth")
}

/// What holds port 110 on a generated host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    /// Norton's POP3 proxy.
    PoProxy,
    /// The mail server itself.
    Dovecot,
    /// Nothing.
    Nobody,
    /// A process the scan could not see (not elevated).
    Unseen,
}

const HOLDER_PID: u32 = 4711;

impl Holder {
    /// The mix of a thousand hosts: 3 in 10 PoProxy, 4 dovecot, 2 nobody, 1 unseen.
    fn of(i: usize) -> Holder {
        match i % 10 {
            0..=2 => Holder::PoProxy,
            3..=6 => Holder::Dovecot,
            7 | 8 => Holder::Nobody,
            _ => Holder::Unseen,
        }
    }

    fn program(self) -> Option<&'static str> {
        match self {
            Holder::PoProxy => Some("PoProxy.exe"),
            Holder::Dovecot => Some("dovecot"),
            Holder::Nobody | Holder::Unseen => None,
        }
    }
}

/// A PC-sized snapshot: about 200 sockets in 60 processes, one of them (maybe) on port 110.
fn snapshot(host: &str, holder: Holder, holders_on_110: usize) -> String {
    let mut s = String::with_capacity(48 * 1024);
    let elevated = holder != Holder::Unseen;
    let warnings = if elevated {
        "[]"
    } else {
        r#"[{"what":"other users' sockets show no owner","remedy":"run the scan as root"}]"#
    };
    let _ = write!(
        s,
        r#"{{"schema":"portsleuth.snapshot/1","taken_at":"2026-12-01T10:00:00Z","host":{{"hostname":{},"os":"Windows","os_version":"10","elevated":{elevated},"user":"tech"}},"limited_to_ports":[],"socket_source":"iphlpapi","sockets":["#,
        serde_json::to_string(host).expect("json")
    );
    let mut first = true;
    let mut sock = |s: &mut String, text: String| {
        if !first {
            s.push(',');
        }
        first = false;
        s.push_str(&text);
    };
    for _ in 0..holders_on_110 {
        match holder {
            Holder::PoProxy | Holder::Dovecot => sock(&mut s, format!(r#"{{"transport":"tcp","local_addr":"0.0.0.0","local_port":110,"state":"LISTEN","pids":[{HOLDER_PID}]}}"#)),
            Holder::Unseen => sock(&mut s, r#"{"transport":"tcp","local_addr":"0.0.0.0","local_port":110,"state":"LISTEN","pids":[]}"#.to_owned()),
            Holder::Nobody => {}
        }
    }
    for i in 0..199u32 {
        let pid = 1000 + i % 60;
        let text = if i % 4 == 0 {
            format!(
                r#"{{"transport":"tcp","local_addr":"0.0.0.0","local_port":{},"state":"LISTEN","pids":[{pid}]}}"#,
                20000 + i
            )
        } else {
            format!(
                r#"{{"transport":"tcp","local_addr":"10.0.0.5","local_port":{},"remote_addr":"192.0.2.{}","remote_port":443,"state":"ESTABLISHED","pids":[{pid}]}}"#,
                40000 + i,
                i % 250
            )
        };
        sock(&mut s, text);
    }
    s.push_str(r#"],"processes":["#);
    for i in 0..60u32 {
        let _ = write!(
            s,
            r#"{{"pid":{},"name":"app{i}.exe","exe_name":"app{i}.exe","exe":"C:\\Program Files\\App{i}\\app{i}.exe","cmd":["app{i}.exe","--serve"],"user":"tech","start_time":{}}},"#,
            1000 + i,
            1_764_000_000 + i
        );
    }
    let holder_process = holder.program().map_or(String::new(), |exe| {
        format!(r#"{{"pid":{HOLDER_PID},"name":"{exe}","exe_name":"{exe}","cmd":["{exe}"],"user":"SYSTEM","start_time":1764000999}},"#)
    });
    s.push_str(&holder_process);
    s.push_str(r#"{"pid":4,"name":"System","exe_name":"System","start_time":1764000000}],"#);
    let _ = write!(s, r#""services":[],"products":[],"warnings":{warnings}}}"#);
    s
}

/// The top finding `diagnose --snapshot` gives one snapshot: what the triage must agree with.
fn diagnosed(dir: &Path, text: &Path, holder: Holder) -> (String, String) {
    let file = dir.join(format!("one-{holder:?}.json"));
    std::fs::write(&file, snapshot("sample", holder, 1)).expect("write");
    let out = portsleuth(&[
        "diagnose",
        "--text-file",
        text.to_str().expect("utf-8"),
        "--snapshot",
        file.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let top = &v["findings"][0];
    (
        top["category"].as_str().expect("category").to_owned(),
        top["rule_id"].as_str().expect("rule").to_owned(),
    )
}

fn triage(text: &Path, dir: &Path, format: &str) -> Output {
    portsleuth(&[
        "triage",
        "--text-file",
        text.to_str().expect("utf-8"),
        "--snapshots",
        dir.to_str().expect("utf-8"),
        "--format",
        format,
    ])
}

/// A fleet folder: 1,000 generated hosts, and what fleet folders also hold — broken, foreign
/// and crafted files, notes, a link, and a host named with markup and a terminal escape.
fn make_fleet(work: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let text = work.join("error.txt");
    std::fs::write(&text, SEED).expect("text");
    let fleet = work.join("fleet");
    std::fs::create_dir(&fleet).expect("dir");
    for i in 0..1000 {
        let host = format!("pc-{i:04}");
        let folder = fleet.join(&host);
        std::fs::create_dir(&folder).expect("dir");
        std::fs::write(
            folder.join("snapshot.json"),
            snapshot(&host, Holder::of(i), 1),
        )
        .expect("write");
    }
    // What a fleet folder also holds: broken, foreign and crafted files, and notes.
    let bad = fleet.join("zz-bad");
    std::fs::create_dir(&bad).expect("dir");
    let whole = snapshot("cut", Holder::PoProxy, 1);
    std::fs::write(bad.join("truncated.json"), &whole[..whole.len() / 2]).expect("write");
    std::fs::write(
        bad.join("foreign.json"),
        r#"{"schema":"acme.inventory/3","machines":[]}"#,
    )
    .expect("write");
    std::fs::write(bad.join("garbage.json"), [0u8, 159, 146, 150, 0, 1, 2, 255]).expect("write");
    std::fs::write(
        bad.join("flood.json"),
        snapshot("flood", Holder::PoProxy, 5000),
    )
    .expect("write");
    std::fs::write(bad.join("notes.txt"), "not a snapshot, not read").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(fleet.join("pc-0000/snapshot.json"), bad.join("link.json"))
        .expect("link");
    // A host whose name is markup and a terminal escape: diagnosed, shown inert.
    std::fs::write(
        fleet.join("zz-hostile.json"),
        snapshot(
            "zz <img src=x onerror=alert(1)>\u{1b}[2J",
            Holder::Dovecot,
            1,
        ),
    )
    .expect("write");

    (text, fleet)
}

/// Checks every generated host's holder of 110 and top cause, and the summary's counts.
fn check_hosts(t: &Value, expected_top: &BTreeMap<Holder, (String, String)>) {
    let hosts = t["hosts"].as_array().expect("hosts");
    let mut want_count: BTreeMap<String, usize> = BTreeMap::new();
    let mut holder_count: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in hosts.iter().take(1000).enumerate() {
        let holder = Holder::of(i);
        assert_eq!(h["host"], format!("pc-{i:04}"));
        assert_eq!(h["file"], format!("pc-{i:04}/snapshot.json"));
        let (category, rule) = &expected_top[&holder];
        assert_eq!(h["top"]["category"], category.as_str(), "{h}");
        assert_eq!(h["top"]["rule_id"], rule.as_str(), "{h}");
        *want_count.entry(category.clone()).or_default() += 1;
        let held = h["holders"].as_array().expect("holders");
        assert_eq!(held.len(), 1, "{h}");
        assert_eq!(held[0]["port"], 110);
        assert_eq!(h["elevated"], holder != Holder::Unseen);
        match holder.program() {
            Some(exe) => {
                assert_eq!(held[0]["state"], "held");
                assert_eq!(held[0]["program"], exe);
                assert_eq!(held[0]["pid"], HOLDER_PID);
            }
            None => {
                let state = if holder == Holder::Unseen {
                    "owner_unseen"
                } else {
                    "free"
                };
                assert_eq!(held[0]["state"], state, "{h}");
                assert!(held[0]["program"].is_null());
            }
        }
        *holder_count
            .entry(held[0]["program"].as_str().unwrap_or("-").to_owned())
            .or_default() += 1;
        assert_eq!(
            h["warnings"].as_array().expect("warnings").len(),
            usize::from(holder == Holder::Unseen)
        );
    }
    assert_eq!(holder_count["PoProxy.exe"], 300);
    assert_eq!(holder_count["dovecot"], 400);
    assert_eq!(holder_count["-"], 300);
    // The hostile host counts as the dovecot host it is.
    *want_count
        .entry(expected_top[&Holder::Dovecot].0.clone())
        .or_default() += 1;
    let summary: BTreeMap<String, (u64, usize)> = t["summary"]
        .as_array()
        .expect("summary")
        .iter()
        .map(|s| {
            (
                s["category"].as_str().expect("c").to_owned(),
                (
                    s["count"].as_u64().expect("n"),
                    s["hosts"].as_array().expect("h").len(),
                ),
            )
        })
        .collect();
    let want: BTreeMap<String, (u64, usize)> = want_count
        .iter()
        .map(|(c, n)| (c.clone(), (*n as u64, *n)))
        .collect();
    assert_eq!(summary, want);
    assert_eq!(summary["av_mail_proxy"].0, 300);
}

/// Checks that each bad file is listed with its reason, by its name.
fn check_skipped(t: &Value, work: &Path) {
    let skipped: Vec<(String, String)> = t["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["file"].as_str().expect("f").to_owned(),
                s["reason"].as_str().expect("r").to_owned(),
            )
        })
        .collect();
    let reason = |file: &str| {
        skipped
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{file} is not listed as skipped: {skipped:?}"))
    };
    assert!(reason("zz-bad/truncated.json").contains("cut short"));
    assert!(reason("zz-bad/foreign.json").contains("acme.inventory/3"));
    assert!(reason("zz-bad/garbage.json").contains("not text"));
    assert!(reason("zz-bad/flood.json").contains("5000 sockets hold port 110"));
    #[cfg(unix)]
    assert!(reason("zz-bad/link.json").contains("link"));
    assert!(
        skipped
            .iter()
            .all(|(f, r)| !f.contains(work.to_str().expect("p"))
                && !r.contains(work.to_str().expect("p"))),
        "files are named by their names: {skipped:?}"
    );
    assert_eq!(skipped.len(), if cfg!(unix) { 5 } else { 4 }, "{skipped:?}");
}

#[test]
fn a_thousand_snapshots_give_exact_counts_per_cause_and_holder_and_the_same_bytes_twice() {
    let dir = tempfile::tempdir().expect("dir");
    let work = dir.path();
    let (text, fleet) = make_fleet(work);
    let mut expected_top = BTreeMap::new();
    for h in [
        Holder::PoProxy,
        Holder::Dovecot,
        Holder::Nobody,
        Holder::Unseen,
    ] {
        expected_top.insert(h, diagnosed(work, &text, h));
    }
    assert_eq!(
        expected_top[&Holder::PoProxy].0,
        "av_mail_proxy",
        "{expected_top:?}"
    );

    let started = std::time::Instant::now();
    let first = triage(&text, &fleet, "json");
    let took = started.elapsed();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    eprintln!("triage of 1,001 snapshots (debug build): {took:?}");
    let second = triage(&text, &fleet, "json");
    assert_eq!(first.stdout, second.stdout, "two runs give the same bytes");

    let t: Value = serde_json::from_slice(&first.stdout).expect("json");
    assert_eq!(t["schema"], "portsleuth.triage/1");
    let hosts = t["hosts"].as_array().expect("hosts");
    assert_eq!(hosts.len(), 1001);
    let names: Vec<&str> = hosts
        .iter()
        .map(|h| h["host"].as_str().expect("host"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "hosts are sorted");

    check_hosts(&t, &expected_top);
    check_skipped(&t, work);
    // HTML: one page, the hostile name inert; same bytes twice.
    let html = triage(&text, &fleet, "html");
    assert_eq!(html.status.code(), Some(0));
    let page = String::from_utf8(html.stdout).expect("utf-8");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!page.contains("<img") && !page.contains("<script") && !page.contains('\u{1b}'));
    assert_eq!(page.matches("<tr style=").count(), 1001);
}

#[test]
fn text_and_csv_name_each_host_its_holder_and_the_unelevated_mark() {
    let work = tempfile::tempdir().expect("dir");
    let text = work.path().join("error.txt");
    std::fs::write(&text, SEED).expect("text");
    let a = work.path().join("a.json");
    let b = work.path().join("b.json");
    std::fs::write(&a, snapshot("mail-1", Holder::PoProxy, 1)).expect("write");
    std::fs::write(&b, snapshot("=HYPERLINK(\"x\")", Holder::Unseen, 1)).expect("write");
    let missing = work.path().join("missing.json");
    let files = [&a, &b, &missing].map(|p| p.to_str().expect("utf-8").to_owned());
    let run = |format: &str, out: Option<&Path>| {
        let mut args = vec![
            "triage",
            "--text-file",
            text.to_str().expect("p"),
            "--format",
            format,
        ];
        if let Some(out) = out {
            args.extend(["--output", out.to_str().expect("p")]);
        }
        args.extend(files.iter().map(String::as_str));
        portsleuth(&args)
    };
    let out = run("text", None);
    assert_eq!(out.status.code(), Some(0));
    let text_out = String::from_utf8_lossy(&out.stdout);
    assert!(text_out.contains("mail-1"), "{text_out}");
    assert!(
        text_out.contains(&format!("port 110: PoProxy.exe (PID {HOLDER_PID})")),
        "{text_out}"
    );
    assert!(
        text_out.contains("[scanned without elevation]"),
        "{text_out}"
    );
    assert!(
        text_out.contains("missing.json: cannot open it"),
        "{text_out}"
    );

    let csv_file = work.path().join("fleet.csv");
    let out = run("csv", Some(&csv_file));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&csv_file).expect("written");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("host,file,elevated,category,rule_id,confidence,holders"));
    assert!(
        lines[1].starts_with("\"'=HYPERLINK(\"\"x\"\")\""),
        "a formula is made inert: {csv}"
    );
    assert!(lines[2].starts_with("mail-1,"), "{csv}");
    // An existing file is replaced only with --force.
    let again = run("csv", Some(&csv_file));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn a_snapshots_path_that_is_not_a_folder_is_a_usage_error() {
    let work = tempfile::tempdir().expect("dir");
    let text = work.path().join("error.txt");
    std::fs::write(&text, SEED).expect("text");
    let out = triage(&text, &work.path().join("nowhere"), "text");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a folder") && err.lines().count() == 1,
        "{err}"
    );
}
