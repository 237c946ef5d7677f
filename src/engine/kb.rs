//! The knowledge base: code tables, the program catalogue and the rules, read from TOML.
//!
//! Knowledge is data (see `assets/README.md` for the file format). The built-in files are
//! compiled into the binary; a technician's own folders are read on top of them, and an entry
//! with the same id or code replaces the built-in one. A broken entry is reported with its
//! file, line and what is wrong, and is skipped: the rest of the knowledge base still works.
//!
//! This module never touches the machine; reading the user's folders is the caller's job
//! ([`KbSource::from_dir`] is a thin helper for it).

use super::model::{Category, Condition, PROGRAM_KINDS};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// One TOML file's text and the name to report it by.
#[derive(Debug, Clone)]
pub struct KbSource {
    pub name: String,
    pub text: String,
    pub builtin: bool,
}

macro_rules! builtin {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)))),*]
    };
}

/// The knowledge files compiled into the binary (paths relative to `assets/`).
pub const BUILTIN_FILES: &[(&str, &str)] = builtin![
    "codes/hresult.toml",
    "codes/winsock.toml",
    "codes/errno.toml",
    "codes/events.toml",
    "codes/phrases.toml",
    "codes/smtp.toml",
    "codes/protocols.toml",
    "programs.toml",
    "rules/mail.toml",
    "rules/bind.toml",
    "rules/network.toml",
    "rules/misleading.toml",
];

impl KbSource {
    pub fn builtin() -> Vec<KbSource> {
        BUILTIN_FILES
            .iter()
            .map(|(name, text)| KbSource {
                name: format!("assets/{name}"),
                text: (*text).to_owned(),
                builtin: true,
            })
            .collect()
    }

