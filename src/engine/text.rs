//! Pasted text, made regular before it is read.
//!
//! Technicians paste from dialogs, web pages, e-mails and Event Viewer: CRLF line ends, smart
//! quotes, HTML entities, non-breaking spaces and zero-width marks all turn up. The reader works
//! on a normalised copy so that its patterns stay simple, and every position it finds is mapped
//! back to the original text, so evidence can point at what the user actually pasted.
//!
//! This module never allocates when the text needs no change (the common case for logs).

use std::borrow::Cow;

/// The normalised text and the way back to positions in the original.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    pub text: Cow<'a, str>,
    /// `(position in normalised text, position in original)` at every place where the two
    /// stop running in step; between checkpoints bytes correspond one to one.
    checkpoints: Vec<(usize, usize)>,
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Self {
        if !needs_work(original) {
            return Self {
                text: Cow::Borrowed(original),
                checkpoints: Vec::new(),
            };
        }
        let mut out = String::with_capacity(original.len());
        let mut checkpoints = Vec::new();
        let bytes = original.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Copy the run of bytes that need nothing in one go.
            let run = bytes[i..]
                .iter()
                .position(|&b| NEEDS_WORK[usize::from(b)])
                .unwrap_or(bytes.len() - i);
            if run > 0 {
                out.push_str(&original[i..i + run]);
                i += run;
                continue;
            }
            let rest = &original[i..];
            let (replacement, consumed): (Option<&str>, usize) = match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => (Some(""), 1),
                b'\r' => (Some("\n"), 1),
                b'&' => match decode_entity(rest) {
                    Some((decoded, len)) => (Some(decoded), len),
                    None => (None, 1),
                },
                0..=8 | 11 | 12 | 14..=31 | 127 => (Some(" "), 1),
                b if b >= 0x80 => {
                    let ch = rest.chars().next().unwrap_or(' ');
                    (replace_char(ch), ch.len_utf8())
                }
                _ => (None, 1),
            };
            match replacement {
                None => out.push_str(&rest[..consumed]),
                Some(r) => {
                    out.push_str(r);
                    checkpoints.push((out.len(), i + consumed));
                }
            }
            i += consumed;
        }
        Self {
            text: Cow::Owned(out),
            checkpoints,
        }
    }

    /// Maps a byte position in the normalised text to the original text.
    pub fn original_pos(&self, pos: usize) -> usize {
        let idx = self.checkpoints.partition_point(|&(n, _)| n <= pos);
        if idx == 0 {
            pos
        } else {
            let (n, o) = self.checkpoints[idx - 1];
            o + (pos - n)
        }
    }
}

/// Bytes that may need a change: CR, `&`, control characters other than tab and newline, DEL,
/// and every byte of a non-ASCII character.
static NEEDS_WORK: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b == b'\r' as usize
            || b == b'&' as usize
            || b >= 0x80
            || (b < 32 && b != b'\n' as usize && b != b'\t' as usize)
            || b == 127;
        b += 1;
    }
    t
};

fn needs_work(s: &str) -> bool {
    // The whole text passes through here first: eight bytes at a time, and a chunk is looked
    // at byte by byte only when it may hold one (a line end or a tab makes it look so).
    let mut chunks = s.as_bytes().chunks_exact(8);
    let per_byte = |c: &[u8]| c.iter().any(|&b| NEEDS_WORK[usize::from(b)]);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        if may_need_work(u64::from_le_bytes(word)) && per_byte(c) {
            return true;
        }
    }
    per_byte(chunks.remainder())
}

/// Eight copies of `b`.
const fn repeat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether some byte of `x` is below `n` (`n` at most 128; exact).
fn has_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(repeat(n)) & !x & repeat(0x80) != 0
}

/// Whether some byte of `x` may need work: not ASCII, a control byte (line ends and tabs
/// too, checked again byte by byte), `&` or DEL.
fn may_need_work(x: u64) -> bool {
    x & repeat(0x80) != 0
        || has_below(x, 0x20)
        || has_below(x ^ repeat(b'&'), 1)
        || has_below(x ^ repeat(0x7F), 1)
}

fn replace_char(ch: char) -> Option<&'static str> {
    Some(match ch {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => "\"",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2028}' | '\u{2029}' | '\u{0085}' => "\n",
        // Zero-width and bidirectional marks: invisible, and they split words apart.
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}' => "",
        '\u{FFFD}' => " ",
        _ => return None,
    })
}

