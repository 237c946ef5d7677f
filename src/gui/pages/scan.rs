//! Step 2: the scan's progress, then what it saw: a summary, what it could not see, and every
//! socket with its process, service, product and user, the error's ports pinned on top.

use super::primary;
use crate::gui::style;
use crate::gui::table::{Column, Mark, SocketTable};
use crate::gui::wizard::{Command, ScanStage, Step, Wizard};
use crate::platform::Phase;
use crate::report::words::count;
use egui::RichText;
use egui_extras::{Column as Width, TableBuilder};

const PHASES: [Phase; 5] = [
    Phase::Sockets,
    Phase::Owners,
    Phase::Processes,
    Phase::Services,
    Phase::Products,
];

pub fn show(ui: &mut egui::Ui, w: &Wizard, table: &mut SocketTable) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.heading("Scan this machine");
    ui.add_space(4.0);
    match &w.scan.stage {
        ScanStage::NotStarted => {
            ui.label("PortSleuth has not looked at this machine yet. The scan lists every listening socket and connection, the process holding it, and the service and installed product behind that process. It changes nothing.");
            if primary(ui, "Scan this machine", true).clicked() {
                commands.push(Command::StartScan);
            }
        }
        ScanStage::Running(job) => {
            let started = job.started;
            let (phase, fraction) = match job.progress() {
                Some(p) => {
                    let i = PHASES.iter().position(|x| *x == p.phase).unwrap_or(0);
                    let within = if p.total == 0 {
                        0.0
                    } else {
                        p.done as f32 / p.total as f32
                    };
                    (
                        p.phase.describe(),
                        (i as f32 + within) / PHASES.len() as f32,
                    )
                }
                None => ("Starting", 0.0),
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .text(format!("{phase}\u{2026}"))
                    .animate(true),
            );
            ui.label(format!("{:.1} s", started.elapsed().as_secs_f32()));
            if ui.button("Cancel scan").clicked() {
                commands.push(Command::CancelScan);
            }
        }
        ScanStage::Cancelled => {
            ui.label("The scan was cancelled; nothing was kept.");
            if primary(ui, "Scan again", true).clicked() {
                commands.push(Command::StartScan);
            }
        }
        ScanStage::Failed(why) => {
            ui.label(RichText::new(format!("The scan failed: {why}")).color(style::bad(ui)));
            if primary(ui, "Scan again", true).clicked() {
                commands.push(Command::StartScan);
            }
        }
        ScanStage::Done { took } => {
            if let Some(s) = &w.scan.snapshot {
                summary(ui, s, table, *took);
                if !s.warnings.is_empty() {
                    egui::CollapsingHeader::new(
                        RichText::new(format!(
                            "{} the scan could not see",
                            count(s.warnings.len(), "thing", "things")
                        ))
                        .color(style::warn(ui)),
                    )
                    .id_salt("scan-warnings")
                    .show(ui, |ui| {
                        for warning in &s.warnings {
                            ui.label(&warning.what);
                            if let Some(r) = &warning.remedy {
                                ui.label(RichText::new(format!("What helps: {r}")).small().weak());
                            }
                        }
                    });
                }
                ui.horizontal(|ui| {
                    if primary(ui, "Show the diagnosis", w.case().is_some()).clicked() {
                        commands.push(Command::GoTo(Step::Diagnosis));
                    }
                    if ui.button("Scan again").clicked() {
                        commands.push(Command::StartScan);
                    }
                    commands.extend(auto_refresh(ui, w, table));
                });
                ui.separator();
                commands.extend(before_and_after(ui, w));
                commands.extend(socket_table(ui, w, table));
            }
        }
    }
    commands
}