    /// Every `*.toml` below `dir`, sorted by path so that overrides apply in a stable order.
    pub fn from_dir(dir: &Path) -> Result<Vec<KbSource>, KbError> {
        let mut files = Vec::new();
        collect_toml(dir, &mut files).map_err(|e| {
            KbError::file(
                dir.display().to_string(),
                format!("cannot read the folder: {e}"),
            )
        })?;
        files.sort();
        let mut out = Vec::new();
        for path in files {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path)
                .map_err(|e| KbError::file(name.clone(), format!("cannot read: {e}")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| KbError::file(name.clone(), "is not UTF-8 text".into()))?;
            out.push(KbSource {
                name,
                text,
                builtin: false,
            });
        }
        Ok(out)
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// A problem in a knowledge file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KbError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl KbError {
    fn file(file: String, message: String) -> Self {
        Self {
            file,
            line: None,
            message,
        }
    }
}

impl fmt::Display for KbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for KbError {}

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
    pub source: String,
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
    pub source: String,
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
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhraseInfo {
    pub text: String,
    pub condition: Condition,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub ports: Vec<u16>,
    pub tls_ports: Vec<u16>,
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

/// A test on what was read from the pasted text.
#[derive(Debug, Clone)]
pub enum SymptomMatcher {
    Condition(Condition),
    Code(u32),
    Winsock(u32),
    Errno(String),
    Event(u32),
    Protocol(String),
    Port(u16),
    Side(PortSide),
    Ssl(bool),
    Response(Regex),
    Text(Regex),
    Program(String),
    Smtp(u16),
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
    pub protocols: Vec<ProtocolInfo>,
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

    /// Reads `sources` in order, later entries replacing earlier ones with the same key.
    /// Broken entries are skipped and returned as errors.
    pub fn load(sources: &[KbSource]) -> (Self, Vec<KbError>) {
        let mut kb = KnowledgeBase::default();
        let mut errors = Vec::new();
        let mut programs: BTreeMap<String, Program> = BTreeMap::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut events: BTreeMap<(u32, String), EventInfo> = BTreeMap::new();
        let mut errno: BTreeMap<String, ErrnoInfo> = BTreeMap::new();
        let mut phrases: BTreeMap<String, PhraseInfo> = BTreeMap::new();
        let mut protocols: BTreeMap<String, ProtocolInfo> = BTreeMap::new();
        for source in sources {
            kb.files.push(source.name.clone());
            let raw: RawFile = match toml::from_str(&source.text) {
                Ok(raw) => raw,
                Err(e) => {
                    let line = e.span().map(|s| line_of(&source.text, s.start));
                    errors.push(KbError {
                        file: source.name.clone(),
                        line,
                        message: e.message().trim().to_owned(),
                    });
                    continue;
                }
            };
            let mut ctx = Ctx {
                source,
                errors: &mut errors,
            };
            for entry in raw.hresult {
                if let Some((code, info)) = ctx.hresult(entry) {
                    kb.hresults.insert(code, info);
                }
            }
            for entry in raw.winsock {
                if let Some((code, info)) = ctx.winsock(entry) {
                    kb.winsock.insert(code, info);
                }
            }
            for entry in raw.smtp {
                if let Some((code, info)) = ctx.smtp(entry) {
                    kb.smtp.insert(code, info);
                }
            }
            for entry in raw.errno {
                if let Some(info) = ctx.errno(entry) {
                    errno.insert(info.name.clone(), info);
                }
            }
            for entry in raw.event {
                if let Some(info) = ctx.event(entry) {
                    let key = (
                        info.id,
                        info.sources
                            .first()
                            .cloned()
                            .unwrap_or_default()
                            .to_lowercase(),
                    );
                    events.insert(key, info);
                }
            }
            for entry in raw.phrase {
                if let Some(info) = ctx.phrase(entry) {
                    phrases.insert(fold_space(&info.text.to_lowercase()), info);
                }
            }
            for entry in raw.protocol {
                if let Some(info) = ctx.protocol(entry) {
                    protocols.insert(info.name.clone(), info);
                }
            }
            for entry in raw.program {
                if let Some(program) = ctx.program(entry) {
                    programs.insert(program.id.clone(), program);
                }
            }
            let mut seen_here: HashMap<String, usize> = HashMap::new();
            for entry in raw.rule {
                let line = line_of(&source.text, entry.span().start);
                if let Some(rule) = ctx.rule(entry) {
                    if let Some(first) = seen_here.insert(rule.id.clone(), line) {
                        ctx.error(
                            line,
                            format!(
                                "rule id '{}' is already used at line {first} of this file",
                                rule.id
                            ),
                        );
                        continue;
                    }
                    rules.retain(|r| r.id != rule.id);
                    rules.push(rule);
                }
            }
        }
        kb.errno = errno.into_values().collect();
        for info in events.into_values() {
            kb.events.entry(info.id).or_default().push(info);
        }
        kb.phrases = phrases.into_values().collect();
        kb.protocols = protocols.into_values().collect();
        kb.programs = programs.into_values().collect();
        kb.rules = rules;
        (kb, errors)
    }

    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    /// The catalogue entry for an executable file name, if it is a known program.
    pub fn program_for_exe(&self, file_name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.matches_exe(file_name))
    }

    pub fn protocol(&self, name: &str) -> Option<&ProtocolInfo> {
        self.protocols.iter().find(|p| p.name == name)
    }
}

/// Collapses runs of white space to one space, so phrases match across wrapped lines.
pub fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---- Raw file format -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    hresult: Vec<Spanned<RawCode>>,
    #[serde(default)]
    winsock: Vec<Spanned<RawWinsock>>,
    #[serde(default)]
    smtp: Vec<Spanned<RawSmtp>>,
    #[serde(default)]
    errno: Vec<Spanned<RawErrno>>,
    #[serde(default)]
    event: Vec<Spanned<RawEvent>>,
    #[serde(default)]
    phrase: Vec<Spanned<RawPhrase>>,
    #[serde(default)]
    protocol: Vec<Spanned<RawProtocol>>,
    #[serde(default)]
    program: Vec<Spanned<RawProgram>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: String,
    name: String,
    meaning: String,
    message: Option<String>,
    condition: Option<String>,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWinsock {
    code: u32,
    name: String,
    message: Option<String>,
    meaning: String,
    condition: Option<String>,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    code: u16,
    name: String,
    meaning: String,
    condition: Option<String>,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrno {
    name: String,
    linux: Option<i32>,
    macos: Option<i32>,
    libuv_windows: Option<i32>,
    message: String,
    meaning: Option<String>,
    condition: Option<String>,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: u32,
    sources: Vec<String>,
    product: String,
    meaning: String,
    message: Option<String>,
    condition: Option<String>,
    protocol: Option<String>,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrase {
    text: String,
    condition: String,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtocol {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    ports: Vec<u16>,
    #[serde(default)]
    tls_ports: Vec<u16>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    id: String,
    exe: Vec<String>,
    product: String,
    vendor: Option<String>,
    kind: String,
    #[serde(default)]
    ports: Vec<u16>,
    how_to_disable: Option<String>,
    note: Option<String>,
    #[serde(default)]
    references: Vec<Reference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: String,
    category: String,
    cause: String,
    #[serde(default)]
    steps: Vec<String>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
    base: f64,
    #[serde(default)]
    needs_scan: bool,
    #[serde(default)]
    boost: Vec<RawBoost>,
    #[serde(default)]
    check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBoost {
    when: String,
    add: f64,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    holder: String,
    effect: String,
    #[serde(default)]
    confidence: f64,
    why: String,
}

// ---- Validation ------------------------------------------------------------------------------

struct Ctx<'a> {
    source: &'a KbSource,
    errors: &'a mut Vec<KbError>,
}

impl Ctx<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(KbError {
            file: self.source.name.clone(),
            line: Some(line),
            message,
        });
    }

    fn line<T>(&self, entry: &Spanned<T>) -> usize {
        line_of(&self.source.text, entry.span().start)
    }

    fn condition(&mut self, line: usize, value: Option<&str>) -> Result<Option<Condition>, ()> {
        match value {
            None => Ok(None),
            Some(v) => match Condition::parse(v) {
                Some(c) => Ok(Some(c)),
                None => {
                    self.error(
                        line,
                        format!(
                            "unknown condition '{v}' (known: {})",
                            Condition::ALL.map(|c| c.as_str()).join(", ")
                        ),
                    );
                    Err(())
                }
            },
        }
    }

    fn hresult(&mut self, entry: Spanned<RawCode>) -> Option<(u32, CodeInfo)> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        let code = match parse_hex32(&raw.code) {
            Some(code) => code,
            None => {
                self.error(
                    line,
                    format!(
                        "code '{}' is not a hexadecimal HRESULT such as 0x800CCC92",
                        raw.code
                    ),
                );
                return None;
            }
        };
        let condition = self.condition(line, raw.condition.as_deref()).ok()?;
        Some((
            code,
            CodeInfo {
                name: raw.name,
                meaning: raw.meaning,
                message: raw.message,
                condition,
                note: raw.note,
                source: raw.source,
            },
        ))
    }

    fn winsock(&mut self, entry: Spanned<RawWinsock>) -> Option<(u32, CodeInfo)> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if !(10000..=11999).contains(&raw.code) {
            self.error(
                line,
                format!("Winsock code {} is outside 10000–11999", raw.code),
            );
            return None;
        }
        let condition = self.condition(line, raw.condition.as_deref()).ok()?;
        Some((
            raw.code,
            CodeInfo {
                name: raw.name,
                meaning: raw.meaning,
                message: raw.message,
                condition,
                note: raw.note,
                source: raw.source,
            },
        ))
    }

