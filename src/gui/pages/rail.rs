//! The step rail: where the user is, what each step has, and what a step that is not ready
//! still needs.

use crate::gui::wizard::{Command, ScanStage, Step, Wizard};
use crate::report::words::count;
use egui::RichText;

pub fn show(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.add_space(10.0);
    for step in Step::ALL {
        let current = w.step() == step;
        let blocked = w.not_ready(step);
        let status = status(w, step);
        let title = format!("{}  {}", step.number(), step.title());
        let mut text = RichText::new(&title).size(16.0);
        if current {
            text = text.strong();
        }
        let button = egui::Button::selectable(current, text)
            .min_size(egui::vec2(ui.available_width(), 30.0));
        let response = ui.add_enabled(blocked.is_none(), button);
        let response = match blocked {
            Some(why) => response.on_disabled_hover_text(why),
            None => response.on_hover_text(format!("Go to step {title}")),
        };
        if response.clicked() && !current {
            commands.push(Command::GoTo(step));
        }
        ui.horizontal(|ui| {
            ui.add_space(22.0);
            let colour = if blocked.is_some() {
                ui.visuals().weak_text_color()
            } else {
                ui.visuals().text_color()
            };
            ui.add(egui::Label::new(RichText::new(status).small().color(colour)).truncate());
        });
        ui.add_space(8.0);
    }
    ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
        ui.add_space(6.0);
        ui.label(
            RichText::new("Ctrl+Enter: next step\nCtrl+S: save the report")
                .small()
                .weak(),
        );
        if w.busy() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(RichText::new("working…").small());
            });
        }
    });
    commands
}

/// One line under each step: what it has now.
fn status(w: &Wizard, step: Step) -> String {
    match step {
        Step::Describe => {
            if w.describe.text.trim().is_empty() {
                "paste the error".into()
            } else {
                let s = &w.describe.symptoms;
                let mut parts = Vec::new();
                if let Some(p) = s.ports_to_check().first() {
                    parts.push(format!("port {p}"));
                }
                if !s.codes.is_empty() {
                    parts.push(count(s.codes.len(), "code", "codes"));
                }
                if parts.is_empty() {
                    "nothing recognised yet".into()
                } else {
                    parts.join(", ")
                }
            }
        }
        Step::Scan => match &w.scan.stage {
            ScanStage::NotStarted => "not scanned".into(),
            ScanStage::Running(_) => "scanning…".into(),
            ScanStage::Done { .. } => w.scan.snapshot.as_ref().map_or(String::new(), |s| {
                count(s.sockets.len(), "socket", "sockets")
            }),
            ScanStage::Cancelled => "cancelled".into(),
            ScanStage::Failed(_) => "failed".into(),
        },
        Step::Diagnosis => match w.case() {
            None => "needs a diagnosis".into(),
            Some(_) if w.case_stale() => "text changed: diagnose again".into(),
            Some(c) => match c.diagnosis.findings.first() {
                Some(f) => format!("{}: {}", confidence_word(f.confidence), f.title),
                None => "cause not recognised".into(),
            },
        },
        Step::Fix => match w.case() {
            None => "needs a diagnosis".into(),
            Some(c) if c.actions_taken.is_empty() => {
                let n: usize = c.diagnosis.findings.iter().map(|f| f.actions.len()).sum();
                if n == 0 {
                    "no actions offered".into()
                } else {
                    format!("{} offered", count(n, "action", "actions"))
                }
            }
            Some(c) => format!(
                "{} recorded",
                count(c.actions_taken.len(), "action", "actions")
            ),
        },
        Step::Report => match w.case() {
            None => "needs a diagnosis".into(),
            Some(_) => format!("{} report", w.report.format.label()),
        },
    }
}

/// Confidence in a word a technician reads at a glance; the number is on the card.
fn confidence_word(confidence: f64) -> &'static str {
    if confidence >= 0.9 {
        "Almost certain"
    } else if confidence >= 0.75 {
        "Likely"
    } else if confidence >= 0.45 {
        "Possible"
    } else {
        "Unlikely"
    }
}
