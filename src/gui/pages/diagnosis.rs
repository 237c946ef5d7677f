//! Step 3: the causes, best first, each with its evidence, and what was ruled out and why.

use super::primary;
use crate::engine::diagnose::{EvidenceSource, Finding};
use crate::gui::style;
use crate::gui::wizard::{Command, Step, Wizard};
use egui::RichText;

pub fn show(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(report) = w.case() else {
        return commands;
    };
    ui.horizontal(|ui| {
        ui.heading("Diagnosis");
        let how = if report.diagnosis.scanned {
            "with a scan of this machine"
        } else {
            "from the text alone: a scan would confirm or rule these out"
        };
        ui.label(RichText::new(how).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // From the text alone the next thing is to look at the machine; after a scan, to fix.
            let to_fix = if report.diagnosis.scanned {
                primary(ui, "Go to Fix", true)
            } else {
                ui.add(egui::Button::new("Go to Fix").min_size(egui::vec2(0.0, 32.0)))
            };
            if to_fix.clicked() {
                commands.push(Command::GoTo(Step::Fix));
            }
        });
    });
    if w.case_stale() {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("The error text changed after this diagnosis.")
                    .color(style::warn(ui)),
            );
            if ui.button("Diagnose again").clicked() {
                commands.push(Command::Rediagnose);
            }
        });
    }
    if !report.diagnosis.scanned
        && !w.scan_running()
        && primary(ui, "Scan this machine to check", true).clicked()
    {
        commands.push(Command::StartScan);
    }
    for h in &report.diagnosis.port_holders {
        ui.label(format!("Port {}: {}", h.port, h.summary));
    }
    commands.extend(check_the_server(ui, w));
    ui.add_space(6.0);
    // A new diagnosis starts at its top card, not where the last one was scrolled to.
    let seen = egui::Id::unique("portsleuth-diagnosis-seen");
    let new_diagnosis = ui.data(|d| d.get_temp::<u64>(seen)) != Some(w.case_version());
    ui.data_mut(|d| d.insert_temp(seen, w.case_version()));
    let mut findings_area = egui::ScrollArea::vertical();
    if new_diagnosis {
        findings_area = findings_area.vertical_scroll_offset(0.0);
    }
    findings_area
        .id_salt("findings")
        .auto_shrink(false)
        .show(ui, |ui| {
            if report.diagnosis.findings.is_empty() {
                ui.label(RichText::new("PortSleuth did not recognise the cause of this error.").strong());
                ui.label("Check that the whole message was pasted (the codes and the port matter most), or add the text of the Event Viewer entry. Rules can be added as TOML in the per-user rules folder.");
            }
            for (i, f) in report.diagnosis.findings.iter().enumerate() {
                commands.extend(card(ui, w, i, f));
                ui.add_space(8.0);
            }
            if !report.diagnosis.ruled_out.is_empty() {
                egui::CollapsingHeader::new(RichText::new(format!(
                    "Ruled out ({})",
                    report.diagnosis.ruled_out.len()
                )).strong())
                .id_salt("ruled-out")
                .default_open(true)
                .show(ui, |ui| {
                    for r in &report.diagnosis.ruled_out {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(&r.title).strong());
                            ui.label(RichText::new(format!("({})", crate::report::words::category_words(r.category.as_str()))).weak());
                        });
                        ui.label(format!("Why not: {}", r.why));
                        ui.add_space(4.0);
                    }
                });
            }
        });
    commands
}

