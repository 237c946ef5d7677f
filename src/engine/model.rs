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
    Unknown,
}

impl Category {
    pub const ALL: [Category; 13] = [
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

/// What a code or phrase says happened, in the words rules reason with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    AddrInUse,
    AddrNotAvailable,
    AccessDenied,
    SharingViolation,
    AuthRejected,
    AuthMethod,
    ConnRefused,
    ConnTimeout,
    ConnReset,
    NetUnreachable,
    DnsFailure,
    TlsFailure,
    ServerReplyError,
    ListenerFailed,
    ServiceFailed,
    GenericFailure,
}

impl Condition {
    pub const ALL: [Condition; 16] = [
        Condition::AddrInUse,
        Condition::AddrNotAvailable,
        Condition::AccessDenied,
        Condition::SharingViolation,
        Condition::AuthRejected,
        Condition::AuthMethod,
        Condition::ConnRefused,
        Condition::ConnTimeout,
        Condition::ConnReset,
        Condition::NetUnreachable,
        Condition::DnsFailure,
        Condition::TlsFailure,
        Condition::ServerReplyError,
        Condition::ListenerFailed,
        Condition::ServiceFailed,
        Condition::GenericFailure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::AddrInUse => "addr_in_use",
            Condition::AddrNotAvailable => "addr_not_available",
            Condition::AccessDenied => "access_denied",
            Condition::SharingViolation => "sharing_violation",
            Condition::AuthRejected => "auth_rejected",
            Condition::AuthMethod => "auth_method",
            Condition::ConnRefused => "conn_refused",
            Condition::ConnTimeout => "conn_timeout",
            Condition::ConnReset => "conn_reset",
            Condition::NetUnreachable => "net_unreachable",
            Condition::DnsFailure => "dns_failure",
            Condition::TlsFailure => "tls_failure",
            Condition::ServerReplyError => "server_reply_error",
            Condition::ListenerFailed => "listener_failed",
            Condition::ServiceFailed => "service_failed",
            Condition::GenericFailure => "generic_failure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The condition in plain words, as evidence says it.
    pub fn describe(self) -> &'static str {
        match self {
            Condition::AddrInUse => "the address and port are already in use",
            Condition::AddrNotAvailable => "the address to bind is not on this machine",
            Condition::AccessDenied => "permission to use the socket was refused",
            Condition::SharingViolation => {
                "something else is using the resource (IIS says this for a taken port)"
            }
            Condition::AuthRejected => "the user name or password was refused",
            Condition::AuthMethod => "client and server do not agree on how to log on",
            Condition::ConnRefused => "nothing accepted the connection",
            Condition::ConnTimeout => "the connection timed out",
            Condition::ConnReset => "the connection was dropped",
            Condition::NetUnreachable => "the network could not reach the host",
            Condition::DnsFailure => "the host name could not be resolved",
            Condition::TlsFailure => "the secure (TLS/SSL) connection failed",
            Condition::ServerReplyError => "the server answered with an error",
            Condition::ListenerFailed => "a server could not start its listener",
            Condition::ServiceFailed => "a service failed",
            Condition::GenericFailure => "an unspecified failure",
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
