//! The probe against real servers on loopback: greetings, identification, STARTTLS and
//! implicit TLS, certificates, refused and silent ports, overrides, and what was sent.

mod probe_support;

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use portsleuth::platform::probe::{
    builtin_banners, probe, probe_all, Connect, Dns, Probe, ProbeProtocol, ProbeRequest, TlsMode,
};
use probe_support::{assert_only_allowed, closed_port, self_signed, serve, Script, TestCa};

fn loopback() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

fn request(port: u16, protocol: ProbeProtocol) -> ProbeRequest {
    ProbeRequest::new("127.0.0.1", port).with_protocol(protocol)
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Windows' own chain engine with extra roots needs Windows 8 or later; Wine does not have
/// it and says "Invalid parameter". The probe then says it could not tell (`trusted: None`).
fn extra_roots_unsupported(cert: &portsleuth::platform::probe::CertificateFacts) -> bool {
    let unsupported = cfg!(windows)
        && cert.trusted.is_none()
        && cert
            .trust_error
            .as_deref()
            .is_some_and(|e| e.contains("verifier is unavailable"));
    if unsupported {
        eprintln!(
            "NOTE: this Windows cannot add extra roots: {:?}",
            cert.trust_error
        );
    }
    unsupported
}

fn has_note(probe: &Probe, part: &str) -> bool {
    probe.notes.iter().any(|n| n.contains(part))
}

fn exchange_pop3() -> Script {
    Script::Pop3 {
        greeting: "+OK The Microsoft Exchange POP3 service is ready.".into(),
        capa: Some(strings(&[
            "TOP",
            "UIDL",
            "SASL NTLM GSSAPI PLAIN",
            "USER",
            "IMPLEMENTATION Microsoft",
        ])),
        stls: None,
    }
}

#[test]
fn exchange_pop3_is_named_from_its_greeting() {
    let server = serve(exchange_pop3());
    let found = probe(
        &request(server.port, ProbeProtocol::Auto),
        &builtin_banners(),
    );
    let seen = server.seen();

    assert_eq!(found.connect, Connect::Open);
    assert_eq!(found.dns, Dns::Literal);
    assert_eq!(found.addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(found.protocol, "pop3");
    assert_eq!(
        found.greeting.as_deref(),
        Some("+OK The Microsoft Exchange POP3 service is ready.")
    );
    let who = found.identified.as_ref().expect("identified");
    assert_eq!(who.program_id, "exchange-pop3");
    assert_eq!(who.kind, "mail_server");
    assert!(found.capabilities.contains(&"USER".to_string()));
    assert_eq!(
        found.tls.as_ref().map(|t| t.mode),
        Some(TlsMode::NoneOffered)
    );
    assert_eq!(found.sent, strings(&["CAPA", "QUIT"]));
    assert_eq!(seen.commands, strings(&["CAPA", "QUIT"]));
    assert_only_allowed(&seen);
}

#[test]
fn an_antivirus_proxy_on_the_pop3_port_is_named() {
    let server = serve(Script::Pop3 {
        greeting: "+OK avast! POP3 proxy ready.".into(),
        capa: None,
        stls: None,
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Pop3),
        &builtin_banners(),
    );
    let seen = server.seen();

    let who = found.identified.as_ref().expect("identified");
    assert_eq!(who.program_id, "avast-mail-shield");
    assert_eq!(who.kind, "av_mail_proxy");
    assert!(
        has_note(&found, "does not list capabilities"),
        "{:?}",
        found.notes
    );
    assert_eq!(seen.commands, strings(&["CAPA", "QUIT"]));
    assert_only_allowed(&seen);
}

#[test]
fn pop3_stls_is_used_to_read_the_certificate() {
    let (_, tls) = self_signed(&["mail.portsleuth.test", "localhost"]);
    let server = serve(Script::Pop3 {
        greeting: "+OK Dovecot (Ubuntu) ready.".into(),
        capa: Some(strings(&[
            "CAPA",
            "TOP",
            "UIDL",
            "RESP-CODES",
            "PIPELINING",
            "STLS",
            "SASL PLAIN",
        ])),
        stls: Some(tls),
    });
    let req = ProbeRequest::new("mail.portsleuth.test", server.port)
        .with_protocol(ProbeProtocol::Pop3)
        .with_resolve("mail.portsleuth.test", loopback());
    let found = probe(&req, &builtin_banners());
    let seen = server.seen();

    assert_eq!(
        found.dns,
        Dns::Overridden {
            address: "127.0.0.1".into()
        }
    );
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("dovecot")
    );
    let tls = found.tls.as_ref().expect("tls facts");
    assert_eq!(tls.mode, TlsMode::Starttls);
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(tls.handshake_error, None);
    let cert = tls.certificate.as_ref().expect("certificate");
    assert!(cert.self_signed);
    assert_eq!(cert.trusted, Some(false));
    assert!(
        cert.trust_error
            .as_deref()
            .unwrap_or("")
            .contains("does not trust"),
        "{:?}",
        cert.trust_error
    );
    assert!(cert.name_matches);
    assert_eq!(
        cert.dns_names,
        strings(&["mail.portsleuth.test", "localhost"])
    );
    assert_eq!(found.sent, strings(&["CAPA", "STLS", "QUIT"]));
    assert_eq!(seen.commands, strings(&["CAPA", "STLS", "QUIT"]));
    assert_only_allowed(&seen);
}

#[test]
fn imap_starttls_and_logout_inside_tls() {
    let (_, tls) = self_signed(&["imap.portsleuth.test"]);
    let caps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED";
    let server = serve(Script::Imap {
        greeting: format!("* OK [CAPABILITY {caps}] Dovecot ready."),
        capabilities: caps.into(),
        starttls: Some(tls),
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Imap),
        &builtin_banners(),
    );
    let seen = server.seen();

    assert_eq!(found.protocol, "imap");
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("dovecot")
    );
    assert!(found.capabilities.contains(&"LOGINDISABLED".to_string()));
    let tls = found.tls.as_ref().expect("tls facts");
    assert_eq!(tls.mode, TlsMode::Starttls);
    let cert = tls.certificate.as_ref().expect("certificate");
    // Asked for 127.0.0.1, the certificate names imap.portsleuth.test only.
    assert!(!cert.name_matches);
    assert_eq!(
        found.sent,
        strings(&["a1 CAPABILITY", "a2 STARTTLS", "a3 LOGOUT"])
    );
    assert_eq!(
        seen.commands,
        strings(&["CAPABILITY", "STARTTLS", "LOGOUT"])
    );
    assert_only_allowed(&seen);
}

