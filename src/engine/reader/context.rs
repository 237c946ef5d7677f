//! Who said it and which call failed: the words around a condition (from the knowledge base's
//! `[[context]]` tables) decide whether "Permission denied" was the local system refusing a
//! bind or the server refusing a login, and whether a refusal came on a connect or a bind.

use super::symptoms::Symptoms;
use crate::engine::kb::{KnowledgeBase, PortSide};
use crate::engine::model::{Operation, Speaker};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// How far before a condition its context words are looked for, and how far after.
const BEFORE: usize = 160;
const AFTER: usize = 60;

pub(super) struct ContextFinder {
    ac: Option<AhoCorasick>,
    /// For each word: what it says.
    says: Vec<(Option<Operation>, Option<PortSide>, Option<Speaker>)>,
    words: Vec<String>,
}

impl ContextFinder {
    pub(super) fn build(kb: &KnowledgeBase) -> ContextFinder {
        let mut words = Vec::new();
        let mut says = Vec::new();
        for c in &kb.context {
            for w in &c.words {
                words.push(w.clone());
                says.push((c.operation, c.side, c.speaker));
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .ok();
        ContextFinder { ac, says, words }
    }

    /// The context words found in `text[from..to]`, with their positions.
    fn near(&self, text: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let window = &text.as_bytes()[from..to];
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        ac.find_overlapping_iter(window)
            .filter(|m| {
                let w = self.words[m.pattern().as_usize()].as_bytes();
                let starts = w.first().is_some_and(u8::is_ascii_alphanumeric);
                let ends = w.last().is_some_and(u8::is_ascii_alphanumeric);
                let glued_before = starts && m.start() > 0 && word(window.get(m.start() - 1));
                let glued_after = ends && word(window.get(m.end()));
                !glued_before && !glued_after
            })
            .map(|m| (from + m.start(), m.pattern().as_usize()))
            .collect()
    }

    /// The window around `start..end`: this line and the one before, bounded. Only the
    /// bytes within the bounds are looked at, so a text that is one 10 MB line costs no more
    /// per condition than a short one.
    fn window(text: &str, start: usize, end: usize) -> (usize, usize) {
        let bytes = text.as_bytes();
        // Back at most BEFORE bytes, across at most one line end (into the line before).
        let lo = start.saturating_sub(BEFORE);
        let mut from = lo;
        let mut crossed = 0;
        for i in (lo..start).rev() {
            if bytes[i] == b'\n' {
                crossed += 1;
                if crossed == 2 {
                    from = i + 1;
                    break;
                }
            }
        }
        // Forward to the end of the next line (a stack trace names the call on the line
        // after), at least AFTER bytes, at most three times that.
        let hi = (end + AFTER * 3).min(bytes.len());
        let mut ends = bytes[end..hi]
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| end + i);
        let line_end = ends.next().unwrap_or(hi);
        let next_end = ends.next().unwrap_or(hi);
        let mut to = (end + AFTER).max(line_end).min(next_end).min(hi);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        while !text.is_char_boundary(to) {
            to += 1;
        }
        (from, to)
    }

    /// What was being done at `start..end`: the operation of the nearest context word.
    pub(super) fn operation(&self, text: &str, start: usize, end: usize) -> Operation {
        let (from, to) = Self::window(text, start, end);
        self.near(text, from, to)
            .into_iter()
            .filter_map(|(at, i)| self.says[i].0.map(|op| (distance(at, start, end), op)))
            .min_by_key(|(d, _)| *d)
            .map_or(Operation::Unknown, |(_, op)| op)
    }

    /// On which side a port at `pos` was: bound here, connected to, or unknown.
    pub(super) fn side(&self, text: &str, pos: usize) -> PortSide {
        let (from, to) = Self::window(text, pos, pos);
        let found = self.near(text, from, to);
        let has = |side: PortSide| found.iter().any(|(_, i)| self.says[*i].1 == Some(side));
        if has(PortSide::Local) {
            PortSide::Local
        } else if has(PortSide::Remote) {
            PortSide::Remote
        } else {
            PortSide::Unknown
        }
    }

    /// Whether the line before `start` marks what follows as the server's reply.
    fn server_marked(&self, text: &str, start: usize) -> bool {
        let bytes = text.as_bytes();
        let lo = start.saturating_sub(BEFORE);
        let line_start = bytes[lo..start]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let mut from = line_start;
        while !text.is_char_boundary(from) {
            from += 1;
        }
        self.near(text, from, start)
            .iter()
            .any(|(_, i)| self.says[*i].2 == Some(Speaker::Server))
    }

    /// Says of each condition who said it and which call failed.
    pub(super) fn annotate(&self, text: &str, s: &mut Symptoms) {
        let replies: Vec<(usize, usize)> = s
            .responses
            .iter()
            .map(|r| (r.span.start, r.span.end))
            .collect();
        let server_codes: Vec<&str> = s
            .codes
            .iter()
            .filter(|c| c.kind == super::CodeKind::Smtp)
            .map(|c| c.key.as_str())
            .collect();
        for hit in &mut s.conditions {
            let (start, end) = (hit.span.start.min(text.len()), hit.span.end.min(text.len()));
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) || start > end {
                continue;
            }
            hit.operation = self.operation(text, start, end);
            let in_reply = replies.iter().any(|&(a, b)| a <= start && end <= b);
            hit.speaker = if in_reply
                || server_codes.contains(&hit.from.as_str())
                || hit.from.starts_with("smtp")
                || self.server_marked(text, start)
            {
                Speaker::Server
            } else {
                Speaker::Local
            };
        }
    }
}

/// How far a context word at `at` is from the condition at `start..end`.
fn distance(at: usize, start: usize, end: usize) -> usize {
    if at < start {
        start - at
    } else {
        at.saturating_sub(end) + 1
    }
}
