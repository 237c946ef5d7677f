//! The fixed vocabularies that rules, reports and scripts share: categories and conditions.
//!
//! Both lists are part of PortSleuth's contract (scripts read `category` from the JSON), so they
//! are closed enums here and only grow by a deliberate change of this file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of cause a finding names. Scripts rely on these exact names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    PortConflict,
    AvMailProxy,
    ReservedPortRange,
    PermissionDenied,
    AddressUnavailable,
    BadCredentials,
    AuthConfig,
    TlsMismatch,
    ServerUnreachable,
    Firewall,
    DnsFailure,
    ServerSide,
    /// Not a cause: what decides between causes that read the same could not be seen (the
    /// server is another machine, or the port's owner is hidden without elevation).
    Undecided,
    Unknown,
}

impl Category {
    pub const ALL: [Category; 14] = [
        Category::PortConflict,
        Category::AvMailProxy,
        Category::ReservedPortRange,
        Category::PermissionDenied,
        Category::AddressUnavailable,
        Category::BadCredentials,
        Category::AuthConfig,
        Category::TlsMismatch,
        Category::ServerUnreachable,
        Category::Firewall,
        Category::DnsFailure,
        Category::ServerSide,
        Category::Undecided,
        Category::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::PortConflict => "port_conflict",
            Category::AvMailProxy => "av_mail_proxy",
            Category::ReservedPortRange => "reserved_port_range",
            Category::PermissionDenied => "permission_denied",
            Category::AddressUnavailable => "address_unavailable",
            Category::BadCredentials => "bad_credentials",
            Category::AuthConfig => "auth_config",
            Category::TlsMismatch => "tls_mismatch",
            Category::ServerUnreachable => "server_unreachable",
            Category::Firewall => "firewall",
            Category::DnsFailure => "dns_failure",
            Category::ServerSide => "server_side",
            Category::Undecided => "undecided",
            Category::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a code or phrase says happened, in the words rules reason with. The names follow the
/// shared condition vocabulary of the code tables (`../shared/domain/codes/README.md`); the
/// tables' spellings (`address_in_use`, `timed_out`, `auth_failed` …) are read as aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    AddrInUse,
    AccessDenied,
    AddrNotAvailable,
    SharingViolation,
    ConnRefused,
    ConnTimeout,
    ConnReset,
    ConnAborted,
    NetUnreachable,
    HostUnreachable,
    DnsFailure,
    TlsFailure,
    CertUntrusted,
    CertNameMismatch,
    CertExpired,
    CertRevoked,
    ProtocolMismatch,
    AuthRejected,
    AuthMethod,
    RelayDenied,
    Blocklisted,
    MailboxUnknown,
    MessageRejected,
    MessageInfected,
    ServerBusy,
    ServerError,
    ServerReplyError,
    PermissionDenied,
    ResourceExhausted,
    ListenerFailed,
    ServiceFailed,
    GenericFailure,
    NotAnError,
}

impl Condition {
    pub const ALL: [Condition; 33] = [
        Condition::AddrInUse,
        Condition::AccessDenied,
        Condition::AddrNotAvailable,
        Condition::SharingViolation,
        Condition::ConnRefused,
        Condition::ConnTimeout,
        Condition::ConnReset,
        Condition::ConnAborted,
        Condition::NetUnreachable,
        Condition::HostUnreachable,
        Condition::DnsFailure,
        Condition::TlsFailure,
        Condition::CertUntrusted,
        Condition::CertNameMismatch,
        Condition::CertExpired,
        Condition::CertRevoked,
        Condition::ProtocolMismatch,
        Condition::AuthRejected,
        Condition::AuthMethod,
        Condition::RelayDenied,
        Condition::Blocklisted,
        Condition::MailboxUnknown,
        Condition::MessageRejected,
        Condition::MessageInfected,
        Condition::ServerBusy,
        Condition::ServerError,
        Condition::ServerReplyError,
        Condition::PermissionDenied,
        Condition::ResourceExhausted,
        Condition::ListenerFailed,
        Condition::ServiceFailed,
        Condition::GenericFailure,
        Condition::NotAnError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::AddrInUse => "addr_in_use",
            Condition::AccessDenied => "access_denied",
            Condition::AddrNotAvailable => "addr_not_available",
            Condition::SharingViolation => "sharing_violation",
            Condition::ConnRefused => "conn_refused",
            Condition::ConnTimeout => "conn_timeout",
            Condition::ConnReset => "conn_reset",
            Condition::ConnAborted => "conn_aborted",
            Condition::NetUnreachable => "net_unreachable",
            Condition::HostUnreachable => "host_unreachable",
            Condition::DnsFailure => "dns_failure",
            Condition::TlsFailure => "tls_failure",
            Condition::CertUntrusted => "cert_untrusted",
            Condition::CertNameMismatch => "cert_name_mismatch",
            Condition::CertExpired => "cert_expired",
            Condition::CertRevoked => "cert_revoked",
            Condition::ProtocolMismatch => "protocol_mismatch",
            Condition::AuthRejected => "auth_rejected",
            Condition::AuthMethod => "auth_method",
            Condition::RelayDenied => "relay_denied",
            Condition::Blocklisted => "blocklisted",
            Condition::MailboxUnknown => "mailbox_unknown",
            Condition::MessageRejected => "message_rejected",
            Condition::MessageInfected => "message_infected",
            Condition::ServerBusy => "server_busy",
            Condition::ServerError => "server_error",
            Condition::ServerReplyError => "server_reply_error",
            Condition::PermissionDenied => "permission_denied",
            Condition::ResourceExhausted => "resource_exhausted",
            Condition::ListenerFailed => "listener_failed",
            Condition::ServiceFailed => "service_failed",
            Condition::GenericFailure => "generic_failure",
            Condition::NotAnError => "not_an_error",
        }
    }

