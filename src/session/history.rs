//! Recent cases, kept per user so "what did I do on that PC yesterday" has an answer: one JSON
//! file per case in a `history` folder next to `settings.json`, written atomically. A saved
//! case holds what the user gave and what was seen and done (the text, the scans before and
//! after a fix, the actions' records); its diagnosis is made again when it is opened, with the
//! rules of the day. Nothing read back from here acts on the machine: a reopened case's
//! actions are planned afresh from the live machine, like any other.
//!
//! Everything here touches the disk, so callers in the wizard run it on a worker.

use super::files::{read_file_limited, write_atomic};
use super::{Case, Knowledge, SessionError};
use crate::engine::fixing::{ActionRecord, Outcome};
use crate::engine::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The schema of a saved case file.
pub const CASE_SCHEMA: &str = "portsleuth-case/1";

/// How many cases are kept; older ones are deleted when a new one is saved.
pub const KEEP: usize = 50;

/// A case as it is kept on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedCase {
    pub schema: String,
    pub id: String,
    pub opened_at: String,
    pub saved_at: String,
    /// The cause found, or the first line of the text, in words.
    pub title: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The machine before the latest fix, when one was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Snapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    #[serde(default)]
    pub actions_taken: Vec<ActionRecord>,
    /// The rule whose cause an action dealt with. Only its id is kept: the next steps are
    /// taken again from the knowledge base on reopening, never from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_rule: Option<String>,
}

/// One line of the history list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastCase {
    pub id: String,
    pub opened_at: String,
    pub title: String,
    /// The host the scan looked at, when there was one.
    pub host: Option<String>,
    pub actions: usize,
    /// Whether an action was done and verified.
    pub fixed: bool,
}

impl SavedCase {
    pub fn of(case: &Case) -> SavedCase {
        let title = case
            .diagnosis
            .findings
            .first()
            .map(|f| f.title.clone())
            .unwrap_or_else(|| first_line(&case.text));
        SavedCase {
            schema: CASE_SCHEMA.into(),
            id: case.id.clone(),
            opened_at: case.opened_at.clone(),
            saved_at: crate::clock::now_rfc3339(),
            title,
            text: case.text.clone(),
            note: case.note.clone(),
            before: case.before.clone(),
            snapshot: case.snapshot.clone(),
            actions_taken: case.actions_taken.clone(),
            fixed_rule: case.fixed.as_ref().map(|f| f.rule_id.clone()),
        }
    }

    /// The case again, diagnosed anew from its text and its latest snapshot.
    pub fn reopen(self, knowledge: &Knowledge) -> Case {
        let mut case = Case::with_snapshot(knowledge, self.text, self.note, self.snapshot);
        case.id = self.id;
        case.opened_at = self.opened_at;
        case.before = self.before;
        case.fixed = self
            .fixed_rule
            .as_deref()
            .and_then(|id| knowledge.kb().rule(id))
            .map(|rule| {
                // The values come from the case's own records, as the diagnosis would fill them.
                let done = self
                    .actions_taken
                    .iter()
                    .rev()
                    .find(|a| matches!(a.outcome, Outcome::Done | Outcome::ProblemRemains));
                let port = done.and_then(|a| a.target.port).map(|p| p.to_string());
                let pid = done.and_then(|a| a.target.pid).map(|p| p.to_string());
                let server = case.symptoms.servers.first().map(|s| s.value.clone());
                crate::engine::fixing::Fixed {
                    rule_id: rule.id.clone(),
                    title: rule.title.clone(),
                    next_steps: crate::engine::diagnose::fill_steps(
                        &rule.after_fix,
                        port,
                        pid,
                        server.as_deref(),
                    ),
                }
            });
        case.actions_taken = self.actions_taken;
        case
    }

    fn summary(&self) -> PastCase {
        PastCase {
            id: self.id.clone(),
            opened_at: self.opened_at.clone(),
            title: self.title.clone(),
            host: self.snapshot.as_ref().map(|s| s.host.hostname.clone()),
            actions: self.actions_taken.len(),
            fixed: self
                .actions_taken
                .iter()
                .any(|a| a.outcome == Outcome::Done),
        }
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    let line = line.unwrap_or("(empty text)");
    match line.char_indices().nth(80) {
        Some((i, _)) => format!("{}\u{2026}", &line[..i]),
        None => line.to_owned(),
    }
}

/// The folder of saved cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    dir: PathBuf,
}

