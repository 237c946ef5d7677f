//! The pure core: reading error text, the knowledge base, and diagnosis.
//!
//! Nothing under this module performs I/O or touches the machine, so all of it is tested
//! everywhere, quickly, without a display.

pub mod diagnosis;
pub mod fixing;
pub mod html;
pub mod kb;
pub mod model;
pub mod redact;
pub mod report;
pub mod safety;
pub mod scan_table;
pub mod snapshot;
pub mod symptoms;
pub mod text;
