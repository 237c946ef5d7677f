//! Step 5: the report for the ticket: a live preview in the chosen format, redaction, save
//! (native dialog, or a typed path when no dialog can open) and copy.

use crate::gui::style;
use crate::gui::wizard::{Command, Reveal, Wizard};
use crate::report::words::human_bytes;
use crate::report::Format;
use egui::RichText;

/// The preview shows this much; the saved file has everything.
const PREVIEW_LIMIT: usize = 96 * 1024;

pub fn show(ui: &mut egui::Ui, w: &Wizard, path: &mut String) -> Vec<Command> {
    let mut commands = Vec::new();
    if w.case().is_none() {
        return commands;
    }
    ui.heading("Report for the ticket");
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.label("Format");
        for f in [Format::Html, Format::Markdown, Format::Json, Format::Text] {
            if ui.radio(w.report.format == f, f.label()).clicked() && w.report.format != f {
                commands.push(Command::SetFormat(f));
            }
        }
        ui.separator();
        let mut redact = w.report.redact;
        if ui
            .checkbox(&mut redact, "Redact")
            .on_hover_text("Replace account, user and host names, e-mail and IP addresses with placeholders before sharing")
            .changed()
        {
            commands.push(Command::SetRedact(redact));
        }
    });
    ui.horizontal(|ui| {
        let save = ui
            .add_enabled(
                !w.report.dialog_open(),
                egui::Button::new(
                    RichText::new("Save report\u{2026}")
                        .strong()
                        .color(egui::Color32::WHITE),
                )
                .fill(style::BRAND),
            )
            .on_hover_text("Ctrl+S");
        if save.clicked() {
            commands.push(Command::SaveWithDialog);
        }
        if ui.button("Copy to clipboard").clicked() {
            commands.push(Command::CopyReport);
        }
        if w.report.dialog_open() {
            ui.spinner();
            ui.label("waiting for the file dialog\u{2026}");
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label(if w.report.no_dialog.is_some() {
            "Save to"
        } else {
            "or save to"
        });
        let field = ui
            .add(
                egui::TextEdit::singleline(path)
                    .desired_width(460.0)
                    .hint_text("folder and file name"),
            )
            .labelled_by(label.id);
        // Ctrl+S with no file dialog puts the cursor here, once per time it was asked.
        let seen = egui::Id::unique("report-path-focus-seen");
        if ui.data(|d| d.get_temp::<u64>(seen).unwrap_or(0)) != w.report.focus_path {
            field.request_focus();
            ui.data_mut(|d| d.insert_temp(seen, w.report.focus_path));
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Save").clicked() || enter {
            commands.push(Command::SaveToTypedPath);
        }
    });
    if let Some(why) = &w.report.no_dialog {
        ui.label(
            RichText::new(format!("{why}, so type where to save."))
                .small()
                .weak(),
        );
    }
    if let Some(status) = &w.report.status {
        style::notice(ui, status, false);
    }
    saved_actions(ui, w, &mut commands);
    preview(ui, w);
    commands
}

/// Once saved: open the report, its folder, or print it.
fn saved_actions(ui: &mut egui::Ui, w: &Wizard, commands: &mut Vec<Command>) {
    if let Some(saved) = &w.report.saved {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Saved report:").weak());
            let open = ui
                .button("Open")
                .on_hover_text(format!("Open {} with its usual program", saved.display()));
            if open.clicked() {
                commands.push(Command::OpenSaved(Reveal::File));
            }
            if ui.button("Open folder").clicked() {
                commands.push(Command::OpenSaved(Reveal::Folder));
            }
            let print = ui.button("Print\u{2026}").on_hover_text(
                "Opens the report in the browser, whose Print uses the report's print layout",
            );
            if print.clicked() {
                commands.push(Command::OpenSaved(Reveal::Print));
            }
        });
    }
}

/// The report as it will be saved, cut to what a window shows quickly.
fn preview(ui: &mut egui::Ui, w: &Wizard) {
    ui.add_space(4.0);
    ui.separator();
    if let Some(text) = w.preview_text() {
        let mut cut = text.len().min(PREVIEW_LIMIT);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if w.report.format == Format::Html {
            ui.label(
                RichText::new(
                    "The HTML file opens in any browser; its content is shown here as text.",
                )
                .small()
                .weak(),
            );
        }
        ui.label(
            RichText::new(if cut < text.len() {
                format!(
                    "Preview ({} of {}; the saved file has all of it)",
                    human_bytes(cut),
                    human_bytes(text.len())
                )
            } else {
                format!("Preview ({})", human_bytes(text.len()))
            })
            .weak(),
        );
        egui::ScrollArea::both()
            .id_salt("report-preview")
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.add(egui::Label::new(RichText::new(&text[..cut]).monospace()).extend());
            });
    }
}

/// Asks before an existing file is replaced.
pub fn replace_dialog(ctx: &egui::Context, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(path) = &w.report.confirm_replace else {
        return commands;
    };
    let modal = egui::Modal::new(egui::Id::unique("confirm-replace")).show(ctx, |ui| {
        ui.heading("Replace the file?");
        ui.label(format!("{} already exists.", path.display()));
        ui.horizontal(|ui| {
            if ui.button("Replace").clicked() {
                commands.push(Command::ReplaceConfirmed);
            }
            if ui.button("Cancel").clicked() {
                commands.push(Command::ReplaceCancelled);
            }
        });
    });
    if modal.should_close() && commands.is_empty() {
        commands.push(Command::ReplaceCancelled);
    }
    commands
}
