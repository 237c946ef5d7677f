//! PortSleuth: this error says X — which program is really causing it, on which machine, and
//! how do I safely make it stop?
//!
//! Data flows one way, and the folders say so:
//!
//! ```text
//! error text ─► engine::reader ─► Symptoms ─┐
//! machine ───► platform ────────► Snapshot ─┼─► engine::diagnose ─► Diagnosis
//!                                            │
//! session::Case { text, symptoms, snapshot, diagnosis, actions_taken }
//!     ─► session::fix (re-checked, confirmed, verified) ─► ActionRecord
//!     ─► report::render(format, redact) ─► file | stdout | clipboard
//! ```
//!
//! - [`engine`] decides, and is pure: no files, no clock, no machine, no drawing.
//! - [`platform`] is the only code that looks at the machine or changes it.
//! - [`session`] is what both doors do, once: knowledge, input, the case, fixes, files.
//! - [`report`] shows a finished report: formats, wording, redaction, socket rows.
//! - [`cli`] and [`gui`] are the two doors; neither imports the other (the CLI only starts
//!   the wizard through `gui::run`).

pub mod cli;
pub mod clock;
pub mod engine;
#[cfg(feature = "gui")]
pub mod gui;
pub mod jobs;
pub mod platform;
pub mod report;
pub mod session;
