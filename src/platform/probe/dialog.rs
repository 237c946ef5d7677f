//! The conversation on an open connection: greeting, capabilities, STARTTLS, goodbye.
//!
//! This is the only module that decides what goes on the wire, and what it may send is fixed:
//! `CAPA`, `STLS`, `QUIT` (POP3); `CAPABILITY`, `STARTTLS`, `LOGOUT` (IMAP); `EHLO`,
//! `STARTTLS`, `QUIT` (SMTP); one `HEAD /` (HTTP); a TLS hello. Never a user name, a password
//! or an AUTH/LOGIN/USER/PASS command, whatever the server asks for. A greeting that is not the
//! protocol expected gets nothing more than the goodbye of the protocol it does look like, and
//! text nobody recognises gets no answer at all.

use std::time::Instant;

use rustls::pki_types::ServerName;

use super::catalogue::{identify, BannerPattern};
use super::request::{ProbeProtocol, ProbeRequest};
use super::resolve::seconds;
use super::tls::{self, Handshake, PendingVerdict, Trust};
use super::wire::{self, clean, Conn, ReadFailure};
use crate::engine::probe::{Probe, TlsFacts, TlsMode, GREETING_LIMIT};

/// How long the answer to QUIT/LOGOUT is waited for.
const GOODBYE_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// What the first bytes from the server look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Speaker {
    Pop3,
    Imap,
    Smtp,
    Ftp,
    Ssh,
    Http,
    Tls,
    Unknown,
}

impl Speaker {
    fn name(self) -> &'static str {
        match self {
            Speaker::Pop3 => "pop3",
            Speaker::Imap => "imap",
            Speaker::Smtp => "smtp",
            Speaker::Ftp => "ftp",
            Speaker::Ssh => "ssh",
            Speaker::Http => "http",
            Speaker::Tls => "tls",
            Speaker::Unknown => "unknown",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Speaker::Pop3 => "a POP3 greeting",
            Speaker::Imap => "an IMAP greeting",
            Speaker::Smtp => "an SMTP greeting",
            Speaker::Ftp => "an FTP greeting",
            Speaker::Ssh => "an SSH banner",
            Speaker::Http => "HTTP",
            Speaker::Tls => "TLS",
            Speaker::Unknown => "something unrecognised",
        }
    }
}

/// Which server speaks first, by its opening bytes. `expect_smtp` lets a bare `220` be SMTP
/// on a mail port; elsewhere a `220` must say SMTP (FTP greets with `220` too).
pub(crate) fn recognise(first: &[u8], expect_smtp: bool) -> Speaker {
    if wire::looks_like_tls(first) {
        return Speaker::Tls;
    }
    let text = String::from_utf8_lossy(first);
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("+OK") || upper.starts_with("-ERR") {
        return Speaker::Pop3;
    }
    if upper.starts_with("* OK") || upper.starts_with("* PREAUTH") || upper.starts_with("* BYE") {
        return Speaker::Imap;
    }
    if upper.starts_with("SSH-") {
        return Speaker::Ssh;
    }
    if upper.starts_with("HTTP/") {
        return Speaker::Http;
    }
    let code = upper
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
    let separated = matches!(upper.as_bytes().get(3), None | Some(b' ') | Some(b'-'));
    if let (Some(code), true) = (code, separated) {
        let says_smtp = upper.contains("SMTP");
        let says_ftp = upper.contains("FTP");
        if says_smtp {
            return Speaker::Smtp;
        }
        if says_ftp {
            return Speaker::Ftp;
        }
        if expect_smtp && matches!(code, "220" | "421" | "554") {
            return Speaker::Smtp;
        }
    }
    Speaker::Unknown
}

/// The plan for a request: which dialogue, and whether TLS comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    Pop3,
    Imap,
    Smtp,
    Http,
    /// TLS handshake only.
    Tls,
    /// Unknown port: listen first, then decide.
    Listen,
}

pub(crate) fn plan(protocol: ProbeProtocol, port: u16) -> (Plan, bool) {
    match protocol {
        ProbeProtocol::Auto => match port {
            110 => (Plan::Pop3, false),
            995 => (Plan::Pop3, true),
            143 => (Plan::Imap, false),
            993 => (Plan::Imap, true),
            25 | 587 => (Plan::Smtp, false),
            465 => (Plan::Smtp, true),
            80 | 8080 => (Plan::Http, false),
            443 => (Plan::Http, true),
            _ => (Plan::Listen, false),
        },
        ProbeProtocol::Pop3 => (Plan::Pop3, port == 995),
        ProbeProtocol::Imap => (Plan::Imap, port == 993),
        ProbeProtocol::Smtp => (Plan::Smtp, port == 465),
        ProbeProtocol::Http => (Plan::Http, port == 443 || port == 8443),
        ProbeProtocol::Tls => (Plan::Tls, true),
    }
}

