//! Everything else the reader picks out: event IDs and their sources, protocols, ports and the
//! side they are on, mail-client fields, program names and phrases that imply conditions.

use super::collector::{push_found, Collector};
use super::patterns::{
    capped, ACCOUNT, ADDR_PORT, EVENT_ID, EVENT_SOURCE, PORT_LIST, PORT_WORD, PROTOCOL_FIELD,
    REPLY_LINE, RESPONSE, SERVER, SSL_FLAG, UNIX_ADDR, URL,
};
use super::symptoms::{EventMention, Found, PortMention};
use super::{PhraseTarget, Reader};
use crate::engine::kb::{fold_space, PortSide};
use crate::engine::model::Span;

/// The port groups of `ADDR_PORT` (`p1` … `p40`), one per spelling.
const ADDR_PORT_GROUPS: [&str; 40] = [
    "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15",
    "p16", "p17", "p18", "p19", "p20", "p21", "p22", "p23", "p24", "p25", "p26", "p27", "p28",
    "p29", "p30", "p31", "p32", "p33", "p34", "p35", "p36", "p37", "p38", "p39", "p40",
];
/// The groups of `ADDR_PORT` that hold the address before the port.
const ADDRESS_GROUPS: [&str; 27] = [
    "v4",
    "v6",
    "any6",
    "star",
    "local",
    "dovaddr",
    "pyaddr",
    "peer",
    "host",
    "nodeaddr",
    "qhost",
    "anyaddr",
    "pyb",
    "sclient",
    "pipeaddr",
    "bindaddr",
    "dialaddr",
    "waitaddr",
    "connaddr",
    "jmhost",
    "relayhost",
    "qhost2",
    "enfhost",
    "verbhost",
    "anglehost",
    "listenhost",
    "tnhost",
];
/// Addresses only a client writes (where it connected); the rest are binds unless the line
/// says otherwise.
const REMOTE_GROUPS: [&str; 13] = [
    "host",
    "peer",
    "qhost",
    "sclient",
    "pipeaddr",
    "dialaddr",
    "waitaddr",
    "connaddr",
    "jmhost",
    "relayhost",
    "enfhost",
    "verbhost",
    "tnhost",
];
/// Ports only a listener names: SELinux's `name_bind … src=`, Elasticsearch's `bind to [N]`, a
/// game server's `open port between N and M`, Go's `listen tcp HOST:N`, QEMU's `listen=:N`,
/// Tomcat's connector names.
const LOCAL_PORT_GROUPS: [&str; 6] = ["p22", "p25", "p34", "p37", "p38", "p39"];

