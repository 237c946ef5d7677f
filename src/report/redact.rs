//! Redaction: a copy of a report that can go into a ticket system outside the company.
//!
//! Personal values are account names, user names, host names, e-mail addresses and IP
//! addresses. They are collected first — from the fields that hold them (the account and server
//! the text names, the machine's name and user, process owners, socket addresses) and by pattern
//! from every string (e-mail and IP addresses, the user folder in `/home/NAME/`, `/Users/NAME/`,
//! `C:\Users\NAME\`) — and then replaced in every string of the report, longest first and only
//! as whole words, by stable placeholders such as `<user-1>`: one original, one placeholder,
//! throughout the report. Matching ignores ASCII case, as host and Windows user names do.
//!
//! Kept, because they say nothing about whose machine this is and the report must still read:
//! loopback and unspecified addresses (127.0.0.1, ::1, 0.0.0.0, ::), port numbers, the built-in
//! accounts (root, SYSTEM, LOCAL SERVICE, `_mdnsresponder`, …), service accounts named after the
//! program they run (`mysql` running `mysqld`), generic one-word server names (`mail`, `smtp`),
//! and values shorter than two characters.
//!
//! The walk goes over the report's JSON, so a field added later is redacted without anyone
//! remembering to; the fields that hold fixed vocabularies (category, kind, side, …) are skipped
//! so that the result always reads back. Spans still count bytes of the original text; the input
//! note says the text was redacted. [`RedactionMap`] lists the placeholders used, never the
//! originals. Pure: no I/O.

use super::Report;
use crate::engine::diagnose::Diagnosis;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::Snapshot;
use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

/// What kind of value a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactedKind {
    Account,
    User,
    Host,
    Email,
    Ip,
    /// A password, token or key written as `password=…`.
    Secret,
    /// A network card's MAC address.
    Mac,
    /// A value of a command-line option that names a person's or a company's thing
    /// (`--db=payroll`).
    Value,
}

impl RedactedKind {
    pub const ALL: [RedactedKind; 8] = [
        RedactedKind::Account,
        RedactedKind::User,
        RedactedKind::Host,
        RedactedKind::Email,
        RedactedKind::Ip,
        RedactedKind::Secret,
        RedactedKind::Mac,
        RedactedKind::Value,
    ];

    /// The word inside the placeholder: `<user-1>`.
    pub fn tag(self) -> &'static str {
        match self {
            RedactedKind::Account => "account",
            RedactedKind::User => "user",
            RedactedKind::Host => "host",
            RedactedKind::Email => "email",
            RedactedKind::Ip => "ip",
            RedactedKind::Secret => "secret",
            RedactedKind::Mac => "mac",
            RedactedKind::Value => "value",
        }
    }

    fn words(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (RedactedKind::Account, true) => "account",
            (RedactedKind::Account, false) => "accounts",
            (RedactedKind::User, true) => "user name",
            (RedactedKind::User, false) => "user names",
            (RedactedKind::Host, true) => "host name",
            (RedactedKind::Host, false) => "host names",
            (RedactedKind::Email, true) => "e-mail address",
            (RedactedKind::Email, false) => "e-mail addresses",
            (RedactedKind::Ip, true) => "IP address",
            (RedactedKind::Ip, false) => "IP addresses",
            (RedactedKind::Secret, true) => "secret",
            (RedactedKind::Secret, false) => "secrets",
            (RedactedKind::Mac, true) => "MAC address",
            (RedactedKind::Mac, false) => "MAC addresses",
            (RedactedKind::Value, true) => "option value",
            (RedactedKind::Value, false) => "option values",
        }
    }
}

/// One placeholder that stands in the redacted report for one original value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redaction {
    pub placeholder: String,
    pub kind: RedactedKind,
}

/// The placeholders a redaction used, in the order they were given out. It never holds the
/// original values, so it can be shown and logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedactionMap {
    pub entries: Vec<Redaction>,
}

impl RedactionMap {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn count(&self, kind: RedactedKind) -> usize {
        self.entries.iter().filter(|e| e.kind == kind).count()
    }

    /// "5 values redacted (2 user names, 1 host name, 2 IP addresses)".
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "no personal values were found to redact".to_owned();
        }
        let parts: Vec<String> = RedactedKind::ALL
            .iter()
            .map(|&k| (k, self.count(k)))
            .filter(|&(_, n)| n > 0)
            .map(|(k, n)| format!("{n} {}", k.words(n)))
            .collect();
        let values = if self.len() == 1 { "value" } else { "values" };
        format!("{} {values} redacted ({})", self.len(), parts.join(", "))
    }
}

/// A copy of `r` with every personal value replaced by a placeholder.
pub fn redact(r: &Report) -> Report {
    redact_with_map(r).0
}

