//! Reading and diagnosing a 10 MB pasted log with the full rule set.
//! Target: at least 200 MB/s on one core. Prints the throughput.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use portsleuth::engine::diagnose::diagnose;
use portsleuth::engine::kb::KnowledgeBase;
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

fn bench(c: &mut Criterion) {
    let reader = Reader::new(KnowledgeBase::builtin());
    let kb = reader.kb();
    let log = ten_mb_log();
    let mb = log.len() as f64 / 1e6;

    // One plain measurement printed as MB/s, independent of criterion's own report.
    let start = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        let s = reader.read(&log);
        std::hint::black_box(diagnose(kb, &log, &s, None));
    }
    let secs = start.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "read + diagnose {mb:.1} MB: {:.1} ms, {:.0} MB/s (target >= 200 MB/s)",
        secs * 1e3,
        mb / secs
    );

    let mut group = c.benchmark_group("read_and_match");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.bench_function("10MB log, full rule set", |b| {
        b.iter(|| {
            let s = reader.read(&log);
            diagnose(kb, &log, &s, None)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
