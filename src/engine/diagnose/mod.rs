//! From symptoms (and, when there is one, a snapshot of the machine) to ranked findings.
//!
//! Each rule of the knowledge base is tried against what the text says. A rule that applies
//! gets a confidence from the text alone; a scan then confirms or refutes it by looking at what
//! really holds the port the error names. The same "password rejected" dialog is a bad password
//! when the mail server holds port 110, and a stolen port when an antivirus proxy does: the
//! rules say which, the scan decides. Everything a conclusion rests on is kept as evidence that
//! points at the pasted text or at a row of the snapshot.
//!
//! Pure: it never scans, never acts. Results are sorted and deterministic.

mod decide;
mod evidence;
mod holders;
mod place;
mod plan;
mod probed;
mod rule;
mod unknown;

pub use place::{always_this_machine, locate_server, place_servers};
pub use rule::fill_steps;

use super::kb::{ActionKind, KnowledgeBase, PortSide, Reference};
use super::model::{Category, Span};
use super::probe::Probe;
use super::reader::Symptoms;
use super::snapshot::{Holder, Snapshot};
use serde::{Deserialize, Serialize};

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// Something the pasted text says.
    Text,
    /// Something the scan of the machine showed.
    Scan,
    /// Something the scan looked for and did not find.
    Absence,
    /// Something that decides the case but that the scan could not see: a port on another
    /// machine, or an owner hidden from an unelevated scan.
    NotSeen,
    /// What a read-only probe of the server showed from here.
    Probe,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: EvidenceSource,
    pub says: String,
    /// Where in the pasted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Which port and process of the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// What an action is aimed at, exactly as the scan saw it, so it can be re-checked before it
/// runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The connection a close is aimed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<Connection>,
}

/// The two ends of one TCP connection, as the scan showed them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub local_addr: String,
    pub local_port: u16,
    pub remote_addr: String,
    pub remote_port: u16,
}

impl Connection {
    /// `addr:port`, an IPv6 address in brackets.
    fn end(addr: &str, port: u16) -> String {
        if addr.contains(':') {
            format!("[{addr}]:{port}")
        } else {
            format!("{addr}:{port}")
        }
    }

    /// This machine's end, `addr:port`.
    pub fn local_end(&self) -> String {
        Self::end(&self.local_addr, self.local_port)
    }

    /// The far end, `addr:port`.
    pub fn remote_end(&self) -> String {
        Self::end(&self.remote_addr, self.remote_port)
    }
}

impl std::fmt::Display for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.local_end(), self.remote_end())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAction {
    /// Stable within one diagnosis: `stop_process-1234`, `stop_service-nginx.service`.
    pub id: String,
    pub kind: ActionKind,
    /// What the button says: "Stop process PoProxy.exe (PID 1234)".
    pub label: String,
    pub target: ActionTarget,
    /// Why this is not the first thing to try, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub category: Category,
    pub title: String,
    pub confidence: f64,
    pub explanation: String,
    pub steps: Vec<String>,
    /// What to do once an action has freed the port, with the case's values filled in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_fix: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// What a scan would check, when the diagnosis ran without one.
    #[serde(default)]
    pub unverified: Vec<String>,
    pub actions: Vec<PlannedAction>,
    /// Actions the rule would offer but that are not offered here, and why (a protected holder).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    pub references: Vec<Reference>,
}

/// A cause that was considered and set aside, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuledOut {
    pub rule_id: String,
    pub category: Category,
    pub title: String,
    pub why: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// Who holds one of the ports the text names, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortHolder {
    pub port: u16,
    pub side: PortSide,
    /// "PoProxy.exe (PID 1234), Norton AntiVirus e-mail protection" or "nobody".
    pub summary: String,
    pub pids: Vec<u32>,
    /// The catalogue kind of the holder, if known (`av_mail_proxy`, `mail_server`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub scanned: bool,
    pub findings: Vec<Finding>,
    pub ruled_out: Vec<RuledOut>,
    /// The ports the text names and what holds them (empty without a scan).
    pub port_holders: Vec<PortHolder>,
    /// Read-only probes of the servers the text names, as they were made from here.
    #[serde(default)]
    pub probes: Vec<Probe>,
}

/// Diagnoses `symptoms` read from `text`, with an optional snapshot of the machine.
pub fn diagnose(
    kb: &KnowledgeBase,
    text: &str,
    symptoms: &Symptoms,
    snapshot: Option<&Snapshot>,
) -> Diagnosis {
    diagnose_with_probes(kb, text, symptoms, snapshot, &[])
}