/// Decodes one HTML entity at the start of `s`; returns the text and the entity's length.
fn decode_entity(s: &str) -> Option<(&'static str, usize)> {
    const NAMED: [(&str, &str); 9] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&nbsp;", " "),
        ("&lsquo;", "'"),
        ("&rsquo;", "'"),
        ("&#39;", "'"),
    ];
    for (entity, text) in NAMED {
        if s.as_bytes()
            .get(..entity.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(entity.as_bytes()))
        {
            return Some((text, entity.len()));
        }
    }
    // Numeric entities for the few characters that matter to the reader.
    if !s.starts_with("&#") {
        return None;
    }
    let end = s.find(';').filter(|&e| e <= 8)?;
    let body = &s[2..end];
    let value = if let Some(hex) = body.strip_prefix(['x', 'X']) {
        u32::from_str_radix(hex, 16).ok()?
    } else {
        body.parse::<u32>().ok()?
    };
    let text = match value {
        34 | 0x201C | 0x201D => "\"",
        39 | 0x2018 | 0x2019 => "'",
        38 => "&",
        60 => "<",
        62 => ">",
        10 => "\n",
        9 | 32 | 160 => " ",
        _ => return None,
    };
    Some((text, end + 1))
}

/// What kind of bytes the user handed over, decided before reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Text { text: String, note: Option<String> },
    Binary { reason: String },
}

/// Turns raw input bytes into text: UTF-8, UTF-16 (Notepad's "Unicode" and Event Viewer
/// exports), or lossy UTF-8 with a note. Binary data is refused with a reason.
pub fn decode_input(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_input(rest);
    }
    let utf32 = if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        Some((true, &bytes[4..]))
    } else if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        Some((false, &bytes[4..]))
    } else {
        looks_like_utf32(bytes).map(|le| (le, bytes))
    };
    if let Some((le, body)) = utf32 {
        let text: String = body
            .chunks_exact(4)
            .map(|c| {
                let n = if le {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or('\u{FFFD}')
            })
            .collect();
        return Decoded::Text {
            text,
            note: Some("read as UTF-32 text".into()),
        };
    }
    let utf16 = if bytes.starts_with(&[0xFF, 0xFE]) {
        Some((true, &bytes[2..]))
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Some((false, &bytes[2..]))
    } else if looks_like_utf16(bytes, true) {
        Some((true, bytes))
    } else if looks_like_utf16(bytes, false) {
        Some((false, bytes))
    } else {
        None
    };
    if let Some((le, body)) = utf16 {
        let units = body.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect();
        return Decoded::Text {
            text,
            note: Some("read as UTF-16 text".into()),
        };
    }
    if let Some(reason) = binary_reason(bytes) {
        return Decoded::Binary { reason };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded::Text {
            text: s.to_owned(),
            note: None,
        },
        Err(_) => {
            // Old logs and dialogs copied on Windows are often Windows-1252: keep every byte
            // readable rather than dropping the line.
            let text: String = bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { cp1252(b) })
                .collect();
            Decoded::Text {
                text,
                note: Some("the text was not valid UTF-8; read it as Windows-1252".into()),
            }
        }
    }
}

/// Like [`decode_input`], keeping the bytes as the text when they are plain UTF-8 (no copy of
/// a big file).
pub fn decode_owned(bytes: Vec<u8>) -> Decoded {
    let marked = [
        &[0xEF, 0xBB, 0xBF][..],
        &[0xFF, 0xFE],
        &[0xFE, 0xFF],
        &[0, 0, 0xFE, 0xFF],
    ]
    .iter()
    .any(|m| bytes.starts_with(m));
    let plain = !marked
        && looks_like_utf32(&bytes).is_none()
        && !looks_like_utf16(&bytes, true)
        && !looks_like_utf16(&bytes, false)
        && binary_reason(&bytes).is_none();
    if !plain {
        return decode_input(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Text { text, note: None },
        Err(e) => decode_input(e.as_bytes()),
    }
}

/// Why `bytes` look like a binary file rather than text, if they do: judged on the first
/// 64 KiB.
fn binary_reason(bytes: &[u8]) -> Option<String> {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let suspicious = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 32 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)))
        .count();
    (!sample.is_empty()
        && (sample.contains(&0) && suspicious * 100 > sample.len()
            || suspicious * 10 > sample.len()))
    .then(|| {
        format!(
            "this looks like a binary file, not error text ({} of the first {} bytes are control bytes); paste or save the error message as text",
            suspicious,
            sample.len()
        )
    })
}

