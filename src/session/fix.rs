//! Carrying out one planned action from a diagnosis, safely: the same code for the CLI's `fix`
//! and the wizard's Fix step.
//!
//! Order of work: find the action; re-check its target against the machine as it is now;
//! refuse anything changed or protected; say exactly what will run; ask (or honour `--yes`);
//! act; re-scan the port; record all of it. The judging is pure (`engine::fixing`); this
//! module gathers the facts from the [`Machine`] and acts through it.

use crate::clock::now_rfc3339;
use crate::engine::diagnose::PlannedAction;
use crate::engine::fixing::{check_target, verify_port, ActionRecord, Me, Outcome};
use crate::engine::kb::ActionKind;
use crate::engine::snapshot::{Service, ServiceManager, Snapshot};
use crate::platform::{act, Machine, ScanOptions, Stopped};
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

/// What will be done, before it is done.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub action: PlannedAction,
    pub commands: Vec<String>,
    step: Step,
}

#[derive(Debug, Clone)]
enum Step {
    StopProcess { pid: u32 },
    Run(Vec<Vec<String>>),
}

/// Finds the action `id` in a report.
pub fn find_action<'r>(report: &'r Report, id: &str) -> Result<&'r PlannedAction, String> {
    let all: Vec<&PlannedAction> = report
        .diagnosis
        .findings
        .iter()
        .flat_map(|f| &f.actions)
        .collect();
    all.iter().copied().find(|a| a.id == id).ok_or_else(|| {
        let mut ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            "the report offers no actions (was it made with a scan?)".to_owned()
        } else {
            format!(
                "the report has no action '{id}'; it offers: {}",
                ids.join(", ")
            )
        }
    })
}

