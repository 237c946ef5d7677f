//! The wizard as a technician keeps it open all day (issue 16): one case at a time with a
//! history of the earlier ones, a table that shows the machine after a fix with the before a
//! click away, actions that know they are done, and a layout that holds at 800×600. Driven
//! through the accessibility tree (egui_kittest) on a fake machine, with real files.
#![cfg(feature = "gui")]

mod common;
#[path = "common/fake_machine.rs"]
mod fake_machine;
#[path = "common/wizard.rs"]
mod wizard;

use common::seed_dialog;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use fake_machine::FakeMachine;
use portsleuth::engine::fixing::Outcome;
use portsleuth::gui::wizard::{Command, Step};
use portsleuth::gui::{GuiOptions, PortSleuthApp};
use std::path::Path;
use std::sync::Arc;
use wizard::{paste, wait_idle};

const STOP: &str = "Stop process PoProxy.exe (PID 4242)";

fn app_sized(
    settings: &Path,
    machine: Arc<FakeMachine>,
    size: egui::Vec2,
) -> Harness<'static, PortSleuthApp> {
    wizard::wizard(
        size,
        GuiOptions {
            settings_path: Some(settings.to_path_buf()),
            machine: Some(machine),
            ..Default::default()
        },
    )
}

/// The wizard with the seed error pasted, its settings in `dir`.
fn pasted(
    dir: &Path,
    machine: Arc<FakeMachine>,
    size: egui::Vec2,
) -> Harness<'static, PortSleuthApp> {
    let mut h = app_sized(&dir.join("settings.json"), machine, size);
    paste(&mut h, &seed_dialog(110));
    h
}

fn proxy_machine() -> Arc<FakeMachine> {
    Arc::new(FakeMachine::with_listener("PoProxy.exe", 4242, 110))
}

/// The seed error on a machine where PoProxy.exe holds 110, scanned, on the Fix step.
fn at_fix(dir: &Path, machine: Arc<FakeMachine>) -> Harness<'static, PortSleuthApp> {
    let mut h = pasted(dir, machine, egui::vec2(1280.0, 860.0));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    h
}

/// Stops the proxy through the confirmation, and waits for the re-scan after it.
fn stop_the_proxy(h: &mut Harness<'_, PortSleuthApp>) {
    h.get_by_label(STOP).click();
    wait_idle(h);
    h.get_by_label("Run it").click();
    wait_idle(h);
}

#[test]
fn new_case_clears_the_actions_and_keeps_the_old_case_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let machine = proxy_machine();
    let mut h = at_fix(dir.path(), machine.clone());
    stop_the_proxy(&mut h);
    h.get_by_label_contains("Done and verified");

    h.get_by_label("New case").click();
    wait_idle(&mut h);
    let w = &h.state().wizard;
    assert!(w.case().is_none(), "no diagnosis carried over");
    assert!(w.fix.last.is_none(), "no result box carried over");
    assert!(w.describe.text.is_empty());
    assert_eq!(w.step(), Step::Describe);
    assert_eq!(w.history.cases.len(), 1, "the old case is kept");
    assert!(w.history.cases[0].fixed);
    let files: Vec<_> = std::fs::read_dir(dir.path().join("history"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1, "kept as one file next to settings.json");

    // The next error starts with nothing of the last one: no actions, no findings, no boxes.
    paste(
        &mut h,
        "Outlook: the server smtp.example.com could not be found (0x800CCC0D)",
    );
    h.get_by_label("Diagnose without scanning").click();
    h.run_steps(4);
    let case = h.state().wizard.case().expect("diagnosed");
    assert!(case.actions_taken.is_empty());
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    assert!(h.query_by_label_contains("Done and verified").is_none());
    assert!(h.query_by_label_contains("PoProxy").is_none());

    // A new paste over a diagnosed case is a new case too: the DNS case joins the history.
    h.state_mut().wizard.apply(Command::GoTo(Step::Describe));
    h.run_steps(2);
    paste(&mut h, &seed_dialog(110));
    wait_idle(&mut h);
    assert_eq!(h.state().wizard.history.cases.len(), 2);

    // The fixed case comes back from History with what was done on it.
    h.get_by_label("History").click();
    h.run_steps(4);
    h.get_by_label_contains("fixed and verified");
    let open_fixed = h
        .state()
        .wizard
        .history
        .cases
        .iter()
        .position(|c| c.fixed)
        .unwrap();
    h.get_all_by_label("Open").nth(open_fixed).unwrap().click();
    wait_idle(&mut h);
    let case = h.state().wizard.case().expect("the old case is open again");
    assert_eq!(case.actions_taken.len(), 1);
    assert_eq!(case.actions_taken[0].outcome, Outcome::Done);
    assert_eq!(h.state().wizard.step(), Step::Diagnosis);

    // And it can be forgotten.
    h.get_by_label("History").click();
    h.run_steps(4);
    let before = h.state().wizard.history.cases.len();
    h.get_all_by_label("Delete").next().unwrap().click();
    wait_idle(&mut h);
    assert_eq!(h.state().wizard.history.cases.len(), before - 1);
}

