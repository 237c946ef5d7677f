//! Phrases that imply a condition, found in one pass: every phrase of the knowledge base — its
//! own `[[phrase]]`s and every message its code tables print (errno and Winsock texts name
//! their code too) — matched against the text with its runs of white space folded to one space,
//! so a dialog wrapped mid-phrase still matches. Matches count only as whole words, and where
//! phrases overlap the leftmost, then the longest, wins.
//!
//! The phrases are indexed by their first two bytes (a bitmap, for a fast "no") and their first
//! four (a hash map to the candidates, longest first). Building the index is a few hundred
//! microseconds for thousands of phrases, where an Aho-Corasick automaton over the same 110 KB
//! of patterns took 39 ms, which every start of the program paid; and a text is tried only at
//! the places a phrase can start: word starts and punctuation.

use super::PhraseTarget;
use crate::engine::kb::{fold_space, lowercase, KnowledgeBase};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub(super) struct Phrases {
    index: PrefixIndex,
    /// For each key: what it stands for.
    targets: Vec<Vec<PhraseTarget>>,
    /// The folded, lower-case keys.
    pub(super) keys: Vec<String>,
}

/// Lower-case keys of at least four bytes, indexed by their first two bytes (a bitmap, for a
/// fast "no") and their first four (a map to the candidates, longest first).
pub(super) struct PrefixIndex {
    starts: Box<[u64; 1024]>,
    /// A one-hash Bloom filter over the first four bytes: a text's word is looked up in the map
    /// only when its bit is set (about one word in fifty for thousands of keys).
    bloom: Box<[u64; 1024]>,
    by_prefix: HashMap<u32, Vec<Candidate>, BuildHasherDefault<PrefixHasher>>,
}

/// A key under its first four bytes: which key, and its next four (lower case, with a mask
/// for a key shorter than eight), compared before the whole key is.
#[derive(Clone, Copy)]
struct Candidate {
    key: u32,
    next: u32,
    mask: u32,
}

impl Candidate {
    fn new(key: u32, bytes: &[u8]) -> Candidate {
        let mut next = [0u8; 4];
        let mut mask = [0u8; 4];
        for (j, &b) in bytes.iter().skip(4).take(4).enumerate() {
            next[j] = b;
            mask[j] = 0xFF;
        }
        Candidate {
            key,
            next: u32::from_le_bytes(next),
            mask: u32::from_le_bytes(mask),
        }
    }

    /// Whether the four lower-cased bytes after the first four can continue this key.
    fn may_follow(&self, next4: u32) -> bool {
        next4 & self.mask == self.next
    }
}

impl PrefixIndex {
    /// The pairs of first bytes its keys begin with.
    pub(super) fn pairs(&self) -> &[u64; 1024] {
        &self.starts
    }

    pub(super) fn new(keys: &[String]) -> PrefixIndex {
        let mut starts = Box::new([0u64; 1024]);
        let mut bloom = Box::new([0u64; 1024]);
        let mut by_prefix: HashMap<u32, Vec<Candidate>, BuildHasherDefault<PrefixHasher>> =
            HashMap::default();
        for (i, key) in keys.iter().enumerate() {
            let b = key.as_bytes();
            if b.len() < 4 {
                continue;
            }
            let pair = usize::from(b[0]) << 8 | usize::from(b[1]);
            starts[pair / 64] |= 1 << (pair % 64);
            let index = u32::try_from(i).expect("fewer than 4 billion keys");
            let prefix = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let bit = bloom_bit(prefix);
            bloom[bit / 64] |= 1 << (bit % 64);
            by_prefix
                .entry(prefix)
                .or_default()
                .push(Candidate::new(index, b));
        }
        for list in by_prefix.values_mut() {
            list.sort_by_key(|c| std::cmp::Reverse(keys[c.key as usize].len()));
        }
        PrefixIndex {
            starts,
            bloom,
            by_prefix,
        }
    }

