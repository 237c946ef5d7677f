//! Step 4's state: which cause's actions are shown, the fix on its worker, the confirmation
//! waiting for the user, and the last thing that happened.

use super::{lost, Engine, Notice};
use crate::engine::fixing::ActionRecord;
use crate::jobs::{Job, Poll, Wake};
use crate::report::Report;
use crate::session::fix::{
    attempt, execute, find_action, Attempt, Attempted, FixOptions, Prepared, GRACE,
};
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

    /// Re-checks the target of action `id` on a worker, then previews or asks.
    pub fn start(
        &mut self,
        engine: &Engine,
        report: Report,
        id: &str,
        what: Attempt,
        wake: &Wake,
    ) -> Result<(), Notice> {
        if self.busy.is_some() {
            return Ok(());
        }
        let action = find_action(&report, id)
            .map_err(|_| {
                Notice::problem(format!(
                    "The diagnosis has no action '{id}' any more; run it again."
                ))
            })?
            .clone();
        let words = format!(
            "Re-checking the target of \u{201c}{}\u{201d}\u{2026}",
            action.label
        );
        let machine = Arc::clone(&engine.machine);
        let job = Job::spawn("fix", wake, move |_| {
            attempt(machine.as_ref(), &report, &action, what, GRACE)
        })
        .map_err(|e| Notice::problem(format!("cannot start a worker thread: {e}")))?;
        self.busy = Some((words, job));
        Ok(())
    }

    /// Runs a confirmed action on a worker.
    pub fn run(
        &mut self,
        engine: &Engine,
        prepared: Prepared,
        wake: &Wake,
        notice: &mut Option<Notice>,
    ) {
        let words = format!("{}\u{2026}", prepared.action.label);
        let machine = Arc::clone(&engine.machine);
        let job = Job::spawn("fix", wake, move |_| {
            let options = FixOptions {
                dry_run: false,
                grace: GRACE,
            };
            Attempted::Recorded(execute(machine.as_ref(), &prepared, &options))
        });
        match job {
            Ok(job) => self.busy = Some((words, job)),
            Err(e) => {
                *notice = Some(Notice::problem(format!(
                    "cannot start a worker thread: {e}"
                )))
            }
        }
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
            Poll::Ready(Attempted::Recorded(record)) => {
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