#[test]
fn after_a_fix_the_table_shows_the_machine_after_with_the_before_a_click_away() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = at_fix(dir.path(), proxy_machine());
    stop_the_proxy(&mut h);
    let case = h.state().wizard.case().unwrap();
    let before = case
        .before
        .as_ref()
        .expect("the scan before the fix is kept");
    assert!(before.processes.iter().any(|p| p.pid == 4242));
    let after = case.snapshot.as_ref().expect("scanned again after the fix");
    assert!(
        after.sockets.is_empty(),
        "the after state is the live machine's"
    );
    // The diagnosis was made again on the machine as it is now: nothing offers to stop
    // the process that is gone.
    assert!(case.diagnosis.scanned);
    assert!(case
        .diagnosis
        .findings
        .iter()
        .flat_map(|f| &f.actions)
        .all(|a| a.label != STOP));

    h.get_by_label("2  Scan").click();
    h.run_steps(4);
    h.get_by_label_contains("After the fix \u{2013} scanned again at");
    assert!(
        h.query_by_label("PoProxy.exe").is_none(),
        "the table is not stale"
    );
    h.get_by_label("Show before the fix").click();
    h.run_steps(4);
    h.get_by_label_contains("Before the fix \u{2013} as scanned at");
    h.get_by_label("PoProxy.exe");
    h.get_by_label("Show after the fix").click();
    h.run_steps(4);
    assert!(h.query_by_label("PoProxy.exe").is_none());
}

#[test]
fn a_verified_action_becomes_its_result_and_cannot_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let machine = proxy_machine();
    let mut h = at_fix(dir.path(), machine.clone());
    let before = h.state().wizard.snapshot().unwrap().clone();
    stop_the_proxy(&mut h);
    h.get_by_label_contains("Done and verified");
    let id = h.state().wizard.case().unwrap().actions_taken[0]
        .action_id
        .clone();

    // The same machine state loaded again (a snapshot from before): the action is offered by
    // the diagnosis once more, and its place shows the result instead of a button.
    h.state_mut().wizard.use_snapshot(before);
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    h.get_by_label_contains(&format!("{STOP}: done and verified at"));
    assert!(
        h.query_by_label(STOP).is_none(),
        "no button to run it again"
    );

    // Asked anyway, it does not run, and the green result stays.
    h.state_mut().wizard.apply(Command::AskToRun(id));
    wait_idle(&mut h);
    assert_eq!(*machine.stopped.lock().unwrap(), vec![4242]);
    h.get_by_label_contains("Already done and verified");
    h.get_by_label_contains("Done and verified");
    assert!(h.state().wizard.fix.confirmation().is_none());
}

