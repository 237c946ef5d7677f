//! Trying one rule: does the text show it, how strongly, and what does the scan say?
//!
//! Three phases, each its own function: the text's matchers decide whether the rule applies
//! and gather the text evidence; boosts add or take confidence; the scan's checks confirm,
//! adjust or refute it by looking at what holds the port. Then the finding is assembled.

use super::{round2, CheckHit, Ctx, Evidence, EvidenceSource, Finding, Outcome, RuledOut};
use crate::engine::kb::{Effect, Program, Rule, SymptomMatcher};
use crate::engine::snapshot::{Process, Snapshot};

/// What the scan made of a rule.
enum ScanVerdict<'s> {
    /// The rule stands; this hit (if any) is the holder its actions aim at.
    Stands(Option<CheckHit<'s>>),
    /// What decides the rule could not be seen (see [`super::Unseen`]); it stands on the text.
    Undecided(Option<CheckHit<'s>>),
    RuledOut(RuledOut),
}

impl<'a> Ctx<'a> {
    pub(super) fn try_rule(&self, rule: &Rule) -> Outcome {
        let Some(mut evidence) = self.text_evidence(rule) else {
            return Outcome::NotApplicable;
        };
        let mut confidence = rule.base + self.boosts(rule, &mut evidence);
        let (unverified, acted_on) = match self.snapshot {
            None => (self.unverified(rule), None),
            Some(snapshot) => {
                match self.scan_checks(rule, snapshot, &mut evidence, &mut confidence) {
                    ScanVerdict::Stands(hit) => (Vec::new(), hit),
                    ScanVerdict::Undecided(hit) => (self.unverified(rule), hit),
                    ScanVerdict::RuledOut(r) => return Outcome::RuledOut(r),
                }
            }
        };
        let (actions, withheld) = self.plan_actions(rule, acted_on.as_ref());
        let steps = self.case_steps(&rule.steps, acted_on.as_ref());
        let after_fix = self.case_steps(&rule.after_fix, acted_on.as_ref());
        Outcome::Finding(Box::new(Finding {
            rule_id: rule.id.clone(),
            category: rule.category,
            title: rule.title.clone(),
            confidence: round2(confidence.clamp(0.01, 0.99)),
            explanation: rule.cause.clone(),
            steps,
            after_fix,
            evidence,
            unverified,
            actions,
            withheld,
            references: rule.references.clone(),
        }))
    }

    /// The evidence that the rule applies to the text, or `None` when it does not: every `all`
    /// matcher holds, at least one `any` matcher holds (when there are any), no `not` matcher.
    fn text_evidence(&self, rule: &Rule) -> Option<Vec<Evidence>> {
        // The cheap tests first: a rule whose codes or conditions already fail never builds
        // or runs its patterns.
        let cheap = |m: &&SymptomMatcher| !m.is_pattern();
        if rule
            .all
            .iter()
            .filter(cheap)
            .any(|m| self.matches(m).is_none())
            || rule
                .not
                .iter()
                .filter(cheap)
                .any(|m| self.matches(m).is_some())
        {
            return None;
        }
        let mut evidence = Vec::new();
        for m in &rule.all {
            evidence.push(self.matches(m)?);
        }
        if !rule.any.is_empty() {
            // A pattern is tried only when no code, condition or field already holds: it
            // would add a second line of evidence for the same words, at a pattern's cost.
            let mut hits: Vec<Evidence> = rule
                .any
                .iter()
                .filter(cheap)
                .filter_map(|m| self.matches(m))
                .collect();
            if hits.is_empty() {
                hits = rule
                    .any
                    .iter()
                    .filter(|m| m.is_pattern())
                    .filter_map(|m| self.matches(m))
                    .collect();
            }
            if hits.is_empty() {
                return None;
            }
            evidence.extend(hits);
        }
        if rule.not.iter().any(|m| self.matches(m).is_some()) {
            return None;
        }
        // Two matchers can rest on one fact (a port's range and its side): it is said once.
        let mut said = std::collections::HashSet::new();
        evidence.retain(|e| said.insert(e.says.clone()));
        Some(evidence)
    }

    /// What the rule's boosts add to its confidence; each that holds is said in its own words.
    fn boosts(&self, rule: &Rule, evidence: &mut Vec<Evidence>) -> f64 {
        let mut added = 0.0;
        for boost in &rule.boosts {
            if let Some(mut e) = self.matches(&boost.when) {
                added += boost.add;
                // The rule's own words say why this matters; the span still points at the text.
                e.says.clone_from(&boost.why);
                evidence.push(e);
            }
        }
        added
    }

    /// The rule's steps with the case's own values in place of the knowledge base's
    /// placeholders: `<port>` (the port the scan acted on, else the first the text names),
    /// `<PID>` (the holder the scan found) and `<server>` (the server the text names). A
    /// placeholder with no value stays, so the step still says what to put there.
    fn case_steps(&self, steps: &[String], hit: Option<&CheckHit<'_>>) -> Vec<String> {
        let port = hit
            .map(|h| h.port)
            .or_else(|| self.ports.first().copied())
            .map(|p| p.to_string());
        let pid = hit
            .and_then(|h| h.holder)
            .and_then(|h| h.process)
            .map(|p| p.pid.to_string());
        let server = self
            .elsewhere
            .as_deref()
            .or_else(|| self.symptoms.servers.first().map(|s| s.value.as_str()));
        fill_steps(steps, port, pid, server)
    }

    /// Without a scan: what a scan would check, and what each outcome would mean.
    fn unverified(&self, rule: &Rule) -> Vec<String> {
        let port = self
            .ports
            .first()
            .map_or("the port".to_owned(), |p| format!("port {p}"));
        rule.checks
            .iter()
            .filter(|c| c.effect != Effect::Adjust)
            .map(|check| {
                let verdict = if check.effect == Effect::Confirm {
                    "confirms"
                } else {
                    "rules this out"
                };
                let scan = self
                    .elsewhere
                    .as_ref()
                    .map_or("A scan".to_owned(), |server| format!("A scan of {server}"));
                format!(
                    "{scan} would check whether {port} is {}: that {verdict}.",
                    check.holder.describe()
                )
            })
            .collect()
    }

    /// The scan's checks: a refutation rules the rule out; confirmations raise its confidence
    /// to theirs; adjustments add to it. A rule that needs a scan and finds no confirmation is
    /// ruled out with what the scan showed instead.
    fn scan_checks<'s>(
        &self,
        rule: &Rule,
        snapshot: &'s Snapshot,
        evidence: &mut Vec<Evidence>,
        confidence: &mut f64,
    ) -> ScanVerdict<'s>
    where
        'a: 's,
    {
        let mut confirmed: Option<f64> = None;
        let mut acted_on: Option<CheckHit<'s>> = None;
        for check in &rule.checks {
            let Some(hit) = self.check_holder(snapshot, &check.holder) else {
                continue;
            };
            let pid = hit.holder.and_then(|h| h.process).map(|p| p.pid);
            if hit.local {
                // An interceptor on this machine, in front of the server elsewhere.
                let says = self.fill(
                    &format!(
                        "{{holder}} ({{product}}) runs on this machine: it can intercept the connection to {} on port {{port}} and answer for the server (the client half of KB Q298944).",
                        self.elsewhere.as_deref().unwrap_or("the server")
                    ),
                    &hit,
                );
                match check.effect {
                    Effect::Confirm => {
                        let mut strength = check.confidence.min(0.8);
                        evidence.push(scan_evidence(says, &hit, pid));
                        if let Some(p) = hit.holder.and_then(|h| h.process) {
                            let (said, weight) = self.identity(snapshot, p);
                            strength = weight(strength);
                            evidence.push(scan_evidence(said, &hit, pid));
                        }
                        confirmed = Some(confirmed.map_or(strength, |c| c.max(strength)));
                        if acted_on.is_none() {
                            acted_on = Some(hit);
                        }
                    }
                    Effect::Refute => {
                        *confidence -= 0.2;
                        evidence.push(scan_evidence(says, &hit, pid));
                    }
                    Effect::Adjust => {}
                }
                continue;
            }
            let says = match hit.probe {
                // "Nothing on this machine listens…" is said of a scan; a refused probe is
                // said of the server.
                Some(probe) if check.holder == crate::engine::kb::HolderMatcher::Nobody => {
                    format!(
                        "{}: nothing listens on port {} there.",
                        Self::probe_words(probe),
                        hit.port
                    )
                }
                _ => self.fill(&check.why, &hit),
            };
            match check.effect {
                Effect::Refute => {
                    return ScanVerdict::RuledOut(RuledOut {
                        rule_id: rule.id.clone(),
                        category: rule.category,
                        title: rule.title.clone(),
                        why: says,
                        port: Some(hit.port),
                        pid,
                    })
                }
                Effect::Confirm => {
                    let mut strength = check.confidence;
                    evidence.push(scan_evidence(says, &hit, pid));
                    if check.holder.is_identity() {
                        if let Some(p) = hit.holder.and_then(|h| h.process) {
                            let (said, weight) = self.identity(snapshot, p);
                            strength = weight(strength);
                            evidence.push(scan_evidence(said, &hit, pid));
                        }
                    }
                    confirmed = Some(confirmed.map_or(strength, |c| c.max(strength)));
                    if acted_on.is_none() && hit.holder.is_some() {
                        acted_on = Some(hit);
                    }
                }
                Effect::Adjust => {
                    *confidence += check.confidence;
                    evidence.push(scan_evidence(says, &hit, pid));
                }
            }
        }
        let unseen: Vec<(u16, super::Unseen)> = self
            .ports
            .iter()
            .filter(|&&p| self.probe_for(p).is_none())
            .filter_map(|&p| self.unseen(p).map(|u| (p, u)))
            .collect();
        let undecided = confirmed.is_none() && !rule.checks.is_empty() && !unseen.is_empty();
        if undecided {
            for (port, why) in unseen {
                evidence.push(self.not_seen_evidence(snapshot, port, why));
            }
        }
        match confirmed {
            Some(c) => *confidence = confidence.max(c),
            None if undecided => return ScanVerdict::Undecided(acted_on),
            None if rule.needs_scan => return ScanVerdict::RuledOut(self.not_seen(rule)),
            None => {}
        }
        ScanVerdict::Stands(acted_on)
    }

    /// How surely the scan knows which program `p` is: by its file name alone (anyone can name
    /// a file PoProxy.exe), or corroborated by its version resource, the installed product it
    /// belongs to, or its path. Returns the words for the evidence and what it does to a
    /// confirmation's confidence.
    fn identity(&self, snapshot: &Snapshot, p: &Process) -> (String, fn(f64) -> f64) {
        let Some(program) = self.kb.program_for_exe(&p.exe_name) else {
            return (
                format!("{} is known by its file name only.", p.exe_name),
                name_only,
            );
        };
        let words = identity_words(program);
        let mentions = |s: &str| {
            let s = s.to_lowercase();
            words.iter().any(|w| s.contains(w.as_str()))
        };
        let mut by = Vec::new();
        if let Some(v) = &p.version_info {
            if mentions(&v.company) || mentions(&v.product_name) {
                by.push(format!(
                    "its version resource ({}, {})",
                    v.product_name, v.company
                ));
            }
        }
        if let Some(product) = p.product.as_deref().and_then(|id| snapshot.product(id)) {
            if mentions(&product.name) || mentions(&product.publisher) {
                by.push(format!("the installed product {}", product.name));
            }
        }
        if let Some(exe) = p.exe.as_deref().filter(|e| mentions(e)) {
            by.push(format!("its path {exe}"));
        }
        if by.is_empty() {
            (
                format!(
                    "{} is recognised as {} by its file name only: its version resource, installed product or path would confirm it (run elevated, or look at the file's properties).",
                    p.exe_name, program.product
                ),
                name_only,
            )
        } else {
            (
                format!(
                    "{} is {}: confirmed by {}.",
                    p.exe_name,
                    program.product,
                    by.join(" and ")
                ),
                |c| c,
            )
        }
    }

    /// What the scan could not see of `port`, and that it decides the rule.
    fn not_seen_evidence(&self, snapshot: &Snapshot, port: u16, why: super::Unseen) -> Evidence {
        let says = match why {
            super::Unseen::Elsewhere => format!(
                "The scan is of {}, not of {}: what holds port {port} on {} decides this, and this machine cannot show it.",
                snapshot.host.hostname,
                self.elsewhere.as_deref().unwrap_or("the server"),
                self.elsewhere.as_deref().unwrap_or("the server"),
            ),
            super::Unseen::Hidden => format!(
                "Port {port} is held on {} by a process PortSleuth cannot see without elevation: who it is decides this.",
                snapshot.host.hostname
            ),
        };
        Evidence {
            source: EvidenceSource::NotSeen,
            says,
            span: None,
            port: Some(port),
            pid: None,
        }
    }

    /// Why a rule that needs the scan's confirmation is set aside: what it looked for.
    fn not_seen(&self, rule: &Rule) -> RuledOut {
        let wanted: Vec<String> = rule
            .checks
            .iter()
            .filter(|c| c.effect == Effect::Confirm)
            .map(|c| c.holder.describe())
            .collect();
        let ports = if self.ports.is_empty() {
            "the text names no port to look at".to_owned()
        } else {
            format!(
                "port {} is not {}",
                super::join_ports(&self.ports),
                wanted.join(" or ")
            )
        };
        RuledOut {
            rule_id: rule.id.clone(),
            category: rule.category,
            title: rule.title.clone(),
            why: format!("The scan does not show it: {ports}."),
            port: self.ports.first().copied(),
            pid: None,
        }
    }
}

