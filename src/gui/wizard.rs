//! The wizard's state and everything it does, without drawing: read the text, scan, diagnose,
//! fix, save. The pages draw this state and return commands; [`Wizard::apply`] carries them
//! out. Nothing here decides anything the CLI does not: the same reader, scanner, rules, fix
//! checks and renderers.

use super::jobs::{Job, Poll, Repaint};
use super::settings::Settings;
use super::sockets::SocketTable;
use crate::cli::{make_report, render_report, Format};
use crate::engine::diagnosis::PlannedAction;
use crate::engine::fixing::{ActionRecord, Outcome};
use crate::engine::kb::{KbError, KnowledgeBase};
use crate::engine::model::Span;
use crate::engine::report::Report;
use crate::engine::snapshot::Snapshot;
use crate::engine::symptoms::{Reader, Symptoms};
use crate::engine::text::{decode_input, Decoded};
use crate::files::write_atomic;
use crate::fix::{self, FixOptions};
use crate::platform::{self, Progress, ScanEvent, ScanJob, ScanOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Texts longer than this are not put in an editable box: laying out megabytes every frame
/// would freeze the window. They are read whole and shown as a preview.
pub const EDIT_LIMIT: usize = 256 * 1024;

/// How much of a large text the preview shows.
pub const PREVIEW_BYTES: usize = 32 * 1024;

/// Seconds a process gets to exit politely before it is stopped by force, as in the CLI.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Describe,
    Scan,
    Diagnosis,
    Fix,
    Report,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Describe,
        Step::Scan,
        Step::Diagnosis,
        Step::Fix,
        Step::Report,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Describe => "Describe",
            Step::Scan => "Scan",
            Step::Diagnosis => "Diagnosis",
            Step::Fix => "Fix",
            Step::Report => "Report",
        }
    }

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// A message across the top of the page: what just happened or went wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub words: String,
}

pub enum ScanStage {
    NotStarted,
    Running {
        job: ScanJob,
        progress: Option<Progress>,
        started: Instant,
    },
    Done {
        took: Duration,
    },
    Cancelled,
    Failed(String),
}

/// What a fix worker hands back.
pub enum FixResult {
    /// The target was re-checked and these commands would run: ask the user.
    Confirm {
        action: PlannedAction,
        commands: Vec<String>,
    },
    /// Something was recorded: a preview, a refusal, or the action done and verified.
    Recorded(ActionRecord),
}

#[derive(Default)]
pub struct FixStage {
    /// The finding whose actions are shown.
    pub finding: usize,
    pub busy: Option<(String, Job<FixResult>)>,
    /// Waiting for the user to confirm.
    pub confirm: Option<(PlannedAction, Vec<String>)>,
    /// The last thing that happened, shown under the buttons.
    pub last: Option<ActionRecord>,
}

pub struct SaveStage {
    pub format: Format,
    pub redact: bool,
    /// The inline path field (always there; the main way when no file dialog can open).
    pub path_text: String,
    /// Why no native file dialog can open here, if it cannot.
    pub no_dialog: Option<String>,
    pub dialog: Option<Job<Option<PathBuf>>>,
    /// The Open file… dialog of the Describe page.
    pub open_dialog: Option<Job<Option<PathBuf>>>,
    /// A file that exists, waiting for "Replace".
    pub confirm_replace: Option<PathBuf>,
    pub status: Option<Notice>,
    preview: Option<((Format, bool, u64), String)>,
}

/// Everything a page may ask for. Pages return these; the app applies them once per frame.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    GoTo(Step),
    /// The text box changed (the page edits `Wizard::text` directly).
    TextEdited,
    Paste(String),
    OpenFile(PathBuf),
    OpenWithDialog,
    LoadExample(usize),
    ClearText,
    StartScan,
    CancelScan,
    DiagnoseWithoutScan,
    /// Diagnose the edited text again with the snapshot already taken.
    Rediagnose,
    /// Evidence → the socket table row for this port / process.
    ShowSocket {
        port: Option<u16>,
        pid: Option<u32>,
    },
    /// Evidence → the words in the pasted text.
    ShowText(Span),
    ChooseFinding(usize),
    Preview(String),
    AskToRun(String),
    ConfirmRun,
    CancelRun,
    SetFormat(Format),
    SetRedact(bool),
    SaveWithDialog,
    SaveToTypedPath,
    ReplaceConfirmed,
    ReplaceCancelled,
    CopyReport,
    RestartElevated,
    DismissNotice,
    /// Something went wrong outside the wizard (a dropped file that cannot be read).
    Problem(String),
}

