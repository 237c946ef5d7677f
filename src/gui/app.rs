//! The window: title bar, step rail, notices, the current page, dialogs, keyboard shortcuts,
//! dropped files and pastes. Pages draw and return commands; this applies them. Settings are
//! written by a worker, never in the frame.

use super::dev::probe::{unix_ms, Probe};
use super::pages;
use super::settings::{Settings, Theme};
use super::style;
use super::wizard::{Command, Engine, Notice, Step, Wizard, Writer};
use crate::engine::snapshot::Snapshot;
use crate::jobs::{Job, Poll, Wake};
use crate::platform::{LiveMachine, Machine};
use crate::session::input::InputText;
use crate::session::{Knowledge, SessionError};
use egui::{Key, KeyboardShortcut, Modifiers};
use std::path::PathBuf;
use std::sync::Arc;

/// The knowledge base, loading on a worker while the window opens.
pub type KnowledgeJob = Job<Result<Knowledge, SessionError>>;

/// How the GUI was started.
#[derive(Default)]
pub struct GuiOptions {
    /// The knowledge base, already loading (started before the window opens).
    pub knowledge: Option<KnowledgeJob>,
    /// The machine to look at and act on; the live one unless a test gives a fake.
    pub machine: Option<Arc<dyn Machine>>,
    /// Text to start with (`portsleuth gui --text-file F`) and how it was decoded.
    pub text: Option<InputText>,
    /// A snapshot to use instead of scanning (`gui --snapshot F`).
    pub snapshot: Option<Snapshot>,
    pub kb_dirs: Vec<PathBuf>,
    /// Where settings are kept; `None` keeps nothing (tests).
    pub settings_path: Option<PathBuf>,
    pub theme: Option<Theme>,
    /// How reports reach the disk; the atomic writer unless a test gives a slow one.
    pub writer: Option<Writer>,
    /// `--resolve`-style overrides for *Check the server* (tests point a name at loopback).
    pub probe_resolve: Vec<(String, std::net::IpAddr)>,
}

pub const SCAN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
pub const SAVE_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

pub struct PortSleuthApp {
    pub wizard: Wizard,
    settings: Settings,
    settings_path: Option<PathBuf>,
    /// What the settings file holds (or is being written with).
    saved: Settings,
    saving_settings: Option<Job<Result<(), SessionError>>>,
    wake: Wake,
    /// Files are being dragged over the window.
    dragging: bool,
    /// `PORTSLEUTH_PROBE`: measurements for `scripts/measure-gui.sh`.
    probe: Option<Probe>,
    /// The system clipboard for HTML, opened on the first HTML copy and kept open: on X11 the
    /// copied report is served from this process for as long as it lives.
    html_clipboard: Option<arboard::Clipboard>,
}

/// The knowledge base as the window gets it: loaded, or the built-in one with the reason the
/// user's folders could not be used.
fn knowledge(options: &mut GuiOptions) -> (Knowledge, Option<String>) {
    let loaded = match options.knowledge.take() {
        Some(job) => job.wait(|_| {}),
        None => Some(Knowledge::load(&options.kb_dirs)),
    };
    match loaded {
        Some(Ok(k)) => (k, None),
        Some(Err(e)) => (Knowledge::builtin(), Some(e.to_string())),
        None => (
            Knowledge::builtin(),
            Some("the knowledge base could not be loaded".into()),
        ),
    }
}

impl PortSleuthApp {
    pub fn new(ctx: &egui::Context, mut options: GuiOptions) -> Self {
        let (knowledge, kb_problem) = knowledge(&mut options);
        let (mut settings, settings_problem) = Settings::load(options.settings_path.as_deref());
        if let Some(theme) = options.theme {
            settings.theme = theme;
        }
        let repaint_ctx = ctx.clone();
        let wake: Wake = Arc::new(move || repaint_ctx.request_repaint());
        let engine = Engine {
            knowledge: Arc::new(knowledge),
            machine: options
                .machine
                .take()
                .unwrap_or_else(|| Arc::new(LiveMachine)),
            probe: crate::session::probing::ProbeSettings {
                resolve: std::mem::take(&mut options.probe_resolve),
                timeout: std::time::Duration::from_secs(5),
            },
        };
        let mut wizard = Wizard::new(engine, settings.format, settings.redact, Arc::clone(&wake));
        if let Some(path) = &options.settings_path {
            wizard.keep_history_in(crate::session::history::History::next_to(path));
        }
        if let Some(writer) = options.writer.take() {
            wizard.report.set_writer(writer);
        }
        if let Some(folder) = &settings.report_folder {
            wizard.report.set_folder(folder.clone());
        }
        if let Some(text) = options.text.take() {
            wizard.start_with(text);
        }
        if let Some(snapshot) = options.snapshot.take() {
            wizard.use_snapshot(snapshot);
        }
        for problem in [
            kb_problem.map(|p| format!("Rule folders: {p}")),
            settings_problem.map(|p| format!("Settings: {p}")),
        ]
        .into_iter()
        .flatten()
        {
            if wizard.notice().is_none() {
                wizard.set_notice(Notice::info(problem));
            }
        }
        style::apply(ctx, settings.theme);
        PortSleuthApp {
            wizard,
            saved: settings.clone(),
            settings,
            settings_path: options.settings_path,
            saving_settings: None,
            html_clipboard: None,
            wake,
            dragging: false,
            probe: Probe::from_env().inspect(|_| {
                eprintln!("portsleuth-probe app-ready-unix-ms {}", unix_ms());
            }),
        }
    }

