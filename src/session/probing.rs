//! Which servers and ports to probe for a case, and the probes made: read-only, one connection
//! per port, all at once, within one time budget (`platform::probe`).

use crate::engine::kb::PortSide;
use crate::engine::probe::Probe;
use crate::engine::reader::Symptoms;
use crate::platform::probe::{builtin_banners, probe_all, ProbeProtocol, ProbeRequest};
use std::net::IpAddr;
use std::time::Duration;

/// At most this many servers and ports per server are probed for one text.
const MAX_SERVERS: usize = 4;
const MAX_PORTS: usize = 3;

/// What the user set for probing: `--resolve` overrides and the time budget.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    pub resolve: Vec<(String, IpAddr)>,
    pub timeout: Duration,
}

/// The probes a text calls for: each server it names that is not the scanned machine
/// (`this_machine` is not `true`), on each port a client connected to.
pub fn requests_for(symptoms: &Symptoms, settings: &ProbeSettings) -> Vec<ProbeRequest> {
    let ports: Vec<u16> = symptoms
        .ports_to_check()
        .into_iter()
        .filter(|&p| {
            symptoms
                .ports
                .iter()
                .any(|m| m.port == p && m.side != PortSide::Local)
        })
        .take(MAX_PORTS)
        .collect();
    let protocol = symptoms
        .protocols
        .first()
        .and_then(|p| p.value.parse::<ProbeProtocol>().ok())
        .unwrap_or_default();
    let mut out = Vec::new();
    for server in symptoms
        .servers
        .iter()
        .filter(|s| s.this_machine != Some(true))
        .filter(|s| !crate::engine::diagnose::always_this_machine(&s.value))
        .take(MAX_SERVERS)
    {
        let host = server.value.trim().trim_matches(|c| c == '\'' || c == '"');
        if host.is_empty() || host.contains(['<', '>', ' ']) {
            continue;
        }
        for &port in &ports {
            let mut req = ProbeRequest::new(host, port)
                .with_protocol(protocol)
                .with_timeout(settings.timeout);
            req.resolve.clone_from(&settings.resolve);
            out.push(req);
        }
    }
    out
}

/// Probes them all at once; `on_done` hears of each as it completes.
pub fn run(requests: &[ProbeRequest], on_done: impl Fn(&Probe) + Sync) -> Vec<Probe> {
    if requests.is_empty() {
        return Vec::new();
    }
    probe_all(requests, &builtin_banners(), on_done)
}
