//! Step 5's state: the format, redaction, where to save, the native dialog and the save itself
//! on workers, and the preview (rendered once per case version and format).

use super::describe::{no_dialog_opened, why_no_file_dialog};
use super::{lost, Notice};
use crate::jobs::{Job, Poll, Wake};
use crate::report::words::human_bytes;
use crate::report::{Format, Report};
use crate::session::SessionError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How a report reaches the disk: atomically by default; tests put a slow one in its place.
pub type Writer = Arc<dyn Fn(&Path, &[u8]) -> Result<(), SessionError> + Send + Sync>;

/// What a save on its worker found.
enum Saved {
    Done {
        path: PathBuf,
        bytes: usize,
    },
    /// The file exists: ask before replacing it.
    Exists(PathBuf),
    Refused(String),
}

pub struct ReportStep {
    pub format: Format,
    pub redact: bool,
    /// The inline path field (always there; the main way when no file dialog can open).
    pub path_text: String,
    /// Why no native file dialog can open here, if it cannot.
    pub no_dialog: Option<String>,
    dialog: Option<Job<Option<PathBuf>>>,
    /// The path the save dialog chose, waiting to be saved to.
    chosen: Option<PathBuf>,
    saving: Option<Job<Saved>>,
    /// A file that exists, waiting for "Replace".
    pub confirm_replace: Option<PathBuf>,
    /// The report saved last, for *Open* and *Open folder*.
    pub saved: Option<PathBuf>,
    /// Counts the times the path field was asked to take the focus (Ctrl+S with no dialog).
    pub focus_path: u64,
    pub status: Option<Notice>,
    preview: Option<((Format, bool, u64), String)>,
    writer: Writer,
    /// The folder the last report went to (kept in the settings for the next start).
    pub last_folder: Option<PathBuf>,
}

impl ReportStep {
    pub fn new(format: Format, redact: bool) -> Self {
        ReportStep {
            format,
            redact,
            path_text: default_save_path(format),
            no_dialog: why_no_file_dialog(),
            dialog: None,
            chosen: None,
            saving: None,
            confirm_replace: None,
            saved: None,
            focus_path: 0,
            status: None,
            preview: None,
            writer: Arc::new(crate::session::files::write_atomic),
            last_folder: None,
        }
    }

    /// Offers `folder` (where the last report was saved) for the next report.
    pub fn set_folder(&mut self, folder: PathBuf) {
        let name = PathBuf::from(&self.path_text)
            .file_name()
            .map(std::ffi::OsStr::to_os_string);
        let mut path = folder.clone();
        if let Some(name) = name {
            path.push(name);
        }
        self.path_text = path.display().to_string();
        self.last_folder = Some(folder);
    }

