//! Every text colour of the wizard's themes against every background it is drawn on keeps
//! the WCAG AA contrast of 4.5:1, in the dark and the light theme (issue 16: the rail's status
//! text, the pinned rows and the light "showing x of y" were below it).
#![cfg(feature = "gui")]

use egui::Color32;
use portsleuth::gui::settings::Theme;
use portsleuth::gui::style;

/// The colour seen when `top` (maybe translucent) is painted over the opaque `under`.
fn over(top: Color32, under: Color32) -> Color32 {
    let [r, g, b, a] = top.to_srgba_unmultiplied();
    let a = f32::from(a) / 255.0;
    let mix = |t: u8, u: u8| (f32::from(t) * a + f32::from(u) * (1.0 - a)).round() as u8;
    Color32::from_rgb(mix(r, under.r()), mix(g, under.g()), mix(b, under.b()))
}

fn luminance(c: Color32) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

fn contrast(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn every_text_colour_has_4_5_to_1_on_every_background_in_both_themes() {
    let ctx = egui::Context::default();
    style::apply(&ctx, Theme::System);
    let mut failures = Vec::new();
    for (theme, dark) in [(egui::Theme::Dark, true), (egui::Theme::Light, false)] {
        let v = ctx.style_of(theme).visuals.clone();
        let panel = v.panel_fill;
        let backgrounds = [
            ("panel", panel),
            ("window", v.window_fill),
            ("striped row", over(v.faint_bg_color, panel)),
            ("text box", v.extreme_bg_color),
            ("pinned row", over(style::pinned_fill_in(dark), panel)),
            (
                "pinned striped row",
                over(style::pinned_fill_in(dark), over(v.faint_bg_color, panel)),
            ),
            ("new row", over(style::change_fill_in(true, dark), panel)),
            (
                "new striped row",
                over(
                    style::change_fill_in(true, dark),
                    over(v.faint_bg_color, panel),
                ),
            ),
            ("gone row", over(style::change_fill_in(false, dark), panel)),
            (
                "gone striped row",
                over(
                    style::change_fill_in(false, dark),
                    over(v.faint_bg_color, panel),
                ),
            ),
        ];
        let texts = [
            ("text", v.text_color()),
            ("weak text", v.weak_text_color()),
            ("strong text", v.strong_text_color()),
            ("good", style::good_in(dark)),
            ("bad", style::bad_in(dark)),
            ("warn", style::warn_in(dark)),
            ("accent", style::accent_in(dark)),
        ];
        for (bg_name, bg) in backgrounds {
            for (fg_name, fg) in texts {
                let ratio = contrast(over(fg, bg), bg);
                if ratio < 4.5 {
                    failures.push(format!("{theme:?}: {fg_name} on {bg_name} is {ratio:.2}:1"));
                }
            }
        }
    }
    // The primary buttons: white on the brand blue.
    let ratio = contrast(Color32::WHITE, style::BRAND);
    if ratio < 4.5 {
        failures.push(format!("white on the brand blue is {ratio:.2}:1"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_focus_ring_is_drawn_and_has_3_to_1_against_what_it_sits_on_in_both_themes() {
    // WCAG 2.2 "focus visible" and "non-text contrast": a focused widget is drawn with the
    // `active` visuals (egui), its outline at least a point wide and 3:1 against the panel,
    // the window and the widget's own fill; a focused text box shows the selection stroke.
    let ctx = egui::Context::default();
    style::apply(&ctx, Theme::System);
    let mut failures = Vec::new();
    for theme in [egui::Theme::Dark, egui::Theme::Light] {
        let v = ctx.style_of(theme).visuals.clone();
        let ring = v.widgets.active.bg_stroke;
        if ring.width < 1.0 {
            failures.push(format!(
                "{theme:?}: the focus outline is {} wide",
                ring.width
            ));
        }
        for (name, bg) in [
            ("panel", v.panel_fill),
            ("window", v.window_fill),
            (
                "focused widget",
                over(v.widgets.active.bg_fill, v.panel_fill),
            ),
        ] {
            let ratio = contrast(over(ring.color, bg), bg);
            if ratio < 3.0 {
                failures.push(format!(
                    "{theme:?}: focus outline on {name} is {ratio:.2}:1"
                ));
            }
        }
        let edit = v.selection.stroke;
        let ratio = contrast(over(edit.color, v.extreme_bg_color), v.extreme_bg_color);
        if edit.width < 1.0 || ratio < 3.0 {
            failures.push(format!(
                "{theme:?}: a focused text box's outline is {} wide at {ratio:.2}:1",
                edit.width
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
