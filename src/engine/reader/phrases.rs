//! Phrases that imply a condition, found in one pass: every phrase of the knowledge base — its
//! own `[[phrase]]`s and every message its code tables print (errno and Winsock texts name
//! their code too) — in one Aho-Corasick automaton, matched against the text with its runs of
//! white space folded to one space, so a dialog wrapped mid-phrase still matches. Matches
//! count only as whole words.

use super::PhraseTarget;
use crate::engine::kb::{fold_space, KnowledgeBase};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;

pub(super) struct Phrases {
    ac: Option<AhoCorasick>,
    /// For each pattern of the automaton: what it stands for.
    targets: Vec<Vec<PhraseTarget>>,
    /// The folded, lower-case keys, in pattern order (the longest word of each marks a big
    /// log's lines as worth reading).
    pub(super) keys: Vec<String>,
}

/// A phrase found: where in the region, and what it stands for.
pub(super) struct PhraseMatch<'p> {
    pub start: usize,
    pub end: usize,
    pub targets: &'p [PhraseTarget],
}

impl Phrases {
    pub(super) fn build(kb: &KnowledgeBase) -> Phrases {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<PhraseTarget>> = Vec::new();
        let mut add = |text: &str, target: PhraseTarget| {
            let key = fold_space(&text.to_lowercase());
            let key = key.trim_end_matches(['.', ' ']).to_owned();
            if key.len() < 6 {
                return;
            }
            let i = *index.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                targets.push(Vec::new());
                keys.len() - 1
            });
            targets[i].push(target);
        };
        for (i, p) in kb.phrases.iter().enumerate() {
            add(&p.text, PhraseTarget::Phrase(i));
        }
        for (i, e) in kb.errno.iter().enumerate() {
            if e.condition.is_some() {
                add(&e.message, PhraseTarget::Errno(i));
            }
        }
        for (code, info) in &kb.winsock {
            if let Some(m) = info.message.as_deref().filter(|m| m.len() >= 20) {
                if info.condition.is_some() {
                    add(m, PhraseTarget::Winsock(*code));
                }
            }
        }
        let ac = (!keys.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&keys)
                    .ok()
            })
            .flatten();
        Phrases { ac, targets, keys }
    }

    /// Every phrase in `region`, leftmost-longest, as whole words.
    pub(super) fn find(&self, region: &str) -> Vec<PhraseMatch<'_>> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let (folded, map) = fold(region);
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let mut out = Vec::new();
        for m in ac.find_iter(&folded) {
            let (s, e) = (m.start(), m.end());
            let starts_word = folded[s].is_ascii_alphanumeric();
            let ends_word = folded[e - 1].is_ascii_alphanumeric();
            if (starts_word && s > 0 && word(folded.get(s - 1)))
                || (ends_word && word(folded.get(e)))
            {
                continue;
            }
            out.push(PhraseMatch {
                start: map[s],
                end: map[e - 1] + 1,
                targets: &self.targets[m.pattern().as_usize()],
            });
        }
        out
    }
}

/// The region with each run of white space as one space, and where each byte came from.
fn fold(region: &str) -> (Vec<u8>, Vec<usize>) {
    let bytes = region.as_bytes();
    let mut folded = Vec::with_capacity(bytes.len());
    let mut map = Vec::with_capacity(bytes.len());
    let mut in_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_whitespace() {
            if !in_space {
                folded.push(b' ');
                map.push(i);
            }
            in_space = true;
        } else {
            folded.push(b);
            map.push(i);
            in_space = false;
        }
    }
    (folded, map)
}
