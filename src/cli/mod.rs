//! The command line: a thin shell over the session. It parses arguments, calls the session
//! layer, prints, and turns the outcome into an exit code (`session::Exit`); it decides
//! nothing itself and never reaches into the wizard (it only starts it, through `gui::run`).

mod args;
mod diagnose;
mod fix;
mod kb;
mod output;
mod probe;
mod scan;
mod triage;

pub use args::*;

use crate::session::{Exit, SessionError};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "portsleuth",
    version,
    about = "Which program on this machine is really causing this port or mail error, and how to make it stop."
)]
pub struct Cli {
    /// Extra knowledge-base folder (rules, programs, codes as TOML); may be repeated.
    #[arg(long = "kb", global = true, value_name = "DIR")]
    pub kb: Vec<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the wizard (what `portsleuth` with no command does).
    #[cfg(feature = "gui")]
    Gui(GuiArgs),
    /// Read an error text, scan this machine, and name the cause.
    Diagnose(DiagnoseArgs),
    /// List listening sockets with the processes, services and products behind them.
    Scan(ScanArgs),
    /// Look at a server's port from here, read-only: name lookup, connection, greeting, TLS
    /// and certificate, and the program that answered. Never sends a login.
    Probe(ProbeArgs),
    /// Diagnose many machines' snapshots against one error text: which hosts, held by what.
    Triage(TriageArgs),
    /// Carry out one action from a diagnosis: re-checked, confirmed, verified by a re-scan.
    Fix(FixArgs),
    /// Render a saved JSON report as HTML, Markdown, text or JSON.
    Report {
        #[command(subcommand)]
        action: ReportCommand,
    },
    /// Decode error codes: 0x800CCC92, 10048, 0x2740, EADDRINUSE, "Errno 48".
    Decode {
        /// Codes, or any text containing them.
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Check or list the knowledge base.
    Kb {
        #[command(subcommand)]
        action: KbCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Render R.json (from `diagnose --format json` or `fix --output`) in another format.
    Render {
        #[arg(value_name = "R.json")]
        report: PathBuf,
        #[command(flatten)]
        out: ReportOutput,
    },
}

#[derive(Subcommand, Debug)]
pub enum KbCommand {
    /// Validate rule files (the built-in ones, or DIR) and name every problem with file and line.
    Check { dir: Option<PathBuf> },
    /// List every rule, program and code table with where it came from.
    List,
    /// Print the per-user rules folder.
    Path,
}

/// Runs one command. An error is reported by the caller on one line, with the exit code it
/// means (`exit_code_of`).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let exit = match cli.command {
        #[cfg(feature = "gui")]
        None => gui(&cli.kb, GuiArgs::default())?,
        #[cfg(feature = "gui")]
        Some(Command::Gui(args)) => gui(&cli.kb, args)?,
        #[cfg(not(feature = "gui"))]
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            println!();
            Exit::Ok
        }
        Some(Command::Diagnose(args)) => diagnose::run(&cli.kb, args)?,
        Some(Command::Scan(args)) => scan::run(args)?,
        Some(Command::Probe(args)) => probe::run(args)?,
        Some(Command::Fix(args)) => fix::run(&cli.kb, args)?,
        Some(Command::Triage(args)) => triage::run(&cli.kb, &args)?,
        Some(Command::Report {
            action: ReportCommand::Render { report, out },
        }) => {
            let report = crate::session::input::read_report(&report)?;
            output::write_report(&report, &out)?;
            Exit::Ok
        }
        Some(Command::Decode { codes }) => kb::decode(&cli.kb, &codes)?,
        Some(Command::Kb { action }) => kb::run(&cli.kb, action)?,
    };
    Ok(exit.into())
}

/// The exit code an error means: the session's own errors say it; anything else is a failure.
pub fn exit_code_of(e: &anyhow::Error) -> ExitCode {
    e.downcast_ref::<SessionError>()
        .map_or(Exit::Failure, SessionError::exit)
        .into()
}

#[cfg(feature = "gui")]
fn gui(kb_dirs: &[PathBuf], args: GuiArgs) -> Result<Exit> {
    use crate::gui::settings::{Settings, Theme};
    use crate::session::input::{read_snapshot, read_text, TextFrom};
    let text = match &args.text_file {
        Some(path) => Some(read_text(TextFrom::File(path))?),
        None => None,
    };
    let snapshot = args.snapshot.as_deref().map(read_snapshot).transpose()?;
    let options = crate::gui::GuiOptions {
        text,
        snapshot,
        kb_dirs: kb_dirs.to_vec(),
        settings_path: Settings::default_path(),
        theme: args.theme.map(|t| match t {
            GuiTheme::System => Theme::System,
            GuiTheme::Light => Theme::Light,
            GuiTheme::Dark => Theme::Dark,
        }),
        ..crate::gui::GuiOptions::default()
    };
    let tour = args.tour.map(|dir| crate::gui::dev::tour::Tour {
        suffix: match args.theme {
            Some(GuiTheme::Light) => "-light".into(),
            Some(GuiTheme::Dark) => "-dark".into(),
            _ => String::new(),
        },
        dir,
        fix: args.tour_fix,
    });
    crate::gui::run(options, tour)?;
    Ok(Exit::Ok)
}
