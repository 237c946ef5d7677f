//! The window: title bar, step rail, notices, the current page, dialogs, keyboard shortcuts,
//! dropped files and pastes. Pages draw and return commands; this applies them.

use super::jobs::Repaint;
use super::pages;
use super::settings::{Settings, Theme};
use super::style;
use super::wizard::{Command, Engine, Step, Wizard};
use egui::{Key, KeyboardShortcut, Modifiers};
use std::path::PathBuf;
use std::sync::Arc;

/// How the GUI was started.
#[derive(Default)]
pub struct GuiOptions {
    /// The engine, already loading on a thread (started before the window opens).
    pub engine: Option<std::thread::JoinHandle<Engine>>,
    /// Text to start with (`portsleuth gui --text-file F`) and how it was decoded.
    pub text: Option<(String, Option<String>)>,
    /// A snapshot to use instead of scanning (`gui --snapshot F`).
    pub snapshot: Option<crate::engine::snapshot::Snapshot>,
    pub kb_dirs: Vec<PathBuf>,
    /// Where settings are kept; `None` keeps nothing (tests).
    pub settings_path: Option<PathBuf>,
    pub theme: Option<Theme>,
}

pub const SCAN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
pub const SAVE_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

pub struct PortSleuthApp {
    pub wizard: Wizard,
    settings: Settings,
    settings_path: Option<PathBuf>,
    saved: Settings,
    /// Files are being dragged over the window.
    dragging: bool,
    /// `PORTSLEUTH_PROBE`: measurements for `scripts/measure-gui.sh`.
    probe: Option<Probe>,
}

/// Measurements of the real window, asked for with `PORTSLEUTH_PROBE`:
/// `first-frame` prints the wall-clock time (Unix ms) once the first frame was presented and
/// closes; `frames:N` redraws N frames while scrolling the socket table and prints eframe's
/// CPU time per frame.
struct Probe {
    frames_wanted: Option<usize>,
    seen: usize,
    samples: Vec<f32>,
}