impl Reader {
    pub(super) fn read_events(&self, text: &str, c: &mut Collector) {
        let sources: Vec<(usize, String)> = EVENT_SOURCE
            .captures_iter(text)
            .filter_map(|caps| {
                let m = caps.get(1).or_else(|| caps.get(2))?;
                Some((m.start(), m.as_str().trim().to_owned()))
            })
            .collect();
        for caps in EVENT_ID.captures_iter(text) {
            let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) else {
                continue;
            };
            let Ok(id) = m.as_str().parse::<u32>() else {
                continue;
            };
            let sql = caps.get(3).is_some();
            let pos = m.start();
            // The source of an event is the nearest "Source:" before it in the same entry, or
            // just after it (Event Viewer's own layout puts Source before Event ID).
            let before = sources
                .iter()
                .rev()
                .find(|(p, _)| *p < pos && pos - *p < 1200)
                .map(|(_, s)| s.clone());
            let after = || {
                sources
                    .iter()
                    .find(|(p, _)| *p > pos && *p - pos < 400)
                    .map(|(_, s)| s.clone())
            };
            let source = if sql {
                Some("MSSQLSERVER".to_owned())
            } else {
                before.or_else(after)
            };
            let known = self.kb.events.get(&id).and_then(|list| {
                match &source {
                    Some(s) => list
                        .iter()
                        .find(|e| e.sources.iter().any(|k| source_matches(k, s))),
                    // Without a source, an ID is only decoded when it is unambiguous.
                    None => (list.len() == 1).then(|| &list[0]),
                }
            });
            let event = EventMention {
                id,
                source: source.clone(),
                product: known.map(|e| e.product.clone()),
                meaning: known.map(|e| e.meaning.clone()),
                condition: known.and_then(|e| e.condition),
                protocol: known.and_then(|e| e.protocol.clone()),
                span: Span {
                    start: m.start(),
                    end: m.end(),
                },
                count: 1,
            };
            if let Some(cond) = event.condition {
                c.condition(cond, format!("event:{id}"), m.start(), m.end());
            }
            if let Some(protocol) = event.protocol.clone() {
                for port in self
                    .kb
                    .protocol(&protocol)
                    .map(|p| p.ports.clone())
                    .unwrap_or_default()
                {
                    c.port(PortMention {
                        port,
                        side: PortSide::Local,
                        address: None,
                        protocol: Some(protocol.clone()),
                        inferred: true,
                        span: event.span,
                        count: 1,
                    });
                }
                c.found_protocol(protocol, m.start(), m.end());
            }
            c.event(event);
        }
    }

    pub(super) fn read_protocols(&self, text: &str, c: &mut Collector) {
        for caps in PROTOCOL_FIELD.captures_iter(text) {
            let Some(m) = caps.get(1) else { continue };
            if let Some(name) = self.protocol_alias.get(&m.as_str().to_lowercase()) {
                c.found_protocol(name.clone(), m.start(), m.end());
            }
        }
        if let Some(words) = &self.protocol_words {
            for m in words.find_iter(text) {
                if let Some(name) = self.protocol_alias.get(&m.as_str().to_lowercase()) {
                    c.found_protocol(name.clone(), m.start(), m.end());
                }
            }
        }
        for caps in URL.captures_iter(text) {
            let (Some(scheme), Some(host)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            let name = scheme.as_str().to_lowercase();
            let name = name.trim_end_matches('s');
            let name = if name == "http" && scheme.as_str().len() == 5 {
                "https"
            } else {
                name
            };
            if let Some(p) = self.protocol_alias.get(name) {
                c.found_protocol(p.clone(), scheme.start(), scheme.end());
            }
            // The host a program talked to is a server the text names; not a help link's or an
            // address this program was binding (wildcards are left out where servers are kept).
            let bound = caps
                .get(3)
                .is_some_and(|p| self.context.side(text, p.start()) == PortSide::Local)
                || self.context.side(text, host.start()) == PortSide::Local;
            if !bound && !is_reference_host(host.as_str()) {
                c.found_server(host.as_str(), host.start(), host.end());
            }
            if let Some(port) = caps.get(3) {
                if let Ok(n) = port.as_str().parse::<u16>() {
                    let side = self.context.side(text, port.start());
                    c.port(PortMention {
                        port: n,
                        side,
                        address: Some(host.as_str().to_owned()),
                        protocol: None,
                        inferred: false,
                        span: span_of(port),
                        count: 1,
                    });
                }
            }
        }
    }

    pub(super) fn read_ports(&self, text: &str, c: &mut Collector) {
        // A port the text writes as a bare number, with nothing saying which address it is.
        let mut bare_port = |start: usize, end: usize| {
            if let Some(port) = valid_port(&text[start..end]) {
                c.port(PortMention {
                    port,
                    side: self.context.side(text, start),
                    address: None,
                    protocol: None,
                    inferred: false,
                    span: Span { start, end },
                    count: 1,
                });
            }
        };
        for caps in PORT_WORD.captures_iter(text) {
            if let Some(m) = caps.get(1) {
                bare_port(m.start(), m.end());
            }
        }
        for (start, end) in argument_ports(text) {
            bare_port(start, end);
        }
        for caps in PORT_LIST.captures_iter(text) {
            let Some(list) = caps.get(1) else { continue };
            let mut offset = list.start();
            for part in list.as_str().split(',') {
                let trimmed = part.trim();
                let start = offset + part.find(trimmed).unwrap_or(0);
                bare_port(start, start + trimmed.len());
                offset += part.len() + 1;
            }
        }
        self.read_addr_ports(text, c);
        for caps in UNIX_ADDR.captures_iter(text) {
            if let Some(m) = caps.get(0) {
                c.found_address(m.as_str().to_owned(), m.start(), m.end());
            }
        }
    }

    /// Addresses with ports, in every spelling the reader knows (`ADDR_PORT`).
    fn read_addr_ports(&self, text: &str, c: &mut Collector) {
        for caps in ADDR_PORT.captures_iter(text) {
            let Some(port) = ADDR_PORT_GROUPS.iter().find_map(|g| caps.name(g)) else {
                continue;
            };
            let Some(n) = valid_port(port.as_str()) else {
                continue;
            };
            // `bind to 2001:470:...`: a group of an IPv6 address, not a port.
            let bytes = text.as_bytes();
            if caps.name("p19").is_some()
                && bytes.get(port.end()) == Some(&b':')
                && bytes.get(port.end() + 1).is_some_and(u8::is_ascii_hexdigit)
            {
                continue;
            }
            // `nc 10.0.0.5 443.5` or `telnet host 25-30`: not a port.
            if caps.name("p40").is_some()
                && matches!(bytes.get(port.end()), Some(b'.' | b':' | b'-'))
            {
                continue;
            }
            // `<frozen runpy>:128:`, `<anonymous>:12:5`: a file and line in a stack trace.
            if let Some(host) = caps.name("anglehost") {
                let line_column = bytes.get(port.end()) == Some(&b':')
                    && bytes.get(port.end() + 1).is_some_and(u8::is_ascii_digit);
                let source_file = [
                    "frozen",
                    "anonymous",
                    "stdin",
                    "string",
                    "module",
                    "command",
                ]
                .iter()
                .any(|w| {
                    host.as_str()
                        .get(..w.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(w))
                });
                if line_column || source_file {
                    continue;
                }
            }
            let address_match = ADDRESS_GROUPS.iter().find_map(|k| caps.name(k));
            let address = address_match.map(|a| match a.as_str() {
                ":::" => "::".to_owned(),
                other if caps.name("v6").is_some() => format!("[{other}]"),
                other => other.trim().to_owned(),
            });
            // A host name with a port is where a client connected; the rest are binds unless
            // the line says otherwise.
            let side = if REMOTE_GROUPS.iter().any(|g| caps.name(g).is_some()) {
                PortSide::Remote
            } else if LOCAL_PORT_GROUPS.iter().any(|g| caps.name(g).is_some()) {
                PortSide::Local
            } else {
                self.context.side(text, port.start())
            };
            if let (PortSide::Remote, Some(a), Some(m)) = (side, &address, address_match) {
                // Where a client connected: a server the text names (this machine's own names
                // are placed later, against the scanned host).
                c.found_server(a, m.start(), m.end());
            }
            if let Some(a) = &address {
                if !a.is_empty() {
                    c.found_address(
                        format!("{a}:{n}"),
                        caps.get(0).map_or(port.start(), |m| m.start()),
                        port.end(),
                    );
                }
            }
            c.port(PortMention {
                port: n,
                side,
                address,
                protocol: None,
                inferred: false,
                span: span_of(port),
                count: 1,
            });
        }
    }

    /// Ports the text implies without writing them, and the protocol of each port.
    pub(super) fn infer_ports(&self, c: &mut Collector) {
        // A protocol named without any port implies its registered port.
        let named: Vec<String> = c
            .symptoms
            .protocols
            .iter()
            .map(|p| p.value.clone())
            .collect();
        if c.symptoms.ports.iter().all(|p| p.inferred) {
            for protocol in named {
                let Some(info) = self.kb.protocol(&protocol) else {
                    continue;
                };
                let ssl = c.symptoms.ssl.as_ref().map(|s| s.value);
                // A protocol that only runs over TLS (https, imaps) names its TLS port whatever
                // the text says of SSL.
                let ports =
                    if (ssl == Some(true) || info.ports.is_empty()) && !info.tls_ports.is_empty() {
                        &info.tls_ports
                    } else {
                        &info.ports
                    };
                if let (Some(&port), Some(span)) = (
                    ports.first(),
                    c.symptoms
                        .protocols
                        .iter()
                        .find(|p| p.value == protocol)
                        .map(|p| p.span),
                ) {
                    c.port_inferred_norm(PortMention {
                        port,
                        side: PortSide::Unknown,
                        address: None,
                        protocol: Some(protocol.clone()),
                        inferred: true,
                        span,
                        count: 1,
                    });
                }
            }
        }
        // Attach a protocol to ports that are its registered ones.
        for p in &mut c.symptoms.ports {
            if p.protocol.is_none() {
                p.protocol = self
                    .kb
                    .protocols
                    .iter()
                    .find(|info| info.ports.contains(&p.port) || info.tls_ports.contains(&p.port))
                    .map(|i| i.name.clone());
            }
        }
    }

    pub(super) fn read_mail_fields(&self, text: &str, c: &mut Collector) {
        if let Some(caps) = SSL_FLAG.captures(text).filter(|_| c.symptoms.ssl.is_none()) {
            if let Some(m) = caps.get(1) {
                let span = c.span(m.start(), m.end());
                c.symptoms.ssl = Some(Found {
                    value: m.as_str().eq_ignore_ascii_case("yes"),
                    span,
                    count: 1,
                });
            }
        }
        for caps in ACCOUNT.captures_iter(text) {
            if let Some(m) = caps.get(1).filter(|m| m.len() <= 200) {
                let span = c.span(m.start(), m.end());
                push_found(
                    &mut c.symptoms.accounts,
                    m.as_str().trim().to_owned(),
                    span,
                    &mut c.cut,
                );
            }
        }
        for caps in SERVER.captures_iter(text) {
            if let Some(m) = caps.get(1) {
                c.found_server(m.as_str(), m.start(), m.end());
            }
        }
        let mut responses: Vec<(usize, usize, String)> = Vec::new();
        for caps in RESPONSE.captures_iter(text) {
            if let Some(m) = caps.get(1).filter(|m| m.len() <= 400) {
                responses.push((m.start(), m.end(), fold_space(m.as_str())));
            }
        }
        for caps in REPLY_LINE.captures_iter(text) {
            if let Some(m) = caps.get(1) {
                let value = fold_space(capped(m.as_str(), 300));
                if !responses
                    .iter()
                    .any(|(_, _, r)| r.contains(&value) || value.contains(r.as_str()))
                {
                    responses.push((m.start(), m.end(), value));
                }
            }
        }
        for (start, end, value) in responses {
            let span = c.span(start, end);
            push_found(&mut c.symptoms.responses, value, span, &mut c.cut);
        }
    }

    /// `PoProxy.exe` and the like: found from the suffix backwards, which is much faster than a
    /// pattern that could start anywhere.
    pub(super) fn read_exe_names(&self, text: &str, c: &mut Collector) {
        let bytes = text.as_bytes();
        for m in self.exe_suffix.find_iter(text) {
            if bytes.get(m.end()).is_some_and(|&b| is_word_byte(b)) {
                continue;
            }
            let mut start = m.start();
            while start > 0
                && (bytes[start - 1].is_ascii_alphanumeric()
                    || matches!(bytes[start - 1], b'_' | b'-' | b'.'))
                && m.start() - start < 60
            {
                start -= 1;
            }
            if start < m.start() {
                c.found_program(text[start..m.end()].to_owned(), start, m.end());
            }
        }
    }

    pub(super) fn read_programs(&self, text: &str, c: &mut Collector) {
        let Some(ac) = &self.programs else { return };
        let bytes = text.as_bytes();
        for m in ac.find_iter(text) {
            let before_ok = m.start() == 0 || !is_word_byte(bytes[m.start() - 1]);
            let after_ok = m.end() == bytes.len() || !is_word_byte(bytes[m.end()]);
            if before_ok && after_ok {
                let name = &self.program_names[m.pattern().as_usize()];
                // `PoProxy.exe` was already recorded by its full name.
                let is_exe = text[m.end()..]
                    .get(..4)
                    .is_some_and(|s| s.eq_ignore_ascii_case(".exe"));
                if !is_exe {
                    c.found_program(name.clone(), m.start(), m.end());
                }
            }
        }
    }

    pub(super) fn read_phrases(&self, text: &str, c: &mut Collector) {
        for m in self.phrases.find(text) {
            let spelled = &text[m.start..m.end];
            for target in m.targets {
                match *target {
                    PhraseTarget::Phrase(i) => {
                        let p = &self.kb.phrases[i];
                        // Only a sentence counts: two words such as "hôte inconnu" are also a
                        // localized Unix tool's.
                        c.windows_wording |= p.source.starts_with("Windows FormatMessage")
                            && p.text.chars().count() >= 16;
                        c.condition(
                            p.condition,
                            format!("phrase:\"{}\"", p.text),
                            m.start,
                            m.end,
                        );
                    }
                    PhraseTarget::Errno(i) => self.add_errno(c, i, None, spelled, m.start, m.end),
                    PhraseTarget::Winsock(code) => {
                        self.add_winsock(c, code, spelled, m.start, m.end)
                    }
                }
            }
        }
    }
}

