//! Colours and small shared widgets: notices, tags, the confidence bar, the drop overlay.

use super::settings::Theme;
use super::wizard::Notice;
use egui::{Color32, RichText};

pub fn apply(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
    // Text colours that keep 4.5:1 (WCAG AA) against every background the wizard draws on,
    // the pinned rows and striped rows included; egui's defaults go down to about 2.7:1.
    for (theme, text, weak) in [
        (
            egui::Theme::Dark,
            Color32::from_gray(205),
            Color32::from_gray(165),
        ),
        (
            egui::Theme::Light,
            Color32::from_gray(40),
            Color32::from_gray(90),
        ),
    ] {
        ctx.style_mut_of(theme, |style| {
            style.visuals.widgets.noninteractive.fg_stroke.color = text;
            style.visuals.weak_text_color = Some(weak);
        });
    }
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
        style.spacing.interact_size.y = 24.0;
        for (text_style, size) in [
            (egui::TextStyle::Body, 14.5),
            (egui::TextStyle::Button, 14.5),
            (egui::TextStyle::Monospace, 13.0),
            (egui::TextStyle::Heading, 20.0),
            (egui::TextStyle::Small, 11.5),
        ] {
            if let Some(font) = style.text_styles.get_mut(&text_style) {
                font.size = size;
            }
        }
    });
}

pub fn dark(ui: &egui::Ui) -> bool {
    ui.visuals().dark_mode
}

pub fn good(ui: &egui::Ui) -> Color32 {
    good_in(dark(ui))
}

/// [`good`] in the dark (`true`) or light theme.
pub fn good_in(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(20, 120, 40)
    }
}

pub fn bad(ui: &egui::Ui) -> Color32 {
    bad_in(dark(ui))
}

/// [`bad`] in the dark (`true`) or light theme.
pub fn bad_in(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(240, 110, 100)
    } else {
        Color32::from_rgb(180, 30, 30)
    }
}

pub fn warn(ui: &egui::Ui) -> Color32 {
    warn_in(dark(ui))
}

/// [`warn`] in the dark (`true`) or light theme.
pub fn warn_in(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(235, 190, 90)
    } else {
        Color32::from_rgb(150, 95, 0)
    }
}

pub fn accent(ui: &egui::Ui) -> Color32 {
    accent_in(dark(ui))
}

/// [`accent`] in the dark (`true`) or light theme.
pub fn accent_in(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(110, 170, 245)
    } else {
        BRAND
    }
}

/// The blue of the icon: the primary buttons' fill in both themes.
pub const BRAND: Color32 = Color32::from_rgb(31, 95, 174);

/// A row background for the pinned ports of the error.
pub fn pinned_fill(ui: &egui::Ui) -> Color32 {
    pinned_fill_in(dark(ui))
}

/// [`pinned_fill`] in the dark (`true`) or light theme.
pub fn pinned_fill_in(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgba_unmultiplied(200, 150, 30, 40)
    } else {
        Color32::from_rgba_unmultiplied(255, 200, 60, 70)
    }
}

/// Row backgrounds for a refreshed table: a socket that is new since the previous scan
/// (`true`) or gone since it, in the dark or light theme.
pub fn change_fill_in(new: bool, dark: bool) -> Color32 {
    match (new, dark) {
        (true, true) => Color32::from_rgba_unmultiplied(60, 200, 90, 26),
        (true, false) => Color32::from_rgba_unmultiplied(60, 200, 90, 34),
        (false, true) => Color32::from_rgba_unmultiplied(230, 70, 70, 40),
        (false, false) => Color32::from_rgba_unmultiplied(230, 70, 70, 18),
    }
}

/// A notice box; returns true when its Dismiss button was clicked.
pub fn notice(ui: &mut egui::Ui, n: &Notice, dismissable: bool) -> bool {
    let colour = if n.error { bad(ui) } else { accent(ui) };
    let mut dismissed = false;
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, colour))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(if n.error { "Problem" } else { "Note" })
                        .strong()
                        .color(colour),
                );
                if dismissable {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                        dismissed = ui.button("Dismiss").clicked();
                        ui.add(egui::Label::new(&n.words).wrap());
                    });
                } else {
                    ui.add(egui::Label::new(&n.words).wrap());
                }
            });
        });
    dismissed
}

/// A small coloured tag: TEXT, SCAN, POP3, HRESULT.
pub fn tag(ui: &mut egui::Ui, words: &str, colour: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(colour.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, colour.gamma_multiply(0.7)))
        .corner_radius(3.0)
        .inner_margin(egui::Margin::symmetric(5, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(words).small().strong().color(colour))
        })
        .inner
}

/// "95%" with a bar, coloured by how sure it is.
pub fn confidence_bar(ui: &mut egui::Ui, confidence: f64) {
    let colour = if confidence >= 0.75 {
        good(ui)
    } else if confidence >= 0.45 {
        warn(ui)
    } else {
        ui.visuals().weak_text_color()
    };
    ui.add(
        egui::ProgressBar::new(confidence as f32)
            .desired_width(160.0)
            .desired_height(10.0)
            .fill(colour),
    );
    ui.label(
        RichText::new(format!("{:.0}% confident", confidence * 100.0))
            .strong()
            .color(colour),
    );
}

pub fn drop_overlay(ctx: &egui::Context) {
    let screen = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop"),
    ));
    painter.rect_filled(screen, 0.0, Color32::from_black_alpha(170));
    painter.text(
        screen.center(),
        egui::Align2::CENTER_CENTER,
        "Drop the file to read the error text in it",
        egui::FontId::proportional(22.0),
        Color32::WHITE,
    );
}

/// A section title inside a page.
pub fn section(ui: &mut egui::Ui, title: &str) {
    ui.add_space(4.0);
    ui.label(RichText::new(title).strong().size(15.5));
}

/// Knowledge-base text (an explanation, a step), wrapped, with its Markdown code spans shown
/// as code rather than as backticks; `prefix` ("2. ") is plain.
pub fn kb_text(ui: &mut egui::Ui, prefix: &str, text: &str) -> egui::Response {
    let colour = ui.visuals().text_color();
    let plain = egui::TextFormat {
        font_id: egui::TextStyle::Body.resolve(ui.style()),
        color: colour,
        ..Default::default()
    };
    let code = egui::TextFormat {
        font_id: egui::TextStyle::Monospace.resolve(ui.style()),
        color: colour,
        background: ui.visuals().code_bg_color,
        ..Default::default()
    };
    let mut job = egui::text::LayoutJob::default();
    job.append(prefix, 0.0, plain.clone());
    for (is_code, run) in crate::report::words::code_spans(text) {
        job.append(run, 0.0, if is_code { code.clone() } else { plain.clone() });
    }
    ui.add(egui::Label::new(job).wrap())
}
