//! Reading pasted error text: what it says, with where it says it.
//!
//! The reader turns any text — a mail client's dialog, Event Viewer entries, server logs, stack
//! traces, several at once — into [`Symptoms`]: protocols, ports and their side, addresses, the
//! SSL flag, account and server, the server's reply, every code decoded, event IDs with their
//! sources, programs named, and the conditions all of that implies. Each item keeps the span of
//! the original text it came from. Repeated items (a log with the same error ten thousand times)
//! are counted, not listed again.
//!
//! Pure: no I/O. The code tables come from the knowledge base, which the reader shares.

mod codes;
mod collector;
mod fields;
mod patterns;
mod regions;
mod symptoms;

pub use symptoms::{
    CodeKind, ConditionHit, DecodedCode, EventMention, Found, PortMention, Symptoms,
};

use super::kb::{fold_space, strip_exe, KnowledgeBase, SymptomMatcher};
use super::text::Normalized;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use collector::Collector;
use patterns::{COMMON_WORDS, NOT_PROGRAM_WORDS, TRIGGERS};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::Arc;

/// What a matched phrase stands for.
#[derive(Debug, Clone, Copy)]
enum PhraseTarget {
    Phrase(usize),
    Errno(usize),
    Winsock(u32),
}

/// The reader, compiled once from a knowledge base it shares with the diagnosis.
pub struct Reader {
    kb: Arc<KnowledgeBase>,
    phrases: Option<Regex>,
    phrase_index: HashMap<String, Vec<PhraseTarget>>,
    programs: Option<AhoCorasick>,
    program_names: Vec<String>,
    protocol_words: Option<Regex>,
    protocol_alias: HashMap<String, String>,
    errno_by_name: HashMap<String, usize>,
    winsock_by_name: HashMap<String, u32>,
    triggers: AhoCorasick,
    trigger_whole_word: Vec<bool>,
    exe_suffix: AhoCorasick,
}

impl Reader {
    pub fn new(kb: impl Into<Arc<KnowledgeBase>>) -> Self {
        let kb: Arc<KnowledgeBase> = kb.into();
        let (phrases, phrase_index) = phrase_matcher(&kb);
        let (programs, program_names) = program_matcher(&kb);
        let (protocol_words, protocol_alias) = protocol_matcher(&kb);
        let (triggers, trigger_whole_word) = trigger_matcher(&kb, &phrase_index);
        let errno_by_name = kb
            .errno
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let winsock_by_name = kb
            .winsock
            .iter()
            .map(|(code, info)| (info.name.clone(), *code))
            .collect();
        let exe_suffix = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build([".exe"])
            .expect("suffix builds");
        Self {
            kb,
            phrases,
            phrase_index,
            programs,
            program_names,
            protocol_words,
            protocol_alias,
            errno_by_name,
            winsock_by_name,
            triggers,
            trigger_whole_word,
            exe_suffix,
        }
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// The shared knowledge base itself, for whoever keeps it alongside the reader.
    pub fn shared_kb(&self) -> Arc<KnowledgeBase> {
        Arc::clone(&self.kb)
    }

    /// Reads `original` and returns what it says.
    pub fn read(&self, original: &str) -> Symptoms {
        let norm = Normalized::new(original);
        let mut c = Collector::new(&norm, original.len());
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
}

/// Phrases imply conditions; the system messages of errno and Winsock codes also name the code
/// itself ("Cannot assign requested address" is EADDRNOTAVAIL). One pattern matches them all.
fn phrase_matcher(kb: &KnowledgeBase) -> (Option<Regex>, HashMap<String, Vec<PhraseTarget>>) {
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
    (phrases, phrase_index)
}

/// The catalogue's programs and those rules name, found by name anywhere in the text.
fn program_matcher(kb: &KnowledgeBase) -> (Option<AhoCorasick>, Vec<String>) {
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
    (programs, names)
}

/// Words that name a protocol (`POP3`, `IMAP4`, `SMTP`), and the protocol each stands for.
fn protocol_matcher(kb: &KnowledgeBase) -> (Option<Regex>, HashMap<String, String>) {
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
        (!words.is_empty()).then(|| patterns::re(&format!(r"\b(?:{})\b", words.join("|"))));
    (protocol_words, protocol_alias)
}

/// The words that mark a line of a big log as worth reading closely. Built-in triggers need a
/// word start; phrase words and errno names a whole word.
fn trigger_matcher(
    kb: &KnowledgeBase,
    phrase_index: &HashMap<String, Vec<PhraseTarget>>,
) -> (AhoCorasick, Vec<bool>) {
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
    let whole_word = trigger_words.iter().map(|(_, whole)| *whole).collect();
    (triggers, whole_word)
}
