//! Carrying out one action, safely: the same code for the CLI's `fix`, the fleet's `fix --rule`
//! and the wizard's Fix step.
//!
//! A report (or a command line) is a *request*, never an authority. From it PortSleuth learns
//! only which cause and which kind of action the user chose ([`Requested`]). It then reads the
//! error text again, scans the ports that text names on this machine now, diagnoses with the
//! same rules and plans with the same planner ([`fresh_case`]). It acts only if that fresh plan
//! holds the same action — same kind, same target identity ([`choose`]) — and every argument
//! it runs with (PID, unit, package, uninstaller) comes from the fresh scan, checked before use
//! ([`commands`]). The user confirms what the fresh plan will do, in PortSleuth's words; the
//! re-scan afterwards verifies it; every attempt becomes an [`ActionRecord`].

pub mod close;
pub mod commands;

use super::{Case, Knowledge};
use crate::clock::now_rfc3339;
use crate::engine::diagnose::{ActionTarget, Diagnosis, PlannedAction};
use crate::engine::fixing::{check_target, verify_port, ActionRecord, Me, Outcome, PortNow};
use crate::engine::kb::ActionKind;
use crate::engine::snapshot::Snapshot;
use crate::platform::{act, ActError, Command, Expected, Machine, ScanOptions, Stopped};
use crate::report::Report;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How long a process gets to exit after the polite request before it is stopped by force,
/// unless the user says otherwise (`fix --grace`).
pub const GRACE: Duration = Duration::from_secs(5);

pub struct FixOptions {
    pub dry_run: bool,
    /// How long a process gets to exit after the polite request before it is forced.
    pub grace: Duration,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            dry_run: false,
            grace: GRACE,
        }
    }
}

/// Who an action is aimed at, as far as the request says: only ever compared with the fresh
/// plan, never used to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Process { pid: u32, start_time: Option<u64> },
    Service(String),
    Product(String),
    Reference,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The cause whose action it is; `None` accepts the action from any cause.
    pub rule_id: Option<String>,
    pub kind: ActionKind,
    /// The exact target asked for; `None` takes the fresh plan's first action of that kind.
    pub identity: Option<Identity>,
    /// What the request calls its target's program: words for a refusal, never acted on.
    pub exe_name: Option<String>,
}

impl Requested {
    /// The action `id` of a saved report: which cause, which kind, which target.
    pub fn from_report(report: &Report, id: &str) -> Result<Requested, String> {
        let mut offered: Vec<&str> = Vec::new();
        for f in &report.diagnosis.findings {
            for a in &f.actions {
                if a.id == id {
                    return Ok(Requested::from_action(&f.rule_id, a));
                }
                offered.push(&a.id);
            }
        }
        offered.sort_unstable();
        offered.dedup();
        Err(if offered.is_empty() {
            "the report offers no actions (was it made with a scan?)".to_owned()
        } else {
            format!(
                "the report has no action '{id}'; it offers: {}",
                offered.join(", ")
            )
        })
    }

    /// An action of a plan, as a request (what the wizard confirmed).
    pub fn from_action(rule_id: &str, a: &PlannedAction) -> Requested {
        let t = &a.target;
        let identity = match a.kind {
            ActionKind::StopProcess => t.pid.map(|pid| Identity::Process {
                pid,
                start_time: t.start_time,
            }),
            ActionKind::StopService | ActionKind::DisableService => {
                t.service.clone().map(Identity::Service)
            }
            ActionKind::Uninstall => t.product.clone().map(Identity::Product),
            ActionKind::OpenReference | ActionKind::CloseConnection => Some(Identity::Reference),
        };
        Requested {
            rule_id: Some(rule_id.to_owned()),
            kind: a.kind,
            // A request without its target's identity is not a request for that target.
            identity: Some(identity.unwrap_or(Identity::Reference)),
            exe_name: t.exe_name.as_deref().map(clip),
        }
    }

    /// By meaning: "stop the process behind this cause", on whatever machine this runs on.
    pub fn by_meaning(rule_id: &str, kind: ActionKind) -> Requested {
        Requested {
            rule_id: Some(rule_id.to_owned()),
            kind,
            identity: None,
            exe_name: None,
        }
    }