/// What the scan saw, in one sentence, with when and where.
fn summary(
    ui: &mut egui::Ui,
    s: &crate::engine::snapshot::Snapshot,
    table: &SocketTable,
    took: std::time::Duration,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} ({} listening), {}, {}, {} \u{2013} scanned at {} in {} ms on {} ({}).",
            count(s.sockets.len(), "socket", "sockets"),
            table.listeners(),
            count(s.processes.len(), "process", "processes"),
            count(s.services.len(), "service", "services"),
            count(s.products.len(), "product", "products"),
            crate::clock::local(&s.taken_at),
            took.as_millis(),
            s.host.hostname,
            if s.host.elevated {
                "as administrator"
            } else {
                "not as administrator"
            }
        ));
    });
}

/// The refresh interval (off by default) and, once refreshed, what changed.
fn auto_refresh(ui: &mut egui::Ui, w: &Wizard, table: &SocketTable) -> Vec<Command> {
    let mut commands = Vec::new();
    let every = w.scan.auto_refresh;
    let words = |e: Option<std::time::Duration>| match e {
        None => "off".to_owned(),
        Some(d) => format!("every {} s", d.as_secs()),
    };
    let label = ui.label("Auto-refresh");
    egui::ComboBox::from_id_salt("auto-refresh")
        .selected_text(words(every))
        .show_ui(ui, |ui| {
            for choice in [None, Some(2), Some(5), Some(10), Some(30)] {
                let choice = choice.map(std::time::Duration::from_secs);
                if ui.selectable_label(every == choice, words(choice)).clicked() && every != choice
                {
                    commands.push(Command::SetAutoRefresh(choice));
                }
            }
        })
        .response
        .on_hover_text("Scan again at this interval while this page shows: new sockets are marked green, closed ones red until the next refresh")
        .labelled_by(label.id);
    // The page holds the table while it draws (`w.scan.table` is empty meanwhile).
    let (new, gone) = table.changes;
    if every.is_some() && (new > 0 || gone > 0) {
        ui.label(
            RichText::new(format!("since the previous scan: {new} new, {gone} closed")).small(),
        );
    }
    commands
}

/// After a fix: which state the table shows, with its time, and the switch to the other.
fn before_and_after(ui: &mut egui::Ui, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let (Some(before), Some(after)) = (&w.scan.before, &w.scan.snapshot) else {
        return commands;
    };
    ui.horizontal_wrapped(|ui| {
        if w.scan.showing_before {
            ui.label(
                RichText::new(format!(
                    "Before the fix \u{2013} as scanned at {}",
                    crate::clock::local(&before.taken_at)
                ))
                .strong()
                .color(style::warn(ui)),
            );
            if ui.button("Show after the fix").clicked() {
                commands.push(Command::ShowBeforeFix(false));
            }
        } else {
            ui.label(
                RichText::new(format!(
                    "After the fix \u{2013} scanned again at {}",
                    crate::clock::local(&after.taken_at)
                ))
                .strong()
                .color(style::good(ui)),
            );
            if ui.button("Show before the fix").clicked() {
                commands.push(Command::ShowBeforeFix(true));
            }
        }
    });
    commands
}

fn socket_table(ui: &mut egui::Ui, w: &Wizard, t: &mut SocketTable) -> Vec<Command> {
    let mut commands = Vec::new();
    filter_bar(ui, t);
    // The columns keep their widths on a small screen; the table scrolls sideways instead.
    egui::ScrollArea::horizontal()
        .id_salt("sockets-sideways")
        .show(ui, |ui| {
            // The table is at least as wide as its columns, so the area has something to
            // scroll to; on a wide screen it fills the page.
            let columns = t.columns();
            let spacing = ui.spacing().item_spacing.x * columns.len() as f32;
            ui.set_min_width(columns.iter().map(|c| width_of(*c)).sum::<f32>() + spacing);
            socket_rows(ui, w, t, &mut commands);
        });
    commands
}

/// A column's starting width (the user can drag it wider or narrower).
fn width_of(c: Column) -> f32 {
    match c {
        Column::Proto => 46.0,
        Column::Port => 52.0,
        Column::RemotePort | Column::Pid => 60.0,
        Column::State => 92.0,
        Column::User => 110.0,
        Column::Local | Column::RemoteAddr => 120.0,
        Column::Process | Column::Service => 140.0,
        Column::Product => 150.0,
    }
}

