//! Step 4: the chosen cause's actions as buttons that say exactly what they do, a preview, a
//! confirmation naming the target and the commands, and the re-scan's verdict in plain words.

use super::primary;
use crate::engine::fixing::{ActionRecord, Outcome};
use crate::gui::style;
use crate::gui::wizard::{Command, Step, Wizard};
use crate::report::words::{action_line_at, count, outcome_heading, percent, what_happens};
use egui::RichText;

pub fn show(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(report) = w.case() else {
        return commands;
    };
    ui.heading("Fix");
    let findings = &report.diagnosis.findings;
    if findings.is_empty() {
        ui.label("There is nothing to fix: the cause was not recognised. The report still records what was read and seen.");
        if primary(ui, "Go to Report", true).clicked() {
            commands.push(Command::GoTo(Step::Report));
        }
        return commands;
    }
    let chosen = w.fix.finding.min(findings.len() - 1);
    ui.horizontal(|ui| {
        let label = ui.label("Cause");
        // Never wider than the page: at 800×600 the cause's title is cut, not the page.
        let width = (ui.available_width() - 24.0).clamp(160.0, 520.0);
        egui::ComboBox::from_id_salt("finding")
            .width(width)
            .truncate()
            .selected_text(finding_words(chosen, &findings[chosen]))
            .show_ui(ui, |ui| {
                for (i, f) in findings.iter().enumerate() {
                    if ui
                        .selectable_label(i == chosen, finding_words(i, f))
                        .clicked()
                    {
                        commands.push(Command::ChooseFinding(i));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    let f = &findings[chosen];
    ui.add_space(6.0);
    if f.actions.is_empty() {
        if !report.diagnosis.scanned {
            ui.label(
                "Actions act on the exact process found holding the port, so they need a scan.",
            );
            if !w.scan_running() && primary(ui, "Scan this machine", true).clicked() {
                commands.push(Command::StartScan);
            }
        } else {
            ui.label("This cause has no one-click fix. What to do:");
        }
        for (n, s) in f.steps.iter().enumerate() {
            style::kb_text(ui, &format!("{}. ", n + 1), s);
        }
    }
    let busy = w.fix.busy() || w.fix.confirmation().is_some() || w.scan_running();
    // The report is the next thing once something was done; before that, the fix is.
    let something_done = report
        .actions_taken
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Done | Outcome::ProblemRemains));
    let first_open = action_buttons(ui, report, f, busy, !something_done, &mut commands);
    for why in &f.withheld {
        ui.label(RichText::new(format!("Not offered: {why}")).color(style::warn(ui)));
    }
    if let Some(words) = w.fix.busy_words() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(words);
        });
    } else if w.scan_running() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Scanning the machine again to show it after the fix\u{2026}");
        });
    }
    if let Some(record) = &w.fix.last {
        ui.add_space(6.0);
        record_card(ui, record);
    }
    next_steps(ui, w, report, &mut commands);
    if !report.actions_taken.is_empty() {
        egui::CollapsingHeader::new(format!(
            "Actions recorded for the report ({})",
            report.actions_taken.len()
        ))
        .id_salt("actions-taken")
        .show(ui, |ui| {
            for r in &report.actions_taken {
                ui.add(egui::Label::new(action_line_at(r, &crate::clock::local)).wrap());
            }
        });
    }
    ui.add_space(8.0);
    let to_report = if something_done || first_open.is_none() {
        primary(ui, "Go to Report", true)
    } else {
        ui.add(egui::Button::new("Go to Report").min_size(egui::vec2(0.0, 32.0)))
    };
    if to_report.clicked() {
        commands.push(Command::GoTo(Step::Report));
    }
    commands
}

