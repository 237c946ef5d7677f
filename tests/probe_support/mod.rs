// Test servers: a thread per server is the point (they stand for other machines), and one
// script interpreter reads best as one match.
#![allow(clippy::disallowed_methods, clippy::too_many_lines)]

//! Real servers on loopback for the probe's tests: POP3, IMAP, SMTP and HTTP greeters with a
//! configurable banner, optional STARTTLS or implicit TLS with a certificate made here (rcgen),
//! and a server that accepts and says nothing.
//!
//! Every server binds 127.0.0.1:0, serves exactly one connection, and records every line it
//! receives, so a test can check what the probe sent. Nothing waits on a clock: a server ends
//! when the probe closes its end (reads have a generous timeout only so that a broken probe
//! cannot hang the test run).
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The commands a probe may send, and nothing else (HEAD is HTTP's request line).
pub const ALLOWED: &[&str] = &[
    "CAPA",
    "QUIT",
    "CAPABILITY",
    "LOGOUT",
    "EHLO",
    "STLS",
    "STARTTLS",
    "HEAD",
];

/// What the server says and does.
#[derive(Clone)]
pub enum Script {
    Pop3 {
        greeting: String,
        /// `None`: CAPA is answered with -ERR (servers older than RFC 2449).
        capa: Option<Vec<String>>,
        /// STLS is offered (listed in CAPA by the caller) and accepted with this TLS setup.
        stls: Option<Arc<ServerConfig>>,
    },
    Imap {
        greeting: String,
        capabilities: String,
        starttls: Option<Arc<ServerConfig>>,
    },
    Smtp {
        greeting: Vec<String>,
        ehlo: Vec<String>,
        starttls: Option<Arc<ServerConfig>>,
    },
    Http {
        status: String,
        server: Option<String>,
    },
    /// Accepts, reads whatever comes, never writes.
    Silent,
    /// TLS from the first byte, then the inner script (or nothing: `Silent`).
    Tls {
        config: Arc<ServerConfig>,
        inner: Box<Script>,
    },
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Command verbs, upper case, IMAP tags removed.
    pub commands: Vec<String>,
    /// Every line as received.
    pub lines: Vec<String>,
    /// The first byte of the connection was a TLS handshake record.
    pub tls_hello: bool,
}

pub struct Server {
    pub port: u16,
    handle: JoinHandle<Seen>,
}

impl Server {
    /// Waits for the server to finish its one connection and says what it saw.
    pub fn seen(self) -> Seen {
        self.handle.join().expect("the test server panicked")
    }
}

pub fn serve(script: Script) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("read timeout");
        // Replies go out line by line, as real servers' do; without this, Nagle's algorithm
        // and delayed ACKs would add 40 ms to every multi-line answer.
        stream.set_nodelay(true).expect("nodelay");
        let mut seen = Seen::default();
        let _ = run(script, Wire::Plain(stream), &mut seen);
        seen
    });
    Server { port, handle }
}

enum Wire {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Wire {
    fn upgrade(self, config: Arc<ServerConfig>) -> io::Result<Wire> {
        match self {
            Wire::Plain(stream) => {
                let conn = ServerConnection::new(config).map_err(io::Error::other)?;
                Ok(Wire::Tls(Box::new(StreamOwned::new(conn, stream))))
            }
            tls => Ok(tls),
        }
    }
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.read(buf),
            Wire::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.write(buf),
            Wire::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Wire::Plain(s) => s.flush(),
            Wire::Tls(s) => s.flush(),
        }
    }
}

fn say(wire: &mut Wire, line: &str) -> io::Result<()> {
    wire.write_all(format!("{line}\r\n").as_bytes())?;
    wire.flush()
}

/// Reads one line byte by byte (so nothing is buffered past a STARTTLS), `None` at EOF.
fn hear(wire: &mut Wire, seen: &mut Seen, imap: bool) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match wire.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&line)
        .trim_end_matches('\r')
        .to_string();
    let mut words = text.split_whitespace();
    let verb = if imap { words.nth(1) } else { words.next() };
    seen.commands.push(verb.unwrap_or("").to_ascii_uppercase());
    seen.lines.push(text.clone());
    Ok(Some(text))
}