/// The knowledge base and the reader built from it: about 100 ms of work, which the window
/// does on a thread of its own while the operating system opens the window.
pub struct Engine {
    pub kb: &'static KnowledgeBase,
    pub reader: Reader<'static>,
    pub kb_dirs: Vec<PathBuf>,
    pub kb_errors: Vec<KbError>,
}

impl Engine {
    /// The built-in knowledge base plus the user's and `--kb` folders (a folder that cannot be
    /// read becomes a rule-file problem, said on the first page).
    pub fn load(kb_dirs: Vec<PathBuf>) -> Engine {
        let (kb, kb_errors) = match crate::cli::load_kb(&kb_dirs) {
            Ok(loaded) => loaded,
            Err(e) => (
                KnowledgeBase::builtin(),
                vec![KbError {
                    file: "--kb".into(),
                    line: None,
                    message: format!("{e:#}"),
                }],
            ),
        };
        // The knowledge base lives as long as the window; the reader borrows it.
        let kb: &'static KnowledgeBase = Box::leak(Box::new(kb));
        Engine {
            kb,
            reader: Reader::new(kb),
            kb_dirs,
            kb_errors,
        }
    }
}

pub struct Wizard {
    kb: &'static KnowledgeBase,
    reader: Reader<'static>,
    kb_dirs: Vec<PathBuf>,
    kb_errors: Vec<KbError>,
    repaint: Repaint,

    pub step: Step,
    pub text: String,
    /// How the text was decoded, when that needs saying (UTF-16, Windows-1252, cut).
    pub note: Option<String>,
    pub symptoms: Symptoms,
    /// Evidence the user clicked: highlighted in the text box.
    pub highlight: Option<Span>,
    pub notice: Option<Notice>,

    pub scan: ScanStage,
    pub snapshot: Option<Snapshot>,
    pub table: SocketTable,

    pub report: Option<Report>,
    /// Bumped whenever the report changes (for cached previews).
    pub report_version: u64,
    /// The text changed after the diagnosis was made.
    pub report_stale: bool,

    pub fix: FixStage,
    pub elevated: bool,
    pub save: SaveStage,
    /// Text for the clipboard, taken by the app this frame.
    pub clipboard: Option<String>,
    /// Set when the user asked to restart elevated and it started: the app closes.
    pub quit: bool,
}