    /// The request in PortSleuth's own words (for records of refusals).
    pub fn describe(&self) -> String {
        let what = match self.kind {
            ActionKind::StopProcess => "stop a process",
            ActionKind::StopService => "stop a service",
            ActionKind::DisableService => "disable a service",
            ActionKind::Uninstall => "uninstall a product",
            ActionKind::OpenReference => "open a reference",
            ActionKind::CloseConnection => "close a connection",
        };
        let whom = match &self.identity {
            Some(Identity::Process { pid, .. }) => format!(" (PID {pid})"),
            Some(Identity::Service(s)) => format!(" ({})", clip(s)),
            Some(Identity::Product(p)) => format!(" ({})", clip(p)),
            Some(Identity::Reference) | None => String::new(),
        };
        let cause = self
            .rule_id
            .as_deref()
            .map(|r| format!(" for cause {}", clip(r)))
            .unwrap_or_default();
        format!("Asked to {what}{whom}{cause}")
    }
}

/// A value from a file, shortened for a one-line record.
fn clip(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if clean.len() < s.len() {
        format!("{clean}…")
    } else {
        clean
    }
}

/// The case made again on this machine, now: the text read afresh, the ports it names scanned,
/// diagnosed with the same knowledge. Without ports there is no holder to act on, so nothing
/// is scanned. With `as_server` this machine stands for the server the text names (a fleet's
/// `fix --rule` on each host of one ticket); otherwise the servers are placed against it, as
/// the diagnosis that planned the action did.
pub fn fresh_case(
    knowledge: &Knowledge,
    machine: &dyn Machine,
    text: &str,
    as_server: bool,
) -> Result<Case, String> {
    let mut case = Case::open(knowledge, text.to_owned(), None);
    let ports = case.symptoms.ports_to_check();
    if !ports.is_empty() {
        let snapshot = machine
            .scan(&ScanOptions { ports }, &mut |_| {}, &AtomicBool::new(false))
            .map_err(|e| e.to_string())?;
        if as_server {
            case.diagnose_with_loaded(knowledge, snapshot);
        } else {
            case.diagnose(knowledge, Some(snapshot));
        }
    }
    Ok(case)
}

/// What the fresh plan made of a request.
#[derive(Debug, Clone)]
pub enum Chosen {
    Action {
        rule_id: String,
        action: Box<PlannedAction>,
    },
    /// The cause, or an action of that kind, is not there on this machine now.
    NotApplicable(String),
    /// The plan has that cause, but not that target: what differs.
    Mismatch(String),
}

/// The fresh plan's action that answers the request, if it holds one.
pub fn choose(fresh: &Diagnosis, requested: &Requested) -> Chosen {
    let findings: Vec<_> = fresh
        .findings
        .iter()
        .filter(|f| requested.rule_id.as_deref().is_none_or(|r| f.rule_id == r))
        .collect();
    if findings.is_empty() {
        let rule = requested.rule_id.as_deref().map(clip).unwrap_or_default();
        let ruled_out = fresh
            .ruled_out
            .iter()
            .find(|r| Some(r.rule_id.as_str()) == requested.rule_id.as_deref());
        return Chosen::NotApplicable(match ruled_out {
            Some(r) => format!("on this machine now, cause {rule} is ruled out: {}", r.why),
            None => format!("on this machine now, the diagnosis does not find cause {rule}"),
        });
    }
    let of_kind: Vec<(&str, &PlannedAction)> = findings
        .iter()
        .flat_map(|f| f.actions.iter().map(move |a| (f.rule_id.as_str(), a)))
        .filter(|(_, a)| a.kind == requested.kind)
        .collect();
    let Some(first) = of_kind.first() else {
        let withheld = findings.iter().flat_map(|f| &f.withheld).next();
        return Chosen::NotApplicable(match withheld {
            Some(why) => format!(
                "the fresh plan does not offer to {}: {why}",
                kind_words(requested.kind)
            ),
            None => format!(
                "the fresh plan does not offer to {} here",
                kind_words(requested.kind)
            ),
        });
    };
    let Some(identity) = &requested.identity else {
        return Chosen::Action {
            rule_id: first.0.to_owned(),
            action: Box::new(first.1.clone()),
        };
    };
    match of_kind.iter().find(|(rule, a)| {
        &Requested::from_action(rule, a)
            .identity
            .unwrap_or(Identity::Reference)
            == identity
    }) {
        Some((rule, a)) => Chosen::Action {
            rule_id: (*rule).to_owned(),
            action: Box::new((*a).clone()),
        },
        None => Chosen::Mismatch(format!(
            "the fresh plan on this machine aims at {}, not at what was asked ({})",
            of_kind
                .iter()
                .map(|(_, a)| a.label.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            Requested {
                rule_id: None,
                ..requested.clone()
            }
            .describe()
            .trim_start_matches("Asked to ")
        )),
    }
}

fn kind_words(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::StopProcess => "stop a process",
        ActionKind::StopService => "stop a service",
        ActionKind::DisableService => "disable a service",
        ActionKind::Uninstall => "uninstall a product",
        ActionKind::OpenReference => "open a reference",
        ActionKind::CloseConnection => "close a connection",
    }
}