/// [`redact`], and the placeholders it used (for "5 values redacted").
pub fn redact_with_map(r: &Report) -> (Report, RedactionMap) {
    let Ok(mut json) = serde_json::to_value(r) else {
        return (withheld(r), RedactionMap::default());
    };
    let mut found = Sensitive::default();
    found.collect_fields(r);
    found.collect_context(r);
    visit(&mut json, "", &mut |key, s| found.collect_text(key, s));
    let Some(replacer) = found.replacer() else {
        return (withheld(r), RedactionMap::default());
    };
    let mut used = vec![false; found.placeholders.len()];
    visit(&mut json, "", &mut |_, s| {
        if let Some(redacted) = replacer.replace(s, &mut used) {
            *s = redacted;
        }
    });
    let map = RedactionMap {
        entries: found
            .placeholders
            .iter()
            .zip(&used)
            .filter(|(_, used)| **used)
            .map(|(p, _)| p.clone())
            .collect(),
    };
    match serde_json::from_value::<Report>(json) {
        Ok(mut out) => {
            let said = format!(
                "Redacted for sharing: {}; spans still count bytes of the original text.",
                map.summary()
            );
            out.input.note = Some(match out.input.note.take() {
                Some(note) if !note.is_empty() => format!("{note} {said}"),
                _ => said,
            });
            (out, map)
        }
        Err(_) => (withheld(r), map),
    }
}

/// What is handed out when redaction cannot be done: nothing of the original. Leaking is worse
/// than an empty report.
fn withheld(r: &Report) -> Report {
    Report::new(
        "",
        Some("The report could not be redacted, so its contents were left out.".into()),
        Symptoms::default(),
        Diagnosis::default(),
        None,
        &[],
        r.generated_at.clone(),
    )
}

/// JSON keys whose strings are fixed vocabularies, never personal: replacing inside them could
/// only break the report (a user called `local` must not rename the `local` port side).
const VOCABULARY_KEYS: &[&str] = &[
    "schema",
    "category",
    "condition",
    "kind",
    "side",
    "transport",
    "manager",
    "outcome",
    "rule_id",
    "key",
    "speaker",
    "operation",
];

fn is_vocabulary(key: &str, value: &str) -> bool {
    VOCABULARY_KEYS.contains(&key)
        || (key == "source" && matches!(value, "text" | "scan" | "absence"))
}

/// Calls `f` with every string of `v` and the key it sits under (array items inherit the
/// array's key), skipping vocabulary.
fn visit(v: &mut Value, key: &str, f: &mut dyn FnMut(&str, &mut String)) {
    match v {
        Value::String(s) if !is_vocabulary(key, s) => f(key, s),
        Value::Array(items) => {
            for item in items {
                visit(item, key, f);
            }
        }
        Value::Object(fields) => {
            for (k, item) in fields.iter_mut() {
                visit(item, k, f);
            }
        }
        _ => {}
    }
}

/// Accounts that belong to the operating system, not to a person. Lower case.
const SYSTEM_ACCOUNTS: &[&str] = &[
    "root",
    "system",
    "local service",
    "localservice",
    "network service",
    "networkservice",
    "nobody",
    "nogroup",
    "daemon",
    "bin",
    "sys",
    "www-data",
    "trustedinstaller",
    "administrator",
    "admin",
    "guest",
    "defaultaccount",
    "wdagutilityaccount",
    "systemprofile",
    "public",
    "default",
    "default user",
    "all users",
    "shared",
];

/// Windows account domains that only hold built-in accounts. Lower case, with the backslash.
const SYSTEM_DOMAINS: &[&str] = &[
    "nt authority\\",
    "nt service\\",
    "window manager\\",
    "font driver host\\",
    "iis apppool\\",
    "builtin\\",
    "nt virtual machine\\",
];

fn is_system_account(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    SYSTEM_ACCOUNTS.contains(&lower.as_str())
        || lower.starts_with('_')
        || lower.starts_with("systemd-")
        || SYSTEM_DOMAINS.iter().any(|d| lower.starts_with(d))
}

/// One-word server names that say nothing about whose network it is. Lower case.
const GENERIC_HOSTS: &[&str] = &[
    "localhost",
    "localdomain",
    "localhost.localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "local",
    "mail",
    "pop",
    "pop3",
    "imap",
    "smtp",
    "mx",
    "exchange",
    "webmail",
    "server",
    "www",
    "ftp",
    "ldap",
    "proxy",
    "gateway",
    "router",
];

/// Values shorter than this are not replaced: a one-letter name would eat the report.
const MIN_LEN: usize = 2;

/// systemd unit suffixes: `getty@tty1.service` is a unit, not an e-mail address.
const UNIT_SUFFIXES: &[&str] = &[
    ".service", ".socket", ".target", ".timer", ".mount", ".slice", ".scope", ".path", ".device",
    ".swap",
];

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, compiled by the tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad redaction pattern {pattern}: {e}"))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:]*(?:\.\d{1,3}){0,3}"));
/// `/home/NAME`, `/Users/NAME`, `C:\Users\NAME`, `C:/Users/NAME`, also with doubled
/// backslashes as in pasted JSON.
static HOME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:/home/|/Users/|\b[a-z]:[\\/]{1,2}(?:Users|Documents and Settings)[\\/]{1,2})([^\\/\s'"<>:;,|*?()\[\]{}]+)"#,
    )
});
/// Windows profile folders with a space in the name, recognised only when a further path
/// separator closes them: `C:\Users\Ann Smith\AppData`.
static HOME_SPACED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b[a-z]:[\\/]{1,2}(?:Users|Documents and Settings)[\\/]{1,2}([^\\/\r\n\t'"<>:;,|*?]{1,64})[\\/]"#,
    )
});

