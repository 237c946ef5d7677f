//! Writing a report where the user asked: checked before anything is done, atomic, `-` for
//! standard output.

use super::ReportOutput;
use crate::report::{render, Report};
use crate::session::files::{check_writable, emit, Destination};
use crate::session::SessionError;

/// Where `out` says to write, checked now: an existing file needs `--force`, and a special
/// file is never replaced. Call it before doing anything that cannot be taken back.
pub fn destination(out: &ReportOutput) -> Result<Destination, SessionError> {
    let to = Destination::from_arg(out.output.as_deref());
    if let Some(path) = to.path() {
        check_writable(path, out.force)?;
    }
    Ok(to)
}

/// Renders a report in the chosen format (redacted if asked) and writes it.
pub fn write_report(report: &Report, out: &ReportOutput) -> Result<(), SessionError> {
    let to = destination(out)?;
    emit(&to, &render(report, out.format(), out.redact))
}