/// Like [`diagnose`], with what read-only probes of the servers the text names showed: they
/// stand in for the scan on a server that is another machine.
pub fn diagnose_with_probes(
    kb: &KnowledgeBase,
    text: &str,
    symptoms: &Symptoms,
    snapshot: Option<&Snapshot>,
    probes: &[Probe],
) -> Diagnosis {
    let ctx = Ctx {
        probes,
        kb,
        text,
        symptoms,
        snapshot,
        ports: symptoms.ports_to_check(),
        elsewhere: snapshot.and(Ctx::server_elsewhere(symptoms)),
        lowered: std::cell::OnceCell::new(),
    };
    let mut diagnosis = Diagnosis {
        scanned: snapshot.is_some(),
        probes: probes.to_vec(),
        ..Diagnosis::default()
    };
    for rule in &kb.rules {
        match ctx.try_rule(rule) {
            Outcome::NotApplicable => {}
            Outcome::Finding(f) => diagnosis.findings.push(*f),
            Outcome::RuledOut(r) => diagnosis.ruled_out.push(r),
        }
    }
    diagnosis.findings.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    dedupe_categories(&mut diagnosis.findings);
    diagnosis
        .ruled_out
        .sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    if diagnosis.findings.is_empty() {
        diagnosis.findings.push(ctx.unknown());
    }
    ctx.lead_with_deciding_step(&mut diagnosis.findings);
    if let Some(snap) = snapshot {
        diagnosis.port_holders = ctx.port_holders(snap);
    }
    diagnosis
}

/// When several rules of one category hold, the strongest speaks for it; the others add their
/// evidence to it rather than crowding the list.
fn dedupe_categories(findings: &mut Vec<Finding>) {
    let mut kept: Vec<Finding> = Vec::new();
    for f in findings.drain(..) {
        match kept
            .iter_mut()
            .find(|k| k.category == f.category && k.title == f.title)
        {
            Some(k) => {
                for e in f.evidence {
                    if !k.evidence.contains(&e) {
                        k.evidence.push(e);
                    }
                }
            }
            None => kept.push(f),
        }
    }
    *findings = kept;
}

pub(super) enum Outcome {
    NotApplicable,
    Finding(Box<Finding>),
    RuledOut(RuledOut),
}

pub(super) struct Ctx<'a> {
    pub(super) kb: &'a KnowledgeBase,
    pub(super) text: &'a str,
    pub(super) symptoms: &'a Symptoms,
    pub(super) snapshot: Option<&'a Snapshot>,
    pub(super) ports: Vec<u16>,
    /// The server the text is about, when the snapshot is of another machine.
    pub(super) elsewhere: Option<String>,
    pub(super) probes: &'a [Probe],
    /// The regions the reader read closely, then the servers' replies, in ASCII lower case:
    /// what rule patterns' required words are looked for in (made on the first pattern that
    /// needs them).
    pub(super) lowered: std::cell::OnceCell<(Vec<String>, Vec<String>)>,
}

impl Ctx<'_> {
    fn lowered(&self) -> &(Vec<String>, Vec<String>) {
        self.lowered.get_or_init(|| {
            let regions = self
                .symptoms
                .regions
                .iter()
                .map(|&(start, end)| {
                    self.text
                        .get(start..end)
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                })
                .collect();
            let replies = self
                .symptoms
                .responses
                .iter()
                .map(|r| r.value.to_ascii_lowercase())
                .collect();
            (regions, replies)
        })
    }

    pub(super) fn lowered_regions(&self) -> &[String] {
        &self.lowered().0
    }

    pub(super) fn lowered_responses(&self) -> &[String] {
        &self.lowered().1
    }
}

/// Why the scan cannot show what holds a port the text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unseen {
    /// The port is on the server the text names, and the scan is of another machine.
    Elsewhere,
    /// The port is held on the scanned machine by a process an unelevated scan cannot see.
    Hidden,
}

/// A check that held on a port, with the holder it held for.
pub(super) struct CheckHit<'s> {
    pub(super) port: u16,
    pub(super) holder: Option<Holder<'s>>,
    /// The holder is an interceptor running on this machine, while the port the text names is
    /// on the server elsewhere (the client half of KB Q298944).
    pub(super) local: bool,
    /// What a probe of the server found on the port, when that is what the check held for.
    pub(super) probe: Option<&'s Probe>,
}

pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(super) fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