/// A name a text introduces with the word for what it is: `user=rmiller`, `User Id=sa_admin`,
/// `Computer: MAILSRV02`, `login: ann`, `host: sql01`. The key decides the kind.
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(user(?:[ _-]?(?:name|id))?|uid|login(?:[ _-]?name)?|logon(?:[ _-]?name)?|account(?:[ _-]?name)?|owner|host(?:[ _-]?name)?|server(?:[ _-]?name)?|data source|computer(?:[ _-]?name)?|machine(?:[ _-]?name)?|workstation|domain)\s*[:=]\s*["'<\[]?([A-Za-z0-9_$][^\s"'<>\[\],;&)]{1,63})"#,
    )
});
/// `for user "pgadmin_ro"`, `for user ann`, `user 'bob'`: a name after the words that
/// introduce a login.
static FOR_USER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:for user|user|as user|login for|logon for)\s+["'“‘]([^"'”’\s]{2,64})["'”’]|\bfor user\s+([A-Za-z0-9_.$\-]{2,64})"#,
    )
});
/// `DOMAIN\name`: a Windows account with its domain.
static DOMAIN_USER: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([A-Za-z][A-Za-z0-9\-]{1,14})\\([A-Za-z][A-Za-z0-9._\-$]{1,63})\b"));
/// `password=hunter2`, `Pwd: x`, `token=…`, `api_key: …`: a secret written after its name.
static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(password|passwd|pwd|pass|passphrase|secret|client[_-]?secret|token|access[_-]?token|auth[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key)\s*[:=]\s*["']?([^\s"';,&]{1,128})"#,
    )
});
/// A MAC address: six byte pairs joined by `:` or `-`.
static MAC: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b"));
/// A fully qualified host name in free text: lower-case labels ending in a common top-level or
/// internal domain (`sql01.corp.local`, `mx1.example.com`); a Java package is not one.
static FQDN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^A-Za-z0-9._\-/])((?:[a-z0-9][a-z0-9\-]{0,62}\.)+(?:local|lan|corp|internal|intra|intranet|home|localdomain|ad|example|test|com|net|org|edu|gov|io|co|uk|de|fr|nl|be|ch|at|it|es|se|no|dk|fi|pl|cz|ru|cn|jp|au|ca|us|info|biz))(?:$|[^A-Za-z0-9_\-])",
    )
});
/// A Windows machine name in free text: at least four capitals and then two or three digits
/// (`MAILSRV02`, `EXCH01`, `WKS-ANN-42`), which protocol and algorithm names (`POP3`, `SHA256`)
/// are not.
static NETBIOS: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z][A-Z\-]{3,12}[0-9]{2,3})\b"));
/// A command-line option whose value names a person's or a company's thing.
static OPTION_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)^--?(user(?:name)?|login|owner|db|database|dbname|schema|host|hostname|server|domain|account|tenant|org|organization|password|passwd|pwd|pass|secret|token|key|api[_-]?key)=(.+)$"#,
    )
});

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Whether `s[start..end]` stands as a whole word: a value that begins or ends with a letter
/// or digit must not continue a longer word (`ann` is not replaced inside `annual`).
fn whole_word(s: &str, start: usize, end: usize) -> bool {
    let found = &s[start..end];
    let before = s[..start].chars().next_back();
    let after = s[end..].chars().next();
    let joins_before = is_word_char(found.chars().next()) && is_word_char(before);
    let joins_after = is_word_char(found.chars().next_back()) && is_word_char(after);
    !joins_before && !joins_after
}

/// Personal values found so far, each tied to its placeholder.
#[derive(Default)]
struct Sensitive {
    /// Canonical form (lower case, or the parsed IP) → index into `placeholders`.
    by_key: HashMap<String, usize>,
    placeholders: Vec<Redaction>,
    per_kind: HashMap<RedactedKind, usize>,
    /// Spellings to find in the strings, and the placeholder each becomes.
    literals: Vec<String>,
    targets: Vec<usize>,
    seen: HashSet<String>,
}

impl Sensitive {
    fn add(&mut self, kind: RedactedKind, key: &str, literal: &str) {
        let literal = literal.trim();
        if literal.chars().count() < MIN_LEN {
            return;
        }
        let index = match self.by_key.get(key) {
            Some(&i) => i,
            None => {
                let n = self.per_kind.entry(kind).or_insert(0);
                *n += 1;
                self.placeholders.push(Redaction {
                    placeholder: format!("<{}-{n}>", kind.tag()),
                    kind,
                });
                self.by_key
                    .insert(key.to_owned(), self.placeholders.len() - 1);
                self.placeholders.len() - 1
            }
        };
        if self.seen.insert(literal.to_ascii_lowercase()) {
            self.literals.push(literal.to_owned());
            self.targets.push(index);
        }
    }

    fn add_word(&mut self, kind: RedactedKind, value: &str) {
        let value = value.trim();
        self.add(kind, &value.to_lowercase(), value);
    }

    fn add_ip(&mut self, ip: IpAddr, literal: &str) {
        if !ip.is_loopback() && !ip.is_unspecified() {
            self.add(RedactedKind::Ip, &format!("ip:{ip}"), literal);
        }
    }

