//! Validation: from the raw TOML entries to the knowledge base, one entry at a time.
//!
//! Every entry is read on its own, so a mistake in one (an unknown field, a bad value) skips
//! that entry alone and is named by file and line; the rest of the file still loads. Later
//! sources replace earlier entries with the same key, in time linear in the number of entries.

use super::matchers::{
    is_kebab, parse_hex32, parse_holder_matcher, parse_symptom_matcher_in, PatternCache,
};
use super::raw::{
    RawBoost, RawCheck, RawCode, RawErrno, RawEvent, RawPhrase, RawProgram, RawProtocol, RawRule,
    RawSmtp, RawWinsock,
};
use super::{
    fold_space, ActionKind, Boost, Check, CodeInfo, Effect, ErrnoInfo, EventInfo, KbError,
    KbSource, KnowledgeBase, Origin, PhraseInfo, Program, ProtocolInfo, Rule, SymptomMatcher,
};
use crate::engine::model::{Category, Condition, PROGRAM_KINDS};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// The kinds of entry a knowledge file may hold (its top-level arrays of tables).
const KINDS: [&str; 10] = [
    "hresult", "winsock", "smtp", "errno", "event", "phrase", "protocol", "program", "rule",
    "context",
];

/// Everything read so far, keyed so that a later entry replaces an earlier one.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) kb: KnowledgeBase,
    programs: BTreeMap<String, Program>,
    rules: Vec<Rule>,
    rule_index: HashMap<String, usize>,
    pub(super) events: BTreeMap<(u32, String), EventInfo>,
    pub(super) errno: BTreeMap<String, ErrnoInfo>,
    pub(super) phrases: BTreeMap<String, PhraseInfo>,
    protocols: BTreeMap<String, ProtocolInfo>,
}

impl KnowledgeBase {
    /// Reads `sources` in order, later entries replacing earlier ones with the same key.
    /// Broken entries are skipped and returned as errors.
    pub fn load(sources: &[KbSource]) -> (Self, Vec<KbError>) {
        let mut all = Gathered::default();
        let mut errors = Vec::new();
        let mut patterns = PatternCache::default();
        for source in sources {
            all.kb.files.push(source.name.clone());
            if source.name.ends_with(".tsv") {
                super::tables::load_table(source, &mut all, &mut errors);
                continue;
            }
            let Some(tables) = tables_of(source, &mut errors) else {
                continue;
            };
            patterns.built_in = source.builtin;
            let mut ctx = Ctx {
                source,
                errors: &mut errors,
                rules_here: HashMap::new(),
                patterns: &mut patterns,
            };
            for (kind, line, entries) in tables {
                if !KINDS.contains(&kind.as_str()) {
                    ctx.error(
                        line,
                        format!(
                            "unknown table [[{kind}]] (known: {})",
                            KINDS.map(|k| format!("[[{k}]]")).join(", ")
                        ),
                    );
                    continue;
                }
                for (line, entry) in entries {
                    ctx.entry(&kind, line, entry, &mut all);
                }
            }
        }
        (all.finish(), errors)
    }
}

