//! Reading pasted error text: what it says, with where it says it.
//!
//! The reader turns any text — a mail client's dialog, Event Viewer entries, server logs, stack
//! traces, several at once — into [`Symptoms`]: protocols, ports and their side, addresses, the
//! SSL flag, account and server, the server's reply, every code decoded, event IDs with their
//! sources, programs named, and the conditions all of that implies. Each item keeps the span of
//! the original text it came from. Repeated items (a log with the same error ten thousand times)
//! are counted, not listed again.
//!
//! Pure: no I/O. The code tables come from the knowledge base.

use super::kb::{fold_space, strip_exe, KnowledgeBase, PortSide, SymptomMatcher};
use super::model::{Condition, Span};
use super::text::Normalized;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The most distinct items of one kind that are listed; beyond that they are only counted.
const MAX_ITEMS: usize = 200;

/// Something read from the text, where it first appeared, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found<T> {
    pub value: T,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortMention {
    pub port: u16,
    pub side: PortSide,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    /// Not written in the text but implied (a POP3 event implies port 110).
    #[serde(default)]
    pub inferred: bool,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Hresult,
    Winsock,
    Errno,
    Smtp,
}

/// A code found in the text with its decoded meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodedCode {
    /// `hresult:0x800CCC92`, `winsock:10048`, `errno:EADDRINUSE`, `smtp:554`.
    pub key: String,
    pub kind: CodeKind,
    pub value: String,
    pub name: String,
    pub meaning: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Condition>,
    /// For numbers whose meaning depends on the operating system.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// How the text spelled it (`0x2740`, `OS 10048`, `(98)`).
    pub spelled: String,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMention {
    pub id: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub meaning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionHit {
    pub condition: Condition,
    /// What implied it: a code key or `phrase:"…"`.
    pub from: String,
    pub span: Span,
}

/// Everything read from one pasted text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Symptoms {
    pub text_bytes: usize,
    pub protocols: Vec<Found<String>>,
    pub ports: Vec<PortMention>,
    pub addresses: Vec<Found<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ssl: Option<Found<bool>>,
    pub accounts: Vec<Found<String>>,
    pub servers: Vec<Found<String>>,
    pub responses: Vec<Found<String>>,
    pub codes: Vec<DecodedCode>,
    pub events: Vec<EventMention>,
    pub programs: Vec<Found<String>>,
    pub conditions: Vec<ConditionHit>,
    /// Things the reader wants the user to know (items cut, input decoded lossily).
    pub notes: Vec<String>,
    /// The parts of the original text that were read closely (all of it, for a paste).
    #[serde(skip)]
    pub regions: Vec<(usize, usize)>,
}

impl Symptoms {
    pub fn has_condition(&self, c: Condition) -> bool {
        self.conditions.iter().any(|h| h.condition == c)
    }

    pub fn has_code(&self, key: &str) -> bool {
        self.codes.iter().any(|c| c.key == key)
    }

    /// Nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        self.protocols.is_empty()
            && self.ports.is_empty()
            && self.codes.is_empty()
            && self.events.is_empty()
            && self.conditions.is_empty()
            && self.responses.is_empty()
            && self.programs.is_empty()
    }

    /// Ports in the order a diagnosis should look at them: ports that failed to bind first,
    /// then ports named in the text, then inferred ones.
    pub fn ports_to_check(&self) -> Vec<u16> {
        let mut ports: Vec<&PortMention> = self.ports.iter().collect();
        ports.sort_by_key(|p| (p.side != PortSide::Local, p.inferred, p.span.start));
        let mut out: Vec<u16> = Vec::new();
        for p in ports {
            if !out.contains(&p.port) {
                out.push(p.port);
            }
        }
        out
    }
}

// ---- Patterns --------------------------------------------------------------------------------

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file and are compiled by the tests; a failure here is
    // a programming error caught before release.
    RegexBuilder::new(pattern)
        .build()
        .expect("built-in pattern compiles")
}