/// The cause's actions: a button and a Preview each, or, once done and verified, the result in
/// the button's place. Returns the first action not done yet; with `lead` (nothing done yet)
/// it is the page's primary button, otherwise the report is.
fn action_buttons(
    ui: &mut egui::Ui,
    case: &crate::session::Case,
    f: &crate::engine::diagnose::Finding,
    busy: bool,
    lead: bool,
    commands: &mut Vec<Command>,
) -> Option<usize> {
    // The first action not yet done is the step's one obvious next thing.
    let first_open = f.actions.iter().position(|a| case.done(&a.id).is_none());
    for (i, a) in f.actions.iter().enumerate() {
        if let Some(done) = case.done(&a.id) {
            // Done and verified: the button has become its result and cannot run again.
            ui.label(
                RichText::new(format!(
                    "{}: done and verified at {}",
                    a.label,
                    crate::clock::local(&done.at)
                ))
                .strong()
                .color(style::good(ui)),
            );
            ui.add_space(4.0);
            continue;
        }
        ui.horizontal_wrapped(|ui| {
            let button = if lead && Some(i) == first_open {
                egui::Button::new(RichText::new(&a.label).strong().color(egui::Color32::WHITE))
                    .fill(style::BRAND)
            } else {
                egui::Button::new(RichText::new(&a.label).strong())
            };
            let run = ui
                .add_enabled(!busy, button.min_size(egui::vec2(0.0, 30.0)))
                .on_hover_text(what_happens(a.kind));
            if run.clicked() {
                commands.push(Command::AskToRun(a.id.clone()));
            }
            let preview = ui
                .add_enabled(!busy, egui::Button::new("Preview"))
                .on_hover_text(format!("Re-check the target of \u{201c}{}\u{201d} and show the exact commands; change nothing", a.label));
            if preview.clicked() {
                commands.push(Command::Preview(a.id.clone()));
            }
        });
        if let Some(c) = &a.caution {
            ui.label(RichText::new(c).small().color(style::warn(ui)));
        }
        ui.add_space(4.0);
    }
    first_open
}

/// Once an action changed the machine: what to do now (the rule's `after_fix`), and *Test
/// again*, which scans again (and checks the server again where it was checked before).
fn next_steps(
    ui: &mut egui::Ui,
    w: &Wizard,
    case: &crate::session::Case,
    commands: &mut Vec<Command>,
) {
    let Some(fixed) = &case.fixed else { return };
    ui.add_space(6.0);
    style::section(ui, "Next steps");
    ui.label(RichText::new(format!("After: {}", fixed.title)).weak());
    for (n, s) in fixed.next_steps.iter().enumerate() {
        style::kb_text(ui, &format!("{}. ", n + 1), s);
    }
    let busy = w.scan_running() || w.checking_server() || w.fix.busy();
    let again = ui
        .add_enabled(!busy, egui::Button::new("Test again"))
        .on_hover_text(if case.probes.is_empty() {
            "Scan this machine again and diagnose the error on it as it is now"
        } else {
            "Scan this machine again and check the server again, read-only"
        });
    if again.clicked() {
        commands.push(Command::StartScan);
        if !case.probes.is_empty() {
            commands.push(Command::CheckServer);
        }
    }
}

fn finding_words(i: usize, f: &crate::engine::diagnose::Finding) -> String {
    format!(
        "{}. {} ({}%, {})",
        i + 1,
        f.title,
        percent(f.confidence),
        count(f.actions.len(), "action", "actions")
    )
}

fn record_card(ui: &mut egui::Ui, r: &ActionRecord) {
    let colour = match r.outcome {
        Outcome::Done => style::good(ui),
        Outcome::Previewed => style::accent(ui),
        Outcome::Refused | Outcome::Cancelled | Outcome::ProblemRemains => style::warn(ui),
        Outcome::Failed => style::bad(ui),
    };
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, colour))
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(format!("{}: {}", outcome_heading(r.outcome), r.label))
                    .strong()
                    .color(colour),
            );
            ui.add(egui::Label::new(&r.detail).wrap());
            if !r.commands.is_empty() {
                // The detail says it in words; the exact calls are a click away.
                let heading = match r.outcome {
                    Outcome::Previewed => "Would run (exact calls)",
                    Outcome::Failed => "Tried (exact calls)",
                    _ => "Ran (exact calls)",
                };
                egui::CollapsingHeader::new(RichText::new(heading).weak())
                    .id_salt(("record-calls", &r.action_id, &r.at))
                    .default_open(r.outcome == Outcome::Previewed)
                    .show(ui, |ui| {
                        for c in &r.commands {
                            ui.add(egui::Label::new(RichText::new(c).monospace()).wrap());
                        }
                    });
            }
            if let Some(v) = &r.verification {
                ui.add(egui::Label::new(RichText::new(format!("Re-scan: {v}")).strong()).wrap());
            }
            if let Some(e) = &r.error {
                ui.label(RichText::new(e).color(style::bad(ui)));
            }
        });
}

