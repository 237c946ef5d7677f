//! One probe from start to end: name, connection, conversation, all inside one budget.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::catalogue::BannerPattern;
use super::dialog::Dialog;
use super::request::ProbeRequest;
use super::resolve::{self, seconds, Lookup};
use super::tls::{self, Trust};
use super::wire::Conn;
use crate::engine::probe::{Connect, Dns, Probe};

/// At most this many addresses of one name are tried (IPv6 and IPv4 of a dual-stack host,
/// and one more); each gets an equal share of the time left.
const MAX_ADDRESSES: usize = 3;

pub(crate) fn probe_with(req: &ProbeRequest, catalogue: &[BannerPattern], trust: &Trust) -> Probe {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let host = req
        .host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let mut probe = Probe {
        host: req.host.clone(),
        addr: None,
        port: req.port,
        protocol: match req.protocol {
            super::ProbeProtocol::Auto => "unknown".to_string(),
            other => other.name().to_string(),
        },
        dns: Dns::Literal,
        connect: Connect::NotAttempted,
        ms: 0,
        greeting: None,
        capabilities: Vec::new(),
        identified: None,
        tls: None,
        sent: Vec::new(),
        notes: Vec::new(),
    };

    let addresses = match addresses(req, &host, deadline, &mut probe) {
        Some(addresses) => addresses,
        None => return probe,
    };

    let connect_started = Instant::now();
    let Some((stream, addr)) = connect(&addresses, req.port, deadline, &mut probe) else {
        probe.ms = millis(connect_started.elapsed());
        return probe;
    };
    probe.ms = millis(connect_started.elapsed());
    probe.connect = Connect::Open;
    probe.addr = Some(addr.ip().to_string());
    // Commands are small and answered one at a time: send each at once.
    let _ = stream.set_nodelay(true);

    let name = tls::server_name(&host, addr.ip());
    let conn = Conn::new(stream, deadline);
    Dialog::new(conn, &mut probe, req, catalogue, trust, name, deadline).run();
    probe
}

/// The addresses to try, or `None` when there are none (the probe says why).
fn addresses(
    req: &ProbeRequest,
    host: &str,
    deadline: Instant,
    probe: &mut Probe,
) -> Option<Vec<IpAddr>> {
    if let Some((_, addr)) = req
        .resolve
        .iter()
        .find(|(name, _)| name.trim().eq_ignore_ascii_case(host))
    {
        probe.dns = Dns::Overridden {
            address: addr.to_string(),
        };
        return Some(vec![*addr]);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        probe.dns = Dns::Literal;
        return Some(vec![ip]);
    }
    match resolve::resolve(host, deadline) {
        Lookup::Addresses(found) => {
            probe.dns = Dns::Resolved {
                addresses: found.iter().map(IpAddr::to_string).collect(),
            };
            Some(found)
        }
        Lookup::Failed(dns) => {
            let note = match &dns {
                Dns::NotFound { detail } | Dns::NoAnswer { detail } | Dns::Error { detail } => {
                    detail.clone()
                }
                _ => String::new(),
            };
            if !note.is_empty() {
                probe.notes.push(note);
            }
            probe.dns = dns;
            None
        }
    }
}

/// Connects to the first address that accepts; one connection at most.
fn connect(
    addresses: &[IpAddr],
    port: u16,
    deadline: Instant,
    probe: &mut Probe,
) -> Option<(TcpStream, SocketAddr)> {
    let tried: Vec<&IpAddr> = addresses.iter().take(MAX_ADDRESSES).collect();
    for (i, ip) in tried.iter().enumerate() {
        let addr = SocketAddr::new(**ip, port);
        let left = deadline.saturating_duration_since(Instant::now());
        let share = left / u32::try_from(tried.len() - i).unwrap_or(1);
        probe.addr = Some(ip.to_string());
        if share < Duration::from_millis(1) {
            probe.connect = Connect::TimedOut;
            probe.notes.push("no time was left to connect".into());
            return None;
        }
        match TcpStream::connect_timeout(&addr, share) {
            Ok(stream) => return Some((stream, addr)),
            Err(e) => {
                let outcome = classify_connect_error(&e);
                let said = match &outcome {
                    Connect::Refused => "refused the connection".to_string(),
                    Connect::TimedOut => format!("did not answer within {}", seconds(share)),
                    Connect::Unreachable { detail } | Connect::Error { detail } => detail.clone(),
                    Connect::Open | Connect::NotAttempted => String::new(),
                };
                if tried.len() > 1 {
                    probe.notes.push(format!("{addr}: {said}"));
                }
                probe.connect = outcome;
            }
        }
    }
    None
}

pub(crate) fn classify_connect_error(e: &io::Error) -> Connect {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => Connect::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Connect::TimedOut,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            Connect::Unreachable {
                detail: e.to_string(),
            }
        }
        _ => match e.raw_os_error() {
            // Windows: WSAENETUNREACH, WSAEHOSTUNREACH; Linux ENETUNREACH, EHOSTUNREACH;
            // macOS and the BSDs ENETUNREACH, EHOSTUNREACH.
            Some(10051 | 10065) if cfg!(windows) => Connect::Unreachable {
                detail: e.to_string(),
            },
            Some(101 | 113) if cfg!(target_os = "linux") => Connect::Unreachable {
                detail: e.to_string(),
            },
            Some(51 | 65) if cfg!(target_vendor = "apple") => Connect::Unreachable {
                detail: e.to_string(),
            },
            _ => Connect::Error {
                detail: e.to_string(),
            },
        },
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_are_classified() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify_connect_error(&refused), Connect::Refused);
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(classify_connect_error(&timed_out), Connect::TimedOut);
        let unreachable = io::Error::from(io::ErrorKind::HostUnreachable);
        assert!(matches!(
            classify_connect_error(&unreachable),
            Connect::Unreachable { .. }
        ));
        #[cfg(target_os = "linux")]
        assert!(matches!(
            classify_connect_error(&io::Error::from_raw_os_error(101)),
            Connect::Unreachable { .. }
        ));
    }
}