/// What will be done, before it is done: the fresh plan's action and its exact commands.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub action: PlannedAction,
    pub rule_id: String,
    /// What will be done, in words for people, a sentence per step.
    pub words: Vec<String>,
    /// The exact calls or commands, for details and the record.
    pub commands: Vec<String>,
    step: Step,
}

#[derive(Debug, Clone)]
enum Step {
    StopProcess { pid: u32 },
    Run(Vec<Command>),
}

/// Re-checks the fresh plan's target and works out the exact commands from the fresh
/// snapshot. `Err` is a refusal, with the reason.
pub fn prepare(
    machine: &dyn Machine,
    fresh: &Case,
    rule_id: &str,
    action: &PlannedAction,
    options: &FixOptions,
) -> Result<Prepared, String> {
    let t = &action.target;
    let now = t.pid.and_then(|pid| machine.process_now(pid));
    let holders = match (action.kind, t.port) {
        (ActionKind::OpenReference, _) | (_, None) => None,
        (_, Some(port)) => Some(holders_of(machine, port)?),
    };
    let me = Me {
        pid: std::process::id(),
        parent: machine
            .process_now(std::process::id())
            .and_then(|p| p.parent),
    };
    check_target(action.kind, t, now.as_ref(), holders.as_ref(), me)?;
    let snapshot = fresh.snapshot.as_ref();
    let needs_admin = matches!(
        action.kind,
        ActionKind::StopService | ActionKind::DisableService | ActionKind::Uninstall
    );
    if needs_admin && !machine.is_elevated() && !options.dry_run {
        let how = if cfg!(windows) {
            "run PortSleuth as administrator".to_owned()
        } else {
            "run the same command again with sudo".to_owned()
        };
        return Err(format!(
            "{} needs administrator rights: {how}",
            action.label
        ));
    }
    let (commands, step) = steps(machine, action, snapshot, options)?;
    Ok(Prepared {
        action: action.clone(),
        rule_id: rule_id.to_owned(),
        words: in_words(action, options.grace),
        commands,
        step,
    })
}

/// The steps of `action` as a technician would say them; the exact calls stay in
/// [`Prepared::commands`].
fn in_words(action: &PlannedAction, grace: Duration) -> Vec<String> {
    let t = &action.target;
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_owned());
    match action.kind {
        ActionKind::StopProcess => {
            let who = match (t.exe_name.as_deref(), t.pid) {
                (Some(name), Some(pid)) => format!("{name} (PID {pid})"),
                (None, Some(pid)) => format!("the process with PID {pid}"),
                (Some(name), None) => name.to_owned(),
                (None, None) => "the process".to_owned(),
            };
            vec![
                format!("Ask {who} to exit, as closing it would."),
                format!(
                    "If it is still running {:.0} seconds later, end it by force.",
                    grace.as_secs_f32()
                ),
            ]
        }
        ActionKind::StopService => vec![format!(
            "Stop the service {} through the service manager; it starts again at the next boot if it is set to start automatically.",
            or(&t.service, "named in the plan")
        )],
        ActionKind::DisableService => vec![
            format!("Stop the service {}.", or(&t.service, "named in the plan")),
            "Set it not to start again (disabled), until someone enables it.".to_owned(),
        ],
        ActionKind::Uninstall => vec![format!(
            "Start the uninstaller that {} registered, and wait for it to finish.",
            or(&t.product, "the product")
        )],
        ActionKind::OpenReference => {
            vec![format!("Open {} in the web browser.", or(&t.url, "the page"))]
        }
        ActionKind::CloseConnection => vec![format!(
            "Reset the connection {}.",
            t.connection.as_ref().map_or_else(|| "named in the request".to_owned(), ToString::to_string)
        )],
    }
}

