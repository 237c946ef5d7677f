//! Processes and the host, through `sysinfo`, on every OS.

use crate::engine::snapshot::{Host, Process, Warning};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

/// Reads the given processes. A process that vanished or cannot be read keeps what is known.
pub fn read(pids: &[u32], warnings: &mut Vec<Warning>) -> Vec<Process> {
    if pids.is_empty() {
        return Vec::new();
    }
    let mut system = match System::new() {
        Ok(system) => system,
        Err(e) => {
            warnings.push(Warning {
                what: format!("processes could not be read: {e}"),
                remedy: None,
            });
            return Vec::new();
        }
    };
    let wanted: Vec<Pid> = pids.iter().map(|&p| Pid::from_u32(p)).collect();
    let kind = ProcessRefreshKind::nothing()
        .with_exe(UpdateKind::OnlyIfNotSet)
        .with_cmd(UpdateKind::OnlyIfNotSet)
        .with_user(UpdateKind::OnlyIfNotSet);
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&wanted), true, kind);
    let users = Users::new_with_refreshed_list().ok();
    let mut out = Vec::new();
    let mut no_exe = 0;
    for &pid in pids {
        let Some(p) = system.process(Pid::from_u32(pid)) else {
            continue;
        };
        let name = p.name().to_string_lossy().into_owned();
        let exe = p
            .exe()
            .map(|e| e.display().to_string())
            .filter(|e| !e.is_empty());
        if exe.is_none() && pid > 4 {
            no_exe += 1;
        }
        // Linux cuts names to 15 characters (`PoProxyServiceH`); the executable's file name is
        // what people and the catalogue know.
        let exe_name = p
            .exe()
            .and_then(|e| e.file_name())
            .map(|n| {
                n.to_string_lossy()
                    .trim_end_matches(" (deleted)")
                    .to_owned()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| name.clone());
        #[allow(unused_mut)] // Windows completes it from the process handle.
        let mut process = Process {
            pid,
            parent: p.parent().map(|pp| pp.as_u32()),
            name,
            exe_name,
            exe,
            cmd: p
                .cmd()
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect(),
            user: p
                .user_id()
                .and_then(|uid| users.as_ref()?.get_user_by_id(uid))
                .map(|u| u.name().to_owned()),
            start_time: p.start_time(),
            services: Vec::new(),
            product: None,
            version_info: None,
        };
        #[cfg(windows)]
        super::windows::scan::complete_process(&mut process);
        out.push(process);
    }
    if no_exe > 0 {
        warnings.push(Warning {
            what: format!(
                "the executable path of {no_exe} socket-holding processes could not be read"
            ),
            remedy: Some(
                "Run PortSleuth elevated (administrator / sudo) to read other users' processes."
                    .into(),
            ),
        });
    }
    out
}

/// The addresses of this machine's interfaces (loopback included), in a stable order.
fn addresses() -> Vec<String> {
    let Ok(networks) = sysinfo::Networks::new_with_refreshed_list() else {
        return Vec::new();
    };
    let mut out: Vec<String> = networks
        .values()
        .flat_map(|n| n.ip_networks().iter().map(|ip| ip.addr.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn host() -> Host {
    Host {
        hostname: System::host_name().unwrap_or_default(),
        os: System::name().unwrap_or_else(|_| std::env::consts::OS.to_owned()),
        os_version: System::os_version().unwrap_or_default(),
        elevated: super::os::is_elevated(),
        user: std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default(),
        addresses: addresses(),
        scanned_by: Some(std::process::id()),
        scanned_by_parent: sysinfo::get_current_pid()
            .ok()
            .and_then(|me| {
                let mut system = System::new().ok()?;
                system.refresh_processes(ProcessesToUpdate::Some(&[me]), true);
                system.process(me)?.parent()
            })
            .map(Pid::as_u32),
    }
}
