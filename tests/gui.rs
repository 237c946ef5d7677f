//! The wizard, end to end, through its accessibility tree (egui_kittest): the real app state,
//! the real scanner and fixer, a real child process named PoProxy.exe holding a real port, and
//! real files. Every control the tests touch is found by its accessible name, as a screen
//! reader would; the harness also fails on any input without a name.
#![cfg(feature = "gui")]

mod common;
#[path = "common/fake_machine.rs"]
mod fake_machine;
#[path = "common/wizard.rs"]
mod wizard;

use common::{seed_dialog, spawn_listener};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use portsleuth::gui::wizard::{Command, Step};
use portsleuth::gui::{GuiOptions, PortSleuthApp};
use std::path::Path;
use std::time::Duration;
use wizard::{paste, wait_idle};

#[test]
fn child_listener() {
    common::child_listener_main();
}

fn app(settings: &Path) -> Harness<'static, PortSleuthApp> {
    wizard::wizard(
        egui::vec2(1280.0, 860.0),
        GuiOptions {
            settings_path: Some(settings.to_path_buf()),
            ..Default::default()
        },
    )
}

/// A real PoProxy.exe on a port, the seed error naming it, scanned, on the Fix step.
fn at_fix_with_poproxy(dir: &Path) -> (Harness<'static, PortSleuthApp>, common::Listener) {
    let l = spawn_listener("PoProxy.exe", "tcp:127.0.0.1:0");
    let mut h = app(&dir.join("settings.json"));
    paste(&mut h, &seed_dialog(l.port));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    (h, l)
}

#[test]
fn the_seed_error_leads_to_the_proxy_stopped_the_port_free_and_an_html_report_saved() {
    let dir = tempfile::tempdir().unwrap();
    let l = spawn_listener("PoProxy.exe", "tcp:127.0.0.1:0");
    let pid = l.child.id();
    let mut h = app(&dir.path().join("settings.json"));

    // 1 Describe: the paste is read as the technician types.
    paste(&mut h, &seed_dialog(l.port));
    h.get_by_label_contains(&format!(
        "{} \u{2013} the port the client connected to",
        l.port
    ));
    h.get_by_label("IXP_E_POP3_INVALID_PASSWORD");

    // 2 Scan, with the real scanner on a worker thread.
    h.get_by_label("Scan this machine").click();
    h.step();
    assert_eq!(h.state().wizard.step(), Step::Scan);
    wait_idle(&mut h);
    h.get_by_label_contains("sockets (");
    h.get_by_label("PoProxy.exe");

    // 3 Diagnosis: the AV proxy, with its PID, is the cause; the password is ruled out.
    h.get_by_label("Show the diagnosis").click();
    h.run_steps(4);
    h.get_by_label("An antivirus e-mail proxy answers on the mail port, so the login fails");
    assert!(h
        .get_all_by_label_contains(&format!("PoProxy.exe (PID {pid})"))
        .next()
        .is_some());
    h.get_by_label_contains("Ruled out (");
    // Evidence jumps to the socket's row in the table.
    h.get_all_by_label("show in table")
        .next()
        .expect("scan evidence links to the table")
        .click();
    h.run_steps(4);
    assert_eq!(h.state().wizard.step(), Step::Scan);
    let selected = h
        .state()
        .wizard
        .scan
        .table
        .selected
        .expect("a row is selected");
    assert!(h.state().wizard.scan.table.rows[selected]
        .pids
        .contains(&pid));
    h.get_by_label("3  Diagnosis").click();
    h.run_steps(4);

    // 4 Fix: preview first, then run it, confirmed, verified by a re-scan.
    h.get_by_label("Go to Fix").click();
    h.run_steps(4);
    let label = format!("Stop process PoProxy.exe (PID {pid})");
    h.get_by_label(&label);
    let index = h.state().wizard.case().unwrap().diagnosis.findings[0]
        .actions
        .iter()
        .position(|a| a.label == label)
        .unwrap();
    h.get_all_by_label("Preview").nth(index).unwrap().click();
    wait_idle(&mut h);
    h.get_by_label_contains("Preview only: nothing was changed");
    assert!(l.child.id() == pid && std::fs::metadata(format!("/proc/{pid}")).is_ok());

    h.get_by_label(&label).click();
    wait_idle(&mut h);
    h.get_by_label(&format!("{label}?"));
    assert!(
        h.get_all_by_label_contains("pidfd_send_signal(PID").count() >= 2,
        "both steps are named"
    );
    h.get_by_label("Run it").click();
    wait_idle(&mut h);
    h.get_by_label_contains("Done and verified");
    h.get_by_label(&format!("Re-scan: port {} is now free", l.port));

    // 5 Report: HTML, saved to a real file.
    h.get_by_label("Go to Report").click();
    h.run_steps(4);
    let out = dir.path().join("ticket.html");
    h.state_mut()
        .wizard
        .apply(Command::SetSavePath(out.display().to_string()));
    h.get_by_label("Save").click();
    wait_idle(&mut h);
    h.get_by_label_contains("Saved the HTML report");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&format!("PoProxy.exe (PID {pid})")));
    assert!(html.contains(&format!("port {} is now free", l.port)));
}

