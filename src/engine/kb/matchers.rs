//! The little languages of rules: symptom matchers (`condition:addr_in_use`, `winsock:10048`,
//! `response:/-ERR .*/`) and holder matchers (`kind:av_mail_proxy`, `none`, `self`).

use super::{strip_exe, ConditionContext, HolderMatcher, PortSide, ProbeFact, SymptomMatcher};
use crate::engine::model::{Condition, Operation, Speaker, PROGRAM_KINDS};
use regex_automata::meta::Regex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub(super) fn is_kebab(s: &str) -> bool {
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

/// The longest pattern a rule may hold. Rules run on every text; a pattern longer than this is
/// a mistake or an attack, and `kb check` names it.
pub const MAX_PATTERN: usize = 1000;

/// A rule's pattern: its syntax is checked when the rule is read, and it is built on its first
/// use. Most rules never reach their patterns for a given text (another of their matchers fails
/// first), and the same pattern often stands in several rules: one [`PatternCache`] per load
/// builds each distinct pattern at most once.
#[derive(Clone)]
pub struct Pattern(Arc<PatternInner>);

struct PatternInner {
    source: String,
    built: OnceLock<Option<Regex>>,
    /// Words one of which every match contains (ASCII lower case), when the pattern's text
    /// shows them; see [`required_literals`].
    literals: OnceLock<Option<Vec<String>>>,
}

impl Pattern {
    /// Whether the pattern can match `lowered` (a haystack in ASCII lower case): false only
    /// when the haystack lacks every word a match must contain, so the pattern is never built
    /// for a text it cannot match. Most rules' patterns are only ever asked this.
    pub fn may_match(&self, lowered: &str) -> bool {
        self.0
            .literals
            .get_or_init(|| required_literals(&self.0.source))
            .as_ref()
            .is_none_or(|words| words.iter().any(|w| lowered.contains(w.as_str())))
    }

    /// The built pattern; `None` if it is too big to build (`kb check` reports that).
    pub fn regex(&self) -> Option<&Regex> {
        self.0
            .built
            .get_or_init(|| build(&self.0.source).ok())
            .as_ref()
    }

    pub fn as_str(&self) -> &str {
        &self.0.source
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/", self.0.source)
    }
}

/// The patterns read so far in one load, by their text.
#[derive(Default)]
pub struct PatternCache {
    known: HashMap<String, Pattern>,
    /// Whether the file being read is built in: its patterns are checked by the test suite
    /// (`every_knowledge_file_in_assets_is_built_in_and_valid` builds each), not at every start.
    pub(super) built_in: bool,
}

/// Bytes, without Unicode classes: `\w`, `\d`, `\s`, `\b` and case folding are ASCII (the
/// reader's text is normalised first), which builds each rule's automaton several times faster
/// and keeps the search on the lazy DFA. Non-ASCII letters still match as written.
///
/// Built for a fast start rather than the fastest search: rule patterns run over the few
/// regions of a text the reader picked, so the literal prefilter (which for a case-insensitive
/// alternation of words costs more to build than all its searches save) and the one-pass and
/// backtracking engines are left out; the lazy DFA and the PikeVM remain.
fn build(pattern: &str) -> Result<Regex, String> {
    use regex_automata::{meta, util::syntax};
    meta::Builder::new()
        .syntax(
            syntax::Config::new()
                .unicode(false)
                .utf8(false)
                .case_insensitive(true),
        )
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(Some(1 << 20))
                .auto_prefilter(false)
                .onepass(false)
                .backtrack(false),
        )
        .build(pattern)
        .map_err(|e| e.to_string())
}

fn regex_arg(kind: &str, value: &str, cache: &mut PatternCache) -> Result<Pattern, String> {
    if value.len() > MAX_PATTERN + 2 {
        return Err(format!(
            "'{kind}:' pattern is {} characters long; patterns may be at most {MAX_PATTERN}",
            value.len()
        ));
    }
    let pattern = value
        .strip_prefix('/')
        .and_then(|v| v.strip_suffix('/'))
        .ok_or_else(|| {
            format!(
                "'{kind}:{value}' needs a pattern between slashes, like {kind}:/chdir .* failed/"
            )
        })?;
    if let Some(known) = cache.known.get(pattern) {
        return Ok(known.clone());
    }
    if !cache.built_in {
        check_syntax(kind, value, pattern)?;
    }
    let made = Pattern(Arc::new(PatternInner {
        source: pattern.to_owned(),
        built: OnceLock::new(),
        literals: OnceLock::new(),
    }));
    cache.known.insert(pattern.to_owned(), made.clone());
    Ok(made)
}