/// Text in UTF-16 without a byte-order mark: mostly ASCII, so every other byte is zero (the
/// odd ones in little-endian, the even ones in big-endian).
fn looks_like_utf16(bytes: &[u8], little_endian: bool) -> bool {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 8 {
        return false;
    }
    let (zero_at, text_at) = if little_endian { (1, 0) } else { (0, 1) };
    let zeros = sample
        .iter()
        .skip(zero_at)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let text_zeros = sample
        .iter()
        .skip(text_at)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    zeros * 10 > sample.len() / 2 * 9 && text_zeros * 10 < sample.len() / 2
}

/// Text in UTF-32 without a byte-order mark: three zero bytes in every four.
fn looks_like_utf32(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !3];
    if sample.len() < 16 {
        return None;
    }
    let units = sample.len() / 4;
    let count = |f: &dyn Fn(&[u8]) -> bool| sample.chunks_exact(4).filter(|c| f(c)).count();
    let le = count(&|c| c[0] != 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
    let be = count(&|c| c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] != 0);
    if le * 10 > units * 9 {
        Some(true)
    } else if be * 10 > units * 9 {
        Some(false)
    } else {
        None
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_bytes_decode_as_borrowed_ones_do_and_plain_utf8_is_not_copied() {
        let plain = "Port 110 \u{201C}rejected\u{201D}\n"
            .repeat(1000)
            .into_bytes();
        let at = plain.as_ptr();
        match decode_owned(plain) {
            Decoded::Text { text, note: None } => assert_eq!(text.as_ptr(), at),
            other => panic!("expected text, got {other:?}"),
        }
        let utf16: Vec<u8> = "Error 10048 on port 80"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let cp1252 = b"Port 110 \x93rejected\x94".to_vec();
        let binary: Vec<u8> = (0..2048u32).map(|i| (i * 7 % 256) as u8).collect();
        let bom = [&[0xEF, 0xBB, 0xBF][..], b"Port 110"].concat();
        for bytes in [utf16, cp1252, binary, bom] {
            assert_eq!(
                format!("{:?}", decode_owned(bytes.clone())),
                format!("{:?}", decode_input(&bytes))
            );
        }
    }

    #[test]
    fn the_eight_at_a_time_check_agrees_with_the_table_for_every_byte_at_every_place() {
        // Every byte value at each of the eight places of a chunk, and in the remainder.
        for b in 0..=255u8 {
            for at in 0..11 {
                let mut bytes = vec![b'a'; 11];
                bytes[at] = b;
                let expected = NEEDS_WORK[usize::from(b)];
                let got = match std::str::from_utf8(&bytes) {
                    Ok(s) => needs_work(s),
                    // A lone non-ASCII byte is no str; the chunk test is checked on its own.
                    Err(_) => {
                        let mut word = [b'a'; 8];
                        word[at % 8] = b;
                        may_need_work(u64::from_le_bytes(word))
                    }
                };
                assert_eq!(got, expected, "byte {b:#04x} at {at}");
            }
        }
        // Line ends and tabs alone need nothing, though their chunks are looked at closely.
        assert!(!needs_work("a line\tand\nanother line\n"));
    }

    #[test]
    fn utf16_big_endian_and_utf32_with_or_without_a_mark_are_read() {
        let text = "Error: listen EADDRINUSE: address already in use :::3000";
        let be16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let be32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        let mut marked32 = vec![0xFF, 0xFE, 0, 0];
        marked32.extend(&le32);
        for bytes in [be16, le32, be32, marked32] {
            match decode_input(&bytes) {
                Decoded::Text { text: got, .. } => assert_eq!(got, text),
                Decoded::Binary { reason } => panic!("refused: {reason}"),
            }
        }
    }

    #[test]
    fn positions_map_back_through_crlf_entities_and_smart_quotes() {
        let original = "Server: \u{2018}mail\u{2019}\r\nPort: 110 &amp; more";
        let n = Normalized::new(original);
        assert_eq!(n.text, "Server: 'mail'\nPort: 110 & more");
        let pos = n.text.find("110").expect("port in text");
        let orig = n.original_pos(pos);
        assert_eq!(&original[orig..orig + 3], "110");
        let amp = n.text.find("more").expect("word");
        assert_eq!(
            &original[n.original_pos(amp)..n.original_pos(amp) + 4],
            "more"
        );
    }

    #[test]
    fn an_ampersand_before_a_multibyte_character_is_left_alone() {
        // Found by the property test: "&" followed by "é" once sliced inside the character.
        let n = Normalized::new("&\u{e9};x &#\u{e9};");
        assert_eq!(n.text, "&\u{e9};x &#\u{e9};");
    }

    #[test]
    fn plain_ascii_is_borrowed_not_copied() {
        let n = Normalized::new("listen tcp :6379: bind: address already in use\n");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert_eq!(n.original_pos(7), 7);
    }

    #[test]
    fn notepad_unicode_files_are_read_as_utf16() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Event ID: 11508".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            decode_input(&bytes),
            Decoded::Text {
                text: "Event ID: 11508".into(),
                note: Some("read as UTF-16 text".into())
            }
        );
    }

    #[test]
    fn binary_input_is_refused_with_a_reason() {
        let bytes: Vec<u8> = (0..2048u32).map(|i| (i * 7 % 256) as u8).collect();
        assert!(matches!(decode_input(&bytes), Decoded::Binary { .. }));
    }

    #[test]
    fn windows_1252_text_keeps_its_words() {
        let bytes = b"Port 110 \x93rejected\x94";
        match decode_input(bytes) {
            Decoded::Text { text, note } => {
                assert_eq!(text, "Port 110 \u{201C}rejected\u{201D}");
                assert!(note.is_some());
            }
            other => panic!("expected text, got {other:?}"),
        }
    }
}