    /// The longest key that starts at `i` of `hay` as whole words; `lower` says whether `hay`
    /// is lower case already (otherwise ASCII letters are compared without case).
    fn at(&self, keys: &[String], hay: &[u8], i: usize, lower: bool) -> Option<u32> {
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let b = *hay.get(i)?;
        // A key starting with a letter or digit starts a word; one starting with punctuation
        // may start anywhere. Nothing starts with white space.
        if b.is_ascii_whitespace()
            || (b.is_ascii_alphanumeric() && word(i.checked_sub(1).and_then(|p| hay.get(p))))
        {
            return None;
        }
        let head = hay.get(i..i + 4)?;
        let low = |c: u8| if lower { c } else { c.to_ascii_lowercase() };
        let pair = usize::from(low(head[0])) << 8 | usize::from(low(head[1]));
        if self.starts[pair / 64] & (1 << (pair % 64)) == 0 {
            return None;
        }
        let prefix = u32::from_le_bytes([low(head[0]), low(head[1]), low(head[2]), low(head[3])]);
        self.candidates(hay, i, prefix)?.find(|&k| {
            let key = keys[k as usize].as_bytes();
            let end = i + key.len();
            let same = hay.get(i..end).is_some_and(|h| {
                if lower {
                    h == key
                } else {
                    h.eq_ignore_ascii_case(key)
                }
            });
            same && !(key[key.len() - 1].is_ascii_alphanumeric() && word(hay.get(end)))
        })
    }

    /// The keys that may start at `i` of `hay`, whose first four bytes (lower case) are
    /// `prefix`: those its next four bytes can continue, longest first.
    fn candidates<'a>(
        &'a self,
        hay: &[u8],
        i: usize,
        prefix: u32,
    ) -> Option<impl Iterator<Item = u32> + 'a> {
        let next4 = lower4_at(hay, i + 4);
        let list = self.by_prefix.get(&prefix)?;
        Some(
            list.iter()
                .filter(move |c| c.may_follow(next4))
                .map(|c| c.key),
        )
    }

    /// The key starting at `i` if any (compared without ASCII case), given the four
    /// lower-cased bytes there: `i` is a word start or punctuation, checked by the caller.
    fn key_at(&self, keys: &[String], hay: &[u8], i: usize, prefix: u32) -> Option<u32> {
        let bit = bloom_bit(prefix);
        if self.bloom[bit / 64] & (1 << (bit % 64)) == 0 || i + 4 > hay.len() {
            return None;
        }
        let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        self.candidates(hay, i, prefix)?.find(|&k| {
            let key = keys[k as usize].as_bytes();
            let end = i + key.len();
            hay.get(i + 4..end)
                .is_some_and(|h| h.eq_ignore_ascii_case(&key[4..]))
                && !(key[key.len() - 1].is_ascii_alphanumeric() && word(hay.get(end)))
        })
    }
}

/// The four bytes at `i` (zeros past the end), with ASCII capitals made small.
pub(super) fn lower4_at(hay: &[u8], i: usize) -> u32 {
    let mut b = [0u8; 4];
    let have = hay.len().saturating_sub(i).min(4);
    b[..have].copy_from_slice(&hay[i..i + have]);
    ascii_lower4(u32::from_le_bytes(b))
}

/// Four bytes with their ASCII capitals made small, all at once.
fn ascii_lower4(x: u32) -> u32 {
    // For each byte: 0x80 where it lies in 'A'..='Z', then 0x20 added there.
    let ge_a = (x | 0x8080_8080).wrapping_sub(0x4141_4141);
    let gt_z = (x | 0x8080_8080).wrapping_sub(0x5B5B_5B5B);
    let upper = ge_a & !gt_z & !x & 0x8080_8080;
    x | (upper >> 2)
}

