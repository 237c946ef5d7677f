//! `portsleuth fix`: one action from a report, re-checked against the machine now, confirmed
//! on the terminal (or by `--yes`), carried out and verified; the record is printed and, with
//! `--output`, written. The output is checked before anything is done.

use super::output::destination;
use super::{FixArgs, ReportOutput};
use crate::engine::fixing::{ActionRecord, Outcome};
use crate::platform::LiveMachine;
use crate::report::{words::action_line, Format};
use crate::session::fix::{attempt, execute, find_action, refused, Attempt, Attempted, FixOptions};
use crate::session::input::read_report;
use crate::session::{Exit, SessionError};
use std::io::IsTerminal;

pub fn run(_kb_dirs: &[std::path::PathBuf], args: FixArgs) -> Result<Exit, SessionError> {
    if !(0.0..=600.0).contains(&args.grace) {
        return Err(SessionError::Usage(
            "--grace must be between 0 and 600 seconds".into(),
        ));
    }
    let report = read_report(&args.report)?;
    let action = find_action(&report, &args.action).map_err(SessionError::Usage)?;
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
    let grace = std::time::Duration::from_secs_f64(args.grace);
    let what = if args.dry_run {
        Attempt::Preview
    } else {
        Attempt::Ask
    };
    let record = match attempt(&LiveMachine, &report, action, what, grace) {
        Attempted::Recorded(record) => record,
        Attempted::Confirm(prepared) => {
            if args.yes || confirm_on_terminal(&prepared.action.label, &prepared.commands) {
                let options = FixOptions {
                    dry_run: false,
                    grace,
                };
                execute(&LiveMachine, &prepared, &options)
            } else {
                refused(
                    action,
                    "not confirmed: run it from a terminal and answer y, or pass --yes".into(),
                )
            }
        }
    };
    if let Some(path) = to.path() {
        // A JSON report is appended to; any other format is rendered whole.
        let mut target = if appending {
            read_report(path)?
        } else {
            report.clone()
        };
        target.actions_taken.push(record.clone());
        super::output::write_report(&target, &out)?;
    }
    Ok(say(&record))
}

/// Prints the record's outcome and returns the exit code it means.
fn say(record: &ActionRecord) -> Exit {
    match record.outcome {
        Outcome::Refused => {
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

/// Asks on the terminal; without one, there is nobody to ask and the answer is no.
fn confirm_on_terminal(label: &str, commands: &[String]) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprintln!("{label}");
    for c in commands {
        eprintln!("  will run: {c}");
    }
    eprint!("Proceed? [y/N] ");
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}