#[test]
fn with_no_text_the_next_steps_say_what_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    h.get_by_label_contains("Nothing yet. Paste the error");
    assert!(h
        .get_by_label("Scan this machine")
        .accesskit_node()
        .is_disabled());
    assert!(h
        .get_by_label("Diagnose without scanning")
        .accesskit_node()
        .is_disabled());
    for step in ["3  Diagnosis", "4  Fix", "5  Report"] {
        assert!(
            h.get_by_label(step).accesskit_node().is_disabled(),
            "{step}"
        );
    }
    // Whitespace is no text either.
    paste(&mut h, "   \n\t ");
    h.get_by_label_contains("The clipboard holds no text to paste");
    // Ctrl+Enter, like the disabled button, does not start a scan without text.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run_steps(4);
    assert_eq!(h.state().wizard.step(), Step::Describe);
    assert!(!h.state().wizard.scan_running());
    assert!(h.state().wizard.case().is_none());
}

#[test]
fn a_5_mb_paste_is_read_whole_and_shown_as_a_read_only_preview() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    let line =
        "2026-11-26 10:00:00 INFO worker heartbeat ok, queue depth 0, nothing to report here\n";
    let mut big = line.repeat(5 * 1024 * 1024 / line.len());
    big.push_str(&seed_dialog(110));
    paste(&mut h, &big);
    assert_eq!(h.state().wizard.describe.text.len(), big.len());
    h.get_by_label_contains("This text is 5.0 MB: it was read in full");
    // The error at the very end was found.
    h.get_by_label("IXP_E_POP3_INVALID_PASSWORD");
    h.get_by_label("Diagnose without scanning").click();
    h.run_steps(4);
    h.get_by_label("An antivirus e-mail proxy answers on the mail port, so the login fails");
}

#[test]
fn a_cancelled_scan_keeps_nothing_and_offers_to_scan_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    paste(&mut h, &seed_dialog(110));
    h.get_by_label("Scan this machine").click();
    h.step();
    // The scan takes tens of milliseconds; the cancel is flagged microseconds after it started
    // and is seen at its next phase.
    h.state_mut().wizard.apply(Command::CancelScan);
    wait_idle(&mut h);
    h.get_by_label("The scan was cancelled; nothing was kept.");
    h.get_by_label("Scan again");
    assert!(h.state().wizard.snapshot().is_none());
    assert!(h
        .get_by_label("3  Diagnosis")
        .accesskit_node()
        .is_disabled());
}

#[test]
fn an_action_whose_target_is_gone_is_refused_with_the_reason_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, mut l) = at_fix_with_poproxy(dir.path());
    let pid = l.child.id();
    // The program exits between the scan and the click.
    l.child.kill().unwrap();
    l.child.wait().unwrap();
    h.get_by_label(&format!("Stop process PoProxy.exe (PID {pid})"))
        .click();
    wait_idle(&mut h);
    h.get_by_label_contains("Not done");
    h.get_by_label_contains(&format!("PoProxy.exe (PID {pid}) is no longer running"));
    assert!(
        h.state().wizard.fix.confirmation().is_none(),
        "no confirmation for a refused action"
    );
    let taken = &h.state().wizard.case().unwrap().actions_taken;
    assert_eq!(taken.len(), 1);
    assert!(taken[0].commands.is_empty(), "nothing ran: {:?}", taken[0]);
}