fn card(ui: &mut egui::Ui, w: &Wizard, i: usize, f: &Finding) -> Vec<Command> {
    let mut commands = Vec::new();
    let stroke = if i == 0 {
        egui::Stroke::new(1.5, style::accent(ui))
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    egui::Frame::group(ui.style())
        .stroke(stroke)
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("{}.", i + 1)).heading());
                ui.label(RichText::new(&f.title).heading().strong());
            });
            ui.horizontal(|ui| {
                style::tag(
                    ui,
                    &crate::report::words::category_words(f.category.as_str()),
                    style::accent(ui),
                )
                .on_hover_text(format!("Category identifier: {}", f.category.as_str()));
                style::confidence_bar(ui, f.confidence);
            });
            style::section(ui, "Why");
            for e in &f.evidence {
                ui.horizontal_wrapped(|ui| {
                    let (tag, colour) = source_tag(ui, e.source);
                    style::tag(ui, tag, colour);
                    ui.add(egui::Label::new(&e.says).wrap());
                    if let Some(span) = e.span {
                        if ui
                            .small_button("show in text")
                            .on_hover_text("Highlight these words in the pasted error")
                            .clicked()
                        {
                            commands.push(Command::ShowText(span));
                        }
                    }
                    let in_table = (e.port.is_some() || e.pid.is_some())
                        && w.snapshot().is_some()
                        && e.source == EvidenceSource::Scan;
                    if in_table
                        && ui
                            .small_button("show in table")
                            .on_hover_text("Show this socket in the scan table")
                            .clicked()
                    {
                        commands.push(Command::ShowSocket {
                            port: e.port,
                            pid: e.pid,
                        });
                    }
                });
            }
            for u in &f.unverified {
                // The sentence says itself what a scan would check ("A scan of exch01 would check …").
                ui.add(
                    egui::Label::new(RichText::new(format!("Not checked yet: {u}")).weak()).wrap(),
                );
            }
            style::section(ui, "What it means");
            style::kb_text(ui, "", &f.explanation);
            if !f.steps.is_empty() {
                style::section(ui, "What to do");
                for (n, s) in f.steps.iter().enumerate() {
                    style::kb_text(ui, &format!("{}. ", n + 1), s);
                }
            }
            for why in &f.withheld {
                ui.label(RichText::new(format!("Not offered: {why}")).color(style::warn(ui)));
            }
            if !f.references.is_empty() {
                style::section(ui, "References");
                for r in &f.references {
                    match &r.url {
                        Some(url) => {
                            ui.hyperlink_to(&r.title, url);
                        }
                        None => {
                            ui.label(&r.title);
                        }
                    }
                }
            }
            if !f.actions.is_empty() {
                ui.add_space(4.0);
                let words = format!(
                    "Fix this ({} action{})",
                    f.actions.len(),
                    if f.actions.len() == 1 { "" } else { "s" }
                );
                if ui.button(words).clicked() {
                    commands.push(Command::ChooseFinding(i));
                }
            }
        });
    commands
}

/// The tag in front of a piece of evidence: where it comes from, in its colour.
fn source_tag(ui: &egui::Ui, source: EvidenceSource) -> (&'static str, egui::Color32) {
    match source {
        EvidenceSource::Text => ("TEXT", style::accent(ui)),
        EvidenceSource::Scan => ("SCAN", style::good(ui)),
        EvidenceSource::Absence => ("NOT FOUND", style::warn(ui)),
        EvidenceSource::NotSeen => ("NOT SEEN", style::warn(ui)),
        EvidenceSource::Probe => ("PROBE", style::good(ui)),
    }
}

/// *Check the server*: when the error is about another machine, say what a read-only probe
/// would connect to and offer it; while it runs, say so; afterwards, what answered.
fn check_the_server(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(case) = w.case() else {
        return commands;
    };
    if !case.diagnosis.probes.is_empty() {
        for p in &case.diagnosis.probes {
            ui.label(
                RichText::new(format!(
                    "Checked from here: {}",
                    crate::report::probes::headline(p)
                ))
                .strong(),
            );
        }
        return commands;
    }
    let targets = w.server_checks();
    let elsewhere = case
        .symptoms
        .servers
        .iter()
        .any(|s| s.this_machine == Some(false));
    if targets.is_empty() || !elsewhere {
        return commands;
    }
    let names = targets.join(", ");
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.add(
            egui::Label::new(format!(
                "The error is about another machine. PortSleuth can look at {names} from here: one connection each, it reads the greeting and the certificate and sends no user name or password. The server may log the connection."
            ))
            .wrap(),
        );
        if w.checking_server() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Checking {names} (read-only)\u{2026}"));
            });
        } else {
            ui.horizontal_wrapped(|ui| {
                if ui
                    .button(format!("Check the server: {names}"))
                    .on_hover_text("A read-only probe: name lookup, connection, greeting, TLS and certificate")
                    .clicked()
                {
                    commands.push(Command::CheckServer);
                }
                if ui
                    .button("Load the server's scan\u{2026}")
                    .on_hover_text("The file `portsleuth scan --format json` wrote on the server (or drop it onto this window)")
                    .clicked()
                {
                    commands.push(Command::LoadSnapshotWithDialog);
                }
            });
        }
    });
    commands
}
