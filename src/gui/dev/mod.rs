//! Tools for the project's scripts, kept out of the wizard's own modules: the screenshot tour
//! (`gui --tour`) and the frame probe (`PORTSLEUTH_PROBE`).

pub mod probe;
pub mod tour;
