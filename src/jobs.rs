//! The one way PortSleuth works in the background: a named worker thread that can report
//! progress, be asked to stop, and hands back one result. The wizard runs every scan, fix,
//! probe, file read, save and settings write as a [`Job`] and only polls for the answer, so a
//! frame never waits; a worker wakes the window when it has news, so an idle window draws
//! nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

/// Called from a worker when it has something to say (the wizard asks for a repaint).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// A wake-up that does nothing (the command line, and tests without a window).
pub fn no_wake() -> Wake {
    Arc::new(|| {})
}

/// A progress report from the worker (the result has a channel of its own).
struct Message<P>(P);

/// What polling a job gives.
#[derive(Debug)]
pub enum Poll<T> {
    Pending,
    Ready(T),
    /// The worker ended without an answer (it panicked): a bug, said as such to the user.
    Lost,
}

/// The worker's side: report progress, and look whether it was asked to stop.
pub struct Worker<P> {
    tx: Sender<Message<P>>,
    cancel: Arc<AtomicBool>,
    wake: Wake,
}

impl<P> Worker<P> {
    pub fn progress(&self, p: P) {
        let _ = self.tx.send(Message(p));
        (self.wake)();
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The stop flag itself, for code that checks it between steps of its own.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

/// One piece of work on a worker thread, with its progress (`P`) and its result (`T`).
pub struct Job<T, P = ()> {
    progress_rx: Receiver<Message<P>>,
    result_rx: Receiver<T>,
    cancel: Arc<AtomicBool>,
    last: Option<P>,
    pub started: Instant,
}

impl<T: Send + 'static, P: Send + 'static> Job<T, P> {
    /// Runs `work` on a thread named `portsleuth-{name}`.
    pub fn spawn(
        name: &str,
        wake: &Wake,
        work: impl FnOnce(&Worker<P>) -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let (progress_tx, progress_rx) = mpsc::channel();
        let (result_tx, result_rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            tx: progress_tx,
            cancel: Arc::clone(&cancel),
            wake: Arc::clone(wake),
        };
        #[allow(clippy::disallowed_methods)] // This is the job mechanism itself.
        std::thread::Builder::new()
            .name(format!("portsleuth-{name}"))
            .spawn(move || {
                let result = work(&worker);
                let _ = result_tx.send(result);
                (worker.wake)();
            })?;
        Ok(Job {
            progress_rx,
            result_rx,
            cancel,
            last: None,
            started: Instant::now(),
        })
    }

    /// Takes in the progress reported so far and the result, if the work is done.
    pub fn poll(&mut self) -> Poll<T> {
        self.drain_progress();
        match self.result_rx.try_recv() {
            Ok(v) => Poll::Ready(v),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Lost,
        }
    }

    /// Waits at most `timeout` for the result: `Pending` when it has not come by then (the
    /// worker goes on; its answer is dropped). For work bounded by a deadline, such as a
    /// name lookup that getaddrinfo cannot cancel.
    pub fn wait_timeout(&mut self, timeout: std::time::Duration) -> Poll<T> {
        self.drain_progress();
        match self.result_rx.recv_timeout(timeout) {
            Ok(v) => Poll::Ready(v),
            Err(mpsc::RecvTimeoutError::Timeout) => Poll::Pending,
            Err(mpsc::RecvTimeoutError::Disconnected) => Poll::Lost,
        }
    }

    /// The latest progress the worker reported.
    pub fn progress(&self) -> Option<&P> {
        self.last.as_ref()
    }

    /// Asks the worker to stop; it answers with whatever it returns when it notices.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Waits for the result, passing each progress report to `on_progress` as it comes.
    /// `None` when the worker ended without an answer.
    pub fn wait(self, mut on_progress: impl FnMut(P)) -> Option<T> {
        for Message(p) in self.progress_rx.iter() {
            on_progress(p);
        }
        self.result_rx.recv().ok()
    }

    fn drain_progress(&mut self) {
        while let Ok(Message(p)) = self.progress_rx.try_recv() {
            self.last = Some(p);
        }
    }
}

/// Runs `work` on every item on a pool of named worker threads (`portsleuth-pool-N`, one per
/// core), and hands back the results in the items' order. The command line's batch work
/// (`triage`) uses it; it waits for all of them, so the wizard never calls it from a frame.
pub fn map_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("portsleuth-pool-{i}"))
        .build()
    {
        Ok(pool) => pool.install(|| items.par_iter().map(&work).collect()),
        // Without threads to be had, the same work runs here, one item after another.
        Err(_) => items.iter().map(work).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn a_job_reports_progress_answers_once_and_can_be_stopped() {
        let (go_tx, go_rx) = channel::<()>();
        let job: Job<u32, u8> = Job::spawn("test", &no_wake(), move |w| {
            w.progress(1);
            let _ = go_rx.recv();
            if w.cancelled() {
                0
            } else {
                42
            }
        })
        .expect("spawn");
        job.cancel();
        go_tx.send(()).expect("release");
        let mut seen = Vec::new();
        assert_eq!(job.wait(|p| seen.push(p)), Some(0));
        assert_eq!(seen, vec![1]);
        let mut quick: Job<&str> = Job::spawn("quick", &no_wake(), |_| "done").expect("spawn");
        let answer = loop {
            match quick.poll() {
                Poll::Pending => std::thread::yield_now(),
                other => break other,
            }
        };
        assert!(matches!(answer, Poll::Ready("done")));
    }
}
