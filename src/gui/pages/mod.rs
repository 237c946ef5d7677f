//! One module per wizard page. A page reads the wizard, may change only its own widgets' state
//! (the text box, the table's filter), and returns commands for the app to apply.

pub mod describe;
pub mod diagnosis;
pub mod fix;
pub mod history;
pub mod rail;
pub mod report;
pub mod scan;

use super::wizard::{Command, Step, Wizard};

pub fn show(ui: &mut egui::Ui, w: &mut Wizard) -> Vec<Command> {
    match w.step() {
        Step::Describe => {
            let mut text = std::mem::take(&mut w.describe.text);
            let commands = describe::show(ui, w, &mut text);
            w.describe.text = text;
            commands
        }
        Step::Scan => {
            let mut table = std::mem::take(&mut w.scan.table);
            let commands = scan::show(ui, w, &mut table);
            w.scan.table = table;
            commands
        }
        Step::Diagnosis => diagnosis::show(ui, w),
        Step::Fix => fix::show(ui, w),
        Step::Report => {
            let mut path = std::mem::take(&mut w.report.path_text);
            // The preview is rendered (and cached) before the page borrows the wizard.
            let _ = w.rendered();
            let commands = report::show(ui, w, &mut path);
            w.report.path_text = path;
            commands
        }
    }
}

/// The big button that moves the user on, with its shortcut in the hover text.
pub fn primary(ui: &mut egui::Ui, words: &str, enabled: bool) -> egui::Response {
    let fill = super::style::BRAND;
    let text = egui::RichText::new(words)
        .strong()
        .color(egui::Color32::WHITE);
    ui.add_enabled(
        enabled,
        egui::Button::new(text)
            .fill(fill)
            .min_size(egui::vec2(0.0, 32.0)),
    )
    .on_hover_text("Ctrl+Enter")
}