    fn smtp(&mut self, entry: Spanned<RawSmtp>) -> Option<(u16, CodeInfo)> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if !(200..=599).contains(&raw.code) {
            self.error(
                line,
                format!("SMTP reply code {} is outside 200–599", raw.code),
            );
            return None;
        }
        let condition = self.condition(line, raw.condition.as_deref()).ok()?;
        Some((
            raw.code,
            CodeInfo {
                name: raw.name,
                meaning: raw.meaning,
                message: None,
                condition,
                note: raw.note,
                source: raw.source,
            },
        ))
    }

    fn errno(&mut self, entry: Spanned<RawErrno>) -> Option<ErrnoInfo> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if !raw.name.starts_with('E')
            || !raw
                .name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            self.error(
                line,
                format!("errno name '{}' should look like EADDRINUSE", raw.name),
            );
            return None;
        }
        let condition = self.condition(line, raw.condition.as_deref()).ok()?;
        Some(ErrnoInfo {
            name: raw.name,
            linux: raw.linux,
            macos: raw.macos,
            libuv_windows: raw.libuv_windows,
            message: raw.message,
            meaning: raw.meaning.or(raw.note),
            condition,
            source: raw.source,
        })
    }

    fn event(&mut self, entry: Spanned<RawEvent>) -> Option<EventInfo> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if raw.sources.is_empty() {
            self.error(
                line,
                format!(
                    "event {} needs at least one Event Viewer source in `sources`",
                    raw.id
                ),
            );
            return None;
        }
        let condition = self.condition(line, raw.condition.as_deref()).ok()?;
        let protocol = raw.protocol.map(|p| p.to_lowercase());
        let _ = (raw.message, raw.note);
        Some(EventInfo {
            id: raw.id,
            sources: raw.sources,
            product: raw.product,
            meaning: raw.meaning,
            condition,
            protocol,
            source: raw.source,
        })
    }

    fn phrase(&mut self, entry: Spanned<RawPhrase>) -> Option<PhraseInfo> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if fold_space(&raw.text).len() < 6 {
            self.error(
                line,
                format!(
                    "phrase '{}' is too short to be specific; use at least 6 characters",
                    raw.text
                ),
            );
            return None;
        }
        let condition = self.condition(line, Some(&raw.condition)).ok()??;
        let _ = raw.note;
        Some(PhraseInfo {
            text: fold_space(&raw.text),
            condition,
            source: raw.source,
        })
    }

    fn protocol(&mut self, entry: Spanned<RawProtocol>) -> Option<ProtocolInfo> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if raw.name.is_empty()
            || raw
                .name
                .chars()
                .any(|c| c.is_ascii_uppercase() || c.is_whitespace())
        {
            self.error(
                line,
                format!(
                    "protocol name '{}' should be lower case, like pop3",
                    raw.name
                ),
            );
            return None;
        }
        let _ = raw.source;
        Some(ProtocolInfo {
            name: raw.name,
            aliases: raw.aliases,
            ports: raw.ports,
            tls_ports: raw.tls_ports,
        })
    }

    fn program(&mut self, entry: Spanned<RawProgram>) -> Option<Program> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        if !is_kebab(&raw.id) {
            self.error(
                line,
                format!(
                    "program id '{}' should be kebab-case, like norton-poproxy",
                    raw.id
                ),
            );
            return None;
        }
        if !PROGRAM_KINDS.contains(&raw.kind.as_str()) {
            self.error(
                line,
                format!(
                    "program '{}': unknown kind '{}' (known: {})",
                    raw.id,
                    raw.kind,
                    PROGRAM_KINDS.join(", ")
                ),
            );
            return None;
        }
        if raw.exe.is_empty()
            || raw
                .exe
                .iter()
                .any(|e| e.trim().is_empty() || e.contains(['/', '\\']))
        {
            self.error(
                line,
                format!(
                    "program '{}': `exe` needs executable file names without folders",
                    raw.id
                ),
            );
            return None;
        }
        let _ = raw.note;
        Some(Program {
            id: raw.id,
            exe: raw.exe,
            product: raw.product,
            vendor: raw.vendor,
            kind: raw.kind,
            ports: raw.ports,
            how_to_disable: raw.how_to_disable,
            references: raw.references,
            origin: Origin {
                file: self.source.name.clone(),
                line,
            },
        })
    }

    fn rule(&mut self, entry: Spanned<RawRule>) -> Option<Rule> {
        let line = self.line(&entry);
        let raw = entry.into_inner();
        let before = self.errors.len();
        let id = raw.id;
        if !is_kebab(&id) {
            self.error(
                line,
                format!("rule id '{id}' should be kebab-case, like pop3-port-taken-by-av-proxy"),
            );
        }
        let category = Category::parse(&raw.category).unwrap_or_else(|| {
            self.error(
                line,
                format!(
                    "rule '{id}': unknown category '{}' (known: {})",
                    raw.category,
                    Category::ALL.map(|c| c.as_str()).join(", ")
                ),
            );
            Category::Unknown
        });
        if category == Category::Unknown
            && Category::parse(&raw.category) == Some(Category::Unknown)
        {
            self.error(line, format!("rule '{id}': category 'unknown' is what PortSleuth says when no rule matches; pick a real cause"));
        }
        if !(0.0..=1.0).contains(&raw.base) {
            self.error(
                line,
                format!("rule '{id}': base {} must be between 0 and 1", raw.base),
            );
        }
        if raw.all.is_empty() && raw.any.is_empty() {
            self.error(
                line,
                format!("rule '{id}': needs `all` or `any`, or it would match every text"),
            );
        }
        let parse_list = |ctx: &mut Self, list: &[String], field: &str| -> Vec<SymptomMatcher> {
            list.iter()
                .filter_map(|m| match parse_symptom_matcher(m) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        ctx.error(line, format!("rule '{id}': {field}: {e}"));
                        None
                    }
                })
                .collect()
        };
        let all = parse_list(self, &raw.all, "all");
        let any = parse_list(self, &raw.any, "any");
        let not = parse_list(self, &raw.not, "not");
        let mut actions = Vec::new();
        for a in &raw.actions {
            match parse_action(a) {
                Some(kind) => actions.push(kind),
                None => self.error(line, format!("rule '{id}': unknown action '{a}' (known: stop_process, stop_service, disable_service, uninstall, open_reference)")),
            }
        }
        let mut boosts = Vec::new();
        for b in raw.boost {
            if !(-1.0..=1.0).contains(&b.add) {
                self.error(
                    line,
                    format!(
                        "rule '{id}': boost '{}' adds {}, which is outside -1..1",
                        b.when, b.add
                    ),
                );
                continue;
            }
            match parse_symptom_matcher(&b.when) {
                Ok(when) => boosts.push(Boost {
                    when,
                    when_text: b.when,
                    add: b.add,
                    why: b.why,
                }),
                Err(e) => self.error(line, format!("rule '{id}': boost: {e}")),
            }
        }
        let mut checks = Vec::new();
        for c in raw.check {
            let effect = match c.effect.as_str() {
                "confirm" => Effect::Confirm,
                "refute" => Effect::Refute,
                "adjust" => Effect::Adjust,
                other => {
                    self.error(
                        line,
                        format!(
                            "rule '{id}': check effect '{other}' must be confirm, refute or adjust"
                        ),
                    );
                    continue;
                }
            };
            let range = if effect == Effect::Adjust {
                -1.0..=1.0
            } else {
                0.0..=1.0
            };
            if !range.contains(&c.confidence) {
                self.error(
                    line,
                    format!(
                        "rule '{id}': check '{}' has confidence {} out of range",
                        c.holder, c.confidence
                    ),
                );
                continue;
            }
            match parse_holder_matcher(&c.holder) {
                Ok(holder) => checks.push(Check {
                    holder,
                    holder_text: c.holder,
                    effect,
                    confidence: c.confidence,
                    why: c.why,
                }),
                Err(e) => self.error(line, format!("rule '{id}': check: {e}")),
            }
        }
        if raw.needs_scan && !checks.iter().any(|c| c.effect == Effect::Confirm) {
            self.error(
                line,
                format!("rule '{id}': needs_scan is set but no check confirms it"),
            );
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Rule {
            id,
            title: raw.title,
            category,
            cause: raw.cause,
            steps: raw.steps,
            actions,
            references: raw.references,
            all,
            any,
            not,
            base: raw.base,
            needs_scan: raw.needs_scan,
            boosts,
            checks,
            origin: Origin {
                file: self.source.name.clone(),
                line,
            },
        })
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn parse_hex32(s: &str) -> Option<u32> {
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

fn parse_action(s: &str) -> Option<ActionKind> {
    Some(match s {
        "stop_process" => ActionKind::StopProcess,
        "stop_service" => ActionKind::StopService,
        "disable_service" => ActionKind::DisableService,
        "uninstall" => ActionKind::Uninstall,
        "open_reference" => ActionKind::OpenReference,
        _ => return None,
    })
}

fn regex_arg(kind: &str, value: &str) -> Result<Regex, String> {
    let pattern = value
        .strip_prefix('/')
        .and_then(|v| v.strip_suffix('/'))
        .ok_or_else(|| {
            format!(
                "'{kind}:{value}' needs a pattern between slashes, like {kind}:/chdir .* failed/"
            )
        })?;
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            format!(
                "'{kind}:{value}' is not a valid pattern: {}",
                e.to_string().lines().last().unwrap_or("invalid")
            )
        })
}