fn socket_rows(ui: &mut egui::Ui, w: &Wizard, t: &mut SocketTable, commands: &mut Vec<Command>) {
    let row_height = 22.0;
    let columns = t.columns();
    let mut builder = TableBuilder::new(ui)
        // Another set of columns is another table: the widths dragged for one set stay with it.
        .id_salt(("sockets", t.hidden.len()))
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .min_scrolled_height(200.0);
    for (n, &c) in columns.iter().enumerate() {
        let width = width_of(c);
        builder = builder.column(if n + 1 == columns.len() {
            Width::remainder().at_least(width).clip(true)
        } else if matches!(c, Column::Proto | Column::Port) {
            Width::exact(width)
        } else {
            Width::initial(width).clip(true)
        });
    }
    if let Some(pos) = t.scroll_to.take() {
        builder = builder.scroll_to_row(pos, Some(egui::Align::Center));
    }
    let mut clicked_header = None;
    let mut clicked_row = None;
    builder
        .header(row_height, |mut header| {
            for &c in &columns {
                header.col(|ui| {
                    let b = ui
                        .add(egui::Button::new(RichText::new(c.title()).strong()).frame(false))
                        .on_hover_text(format!("Sort by {}", c.title()));
                    if let Some((_, ascending)) = t.sort.filter(|(s, _)| *s == c) {
                        sort_marker(ui, ascending);
                    }
                    if b.clicked() {
                        clicked_header = Some(c);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, t.visible.len(), |mut row| {
                let index = t.visible[row.index()];
                let r = &t.rows[index];
                row.set_selected(t.selected == Some(index));
                for &c in &columns {
                    row.col(|ui| cell(ui, r, c));
                }
                let response = row.response();
                if response.clicked() || response.secondary_clicked() {
                    clicked_row = Some(index);
                }
                if response.double_clicked() {
                    commands.push(Command::ShowProperties(Some(index)));
                }
                response.container_context_menu(|ui| row_menu(ui, w, t, index, commands));
            });
        });
    if let Some(c) = clicked_header {
        t.click_header(c);
    }
    if let Some(i) = clicked_row {
        t.selected = Some(i);
    }
}

/// One cell of the socket table: its mark or pin, its text, and what hovering it explains.
fn cell(ui: &mut egui::Ui, r: &crate::gui::table::Row, c: Column) {
    let fill = match r.mark {
        Mark::New => Some(style::change_fill_in(true, style::dark(ui))),
        Mark::Gone => Some(style::change_fill_in(false, style::dark(ui))),
        Mark::Same => r.pinned.then(|| style::pinned_fill(ui)),
    };
    if let Some(fill) = fill {
        ui.painter()
            .rect_filled(ui.max_rect().expand2(egui::vec2(4.0, 2.0)), 0.0, fill);
    }
    if c != Column::Port && r.cell(c).is_empty() {
        return;
    }
    let text = match c {
        Column::Port if r.mark == Mark::Gone => RichText::new(r.port.to_string())
            .monospace()
            .strikethrough(),
        Column::Port => RichText::new(r.port.to_string()).monospace(),
        Column::Process if r.pinned => RichText::new(r.cell(c)).strong(),
        Column::Local | Column::RemoteAddr | Column::RemotePort => {
            RichText::new(r.cell(c)).monospace()
        }
        _ => RichText::new(r.cell(c)),
    };
    // Not selectable: a cell is read, not edited, and plain labels cost
    // a fraction of selectable ones when thousands scroll past.
    let label = ui.add(egui::Label::new(text).truncate().selectable(false));
    if c == Column::Process && !r.exe.is_empty() {
        label.on_hover_text(&r.exe);
    } else if c == Column::Process && r.process == crate::report::rows::NOT_VISIBLE {
        label.on_hover_text(if cfg!(windows) {
            "Windows did not say which process owns this socket: it belongs to another user or to the system. Run PortSleuth as administrator to see it."
        } else {
            "The owner belongs to another user: PortSleuth may only look at its own processes. Run it with sudo to see it."
        });
    } else if r.mark != Mark::Same && c == Column::Port {
        label.on_hover_text(if r.mark == Mark::New {
            "New since the previous scan"
        } else {
            "Closed since the previous scan"
        });
    }
}

/// The right-click menu of a row: copy it or the table, its properties, stop its process.
fn row_menu(
    ui: &mut egui::Ui,
    w: &Wizard,
    t: &SocketTable,
    index: usize,
    commands: &mut Vec<Command>,
) {
    let copy = |text: Option<String>, what: &str| Command::CopyText {
        text: text.unwrap_or_default(),
        what: what.into(),
    };
    if ui.button("Copy row").clicked() {
        commands.push(copy(t.row_text(index), "the row"));
        ui.close();
    }
    if ui.button("Copy all as text").clicked() {
        commands.push(copy(Some(t.shown_as(false)), "the table as text"));
        ui.close();
    }
    if ui.button("Copy all as CSV").clicked() {
        commands.push(copy(Some(t.shown_as(true)), "the table as CSV"));
        ui.close();
    }
    ui.separator();
    if ui.button("Properties").clicked() {
        commands.push(Command::ShowProperties(Some(index)));
        ui.close();
    }
    let row = &t.rows[index];
    // One program per row for these (a socket shared by several has them in Properties).
    let exe = row
        .exe
        .split(", ")
        .next()
        .filter(|e| !e.is_empty() && row.pids.len() == 1);
    let open = ui
        .add_enabled(exe.is_some(), egui::Button::new("Open file location"))
        .on_disabled_hover_text("The scan did not see this program's path");
    if open.clicked() {
        if let Some(exe) = exe {
            commands.push(Command::OpenLocation(exe.into()));
        }
        ui.close();
    }
    let name = row.process.split(", ").next().filter(|n| {
        !n.is_empty() && *n != crate::report::rows::NOT_VISIBLE && *n != "?" && row.pids.len() == 1
    });
    let search = ui
        .add_enabled(name.is_some(), egui::Button::new("Search online"))
        .on_disabled_hover_text("The owner of this socket is not visible");
    if search.clicked() {
        if let Some(name) = name {
            commands.push(Command::SearchOnline(name.to_owned()));
        }
        ui.close();
    }
    close_item(ui, w, row, index, commands);
    // Stopping goes through the Fix step's own action: re-checked, confirmed, verified.
    let stop = t.rows[index].pids.first().and_then(|pid| {
        let id = format!("stop_process-{pid}");
        w.case()?
            .diagnosis
            .findings
            .iter()
            .flat_map(|f| &f.actions)
            .find(|a| a.id == id)
            .map(|a| a.id.clone())
    });
    let button = ui
        .add_enabled(stop.is_some(), egui::Button::new("Stop process\u{2026}"))
        .on_disabled_hover_text("Offered when the diagnosis names this process as the cause");
    if button.clicked() {
        if let Some(id) = stop {
            commands.push(Command::GoTo(Step::Fix));
            commands.push(Command::AskToRun(id));
        }
        ui.close();
    }
}

/// *Close connection…*: one TCP connection of one visible program, found again and confirmed
/// before it is reset; greyed, with the reason, where that cannot be.
fn close_item(
    ui: &mut egui::Ui,
    w: &Wizard,
    row: &crate::gui::table::Row,
    index: usize,
    commands: &mut Vec<Command>,
) {
    let why_not = if !w.closes_connections() {
        Some(if cfg!(target_os = "macos") {
            "macOS offers no call to close another program's connection"
        } else {
            "This machine cannot close connections (on Linux it needs the ss program)"
        })
    } else if row.proto != "TCP" || row.remote_port.is_none() || row.state == "LISTEN" {
        Some("Only an open TCP connection can be closed; a listener is stopped with its program")
    } else if row.pids.len() != 1 {
        Some("The owner of this connection is not visible")
    } else if w.scan.showing_before {
        Some("This is the machine before the fix; show it as it is now first")
    } else {
        None
    };
    let button = ui
        .add_enabled(
            why_not.is_none(),
            egui::Button::new("Close connection\u{2026}"),
        )
        .on_disabled_hover_text(why_not.unwrap_or_default());
    if button.clicked() {
        commands.push(Command::AskToClose(index));
        ui.close();
    }
}

/// The properties of a row's process: what the scan knows of it, times in local time.
pub fn properties_window(ctx: &egui::Context, w: &Wizard) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(row) = w.scan.properties.and_then(|i| w.scan.table.rows.get(i)) else {
        return commands;
    };
    let shown = if w.scan.showing_before {
        w.scan.before.as_ref()
    } else {
        w.scan.snapshot.as_ref()
    };
    let process = row
        .pids
        .first()
        .and_then(|pid| shown?.processes.iter().find(|p| p.pid == *pid));
    let mut open = true;
    egui::Window::new("Properties")
        .open(&mut open)
        .collapsible(false)
        .default_width(520.0)
        .show(ctx, |ui| {
            egui::Grid::new("properties").num_columns(2).show(ui, |ui| {
                let mut line = |k: &str, v: String| {
                    if !v.is_empty() {
                        ui.label(RichText::new(k).strong());
                        ui.add(egui::Label::new(v).wrap());
                        ui.end_row();
                    }
                };
                line(
                    "Socket",
                    format!(
                        "{} {}:{} {}",
                        row.proto, row.local_addr, row.port, row.state
                    ),
                );
                line("Remote", row.remote());
                line("Process", row.process.clone());
                line("PID", row.pid.clone());
                if let Some(p) = process {
                    line("Path", p.exe.clone().unwrap_or_default());
                    line("Command line", p.cmd.join(" "));
                    line("User", p.user.clone().unwrap_or_default());
                    line(
                        "Started",
                        crate::clock::local(&crate::clock::rfc3339(p.start_time as i64)),
                    );
                    if let Some(v) = &p.version_info {
                        line("Version", v.version.clone());
                        line("Company", v.company.clone());
                        line("Product name", v.product_name.clone());
                    }
                }
                line("Service", row.service.clone());
                line("Product", row.product.clone());
            });
        });
    if !open {
        commands.push(Command::ShowProperties(None));
    }
    commands
}

/// The filter, the listening-only switch and how many rows show.
fn filter_bar(ui: &mut egui::Ui, t: &mut SocketTable) {
    // Wrapped, so a narrow window puts the counts on a second line instead of widening the
    // page past the window's edge.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Filter");
        let filter = ui
            .add(
                egui::TextEdit::singleline(&mut t.filter)
                    .hint_text("port, process, user\u{2026}  -word hides")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        let listening = ui.checkbox(&mut t.listening_only, "Listening only");
        if filter.changed() || listening.changed() {
            t.refresh();
        }
        ui.menu_button("Columns", |ui| {
            for c in Column::ALL {
                let mut shown = !t.hidden.contains(&c);
                let check = ui.add_enabled(
                    c != Column::Port,
                    egui::Checkbox::new(&mut shown, c.title()),
                );
                if check.changed() {
                    t.set_shown(c, shown);
                }
            }
        });
        ui.label(RichText::new(format!("showing {} of {}", t.visible.len(), t.rows.len())).weak());
        if !t.pinned_ports.is_empty() {
            ui.label(
                RichText::new(format!(
                    "ports from the error pinned on top: {}",
                    t.pinned_ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .small(),
            );
        }
    });
}

/// A small triangle after the sorted column's title (the default fonts have no arrows).
fn sort_marker(ui: &mut egui::Ui, ascending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    let c = rect.center();
    let (tip, base) = if ascending { (-4.0, 3.0) } else { (4.0, -3.0) };
    ui.painter().add(egui::Shape::convex_polygon(
        vec![
            egui::pos2(c.x, c.y + tip),
            egui::pos2(c.x + 4.0, c.y + base),
            egui::pos2(c.x - 4.0, c.y + base),
        ],
        ui.visuals().strong_text_color(),
        egui::Stroke::NONE,
    ));
}
