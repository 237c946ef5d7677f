//! Work that must not run on the UI thread (scans, fixes, file dialogs) runs on a named worker
//! thread; the frame only polls for the finished result. A worker asks for a repaint when it
//! is done, so an idle window draws nothing.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

/// Asks the UI for a new frame; called from worker threads.
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

/// A repaint request that does nothing (for the CLI-less tests of the wizard).
pub fn no_repaint() -> Repaint {
    Arc::new(|| {})
}

/// What polling a job gives.
#[derive(Debug)]
pub enum Poll<T> {
    Pending,
    Ready(T),
    /// The worker ended without an answer (it panicked): a bug, said as such to the user.
    Lost,
}

/// One piece of work on a worker thread.
pub struct Job<T> {
    rx: Receiver<T>,
    pub started: Instant,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a thread named `portsleuth-{name}`.
    pub fn spawn(
        name: &str,
        repaint: &Repaint,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let repaint = Arc::clone(repaint);
        std::thread::Builder::new()
            .name(format!("portsleuth-{name}"))
            .spawn(move || {
                let _ = tx.send(work());
                repaint();
            })?;
        Ok(Job {
            rx,
            started: Instant::now(),
        })
    }

    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(v) => Poll::Ready(v),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Lost,
        }
    }
}
