//! The wizard's state and everything it does, without drawing. Each step keeps its own slice
//! of state ([`DescribeStep`], [`ScanStep`], [`FixStep`], [`ReportStep`]); the facts of the
//! error being worked on live in one [`Case`](crate::session::Case). Pages draw and return
//! [`Command`]s; [`Wizard::apply`] carries them out once per frame, and [`Wizard::poll`] takes
//! in what the workers finished. Nothing here decides anything the CLI does not: the same
//! session, reader, scanner, rules, fix checks and renderers; and nothing here waits on the
//! disk or the machine — every such piece of work is a [`Job`](crate::jobs::Job).

mod describe;
mod fix;
mod history;
mod report;
mod scan;

pub use describe::{DescribeStep, EDIT_LIMIT, PREVIEW_BYTES};
pub use fix::FixStep;
pub use history::HistoryStep;
pub use report::{ReportStep, Writer};
pub use scan::{ScanStage, ScanStep};

use crate::engine::model::Span;
use crate::jobs::{Job, Poll, Wake};
use crate::platform::Machine;
use crate::report::Format;
use crate::session::{Case, Knowledge};
use std::sync::Arc;

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

impl Notice {
    pub fn info(words: impl Into<String>) -> Notice {
        Notice {
            error: false,
            words: words.into(),
        }
    }

    pub fn problem(words: impl Into<String>) -> Notice {
        Notice {
            error: true,
            words: words.into(),
        }
    }
}

/// Everything a page may ask for. Pages return these; the app applies them once per frame.
/// What to do with the report file saved last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    /// Open it with the program the system opens such files with.
    File,
    /// Show the folder it is in.
    Folder,
    /// Open it in the browser, whose Print prints it with the report's print layout.
    Print,
}

#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    GoTo(Step),
    /// The text box changed (the Describe page edits its own text).
    TextEdited,
    Paste(String),
    OpenFile(std::path::PathBuf),
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
    /// Where the typed path field says to save.
    SetSavePath(String),
    SaveWithDialog,
    SaveToTypedPath,
    ReplaceConfirmed,
    ReplaceCancelled,
    CopyReport,
    /// The report saved last: open it, show its folder, or open it to print.
    OpenSaved(Reveal),
    /// Show the folder of a process's executable (the table's *Open file location*).
    OpenLocation(std::path::PathBuf),
    /// Search the web for a program's name (the table's *Search online*).
    SearchOnline(String),
    /// Keep the case in the history and start a fresh one with no text.
    NewCase,
    /// Open or close the History window.
    ShowHistory(bool),
    /// A past case from the history: open it, open it to save its report again, or forget it.
    OpenPastCase(String),
    ExportPastCase(String),
    DeletePastCase(String),
    /// Put this text on the clipboard (a row, or the table), saying what it was.
    CopyText {
        text: String,
        what: String,
    },
    /// Show the properties of the table's row (by index), or close them.
    ShowProperties(Option<usize>),
    /// Close the connection of the table's row (by index), after the confirmation.
    AskToClose(usize),
    /// Scan again this often while the Scan page shows, or never (`None`).
    SetAutoRefresh(Option<std::time::Duration>),
    /// The Scan table shows the machine before the latest fix (`true`) or after it.
    ShowBeforeFix(bool),
    RestartElevated,
    /// Probe the servers the text names, read-only, from here (the user asked, having seen
    /// what will be connected to).
    CheckServer,
    /// The server's own scan (`portsleuth scan --format json` run there), from a file.
    LoadSnapshot(std::path::PathBuf),
    LoadSnapshotWithDialog,
    DismissNotice,
    /// Something went wrong outside the wizard (a dropped file that cannot be read).
    Problem(String),
}

type SnapshotJob = Job<Result<crate::engine::snapshot::Snapshot, crate::session::SessionError>>;

/// The result of closing a connection, for the Scan page's notice.
fn close_notice(record: &crate::engine::fixing::ActionRecord) -> Notice {
    use crate::engine::fixing::Outcome;
    let said = match record.outcome {
        Outcome::Done | Outcome::ProblemRemains => record.verification.as_deref(),
        Outcome::Failed => record.error.as_deref(),
        _ => None,
    }
    .unwrap_or(&record.detail);
    let heading = match record.outcome {
        Outcome::Done => "closed and verified",
        Outcome::ProblemRemains => "the request was accepted, but the connection is still open",
        Outcome::Failed => "failed",
        Outcome::Refused => "not done",
        Outcome::Cancelled => "cancelled, nothing was changed",
        Outcome::Previewed => "previewed, nothing was changed",
    };
    let text = format!("{}: {heading} ({said}).", record.label);
    if record.outcome == Outcome::Done || record.outcome == Outcome::Cancelled {
        Notice::info(text)
    } else {
        Notice::problem(text)
    }
}

