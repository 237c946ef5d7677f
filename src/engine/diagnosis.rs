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

use super::kb::{
    ActionKind, Effect, HolderMatcher, KnowledgeBase, PortSide, Reference, Rule, SymptomMatcher,
};
use super::model::{Category, Condition, Span};
use super::safety::protected_reason;
use super::snapshot::{Holder, Process, Snapshot};
use super::symptoms::Symptoms;
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
}

/// Diagnoses `symptoms` read from `text`, with an optional snapshot of the machine.
pub fn diagnose(
    kb: &KnowledgeBase,
    text: &str,
    symptoms: &Symptoms,
    snapshot: Option<&Snapshot>,
) -> Diagnosis {
    let ctx = Ctx {
        kb,
        text,
        symptoms,
        snapshot,
        ports: symptoms.ports_to_check(),
    };
    let mut diagnosis = Diagnosis {
        scanned: snapshot.is_some(),
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

enum Outcome {
    NotApplicable,
    Finding(Box<Finding>),
    RuledOut(RuledOut),
}

struct Ctx<'a> {
    kb: &'a KnowledgeBase,
    text: &'a str,
    symptoms: &'a Symptoms,
    snapshot: Option<&'a Snapshot>,
    ports: Vec<u16>,
}

/// A check that held on a port, with the holder it held for.
struct CheckHit<'s> {
    port: u16,
    holder: Option<Holder<'s>>,
}

impl<'a> Ctx<'a> {
    fn try_rule(&self, rule: &Rule) -> Outcome {
        let mut evidence = Vec::new();
        for m in &rule.all {
            match self.matches(m) {
                Some(e) => evidence.push(e),
                None => return Outcome::NotApplicable,
            }
        }
        if !rule.any.is_empty() {
            let hits: Vec<Evidence> = rule.any.iter().filter_map(|m| self.matches(m)).collect();
            if hits.is_empty() {
                return Outcome::NotApplicable;
            }
            evidence.extend(hits);
        }
        if rule.not.iter().any(|m| self.matches(m).is_some()) {
            return Outcome::NotApplicable;
        }
        let mut confidence = rule.base;
        for boost in &rule.boosts {
            if let Some(mut e) = self.matches(&boost.when) {
                confidence += boost.add;
                // The rule's own words say why this matters; the span still points at the text.
                e.says.clone_from(&boost.why);
                evidence.push(e);
            }
        }
        let mut unverified = Vec::new();
        let mut acted_on: Option<CheckHit<'_>> = None;
        match self.snapshot {
            None => {
                for check in rule.checks.iter().filter(|c| c.effect != Effect::Adjust) {
                    let port = self
                        .ports
                        .first()
                        .map_or("the port".to_owned(), |p| format!("port {p}"));
                    let verdict = if check.effect == Effect::Confirm {
                        "confirms"
                    } else {
                        "rules this out"
                    };
                    unverified.push(format!(
                        "A scan would check whether {port} is {}: that {verdict}.",
                        describe_holder(&check.holder)
                    ));
                }
            }
            Some(snapshot) => {
                let mut confirmed: Option<f64> = None;
                for check in &rule.checks {
                    let Some(hit) = self.check_holder(snapshot, &check.holder) else {
                        continue;
                    };
                    let says = self.fill(&check.why, &hit);
                    let pid = hit.holder.and_then(|h| h.process).map(|p| p.pid);
                    match check.effect {
                        Effect::Refute => {
                            return Outcome::RuledOut(RuledOut {
                                rule_id: rule.id.clone(),
                                category: rule.category,
                                title: rule.title.clone(),
                                why: says,
                                port: Some(hit.port),
                                pid,
                            })
                        }
                        Effect::Confirm => {
                            confirmed = Some(
                                confirmed
                                    .map_or(check.confidence, |c: f64| c.max(check.confidence)),
                            );
                            let source = if hit.holder.is_some() {
                                EvidenceSource::Scan
                            } else {
                                EvidenceSource::Absence
                            };
                            evidence.push(Evidence {
                                source,
                                says,
                                span: None,
                                port: Some(hit.port),
                                pid,
                            });
                            if acted_on.is_none() && hit.holder.is_some() {
                                acted_on = Some(hit);
                            }
                        }
                        Effect::Adjust => {
                            confidence += check.confidence;
                            let source = if hit.holder.is_some() {
                                EvidenceSource::Scan
                            } else {
                                EvidenceSource::Absence
                            };
                            evidence.push(Evidence {
                                source,
                                says,
                                span: None,
                                port: Some(hit.port),
                                pid,
                            });
                        }
                    }
                }
                match confirmed {
                    Some(c) => confidence = confidence.max(c),
                    None if rule.needs_scan => {
                        let wanted: Vec<String> = rule
                            .checks
                            .iter()
                            .filter(|c| c.effect == Effect::Confirm)
                            .map(|c| describe_holder(&c.holder))
                            .collect();
                        let ports = if self.ports.is_empty() {
                            "the text names no port to look at".to_owned()
                        } else {
                            format!(
                                "port {} is not {}",
                                join_ports(&self.ports),
                                wanted.join(" or ")
                            )
                        };
                        return Outcome::RuledOut(RuledOut {
                            rule_id: rule.id.clone(),
                            category: rule.category,
                            title: rule.title.clone(),
                            why: format!("The scan does not show it: {ports}."),
                            port: self.ports.first().copied(),
                            pid: None,
                        });
                    }
                    None => {}
                }
            }
        }
        let (actions, withheld) = self.plan_actions(rule, acted_on.as_ref());
        Outcome::Finding(Box::new(Finding {
            rule_id: rule.id.clone(),
            category: rule.category,
            title: rule.title.clone(),
            confidence: round2(confidence.clamp(0.01, 0.99)),
            explanation: rule.cause.clone(),
            steps: rule.steps.clone(),
            evidence,
            unverified,
            actions,
            withheld,
            references: rule.references.clone(),
        }))
    }

