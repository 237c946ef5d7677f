//! The patterns and word lists the reader matches with. The patterns are constants of this
//! file and are compiled by the tests; a failure to compile is a programming error.

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// The most distinct items of one kind that are listed; beyond that they are only counted.
pub(super) const MAX_ITEMS: usize = 200;

/// A repetition of a non-ASCII-excluding class (`[^\n]{0,300}`) builds one UTF-8 automaton per
/// step, so the patterns here repeat such classes without a bound and the code that reads a
/// capture caps its length with [`capped`] instead.
pub(super) fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file and are compiled by the tests; a failure here is
    // a programming error caught before release.
    RegexBuilder::new(&crate::engine::text::ascii_classes(pattern))
        .build()
        .expect("built-in pattern compiles")
}

/// Builds every pattern now. Run on a second core while the knowledge base loads, the first
/// read then finds them built (a pattern being built when the reader reaches it is waited for,
/// never built twice).
pub fn warm_up() {
    LazyLock::force(&HEX);
    LazyLock::force(&WSA_NAME);
    LazyLock::force(&ERRNO_NAME);
    LazyLock::force(&ERR_NUMBER);
    LazyLock::force(&PORT_WORD);
    LazyLock::force(&PORT_LIST);
    LazyLock::force(&ADDR_PORT);
    LazyLock::force(&UNIX_ADDR);
    LazyLock::force(&URL);
    LazyLock::force(&SSL_FLAG);
    LazyLock::force(&ACCOUNT);
    LazyLock::force(&SERVER);
    LazyLock::force(&RESPONSE);
    LazyLock::force(&REPLY_LINE);
    LazyLock::force(&SMTP_CODE);
    LazyLock::force(&SMTP_ENHANCED);
    LazyLock::force(&CURL_CODE);
    LazyLock::force(&TLS_ALERT);
    LazyLock::force(&WIN32_CODE);
    LazyLock::force(&PROTOCOL_FIELD);
    LazyLock::force(&EVENT_ID);
    LazyLock::force(&EVENT_SOURCE);
    LazyLock::force(&WINDOWS_SIGNS);
    LazyLock::force(&LINUX_SIGNS);
    LazyLock::force(&MACOS_SIGNS);
}

