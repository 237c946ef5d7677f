//! The command line's arguments, as clap reads them.

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

#[derive(Args, Debug)]
pub struct FixArgs {
    /// The JSON written by `portsleuth diagnose --format json`.
    #[arg(long, value_name = "R.json")]
    pub report: PathBuf,
    /// The `id` of one of the report's actions (e.g. stop_process-1234).
    #[arg(long, value_name = "ID")]
    pub action: String,
    /// Say exactly what would happen and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Seconds a process gets to exit after the polite request before it is forced.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub grace: f64,
    /// Also write the report with this action's record: a JSON --output is appended to (created
    /// from --report if missing); other formats render the whole report.
    #[command(flatten)]
    pub out: ReportOutput,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Only the holders of this port (repeatable); faster than a full scan.
    #[arg(long = "port", value_name = "N")]
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
