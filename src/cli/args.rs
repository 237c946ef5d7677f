//! The command line's arguments, as clap reads them.

use crate::report::triage::TriageFormat;
use crate::report::Format;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    /// Read the error text from this file.
    #[arg(long, value_name = "F", conflicts_with_all = ["text", "stdin"])]
    pub text_file: Option<PathBuf>,
    /// The error text itself.
    #[arg(long, value_name = "T", conflicts_with = "stdin")]
    pub text: Option<String>,
    /// Read the error text from standard input.
    #[arg(value_name = "-", value_parser = ["-"])]
    pub stdin: Option<String>,
    /// Diagnose from the text alone, without looking at this machine.
    #[arg(long, conflicts_with = "snapshot")]
    pub no_scan: bool,
    /// Use a snapshot written by `portsleuth scan --format json` (or a JSON report) instead of scanning.
    #[arg(long, value_name = "F")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub out: ReportOutput,
}

#[cfg(feature = "gui")]
#[derive(Args, Debug, Default)]
pub struct GuiArgs {
    /// Start with the error text from this file.
    #[arg(long, value_name = "F")]
    pub text_file: Option<PathBuf>,
    /// Start with a snapshot from `portsleuth scan --format json` (another machine's, say)
    /// instead of scanning.
    #[arg(long, value_name = "F")]
    pub snapshot: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub theme: Option<GuiTheme>,
    /// Walk through the scenario by itself, saving a screenshot of each step to DIR.
    #[arg(long, value_name = "DIR", hide = true)]
    pub tour: Option<PathBuf>,
    /// During --tour, also run the top cause's first action.
    #[arg(long, hide = true, requires = "tour")]
    pub tour_fix: bool,
}

#[cfg(feature = "gui")]
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuiTheme {
    System,
    Light,
    Dark,
}

/// `fix` takes a request in one of two forms: an action of a saved report (`--report R.json
/// --action ID`), or a cause and a kind of action by meaning, for this machine's own fresh
/// diagnosis (`--text-file F --rule RULE --kind KIND`, what fleets use). Either way the action
/// is planned again from this machine before anything is done.
#[derive(Args, Debug)]
pub struct FixArgs {
    /// The JSON written by `portsleuth diagnose --format json`.
    #[arg(long, value_name = "R.json", requires = "action", conflicts_with_all = ["text_file", "rule"])]
    pub report: Option<PathBuf>,
    /// The `id` of one of the report's actions (e.g. stop_process-1234).
    #[arg(long, value_name = "ID", requires = "report")]
    pub action: Option<String>,
    /// The error text, for a fix chosen by meaning (`--rule`, `--kind`).
    #[arg(long, value_name = "F", requires_all = ["rule", "kind"])]
    pub text_file: Option<PathBuf>,
    /// The cause, by its rule id (`portsleuth kb list`).
    #[arg(long, value_name = "RULE", requires_all = ["text_file", "kind"])]
    pub rule: Option<String>,
    /// The kind of action to take on that cause.
    #[arg(long, value_enum, requires = "rule")]
    pub kind: Option<FixKind>,
    /// Say exactly what would happen and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Seconds a process gets to exit after the polite request before it is forced.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub grace: f64,
    /// Also write the report with this action's record: a JSON --output that holds a report
    /// is appended to; other formats render the whole report.
    #[command(flatten)]
    pub out: ReportOutput,
}

/// The kinds of action `fix --kind` takes, named as the report's action kinds are.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum FixKind {
    StopProcess,
    StopService,
    DisableService,
    Uninstall,
}

impl FixKind {
    pub fn action_kind(self) -> crate::engine::kb::ActionKind {
        use crate::engine::kb::ActionKind;
        match self {
            FixKind::StopProcess => ActionKind::StopProcess,
            FixKind::StopService => ActionKind::StopService,
            FixKind::DisableService => ActionKind::DisableService,
            FixKind::Uninstall => ActionKind::Uninstall,
        }
    }
}

/// `triage`: one error text against many machines' snapshots.
#[derive(Args, Debug)]
pub struct TriageArgs {
    /// The error text (each snapshot is diagnosed as the machine it is about).
    #[arg(long, value_name = "F")]
    pub text_file: PathBuf,
    /// A folder of snapshots (`scan --format json`, one per host; subfolders are read too).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "files",
        required_unless_present = "files"
    )]
    pub snapshots: Option<PathBuf>,
    /// Snapshot files.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format; by default taken from the --output file's extension (.json, .html,
    /// .csv), otherwise text.
    #[arg(long, value_enum)]
    pub format: Option<TriageFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, value_name = "F")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Only the holders of this port (repeatable); faster than a full scan.
    #[arg(long = "port", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    #[arg(long, value_name = "F")]
    pub output: Option<PathBuf>,
}

/// How a report is written: shared by `diagnose`, `fix` and `report render`.
#[derive(Args, Debug)]
pub struct ReportOutput {
    /// Output format; by default taken from the --output file's extension (.html, .md, .json),
    /// otherwise text.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, value_name = "F")]
    pub output: Option<PathBuf>,
    /// Replace account, user and host names, e-mail and IP addresses with placeholders.
    #[arg(long)]
    pub redact: bool,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanFormat {
    Text,
    Json,
}

impl ReportOutput {
    /// The format asked for, or the one the `--output` file's extension implies (text
    /// otherwise).
    pub fn format(&self) -> Format {
        self.format.unwrap_or_else(|| {
            self.output
                .as_deref()
                .map_or(Format::Text, Format::for_path)
        })
    }
}