#[test]
fn a_failing_save_says_why_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    paste(&mut h, &seed_dialog(110));
    h.get_by_label("Diagnose without scanning").click();
    h.run_steps(4);
    h.get_by_label("5  Report").click();
    h.run_steps(4);
    let missing = dir.path().join("no-such-folder").join("r.html");
    h.state_mut()
        .wizard
        .apply(Command::SetSavePath(missing.display().to_string()));
    h.get_by_label("Save").click();
    wait_idle(&mut h);
    h.get_by_label_contains("Not saved: cannot write");
    assert!(!missing.exists());
    // A folder is not a file name.
    h.state_mut()
        .wizard
        .apply(Command::SetSavePath(dir.path().display().to_string()));
    h.get_by_label("Save").click();
    wait_idle(&mut h);
    h.get_by_label_contains("is a folder: add a file name");
    // An existing file is only replaced after asking.
    let existing = dir.path().join("old.html");
    std::fs::write(&existing, "keep me").unwrap();
    h.state_mut()
        .wizard
        .apply(Command::SetSavePath(existing.display().to_string()));
    h.get_by_label("Save").click();
    wait_idle(&mut h);
    h.get_by_label("Replace the file?");
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
}

#[test]
fn format_and_redaction_are_remembered_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.json");
    {
        let mut h = app(&settings);
        paste(&mut h, &seed_dialog(110));
        h.get_by_label("Diagnose without scanning").click();
        h.run_steps(4);
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
        h.run_steps(4);
        assert_eq!(
            h.state().wizard.step(),
            Step::Report,
            "Ctrl+S opens the report step"
        );
        h.get_by_label("Markdown").click();
        h.get_by_label("Redact").click();
        h.run_steps(4);
        assert!(
            h.query_by_label_contains("alias on EXCH01").is_none(),
            "the redacted preview hides the account"
        );
        // As on exit: the settings written on a worker are waited for.
        h.state_mut().save_settings();
    }
    let saved = std::fs::read_to_string(&settings).unwrap();
    assert!(
        saved.contains("\"markdown\"") && saved.contains("\"redact\": true"),
        "{saved}"
    );
    let h = app(&settings);
    assert_eq!(
        h.state().settings().format,
        portsleuth::report::Format::Markdown
    );
    assert!(h.state().wizard.report.redact);
}

#[test]
fn ctrl_enter_moves_on_from_the_text_to_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    paste(&mut h, &seed_dialog(110));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.step();
    assert_eq!(h.state().wizard.step(), Step::Scan);
    wait_idle(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run_steps(4);
    assert_eq!(h.state().wizard.step(), Step::Diagnosis);
}

/// A file dropped on the window, as the windowing layer hands it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, PortSleuthApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.to_path_buf())));
    h.run_steps(4);
}

#[test]
fn a_dropped_unicode_event_export_is_read_and_a_dropped_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(&dir.path().join("settings.json"));
    // Notepad's "Unicode": UTF-16 LE with a byte-order mark, as Event Viewer exports save.
    let utf16 = dir.path().join("events.txt");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(seed_dialog(110).encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    drop_file(&mut h, &utf16);
    h.get_by_label_contains("Opened");
    h.get_by_label("IXP_E_POP3_INVALID_PASSWORD");
    assert!(h.state().wizard.describe.text.contains("Your Password was"));

    let binary = dir.path().join("crash.dmp");
    std::fs::write(
        &binary,
        [0u8, 159, 146, 150, 0, 0, 1, 2, 3, 0, 0, 0].repeat(100),
    )
    .unwrap();
    drop_file(&mut h, &binary);
    h.get_by_label("Problem");
    assert!(
        h.state().wizard.notice().is_some_and(|n| n.error),
        "a binary file is refused with a reason"
    );
    assert!(
        h.state().wizard.describe.text.contains("Your Password was"),
        "the text already there is kept"
    );
}