pub(super) static HEX: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b0[xX×]([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})\b"));
pub(super) static WSA_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bWSA[A-Z_]{3,}\b"));
pub(super) static ERRNO_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bE[A-Z][A-Z0-9_]{2,}\b"));
/// Numbers whose spelling says they are an OS error code, with an optional message after them.
pub(super) static ERR_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i:\(OS (?P<os>\d{4,5})\))",
        r"|(?i:\[?WinError (?P<winerror>\d{1,5})\]?)",
        r"|(?i:\[Errno (?P<pyerrno>\d{1,5})\])(?P<pymsg>[^\n]*)",
        r"|(?i:\bos error (?P<oserror>\d{1,5})\b)",
        r"|(?i:SocketException \((?P<sockex>\d{1,5})\))(?P<sockmsg>[^\n]*)",
        r"|(?i:\berrno\s*[:=]?\s*(?P<errno>-?\d{1,5})\b)",
        r"|(?:^|[\s\[])\((?P<apache>\d{1,3})\)(?P<apachemsg>[A-Z][a-z][^:\n]*)",
        r"|\((?P<nginx>\d{1,5}): (?P<nginxmsg>[^)\n]{3}[^)\n]*)\)",
        r"|(?i:Got error: (?P<mysql>\d{1,5}):)(?P<mysqlmsg>[^\n]*)",
        r"|(?i:\bError (?P<uv>-\d{1,4}) E[A-Z]+)",
        r"|(?i:Socket Error:?\s*(?P<socket>\d{4,5}))",
        r"|(?i:\b(?:error|code|err|status)[\s:=#(]{1,3}(?P<generic>1[01]\d{3})\b)",
        r"|\((?P<paren>1[01]\d{3})\)",
        r#"|\bOs \{ code: (?P<rustos>\d{1,5}), kind: \w+, message: "(?P<rustmsg>[^"\n]+)""#,
        // A socket call's name with the number C's perror-less examples print: `bind() failed. (98)`.
        r"|(?i:\b(?:bind|listen|connect|accept|socket|setsockopt)\(\)(?: call)? failed[.:]?\s*\((?P<callerr>\d{1,5})\))",
        // A database client's "can't connect" ends with the errno in brackets, with or without
        // its message: `Can't connect to MySQL server on '10.0.0.5' (111)`,
        // `Can't connect to server on 'db' (111 "Connection refused")`.
        r#"|(?i:Can't connect to (?:[\w ]*? )?server (?:on|at|through) [^\n]*?\((?P<cantconnect>\d{1,5})(?: "(?P<cantconnectmsg>[^"\n]*)")?\))"#,
    ))
});
pub(super) static PORT_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bports?(?:\s+(?:number|to|of|on|no\.?))?\b[\s:=#\x22\x27]{0,4}\[?\s*(\d{1,5})\b\]?")
});
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
        r"|\blisten\((?P<dovaddr>[^,()\n]+),\s*(?P<p7>\d{1,5})\)",
        r"|<ipv[46]>\s*(?P<p8>\d{1,5})\b",
        r"|\(\s*'(?P<pyaddr>[^'\n]*)',\s*(?P<p9>\d{1,5})\s*(?:,\s*\d+\s*)*\)",
        r"|(?i:peeraddr=)(?P<peer>[\w.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<p10>\d{1,5})\b",
        r"|\b(?P<host>[A-Za-z][\w\-]*(?:\.[\w\-]+)+\.[A-Za-z]{2,}):(?P<p11>\d{2,5})\b",
        // Node prints IPv6 without brackets: `connect ECONNREFUSED ::1:3306`; Redis too
        // (`listening socket ::1:6379`).
        r"|(?:E[A-Z]{4,14}:?(?: [a-z ]+)?|\bconnect|\blisten|\bsocket|(?i:\bconnection to))\s+(?P<nodeaddr>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*):(?P<p12>\d{1,5})\b",
        // A service name and port as proxies and compose files write them: `"node1:8080"`.
        // A name may begin with digits (a container's id, `'9c95dafd9323:9092'`), not be digits
        // alone (`'12:30'` is a time).
        r"|[\x22'](?P<qhost>[0-9]*[A-Za-z][\w.\-]{0,62}):(?P<p13>\d{2,5})[\x22'/]",
        // `Any:25`, `All:80`: .NET and Windows servers' way of saying every address.
        r"|\b(?P<anyaddr>(?i:any|all|anyip)):(?P<p14>\d{1,5})\b",
        // Python's bytes: `b'127.0.0.1':1080`.
        r"|b'(?P<pyb>[0-9A-Fa-f:.]{2,45})':(?P<p15>\d{1,5})\b",
        // `openssl s_client -connect kafka-9092:9093`, `nc host 25`-style targets.
        r"|-connect\s+(?P<sclient>(?:<[^>\n]{1,40}>)?[\w.\-]*):(?P<p16>\d{1,5})\b",
        // wget's "Connecting to host (host)|192.0.2.7|:443... connected.": where it connected.
        r"|\|(?P<pipeaddr>[0-9A-Fa-f:.]{2,45})\|:(?P<p17>\d{1,5})\b",
        // Java's `Address already in use: JVM_Bind:8080`.
        r"|(?i:\bJVM_Bind):(?P<p18>\d{1,5})\b",
        // Whatever a program names as the address it binds: `Could not bind to <public IP>:19991`.
        // Host-like tokens only (a MAC address after "Listening on LPF/eth0/" is not one), or a
        // placeholder in brackets the user put there.
        r"|(?i:\bbind(?:ing)? to|\blisten(?:ing)? on)\s+(?P<bindaddr>[A-Za-z0-9_.\-]+|\[[A-Za-z0-9_. %\-]+\]|【[^】\n]+】|<[A-Za-z0-9_. \-]+>):(?P<p19>\d{1,5})\b",
        // Go's `dial tcp <address>:25: i/o timeout`, whatever the address is written as.
        r"|\bdial (?:tcp|udp)[46]? (?P<dialaddr>\[[^\]\s]+\]|[^\s\[:]+):(?P<p20>\d{1,5})\b",
        // Ansible's `Timeout when waiting for 192.0.2.7:5986`.
        r"|(?i:\btimeout when waiting for)\s+(?P<waitaddr>[^\s:]+):(?P<p21>\d{1,5})\b",
        // SELinux's `avc: denied { name_bind } for ... src=9103`: the port it would not bind.
        r"|(?i:\bdenied\s+\{\s*name_bind\s*\}[ -~]{0,300}?\bsrc=)(?P<p22>\d{1,5})\b",
        // Node Redis's `Redis connection to redis-server:6379 failed`: a compose service name.
        r"|(?i:\bconnection to)\s+(?P<connaddr>[A-Za-z][\w\-]*):(?P<p23>\d{2,5})\b",
        // JavaMail's `Couldn't connect to host, port: smtp.example.com, 465; timeout -1`.
        r"|(?i:\bconnect to host, port:)\s*(?P<jmhost>[\w.\-]+),\s*(?P<p24>\d{1,5})\b",
        // Elasticsearch's `BindTransportException[Failed to bind to [30381]]`.
        r"|(?i:\bbind to)\s*\[(?P<p25>\d{1,5})\]",
        // Postfix's `relay=mail.example.com[192.0.2.7]:25`: where it delivered or tried to.
        r"|\brelay=(?P<relayhost>[^\s\[,]+)\[[^\]\s]*\]:(?P<p26>\d{1,5})\b",
        // A quoted address with its host left out: wg-quick's ``Name or service not known: `:58210'``.
        r"|[`'\x22]:(?P<p27>\d{2,5})['\x22]",
        // A quoted host, then the port: Vapor's `could not bind to 'test.example.com':8080`.
        r"|'(?P<qhost2>[A-Za-z0-9][\w.\-]*)':(?P<p28>\d{1,5})\b",
        // Node's `getaddrinfo ENOTFOUND abc123 abc123:4502`: the name it could not resolve.
        r"|\bENOTFOUND\s+\S+\s+(?P<enfhost>[\w.\-]+):(?P<p29>\d{1,5})\b",
        // pasta's `Listen failed for HOST TCP port */80`: every address, one port.
        r"|\bport \*/(?P<p30>\d{1,5})\b",
        // The MySQL and MariaDB command-line clients' port option: `mysql -h 127.0.0.1 -P 6606`.
        r"|\b(?:mysql|mariadb|mysqldump|mysqladmin)\b[^\n]{0,80}?\s-P\s?(?P<p31>\d{2,5})\b",
        // A host written as one word (a placeholder or a machine name) after the verb that
        // names it: `connected to GATEWAY:443`, `listen tcp MYIP:443`, `the server pc-1:6443`.
        r"|(?i:\bconnected to|\bconnecting to|\bthe server)\s+(?P<verbhost>[A-Za-z][\w\-]{0,62}):(?P<p32>\d{2,5})\b",
        r"|(?i:\blisten (?:tcp|udp)[46]?)\s+(?P<listenhost>[A-Za-z][\w\-]{0,62}):(?P<p37>\d{2,5})\b",
        // A placeholder the user put for the host: `(<machinename>:5986)`.
        r"|<(?P<anglehost>[A-Za-z][\w .\-]{0,40})>:(?P<p33>\d{2,5})\b",
        // Source engine servers: `couldn't find an open port between 27016 and 27016`.
        r"|(?i:\bport between)\s+(?P<p34>\d{2,5})\s+and\s+\d{2,5}\b",
        // adb's `starting now at tcp:5037`.
        r"|\btcp:(?P<p35>\d{2,5})\b",
        // nmap's port table: `5986/tcp closed wsmans`.
        r"|(?m:^(?P<p36>\d{1,5})/(?:tcp|udp)\s+(?:open|closed|filtered)\b)",
        // QEMU's `-netdev socket,listen=:2001`, Varnish's `Could not get socket :80`: a bind
        // with the address left out.
        r"|(?:\blisten=|\bCould not get socket ):(?P<p38>\d{1,5})\b",
        // Tomcat's connectors carry their port in their names: `AjpProtocol-8009`,
        // `ProtocolHandler ["ajp-nio-127.0.0.1-8009"]`, `Connector[HTTP/1.1-8443]`; its thread
        // names (`[http-nio-8080-exec-3]`) are not read, they are on every line.
        r"|(?:\b(?:Http11(?:Nio2?|Apr)?|Ajp(?:Nio2?|Apr)?)Protocol-|\[\x22(?:https?|ajp)-(?:nio2?|apr|bio)-(?:(?:\d{1,3}\.){3}\d{1,3}-)?|\bConnector\[(?:HTTP/1\.1|AJP/1\.3)-)(?P<p39>\d{2,5})\b",
        // A host and port as the two arguments of telnet or netcat: `telnet 10.1.1.111 2323`,
        // `nc -w 3 mail.example.com 25`. The host has a dot or is bracketed (prose such as
        // `telnet from 2 machines` is not a command), and both stay on one line.
        r"|\b(?:telnet|nc|ncat|netcat)[ \t]+(?:-[A-Za-z]+(?:[ \t]+\d+)?[ \t]+)*(?P<tnhost>[A-Za-z0-9][\w\-]*(?:\.[\w\-]+)+|\[[0-9A-Fa-f:.]+\])[ \t]+(?P<p40>\d{1,5})\b",
    ))
});
pub(super) static UNIX_ADDR: LazyLock<Regex> = LazyLock::new(|| re(r"\bunix:(/[^\s'\x22,;)]+)"));
pub(super) static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(https?|ftps?|sftp|ssh|telnet|ldaps?|imaps?|pop3s?|smtps?|tcp|redis|amqps?|mqtts?|mongodb|postgres(?:ql)?|mysql)://(?:[^/\s@'\x22]+@)?(\[[0-9a-f:.]+\]|[^/\s:'\x22]+)(?::(\d{1,5}))?",
    )
});
pub(super) static SSL_FLAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Secure\s*\(\s*SSL\s*\)\s*:\s*(Yes|No)\b"));
pub(super) static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bAccount:\s*'([^'\n]+)'"));
pub(super) static SERVER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bServer:\s*'([^'\n]+)'"));
pub(super) static RESPONSE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?is)\bServer\s+Response:\s*'(.+?)'\s*(?:,|$|\n|Port|Secure|Server Error|Error Number)")
});
pub(super) static REPLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^[ \t>]*(?:S:\s*)?((?:-ERR|\* BYE|[A-Za-z0-9]{1,8} (?:NO|BAD)) [^\n]+|[45]\d\d[ \-][245]\.\d{1,3}\.\d{1,3}[^\n]*)",
    )
});
pub(super) static SMTP_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)(?i:Server Error:\s*)(?P<se>[2-5]\d\d)\b",
        r"|\b(?P<pair>[245]\d\d)[ \-][245]\.\d{1,3}\.\d{1,3}\b",
        r"|(?i:\bSMTP\b[^\n]{0,40}?\b)(?P<smtp>[45]\d\d)\b",
        r"|(?i:SMTP\w*(?:Error|Refused|Exception):?\s*\()(?P<py>[45]\d\d),",
        // Python's reply tuple on a line of its own: `(550, b'Unauthenticated senders not allowed', …)`.
        r"|^\((?P<tup>[45]\d\d), b?['\x22]",
        r"|(?i:(?:^|\s)(?:S:|<<<|<-)\s*|\b(?:said|replied|response|returned|reply code|status code|diagnostic-code:\s*smtp;)\s*:?\s*)(?P<ctx>[45]\d\d)\b",
    ))
});
/// An SMTP enhanced status code (RFC 3463) where its spelling says it is one: after a basic
/// code (`550 5.1.1`), after `#` (`#5.7.1`, as Exchange writes it) or `Status:`.
pub(super) static SMTP_ENHANCED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:\b[245]\d\d[ \-]|#|(?i:\bstatus:?)\s*)(?P<enh>[245]\.\d{1,3}\.\d{1,3})\b")
});
/// curl's exit codes as the command line prints them (`curl: (7) Failed to connect …`).
pub(super) static CURL_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bcurl(?::|\s+error:?)\s*\(?(?P<curl>\d{1,2})\)?"));
/// A TLS alert number as libraries and Schannel report it (`alert number 40`, `fatal alert
/// code is 70`, `TLS alert 48`).
pub(super) static TLS_ALERT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\balert(?:\s+(?:number|code|description|message))?(?:\s+is)?[\s:(]{1,3}(?P<alert>\d{1,3})\b",
    )
});
/// WinINet and WinHTTP errors by number (`error 12029`, `WinHttpException (12002)`).
pub(super) static WIN32_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:error|code|err|exception|win32|wininet|winhttp)[^\d\n]{0,14}\b(?P<win>12\d{3})\b")
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
        r#"(?im)^[ \t]*(?:Event\s+)?Source:[ \t]*([^\r\n]{2}[^\r\n]*?)[ \t]*$|<Provider\s+Name\s*=\s*['"]([^'"]{2}[^'"]*)['"]"#,
    )
});

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