/// The commands (in words) and what will be run, all from the fresh snapshot.
fn steps(
    machine: &dyn Machine,
    action: &PlannedAction,
    snapshot: Option<&Snapshot>,
    options: &FixOptions,
) -> Result<(Vec<String>, Step), String> {
    let t = &action.target;
    let run = |steps: Vec<Command>| {
        (
            steps.iter().map(Command::describe).collect(),
            Step::Run(steps),
        )
    };
    Ok(match action.kind {
        ActionKind::StopProcess => {
            let pid = t.pid.ok_or("the plan names no process")?;
            (
                act::stop_process_commands(pid, options.grace),
                Step::StopProcess { pid },
            )
        }
        ActionKind::StopService | ActionKind::DisableService => {
            let id = t.service.as_deref().ok_or("the plan names no service")?;
            let service = snapshot
                .and_then(|s| s.service(id))
                .ok_or_else(|| format!("the service manager does not list {} now", clip(id)))?;
            run(commands::service_commands(action.kind, service)?)
        }
        ActionKind::Uninstall => {
            let id = t.product.as_deref().ok_or("the plan names no product")?;
            let product = snapshot
                .and_then(|s| s.product(id))
                .ok_or_else(|| format!("{} is not installed now", clip(id)))?;
            run(commands::uninstall_commands(machine, product)?)
        }
        ActionKind::OpenReference => {
            let url = t.url.as_deref().unwrap_or_default();
            run(vec![Command::Run(act::open_url_command(url))])
        }
        ActionKind::CloseConnection => {
            return Err(
                "a connection is closed from the scan table, not from a cause's plan".into(),
            )
        }
    })
}

/// Carries out a prepared action and verifies it with a re-scan.
pub fn execute(machine: &dyn Machine, prepared: &Prepared, options: &FixOptions) -> ActionRecord {
    let action = &prepared.action;
    let t = &action.target;
    let mut record = ActionRecord::new(
        action,
        now_rfc3339(),
        prepared.commands.clone(),
        Outcome::Done,
        String::new(),
    );
    let result = match &prepared.step {
        Step::StopProcess { pid } => {
            let (stopped, reached) = stop(machine, *pid, t, options);
            // Only what was sent is listed: the last call is the forced stop.
            let ran = match reached {
                Reached::Nothing => 0,
                Reached::Polite => prepared.commands.len().saturating_sub(1),
                Reached::Forced => prepared.commands.len(),
            };
            record.commands.truncate(ran);
            stopped
        }
        Step::Run(steps) => steps
            .iter()
            .map(|step| machine.perform(step))
            .collect::<Result<Vec<String>, String>>()
            .map(|said| {
                let said: Vec<String> = said.into_iter().filter(|s| !s.is_empty()).collect();
                if said.is_empty() {
                    format!("ran: {}", prepared.commands.join("; "))
                } else {
                    format!(
                        "ran: {} ({})",
                        prepared.commands.join("; "),
                        said.join("; ")
                    )
                }
            }),
    };
    match result {
        Ok(detail) => record.detail = detail,
        Err(e) => {
            record.outcome = Outcome::Failed;
            record.detail = "the action failed".into();
            record.error = Some(e);
            return record;
        }
    }
    if let Some(c) = t
        .connection
        .as_ref()
        .filter(|_| action.kind == ActionKind::CloseConnection)
    {
        match close::still_open(machine, c) {
            Ok(false) => {
                record.verification =
                    Some(format!("the re-scan no longer shows the connection {c}"))
            }
            Ok(true) => {
                record.outcome = Outcome::ProblemRemains;
                record.verification =
                    Some(format!("the re-scan still shows the connection {c} open"));
            }
            Err(e) => record.verification = Some(e),
        }
        return record;
    }
    if let (Some(port), true) = (t.port, action.kind != ActionKind::OpenReference) {
        // A service reports STOPPED, and a process exits, a moment before the system lets go
        // of its socket: the port is looked at again for up to two seconds before the problem
        // is said to remain.
        let mut again = holders_of(machine, port);
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while matches!(&again, Ok(now) if !verify_port(port, t, now).0)
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
            again = holders_of(machine, port);
        }
        match again {
            Ok(now) => {
                let (ok, words) = verify_port(port, t, &now);
                record.verification = Some(words);
                if !ok {
                    record.outcome = Outcome::ProblemRemains;
                }
            }
            Err(e) => record.verification = Some(format!("could not re-scan port {port}: {e}")),
        }
    }
    record
}

