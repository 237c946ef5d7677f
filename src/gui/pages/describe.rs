//! Step 1: the pasted error and, beside it, what PortSleuth read from it.

use super::primary;
use crate::engine::reader::{CodeKind, Symptoms};
use crate::gui::style;
use crate::gui::wizard::{Command, Wizard, EDIT_LIMIT, PREVIEW_BYTES};
use crate::report::words::{human_bytes, side_sentence};
use egui::RichText;

/// Below this page width, what was read goes under the text instead of beside it.
const STACK_BELOW: f32 = 720.0;

pub fn text_id() -> egui::Id {
    egui::Id::unique("portsleuth-error-text")
}

pub fn show(ui: &mut egui::Ui, w: &Wizard, text: &mut String) -> Vec<Command> {
    let mut commands = Vec::new();
    // The action bar sits under the page but is drawn after it, so that Tab reaches the text
    // and its buttons first and the bar last: the order a page is read in.
    let full = ui.available_rect_before_wrap();
    let split = (full.max.y - ACTION_BAR_HEIGHT).max(full.min.y);
    let page_rect = egui::Rect::from_min_max(full.min, egui::pos2(full.max.x, split));
    let bar_rect = egui::Rect::from_min_max(egui::pos2(full.min.x, split), full.max);
    ui.scope_builder(egui::UiBuilder::new().max_rect(page_rect), |ui| {
        page(ui, w, text, &mut commands);
    });
    ui.scope_builder(egui::UiBuilder::new().max_rect(bar_rect), |ui| {
        action_bar(ui, text, &mut commands);
    });
    commands
}

/// The height kept for the page's action bar.
const ACTION_BAR_HEIGHT: f32 = 46.0;

/// *Scan this machine* and *Diagnose without scanning*.
fn action_bar(ui: &mut egui::Ui, text: &str, commands: &mut Vec<Command>) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let has_text = !text.trim().is_empty();
        let scan = primary(ui, "Scan this machine", has_text)
            .on_disabled_hover_text("Paste the error text first");
        if scan.clicked() {
            commands.push(Command::StartScan);
        }
        let without = ui
            .add_enabled(has_text, egui::Button::new("Diagnose without scanning"))
            .on_hover_text(
                "Name the likely causes from the text alone; a scan confirms or rules them out",
            );
        if without.clicked() {
            commands.push(Command::DiagnoseWithoutScan);
        }
    });
}

/// The text with its buttons, and what was read from it.
fn page(ui: &mut egui::Ui, w: &Wizard, text: &mut String, commands: &mut Vec<Command>) {
    read_panel(ui, w, text.trim().is_empty());
    let label = ui.horizontal_wrapped(|ui| {
        let label = ui.label(RichText::new("Error text").strong());
        if ui
            .button("Paste")
            .on_hover_text("Paste from the clipboard (Ctrl+V in the box works too)")
            .clicked()
        {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::RequestPaste);
        }
        if ui
            .button("Open file\u{2026}")
            .on_hover_text("Read a saved error, an exported event log (.txt, .evtx as text, UTF-16 is fine) or a server log; or drop a file on the window")
            .clicked()
        {
            commands.push(Command::OpenWithDialog);
        }
        ui.menu_button("Examples", |ui| {
            for (i, e) in crate::gui::examples::all().iter().enumerate() {
                if ui.button(e.title).clicked() {
                    commands.push(Command::LoadExample(i));
                    ui.close();
                }
            }
        });
        if ui
            .add_enabled(!text.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            commands.push(Command::ClearText);
        }
        if let Some(note) = &w.describe.note {
            ui.label(RichText::new(note).small().weak());
        }
        label.id
    })
    .inner;
    if w.describe.no_dialog.is_some() {
        commands.extend(open_by_path(ui));
    }
    ui.add_space(4.0);
    if text.len() > EDIT_LIMIT {
        large_text(ui, text);
        return;
    }
    apply_highlight(ui, w, text);
    // The box fills the page, so a long paste is seen at once.
    let line = ui.text_style_height(&egui::TextStyle::Monospace);
    let rows = ((ui.available_height() - 12.0) / line).max(4.0) as usize;
    egui::ScrollArea::vertical()
        .id_salt("text-scroll")
        .auto_shrink(false)
        .show(ui, |ui| {
            let edit = egui::TextEdit::multiline(text)
                .id(text_id())
                .font(egui::TextStyle::Monospace)
                .desired_width(f32::INFINITY)
                .desired_rows(rows)
                .hint_text("Paste the error message, event log entry or log lines");
            if ui.add(edit).labelled_by(label).changed() {
                commands.push(Command::TextEdited);
            }
        });
}

