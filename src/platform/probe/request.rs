//! What to probe: host, port, protocol, overrides and the time budget.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

/// The dialogue to hold with the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProbeProtocol {
    /// Pick by well-known port (110/995 POP3, 143/993 IMAP, 25/465/587 SMTP, 80/443/8080
    /// HTTP); on any other port, go by what the server says first, and when it says nothing,
    /// try a TLS hello.
    #[default]
    Auto,
    Pop3,
    Imap,
    Smtp,
    Http,
    /// A TLS handshake only: read the certificate and close.
    Tls,
}

impl ProbeProtocol {
    /// The lower-case name used in reports and in the banner catalogue.
    pub fn name(self) -> &'static str {
        match self {
            ProbeProtocol::Auto => "auto",
            ProbeProtocol::Pop3 => "pop3",
            ProbeProtocol::Imap => "imap",
            ProbeProtocol::Smtp => "smtp",
            ProbeProtocol::Http => "http",
            ProbeProtocol::Tls => "tls",
        }
    }
}

impl fmt::Display for ProbeProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ProbeProtocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(ProbeProtocol::Auto),
            "pop3" | "pop" | "pop3s" => Ok(ProbeProtocol::Pop3),
            "imap" | "imap4" | "imaps" => Ok(ProbeProtocol::Imap),
            "smtp" | "smtps" | "submission" => Ok(ProbeProtocol::Smtp),
            "http" | "https" => Ok(ProbeProtocol::Http),
            "tls" | "ssl" => Ok(ProbeProtocol::Tls),
            other => Err(format!(
                "unknown protocol {other:?} (expected auto, pop3, imap, smtp, http or tls)"
            )),
        }
    }
}

/// One `host:port` to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeRequest {
    /// A host name or an address literal (`192.0.2.1`, `::1`, `[::1]`).
    pub host: String,
    pub port: u16,
    pub protocol: ProbeProtocol,
    /// curl-style `--resolve HOST=ADDR` overrides: a matching host (case-insensitive) is not
    /// resolved but connected to at ADDR, while TLS still checks the certificate for HOST.
    pub resolve: Vec<(String, IpAddr)>,
    /// The whole probe's budget, name resolution included.
    pub timeout: Duration,
    /// DER certificates to trust in addition to the platform's roots (a company CA handed to
    /// the technician; tests). Empty by default.
    pub extra_roots: Vec<Vec<u8>>,
}

/// The default budget for one probe.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

impl ProbeRequest {
    /// A request with `Auto` protocol, no overrides and the default 5 s budget.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        ProbeRequest {
            host: host.into(),
            port,
            protocol: ProbeProtocol::Auto,
            resolve: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            extra_roots: Vec::new(),
        }
    }

    pub fn with_protocol(mut self, protocol: ProbeProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_resolve(mut self, host: impl Into<String>, addr: IpAddr) -> Self {
        self.resolve.push((host.into(), addr));
        self
    }
}

/// Reads one `--resolve` argument: `HOST=ADDR`, or curl's own `HOST:PORT:ADDR` (the port is
/// ignored). IPv6 addresses may be bracketed.
pub fn parse_resolve(arg: &str) -> Result<(String, IpAddr), String> {
    let (host, addr) = if let Some((host, addr)) = arg.split_once('=') {
        (host, addr)
    } else {
        let mut parts = arg.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(host), Some(port), Some(addr)) if port.parse::<u16>().is_ok() => (host, addr),
            _ => return Err(format!("--resolve {arg:?}: expected HOST=ADDR")),
        }
    };
    let host = host.trim();
    if host.is_empty() {
        return Err(format!("--resolve {arg:?}: the host is empty"));
    }
    let addr = addr.trim().trim_start_matches('[').trim_end_matches(']');
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("--resolve {arg:?}: {addr:?} is not an IP address"))?;
    Ok((host.to_string(), addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_arguments_in_both_spellings() {
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            parse_resolve("exch01=127.0.0.1").unwrap(),
            ("exch01".into(), v4)
        );
        assert_eq!(
            parse_resolve("exch01:110:127.0.0.1").unwrap(),
            ("exch01".into(), v4)
        );
        assert_eq!(
            parse_resolve("exch01=[::1]").unwrap(),
            ("exch01".into(), v6)
        );
        assert!(parse_resolve("exch01").is_err());
        assert!(parse_resolve("=127.0.0.1").is_err());
        assert!(parse_resolve("exch01=nowhere").is_err());
    }

    #[test]
    fn protocol_names_round_trip() {
        for p in [
            ProbeProtocol::Auto,
            ProbeProtocol::Pop3,
            ProbeProtocol::Imap,
            ProbeProtocol::Smtp,
            ProbeProtocol::Http,
            ProbeProtocol::Tls,
        ] {
            assert_eq!(p.name().parse::<ProbeProtocol>().unwrap(), p);
        }
        assert!("gopher".parse::<ProbeProtocol>().is_err());
    }
}
