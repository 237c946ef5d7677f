//! The patterns and word lists the reader matches with. The patterns are constants of this
//! file and are compiled by the tests; a failure to compile is a programming error.

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// The most distinct items of one kind that are listed; beyond that they are only counted.
pub(super) const MAX_ITEMS: usize = 200;

pub(super) fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file and are compiled by the tests; a failure here is
    // a programming error caught before release.
    RegexBuilder::new(pattern)
        .build()
        .expect("built-in pattern compiles")
}

pub(super) static HEX: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b0[xX]([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})\b"));
pub(super) static WSA_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bWSA[A-Z_]{3,}\b"));
pub(super) static ERRNO_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bE[A-Z][A-Z0-9_]{2,}\b"));
/// Numbers whose spelling says they are an OS error code, with an optional message after them.
pub(super) static ERR_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i:\(OS (?P<os>\d{4,5})\))",
        r"|(?i:\[?WinError (?P<winerror>\d{1,5})\]?)",
        r"|(?i:\[Errno (?P<pyerrno>\d{1,5})\])(?P<pymsg>[^\n]{0,80})",
        r"|(?i:\bos error (?P<oserror>\d{1,5})\b)",
        r"|(?i:SocketException \((?P<sockex>\d{1,5})\))(?P<sockmsg>[^\n]{0,80})",
        r"|(?i:\berrno[:=]?\s*(?P<errno>-?\d{1,5})\b)",
        r"|(?:^|[\s\[])\((?P<apache>\d{1,3})\)(?P<apachemsg>[A-Z][a-z][^:\n]{0,60})",
        r"|\((?P<nginx>\d{1,5}): (?P<nginxmsg>[^)\n]{3,120})\)",
        r"|(?i:Got error: (?P<mysql>\d{1,5}):)(?P<mysqlmsg>[^\n]{0,60})",
        r"|(?i:\bError (?P<uv>-\d{1,4}) E[A-Z]+)",
        r"|(?i:Socket Error:?\s*(?P<socket>\d{4,5}))",
        r"|(?i:\b(?:error|code|err)[\s:=#(]{1,3}(?P<generic>1[01]\d{3})\b)",
        r"|\((?P<paren>1[01]\d{3})\)",
        r#"|\bOs \{ code: (?P<rustos>\d{1,5}), kind: \w+, message: "(?P<rustmsg>[^"\n]{1,80})""#,
    ))
});
pub(super) static PORT_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bports?(?:\s+number)?\b[\s:=#]{0,3}\[?\s*(\d{1,5})\b\]?"));
pub(super) static PORT_LIST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bports\s*\(([\d,\s]{3,60})\)"));
pub(super) static ADDR_PORT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?P<v4>\b\d{1,3}(?:\.\d{1,3}){3}):(?P<p1>\d{1,5})\b",
        r"|\[(?P<v6>[0-9A-Fa-f:.]{2,45})\]:(?P<p2>\d{1,5})\b",
        r"|(?P<any6>:::)(?P<p3>\d{1,5})\b",
        r"|(?P<star>\*):(?P<p4>\d{1,5})\b",
        r"|\b(?P<local>localhost):(?P<p5>\d{1,5})\b",
        r"|\b(?:tcp|udp)[46]? :(?P<p6>\d{1,5})\b",
        r"|\blisten\((?P<dovaddr>[^,()\n]{1,45}),\s*(?P<p7>\d{1,5})\)",
        r"|<ipv[46]>\s*(?P<p8>\d{1,5})\b",
        r"|\(\s*'(?P<pyaddr>[^'\n]{0,45})',\s*(?P<p9>\d{1,5})\s*\)",
        r"|(?i:peeraddr=)(?P<peer>[\w.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<p10>\d{1,5})\b",
        r"|\b(?P<host>[A-Za-z][\w\-]*(?:\.[\w\-]+)+\.[A-Za-z]{2,}):(?P<p11>\d{2,5})\b",
    ))
});
pub(super) static UNIX_ADDR: LazyLock<Regex> = LazyLock::new(|| re(r"\bunix:(/[^\s'\x22,;)]+)"));
pub(super) static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(https?|ftp|ldaps?|imaps?|pop3s?|smtps?)://(\[[0-9a-f:.]+\]|[^/\s:'\x22]+)(?::(\d{1,5}))?",
    )
});
pub(super) static SSL_FLAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Secure\s*\(\s*SSL\s*\)\s*:\s*(Yes|No)\b"));
pub(super) static ACCOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bAccount:\s*'([^'\n]{1,200})'"));
pub(super) static SERVER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bServer:\s*'([^'\n]{1,255})'"));
pub(super) static RESPONSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)\bServer\s+Response:\s*'(.{1,400}?)'\s*(?:,|$|\n|Port|Secure|Server Error|Error Number)",
    )
});
pub(super) static REPLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^[ \t>]*(?:S:\s*)?((?:-ERR|\* BYE|[A-Za-z0-9]{1,8} (?:NO|BAD)) [^\n]{1,300}|[45]\d\d[ \-][245]\.\d{1,3}\.\d{1,3}[^\n]{0,300})",
    )
});
pub(super) static SMTP_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)(?i:Server Error:\s*)(?P<se>[2-5]\d\d)\b|^[ \t>]*(?P<line>[45]\d\d)[ \-][245]\.\d{1,3}\.\d{1,3}\b|(?i:\bSMTP\b[^\n]{0,40}?\b)(?P<smtp>[45]\d\d)\b|(?i:SMTP\w*Error:?\s*\()(?P<py>[45]\d\d),",
    )
});
pub(super) static PROTOCOL_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bProtocol:\s*([A-Za-z0-9]{2,10})\b"));
pub(super) static EVENT_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bEvent\s*ID\s*[:=#]?\s*(\d{1,5})\b|<EventID[^>]*>\s*(\d{1,5})\s*</EventID>|\bError:\s*(\d{4,5}),\s*Severity:",
    )
});
pub(super) static EVENT_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?im)^[ \t]*(?:Event\s+)?Source:[ \t]*([^\r\n]{2,80}?)[ \t]*$|<Provider\s+Name\s*=\s*['"]([^'"]{2,80})['"]"#,
    )
});

