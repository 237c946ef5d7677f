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
    /// Also probe the servers and ports the text names, read-only (their greeting, TLS and
    /// certificate; never a login), when they are not this machine.
    #[arg(long, conflicts_with = "no_scan")]
    pub probe: bool,
    #[command(flatten)]
    pub probing: ProbeOptions,
    #[command(flatten)]
    pub out: ReportOutput,
}

/// How probes are made: `--resolve HOST=ADDR` and the time budget.
#[derive(Args, Debug, Clone)]
pub struct ProbeOptions {
    /// Probe HOST at ADDR instead of looking its name up (as curl's --resolve); may be repeated.
    #[arg(long, value_name = "HOST=ADDR", value_parser = parse_resolve_arg)]
    pub resolve: Vec<(String, std::net::IpAddr)>,
    /// The probes' time budget in seconds, name lookup included (all probes run at once).
    #[arg(long, value_name = "S", default_value_t = 5.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

impl ProbeOptions {
    pub fn settings(&self) -> crate::session::probing::ProbeSettings {
        crate::session::probing::ProbeSettings {
            resolve: self.resolve.clone(),
            timeout: std::time::Duration::from_secs_f64(self.timeout),
        }
    }
}

fn parse_resolve_arg(s: &str) -> Result<(String, std::net::IpAddr), String> {
    crate::platform::probe::parse_resolve(s)
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.1..=60.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a time from 0.1 to 60 seconds")),
    }
}

/// `portsleuth probe HOST:PORT`.
#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// The server and port: `exch01:110`, `192.0.2.10:995`, `[2001:db8::1]:143`.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,
    /// The dialogue to hold: by default picked by port, or by what the server says first.
    #[arg(long, value_name = "P", default_value = "auto", value_parser = parse_protocol)]
    pub protocol: crate::platform::probe::ProbeProtocol,
    #[command(flatten)]
    pub probing: ProbeOptions,
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, value_name = "F")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

fn parse_protocol(s: &str) -> Result<crate::platform::probe::ProbeProtocol, String> {
    s.parse()
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