#[test]
fn exchange_smtp_ehlo_lists_auth_but_no_auth_is_sent() {
    let (_, tls) = self_signed(&["exch01.corp.portsleuth.test"]);
    let server = serve(Script::Smtp {
        greeting: strings(&[
            "EXCH01.corp.portsleuth.test Microsoft ESMTP MAIL Service ready at Mon, 5 Aug 2002 10:00:00 +0200",
        ]),
        ehlo: strings(&[
            "EXCH01.corp.portsleuth.test Hello [127.0.0.1]",
            "SIZE 37748736",
            "PIPELINING",
            "STARTTLS",
            "AUTH NTLM LOGIN",
            "8BITMIME",
        ]),
        starttls: Some(tls),
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Smtp),
        &builtin_banners(),
    );
    let seen = server.seen();

    assert_eq!(found.protocol, "smtp");
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("exchange-transport")
    );
    assert!(found.capabilities.contains(&"AUTH NTLM LOGIN".to_string()));
    assert_eq!(found.tls.as_ref().map(|t| t.mode), Some(TlsMode::Starttls));
    assert_eq!(
        found.sent,
        strings(&["EHLO portsleuth.invalid", "STARTTLS", "QUIT"])
    );
    assert_eq!(seen.commands, strings(&["EHLO", "STARTTLS", "QUIT"]));
    assert_only_allowed(&seen);
}

