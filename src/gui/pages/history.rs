//! The History window: the recent cases, newest first, each with Open, Save report again and
//! Delete.

use crate::gui::wizard::{Command, Wizard};
use crate::report::words::count;
use egui::RichText;

pub fn window(ctx: &egui::Context, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    if !w.history.open {
        return commands;
    }
    let mut open = true;
    egui::Window::new("Recent cases")
        .open(&mut open)
        .collapsible(false)
        .default_width(560.0)
        .max_height(ctx.content_rect().height() * 0.8)
        .show(ctx, |ui| {
            if w.history.cases.is_empty() {
                ui.label("No cases kept yet. A case is kept here when you start a new one, open another text, or close PortSleuth.");
                return;
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for c in &w.history.cases {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(crate::clock::local(&c.opened_at)).monospace());
                        ui.label(RichText::new(&c.title).strong());
                    });
                    ui.horizontal(|ui| {
                        let mut facts = Vec::new();
                        if let Some(h) = &c.host {
                            facts.push(format!("on {h}"));
                        }
                        facts.push(count(c.actions, "action", "actions"));
                        if c.fixed {
                            facts.push("fixed and verified".into());
                        }
                        ui.label(facts.join(", "));
                        if ui.button("Open").on_hover_text("Make this the current case").clicked() {
                            commands.push(Command::OpenPastCase(c.id.clone()));
                        }
                        if ui
                            .button("Save report\u{2026}")
                            .on_hover_text("Open this case and save its report again")
                            .clicked()
                        {
                            commands.push(Command::ExportPastCase(c.id.clone()));
                        }
                        if ui.button("Delete").on_hover_text("Forget this case").clicked() {
                            commands.push(Command::DeletePastCase(c.id.clone()));
                        }
                    });
                    ui.separator();
                }
            });
        });
    if !open {
        commands.push(Command::ShowHistory(false));
    }
    commands
}
