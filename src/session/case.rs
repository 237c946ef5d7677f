//! A case: one error being worked on, from the paste to the report. It holds the text and what
//! was read from it, the latest look at the machine, the diagnosis made from both, and the
//! actions taken on it. A new paste or a new snapshot starts a new case; actions never move
//! from one case to another.

use super::Knowledge;
use crate::engine::diagnose::{diagnose, diagnose_with_probes, place_servers, Diagnosis};
use crate::engine::fixing::ActionRecord;
use crate::engine::probe::Probe;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::Snapshot;
use crate::report::Report;

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
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
    pub diagnosis: Diagnosis,
    /// Every action previewed, refused, cancelled or done on this case, in order.
    pub actions_taken: Vec<ActionRecord>,
}

impl Case {
    /// Opens a case on `text`: reads it and diagnoses it from the text alone.
    pub fn open(knowledge: &Knowledge, text: String, note: Option<String>) -> Case {
        let symptoms = knowledge.reader().read(&text);
        let diagnosis = diagnose(knowledge.kb(), &text, &symptoms, None);
        Case {
            opened_at: crate::clock::now_rfc3339(),
            text,
            note,
            symptoms,
            snapshot: None,
            probes: Vec::new(),
            diagnosis,
            actions_taken: Vec::new(),
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

    pub fn record(&mut self, record: ActionRecord) {
        self.actions_taken.push(record);
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
        report
    }
}