#[test]
fn a_multi_line_smtp_greeting_names_the_proxy_in_front() {
    let server = serve(Script::Smtp {
        greeting: strings(&[
            "InterScan Version 3.32 Ready",
            "mx.portsleuth.test ESMTP Postfix",
        ]),
        ehlo: strings(&["mx.portsleuth.test", "PIPELINING"]),
        starttls: None,
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Auto),
        &builtin_banners(),
    );
    let seen = server.seen();

    assert_eq!(
        found.greeting.as_deref(),
        Some("220-InterScan Version 3.32 Ready\n220 mx.portsleuth.test ESMTP Postfix")
    );
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("trendmicro-interscan")
    );
    assert_eq!(
        found.tls.as_ref().map(|t| t.mode),
        Some(TlsMode::NoneOffered)
    );
    assert_only_allowed(&seen);
}

#[test]
fn http_status_and_server_header_are_read() {
    let server = serve(Script::Http {
        status: "HTTP/1.1 200 OK".into(),
        server: Some("Microsoft-IIS/10.0".into()),
    });
    let port = server.port;
    let found = probe(&request(port, ProbeProtocol::Http), &builtin_banners());
    let seen = server.seen();

    assert_eq!(found.protocol, "http");
    assert_eq!(
        found.greeting.as_deref(),
        Some("HTTP/1.1 200 OK\nServer: Microsoft-IIS/10.0")
    );
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("iis-w3wp")
    );
    assert_eq!(found.tls, None);
    assert_eq!(seen.commands, strings(&["HEAD"]));
    assert!(
        seen.lines.contains(&format!("Host: 127.0.0.1:{port}")),
        "{:?}",
        seen.lines
    );
    assert_only_allowed(&seen);
}

#[test]
fn a_plain_http_server_on_an_unknown_port_answers_the_tls_hello() {
    let server = serve(Script::Http {
        status: "HTTP/1.1 200 OK".into(),
        server: Some("nginx/1.24.0".into()),
    });
    let started = Instant::now();
    let req = request(server.port, ProbeProtocol::Auto).with_timeout(Duration::from_secs(2));
    let found = probe(&req, &builtin_banners());
    let took = started.elapsed();
    let seen = server.seen();

    assert!(seen.tls_hello);
    assert_eq!(found.protocol, "http");
    assert_eq!(
        found.greeting.as_deref(),
        Some("HTTP/1.1 400 Bad Request\nServer: nginx/1.24.0")
    );
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("nginx")
    );
    assert_eq!(found.tls, None);
    assert!(
        has_note(&found, "no greeting within 1 s"),
        "{:?}",
        found.notes
    );
    assert!(has_note(&found, "in plain text"), "{:?}", found.notes);
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert!(seen.commands.is_empty());
}

#[test]
fn a_silent_server_ends_in_no_greeting_within_the_budget() {
    for protocol in [ProbeProtocol::Pop3, ProbeProtocol::Auto] {
        let server = serve(Script::Silent);
        let started = Instant::now();
        let req = request(server.port, protocol).with_timeout(Duration::from_secs(1));
        let found = probe(&req, &builtin_banners());
        let took = started.elapsed();
        let seen = server.seen();

        assert_eq!(found.connect, Connect::Open);
        assert_eq!(found.greeting, None);
        assert!(
            has_note(&found, "no greeting within 0.5 s"),
            "{:?}",
            found.notes
        );
        assert!(
            has_note(&found, "no answer to the TLS hello"),
            "{:?}",
            found.notes
        );
        assert_eq!(found.tls, None);
        assert!(
            took < Duration::from_millis(1500),
            "{protocol}: took {took:?}"
        );
        // The probe tried a TLS hello on the same connection and sent no command.
        assert!(seen.tls_hello);
        assert!(seen.commands.is_empty());
        assert!(found.sent.is_empty());
    }
}