/// Re-checks the target and works out the exact commands. `Err` is a refusal, with the reason.
pub fn prepare(
    machine: &dyn Machine,
    report: &Report,
    action: &PlannedAction,
    options: &FixOptions,
) -> Result<Prepared, String> {
    let t = &action.target;
    let now = t.pid.and_then(|pid| machine.process_now(pid));
    let holders = match (action.kind, t.port) {
        (ActionKind::OpenReference, _) | (_, None) => None,
        (_, Some(port)) => Some(
            holders_of(machine, port)?
                .into_iter()
                .map(|(pid, _)| pid)
                .collect::<Vec<u32>>(),
        ),
    };
    let me = Me {
        pid: std::process::id(),
        parent: machine
            .process_now(std::process::id())
            .and_then(|p| p.parent),
    };
    check_target(action.kind, t, now.as_ref(), holders.as_deref(), me)?;
    let snapshot = report.snapshot.as_ref();
    let service = t.service.as_deref().map(|id| {
        snapshot
            .and_then(|s| s.service(id))
            .cloned()
            .unwrap_or_else(|| unknown_service(id, t.service_manager.as_deref()))
    });
    let needs_admin = matches!(
        action.kind,
        ActionKind::StopService | ActionKind::DisableService | ActionKind::Uninstall
    );
    if needs_admin && !machine.is_elevated() && !options.dry_run {
        let what = service.as_ref().map_or(action.label.clone(), |s| {
            format!(
                "{} service \u{2018}{}\u{2019}",
                verb(action.kind),
                s.display_name
            )
        });
        let how = if cfg!(windows) {
            "run PortSleuth as administrator".to_owned()
        } else {
            format!("run it again with sudo: sudo {}", rerun_line(action))
        };
        return Err(format!("{what} needs administrator rights: {how}"));
    }
    let (commands, step) = match action.kind {
        ActionKind::StopProcess => {
            let pid = t.pid.unwrap_or_default();
            (
                act::stop_process_commands(pid, options.grace),
                Step::StopProcess { pid },
            )
        }
        ActionKind::StopService | ActionKind::DisableService => {
            let service = service.ok_or("the plan names no service")?;
            let argvs = service_commands(action.kind, &service);
            (
                argvs.iter().map(|a| a.join(" ")).collect(),
                Step::Run(argvs),
            )
        }
        ActionKind::Uninstall => {
            let argvs = uninstall_commands(machine, snapshot, t.product.as_deref())?;
            (
                argvs.iter().map(|a| a.join(" ")).collect(),
                Step::Run(argvs),
            )
        }
        ActionKind::OpenReference => {
            let argv = act::open_url_command(t.url.as_deref().unwrap_or_default());
            (vec![argv.join(" ")], Step::Run(vec![argv]))
        }
    };
    Ok(Prepared {
        action: action.clone(),
        commands,
        step,
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
            let start = t.start_time;
            let still_same = || {
                machine
                    .process_now(*pid)
                    .is_some_and(|p| Some(p.start_time) == start)
            };
            machine.stop_process(*pid, options.grace, &still_same).map_err(|e| e.to_string()).map(|how| match how {
                Stopped::Gracefully => format!("{} exited after the polite request (SIGTERM / close)", t.exe_name.as_deref().unwrap_or("the process")),
                Stopped::Forced => format!(
                    "{} ignored the polite request for {:.0} s and was stopped by force (SIGKILL / taskkill /F)",
                    t.exe_name.as_deref().unwrap_or("the process"),
                    options.grace.as_secs_f32()
                ),
            })
        }
        Step::Run(argvs) => argvs
            .iter()
            .try_fold(String::new(), |_, argv| {
                machine.run(argv).map_err(|e| e.to_string())
            })
            .map(|_| format!("ran: {}", prepared.commands.join("; "))),
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
    if let (Some(port), true) = (t.port, action.kind != ActionKind::OpenReference) {
        match holders_of(machine, port) {
            Ok(holders) => {
                let (ok, words) = verify_port(port, t, &holders);
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

/// What a fix is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Re-check and say what would run (a dry run), recorded.
    Preview,
    /// Re-check and return what would run, for the user to confirm.
    Ask,
    /// Re-check and run it.
    Run,
}

/// What an attempt gave.
#[derive(Debug, Clone)]
pub enum Attempted {
    /// The target was re-checked and these commands would run: ask the user.
    Confirm(Prepared),
    /// Something was recorded: a preview, a refusal, or the action done and verified.
    Recorded(ActionRecord),
}

/// The whole of a fix as both doors run it: re-check, then preview, ask or act.
pub fn attempt(
    machine: &dyn Machine,
    report: &Report,
    action: &PlannedAction,
    what: Attempt,
    grace: Duration,
) -> Attempted {
    let options = FixOptions {
        dry_run: what == Attempt::Preview,
        grace,
    };
    match prepare(machine, report, action, &options) {
        Err(why) => Attempted::Recorded(refused(action, why)),
        Ok(prepared) => match what {
            Attempt::Preview => Attempted::Recorded(previewed(&prepared)),
            Attempt::Ask => Attempted::Confirm(prepared),
            Attempt::Run => Attempted::Recorded(execute(machine, &prepared, &options)),
        },
    }
}

/// A record for an action that was refused before anything ran.
pub fn refused(action: &PlannedAction, why: String) -> ActionRecord {
    ActionRecord::new(action, now_rfc3339(), Vec::new(), Outcome::Refused, why)
}

/// A record for a dry run.
pub fn previewed(prepared: &Prepared) -> ActionRecord {
    let detail =
        "dry run: the target was re-checked and the commands shown would run; nothing was changed"
            .to_owned();
    ActionRecord::new(
        &prepared.action,
        now_rfc3339(),
        prepared.commands.clone(),
        Outcome::Previewed,
        detail,
    )
}

/// PIDs and executable names holding `port` now.
fn holders_of(machine: &dyn Machine, port: u16) -> Result<Vec<(u32, String)>, String> {
    let snap: Snapshot = machine
        .scan(
            &ScanOptions { ports: vec![port] },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for h in snap.holders(port) {
        if let Some(p) = h.process {
            if !out.iter().any(|(pid, _)| *pid == p.pid) {
                out.push((p.pid, p.exe_name.clone()));
            }
        }
    }
    Ok(out)
}

fn unknown_service(id: &str, manager: Option<&str>) -> Service {
    let manager = match manager {
        Some("scm") => ServiceManager::Scm,
        Some("launchd") => ServiceManager::Launchd,
        _ if cfg!(windows) => ServiceManager::Scm,
        _ if cfg!(target_os = "macos") => ServiceManager::Launchd,
        _ => ServiceManager::Systemd,
    };
    Service {
        id: id.into(),
        display_name: id.into(),
        manager,
        state: String::new(),
        start_type: String::new(),
        pid: None,
        socket_unit: None,
    }
}

fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::DisableService => "Disabling",
        ActionKind::Uninstall => "Uninstalling",
        _ => "Stopping",
    }
}

fn rerun_line(action: &PlannedAction) -> String {
    format!("portsleuth fix --report REPORT.json --action {}", action.id)
}

/// The service manager's commands. A systemd socket unit is stopped with its service, or
/// socket activation would start the service again on the next connection.
pub fn service_commands(kind: ActionKind, service: &Service) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let disable = kind == ActionKind::DisableService;
    match service.manager {
        ServiceManager::Systemd => {
            let mut units = vec![service.id.clone()];
            units.extend(service.socket_unit.clone());
            let mut argv = if disable {
                s(&["systemctl", "disable", "--now"])
            } else {
                s(&["systemctl", "stop"])
            };
            argv.extend(units);
            vec![argv]
        }
        ServiceManager::Scm => {
            let stop = s(&["sc", "stop", &service.id]);
            if disable {
                vec![
                    s(&["sc", "config", &service.id, "start=", "disabled"]),
                    stop,
                ]
            } else {
                vec![stop]
            }
        }
        ServiceManager::Launchd => {
            let target = format!("system/{}", service.id);
            if disable {
                vec![
                    s(&["launchctl", "disable", &target]),
                    s(&["launchctl", "bootout", &target]),
                ]
            } else {
                vec![s(&["launchctl", "bootout", &target])]
            }
        }
    }
}

/// The package manager's or the product's own uninstall command.
pub fn uninstall_commands(
    machine: &dyn Machine,
    snapshot: Option<&Snapshot>,
    product: Option<&str>,
) -> Result<Vec<Vec<String>>, String> {
    let id = product.ok_or("the plan names no installed product")?;
    let product = snapshot
        .and_then(|s| s.product(id))
        .ok_or_else(|| format!("the report has no details of product {id}"))?;
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    Ok(match product.source.as_str() {
        "dpkg" if machine.on_path("apt-get") => {
            vec![s(&["apt-get", "remove", "-y", &product.name])]
        }
        "dpkg" => vec![s(&["dpkg", "--remove", &product.name])],
        "rpm" => {
            let tool = ["dnf", "zypper", "yum"]
                .into_iter()
                .find(|t| machine.on_path(t))
                .unwrap_or("rpm");
            match tool {
                "zypper" => vec![s(&["zypper", "--non-interactive", "remove", &product.name])],
                "rpm" => vec![s(&["rpm", "-e", &product.name])],
                other => vec![s(&[other, "remove", "-y", &product.name])],
            }
        }
        "pacman" => vec![s(&["pacman", "-R", "--noconfirm", &product.name])],
        "registry" => {
            let line = product
                .quiet_uninstall_command
                .as_deref()
                .or(product.uninstall_command.as_deref())
                .ok_or("the product has no uninstall command in the registry")?;
            vec![s(&["cmd", "/C", line])]
        }
        "app_bundle" => {
            let bundle = product
                .install_location
                .as_deref()
                .ok_or("the app's location is unknown")?;
            let trash = dirs::home_dir()
                .map(|h| h.join(".Trash").display().to_string())
                .ok_or("no home folder for the Trash")?;
            vec![s(&["mv", bundle, &trash])]
        }
        other => return Err(format!("PortSleuth cannot uninstall products from {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(manager: ServiceManager, socket: Option<&str>) -> Service {
        Service {
            id: "dovecot.service".into(),
            display_name: "Dovecot".into(),
            manager,
            state: "active".into(),
            start_type: "enabled".into(),
            pid: Some(10),
            socket_unit: socket.map(str::to_owned),
        }
    }

    #[test]
    fn systemd_stops_the_socket_unit_with_the_service() {
        let cmds = service_commands(
            ActionKind::StopService,
            &service(ServiceManager::Systemd, Some("dovecot.socket")),
        );
        assert_eq!(
            cmds,
            vec![vec![
                "systemctl",
                "stop",
                "dovecot.service",
                "dovecot.socket"
            ]]
        );
        let cmds = service_commands(
            ActionKind::DisableService,
            &service(ServiceManager::Systemd, None),
        );
        assert_eq!(
            cmds,
            vec![vec!["systemctl", "disable", "--now", "dovecot.service"]]
        );
    }

    #[test]
    fn windows_services_are_disabled_then_stopped() {
        let mut s = service(ServiceManager::Scm, None);
        s.id = "NAVAPSVC".into();
        assert_eq!(
            service_commands(ActionKind::DisableService, &s),
            vec![
                vec!["sc", "config", "NAVAPSVC", "start=", "disabled"],
                vec!["sc", "stop", "NAVAPSVC"]
            ]
        );
    }

    #[test]
    fn launchd_jobs_are_booted_out_and_disabled() {
        let mut s = service(ServiceManager::Launchd, None);
        s.id = "com.apple.controlcenter".into();
        assert_eq!(
            service_commands(ActionKind::StopService, &s),
            vec![vec![
                "launchctl",
                "bootout",
                "system/com.apple.controlcenter"
            ]]
        );
        assert_eq!(
            service_commands(ActionKind::DisableService, &s)[0],
            vec!["launchctl", "disable", "system/com.apple.controlcenter"]
        );
    }

    #[test]
    fn registry_products_use_the_quiet_uninstall_string_first() {
        let snap = Snapshot {
            products: vec![crate::engine::snapshot::Product {
                id: "registry:hklm/NAV".into(),
                name: "Norton AntiVirus 2001".into(),
                version: "7.0".into(),
                publisher: "Symantec".into(),
                source: "registry".into(),
                install_location: None,
                uninstall_command: Some("MsiExec.exe /I{GUID}".into()),
                quiet_uninstall_command: Some("MsiExec.exe /X{GUID} /qn".into()),
            }],
            ..Snapshot::default()
        };
        assert_eq!(
            uninstall_commands(
                &crate::platform::LiveMachine,
                Some(&snap),
                Some("registry:hklm/NAV")
            ),
            Ok(vec![vec![
                "cmd".to_owned(),
                "/C".into(),
                "MsiExec.exe /X{GUID} /qn".into()
            ]])
        );
        assert!(uninstall_commands(
            &crate::platform::LiveMachine,
            Some(&snap),
            Some("registry:hklm/none")
        )
        .is_err());
    }
}
