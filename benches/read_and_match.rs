//! The reader and the rules on big inputs, in-process. Each figure is printed with a baseline
//! measured in the same run on the same machine:
//!
//! - a 10 MB busy log, read and diagnosed: MB/s, target ≥ 500 MB/s; baseline: counting its
//!   lines (one `memchr` pass, the least any reader must do);
//! - one 10 MB line holding 20,000 `Port 110` mentions against the same text split into lines:
//!   target within 2× (the reader stays linear whatever the line structure);
//! - 20,000 user rules loaded on top of the built-in knowledge base: target ≤ 1 s; baseline:
//!   the built-in knowledge base alone.
//!
//! `cargo bench --bench read_and_match`. Each measurement is the best of a few rounds.

use portsleuth::engine::diagnose::diagnose;
use portsleuth::engine::kb::{KbSource, KnowledgeBase};
use portsleuth::engine::reader::Reader;
use std::time::Instant;

/// A realistic busy server log: mostly ordinary lines, with bind failures, mail errors and
/// Event Viewer entries scattered through it.
fn ten_mb_log() -> String {
    let ordinary = [
        "2026-11-26 10:00:01,123 INFO  [http-nio-8080-exec-4] c.e.web.Controller - GET /api/orders?id=42 200 in 12 ms\n",
        "Nov 26 10:00:02 mail01 postfix/smtpd[2211]: connect from unknown[203.0.113.7]\n",
        "192.0.2.10 - - [26/Nov/2026:10:00:03 +0000] \"GET /index.html HTTP/1.1\" 200 5123 \"-\" \"Mozilla/5.0\"\n",
        "2026-11-26T10:00:04Z DEBUG worker 3 picked job 918273 from queue default (attempt 1)\n",
        "Nov 26 10:00:05 mail01 dovecot: imap-login: Login: user=<ann>, method=PLAIN, rip=192.0.2.4, lip=192.0.2.1, mpid=4412, TLS\n",
        "    at com.example.service.OrderService.load(OrderService.java:118)\n",
    ];
    let errors = [
        "2026/11/26 10:00:06 [emerg] 1234#1234: bind() to 0.0.0.0:80 failed (98: Address already in use)\n",
        "Event Type: Error\nEvent Source: MSExchange Pop3 Interface\nEvent ID: 11508\nDescription:\nAccept clients on POP3 interface failed in function HrRegisterProtocol with error 0x2740.\n",
        "There was a problem logging onto your mail server. Your Password was rejected. Account: 'ann', Server: 'mail', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port: 110, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92\n",
        "java.net.BindException: Address already in use: JVM_Bind\n",
    ];
    let mut out = String::with_capacity(10 << 20);
    let mut i = 0usize;
    while out.len() < 10 << 20 {
        out.push_str(ordinary[i % ordinary.len()]);
        if i % 997 == 0 {
            out.push_str(errors[(i / 997) % errors.len()]);
        }
        i += 1;
    }
    out
}

/// 20,000 "Port 110" mentions in 10 MB of filler words, as `sep`-separated pieces.
fn port_mentions(sep: &str) -> String {
    let filler = "the quick brown fox jumps over the lazy dog while the server keeps running ";
    let mut out = String::with_capacity(10 << 20);
    let per = (10 << 20) / 20_000;
    for i in 0..20_000 {
        out.push_str("Port 110 refused connection");
        while out.len() < (i + 1) * per {
            out.push_str(filler);
        }
        out.push_str(sep);
    }
    out
}

fn best<T>(rounds: u32, mut f: impl FnMut() -> T) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn user_rules(n: usize) -> KbSource {
    let mut text = String::with_capacity(n * 200);
    for i in 0..n {
        text.push_str(&format!(
            "[[rule]]\nid = \"user-rule-{i}\"\ntitle = \"Rule {i}\"\ncategory = \"port_conflict\"\ncause = \"Cause {i}.\"\nany = [\"winsock:10048\", 'text:/service {i} failed/']\nbase = 0.3\n\n"
        ));
    }
    KbSource {
        name: "user/rules.toml".into(),
        text: text.into(),
        builtin: false,
    }
}

fn main() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let kb = reader.kb();

    let log = ten_mb_log();
    let mb = log.len() as f64 / 1e6;
    let lines = best(5, || log.as_bytes().iter().filter(|&&b| b == b'\n').count());
    let rounds = if std::env::var_os("PORTSLEUTH_BENCH_ONLY_LOG").is_some() {
        50
    } else {
        5
    };
    let full = best(rounds, || {
        let s = reader.read(&log);
        diagnose(kb, &log, &s, None)
    });
    println!(
        "10 MB log, read + diagnose: {:.1} ms = {:.0} MB/s (target >= 500 MB/s); baseline, counting its lines: {:.0} MB/s",
        full * 1e3,
        mb / full,
        mb / lines
    );

    if std::env::var_os("PORTSLEUTH_BENCH_ONLY_LOG").is_some() {
        return;
    }
    let one_line = port_mentions(" ");
    let split = port_mentions("\n");
    let t_one = best(3, || {
        let s = reader.read(&one_line);
        diagnose(kb, &one_line, &s, None)
    });
    let t_split = best(3, || {
        let s = reader.read(&split);
        diagnose(kb, &split, &s, None)
    });
    println!(
        "one 10 MB line with 20,000 'Port 110': {:.0} ms; baseline, the same text in 20,000 lines: {:.0} ms; ratio {:.2}x (target <= 2x)",
        t_one * 1e3,
        t_split * 1e3,
        t_one / t_split
    );

    let builtin = KbSource::builtin();
    let mut with_users = builtin.clone();
    with_users.push(user_rules(20_000));
    let t_builtin = best(3, || KnowledgeBase::load(&builtin));
    let t_users = best(3, || KnowledgeBase::load(&with_users));
    println!(
        "loading 20,000 user rules: {:.0} ms (target <= 1000 ms); baseline, the built-in knowledge base alone: {:.1} ms",
        (t_users - t_builtin) * 1e3,
        t_builtin * 1e3
    );
}