/// What was read, beside the text when there is room for both; below it on a small screen,
/// so the two never overlap.
fn read_panel(ui: &mut egui::Ui, w: &Wizard, empty: bool) {
    if ui.available_width() >= STACK_BELOW {
        egui::Panel::right("what-was-read")
            .default_size(360.0)
            .size_range(260.0..=560.0)
            .resizable(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("read-scroll")
                    .show(ui, |ui| what_was_read(ui, w, empty));
            });
    } else {
        let height = ui.available_height();
        egui::Panel::bottom("what-was-read-below")
            .default_size(height * 0.4)
            .size_range((height * 0.2).max(80.0)..=(height * 0.6).max(120.0))
            .resizable(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("read-scroll-below")
                    .auto_shrink(false)
                    .show(ui, |ui| what_was_read(ui, w, empty));
            });
    }
}

/// Selects the words a piece of evidence points at, once, and scrolls them into view.
fn apply_highlight(ui: &mut egui::Ui, w: &Wizard, text: &str) {
    let Some(span) = w.describe.highlight else {
        return;
    };
    let applied = egui::Id::unique("portsleuth-applied-highlight");
    let last: Option<(usize, usize)> = ui.data(|d| d.get_temp(applied));
    if last == Some((span.start, span.end)) || span.end > text.len() {
        return;
    }
    ui.data_mut(|d| d.insert_temp(applied, (span.start, span.end)));
    let chars = |byte: usize| text.get(..byte).map_or(0, |t| t.chars().count());
    let mut state = egui::text_edit::TextEditState::load(ui.ctx(), text_id()).unwrap_or_default();
    state
        .cursor
        .set_char_range(Some(egui::text::CCursorRange::two(
            egui::text::CCursor::new(chars(span.start)),
            egui::text::CCursor::new(chars(span.end)),
        )));
    state.store(ui.ctx(), text_id());
    ui.memory_mut(|m| m.request_focus(text_id()));
}

fn large_text(ui: &mut egui::Ui, text: &str) {
    let mut cut = PREVIEW_BYTES.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    ui.label(format!(
        "This text is {}: it was read in full. The first {} are shown, read-only, so the window stays fast. Clear it to type.",
        human_bytes(text.len()),
        human_bytes(PREVIEW_BYTES)
    ));
    egui::ScrollArea::vertical()
        .id_salt("large-text")
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(&text[..cut]).monospace()).wrap());
        });
}

fn what_was_read(ui: &mut egui::Ui, w: &Wizard, empty: bool) {
    ui.heading("What PortSleuth read");
    ui.add_space(4.0);
    let s: &Symptoms = &w.describe.symptoms;
    if empty {
        ui.label("Nothing yet. Paste the error, open a file, drop one on the window, or pick one of the Examples.");
        return;
    }
    if s.is_empty() && s.servers.is_empty() && s.accounts.is_empty() {
        ui.label("Nothing recognised yet. PortSleuth looks for ports, protocols, error codes (0x800CCC92, 10048, EADDRINUSE, errno 98), event IDs and server responses.");
        return;
    }
    egui::Grid::new("read-grid")
        .num_columns(2)
        .spacing([10.0, 6.0])
        .striped(false)
        .show(ui, |ui| {
            if !s.protocols.is_empty() {
                row_label(ui, "Protocol");
                ui.horizontal_wrapped(|ui| {
                    for p in &s.protocols {
                        style::tag(ui, &p.value, style::accent(ui));
                    }
                });
                ui.end_row();
            }
            if !s.ports.is_empty() {
                row_label(ui, "Port");
                ui.vertical(|ui| {
                    for p in &s.ports {
                        let mut words = format!("{} \u{2013} {}", p.port, side_sentence(p.side));
                        if let Some(proto) = &p.protocol {
                            words.push_str(&format!(", {proto}"));
                        }
                        if p.inferred {
                            words.push_str(" (implied by an event)");
                        }
                        ui.label(words);
                    }
                });
                ui.end_row();
            }
            if let Some(ssl) = &s.ssl {
                row_label(ui, "SSL");
                ui.label(if ssl.value { "yes" } else { "no" });
                ui.end_row();
            }
            list_row(ui, "Server", s.servers.iter().map(|f| f.value.as_str()));
            list_row(ui, "Address", s.addresses.iter().map(|f| f.value.as_str()));
            list_row(ui, "Account", s.accounts.iter().map(|f| f.value.as_str()));
            list_row(
                ui,
                "Server said",
                s.responses.iter().map(|f| f.value.as_str()),
            );
            list_row(ui, "Programs", s.programs.iter().map(|f| f.value.as_str()));
        });
    codes_events_conditions(ui, s);
}

