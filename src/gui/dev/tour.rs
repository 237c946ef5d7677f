//! `portsleuth gui --tour DIR`: the wizard walks itself through the scenario a technician
//! would (scan, diagnosis, fix the top cause, report) with the same commands the buttons send,
//! and saves a screenshot of each step to DIR. It is how the README's screenshots are made
//! (`scripts/screenshots.sh`), on the real machine, with the real scanner and fixer.

use crate::gui::app::PortSleuthApp;
use crate::gui::wizard::{Command, Step};
use crate::session::files::write_atomic;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Tour {
    pub dir: PathBuf,
    /// Added to each file name (`-light`, `-dark`).
    pub suffix: String,
    /// Also stop the top cause's first action (for a machine where that is safe).
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Describe,
    Scanning,
    Diagnosis,
    Fix,
    Confirm,
    Fixed,
    Report,
    Done,
}

pub struct Touring {
    app: PortSleuthApp,
    tour: Tour,
    stage: Stage,
    /// Frames drawn in this stage (layout settles in two).
    frames: u32,
    /// When this stage began, or (Confirm) when its dialog first showed: a dialog is
    /// photographed only once its fade-in is over.
    stage_began: Instant,
    waiting_for_shot: Option<String>,
    shots: (
        std::sync::mpsc::Sender<std::sync::Arc<egui::ColorImage>>,
        std::sync::mpsc::Receiver<std::sync::Arc<egui::ColorImage>>,
    ),
    deadline: Instant,
}

impl Touring {
    pub fn new(app: PortSleuthApp, tour: Tour) -> Self {
        Touring {
            app,
            tour,
            stage: Stage::Describe,
            frames: 0,
            stage_began: Instant::now(),
            waiting_for_shot: None,
            shots: std::sync::mpsc::channel(),
            deadline: Instant::now() + Duration::from_secs(120),
        }
    }

    fn next(&mut self, stage: Stage) {
        self.stage = stage;
        self.frames = 0;
        self.stage_began = Instant::now();
    }

    /// Moves the tour on once the wizard has finished the current stage's work.
    fn drive(&mut self, ctx: &egui::Context) {
        let w = &mut self.app.wizard;
        self.frames += 1;
        if self.frames < 4 || w.busy() {
            return;
        }
        // A modal fades in over a few frames: it is photographed half a second after it
        // first showed, well past that.
        if self.stage == Stage::Confirm {
            if w.fix.confirmation().is_none() {
                self.stage_began = Instant::now();
            } else if self.stage_began.elapsed() < Duration::from_millis(500) {
                ctx.request_repaint_after(Duration::from_millis(50));
                return;
            }
        }
        let shot = |name: &str| Some(name.to_owned());
        match self.stage {
            Stage::Describe => {
                self.waiting_for_shot = shot("1-describe");
            }
            Stage::Scanning => self.waiting_for_shot = shot("2-scan"),
            Stage::Diagnosis => self.waiting_for_shot = shot("3-diagnosis"),
            Stage::Fix => self.waiting_for_shot = shot("4-fix"),
            Stage::Confirm => {
                if w.fix.confirmation().is_some() {
                    self.waiting_for_shot = shot("5-confirm");
                }
            }
            Stage::Fixed => self.waiting_for_shot = shot("6-fixed"),
            Stage::Report => self.waiting_for_shot = shot("7-report"),
            Stage::Done => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
        if self.waiting_for_shot.is_some() {
            let tx = self.shots.0.clone();
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                let _ = tx.send(image);
                repaint.request_repaint();
            });
        }
    }

    /// After a screenshot: the user's next click.
    fn after_shot(&mut self) {
        let w = &mut self.app.wizard;
        let first_action = || {
            w.case()
                .and_then(|c| c.diagnosis.findings.first())
                .and_then(|f| f.actions.first())
                .map(|a| a.id.clone())
        };
        match self.stage {
            Stage::Describe => {
                w.apply(Command::StartScan);
                self.next(Stage::Scanning);
            }
            Stage::Scanning => {
                w.apply(Command::GoTo(Step::Diagnosis));
                self.next(Stage::Diagnosis);
            }
            Stage::Diagnosis => {
                w.apply(Command::GoTo(Step::Fix));
                self.next(Stage::Fix);
            }
            Stage::Fix => match first_action() {
                Some(id) if self.tour.fix => {
                    w.apply(Command::AskToRun(id));
                    self.next(Stage::Confirm);
                }
                _ => {
                    w.apply(Command::GoTo(Step::Report));
                    self.next(Stage::Report);
                }
            },
            Stage::Confirm => {
                w.apply(Command::ConfirmRun);
                self.next(Stage::Fixed);
            }
            Stage::Fixed => {
                w.apply(Command::GoTo(Step::Report));
                self.next(Stage::Report);
            }
            Stage::Report | Stage::Done => self.next(Stage::Done),
        }
    }

    fn take_screenshot(&mut self) {
        let Some(name) = self.waiting_for_shot.clone() else {
            return;
        };
        let Ok(image) = self.shots.1.try_recv() else {
            return;
        };
        let path = self
            .tour
            .dir
            .join(format!("{name}{}.png", self.tour.suffix));
        match save_png(&path, &image) {
            Ok(()) => eprintln!("portsleuth: tour: saved {}", path.display()),
            Err(e) => eprintln!("portsleuth: tour: {e:#}"),
        }
        self.waiting_for_shot = None;
        self.after_shot();
    }
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> anyhow::Result<()> {
    use image::ImageEncoder;
    let mut png = Vec::new();
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &bytes,
        image.size[0] as u32,
        image.size[1] as u32,
        image::ExtendedColorType::Rgba8,
    )?;
    Ok(write_atomic(path, &png)?)
}

impl eframe::App for Touring {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.app.show(ui);
        if Instant::now() > self.deadline {
            eprintln!("portsleuth: tour: gave up after 120 s at {:?}", self.stage);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if self.waiting_for_shot.is_some() {
            self.take_screenshot();
        } else {
            self.drive(&ctx);
        }
        ctx.request_repaint_after(Duration::from_millis(50));
    }
}
