//! PortSleuth's network probe: what really answers on `host:port`, seen from this machine.
//!
//! A probe resolves the name (or takes a `--resolve` override), opens one TCP connection, and
//! holds only the protocol's greeting exchange: POP3 greeting, `CAPA`, `QUIT`; IMAP greeting,
//! `CAPABILITY`, `LOGOUT`; SMTP greeting, `EHLO`, `QUIT`; HTTP `HEAD /`. Where the server
//! offers STARTTLS it upgrades to read the certificate, and it records whether this computer
//! trusts that certificate and why not, instead of failing. The greeting is matched against a
//! banner catalogue (`banners.toml`) to name the program that answered: the real Exchange
//! server, or an antivirus proxy that took its port.
//!
//! What it must never do: send credentials or any command beyond those above, connect more
//! than once per request, or outlive its time budget. Every read and write has a deadline
//! inside [`ProbeRequest::timeout`], name resolution included.

mod catalogue;
mod dialog;

mod request;
mod resolve;
mod run;
mod tls;
mod wire;

use std::thread;

pub use crate::engine::probe::{
    CertificateFacts, Connect, Dns, Identified, Probe, TlsFacts, TlsMode, GREETING_LIMIT,
};
pub use catalogue::{
    builtin_banners, identify, load_banners, BannerPattern, CatalogueError, BUILTIN_BANNERS,
};
pub use request::{parse_resolve, ProbeProtocol, ProbeRequest, DEFAULT_TIMEOUT};

/// Probes one `host:port`. Blocks for at most about `req.timeout`.
pub fn probe(req: &ProbeRequest, catalogue: &[BannerPattern]) -> Probe {
    let trust = tls::Trust::new(&req.extra_roots);
    run::probe_with(req, catalogue, &trust)
}

/// Probes every request at once, one thread each, and returns the results in request order.
/// `on_done` is called (from the probe's thread) as each one finishes, for progress. The
/// whole call takes about as long as the longest `timeout`.
pub fn probe_all(
    reqs: &[ProbeRequest],
    catalogue: &[BannerPattern],
    on_done: impl Fn(&Probe) + Sync,
) -> Vec<Probe> {
    // Requests with the same extra roots share one platform verifier (on Linux, making one
    // reads the system's CA bundle).
    let mut trusts: Vec<(Vec<Vec<u8>>, tls::Trust)> = Vec::new();
    for req in reqs {
        if !trusts.iter().any(|(roots, _)| *roots == req.extra_roots) {
            trusts.push((req.extra_roots.clone(), tls::Trust::new(&req.extra_roots)));
        }
    }
    let trust_for = |req: &ProbeRequest| {
        trusts
            .iter()
            .find(|(roots, _)| *roots == req.extra_roots)
            .map(|(_, trust)| trust)
    };
    let on_done = &on_done;
    thread::scope(|scope| {
        let running: Vec<_> = reqs
            .iter()
            .map(|req| {
                let trust = trust_for(req);
                let spawned = thread::Builder::new()
                    .name(format!("portsleuth-probe-{}:{}", req.host, req.port))
                    .spawn_scoped(scope, move || {
                        let done = match trust {
                            Some(trust) => run::probe_with(req, catalogue, trust),
                            None => probe(req, catalogue),
                        };
                        on_done(&done);
                        done
                    });
                (req, spawned)
            })
            .collect();
        running
            .into_iter()
            .map(|(req, spawned)| {
                let outcome = match spawned {
                    Ok(handle) => handle.join().map_err(|_| "the probe failed unexpectedly"),
                    Err(_) => Err("the probe could not be started (no thread)"),
                };
                outcome.unwrap_or_else(|why| {
                    let failed = failed_probe(req, why);
                    on_done(&failed);
                    failed
                })
            })
            .collect()
    })
}

fn failed_probe(req: &ProbeRequest, why: &str) -> Probe {
    Probe {
        host: req.host.clone(),
        addr: None,
        port: req.port,
        protocol: req.protocol.name().to_string(),
        dns: Dns::Error {
            detail: why.to_string(),
        },
        connect: Connect::NotAttempted,
        ms: 0,
        greeting: None,
        capabilities: Vec::new(),
        identified: None,
        tls: None,
        sent: Vec::new(),
        notes: vec![why.to_string()],
    }
}
