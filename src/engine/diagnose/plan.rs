//! The actions a finding offers, aimed at the holder the scan found, and the ones withheld
//! because that holder is protected. The same planner plans for the report and, again from
//! the live machine, for `fix` right before it acts.

use super::{ActionTarget, CheckHit, Ctx, PlannedAction};
use crate::engine::kb::{ActionKind, Rule};
use crate::engine::safety::{protected_reason, refused_target, service_refusal};
use crate::engine::snapshot::{Process, Snapshot};

impl Ctx<'_> {
    /// The actions `rule` offers on the holder `hit` found, and those withheld (with why).
    pub(super) fn plan_actions(
        &self,
        rule: &Rule,
        hit: Option<&CheckHit<'_>>,
    ) -> (Vec<PlannedAction>, Vec<String>) {
        let mut actions = Vec::new();
        let mut withheld = Vec::new();
        // A port http.sys holds for a program is that program's to give back: aim at it, not at
        // System.
        let process = hit
            .and_then(|h| h.holder)
            .and_then(|h| h.process)
            .map(|p| self.behind_http_sys(p, hit.map_or(0, |h| h.port)));
        let port = hit.map(|h| h.port);
        let protected = process.and_then(|p| match self.snapshot {
            Some(snap) => refused_target(p, &snap.host),
            None => protected_reason(p),
        });
        for &kind in &rule.actions {
            match (kind, process) {
                (ActionKind::OpenReference, _) => actions.extend(reference_action(rule)),
                (ActionKind::StopService | ActionKind::DisableService, Some(p)) => {
                    let (offered, refused) = service_actions(kind, p, port, self.snapshot);
                    actions.extend(offered);
                    withheld.extend(refused);
                }
                (ActionKind::Uninstall | ActionKind::StopProcess, Some(p)) => {
                    if let Some(why) = &protected {
                        let verb = if kind == ActionKind::Uninstall {
                            "uninstall"
                        } else {
                            "stop"
                        };
                        withheld.push(format!(
                            "PortSleuth will not {verb} {} (PID {}): {why}.",
                            p.exe_name, p.pid
                        ));
                    } else if kind == ActionKind::Uninstall {
                        match uninstall_action(p, port, self.snapshot) {
                            Some(Ok(action)) => actions.push(action),
                            Some(Err(why)) => withheld.push(why),
                            None => {}
                        }
                    } else {
                        actions.push(stop_action(p, port));
                    }
                }
                _ => {}
            }
        }
        // A service's process is stopped through its service first: the service manager would
        // only start it again.
        actions.sort_by_key(|a| match a.kind {
            ActionKind::StopService => 0,
            ActionKind::DisableService => 1,
            ActionKind::StopProcess if a.caution.is_none() => 0,
            ActionKind::Uninstall => 2,
            ActionKind::StopProcess => 3,
            ActionKind::OpenReference | ActionKind::CloseConnection => 4,
        });
        withheld.dedup();
        (actions, withheld)
    }
}

/// The identity of the process an action is aimed at, as the scan saw it.
fn aimed_at(p: &Process, port: Option<u16>) -> ActionTarget {
    ActionTarget {
        port,
        pid: Some(p.pid),
        start_time: Some(p.start_time),
        exe: p.exe.clone(),
        exe_name: Some(p.exe_name.clone()),
        ..ActionTarget::default()
    }
}

/// Stop or disable each service the holder runs, except the system's own (said why).
fn service_actions(
    kind: ActionKind,
    p: &Process,
    port: Option<u16>,
    snapshot: Option<&Snapshot>,
) -> (Vec<PlannedAction>, Vec<String>) {
    let verb = if kind == ActionKind::StopService {
        "Stop"
    } else {
        "Disable"
    };
    let mut refused = Vec::new();
    let offered = p
        .services
        .iter()
        .filter_map(|id| {
            let service = snapshot.and_then(|s| s.service(id));
            let name = service.map_or(id.as_str(), |s| s.display_name.as_str());
            if let Some(why) = service.and_then(|s| service_refusal(id, s.manager)) {
                refused.push(format!(
                    "PortSleuth will not {} \u{2018}{name}\u{2019}: {why}.",
                    verb.to_lowercase()
                ));
                return None;
            }
            Some(PlannedAction {
                id: format!("{}-{}", kind.as_str(), id),
                kind,
                label: format!("{verb} service \u{2018}{name}\u{2019}"),
                target: ActionTarget {
                    service: Some(id.clone()),
                    service_manager: service.map(|s| s.manager.as_str().to_owned()),
                    ..aimed_at(p, port)
                },
                caution: None,
            })
        })
        .collect();
    (offered, refused)
}

/// Uninstall the product the holder belongs to, when the scan knows it; `Err` says why a
/// product the system needs is not offered.
fn uninstall_action(
    p: &Process,
    port: Option<u16>,
    snapshot: Option<&Snapshot>,
) -> Option<Result<PlannedAction, String>> {
    let product = p
        .product
        .as_deref()
        .and_then(|id| snapshot.and_then(|s| s.product(id)))?;
    if let Some(why) = &product.protected {
        return Some(Err(format!(
            "PortSleuth will not uninstall {}: {why}.",
            product.name
        )));
    }
    let name = if product.version.is_empty() {
        product.name.clone()
    } else {
        format!("{} {}", product.name, product.version)
    };
    Some(Ok(PlannedAction {
        id: format!("uninstall-{}", product.id),
        kind: ActionKind::Uninstall,
        label: format!("Uninstall {name}"),
        target: ActionTarget {
            product: Some(product.id.clone()),
            ..aimed_at(p, port)
        },
        caution: None,
    }))
}

/// Stop the holder itself.
fn stop_action(p: &Process, port: Option<u16>) -> PlannedAction {
    let caution = (!p.services.is_empty()).then(|| {
        format!("{} runs as a service; its service manager may start it again. Stop or disable the service instead.", p.exe_name)
    });
    PlannedAction {
        id: format!("stop_process-{}", p.pid),
        kind: ActionKind::StopProcess,
        label: format!("Stop process {} (PID {})", p.exe_name, p.pid),
        target: aimed_at(p, port),
        caution,
    }
}

/// Open the rule's first reference that has a web address.
fn reference_action(rule: &Rule) -> Option<PlannedAction> {
    let (reference, url) = rule
        .references
        .iter()
        .find_map(|r| r.url.as_ref().map(|u| (r, u)))?;
    Some(PlannedAction {
        id: format!("open_reference-{}", rule.id),
        kind: ActionKind::OpenReference,
        label: format!("Open \u{2018}{}\u{2019}", reference.title),
        target: ActionTarget {
            url: Some(url.clone()),
            ..ActionTarget::default()
        },
        caution: None,
    })
}