/// What the wizard works with: the knowledge base and the machine, shared with its workers.
#[derive(Clone)]
pub struct Engine {
    pub knowledge: Arc<Knowledge>,
    pub machine: Arc<dyn Machine>,
    /// How *Check the server* probes: overrides and the time budget.
    pub probe: crate::session::probing::ProbeSettings,
}

pub struct Wizard {
    engine: Engine,
    wake: Wake,
    step: Step,
    notice: Option<Notice>,
    /// The error being worked on, once it was diagnosed.
    case: Option<Case>,
    /// Bumped whenever the case changes (for cached previews).
    case_version: u64,
    /// The text changed after the diagnosis was made.
    case_stale: bool,
    pub describe: DescribeStep,
    pub scan: ScanStep,
    pub history: HistoryStep,
    pub fix: FixStep,
    pub report: ReportStep,
    elevated: Option<bool>,
    elevation: Option<Job<bool>>,
    /// *Check the server*: the probes running on a worker.
    /// (Which case asked, so a new case never gets an old case's probes.)
    probing: Option<(String, Job<Vec<crate::engine::probe::Probe>>)>,
    /// *Load the server's scan…*: the dialog, then the file being read.
    snapshot_dialog: Option<Job<Option<std::path::PathBuf>>>,
    snapshot_read: Option<SnapshotJob>,
    /// Text for the clipboard, taken by the app this frame.
    clipboard: Option<String>,
    /// The HTML report and its text version for the clipboard, taken by the app this frame.
    clipboard_html: Option<(String, String)>,
    /// A `file://` address for the system to open, taken by the app this frame.
    open_url: Option<String>,
    /// Set when the user asked to restart elevated and it started: the app closes.
    quit: bool,
}

impl Wizard {
    /// Whether this machine can close one connection of another program (the table's menu).
    pub fn closes_connections(&self) -> bool {
        self.engine.machine.closes_connections()
    }

