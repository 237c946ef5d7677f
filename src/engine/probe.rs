//! What one probe found, as plain data: serialisable into the report, comparable in tests.
//!
//! Nothing here does I/O. Every field says what was *seen*; conclusions are the diagnosis
//! engine's business, and where the probe could not tell, the field says so (`None`, a note)
//! instead of guessing.

use serde::{Deserialize, Serialize};

/// The outcome of one probe of one `host:port`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// The host as asked (name or address literal).
    pub host: String,
    /// The address the connection went to (or was tried last), `127.0.0.1` or `::1`.
    pub addr: Option<String>,
    pub port: u16,
    /// The protocol spoken, after `Auto` picked one: `pop3`, `imap`, `smtp`, `http`, `tls`, or
    /// `unknown` when nothing was recognised.
    pub protocol: String,
    pub dns: Dns,
    pub connect: Connect,
    /// Milliseconds from the start of the connection attempt to its outcome.
    pub ms: u64,
    /// The banner: the greeting line(s), or an HTTP status line and `Server:` header; control
    /// characters removed, lines joined with `\n`, at most [`GREETING_LIMIT`] bytes.
    pub greeting: Option<String>,
    /// Capabilities the server listed: POP3 `CAPA`, IMAP `CAPABILITY`, SMTP `EHLO` keywords.
    pub capabilities: Vec<String>,
    /// The banner catalogue's entry that matched the greeting.
    pub identified: Option<Identified>,
    /// TLS facts: `None` when TLS was not looked at (plain HTTP, a refused connection, …).
    pub tls: Option<TlsFacts>,
    /// Every command the probe sent, in order (`CAPA`, `STLS`, `QUIT`, …): the report can show
    /// that no credentials were ever sent.
    pub sent: Vec<String>,
    /// Anything else worth saying, in plain words.
    pub notes: Vec<String>,
}

/// Greetings and banners are cut to this many bytes (on a character boundary).
pub const GREETING_LIMIT: usize = 512;

/// How the host name became an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Dns {
    /// The resolver answered with these addresses, in the order it gave them.
    Resolved { addresses: Vec<String> },
    /// The name does not exist: NXDOMAIN (`EAI_NONAME`, `WSAHOST_NOT_FOUND` 11001), or a
    /// `.invalid` name, which never resolves (RFC 6761).
    NotFound { detail: String },
    /// No usable answer: the name has no address records (`EAI_NODATA`, `WSANO_DATA` 11004),
    /// the resolver failed temporarily (`EAI_AGAIN`, `WSATRY_AGAIN` 11002), or it gave no
    /// answer within the probe's budget.
    NoAnswer { detail: String },
    /// Anything else the resolver said.
    Error { detail: String },
    /// The host was an address literal; nothing was resolved.
    Literal,
    /// The address came from a `--resolve HOST=ADDR` override; nothing was resolved.
    Overridden { address: String },
}

/// What the TCP connection attempt came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Connect {
    /// Something accepted the connection.
    Open,
    /// Nothing listens there: the host answered with a reset (ECONNREFUSED, WSAECONNREFUSED).
    Refused,
    /// No answer at all within the budget: a firewall that drops, or a host that is down.
    TimedOut,
    /// No route to the host or its network (EHOSTUNREACH, ENETUNREACH, WSAEHOSTUNREACH, …).
    Unreachable { detail: String },
    /// Anything else the operating system said.
    Error { detail: String },
    /// No address to connect to (the name did not resolve) or no time left.
    NotAttempted,
}

/// A banner catalogue entry that matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identified {
    /// The catalogue's program id (matches `assets/programs.toml` where one exists).
    pub program_id: String,
    pub product: String,
    /// `mail_server`, `web_server`, `av_mail_proxy`, …
    pub kind: String,
}

/// How TLS was met on this port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// TLS from the first byte (POP3S 995, IMAPS 993, SMTPS 465, HTTPS 443, …).
    Implicit,
    /// Offered in the plain-text dialogue (STLS, STARTTLS) and used.
    Starttls,
    /// The plain-text dialogue did not offer an upgrade.
    NoneOffered,
}

/// The TLS side of the probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFacts {
    pub mode: TlsMode,
    /// The negotiated version, `TLSv1.3` or `TLSv1.2`; `None` when no handshake completed.
    pub version: Option<String>,
    /// The negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: Option<String>,
    /// Why the handshake failed, in plain words, when it did.
    pub handshake_error: Option<String>,
    /// The server's (leaf) certificate, when one was received.
    pub certificate: Option<CertificateFacts>,
}

/// What the server's certificate says, and what this computer thinks of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFacts {
    /// The subject's common name (CN), if it has one.
    pub subject_cn: Option<String>,
    /// The DNS names in the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// The IP addresses in the subjectAltName extension.
    pub ip_addresses: Vec<String>,
    /// The issuer's distinguished name, e.g. `CN=R11, O=Let's Encrypt, C=US`.
    pub issuer: String,
    /// Validity, RFC 3339 in UTC.
    pub not_before: String,
    pub not_after: String,
    /// True when the current time is past `not_after`.
    pub expired: bool,
    /// The platform's verdict for this host name: `Some(true)` trusted, `Some(false)` not (see
    /// `trust_error`), `None` when the platform could not say within the budget.
    pub trusted: Option<bool>,
    /// Why the platform does not trust it, in plain words followed by the verifier's own text.
    pub trust_error: Option<String>,
    /// The certificate names the host that was asked for (by DNS name or IP address).
    pub name_matches: bool,
    /// Issued by itself: the issuer is the subject and its own key verifies its signature.
    pub self_signed: bool,
    /// How many certificates the server sent (leaf plus intermediates).
    pub chain_length: usize,
    /// The product the issuer names, when the banner catalogue knows it: an antivirus that
    /// re-signs TLS with its own authority (Avast Web/Mail Shield, Kaspersky).
    pub issuer_identified: Option<Identified>,
}

impl CertificateFacts {
    /// The names it is issued for: its DNS names, or its subject's common name.
    pub fn names(&self) -> String {
        if self.dns_names.is_empty() {
            self.subject_cn.clone().unwrap_or_else(|| "no name".into())
        } else {
            self.dns_names.join(", ")
        }
    }

    /// This computer's verdict in words: "trusted by this computer", or why not.
    pub fn trust_words(&self) -> String {
        match self.trusted {
            Some(true) => "trusted by this computer".to_owned(),
            Some(false) => format!(
                "not trusted by this computer{}",
                self.trust_error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
            None => "this computer's verdict is not known".to_owned(),
        }
    }
}