#[test]
fn a_tls_only_listener_shows_a_self_signed_certificate() {
    let (_, tls) = self_signed(&["localhost", "pop.portsleuth.test", "127.0.0.1"]);
    let server = serve(Script::Tls {
        config: tls,
        inner: Box::new(Script::Silent),
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Tls),
        &builtin_banners(),
    );
    let seen = server.seen();

    assert_eq!(found.protocol, "tls");
    let tls = found.tls.as_ref().expect("tls facts");
    assert_eq!(tls.mode, TlsMode::Implicit);
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    assert!(tls.cipher.is_some());
    let cert = tls.certificate.as_ref().expect("certificate");
    assert_eq!(cert.trusted, Some(false));
    assert!(cert.self_signed);
    assert!(!cert.expired);
    assert!(cert.name_matches, "127.0.0.1 is in the IP SANs");
    assert_eq!(
        cert.dns_names,
        strings(&["localhost", "pop.portsleuth.test"])
    );
    assert_eq!(cert.ip_addresses, strings(&["127.0.0.1"]));
    assert_eq!(cert.chain_length, 1);
    assert!(
        cert.not_before.ends_with('Z') && cert.not_after.contains('T'),
        "{cert:?}"
    );
    assert!(found.sent.is_empty());
    assert!(seen.commands.is_empty());
}

#[test]
fn implicit_tls_is_found_when_a_port_stays_silent_in_plain_text() {
    let (_, tls) = self_signed(&["localhost"]);
    let server = serve(Script::Tls {
        config: tls,
        inner: Box::new(Script::Pop3 {
            greeting: "+OK Dovecot ready.".into(),
            capa: Some(strings(&["TOP", "UIDL", "USER"])),
            stls: None,
        }),
    });
    let req = request(server.port, ProbeProtocol::Auto).with_timeout(Duration::from_secs(2));
    let found = probe(&req, &builtin_banners());
    let seen = server.seen();

    assert_eq!(found.protocol, "pop3");
    assert_eq!(found.tls.as_ref().map(|t| t.mode), Some(TlsMode::Implicit));
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("dovecot")
    );
    assert!(
        has_note(&found, "answered a TLS hello"),
        "{:?}",
        found.notes
    );
    assert_eq!(found.sent, strings(&["CAPA", "QUIT"]));
    assert_only_allowed(&seen);
}

#[test]
fn a_chain_to_a_trusted_root_is_trusted_and_a_wrong_name_is_said() {
    let ca = TestCa::new();
    for (asked, trusted, matches) in [
        ("exch01.portsleuth.test", Some(true), true),
        ("mail.other.test", Some(false), false),
    ] {
        let (_, tls) = ca.server(&["exch01.portsleuth.test"], false);
        let server = serve(Script::Tls {
            config: tls,
            inner: Box::new(Script::Silent),
        });
        let mut req = ProbeRequest::new(asked, server.port)
            .with_protocol(ProbeProtocol::Tls)
            .with_resolve(asked, loopback());
        req.extra_roots = vec![ca.der.to_vec()];
        let found = probe(&req, &builtin_banners());
        server.seen();

        let cert = found
            .tls
            .as_ref()
            .and_then(|t| t.certificate.as_ref())
            .expect("certificate");
        assert_eq!(cert.name_matches, matches, "{asked}");
        assert!(!cert.self_signed);
        assert!(
            cert.issuer.contains("CN=PortSleuth Test CA"),
            "{}",
            cert.issuer
        );
        assert_eq!(cert.subject_cn.as_deref(), Some("exch01.portsleuth.test"));
        if extra_roots_unsupported(cert) {
            continue;
        }
        assert_eq!(cert.trusted, trusted, "{asked}: {cert:?}");
        if trusted == Some(true) {
            assert_eq!(cert.trust_error, None);
        } else {
            let why = cert.trust_error.as_deref().unwrap_or("");
            assert!(why.contains("not issued for mail.other.test"), "{why}");
        }
    }
}