/// The codes decoded (meaning on hover), the events, and the conditions they point to.
fn codes_events_conditions(ui: &mut egui::Ui, s: &Symptoms) {
    if !s.codes.is_empty() {
        style::section(ui, "Codes (hover for the meaning)");
        for c in &s.codes {
            ui.horizontal_wrapped(|ui| {
                let kind = match c.kind {
                    CodeKind::Hresult => "HRESULT",
                    CodeKind::Winsock => "Winsock",
                    CodeKind::Errno => "errno",
                    CodeKind::Smtp => "SMTP",
                    CodeKind::Win32 => "Windows",
                    CodeKind::Curl => "curl",
                    CodeKind::TlsAlert => "TLS alert",
                };
                style::tag(ui, kind, style::warn(ui));
                let mut hover = c.meaning.clone();
                if let Some(m) = &c.message {
                    hover.push_str(&format!("\n\nSystem message: {m}"));
                }
                if let Some(p) = &c.platform {
                    hover.push_str(&format!("\nPlatform: {p}"));
                }
                if let Some(n) = &c.note {
                    hover.push_str(&format!("\n{n}"));
                }
                ui.label(RichText::new(&c.spelled).monospace().strong())
                    .on_hover_text(&hover);
                ui.label(&c.name).on_hover_text(hover);
            });
        }
    }
    if !s.events.is_empty() {
        style::section(ui, "Events");
        for e in &s.events {
            let words = format!(
                "Event {}{}",
                e.id,
                e.source
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
            ui.label(words)
                .on_hover_text(e.meaning.as_deref().unwrap_or("not in the knowledge base"));
            if let Some(m) = &e.meaning {
                ui.label(RichText::new(m).small().weak());
            }
        }
    }
    if !s.conditions.is_empty() {
        style::section(ui, "This points to");
        let mut seen = Vec::new();
        for c in &s.conditions {
            if !seen.contains(&c.condition) {
                seen.push(c.condition);
                ui.label(format!("\u{2022} {}", c.condition.describe()))
                    .on_hover_text(format!("from {}", c.from));
            }
        }
    }
    for n in &s.notes {
        ui.label(RichText::new(n).small().color(style::warn(ui)));
    }
}

fn row_label(ui: &mut egui::Ui, words: &str) {
    ui.label(RichText::new(words).weak());
}

fn list_row<'a>(ui: &mut egui::Ui, title: &str, values: impl Iterator<Item = &'a str>) {
    let values: Vec<&str> = values.collect();
    if values.is_empty() {
        return;
    }
    row_label(ui, title);
    ui.vertical(|ui| {
        for v in values {
            ui.add(egui::Label::new(v).wrap());
        }
    });
    ui.end_row();
}

/// Where no file dialog can open (no portal, a bare X server): a path field for *Open file…*.
fn open_by_path(ui: &mut egui::Ui) -> Vec<Command> {
    let mut commands = Vec::new();
    let id = egui::Id::unique("describe-open-path");
    let mut typed = ui.data(|d| d.get_temp::<String>(id)).unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Open the file at");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut typed)
                    .desired_width(360.0)
                    .hint_text("path of a log or saved error"),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let open = ui.add_enabled(!typed.trim().is_empty(), egui::Button::new("Read file"));
        if (open.clicked() || enter) && !typed.trim().is_empty() {
            commands.push(Command::OpenFile(std::path::PathBuf::from(typed.trim())));
        }
    });
    ui.data_mut(|d| d.insert_temp(id, typed));
    commands
}