#[test]
fn a_preview_and_its_run_are_one_record_and_cancel_is_cancelled_and_enter_works_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let machine = proxy_machine();
    let mut h = at_fix(dir.path(), machine.clone());
    let index = h.state().wizard.case().unwrap().diagnosis.findings[0]
        .actions
        .iter()
        .position(|a| a.label == STOP)
        .unwrap();
    h.get_all_by_label("Preview").nth(index).unwrap().click();
    wait_idle(&mut h);
    h.get_by_label(STOP).click();
    wait_idle(&mut h);
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    let actions = &h.state().wizard.case().unwrap().actions_taken;
    assert_eq!(
        actions.len(),
        1,
        "the preview and its cancel are one record"
    );
    assert_eq!(actions[0].outcome, Outcome::Cancelled);
    assert!(actions[0].previewed_at.is_some());
    h.get_by_label_contains("Cancelled: nothing was changed");
    assert!(machine.stopped.lock().unwrap().is_empty());

    // The dialog opens again and Enter runs it: the focus is given each time it opens.
    h.get_by_label(STOP).click();
    wait_idle(&mut h);
    h.get_by_label("Run it");
    h.key_press(egui::Key::Enter);
    wait_idle(&mut h);
    assert_eq!(*machine.stopped.lock().unwrap(), vec![4242]);
    let outcomes: Vec<Outcome> = h
        .state()
        .wizard
        .case()
        .unwrap()
        .actions_taken
        .iter()
        .map(|a| a.outcome)
        .collect();
    assert_eq!(outcomes, vec![Outcome::Cancelled, Outcome::Done]);
    let report = h
        .state()
        .wizard
        .case()
        .unwrap()
        .report(h.state().wizard.knowledge());
    let text = portsleuth::report::render(&report, portsleuth::report::Format::Text, false);
    let section = text
        .split("Actions taken:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_else(|| panic!("the report lists the actions: {text}"));
    let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = flat.split("- 20").nth(1).unwrap_or_default();
    assert!(
        line.contains("cancelled: you chose not to run it"),
        "{flat}"
    );
    assert!(line.contains("cancelled"), "{line}");
    assert!(!line.contains("refused"), "{line}");
}

fn overlaps(a: egui::Rect, b: egui::Rect) -> bool {
    a.intersects(b) && a.intersect(b).area() > 1.0
}

#[test]
fn at_800_by_600_the_text_box_and_what_was_read_do_not_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let h = pasted(dir.path(), proxy_machine(), egui::vec2(800.0, 600.0));
    let text = h
        .get_by_role(egui::accesskit::Role::MultilineTextInput)
        .rect();
    let read = h.get_by_label("What PortSleuth read").rect();
    assert!(!overlaps(text, read), "text box {text:?} vs panel {read:?}");
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(800.0, 600.0));
    let buttons: Vec<(String, egui::Rect)> = h
        .get_all_by_role(egui::accesskit::Role::Button)
        .map(|b| (b.accesskit_node().label().unwrap_or_default(), b.rect()))
        .collect();
    for (name, r) in &buttons {
        assert!(
            !overlaps(text, *r),
            "the text box covers the button {name} ({r:?})"
        );
        assert!(
            !overlaps(read, *r),
            "the panel heading covers the button {name}"
        );
        assert!(
            window.contains_rect(*r),
            "the button {name} is outside the window ({r:?})"
        );
    }
    // Nothing readable or clickable lies on anything else: buttons, labels, the text box.
    // Labels the panel's scroll area has scrolled below its edge keep their unclipped
    // rectangles in the tree, so labels are taken only above the button bar at the bottom.
    let bar_top = h.get_by_label("Scan this machine").rect().top();
    let mut widgets = buttons.clone();
    widgets.push(("the text box".into(), text));
    for role in [egui::accesskit::Role::Label, egui::accesskit::Role::Heading] {
        widgets.extend(h.query_all_by_role(role).filter_map(|n| {
            let r = n.rect();
            (window.contains_rect(r) && r.bottom() < bar_top)
                .then(|| (n.accesskit_node().label().unwrap_or_default(), r))
        }));
    }
    for (i, (a, ra)) in widgets.iter().enumerate() {
        for (b, rb) in &widgets[i + 1..] {
            assert!(!overlaps(*ra, *rb), "{a} {ra:?} overlaps {b} {rb:?}");
        }
    }
}

