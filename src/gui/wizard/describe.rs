//! Step 1's state: the error text being edited, what the reader made of it, and the files
//! being opened (read on a worker, never in the frame).

use super::{lost, Engine, Notice, ReportStep};
use crate::engine::model::Span;
use crate::engine::reader::Symptoms;
use crate::jobs::{Job, Poll, Wake};
use crate::report::words::human_bytes;
use crate::session::input::{read_text, text_from_bytes, InputText, TextFrom};
use crate::session::SessionError;
use std::path::PathBuf;
use std::time::Duration;

/// Texts longer than this are not put in an editable box: laying out megabytes every frame
/// would freeze the window. They are read whole and shown as a preview.
pub const EDIT_LIMIT: usize = 256 * 1024;

/// How much of a large text the preview shows.
pub const PREVIEW_BYTES: usize = 32 * 1024;

pub struct DescribeStep {
    pub text: String,
    /// How the text was decoded, when that needs saying (UTF-16, Windows-1252, cut).
    pub note: Option<String>,
    pub symptoms: Symptoms,
    /// Evidence the user clicked: highlighted in the text box.
    pub highlight: Option<Span>,
    /// Why no native file dialog can open here, if it cannot.
    pub no_dialog: Option<String>,
    open_dialog: Option<Job<Option<PathBuf>>>,
    reading: Option<(PathBuf, Job<Result<InputText, SessionError>>)>,
}

impl DescribeStep {
    pub fn new(engine: &Engine) -> Self {
        DescribeStep {
            text: String::new(),
            note: None,
            symptoms: engine.knowledge.reader().read(""),
            highlight: None,
            no_dialog: why_no_file_dialog(),
            open_dialog: None,
            reading: None,
        }
    }

    pub fn busy(&self) -> bool {
        self.open_dialog.is_some() || self.reading.is_some()
    }

    pub fn text_is_large(&self) -> bool {
        self.text.len() > EDIT_LIMIT
    }

    /// Replaces the text (from a file, an example, a paste into a large text) and reads it.
    pub fn set_text(&mut self, engine: &Engine, text: String, note: Option<String>) {
        self.text = text;
        self.note = note;
        self.reread(engine);
    }

    /// Reads the text again after it changed. The reader is fast (≈200 MB/s), so even a 5 MB
    /// paste is read once in a few tens of milliseconds, not per frame.
    pub fn reread(&mut self, engine: &Engine) {
        self.symptoms = engine.knowledge.reader().read(&self.text);
        self.highlight = None;
    }

    /// A paste the text box did not take (a large one, or while it was not focused): added to
    /// the text. `Ok` with what to tell the user; `Err` when it was not text.
    pub fn paste(&mut self, engine: &Engine, pasted: &str) -> Result<Option<Notice>, Notice> {
        if pasted.trim().is_empty() {
            return Err(Notice::problem("The clipboard holds no text to paste."));
        }
        let read = text_from_bytes(pasted.as_bytes(), false)
            .map_err(|e| Notice::problem(format!("That paste is not text: {e}")))?;
        let mut combined = std::mem::take(&mut self.text);
        if !combined.is_empty() && !combined.ends_with('\n') {
            combined.push('\n');
        }
        combined.push_str(&read.text);
        let large = combined.len() > EDIT_LIMIT;
        self.set_text(engine, combined, read.note);
        Ok(large.then(|| {
            Notice::info(format!(
                "Pasted {}: read in full; only the first {} is shown for speed.",
                human_bytes(read.text.len()),
                human_bytes(PREVIEW_BYTES)
            ))
        }))
    }

    /// Reads a file on a worker; [`DescribeStep::poll`] takes the text in.
    pub fn open_file(&mut self, path: &std::path::Path, wake: &Wake) {
        let owned = path.to_path_buf();
        if let Ok(job) = Job::spawn("open-file", wake, move |_| {
            read_text(TextFrom::File(&owned))
        }) {
            self.reading = Some((path.to_path_buf(), job));
        }
    }

    /// Opens the native file dialog on a worker, or says why none can open here.
    pub fn open_with_dialog(&mut self, wake: &Wake, report: &ReportStep) -> Result<(), Notice> {
        if let Some(why) = self.no_dialog.as_ref().or(report.no_dialog.as_ref()) {
            return Err(Notice::info(format!(
                "{why}. Drop the file onto this window, or paste its text."
            )));
        }
        if self.open_dialog.is_some() {
            return Ok(());
        }
        let job = Job::spawn("open-dialog", wake, |_| {
            rfd::FileDialog::new()
                .set_title("Open an error text or log")
                .add_filter(
                    "Text and logs",
                    &["txt", "log", "xml", "csv", "json", "out", "err"],
                )
                .add_filter("All files", &["*"])
                .pick_file()
        })
        .map_err(|e| Notice::problem(format!("cannot open the file dialog: {e}")))?;
        self.open_dialog = Some(job);
        Ok(())
    }

    /// Takes in a file that finished reading (`Some`: the text was replaced, or why not) and
    /// starts reading a file the dialog chose.
    pub fn poll(&mut self, engine: &Engine, wake: &Wake) -> Option<Result<Option<Notice>, Notice>> {
        if let Some(job) = &mut self.open_dialog {
            let started = job.started;
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(chosen) => {
                    self.open_dialog = None;
                    match chosen {
                        // The dialog's answer is only a path: the file is read on a worker.
                        Some(path) => self.open_file(&path, wake),
                        None if started.elapsed() < Duration::from_millis(250) => {
                            let why = no_dialog_opened();
                            self.no_dialog = Some(why.clone());
                            return Some(Err(Notice::info(format!(
                                "{why}. Drop the file onto this window, or paste its text."
                            ))));
                        }
                        None => {}
                    }
                }
                Poll::Lost => {
                    self.open_dialog = None;
                    return Some(Err(lost("the file dialog")));
                }
            }
        }
        let (path, job) = self.reading.as_mut()?;
        let path = path.clone();
        let answer = match job.poll() {
            Poll::Pending => return None,
            Poll::Lost => Err(lost("reading the file")),
            Poll::Ready(Err(e)) => Err(Notice::problem(e.to_string())),
            Poll::Ready(Ok(read)) => {
                let words = format!(
                    "Opened {} ({})",
                    path.display(),
                    human_bytes(read.text.len())
                );
                self.set_text(engine, read.text, read.note);
                Ok(Some(Notice::info(words)))
            }
        };
        self.reading = None;
        Some(answer)
    }
}

/// What a dialog that came back empty at once means: no person cancels a dialog within a
/// quarter second.
pub(super) fn no_dialog_opened() -> String {
    "No file dialog could open on this desktop (no XDG portal answered and zenity is not installed)"
        .into()
}

/// Why no native file dialog can open here, if that is known before trying.
pub(super) fn why_no_file_dialog() -> Option<String> {
    if !cfg!(any(target_os = "linux", target_os = "freebsd")) {
        return None;
    }
    let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let zenity = crate::platform::runner::on_path("zenity");
    (!portal && !zenity).then(|| {
        "No file dialog is available on this desktop (no D-Bus session for the XDG portal, and zenity is not installed)".to_owned()
    })
}
