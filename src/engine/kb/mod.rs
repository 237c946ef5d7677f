//! The knowledge base: code tables, the program catalogue and the rules, read from TOML.
//!
//! Knowledge is data (see `assets/README.md` for the file format). The built-in files are
//! compiled into the binary ([`source`]); a technician's own folders are read on top of them,
//! and an entry with the same id or code replaces the built-in one ([`load`]). A broken entry is
//! reported with its file, line and what is wrong, and is skipped: the rest of the knowledge
//! base still works.
//!
//! Pure: this module never touches the file system or the machine. Reading the user's folders
//! is the session's job (`session::knowledge`), which hands their text in as [`KbSource`]s.

mod error;
mod load;
pub mod lookup;
mod matchers;
mod raw;
mod source;
mod tables;

pub use error::KbError;
pub use matchers::{
    parse_hex32, parse_holder_matcher, parse_symptom_matcher, pattern_builds, required_literals,
    Pattern,
};
pub use source::{KbSource, BUILTIN_FILES};

use super::model::{program_kind_words, Category, Condition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
/// A link to where a fact or a fix comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where an entry was defined, for `kb list` and error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// The decoded meaning of one code (HRESULT, Winsock, SMTP reply).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeInfo {
    pub name: String,
    pub meaning: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrnoInfo {
    pub name: String,
    pub linux: Option<i32>,
    pub macos: Option<i32>,
    pub libuv_windows: Option<i32>,
    pub message: String,
    pub meaning: Option<String>,
    pub condition: Option<Condition>,
    pub source: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    pub id: u32,
    pub sources: Vec<String>,
    pub product: String,
    pub meaning: String,
    pub condition: Option<Condition>,
    /// The protocol whose listener the event is about, so its port can be inferred.
    pub protocol: Option<String>,
    pub source: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhraseInfo {
    pub text: String,
    pub condition: Condition,
    pub source: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub ports: Vec<u16>,
    pub tls_ports: Vec<u16>,
}

/// Words that say which call failed, who said it, or on which side a port was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextWords {
    pub words: Vec<String>,
    pub operation: Option<crate::engine::model::Operation>,
    pub side: Option<PortSide>,
    pub speaker: Option<crate::engine::model::Speaker>,
}

/// A program known to take ports, or a server that should hold them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    pub id: String,
    pub exe: Vec<String>,
    pub product: String,
    pub vendor: Option<String>,
    pub kind: String,
    pub ports: Vec<u16>,
    pub how_to_disable: Option<String>,
    pub references: Vec<Reference>,
    pub origin: Origin,
}

impl Program {
    /// Whether an executable file name (`PoProxy.exe`, `nginx`) is this program.
    pub fn matches_exe(&self, file_name: &str) -> bool {
        let stem = strip_exe(file_name);
        self.exe
            .iter()
            .any(|e| strip_exe(e).eq_ignore_ascii_case(stem))
    }
}

/// `PoProxy.exe` → `PoProxy`; names are compared with and without the Windows suffix.
pub fn strip_exe(name: &str) -> &str {
    if name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".exe") {
        &name[..name.len() - 4]
    } else {
        name
    }
}

/// Which side of a connection a port was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortSide {
    /// A port this machine tried to bind or listen on.
    Local,
    /// A port a client connected to.
    Remote,
    Unknown,
}

impl PortSide {
    /// How evidence says where a port was: "it failed to bind local", "the protocol implies".
    pub fn describe(self, inferred: bool) -> &'static str {
        match (self, inferred) {
            (PortSide::Local, true) => "the failing listener implies local",
            (PortSide::Local, false) => "it failed to bind local",
            (PortSide::Remote, _) => "it connected to remote",
            (PortSide::Unknown, true) => "the protocol implies",
            (PortSide::Unknown, false) => "it names",
        }
    }
}

/// A test on what was read from the pasted text.
#[derive(Debug, Clone)]
pub enum SymptomMatcher {
    /// A condition, optionally only where the words around it say which call failed
    /// (`condition:access_denied@bind`) or who said it (`@server`, `@local`).
    Condition(Condition, ConditionContext),
    Code(u32),
    Winsock(u32),
    Errno(String),
    Event(u32),
    Protocol(String),
    Port(u16),
    Side(PortSide),
    Ssl(bool),
    Response(Pattern),
    Text(Pattern),
    Program(String),
    Smtp(u16),
    /// The text comes from this operating system (`windows`, `linux`, `macos`).
    Platform(String),
    /// The text names a port in this range (`port:<1024`, `port:>=1024`).
    PortRange(u16, u16),
    /// What a probe of the server the text names found (`probe:refused`, `probe:tls_implicit`).
    Probe(ProbeFact),
}