pub(super) const LOCAL_WORDS: [&str; 21] = [
    "bind",
    "listen",
    "make_sock",
    "in use",
    "allocated",
    "could not create",
    "failed to start",
    "hrregisterprotocol",
    "tcp provider",
    "shutdown socket",
    "eaddrinuse",
    "eacces",
    "eaddrnotavail",
    "address in use",
    "only one usage",
    "forbidden by its access",
    "not valid in its context",
    "cannot assign requested",
    "permission denied",
    "interface",
    "another application",
];
pub(super) const REMOTE_WORDS: [&str; 11] = [
    "connect",
    "server:",
    "peeraddr",
    "refused",
    "timed out",
    "timeout",
    "unreachable",
    "protocol:",
    "account:",
    "secure(ssl)",
    "remote",
];

/// Words that mark a line of a big log as worth reading closely. Every pattern above needs one
/// of these (or a phrase's longest word, or an errno name) on its line or a few lines away.
pub(super) const TRIGGERS: [&str; 39] = [
    "0x",
    "wsa",
    "err",
    "error",
    "errno",
    "winerror",
    "os error",
    "socketexception",
    "(10",
    "(11",
    "code",
    "port",
    "bind",
    "listen",
    "in use",
    "://",
    "ssl",
    "account:",
    "server",
    "response",
    "protocol:",
    "-err",
    "* bye",
    " no ",
    " bad ",
    "event",
    "source:",
    "provider",
    ".exe",
    "unix:",
    "peeraddr",
    "refused",
    "denied",
    "timed out",
    "failed",
    "failure",
    "exception",
    "fatal",
    "emerg",
];

/// Words too common in ordinary log lines to mark them as interesting.
pub(super) const COMMON_WORDS: [&str; 16] = [
    "service",
    "server",
    "address",
    "connection",
    "request",
    "default",
    "process",
    "another",
    "program",
    "unknown",
    "socket",
    "network",
    "client",
    "information",
    "because",
    "running",
];

/// Names that are too common as words to count as a program mention on their own.
pub(super) const NOT_PROGRAM_WORDS: [&str; 3] = ["system", "server", "service"];
