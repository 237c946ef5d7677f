//! `PORTSLEUTH_PROBE`: measurements of the real window for `scripts/measure-gui.sh`. Not a
//! part of the wizard a technician uses; the app only hands it each frame.

use crate::gui::wizard::Wizard;

/// Measurements of the real window, asked for with `PORTSLEUTH_PROBE`:
/// `first-frame` prints the wall-clock time (Unix ms) once the first frame was presented and
/// closes; `frames:N` redraws N frames while scrolling the socket table and prints eframe's
/// CPU time per frame.
pub struct Probe {
    frames_wanted: Option<usize>,
    seen: usize,
    samples: Vec<f32>,
}

pub fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Probe {
    pub fn from_env() -> Option<Probe> {
        let v = std::env::var("PORTSLEUTH_PROBE").ok()?;
        let frames_wanted = match v.as_str() {
            "first-frame" => None,
            other => Some(other.strip_prefix("frames:")?.parse().ok()?),
        };
        Some(Probe {
            frames_wanted,
            seen: 0,
            samples: Vec::new(),
        })
    }

    pub fn frame(&mut self, ctx: &egui::Context, frame: &eframe::Frame, w: &mut Wizard) {
        self.seen += 1;
        match self.frames_wanted {
            // The second frame starts only after the first was painted and swapped.
            None if self.seen == 1 => {
                eprintln!("portsleuth-probe first-ui-unix-ms {}", unix_ms());
                ctx.request_repaint();
            }
            None if self.seen == 2 => {
                eprintln!("portsleuth-probe first-frame-unix-ms {}", unix_ms());
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            None => {}
            Some(_) if self.seen > self.frames_wanted.unwrap_or(0) + 5 => {}
            Some(n) => {
                if let Some(cpu) = frame.info().cpu_usage {
                    self.samples.push(cpu * 1000.0);
                }
                let rows = w.scan.table.visible.len().max(1);
                w.scan.table.scroll_to = Some((self.seen * 37) % rows);
                if self.seen >= n + 5 {
                    let mut s: Vec<f32> = self.samples.iter().skip(5).copied().collect();
                    s.sort_by(f32::total_cmp);
                    let mean = s.iter().sum::<f32>() / s.len().max(1) as f32;
                    let p95 = s.get(s.len() * 95 / 100).copied().unwrap_or_default();
                    eprintln!(
                        "portsleuth-probe frames {} rows {} cpu-ms-per-frame mean {mean:.2} p95 {p95:.2}",
                        s.len(),
                        w.scan.table.rows.len()
                    );
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                } else {
                    ctx.request_repaint();
                }
            }
        }
    }
}
