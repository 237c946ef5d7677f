//! `portsleuth diagnose`: read the error text, look at the machine (or a snapshot, or
//! nothing), name the cause, and write the report.

use super::output::{destination, write_report};
use super::DiagnoseArgs;
use crate::platform::ScanOptions;
use crate::session::input::{read_snapshot, read_text, TextFrom};
use crate::session::{Case, Exit, Knowledge, SessionError};
use std::path::PathBuf;

pub fn run(kb_dirs: &[PathBuf], args: DiagnoseArgs) -> Result<Exit, SessionError> {
    let from = match (&args.text_file, &args.text, args.stdin.is_some()) {
        (Some(path), _, _) => TextFrom::File(path),
        (None, Some(text), _) => TextFrom::Text(text),
        (None, None, true) => TextFrom::Stdin,
        (None, None, false) => {
            return Err(SessionError::Usage(
                "no error text given: use --text-file F, --text T, or - to read standard input"
                    .into(),
            ))
        }
    };
    let input = read_text(from)?;
    destination(&args.out)?;
    let knowledge = Knowledge::load(kb_dirs)?;
    for e in knowledge.problems() {
        eprintln!("portsleuth: rule file problem (entry skipped): {e}");
    }
    let mut case = Case::open(&knowledge, input.text, input.note);
    let snapshot = if args.no_scan {
        None
    } else if let Some(path) = &args.snapshot {
        Some(read_snapshot(path)?)
    } else {
        // Scanning only the ports the text names is faster; without ports, scan everything.
        let ports = case.symptoms.ports_to_check();
        Some(super::scan::scan_with_progress(ScanOptions { ports })?)
    };
    if args.probe {
        // Probes go only to servers that are not the scanned machine: place them first.
        crate::engine::diagnose::place_servers(
            &mut case.symptoms,
            snapshot.as_ref().map(|s| &s.host),
        );
        let requests =
            crate::session::probing::requests_for(&case.symptoms, &args.probing.settings());
        if requests.is_empty() {
            eprintln!("portsleuth: --probe: the text names no server elsewhere and port to probe");
        }
        case.probes = crate::session::probing::run(&requests, |_| {});
    }
    match snapshot {
        Some(snapshot) if args.snapshot.is_some() => {
            case.diagnose_with_loaded(&knowledge, snapshot)
        }
        Some(snapshot) => case.diagnose(&knowledge, Some(snapshot)),
        None => {}
    }
    write_report(&case.report(&knowledge), &args.out)?;
    // The process ends next: handing the knowledge base's tens of thousands of allocations
    // back one by one would cost more than reading the text did.
    std::mem::forget(knowledge);
    std::mem::forget(case);
    Ok(Exit::Ok)
}