/// One conversation; it fills in the probe as it goes.
pub(crate) struct Dialog<'a> {
    conn: Option<Conn>,
    probe: &'a mut Probe,
    req: &'a ProbeRequest,
    catalogue: &'a [BannerPattern],
    trust: &'a Trust,
    name: ServerName<'static>,
    deadline: Instant,
    verdict: Option<(Result<PendingVerdict, String>, String)>,
}

impl<'a> Dialog<'a> {
    pub(crate) fn new(
        conn: Conn,
        probe: &'a mut Probe,
        req: &'a ProbeRequest,
        catalogue: &'a [BannerPattern],
        trust: &'a Trust,
        name: ServerName<'static>,
        deadline: Instant,
    ) -> Self {
        Dialog {
            conn: Some(conn),
            probe,
            req,
            catalogue,
            trust,
            name,
            deadline,
            verdict: None,
        }
    }

    /// Holds the whole conversation, closes the connection, and collects the platform's
    /// verdict on the certificate.
    pub(crate) fn run(mut self) {
        let (plan, implicit) = plan(self.req.protocol, self.req.port);
        self.converse(plan, implicit);
        let sent = match self.conn.take() {
            Some(mut conn) => {
                let sent = std::mem::take(&mut conn.sent);
                conn.close();
                sent
            }
            None => Vec::new(),
        };
        if !sent.is_empty() {
            self.probe.sent = sent;
        }
        self.collect_verdict();
    }

    fn converse(&mut self, plan: Plan, implicit: bool) {
        if implicit {
            self.probe.protocol = "tls".into();
            if !self.start_tls(TlsMode::Implicit, false) {
                return;
            }
        }
        match plan {
            Plan::Tls => {}
            Plan::Http => self.http(),
            Plan::Pop3 => self.greeted(Some(Speaker::Pop3)),
            Plan::Imap => self.greeted(Some(Speaker::Imap)),
            Plan::Smtp => self.greeted(Some(Speaker::Smtp)),
            Plan::Listen => self.greeted(None),
        }
    }

    fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("connection is open")
    }

    fn note(&mut self, text: impl Into<String>) {
        self.probe.notes.push(text.into());
    }

    fn left(&self) -> std::time::Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// A server-speaks-first protocol (or an unknown port): read the greeting and follow it.
    fn greeted(&mut self, expected: Option<Speaker>) {
        // In plain text, keep half of the time for a TLS hello in case the server is silent
        // because it waits for one; inside TLS there is nothing else to try but HTTP.
        let plain = !self.conn().is_tls();
        let wait_until = if plain || expected.is_none() {
            Instant::now() + self.left() / 2
        } else {
            self.deadline
        };
        let waited = seconds(wait_until.saturating_duration_since(Instant::now()));
        self.conn().set_deadline(wait_until);
        let first = self.conn().read_line();
        let deadline = self.deadline;
        self.conn().set_deadline(deadline);
        let line = match first {
            Ok(line) => line,
            // An unterminated greeting is still a greeting.
            Err(ReadFailure::TimedOut { partial } | ReadFailure::Closed { partial })
                if !partial.is_empty() =>
            {
                partial
            }
            Err(ReadFailure::TimedOut { .. }) => {
                self.silent(expected, &waited);
                return;
            }
            Err(ReadFailure::Closed { .. }) => {
                self.note("the server closed the connection without a greeting");
                return;
            }
            Err(ReadFailure::Failed(e)) => {
                self.note(format!("reading the greeting failed: {e}"));
                return;
            }
        };
        // A multi-line reply (`220-…` lines up to `220 …`) is read whole before it is judged:
        // the words that name the server may be on a later line.
        let mut lines = vec![clean(&line)];
        if line.len() > 3 && line[..3].iter().all(u8::is_ascii_digit) && line[3] == b'-' {
            match self.reply_from(line.clone(), "the greeting") {
                Some(all) => lines = all,
                None => return,
            }
        }
        let expect_smtp = expected == Some(Speaker::Smtp);
        let speaker = if lines.len() == 1 {
            recognise(&line, expect_smtp)
        } else {
            recognise(lines.join("\n").as_bytes(), expect_smtp)
        };
        if let Some(expected) = expected {
            if speaker != expected {
                self.note(format!(
                    "port {} answered with {}, not {}",
                    self.req.port,
                    speaker.words(),
                    expected.words()
                ));
            }
        }
        match speaker {
            Speaker::Pop3 => self.pop3(&line),
            Speaker::Imap => self.imap(&line),
            Speaker::Smtp => self.smtp(lines),
            Speaker::Tls => {
                self.probe.protocol = "tls".into();
                self.note(
                    "the server sent TLS data before any hello: this is not a plain-text service",
                );
            }
            other => {
                self.set_greeting(&lines, other.name());
                self.note(format!(
                    "port {} greeted with {}; nothing was sent back",
                    self.req.port,
                    other.words()
                ));
            }
        }
    }

    /// Nothing arrived: maybe the port wants TLS first.
    fn silent(&mut self, expected: Option<Speaker>, waited: &str) {
        if self.conn().is_tls() {
            if expected.is_none() {
                // A TLS service that waits for the client: most likely HTTPS.
                self.http();
            } else {
                self.note(format!("no greeting within {waited} (inside TLS)"));
            }
            return;
        }
        self.note(format!("no greeting within {waited}"));
        if self.start_tls(TlsMode::Implicit, true) {
            self.note(format!(
                "port {} said nothing in plain text but answered a TLS hello: it expects SSL/TLS from the first byte",
                self.req.port
            ));
            self.greeted(expected);
        }
    }

    fn set_greeting(&mut self, lines: &[String], protocol: &str) {
        let joined = lines
            .iter()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let greeting = wire::bounded(&joined, GREETING_LIMIT);
        if self.probe.protocol != "tls" || protocol != "unknown" {
            self.probe.protocol = protocol.to_string();
        }
        self.probe.identified = identify(self.catalogue, protocol, &greeting);
        self.probe.greeting = Some(greeting);
    }

    /// Sends one command; on failure notes it and returns false.
    fn send(&mut self, label: &str, line: &str) -> bool {
        match self.conn().send(label, line) {
            Ok(()) => true,
            Err(e) => {
                self.note(format!("sending {label} failed: {}", describe_io(&e)));
                false
            }
        }
    }

    fn line(&mut self, waiting_for: &str) -> Option<String> {
        match self.conn().read_line() {
            Ok(line) => Some(clean(&line)),
            Err(ReadFailure::TimedOut { .. }) => {
                self.note(format!("no answer to {waiting_for} in time"));
                None
            }
            Err(ReadFailure::Closed { .. }) => {
                self.note(format!(
                    "the server closed the connection after {waiting_for}"
                ));
                None
            }
            Err(ReadFailure::Failed(e)) => {
                self.note(format!("reading the answer to {waiting_for} failed: {e}"));
                None
            }
        }
    }

    fn pop3(&mut self, greeting: &[u8]) {
        let greeting = clean(greeting);
        self.set_greeting(std::slice::from_ref(&greeting), "pop3");
        if greeting.to_ascii_uppercase().starts_with("-ERR") {
            self.note("the POP3 server refused the session in its greeting");
            return;
        }
        if !self.send("CAPA", "CAPA") {
            return;
        }
        let Some(answer) = self.line("CAPA") else {
            return;
        };
        if answer.starts_with("+OK") {
            let mut capabilities = Vec::new();
            for _ in 0..100 {
                match self.line("CAPA") {
                    Some(line) if line == "." => break,
                    Some(line) => capabilities.push(line),
                    None => return,
                }
            }
            self.probe.capabilities = capabilities;
        } else {
            self.note(format!(
                "the server does not list capabilities (CAPA answered {answer:?})"
            ));
        }
        let offers_tls = self.has_capability("STLS");
        if self.upgrade_if_offered(offers_tls, "STLS", "STLS", |reply| reply.starts_with("+OK")) {
            self.goodbye("QUIT", "QUIT");
        }
    }

    fn imap(&mut self, greeting: &[u8]) {
        let greeting = clean(greeting);
        self.set_greeting(std::slice::from_ref(&greeting), "imap");
        let upper = greeting.to_ascii_uppercase();
        if upper.starts_with("* BYE") {
            self.note("the IMAP server refused the session in its greeting");
            return;
        }
        if upper.starts_with("* PREAUTH") {
            self.note("the IMAP server logged the connection in without credentials (PREAUTH)");
        }
        if !self.send("a1 CAPABILITY", "a1 CAPABILITY") {
            return;
        }
        let mut capabilities = Vec::new();
        for _ in 0..100 {
            let Some(line) = self.line("CAPABILITY") else {
                return;
            };
            let upper = line.to_ascii_uppercase();
            if let Some(list) = upper.strip_prefix("* CAPABILITY ") {
                let start = line.len() - list.len();
                capabilities.extend(line[start..].split_whitespace().map(str::to_string));
            } else if upper.starts_with("A1 ") {
                if !upper.starts_with("A1 OK") {
                    self.note(format!("CAPABILITY was refused: {line}"));
                }
                break;
            }
        }
        self.probe.capabilities = capabilities;
        let offers_tls = self.has_capability("STARTTLS");
        if self.upgrade_if_offered(offers_tls, "a2 STARTTLS", "a2 STARTTLS", |reply| {
            reply.to_ascii_uppercase().starts_with("A2 OK")
        }) {
            let upgraded = self.conn().sent.iter().any(|s| s == "a2 STARTTLS");
            let line = if upgraded { "a3 LOGOUT" } else { "a2 LOGOUT" };
            if self.send(line, line) {
                let tag = &line[..3];
                let soon = (Instant::now() + GOODBYE_WAIT).min(self.deadline);
                self.conn().set_deadline(soon);
                // `* BYE`, then the tagged OK; the answer is not needed, only waited for.
                for _ in 0..10 {
                    match self.conn().read_line() {
                        Ok(reply) if reply.to_ascii_lowercase().starts_with(tag.as_bytes()) => {
                            break
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }
        }
    }

    fn smtp(&mut self, lines: Vec<String>) {
        self.set_greeting(&lines, "smtp");
        if !lines.first().is_some_and(|l| l.starts_with("220")) {
            self.note("the SMTP server refused the session in its greeting");
            self.goodbye("QUIT", "QUIT");
            return;
        }
        self.ehlo();
        let offers_tls = self.has_capability("STARTTLS");
        if self.upgrade_if_offered(offers_tls, "STARTTLS", "STARTTLS", |reply| {
            reply.starts_with("220")
        }) {
            self.goodbye("QUIT", "QUIT");
        }
    }

    fn ehlo(&mut self) {
        if !self.send("EHLO portsleuth.invalid", "EHLO portsleuth.invalid") {
            return;
        }
        let Some(first) = self.raw_line("EHLO") else {
            return;
        };
        let Some(reply) = self.reply_from(first, "EHLO") else {
            return;
        };
        if reply.first().is_some_and(|l| l.starts_with("250")) {
            self.probe.capabilities = reply
                .iter()
                .skip(1)
                .map(|l| l.get(4..).unwrap_or("").trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
        } else {
            self.note(format!("EHLO was refused: {}", reply.join(" / ")));
        }
    }

    fn raw_line(&mut self, waiting_for: &str) -> Option<Vec<u8>> {
        match self.conn().read_line() {
            Ok(line) => Some(line),
            Err(_) => {
                self.note(format!("no complete answer to {waiting_for}"));
                None
            }
        }
    }

    /// An SMTP reply: lines `NNN-…` up to the last `NNN …`.
    fn reply_from(&mut self, first: Vec<u8>, waiting_for: &str) -> Option<Vec<String>> {
        let mut lines = vec![clean(&first)];
        for _ in 0..100 {
            let last = lines.last().map(String::as_str).unwrap_or("");
            if last.as_bytes().get(3) != Some(&b'-') {
                return Some(lines);
            }
            lines.push(self.line(waiting_for)?);
        }
        Some(lines)
    }

    fn has_capability(&self, name: &str) -> bool {
        self.probe.capabilities.iter().any(|c| {
            c.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(name))
        })
    }

    /// On a plain connection: when the server offers TLS, ask for it and shake hands; when
    /// it does not, say so. Returns true when the conversation may go on (to its goodbye).
    fn upgrade_if_offered(
        &mut self,
        offered: bool,
        label: &str,
        command: &str,
        accepted: impl Fn(&str) -> bool,
    ) -> bool {
        if self.conn().is_tls() {
            return true;
        }
        if !offered {
            self.probe.tls = Some(TlsFacts {
                mode: TlsMode::NoneOffered,
                version: None,
                cipher: None,
                handshake_error: None,
                certificate: None,
            });
            return true;
        }
        if !self.send(label, command) {
            return false;
        }
        let Some(reply) = self.line(label) else {
            return false;
        };
        if !accepted(&reply) {
            self.note(format!(
                "the server offered {label} but refused it: {reply}"
            ));
            return true;
        }
        self.start_tls(TlsMode::Starttls, false)
    }

    fn goodbye(&mut self, label: &str, command: &str) {
        if self.send(label, command) {
            // The answer is not needed; reading it only lets the server close first, so a
            // server that ignores the goodbye costs a moment, not the rest of the budget.
            let soon = (Instant::now() + GOODBYE_WAIT).min(self.deadline);
            self.conn().set_deadline(soon);
            let _ = self.conn().read_line();
            let deadline = self.deadline;
            self.conn().set_deadline(deadline);
        }
    }

    /// `HEAD / HTTP/1.0`, then the status line and the `Server:` header.
    fn http(&mut self) {
        let host = if self.req.host.contains(':') && !self.req.host.starts_with('[') {
            format!("[{}]", self.req.host)
        } else {
            self.req.host.clone()
        };
        let default_port = if self.conn().is_tls() { 443 } else { 80 };
        let host = if self.req.port == default_port {
            host
        } else {
            format!("{host}:{}", self.req.port)
        };
        let request = format!(
            "HEAD / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: PortSleuth-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        if !self.send("HEAD / HTTP/1.0", &request) {
            return;
        }
        let waited = seconds(self.left());
        let status = match self.conn().read_line() {
            Ok(line) => line,
            Err(ReadFailure::TimedOut { partial } | ReadFailure::Closed { partial })
                if !partial.is_empty() =>
            {
                partial
            }
            Err(ReadFailure::TimedOut { .. }) => {
                self.note(format!("no answer to HEAD / within {waited}"));
                return;
            }
            Err(ReadFailure::Closed { .. }) => {
                self.note("the server closed the connection without answering HEAD /");
                return;
            }
            Err(ReadFailure::Failed(e)) => {
                self.note(format!("reading the answer to HEAD / failed: {e}"));
                return;
            }
        };
        if wire::looks_like_tls(&status) {
            self.probe.protocol = "tls".into();
            self.note("the server answered the plain HTTP request in TLS: this port expects HTTPS");
            return;
        }
        let status_line = clean(&status);
        if !status_line.starts_with("HTTP/") {
            self.set_greeting(&[status_line], "unknown");
            self.note("the answer to HEAD / is not HTTP");
            return;
        }
        let mut server = None;
        for _ in 0..100 {
            match self.conn().read_line() {
                Ok(line) if line.is_empty() => break,
                Ok(line) => {
                    let line = clean(&line);
                    if let Some((name, value)) = line.split_once(':') {
                        if name.trim().eq_ignore_ascii_case("server") {
                            server = Some(value.trim().to_string());
                        }
                    }
                }
                Err(_) => break,
            }
        }
        let mut lines = vec![status_line];
        if let Some(server) = server {
            lines.push(format!("Server: {server}"));
        }
        self.set_greeting(&lines, "http");
    }

    /// Shakes hands on the connection and records what TLS showed. False when the
    /// connection is spent.
    fn start_tls(&mut self, mode: TlsMode, after_silence: bool) -> bool {
        let handshake = match Handshake::new() {
            Ok(h) => h,
            Err(e) => {
                self.note(format!("TLS could not be set up: {e}"));
                return false;
            }
        };
        let waited = seconds(self.left());
        let conn = self.conn.take().expect("connection is open");
        let sent_before = conn.sent.clone();
        self.conn = match conn.start_tls(handshake.config.clone(), self.name.clone()) {
            Ok(conn) => Some(conn),
            Err(failure) => {
                let why = tls::explain_handshake_failure(&failure.error, &failure.answer, &waited);
                self.probe.sent = sent_before;
                self.tls_failed(mode, &handshake, why, &failure.answer, after_silence);
                return false;
            }
        };
        let session = self.conn().tls_session();
        let version = session.and_then(|s| s.protocol_version()).map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        });
        let cipher = session
            .and_then(|s| s.negotiated_cipher_suite())
            .map(|c| format!("{:?}", c.suite()));
        let mut facts = TlsFacts {
            mode,
            version,
            cipher,
            handshake_error: None,
            certificate: None,
        };
        self.read_certificate(&handshake, &mut facts);
        self.probe.tls = Some(facts);
        true
    }

    fn read_certificate(&mut self, handshake: &Handshake, facts: &mut TlsFacts) {
        let Some(chain) = handshake.presented() else {
            return;
        };
        match tls::certificate_facts(&chain, &self.name) {
            Ok(mut certificate) => {
                certificate.issuer_identified =
                    identify(self.catalogue, "tls_issuer", &certificate.issuer);
                facts.certificate = Some(certificate);
            }
            Err(e) => self.note(e),
        }
        let pending = tls::ask_platform(self.trust, &chain, &self.name);
        let host = self.req.host.clone();
        self.verdict = Some((pending, host));
    }

    fn tls_failed(
        &mut self,
        mode: TlsMode,
        handshake: &Handshake,
        why: String,
        answer: &[u8],
        after_silence: bool,
    ) {
        let mut facts = TlsFacts {
            mode,
            version: None,
            cipher: None,
            handshake_error: Some(why.clone()),
            certificate: None,
        };
        // A chain may have arrived before the failure; it is still worth reading.
        self.read_certificate(handshake, &mut facts);
        if wire::looks_like_text(answer) {
            let text = String::from_utf8_lossy(answer);
            let lines: Vec<String> = text.lines().take(20).map(|l| clean(l.as_bytes())).collect();
            let speaker = recognise(answer, true);
            let protocol = match speaker {
                Speaker::Unknown => "unknown",
                other => other.name(),
            };
            let greeting = if speaker == Speaker::Http {
                http_banner(&lines)
            } else {
                lines.into_iter().take(4).collect()
            };
            self.set_greeting(&greeting, protocol);
            self.note(format!(
                "port {} answered the TLS hello in plain text ({}): it is not a TLS port",
                self.req.port,
                speaker.words()
            ));
        } else if after_silence {
            self.note(format!("and after a TLS hello: {why}"));
        }
        // After silence the TLS hello was only a guess: a failed guess says nothing about TLS.
        self.probe.tls = if after_silence { None } else { Some(facts) };
    }

    fn collect_verdict(&mut self) {
        let Some((pending, host)) = self.verdict.take() else {
            return;
        };
        let (trusted, why) = tls::verdict(pending, self.deadline, &host);
        if let Some(certificate) = self.probe.tls.as_mut().and_then(|t| t.certificate.as_mut()) {
            certificate.trusted = trusted;
            certificate.trust_error = why;
        }
    }
}