    /// A host name or address as the text or the scan wrote it: `mail.corp.example`,
    /// `[fe80::1]`, `fe80::1%eth0`, `10.0.0.5`, `*`, `/run/x.sock`.
    fn add_host(&mut self, value: &str) {
        let v = value.trim().trim_start_matches('[').trim_end_matches(']');
        let bare = v.split_once('%').map_or(v, |(addr, _zone)| addr);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            self.add_ip(ip, bare);
            return;
        }
        let looks_like_host = v.chars().any(|c| c.is_alphabetic())
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !looks_like_host || GENERIC_HOSTS.contains(&v.to_lowercase().as_str()) {
            return;
        }
        self.add_word(RedactedKind::Host, v);
        // The domain of `mail.corp.example` names the company too.
        if let Some((_, parent)) = v.split_once('.') {
            if parent.contains('.') {
                self.add_word(RedactedKind::Host, parent);
            }
        }
    }

    /// The machine's own name, and its first label under the same placeholder.
    fn add_machine(&mut self, hostname: &str) {
        let name = hostname.trim();
        self.add_host(name);
        if let Some((short, _)) = name.split_once('.') {
            if self.by_key.contains_key(&name.to_lowercase())
                && !GENERIC_HOSTS.contains(&short.to_lowercase().as_str())
            {
                self.add(RedactedKind::Host, &name.to_lowercase(), short);
            }
        }
    }

    /// A user as an operating system names it: `ann`, `CORP\ann`, `ann@corp.example`.
    fn add_user(&mut self, value: &str) {
        let v = value.trim();
        if v.is_empty() || is_system_account(v) {
            return;
        }
        if let Some((domain, name)) = v.split_once('\\') {
            self.add_host(domain);
            self.add_user_name(name);
        } else if let Some((name, domain)) = v.split_once('@') {
            self.add_word(RedactedKind::Email, v);
            self.add_user_name(name);
            self.add_host(domain);
        } else {
            self.add_user_name(v);
        }
    }

    fn add_user_name(&mut self, name: &str) {
        let name = name.trim();
        if !name.is_empty() && !is_system_account(name) {
            self.add_word(RedactedKind::User, name);
        }
    }

    /// An account as a mail client shows it; Outlook Express writes `alias on SERVER`.
    fn add_account(&mut self, value: &str) {
        self.add_word(RedactedKind::Account, value);
        let lower = value.to_ascii_lowercase();
        if let Some(i) = lower.rfind(" on ") {
            self.add_user_name(&value[..i]);
            self.add_host(&value[i + 4..]);
        }
    }

    /// The fields that hold personal values by what they are.
    fn collect_fields(&mut self, r: &Report) {
        let s = &r.symptoms;
        for a in &s.accounts {
            self.add_account(&a.value);
        }
        for v in s
            .servers
            .iter()
            .map(|v| &v.value)
            .chain(s.addresses.iter().map(|v| &v.value))
        {
            self.add_host(v);
        }
        for p in &s.ports {
            if let Some(address) = &p.address {
                self.add_host(address);
            }
        }
        let Some(snap) = &r.snapshot else { return };
        self.add_machine(&snap.host.hostname);
        self.add_user(&snap.host.user);
        for p in &snap.processes {
            if let Some(user) = &p.user {
                if !is_service_account(user, snap) {
                    self.add_user(user);
                }
            }
            self.add_command_line(&p.cmd);
        }
        for socket in &snap.sockets {
            self.add_host(&socket.local_addr);
            if let Some(remote) = &socket.remote_addr {
                self.add_host(remote);
            }
        }
    }

    /// The values of a process's options that name people and company things
    /// (`--user=ann`, `--db=payroll`, `-p secret` after `--password`).
    fn add_command_line(&mut self, cmd: &[String]) {
        let mut after_secret_flag = false;
        for arg in cmd {
            if after_secret_flag {
                self.add_word(RedactedKind::Secret, arg);
                after_secret_flag = false;
                continue;
            }
            let lower = arg.to_ascii_lowercase();
            after_secret_flag = matches!(
                lower.as_str(),
                "--password"
                    | "--passwd"
                    | "--pwd"
                    | "--token"
                    | "--secret"
                    | "--user"
                    | "--db"
                    | "--database"
            );
            let Some(caps) = OPTION_VALUE.captures(arg) else {
                continue;
            };
            let (Some(key), Some(value)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            let key = key.as_str().to_ascii_lowercase();
            let value = value.as_str().trim_matches(['"', '\'']);
            match key.as_str() {
                "user" | "username" | "login" | "owner" => self.add_user(value),
                "host" | "hostname" | "server" | "domain" => self.add_host(value),
                k if k.starts_with("pass")
                    || k.contains("secret")
                    || k.contains("token")
                    || k.contains("key")
                    || k == "pwd" =>
                {
                    self.add_word(RedactedKind::Secret, value);
                }
                _ => self.add_word(RedactedKind::Value, value),
            }
        }
    }

    /// Names that a text introduces by what they are, secrets written after their names, MAC
    /// addresses, and host names in free text. When in doubt a value is replaced: a report
    /// that reads a little worse is better than one that leaks.
    fn collect_introduced(&mut self, s: &str) {
        for caps in INTRODUCED.captures_iter(s) {
            let (Some(key), Some(value)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            let value = value.as_str().trim_end_matches(['.', ':', '\'', '"']);
            if value.chars().all(|c| c.is_ascii_digit()) || value.len() < MIN_LEN {
                continue;
            }
            let key = key.as_str().to_ascii_lowercase();
            if key.starts_with("host")
                || key.starts_with("server")
                || key.starts_with("computer")
                || key.starts_with("machine")
                || key.starts_with("data source")
                || key == "workstation"
                || key == "domain"
            {
                self.add_host(value);
            } else {
                self.add_user(value);
            }
        }
        for caps in FOR_USER.captures_iter(s) {
            if let Some(name) = caps.get(1).or_else(|| caps.get(2)) {
                self.add_user(name.as_str());
            }
        }
        for caps in DOMAIN_USER.captures_iter(s) {
            let (Some(whole), Some(domain), Some(name)) = (caps.get(0), caps.get(1), caps.get(2))
            else {
                continue;
            };
            // A standalone `DOMAIN\name`, not a piece of a path (`C:\Users\ann`, `Local\Temp`)
            // nor a registry key or a built-in account (`NT AUTHORITY\SYSTEM`).
            let before = s[..whole.start()].chars().next_back();
            let after = s[whole.end()..].chars().next();
            let standalone = !before.is_some_and(|c| matches!(c, '\\' | '/' | ':' | '.' | '%'))
                && !after.is_some_and(|c| matches!(c, '\\' | '/'));
            let d = domain.as_str().to_ascii_uppercase();
            let builtin = matches!(
                d.as_str(),
                "HKLM"
                    | "HKCU"
                    | "HKCR"
                    | "HKU"
                    | "AUTHORITY"
                    | "NT"
                    | "BUILTIN"
                    | "SERVICE"
                    | "APPPOOL"
                    | "SYSTEM32"
                    | "WINDOWS"
                    | "SOFTWARE"
                    | "SYSTEM"
                    | "MICROSOFT"
            ) || s[..whole.start()].ends_with("NT ")
                || is_system_account(name.as_str());
            if standalone && !builtin {
                self.add_user(&format!("{}\\{}", domain.as_str(), name.as_str()));
            }
        }
        for caps in SECRET.captures_iter(s) {
            if let Some(value) = caps.get(2) {
                self.add_word(RedactedKind::Secret, value.as_str());
            }
        }
        for m in MAC.find_iter(s) {
            self.add_word(RedactedKind::Mac, m.as_str());
        }
        for caps in FQDN.captures_iter(s) {
            if let Some(host) = caps.get(1) {
                self.add_host(host.as_str());
            }
        }
        for caps in NETBIOS.captures_iter(s) {
            if let Some(name) = caps.get(1) {
                self.add_host(name.as_str());
            }
        }
    }

    /// Names introduced by context in what came from the user or the machine — the paste,
    /// what was read from it, the scan's command lines, the actions' outputs — but not in the
    /// knowledge base's own words (explanations, steps, references).
    fn collect_context(&mut self, r: &Report) {
        self.collect_introduced(&r.input.text);
        let s = &r.symptoms;
        let values = s.responses.iter().chain(&s.accounts).map(|v| &v.value);
        for v in values.chain(s.servers.iter().map(|v| &v.value)) {
            self.collect_introduced(v);
        }
        if let Some(snap) = &r.snapshot {
            for p in &snap.processes {
                self.collect_introduced(&p.cmd.join(" "));
            }
        }
        for a in &r.actions_taken {
            self.collect_introduced(&a.detail);
            for t in a.error.iter().chain(&a.verification) {
                self.collect_introduced(t);
            }
        }
    }

    /// Personal values recognisable anywhere by their shape.
    fn collect_text(&mut self, key: &str, s: &str) {
        for m in EMAIL.find_iter(s) {
            let email = m.as_str().trim_end_matches(['.', '-']);
            let lower = email.to_ascii_lowercase();
            let tld_has_letter = email
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
            if tld_has_letter && !UNIT_SUFFIXES.iter().any(|u| lower.ends_with(u)) {
                self.add_word(RedactedKind::Email, email);
                if let Some((_, domain)) = email.split_once('@') {
                    self.add_host(domain);
                }
            }
        }
        for re in [&*HOME, &*HOME_SPACED] {
            for caps in re.captures_iter(s) {
                if let Some(name) = caps.get(1) {
                    self.add_user_name(name.as_str());
                }
            }
        }
        // Product and OS versions look like IPv4 addresses (`22.1.0.12`) and are not.
        if key != "version" && key != "os_version" {
            for m in IPV4.find_iter(s) {
                let before = s[..m.start()].chars().next_back();
                let mut after = s[m.end()..].chars();
                let continues =
                    after.next() == Some('.') && after.next().is_some_and(|c| c.is_ascii_digit());
                if before == Some('.') || continues {
                    continue;
                }
                if let Ok(ip) = m.as_str().parse::<Ipv4Addr>() {
                    self.add_ip(IpAddr::V4(ip), m.as_str());
                }
            }
        }
        for m in IPV6.find_iter(s) {
            if !whole_word(s, m.start(), m.end()) || s[..m.start()].ends_with('.') {
                continue;
            }
            let candidate = m.as_str();
            let parsed = candidate
                .parse::<IpAddr>()
                .ok()
                .map(|ip| (ip, candidate))
                .or_else(|| {
                    let trimmed = candidate.trim_end_matches(':');
                    trimmed.parse::<IpAddr>().ok().map(|ip| (ip, trimmed))
                });
            if let Some((ip @ IpAddr::V6(_), literal)) = parsed {
                self.add_ip(ip, literal);
            }
        }
    }

    fn replacer(&self) -> Option<Replacer> {
        let searcher = if self.literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&self.literals)
                    .ok()?,
            )
        };
        Some(Replacer {
            searcher,
            targets: self.targets.clone(),
            placeholders: self
                .placeholders
                .iter()
                .map(|p| p.placeholder.clone())
                .collect(),
        })
    }
}

