//! `diagnose --probe` (issue #14): from the user's PC, a read-only probe of the server the
//! text names stands in for a scan of it. Real servers on loopback, reached through
//! `--resolve exch01=127.0.0.1`, and the real binary.

mod common;
mod probe_support;

use probe_support::{assert_only_allowed, closed_port, self_signed, serve, Script};
use serde_json::Value;
use std::process::Command;

fn diagnose_probing(text: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args([
            "diagnose",
            "--text",
            text,
            "--probe",
            "--resolve",
            "exch01=127.0.0.1",
        ])
        .args(["--timeout", "2", "--format", "json"])
        .output()
        .expect("run portsleuth");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn top(r: &Value) -> &Value {
    &r["findings"][0]
}

fn probe_evidence(f: &Value) -> String {
    f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["source"] == "probe")
        .map(|e| e["says"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_real_exchange_answering_makes_it_the_password() {
    let server = serve(Script::Pop3 {
        greeting: "+OK Microsoft Exchange POP3 server version 5.5.2653.23 ready".into(),
        capa: None,
        stls: None,
    });
    let r = diagnose_probing(&common::seed_dialog_for("exch01", server.port));
    assert_only_allowed(&server.seen());
    assert_eq!(r["symptoms"]["servers"][0]["this_machine"], false);
    let probe = &r["probes"][0];
    assert_eq!(probe["host"], "exch01");
    assert_eq!(probe["addr"], "127.0.0.1");
    assert_eq!(probe["connect"]["outcome"], "open");
    assert!(probe["ms"].is_u64());
    assert!(probe["identified"]["product"]
        .as_str()
        .unwrap()
        .contains("Exchange"));
    assert_eq!(top(&r)["category"], "bad_credentials", "{:#}", top(&r));
    assert!(
        probe_evidence(top(&r)).contains("Microsoft Exchange POP3"),
        "{:#}",
        top(&r)
    );
    // The probe decided: no step is left pending.
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["category"] != "undecided"));
}

#[test]
fn a_silent_listener_on_the_mail_port_is_not_the_password() {
    let server = serve(Script::Silent);
    let r = diagnose_probing(&common::seed_dialog_for("exch01", server.port));
    assert!(
        server.seen().lines.is_empty(),
        "the probe sent something to a silent server"
    );
    assert_ne!(top(&r)["category"], "bad_credentials", "{:#}", top(&r));
    assert_eq!(top(&r)["rule_id"], "port-held-by-unexpected-program");
    assert!(
        probe_evidence(top(&r)).contains("sent no greeting"),
        "{:#}",
        top(&r)
    );
}

#[test]
fn a_refused_connection_makes_the_server_unreachable_with_the_refusal_as_evidence() {
    let port = closed_port();
    let text = format!("The connection to the server has failed. Account: 'ann', Server: 'exch01', Protocol: POP3, Port: {port}, Secure(SSL): No, Socket Error: 10061, Error Number: 0x800CCC0E");
    let r = diagnose_probing(&text);
    assert_eq!(r["probes"][0]["connect"]["outcome"], "refused");
    assert_eq!(top(&r)["category"], "server_unreachable", "{:#}", top(&r));
    assert!(probe_evidence(top(&r)).contains("refused"), "{:#}", top(&r));
}

#[test]
fn ssl_off_against_a_tls_only_port_is_the_ssl_mismatch_with_the_certificate() {
    let (_, tls) = self_signed(&["exch01"]);
    let server = serve(Script::Tls {
        config: tls,
        inner: Box::new(Script::Silent),
    });
    let text = format!("Your server has unexpectedly terminated the connection. Account: 'ann', Server: 'exch01', Protocol: POP3, Port: {}, Secure(SSL): No, Error Number: 0x800CCC0F", server.port);
    let r = diagnose_probing(&text);
    assert_eq!(
        r["probes"][0]["tls"]["mode"], "implicit",
        "{:#}",
        r["probes"]
    );
    assert_eq!(
        top(&r)["rule_id"],
        "ssl-off-but-server-speaks-only-tls",
        "{:#}",
        top(&r)
    );
    assert_eq!(top(&r)["category"], "tls_mismatch");
    let said = probe_evidence(top(&r));
    assert!(
        said.contains("certificate for exch01") && said.contains("self-signed"),
        "{said}"
    );
}

#[test]
fn probe_prints_what_answered_and_that_no_password_was_sent() {
    let server = serve(Script::Pop3 {
        greeting: "+OK Dovecot ready.".into(),
        capa: Some(vec!["USER".into(), "UIDL".into()]),
        stls: None,
    });
    let port = server.port;
    let out = Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(["probe", &format!("exch01:{port}"), "--protocol", "pop3"])
        .args(["--resolve", "exch01=127.0.0.1", "--timeout", "2"])
        .output()
        .unwrap();
    assert_only_allowed(&server.seen());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.starts_with(&format!("exch01:{port} answered as")),
        "{text}"
    );
    assert!(text.contains("Dovecot"), "{text}");
    assert!(
        text.contains("sent: CAPA, QUIT (never a user name or password)"),
        "{text}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_portsleuth"))
        .args(["probe", "exch01"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&bad.stderr).lines().count(), 1);
}

#[test]
fn every_report_format_shows_the_probes_and_what_was_sent() {
    for (format, heading) in [
        ("html", "<h2>Probed from here (read-only)</h2>"),
        ("markdown", "### Probed from here (read-only)"),
        ("text", "Probed from here (read-only):"),
    ] {
        let server = serve(Script::Pop3 {
            greeting: "+OK Microsoft Exchange POP3 server version 5.5.2653.23 ready".into(),
            capa: None,
            stls: None,
        });
        let out = Command::new(env!("CARGO_BIN_EXE_portsleuth"))
            .args([
                "diagnose",
                "--text",
                &common::seed_dialog_for("exch01", server.port),
            ])
            .args(["--probe", "--resolve", "exch01=127.0.0.1", "--timeout", "2"])
            .args(["--format", format])
            .output()
            .unwrap();
        assert_only_allowed(&server.seen());
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains(heading), "{format}: {shown}");
        assert!(shown.contains("answered as Microsoft Exchange"), "{format}");
        assert!(shown.contains("never a user name or password"), "{format}");
    }
}