fn run(script: Script, mut wire: Wire, seen: &mut Seen) -> io::Result<()> {
    match script {
        Script::Silent => {
            let mut first = [0u8; 1];
            if wire.read(&mut first)? == 1 {
                seen.tls_hello = first[0] == 0x16;
            }
            let mut sink = [0u8; 4096];
            while wire.read(&mut sink)? > 0 {}
            Ok(())
        }
        Script::Tls { config, inner } => {
            let wire = wire.upgrade(config)?;
            seen.tls_hello = true;
            run(*inner, wire, seen)
        }
        Script::Pop3 {
            greeting,
            capa,
            stls,
        } => {
            say(&mut wire, &greeting)?;
            while let Some(line) = hear(&mut wire, seen, false)? {
                match seen.commands.last().map(String::as_str).unwrap_or("") {
                    "CAPA" => match &capa {
                        Some(list) => {
                            say(&mut wire, "+OK Capability list follows")?;
                            for c in list {
                                say(&mut wire, c)?;
                            }
                            say(&mut wire, ".")?;
                        }
                        None => say(&mut wire, "-ERR Unknown command")?,
                    },
                    "STLS" => match &stls {
                        Some(config) => {
                            say(&mut wire, "+OK Begin TLS negotiation")?;
                            wire = wire.upgrade(config.clone())?;
                        }
                        None => say(&mut wire, "-ERR Unknown command")?,
                    },
                    "QUIT" => {
                        say(&mut wire, "+OK Logging out")?;
                        return Ok(());
                    }
                    _ => say(&mut wire, &format!("-ERR Unknown command: {line}"))?,
                }
            }
            Ok(())
        }
        Script::Imap {
            greeting,
            capabilities,
            starttls,
        } => {
            say(&mut wire, &greeting)?;
            while let Some(line) = hear(&mut wire, seen, true)? {
                let tag = line.split_whitespace().next().unwrap_or("*").to_string();
                match seen.commands.last().map(String::as_str).unwrap_or("") {
                    "CAPABILITY" => {
                        say(&mut wire, &format!("* CAPABILITY {capabilities}"))?;
                        say(
                            &mut wire,
                            &format!("{tag} OK Pre-login capabilities listed"),
                        )?;
                    }
                    "STARTTLS" => match &starttls {
                        Some(config) => {
                            say(&mut wire, &format!("{tag} OK Begin TLS negotiation now."))?;
                            wire = wire.upgrade(config.clone())?;
                        }
                        None => say(&mut wire, &format!("{tag} BAD Unknown command"))?,
                    },
                    "LOGOUT" => {
                        say(&mut wire, "* BYE Logging out")?;
                        say(&mut wire, &format!("{tag} OK Logout completed."))?;
                        return Ok(());
                    }
                    _ => say(&mut wire, &format!("{tag} BAD Unknown command"))?,
                }
            }
            Ok(())
        }
        Script::Smtp {
            greeting,
            ehlo,
            starttls,
        } => {
            for (i, line) in greeting.iter().enumerate() {
                let sep = if i + 1 == greeting.len() { ' ' } else { '-' };
                say(&mut wire, &format!("220{sep}{line}"))?;
            }
            while hear(&mut wire, seen, false)?.is_some() {
                match seen.commands.last().map(String::as_str).unwrap_or("") {
                    "EHLO" => {
                        for (i, line) in ehlo.iter().enumerate() {
                            let sep = if i + 1 == ehlo.len() { ' ' } else { '-' };
                            say(&mut wire, &format!("250{sep}{line}"))?;
                        }
                    }
                    "STARTTLS" => match &starttls {
                        Some(config) => {
                            say(&mut wire, "220 2.0.0 SMTP server ready")?;
                            wire = wire.upgrade(config.clone())?;
                        }
                        None => say(&mut wire, "502 5.5.2 Error: command not recognized")?,
                    },
                    "QUIT" => {
                        say(&mut wire, "221 2.0.0 Service closing transmission channel")?;
                        return Ok(());
                    }
                    _ => say(&mut wire, "502 5.5.2 Error: command not recognized")?,
                }
            }
            Ok(())
        }
        Script::Http { status, server } => {
            // A TLS hello on a plain HTTP port gets a 400, as nginx and Apache answer it.
            let mut first = [0u8; 1];
            if wire.read(&mut first)? == 0 {
                return Ok(());
            }
            if first[0] == 0x16 {
                seen.tls_hello = true;
                let mut reply = String::from("HTTP/1.1 400 Bad Request\r\n");
                if let Some(server) = &server {
                    reply.push_str(&format!("Server: {server}\r\n"));
                }
                reply.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
                wire.write_all(reply.as_bytes())?;
                return wire.flush();
            }
            let mut request = vec![first[0]];
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && wire.read(&mut byte)? == 1 {
                request.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&request).to_string();
            for line in text.lines() {
                seen.lines.push(line.to_string());
            }
            let verb = text.split_whitespace().next().unwrap_or("").to_string();
            seen.commands.push(verb.to_ascii_uppercase());
            let mut reply = format!("{status}\r\n");
            if let Some(server) = &server {
                reply.push_str(&format!("Server: {server}\r\n"));
            }
            reply.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
            wire.write_all(reply.as_bytes())?;
            wire.flush()
        }
    }
}

/// A TLS server setup for a certificate and its key.
pub fn tls_config(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server certificate");
    Arc::new(config)
}

/// A self-signed certificate for `names`, and the server setup that presents it.
pub fn self_signed(names: &[&str]) -> (CertificateDer<'static>, Arc<ServerConfig>) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names).expect("self-signed certificate");
    let cert = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    (cert.clone(), tls_config(cert, key))
}

/// A certificate authority made for one test.
pub struct TestCa {
    pub der: CertificateDer<'static>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "PortSleuth Test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let key = rcgen::KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            der: cert.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` signed by this CA; `expired` makes one that ended
    /// in 2020.
    pub fn server(
        &self,
        names: &[&str],
        expired: bool,
    ) -> (CertificateDer<'static>, Arc<ServerConfig>) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(names.clone()).expect("leaf params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, names[0].clone());
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = rcgen::KeyPair::generate().expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        let der = cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (der.clone(), tls_config(der, key))
    }
}

/// A port on loopback that nothing listens on: bound, then released.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local address").port()
}

/// Asserts that every command is one the probe may send.
pub fn assert_only_allowed(seen: &Seen) {
    for command in &seen.commands {
        assert!(
            ALLOWED.contains(&command.as_str()),
            "the probe sent {command:?}; lines received: {:?}",
            seen.lines
        );
    }
    for line in &seen.lines {
        let upper = line.to_ascii_uppercase();
        for word in ["USER", "PASS", "LOGIN", "AUTH", "APOP"] {
            assert!(
                !upper.split_whitespace().any(|w| w == word),
                "credentials-like command {word} in {line:?}"
            );
        }
    }
}