#[test]
fn at_800_by_600_every_column_of_the_scan_table_can_be_scrolled_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = pasted(dir.path(), proxy_machine(), egui::vec2(800.0, 600.0));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(800.0, 600.0));
    let header = |h: &Harness<'_, PortSleuthApp>, title: &str| {
        h.get_by_role_and_label(egui::accesskit::Role::Button, title)
            .rect()
    };
    assert!(
        !window.contains_rect(header(&h, "User")),
        "at 800 px the last column starts off screen"
    );
    for title in [
        "Proto",
        "Local address",
        "Port",
        "Remote address",
        "Remote port",
        "State",
        "PID",
        "Process",
        "Service",
        "Product",
        "User",
    ] {
        // Scrolled sideways as a user would, 100 px at a time, until the column shows.
        h.hover_at(egui::pos2(500.0, header(&h, "Proto").center().y));
        h.run_steps(2);
        for _ in 0..20 {
            if window.contains_rect(header(&h, title)) {
                break;
            }
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(-100.0, 0.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: egui::Modifiers::NONE,
            });
            h.run_steps(20);
        }
        let r = header(&h, title);
        assert!(
            window.contains_rect(r),
            "the {title} column can be brought into view ({r:?})"
        );
    }
}

/// What the last frame put on the clipboard.
fn copied(h: &Harness<'_, PortSleuthApp>) -> Option<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
}

#[test]
fn ctrl_c_copies_the_selected_row_and_its_properties_show_path_and_local_start_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = pasted(dir.path(), proxy_machine(), egui::vec2(1280.0, 860.0));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);

    // Ctrl+C with no row selected copies nothing; with the row selected, the row.
    h.event(egui::Event::Copy);
    h.step();
    assert_eq!(copied(&h), None);
    h.get_by_label("PoProxy.exe").click();
    h.run_steps(2);
    h.event(egui::Event::Copy);
    h.step();
    let row = copied(&h).expect("Ctrl+C copied the row");
    assert_eq!(
        row,
        "TCP\t0.0.0.0\t110\t\t\tLISTEN\t4242\tPoProxy.exe\t\t\t"
    );

    // The table as CSV (what the row menu's "Copy all as CSV" copies), with its header.
    let csv = h.state().wizard.scan.table.shown_as(true);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("Proto,Local address,Port,Remote address,Remote port,State,PID,Process,Service,Product,User")
    );
    assert_eq!(
        lines.next(),
        Some("TCP,0.0.0.0,110,,,LISTEN,4242,PoProxy.exe,,,")
    );

    // Properties of the selected row: the path the tooltip alone used to show, and the start
    // time in local time.
    let selected = h.state().wizard.scan.table.selected;
    h.state_mut()
        .wizard
        .apply(Command::ShowProperties(selected));
    h.run_steps(3);
    h.get_by_label("/opt/fake/PoProxy.exe");
    h.get_by_label(&portsleuth::clock::local("2023-11-14T22:13:20Z"));
}

/// The URL the last frame asked the system to open.
fn opened(h: &Harness<'_, PortSleuthApp>) -> Option<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::OpenUrl(o) => Some(o.url.clone()),
            _ => None,
        })
}

#[test]
fn the_confirmation_says_it_in_words_and_the_record_lists_only_the_calls_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = at_fix(dir.path(), proxy_machine());
    h.get_by_label(STOP).click();
    wait_idle(&mut h);
    h.get_by_label_contains("Ask PoProxy.exe (PID 4242) to exit");
    h.get_by_label_contains("end it by force");
    h.get_by_label("Exact calls");
    h.get_by_label("Run it").click();
    wait_idle(&mut h);
    let record = &h.state().wizard.case().unwrap().actions_taken[0];
    assert_eq!(record.outcome, Outcome::Done);
    // It exited at the polite request: the forced stop was never sent, so it is not listed.
    assert_eq!(record.commands.len(), 1, "{:?}", record.commands);
    assert!(
        !record.commands.iter().any(|c| c.contains("SIGKILL")
            || c.contains("TerminateProcess")
            || c.contains("-KILL")),
        "{:?}",
        record.commands
    );
    h.get_by_label("Ran (exact calls)");
}

