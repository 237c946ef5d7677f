//! CPU per frame of the wizard's Scan page: the socket table with 10,000 rows against the same
//! page with 10 rows (the baseline), measured in the same run. The harness runs egui's layout
//! and accessibility pass as the real window does, without a GPU; `scripts/measure-gui.sh`
//! measures the real window (with tessellation and painting) under Xvfb.

use criterion::{criterion_group, criterion_main, Criterion};
use egui_kittest::Harness;
use portsleuth::engine::snapshot::{Host, Process, Snapshot, Socket, Transport, SNAPSHOT_SCHEMA};
use portsleuth::gui::{GuiOptions, PortSleuthApp};

/// A machine with `n` sockets held by 400 processes, like a busy server.
fn machine(n: usize) -> Snapshot {
    let processes: Vec<Process> = (0..400u32)
        .map(|i| Process {
            pid: 1000 + i,
            name: format!("worker{i}"),
            exe_name: format!("worker{i}.exe"),
            exe: Some(format!("C:\\Program Files\\Vendor {i}\\worker{i}.exe")),
            user: Some(format!("svc-account-{}", i % 7)),
            start_time: 1_700_000_000 + u64::from(i),
            ..Default::default()
        })
        .collect();
    let sockets = (0..n)
        .map(|i| Socket {
            transport: if i % 5 == 0 {
                Transport::Udp
            } else {
                Transport::Tcp
            },
            local_addr: format!("10.0.{}.{}", (i / 250) % 250, i % 250),
            local_port: (1024 + i % 60000) as u16,
            remote_addr: (i % 3 != 0).then(|| format!("192.168.{}.{}", i % 200, i % 250)),
            remote_port: (i % 3 != 0).then_some(443),
            state: if i % 3 == 0 { "LISTEN" } else { "ESTABLISHED" }.into(),
            pids: vec![1000 + (i % 400) as u32],
            dual_stack: false,
        })
        .collect();
    Snapshot {
        schema: SNAPSHOT_SCHEMA.into(),
        taken_at: "2026-11-26T00:00:00Z".into(),
        host: Host {
            hostname: "bench".into(),
            os: "windows".into(),
            ..Default::default()
        },
        sockets,
        processes,
        ..Default::default()
    }
}

fn scan_page(rows: usize) -> Harness<'static, PortSleuthApp> {
    let snapshot = machine(rows);
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| {
            PortSleuthApp::new(
                &cc.egui_ctx,
                GuiOptions {
                    text: Some(portsleuth::session::input::InputText {
                        text: "Your Password was rejected. Protocol: POP3, Port: 110, Error Number: 0x800CCC92"
                            .into(),
                        note: None,
                    }),
                    snapshot: Some(snapshot),
                    ..Default::default()
                },
            )
        })
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("scan page frame");
    for rows in [10usize, 10_000] {
        let mut h = scan_page(rows);
        let mut n = 0usize;
        group.bench_function(format!("{rows} sockets"), |b| {
            b.iter(|| {
                // Scroll a little every frame, as a technician browsing the table would.
                n += 37;
                h.state_mut().wizard.scan.table.scroll_to = Some(n % rows);
                h.step();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
