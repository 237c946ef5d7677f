//! The rules for acting on the machine, and the record of what was done.
//!
//! Before anything is stopped or removed, the target captured in the diagnosis is compared with
//! the machine as it is now: same PID, same start time, same executable, still holding the
//! port, not protected. Any difference refuses the action with a reason the technician can act
//! on. Every action — previewed, refused, done or failed — becomes an [`ActionRecord`] for the
//! report. Pure: the platform layer looks and acts; this module only judges and words.

use super::diagnose::{ActionTarget, PlannedAction};
use super::kb::ActionKind;
use super::safety::protected_reason;
use super::snapshot::Process;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// `--dry-run`: said what would happen, changed nothing.
    Previewed,
    /// Not done: the target changed, is protected, or the fresh plan does not offer it.
    Refused,
    /// Not done: the user chose not to run it.
    Cancelled,
    /// Done, and the re-scan agrees the problem is gone.
    Done,
    /// Done, but the re-scan shows the problem remains.
    ProblemRemains,
    /// The attempt failed.
    Failed,
}

/// The cause an action dealt with, and what to do now that it is dealt with (the rule's
/// `after_fix`, with the case's values filled in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fixed {
    pub rule_id: String,
    pub title: String,
    #[serde(default)]
    pub next_steps: Vec<String>,
}

/// One action as it happened, for the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// RFC 3339, UTC.
    pub at: String,
    pub action_id: String,
    pub kind: ActionKind,
    pub label: String,
    pub target: ActionTarget,
    /// The exact commands or calls, in order.
    pub commands: Vec<String>,
    pub outcome: Outcome,
    /// What happened, in plain words (which step worked, or why not).
    pub detail: String,
    /// What the re-scan showed afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the same action was previewed before this (a preview and its run are one record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previewed_at: Option<String>,
}

impl ActionRecord {
    pub fn new(
        action: &PlannedAction,
        at: String,
        commands: Vec<String>,
        outcome: Outcome,
        detail: String,
    ) -> Self {
        ActionRecord {
            at,
            action_id: action.id.clone(),
            kind: action.kind,
            label: action.label.clone(),
            target: action.target.clone(),
            commands,
            outcome,
            detail,
            verification: None,
            error: None,
            previewed_at: None,
        }
    }
}

/// Who is running PortSleuth, so that it never stops itself or the shell that started it.
#[derive(Debug, Clone, Copy)]
pub struct Me {
    pub pid: u32,
    pub parent: Option<u32>,
}

/// Who holds a port right now: the processes PortSleuth can see (PID and executable name), and
/// how many sockets on it belong to processes it cannot see (other users', without elevation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortNow {
    pub seen: Vec<(u32, String)>,
    pub unseen: usize,
}

/// Judges whether `target` may be acted on, given the process now running with its PID
/// (`None`: no such process) and who holds its port now (`None`: no port to check).
pub fn check_target(
    kind: ActionKind,
    target: &ActionTarget,
    now: Option<&Process>,
    port_holders: Option<&PortNow>,
    me: Me,
) -> Result<(), String> {
    if kind == ActionKind::OpenReference {
        return match &target.url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => Ok(()),
            _ => Err("this reference has no web address to open".into()),
        };
    }
    let Some(pid) = target.pid else {
        return Err("the plan names no process; run the diagnosis with a scan first".into());
    };
    let exe_name = target.exe_name.as_deref().unwrap_or("the process");
    if pid == me.pid {
        return Err("PortSleuth will not stop itself".into());
    }
    if Some(pid) == me.parent {
        return Err(format!("PID {pid} is the program that started PortSleuth (its parent); PortSleuth will not stop it"));
    }
    let Some(now) = now else {
        return Err(format!("{exe_name} (PID {pid}) is no longer running; scan again to see what holds the port now"));
    };
    if let Some(reason) = protected_reason(now) {
        if matches!(kind, ActionKind::StopProcess | ActionKind::Uninstall) {
            return Err(format!("PortSleuth will not act on it: {reason}"));
        }
    }
    if let Some(start) = target.start_time {
        if now.start_time != start {
            return Err(format!(
                "PID {pid} now belongs to another process ({}, started at a different time): the planned {exe_name} has exited and its PID was reused. Scan again.",
                now.exe_name
            ));
        }
    }
    if let (Some(planned), Some(current)) = (&target.exe, &now.exe) {
        if planned != current {
            return Err(format!(
                "PID {pid} now runs {current}, not {planned}; scan again"
            ));
        }
    }
    if let (Some(port), Some(holders)) = (target.port, port_holders) {
        if kind == ActionKind::StopProcess && !holders.seen.iter().any(|(p, _)| *p == pid) {
            return Err(match (holders.seen.first(), holders.unseen) {
                (Some((other, _)), _) => format!("port {port} is now held by PID {other}, not by {exe_name} (PID {pid}); scan again"),
                (None, 0) => format!("port {port} is already free; there is nothing to stop"),
                (None, _) => format!("port {port} is now held by a process PortSleuth cannot see, not by {exe_name} (PID {pid}); run PortSleuth elevated to see which"),
            });
        }
    }
    Ok(())
}