#[test]
fn after_a_verified_fix_the_next_steps_follow_and_the_report_leads_with_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = at_fix(dir.path(), proxy_machine());
    // Before the fix, the steps name the case's own port, and code shows as code.
    h.state_mut().wizard.apply(Command::GoTo(Step::Diagnosis));
    h.run_steps(4);
    h.get_by_label_contains("netstat -ano | findstr :110");
    assert!(
        h.query_by_label_contains("`netstat").is_none(),
        "backticks show through"
    );
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    stop_the_proxy(&mut h);
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    h.get_by_label("Next steps");
    // The rule's after-fix steps, with the port of this case filled in.
    h.get_by_label_contains("now holds port 110");
    let fixed = h
        .state()
        .wizard
        .case()
        .unwrap()
        .fixed
        .clone()
        .expect("fixed");
    assert_eq!(fixed.rule_id, "password-rejected-av-proxy-owns-mail-port");
    assert!(fixed.next_steps.iter().all(|s| !s.contains("<port>")));

    h.state_mut()
        .wizard
        .apply(Command::SetFormat(portsleuth::report::Format::Text));
    let text = h.state_mut().wizard.rendered().unwrap().to_owned();
    let outcome = text
        .find("Outcome: Fixed: ")
        .unwrap_or_else(|| panic!("{text}"));
    let now = text
        .find("What PortSleuth finds on the machine now")
        .unwrap();
    assert!(outcome < now, "the outcome leads");
    assert!(text.contains("Next steps:"), "{text}");
    assert!(!text.contains("First step"), "{text}");

    // Test again scans again, in the same case.
    h.get_by_label("Test again").click();
    wait_idle(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Scan);
    assert_eq!(h.state().wizard.case().unwrap().actions_taken.len(), 1);
}

#[test]
fn a_saved_report_is_named_after_the_case_can_be_opened_and_its_folder_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.json");
    let mut h = app_sized(&settings, proxy_machine(), egui::vec2(1280.0, 860.0));
    paste(&mut h, &seed_dialog(110));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.state_mut().wizard.apply(Command::GoTo(Step::Report));
    h.run_steps(4);
    let case_id = h.state().wizard.case().unwrap().id.clone();
    let host = h.state().wizard.snapshot().unwrap().host.hostname.clone();
    let named = h.state().wizard.report.path_text.clone();
    let file = Path::new(&named)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        file.starts_with("portsleuth-") && file.contains(&case_id) && file.ends_with(".html"),
        "{file}"
    );
    let safe_host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    assert!(file.contains(&safe_host), "{file} names the host {host}");

    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let target = reports.join("ticket-4711.html");
    h.state_mut().wizard.report.path_text = target.display().to_string();
    h.state_mut().wizard.apply(Command::SaveToTypedPath);
    wait_idle(&mut h);
    assert!(target.exists());
    h.get_by_label("Open").click();
    h.step();
    let url = opened(&h).expect("Open asks the system to open the file");
    assert!(
        url.starts_with("file://") && url.ends_with("/ticket-4711.html"),
        "{url}"
    );
    h.run_steps(2);
    h.get_by_label("Open folder").click();
    h.step();
    let url = opened(&h).expect("Open folder");
    assert!(url.ends_with("/reports"), "{url}");
    h.run_steps(2);
    h.get_by_label("Print\u{2026}").click();
    h.step();
    assert!(opened(&h).is_some_and(|u| u.ends_with("/ticket-4711.html")));
    h.run_steps(4);
    h.get_by_label_contains("press Ctrl+P");

    // The folder is kept for the next start.
    h.state_mut().save_settings();
    let saved = std::fs::read_to_string(&settings).unwrap();
    assert!(saved.contains("reports"), "{saved}");
    drop(h);
    let h = app_sized(&settings, proxy_machine(), egui::vec2(1280.0, 860.0));
    let offered = h.state().wizard.report.path_text.clone();
    assert!(
        Path::new(&offered).starts_with(&reports),
        "{offered} is in the remembered folder"
    );
}