    /// Whether a symptom matcher holds, and if so the evidence for it.
    fn matches(&self, m: &SymptomMatcher) -> Option<Evidence> {
        let s = self.symptoms;
        let text = |says: String, span: Span| {
            Some(Evidence {
                source: EvidenceSource::Text,
                says,
                span: Some(span),
                port: None,
                pid: None,
            })
        };
        match m {
            SymptomMatcher::Condition(c) => {
                let hit = s.conditions.iter().find(|h| h.condition == *c)?;
                text(
                    format!(
                        "\u{201C}{}\u{201D} means {}",
                        self.quote(hit.span),
                        describe_condition(*c)
                    ),
                    hit.span,
                )
            }
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
            SymptomMatcher::Protocol(p) => {
                let f = s.protocols.iter().find(|f| &f.value == p)?;
                text(format!("the protocol is {}", p.to_uppercase()), f.span)
            }
            SymptomMatcher::Port(port) => {
                let p = s.ports.iter().find(|p| p.port == *port)?;
                text(
                    format!("{} port {}", describe_side(p.side, p.inferred), port),
                    p.span,
                )
            }
            SymptomMatcher::Side(side) => {
                let p = s.ports.iter().find(|p| p.side == *side)?;
                text(
                    format!("{} port {}", describe_side(p.side, p.inferred), p.port),
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
            SymptomMatcher::Response(re) => {
                let f = s.responses.iter().find(|r| re.is_match(&r.value))?;
                text(
                    format!("the server replied \u{201C}{}\u{201D}", f.value),
                    f.span,
                )
            }
            SymptomMatcher::Text(re) => {
                // Only the parts of a big log that the reader read closely are searched.
                let span = s.regions.iter().find_map(|&(start, end)| {
                    let m = re.find(self.text.get(start..end)?)?;
                    Some(Span {
                        start: start + m.start(),
                        end: start + m.end(),
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
                    .find(|f| super::kb::strip_exe(&f.value).eq_ignore_ascii_case(name))?;
                text(format!("the text names {}", f.value), f.span)
            }
            SymptomMatcher::Smtp(code) => {
                let key = format!("smtp:{code}");
                let c = s.codes.iter().find(|c| c.key == key)?;
                text(
                    format!("SMTP reply {code} ({}): {}", c.name, c.meaning),
                    c.span,
                )
            }
        }
    }

    fn quote(&self, span: Span) -> String {
        let end = span.end.min(self.text.len());
        let start = span.start.min(end);
        let raw = self.text.get(start..end).unwrap_or("");
        let folded = super::kb::fold_space(raw);
        if folded.chars().count() > 120 {
            folded.chars().take(117).collect::<String>() + "…"
        } else {
            folded
        }
    }

    /// Looks for a port (of those the text names) whose holders satisfy the matcher.
    fn check_holder<'s>(
        &self,
        snapshot: &'s Snapshot,
        matcher: &HolderMatcher,
    ) -> Option<CheckHit<'s>> {
        for &port in &self.ports {
            if !snapshot.covers(port) {
                continue;
            }
            let holders = snapshot.holders(port);
            let hit = match matcher {
                HolderMatcher::Nobody => holders
                    .is_empty()
                    .then_some(CheckHit { port, holder: None }),
                HolderMatcher::Excluded => (holders.is_empty() && snapshot.in_excluded_range(port))
                    .then_some(CheckHit { port, holder: None }),
                _ => holders
                    .iter()
                    .find(|h| self.holder_is(h, matcher))
                    .map(|h| CheckHit {
                        port,
                        holder: Some(*h),
                    }),
            };
            if hit.is_some() {
                return hit;
            }
        }
        None
    }

    fn holder_is(&self, h: &Holder<'_>, matcher: &HolderMatcher) -> bool {
        let program = h.process.and_then(|p| self.kb.program_for_exe(&p.exe_name));
        let kind = program.map(|p| p.kind.as_str());
        match matcher {
            HolderMatcher::Any => true,
            HolderMatcher::Nobody | HolderMatcher::Excluded => false,
            HolderMatcher::Kind(k) => kind == Some(k.as_str()),
            HolderMatcher::NotKind(k) => h.process.is_some() && kind != Some(k.as_str()),
            HolderMatcher::Program(id) => program.is_some_and(|p| &p.id == id),
            HolderMatcher::Name(name) => h
                .process
                .is_some_and(|p| super::kb::strip_exe(&p.exe_name).eq_ignore_ascii_case(name)),
            HolderMatcher::Forwarder => kind == Some("port_forwarder"),
            HolderMatcher::SameAsFailing => h.process.is_some_and(|p| {
                let stem = super::kb::strip_exe(&p.exe_name);
                self.symptoms
                    .programs
                    .iter()
                    .any(|f| super::kb::strip_exe(&f.value).eq_ignore_ascii_case(stem))
            }),
        }
    }

    /// "nginx (PID 812)"; for http.sys also whom it holds the port for.
    fn holder_words(&self, p: &Process, port: u16) -> String {
        let base = format!("{} (PID {})", p.exe_name, p.pid);
        if p.pid != 4 {
            return base;
        }
        match self.snapshot.and_then(|s| s.http_sys_owner(port)) {
            Some((reg, Some(owner))) => {
                let services = if owner.services.is_empty() {
                    String::new()
                } else {
                    format!(", service {}", owner.services.join(", "))
                };
                format!(
                    "{base}, i.e. http.sys on behalf of {} (PID {}{services}) for {}",
                    owner.exe_name, owner.pid, reg.url
                )
            }
            Some((reg, None)) => format!(
                "{base}, i.e. http.sys for {}{}",
                reg.url,
                reg.process_name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            None => format!(
                "{base}, i.e. http.sys (run `netsh http show servicestate` to see for whom)"
            ),
        }
    }

    /// The process that registered `port` with http.sys when `p` is System; otherwise `p`.
    fn behind_http_sys<'p>(&self, p: &'p Process, port: u16) -> &'p Process
    where
        'a: 'p,
    {
        if p.pid != 4 {
            return p;
        }
        self.snapshot
            .and_then(|s| s.http_sys_owner(port))
            .and_then(|(_, owner)| owner)
            .unwrap_or(p)
    }

    fn fill(&self, template: &str, hit: &CheckHit<'_>) -> String {
        let process = hit.holder.and_then(|h| h.process);
        let holder = match (hit.holder, process) {
            (_, Some(p)) => self.holder_words(p, hit.port),
            (Some(_), None) => {
                "a process PortSleuth could not see (run it elevated to see the owner)".to_owned()
            }
            (None, _) => "nobody".to_owned(),
        };
        let program = process.and_then(|p| self.kb.program_for_exe(&p.exe_name));
        let snapshot_product = process
            .and_then(|p| p.product.as_deref())
            .and_then(|id| self.snapshot.and_then(|s| s.product(id)));
        let product = program
            .map(|p| p.product.clone())
            .or_else(|| snapshot_product.map(|p| p.name.clone()))
            .or_else(|| {
                process
                    .and_then(|p| p.version_info.as_ref())
                    .map(|v| v.product_name.clone())
            })
            .unwrap_or_else(|| "not a program PortSleuth knows".to_owned());
        let service = process
            .and_then(|p| p.services.first())
            .map(|id| {
                self.snapshot
                    .and_then(|s| s.service(id))
                    .map_or(id.clone(), |s| format!("{} ({})", s.display_name, s.id))
            })
            .unwrap_or_else(|| "no service".to_owned());
        let kind = program
            .map_or("unknown", |p| p.kind.as_str())
            .replace('_', " ");
        template
            .replace("{port}", &hit.port.to_string())
            .replace("{holder}", &holder)
            .replace("{product}", &product)
            .replace("{service}", &service)
            .replace("{kind}", &kind)
    }

    /// The actions the rule offers, aimed at the holder the scan found, and the ones withheld
    /// because the holder is protected (with the reason).
    fn plan_actions(
        &self,
        rule: &Rule,
        hit: Option<&CheckHit<'_>>,
    ) -> (Vec<PlannedAction>, Vec<String>) {
        let mut actions = Vec::new();
        let mut withheld = Vec::new();
        // A port http.sys holds for a program is that program's to give back: aim at it, not at
        // System.
        let process = hit
            .and_then(|h| h.holder)
            .and_then(|h| h.process)
            .map(|p| self.behind_http_sys(p, hit.map_or(0, |h| h.port)));
        let port = hit.map(|h| h.port);
        let snapshot = self.snapshot;
        let protected = process.and_then(protected_reason);
        let aimed_at = |p: &Process| ActionTarget {
            port,
            pid: Some(p.pid),
            start_time: Some(p.start_time),
            exe: p.exe.clone(),
            exe_name: Some(p.exe_name.clone()),
            ..ActionTarget::default()
        };
        for kind in &rule.actions {
            match (kind, process) {
                (ActionKind::StopService | ActionKind::DisableService, Some(p)) => {
                    for id in &p.services {
                        let service = snapshot.and_then(|s| s.service(id));
                        let name = service.map_or(id.as_str(), |s| s.display_name.as_str());
                        let verb = if *kind == ActionKind::StopService {
                            "Stop"
                        } else {
                            "Disable"
                        };
                        actions.push(PlannedAction {
                            id: format!("{}-{}", kind_name(*kind), id),
                            kind: *kind,
                            label: format!("{verb} service \u{2018}{name}\u{2019}"),
                            target: ActionTarget {
                                service: Some(id.clone()),
                                service_manager: service
                                    .map(|s| format!("{:?}", s.manager).to_lowercase()),
                                ..aimed_at(p)
                            },
                            caution: None,
                        });
                    }
                }
                (ActionKind::Uninstall | ActionKind::StopProcess, Some(p))
                    if protected.is_some() =>
                {
                    let verb = if *kind == ActionKind::Uninstall {
                        "uninstall"
                    } else {
                        "stop"
                    };
                    let why = protected.as_deref().unwrap_or_default();
                    withheld.push(format!(
                        "PortSleuth will not {verb} {} (PID {}): {why}.",
                        p.exe_name, p.pid
                    ));
                }
                (ActionKind::Uninstall, Some(p)) => {
                    if let Some(product) = p
                        .product
                        .as_deref()
                        .and_then(|id| snapshot.and_then(|s| s.product(id)))
                    {
                        let name = if product.version.is_empty() {
                            product.name.clone()
                        } else {
                            format!("{} {}", product.name, product.version)
                        };
                        actions.push(PlannedAction {
                            id: format!("uninstall-{}", product.id),
                            kind: ActionKind::Uninstall,
                            label: format!("Uninstall {name}"),
                            target: ActionTarget {
                                product: Some(product.id.clone()),
                                ..aimed_at(p)
                            },
                            caution: None,
                        });
                    }
                }
                (ActionKind::StopProcess, Some(p)) => {
                    let caution = (!p.services.is_empty()).then(|| {
                        format!("{} runs as a service; its service manager may start it again. Stop or disable the service instead.", p.exe_name)
                    });
                    actions.push(PlannedAction {
                        id: format!("stop_process-{}", p.pid),
                        kind: ActionKind::StopProcess,
                        label: format!("Stop process {} (PID {})", p.exe_name, p.pid),
                        target: aimed_at(p),
                        caution,
                    });
                }
                (ActionKind::OpenReference, _) => {
                    if let Some((reference, url)) = rule
                        .references
                        .iter()
                        .find_map(|r| r.url.as_ref().map(|u| (r, u)))
                    {
                        actions.push(PlannedAction {
                            id: format!("open_reference-{}", rule.id),
                            kind: ActionKind::OpenReference,
                            label: format!("Open \u{2018}{}\u{2019}", reference.title),
                            target: ActionTarget {
                                url: Some(url.clone()),
                                ..ActionTarget::default()
                            },
                            caution: None,
                        });
                    }
                }
                _ => {}
            }
        }
        // A service's process is stopped through its service first: the service manager would
        // only start it again.
        actions.sort_by_key(|a| match a.kind {
            ActionKind::StopService => 0,
            ActionKind::DisableService => 1,
            ActionKind::StopProcess if a.caution.is_none() => 0,
            ActionKind::Uninstall => 2,
            ActionKind::StopProcess => 3,
            ActionKind::OpenReference => 4,
        });
        (actions, withheld)
    }

    fn unknown(&self) -> Finding {
        let s = self.symptoms;
        let mut evidence = Vec::new();
        for code in &s.codes {
            evidence.push(Evidence {
                source: EvidenceSource::Text,
                says: format!("{} is {}: {}", code.spelled, code.name, code.meaning),
                span: Some(code.span),
                port: None,
                pid: None,
            });
        }
        for e in &s.events {
            evidence.push(Evidence {
                source: EvidenceSource::Text,
                says: format!("event {}", e.id),
                span: Some(e.span),
                port: None,
                pid: None,
            });
        }
        for p in s.ports.iter().filter(|p| !p.inferred) {
            evidence.push(Evidence {
                source: EvidenceSource::Text,
                says: format!("{} port {}", describe_side(p.side, p.inferred), p.port),
                span: Some(p.span),
                port: Some(p.port),
                pid: None,
            });
        }
        let explanation = if s.is_empty() {
            "Nothing in the text looks like an error PortSleuth knows: no error code, event ID, port or known message. Paste the whole error dialog, the Event Viewer entry or the log lines around the failure.".to_owned()
        } else {
            "PortSleuth recognised parts of the text (listed as evidence) but no cause in its knowledge base explains them. The decoded codes may still point the way; rules can be added in the user rules folder.".to_owned()
        };
        Finding {
            rule_id: "unknown".into(),
            category: Category::Unknown,
            title: "No known cause matches this text".into(),
            confidence: 0.0,
            explanation,
            steps: vec![],
            evidence,
            unverified: vec![],
            actions: vec![],
            withheld: vec![],
            references: vec![],
        }
    }

    fn port_holders(&self, snapshot: &Snapshot) -> Vec<PortHolder> {
        let mut out = Vec::new();
        for p in &self.symptoms.ports {
            if out.iter().any(|h: &PortHolder| h.port == p.port) || !snapshot.covers(p.port) {
                continue;
            }
            let holders = snapshot.holders(p.port);
            let mut pids: Vec<u32> = holders
                .iter()
                .filter_map(|h| h.process.map(|p| p.pid))
                .collect();
            pids.sort_unstable();
            pids.dedup();
            let mut names: Vec<String> = Vec::new();
            let mut kind = None;
            for h in &holders {
                let name = match h.process {
                    Some(proc_) => {
                        let program = self.kb.program_for_exe(&proc_.exe_name);
                        if kind.is_none() {
                            kind = program.map(|p| p.kind.clone());
                        }
                        match program {
                            Some(prog) => {
                                format!("{}, {}", self.holder_words(proc_, p.port), prog.product)
                            }
                            None => self.holder_words(proc_, p.port),
                        }
                    }
                    None => "a process PortSleuth could not see".to_owned(),
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let summary = if names.is_empty() {
                if snapshot.in_excluded_range(p.port) {
                    "nobody, but it lies in an excluded port range".to_owned()
                } else {
                    "nobody".to_owned()
                }
            } else {
                names.join("; ")
            };
            out.push(PortHolder {
                port: p.port,
                side: p.side,
                summary,
                pids,
                kind,
            });
        }
        out.sort_by_key(|h| h.port);
        out
    }
}

fn kind_name(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::StopService => "stop_service",
        ActionKind::DisableService => "disable_service",
        ActionKind::Uninstall => "uninstall",
        ActionKind::StopProcess => "stop_process",
        ActionKind::OpenReference => "open_reference",
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_side(side: PortSide, inferred: bool) -> &'static str {
    match (side, inferred) {
        (PortSide::Local, true) => "the failing listener implies local",
        (PortSide::Local, false) => "it failed to bind local",
        (PortSide::Remote, _) => "it connected to remote",
        (PortSide::Unknown, true) => "the protocol implies",
        (PortSide::Unknown, false) => "it names",
    }
}

pub fn describe_condition(c: Condition) -> &'static str {
    match c {
        Condition::AddrInUse => "the address and port are already in use",
        Condition::AddrNotAvailable => "the address to bind is not on this machine",
        Condition::AccessDenied => "permission to use the socket was refused",
        Condition::SharingViolation => {
            "something else is using the resource (IIS says this for a taken port)"
        }
        Condition::AuthRejected => "the user name or password was refused",
        Condition::AuthMethod => "client and server do not agree on how to log on",
        Condition::ConnRefused => "nothing accepted the connection",
        Condition::ConnTimeout => "the connection timed out",
        Condition::ConnReset => "the connection was dropped",
        Condition::NetUnreachable => "the network could not reach the host",
        Condition::DnsFailure => "the host name could not be resolved",
        Condition::TlsFailure => "the secure (TLS/SSL) connection failed",
        Condition::ServerReplyError => "the server answered with an error",
        Condition::ListenerFailed => "a server could not start its listener",
        Condition::ServiceFailed => "a service failed",
        Condition::GenericFailure => "an unspecified failure",
    }
}

fn describe_holder(m: &HolderMatcher) -> String {
    match m {
        HolderMatcher::Any => "held by some program".into(),
        HolderMatcher::Nobody => "held by nobody".into(),
        HolderMatcher::Kind(k) => format!("held by {}", kind_words(k)),
        HolderMatcher::NotKind(k) => format!("held by something other than {}", kind_words(k)),
        HolderMatcher::Program(id) => format!("held by {id}"),
        HolderMatcher::Name(n) => format!("held by {n}"),
        HolderMatcher::SameAsFailing => "held by another copy of the program that failed".into(),
        HolderMatcher::Forwarder => "held by a port forwarder (Docker, WSL)".into(),
        HolderMatcher::Excluded => "inside a Windows excluded port range".into(),
    }
}

fn kind_words(kind: &str) -> &'static str {
    match kind {
        "av_mail_proxy" => "an antivirus e-mail proxy",
        "av_web_proxy" => "an antivirus web proxy",
        "mail_server" => "the mail server",
        "web_server" => "a web server",
        "http_sys" => "http.sys (System, PID 4)",
        "port_forwarder" => "a port forwarder",
        "database" => "a database server",
        "voip" => "a voice/chat program",
        "virtualization" => "a virtualisation service",
        "system_service" => "a system service",
        "dev_server" => "a development server",
        "directory_server" => "a directory server",
        _ => "a known program",
    }
}
