//! Processes PortSleuth never offers to stop or uninstall, and why.
//!
//! Killing the wrong process is what users of kill-by-port tools complain about most. This list
//! is applied when actions are planned (so the button is never shown) and again, by the fix
//! code, right before anything runs. Pure: it judges a snapshot row, it does not look.

use super::kb::strip_exe;
use super::snapshot::{Host, Process, ServiceManager};

/// Windows processes whose end is the end of the session or of Windows itself.
const CRITICAL_WINDOWS: [&str; 10] = [
    "system",
    "registry",
    "smss",
    "csrss",
    "wininit",
    "winlogon",
    "services",
    "lsass",
    "svchost",
    "memory compression",
];

/// Unix processes that are the system itself.
const CRITICAL_UNIX: [&str; 4] = ["systemd", "init", "launchd", "kernel_task"];

/// The user's desktop session: stopping these logs the user off or blanks the screen.
const SESSION: [&str; 15] = [
    "explorer",
    "dwm",
    "sihost",
    "winlogon",
    "xorg",
    "xwayland",
    "gnome-shell",
    "gnome-session-binary",
    "plasmashell",
    "kwin_x11",
    "kwin_wayland",
    "windowserver",
    "loginwindow",
    "finder",
    "dock",
];

/// Why `p` must not be stopped or uninstalled, if it must not.
pub fn protected_reason(p: &Process) -> Option<String> {
    let stem = strip_exe(&p.exe_name).to_ascii_lowercase();
    match p.pid {
        0 | 1 | 4 => {
            return Some(format!(
                "{} (PID {}) is part of the operating system itself",
                p.exe_name, p.pid
            ))
        }
        2 => return Some("PID 2 is the kernel's thread creator".into()),
        _ => {}
    }
    if p.parent == Some(2) && p.exe.is_none() {
        return Some(format!("{} (PID {}) is a kernel thread", p.exe_name, p.pid));
    }
    if stem == "svchost" {
        return Some(format!("{} (PID {}) hosts several Windows services at once; stop the one service that holds the port instead", p.exe_name, p.pid));
    }
    if CRITICAL_WINDOWS.contains(&stem.as_str()) || CRITICAL_UNIX.contains(&stem.as_str()) {
        return Some(format!("{} (PID {}) is a critical system process; stopping it would crash or log off the machine", p.exe_name, p.pid));
    }
    if SESSION.contains(&stem.as_str()) {
        return Some(format!("{} (PID {}) is part of the user's desktop session; stopping it would end or break the session", p.exe_name, p.pid));
    }
    None
}

/// Why `p` must not be acted on in a scan taken by `scanner`: PortSleuth itself, the program
/// that started it, or any process [`protected_reason`] refuses.
pub fn refused_target(p: &Process, scanner: &Host) -> Option<String> {
    if Some(p.pid) == scanner.scanned_by {
        return Some(format!(
            "{} (PID {}) is PortSleuth itself",
            p.exe_name, p.pid
        ));
    }
    if Some(p.pid) == scanner.scanned_by_parent {
        return Some(format!(
            "{} (PID {}) is the program that started PortSleuth",
            p.exe_name, p.pid
        ));
    }
    protected_reason(p)
}

/// Services the operating system cannot run without; stopping or disabling them is never
/// offered. Lower case.
const OS_SERVICES: [&str; 24] = [
    "dbus.service",
    "dbus-broker.service",
    "init.scope",
    "polkit.service",
    "rpcss",
    "rpceptmapper",
    "dcomlaunch",
    "lsm",
    "samss",
    "eventlog",
    "plugplay",
    "power",
    "brokerinfrastructure",
    "winmgmt",
    "profsvc",
    "schedule",
    "gpsvc",
    "nsi",
    "dhcp",
    "dnscache",
    "mpssvc",
    "bfe",
    "com.apple.windowserver",
    "com.apple.launchd",
];

