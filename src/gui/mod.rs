//! The desktop wizard (egui/eframe, glow renderer): Describe → Scan → Diagnosis → Fix →
//! Report. A thin shell over the session: it calls the same knowledge, scanner, fixer and
//! renderers as the CLI and decides nothing of its own. Drawing never waits: scans, fixes,
//! file reads, saves and settings writes run as [`crate::jobs::Job`]s.

pub mod app;
pub mod dev;
pub mod examples;
pub mod pages;
pub mod settings;
pub mod style;
pub mod table;
pub mod wizard;

pub use app::{GuiOptions, PortSleuthApp};

use anyhow::anyhow;
use std::sync::Arc;

/// The window's icon, from `assets/icon.png`.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// Opens the wizard and returns when its window closes.
pub fn run(mut options: GuiOptions, tour: Option<dev::tour::Tour>) -> anyhow::Result<()> {
    if std::env::var_os("PORTSLEUTH_PROBE").is_some() {
        eprintln!(
            "portsleuth-probe window-requested-unix-ms {}",
            dev::probe::unix_ms()
        );
    }
    // The knowledge base loads while the window and its OpenGL context are created.
    let kb_dirs = options.kb_dirs.clone();
    options.knowledge = crate::jobs::Job::spawn("knowledge", &crate::jobs::no_wake(), move |_| {
        crate::session::Knowledge::load(&kb_dirs)
    })
    .ok();
    let (settings, _) = settings::Settings::load(options.settings_path.as_deref());
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("PortSleuth")
        .with_app_id("portsleuth")
        .with_inner_size(settings.window)
        .with_min_inner_size([760.0, 520.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(Arc::new(icon));
    }
    let native = eframe::NativeOptions {
        viewport,
        // glow: OpenGL 2+ (or GLES 2) is all it needs, which Mesa's software renderer, Wine and
        // most remote desktops provide; see the README's "Renderer" section for the figures.
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "PortSleuth",
        native,
        Box::new(move |cc| {
            if std::env::var_os("PORTSLEUTH_PROBE").is_some() {
                eprintln!(
                    "portsleuth-probe window-ready-unix-ms {}",
                    dev::probe::unix_ms()
                );
            }
            let app = PortSleuthApp::new(&cc.egui_ctx, options);
            Ok(match tour {
                Some(t) => Box::new(dev::tour::Touring::new(app, t)),
                None => Box::new(app),
            })
        }),
    )
    .map_err(|e| {
        let headless = cfg!(all(unix, not(target_os = "macos")))
            && std::env::var_os("DISPLAY").is_none()
            && std::env::var_os("WAYLAND_DISPLAY").is_none();
        if headless {
            anyhow!(
                "there is no graphical display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the wizard cannot open; the command line does the same work: portsleuth diagnose --text-file F (portsleuth --help lists every command)"
            )
        } else {
            anyhow!(
                "cannot open the window ({e}). PortSleuth needs OpenGL 2 or later; without it, the command line does the same work: portsleuth diagnose --text-file F"
            )
        }
    })
}
