//! The pure core, which decides: reading error text ([`reader`]), the knowledge base ([`kb`]),
//! diagnosis ([`diagnose`]) and the rules for acting safely ([`fixing`], [`safety`]), over
//! plain data ([`snapshot`], [`model`]).
//!
//! Nothing under this module performs I/O, reads the clock or touches the machine, so all of
//! it is tested everywhere, quickly, without a display. It never formats a report either: that
//! is [`crate::report`].

pub mod diagnose;
pub mod fixing;
pub mod kb;
pub mod model;
pub mod probe;
pub mod reader;
pub mod safety;
pub mod snapshot;
pub mod text;