/// Words for what the re-scan shows about the port after an action, and whether the problem
/// is gone. A socket whose owner cannot be seen still holds the port: that is never "free".
pub fn verify_port(port: u16, target: &ActionTarget, now: &PortNow) -> (bool, String) {
    match now.seen.first() {
        None if now.unseen > 0 => (
            false,
            format!("port {port} is still held by a process PortSleuth cannot see; run PortSleuth elevated to see which"),
        ),
        None => (true, format!("port {port} is now free")),
        Some((pid, exe)) => {
            let same_program = target
                .exe_name
                .as_deref()
                .is_some_and(|planned| planned.eq_ignore_ascii_case(exe));
            if Some(*pid) == target.pid {
                (
                    false,
                    format!("port {port} is still held by {exe} (PID {pid})"),
                )
            } else if same_program && target.service.is_none() {
                (false, format!("port {port} is held again by {exe} (PID {pid}): something restarted it — stop or disable the service that runs it"))
            } else if same_program {
                (false, format!("port {port} is held again by {exe} (PID {pid}): the service was restarted — disable the service"))
            } else {
                (
                    true,
                    format!("port {port} is now held by {exe} (PID {pid})"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ActionTarget {
        ActionTarget {
            port: Some(110),
            pid: Some(1234),
            start_time: Some(100),
            exe: Some("/opt/nav/PoProxy.exe".into()),
            exe_name: Some("PoProxy.exe".into()),
            ..ActionTarget::default()
        }
    }

    fn process(pid: u32, start_time: u64, exe: &str) -> Process {
        Process {
            pid,
            start_time,
            exe: Some(exe.into()),
            exe_name: exe.rsplit('/').next().unwrap_or(exe).into(),
            ..Process::default()
        }
    }

    fn seen(pids: &[u32]) -> PortNow {
        PortNow {
            seen: pids.iter().map(|p| (*p, "x".to_owned())).collect(),
            unseen: 0,
        }
    }

    const ME: Me = Me {
        pid: 50,
        parent: Some(49),
    };

    #[test]
    fn the_same_process_still_holding_the_port_may_be_stopped() {
        let now = process(1234, 100, "/opt/nav/PoProxy.exe");
        assert_eq!(
            check_target(
                ActionKind::StopProcess,
                &target(),
                Some(&now),
                Some(&seen(&[1234])),
                ME
            ),
            Ok(())
        );
    }

    #[test]
    fn a_reused_pid_a_changed_executable_or_a_moved_port_is_refused() {
        let reused = process(1234, 200, "/opt/nav/PoProxy.exe");
        assert!(check_target(
            ActionKind::StopProcess,
            &target(),
            Some(&reused),
            Some(&seen(&[1234])),
            ME
        )
        .unwrap_err()
        .contains("reused"));
        let other = process(1234, 100, "/usr/bin/other");
        assert!(check_target(
            ActionKind::StopProcess,
            &target(),
            Some(&other),
            Some(&seen(&[1234])),
            ME
        )
        .unwrap_err()
        .contains("/usr/bin/other"));
        let same = process(1234, 100, "/opt/nav/PoProxy.exe");
        assert!(check_target(
            ActionKind::StopProcess,
            &target(),
            Some(&same),
            Some(&seen(&[999])),
            ME
        )
        .unwrap_err()
        .contains("PID 999"));
        assert!(
            check_target(ActionKind::StopProcess, &target(), None, None, ME)
                .unwrap_err()
                .contains("no longer running")
        );
    }

    #[test]
    fn itself_its_parent_and_the_system_are_refused() {
        let mut t = target();
        t.pid = Some(50);
        assert!(check_target(ActionKind::StopProcess, &t, None, None, ME)
            .unwrap_err()
            .contains("itself"));
        t.pid = Some(49);
        assert!(check_target(ActionKind::StopProcess, &t, None, None, ME)
            .unwrap_err()
            .contains("parent"));
        t.pid = Some(1);
        t.start_time = None;
        let init = process(1, 0, "/sbin/init");
        assert!(
            check_target(ActionKind::StopProcess, &t, Some(&init), None, ME)
                .unwrap_err()
                .contains("operating system")
        );
    }

    #[test]
    fn verification_says_free_restarted_or_someone_else() {
        let t = target();
        let now = |seen: &[(u32, &str)], unseen: usize| PortNow {
            seen: seen.iter().map(|(p, e)| (*p, (*e).to_owned())).collect(),
            unseen,
        };
        assert_eq!(
            verify_port(110, &t, &now(&[], 0)),
            (true, "port 110 is now free".into())
        );
        assert!(!verify_port(110, &t, &now(&[(1234, "PoProxy.exe")], 0)).0);
        let restarted = verify_port(110, &t, &now(&[(1300, "PoProxy.exe")], 0));
        assert!(!restarted.0 && restarted.1.contains("restarted"));
        let exchange = verify_port(110, &t, &now(&[(900, "store.exe")], 0));
        assert!(exchange.0 && exchange.1.contains("store.exe"));
        let hidden = verify_port(110, &t, &now(&[], 1));
        assert!(
            !hidden.0 && hidden.1.contains("cannot see"),
            "an unseen holder is not free"
        );
    }
}