/// One entry of a knowledge file: a built-in file's as `build.rs` wrote it (JSON, read straight
/// into its raw type without building a value tree first), a user's as TOML.
pub(super) enum Entry {
    Json(&'static serde_json::value::RawValue),
    Toml(toml::Value),
}

/// A file's tables (name, line, entries with their lines): from the build-time parse for a
/// built-in file, from its TOML otherwise. `None` when the TOML does not parse (named in
/// `errors`).
type Tables = Vec<(String, usize, Vec<(usize, Entry)>)>;

fn tables_of(source: &KbSource, errors: &mut Vec<KbError>) -> Option<Tables> {
    if let Some(json) = super::source::parsed(source) {
        type Parsed = Vec<(String, Vec<(usize, &'static serde_json::value::RawValue)>)>;
        if let Ok(parsed) = serde_json::from_str::<Parsed>(json) {
            return Some(
                parsed
                    .into_iter()
                    .map(|(kind, entries)| {
                        let line = entries.first().map_or(1, |(l, _)| *l);
                        let entries = entries
                            .into_iter()
                            .map(|(l, raw)| (l, Entry::Json(raw)))
                            .collect();
                        (kind, line, entries)
                    })
                    .collect(),
            );
        }
    }
    let lines = LineIndex::new(&source.text);
    let tables: BTreeMap<Spanned<String>, Vec<Spanned<toml::Value>>> =
        match toml::from_str(&source.text) {
            Ok(t) => t,
            Err(e) => {
                errors.push(KbError {
                    file: source.name.clone(),
                    line: e.span().map(|s| lines.line_of(s.start)),
                    message: e.message().trim().to_owned(),
                });
                return None;
            }
        };
    Some(
        tables
            .into_iter()
            .map(|(kind, entries)| {
                let line = lines.line_of(kind.span().start);
                let entries = entries
                    .into_iter()
                    .map(|e| (lines.line_of(e.span().start), Entry::Toml(e.into_inner())))
                    .collect();
                (kind.into_inner(), line, entries)
            })
            .collect(),
    )
}

impl Gathered {
    fn finish(mut self) -> KnowledgeBase {
        let mut kb = std::mem::take(&mut self.kb);
        kb.errno = self.errno.into_values().collect();
        for info in self.events.into_values() {
            kb.events.entry(info.id).or_default().push(info);
        }
        kb.phrases = self.phrases.into_values().collect();
        kb.protocols = self.protocols.into_values().collect();
        kb.programs = self.programs.into_values().collect();
        kb.rules = self.rules;
        kb
    }

    fn add_rule(&mut self, rule: Rule) {
        match self.rule_index.get(&rule.id) {
            Some(&i) => self.rules[i] = rule,
            None => {
                self.rule_index.insert(rule.id.clone(), self.rules.len());
                self.rules.push(rule);
            }
        }
    }
}

/// Where each line of a file starts, so that an offset's line is found by binary search.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

struct Ctx<'a> {
    source: &'a KbSource,
    errors: &'a mut Vec<KbError>,
    /// Rule ids defined in this file so far, with their line (a repeat is a mistake).
    rules_here: HashMap<String, usize>,
    /// The patterns of every file read so far, so each distinct one is built once.
    patterns: &'a mut PatternCache,
}

impl Ctx<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(KbError {
            file: self.source.name.clone(),
            line: Some(line),
            message,
        });
    }

