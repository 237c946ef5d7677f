//! `portsleuth scan`: the sockets of this machine with their owners, as a table or JSON.

use super::{ScanArgs, ScanFormat};
use crate::engine::snapshot::Snapshot;
use crate::platform::{LiveMachine, Machine, Progress, ScanOptions};
use crate::session::files::{check_writable, emit, Destination};
use crate::session::{Exit, SessionError};
use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;

pub fn run(args: ScanArgs) -> Result<Exit, SessionError> {
    let to = Destination::from_arg(args.output.as_deref());
    if let Some(path) = to.path() {
        check_writable(path, true)?;
    }
    let snapshot = scan_with_progress(ScanOptions {
        ports: args.ports.clone(),
    })?;
    let out = match args.format {
        ScanFormat::Json => {
            serde_json::to_string_pretty(&snapshot)
                .map_err(|e| SessionError::Internal(e.to_string()))?
                + "\n"
        }
        ScanFormat::Text => crate::report::scan_text::render(&snapshot, &args.ports),
    };
    emit(&to, &out)?;
    Ok(Exit::Ok)
}

/// Scans this machine, showing the phase on a terminal's standard error as it goes.
pub fn scan_with_progress(options: ScanOptions) -> Result<Snapshot, SessionError> {
    let show = std::io::stderr().is_terminal();
    let mut last = None;
    let result = LiveMachine.scan(
        &options,
        &mut |p: Progress| {
            if show && last != Some(p.phase) {
                eprint!("\r\x1b[2K{}…", p.phase.describe());
                last = Some(p.phase);
            }
        },
        &AtomicBool::new(false),
    );
    if show {
        eprint!("\r\x1b[2K");
    }
    Ok(result?)
}