fn source_matches(known: &str, found: &str) -> bool {
    let k: String = known
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let f: String = found
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    !f.is_empty() && (k == f || f.starts_with(&k) || k.starts_with(&f))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn valid_port(s: &str) -> Option<u16> {
    s.parse::<u32>()
        .ok()
        .filter(|&n| (1..=65535).contains(&n))
        .map(|n| n as u16)
}

fn span_of(m: regex::Match<'_>) -> Span {
    Span {
        start: m.start(),
        end: m.end(),
    }
}

/// Hosts that error texts link to for help: never the server a program talked to.
fn is_reference_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    const REFERENCE: [&str; 16] = [
        "aka.ms",
        "go.microsoft.com",
        "learn.microsoft.com",
        "docs.microsoft.com",
        "support.microsoft.com",
        "support.google.com",
        "github.com",
        "stackoverflow.com",
        "tools.ietf.org",
        "www.rfc-editor.org",
        "www.spamhaus.org",
        "www.postfix.org",
        "curl.se",
        "wiki.mozilla.org",
        "mxtoolbox.com",
        "en.wikipedia.org",
    ];
    REFERENCE.contains(&h.as_str())
        || h.starts_with("docs.")
        || h.starts_with("support.")
        || h.starts_with("help.")
        || h.ends_with(".wikipedia.org")
}