    /// Whether the condition says what happened (not "some failure" or "not an error").
    pub fn is_specific(self) -> bool {
        !matches!(self, Condition::GenericFailure | Condition::NotAnError)
    }

    /// A condition by its name or by a code table's spelling of it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .or_else(|| Self::alias(s))
    }

    fn alias(s: &str) -> Option<Self> {
        match s {
            "address_in_use" => Some(Condition::AddrInUse),
            "bind_access_denied" => Some(Condition::AccessDenied),
            "address_not_available" => Some(Condition::AddrNotAvailable),
            "connection_refused" => Some(Condition::ConnRefused),
            "timed_out" => Some(Condition::ConnTimeout),
            "connection_reset" => Some(Condition::ConnReset),
            "connection_aborted" => Some(Condition::ConnAborted),
            "network_unreachable" => Some(Condition::NetUnreachable),
            "name_not_resolved" => Some(Condition::DnsFailure),
            "tls_handshake_failed" => Some(Condition::TlsFailure),
            "auth_failed" => Some(Condition::AuthRejected),
            "auth_method_refused" => Some(Condition::AuthMethod),
            "other" => Some(Condition::GenericFailure),
            "not_a_network_error" => Some(Condition::NotAnError),
            _ => None,
        }
    }

    /// The condition in plain words, as evidence says it.
    pub fn describe(self) -> &'static str {
        match self {
            Condition::AddrInUse => "the address and port are already in use",
            Condition::AccessDenied => "permission to use the socket was refused",
            Condition::AddrNotAvailable => "the address to bind is not on this machine",
            Condition::SharingViolation => {
                "something else is using the resource (IIS says this for a taken port)"
            }
            Condition::ConnRefused => "nothing accepted the connection",
            Condition::ConnTimeout => "the connection or the answer timed out",
            Condition::ConnReset => "the other side dropped the connection",
            Condition::ConnAborted => "this machine's side ended the connection",
            Condition::NetUnreachable => "the network could not be reached",
            Condition::HostUnreachable => "the host could not be reached",
            Condition::DnsFailure => "the host name could not be resolved",
            Condition::TlsFailure => "the secure (TLS/SSL) connection failed",
            Condition::CertUntrusted => "the server's certificate is not trusted",
            Condition::CertNameMismatch => "the certificate was issued for another name",
            Condition::CertExpired => "a certificate has expired or is not valid yet",
            Condition::CertRevoked => {
                "a certificate is revoked, or its revocation could not be checked"
            }
            Condition::ProtocolMismatch => {
                "the two sides do not speak the same protocol or TLS setting"
            }
            Condition::AuthRejected => "the user name or password was refused",
            Condition::AuthMethod => "client and server do not agree on how to log on",
            Condition::RelayDenied => {
                "the mail server refused to relay the message for this client"
            }
            Condition::Blocklisted => "the server refused because of a block list or reputation",
            Condition::MailboxUnknown => "the mailbox or address does not exist",
            Condition::MessageRejected => {
                "the server refused the message (policy, size or content)"
            }
            Condition::MessageInfected => "the server found a virus or malware in the message",
            Condition::ServerBusy => "the server is busy or limits connections: try again later",
            Condition::ServerError => "the server or a service failed on its side",
            Condition::ServerReplyError => "the server answered with an error",
            Condition::PermissionDenied => "access was refused by permissions or policy",
            Condition::ResourceExhausted => "a local limit ran out (ports, handles, memory)",
            Condition::ListenerFailed => "a server could not start its listener",
            Condition::ServiceFailed => "a service failed",
            Condition::GenericFailure => "an unspecified failure",
            Condition::NotAnError => "not a network error",
        }
    }
}

