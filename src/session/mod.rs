//! What both doors do, once: load the knowledge base, read what the user gave, keep the case
//! being worked on, make the one report, run a fix, and write files. The command line and the
//! wizard call this layer and never each other (the CLI only starts the wizard through
//! `gui::run`).
//!
//! A [`Case`] is the unit of work: a new paste or a new snapshot starts a new case, and the
//! actions taken belong to their case and to no other.

pub mod case;
pub mod error;
pub mod files;
pub mod fix;
pub mod history;
pub mod input;
pub mod knowledge;
pub mod probing;
pub mod triage;

pub use case::Case;
pub use error::{Exit, SessionError};
pub use knowledge::Knowledge;