#[test]
fn auto_refresh_marks_new_sockets_and_keeps_closed_ones_until_the_next_refresh() {
    use portsleuth::engine::snapshot::{Process, Socket, Transport};
    use portsleuth::gui::table::Mark;
    let dir = tempfile::tempdir().unwrap();
    let machine = proxy_machine();
    let mut h = pasted(dir.path(), machine.clone(), egui::vec2(1280.0, 860.0));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    // Off by default.
    assert!(h.state().wizard.scan.auto_refresh.is_none());
    h.get_by_label_contains("Auto-refresh");
    {
        // The proxy goes, the real POP3 server comes.
        let mut snap = machine.snapshot.lock().unwrap();
        snap.sockets.clear();
        snap.processes.clear();
        snap.sockets.push(Socket {
            transport: Transport::Tcp,
            local_addr: "0.0.0.0".into(),
            local_port: 110,
            remote_addr: None,
            remote_port: None,
            state: "LISTEN".into(),
            pids: vec![5151],
            dual_stack: false,
        });
        snap.processes.push(Process {
            pid: 5151,
            name: "dovecot".into(),
            exe_name: "dovecot".into(),
            start_time: 1_700_000_100,
            ..Process::default()
        });
    }
    h.state_mut().wizard.apply(Command::SetAutoRefresh(Some(
        std::time::Duration::from_millis(50),
    )));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().wizard.scan.table.changes == (0, 0) {
        assert!(std::time::Instant::now() < deadline, "no refresh came");
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.step();
    }
    // Slowed down, so the marks stay while they are looked at.
    h.state_mut().wizard.apply(Command::SetAutoRefresh(Some(
        std::time::Duration::from_secs(3600),
    )));
    wait_idle(&mut h);
    let rows = &h.state().wizard.scan.table.rows;
    let mark = |name: &str| rows.iter().find(|r| r.process == name).map(|r| r.mark);
    assert_eq!(mark("dovecot"), Some(Mark::New));
    assert_eq!(mark("PoProxy.exe"), Some(Mark::Gone));
    assert_eq!(h.state().wizard.scan.table.changes, (1, 1));
    h.get_by_label_contains("1 new, 1 closed");
    // The diagnosis follows the machine as it is now.
    let case = h.state().wizard.case().unwrap();
    assert!(case
        .snapshot
        .as_ref()
        .is_some_and(|s| s.processes.iter().any(|p| p.pid == 5151)));
    h.state_mut().wizard.apply(Command::SetAutoRefresh(None));
    wait_idle(&mut h);
}

#[test]
fn copying_the_html_report_gives_html_with_a_text_version_or_says_it_could_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = pasted(dir.path(), proxy_machine(), egui::vec2(1280.0, 860.0));
    h.get_by_label("Diagnose without scanning").click();
    h.run_steps(4);
    h.state_mut().wizard.apply(Command::GoTo(Step::Report));
    h.run_steps(4);
    assert_eq!(
        h.state().wizard.report.format,
        portsleuth::report::Format::Html
    );
    h.get_by_label("Copy to clipboard").click();
    h.step();
    let said = h
        .state()
        .wizard
        .report
        .status
        .as_ref()
        .map(|n| n.words.clone())
        .unwrap_or_default();
    if said.contains("as HTML") {
        // A system clipboard took it (a display is there): nothing went through egui's text.
        assert_eq!(copied(&h), None);
    } else {
        // None here (tests run without a display): the text report, never HTML source as text.
        assert!(said.contains("as plain text"), "{said}");
        let text = copied(&h).expect("the text version was copied");
        assert!(text.starts_with("PortSleuth "), "{text}");
        assert!(
            !text.contains("<html"),
            "HTML source went on the clipboard as text"
        );
    }
}

/// Steps until a frame puts text on the clipboard; that text.
fn copied_within(h: &mut Harness<'_, PortSleuthApp>, frames: usize) -> Option<String> {
    for _ in 0..frames {
        h.step();
        if let Some(text) = copied(h) {
            return Some(text);
        }
    }
    None
}