impl Wizard {
    pub fn new(engine: Engine, settings: &Settings, repaint: Repaint) -> Self {
        let Engine {
            kb,
            reader,
            kb_dirs,
            kb_errors,
        } = engine;
        let notice = (!kb_errors.is_empty()).then(|| Notice {
            error: true,
            words: format!(
                "{} problem(s) in your rule files; the broken entries were skipped: {}",
                kb_errors.len(),
                kb_errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
        Wizard {
            kb,
            reader,
            kb_dirs,
            kb_errors,
            repaint,
            step: Step::Describe,
            text: String::new(),
            note: None,
            symptoms: Symptoms::default(),
            highlight: None,
            notice,
            scan: ScanStage::NotStarted,
            snapshot: None,
            table: SocketTable::default(),
            report: None,
            report_version: 0,
            report_stale: false,
            fix: FixStage::default(),
            elevated: platform::is_elevated(),
            save: SaveStage {
                format: settings.format,
                redact: settings.redact,
                path_text: default_save_path(settings.format),
                no_dialog: why_no_file_dialog(),
                dialog: None,
                open_dialog: None,
                confirm_replace: None,
                status: None,
                preview: None,
            },
            clipboard: None,
            quit: false,
        }
    }

    pub fn kb(&self) -> &KnowledgeBase {
        self.kb
    }

    // ---- Describe ----------------------------------------------------------------------------

    /// Replaces the text (from a file, an example, a paste into a large text) and reads it.
    pub fn set_text(&mut self, text: String, note: Option<String>) {
        self.text = text;
        self.note = note;
        self.text_changed();
    }

    /// Reads the text again after it changed. The reader is fast (≈200 MB/s), so even a 5 MB
    /// paste is read once in a few tens of milliseconds, not per frame.
    pub fn text_changed(&mut self) {
        self.symptoms = self.reader.read(&self.text);
        self.highlight = None;
        if self.report.is_some() {
            self.report_stale = true;
        }
    }

    pub fn text_is_large(&self) -> bool {
        self.text.len() > EDIT_LIMIT
    }

    fn open_file(&mut self, path: &Path) {
        match crate::cli::read_input(Some(path), None, false) {
            Ok((text, note)) => {
                let words = format!("Opened {} ({})", path.display(), human_bytes(text.len()));
                self.set_text(text, note);
                self.notice = Some(Notice {
                    error: false,
                    words,
                });
            }
            Err(e) => {
                self.notice = Some(Notice {
                    error: true,
                    words: format!("{e:#}"),
                })
            }
        }
    }

    fn open_with_dialog(&mut self) {
        if let Some(why) = &self.save.no_dialog {
            self.notice = Some(Notice {
                error: false,
                words: format!("{why}. Drop the file onto this window, or paste its text."),
            });
            return;
        }
        if self.save.open_dialog.is_some() {
            return;
        }
        let job = Job::spawn("open-dialog", &self.repaint, || {
            rfd::FileDialog::new()
                .set_title("Open an error text or log")
                .add_filter(
                    "Text and logs",
                    &["txt", "log", "xml", "csv", "json", "out", "err"],
                )
                .add_filter("All files", &["*"])
                .pick_file()
        });
        match job {
            Ok(job) => self.save.open_dialog = Some(job),
            Err(e) => {
                self.notice = Some(Notice {
                    error: true,
                    words: format!("cannot open the file dialog: {e}"),
                })
            }
        }
    }

    /// A paste the text box did not take (a large one, or while it was not focused).
    fn paste(&mut self, pasted: String) {
        if pasted.trim().is_empty() {
            self.notice = Some(Notice {
                error: true,
                words: "The clipboard holds no text to paste.".into(),
            });
            return;
        }
        match decode_input(pasted.as_bytes()) {
            Decoded::Binary { reason } => {
                self.notice = Some(Notice {
                    error: true,
                    words: format!("That paste is not text: {reason}"),
                })
            }
            Decoded::Text { text, note } => {
                let mut combined = std::mem::take(&mut self.text);
                if !combined.is_empty() && !combined.ends_with('\n') {
                    combined.push('\n');
                }
                combined.push_str(&text);
                let large = combined.len() > EDIT_LIMIT;
                self.set_text(combined, note);
                if large {
                    self.notice = Some(Notice {
                        error: false,
                        words: format!(
                            "Pasted {}: read in full; only the first {} is shown for speed.",
                            human_bytes(text.len()),
                            human_bytes(PREVIEW_BYTES)
                        ),
                    });
                }
            }
        }
    }

    // ---- Scan --------------------------------------------------------------------------------

    pub fn start_scan(&mut self) {
        if matches!(self.scan, ScanStage::Running { .. }) {
            return;
        }
        let repaint = self.repaint.clone();
        // A full scan: the table shows every socket, with the error's ports pinned on top.
        match ScanJob::start(ScanOptions::default(), move || repaint()) {
            Ok(job) => {
                self.scan = ScanStage::Running {
                    job,
                    progress: None,
                    started: Instant::now(),
                };
                self.step = Step::Scan;
            }
            Err(e) => self.scan = ScanStage::Failed(format!("cannot start the scan: {e}")),
        }
    }

    pub fn scan_running(&self) -> bool {
        matches!(self.scan, ScanStage::Running { .. })
    }

    /// Uses a snapshot taken earlier (maybe on another machine) as if it were this scan.
    pub fn use_snapshot(&mut self, snapshot: Snapshot) {
        self.finish_scan(Ok(snapshot), Duration::ZERO);
        self.step = Step::Scan;
    }

    fn finish_scan(&mut self, result: Result<Snapshot, platform::ScanError>, took: Duration) {
        match result {
            Ok(snapshot) => {
                self.table.load(&snapshot, &self.symptoms.ports_to_check());
                self.snapshot = Some(snapshot);
                self.scan = ScanStage::Done { took };
                self.diagnose();
            }
            Err(platform::ScanError::Cancelled) => self.scan = ScanStage::Cancelled,
            Err(e) => self.scan = ScanStage::Failed(e.to_string()),
        }
    }

    // ---- Diagnosis ---------------------------------------------------------------------------

    /// Diagnoses the current text with the latest snapshot (if any). Actions already taken are
    /// kept: the report tells the whole story of the ticket.
    pub fn diagnose(&mut self) {
        let taken = self
            .report
            .take()
            .map(|r| r.actions_taken)
            .unwrap_or_default();
        let mut report = make_report(
            self.kb,
            &self.kb_dirs,
            &self.kb_errors,
            &self.text,
            self.note.clone(),
            self.symptoms.clone(),
            self.snapshot.clone(),
        );
        report.actions_taken = taken;
        self.report = Some(report);
        self.report_version += 1;
        self.report_stale = false;
        self.fix.finding = 0;
        self.fix.confirm = None;
    }

    fn find_action(&self, id: &str) -> Option<PlannedAction> {
        self.report
            .as_ref()
            .and_then(|r| fix::find_action(r, id).ok())
            .cloned()
    }

    // ---- Fix ---------------------------------------------------------------------------------

    fn start_fix(&mut self, id: &str, what: FixWork) {
        if self.fix.busy.is_some() {
            return;
        }
        let (Some(report), Some(action)) = (self.report.clone(), self.find_action(id)) else {
            self.notice = Some(Notice {
                error: true,
                words: format!("The diagnosis has no action '{id}' any more; run it again."),
            });
            return;
        };
        let busy_words = match what {
            FixWork::Preview => format!(
                "Re-checking the target of \u{201c}{}\u{201d}…",
                action.label
            ),
            FixWork::Ask => format!(
                "Re-checking the target of \u{201c}{}\u{201d}…",
                action.label
            ),
            FixWork::Run => format!("{}…", action.label),
        };
        let job = Job::spawn("fix", &self.repaint, move || {
            run_fix(&report, &action, what)
        });
        match job {
            Ok(job) => self.fix.busy = Some((busy_words, job)),
            Err(e) => {
                self.notice = Some(Notice {
                    error: true,
                    words: format!("cannot start a worker thread: {e}"),
                })
            }
        }
    }

    fn record(&mut self, record: ActionRecord) {
        if let Some(r) = self.report.as_mut() {
            r.actions_taken.push(record.clone());
            self.report_version += 1;
        }
        self.fix.last = Some(record);
    }

    // ---- Report ------------------------------------------------------------------------------

    /// The report as it will be saved, in the chosen format (cached per report version).
    pub fn rendered(&mut self) -> Option<&str> {
        let report = self.report.as_ref()?;
        let key = (self.save.format, self.save.redact, self.report_version);
        if self.save.preview.as_ref().map(|(k, _)| *k) != Some(key) {
            // HTML source is no preview for a person: its content is shown as text instead.
            let shown = match self.save.format {
                Format::Html => Format::Text,
                f => f,
            };
            let text = render_report(report, shown, self.save.redact);
            self.save.preview = Some((key, text));
        }
        self.save.preview.as_ref().map(|(_, t)| t.as_str())
    }

    /// The last rendering made by [`Wizard::rendered`].
    pub fn preview_text(&self) -> Option<&str> {
        self.save.preview.as_ref().map(|(_, t)| t.as_str())
    }

    /// The report in the chosen format, as saved and copied.
    fn output(&self) -> Option<String> {
        self.report
            .as_ref()
            .map(|r| render_report(r, self.save.format, self.save.redact))
    }

    fn save_to(&mut self, path: PathBuf, replace: bool) {
        if path.as_os_str().is_empty() {
            self.save.status = Some(Notice {
                error: true,
                words: "Type where to save the report first.".into(),
            });
            return;
        }
        if path.is_dir() {
            self.save.status = Some(Notice {
                error: true,
                words: format!("{} is a folder: add a file name", path.display()),
            });
            return;
        }
        if path.exists() && !replace {
            self.save.confirm_replace = Some(path);
            return;
        }
        let format = self.save.format;
        let Some(text) = self.output() else {
            return;
        };
        self.save.status = Some(match write_atomic(&path, text.as_bytes()) {
            Ok(()) => Notice {
                error: false,
                words: format!(
                    "Saved the {} report to {} ({}).",
                    format.label(),
                    path.display(),
                    human_bytes(text.len())
                ),
            },
            Err(e) => Notice {
                error: true,
                words: format!("Not saved: {e:#}. Nothing was written; choose another place."),
            },
        });
        self.save.path_text = path.display().to_string();
    }

    fn save_with_dialog(&mut self) {
        if let Some(why) = &self.save.no_dialog {
            self.save.status = Some(Notice {
                error: false,
                words: format!("{why}. Type the path below and press Save."),
            });
            return;
        }
        if self.save.dialog.is_some() {
            return;
        }
        let format = self.save.format;
        let file_name = Path::new(&self.save.path_text).file_name().map_or_else(
            || default_file_name(format),
            |n| n.to_string_lossy().into_owned(),
        );
        let start_dir = Path::new(&self.save.path_text)
            .parent()
            .filter(|p| p.is_dir())
            .map(Path::to_path_buf);
        let job = Job::spawn("save-dialog", &self.repaint, move || {
            let mut dialog = rfd::FileDialog::new()
                .set_title("Save the PortSleuth report")
                .set_file_name(file_name)
                .add_filter(format.label(), &[format.extension()]);
            if let Some(dir) = start_dir {
                dialog = dialog.set_directory(dir);
            }
            dialog.save_file()
        });
        match job {
            Ok(job) => self.save.dialog = Some(job),
            Err(e) => {
                self.save.status = Some(Notice {
                    error: true,
                    words: format!("cannot open the file dialog: {e}"),
                })
            }
        }
    }

    // ---- Each frame --------------------------------------------------------------------------

    /// Takes in what the workers finished. Called once per frame, before drawing.
    pub fn poll(&mut self) {
        self.poll_scan();
        self.poll_open_dialog();
        if let Some((_, job)) = &self.fix.busy {
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(result) => {
                    self.fix.busy = None;
                    match result {
                        FixResult::Confirm { action, commands } => {
                            self.fix.confirm = Some((action, commands))
                        }
                        FixResult::Recorded(record) => self.record(record),
                    }
                }
                Poll::Lost => {
                    self.fix.busy = None;
                    self.notice = Some(lost("the fix"));
                }
            }
        }
        match dialog_answer(&mut self.save.dialog) {
            DialogAnswer::Waiting | DialogAnswer::Cancelled => {}
            DialogAnswer::Chosen(path) => self.save_to(path, true),
            DialogAnswer::NoneOpened(why) => {
                self.save.status = Some(Notice {
                    error: false,
                    words: format!("{why}. Type the path below and press Save."),
                });
                self.save.no_dialog = Some(why);
            }
            DialogAnswer::Lost => self.save.status = Some(lost("the file dialog")),
        }
    }

    fn poll_open_dialog(&mut self) {
        match dialog_answer(&mut self.save.open_dialog) {
            DialogAnswer::Waiting | DialogAnswer::Cancelled => {}
            DialogAnswer::Chosen(path) => self.open_file(&path),
            DialogAnswer::NoneOpened(why) => {
                self.notice = Some(Notice {
                    error: false,
                    words: format!("{why}. Drop the file onto this window, or paste its text."),
                });
                self.save.no_dialog = Some(why);
            }
            DialogAnswer::Lost => self.notice = Some(lost("the file dialog")),
        }
    }

    fn poll_scan(&mut self) {
        let ScanStage::Running {
            job,
            progress,
            started,
        } = &mut self.scan
        else {
            return;
        };
        let started = *started;
        let mut finished = None;
        loop {
            match job.events.try_recv() {
                Ok(ScanEvent::Progress(p)) => *progress = Some(p),
                Ok(ScanEvent::Done(result)) => {
                    finished = Some(*result);
                    break;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    finished = Some(Err(platform::ScanError::Sockets(
                        "the scan stopped unexpectedly".into(),
                    )));
                    break;
                }
            }
        }
        if let Some(result) = finished {
            self.finish_scan(result, started.elapsed());
        }
    }

    /// Whether a worker is running (the app then keeps the progress display moving).
    pub fn busy(&self) -> bool {
        self.scan_running()
            || self.fix.busy.is_some()
            || self.save.dialog.is_some()
            || self.save.open_dialog.is_some()
    }

    /// Carries out one command from a page.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::GoTo(step) => self.step = step,
            Command::TextEdited => self.text_changed(),
            Command::Paste(text) => self.paste(text),
            Command::OpenFile(path) => self.open_file(&path),
            Command::LoadExample(i) => {
                if let Some(e) = super::examples::all().get(i) {
                    self.set_text(e.text.to_owned(), None);
                    self.notice = Some(Notice {
                        error: false,
                        words: format!("Example loaded: {}", e.title),
                    });
                }
            }
            Command::ClearText => self.set_text(String::new(), None),
            Command::StartScan => self.start_scan(),
            Command::CancelScan => {
                if let ScanStage::Running { job, .. } = &self.scan {
                    job.cancel();
                }
            }
            Command::Rediagnose => self.diagnose(),
            Command::OpenWithDialog => self.open_with_dialog(),
            Command::DiagnoseWithoutScan => {
                self.snapshot = None;
                self.diagnose();
                self.step = Step::Diagnosis;
            }
            Command::ShowSocket { port, pid } => {
                if self.table.jump_to(port, pid) {
                    self.step = Step::Scan;
                }
            }
            Command::ShowText(span) => {
                self.highlight = Some(span);
                self.step = Step::Describe;
            }
            Command::ChooseFinding(i) => {
                self.fix.finding = i;
                self.step = Step::Fix;
            }
            Command::Preview(id) => self.start_fix(&id, FixWork::Preview),
            Command::AskToRun(id) => self.start_fix(&id, FixWork::Ask),
            Command::ConfirmRun => {
                if let Some((action, _)) = self.fix.confirm.take() {
                    self.start_fix(&action.id, FixWork::Run);
                }
            }
            Command::CancelRun => {
                if let Some((action, _)) = self.fix.confirm.take() {
                    self.record(fix::refused(&action, "you chose not to run it".into()));
                }
            }
            Command::SetFormat(f) => {
                self.save.format = f;
                let p = PathBuf::from(&self.save.path_text).with_extension(f.extension());
                self.save.path_text = p.display().to_string();
            }
            Command::SetRedact(r) => self.save.redact = r,
            Command::SaveWithDialog => self.save_with_dialog(),
            Command::SaveToTypedPath => {
                let path = expand_home(self.save.path_text.trim());
                self.save_to(path, false);
            }
            Command::ReplaceConfirmed => {
                if let Some(path) = self.save.confirm_replace.take() {
                    self.save_to(path, true);
                }
            }
            Command::ReplaceCancelled => self.save.confirm_replace = None,
            Command::CopyReport => {
                let format = self.save.format;
                if let Some(text) = self.output() {
                    self.save.status = Some(Notice {
                        error: false,
                        words: format!(
                            "Copied the {} report ({}) to the clipboard.",
                            format.label(),
                            human_bytes(text.len())
                        ),
                    });
                    self.clipboard = Some(text);
                }
            }
            Command::RestartElevated => self.restart_elevated(),
            Command::DismissNotice => self.notice = None,
            Command::Problem(words) => self.notice = Some(Notice { error: true, words }),
        }
    }

