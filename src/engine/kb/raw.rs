//! The TOML file format as it is written, before validation turns it into knowledge.

use super::Reference;
use serde::Deserialize;
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCode {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) meaning: String,
    pub(super) message: Option<String>,
    pub(super) condition: Option<String>,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWinsock {
    pub(super) code: u32,
    pub(super) name: String,
    pub(super) message: Option<String>,
    pub(super) meaning: String,
    pub(super) condition: Option<String>,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub(super) code: u16,
    pub(super) name: String,
    pub(super) meaning: String,
    pub(super) condition: Option<String>,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawErrno {
    pub(super) name: String,
    pub(super) linux: Option<i32>,
    pub(super) macos: Option<i32>,
    pub(super) libuv_windows: Option<i32>,
    pub(super) message: String,
    pub(super) meaning: Option<String>,
    pub(super) condition: Option<String>,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvent {
    pub(super) id: u32,
    pub(super) sources: Vec<String>,
    pub(super) product: String,
    pub(super) meaning: String,
    pub(super) message: Option<String>,
    pub(super) condition: Option<String>,
    pub(super) protocol: Option<String>,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPhrase {
    pub(super) text: String,
    pub(super) condition: String,
    pub(super) note: Option<String>,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProtocol {
    pub(super) name: String,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    #[serde(default)]
    pub(super) ports: Vec<u16>,
    #[serde(default)]
    pub(super) tls_ports: Vec<u16>,
    pub(super) source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProgram {
    pub(super) id: String,
    pub(super) exe: Vec<String>,
    pub(super) product: String,
    pub(super) vendor: Option<String>,
    pub(super) kind: String,
    #[serde(default)]
    pub(super) ports: Vec<u16>,
    pub(super) how_to_disable: Option<String>,
    pub(super) note: Option<String>,
    #[serde(default)]
    pub(super) references: Vec<Reference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) category: String,
    pub(super) cause: String,
    #[serde(default)]
    pub(super) steps: Vec<String>,
    #[serde(default)]
    pub(super) after_fix: Vec<String>,
    #[serde(default)]
    pub(super) actions: Vec<String>,
    #[serde(default)]
    pub(super) references: Vec<Reference>,
    #[serde(default)]
    pub(super) all: Vec<String>,
    #[serde(default)]
    pub(super) any: Vec<String>,
    #[serde(default)]
    pub(super) not: Vec<String>,
    pub(super) base: f64,
    #[serde(default)]
    pub(super) needs_scan: bool,
    #[serde(default)]
    pub(super) boost: Vec<RawBoost>,
    #[serde(default)]
    pub(super) check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBoost {
    pub(super) when: String,
    pub(super) add: f64,
    pub(super) why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    pub(super) holder: String,
    pub(super) effect: String,
    #[serde(default)]
    pub(super) confidence: f64,
    pub(super) why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContext {
    pub(super) words: Vec<String>,
    pub(super) operation: Option<String>,
    pub(super) side: Option<String>,
    pub(super) speaker: Option<String>,
}