/// Why a service must not be stopped or disabled, or may not even be named to a service
/// manager: a name that is not one (`*`, `--now`, a path), or one of the system's own.
pub fn service_refusal(id: &str, manager: ServiceManager) -> Option<String> {
    let allowed = |c: char| match manager {
        ServiceManager::Systemd => c.is_ascii_alphanumeric() || ":_.@-\\".contains(c),
        ServiceManager::Scm => c.is_ascii_alphanumeric() || "_.- $".contains(c),
        ServiceManager::Launchd => c.is_ascii_alphanumeric() || "_.-".contains(c),
    };
    let shaped = !id.is_empty()
        && id.len() <= 256
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(allowed)
        && (manager != ServiceManager::Systemd
            || id.ends_with(".service")
            || id.ends_with(".socket"));
    if !shaped {
        return Some(format!(
            "\u{2018}{id}\u{2019} is not the name of a {} service",
            manager.as_str()
        ));
    }
    let lower = id.to_ascii_lowercase();
    let system = OS_SERVICES.contains(&lower.as_str())
        || lower.starts_with("systemd-")
        || lower.starts_with("getty@")
        || lower.starts_with("user@")
        || lower.starts_with("serial-getty@");
    system.then(|| format!("{id} is one of the operating system's own services"))
}

/// Why a package name must not be handed to a package manager: one that could be read as an
/// option (`-oDPkg::…`) or that is not a package name at all.
pub fn package_refusal(name: &str) -> Option<String> {
    let shaped = !name.is_empty()
        && name.len() <= 200
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+._-~:".contains(c));
    (!shaped).then(|| format!("\u{2018}{name}\u{2019} is not a package name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(pid: u32, exe_name: &str) -> Process {
        Process {
            pid,
            exe_name: exe_name.into(),
            name: exe_name.into(),
            exe: Some(format!("/x/{exe_name}")),
            parent: Some(1),
            ..Process::default()
        }
    }

    #[test]
    fn service_and_package_names_that_are_options_or_globs_are_refused() {
        for bad in [
            "*",
            "--now",
            "-x.service",
            "a b.service",
            "../x.service",
            "",
        ] {
            assert!(
                service_refusal(bad, ServiceManager::Systemd).is_some(),
                "{bad}"
            );
        }
        assert!(service_refusal("dbus.service", ServiceManager::Systemd).is_some());
        assert!(service_refusal("systemd-journald.service", ServiceManager::Systemd).is_some());
        assert!(service_refusal("RpcSs", ServiceManager::Scm).is_some());
        assert!(service_refusal("dovecot.service", ServiceManager::Systemd).is_none());
        assert!(service_refusal("NAVAPSVC", ServiceManager::Scm).is_none());
        assert!(package_refusal("-oDPkg::Pre-Invoke::=touch /tmp/x").is_some());
        assert!(package_refusal("nginx-core").is_none());
        assert!(package_refusal("libc6:amd64").is_none());
    }

    #[test]
    fn portsleuth_and_its_parent_are_never_targets() {
        let host = Host {
            scanned_by: Some(500),
            scanned_by_parent: Some(499),
            addresses: Vec::new(),
            ..Host::default()
        };
        assert!(refused_target(&process(500, "portsleuth"), &host)
            .expect("itself")
            .contains("itself"));
        assert!(refused_target(&process(499, "bash"), &host)
            .expect("parent")
            .contains("started PortSleuth"));
        assert!(refused_target(&process(600, "PoProxy.exe"), &host).is_none());
    }

    #[test]
    fn the_system_and_its_hosts_are_protected_and_ordinary_programs_are_not() {
        assert!(protected_reason(&process(4, "System")).is_some());
        assert!(protected_reason(&process(1, "systemd")).is_some());
        assert!(protected_reason(&process(812, "lsass.exe")).is_some());
        assert!(protected_reason(&process(900, "svchost.exe"))
            .expect("refused")
            .contains("one service"));
        assert!(protected_reason(&process(1234, "PoProxy.exe")).is_none());
        assert!(protected_reason(&process(1234, "nginx")).is_none());
        assert!(protected_reason(&process(2200, "explorer.exe"))
            .expect("refused")
            .contains("desktop session"));
        assert!(protected_reason(&process(2300, "gnome-shell")).is_some());
        let kthread = Process {
            pid: 77,
            parent: Some(2),
            exe: None,
            exe_name: "kworker/0:1".into(),
            ..Process::default()
        };
        assert!(protected_reason(&kthread).is_some());
    }
}
