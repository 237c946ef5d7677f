//! Step 4's state: which cause's actions are shown, the fix on its worker, the confirmation
//! waiting for the user, and the last thing that happened. Every attempt plans the action
//! again from the machine (`session::fix::attempt`); what the page showed is only the request.

use super::{lost, Engine, Notice};
use crate::engine::diagnose::PlannedAction;
use crate::engine::fixing::ActionRecord;
use crate::engine::kb::ActionKind;
use crate::jobs::{Job, Poll, Wake};
use crate::report::Report;
use crate::session::fix::close::attempt_close;
use crate::session::fix::{attempt, Attempt, Attempted, Prepared, Requested, GRACE};
use std::sync::Arc;

#[derive(Default)]
pub struct FixStep {
    /// The finding whose actions are shown.
    pub finding: usize,
    busy: Option<(String, Job<Attempted>)>,
    /// Waiting for the user to confirm.
    confirm: Option<Prepared>,
    /// The last thing that happened, shown under the buttons.
    pub last: Option<ActionRecord>,
}

impl FixStep {
    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }

    /// What the worker is doing, in words.
    pub fn busy_words(&self) -> Option<&str> {
        self.busy.as_ref().map(|(w, _)| w.as_str())
    }

    /// The re-checked action and its commands, waiting for "Run it".
    pub fn confirmation(&self) -> Option<&Prepared> {
        self.confirm.as_ref()
    }

    pub fn take_confirmation(&mut self) -> Option<Prepared> {
        self.confirm.take()
    }

    pub fn clear_confirmation(&mut self) {
        self.confirm = None;
    }

    /// Plans action `id` of `report` again from this machine on a worker, then previews or
    /// asks. What runs later is the fresh plan's action, never the one the page showed.
    pub fn start(
        &mut self,
        engine: &Engine,
        report: &Report,
        id: &str,
        what: Attempt,
        wake: &Wake,
    ) -> Result<(), Notice> {
        if self.busy.is_some() {
            return Ok(());
        }
        let requested = Requested::from_report(report, id).map_err(|_| {
            Notice::problem(format!(
                "The diagnosis has no action '{id}' any more; run it again."
            ))
        })?;
        let label = report
            .diagnosis
            .findings
            .iter()
            .flat_map(|f| &f.actions)
            .find(|a| a.id == id)
            .map_or(id, |a| a.label.as_str());
        let words = format!("Re-checking the target of \u{201c}{label}\u{201d}\u{2026}");
        self.spawn(
            engine,
            report.input.text.clone(),
            requested,
            what,
            words,
            wake,
        )
    }

    /// Runs a confirmed action on a worker: planned once more from the machine, and run only
    /// if the plan still holds that very action.
    pub fn run(
        &mut self,
        engine: &Engine,
        text: String,
        prepared: &Prepared,
        wake: &Wake,
    ) -> Result<(), Notice> {
        if prepared.action.kind == ActionKind::CloseConnection {
            return self.start_close(engine, prepared.action.clone(), Attempt::Run, wake);
        }
        let requested = Requested::from_action(&prepared.rule_id, &prepared.action);
        let words = format!("{}\u{2026}", prepared.action.label);
        self.spawn(engine, text, requested, Attempt::Run, words, wake)
    }

    /// Finds the table's connection again on this machine on a worker, then asks, previews or
    /// closes it (`session::fix::close`): what is closed comes from that fresh look.
    pub fn start_close(
        &mut self,
        engine: &Engine,
        action: PlannedAction,
        what: Attempt,
        wake: &Wake,
    ) -> Result<(), Notice> {
        if self.busy.is_some() {
            return Ok(());
        }
        let machine = Arc::clone(&engine.machine);
        let words = if what == Attempt::Run {
            format!("{}\u{2026}", action.label)
        } else {
            "Looking for the connection again\u{2026}".to_owned()
        };
        self.start_job(words, wake, move || {
            attempt_close(machine.as_ref(), &action, what)
        })
    }

    /// Runs `work` on the fix's worker, saying `words` meanwhile.
    fn start_job(
        &mut self,
        words: String,
        wake: &Wake,
        work: impl FnOnce() -> Attempted + Send + 'static,
    ) -> Result<(), Notice> {
        let job = Job::spawn("fix", wake, move |_| work())
            .map_err(|e| Notice::problem(format!("cannot start a worker thread: {e}")))?;
        self.busy = Some((words, job));
        Ok(())
    }

    fn spawn(
        &mut self,
        engine: &Engine,
        text: String,
        requested: Requested,
        what: Attempt,
        words: String,
        wake: &Wake,
    ) -> Result<(), Notice> {
        let knowledge = Arc::clone(&engine.knowledge);
        let machine = Arc::clone(&engine.machine);
        self.start_job(words, wake, move || {
            attempt(&knowledge, machine.as_ref(), &text, &requested, what, GRACE)
        })
    }

    /// A record to keep, once the worker finished with one.
    pub fn poll(&mut self, notice: &mut Option<Notice>) -> Option<ActionRecord> {
        let (_, job) = self.busy.as_mut()?;
        match job.poll() {
            Poll::Pending => None,
            Poll::Ready(Attempted::Confirm(prepared)) => {
                self.busy = None;
                self.confirm = Some(prepared);
                None
            }
            Poll::Ready(Attempted::Recorded(record) | Attempted::NotApplicable(record)) => {
                self.busy = None;
                Some(record)
            }
            Poll::Lost => {
                self.busy = None;
                *notice = Some(lost("the fix"));
                None
            }
        }
    }
}