#[test]
fn the_row_menu_copies_shows_properties_and_closes_one_connection_after_the_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Arc::new(
        FakeMachine::with_listener("PoProxy.exe", 4242, 110).with_connection(
            4242,
            110,
            ("192.0.2.99", 51000),
        ),
    );
    let mut h = pasted(dir.path(), machine.clone(), egui::vec2(1280.0, 860.0));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);

    // Right-click on the connection's row: its menu, and Copy all as CSV copies both rows.
    h.get_by_label("51000").click_secondary();
    h.run_steps(2);
    h.get_by_label("Copy all as CSV").click();
    let csv = copied_within(&mut h, 4).expect("the menu copied the table");
    assert!(csv.starts_with("Proto,Local address,Port,"), "{csv}");
    assert!(
        csv.contains("\nTCP,0.0.0.0,110,,,LISTEN,4242,PoProxy.exe,"),
        "{csv}"
    );
    assert!(
        csv.contains("\nTCP,192.0.2.10,110,192.0.2.99,51000,ESTABLISHED,4242,PoProxy.exe,"),
        "{csv}"
    );

    // Copy row copies that row only, as text.
    h.run_steps(3);
    assert!(
        h.query_by_label("Copy all as CSV").is_none(),
        "the menu closed after its click"
    );
    h.get_by_label("51000").click_secondary();
    h.run_steps(2);
    h.get_by_label("Copy row").click();
    let row = copied_within(&mut h, 4).expect("the menu copied the row");
    assert_eq!(
        row,
        "TCP\t192.0.2.10\t110\t192.0.2.99\t51000\tESTABLISHED\t4242\tPoProxy.exe\t\t\t"
    );

    // A listener cannot be closed as a connection: the item is there, greyed.
    h.get_all_by_label("LISTEN")
        .next()
        .unwrap()
        .click_secondary();
    h.run_steps(2);
    assert!(h
        .get_by_label("Close connection\u{2026}")
        .accesskit_node()
        .is_disabled());
    h.key_press(egui::Key::Escape);
    h.run_steps(2);

    // The connection's Close connection… asks first, naming both ends and the program.
    h.get_by_label("51000").click_secondary();
    h.run_steps(2);
    h.get_by_label("Close connection\u{2026}").click();
    wait_idle(&mut h);
    let heading = "Close connection 192.0.2.10:110 to 192.0.2.99:51000 of PoProxy.exe (PID 4242)?";
    h.get_by_label(heading);
    h.get_by_label_contains("Reset the connection from 192.0.2.10:110 (local) to 192.0.2.99:51000 that PoProxy.exe (PID 4242) holds");
    assert!(
        machine.closed.lock().unwrap().is_empty(),
        "nothing runs before Run it"
    );
    // The exact call is one click away, and Enter still runs it with the focus moved there.
    h.get_by_label("Exact calls").click();
    h.run_steps(2);
    h.get_by_label("ss -K -t -n src 192.0.2.10 sport = 110 dst 192.0.2.99 dport = 51000");
    h.key_press(egui::Key::Enter);
    wait_idle(&mut h);
    assert_eq!(
        *machine.closed.lock().unwrap(),
        vec!["192.0.2.10:110 to 192.0.2.99:51000".to_owned()]
    );
    h.get_by_label_contains("closed and verified (the re-scan no longer shows the connection");
    // The table was scanned again: the connection is gone, the listener is not.
    assert!(
        h.query_by_label("51000").is_none(),
        "the closed connection left the table"
    );
    h.get_all_by_label("LISTEN")
        .next()
        .expect("the listener stays");
    // And the report records it.
    let report = h.state().wizard.case().unwrap();
    let last = report.actions_taken.last().unwrap();
    assert_eq!(last.outcome, Outcome::Done);
    assert_eq!(
        last.kind,
        portsleuth::engine::kb::ActionKind::CloseConnection
    );
}