/// Signs that a text comes from Windows, Linux or macOS.
pub(super) static WINDOWS_SIGNS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\b[A-Za-z]:\\[A-Za-z]|\bWinError\b|\bWindows\b|\.exe\b|\bPS [A-Z]:|\bEvent Viewer\b|\bnetsh\b|\bpowershell\b|\bWSA[A-Z]+\b|\bSystem\.Net\.|\bEventID\b|\b0x8007[0-9A-Fa-f]{4}\b|\bIIS Express\b|\bW3SVC\b|\bapplicationhost\.config\b|\bx86_64-(?:pc-)?windows\b)",
    )
});
pub(super) static LINUX_SIGNS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i:\b(?:linux|ubuntu|debian|centos|fedora|rhel|alpine|systemd|journalctl|systemctl|raspbian|mint)\b)|/var/log/|/etc/[a-z]|\broot@[\w-]+",
    )
});
pub(super) static MACOS_SIGNS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i:\bmac ?os\b|\bdarwin\b|\bmacbook\b)|/Users/[A-Za-z]|\blaunchctl\b"));

/// `s` cut to at most `max` bytes, at a character boundary.
pub(super) fn capped(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long each pattern takes to build (`cargo test --release -- --ignored --nocapture`).
    #[test]
    #[ignore = "prints build times; run by hand"]
    fn build_times() {
        let all: [(&str, &LazyLock<Regex>); 24] = [
            ("HEX", &HEX),
            ("WSA_NAME", &WSA_NAME),
            ("ERRNO_NAME", &ERRNO_NAME),
            ("ERR_NUMBER", &ERR_NUMBER),
            ("PORT_WORD", &PORT_WORD),
            ("PORT_LIST", &PORT_LIST),
            ("ADDR_PORT", &ADDR_PORT),
            ("UNIX_ADDR", &UNIX_ADDR),
            ("URL", &URL),
            ("SSL_FLAG", &SSL_FLAG),
            ("ACCOUNT", &ACCOUNT),
            ("SERVER", &SERVER),
            ("RESPONSE", &RESPONSE),
            ("REPLY_LINE", &REPLY_LINE),
            ("SMTP_CODE", &SMTP_CODE),
            ("SMTP_ENHANCED", &SMTP_ENHANCED),
            ("CURL_CODE", &CURL_CODE),
            ("TLS_ALERT", &TLS_ALERT),
            ("PROTOCOL_FIELD", &PROTOCOL_FIELD),
            ("EVENT_ID", &EVENT_ID),
            ("EVENT_SOURCE", &EVENT_SOURCE),
            ("WINDOWS_SIGNS", &WINDOWS_SIGNS),
            ("LINUX_SIGNS", &LINUX_SIGNS),
            ("MACOS_SIGNS", &MACOS_SIGNS),
        ];
        for (name, re) in all {
            let t = std::time::Instant::now();
            let r: &Regex = re;
            let _ = r.is_match("x");
            println!("{name:15} {:?}", t.elapsed());
        }
    }
}