    /// Reads one entry of table `kind` and adds it, or names what is wrong with it.
    fn entry(&mut self, kind: &str, line: usize, value: Entry, all: &mut Gathered) {
        match kind {
            "hresult" => {
                if let Some((code, info)) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.hresult(line, r))
                {
                    all.kb.hresults.insert(code, info);
                }
            }
            "winsock" => {
                if let Some((code, info)) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.winsock(line, r))
                {
                    all.kb.winsock.insert(code, info);
                }
            }
            "smtp" => {
                if let Some((code, info)) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.smtp(line, r))
                {
                    all.kb.smtp.insert(code, info);
                }
            }
            "errno" => {
                if let Some(info) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.errno(line, r))
                {
                    all.errno.insert(info.name.clone(), info);
                }
            }
            "event" => {
                if let Some(info) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.event(line, r))
                {
                    let first = info.sources.first().cloned().unwrap_or_default();
                    all.events.insert((info.id, first.to_lowercase()), info);
                }
            }
            "phrase" => {
                if let Some(info) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.phrase(line, r))
                {
                    all.phrases
                        .insert(fold_space(&info.text.to_lowercase()), info);
                }
            }
            "protocol" => {
                if let Some(info) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.protocol(line, r))
                {
                    all.protocols.insert(info.name.clone(), info);
                }
            }
            "context" => {
                if let Some(c) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.context(line, r))
                {
                    all.kb.context.push(c);
                }
            }
            "program" => {
                if let Some(p) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.program(line, r))
                {
                    all.programs.insert(p.id.clone(), p);
                }
            }
            _ => {
                if let Some(rule) = self
                    .typed(kind, line, value)
                    .and_then(|r| self.rule(line, r))
                {
                    if let Some(first) = self.rules_here.insert(rule.id.clone(), line) {
                        self.error(
                            line,
                            format!(
                                "rule id '{}' is already used at line {first} of this file",
                                rule.id
                            ),
                        );
                        return;
                    }
                    all.add_rule(rule);
                }
            }
        }
    }

    /// The entry as its raw type; a field that is unknown, missing or of the wrong type is named.
    fn typed<T: DeserializeOwned>(&mut self, kind: &str, line: usize, value: Entry) -> Option<T> {
        let result = match value {
            Entry::Json(raw) => serde_json::from_str::<T>(raw.get()).map_err(|e| {
                // Only a built-in file gets here, and its files are tested: name what we can.
                let id = serde_json::from_str::<serde_json::Value>(raw.get())
                    .ok()
                    .and_then(|v| {
                        ["id", "code", "name"]
                            .iter()
                            .find_map(|k| v.get(*k).map(|x| x.to_string()))
                    })
                    .map(|id| format!(" {id}"))
                    .unwrap_or_default();
                format!("{kind}{id}: {e}")
            }),
            Entry::Toml(value) => {
                let id = value
                    .get("id")
                    .or_else(|| value.get("code"))
                    .or_else(|| value.get("name"))
                    .map(|v| match v {
                        toml::Value::String(s) => format!(" '{s}'"),
                        other => format!(" {other}"),
                    })
                    .unwrap_or_default();
                value
                    .try_into::<T>()
                    .map_err(|e| format!("{kind}{id}: {}", e.message().trim()))
            }
        };
        match result {
            Ok(raw) => Some(raw),
            Err(message) => {
                self.error(line, message);
                None
            }
        }
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

    fn hresult(&mut self, line: usize, raw: RawCode) -> Option<(u32, CodeInfo)> {
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
                source: raw.source.into(),
            },
        ))
    }

    fn winsock(&mut self, line: usize, raw: RawWinsock) -> Option<(u32, CodeInfo)> {
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
                source: raw.source.into(),
            },
        ))
    }

    fn smtp(&mut self, line: usize, raw: RawSmtp) -> Option<(u16, CodeInfo)> {
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
                source: raw.source.into(),
            },
        ))
    }

    fn errno(&mut self, line: usize, raw: RawErrno) -> Option<ErrnoInfo> {
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
            source: raw.source.into(),
        })
    }

    fn event(&mut self, line: usize, raw: RawEvent) -> Option<EventInfo> {
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
            source: raw.source.into(),
        })
    }

    fn phrase(&mut self, line: usize, raw: RawPhrase) -> Option<PhraseInfo> {
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
            source: raw.source.into(),
        })
    }

    fn context(&mut self, line: usize, raw: super::raw::RawContext) -> Option<super::ContextWords> {
        use crate::engine::model::{Operation, Speaker};
        let operation = match raw.operation.as_deref() {
            None => None,
            Some(o) => match Operation::ALL.into_iter().find(|x| x.as_str() == o) {
                Some(op) => Some(op),
                None => {
                    self.error(line, format!("context: unknown operation '{o}' (known: bind, connect, login, handshake, resolve, send)"));
                    return None;
                }
            },
        };
        let side = match raw.side.as_deref() {
            None => None,
            Some("local") => Some(super::PortSide::Local),
            Some("remote") => Some(super::PortSide::Remote),
            Some(other) => {
                self.error(line, format!("context: side '{other}' is local or remote"));
                return None;
            }
        };
        let speaker = match raw.speaker.as_deref() {
            None => None,
            Some("server") => Some(Speaker::Server),
            Some("local") => Some(Speaker::Local),
            Some(other) => {
                self.error(
                    line,
                    format!("context: speaker '{other}' is server or local"),
                );
                return None;
            }
        };
        if operation.is_none() && side.is_none() && speaker.is_none() {
            self.error(
                line,
                "context: says nothing (give an operation, a side or a speaker)".into(),
            );
            return None;
        }
        Some(super::ContextWords {
            words: raw.words.iter().map(|w| w.to_lowercase()).collect(),
            operation,
            side,
            speaker,
        })
    }

    fn protocol(&mut self, line: usize, raw: RawProtocol) -> Option<ProtocolInfo> {
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

    fn program(&mut self, line: usize, raw: RawProgram) -> Option<Program> {
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
        let before = self.errors.len();
        self.references(line, &raw.id, &raw.references);
        if self.errors.len() > before {
            return None;
        }
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

    fn rule(&mut self, line: usize, raw: RawRule) -> Option<Rule> {
        let before = self.errors.len();
        let id = raw.id.clone();
        let category = self.rule_header(line, &raw);
        let parse_list = |ctx: &mut Self, list: &[String], field: &str| -> Vec<SymptomMatcher> {
            list.iter()
                .filter_map(|m| match parse_symptom_matcher_in(m, ctx.patterns) {
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
            match ActionKind::parse(a) {
                Some(kind) => actions.push(kind),
                None => self.error(
                    line,
                    format!(
                        "rule '{id}': unknown action '{a}' (known: {})",
                        ActionKind::ALL.map(ActionKind::as_str).join(", ")
                    ),
                ),
            }
        }
        let boosts = self.boosts(line, &id, raw.boost);
        let checks = self.checks(line, &id, raw.check);
        if raw.needs_scan && !checks.iter().any(|c| c.effect == Effect::Confirm) {
            self.error(
                line,
                format!("rule '{id}': needs_scan is set but no check confirms it"),
            );
        }
        self.references(line, &id, &raw.references);
        if self.errors.len() > before {
            return None;
        }
        Some(Rule {
            id,
            title: raw.title,
            category,
            cause: raw.cause,
            steps: raw.steps,
            after_fix: raw.after_fix,
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

    /// The rule's id, category, base confidence and matcher lists, checked for sense.
    fn rule_header(&mut self, line: usize, raw: &RawRule) -> Category {
        let id = &raw.id;
        if !is_kebab(id) {
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
        category
    }

    /// Only web addresses may be references: a `javascript:`, `file:` or `data:` link would
    /// become a link in every report.
    fn references(&mut self, line: usize, id: &str, references: &[super::Reference]) {
        for r in references {
            if let Some(url) = &r.url {
                let lower = url.to_ascii_lowercase();
                let web = (lower.starts_with("https://") || lower.starts_with("http://"))
                    && url.len() > 8
                    && !url.chars().any(|c| c.is_whitespace() || c.is_control());
                if !web {
                    self.error(
                        line,
                        format!("'{id}': reference '{}' has the address '{url}', but only http:// and https:// addresses are allowed", r.title),
                    );
                }
            }
        }
    }

    fn boosts(&mut self, line: usize, id: &str, raw: Vec<RawBoost>) -> Vec<Boost> {
        let mut boosts = Vec::new();
        for b in raw {
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
            match parse_symptom_matcher_in(&b.when, self.patterns) {
                Ok(when) => boosts.push(Boost {
                    when,
                    when_text: b.when,
                    add: b.add,
                    why: b.why,
                }),
                Err(e) => self.error(line, format!("rule '{id}': boost: {e}")),
            }
        }
        boosts
    }

    fn checks(&mut self, line: usize, id: &str, raw: Vec<RawCheck>) -> Vec<Check> {
        let mut checks = Vec::new();
        for c in raw {
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
        checks
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use std::path::Path;

    fn source(text: &str) -> KbSource {
        KbSource {
            name: "mine.toml".into(),
            text: text.to_owned().into(),
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
    fn the_build_time_parse_gives_the_same_knowledge_base_as_the_toml() {
        let builtin = KbSource::builtin();
        for source in builtin.iter().filter(|s| s.name.ends_with(".toml")) {
            assert!(
                super::super::source::parsed(source).is_some(),
                "{} has no build-time parse",
                source.name
            );
        }
        // The same files read as a user's would be: from their TOML text.
        let from_toml: Vec<KbSource> = builtin
            .iter()
            .cloned()
            .map(|mut s| {
                s.builtin = false;
                s
            })
            .collect();
        let (a, errors_a) = KnowledgeBase::load(&builtin);
        let (b, errors_b) = KnowledgeBase::load(&from_toml);
        assert!(errors_a.is_empty() && errors_b.is_empty());
        let rules = |kb: &KnowledgeBase| -> Vec<String> {
            kb.rules
                .iter()
                .map(|r| {
                    format!(
                        "{} {:?} {} {} {:?} {:?} {:?} {} {:?} {:?}",
                        r.id,
                        r.origin,
                        r.title,
                        r.cause,
                        r.steps,
                        r.after_fix,
                        r.actions,
                        r.base,
                        r.checks.len(),
                        r.all.len() + r.any.len() + r.not.len()
                    )
                })
                .collect()
        };
        assert_eq!(rules(&a), rules(&b));
        assert_eq!(format!("{:?}", a.programs), format!("{:?}", b.programs));
        assert_eq!(format!("{:?}", a.hresults), format!("{:?}", b.hresults));
        assert_eq!(format!("{:?}", a.winsock), format!("{:?}", b.winsock));
        assert_eq!(format!("{:?}", a.errno), format!("{:?}", b.errno));
        assert_eq!(format!("{:?}", a.events), format!("{:?}", b.events));
        assert_eq!(format!("{:?}", a.phrases), format!("{:?}", b.phrases));
        assert_eq!(format!("{:?}", a.smtp), format!("{:?}", b.smtp));
        assert_eq!(format!("{:?}", a.context), format!("{:?}", b.context));
        assert_eq!(format!("{:?}", a.protocols), format!("{:?}", b.protocols));
    }

    #[test]
    fn every_knowledge_file_in_assets_is_built_in_and_valid() {
        fn walk(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("assets folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    // The probe's banner catalogue is read by platform::probe, not here.
                    if !path.ends_with("probe") {
                        walk(&path, out);
                    }
                } else if path.extension().is_some_and(|e| e == "toml" || e == "tsv") {
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
            "a TOML or TSV file under assets/ is missing from BUILTIN_FILES (or the reverse)"
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
        // Built-in patterns are not checked at start-up: here each is parsed and built.
        for rule in &kb.rules {
            let matchers = rule.all.iter().chain(&rule.any).chain(&rule.not);
            for m in matchers.chain(rule.boosts.iter().map(|b| &b.when)) {
                if let SymptomMatcher::Text(p) | SymptomMatcher::Response(p) = m {
                    assert!(
                        p.regex().is_some(),
                        "rule {}: /{}/ does not build",
                        rule.id,
                        p.as_str()
                    );
                }
            }
        }
        assert!(kb.unbuildable_patterns().is_empty());
    }
}
