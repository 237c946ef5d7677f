//! Driving the wizard in tests (egui_kittest): a window of a given size started with given
//! options, a paste, and waiting until its workers are idle.

use egui_kittest::Harness;
use portsleuth::gui::{GuiOptions, PortSleuthApp};
use std::time::{Duration, Instant};

/// The wizard in a window of `size`, started with `options`.
pub fn wizard(size: egui::Vec2, options: GuiOptions) -> Harness<'static, PortSleuthApp> {
    Harness::builder()
        .with_size(size)
        .with_max_steps(1000)
        .build_eframe(move |cc| PortSleuthApp::new(&cc.egui_ctx, options))
}

/// Steps frames until the wizard's workers are idle (a scan, a fix, a probe on its thread).
pub fn wait_idle(h: &mut Harness<'_, PortSleuthApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    h.step();
    while h.state().wizard.busy() {
        assert!(
            Instant::now() < deadline,
            "the worker did not finish in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(4);
}

pub fn paste(h: &mut Harness<'_, PortSleuthApp>, text: &str) {
    h.event(egui::Event::Paste(text.to_owned()));
    h.run_steps(4);
}