/// How far a stop got: what was sent to the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// Nothing: it could not be opened, or it had changed.
    Nothing,
    /// The polite request.
    Polite,
    /// The polite request and the forced stop.
    Forced,
}

/// Stops `pid`, pinned and checked again as it is signalled; says how it went, and how far it
/// got.
fn stop(
    machine: &dyn Machine,
    pid: u32,
    t: &ActionTarget,
    options: &FixOptions,
) -> (Result<String, String>, Reached) {
    let start = t.start_time;
    let still_same = || {
        machine
            .process_now(pid)
            .is_some_and(|p| Some(p.start_time) == start)
    };
    let name = t.exe_name.as_deref().unwrap_or("the process");
    let expected = Expected {
        start_time: t.start_time,
        exe: t.exe.clone(),
    };
    match machine.stop_process(pid, &expected, options.grace, &still_same) {
        Ok(Stopped::Gracefully) => (
            Ok(format!("{name} exited after the polite request to stop")),
            Reached::Polite,
        ),
        Ok(Stopped::Forced) => (
            Ok(format!(
                "{name} ignored the polite request to stop for {:.0} s and was stopped by force",
                options.grace.as_secs_f32()
            )),
            Reached::Forced,
        ),
        Err(e) => {
            let reached = match e {
                ActError::CannotOpen { .. } | ActError::Changed { .. } => Reached::Nothing,
                ActError::Survived { .. } => Reached::Forced,
                _ => Reached::Polite,
            };
            (Err(e.to_string()), reached)
        }
    }
}

/// What a fix is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Re-plan, re-check and say what would run (a dry run), recorded.
    Preview,
    /// Re-plan, re-check and return what would run, for the user to confirm.
    Ask,
    /// Re-plan, re-check and run it.
    Run,
}

/// What an attempt gave.
#[derive(Debug, Clone)]
pub enum Attempted {
    /// The fresh plan holds the action and these commands would run: ask the user.
    Confirm(Prepared),
    /// Something was recorded: a preview, a refusal, or the action done and verified.
    Recorded(ActionRecord),
    /// The cause, or such an action, is not there on this machine now (recorded as refused).
    NotApplicable(ActionRecord),
}

/// The whole of a fix as every door runs it: plan afresh from `text` on this machine, find
/// the requested action in that plan, re-check it, then preview, ask or act.
pub fn attempt(
    knowledge: &Knowledge,
    machine: &dyn Machine,
    text: &str,
    requested: &Requested,
    what: Attempt,
    grace: Duration,
) -> Attempted {
    let by_meaning = requested.identity.is_none();
    let fresh = match fresh_case(knowledge, machine, text, by_meaning) {
        Ok(case) => case,
        Err(e) => {
            return Attempted::Recorded(refused_request(
                requested,
                format!("this machine could not be scanned again before acting: {e}"),
            ))
        }
    };
    let (rule_id, action) = match choose(&fresh.diagnosis, requested) {
        Chosen::Action { rule_id, action } => (rule_id, *action),
        Chosen::NotApplicable(why) if requested.identity.is_none() => {
            return Attempted::NotApplicable(refused_request(requested, why))
        }
        Chosen::NotApplicable(why) | Chosen::Mismatch(why) => {
            let why = match why_not(machine, requested) {
                Some(reason) => format!("{reason}; {why}"),
                None => why,
            };
            return Attempted::Recorded(refused_request(requested, why));
        }
    };
    let options = FixOptions {
        dry_run: what == Attempt::Preview,
        grace,
    };
    match prepare(machine, &fresh, &rule_id, &action, &options) {
        Err(why) => Attempted::Recorded(refused(&action, why)),
        Ok(prepared) => match what {
            Attempt::Preview => Attempted::Recorded(previewed(&prepared)),
            Attempt::Ask => Attempted::Confirm(prepared),
            Attempt::Run => Attempted::Recorded(execute(machine, &prepared, &options)),
        },
    }
}

