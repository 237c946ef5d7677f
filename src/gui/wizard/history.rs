//! The recent cases' state: the list, and the saves, loads and deletes running on workers.
//! The disk is only ever touched by a [`Job`]; the frame reads what they finished.

use super::{lost, Engine, Notice};
use crate::jobs::{Job, Poll, Wake};
use crate::session::history::{History, PastCase, SavedCase};
use crate::session::{Case, SessionError};
use std::sync::Arc;

/// What a worker on the history gives back: the list as it is now, and a case it opened.
type Done = Result<(Vec<PastCase>, Option<Case>), SessionError>;

#[derive(Default)]
pub struct HistoryStep {
    store: Option<History>,
    pub cases: Vec<PastCase>,
    /// The History window is open.
    pub open: bool,
    jobs: Vec<Job<Done>>,
    /// What the user asked the opened case for: go to the Report step and save it.
    export_next: bool,
}

/// What [`HistoryStep::poll`] hands the wizard.
pub enum Finished {
    Opened { case: Box<Case>, export: bool },
    Problem(Notice),
}

impl HistoryStep {
    pub fn new(store: Option<History>, wake: &Wake) -> Self {
        let mut step = HistoryStep {
            store,
            ..HistoryStep::default()
        };
        step.spawn(wake, |_, h| Ok((h.list(), None)));
        step
    }

    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Whether cases are kept at all (not in tests without a settings folder).
    pub fn kept(&self) -> bool {
        self.store.is_some()
    }

    /// Keeps `case` in the history, on a worker.
    pub fn keep(&mut self, case: &Case, wake: &Wake) {
        let saved = SavedCase::of(case);
        self.spawn(wake, move |_, h| {
            h.save(&saved)?;
            Ok((h.list(), None))
        });
    }

    /// Loads a past case on a worker; it is diagnosed anew with today's rules.
    pub fn open_case(&mut self, engine: &Engine, id: String, export: bool, wake: &Wake) {
        self.export_next = export;
        let knowledge = Arc::clone(&engine.knowledge);
        self.spawn(wake, move |_, h| {
            let case = h.load(&id)?.reopen(&knowledge);
            Ok((h.list(), Some(case)))
        });
    }

    pub fn delete(&mut self, id: String, wake: &Wake) {
        self.cases.retain(|c| c.id != id);
        self.spawn(wake, move |_, h| {
            h.delete(&id)?;
            Ok((h.list(), None))
        });
    }

    fn spawn(
        &mut self,
        wake: &Wake,
        work: impl FnOnce(&crate::jobs::Worker<()>, &History) -> Done + Send + 'static,
    ) {
        let Some(store) = self.store.clone() else {
            return;
        };
        if let Ok(job) = Job::spawn("history", wake, move |w| work(w, &store)) {
            self.jobs.push(job);
        }
    }

    /// Takes in what the workers finished, in the order they were started.
    pub fn poll(&mut self) -> Vec<Finished> {
        let mut finished = Vec::new();
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].poll() {
                Poll::Pending => {
                    i += 1;
                    continue;
                }
                Poll::Ready(Ok((cases, opened))) => {
                    self.cases = cases;
                    if let Some(case) = opened {
                        finished.push(Finished::Opened {
                            case: Box::new(case),
                            export: std::mem::take(&mut self.export_next),
                        });
                    }
                }
                Poll::Ready(Err(e)) => finished.push(Finished::Problem(Notice::problem(format!(
                    "Recent cases: {e}"
                )))),
                Poll::Lost => finished.push(Finished::Problem(lost("the history of cases"))),
            }
            self.jobs.remove(i);
        }
        finished
    }

    /// Waits for the saves under way (on exit, and in tests).
    pub fn wait(&mut self) {
        for job in self.jobs.drain(..) {
            if let Some(Ok((cases, _))) = job.wait(|_| {}) {
                self.cases = cases;
            }
        }
    }
}