/// Ports written as a separate argument or field rather than after the word "port": the last
/// argument of a test connection (`telnet mail.example.com 25`, `nc -vz 192.0.2.7 587`), a mail
/// library's `connect imap.gmail.com 993`, getaddrinfo's service as PostgreSQL prints it
/// (`service "5432"`), and Net-SNMP's `specified endpoint "udp:161"`. Read by hand: as one more
/// pattern these cost more to build at start-up than the rest of the port patterns together.
fn argument_ports(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let digits_at = |i: usize| {
        let end = i + b[i..]
            .iter()
            .take(6)
            .take_while(|c| c.is_ascii_digit())
            .count();
        (end > i && end - i <= 5 && !b.get(end).is_some_and(|c| c.is_ascii_alphanumeric()))
            .then_some((i, end))
    };
    // A host token: letters, digits, dots, dashes, with at least one dot.
    let host_end = |i: usize| {
        let end = i + b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
            .count();
        (end > i && b[i..end].contains(&b'.') && b[i].is_ascii_alphanumeric()).then_some(end)
    };
    for word in ["telnet ", "nc ", "ncat ", "netcat ", "connect "] {
        for (at, _) in text.match_indices(word) {
            if at > 0 && b[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let mut i = at + word.len();
            // Options before the host (`nc -vz`, `telnet -4`); `connect` takes none.
            while word != "connect " && b.get(i) == Some(&b'-') {
                i += b[i..]
                    .iter()
                    .take_while(|c| !c.is_ascii_whitespace())
                    .count();
                i += b[i..].iter().take_while(|&&c| c == b' ').count();
            }
            // A host the user replaced with a placeholder: `nc <host that is up> 123`.
            let placeholder = (b.get(i) == Some(&b'<'))
                .then(|| text[i..].find('>').filter(|&e| e <= 80).map(|e| i + e + 1))
                .flatten();
            let Some(end) = placeholder.or_else(|| host_end(i)) else {
                continue;
            };
            if b.get(end) == Some(&b' ') {
                out.extend(digits_at(end + 1));
            }
        }
    }
    // An address the user blanked out before pasting: `(x.x.x.x:143)`, `xxx.xxx.12.7:25`.
    for (at, _) in text.match_indices(':') {
        // ASCII bytes only, so the start is always a character boundary.
        let start = at
            - b[..at]
                .iter()
                .rev()
                .take_while(|&&c| c.is_ascii_digit() || matches!(c, b'.' | b'x' | b'X'))
                .count();
        let host = &text[start..at];
        if host.matches('.').count() == 3
            && host.contains(['x', 'X'])
            && host.split('.').all(|p| (1..=3).contains(&p.len()))
        {
            out.extend(digits_at(at + 1));
        }
    }
    // Node's `bind EADDRINUSE null:3000`, where the address it was given was empty.
    for (at, word) in text.match_indices(" null:") {
        let before = text[..at].rsplit(' ').next().unwrap_or("");
        if before.len() > 3
            && before.starts_with('E')
            && before[1..].bytes().all(|c| c.is_ascii_uppercase())
        {
            out.extend(digits_at(at + word.len()));
        }
    }
    for (at, word) in text.match_indices("service \"") {
        out.extend(digits_at(at + word.len()).filter(|&(_, e)| b.get(e) == Some(&b'"')));
    }
    for (at, word) in text.match_indices("specified endpoint \"") {
        let open = at + word.len();
        let Some(close) = text[open..]
            .find('"')
            .map(|c| open + c)
            .filter(|c| c - open <= 80)
        else {
            continue;
        };
        let last = text[open..close].rfind(':').map_or(open, |c| open + c + 1);
        out.extend(digits_at(last).filter(|&(_, e)| e == close));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{
        argument_ports, ADDRESS_GROUPS, ADDR_PORT_GROUPS, LOCAL_PORT_GROUPS, REMOTE_GROUPS,
    };
    use crate::engine::reader::patterns::ADDR_PORT;

    /// The lists of groups above name every group of `ADDR_PORT` and nothing else, so a
    /// spelling added to the pattern is not silently skipped.
    #[test]
    fn the_group_lists_name_every_group_of_the_address_pattern() {
        let mut ports: Vec<&str> = Vec::new();
        let mut addresses: Vec<&str> = Vec::new();
        for name in ADDR_PORT.capture_names().flatten() {
            if name.len() > 1
                && name.starts_with('p')
                && name[1..].bytes().all(|b| b.is_ascii_digit())
            {
                ports.push(name);
            } else {
                addresses.push(name);
            }
        }
        let mut want_ports = ADDR_PORT_GROUPS.to_vec();
        ports.sort_unstable();
        want_ports.sort_unstable();
        assert_eq!(ports, want_ports);
        let mut want_addresses = ADDRESS_GROUPS.to_vec();
        addresses.sort_unstable();
        want_addresses.sort_unstable();
        assert_eq!(addresses, want_addresses);
        assert!(REMOTE_GROUPS.iter().all(|g| ADDRESS_GROUPS.contains(g)));
        assert!(LOCAL_PORT_GROUPS
            .iter()
            .all(|g| ADDR_PORT_GROUPS.contains(g)));
    }

    fn ports(text: &str) -> Vec<&str> {
        argument_ports(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn ports_given_as_an_argument_or_a_quoted_service_are_read() {
        assert_eq!(ports("$ telnet mail.example.com 25\nTrying…"), ["25"]);
        assert_eq!(ports("nc -vz 192.0.2.7 587"), ["587"]);
        assert_eq!(ports("$ nc <host that is definitely up> 123"), ["123"]);
        assert_eq!(ports("ssl connect imap.gmail.com 993 2"), ["993"]);
        assert_eq!(
            ports(r#"could not translate host name "localhost", service "5432" to address"#),
            ["5432"]
        );
        assert_eq!(
            ports(r#"Error opening specified endpoint "udp:161""#),
            ["161"]
        );
        assert_eq!(ports(r#"Error opening specified endpoint "161""#), ["161"]);
        assert_eq!(ports("Error: bind EADDRINUSE null:3000"), ["3000"]);
        assert_eq!(
            ports("secure connect to xyz.de (x.x.x.x:143): error"),
            ["143"]
        );
    }

    #[test]
    fn words_that_only_look_like_it_are_not_ports() {
        // No host with a dot, a word that merely ends in "connect", a number that runs on.
        assert!(ports("could not connect to server 25 times").is_empty());
        assert!(ports("disconnect host.example.com 25").is_empty());
        assert!(ports("telnet mail.example.com 123456").is_empty());
        assert!(ports(r#"service "http" unknown"#).is_empty());
        assert!(ports("value was null:3000").is_empty());
        assert!(ports("version 1.2.3.4:5 and box.x:25").is_empty());
    }
}