/// Why the process a request names is not the fresh plan's target, as the machine shows it
/// now: gone, its PID reused, protected, or PortSleuth's own.
fn why_not(machine: &dyn Machine, requested: &Requested) -> Option<String> {
    let Some(Identity::Process { pid, start_time }) = requested.identity else {
        return None;
    };
    let me = std::process::id();
    if pid == me {
        return Some("PortSleuth will not stop itself".into());
    }
    let parent = machine.process_now(me).and_then(|p| p.parent);
    if Some(pid) == parent {
        return Some(format!(
            "PID {pid} is the program that started PortSleuth (its parent); PortSleuth will not stop it"
        ));
    }
    let Some(now) = machine.process_now(pid) else {
        let name = requested.exe_name.as_deref().unwrap_or("the process");
        return Some(format!(
            "{name} (PID {pid}) is no longer running; scan again to see what holds the port now"
        ));
    };
    if let Some(reason) = crate::engine::safety::protected_reason(&now) {
        return Some(format!("PortSleuth will not act on it: {reason}"));
    }
    if start_time.is_some_and(|t| t != now.start_time) {
        return Some(format!(
            "PID {pid} now belongs to another process ({}, started at a different time): the one the request planned has exited and its PID was reused",
            now.exe_name
        ));
    }
    Some(format!(
        "{} (PID {pid}) does not hold a port the error names",
        now.exe_name
    ))
}

/// A record for a fresh-plan action that was refused before anything ran.
pub fn refused(action: &PlannedAction, why: String) -> ActionRecord {
    ActionRecord::new(action, now_rfc3339(), Vec::new(), Outcome::Refused, why)
}

/// A record for an action the user chose not to run.
pub fn cancelled(action: &PlannedAction) -> ActionRecord {
    ActionRecord::new(
        action,
        now_rfc3339(),
        Vec::new(),
        Outcome::Cancelled,
        "you chose not to run it".into(),
    )
}

/// A record for a request the fresh plan does not hold: in PortSleuth's words, with nothing
/// from the request's file acted on.
pub fn refused_request(requested: &Requested, why: String) -> ActionRecord {
    let action = PlannedAction {
        id: format!("{}-requested", requested.kind.as_str()),
        kind: requested.kind,
        label: requested.describe(),
        target: ActionTarget::default(),
        caution: None,
    };
    ActionRecord::new(&action, now_rfc3339(), Vec::new(), Outcome::Refused, why)
}

/// A record for a dry run.
pub fn previewed(prepared: &Prepared) -> ActionRecord {
    ActionRecord::new(
        &prepared.action,
        now_rfc3339(),
        prepared.commands.clone(),
        Outcome::Previewed,
        "dry run: the target was found again on this machine and re-checked; the commands shown would run; nothing was changed".into(),
    )
}

/// Who holds `port` now.
fn holders_of(machine: &dyn Machine, port: u16) -> Result<PortNow, String> {
    let snap: Snapshot = machine
        .scan(
            &ScanOptions { ports: vec![port] },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .map_err(|e| e.to_string())?;
    let mut now = PortNow::default();
    for h in snap.holders(port) {
        match h.process {
            Some(p) if !now.seen.iter().any(|(pid, _)| *pid == p.pid) => {
                now.seen.push((p.pid, p.exe_name.clone()));
            }
            Some(_) => {}
            None => now.unseen += 1,
        }
    }
    Ok(now)
}