    pub fn new(engine: Engine, format: Format, redact: bool, wake: Wake) -> Self {
        let notice = (!engine.knowledge.problems().is_empty()).then(|| {
            let problems = engine.knowledge.problems();
            Notice::problem(format!(
                "{} problem(s) in your rule files; the broken entries were skipped: {}",
                problems.len(),
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        });
        // Asking the OS whether PortSleuth is elevated may start a tool: not on the UI thread.
        let machine = Arc::clone(&engine.machine);
        let elevation = Job::spawn("elevation", &wake, move |_| machine.is_elevated()).ok();
        Wizard {
            describe: DescribeStep::new(&engine),
            engine,
            wake,
            step: Step::Describe,
            notice,
            case: None,
            case_version: 0,
            case_stale: false,
            scan: ScanStep::default(),
            history: HistoryStep::default(),
            fix: FixStep::default(),
            report: ReportStep::new(format, redact),
            elevated: None,
            elevation,
            probing: None,
            snapshot_dialog: None,
            snapshot_read: None,
            clipboard: None,
            clipboard_html: None,
            open_url: None,
            quit: false,
        }
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn knowledge(&self) -> &Knowledge {
        &self.engine.knowledge
    }

    /// The error being worked on, once diagnosed.
    pub fn case(&self) -> Option<&Case> {
        self.case.as_ref()
    }

    pub fn case_version(&self) -> u64 {
        self.case_version
    }

    /// The text changed after the diagnosis was made.
    pub fn case_stale(&self) -> bool {
        self.case_stale
    }

    /// `None` until the OS answered.
    pub fn elevated(&self) -> Option<bool> {
        self.elevated
    }

    /// The snapshot the current diagnosis rests on, or the last scan's.
    pub fn snapshot(&self) -> Option<&crate::engine::snapshot::Snapshot> {
        self.case
            .as_ref()
            .and_then(|c| c.snapshot.as_ref())
            .or(self.scan.snapshot.as_ref())
    }

    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// The HTML report and its text version to copy this frame.
    pub fn take_clipboard_html(&mut self) -> Option<(String, String)> {
        self.clipboard_html.take()
    }

    /// The address the system should open this frame (a saved report or its folder).
    pub fn take_open_url(&mut self) -> Option<String> {
        self.open_url.take()
    }

    pub fn wants_to_quit(&self) -> bool {
        self.quit
    }

    pub fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    pub fn scan_running(&self) -> bool {
        self.scan.running()
    }

    /// Whether a worker is running (the app then keeps the progress display moving).
    /// How long until the next automatic refresh of the Scan page, while one is set.
    pub fn next_refresh_in(&self) -> Option<std::time::Duration> {
        let every = self.scan.auto_refresh.filter(|_| self.step == Step::Scan)?;
        let since = self.scan.finished_at.map_or(every, |t| t.elapsed());
        Some(every.saturating_sub(since))
    }

    pub fn busy(&self) -> bool {
        self.scan.running()
            || self.fix.busy()
            || self.report.busy()
            || self.describe.busy()
            || self.history.busy()
            || self.elevation.is_some()
            || self.probing.is_some()
            || self.snapshot_dialog.is_some()
            || self.snapshot_read.is_some()
    }

    fn load_snapshot(&mut self, path: std::path::PathBuf) {
        match Job::spawn("read-snapshot", &self.wake, move |_| {
            crate::session::input::read_snapshot(&path)
        }) {
            Ok(job) => self.snapshot_read = Some(job),
            Err(e) => self.notice = Some(Notice::problem(format!("cannot read the scan: {e}"))),
        }
    }

    fn load_snapshot_with_dialog(&mut self) {
        if self.snapshot_dialog.is_some() {
            return;
        }
        match Job::spawn("snapshot-dialog", &self.wake, |_| {
            rfd::FileDialog::new()
                .set_title("Load the server's scan (portsleuth scan --format json)")
                .add_filter("PortSleuth scan", &["json"])
                .pick_file()
        }) {
            Ok(job) => self.snapshot_dialog = Some(job),
            Err(e) => {
                self.notice = Some(Notice::problem(format!("cannot open the file dialog: {e}")));
            }
        }
    }

    fn poll_snapshot_file(&mut self) {
        if let Some(job) = &mut self.snapshot_dialog {
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(chosen) => {
                    self.snapshot_dialog = None;
                    match chosen {
                        Some(path) => self.load_snapshot(path),
                        None => {
                            self.notice = Some(Notice::info(
                                "No file was chosen. Drop the server's scan (a .json file) onto this window instead.",
                            ));
                        }
                    }
                }
                Poll::Lost => self.snapshot_dialog = None,
            }
        }
        if let Some(job) = &mut self.snapshot_read {
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(read) => {
                    self.snapshot_read = None;
                    match read {
                        Ok(snapshot) => {
                            let host = snapshot.host.hostname.clone();
                            self.use_snapshot(snapshot);
                            self.step = Step::Diagnosis;
                            self.notice = Some(Notice::info(format!(
                                "Diagnosed with the scan of {host}, as the machine the error is about."
                            )));
                        }
                        Err(e) => self.notice = Some(Notice::problem(e.to_string())),
                    }
                }
                Poll::Lost => {
                    self.snapshot_read = None;
                    self.notice = Some(lost("reading the scan"));
                }
            }
        }
    }

    /// What *Check the server* would connect to ("exch01:110"), when the case calls for it.
    pub fn server_checks(&self) -> Vec<String> {
        self.case.as_ref().map_or_else(Vec::new, |case| {
            crate::session::probing::requests_for(&case.symptoms, &self.engine.probe)
                .iter()
                .map(|r| format!("{}:{}", r.host, r.port))
                .collect()
        })
    }

    /// The probes are running.
    pub fn checking_server(&self) -> bool {
        self.probing.is_some()
    }

    fn check_server(&mut self) {
        let Some(case) = &self.case else { return };
        if self.probing.is_some() {
            return;
        }
        let requests = crate::session::probing::requests_for(&case.symptoms, &self.engine.probe);
        if requests.is_empty() {
            return;
        }
        match Job::spawn("probe-server", &self.wake, move |_| {
            crate::session::probing::run(&requests, |_| {})
        }) {
            Ok(job) => self.probing = Some((case.id.clone(), job)),
            Err(e) => self.notice = Some(Notice::problem(format!("cannot start the probe: {e}"))),
        }
    }

    /// The probes came back: they join the case, which is diagnosed again with them.
    fn finish_probing(&mut self, probes: Vec<crate::engine::probe::Probe>) {
        let knowledge = &self.engine.knowledge;
        let loaded = self.scan.loaded;
        if let Some(case) = &mut self.case {
            case.probes = probes;
            match case.snapshot.clone() {
                Some(s) if loaded => case.diagnose_with_loaded(knowledge, s),
                snapshot => case.diagnose(knowledge, snapshot),
            }
            self.case_version += 1;
            self.fix.finding = 0;
        }
    }

    /// Takes in what the workers finished. Called once per frame, before drawing.
    pub fn poll(&mut self) {
        if let Some(job) = &mut self.elevation {
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(e) => {
                    self.elevated = Some(e);
                    self.elevation = None;
                }
                Poll::Lost => self.elevation = None,
            }
        }
        if let Some((asked_by, job)) = &mut self.probing {
            match job.poll() {
                Poll::Pending => {}
                Poll::Ready(probes) => {
                    let asked_by = std::mem::take(asked_by);
                    self.probing = None;
                    if self.case.as_ref().is_some_and(|c| c.id == asked_by) {
                        self.finish_probing(probes);
                    }
                }
                Poll::Lost => {
                    self.probing = None;
                    self.notice = Some(lost("the server check"));
                }
            }
        }
        self.poll_snapshot_file();
        if let Some(opened) = self.describe.poll(&self.engine, &self.wake) {
            self.after_open(opened);
        }
        if let Some(result) = self.scan.poll() {
            self.finish_scan(result);
        }
        // Auto-refresh only while the table is looked at and nothing else is under way.
        if self.step == Step::Scan
            && self.scan.refresh_due()
            && !self.fix.busy()
            && self.fix.confirmation().is_none()
        {
            match self.scan.start(&self.engine, &self.wake) {
                Ok(()) => self.scan.refreshing = true,
                Err(n) => {
                    self.scan.auto_refresh = None;
                    self.notice = Some(n);
                }
            }
        }
        if let Some(record) = self.fix.poll(&mut self.notice) {
            self.record(record);
        }
        for finished in self.history.poll() {
            match finished {
                history::Finished::Opened { case, export } => self.adopt(*case, export),
                history::Finished::Problem(n) => self.notice = Some(n),
            }
        }
        self.report.poll();
        // A file chosen in the save dialog is saved with the report as it is now.
        if let Some(path) = self.report.take_chosen_path() {
            let rendered = self.rendered_for_saving();
            self.report.save_to(path, true, rendered, &self.wake);
        }
    }