fn bloom_bit(prefix: u32) -> usize {
    (prefix.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// How a byte moves a scan: white space is passed over, a word is skipped whole after its
/// first byte, anything else is one punctuation mark.
const SPACE: u8 = 0;
const WORD: u8 = 1;
const MARK: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [MARK; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_whitespace() {
            t[b] = SPACE;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            t[b] = WORD;
        }
        b += 1;
    }
    t
};

/// Where a scan of a big text stops to look for a key: at each word start (the rest of the
/// word is skipped in one step) and at each punctuation mark, never inside a word or on white
/// space, and only where the two (lower-case) bytes there begin something in `pairs`. `visit`
/// is given each stop and returns how far to move on from it (0: the default).
pub(super) fn scan_stops(hay: &[u8], pairs: &[u64; 1024], mut visit: impl FnMut(usize) -> usize) {
    let n = hay.len();
    let mut i = 0;
    while i < n {
        let class = CLASS[usize::from(hay[i])];
        if class == SPACE {
            i += 1;
            continue;
        }
        let first = usize::from(hay[i].to_ascii_lowercase());
        let second = usize::from(hay.get(i + 1).map_or(0, u8::to_ascii_lowercase));
        let pair = first << 8 | second;
        let skip = if pairs[pair / 64] & (1 << (pair % 64)) != 0 {
            visit(i)
        } else {
            0
        };
        if skip > 0 {
            i += skip;
        } else if class == WORD {
            i += 1;
            while i < n && CLASS[usize::from(hay[i])] == WORD {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// Sets the bit of `word`'s first two bytes (lower case) in `pairs`.
pub(super) fn add_pair(pairs: &mut [u64; 1024], word: &[u8]) {
    let first = usize::from(word.first().map_or(0, u8::to_ascii_lowercase));
    let second = usize::from(word.get(1).map_or(0, u8::to_ascii_lowercase));
    let pair = first << 8 | second;
    pairs[pair / 64] |= 1 << (pair % 64);
}

impl PrefixIndex {
    /// The key at a scan stop `i` of `hay`, with its length.
    pub(super) fn found_at(
        &self,
        keys: &[String],
        hay: &[u8],
        i: usize,
        prefix: u32,
    ) -> Option<usize> {
        self.key_at(keys, hay, i, prefix)
            .map(|k| keys[k as usize].len())
    }
}

/// A hasher for four bytes read as a number: one multiplication, where the standard hasher
/// would spend more on a lookup than the lookup saves.
#[derive(Default)]
pub(super) struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
    }
}

/// A phrase found: where in the region, and what it stands for.
pub(super) struct PhraseMatch<'p> {
    pub start: usize,
    pub end: usize,
    pub targets: &'p [PhraseTarget],
}

impl Phrases {
    pub(super) fn build(kb: &KnowledgeBase) -> Phrases {
        let mut index: HashMap<String, usize, BuildHasherDefault<PrefixHasher>> =
            HashMap::default();
        let mut keys: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<PhraseTarget>> = Vec::new();
        let mut add = |text: &str, target: PhraseTarget| {
            let mut key = fold_space(&lowercase(text));
            let kept = key.trim_end_matches(['.', ' ']).len();
            key.truncate(kept);
            if key.len() < 6 {
                return;
            }
            let i = match index.get(&key) {
                Some(&i) => i,
                None => {
                    index.insert(key.clone(), keys.len());
                    keys.push(key);
                    targets.push(Vec::new());
                    keys.len() - 1
                }
            };
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
        Phrases {
            index: PrefixIndex::new(&keys),
            targets,
            keys,
        }
    }

    /// Every phrase in `region`, leftmost-longest, as whole words.
    pub(super) fn find(&self, region: &str) -> Vec<PhraseMatch<'_>> {
        let (mut folded, map) = fold(region);
        folded.make_ascii_lowercase();
        let mut out = Vec::new();
        let mut i = 0;
        while i + 4 <= folded.len() {
            match self.index.at(&self.keys, &folded, i, true) {
                Some(k) => {
                    let end = i + self.keys[k as usize].len();
                    out.push(PhraseMatch {
                        start: map[i],
                        end: map[end - 1] + 1,
                        targets: &self.targets[k as usize],
                    });
                    i = end;
                }
                None => i += 1,
            }
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