/// The shortest words a rule pattern shows that one of them must be in every match: for each
/// top-level alternative, its longest run of plain characters outside groups and classes (an
/// atom a quantifier may skip ends the run before it). `None` when some alternative shows no
/// run of at least three characters, and the pattern must then be tried on every text. Read
/// from the pattern's text alone, conservatively: a run is only taken where the syntax makes
/// every one of its characters required, in that order.
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    // Verbose mode (`(?x)`) makes white space in the pattern mean nothing: not read here.
    if pattern.match_indices("(?").any(|(at, _)| {
        pattern[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .any(|c| c == 'x')
    }) {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut words = Vec::new();
    let mut best = String::new();
    let mut run = String::new();
    let mut i = 0;
    let end_run = |run: &mut String, best: &mut String| {
        if run.len() > best.len() {
            *best = std::mem::take(run);
        } else {
            run.clear();
        }
    };
    while i < chars.len() {
        let c = chars[i];
        // One atom of the top level: its literal text (None for anything that is not one plain
        // character) and where the next token starts.
        let (atom, next): (Option<char>, usize) = match c {
            '\\' => match chars.get(i + 1) {
                Some('x') => {
                    let hex: String = chars.iter().skip(i + 2).take(2).collect();
                    let literal = u8::from_str_radix(&hex, 16).ok().map(char::from);
                    (literal.filter(char::is_ascii), i + 4)
                }
                Some(&e) if e.is_ascii_punctuation() || e == ' ' => (Some(e), i + 2),
                Some(_) => (None, i + 2),
                None => return None,
            },
            // A whole group or class breaks the run.
            '(' | '[' => (None, skip_group(&chars, i)?),
            '|' => {
                end_run(&mut run, &mut best);
                if best.len() < 3 {
                    return None;
                }
                words.push(std::mem::take(&mut best));
                i += 1;
                continue;
            }
            '.' | '^' | '$' | ')' => (None, i + 1),
            '*' | '+' | '?' | '{' => return None, // a quantifier with no atom: not understood
            other => (Some(other), i + 1),
        };
        // A quantifier after the atom: `+` and `{n,…}` with n ≥ 1 keep one copy of it; the
        // others may skip it. Either way the run ends after it.
        let (required, quantified, after) = quantifier(&chars, next)?;
        match atom {
            Some(ch) if required => {
                run.push(ch.to_ascii_lowercase());
                if quantified {
                    end_run(&mut run, &mut best);
                }
            }
            _ => end_run(&mut run, &mut best),
        }
        i = after;
    }
    end_run(&mut run, &mut best);
    if best.len() < 3 {
        return None;
    }
    words.push(best);
    Some(words)
}

/// Where the group or class that opens at `i` ends (the index after its closing bracket);
/// `None` when it never closes.
fn skip_group(chars: &[char], i: usize) -> Option<usize> {
    let (open, close) = if chars[i] == '(' {
        ('(', ')')
    } else {
        ('[', ']')
    };
    let mut level = 0usize;
    let mut j = i;
    let mut in_class = false;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' if open == '(' && !in_class => in_class = true,
            ']' if open == '(' && in_class => in_class = false,
            x if x == open && !in_class => level += 1,
            x if x == close && (open == '[' || !in_class) => {
                level -= 1;
                if level == 0 || open == '[' {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The quantifier at `at`, if any: whether it keeps one copy of its atom (`+`, `{n,…}` with
/// n ≥ 1), whether there is one, and where the next token starts (after a lazy mark too).
fn quantifier(chars: &[char], at: usize) -> Option<(bool, bool, usize)> {
    let (required, quantified, after) = match chars.get(at) {
        Some('+') => (true, true, at + 1),
        Some('*' | '?') => (false, true, at + 1),
        Some('{') => {
            let close = chars[at..].iter().position(|&x| x == '}')? + at;
            let spec: String = chars[at + 1..close].iter().collect();
            let least = spec.split(',').next()?.trim().parse::<usize>().ok()?;
            (least >= 1, true, close + 1)
        }
        _ => (true, false, at),
    };
    let after = if quantified && chars.get(after) == Some(&'?') {
        after + 1
    } else {
        after
    };
    Some((required, quantified, after))
}

fn check_syntax(kind: &str, value: &str, pattern: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .map_err(|e| {
            format!(
                "'{kind}:{value}' is not a valid pattern: {}",
                e.to_string().lines().last().unwrap_or("invalid")
            )
        })?;
    Ok(())
}

/// Whether `pattern` builds within the size limit: what `kb check` adds to the syntax check.
pub fn pattern_builds(pattern: &Pattern) -> Result<(), String> {
    build(pattern.as_str()).map(|_| ()).map_err(|e| {
        format!(
            "pattern /{}/ cannot be built: {}",
            pattern.as_str(),
            e.to_string().lines().last().unwrap_or("too big")
        )
    })
}

/// Parses `condition:addr_in_use`, `winsock:10048`, `response:/-ERR .*/` and the rest.
pub fn parse_symptom_matcher(s: &str) -> Result<SymptomMatcher, String> {
    parse_symptom_matcher_in(s, &mut PatternCache::default())
}

/// [`parse_symptom_matcher`], sharing patterns already read in this load.
pub fn parse_symptom_matcher_in(
    s: &str,
    cache: &mut PatternCache,
) -> Result<SymptomMatcher, String> {
    let (kind, value) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' should be kind:value, like condition:addr_in_use"))?;
    let number = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{s}': '{v}' is not a number"))
    };
    Ok(match kind {
        "condition" => {
            let mut parts = value.split('@');
            let name = parts.next().unwrap_or_default();
            let condition = Condition::parse(name).ok_or_else(|| format!("'{s}': unknown condition '{name}'"))?;
            let mut context = ConditionContext::default();
            for part in parts {
                if let Some(op) = Operation::ALL.into_iter().find(|o| o.as_str() == part) {
                    context.operation = Some(op);
                } else if part == "server" {
                    context.speaker = Some(Speaker::Server);
                } else if part == "local" {
                    context.speaker = Some(Speaker::Local);
                } else {
                    return Err(format!("'{s}': '@{part}' is not a context (known: @bind, @connect, @login, @handshake, @resolve, @send, @server, @local)"));
                }
            }
            SymptomMatcher::Condition(condition, context)
        }
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
        "port" if value.starts_with('<') || value.starts_with('>') => {
            let (low, high) = match value {
                v if v.starts_with(">=") => (number(&v[2..])?, 65535),
                v if v.starts_with('>') => (number(&v[1..])? + 1, 65535),
                v if v.starts_with("<=") => (1, number(&v[2..])?),
                v => (1, number(&v[1..])?.saturating_sub(1)),
            };
            let bound = |n: u32| u16::try_from(n.min(65535)).map_err(|_| format!("'{s}': port out of range"));
            SymptomMatcher::PortRange(bound(low)?, bound(high)?)
        }
        "port" => SymptomMatcher::Port(u16::try_from(number(value)?).map_err(|_| format!("'{s}': port out of range"))?),
        "platform" => match value {
            "windows" | "linux" | "macos" => SymptomMatcher::Platform(value.to_owned()),
            _ => return Err(format!("'{s}': platform is windows, linux or macos")),
        },
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
        "response" => SymptomMatcher::Response(regex_arg(kind, value, cache)?),
        "text" => SymptomMatcher::Text(regex_arg(kind, value, cache)?),
        "program" => SymptomMatcher::Program(strip_exe(value).to_lowercase()),
        "smtp" => SymptomMatcher::Smtp(u16::try_from(number(value)?).map_err(|_| format!("'{s}': not an SMTP code"))?),
        "probe" => SymptomMatcher::Probe(
            ProbeFact::ALL
                .iter()
                .find(|(_, name)| *name == value)
                .map(|(fact, _)| *fact)
                .ok_or_else(|| {
                    let known: Vec<&str> = ProbeFact::ALL.iter().map(|(_, n)| *n).collect();
                    format!("'{s}': unknown probe fact '{value}' (known: {})", known.join(", "))
                })?,
        ),
        other => {
            return Err(format!(
                "unknown matcher '{other}:' in '{s}' (known: condition, code, winsock, errno, event, protocol, port, side, ssl, response, text, program, smtp, platform, probe)"
            ))
        }
    })
}

/// Parses `any`, `none`, `kind:av_mail_proxy`, `!kind:mail_server`, `program:ID`, `name:EXE`,
/// `self`, `forwarder`, `excluded`, `unexpected`.
pub fn parse_holder_matcher(s: &str) -> Result<HolderMatcher, String> {
    Ok(match s {
        "any" => HolderMatcher::Any,
        "none" => HolderMatcher::Nobody,
        "self" => HolderMatcher::SameAsFailing,
        "forwarder" => HolderMatcher::Forwarder,
        "excluded" => HolderMatcher::Excluded,
        "unexpected" => HolderMatcher::Unexpected,
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
                _ => return Err(format!("unknown holder test '{s}' (known: any, none, kind:K, !kind:K, program:ID, name:EXE, self, forwarder, excluded, unexpected)")),
            }
        }
    })
}

#[cfg(test)]
mod literal_tests {
    use super::required_literals;

    fn words(p: &str) -> Option<Vec<String>> {
        required_literals(p)
    }

    #[test]
    fn the_words_a_match_must_contain_are_read_from_the_pattern_and_nothing_optional_is_taken() {
        assert_eq!(
            words("invalid credentials"),
            Some(vec!["invalid credentials".into()])
        );
        // Each alternative gives its longest required run; the case is folded.
        assert_eq!(
            words(r"Helo command rejected|need fully-qualified hostname"),
            Some(vec![
                "helo command rejected".into(),
                "need fully-qualified hostname".into()
            ])
        );
        // A group, a class, an escape class or an optional atom ends a run; `+` keeps one copy.
        assert_eq!(
            words(r"\bread tcp [^\n]*read: connection reset by peer"),
            Some(vec!["read: connection reset by peer".into()])
        );
        assert_eq!(
            words(r"relay(ing)? (access )?denied"),
            Some(vec!["denied".into()])
        );
        assert_eq!(
            words(r"SMTP Error \(220\)"),
            Some(vec!["smtp error (220)".into()])
        );
        assert_eq!(words(r"colou?r scheme"), Some(vec!["r scheme".into()]));
        assert_eq!(words(r"ab+cdef"), Some(vec!["cdef".into()]));
        assert_eq!(words(r"\x22quoted\x22"), Some(vec!["\"quoted\"".into()]));
        // An alternative with no run of three characters: the pattern is tried on every text.
        assert_eq!(words(r"foo|\d+"), None);
        assert_eq!(words(r"(a|b)c"), None);
        assert_eq!(words(r"(?x) a b c d"), None);
        // Not understood: left to the regex.
        assert_eq!(words(r"*abc"), None);
        assert_eq!(words(r"abc\"), None);
    }

    #[test]
    fn a_pattern_is_not_tried_on_a_text_without_its_words_and_one_without_words_always_is() {
        let pattern = |s: &str| match super::parse_symptom_matcher(s).expect("parses") {
            crate::engine::kb::SymptomMatcher::Text(p) => p,
            other => panic!("{other:?}"),
        };
        let p = pattern("text:/helo command rejected|need fully-qualified hostname/");
        assert!(!p.may_match("535 5.7.8 error: authentication failed"));
        assert!(
            p.may_match("504 5.5.2 <styx>: helo command rejected: need fully-qualified hostname")
        );
        assert!(p.may_match("x need fully-qualified hostname"));
        let any = pattern(r"text:/\d{3} [45]\.\d/");
        assert!(any.may_match(""));
    }
}