/// A fact a read-only probe of the server can establish (`portsleuth diagnose --probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeFact {
    /// The server refused the connection: nothing listens on the port.
    Refused,
    /// No answer at all within the time budget (a firewall that drops, a host that is down).
    TimedOut,
    /// No route to the host or its network.
    Unreachable,
    /// The name does not exist (NXDOMAIN).
    DnsNotFound,
    /// The name gave no usable answer (no address records, resolver failure, no reply).
    DnsNoAnswer,
    /// The port speaks TLS from the first byte.
    TlsImplicit,
    /// The plain-text dialogue offers an upgrade (STARTTLS / STLS).
    Starttls,
    /// The plain-text dialogue offers no TLS at all.
    NoTls,
    /// The port accepted the connection but said nothing a client expects.
    Silent,
    CertUntrusted,
    CertExpired,
    CertNameMismatch,
}

impl ProbeFact {
    pub const ALL: [(ProbeFact, &'static str); 12] = [
        (ProbeFact::Refused, "refused"),
        (ProbeFact::TimedOut, "timed_out"),
        (ProbeFact::Unreachable, "unreachable"),
        (ProbeFact::DnsNotFound, "dns_not_found"),
        (ProbeFact::DnsNoAnswer, "dns_no_answer"),
        (ProbeFact::TlsImplicit, "tls_implicit"),
        (ProbeFact::Starttls, "starttls"),
        (ProbeFact::NoTls, "no_tls"),
        (ProbeFact::Silent, "silent"),
        (ProbeFact::CertUntrusted, "cert_untrusted"),
        (ProbeFact::CertExpired, "cert_expired"),
        (ProbeFact::CertNameMismatch, "cert_name_mismatch"),
    ];
}

impl SymptomMatcher {
    /// Whether the matcher runs a pattern over the text (the costly kind to test).
    pub fn is_pattern(&self) -> bool {
        matches!(self, SymptomMatcher::Text(_) | SymptomMatcher::Response(_))
    }
}

/// Where a condition must have happened for a matcher to hold; `None` is anywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConditionContext {
    pub operation: Option<crate::engine::model::Operation>,
    pub speaker: Option<crate::engine::model::Speaker>,
}

/// A test on what holds a port on the scanned machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderMatcher {
    Any,
    Nobody,
    Kind(String),
    NotKind(String),
    Program(String),
    Name(String),
    SameAsFailing,
    Forwarder,
    Excluded,
    /// A program that neither serves the port (the catalogue's servers that should hold it)
    /// nor is a known interceptor: Skype or nginx on the POP3 port.
    Unexpected,
}

impl HolderMatcher {
    /// Whether the matcher names *which* program holds the port (by kind, catalogue id or
    /// name), so its confirmation is only as sure as the program's identification.
    pub fn is_identity(&self) -> bool {
        matches!(
            self,
            HolderMatcher::Kind(_) | HolderMatcher::Program(_) | HolderMatcher::Forwarder
        )
    }

    /// What the matcher looks for, in words: "held by an antivirus e-mail proxy".
    pub fn describe(&self) -> String {
        match self {
            HolderMatcher::Any => "held by some program".into(),
            HolderMatcher::Nobody => "held by nobody".into(),
            HolderMatcher::Kind(k) => format!("held by {}", program_kind_words(k)),
            HolderMatcher::NotKind(k) => {
                format!("held by something other than {}", program_kind_words(k))
            }
            HolderMatcher::Program(id) => format!("held by {id}"),
            HolderMatcher::Name(n) => format!("held by {n}"),
            HolderMatcher::SameAsFailing => {
                "held by another copy of the program that failed".into()
            }
            HolderMatcher::Forwarder => "held by a port forwarder (Docker, WSL)".into(),
            HolderMatcher::Excluded => "inside a Windows excluded port range".into(),
            HolderMatcher::Unexpected => {
                "held by an unexpected program (neither a server for it nor a known interceptor)"
                    .into()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Confirm,
    Refute,
    Adjust,
}

/// What a finding can offer to do about the port's holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    StopService,
    DisableService,
    Uninstall,
    StopProcess,
    OpenReference,
    /// Closes one TCP connection (Windows): offered by the scan table, never by a rule.
    CloseConnection,
}

impl ActionKind {
    /// The kinds a rule may offer.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::StopService,
        ActionKind::DisableService,
        ActionKind::Uninstall,
        ActionKind::StopProcess,
        ActionKind::OpenReference,
    ];

    /// The name rules, action ids and JSON use (`stop_process`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::StopService => "stop_service",
            ActionKind::DisableService => "disable_service",
            ActionKind::Uninstall => "uninstall",
            ActionKind::StopProcess => "stop_process",
            ActionKind::OpenReference => "open_reference",
            ActionKind::CloseConnection => "close_connection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Boost {
    pub when: SymptomMatcher,
    pub when_text: String,
    pub add: f64,
    pub why: String,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub holder: HolderMatcher,
    pub holder_text: String,
    pub effect: Effect,
    pub confidence: f64,
    pub why: String,
}

/// A cause PortSleuth can name, how it shows in text, and how a scan confirms or refutes it.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub cause: String,
    pub steps: Vec<String>,
    /// What to do once one of the rule's actions has freed the port (start the real server,
    /// test it, keep the culprit from coming back).
    pub after_fix: Vec<String>,
    pub actions: Vec<ActionKind>,
    pub references: Vec<Reference>,
    pub all: Vec<SymptomMatcher>,
    pub any: Vec<SymptomMatcher>,
    pub not: Vec<SymptomMatcher>,
    pub base: f64,
    pub needs_scan: bool,
    pub boosts: Vec<Boost>,
    pub checks: Vec<Check>,
    pub origin: Origin,
}

