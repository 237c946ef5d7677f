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
mod context;
mod fields;
mod patterns;
pub use patterns::warm_up;
mod phrases;
mod regions;
mod symptoms;

pub use symptoms::{
    CodeKind, ConditionHit, DecodedCode, EventMention, Found, PortMention, ServerMention, Symptoms,
};

use super::kb::{strip_exe, KnowledgeBase, SymptomMatcher};
use super::model::Condition;
use super::text::Normalized;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use collector::Collector;
use patterns::{COMMON_WORDS, NOT_PROGRAM_WORDS, TRIGGERS};
use regex::Regex;
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
    phrases: phrases::Phrases,
    programs: Option<AhoCorasick>,
    program_names: Vec<String>,
    protocol_words: Option<Regex>,
    protocol_alias: HashMap<String, String>,
    errno_by_name: HashMap<String, usize>,
    winsock_by_name: HashMap<String, u32>,
    /// The words that mark a big log's lines as worth reading, and whether each must be a whole
    /// word: built on the first big text, since a pasted error is read whole.
    triggers: std::sync::OnceLock<Triggers>,
    exe_suffix: AhoCorasick,
    context: context::ContextFinder,
}

impl Reader {
    pub fn new(kb: impl Into<Arc<KnowledgeBase>>) -> Self {
        let kb: Arc<KnowledgeBase> = kb.into();
        let phrases = phrases::Phrases::build(&kb);
        let (programs, program_names) = program_matcher(&kb);
        let (protocol_words, protocol_alias) = protocol_matcher(&kb);
        let context = context::ContextFinder::build(&kb);
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
            context,
            kb,
            phrases,
            programs,
            program_names,
            protocol_words,
            protocol_alias,
            errno_by_name,
            winsock_by_name,
            triggers: std::sync::OnceLock::new(),
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
        let windows_wording = c.windows_wording;
        let mut symptoms = c.finish();
        set_aside_notices(original, &mut symptoms);
        self.context.annotate(original, &mut symptoms);
        symptoms.platform = if windows_wording {
            Some("windows".to_owned())
        } else {
            platform_of(original, &symptoms)
        };
        symptoms
    }
}