/// A process owner that is only a service account: not the person at the machine, and named
/// after the program it runs (`mysql` runs `mysqld`, `postfix` runs `postfix@-.service`).
/// Its name is kept because replacing it would also rename the program in the report.
fn is_service_account(user: &str, snap: &Snapshot) -> bool {
    let name = user.rsplit('\\').next().unwrap_or(user).to_lowercase();
    if name.chars().count() < 3
        || user.eq_ignore_ascii_case(&snap.host.user)
        || name.eq_ignore_ascii_case(&snap.host.user)
    {
        return false;
    }
    snap.processes
        .iter()
        .filter(|p| {
            p.user
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(user))
        })
        .any(|p| {
            p.exe_name.to_lowercase().contains(&name)
                || p.name.to_lowercase().contains(&name)
                || p.services.iter().any(|s| s.to_lowercase().contains(&name))
        })
}

struct Replacer {
    searcher: Option<AhoCorasick>,
    /// For each literal, the index of its placeholder.
    targets: Vec<usize>,
    placeholders: Vec<String>,
}

impl Replacer {
    /// `s` with every whole-word occurrence replaced, the longest value winning where several
    /// start at the same place; `None` when nothing was found. Marks the placeholders used.
    fn replace(&self, s: &str, used: &mut [bool]) -> Option<String> {
        let searcher = self.searcher.as_ref()?;
        let mut hits: Vec<(usize, usize, usize)> = searcher
            .find_overlapping_iter(s)
            .filter(|m| whole_word(s, m.start(), m.end()))
            .map(|m| (m.start(), m.end(), self.targets[m.pattern().as_usize()]))
            .collect();
        if hits.is_empty() {
            return None;
        }
        hits.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut out = String::with_capacity(s.len());
        let mut done = 0;
        for (start, end, target) in hits {
            if start < done {
                continue;
            }
            out.push_str(&s[done..start]);
            out.push_str(&self.placeholders[target]);
            used[target] = true;
            done = end;
        }
        out.push_str(&s[done..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::snapshot::{Host, Process, Socket, Transport};
    use crate::report::html::render_html;

    const TEXT: &str = "There was a problem logging onto your mail server. Your Password was rejected. Account: 'jdoe on MAILSRV-07', Server: 'mx1.acme-corp.example', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port 110, Secure(SSL): No, Error Number: 0x800CCC92\nReported by Jane.Doe@Acme-Corp.example from wks-ann-42; client 10.20.30.40 and [2001:db8::42]:51000 via 192.168.7.9:110, local 127.0.0.1:110 and 0.0.0.0:110 and [::1]:110\nLog: C:\\Users\\annsmith\\AppData\\Local\\Temp\\pop3.log\nConnection string: Server=sql01.corp.local;User Id=sa_admin;Password=hunter2; card 00:1A:2B:3C:4D:5E on MAILSRV02, login failed for user \"pgadmin_ro\" as CORP\\bwayne\n";

    /// Everything personal in [`TEXT`] and [`machine`], lower case.
    const SECRETS: &[&str] = &[
        "sql01.corp.local",
        "sa_admin",
        "hunter2",
        "00:1a:2b:3c:4d:5e",
        "mailsrv02",
        "pgadmin_ro",
        "bwayne",
        "payroll",
        "rmiller",
        "jdoe",
        "mailsrv-07",
        "mx1.acme-corp.example",
        "acme-corp.example",
        "jane.doe@acme-corp.example",
        "acme",
        "wks-ann-42",
        "annsmith",
        "10.20.30.40",
        "2001:db8::42",
        "192.168.7.9",
        "fe80::1234:5678",
    ];

    fn socket(
        local: &str,
        port: u16,
        remote: Option<(&str, u16)>,
        state: &str,
        pid: u32,
    ) -> Socket {
        Socket {
            transport: Transport::Tcp,
            local_addr: local.into(),
            local_port: port,
            remote_addr: remote.map(|(a, _)| a.to_owned()),
            remote_port: remote.map(|(_, p)| p),
            state: state.into(),
            pids: vec![pid],
            dual_stack: false,
        }
    }

    fn process(pid: u32, exe_name: &str, exe: &str, user: &str, cmd: &[&str]) -> Process {
        Process {
            pid,
            name: exe_name.into(),
            exe_name: exe_name.into(),
            exe: Some(exe.into()),
            cmd: cmd.iter().map(|c| (*c).to_owned()).collect(),
            user: Some(user.into()),
            start_time: 1_700_000_000,
            ..Process::default()
        }
    }

    fn machine() -> Snapshot {
        Snapshot {
            schema: "portsleuth.snapshot/1".into(),
            taken_at: "2026-01-02T03:04:05Z".into(),
            host: Host {
                hostname: "WKS-ANN-42".into(),
                os: "Windows".into(),
                os_version: "10.0.19045".into(),
                elevated: false,
                user: "ACME\\annsmith".into(),
                scanned_by: None,
                scanned_by_parent: None,
                addresses: Vec::new(),
            },
            sockets: vec![
                socket("0.0.0.0", 110, None, "LISTEN", 1234),
                socket(
                    "192.168.7.9",
                    50_000,
                    Some(("10.20.30.40", 110)),
                    "ESTABLISHED",
                    1234,
                ),
                socket(
                    "fe80::1234:5678",
                    50_001,
                    Some(("2001:db8::42", 995)),
                    "ESTABLISHED",
                    1234,
                ),
                socket("127.0.0.1", 5353, None, "LISTEN", 4),
            ],
            processes: vec![
                process(
                    1234,
                    "PoProxy.exe",
                    "C:\\Users\\annsmith\\AppData\\Local\\Vendor\\PoProxy.exe",
                    "ACME\\annsmith",
                    &[
                        "PoProxy.exe",
                        "--peer",
                        "10.20.30.40",
                        "--notify",
                        "jane.doe@acme-corp.example",
                        "--user=rmiller",
                        "--db=payroll",
                    ],
                ),
                process(4, "System", "System", "NT AUTHORITY\\SYSTEM", &[]),
                process(
                    77,
                    "mysqld",
                    "/usr/sbin/mysqld",
                    "mysql",
                    &["/usr/sbin/mysqld"],
                ),
                process(1, "systemd", "/usr/lib/systemd/systemd", "root", &[]),
            ],
            ..Snapshot::default()
        }
    }

    fn report(text: &str, snap: Option<Snapshot>) -> Report {
        let knowledge = crate::session::Knowledge::builtin();
        crate::session::Case::with_snapshot(&knowledge, text.into(), None, snap)
            .report_at(&knowledge, "2026-01-02T03:04:06Z".into())
    }

    fn json(r: &Report) -> String {
        serde_json::to_string(r).expect("a report serialises")
    }

    /// The placeholder that replaced `original` in the pasted text, found by what follows it.
    fn placeholder_before<'a>(text: &'a str, after: &str) -> &'a str {
        let end = text
            .find(after)
            .unwrap_or_else(|| panic!("{after} in {text}"));
        let start = text[..end].rfind('<').expect("a placeholder");
        &text[start..end]
    }

    #[test]
    fn no_original_value_is_left_anywhere_in_the_redacted_report() {
        let original = report(TEXT, Some(machine()));
        let before = json(&original).to_lowercase();
        for secret in SECRETS {
            assert!(before.contains(secret), "the test report holds {secret}");
        }
        let (redacted, map) = redact_with_map(&original);
        let after = json(&redacted).to_lowercase();
        for secret in SECRETS {
            assert!(!after.contains(secret), "{secret} left in {after}");
        }
        for format in [
            crate::report::Format::Html,
            crate::report::Format::Markdown,
            crate::report::Format::Text,
        ] {
            let shown = crate::report::render(&original, format, true).to_lowercase();
            for secret in SECRETS {
                assert!(
                    !shown.contains(secret),
                    "{secret} left in the {format:?} report"
                );
            }
        }
        let html = render_html(&redacted).to_lowercase();
        for secret in SECRETS {
            assert!(!html.contains(secret), "{secret} left in the HTML");
        }
        assert!(map.len() >= 8, "{map:?}");
        let shown = serde_json::to_string(&map).expect("map").to_lowercase();
        for secret in SECRETS {
            assert!(!shown.contains(secret), "the map shows {secret}");
        }
        for kind in RedactedKind::ALL {
            assert!(map.count(kind) > 0, "no {kind:?} redacted: {map:?}");
        }
    }

    #[test]
    fn loopback_unspecified_addresses_ports_and_system_accounts_are_kept() {
        let redacted = redact(&report(TEXT, Some(machine())));
        let text = &redacted.input.text;
        for kept in [
            "127.0.0.1:110",
            "0.0.0.0:110",
            "[::1]:110",
            "Port 110",
            "0x800CCC92",
            ":51000",
        ] {
            assert!(text.contains(kept), "{kept} missing from {text}");
        }
        let snap = redacted.snapshot.expect("snapshot kept");
        let users: Vec<&str> = snap
            .processes
            .iter()
            .filter_map(|p| p.user.as_deref())
            .collect();
        assert!(users.contains(&"NT AUTHORITY\\SYSTEM") && users.contains(&"root"));
        assert!(
            users.contains(&"mysql"),
            "a service account named after its program is kept"
        );
        assert!(snap.processes.iter().any(|p| p.exe_name == "mysqld"));
        assert_eq!(snap.sockets[0].local_addr, "0.0.0.0");
        assert_eq!(snap.sockets[3].local_addr, "127.0.0.1");
        assert_eq!(snap.sockets[1].remote_port, Some(110));
    }

    #[test]
    fn the_same_value_gets_the_same_placeholder_everywhere() {
        let redacted = redact(&report(TEXT, Some(machine())));
        let text = &redacted.input.text;
        let snap = redacted.snapshot.as_ref().expect("snapshot");
        let ip = placeholder_before(text, " and [");
        assert!(ip.starts_with("<ip-"), "{ip}");
        assert_eq!(snap.sockets[1].remote_addr.as_deref(), Some(ip));
        assert!(snap.processes[0].cmd.iter().any(|c| c == ip));
        let host = placeholder_before(text, "; client");
        assert!(host.starts_with("<host-"), "{host}");
        assert_eq!(
            snap.host.hostname, host,
            "host names match whatever their case"
        );
        let (domain, user) = snap.host.user.split_once('\\').expect("DOMAIN\\user");
        assert!(domain.starts_with("<host-") && user.starts_with("<user-"));
        assert!(
            text.contains(&format!("C:\\Users\\{user}\\AppData")),
            "{text}"
        );
        let exe = snap.processes[0].exe.as_deref().unwrap_or("");
        assert!(exe.contains(&format!("\\Users\\{user}\\")), "{exe}");
        let email = placeholder_before(text, " from ");
        assert!(email.starts_with("<email-"), "{email}");
        assert!(
            snap.processes[0].cmd.iter().any(|c| c == email),
            "e-mail case does not matter"
        );
        assert_eq!(
            redacted.symptoms.accounts[0].value,
            placeholder_before(text, "', Server:")
        );
    }

    #[test]
    fn the_report_says_it_was_redacted_and_reads_back() {
        let original = report(TEXT, Some(machine()));
        let (redacted, map) = redact_with_map(&original);
        let note = redacted.input.note.as_deref().unwrap_or("");
        assert!(
            note.contains("Redacted") && note.contains(&map.summary()),
            "{note}"
        );
        assert!(map
            .summary()
            .starts_with(&format!("{} values redacted (", map.len())));
        let back: Report = serde_json::from_str(&json(&redacted)).expect("reads back");
        assert_eq!(
            back.diagnosis.findings.len(),
            original.diagnosis.findings.len()
        );
        assert_eq!(
            back.diagnosis.findings[0].category,
            original.diagnosis.findings[0].category
        );
        assert_eq!(
            back.diagnosis.findings[0].rule_id,
            original.diagnosis.findings[0].rule_id
        );
    }

    #[test]
    fn a_user_named_like_a_report_keyword_does_not_break_the_report() {
        for name in ["local", "tcp", "scan", "text", "done", "remote"] {
            let mut snap = machine();
            snap.host.user = name.into();
            snap.processes[0].user = Some(name.into());
            let original = report(TEXT, Some(snap));
            let redacted = redact(&original);
            assert_eq!(
                redacted.diagnosis.findings.len(),
                original.diagnosis.findings.len(),
                "{name}"
            );
            let snap = redacted.snapshot.expect("snapshot");
            assert!(
                snap.host.user.starts_with("<user-"),
                "{name}: {}",
                snap.host.user
            );
            assert_eq!(snap.sockets[0].transport, Transport::Tcp);
            assert_eq!(
                redacted
                    .symptoms
                    .ports
                    .iter()
                    .map(|p| p.side)
                    .collect::<Vec<_>>(),
                original
                    .symptoms
                    .ports
                    .iter()
                    .map(|p| p.side)
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn only_whole_words_are_replaced() {
        let mut snap = machine();
        snap.host.user = "ann".into();
        let text = "Ann's annual report went to the channel; ann logged on. Port 110";
        let redacted = redact(&report(text, Some(snap)));
        assert!(
            redacted
                .input
                .text
                .starts_with("<user-1>'s annual report went to the channel; <user-1> logged on."),
            "{}",
            redacted.input.text
        );
    }

    #[test]
    fn systemd_units_versions_and_times_are_not_mistaken_for_addresses() {
        let text = "getty@tty1.service failed at 12:30:45; port 110 held; at 10:00:00:00";
        let mut snap = machine();
        snap.host.os_version = "10.0.19045.3803".into();
        snap.products.push(crate::engine::snapshot::Product {
            id: "registry:nav".into(),
            name: "Norton AntiVirus".into(),
            version: "22.1.0.12".into(),
            publisher: "Symantec".into(),
            source: "registry".into(),
            install_location: None,
            uninstall_command: None,
            quiet_uninstall_command: None,
            protected: None,
        });
        let redacted = redact(&report(text, Some(snap)));
        assert_eq!(redacted.input.text, text, "{:?}", redacted.input.note);
        let snap = redacted.snapshot.expect("snapshot");
        assert_eq!(snap.products[0].version, "22.1.0.12");
        assert_eq!(snap.host.os_version, "10.0.19045.3803");
    }

    #[test]
    fn a_report_with_nothing_personal_says_so() {
        let (redacted, map) = redact_with_map(&report("Port 110 0x800CCC92", None));
        assert!(map.is_empty());
        assert!(redacted
            .input
            .note
            .as_deref()
            .unwrap_or("")
            .contains("no personal values"));
    }
}
