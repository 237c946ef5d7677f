//! The real resolver's answers, told apart: "no such name" (NXDOMAIN), "no address" (NODATA),
//! "the resolver failed" (SERVFAIL) and "no answer" (silence), each from getaddrinfo itself.
//!
//! The machine's own resolver may be anywhere, so this test never asks it. On Linux it runs
//! itself again inside a new user, network and mount namespace (`unshare -rnm`): there the only
//! network is a loopback interface, /etc/resolv.conf is replaced (in that namespace only) by one
//! naming 127.0.0.1, and a small DNS server of the test's own answers on 127.0.0.1:53. No query
//! can leave the namespace. Where `unshare` is not allowed the test says SKIPPED.

mod probe_support;

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use portsleuth::platform::probe::{
    builtin_banners, probe, Connect, Dns, ProbeProtocol, ProbeRequest,
};

const INSIDE: &str = "PORTSLEUTH_PROBE_SEALED_NAMESPACE";
const TEST_NAME: &str = "getaddrinfo_codes_in_a_sealed_network_namespace";

#[test]
fn getaddrinfo_codes_in_a_sealed_network_namespace() {
    if !cfg!(target_os = "linux") {
        eprintln!("SKIPPED: network namespaces are Linux only");
        return;
    }
    if std::env::var_os(INSIDE).is_some() {
        inside();
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let ran = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "--mount", "--"])
        .arg(&exe)
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output();
    let output = match ran {
        Ok(output) => output,
        Err(e) => {
            eprintln!("SKIPPED: unshare could not be run: {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && stderr.starts_with("unshare:") {
        eprintln!(
            "SKIPPED: this machine does not allow namespaces: {}",
            stderr.trim()
        );
        return;
    }
    println!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the run inside the namespace failed:\n{stdout}\n{stderr}"
    );
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

fn inside() {
    // Only loopback may exist here; anything else means this is not the sealed namespace.
    let devices = std::fs::read_to_string("/proc/net/dev").expect("/proc/net/dev");
    let names: Vec<&str> = devices
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(names, ["lo"], "not a sealed namespace");
    run("ip", &["link", "set", "lo", "up"]);

    let dir = std::env::temp_dir().join(format!("portsleuth-resolver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let resolv = dir.join("resolv.conf");
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    )
    .expect("write");
    let nsswitch = dir.join("nsswitch.conf");
    std::fs::write(&nsswitch, "hosts: files dns\n").expect("write");
    // Bind mounts in this mount namespace only; the machine's files are untouched.
    run(
        "mount",
        &["--bind", resolv.to_str().expect("path"), "/etc/resolv.conf"],
    );
    run(
        "mount",
        &[
            "--bind",
            nsswitch.to_str().expect("path"),
            "/etc/nsswitch.conf",
        ],
    );

    let socket = UdpSocket::bind("127.0.0.1:53").expect("bind 127.0.0.1:53 in the namespace");
    #[allow(clippy::disallowed_methods)] // the test's DNS server stands for another machine
    std::thread::spawn(move || answer_queries(socket));

    let catalogue = builtin_banners();
    let greeter = probe_support::serve(probe_support::Script::Pop3 {
        greeting: "+OK The Microsoft Exchange POP3 service is ready.".into(),
        capa: None,
        stls: None,
    });
    let found = probe(
        &ProbeRequest::new("exch01.portsleuth.test", greeter.port)
            .with_protocol(ProbeProtocol::Pop3),
        &catalogue,
    );
    greeter.seen();
    assert_eq!(
        found.dns,
        Dns::Resolved {
            addresses: vec!["127.0.0.1".into()]
        }
    );
    assert_eq!(found.connect, Connect::Open);
    assert_eq!(
        found.identified.map(|i| i.program_id),
        Some("exchange-pop3".into())
    );

    let ask = |name: &str, budget: Duration| {
        let started = Instant::now();
        let found = probe(
            &ProbeRequest::new(name, 110).with_timeout(budget),
            &catalogue,
        );
        assert_eq!(found.connect, Connect::NotAttempted, "{name}");
        println!("{name}: {:?} after {:?}", found.dns, started.elapsed());
        (found.dns, started.elapsed())
    };

    let (dns, _) = ask("nosuch.portsleuth.test", Duration::from_secs(3));
    assert!(matches!(dns, Dns::NotFound { .. }), "NXDOMAIN: {dns:?}");

    let (dns, _) = ask("noaddress.portsleuth.test", Duration::from_secs(3));
    assert!(
        matches!(&dns, Dns::NoAnswer { detail } if detail.contains("no address records")),
        "NODATA: {dns:?}"
    );

    let (dns, _) = ask("servfail.portsleuth.test", Duration::from_secs(3));
    assert!(matches!(dns, Dns::NoAnswer { .. }), "SERVFAIL: {dns:?}");

    // A resolver that never answers: the probe stops waiting at its budget, well before
    // getaddrinfo's own timeout (1 s here, 5 s × 2 by default).
    let (dns, took) = ask("silent.portsleuth.test", Duration::from_millis(400));
    assert!(
        matches!(&dns, Dns::NoAnswer { detail } if detail.contains("within 0.4 s")),
        "silence: {dns:?}"
    );
    assert!(took < Duration::from_millis(700), "took {took:?}");
}

/// A DNS server for the names above, on UDP.
fn answer_queries(socket: UdpSocket) {
    let mut buf = [0u8; 1500];
    while let Ok((n, from)) = socket.recv_from(&mut buf) {
        if let Some(reply) = reply_to(&buf[..n]) {
            let _ = socket.send_to(&reply, from);
        }
    }
}

fn reply_to(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // The question: labels, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question = query.get(12..at + 4)?;
    let name = labels.join(".");

    const A: u16 = 1;
    let (rcode, address): (u8, Option<[u8; 4]>) = match name.as_str() {
        "exch01.portsleuth.test" if qtype == A => (0, Some([127, 0, 0, 1])),
        "exch01.portsleuth.test" | "noaddress.portsleuth.test" => (0, None),
        "nosuch.portsleuth.test" => (3, None),
        "servfail.portsleuth.test" => (2, None),
        "silent.portsleuth.test" => return None,
        _ => (5, None),
    };
    let mut reply = Vec::new();
    reply.extend_from_slice(&query[..2]);
    let rd = query[2] & 0x01;
    reply.push(0x80 | 0x04 | rd); // QR, AA, RD as asked
    reply.push(0x80 | rcode); // RA, RCODE
    reply.extend_from_slice(&1u16.to_be_bytes());
    reply.extend_from_slice(&u16::from(address.is_some()).to_be_bytes());
    reply.extend_from_slice(&0u16.to_be_bytes());
    reply.extend_from_slice(&0u16.to_be_bytes());
    reply.extend_from_slice(question);
    if let Some(ip) = address {
        reply.extend_from_slice(&[0xC0, 0x0C]); // the name, by pointer to the question
        reply.extend_from_slice(&A.to_be_bytes());
        reply.extend_from_slice(&1u16.to_be_bytes()); // IN
        reply.extend_from_slice(&60u32.to_be_bytes());
        reply.extend_from_slice(&4u16.to_be_bytes());
        reply.extend_from_slice(&ip);
    }
    Some(reply)
}