/// The confirmation before anything changes: the target and the exact commands.
pub fn confirm_dialog(ctx: &egui::Context, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(prepared) = w.fix.confirmation() else {
        ctx.data_mut(|d| d.remove::<bool>(confirm_focused()));
        return commands;
    };
    let action = &prepared.action;
    let modal = egui::Modal::new(egui::Id::unique("confirm-action")).show(ctx, |ui| {
        ui.set_max_width(620.0);
        ui.heading(format!("{}?", action.label));
        ui.add_space(4.0);
        let t = &action.target;
        egui::Grid::new("target").num_columns(2).show(ui, |ui| {
            let mut row = |k: &str, v: Option<String>| {
                if let Some(v) = v {
                    ui.label(RichText::new(k).weak());
                    ui.label(v);
                    ui.end_row();
                }
            };
            row("Program", t.exe_name.clone());
            row("Path", t.exe.clone());
            row("PID", t.pid.map(|p| p.to_string()));
            row(
                "Started",
                t.start_time
                    .map(|s| crate::clock::local(&crate::clock::rfc3339(s as i64))),
            );
            match &t.connection {
                Some(c) => row("Connection", Some(c.to_string())),
                None => row("Port", t.port.map(|p| p.to_string())),
            }
            row("Service", t.service.clone());
            row("Product", t.product.clone());
        });
        ui.add_space(4.0);
        ui.label("The target was re-checked just now. PortSleuth will:");
        for (n, words) in prepared.words.iter().enumerate() {
            ui.add(egui::Label::new(format!("{}. {words}", n + 1)).wrap());
        }
        egui::CollapsingHeader::new(RichText::new("Exact calls").weak())
            .id_salt("confirm-calls")
            .show(ui, |ui| {
                for l in &prepared.commands {
                    ui.add(egui::Label::new(RichText::new(l).monospace()).wrap());
                }
            });
        if let Some(c) = &action.caution {
            ui.label(RichText::new(c).color(style::warn(ui)));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let run = ui.add(
                egui::Button::new(RichText::new("Run it").strong().color(egui::Color32::WHITE))
                    .fill(style::BRAND),
            );
            // Focus goes to "Run it" each time the dialog opens, so Enter runs it after an
            // earlier Cancel too.
            if !ui.data(|d| d.get_temp::<bool>(confirm_focused()).unwrap_or(false)) {
                run.request_focus();
                ui.data_mut(|d| d.insert_temp(confirm_focused(), true));
            }
            let cancel = ui.button("Cancel");
            // Enter runs it wherever the focus is in the dialog (after opening *Exact calls*
            // too), except on Cancel, where it cancels.
            let enter = ui.input(|i| i.key_pressed(egui::Key::Enter))
                && !run.has_focus()
                && !cancel.has_focus();
            if run.clicked() || enter {
                commands.push(Command::ConfirmRun);
            }
            if cancel.clicked() {
                commands.push(Command::CancelRun);
            }
            ui.label(RichText::new("Enter runs it, Esc cancels").small().weak());
        });
    });
    if modal.should_close() && commands.is_empty() {
        commands.push(Command::CancelRun);
    }
    commands
}

/// Set while the confirmation is open and its button has been given the focus.
fn confirm_focused() -> egui::Id {
    egui::Id::unique("portsleuth-confirm-focused")
}

/// Whether PortSleuth runs elevated, and the way to elevate where there is one.
pub fn elevation_badge(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    if w.elevated() == Some(true) {
        ui.label(RichText::new("Running as administrator").color(style::good(ui)));
    } else {
        if cfg!(windows)
            && ui
                .button("Restart as administrator")
                .on_hover_text("Stopping services, uninstalling and seeing other users' processes need it; your text is kept")
                .clicked()
        {
            commands.push(Command::RestartElevated);
        }
        let hint = if cfg!(windows) {
            "Stopping services, uninstalling and seeing other users' processes need administrator rights"
        } else {
            "Stopping services, uninstalling and seeing other users' processes need root: start PortSleuth with sudo"
        };
        ui.label(RichText::new("Not elevated").color(style::warn(ui)))
            .on_hover_text(hint);
    }
    commands
}
