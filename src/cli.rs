//! The command line: a thin shell over the engine and the platform layer.
//!
//! Exit codes are a contract: 0 when a command ran (a diagnosis of `unknown` included), 1 when
//! it ran and found a problem it was asked to check (`kb check`), 2 on bad usage or unreadable
//! input, always with a one-line reason on stderr.

use crate::engine::diagnosis::diagnose;
use crate::engine::kb::{KbError, KbSource, KnowledgeBase};
use crate::engine::report::{render_markdown, render_text, Report};
use crate::engine::snapshot::Snapshot;
use crate::engine::symptoms::Reader;
use crate::engine::text::{decode_input, Decoded};
use crate::files::{now_rfc3339, read_file_limited, read_limited, write_atomic};
use crate::platform::{Progress, ScanJob, ScanOptions};
use anyhow::{anyhow, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
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

/// A failure the user caused and can fix: exit 2 with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        #[cfg(feature = "gui")]
        None => cmd_gui(&cli.kb, GuiArgs::default()),
        #[cfg(feature = "gui")]
        Some(Command::Gui(args)) => cmd_gui(&cli.kb, args),
        #[cfg(not(feature = "gui"))]
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            println!();
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Diagnose(args)) => cmd_diagnose(&cli.kb, args),
        Some(Command::Scan(args)) => cmd_scan(args),
        Some(Command::Fix(args)) => cmd_fix(args),
        Some(Command::Report {
            action: ReportCommand::Render { report, out },
        }) => {
            write_report(&read_report(&report)?, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Decode { codes }) => cmd_decode(&cli.kb, &codes),
        Some(Command::Kb { action }) => cmd_kb(&cli.kb, action),
    }
}

#[cfg(feature = "gui")]
fn cmd_gui(kb_dirs: &[PathBuf], args: GuiArgs) -> Result<ExitCode> {
    use crate::gui::settings::{Settings, Theme};
    let text = match &args.text_file {
        Some(path) => Some(read_input(Some(path), None, false)?),
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
        engine: None,
    };
    let tour = args.tour.map(|dir| crate::gui::tour::Tour {
        suffix: match args.theme {
            Some(GuiTheme::Light) => "-light".into(),
            Some(GuiTheme::Dark) => "-dark".into(),
            _ => String::new(),
        },
        dir,
        fix: args.tour_fix,
    });
    crate::gui::run(options, tour)?;
    Ok(ExitCode::SUCCESS)
}

/// The built-in knowledge base plus the user's folder and `--kb` folders.
pub fn load_kb(extra: &[PathBuf]) -> Result<(KnowledgeBase, Vec<KbError>)> {
    let mut sources = KbSource::builtin();
    let mut errors = Vec::new();
    if let Some(dir) = user_rules_dir().filter(|d| d.is_dir()) {
        match KbSource::from_dir(&dir) {
            Ok(s) => sources.extend(s),
            Err(e) => errors.push(e),
        }
    }
    for dir in extra {
        if !dir.is_dir() {
            return Err(UsageError(format!("--kb {}: not a folder", dir.display())).into());
        }
        sources.extend(KbSource::from_dir(dir).map_err(|e| UsageError(e.to_string()))?);
    }
    let (kb, load_errors) = KnowledgeBase::load(&sources);
    errors.extend(load_errors);
    Ok((kb, errors))
}

pub fn user_rules_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("portsleuth").join("rules"))
}