/// The widgets Tab reaches, in order, from a fresh start: each one's label and rectangle.
fn tab_order(h: &mut Harness<'_, PortSleuthApp>, max: usize) -> Vec<(String, egui::Rect)> {
    let mut seen: Vec<(String, egui::Rect)> = Vec::new();
    let mut first = None;
    for _ in 0..max {
        h.key_press(egui::Key::Tab);
        h.run_steps(2);
        let Some(id) = h.ctx.memory(|m| m.focused()) else {
            continue;
        };
        if first == Some(id) {
            break;
        }
        first.get_or_insert(id);
        let rect = h
            .ctx
            .read_response(id)
            .map(|r| r.rect)
            .unwrap_or(egui::Rect::NOTHING);
        let label = h
            .query_all(egui_kittest::kittest::By::new())
            .find(|n| n.accesskit_node().is_focused())
            .and_then(|n| n.accesskit_node().label())
            .unwrap_or_default();
        seen.push((label, rect));
    }
    seen
}

/// Where a widget sits: the title bar, the step rail, or the page.
fn region(r: egui::Rect) -> u8 {
    if r.min.y < 36.0 {
        0
    } else if r.max.x <= 200.0 {
        1
    } else {
        2
    }
}

/// The labels of `order` that break the reading order: the title bar, then the rail, then the
/// page top to bottom, a row left to right. Splitters (egui's "Resize panel" handles and the
/// table's column edges, a few points wide) are drag handles, not part of what is read, and
/// are left out.
fn out_of_reading_order(order: &[(String, egui::Rect)]) -> Vec<String> {
    let read: Vec<&(String, egui::Rect)> = order
        .iter()
        .filter(|(l, r)| l != "Resize panel" && r.width() > 8.0)
        .collect();
    let mut wrong = Vec::new();
    for pair in read.windows(2) {
        let ((a, ra), (b, rb)) = (pair[0], pair[1]);
        let (ga, gb) = (region(*ra), region(*rb));
        let same_row = (rb.center().y - ra.center().y).abs() < 10.0;
        let fine = gb > ga
            || (gb == ga
                && if same_row {
                    rb.min.x >= ra.min.x
                } else {
                    rb.min.y >= ra.min.y - 2.0
                });
        if !fine {
            wrong.push(format!("{b:?} {rb:?} after {a:?} {ra:?}"));
        }
    }
    wrong
}

#[test]
fn tab_follows_the_reading_order_on_the_describe_and_scan_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = pasted(dir.path(), proxy_machine(), egui::vec2(1280.0, 860.0));
    // The page's own order: its buttons, the text, and the action bar under it last.
    let labels = tab_labels_in_reading_order(&mut h, 40);
    let at = |l: &str| place_of(&labels, l);
    assert!(at("1  Describe") < at("Paste"));
    assert!(at("Paste") < at("Error text"));
    assert!(at("Error text") < at("Scan this machine"));
    assert_eq!(
        labels.last().map(String::as_str),
        Some("Diagnose without scanning"),
        "{labels:?}"
    );

    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.state_mut().wizard.apply(Command::GoTo(Step::Scan));
    h.run_steps(3);
    let labels = tab_labels_in_reading_order(&mut h, 60);
    let at = |l: &str| place_of(&labels, l);
    assert!(at("5  Report") < at("Filter"));
    assert!(at("Filter") < at("Proto") && at("Proto") < at("User"));
}

/// The labels Tab reaches, checked first to come in reading order.
fn tab_labels_in_reading_order(h: &mut Harness<'_, PortSleuthApp>, max: usize) -> Vec<String> {
    let order = tab_order(h, max);
    let labels: Vec<String> = order.iter().map(|(l, _)| l.clone()).collect();
    assert_eq!(
        out_of_reading_order(&order),
        Vec::<String>::new(),
        "{labels:?}"
    );
    labels
}

/// Where `label` comes in the Tab order.
fn place_of(labels: &[String], label: &str) -> usize {
    labels
        .iter()
        .position(|x| x == label)
        .unwrap_or_else(|| panic!("{label} not reached: {labels:?}"))
}