    /// Carries out one command from a page.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::GoTo(step) => {
                if step == Step::Report {
                    self.name_report();
                }
                self.step = step;
            }
            Command::TextEdited => {
                self.describe.reread(&self.engine);
                self.case_stale = self.case.is_some();
            }
            Command::Paste(text) => {
                let result = self.describe.paste(&self.engine, &text);
                self.after_open(result);
            }
            Command::OpenFile(path) => self.describe.open_file(&path, &self.wake),
            Command::OpenWithDialog => {
                if let Err(n) = self.describe.open_with_dialog(&self.wake, &self.report) {
                    self.notice = Some(n);
                }
            }
            Command::LoadExample(i) => {
                if let Some(e) = super::examples::all().get(i) {
                    self.describe
                        .set_text(&self.engine, e.text.to_owned(), None);
                    self.new_case();
                    self.notice = Some(Notice::info(format!("Example loaded: {}", e.title)));
                }
            }
            Command::ClearText => {
                self.describe.set_text(&self.engine, String::new(), None);
                self.new_case();
            }
            Command::StartScan => self.start_scan(),
            Command::CancelScan => self.scan.cancel(),
            Command::Rediagnose => self.diagnose(),
            Command::DiagnoseWithoutScan => {
                self.scan.snapshot = None;
                self.diagnose();
                self.step = Step::Diagnosis;
            }
            Command::ShowSocket { port, pid } => {
                if self.scan.table.jump_to(port, pid) {
                    self.step = Step::Scan;
                }
            }
            Command::ShowText(span) => {
                self.describe.highlight = Some(span);
                self.step = Step::Describe;
            }
            Command::ChooseFinding(i) => {
                self.fix.finding = i;
                self.step = Step::Fix;
            }
            Command::Preview(id) => self.start_fix(&id, crate::session::fix::Attempt::Preview),
            Command::AskToRun(id) => self.start_fix(&id, crate::session::fix::Attempt::Ask),
            Command::ConfirmRun => {
                if let (Some(prepared), Some(case)) = (self.fix.take_confirmation(), &self.case) {
                    let text = case.text.clone();
                    if let Err(n) = self.fix.run(&self.engine, text, &prepared, &self.wake) {
                        self.notice = Some(n);
                    }
                }
            }
            Command::CancelRun => {
                if let Some(prepared) = self.fix.take_confirmation() {
                    self.record(crate::session::fix::cancelled(&prepared.action));
                }
            }
            Command::SetFormat(_)
            | Command::SetRedact(_)
            | Command::SetSavePath(_)
            | Command::SaveWithDialog
            | Command::SaveToTypedPath
            | Command::ReplaceConfirmed
            | Command::ReplaceCancelled
            | Command::CopyReport
            | Command::OpenSaved(_) => self.apply_report_command(command),
            Command::OpenLocation(_) | Command::SearchOnline(_) | Command::SetAutoRefresh(_) => {
                self.apply_view_command(command);
            }
            Command::CopyText { text, what } => {
                self.notice = Some(Notice::info(format!("Copied {what} to the clipboard.")));
                self.clipboard = Some(text);
            }
            Command::ShowProperties(row) => self.scan.properties = row,
            Command::AskToClose(row) => self.ask_to_close(row),
            Command::NewCase
            | Command::ShowHistory(_)
            | Command::OpenPastCase(_)
            | Command::ExportPastCase(_)
            | Command::DeletePastCase(_)
            | Command::ShowBeforeFix(_) => self.apply_case_command(command),
            Command::RestartElevated => self.restart_elevated(),
            Command::CheckServer => self.check_server(),
            Command::LoadSnapshot(path) => self.load_snapshot(path),
            Command::LoadSnapshotWithDialog => self.load_snapshot_with_dialog(),
            Command::DismissNotice => self.notice = None,
            Command::Problem(words) => self.notice = Some(Notice::problem(words)),
        }
    }

    /// The commands about cases: a new one, the history, and before/after a fix.
    fn apply_case_command(&mut self, command: Command) {
        match command {
            Command::NewCase => {
                self.describe.set_text(&self.engine, String::new(), None);
                let had_case = self.case.is_some();
                self.new_case();
                self.step = Step::Describe;
                if had_case && self.history.kept() {
                    self.notice = Some(Notice::info(
                        "A new case was started; the previous one is kept in History.",
                    ));
                }
            }
            Command::ShowHistory(open) => self.history.open = open,
            Command::OpenPastCase(id) => {
                self.history.open_case(&self.engine, id, false, &self.wake);
            }
            Command::ExportPastCase(id) => {
                self.history.open_case(&self.engine, id, true, &self.wake);
            }
            Command::DeletePastCase(id) => self.history.delete(id, &self.wake),
            Command::ShowBeforeFix(before) => {
                let pinned = self.describe.symptoms.ports_to_check();
                self.scan.show_before(before, &pinned);
            }
            _ => {}
        }
    }

    /// Starts with a text read before the window opened (`gui --text-file F`).
    pub fn start_with(&mut self, text: crate::session::input::InputText) {
        self.describe.set_text(&self.engine, text.text, text.note);
        self.new_case();
    }

    /// A paste or an opened file replaced the text: a new case starts.
    fn after_open(&mut self, result: Result<Option<Notice>, Notice>) {
        match result {
            Ok(notice) => {
                self.new_case();
                if notice.is_some() {
                    self.notice = notice;
                }
            }
            Err(n) => self.notice = Some(n),
        }
    }

    /// Uses the history store beside the settings file (none in tests that keep nothing).
    pub fn keep_history_in(&mut self, store: crate::session::history::History) {
        self.history = HistoryStep::new(Some(store), &self.wake);
    }

    /// Keeps the current case in the history (when there is one to keep).
    fn keep_case(&mut self) {
        if let Some(case) = &self.case {
            self.history.keep(case, &self.wake);
        }
    }

    /// On exit: the case being worked on is kept too, and the saves are waited for.
    pub fn on_exit(&mut self) {
        self.keep_case();
        self.history.wait();
    }

    /// A past case, opened from the history, becomes the current one.
    fn adopt(&mut self, case: Case, export: bool) {
        self.new_case();
        self.describe
            .set_text(&self.engine, case.text.clone(), case.note.clone());
        let pinned = self.describe.symptoms.ports_to_check();
        self.scan.show_case(&case, &pinned);
        self.notice = Some(Notice::info(format!(
            "Opened the case of {}.",
            crate::clock::local(&case.opened_at)
        )));
        self.case = Some(case);
        self.case_version += 1;
        self.history.open = false;
        if export {
            self.step = Step::Report;
            self.report.save_with_dialog(&self.wake);
        } else {
            self.step = Step::Diagnosis;
        }
    }

    /// The text was replaced: what was diagnosed and done belonged to the old one, which is
    /// kept in the history.
    fn new_case(&mut self) {
        self.keep_case();
        self.case = None;
        self.case_stale = false;
        self.case_version += 1;
        self.fix = FixStep::default();
        self.scan.forget_snapshot();
    }

    /// The report's default file name follows the case: the machine scanned (or the server
    /// the text names, for a text-only case) and when the case was opened.
    fn name_report(&mut self) {
        let Some(case) = &self.case else { return };
        let host = case
            .snapshot
            .as_ref()
            .map(|s| s.host.hostname.clone())
            .or_else(|| case.symptoms.servers.first().map(|s| s.value.clone()))
            .unwrap_or_default();
        self.report.name_for_case(&host, &case.id);
    }

    fn start_scan(&mut self) {
        if self.describe.text.trim().is_empty() {
            return;
        }
        match self.scan.start(&self.engine, &self.wake) {
            Ok(()) => self.step = Step::Scan,
            Err(n) => self.notice = Some(n),
        }
    }

    /// Uses a snapshot taken earlier (maybe on another machine) as if it were this scan.
    pub fn use_snapshot(&mut self, snapshot: crate::engine::snapshot::Snapshot) {
        // Brought by the user as the machine the text is about: it stands for the server the
        // text names (see `Case::diagnose_with_loaded`).
        self.scan.loaded = true;
        self.finish_scan(Ok(snapshot));
        self.step = Step::Scan;
    }

    fn finish_scan(
        &mut self,
        result: Result<crate::engine::snapshot::Snapshot, crate::platform::ScanError>,
    ) {
        let after_fix = std::mem::take(&mut self.scan.after_fix);
        if !self
            .scan
            .finish(result, &self.describe.symptoms.ports_to_check())
        {
            return;
        }
        match (after_fix, self.case.as_mut(), self.scan.snapshot.clone()) {
            (true, Some(case), Some(after)) if case.text == self.describe.text => {
                case.after_fix(&self.engine.knowledge, after);
                self.scan.before = case.before.clone();
                self.case_version += 1;
                self.fix.finding = 0;
                self.fix.clear_confirmation();
            }
            _ => self.diagnose(),
        }
    }

    /// Diagnoses the current text with the latest snapshot (if any). The same text keeps its
    /// case and the actions taken on it; a new text was a new case already.
    pub fn diagnose(&mut self) {
        let snapshot = self.scan.snapshot.clone();
        let knowledge = &self.engine.knowledge;
        let loaded = self.scan.loaded;
        match &mut self.case {
            Some(case) if case.text == self.describe.text => match snapshot {
                Some(s) if loaded => case.diagnose_with_loaded(knowledge, s),
                snapshot => case.diagnose(knowledge, snapshot),
            },
            _ => {
                // Another text is another case: the old one goes to the history with its
                // actions, and nothing of it is shown with the new one.
                if let Some(old) = self.case.take() {
                    self.history.keep(&old, &self.wake);
                    self.fix = FixStep::default();
                }
                let mut case = Case::open(
                    knowledge,
                    self.describe.text.clone(),
                    self.describe.note.clone(),
                );
                match snapshot {
                    Some(s) if loaded => case.diagnose_with_loaded(knowledge, s),
                    Some(s) => case.diagnose(knowledge, Some(s)),
                    None => {}
                }
                self.case = Some(case);
            }
        }
        self.case_version += 1;
        self.case_stale = false;
        self.fix.finding = 0;
        self.fix.clear_confirmation();
    }

    fn start_fix(&mut self, id: &str, what: crate::session::fix::Attempt) {
        let Some(case) = &self.case else { return };
        // Done and verified is the end of that action: running it again could only turn the
        // result into a confusing "not done, no longer running".
        if let Some(done) = case.done(id) {
            self.notice = Some(Notice::info(format!(
                "Already done and verified at {}: {}",
                crate::clock::local(&done.at),
                done.label
            )));
            return;
        }
        let report = case.report(&self.engine.knowledge);
        if let Err(n) = self.fix.start(&self.engine, &report, id, what, &self.wake) {
            self.notice = Some(n);
        }
    }

    /// The table's row `index` as a close request: its ends and owner as the scan showed them,
    /// only a request — the worker finds the connection again before anything is asked.
    fn ask_to_close(&mut self, index: usize) {
        use crate::engine::diagnose::{ActionTarget, Connection};
        let Some(row) = self.scan.table.rows.get(index) else {
            return;
        };
        let (Some(remote_port), [pid]) = (row.remote_port, row.pids.as_slice()) else {
            return;
        };
        let process = self
            .scan
            .snapshot
            .as_ref()
            .and_then(|s| s.processes.iter().find(|p| p.pid == *pid));
        let connection = Connection {
            local_addr: row.local_addr.clone(),
            local_port: row.port,
            remote_addr: row.remote_addr.clone(),
            remote_port,
        };
        let owner = ActionTarget {
            pid: Some(*pid),
            start_time: process.map(|p| p.start_time),
            exe: process.and_then(|p| p.exe.clone()),
            exe_name: process.map(|p| p.exe_name.clone()),
            ..ActionTarget::default()
        };
        let action = crate::session::fix::close::close_action(&connection, &owner);
        if let Some(done) = self.case.as_ref().and_then(|c| c.done(&action.id)) {
            self.notice = Some(Notice::info(format!(
                "Already closed and verified at {}: {}",
                crate::clock::local(&done.at),
                done.label
            )));
            return;
        }
        let ask = crate::session::fix::Attempt::Ask;
        if let Err(n) = self.fix.start_close(&self.engine, action, ask, &self.wake) {
            self.notice = Some(n);
        }
    }

    fn record(&mut self, record: crate::engine::fixing::ActionRecord) {
        use crate::engine::fixing::Outcome;
        let changed = matches!(record.outcome, Outcome::Done | Outcome::ProblemRemains);
        // A connection is closed from the Scan page: its result is said there.
        if record.kind == crate::engine::kb::ActionKind::CloseConnection {
            self.notice = Some(close_notice(&record));
        }
        if let Some(case) = self.case.as_mut() {
            case.record(record.clone());
            self.case_version += 1;
        }
        self.fix.last = Some(record);
        // Something changed on the machine: look again, so the table and the diagnosis show
        // it as it is now, with what it was before kept beside it.
        if changed && self.case.is_some() {
            match self.scan.start(&self.engine, &self.wake) {
                Ok(()) => self.scan.after_fix = true,
                Err(n) => self.notice = Some(n),
            }
        }
    }

    /// The report as it will be saved, in the chosen format (cached per case version).
    pub fn rendered(&mut self) -> Option<&str> {
        let case = self.case.as_ref()?;
        let knowledge = &self.engine.knowledge;
        self.report
            .preview(self.case_version, || case.report(knowledge))
    }

    /// The last rendering made by [`Wizard::rendered`].
    pub fn preview_text(&self) -> Option<&str> {
        self.report.preview_text()
    }

    /// The report in the chosen format, as saved and copied.
    fn rendered_for_saving(&self) -> Option<String> {
        let case = self.case.as_ref()?;
        Some(crate::report::render(
            &case.report(&self.engine.knowledge),
            self.report.format,
            self.report.redact,
        ))
    }

    /// Copies the report. In the HTML format it goes on the clipboard as HTML, with the text
    /// report as its plain-text version (ticket fields and chat take that one); the app does
    /// that and says how it went. Other formats are text.
    fn copy_report(&mut self) {
        let Some(case) = self.case.as_ref() else {
            return;
        };
        let report = case.report(&self.engine.knowledge);
        let redact = self.report.redact;
        if self.report.format == Format::Html {
            let html = crate::report::render(&report, Format::Html, redact);
            let text = crate::report::render(&report, Format::Text, redact);
            self.clipboard_html = Some((html, text));
            return;
        }
        let text = crate::report::render(&report, self.report.format, redact);
        self.report.status = Some(Notice::info(format!(
            "Copied the {} report ({}) to the clipboard.",
            self.report.format.label(),
            crate::report::words::human_bytes(text.len())
        )));
        self.clipboard = Some(text);
    }

    /// The Report step's commands: format, redaction, saving, copying, opening the file.
    fn apply_report_command(&mut self, command: Command) {
        match command {
            Command::SetFormat(f) => self.report.set_format(f),
            Command::SetRedact(r) => self.report.redact = r,
            Command::SetSavePath(p) => self.report.path_text = p,
            Command::SaveWithDialog => self.report.save_with_dialog(&self.wake),
            Command::SaveToTypedPath => {
                let rendered = self.rendered_for_saving();
                self.report.save_to_typed_path(rendered, &self.wake);
            }
            Command::ReplaceConfirmed => {
                let rendered = self.rendered_for_saving();
                self.report.replace_confirmed(rendered, &self.wake);
            }
            Command::ReplaceCancelled => self.report.confirm_replace = None,
            Command::CopyReport => self.copy_report(),
            Command::OpenSaved(what) => self.open_saved(what),
            _ => {}
        }
    }

    /// What the system opens for the user from the table, and the table's refresh interval.
    fn apply_view_command(&mut self, command: Command) {
        match command {
            Command::OpenLocation(exe) => {
                let folder = exe
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or(exe);
                self.open_url = Some(file_url(&folder));
            }
            Command::SearchOnline(name) => self.open_url = Some(search_url(&name)),
            Command::SetAutoRefresh(every) => {
                self.scan.auto_refresh = every;
                self.scan.finished_at = Some(std::time::Instant::now());
            }
            _ => {}
        }
    }

    fn open_saved(&mut self, what: Reveal) {
        let Some(path) = self.report.saved.clone() else {
            return;
        };
        let target = match what {
            Reveal::File | Reveal::Print => path.clone(),
            Reveal::Folder => path
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or(path.clone()),
        };
        self.open_url = Some(file_url(&target));
        if what == Reveal::Print {
            self.report.status = Some(Notice::info(format!(
                "Opened {} in the browser: press Ctrl+P there to print it (the report has a print layout).",
                path.display()
            )));
        }
    }

    fn restart_elevated(&mut self) {
        // The text goes along in a file, so nothing the user pasted is lost.
        let file = std::env::temp_dir().join(format!("portsleuth-{}.txt", std::process::id()));
        let result = crate::session::files::write_atomic(&file, self.describe.text.as_bytes())
            .map_err(|e| e.to_string())
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
                .map_err(|e| e.to_string())
            });
        match result {
            Ok(()) => self.quit = true,
            Err(e) => {
                self.notice = Some(Notice::problem(format!(
                    "Could not restart as administrator: {e}"
                )))
            }
        }
    }

    /// The step a Ctrl+Enter leads to from here, if it is ready.
    pub fn next_step(&self) -> Option<Command> {
        match self.step {
            Step::Describe if !self.describe.text.trim().is_empty() => Some(Command::StartScan),
            Step::Scan if self.case.is_some() && !self.scan_running() => {
                Some(Command::GoTo(Step::Diagnosis))
            }
            Step::Diagnosis if self.case.is_some() => Some(Command::GoTo(Step::Fix)),
            Step::Fix if self.case.is_some() => Some(Command::GoTo(Step::Report)),
            _ => None,
        }
    }

    /// Why `step` cannot be shown yet, or `None` when it can.
    pub fn not_ready(&self, step: Step) -> Option<&'static str> {
        match step {
            Step::Describe | Step::Scan => None,
            Step::Diagnosis | Step::Fix | Step::Report if self.case.is_none() => {
                Some("Needs a diagnosis: paste the error, then Scan this machine or Diagnose without scanning.")
            }
            _ => None,
        }
    }
}

/// Words for a worker that ended without an answer.
pub(crate) fn lost(what: &str) -> Notice {
    Notice::problem(format!(
        "{what} stopped unexpectedly (a bug in PortSleuth); nothing more happened"
    ))
}

/// A `file://` address for `path`, with everything but unreserved characters and `/`
/// percent-encoded (Windows paths get their drive letter after `file:///`).
pub fn file_url(path: &std::path::Path) -> String {
    let text = path.display().to_string().replace('\\', "/");
    let mut url = String::from(if text.starts_with('/') {
        "file://"
    } else {
        "file:///"
    });
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~' | b':') {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// A web search for a program found on a port: its file name and the word "port".
pub fn search_url(program: &str) -> String {
    let mut q = String::new();
    for b in format!("\"{program}\" port").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            q.push(char::from(b));
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    format!("https://duckduckgo.com/?q={q}")
}