/// Reads the error text from wherever the user pointed, as text, with a note when it had to be
/// decoded specially.
pub fn read_input(
    text_file: Option<&Path>,
    text: Option<&str>,
    stdin: bool,
) -> Result<(String, Option<String>)> {
    let (bytes, more) = if let Some(path) = text_file {
        read_file_limited(path).map_err(|e| UsageError(format!("{e:#}")))?
    } else if let Some(t) = text {
        (t.as_bytes().to_vec(), false)
    } else if stdin {
        read_limited(std::io::stdin().lock())
            .map_err(|e| UsageError(format!("cannot read standard input: {e}")))?
    } else {
        return Err(UsageError(
            "no error text given: use --text-file F, --text T, or - to read standard input".into(),
        )
        .into());
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(UsageError("the error text is empty: paste the error message, the Event Viewer entry or the log lines".into()).into());
    }
    match decode_input(&bytes) {
        Decoded::Binary { reason } => Err(UsageError(reason).into()),
        Decoded::Text { text, note } => {
            let note = match (note, more) {
                (n, false) => n,
                (n, true) => Some(
                    [
                        n,
                        Some(format!(
                            "the input is larger than {} MiB; only the first {} MiB were read",
                            crate::files::MAX_INPUT >> 20,
                            crate::files::MAX_INPUT >> 20
                        )),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "),
                ),
            };
            Ok((text, note))
        }
    }
}

fn cmd_diagnose(kb_dirs: &[PathBuf], args: DiagnoseArgs) -> Result<ExitCode> {
    let (text, note) = read_input(
        args.text_file.as_deref(),
        args.text.as_deref(),
        args.stdin.is_some(),
    )?;
    let (kb, kb_errors) = load_kb(kb_dirs)?;
    for e in &kb_errors {
        eprintln!("portsleuth: rule file problem (entry skipped): {e}");
    }
    let reader = Reader::new(&kb);
    let symptoms = reader.read(&text);
    let snapshot = if args.no_scan {
        None
    } else if let Some(path) = &args.snapshot {
        Some(read_snapshot(path)?)
    } else {
        // Scanning only the ports the text names is faster; without ports, scan everything.
        let ports = symptoms.ports_to_check();
        Some(scan_with_progress(ScanOptions { ports })?)
    };
    let report = make_report(&kb, kb_dirs, &kb_errors, &text, note, symptoms, snapshot);
    write_report(&report, &args.out)?;
    Ok(ExitCode::SUCCESS)
}

/// Diagnoses what was read from `text` (with the machine's snapshot, if scanned) and wraps it
/// in a report: the one way both the CLI and the GUI make a report.
pub fn make_report(
    kb: &KnowledgeBase,
    kb_dirs: &[PathBuf],
    kb_errors: &[KbError],
    text: &str,
    note: Option<String>,
    symptoms: crate::engine::symptoms::Symptoms,
    snapshot: Option<Snapshot>,
) -> Report {
    let diagnosis = diagnose(kb, text, &symptoms, snapshot.as_ref());
    let mut report = Report::new(
        text,
        note,
        symptoms,
        diagnosis,
        snapshot,
        kb_errors,
        now_rfc3339(),
    );
    report.rule_set = rule_set_words(kb, kb_dirs);
    report
}

/// "built-in 0.1.0, 56 rules" plus the user's folders, for the report.
pub fn rule_set_words(kb: &KnowledgeBase, kb_dirs: &[PathBuf]) -> String {
    let user_files = kb
        .files
        .iter()
        .filter(|f| !f.starts_with("assets/"))
        .count();
    let mut words = format!(
        "built-in {}, {} rules",
        env!("CARGO_PKG_VERSION"),
        kb.rules.len()
    );
    if user_files > 0 {
        words.push_str(&format!(", {user_files} user rule files"));
    }
    if !kb_dirs.is_empty() {
        words.push_str(&format!(
            " (--kb {})",
            kb_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    words
}

impl ReportOutput {
    pub fn format(&self) -> Format {
        let by_extension = self
            .output
            .as_deref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        self.format.unwrap_or(match by_extension.as_deref() {
            Some("json") => Format::Json,
            Some("html" | "htm") => Format::Html,
            Some("md" | "markdown") => Format::Markdown,
            _ => Format::Text,
        })
    }
}

/// A report in one format, redacted if asked: what `--output` writes and the GUI saves.
pub fn render_report(report: &Report, format: Format, redact: bool) -> String {
    let redacted;
    let report = if redact {
        redacted = crate::engine::redact::redact(report);
        &redacted
    } else {
        report
    };
    match format {
        // A Report is plain data (strings, numbers, vectors): serialising it cannot fail.
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
        Format::Html => crate::engine::html::render_html(report),
    }
}

impl Format {
    /// The file extension a saved report of this format gets.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Text => "Text",
            Format::Json => "JSON",
            Format::Markdown => "Markdown",
            Format::Html => "HTML",
        }
    }
}

/// Renders a report in the chosen format (redacted if asked) and writes it.
fn write_report(report: &Report, out: &ReportOutput) -> Result<()> {
    let text = render_report(report, out.format(), out.redact);
    if let Some(path) = &out.output {
        refuse_to_clobber(path, out.force)?;
    }
    emit(out.output.as_deref(), &text)
}

/// An existing file is only replaced when the user said so.
fn refuse_to_clobber(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(UsageError(format!(
            "{} already exists; pass --force to replace it",
            path.display()
        ))
        .into());
    }
    Ok(())
}

/// Reads a snapshot file, or the snapshot inside a JSON report.
pub fn read_snapshot(path: &Path) -> Result<Snapshot> {
    let (bytes, more) = read_file_limited(path).map_err(|e| UsageError(format!("{e:#}")))?;
    if more {
        return Err(UsageError(format!(
            "{} is too large to be a PortSleuth snapshot",
            path.display()
        ))
        .into());
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| UsageError(format!("{} is not JSON: {e}", path.display())))?;
    let inner = if value.get("sockets").is_some() {
        value
    } else {
        value
            .get("snapshot")
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    };
    if inner.is_null() {
        return Err(UsageError(format!(
            "{} holds no snapshot (it was made without a scan)",
            path.display()
        ))
        .into());
    }
    serde_json::from_value(inner).map_err(|e| {
        UsageError(format!(
            "{} is not a PortSleuth snapshot: {e}",
            path.display()
        ))
        .into()
    })
}

fn scan_with_progress(options: ScanOptions) -> Result<Snapshot> {
    let show = std::io::stderr().is_terminal();
    let job = ScanJob::start(options, || {}).context("cannot start the scan")?;
    let mut last = None;
    let result = job.wait(|p: Progress| {
        if show && last != Some(p.phase) {
            eprint!("\r\x1b[2K{}…", p.phase.describe());
            last = Some(p.phase);
        }
    });
    if show {
        eprint!("\r\x1b[2K");
    }
    result.map_err(|e| anyhow!(e))
}

fn cmd_scan(args: ScanArgs) -> Result<ExitCode> {
    let snapshot = scan_with_progress(ScanOptions {
        ports: args.ports.clone(),
    })?;
    let out = match args.format {
        ScanFormat::Json => serde_json::to_string_pretty(&snapshot)? + "\n",
        ScanFormat::Text => crate::engine::scan_table::render(&snapshot, &args.ports),
    };
    emit(args.output.as_deref(), &out)?;
    Ok(ExitCode::SUCCESS)
}

fn read_report(path: &Path) -> Result<Report> {
    let (bytes, more) = read_file_limited(path).map_err(|e| UsageError(format!("{e:#}")))?;
    if more {
        return Err(UsageError(format!(
            "{} is too large to be a PortSleuth report",
            path.display()
        ))
        .into());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        UsageError(format!(
            "{} is not a PortSleuth JSON report: {e}",
            path.display()
        ))
        .into()
    })
}