    fn restart_elevated(&mut self) {
        // The text goes along in a file, so nothing the user pasted is lost.
        let file = std::env::temp_dir().join(format!("portsleuth-{}.txt", std::process::id()));
        let result = write_atomic(&file, self.text.as_bytes())
            .map_err(|e| format!("{e:#}"))
            .and_then(|()| {
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                crate::platform::act::start_elevated(
                    &exe,
                    &[
                        "gui".into(),
                        "--text-file".into(),
                        file.display().to_string(),
                    ],
                )
            });
        match result {
            Ok(()) => self.quit = true,
            Err(e) => {
                self.notice = Some(Notice {
                    error: true,
                    words: format!("Could not restart as administrator: {e}"),
                })
            }
        }
    }

    /// The step a Ctrl+Enter leads to from here, if it is ready.
    pub fn next_step(&self) -> Option<Command> {
        match self.step {
            Step::Describe if !self.text.trim().is_empty() => Some(Command::StartScan),
            Step::Scan if self.report.is_some() && !self.scan_running() => {
                Some(Command::GoTo(Step::Diagnosis))
            }
            Step::Diagnosis if self.report.is_some() => Some(Command::GoTo(Step::Fix)),
            Step::Fix if self.report.is_some() => Some(Command::GoTo(Step::Report)),
            _ => None,
        }
    }