#[test]
fn an_expired_certificate_is_said_to_be_expired() {
    let ca = TestCa::new();
    let (_, tls) = ca.server(&["exch01.portsleuth.test"], true);
    let server = serve(Script::Tls {
        config: tls,
        inner: Box::new(Script::Silent),
    });
    let mut req = ProbeRequest::new("exch01.portsleuth.test", server.port)
        .with_protocol(ProbeProtocol::Tls)
        .with_resolve("exch01.portsleuth.test", loopback());
    req.extra_roots = vec![ca.der.to_vec()];
    let found = probe(&req, &builtin_banners());
    server.seen();

    let cert = found
        .tls
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
        .expect("certificate");
    assert!(cert.expired);
    assert_eq!(cert.not_after, "2020-01-01T00:00:00Z");
    if extra_roots_unsupported(cert) {
        return;
    }
    assert_eq!(cert.trusted, Some(false));
    assert!(
        cert.trust_error
            .as_deref()
            .unwrap_or("")
            .contains("expired"),
        "{:?}",
        cert.trust_error
    );
}

#[test]
fn a_closed_port_is_refused() {
    let port = closed_port();
    let found = probe(&request(port, ProbeProtocol::Pop3), &builtin_banners());
    assert_eq!(found.connect, Connect::Refused);
    assert_eq!(found.greeting, None);
    assert_eq!(found.tls, None);
    assert!(found.sent.is_empty());
    assert!(found.ms < 1000);
}

#[test]
fn a_resolve_override_is_used_instead_of_the_resolver() {
    let server = serve(exchange_pop3());
    let req = ProbeRequest::new("EXCH01", server.port)
        .with_protocol(ProbeProtocol::Pop3)
        .with_resolve(
            "exch01",
            portsleuth::platform::probe::parse_resolve("exch01=127.0.0.1")
                .expect("argument")
                .1,
        );
    let found = probe(&req, &builtin_banners());
    let seen = server.seen();

    assert_eq!(
        found.dns,
        Dns::Overridden {
            address: "127.0.0.1".into()
        }
    );
    assert_eq!(found.host, "EXCH01");
    assert_eq!(found.addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        found.identified.as_ref().map(|i| i.program_id.as_str()),
        Some("exchange-pop3")
    );
    assert_only_allowed(&seen);
}

#[test]
fn an_invalid_name_does_not_resolve_and_nothing_is_sent() {
    let started = Instant::now();
    let found = probe(
        &ProbeRequest::new("exch01.portsleuth.invalid", 110),
        &builtin_banners(),
    );
    assert!(matches!(found.dns, Dns::NotFound { .. }), "{:?}", found.dns);
    assert_eq!(found.connect, Connect::NotAttempted);
    assert_eq!(found.addr, None);
    assert!(has_note(&found, "RFC 6761"), "{:?}", found.notes);
    assert!(started.elapsed() < Duration::from_millis(200));
}

/// "localhost" goes through the real resolver, but only when the hosts file answers for it
/// first: then no DNS query can leave the machine.
#[test]
fn localhost_resolves_through_the_hosts_file() {
    let hosts_first = std::fs::read_to_string("/etc/nsswitch.conf")
        .map(|t| {
            t.lines().any(|l| {
                l.trim_start().starts_with("hosts:") && l.split_whitespace().nth(1) == Some("files")
            })
        })
        .unwrap_or(false);
    let listed = std::fs::read_to_string("/etc/hosts")
        .map(|t| {
            t.lines().any(|l| {
                l.split_whitespace().next() == Some("127.0.0.1")
                    && l.split_whitespace().any(|w| w == "localhost")
            })
        })
        .unwrap_or(false);
    if !(cfg!(target_os = "linux") && hosts_first && listed) {
        eprintln!("SKIPPED: localhost is not answered by /etc/hosts first on this machine");
        return;
    }
    let server = serve(exchange_pop3());
    let found = probe(
        &ProbeRequest::new("localhost", server.port).with_protocol(ProbeProtocol::Pop3),
        &builtin_banners(),
    );
    server.seen();
    match &found.dns {
        Dns::Resolved { addresses } => assert!(addresses.contains(&"127.0.0.1".to_string())),
        other => panic!("expected resolved, got {other:?}"),
    }
    assert_eq!(found.connect, Connect::Open);
}

