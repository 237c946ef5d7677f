//! A case: one error being worked on, from the paste to the report. It holds the text and what
//! was read from it, the latest look at the machine, the diagnosis made from both, and the
//! actions taken on it. A new paste or a new snapshot starts a new case; actions never move
//! from one case to another.

use super::Knowledge;
use crate::engine::diagnose::{diagnose, diagnose_with_probes, place_servers, Diagnosis};
use crate::engine::fixing::{ActionRecord, Fixed, Outcome};
use crate::engine::probe::Probe;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::Snapshot;
use crate::report::Report;

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// PortSleuth's own name for the case: when it was opened, and a number (a file name in
    /// the history).
    pub id: String,
    /// When the case was opened (RFC 3339, UTC).
    pub opened_at: String,
    pub text: String,
    /// How the text was decoded, when that needs saying (UTF-16, Windows-1252, cut).
    pub note: Option<String>,
    pub symptoms: Symptoms,
    /// The latest snapshot of the machine the error is about, if one was taken or loaded.
    pub snapshot: Option<Snapshot>,
    /// Read-only probes of the servers the text names (`diagnose --probe`).
    pub probes: Vec<Probe>,
    /// The snapshot taken before the latest fix, once a fix was done and the machine scanned
    /// again: the case's "before", with `snapshot` its "after".
    pub before: Option<Snapshot>,
    pub diagnosis: Diagnosis,
    /// Every action previewed, refused, cancelled or done on this case, in order.
    pub actions_taken: Vec<ActionRecord>,
    /// The cause the latest action that changed the machine dealt with, and what to do next.
    pub fixed: Option<Fixed>,
}

impl Case {
    /// Opens a case on `text`: reads it and diagnoses it from the text alone.
    pub fn open(knowledge: &Knowledge, text: String, note: Option<String>) -> Case {
        let symptoms = knowledge.reader().read(&text);
        let diagnosis = diagnose(knowledge.kb(), &text, &symptoms, None);
        let opened_at = crate::clock::now_rfc3339();
        Case {
            id: case_id(&opened_at),
            opened_at,
            text,
            note,
            symptoms,
            snapshot: None,
            probes: Vec::new(),
            before: None,
            diagnosis,
            actions_taken: Vec::new(),
            fixed: None,
        }
    }

    /// Opens a case and diagnoses it with `snapshot` at once.
    pub fn with_snapshot(
        knowledge: &Knowledge,
        text: String,
        note: Option<String>,
        snapshot: Option<Snapshot>,
    ) -> Case {
        let mut case = Case::open(knowledge, text, note);
        if snapshot.is_some() {
            case.diagnose(knowledge, snapshot);
        }
        case
    }

    /// Diagnoses again with a new look at the machine (`None`: from the text alone). The
    /// actions taken stay: they are the story of this case.
    pub fn diagnose(&mut self, knowledge: &Knowledge, snapshot: Option<Snapshot>) {
        self.snapshot = snapshot;
        // A scan is evidence about the machine it was taken on: the servers the text names
        // are placed against that machine before anything is concluded from it.
        place_servers(&mut self.symptoms, self.snapshot.as_ref().map(|s| &s.host));
        self.diagnosis = diagnose_with_probes(
            knowledge.kb(),
            &self.text,
            &self.symptoms,
            self.snapshot.as_ref(),
            &self.probes,
        );
    }

    /// Diagnoses with a snapshot the user brought (`--snapshot`, *Load the server's scan…*):
    /// they chose it as the machine the text is about, so it stands for the server the text
    /// names, whatever that machine is called (a DNS alias, an address), and the servers are
    /// not placed against it.
    pub fn diagnose_with_loaded(&mut self, knowledge: &Knowledge, snapshot: Snapshot) {
        self.snapshot = Some(snapshot);
        place_servers(&mut self.symptoms, None);
        self.diagnosis = diagnose_with_probes(
            knowledge.kb(),
            &self.text,
            &self.symptoms,
            self.snapshot.as_ref(),
            &self.probes,
        );
    }

    /// Keeps what happened to an action. A preview followed by the run (or the cancel, or a
    /// second preview) of the same action is one record: the later one, noting the preview.
    pub fn record(&mut self, mut record: ActionRecord) {
        if matches!(record.outcome, Outcome::Done | Outcome::ProblemRemains) {
            if let Some(f) = self
                .diagnosis
                .findings
                .iter()
                .find(|f| f.actions.iter().any(|a| a.id == record.action_id))
            {
                self.fixed = Some(Fixed {
                    rule_id: f.rule_id.clone(),
                    title: f.title.clone(),
                    next_steps: f.after_fix.clone(),
                });
            }
        }
        if let Some(last) = self.actions_taken.last_mut() {
            if last.action_id == record.action_id && last.outcome == Outcome::Previewed {
                record.previewed_at = Some(last.previewed_at.take().unwrap_or(last.at.clone()));
                *last = record;
                return;
            }
        }
        self.actions_taken.push(record);
    }

    /// The record of `action_id` done and verified on this case, if it was.
    pub fn done(&self, action_id: &str) -> Option<&ActionRecord> {
        self.actions_taken
            .iter()
            .rev()
            .find(|r| r.action_id == action_id && r.outcome == Outcome::Done)
    }

    /// The machine was scanned again after a fix: the old snapshot becomes "before", the new
    /// one "after", and the diagnosis is made again on the machine as it is now.
    pub fn after_fix(&mut self, knowledge: &Knowledge, after: Snapshot) {
        self.before = self.snapshot.take();
        self.diagnose(knowledge, Some(after));
    }

    /// The case as a report, made now: the one way any door makes a report.
    pub fn report(&self, knowledge: &Knowledge) -> Report {
        self.report_at(knowledge, crate::clock::now_rfc3339())
    }

    /// The case as a report made at `now` (RFC 3339); golden tests fix the time.
    pub fn report_at(&self, knowledge: &Knowledge, now: String) -> Report {
        let mut report = Report::new(
            &self.text,
            self.note.clone(),
            self.symptoms.clone(),
            self.diagnosis.clone(),
            self.snapshot.clone(),
            knowledge.problems(),
            now,
        );
        report.rule_set = knowledge.rule_set();
        report.actions_taken = self.actions_taken.clone();
        report.fixed = self.fixed.clone();
        report
    }
}

/// `20261201T101500Z-3`: the time the case was opened, and a number that keeps two cases
/// opened in the same second apart.
fn case_id(opened_at: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stamp: String = opened_at
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{stamp}-{}-{n}", std::process::id())
}
