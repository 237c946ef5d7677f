//! macOS: sockets with owners from netstat2 (libproc, shared with `generic`), launchd jobs as
//! services (`launchctl list`, `launchctl print`) and the app bundles programs run from as
//! products (`Info.plist`, through `plutil` when it is binary).
//!
//! A thin shell: it runs Apple's tools and reads files, and leaves every parse to
//! `macos_text`. It never changes launchd's state; it only lists and prints.

use super::generic::effective_uid;
use super::parse::macos_text::{self, LaunchdJob};
use super::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use crate::engine::snapshot::{Process, Product, Service, ServiceManager, Socket, Warning};
use std::collections::BTreeMap;

pub(crate) use super::generic::{is_elevated, windows_specials, ELEVATE_HINT};

const LAUNCHCTL: &str = "/bin/launchctl";
const PLUTIL: &str = "/usr/bin/plutil";

/// Sockets with owners, and a warning when other users' sockets are out of sight: macOS shows a
/// process's open files only to its owner and root, so without sudo a daemon's listening
/// socket is not listed at all (not even without an owner).
pub(crate) fn sockets(
    options: &ScanOptions,
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<RawSocket>, String), ScanError> {
    let found = super::generic::sockets(options, reporter, warnings)?;
    if !is_elevated() {
        warnings.push(Warning {
            what: "sockets of other users' processes (system daemons among them) are not listed: macOS shows them only to root".into(),
            remedy: Some(ELEVATE_HINT.into()),
        });
    }
    Ok(found)
}

/// The launchd job behind each process, from the jobs `launchctl list` shows the caller.
pub(crate) fn services(
    processes: &mut [Process],
    _sockets: &[Socket],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, ScanError> {
    let total = processes.len();
    reporter.step(Phase::Services, 0, total)?;
    if processes.is_empty() {
        return Ok(Vec::new());
    }
    let jobs = launchd_jobs(warnings);
    let found = macos_text::services_by_pid(processes, &jobs);
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for (i, p) in processes.iter_mut().enumerate() {
        if let Some(jobs) = found.get(&p.pid) {
            p.services = jobs.iter().map(|j| j.label.clone()).collect();
            for job in jobs {
                if !services.contains_key(&job.label) {
                    services.insert(job.label.clone(), launchd_service(job));
                }
            }
        }
        reporter.step(Phase::Services, i + 1, total)?;
    }
    Ok(services.into_values().collect())
}

/// The jobs of the caller's domain: the system domain under sudo, else the user's session.
/// Under sudo the user's own agents (Control Center among them) are listed too, from their
/// session, as the system listing leaves them out.
fn launchd_jobs(warnings: &mut Vec<Warning>) -> Vec<LaunchdJob> {
    let uid = effective_uid();
    let own_domain = match uid {
        Some(0) => "system".to_owned(),
        Some(uid) => format!("gui/{uid}"),
        None => "gui".to_owned(),
    };
    let mut jobs = match run(LAUNCHCTL, &["list"]) {
        Ok(text) => macos_text::parse_launchctl_list(&text, &own_domain),
        Err(why) => {
            warnings.push(Warning {
                what: format!("{why}: processes are not matched to launchd services"),
                remedy: None,
            });
            return Vec::new();
        }
    };
    let sudo_user = std::env::var("SUDO_UID")
        .ok()
        .and_then(|u| u.parse::<u32>().ok())
        .filter(|&u| u != 0);
    if let (Some(0), Some(user)) = (uid, sudo_user) {
        let user_id = user.to_string();
        match run(LAUNCHCTL, &["asuser", &user_id, LAUNCHCTL, "list"]) {
            Ok(text) => jobs.extend(macos_text::parse_launchctl_list(
                &text,
                &format!("gui/{user}"),
            )),
            Err(why) => warnings.push(Warning {
                what: format!(
                    "{why}: the launchd agents of user {user} are not matched to their processes"
                ),
                remedy: None,
            }),
        }
    }
    jobs
}

/// A running job as a service, with its state and start type from `launchctl print` where it
/// answers (a user's agents live in `gui/UID` in a desktop session, in `user/UID` over ssh).
fn launchd_service(job: &LaunchdJob) -> Service {
    let mut targets = vec![format!("{}/{}", job.domain, job.label)];
    if let Some(uid) = job.domain.strip_prefix("gui/") {
        targets.push(format!("user/{uid}/{}", job.label));
    }
    let status = targets
        .iter()
        .find_map(|target| run(LAUNCHCTL, &["print", target]).ok())
        .map(|text| macos_text::parse_launchctl_print(&text));
    Service {
        id: job.label.clone(),
        display_name: job.label.clone(),
        manager: ServiceManager::Launchd,
        // `launchctl list` gave the job a PID: it runs, whatever `print` could not tell.
        state: status
            .as_ref()
            .map(|s| s.state.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "running".to_owned()),
        start_type: status.map(|s| s.start_type()).unwrap_or_default(),
        pid: job.pid,
        socket_unit: None,
    }
}

/// The app bundle each program runs from, as an installed product.
pub(crate) fn products(
    processes: &mut [Process],
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Product>, ScanError> {
    let mut bundles: Vec<String> = processes
        .iter()
        .filter_map(|p| macos_text::app_bundle_of(p.exe.as_deref()?))
        .map(str::to_owned)
        .collect();
    bundles.sort();
    bundles.dedup();
    let total = bundles.len();
    reporter.step(Phase::Products, 0, total)?;
    let mut products = Vec::new();
    for (i, bundle) in bundles.iter().enumerate() {
        let info = read_info_plist(bundle).unwrap_or_else(|why| {
            warnings.push(Warning {
                what: format!("{why}; the app is named after its folder"),
                remedy: None,
            });
            BTreeMap::new()
        });
        products.push(macos_text::app_bundle_product(bundle, &info));
        reporter.step(Phase::Products, i + 1, total)?;
    }
    for p in processes.iter_mut() {
        if let Some(bundle) = p.exe.as_deref().and_then(macos_text::app_bundle_of) {
            p.product = Some(macos_text::app_bundle_product_id(bundle));
        }
    }
    Ok(products)
}

/// The top-level strings of a bundle's `Info.plist`. Most apps ship it as XML, read as it is;
/// binary (`bplist00`) and old-style ones are converted by `plutil`.
fn read_info_plist(bundle: &str) -> Result<BTreeMap<String, String>, String> {
    let path = format!("{bundle}/Contents/Info.plist");
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let xml = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("<plist") => text.to_owned(),
        _ => run(PLUTIL, &["-convert", "xml1", "-o", "-", &path])?,
    };
    Ok(macos_text::parse_plist_strings(&xml))
}

/// Runs a tool and returns its standard output, or why it failed in words for a warning.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    super::runner::run(program, args)
        .map(|o| o.stdout)
        .map_err(|e| e.to_string())
}