/// Parses `condition:addr_in_use`, `winsock:10048`, `response:/-ERR .*/` and the rest.
pub fn parse_symptom_matcher(s: &str) -> Result<SymptomMatcher, String> {
    let (kind, value) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' should be kind:value, like condition:addr_in_use"))?;
    let number = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{s}': '{v}' is not a number"))
    };
    Ok(match kind {
        "condition" => SymptomMatcher::Condition(Condition::parse(value).ok_or_else(|| format!("'{s}': unknown condition '{value}'"))?),
        "code" => SymptomMatcher::Code(parse_hex32(value).ok_or_else(|| format!("'{s}': '{value}' is not a hexadecimal code like 0x800CCC92"))?),
        "winsock" => SymptomMatcher::Winsock(number(value)?),
        "errno" => {
            if !value.starts_with('E') || value.chars().any(|c| c.is_ascii_lowercase()) {
                return Err(format!("'{s}': errno names look like EADDRINUSE"));
            }
            SymptomMatcher::Errno(value.to_owned())
        }
        "event" => SymptomMatcher::Event(number(value)?),
        "protocol" => SymptomMatcher::Protocol(value.to_lowercase()),
        "port" => SymptomMatcher::Port(u16::try_from(number(value)?).map_err(|_| format!("'{s}': port out of range"))?),
        "side" => SymptomMatcher::Side(match value {
            "local" => PortSide::Local,
            "remote" => PortSide::Remote,
            _ => return Err(format!("'{s}': side is local or remote")),
        }),
        "ssl" => SymptomMatcher::Ssl(match value {
            "yes" => true,
            "no" => false,
            _ => return Err(format!("'{s}': ssl is yes or no")),
        }),
        "response" => SymptomMatcher::Response(regex_arg(kind, value)?),
        "text" => SymptomMatcher::Text(regex_arg(kind, value)?),
        "program" => SymptomMatcher::Program(strip_exe(value).to_lowercase()),
        "smtp" => SymptomMatcher::Smtp(u16::try_from(number(value)?).map_err(|_| format!("'{s}': not an SMTP code"))?),
        other => {
            return Err(format!(
                "unknown matcher '{other}:' in '{s}' (known: condition, code, winsock, errno, event, protocol, port, side, ssl, response, text, program, smtp)"
            ))
        }
    })
}

