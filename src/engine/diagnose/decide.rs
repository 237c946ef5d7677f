//! When the fact that decides between causes could not be seen, the diagnosis says so first
//! and names the step that would decide, instead of letting the likelier-sounding cause win.

use super::{Ctx, Evidence, EvidenceSource, Finding, Unseen};
use crate::engine::model::Category;

/// A cause the text alone makes this likely is not waited on: the deciding step then follows
/// it, as the way to confirm it.
const DECIDED_BY_TEXT: f64 = 0.75;

impl Ctx<'_> {
    /// Puts the step that decides first when the leading findings hinge on what the scan could
    /// not see (and second when the text alone already decides).
    pub(super) fn lead_with_deciding_step(&self, findings: &mut Vec<Finding>) {
        let hinges = |f: &Finding| {
            f.evidence
                .iter()
                .any(|e| e.source == EvidenceSource::NotSeen)
        };
        let Some(first_hinging) = findings.iter().position(hinges) else {
            return;
        };
        let Some((port, why)) = self
            .ports
            .iter()
            .find_map(|&p| self.unseen(p).map(|u| (p, u)))
        else {
            return;
        };
        let candidates: Vec<&Finding> = findings.iter().filter(|f| hinges(f)).take(3).collect();
        let step = self.deciding_step(port, why, &candidates);
        let top = &findings[0];
        let at = if first_hinging == 0 && top.confidence < DECIDED_BY_TEXT {
            0
        } else {
            1
        };
        findings.insert(at.min(findings.len()), step);
    }

    fn deciding_step(&self, port: u16, why: Unseen, candidates: &[&Finding]) -> Finding {
        let here = self
            .snapshot
            .map_or("this machine".to_owned(), |s| s.host.hostname.clone());
        let list = candidates
            .iter()
            .map(|f| format!("{} ({:.0}%)", lower_first(&f.title), f.confidence * 100.0))
            .collect::<Vec<_>>()
            .join("; ");
        let mut evidence: Vec<Evidence> = Vec::new();
        let (rule_id, title, explanation, steps) = match why {
            Unseen::Elsewhere => {
                let server = self
                    .elsewhere
                    .clone()
                    .unwrap_or_else(|| "the server".into());
                if let Some(mention) = self.symptoms.servers.iter().find(|s| s.value == server) {
                    evidence.push(Evidence {
                        source: EvidenceSource::Text,
                        says: format!("The text is about the server {server}."),
                        span: Some(mention.span),
                        port: None,
                        pid: None,
                    });
                }
                evidence.push(Evidence {
                    source: EvidenceSource::NotSeen,
                    says: format!(
                        "This scan is of {here}, which is not {server}: it cannot show what holds port {port} there."
                    ),
                    span: None,
                    port: Some(port),
                    pid: None,
                });
                let file = format!("{}.json", file_stem(&server));
                (
                    "undecided-server-elsewhere",
                    format!("Look at {server} first: what holds port {port} there decides the cause"),
                    format!(
                        "The error is about {server}, and PortSleuth scanned {here}. Causes that read the same differ only in what answers on port {port} on {server}: {list}. A scan of {here} cannot tell them apart, so PortSleuth does not guess; it can still show an interceptor running here (an antivirus mail scanner), which would be listed as its own finding."
                    ),
                    vec![
                        format!("On {server}, as administrator (Windows) or with sudo (Linux, macOS), run `portsleuth scan --port {port} --format json --output {file}` (on Windows `portsleuth.com scan --port {port} --format json --output {file}`)."),
                        format!("Bring {file} here and run `portsleuth diagnose --text-file error.txt --snapshot {file}`, or in the wizard use Load the server's scan…, to finish the diagnosis with {server}'s own evidence."),
                        format!("Or look from here without logging in: `portsleuth diagnose --text-file error.txt --probe` (or `portsleuth probe {server}:{port}`) reads only the server's greeting on port {port} and names the program that answers."),
                    ],
                )
            }
            Unseen::Hidden => {
                evidence.push(Evidence {
                    source: EvidenceSource::NotSeen,
                    says: format!(
                        "Port {port} is held on {here}, but by a process this unelevated scan cannot see."
                    ),
                    span: None,
                    port: Some(port),
                    pid: None,
                });
                (
                    "undecided-owner-hidden",
                    format!("Run PortSleuth elevated: port {port} is held by a process it cannot see"),
                    format!(
                        "Something holds port {port} on {here}, but PortSleuth ran without administrator rights and may not see other users' processes. Which program it is decides between causes that read the same: {list}. PortSleuth does not guess."
                    ),
                    vec![
                        "Windows: right-click PortSleuth and choose Run as administrator (in the wizard: Restart as administrator), then scan again.".to_owned(),
                        "Linux, macOS: run `sudo portsleuth diagnose --text-file error.txt` (or start the wizard with sudo).".to_owned(),
                        format!("Without PortSleuth: `netstat -ano | findstr :{port}` in an administrator prompt (Windows) or `sudo ss -ltnp 'sport = :{port}'` (Linux) names the PID that holds the port."),
                    ],
                )
            }
        };
        Finding {
            rule_id: rule_id.into(),
            category: Category::Undecided,
            title,
            confidence: candidates.first().map_or(0.0, |f| f.confidence),
            explanation,
            steps,
            after_fix: vec![],
            evidence,
            unverified: vec![],
            actions: vec![],
            withheld: vec![],
            references: vec![],
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A file name made from a server name: letters, digits, dots and dashes only.
fn file_stem(server: &str) -> String {
    let stem: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "server".into()
    } else {
        stem
    }
}