impl History {
    /// The `history` folder beside the settings file.
    pub fn next_to(settings: &Path) -> History {
        let parent = settings.parent().unwrap_or_else(|| Path::new("."));
        History {
            dir: parent.join("history"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps `case` (replacing its earlier save) and forgets cases beyond [`KEEP`].
    pub fn save(&self, case: &SavedCase) -> Result<(), SessionError> {
        let path = self.path(&case.id)?;
        std::fs::create_dir_all(&self.dir).map_err(|e| SessionError::Write {
            path: self.dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let json = serde_json::to_vec_pretty(case)
            .map_err(|e| SessionError::Internal(format!("cannot write the case: {e}")))?;
        write_atomic(&path, &json)?;
        let mut ids = self.ids();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for old in ids.iter().skip(KEEP) {
            let _ = std::fs::remove_file(self.dir.join(format!("{old}.json")));
        }
        Ok(())
    }

    /// The cases kept, newest first. A damaged file is skipped, not fatal.
    pub fn list(&self) -> Vec<PastCase> {
        let mut ids = self.ids();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.iter()
            .filter_map(|id| self.load(id).ok())
            .map(|c| c.summary())
            .collect()
    }

    pub fn load(&self, id: &str) -> Result<SavedCase, SessionError> {
        let path = self.path(id)?;
        let (bytes, more) = read_file_limited(&path)?;
        if more {
            return Err(SessionError::Input(format!(
                "{}: too large for a saved case",
                path.display()
            )));
        }
        let case: SavedCase = serde_json::from_slice(&bytes).map_err(|e| {
            SessionError::Input(format!("{}: not a saved case ({e})", path.display()))
        })?;
        if case.schema != CASE_SCHEMA || case.id != id {
            return Err(SessionError::Input(format!(
                "{}: not a saved case of this PortSleuth",
                path.display()
            )));
        }
        Ok(case)
    }

    pub fn delete(&self, id: &str) -> Result<(), SessionError> {
        let path = self.path(id)?;
        std::fs::remove_file(&path).map_err(|e| SessionError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// A case's file. Ids are PortSleuth's own (digits, letters, `-`), never a path.
    fn path(&self, id: &str) -> Result<PathBuf, SessionError> {
        let fine = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !fine {
            return Err(SessionError::Input(format!("'{id}' is not a case id")));
        }
        Ok(self.dir.join(format!("{id}.json")))
    }

    fn ids(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json").map(str::to_owned)
            })
            .filter(|id| self.path(id).is_ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_case_comes_back_with_its_actions_and_can_be_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = History::next_to(&dir.path().join("settings.json"));
        let knowledge = Knowledge::builtin();
        let mut case = Case::open(&knowledge, "Port 110 password rejected".into(), None);
        case.actions_taken.push(ActionRecord {
            at: "2026-12-01T10:00:00Z".into(),
            action_id: "stop_process-1".into(),
            kind: crate::engine::kb::ActionKind::StopProcess,
            label: "Stop process X".into(),
            target: Default::default(),
            commands: Vec::new(),
            outcome: Outcome::Done,
            detail: "stopped".into(),
            verification: None,
            error: None,
            previewed_at: None,
        });
        history.save(&SavedCase::of(&case)).expect("save");
        let list = history.list();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, case.id);
        assert!(list[0].fixed);
        let back = history.load(&case.id).expect("load").reopen(&knowledge);
        assert_eq!(back.actions_taken, case.actions_taken);
        assert_eq!(back.text, case.text);
        history.delete(&case.id).expect("delete");
        assert!(history.list().is_empty());
    }

    #[test]
    fn an_id_that_is_a_path_is_refused() {
        let history = History::next_to(Path::new("/tmp/x/settings.json"));
        assert!(history.load("../settings").is_err());
        assert!(history.delete("a/b").is_err());
    }
}