/// Drops the conditions that share a line with a routine notice (systemd-resolved's "retrying
/// transaction with reduced feature level" names NXDOMAIN but reports no failure), then the
/// notices themselves.
fn set_aside_notices(text: &str, s: &mut Symptoms) {
    let line_of = |pos: usize| {
        // A line, or 4 KiB either side of `pos` on a very long one.
        let bytes = text.as_bytes();
        let pos = pos.min(bytes.len());
        let (lo, hi) = (pos.saturating_sub(4096), (pos + 4096).min(bytes.len()));
        let start = bytes[lo..pos]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let end = bytes[pos..hi]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(hi, |i| pos + i);
        (start, end)
    };
    let notice_lines: Vec<(usize, usize)> = s
        .conditions
        .iter()
        .filter(|h| h.condition == Condition::NotAnError)
        .map(|h| line_of(h.span.start))
        .collect();
    if notice_lines.is_empty() {
        return;
    }
    s.conditions.retain(|h| {
        h.condition != Condition::NotAnError && !notice_lines.contains(&line_of(h.span.start))
    });
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

/// What marks a line of a big log as worth reading closely: the built-in trigger words (at a
/// word start: "err" finds "error"), and, through a prefix index, the phrases that hold none
/// of those words, with errno names, as whole words. One pass over the text finds both,
/// stopping only at word starts and punctuation.
pub(super) struct Triggers {
    /// Built-in trigger words by their first (lower-case) byte.
    words: Vec<Vec<TriggerWord>>,
    keys: Vec<String>,
    index: phrases::PrefixIndex,
    /// The first two bytes of every word and key: a scan stops only where these begin.
    pairs: Box<[u64; 1024]>,
}

/// A built-in trigger word, tested on the four lower-cased bytes at a scan stop.
struct TriggerWord {
    /// Its first (up to) four bytes, and which of the four it has.
    value: u32,
    mask: u32,
    /// The bytes after the first four.
    rest: &'static [u8],
    len: usize,
    /// Whether it must stand alone (" no ", " bad ").
    alone: bool,
}

/// Below this size a text's triggers are looked for on one core.
const PARALLEL_FROM: usize = 2 << 20;

impl Triggers {
    /// Where triggers start in `text`, in order. A big text is cut at line ends into one piece
    /// per core (at most four) and its pieces are scanned at once: no trigger spans a line end,
    /// so the result is the same as one scan's.
    pub(super) fn starts(&self, text: &str) -> Vec<usize> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        if text.len() < PARALLEL_FROM || cores < 2 {
            return self.starts_in(text);
        }
        let bytes = text.as_bytes();
        let mut cuts = vec![0];
        for k in 1..cores {
            let at = (text.len() * k / cores).max(*cuts.last().unwrap_or(&0));
            let cut = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |i| at + i + 1);
            cuts.push(cut);
        }
        cuts.push(text.len());
        cuts.dedup();
        // A fork and a join within this call (no background work): scoped threads, each
        // reading its own piece.
        std::thread::scope(|scope| {
            let pieces: Vec<_> = cuts
                .windows(2)
                .skip(1)
                .map(|w| {
                    let (from, to) = (w[0], w[1]);
                    scope.spawn(move || (from, self.starts_in(&text[from..to])))
                })
                .collect();
            let mut out = self.starts_in(&text[..cuts[1]]);
            for piece in pieces {
                match piece.join() {
                    Ok((from, found)) => out.extend(found.into_iter().map(|i| from + i)),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }

    /// Where triggers start in `text`, in order, on this thread.
    fn starts_in(&self, text: &str) -> Vec<usize> {
        let hay = text.as_bytes();
        let alnum = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let mut out = Vec::new();
        phrases::scan_stops(hay, &self.pairs, |i| {
            let w4 = phrases::lower4_at(hay, i);
            let first = (w4 & 0xFF) as usize;
            let word = self.words[first].iter().any(|w| {
                w4 & w.mask == w.value
                    && (w.rest.is_empty()
                        || hay
                            .get(i + 4..i + w.len)
                            .is_some_and(|h| h.eq_ignore_ascii_case(w.rest)))
                    && !(w.alone && alnum(hay.get(i + w.len)))
            });
            if word {
                // Move on as from any stop: past the word, or past the punctuation mark.
                out.push(i);
                return 0;
            }
            match self.index.found_at(&self.keys, hay, i, w4) {
                Some(len) => {
                    out.push(i);
                    len
                }
                None => 0,
            }
        });
        out
    }
}

fn trigger_matcher(kb: &KnowledgeBase, phrase_keys: &[String]) -> Triggers {
    // One automaton for the built-in words, run over each key once (thousands of keys).
    let builtin = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(TRIGGERS)
        .ok();
    let has_trigger = |key: &str| {
        let Some(ac) = &builtin else {
            return false;
        };
        ac.find_overlapping_iter(key).any(|m| {
            let t = TRIGGERS[m.pattern().as_usize()];
            !t.starts_with(|c: char| c.is_ascii_alphanumeric())
                || !key[..m.start()].ends_with(|c: char| c.is_ascii_alphanumeric())
        })
    };
    let mut keys: Vec<String> = phrase_keys
        .iter()
        .filter(|k| !has_trigger(k) && !COMMON_WORDS.contains(&k.as_str()))
        .cloned()
        .collect();
    keys.extend(
        kb.errno
            .iter()
            .filter(|e| e.name.len() >= 5)
            .map(|e| e.name.to_lowercase()),
    );
    keys.sort();
    keys.dedup();
    let mut words: Vec<Vec<TriggerWord>> = (0..256).map(|_| Vec::new()).collect();
    for t in TRIGGERS {
        let word = t.trim_matches(' ').as_bytes();
        let head = word.len().min(4);
        let mut bytes = [0u8; 4];
        bytes[..head].copy_from_slice(&word[..head]);
        bytes.make_ascii_lowercase();
        let mask = if head == 4 {
            u32::MAX
        } else {
            (1u32 << (8 * head)) - 1
        };
        words[usize::from(bytes[0])].push(TriggerWord {
            value: u32::from_le_bytes(bytes) & mask,
            mask,
            rest: &word[head..],
            len: word.len(),
            alone: word.len() != t.len(),
        });
    }
    let index = phrases::PrefixIndex::new(&keys);
    let mut pairs = Box::new(*index.pairs());
    for t in TRIGGERS {
        phrases::add_pair(&mut pairs, t.trim_matches(' ').as_bytes());
    }
    Triggers {
        words,
        index,
        keys,
        pairs,
    }
}

/// The operating system a text comes from: what its codes say first (a Winsock code is
/// Windows; an errno number was decoded for its platform), then its paths and words.
fn platform_of(text: &str, s: &Symptoms) -> Option<String> {
    use symptoms::CodeKind;
    let by_code = s.codes.iter().find_map(|c| match c.kind {
        CodeKind::Winsock | CodeKind::Win32 => Some("windows"),
        CodeKind::Errno => c.platform.as_deref().and_then(|p| match p {
            "windows" => Some("windows"),
            "linux" => Some("linux"),
            "macos" => Some("macos"),
            _ => None,
        }),
        _ => None,
    });
    let sample = &text[..text.len().min(256 << 10)];
    let mut cut = sample.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let sample = &text[..cut];
    by_code
        .or_else(|| {
            patterns::WINDOWS_SIGNS
                .is_match(sample)
                .then_some("windows")
        })
        .or_else(|| patterns::MACOS_SIGNS.is_match(sample).then_some("macos"))
        .or_else(|| patterns::LINUX_SIGNS.is_match(sample).then_some("linux"))
        .map(str::to_owned)
}