/// Everything PortSleuth knows, indexed for the reader and the diagnosis.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    pub hresults: BTreeMap<u32, CodeInfo>,
    pub winsock: BTreeMap<u32, CodeInfo>,
    pub errno: Vec<ErrnoInfo>,
    pub events: BTreeMap<u32, Vec<EventInfo>>,
    pub phrases: Vec<PhraseInfo>,
    pub smtp: BTreeMap<u16, CodeInfo>,
    /// SMTP enhanced status codes (RFC 3463): `5.7.1`, and subjects as `X.7`.
    pub smtp_enhanced: BTreeMap<String, CodeInfo>,
    /// Windows errors by their decimal number: Win32, WinINet and WinHTTP (12001–12193).
    pub win32: BTreeMap<u32, CodeInfo>,
    /// curl's exit and `CURLE_*` codes.
    pub curl: BTreeMap<u32, CodeInfo>,
    /// TLS alert numbers (RFC 8446), as Schannel and libraries report them.
    pub tls_alerts: BTreeMap<u32, CodeInfo>,
    pub protocols: Vec<ProtocolInfo>,
    /// The words around a condition or a port that say what was being done, and by whom.
    pub context: Vec<ContextWords>,
    pub programs: Vec<Program>,
    pub rules: Vec<Rule>,
    /// The files read, in order.
    pub files: Vec<String>,
}

impl KnowledgeBase {
    /// The built-in knowledge base. Its files are tested, so errors here are a build defect.
    pub fn builtin() -> Self {
        Self::load(&KbSource::builtin()).0
    }

    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    /// The catalogue entry for an executable file name, if it is a known program.
    pub fn program_for_exe(&self, file_name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.matches_exe(file_name))
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn protocol(&self, name: &str) -> Option<&ProtocolInfo> {
        self.protocols.iter().find(|p| p.name == name)
    }

    /// Every rule pattern that passed the syntax check but is too big to build, as
    /// "file:line: rule 'id': …" lines. Loading only checks syntax (patterns are built on first
    /// use); `kb check` builds them all.
    pub fn unbuildable_patterns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let matchers = rule
                .all
                .iter()
                .chain(&rule.any)
                .chain(&rule.not)
                .chain(rule.boosts.iter().map(|b| &b.when));
            for m in matchers {
                if let SymptomMatcher::Text(p) | SymptomMatcher::Response(p) = m {
                    if let Err(e) = pattern_builds(p) {
                        out.push(format!(
                            "{}:{}: rule '{}': {e}",
                            rule.origin.file, rule.origin.line, rule.id
                        ));
                    }
                }
            }
        }
        out
    }
}

/// `s` in lower case; ASCII text (nearly every phrase and message) without the Unicode tables.
pub fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Collapses runs of white space to one space, so phrases match across wrapped lines.
pub fn fold_space(s: &str) -> String {
    let b = s.as_bytes();
    // Most phrases and messages are already single-spaced: one pass to tell, no second copy.
    let mut prev_space = true;
    let mut plain = true;
    for &c in b {
        let space = c.is_ascii_whitespace();
        if space && (prev_space || c != b' ') || !c.is_ascii() {
            plain = false;
            break;
        }
        prev_space = space;
    }
    if plain && !prev_space {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exe_names_match_with_or_without_the_windows_suffix() {
        let p = Program {
            id: "x".into(),
            exe: vec!["PoProxy.exe".into()],
            product: String::new(),
            vendor: None,
            kind: "av_mail_proxy".into(),
            ports: vec![],
            how_to_disable: None,
            references: vec![],
            origin: Origin {
                file: String::new(),
                line: 1,
            },
        };
        assert!(p.matches_exe("poproxy.EXE"));
        assert!(p.matches_exe("PoProxy"));
        assert!(!p.matches_exe("PoProxyService"));
    }
}