pub(crate) fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Probe {
    fn from_env() -> Option<Probe> {
        let v = std::env::var("PORTSLEUTH_PROBE").ok()?;
        let frames_wanted = match v.as_str() {
            "first-frame" => None,
            other => Some(other.strip_prefix("frames:")?.parse().ok()?),
        };
        Some(Probe {
            frames_wanted,
            seen: 0,
            samples: Vec::new(),
        })
    }

    fn frame(&mut self, ctx: &egui::Context, frame: &eframe::Frame, w: &mut Wizard) {
        self.seen += 1;
        match self.frames_wanted {
            // The second frame starts only after the first was painted and swapped.
            None if self.seen == 1 => {
                eprintln!("portsleuth-probe first-ui-unix-ms {}", unix_ms());
                ctx.request_repaint();
            }
            None if self.seen == 2 => {
                eprintln!("portsleuth-probe first-frame-unix-ms {}", unix_ms());
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            None => {}
            Some(_) if self.seen > self.frames_wanted.unwrap_or(0) + 5 => {}
            Some(n) => {
                if let Some(cpu) = frame.info().cpu_usage {
                    self.samples.push(cpu * 1000.0);
                }
                let rows = w.table.visible.len().max(1);
                w.table.scroll_to = Some((self.seen * 37) % rows);
                if self.seen >= n + 5 {
                    let mut s: Vec<f32> = self.samples.iter().skip(5).copied().collect();
                    s.sort_by(f32::total_cmp);
                    let mean = s.iter().sum::<f32>() / s.len().max(1) as f32;
                    let p95 = s.get(s.len() * 95 / 100).copied().unwrap_or_default();
                    eprintln!(
                        "portsleuth-probe frames {} rows {} cpu-ms-per-frame mean {mean:.2} p95 {p95:.2}",
                        s.len(),
                        w.table.rows.len()
                    );
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                } else {
                    ctx.request_repaint();
                }
            }
        }
    }
}

impl PortSleuthApp {
    pub fn new(ctx: &egui::Context, mut options: GuiOptions) -> Self {
        let engine = options
            .engine
            .take()
            .and_then(|loading| loading.join().ok())
            .unwrap_or_else(|| Engine::load(options.kb_dirs.clone()));
        let (mut settings, settings_problem) = Settings::load(options.settings_path.as_deref());
        if let Some(theme) = options.theme {
            settings.theme = theme;
        }
        let repaint_ctx = ctx.clone();
        let repaint: Repaint = Arc::new(move || repaint_ctx.request_repaint());
        let mut wizard = Wizard::new(engine, &settings, repaint);
        if let Some((text, note)) = options.text {
            wizard.set_text(text, note);
        }
        if let Some(snapshot) = options.snapshot {
            wizard.use_snapshot(snapshot);
        }
        if let Some(problem) = settings_problem {
            wizard.notice.get_or_insert(super::wizard::Notice {
                error: false,
                words: format!("Settings: {problem}"),
            });
        }
        style::apply(ctx, settings.theme);
        PortSleuthApp {
            wizard,
            saved: settings.clone(),
            settings,
            settings_path: options.settings_path,
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
            if let Some(notice) = self.wizard.notice.clone() {
                if style::notice(ui, &notice, true) {
                    commands.push(Command::DismissNotice);
                }
                ui.add_space(6.0);
            }
            commands.extend(pages::show(ui, &mut self.wizard));
        });
        commands.extend(pages::fix::confirm_dialog(&ctx, &self.wizard));
        commands.extend(pages::report::replace_dialog(&ctx, &self.wizard));
        if self.dragging {
            style::drop_overlay(&ctx);
        }

        for c in commands {
            self.wizard.apply(c);
        }
        if let Some(text) = self.wizard.clipboard.take() {
            ctx.copy_text(text);
        }
        if self.wizard.quit {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.remember(&ctx);
        // Workers ask for a repaint when they finish; progress needs a steady, slow tick.
        if self.wizard.busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn title_bar(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.heading(egui::RichText::new("PortSleuth").strong());
            ui.label(egui::RichText::new("which program is really causing this error?").weak());
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
        let dialog_open =
            self.wizard.fix.confirm.is_some() || self.wizard.save.confirm_replace.is_some();
        ctx.input_mut(|i| {
            if !dialog_open && i.consume_shortcut(&SCAN_SHORTCUT) {
                commands.extend(self.wizard.next_step());
            }
            if !dialog_open && i.consume_shortcut(&SAVE_SHORTCUT) && self.wizard.report.is_some() {
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
                } else {
                    commands.push(Command::OpenFile(path.to_path_buf()));
                }
            }
        });
        // A paste goes to the text box when it has focus and stays small; otherwise (the Paste
        // button, a paste elsewhere on the Describe page, or a huge paste) the wizard takes it.
        let text_focused = ctx.memory(|m| m.has_focus(pages::describe::text_id()));
        let on_describe = self.wizard.step == Step::Describe;
        let limit = super::wizard::EDIT_LIMIT;
        let current = self.wizard.text.len();
        ctx.input_mut(|i| {
            i.events.retain(|e| match e {
                egui::Event::Paste(p)
                    if on_describe
                        && (!text_focused
                            || self.wizard.text_is_large()
                            || current + p.len() > limit) =>
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
        self.settings.format = self.wizard.save.format;
        self.settings.redact = self.wizard.save.redact;
        // Window size is saved on exit only; choices are saved when they change.
        let choices_changed = self.settings.format != self.saved.format
            || self.settings.redact != self.saved.redact
            || self.settings.theme != self.saved.theme;
        if choices_changed {
            self.save_settings();
        }
    }

    pub fn save_settings(&mut self) {
        if let Some(path) = &self.settings_path {
            if let Err(e) = self.settings.save(path) {
                self.wizard.notice = Some(super::wizard::Notice {
                    error: true,
                    words: format!("Could not save your settings: {e:#}"),
                });
            }
        }
        self.saved = self.settings.clone();
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
        self.save_settings();
    }
}