#[test]
fn a_long_greeting_with_control_characters_is_cleaned_and_bounded() {
    let greeting = format!("+OK \x1b[31mhello\x07 {}", "x".repeat(5000));
    let server = serve(Script::Pop3 {
        greeting,
        capa: None,
        stls: None,
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Pop3),
        &builtin_banners(),
    );
    server.seen();
    let shown = found.greeting.expect("greeting");
    assert!(
        shown.len() <= portsleuth::platform::probe::GREETING_LIMIT,
        "{} bytes",
        shown.len()
    );
    assert!(shown.starts_with("+OK [31mhello x"), "{shown}");
    assert!(!shown.chars().any(char::is_control));
}

#[test]
fn probe_all_keeps_request_order_and_reports_each() {
    let pop3 = serve(exchange_pop3());
    let silent = serve(Script::Silent);
    let closed = closed_port();
    let silent_port = silent.port;
    let reqs = vec![
        request(silent.port, ProbeProtocol::Pop3).with_timeout(Duration::from_secs(1)),
        request(closed, ProbeProtocol::Pop3),
        request(pop3.port, ProbeProtocol::Pop3),
        ProbeRequest::new("nowhere.invalid", 110),
    ];
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    let found = probe_all(&reqs, &builtin_banners(), |_| {
        done.fetch_add(1, Ordering::SeqCst);
    });
    let took = started.elapsed();
    pop3.seen();
    silent.seen();

    assert_eq!(done.load(Ordering::SeqCst), 4);
    assert_eq!(found.len(), 4);
    assert_eq!(found[0].port, silent_port);
    assert!(has_note(&found[0], "no greeting"));
    assert_eq!(found[1].connect, Connect::Refused);
    assert_eq!(
        found[2].identified.as_ref().map(|i| i.program_id.as_str()),
        Some("exchange-pop3")
    );
    assert!(matches!(found[3].dns, Dns::NotFound { .. }));
    // Concurrent: the whole batch takes about as long as its slowest probe.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[test]
fn a_probe_round_trips_through_json() {
    let (_, tls) = self_signed(&["localhost"]);
    let server = serve(Script::Pop3 {
        greeting: "+OK Dovecot ready.".into(),
        capa: Some(strings(&["STLS", "USER"])),
        stls: Some(tls),
    });
    let found = probe(
        &request(server.port, ProbeProtocol::Pop3),
        &builtin_banners(),
    );
    server.seen();

    let json = serde_json::to_string_pretty(&found).expect("serialise");
    assert!(json.contains("\"outcome\": \"literal\""), "{json}");
    assert!(json.contains("\"mode\": \"starttls\""), "{json}");
    let back: Probe = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, found);
}

/// Not a benchmark harness: figures for the README. Run with `--nocapture` to see them.
#[test]
fn timing_of_a_loopback_probe() {
    let catalogue = builtin_banners();
    let (_, tls) = self_signed(&["localhost"]);
    type MakeScript = Box<dyn Fn() -> Script>;
    let scripts: [(&str, MakeScript); 2] = [
        ("POP3 greeting, CAPA, QUIT", Box::new(exchange_pop3)),
        (
            "POP3 greeting, CAPA, STLS, TLS 1.3 handshake, certificate check, QUIT",
            Box::new(move || Script::Pop3 {
                greeting: "+OK Dovecot ready.".into(),
                capa: Some(strings(&["STLS"])),
                stls: Some(tls.clone()),
            }),
        ),
    ];
    for (what, script) in &scripts {
        let mut times = Vec::new();
        for _ in 0..20 {
            let server = serve(script());
            let started = Instant::now();
            let found = probe(&request(server.port, ProbeProtocol::Pop3), &catalogue);
            times.push(started.elapsed());
            server.seen();
            assert!(found.identified.is_some());
        }
        times.sort();
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        println!(
            "probe of a loopback greeter ({what}): median {:.2} ms, worst {:.2} ms over {} runs",
            median.as_secs_f64() * 1000.0,
            worst.as_secs_f64() * 1000.0,
            times.len()
        );
        assert!(worst < Duration::from_secs(2), "worst {worst:?}");
    }
}
