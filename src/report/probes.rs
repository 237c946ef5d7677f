//! A probe of a server in plain words, for the text report and `portsleuth probe`.

use crate::engine::probe::{Connect, Dns, Probe, TlsMode};

/// The lines that say what one probe found: "exch01:110 answered as Microsoft Exchange POP3".
pub fn describe(p: &Probe) -> Vec<String> {
    let mut lines = vec![headline(p)];
    let dns = match &p.dns {
        Dns::Resolved { addresses } => format!("name: resolved to {}", addresses.join(", ")),
        Dns::NotFound { detail } => format!("name: does not exist ({detail})"),
        Dns::NoAnswer { detail } => format!("name: no usable answer ({detail})"),
        Dns::Error { detail } => format!("name: lookup failed ({detail})"),
        Dns::Literal => "name: an address, nothing to look up".to_owned(),
        Dns::Overridden { address } => format!("name: taken as {address} (--resolve)"),
    };
    lines.push(dns);
    let connect = match &p.connect {
        Connect::Open => format!("connection: accepted in {} ms", p.ms),
        Connect::Refused => format!("connection: refused after {} ms (nothing listens)", p.ms),
        Connect::TimedOut => format!("connection: no answer within {} ms", p.ms),
        Connect::Unreachable { detail } => format!("connection: unreachable ({detail})"),
        Connect::Error { detail } => format!("connection: failed ({detail})"),
        Connect::NotAttempted => "connection: not attempted".to_owned(),
    };
    lines.push(connect);
    if let Some(g) = &p.greeting {
        lines.push(format!("greeting: {}", g.replace('\n', " / ")));
    }
    if !p.capabilities.is_empty() {
        lines.push(format!("capabilities: {}", p.capabilities.join(", ")));
    }
    if let Some(t) = &p.tls {
        let mode = match t.mode {
            TlsMode::Implicit => "TLS from the first byte",
            TlsMode::Starttls => "STARTTLS offered and used",
            TlsMode::NoneOffered => "no TLS offered",
        };
        let version = t
            .version
            .as_deref()
            .map(|v| format!(", {v}"))
            .unwrap_or_default();
        lines.push(format!("TLS: {mode}{version}"));
        if let Some(e) = &t.handshake_error {
            lines.push(format!("TLS handshake: {e}"));
        }
        if let Some(c) = &t.certificate {
            let names = c.names();
            lines.push(format!(
                "certificate: {names}; issued by {}{}; valid {} to {}{}",
                c.issuer,
                if c.self_signed { " (self-signed)" } else { "" },
                c.not_before,
                c.not_after,
                if c.expired { " (expired)" } else { "" }
            ));
            let trust = c.trust_words();
            let name = if c.name_matches {
                "names this host"
            } else {
                "does not name this host"
            };
            lines.push(format!("certificate: {trust}; {name}"));
        }
    }
    let sent = if p.sent.is_empty() {
        "nothing".to_owned()
    } else {
        p.sent.join(", ")
    };
    lines.push(format!("sent: {sent} (never a user name or password)"));
    lines.extend(p.notes.iter().map(|n| format!("note: {n}")));
    lines
}

/// One line: what answered on the port, in words.
pub fn headline(p: &Probe) -> String {
    let at = format!("{}:{}", p.host, p.port);
    match (&p.connect, &p.identified) {
        (Connect::Open, Some(i)) => format!(
            "{at} answered as {} ({})",
            i.product,
            i.kind.replace('_', " ")
        ),
        (Connect::Open, None) if p.greeting.is_some() => {
            format!("{at} answered, as a program PortSleuth does not recognise by its greeting")
        }
        (Connect::Open, None) => format!("{at} accepted the connection but sent no greeting"),
        (Connect::Refused, _) => format!("{at} refused the connection: nothing listens there"),
        (Connect::TimedOut, _) => format!("{at} did not answer"),
        (Connect::Unreachable { .. }, _) => format!("{at} cannot be reached from here"),
        (Connect::Error { .. }, _) => format!("{at} could not be probed"),
        (Connect::NotAttempted, _) => format!("{at} was not probed: the name gave no address"),
    }
}
