//! `portsleuth fix`: one action, planned again from this machine, confirmed on the terminal (or
//! by `--yes`), carried out and verified; the record is printed and, with `--output`, written.
//! Where the record goes is checked before anything is done.

use super::output::{destination, write_report};
use super::{FixArgs, ReportOutput};
use crate::engine::fixing::{ActionRecord, Outcome};
use crate::platform::LiveMachine;
use crate::report::{words::action_line, Format, Report};
use crate::session::fix::{attempt, execute, refused, Attempt, Attempted, FixOptions, Requested};
use crate::session::input::{read_report, read_text, TextFrom};
use crate::session::{Case, Exit, Knowledge, SessionError};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The request, the error text it is about, and the report it came with (if any).
struct Request {
    requested: Requested,
    text: String,
    report: Option<Report>,
    by_meaning: bool,
}

fn request(args: &FixArgs) -> Result<Request, SessionError> {
    match (&args.report, &args.action, &args.text_file, &args.rule, args.kind) {
        (Some(path), Some(id), None, None, None) => {
            let report = read_report(path)?;
            let requested = Requested::from_report(&report, id).map_err(SessionError::Usage)?;
            Ok(Request {
                requested,
                text: report.input.text.clone(),
                report: Some(report),
                by_meaning: false,
            })
        }
        (None, None, Some(path), Some(rule), Some(kind)) => {
            let input = read_text(TextFrom::File(path))?;
            Ok(Request {
                requested: Requested::by_meaning(rule, kind.action_kind()),
                text: input.text,
                report: None,
                by_meaning: true,
            })
        }
        _ => Err(SessionError::Usage(
            "say which action: --report R.json --action ID, or --text-file F --rule RULE --kind KIND"
                .into(),
        )),
    }
}

pub fn run(kb_dirs: &[PathBuf], args: FixArgs) -> Result<Exit, SessionError> {
    if !(0.0..=600.0).contains(&args.grace) {
        return Err(SessionError::Usage(
            "--grace must be between 0 and 600 seconds".into(),
        ));
    }
    let req = request(&args)?;
    // Where the record goes is settled before anything is done: a fix that cannot be
    // recorded is not carried out.
    let appending = args.out.output.as_ref().is_some_and(|p| {
        args.out.format() == Format::Json && p.is_file() && read_report(p).is_ok()
    });
    let out = ReportOutput {
        format: Some(args.out.format()),
        output: args.out.output.clone(),
        redact: args.out.redact,
        force: args.out.force || appending,
    };
    let to = destination(&out)?;
    let knowledge = Knowledge::load(kb_dirs)?;
    let grace = std::time::Duration::from_secs_f64(args.grace);
    let what = if args.dry_run {
        Attempt::Preview
    } else {
        Attempt::Ask
    };
    let (record, not_applicable) = match attempt(
        &knowledge,
        &LiveMachine,
        &req.text,
        &req.requested,
        what,
        grace,
    ) {
        Attempted::Recorded(record) => (record, false),
        Attempted::NotApplicable(record) => (record, true),
        Attempted::Confirm(prepared) => {
            let record = if args.yes || confirm_on_terminal(&prepared) {
                let options = FixOptions {
                    dry_run: false,
                    grace,
                };
                execute(&LiveMachine, &prepared, &options)
            } else {
                refused(
                    &prepared.action,
                    "not confirmed: run it from a terminal and answer y, or pass --yes".into(),
                )
            };
            (record, false)
        }
    };
    if let Some(path) = to.path() {
        // A JSON report is appended to; any other format is rendered whole.
        let mut target = match (&req.report, appending) {
            (_, true) => read_report(path)?,
            (Some(report), false) => report.clone(),
            (None, false) => Case::open(&knowledge, req.text.clone(), None).report(&knowledge),
        };
        target.actions_taken.push(record.clone());
        write_report(&target, &out)?;
    }
    Ok(say(&record, not_applicable && req.by_meaning))
}

/// Prints the record's outcome and returns the exit code it means.
fn say(record: &ActionRecord, not_applicable: bool) -> Exit {
    match record.outcome {
        Outcome::Refused if not_applicable => {
            println!("not applicable here: {}", record.detail);
            Exit::NotApplicable
        }
        Outcome::Refused | Outcome::Cancelled => {
            eprintln!("portsleuth: refused: {}", record.detail);
            Exit::Refused
        }
        Outcome::Previewed | Outcome::Done => {
            println!("{}", action_line(record));
            Exit::Ok
        }
        Outcome::ProblemRemains | Outcome::Failed => {
            println!("{}", action_line(record));
            Exit::ProblemFound
        }
    }
}

/// Asks on the terminal; without one, there is nobody to ask and the answer is no. What is
/// shown is the fresh plan's action in PortSleuth's words, never a label from a file.
fn confirm_on_terminal(prepared: &crate::session::fix::Prepared) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprintln!("{}", prepared.action.label);
    for (n, w) in prepared.words.iter().enumerate() {
        eprintln!("  {}. {w}", n + 1);
    }
    for c in &prepared.commands {
        eprintln!("  exact: {c}");
    }
    eprint!("Proceed? [y/N] ");
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}