static HEX: LazyLock<Regex> = LazyLock::new(|| re(r"\b0[xX]([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})\b"));
static WSA_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bWSA[A-Z_]{3,}\b"));
static ERRNO_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"\bE[A-Z][A-Z0-9_]{2,}\b"));
/// Numbers whose spelling says they are an OS error code, with an optional message after them.
static ERR_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
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
static PORT_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bports?(?:\s+number)?\b[\s:=#]{0,3}\[?\s*(\d{1,5})\b\]?"));
static PORT_LIST: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bports\s*\(([\d,\s]{3,60})\)"));
static ADDR_PORT: LazyLock<Regex> = LazyLock::new(|| {
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
static UNIX_ADDR: LazyLock<Regex> = LazyLock::new(|| re(r"\bunix:(/[^\s'\x22,;)]+)"));
static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(https?|ftp|ldaps?|imaps?|pop3s?|smtps?)://(\[[0-9a-f:.]+\]|[^/\s:'\x22]+)(?::(\d{1,5}))?",
    )
});
static SSL_FLAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Secure\s*\(\s*SSL\s*\)\s*:\s*(Yes|No)\b"));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bAccount:\s*'([^'\n]{1,200})'"));
static SERVER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bServer:\s*'([^'\n]{1,255})'"));
static RESPONSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)\bServer\s+Response:\s*'(.{1,400}?)'\s*(?:,|$|\n|Port|Secure|Server Error|Error Number)",
    )
});
static REPLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^[ \t>]*(?:S:\s*)?((?:-ERR|\* BYE|[A-Za-z0-9]{1,8} (?:NO|BAD)) [^\n]{1,300}|[45]\d\d[ \-][245]\.\d{1,3}\.\d{1,3}[^\n]{0,300})",
    )
});
static SMTP_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)(?i:Server Error:\s*)(?P<se>[2-5]\d\d)\b|^[ \t>]*(?P<line>[45]\d\d)[ \-][245]\.\d{1,3}\.\d{1,3}\b|(?i:\bSMTP\b[^\n]{0,40}?\b)(?P<smtp>[45]\d\d)\b|(?i:SMTP\w*Error:?\s*\()(?P<py>[45]\d\d),",
    )
});
static PROTOCOL_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bProtocol:\s*([A-Za-z0-9]{2,10})\b"));
static EVENT_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bEvent\s*ID\s*[:=#]?\s*(\d{1,5})\b|<EventID[^>]*>\s*(\d{1,5})\s*</EventID>|\bError:\s*(\d{4,5}),\s*Severity:",
    )
});
static EVENT_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?im)^[ \t]*(?:Event\s+)?Source:[ \t]*([^\r\n]{2,80}?)[ \t]*$|<Provider\s+Name\s*=\s*['"]([^'"]{2,80})['"]"#,
    )
});