    /// Draws one frame of the whole window. Used by eframe and by the tests.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.wizard.poll();
        self.poll_settings();
        let mut commands = self.take_input(&ctx);

        egui::Panel::top("title").show(ui, |ui| {
            commands.extend(self.title_bar(ui));
        });
        egui::Panel::left("rail")
            .resizable(false)
            .exact_size(196.0)
            .show(ui, |ui| {
                commands.extend(pages::rail::show(ui, &self.wizard));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(notice) = self.wizard.notice().cloned() {
                if style::notice(ui, &notice, true) {
                    commands.push(Command::DismissNotice);
                }
                ui.add_space(6.0);
            }
            commands.extend(pages::show(ui, &mut self.wizard));
        });
        commands.extend(pages::fix::confirm_dialog(&ctx, &self.wizard));
        commands.extend(pages::report::replace_dialog(&ctx, &self.wizard));
        commands.extend(pages::history::window(&ctx, &self.wizard));
        commands.extend(pages::scan::properties_window(&ctx, &self.wizard));
        if self.dragging {
            style::drop_overlay(&ctx);
        }

        for c in commands {
            self.wizard.apply(c);
        }
        if let Some(text) = self.wizard.take_clipboard() {
            ctx.copy_text(text);
        }
        if let Some((html, text)) = self.wizard.take_clipboard_html() {
            self.copy_html(&ctx, html, text);
        }
        if let Some(url) = self.wizard.take_open_url() {
            ctx.open_url(egui::OpenUrl::new_tab(url));
        }
        if self.wizard.wants_to_quit() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.remember(&ctx);
        // Workers ask for a repaint when they finish; progress needs a steady, slow tick.
        if self.wizard.busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        } else if let Some(wait) = self.wizard.next_refresh_in() {
            ctx.request_repaint_after(wait.max(std::time::Duration::from_millis(100)));
        }
    }

    fn title_bar(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.heading(egui::RichText::new("PortSleuth").strong());
            // The tag line gives way on a small screen, so the buttons never overlap.
            if ui.available_width() > 1000.0 {
                ui.label(egui::RichText::new("which program is really causing this error?").weak());
            }
            ui.separator();
            let has_work = self.wizard.case().is_some() || !self.wizard.describe.text.is_empty();
            if ui
                .add_enabled(has_work, egui::Button::new("New case"))
                .on_hover_text("Start again with an empty text; this case is kept in History")
                .clicked()
            {
                commands.push(Command::NewCase);
            }
            let history = self.wizard.history.open;
            if ui
                .add_enabled(
                    self.wizard.history.kept(),
                    egui::Button::selectable(history, "History"),
                )
                .on_hover_text("Recent cases: open one again, save its report again, or delete it")
                .clicked()
            {
                commands.push(Command::ShowHistory(!history));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let before = self.settings.theme;
                egui::ComboBox::from_id_salt("theme")
                    .selected_text(match self.settings.theme {
                        Theme::System => "Theme: system",
                        Theme::Light => "Theme: light",
                        Theme::Dark => "Theme: dark",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.settings.theme, Theme::System, "System");
                        ui.selectable_value(&mut self.settings.theme, Theme::Light, "Light");
                        ui.selectable_value(&mut self.settings.theme, Theme::Dark, "Dark");
                    })
                    .response
                    .on_hover_text("Colour theme (System follows the operating system)");
                if before != self.settings.theme {
                    style::apply(ui.ctx(), self.settings.theme);
                }
                ui.separator();
                commands.extend(pages::fix::elevation_badge(ui, &self.wizard));
            });
        });
        commands
    }

    /// Keyboard shortcuts, dropped files and pastes the text box should not take.
    fn take_input(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        let dialog_open = self.wizard.fix.confirmation().is_some()
            || self.wizard.report.confirm_replace.is_some();
        let has_case = self.wizard.case().is_some();
        ctx.input_mut(|i| {
            if !dialog_open && i.consume_shortcut(&SCAN_SHORTCUT) {
                commands.extend(self.wizard.next_step());
            }
            if !dialog_open && i.consume_shortcut(&SAVE_SHORTCUT) && has_case {
                commands.push(Command::GoTo(Step::Report));
                commands.push(Command::SaveWithDialog);
            }
            self.dragging = !i.raw.hovered_files.is_empty();
            for f in i.raw.dropped_files.drain(..) {
                let path = f.path();
                if path.as_os_str().is_empty() {
                    match f.bytes() {
                        Ok(bytes) => commands
                            .push(Command::Paste(String::from_utf8_lossy(&bytes).into_owned())),
                        Err(e) => commands.push(Command::Problem(format!(
                            "cannot read the dropped file: {e}"
                        ))),
                    }
                } else if self.wizard.case().is_some()
                    && path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                {
                    // With a case open, a .json file is the server's scan to finish it with.
                    commands.push(Command::LoadSnapshot(path.to_path_buf()));
                } else {
                    commands.push(Command::OpenFile(path.to_path_buf()));
                }
            }
        });
        // Ctrl+C on the Scan step, with no text field taking it, copies the selected row.
        let typing = ctx.memory(|m| m.focused().is_some()) && ctx.egui_wants_keyboard_input();
        if self.wizard.step() == Step::Scan && !typing {
            let table = &self.wizard.scan.table;
            if let Some(text) = table.selected.and_then(|i| table.row_text(i)) {
                ctx.input_mut(|i| {
                    let before = i.events.len();
                    i.events.retain(|e| !matches!(e, egui::Event::Copy));
                    if i.events.len() != before {
                        commands.push(Command::CopyText {
                            text: text.clone(),
                            what: "the selected row".into(),
                        });
                    }
                });
            }
        }
        // A paste goes to the text box when it has focus and stays small; otherwise (the Paste
        // button, a paste elsewhere on the Describe page, or a huge paste) the wizard takes it.
        let text_focused = ctx.memory(|m| m.has_focus(pages::describe::text_id()));
        let on_describe = self.wizard.step() == Step::Describe;
        let limit = super::wizard::EDIT_LIMIT;
        let current = self.wizard.describe.text.len();
        let large = self.wizard.describe.text_is_large();
        ctx.input_mut(|i| {
            i.events.retain(|e| match e {
                egui::Event::Paste(p)
                    if on_describe && (!text_focused || large || current + p.len() > limit) =>
                {
                    commands.push(Command::Paste(p.clone()));
                    false
                }
                _ => true,
            });
        });
        commands
    }

    /// Notes the window size and saves settings that changed.
    fn remember(&mut self, ctx: &egui::Context) {
        if let Some(rect) = ctx.input(|i| i.viewport().inner_rect) {
            self.settings.window = [rect.width(), rect.height()];
        }
        self.settings.format = self.wizard.report.format;
        self.settings.redact = self.wizard.report.redact;
        self.settings
            .report_folder
            .clone_from(&self.wizard.report.last_folder);
        // Window size is saved on exit only; choices are saved when they change.
        let choices_changed = self.settings.format != self.saved.format
            || self.settings.redact != self.saved.redact
            || self.settings.report_folder != self.saved.report_folder
            || self.settings.theme != self.saved.theme;
        if choices_changed && self.saving_settings.is_none() {
            self.save_settings_in_background();
        }
    }

    /// Writes the settings on a worker; a change made meanwhile is written after it.
    fn save_settings_in_background(&mut self) {
        let Some(path) = self.settings_path.clone() else {
            self.saved = self.settings.clone();
            return;
        };
        let settings = self.settings.clone();
        self.saved = settings.clone();
        self.saving_settings =
            Job::spawn("settings", &self.wake, move |_| settings.save(&path)).ok();
    }

    fn poll_settings(&mut self) {
        let Some(job) = &mut self.saving_settings else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Ready(result) => {
                self.saving_settings = None;
                if let Err(e) = result {
                    self.wizard.set_notice(Notice::problem(format!(
                        "Could not save your settings: {e}"
                    )));
                }
            }
            Poll::Lost => self.saving_settings = None,
        }
    }

    /// Saves the settings now, waiting for a save under way first (on exit, and in tests).
    pub fn save_settings(&mut self) {
        if let Some(job) = self.saving_settings.take() {
            let _ = job.wait(|_| {});
        }
        if let Some(path) = &self.settings_path {
            if let Err(e) = self.settings.save(path) {
                self.wizard.set_notice(Notice::problem(format!(
                    "Could not save your settings: {e}"
                )));
            }
        }
        self.saved = self.settings.clone();
    }

    /// The HTML report as HTML, with its text version for programs that take only text; where
    /// the system clipboard cannot be opened, the text version through egui, and the user told.
    fn copy_html(&mut self, ctx: &egui::Context, html: String, text: String) {
        if self.html_clipboard.is_none() {
            self.html_clipboard = arboard::Clipboard::new().ok();
        }
        let result = match self.html_clipboard.as_mut() {
            Some(clipboard) => clipboard
                .set_html(html.as_str(), Some(text.as_str()))
                .map_err(|e| e.to_string()),
            None => Err("no system clipboard could be opened".to_owned()),
        };
        let words = match result {
            Ok(()) => format!(
                "Copied the HTML report ({}) to the clipboard as HTML, with its text version for fields that take only text.",
                crate::report::words::human_bytes(html.len())
            ),
            Err(why) => {
                ctx.copy_text(text);
                format!("Copied the report as plain text: HTML could not be put on the clipboard here ({why}).")
            }
        };
        self.wizard.report.status = Some(Notice::info(words));
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl eframe::App for PortSleuthApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(probe) = self.probe.as_mut() {
            probe.frame(ui.ctx(), frame, &mut self.wizard);
        }
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.wizard.on_exit();
        self.save_settings();
    }
}
