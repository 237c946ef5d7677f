//! What the reader found in a text: plain data, serialised into every report.

use crate::engine::kb::PortSide;
use crate::engine::model::{Condition, Operation, Span, Speaker};
use serde::{Deserialize, Serialize};

/// Something read from the text, where it first appeared, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found<T> {
    pub value: T,
    pub span: Span,
    pub count: u32,
}

/// A server the text names (`exch01`, `mail.example.com`, `127.0.0.1`), and whether it is the
/// machine that was scanned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMention {
    pub value: String,
    pub span: Span,
    pub count: u32,
    /// `true`: the scanned machine itself (its name, one of its addresses, loopback or a local
    /// proxy alias); `false`: another machine; `null`: PortSleuth cannot tell (no scan, or a
    /// name it cannot place).
    #[serde(default)]
    pub this_machine: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortMention {
    pub port: u16,
    pub side: PortSide,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    /// Not written in the text but implied (a POP3 event implies port 110).
    #[serde(default)]
    pub inferred: bool,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Hresult,
    Winsock,
    Errno,
    Smtp,
    /// Windows errors by decimal number (WinINet, WinHTTP, Win32).
    Win32,
    Curl,
    TlsAlert,
}

/// A code found in the text with its decoded meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodedCode {
    /// `hresult:0x800CCC92`, `winsock:10048`, `errno:EADDRINUSE`, `smtp:554`.
    pub key: String,
    pub kind: CodeKind,
    pub value: String,
    pub name: String,
    pub meaning: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Condition>,
    /// For numbers whose meaning depends on the operating system.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// How the text spelled it (`0x2740`, `OS 10048`, `(98)`).
    pub spelled: String,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMention {
    pub id: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub meaning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    pub span: Span,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionHit {
    pub condition: Condition,
    /// What implied it: a code key or `phrase:"…"`.
    pub from: String,
    pub span: Span,
    /// Who said it: this machine or the server's reply.
    #[serde(default)]
    pub speaker: Speaker,
    /// Which call failed, as the words around it say.
    #[serde(default)]
    pub operation: Operation,
}

/// Everything read from one pasted text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Symptoms {
    pub text_bytes: usize,
    pub protocols: Vec<Found<String>>,
    pub ports: Vec<PortMention>,
    pub addresses: Vec<Found<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ssl: Option<Found<bool>>,
    pub accounts: Vec<Found<String>>,
    pub servers: Vec<ServerMention>,
    pub responses: Vec<Found<String>>,
    pub codes: Vec<DecodedCode>,
    pub events: Vec<EventMention>,
    pub programs: Vec<Found<String>>,
    pub conditions: Vec<ConditionHit>,
    /// The operating system the text comes from, where it shows (`windows`, `linux`, `macos`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Things the reader wants the user to know (items cut, input decoded lossily).
    pub notes: Vec<String>,
    /// The parts of the original text that were read closely (all of it, for a paste).
    #[serde(skip)]
    pub regions: Vec<(usize, usize)>,
}

impl Symptoms {
    pub fn has_condition(&self, c: Condition) -> bool {
        self.conditions.iter().any(|h| h.condition == c)
    }

    pub fn has_code(&self, key: &str) -> bool {
        self.codes.iter().any(|c| c.key == key)
    }

    /// Nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        self.protocols.is_empty()
            && self.ports.is_empty()
            && self.codes.is_empty()
            && self.events.is_empty()
            && self.conditions.is_empty()
            && self.responses.is_empty()
            && self.programs.is_empty()
    }

    /// Ports in the order a diagnosis should look at them: ports that failed to bind first,
    /// then ports named in the text, then inferred ones.
    pub fn ports_to_check(&self) -> Vec<u16> {
        let mut ports: Vec<&PortMention> = self.ports.iter().collect();
        ports.sort_by_key(|p| (p.side != PortSide::Local, p.inferred, p.span.start));
        let mut out: Vec<u16> = Vec::new();
        for p in ports {
            if !out.contains(&p.port) {
                out.push(p.port);
            }
        }
        out
    }
}