fn cmd_fix(args: FixArgs) -> Result<ExitCode> {
    use crate::engine::fixing::Outcome;
    use crate::fix::{execute, find_action, prepare, previewed, refused, FixOptions};
    if !(0.0..=600.0).contains(&args.grace) {
        return Err(UsageError("--grace must be between 0 and 600 seconds".into()).into());
    }
    let report = read_report(&args.report)?;
    let action = find_action(&report, &args.action).map_err(UsageError)?;
    let options = FixOptions {
        dry_run: args.dry_run,
        grace: std::time::Duration::from_secs_f64(args.grace),
    };
    let record = match prepare(&report, action, &options) {
        Err(why) => refused(action, why),
        Ok(prepared) if args.dry_run => previewed(&prepared),
        Ok(prepared) => {
            let confirmed =
                args.yes || confirm_on_terminal(&prepared.action.label, &prepared.commands)?;
            if confirmed {
                execute(&prepared, &options)
            } else {
                refused(
                    action,
                    "not confirmed: run it from a terminal and answer y, or pass --yes".into(),
                )
            }
        }
    };
    if let Some(path) = &args.out.output {
        // A JSON report is appended to; any other format is rendered whole.
        let format = args.out.format();
        let appending = format == Format::Json && path.exists();
        let mut target = if appending {
            read_report(path)?
        } else {
            report.clone()
        };
        target.actions_taken.push(record.clone());
        let out = ReportOutput {
            format: Some(format),
            output: Some(path.clone()),
            redact: args.out.redact,
            force: args.out.force || appending,
        };
        write_report(&target, &out)?;
    }
    let summary = crate::engine::report::action_line(&record);
    match record.outcome {
        Outcome::Refused => {
            eprintln!("portsleuth: refused: {}", record.detail);
            Ok(ExitCode::from(2))
        }
        Outcome::Previewed | Outcome::Done => {
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Outcome::ProblemRemains | Outcome::Failed => {
            println!("{summary}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Asks on the terminal; without one, there is nobody to ask and the answer is no.
fn confirm_on_terminal(label: &str, commands: &[String]) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprintln!("{label}");
    for c in commands {
        eprintln!("  will run: {c}");
    }
    eprint!("Proceed? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn cmd_decode(kb_dirs: &[PathBuf], codes: &[String]) -> Result<ExitCode> {
    let (kb, _) = load_kb(kb_dirs)?;
    let reader = Reader::new(&kb);
    let mut any = false;
    let mut out = String::new();
    for raw in codes {
        // A bare number or name is read as a code in its usual spelling.
        let text = if raw.chars().all(|c| c.is_ascii_digit()) {
            format!("error {raw}")
        } else {
            raw.clone()
        };
        let symptoms = reader.read(&text);
        for c in &symptoms.codes {
            any = true;
            let platform = c
                .platform
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{}  {}{}\n  {}\n",
                c.value, c.name, platform, c.meaning
            ));
            if let Some(m) = &c.message {
                out.push_str(&format!("  message: {m}\n"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  note: {n}\n"));
            }
        }
        for e in &symptoms.events {
            any = true;
            out.push_str(&format!(
                "event {}  {}\n",
                e.id,
                e.meaning
                    .as_deref()
                    .unwrap_or("not in PortSleuth's event table")
            ));
        }
    }
    if !any {
        return Err(UsageError(format!("no known code in: {}", codes.join(" "))).into());
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn cmd_kb(kb_dirs: &[PathBuf], action: KbCommand) -> Result<ExitCode> {
    match action {
        KbCommand::Path => {
            match user_rules_dir() {
                Some(d) => println!("{}", d.display()),
                None => {
                    return Err(UsageError(
                        "this system has no per-user configuration folder".into(),
                    )
                    .into())
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        KbCommand::Check { dir } => {
            let mut sources = KbSource::builtin();
            let label = match &dir {
                Some(d) => {
                    if !d.is_dir() {
                        return Err(UsageError(format!("{}: not a folder", d.display())).into());
                    }
                    sources.extend(KbSource::from_dir(d).map_err(|e| UsageError(e.to_string()))?);
                    d.display().to_string()
                }
                None => "the built-in knowledge base".to_owned(),
            };
            let (kb, errors) = KnowledgeBase::load(&sources);
            for e in &errors {
                println!("{e}");
            }
            if errors.is_empty() {
                println!(
                    "{label}: OK — {} rules, {} programs, {} codes, {} events, {} phrases",
                    kb.rules.len(),
                    kb.programs.len(),
                    kb.hresults.len() + kb.winsock.len() + kb.errno.len() + kb.smtp.len(),
                    kb.events.values().map(Vec::len).sum::<usize>(),
                    kb.phrases.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "{label}: {} problem(s); the entries named above are skipped",
                    errors.len()
                );
                Ok(ExitCode::from(1))
            }
        }
        KbCommand::List => {
            let (kb, errors) = load_kb(kb_dirs)?;
            let mut out = String::new();
            out.push_str(&format!("{} rules:\n", kb.rules.len()));
            let mut rules: Vec<_> = kb.rules.iter().collect();
            rules.sort_by(|a, b| a.category.cmp(&b.category).then(a.id.cmp(&b.id)));
            for r in rules {
                out.push_str(&format!(
                    "  {:<22} {:<44} {}:{}\n",
                    r.category.as_str(),
                    r.id,
                    r.origin.file,
                    r.origin.line
                ));
            }
            out.push_str(&format!("{} programs:\n", kb.programs.len()));
            for p in &kb.programs {
                out.push_str(&format!(
                    "  {:<16} {:<28} {} ({})\n",
                    p.kind,
                    p.id,
                    p.exe.join(", "),
                    p.product
                ));
            }
            out.push_str(&format!(
                "codes: {} HRESULTs, {} Winsock, {} errno, {} SMTP, {} events, {} phrases\n",
                kb.hresults.len(),
                kb.winsock.len(),
                kb.errno.len(),
                kb.smtp.len(),
                kb.events.values().map(Vec::len).sum::<usize>(),
                kb.phrases.len()
            ));
            out.push_str(&format!("files: {}\n", kb.files.join(", ")));
            for e in errors {
                out.push_str(&format!("problem (skipped): {e}\n"));
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes to the output file atomically, or to standard output.
fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => write_atomic(path, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}