/// `pattern` with its Perl classes made ASCII: `\d` → `[0-9]`, `\s` → ASCII white space, `\w` →
/// `[0-9A-Za-z_]`, `\b`/`\B` → ASCII word boundaries. The reader works on normalised text
/// (non-breaking spaces already plain), where the Unicode versions buy nothing, and they cost
/// much: a Unicode word boundary keeps the regex engine off its fast DFA, and the Unicode classes
/// make every pattern's automaton many times larger to build. Escapes (`\\d`) stay as written.
pub fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    // Depth of `[...]` classes; inside one a class is spelt without its brackets.
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (inside, outside) = match next {
                    'd' => ("0-9", "[0-9]"),
                    's' => ("\\t\\n\\x0B\\x0C\\r ", "[\\t\\n\\x0B\\x0C\\r ]"),
                    'w' => ("0-9A-Za-z_", "[0-9A-Za-z_]"),
                    'b' if depth == 0 => ("", "(?-u:\\b)"),
                    'B' if depth == 0 => ("", "(?-u:\\B)"),
                    other => {
                        out.push('\\');
                        out.push(other);
                        continue;
                    }
                };
                out.push_str(if depth > 0 { inside } else { outside });
            }
            '[' => {
                depth += 1;
                out.push(c);
                // A `]` or `^]` right after the opening bracket is a literal, not the end.
                let rest = chars.as_str();
                for lead in ["^]", "]", "^"] {
                    if let Some(after) = rest.strip_prefix(lead) {
                        out.push_str(lead);
                        chars = after.chars();
                        break;
                    }
                }
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod ascii_class_tests {
    use super::ascii_classes;

    #[test]
    fn perl_classes_become_ascii_inside_and_outside_brackets() {
        assert_eq!(
            ascii_classes(r"\bport\s+\d+\b"),
            r"(?-u:\b)port[\t\n\x0B\x0C\r ]+[0-9]+(?-u:\b)"
        );
        assert_eq!(ascii_classes(r"[\d.]+"), r"[0-9.]+");
        assert_eq!(ascii_classes(r"[^\s\]]"), r"[^\t\n\x0B\x0C\r \]]");
        assert_eq!(ascii_classes(r"\\d \. \("), r"\\d \. \(");
        assert_eq!(ascii_classes(r"[]\w]"), r"[]0-9A-Za-z_]");
    }

    #[test]
    fn rewritten_patterns_match_what_the_originals_match_on_ascii_text() {
        let cases = [
            (
                r"(?i)\bbind\(\) to [\d.:]+ failed",
                "nginx: bind() to 0.0.0.0:80 failed",
            ),
            (r"\bport\s*:?\s*(\d{1,5})\b", "Port: 110, Secure"),
            (r"\w+@\w+\.\w+", "mail ann@example.org now"),
        ];
        for (p, text) in cases {
            let a = regex::Regex::new(p).expect("original");
            let b = regex::Regex::new(&ascii_classes(p)).expect("rewritten");
            assert_eq!(
                a.find(text).map(|m| m.range()),
                b.find(text).map(|m| m.range()),
                "{p}"
            );
        }
    }
}