const LOCAL_WORDS: [&str; 21] = [
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
const REMOTE_WORDS: [&str; 11] = [
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
const TRIGGERS: [&str; 39] = [
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
const COMMON_WORDS: [&str; 16] = [
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
const NOT_PROGRAM_WORDS: [&str; 3] = ["system", "server", "service"];

/// What a matched phrase stands for.
#[derive(Debug, Clone, Copy)]
enum PhraseTarget {
    Phrase(usize),
    Errno(usize),
    Winsock(u32),
}

/// The reader, compiled once from a knowledge base.
pub struct Reader<'kb> {
    kb: &'kb KnowledgeBase,
    phrases: Option<Regex>,
    phrase_index: HashMap<String, Vec<PhraseTarget>>,
    programs: Option<AhoCorasick>,
    program_names: Vec<String>,
    protocol_words: Option<Regex>,
    protocol_alias: HashMap<String, String>,
    errno_by_name: HashMap<&'kb str, usize>,
    winsock_by_name: HashMap<&'kb str, u32>,
    triggers: AhoCorasick,
    trigger_whole_word: Vec<bool>,
    exe_suffix: AhoCorasick,
}

impl<'kb> Reader<'kb> {
    pub fn new(kb: &'kb KnowledgeBase) -> Self {
        // Phrases imply conditions; the system messages of errno and Winsock codes also name
        // the code itself ("Cannot assign requested address" is EADDRNOTAVAIL).
        let mut phrase_index: HashMap<String, Vec<PhraseTarget>> = HashMap::new();
        let mut texts: Vec<String> = Vec::new();
        let mut add = |text: &str, target: PhraseTarget| {
            let key = fold_space(&text.to_lowercase());
            let key = key.trim_end_matches('.').to_owned();
            if key.len() < 6 {
                return;
            }
            if !phrase_index.contains_key(&key) {
                texts.push(key.clone());
            }
            phrase_index.entry(key).or_default().push(target);
        };
        for (i, p) in kb.phrases.iter().enumerate() {
            add(&p.text, PhraseTarget::Phrase(i));
        }
        for (i, e) in kb
            .errno
            .iter()
            .enumerate()
            .filter(|(_, e)| e.condition.is_some())
        {
            add(&e.message, PhraseTarget::Errno(i));
        }
        for (code, info) in kb.winsock.iter().filter(|(_, w)| w.condition.is_some()) {
            if let Some(m) = info.message.as_deref().filter(|m| m.len() >= 20) {
                add(m, PhraseTarget::Winsock(*code));
            }
        }
        let mut alternatives: Vec<String> = texts
            .iter()
            .map(|t| {
                t.split_whitespace()
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(r"\s+")
            })
            .collect();
        // Longer phrases first, so the most specific one wins where they overlap.
        alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
        let phrases = (!alternatives.is_empty())
            .then(|| {
                RegexBuilder::new(&alternatives.join("|"))
                    .case_insensitive(true)
                    .size_limit(32 << 20)
                    .build()
                    .ok()
            })
            .flatten();

        let mut names: Vec<String> = Vec::new();
        for program in &kb.programs {
            for exe in &program.exe {
                names.push(strip_exe(exe).to_lowercase());
            }
        }
        for rule in &kb.rules {
            for m in rule
                .all
                .iter()
                .chain(&rule.any)
                .chain(&rule.not)
                .chain(rule.boosts.iter().map(|b| &b.when))
            {
                if let SymptomMatcher::Program(name) = m {
                    names.push(name.clone());
                }
            }
        }
        names.retain(|n| n.len() >= 4 && !NOT_PROGRAM_WORDS.contains(&n.as_str()));
        names.sort();
        names.dedup();
        let programs = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .ok();

        let mut protocol_alias = HashMap::new();
        let mut words = Vec::new();
        for p in &kb.protocols {
            protocol_alias.insert(p.name.to_lowercase(), p.name.clone());
            for a in &p.aliases {
                protocol_alias.insert(a.to_lowercase(), p.name.clone());
                words.push(regex::escape(a));
            }
        }
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let protocol_words =
            (!words.is_empty()).then(|| re(&format!(r"\b(?:{})\b", words.join("|"))));

        let errno_by_name = kb
            .errno
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        let winsock_by_name = kb
            .winsock
            .iter()
            .map(|(code, info)| (info.name.as_str(), *code))
            .collect();
        // Built-in triggers need a word start; phrase words and errno names a whole word.
        let mut trigger_words: Vec<(String, bool)> =
            TRIGGERS.iter().map(|t| ((*t).to_owned(), false)).collect();
        // The longest word of each phrase stands for it: wrapped lines keep words whole.
        for key in phrase_index.keys() {
            let word = key
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !COMMON_WORDS.contains(w))
                .max_by_key(|w| w.len())
                .filter(|w| w.len() >= 5);
            if let Some(word) = word {
                trigger_words.push((word.to_owned(), true));
            }
        }
        trigger_words.extend(
            kb.errno
                .iter()
                .filter(|e| e.name.len() >= 5)
                .map(|e| (e.name.to_lowercase(), true)),
        );
        trigger_words.sort();
        trigger_words.dedup_by(|a, b| a.0 == b.0);
        // A full DFA: too many words for a SIMD prefilter, and a DFA steps a byte at a time
        // without the NFA's indirections.
        let triggers = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(trigger_words.iter().map(|(w, _)| w))
            .expect("trigger words build");
        let trigger_whole_word: Vec<bool> = trigger_words.iter().map(|(_, whole)| *whole).collect();
        let exe_suffix = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build([".exe"])
            .expect("suffix builds");
        Self {
            kb,
            phrases,
            phrase_index,
            programs,
            program_names: names,
            protocol_words,
            protocol_alias,
            errno_by_name,
            winsock_by_name,
            triggers,
            trigger_whole_word,
            exe_suffix,
        }
    }

    pub fn kb(&self) -> &'kb KnowledgeBase {
        self.kb
    }

    /// Reads `original` and returns what it says.
    pub fn read(&self, original: &str) -> Symptoms {
        let norm = Normalized::new(original);
        let mut c = Collector {
            norm: &norm,
            base: 0,
            symptoms: Symptoms {
                text_bytes: original.len(),
                ..Symptoms::default()
            },
            index: HashMap::new(),
            cut: false,
        };
        let text: &str = &norm.text;
        for (start, end) in self.regions(text) {
            c.base = start;
            let region = &text[start..end];
            self.read_codes(region, &mut c);
            self.read_events(region, &mut c);
            self.read_protocols(region, &mut c);
            self.read_ports(region, &mut c);
            self.read_mail_fields(region, &mut c);
            self.read_exe_names(region, &mut c);
            self.read_phrases(region, &mut c);
            self.read_programs(region, &mut c);
            c.symptoms
                .regions
                .push((norm.original_pos(start), norm.original_pos(end)));
        }
        c.base = 0;
        self.infer_ports(&mut c);
        c.finish()
    }

    /// The parts of the text worth reading closely. A pasted error is read whole; a big log is
    /// read around the lines that hold something error-like (a code, "port", "bind", a known
    /// phrase…), a few lines either side, so that ordinary log lines cost one fast scan.
    fn regions(&self, text: &str) -> Vec<(usize, usize)> {
        const WHOLE: usize = 256 << 10;
        const CONTEXT_LINES: usize = 3;
        if text.len() <= WHOLE {
            return vec![(0, text.len())];
        }
        let bytes = text.as_bytes();
        let mut regions: Vec<(usize, usize)> = Vec::new();
        for m in self.triggers.find_iter(text) {
            if regions.last().is_some_and(|&(_, end)| m.start() < end) {
                continue;
            }
            let starts_word = bytes[m.start()].is_ascii_alphanumeric();
            if starts_word && m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric() {
                continue;
            }
            if self.trigger_whole_word[m.pattern().as_usize()]
                && bytes.get(m.end()).is_some_and(u8::is_ascii_alphanumeric)
            {
                continue;
            }
            let mut start = line_start(bytes, m.start());
            for _ in 0..CONTEXT_LINES {
                if start == 0 {
                    break;
                }
                start = line_start(bytes, start - 1);
            }
            let mut end = m.end();
            for _ in 0..=CONTEXT_LINES {
                end = bytes[end..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| end + i + 1);
                if end == bytes.len() {
                    break;
                }
            }
            match regions.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => regions.push((start, end)),
            }
        }
        regions
    }

    fn read_codes(&self, text: &str, c: &mut Collector) {
        for m in HEX.captures_iter(text) {
            let (Some(whole), Some(digits)) = (m.get(0), m.get(1)) else {
                continue;
            };
            let Ok(value) = u32::from_str_radix(digits.as_str(), 16) else {
                continue;
            };
            if digits.len() == 4 {
                if self.kb.winsock.contains_key(&value) {
                    self.add_winsock(c, value, whole.as_str(), whole.start(), whole.end());
                }
            } else {
                self.add_hresult(c, value, whole.as_str(), whole.start(), whole.end());
            }
        }
        for m in WSA_NAME.find_iter(text) {
            if let Some(&code) = self.winsock_by_name.get(m.as_str()) {
                self.add_winsock(c, code, m.as_str(), m.start(), m.end());
            }
        }
        for m in ERRNO_NAME.find_iter(text) {
            if let Some(&i) = self.errno_by_name.get(m.as_str()) {
                self.add_errno(c, i, None, m.as_str(), m.start(), m.end());
            }
        }
        for caps in ERR_NUMBER.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let msg = [
                "pymsg",
                "sockmsg",
                "apachemsg",
                "nginxmsg",
                "mysqlmsg",
                "rustmsg",
            ]
            .iter()
            .find_map(|n| caps.name(n))
            .map(|m| m.as_str().trim());
            let (style, number) = match [
                "os", "winerror", "pyerrno", "oserror", "sockex", "errno", "apache", "nginx",
                "mysql", "uv", "socket", "generic", "paren", "rustos",
            ]
            .iter()
            .find_map(|n| caps.name(n).map(|m| (*n, m)))
            {
                Some(found) => found,
                None => continue,
            };
            let Ok(n) = number.as_str().parse::<i64>() else {
                continue;
            };
            let spelled = whole.as_str().trim();
            let (start, end) = (number.start(), number.end());
            if (10000..=11999).contains(&n) {
                let n = n as u32;
                if self.kb.winsock.contains_key(&n) {
                    self.add_winsock(c, n, spelled, start, end);
                }
                continue;
            }
            if matches!(style, "winerror" | "os" | "socket" | "generic" | "paren") {
                continue;
            }
            self.add_errno_number(c, n as i32, msg, spelled, start, end);
        }
        for caps in SMTP_CODE.captures_iter(text) {
            let Some(m) = caps
                .name("se")
                .or_else(|| caps.name("line"))
                .or_else(|| caps.name("smtp"))
                .or_else(|| caps.name("py"))
            else {
                continue;
            };
            let Ok(code) = m.as_str().parse::<u16>() else {
                continue;
            };
            if let Some(info) = self.kb.smtp.get(&code) {
                let key = format!("smtp:{code}");
                c.code(DecodedCode {
                    key,
                    kind: CodeKind::Smtp,
                    value: code.to_string(),
                    name: info.name.clone(),
                    meaning: info.meaning.clone(),
                    message: None,
                    condition: info.condition,
                    platform: None,
                    note: info.note.clone(),
                    source: Some(info.source.clone()),
                    spelled: m.as_str().to_owned(),
                    span: Span {
                        start: m.start(),
                        end: m.end(),
                    },
                    count: 1,
                });
            }
        }
    }

    fn add_hresult(&self, c: &mut Collector, value: u32, spelled: &str, start: usize, end: usize) {
        let hex = format!("0x{value:08X}");
        let low = value & 0xFFFF;
        let facility = (value >> 16) & 0x1FFF;
        let wrapped_winsock =
            (value & 0x8000_0000 != 0 && self.kb.winsock.contains_key(&low)).then_some(low);
        let decoded = match self.kb.hresults.get(&value) {
            Some(info) => DecodedCode {
                key: format!("hresult:{hex}"),
                kind: CodeKind::Hresult,
                value: hex.clone(),
                name: info.name.clone(),
                meaning: info.meaning.clone(),
                message: info.message.clone(),
                condition: info.condition,
                platform: None,
                note: info.note.clone(),
                source: Some(info.source.clone()),
                spelled: spelled.to_owned(),
                span: Span { start, end },
                count: 1,
            },
            None if value & 0x8000_0000 == 0 => return,
            None => {
                let meaning = match wrapped_winsock.and_then(|w| self.kb.winsock.get(&w)) {
                    Some(info) => format!("Not in PortSleuth's tables; its low word 0x{low:04X} is Winsock {low} ({}): {}", info.name, info.meaning),
                    None if facility == 7 => format!("HRESULT wrapping Windows error {low} (facility WIN32)."),
                    None => format!("Not in PortSleuth's tables (facility {facility}, code 0x{low:04X})."),
                };
                DecodedCode {
                    key: format!("hresult:{hex}"),
                    kind: CodeKind::Hresult,
                    value: hex.clone(),
                    name: if facility == 7 {
                        format!("HRESULT_FROM_WIN32({low})")
                    } else {
                        "unlisted HRESULT".into()
                    },
                    meaning,
                    message: None,
                    condition: None,
                    platform: None,
                    note: None,
                    source: None,
                    spelled: spelled.to_owned(),
                    span: Span { start, end },
                    count: 1,
                }
            }
        };
        c.code(decoded);
        if let Some(w) = wrapped_winsock {
            self.add_winsock(c, w, spelled, start, end);
        }
    }

    fn add_winsock(&self, c: &mut Collector, code: u32, spelled: &str, start: usize, end: usize) {
        let Some(info) = self.kb.winsock.get(&code) else {
            return;
        };
        c.code(DecodedCode {
            key: format!("winsock:{code}"),
            kind: CodeKind::Winsock,
            value: code.to_string(),
            name: info.name.clone(),
            meaning: info.meaning.clone(),
            message: info.message.clone(),
            condition: info.condition,
            platform: Some("windows".into()),
            note: info.note.clone(),
            source: Some(info.source.clone()),
            spelled: spelled.to_owned(),
            span: Span { start, end },
            count: 1,
        });
    }

    fn add_errno(
        &self,
        c: &mut Collector,
        index: usize,
        platform: Option<&str>,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let e = &self.kb.errno[index];
        let number = match platform {
            Some("linux") => e.linux,
            Some("macos") => e.macos,
            Some("windows") => e.libuv_windows,
            _ => None,
        };
        let note = match (platform, number) {
            (Some(p), Some(n)) => Some(format!("{n} is {} on {}", e.name, platform_name(p))),
            _ => None,
        };
        c.code(DecodedCode {
            key: format!("errno:{}", e.name),
            kind: CodeKind::Errno,
            value: e.name.clone(),
            name: e.name.clone(),
            meaning: e.meaning.clone().unwrap_or_else(|| e.message.clone()),
            message: Some(e.message.clone()),
            condition: e.condition,
            platform: platform.map(str::to_owned),
            note,
            source: Some(e.source.clone()),
            spelled: spelled.to_owned(),
            span: Span { start, end },
            count: 1,
        });
    }

    /// Decodes an errno *number*, whose meaning depends on the platform: 98 is EADDRINUSE on
    /// Linux, 48 on macOS, -4091 in libuv on Windows. The message printed next to it, when
    /// there is one, decides between candidates.
    fn add_errno_number(
        &self,
        c: &mut Collector,
        n: i32,
        message: Option<&str>,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let mut candidates: Vec<(usize, &str)> = Vec::new();
        for (i, e) in self.kb.errno.iter().enumerate() {
            if n < 0 && e.libuv_windows == Some(n) {
                candidates.push((i, "windows"));
            }
            if e.linux == Some(n.abs()) {
                candidates.push((i, "linux"));
            }
            if e.macos == Some(n.abs()) {
                candidates.push((i, "macos"));
            }
        }
        if let Some(msg) = message
            .map(|m| fold_space(&m.to_lowercase()))
            .filter(|m| !m.is_empty())
        {
            let agrees = |i: usize| {
                let name = fold_space(&self.kb.errno[i].message.to_lowercase());
                !name.is_empty()
                    && (msg.starts_with(&name) || name.starts_with(&msg) || msg.contains(&name))
            };
            if candidates.iter().any(|&(i, _)| agrees(i)) {
                candidates.retain(|&(i, _)| agrees(i));
            }
        }
        // Prefer the libuv reading for negative numbers, then Linux, then macOS.
        if let Some(&(i, platform)) = candidates.first() {
            self.add_errno(c, i, Some(platform), spelled, start, end);
        }
    }

    fn read_events(&self, text: &str, c: &mut Collector) {
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

    fn read_protocols(&self, text: &str, c: &mut Collector) {
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
            if let Some(port) = caps.get(3) {
                if let Ok(n) = port.as_str().parse::<u16>() {
                    let side = side_of(text, port.start());
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

    fn read_ports(&self, text: &str, c: &mut Collector) {
        for caps in PORT_WORD.captures_iter(text) {
            let Some(m) = caps.get(1) else { continue };
            if let Some(port) = valid_port(m.as_str()) {
                c.port(PortMention {
                    port,
                    side: side_of(text, m.start()),
                    address: None,
                    protocol: None,
                    inferred: false,
                    span: span_of(m),
                    count: 1,
                });
            }
        }
        for caps in PORT_LIST.captures_iter(text) {
            let Some(list) = caps.get(1) else { continue };
            let mut offset = list.start();
            for part in list.as_str().split(',') {
                let trimmed = part.trim();
                if let Some(port) = valid_port(trimmed) {
                    let start = offset + part.find(trimmed).unwrap_or(0);
                    c.port(PortMention {
                        port,
                        side: side_of(text, start),
                        address: None,
                        protocol: None,
                        inferred: false,
                        span: Span {
                            start,
                            end: start + trimmed.len(),
                        },
                        count: 1,
                    });
                }
                offset += part.len() + 1;
            }
        }
        for caps in ADDR_PORT.captures_iter(text) {
            let Some(port) = (1..=11).find_map(|i| caps.name(&format!("p{i}"))) else {
                continue;
            };
            let Some(n) = valid_port(port.as_str()) else {
                continue;
            };
            let address = [
                "v4", "v6", "any6", "star", "local", "dovaddr", "pyaddr", "peer", "host",
            ]
            .iter()
            .find_map(|k| caps.name(k))
            .map(|a| match a.as_str() {
                ":::" => "::".to_owned(),
                other if caps.name("v6").is_some() => format!("[{other}]"),
                other => other.trim().to_owned(),
            });
            // A host name with a port is where a client connected; the rest are binds unless
            // the line says otherwise.
            let side = if caps.name("host").is_some() || caps.name("peer").is_some() {
                PortSide::Remote
            } else {
                side_of(text, port.start())
            };
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
        for caps in UNIX_ADDR.captures_iter(text) {
            if let Some(m) = caps.get(0) {
                c.found_address(m.as_str().to_owned(), m.start(), m.end());
            }
        }
    }

    /// Ports the text implies without writing them, and the protocol of each port.
    fn infer_ports(&self, c: &mut Collector) {
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
                let ports = if ssl == Some(true) && !info.tls_ports.is_empty() {
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

    fn read_mail_fields(&self, text: &str, c: &mut Collector) {
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
            if let Some(m) = caps.get(1) {
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
                let span = c.span(m.start(), m.end());
                push_found(
                    &mut c.symptoms.servers,
                    m.as_str().trim().to_owned(),
                    span,
                    &mut c.cut,
                );
            }
        }
        let mut responses: Vec<(usize, usize, String)> = Vec::new();
        for caps in RESPONSE.captures_iter(text) {
            if let Some(m) = caps.get(1) {
                responses.push((m.start(), m.end(), fold_space(m.as_str())));
            }
        }
        for caps in REPLY_LINE.captures_iter(text) {
            if let Some(m) = caps.get(1) {
                let value = fold_space(m.as_str());
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
    fn read_exe_names(&self, text: &str, c: &mut Collector) {
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

    fn read_programs(&self, text: &str, c: &mut Collector) {
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

    fn read_phrases(&self, text: &str, c: &mut Collector) {
        let Some(phrases) = &self.phrases else { return };
        for m in phrases.find_iter(text) {
            let key = fold_space(&m.as_str().to_lowercase());
            for target in self.phrase_index.get(&key).into_iter().flatten() {
                match *target {
                    PhraseTarget::Phrase(i) => {
                        let p = &self.kb.phrases[i];
                        c.condition(
                            p.condition,
                            format!("phrase:\"{}\"", p.text),
                            m.start(),
                            m.end(),
                        );
                    }
                    PhraseTarget::Errno(i) => {
                        self.add_errno(c, i, None, m.as_str(), m.start(), m.end())
                    }
                    PhraseTarget::Winsock(code) => {
                        self.add_winsock(c, code, m.as_str(), m.start(), m.end())
                    }
                }
            }
        }
    }
}

fn platform_name(p: &str) -> &'static str {
    match p {
        "linux" => "Linux",
        "macos" => "macOS and BSD",
        "windows" => "Windows (libuv)",
        _ => "this platform",
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

/// Where the line holding `pos` starts.
fn line_start(bytes: &[u8], pos: usize) -> usize {
    bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
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

/// Decides from the words around a port whether it was being bound here or connected to.
fn side_of(text: &str, pos: usize) -> PortSide {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    // Wrapped dialogs put the words a line or two earlier; look back a little further.
    let mut from = pos.saturating_sub(200).max(line_start.saturating_sub(120));
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (pos + 100).min(line_end);
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let window = text[from..to].to_ascii_lowercase();
    if LOCAL_WORDS.iter().any(|w| window.contains(w)) {
        PortSide::Local
    } else if REMOTE_WORDS.iter().any(|w| window.contains(w)) {
        PortSide::Remote
    } else {
        PortSide::Unknown
    }
}

fn push_found<T: PartialEq>(list: &mut Vec<Found<T>>, value: T, span: Span, cut: &mut bool) {
    if let Some(f) = list.iter_mut().find(|f| f.value == value) {
        f.count = f.count.saturating_add(1);
    } else if list.len() < MAX_ITEMS {
        list.push(Found {
            value,
            span,
            count: 1,
        });
    } else {
        *cut = true;
    }
}

/// Gathers items, mapping spans to the original text and counting repeats.
struct Collector<'n, 'a> {
    norm: &'n Normalized<'a>,
    /// Where the region being read starts in the normalised text.
    base: usize,
    symptoms: Symptoms,
    index: HashMap<String, usize>,
    cut: bool,
}

impl Collector<'_, '_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span {
            start: self.norm.original_pos(self.base + start),
            end: self.norm.original_pos(self.base + end),
        }
    }

    fn code(&mut self, mut code: DecodedCode) {
        if let Some(&i) = self.index.get(&code.key) {
            let existing = &mut self.symptoms.codes[i];
            existing.count = existing.count.saturating_add(1);
            return;
        }
        if self.symptoms.codes.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        code.span = self.span(code.span.start, code.span.end);
        if let Some(cond) = code.condition {
            self.symptoms.conditions.push(ConditionHit {
                condition: cond,
                from: code.key.clone(),
                span: code.span,
            });
        }
        self.index
            .insert(code.key.clone(), self.symptoms.codes.len());
        self.symptoms.codes.push(code);
    }

    fn condition(&mut self, condition: Condition, from: String, start: usize, end: usize) {
        if self
            .symptoms
            .conditions
            .iter()
            .any(|h| h.condition == condition && h.from == from)
        {
            return;
        }
        if self.symptoms.conditions.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        let span = self.span(start, end);
        self.symptoms.conditions.push(ConditionHit {
            condition,
            from,
            span,
        });
    }

    fn event(&mut self, mut event: EventMention) {
        if let Some(e) = self
            .symptoms
            .events
            .iter_mut()
            .find(|e| e.id == event.id && e.source == event.source)
        {
            e.count = e.count.saturating_add(1);
            return;
        }
        if self.symptoms.events.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        event.span = self.span(event.span.start, event.span.end);
        self.symptoms.events.push(event);
    }

    fn port(&mut self, mut p: PortMention) {
        p.span = self.span(p.span.start, p.span.end);
        self.port_inferred_norm(p);
    }

    /// Adds a port whose span is already in original-text positions.
    fn port_inferred_norm(&mut self, p: PortMention) {
        if let Some(existing) = self
            .symptoms
            .ports
            .iter_mut()
            .find(|e| e.port == p.port && e.side == p.side)
        {
            existing.count = existing.count.saturating_add(1);
            if existing.address.is_none() {
                existing.address = p.address;
            }
            if existing.inferred && !p.inferred {
                existing.inferred = false;
                existing.span = p.span;
            }
            return;
        }
        // A port already known from a bind is not also "unknown side".
        if p.side == PortSide::Unknown && self.symptoms.ports.iter().any(|e| e.port == p.port) {
            return;
        }
        if p.side != PortSide::Unknown {
            self.symptoms
                .ports
                .retain(|e| !(e.port == p.port && e.side == PortSide::Unknown));
        }
        if self.symptoms.ports.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        self.symptoms.ports.push(p);
    }

    fn found_protocol(&mut self, name: String, start: usize, end: usize) {
        let span = self.span(start, end);
        push_found(&mut self.symptoms.protocols, name, span, &mut self.cut);
    }

    fn found_address(&mut self, value: String, start: usize, end: usize) {
        let span = self.span(start, end);
        push_found(&mut self.symptoms.addresses, value, span, &mut self.cut);
    }

    fn found_program(&mut self, name: String, start: usize, end: usize) {
        let span = self.span(start, end);
        if let Some(f) = self
            .symptoms
            .programs
            .iter_mut()
            .find(|f| f.value.eq_ignore_ascii_case(&name))
        {
            f.count = f.count.saturating_add(1);
        } else if self.symptoms.programs.len() < MAX_ITEMS {
            self.symptoms.programs.push(Found {
                value: name,
                span,
                count: 1,
            });
        } else {
            self.cut = true;
        }
    }

    fn finish(mut self) -> Symptoms {
        if self.cut {
            self.symptoms.notes.push(format!("the text names more than {MAX_ITEMS} distinct items of one kind; the rest were counted but not listed"));
        }
        let s = &mut self.symptoms;
        s.codes.sort_by_key(|c| c.span.start);
        s.events.sort_by_key(|e| e.span.start);
        s.conditions.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(a.condition.cmp(&b.condition))
        });
        s.ports.sort_by_key(|p| (p.span.start, p.port, p.side));
        self.symptoms
    }
}
