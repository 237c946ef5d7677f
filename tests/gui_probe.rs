//! *Check the server* in the wizard (issue #14): on the user's PC, for an error about another
//! machine, the wizard names what it would connect to, probes it read-only when asked, and
//! diagnoses again with what answered. A real POP3 greeter on loopback stands for `exch01`.
#![cfg(feature = "gui")]

mod common;
#[path = "common/fake_machine.rs"]
mod fake_machine;
mod probe_support;
#[path = "common/wizard.rs"]
mod wizard;

use egui_kittest::kittest::Queryable;
use fake_machine::FakeMachine;
use portsleuth::gui::GuiOptions;
use probe_support::{assert_only_allowed, serve, Script};
use std::sync::Arc;
use wizard::{paste, wait_idle, wizard};

const WINDOW: egui::Vec2 = egui::vec2(1280.0, 860.0);

#[test]
fn check_the_server_probes_exch01_when_asked_and_the_answer_decides() {
    let server = serve(Script::Pop3 {
        greeting: "+OK Microsoft Exchange POP3 server version 5.5.2653.23 ready".into(),
        capa: None,
        stls: None,
    });
    let port = server.port;
    // This PC: nothing on the error's port.
    let machine = Arc::new(FakeMachine::with_listener("svchost.exe", 4242, 135));
    let dir = tempfile::tempdir().unwrap();
    let mut h = wizard(
        WINDOW,
        GuiOptions {
            settings_path: Some(dir.path().join("settings.json")),
            machine: Some(machine),
            probe_resolve: vec![("exch01".into(), [127, 0, 0, 1].into())],
            ..Default::default()
        },
    );
    paste(&mut h, &common::seed_dialog_for("exch01", port));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.get_by_label("Show the diagnosis").click();
    h.run_steps(4);
    assert!(h
        .get_all_by_label_contains(&format!(
            "Look at exch01 first: what holds port {port} there decides the cause"
        ))
        .next()
        .is_some());
    // It says what it will connect to before it does.
    h.get_by_label_contains(&format!("PortSleuth can look at exch01:{port} from here"));
    h.get_by_label(&format!("Check the server: exch01:{port}"))
        .click();
    wait_idle(&mut h);
    h.get_by_label_contains(&format!(
        "Checked from here: exch01:{port} answered as Microsoft Exchange"
    ));
    assert!(h
        .get_all_by_label_contains("The mail server rejected the user name or password")
        .next()
        .is_some());
    let case = h.state().wizard.case().expect("a case");
    assert_eq!(
        case.diagnosis.findings[0].category.as_str(),
        "bad_credentials"
    );
    assert_only_allowed(&server.seen());
}

#[test]
fn the_servers_own_scan_loaded_from_a_file_finishes_the_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    // The scan a technician ran on exch01 (host name EXCH01-NEW: a renamed server), brought
    // back as a file: PoProxy.exe holds 110 there.
    let server = FakeMachine::with_listener("PoProxy.exe", 4343, 110);
    let mut scan = server.snapshot.lock().unwrap().clone();
    scan.host.hostname = "EXCH01-NEW".into();
    let file = dir.path().join("exch01.json");
    std::fs::write(&file, serde_json::to_vec(&scan).unwrap()).unwrap();
    // This PC: nothing on 110.
    let pc = Arc::new(FakeMachine::with_listener("svchost.exe", 4242, 135));
    let mut h = wizard(
        WINDOW,
        GuiOptions {
            settings_path: Some(dir.path().join("settings.json")),
            machine: Some(pc),
            ..Default::default()
        },
    );
    paste(&mut h, &common::seed_dialog_for("exch01", 110));
    h.get_by_label("Scan this machine").click();
    wait_idle(&mut h);
    h.get_by_label("Show the diagnosis").click();
    h.run_steps(4);
    h.get_by_label("Load the server's scan\u{2026}");
    assert_eq!(
        h.state().wizard.case().unwrap().diagnosis.findings[0]
            .category
            .as_str(),
        "undecided"
    );
    // What the button's dialog (or a drop onto the window) hands over: the file's path.
    h.state_mut()
        .wizard
        .apply(portsleuth::gui::wizard::Command::LoadSnapshot(file));
    wait_idle(&mut h);
    let case = h.state().wizard.case().expect("a case");
    assert_eq!(case.snapshot.as_ref().unwrap().host.hostname, "EXCH01-NEW");
    assert_eq!(
        case.diagnosis.findings[0].category.as_str(),
        "av_mail_proxy"
    );
    assert_eq!(case.symptoms.servers[0].this_machine, None);
    h.get_by_label_contains("Diagnosed with the scan of EXCH01-NEW");
    // A damaged file is a one-line notice, and the case stays as it was.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        b"{\"schema\": \"portsleuth.snapshot/1\", \"sockets\": [",
    )
    .unwrap();
    h.state_mut()
        .wizard
        .apply(portsleuth::gui::wizard::Command::LoadSnapshot(bad));
    wait_idle(&mut h);
    assert_eq!(
        h.state().wizard.case().unwrap().diagnosis.findings[0]
            .category
            .as_str(),
        "av_mail_proxy"
    );
    let notice = h
        .state()
        .wizard
        .notice()
        .expect("a notice about the damaged file");
    assert!(notice.error, "{}", notice.words);
    assert!(notice.words.contains("bad.json"), "{}", notice.words);
    assert_eq!(notice.words.lines().count(), 1);
}
