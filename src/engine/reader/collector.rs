//! Gathers what the reader finds, mapping spans back to the original text and counting repeats.

use super::patterns::MAX_ITEMS;
use super::symptoms::{
    ConditionHit, DecodedCode, EventMention, Found, PortMention, ServerMention, Symptoms,
};
use crate::engine::kb::PortSide;
use crate::engine::model::{Condition, Span};
use crate::engine::text::Normalized;
use std::collections::HashMap;

pub(super) fn push_found<T: PartialEq>(
    list: &mut Vec<Found<T>>,
    value: T,
    span: Span,
    cut: &mut bool,
) {
    if let Some(f) = list.iter_mut().find(|f| f.value == value) {
        f.count = f.count.saturating_add(1);
    } else if list.len() < MAX_ITEMS {
        list.push(Found {
            value,
            span,
            count: 1,
        });
    } else {
        *cut = true;
    }
}

/// Gathers items, mapping spans to the original text and counting repeats.
pub(super) struct Collector<'n, 'a> {
    pub(super) norm: &'n Normalized<'a>,
    /// Where the region being read starts in the normalised text.
    pub(super) base: usize,
    pub(super) symptoms: Symptoms,
    pub(super) index: HashMap<String, usize>,
    pub(super) cut: bool,
    /// A condition was read from Windows' own message text (FormatMessage's wording, in any
    /// language): a Windows sign even where nothing else in the paste is one.
    pub(super) windows_wording: bool,
}

impl<'n, 'a> Collector<'n, 'a> {
    pub(super) fn new(norm: &'n Normalized<'a>, text_bytes: usize) -> Self {
        Collector {
            norm,
            base: 0,
            symptoms: Symptoms {
                text_bytes,
                ..Symptoms::default()
            },
            index: HashMap::new(),
            cut: false,
            windows_wording: false,
        }
    }

    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        Span {
            start: self.norm.original_pos(self.base + start),
            end: self.norm.original_pos(self.base + end),
        }
    }

    pub(super) fn code(&mut self, mut code: DecodedCode) {
        if let Some(&i) = self.index.get(&code.key) {
            let existing = &mut self.symptoms.codes[i];
            existing.count = existing.count.saturating_add(1);
            return;
        }
        if self.symptoms.codes.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        code.span = self.span(code.span.start, code.span.end);
        if let Some(cond) = code.condition {
            self.symptoms.conditions.push(ConditionHit {
                condition: cond,
                from: code.key.clone(),
                span: code.span,
                speaker: Default::default(),
                operation: Default::default(),
            });
        }
        self.index
            .insert(code.key.clone(), self.symptoms.codes.len());
        self.symptoms.codes.push(code);
    }

    pub(super) fn condition(
        &mut self,
        condition: Condition,
        from: String,
        start: usize,
        end: usize,
    ) {
        if self
            .symptoms
            .conditions
            .iter()
            .any(|h| h.condition == condition && h.from == from)
        {
            return;
        }
        if self.symptoms.conditions.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        let span = self.span(start, end);
        self.symptoms.conditions.push(ConditionHit {
            condition,
            from,
            span,
            speaker: Default::default(),
            operation: Default::default(),
        });
    }

    pub(super) fn event(&mut self, mut event: EventMention) {
        if let Some(e) = self
            .symptoms
            .events
            .iter_mut()
            .find(|e| e.id == event.id && e.source == event.source)
        {
            e.count = e.count.saturating_add(1);
            return;
        }
        if self.symptoms.events.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        event.span = self.span(event.span.start, event.span.end);
        self.symptoms.events.push(event);
    }

    pub(super) fn port(&mut self, mut p: PortMention) {
        p.span = self.span(p.span.start, p.span.end);
        self.port_inferred_norm(p);
    }

    /// Adds a port whose span is already in original-text positions.
    pub(super) fn port_inferred_norm(&mut self, p: PortMention) {
        if let Some(existing) = self
            .symptoms
            .ports
            .iter_mut()
            .find(|e| e.port == p.port && e.side == p.side)
        {
            existing.count = existing.count.saturating_add(1);
            if existing.address.is_none() {
                existing.address = p.address;
            }
            if existing.inferred && !p.inferred {
                existing.inferred = false;
                existing.span = p.span;
            }
            return;
        }
        // A port already known from a bind is not also "unknown side".
        if p.side == PortSide::Unknown && self.symptoms.ports.iter().any(|e| e.port == p.port) {
            return;
        }
        if p.side != PortSide::Unknown {
            self.symptoms
                .ports
                .retain(|e| !(e.port == p.port && e.side == PortSide::Unknown));
        }
        if self.symptoms.ports.len() >= MAX_ITEMS {
            self.cut = true;
            return;
        }
        self.symptoms.ports.push(p);
    }

    pub(super) fn found_protocol(&mut self, name: String, start: usize, end: usize) {
        let span = self.span(start, end);
        push_found(&mut self.symptoms.protocols, name, span, &mut self.cut);
    }

    pub(super) fn found_address(&mut self, value: String, start: usize, end: usize) {
        let span = self.span(start, end);
        push_found(&mut self.symptoms.addresses, value, span, &mut self.cut);
    }

    /// A server the text names: Outlook's `Server: 'x'`, the host of a URL, or the host a
    /// client says it connected to (`dial tcp 203.0.113.5:443`).
    pub(super) fn found_server(&mut self, value: &str, start: usize, end: usize) {
        let value = value.trim().trim_matches(|c| matches!(c, '[' | ']'));
        // A wildcard (`http://+:80/`, `*:25`, `0.0.0.0`) names every address, not a server.
        if value.is_empty() || value.len() > 255 || matches!(value, "+" | "*" | "::" | "0.0.0.0") {
            return;
        }
        let span = self.span(start, end);
        let servers = &mut self.symptoms.servers;
        if let Some(known) = servers
            .iter_mut()
            .find(|s| s.value.eq_ignore_ascii_case(value))
        {
            known.count = known.count.saturating_add(1);
        } else if servers.len() < MAX_ITEMS {
            servers.push(ServerMention {
                value: value.to_owned(),
                span,
                count: 1,
                this_machine: None,
            });
        } else {
            self.cut = true;
        }
    }

    pub(super) fn found_program(&mut self, name: String, start: usize, end: usize) {
        let span = self.span(start, end);
        if let Some(f) = self
            .symptoms
            .programs
            .iter_mut()
            .find(|f| f.value.eq_ignore_ascii_case(&name))
        {
            f.count = f.count.saturating_add(1);
        } else if self.symptoms.programs.len() < MAX_ITEMS {
            self.symptoms.programs.push(Found {
                value: name,
                span,
                count: 1,
            });
        } else {
            self.cut = true;
        }
    }

    pub(super) fn finish(mut self) -> Symptoms {
        if self.cut {
            self.symptoms.notes.push(format!("the text names more than {MAX_ITEMS} distinct items of one kind; the rest were counted but not listed"));
        }
        let s = &mut self.symptoms;
        s.codes.sort_by_key(|c| c.span.start);
        s.events.sort_by_key(|e| e.span.start);
        s.conditions.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(a.condition.cmp(&b.condition))
        });
        s.ports.sort_by_key(|p| (p.span.start, p.port, p.side));
        self.symptoms
    }
}