    /// Why `step` cannot be shown yet, or `None` when it can.
    pub fn not_ready(&self, step: Step) -> Option<&'static str> {
        match step {
            Step::Describe | Step::Scan => None,
            Step::Diagnosis | Step::Fix | Step::Report if self.report.is_none() => {
                Some("Needs a diagnosis: paste the error, then Scan this machine or Diagnose without scanning.")
            }
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
enum FixWork {
    Preview,
    Ask,
    Run,
}

/// On the worker: re-check the target against the machine now, then preview, ask or act.
fn run_fix(report: &Report, action: &PlannedAction, what: FixWork) -> FixResult {
    let options = FixOptions {
        dry_run: matches!(what, FixWork::Preview),
        grace: GRACE,
    };
    match fix::prepare(report, action, &options) {
        Err(why) => FixResult::Recorded(fix::refused(action, why)),
        Ok(prepared) => match what {
            FixWork::Preview => FixResult::Recorded(fix::previewed(&prepared)),
            FixWork::Ask => FixResult::Confirm {
                action: action.clone(),
                commands: prepared.commands.clone(),
            },
            FixWork::Run => FixResult::Recorded(fix::execute(&prepared, &options)),
        },
    }
}

/// What a native file dialog on its worker thread gave.
enum DialogAnswer {
    Waiting,
    Chosen(PathBuf),
    Cancelled,
    /// It came back empty at once: no dialog could open (why, in words).
    NoneOpened(String),
    Lost,
}

/// Takes a finished dialog's answer, clearing the job.
fn dialog_answer(slot: &mut Option<Job<Option<PathBuf>>>) -> DialogAnswer {
    let Some(job) = slot else {
        return DialogAnswer::Waiting;
    };
    let answer = match job.poll() {
        Poll::Pending => return DialogAnswer::Waiting,
        Poll::Ready(Some(path)) => DialogAnswer::Chosen(path),
        // No person cancels a dialog within a quarter second: none opened.
        Poll::Ready(None) if job.started.elapsed() < Duration::from_millis(250) => {
            DialogAnswer::NoneOpened(
                "No file dialog could open on this desktop (no XDG portal answered and zenity is not installed)".into(),
            )
        }
        Poll::Ready(None) => DialogAnswer::Cancelled,
        Poll::Lost => DialogAnswer::Lost,
    };
    *slot = None;
    answer
}

fn lost(what: &str) -> Notice {
    Notice {
        error: true,
        words: format!("{what} stopped unexpectedly (a bug in PortSleuth); nothing more happened"),
    }
}

/// Words for an outcome, as the Fix page shows it.
pub fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Previewed => "Preview only: nothing was changed",
        Outcome::Refused => "Not done",
        Outcome::Done => "Done and verified",
        Outcome::ProblemRemains => "Done, but the problem remains",
        Outcome::Failed => "Failed",
    }
}

pub fn human_bytes(n: usize) -> String {
    if n < 1024 {
        format!("{n} bytes")
    } else if n < 1024 * 1024 {
        format!("{:.0} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
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

/// Why no native save dialog can open here, if that is known before trying.
fn why_no_file_dialog() -> Option<String> {
    if !cfg!(any(target_os = "linux", target_os = "freebsd")) {
        return None;
    }
    let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let zenity = crate::platform::act::on_path("zenity");
    (!portal && !zenity).then(|| {
        "No file dialog is available on this desktop (no D-Bus session for the XDG portal, and zenity is not installed)".to_owned()
    })
}
