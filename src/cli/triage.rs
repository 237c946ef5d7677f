//! `portsleuth triage`: one error text, many machines' snapshots; prints or writes the
//! triage. The work is the session's (`session::triage`), the wording the report layer's.

use super::TriageArgs;
use crate::report::triage::{render_triage, TriageFormat};
use crate::session::files::{check_writable, emit, Destination};
use crate::session::input::{read_text, TextFrom};
use crate::session::triage::{triage, Snapshots};
use crate::session::{Exit, Knowledge, SessionError};
use std::path::PathBuf;

pub fn run(kb_dirs: &[PathBuf], args: &TriageArgs) -> Result<Exit, SessionError> {
    let from = match (&args.snapshots, args.files.as_slice()) {
        (Some(dir), []) => Snapshots::Folder(dir),
        (None, files) if !files.is_empty() => Snapshots::Files(files),
        _ => {
            return Err(SessionError::Usage(
                "say which snapshots: --snapshots DIR, or the snapshot files".into(),
            ))
        }
    };
    let to = Destination::from_arg(args.output.as_deref());
    if let Some(path) = to.path() {
        check_writable(path, args.force)?;
    }
    let input = read_text(TextFrom::File(&args.text_file))?;
    let knowledge = Knowledge::load(kb_dirs)?;
    for e in knowledge.problems() {
        eprintln!("portsleuth: rule file problem (entry skipped): {e}");
    }
    let result = triage(&knowledge, &input.text, from)?;
    let format = args.format.unwrap_or_else(|| {
        args.output
            .as_deref()
            .map_or(TriageFormat::Text, TriageFormat::for_path)
    });
    emit(&to, &render_triage(&result, format))?;
    if !result.skipped.is_empty() {
        eprintln!(
            "portsleuth: {} snapshot file(s) skipped; the triage lists each with the reason",
            result.skipped.len()
        );
    }
    std::mem::forget(knowledge);
    Ok(Exit::Ok)
}
