//! Processes PortSleuth never offers to stop or uninstall, and why.
//!
//! Killing the wrong process is what users of kill-by-port tools complain about most. This list
//! is applied when actions are planned (so the button is never shown) and again, by the fix
//! code, right before anything runs. Pure: it judges a snapshot row, it does not look.

use super::kb::strip_exe;
use super::snapshot::Process;

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