/// A confirmation that rests on a file name alone stays below three in four: the port is
/// held, but by a program only believed to be the one the rule names.
fn name_only(confidence: f64) -> f64 {
    confidence.min(0.75)
}

/// The lower-case words that a program's version resource, product entry or path would carry:
/// its vendor and the first word of its product name ("symantec", "norton").
fn identity_words(program: &Program) -> Vec<String> {
    let mut words: Vec<String> = program
        .vendor
        .iter()
        .flat_map(|v| v.split([' ', ',', '(']))
        .chain(program.product.split([' ', '/', '(']).take(1))
        .map(str::to_lowercase)
        .filter(|w| {
            w.len() >= 3
                && !matches!(
                    w.as_str(),
                    "inc" | "inc." | "ltd" | "the" | "corporation" | "software"
                )
        })
        .collect();
    words.dedup();
    words
}

/// A check's finding on the scan: a holder seen, or a port seen free.
fn scan_evidence(says: String, hit: &CheckHit<'_>, pid: Option<u32>) -> Evidence {
    let source = if hit.probe.is_some() {
        EvidenceSource::Probe
    } else if hit.holder.is_some() {
        EvidenceSource::Scan
    } else {
        EvidenceSource::Absence
    };
    Evidence {
        source,
        says,
        span: None,
        port: Some(hit.port),
        pid,
    }
}

/// Steps with `<port>`, `<PID>` and `<server>` replaced by the values given; a placeholder with
/// no value stays, so the step still says what to put there. A server name from the paste goes
/// into a command line only when it looks like a host name or an address.
pub fn fill_steps(
    steps: &[String],
    port: Option<String>,
    pid: Option<String>,
    server: Option<&str>,
) -> Vec<String> {
    let host_like = |v: &&str| {
        !v.is_empty()
            && v.len() <= 253
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'))
    };
    let server = server.filter(host_like).map(str::to_owned);
    steps
        .iter()
        .map(|step| {
            let mut step = step.clone();
            for (placeholder, value) in [("<port>", &port), ("<PID>", &pid), ("<server>", &server)]
            {
                if let Some(value) = value {
                    step = step.replace(placeholder, value);
                }
            }
            step
        })
        .collect()
}