/// Parses `any`, `none`, `kind:av_mail_proxy`, `!kind:mail_server`, `program:ID`, `name:EXE`,
/// `self`, `forwarder`, `excluded`.
pub fn parse_holder_matcher(s: &str) -> Result<HolderMatcher, String> {
    Ok(match s {
        "any" => HolderMatcher::Any,
        "none" => HolderMatcher::Nobody,
        "self" => HolderMatcher::SameAsFailing,
        "forwarder" => HolderMatcher::Forwarder,
        "excluded" => HolderMatcher::Excluded,
        _ => {
            let (kind, value) = s
                .split_once(':')
                .ok_or_else(|| format!("unknown holder test '{s}'"))?;
            match kind {
                "kind" | "!kind" => {
                    if !PROGRAM_KINDS.contains(&value) {
                        return Err(format!("'{s}': unknown program kind '{value}' (known: {})", PROGRAM_KINDS.join(", ")));
                    }
                    if kind == "kind" {
                        HolderMatcher::Kind(value.to_owned())
                    } else {
                        HolderMatcher::NotKind(value.to_owned())
                    }
                }
                "program" => HolderMatcher::Program(value.to_owned()),
                "name" => HolderMatcher::Name(strip_exe(value).to_lowercase()),
                _ => return Err(format!("unknown holder test '{s}' (known: any, none, kind:K, !kind:K, program:ID, name:EXE, self, forwarder, excluded)")),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> KbSource {
        KbSource {
            name: "mine.toml".into(),
            text: text.into(),
            builtin: false,
        }
    }

    #[test]
    fn a_broken_rule_names_its_file_line_and_problem_and_the_rest_still_loads() {
        let text = r#"
[[rule]]
id = "good-one"
title = "t"
category = "port_conflict"
cause = "c"
all = ["condition:addr_in_use"]
base = 0.5

[[rule]]
id = "bad-one"
title = "t"
category = "port_stolen"
cause = "c"
all = ["condition:addr_in_use"]
base = 0.5
"#;
        let (kb, errors) = KnowledgeBase::load(&[source(text)]);
        assert_eq!(kb.rules.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(10));
        assert!(
            errors[0]
                .to_string()
                .starts_with("mine.toml:10: rule 'bad-one': unknown category 'port_stolen'"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn toml_syntax_errors_carry_a_line() {
        let (_, errors) = KnowledgeBase::load(&[source("[[rule]]\nid = \"x\"\ntitle = \n")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(3), "{}", errors[0]);
    }

    #[test]
    fn unknown_fields_are_rejected_not_ignored() {
        let (_, errors) = KnowledgeBase::load(&[source("[[program]]\nid = \"x\"\nexe = [\"x.exe\"]\nproduct = \"p\"\nkind = \"voip\"\nport = 80\n")]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("port"), "{}", errors[0]);
    }

    #[test]
    fn a_rule_that_would_match_everything_is_refused() {
        let (kb, errors) = KnowledgeBase::load(&[source("[[rule]]\nid = \"all\"\ntitle = \"t\"\ncategory = \"firewall\"\ncause = \"c\"\nbase = 0.3\n")]);
        assert!(kb.rules.is_empty());
        assert!(errors[0].message.contains("would match every text"));
    }

    #[test]
    fn bad_patterns_and_matchers_are_explained() {
        assert!(parse_symptom_matcher("response:/(unclosed/")
            .unwrap_err()
            .contains("not a valid pattern"));
        assert!(parse_symptom_matcher("colour:red")
            .unwrap_err()
            .contains("unknown matcher"));
        assert!(parse_holder_matcher("kind:toaster")
            .unwrap_err()
            .contains("unknown program kind"));
    }

    #[test]
    fn user_rules_replace_builtin_ones_with_the_same_id() {
        let rule = |title: &str| {
            format!("[[rule]]\nid = \"same\"\ntitle = \"{title}\"\ncategory = \"firewall\"\ncause = \"c\"\nany = [\"winsock:10060\"]\nbase = 0.3\n")
        };
        let (kb, errors) = KnowledgeBase::load(&[source(&rule("first")), source(&rule("second"))]);
        assert!(errors.is_empty());
        assert_eq!(kb.rules.len(), 1);
        assert_eq!(kb.rules[0].title, "second");
    }

    #[test]
    fn every_knowledge_file_in_assets_is_built_in_and_valid() {
        fn walk(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("assets folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "toml") {
                    // Built-in names use `/` on every OS (Windows paths join with `\`).
                    let relative = path
                        .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/"))
                        .expect("below assets");
                    out.push(
                        relative
                            .iter()
                            .map(|part| part.to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/"),
                    );
                }
            }
        }
        let mut on_disk = Vec::new();
        walk(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/assets")),
            &mut on_disk,
        );
        on_disk.sort();
        let mut built_in: Vec<String> = BUILTIN_FILES
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
        built_in.sort();
        assert_eq!(
            on_disk, built_in,
            "a TOML file under assets/ is missing from BUILTIN_FILES (or the reverse)"
        );
        let (kb, errors) = KnowledgeBase::load(&KbSource::builtin());
        assert!(
            errors.is_empty(),
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(kb.rules.len() >= 40 && kb.programs.len() >= 30 && kb.winsock.len() >= 80);
    }

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
