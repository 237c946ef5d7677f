//! Step 2's state: the scan on its worker, the snapshot it gave, and the socket table.

use super::{lost, Engine, Notice};
use crate::engine::snapshot::Snapshot;
use crate::gui::table::SocketTable;
use crate::jobs::{Poll, Wake};
use crate::platform::{start_scan, Progress, ScanError, ScanJob, ScanOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub enum ScanStage {
    NotStarted,
    Running(ScanJob),
    Done { took: Duration },
    Cancelled,
    Failed(String),
}

pub struct ScanStep {
    pub stage: ScanStage,
    /// What the last scan (or a loaded snapshot) showed.
    pub snapshot: Option<Snapshot>,
    pub table: SocketTable,
    /// The machine before the latest fix (the case's "before"), once a fix was done.
    pub before: Option<Snapshot>,
    /// The table shows `before` instead of the latest scan.
    pub showing_before: bool,
    /// The table row whose properties are shown.
    pub properties: Option<usize>,
    /// The running scan was started by a fix: its result is the case's "after".
    pub after_fix: bool,
    /// The snapshot was loaded from a file the user chose, not taken here.
    pub loaded: bool,
    /// Scan again this often while the Scan page shows (off by default), marking what changed.
    pub auto_refresh: Option<Duration>,
    /// The running scan is an automatic refresh: its rows are marked against the last ones.
    pub refreshing: bool,
    /// When the last scan finished, for the refresh interval.
    pub finished_at: Option<Instant>,
}

impl Default for ScanStep {
    fn default() -> Self {
        ScanStep {
            stage: ScanStage::NotStarted,
            snapshot: None,
            table: SocketTable::default(),
            before: None,
            showing_before: false,
            properties: None,
            after_fix: false,
            loaded: false,
            auto_refresh: None,
            refreshing: false,
            finished_at: None,
        }
    }
}

impl ScanStep {
    pub fn running(&self) -> bool {
        matches!(self.stage, ScanStage::Running(_))
    }

    /// The scan's latest progress and when it started, while it runs.
    pub fn progress(&self) -> Option<(Option<&Progress>, Instant)> {
        match &self.stage {
            ScanStage::Running(job) => Some((job.progress(), job.started)),
            _ => None,
        }
    }

    /// A full scan: the table shows every socket, with the error's ports pinned on top.
    pub fn start(&mut self, engine: &Engine, wake: &Wake) -> Result<(), Notice> {
        if self.running() {
            return Ok(());
        }
        let job = start_scan(Arc::clone(&engine.machine), ScanOptions::default(), wake)
            .map_err(|e| Notice::problem(format!("cannot start the scan: {e}")))?;
        self.stage = ScanStage::Running(job);
        // A scan taken here replaces a loaded snapshot: it is of this machine.
        self.loaded = false;
        Ok(())
    }

    /// Whether an automatic refresh is due now: it is on, the last scan is done and at
    /// least the interval old, and the table shows the latest scan of this machine.
    pub fn refresh_due(&self) -> bool {
        let Some(every) = self.auto_refresh else {
            return false;
        };
        matches!(self.stage, ScanStage::Done { .. })
            && !self.loaded
            && !self.showing_before
            && self.finished_at.is_none_or(|t| t.elapsed() >= every)
    }

    pub fn cancel(&self) {
        if let ScanStage::Running(job) = &self.stage {
            job.cancel();
        }
    }

    /// The scan's result, once it has one.
    pub fn poll(&mut self) -> Option<Result<Snapshot, ScanError>> {
        let ScanStage::Running(job) = &mut self.stage else {
            return None;
        };
        match job.poll() {
            Poll::Pending => None,
            Poll::Ready(result) => Some(result),
            Poll::Lost => {
                self.stage = ScanStage::Failed(lost("the scan").words);
                None
            }
        }
    }

    /// Keeps a finished scan; returns whether there is a new snapshot to diagnose with.
    pub fn finish(&mut self, result: Result<Snapshot, ScanError>, pinned: &[u16]) -> bool {
        let took = match &self.stage {
            ScanStage::Running(job) => job.started.elapsed(),
            _ => Duration::ZERO,
        };
        let refreshing = std::mem::take(&mut self.refreshing);
        self.finished_at = Some(Instant::now());
        match result {
            Ok(snapshot) => {
                // A refresh of the table shown marks what changed; any other scan starts the
                // table afresh.
                if refreshing && !self.showing_before {
                    self.table.load_refreshed(&snapshot, pinned);
                } else {
                    self.table.load(&snapshot, pinned);
                }
                self.showing_before = false;
                self.snapshot = Some(snapshot);
                self.stage = ScanStage::Done { took };
                true
            }
            Err(ScanError::Cancelled) => {
                self.stage = ScanStage::Cancelled;
                false
            }
            Err(e) => {
                self.stage = ScanStage::Failed(e.to_string());
                false
            }
        }
    }

    /// Shows the machine before the latest fix, or after it, in the table.
    pub fn show_before(&mut self, before: bool, pinned: &[u16]) {
        let shown = if before {
            self.before.as_ref()
        } else {
            self.snapshot.as_ref()
        };
        if let Some(s) = shown {
            self.table.load(s, pinned);
            self.showing_before = before;
        }
    }

    /// The scans of a case opened from the history.
    pub fn show_case(&mut self, case: &crate::session::Case, pinned: &[u16]) {
        if self.running() {
            return;
        }
        *self = ScanStep::default();
        if let Some(s) = &case.snapshot {
            self.table.load(s, pinned);
            self.snapshot = Some(s.clone());
            self.stage = ScanStage::Done {
                took: Duration::ZERO,
            };
        }
        self.before = case.before.clone();
    }

    /// A new case: the last scan described the machine for the old text's ports.
    pub fn forget_snapshot(&mut self) {
        if !self.running() {
            *self = ScanStep::default();
        }
    }
}