#[test]
fn escape_in_the_confirmation_runs_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, mut l) = at_fix_with_poproxy(dir.path());
    let pid = l.child.id();
    h.get_by_label(&format!("Stop process PoProxy.exe (PID {pid})"))
        .click();
    wait_idle(&mut h);
    h.get_by_label("Run it");
    h.key_press(egui::Key::Escape);
    h.run_steps(4);
    assert!(
        h.query_by_label("Run it").is_none(),
        "Esc closed the dialog"
    );
    h.get_by_label_contains("you chose not to run it");
    assert!(
        l.child.try_wait().unwrap().is_none(),
        "PoProxy.exe still runs"
    );
}

fn app_on(
    settings: &Path,
    machine: std::sync::Arc<fake_machine::FakeMachine>,
    writer: Option<portsleuth::gui::wizard::Writer>,
) -> Harness<'static, PortSleuthApp> {
    let settings = settings.to_path_buf();
    Harness::builder()
        .with_size(egui::vec2(1280.0, 860.0))
        .with_max_steps(1000)
        .build_eframe(move |cc| {
            PortSleuthApp::new(
                &cc.egui_ctx,
                GuiOptions {
                    settings_path: Some(settings),
                    machine: Some(machine),
                    writer,
                    ..Default::default()
                },
            )
        })
}

#[test]
fn on_a_fake_machine_the_wizard_stops_the_holder_and_says_the_port_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let machine = std::sync::Arc::new(fake_machine::FakeMachine::with_listener(
        "PoProxy.exe",
        4242,
        110,
    ));
    let mut h = app_on(&dir.path().join("settings.json"), machine.clone(), None);
    paste(&mut h, &seed_dialog(110));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.get_by_label("PoProxy.exe");
    h.get_by_label("Show the diagnosis").click();
    h.run_steps(4);
    h.get_by_label("An antivirus e-mail proxy answers on the mail port, so the login fails");
    h.state_mut().wizard.apply(Command::GoTo(Step::Fix));
    h.run_steps(4);
    h.get_by_label("Stop process PoProxy.exe (PID 4242)")
        .click();
    wait_idle(&mut h);
    h.get_by_label("Run it").click();
    wait_idle(&mut h);
    assert_eq!(*machine.stopped.lock().unwrap(), vec![4242]);
    h.get_by_label_contains("Done and verified");
    h.get_by_label("Re-scan: port 110 is now free");
}

#[test]
fn a_save_to_a_slow_disk_does_not_hold_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Mutex::new(wait);
    let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
    let entered_tx = std::sync::Mutex::new(entered_tx);
    // A disk that takes as long as the test says: the write blocks until released.
    let writer: portsleuth::gui::wizard::Writer = std::sync::Arc::new(move |path, bytes| {
        let _ = entered_tx.lock().unwrap().send(());
        let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(30));
        portsleuth::session::files::write_atomic(path, bytes)
    });
    let machine = std::sync::Arc::new(fake_machine::FakeMachine::with_listener(
        "PoProxy.exe",
        4242,
        110,
    ));
    let mut h = app_on(&dir.path().join("settings.json"), machine, Some(writer));
    paste(&mut h, &seed_dialog(110));
    h.get_by_label("Diagnose without scanning").click();
    h.run_steps(4);
    h.get_by_label("5  Report").click();
    h.run_steps(4);
    let out = dir.path().join("slow.html");
    h.state_mut()
        .wizard
        .apply(Command::SetSavePath(out.display().to_string()));
    h.get_by_label("Save").click();
    h.step();
    entered
        .recv_timeout(Duration::from_secs(10))
        .expect("the save reached the disk");
    // The disk is stuck; frames keep being drawn and the window says what it is doing.
    for _ in 0..20 {
        h.step();
    }
    h.get_by_label_contains("Saving");
    assert!(!out.exists(), "nothing is written before the disk answers");
    h.get_by_label("3  Diagnosis").click();
    h.run_steps(2);
    assert_eq!(
        h.state().wizard.step(),
        Step::Diagnosis,
        "the window still answers clicks"
    );
    release.send(()).unwrap();
    wait_idle(&mut h);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    h.get_by_label("5  Report").click();
    h.run_steps(4);
    h.get_by_label_contains("Saved the HTML report");
}
