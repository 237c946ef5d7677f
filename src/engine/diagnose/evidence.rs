//! Symptom matchers as evidence: does the text show what a rule asks for, and where?

use super::{Ctx, Evidence, EvidenceSource};
use crate::engine::kb::{fold_space, strip_exe, SymptomMatcher};
use crate::engine::model::Span;

/// The longest stretch of text a `text:` pattern may match (4 KiB): a message, not a log.
pub const MATCH_WINDOW: usize = 4096;

impl Ctx<'_> {
    /// Whether a symptom matcher holds, and if so the evidence for it.
    pub(super) fn matches(&self, m: &SymptomMatcher) -> Option<Evidence> {
        match m {
            SymptomMatcher::Code(_)
            | SymptomMatcher::Winsock(_)
            | SymptomMatcher::Errno(_)
            | SymptomMatcher::Smtp(_)
            | SymptomMatcher::Event(_) => self.code_evidence(m),
            SymptomMatcher::Protocol(_)
            | SymptomMatcher::Port(_)
            | SymptomMatcher::Side(_)
            | SymptomMatcher::Ssl(_)
            | SymptomMatcher::PortRange(..)
            | SymptomMatcher::Platform(_) => self.place_evidence(m),
            SymptomMatcher::Probe(fact) => self.probe_evidence(*fact),
            _ => self.word_evidence(m),
        }
    }

    /// Codes and events the text holds, decoded.
    fn code_evidence(&self, m: &SymptomMatcher) -> Option<Evidence> {
        let s = self.symptoms;
        match m {
            SymptomMatcher::Code(v) => {
                let key = format!("hresult:0x{v:08X}");
                let code = s.codes.iter().find(|c| c.key == key)?;
                text(
                    format!("{} is {}: {}", code.value, code.name, code.meaning),
                    code.span,
                )
            }
            SymptomMatcher::Winsock(n) => {
                let key = format!("winsock:{n}");
                let code = s.codes.iter().find(|c| c.key == key)?;
                text(
                    format!(
                        "\u{201C}{}\u{201D} is Winsock {} ({}): {}",
                        code.spelled, n, code.name, code.meaning
                    ),
                    code.span,
                )
            }
            SymptomMatcher::Errno(name) => {
                let key = format!("errno:{name}");
                let code = s.codes.iter().find(|c| c.key == key)?;
                let on = code
                    .note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                text(
                    format!(
                        "\u{201C}{}\u{201D} is {name}{on}: {}",
                        code.spelled, code.meaning
                    ),
                    code.span,
                )
            }
            SymptomMatcher::Event(id) => {
                let e = s.events.iter().find(|e| e.id == *id)?;
                let source = e
                    .source
                    .as_deref()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default();
                let meaning = e
                    .meaning
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                text(format!("Event {id}{source}{meaning}"), e.span)
            }
            SymptomMatcher::Smtp(code) => {
                let key = format!("smtp:{code}");
                let c = s.codes.iter().find(|c| c.key == key)?;
                text(
                    format!("SMTP reply {code} ({}): {}", c.name, c.meaning),
                    c.span,
                )
            }
            _ => None,
        }
    }

    /// Where the failure happened: protocol, port, side, SSL setting, operating system.
    fn place_evidence(&self, m: &SymptomMatcher) -> Option<Evidence> {
        let s = self.symptoms;
        match m {
            SymptomMatcher::PortRange(low, high) => {
                let p = s
                    .ports
                    .iter()
                    .find(|p| !p.inferred && (*low..=*high).contains(&p.port))?;
                text(
                    format!("{} port {}", p.side.describe(p.inferred), p.port),
                    p.span,
                )
            }
            SymptomMatcher::Platform(name) => {
                if s.platform.as_deref() != Some(name.as_str()) {
                    return None;
                }
                Some(Evidence {
                    source: EvidenceSource::Text,
                    says: format!(
                        "the text comes from {}",
                        match name.as_str() {
                            "windows" => "Windows",
                            "linux" => "Linux",
                            _ => "macOS",
                        }
                    ),
                    span: None,
                    port: None,
                    pid: None,
                })
            }
            SymptomMatcher::Protocol(p) => {
                let f = s.protocols.iter().find(|f| &f.value == p)?;
                text(format!("the protocol is {}", p.to_uppercase()), f.span)
            }
            SymptomMatcher::Port(port) => {
                let p = s.ports.iter().find(|p| p.port == *port)?;
                text(
                    format!("{} port {}", p.side.describe(p.inferred), port),
                    p.span,
                )
            }
            SymptomMatcher::Side(side) => {
                let p = s.ports.iter().find(|p| p.side == *side)?;
                text(
                    format!("{} port {}", p.side.describe(p.inferred), p.port),
                    p.span,
                )
            }
            SymptomMatcher::Ssl(want) => {
                let f = s.ssl.as_ref().filter(|f| f.value == *want)?;
                text(
                    format!("Secure(SSL) is {}", if f.value { "Yes" } else { "No" }),
                    f.span,
                )
            }
            _ => None,
        }
    }

    /// What the text says in words: conditions, server replies, patterns, programs.
    fn word_evidence(&self, m: &SymptomMatcher) -> Option<Evidence> {
        let s = self.symptoms;
        match m {
            SymptomMatcher::Condition(c, context) => {
                let hit = s.conditions.iter().find(|h| {
                    h.condition == *c
                        && context.operation.is_none_or(|op| h.operation == op)
                        && context.speaker.is_none_or(|sp| h.speaker == sp)
                })?;
                let said = match (hit.speaker, hit.operation) {
                    (crate::engine::model::Speaker::Server, _) => {
                        " (the server's reply)".to_owned()
                    }
                    (_, crate::engine::model::Operation::Unknown) => String::new(),
                    (_, op) => format!(" (while trying to {})", op.as_str()),
                };
                text(
                    format!(
                        "\u{201C}{}\u{201D} means {}{said}",
                        self.quote(hit.span),
                        c.describe()
                    ),
                    hit.span,
                )
            }
            SymptomMatcher::Response(re) => {
                let (f, _) =
                    s.responses
                        .iter()
                        .zip(self.lowered_responses())
                        .find(|(r, low)| {
                            re.may_match(low)
                                && re.regex().is_some_and(|re| re.is_match(r.value.as_bytes()))
                        })?;
                text(
                    format!("the server replied \u{201C}{}\u{201D}", f.value),
                    f.span,
                )
            }
            SymptomMatcher::Text(re) => {
                // Only the parts of a big log that the reader read closely are searched.
                let lowered = self.lowered_regions();
                let span = s
                    .regions
                    .iter()
                    .zip(lowered)
                    .find_map(|(&(start, end), low)| {
                        // A pattern is built only for a region that has one of the words every
                        // match of it contains.
                        if !re.may_match(low) {
                            return None;
                        }
                        // A match longer than the window is not evidence of a message: ignored.
                        let region = self.text.get(start..end)?;
                        let m = re
                            .regex()?
                            .find_iter(region.as_bytes())
                            .find(|m| m.len() <= MATCH_WINDOW)?;
                        // A byte pattern may stop inside a character: widen to whole characters.
                        let mut from = m.start();
                        while !region.is_char_boundary(from) {
                            from -= 1;
                        }
                        let mut to = m.end();
                        while !region.is_char_boundary(to) {
                            to += 1;
                        }
                        Some(Span {
                            start: start + from,
                            end: start + to,
                        })
                    })?;
                text(
                    format!("the text says \u{201C}{}\u{201D}", self.quote(span)),
                    span,
                )
            }
            SymptomMatcher::Program(name) => {
                let f = s
                    .programs
                    .iter()
                    .find(|f| strip_exe(&f.value).eq_ignore_ascii_case(name))?;
                text(format!("the text names {}", f.value), f.span)
            }
            _ => None,
        }
    }

    pub(super) fn quote(&self, span: Span) -> String {
        let end = span.end.min(self.text.len());
        let start = span.start.min(end);
        let raw = self.text.get(start..end).unwrap_or("");
        let folded = fold_space(raw);
        if folded.chars().count() > 120 {
            folded.chars().take(117).collect::<String>() + "…"
        } else {
            folded
        }
    }
}

/// Evidence that points at words of the pasted text.
fn text(says: String, span: Span) -> Option<Evidence> {
    Some(Evidence {
        source: EvidenceSource::Text,
        says,
        span: Some(span),
        port: None,
        pid: None,
    })
}