/// An HTTP answer's status line and `Server:` header, the way a greeting is kept.
fn http_banner(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lines.first().cloned().into_iter().collect();
    if let Some(server) = lines.iter().find(|l| {
        l.split_once(':')
            .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("server"))
    }) {
        out.push(server.clone());
    }
    out
}

fn describe_io(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut {
        "the probe's time ran out".to_string()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_recognised() {
        assert_eq!(
            recognise(b"+OK The Microsoft Exchange POP3 service is ready.", false),
            Speaker::Pop3
        );
        assert_eq!(
            recognise(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.", false),
            Speaker::Imap
        );
        assert_eq!(
            recognise(b"220 mail.example.org ESMTP Postfix", false),
            Speaker::Smtp
        );
        assert_eq!(recognise(b"220 (vsFTPd 3.0.3)", false), Speaker::Ftp);
        assert_eq!(recognise(b"220 mx ready", false), Speaker::Unknown);
        assert_eq!(recognise(b"220 mx ready", true), Speaker::Smtp);
        assert_eq!(recognise(b"SSH-2.0-OpenSSH_9.2", false), Speaker::Ssh);
        assert_eq!(
            recognise(&[0x15, 0x03, 0x03, 0, 2, 2, 70], false),
            Speaker::Tls
        );
        assert_eq!(recognise(b"hello", false), Speaker::Unknown);
    }

    #[test]
    fn auto_picks_by_well_known_port() {
        assert_eq!(plan(ProbeProtocol::Auto, 110), (Plan::Pop3, false));
        assert_eq!(plan(ProbeProtocol::Auto, 995), (Plan::Pop3, true));
        assert_eq!(plan(ProbeProtocol::Auto, 993), (Plan::Imap, true));
        assert_eq!(plan(ProbeProtocol::Auto, 587), (Plan::Smtp, false));
        assert_eq!(plan(ProbeProtocol::Auto, 465), (Plan::Smtp, true));
        assert_eq!(plan(ProbeProtocol::Auto, 8080), (Plan::Http, false));
        assert_eq!(plan(ProbeProtocol::Auto, 443), (Plan::Http, true));
        assert_eq!(plan(ProbeProtocol::Auto, 2525), (Plan::Listen, false));
        assert_eq!(plan(ProbeProtocol::Tls, 2525), (Plan::Tls, true));
    }
}