/// Who said it: this machine's system or program, or the server in its reply.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The operating system, a runtime or the program on this machine.
    Local,
    /// The server, in its reply (`-ERR …`, `NO …`, `550 …`).
    Server,
    #[default]
    Unknown,
}

/// Which call failed: what the words around a condition say was being done.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Binding or listening on a port.
    Bind,
    /// Connecting to a server.
    Connect,
    /// Logging on.
    Login,
    /// The TLS handshake or certificate check.
    Handshake,
    /// Looking a name up.
    Resolve,
    /// Sending a message.
    Send,
    #[default]
    Unknown,
}

impl Operation {
    pub const ALL: [Operation; 6] = [
        Operation::Bind,
        Operation::Connect,
        Operation::Login,
        Operation::Handshake,
        Operation::Resolve,
        Operation::Send,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Bind => "bind",
            Operation::Connect => "connect",
            Operation::Login => "login",
            Operation::Handshake => "handshake",
            Operation::Resolve => "resolve",
            Operation::Send => "send",
            Operation::Unknown => "unknown",
        }
    }
}

/// Kinds of programs in the catalogue (`assets/programs.toml`).
pub const PROGRAM_KINDS: [&str; 12] = [
    "av_mail_proxy",
    "av_web_proxy",
    "mail_server",
    "web_server",
    "http_sys",
    "port_forwarder",
    "database",
    "voip",
    "virtualization",
    "system_service",
    "dev_server",
    "directory_server",
];

/// A program kind in plain words (`av_mail_proxy` → "an antivirus e-mail proxy").
pub fn program_kind_words(kind: &str) -> &'static str {
    match kind {
        "av_mail_proxy" => "an antivirus e-mail proxy",
        "av_web_proxy" => "an antivirus web proxy",
        "mail_server" => "the mail server",
        "web_server" => "a web server",
        "http_sys" => "http.sys (System, PID 4)",
        "port_forwarder" => "a port forwarder",
        "database" => "a database server",
        "voip" => "a voice/chat program",
        "virtualization" => "a virtualisation service",
        "system_service" => "a system service",
        "dev_server" => "a development server",
        "directory_server" => "a directory server",
        _ => "a known program",
    }
}

/// A byte range in the text the user pasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}