    /// Names the report after the case (host, then when it was opened) unless the user typed
    /// a name of their own: `portsleuth-exch01-20261201T101500Z-3.html`.
    pub fn name_for_case(&mut self, host: &str, case_id: &str) {
        let typed = PathBuf::from(&self.path_text);
        let ours = typed
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with("portsleuth-"));
        if !ours {
            return;
        }
        let safe = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .take(64)
                .collect()
        };
        let host = match safe(host) {
            h if h.is_empty() => "case".to_owned(),
            h => h,
        };
        let name = format!(
            "portsleuth-{host}-{}.{}",
            safe(case_id),
            self.format.extension()
        );
        let path = match typed.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        };
        self.path_text = path.display().to_string();
    }

    /// Puts another writer in place of the atomic one (tests of a slow disk).
    pub fn set_writer(&mut self, writer: Writer) {
        self.writer = writer;
    }

    pub fn busy(&self) -> bool {
        self.dialog.is_some() || self.saving.is_some()
    }

    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some()
    }

    pub fn saving(&self) -> bool {
        self.saving.is_some()
    }

    pub fn set_format(&mut self, f: Format) {
        self.format = f;
        let p = PathBuf::from(&self.path_text).with_extension(f.extension());
        self.path_text = p.display().to_string();
    }

    /// The rendering shown as the preview, made again only when the case, the format or the
    /// redaction changed. HTML source is no preview for a person: its content is shown as text.
    pub fn preview(&mut self, version: u64, report: impl FnOnce() -> Report) -> Option<&str> {
        let key = (self.format, self.redact, version);
        if self.preview.as_ref().map(|(k, _)| *k) != Some(key) {
            let shown = match self.format {
                Format::Html => Format::Text,
                f => f,
            };
            let text = crate::report::render(&report(), shown, self.redact);
            self.preview = Some((key, text));
        }
        self.preview.as_ref().map(|(_, t)| t.as_str())
    }

    pub fn preview_text(&self) -> Option<&str> {
        self.preview.as_ref().map(|(_, t)| t.as_str())
    }

    pub fn take_chosen_path(&mut self) -> Option<PathBuf> {
        self.chosen.take()
    }

    pub fn save_to_typed_path(&mut self, rendered: Option<String>, wake: &Wake) {
        let path = expand_home(self.path_text.trim());
        self.save_to(path, false, rendered, wake);
    }

    pub fn replace_confirmed(&mut self, rendered: Option<String>, wake: &Wake) {
        if let Some(path) = self.confirm_replace.take() {
            self.save_to(path, true, rendered, wake);
        }
    }

    /// Saves on a worker: whether the path is a folder or exists is found out there too, so a
    /// slow or hung disk never holds the window.
    pub fn save_to(&mut self, path: PathBuf, replace: bool, rendered: Option<String>, wake: &Wake) {
        if path.as_os_str().is_empty() {
            self.status = Some(Notice::problem("Type where to save the report first."));
            return;
        }
        let Some(text) = rendered else { return };
        if self.saving.is_some() {
            return;
        }
        self.path_text = path.display().to_string();
        let writer = Arc::clone(&self.writer);
        let job = Job::spawn("save", wake, move |_| {
            if path.is_dir() {
                return Saved::Refused(format!("{} is a folder: add a file name", path.display()));
            }
            if !replace && std::fs::symlink_metadata(&path).is_ok() {
                return Saved::Exists(path);
            }
            match writer(&path, text.as_bytes()) {
                Ok(()) => Saved::Done {
                    path,
                    bytes: text.len(),
                },
                Err(e) => Saved::Refused(format!(
                    "Not saved: {e}. Nothing was written; choose another place."
                )),
            }
        });
        match job {
            Ok(job) => {
                self.status = Some(Notice::info("Saving\u{2026}"));
                self.saving = Some(job);
            }
            Err(e) => self.status = Some(Notice::problem(format!("cannot save: {e}"))),
        }
    }

    pub fn save_with_dialog(&mut self, wake: &Wake) {
        if let Some(why) = &self.no_dialog {
            self.status = Some(Notice::info(format!(
                "{why}. Type the path in the Save to field and press Save."
            )));
            self.focus_path += 1;
            return;
        }
        if self.dialog.is_some() {
            return;
        }
        let format = self.format;
        let typed = PathBuf::from(&self.path_text);
        let file_name = typed.file_name().map_or_else(
            || default_file_name(format),
            |n| n.to_string_lossy().into_owned(),
        );
        let start_dir = typed.parent().map(Path::to_path_buf);
        let job = Job::spawn("save-dialog", wake, move |_| {
            let mut dialog = rfd::FileDialog::new()
                .set_title("Save the PortSleuth report")
                .set_file_name(file_name)
                .add_filter(format.label(), &[format.extension()]);
            if let Some(dir) = start_dir.filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(dir);
            }
            dialog.save_file()
        });
        match job {
            Ok(job) => self.dialog = Some(job),
            Err(e) => {
                self.status = Some(Notice::problem(format!("cannot open the file dialog: {e}")))
            }
        }
    }

    /// Takes in the dialog's answer and the save's outcome.
    pub fn poll(&mut self) {
        if let Some(job) = &mut self.dialog {
            let started = job.started;
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(Some(path)) => {
                    self.dialog = None;
                    self.chosen = Some(path);
                }
                Poll::Ready(None) => {
                    self.dialog = None;
                    if started.elapsed() < Duration::from_millis(250) {
                        let why = no_dialog_opened();
                        self.status = Some(Notice::info(format!(
                            "{why}. Type the path in the Save to field and press Save."
                        )));
                        self.no_dialog = Some(why);
                        self.focus_path += 1;
                    }
                }
                Poll::Lost => {
                    self.dialog = None;
                    self.status = Some(lost("the file dialog"));
                }
            }
        }
        let Some(job) = &mut self.saving else { return };
        let outcome = match job.poll() {
            Poll::Pending => return,
            Poll::Lost => {
                self.saving = None;
                self.status = Some(lost("the save"));
                return;
            }
            Poll::Ready(outcome) => outcome,
        };
        self.saving = None;
        match outcome {
            Saved::Done { path, bytes } => {
                self.last_folder = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(Path::to_path_buf);
                self.saved = Some(path.clone());
                self.status = Some(Notice::info(format!(
                    "Saved the {} report to {} ({}).",
                    self.format.label(),
                    path.display(),
                    human_bytes(bytes)
                )));
            }
            Saved::Exists(path) => {
                self.status = None;
                self.confirm_replace = Some(path);
            }
            Saved::Refused(words) => self.status = Some(Notice::problem(words)),
        }
    }
}

fn default_file_name(format: Format) -> String {
    format!("portsleuth-report.{}", format.extension())
}

fn default_save_path(format: Format) -> String {
    let dir = dirs::document_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir);
    dir.join(default_file_name(format)).display().to_string()
}

fn expand_home(typed: &str) -> PathBuf {
    match (typed.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(typed),
    }
}
