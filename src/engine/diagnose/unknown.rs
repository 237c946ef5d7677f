//! When no rule explains the text: say what was recognised, and how to get further.

use super::{Ctx, Evidence, EvidenceSource, Finding};
use crate::engine::model::Category;

impl Ctx<'_> {
    pub(super) fn unknown(&self) -> Finding {
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
                says: format!("{} port {}", p.side.describe(p.inferred), p.port),
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
            after_fix: vec![],
            evidence,
            unverified: vec![],
            actions: vec![],
            withheld: vec![],
            references: vec![],
        }
    }
}
