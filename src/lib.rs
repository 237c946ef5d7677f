//! PortSleuth: this error says X — which program on this machine is really causing it, and how
//! do I safely make it stop?
//!
//! Data flows one way: error text → [`engine::symptoms`]; machine → [`platform`] →
//! [`engine::snapshot`]; both → [`engine::diagnosis`] → report. The engine is pure; the
//! platform layer is the only place that talks to the operating system; the CLI and the GUI are
//! thin shells over both.

pub mod cli;
pub mod engine;
pub mod files;
pub mod fix;
#[cfg(feature = "gui")]
pub mod gui;
pub mod platform;
