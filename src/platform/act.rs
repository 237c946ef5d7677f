//! Acting on the machine: stopping a process, running a service manager or package manager
//! command, opening a web page. The only code that changes anything; it is called after the
//! target was re-checked (`engine::fixing::check_target`) and confirmed.

use super::runner::{self, RunError};
use std::time::Duration;

/// Why an action could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error("cannot open PID {pid}: {reason}")]
    CannotOpen { pid: u32, reason: String },
    #[error("PID {pid} changed while it was being stopped; nothing was signalled")]
    Changed { pid: u32 },
    #[error("stopping PID {pid} needs administrator rights: run the same command with sudo")]
    Denied { pid: u32 },
    #[error("cannot signal PID {pid}: {reason}")]
    Signal { pid: u32, reason: String },
    #[error("PID {pid} did not exit even when forced")]
    Survived { pid: u32 },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{0}")]
    Elevate(String),
}

/// How a process was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It exited after the polite request (SIGTERM / close request).
    Gracefully,
    /// It ignored the request and was killed after the timeout.
    Forced,
}

/// The calls [`stop_process`] makes, in words, for previews and records.
pub fn stop_process_commands(pid: u32, timeout: Duration) -> Vec<String> {
    let secs = timeout.as_secs_f32();
    if cfg!(windows) {
        vec![
            format!("taskkill /PID {pid}"),
            format!("after {secs:.0} s, if still running: taskkill /PID {pid} /F"),
        ]
    } else if cfg!(target_os = "linux") {
        vec![
            format!("pidfd_send_signal(PID {pid}, SIGTERM)"),
            format!("after {secs:.0} s, if still running: pidfd_send_signal(PID {pid}, SIGKILL)"),
        ]
    } else {
        vec![
            format!("kill -TERM {pid}"),
            format!("after {secs:.0} s, if still running: kill -KILL {pid}"),
        ]
    }
}

/// Stops `pid`, politely first, by force after `timeout`. `still_same` is asked once the
/// process is pinned (on Linux, after its pidfd is open) whether it is still the planned one,
/// so a PID reused in between is never signalled.
#[cfg(target_os = "linux")]
pub fn stop_process(
    pid: u32,
    timeout: Duration,
    still_same: &dyn Fn() -> bool,
) -> Result<Stopped, ActError> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};
    let cannot_open = |reason: String| ActError::CannotOpen { pid, reason };
    let raw = i32::try_from(pid).map_err(|_| cannot_open("out of range".into()))?;
    let pid_t = Pid::from_raw(raw).ok_or_else(|| cannot_open("not a process".into()))?;
    let fd = pidfd_open(pid_t, PidfdFlags::empty()).map_err(|e| cannot_open(e.to_string()))?;
    if !still_same() {
        return Err(ActError::Changed { pid });
    }
    let exited_within = |d: Duration| -> bool {
        let ts = Timespec {
            tv_sec: d.as_secs() as _,
            tv_nsec: d.subsec_nanos() as _,
        };
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        matches!(poll(&mut fds, Some(&ts)), Ok(n) if n > 0)
    };
    pidfd_send_signal(&fd, Signal::TERM)
        .map_err(|e| denied(pid, e.raw_os_error(), e.to_string()))?;
    if exited_within(timeout) {
        return Ok(Stopped::Gracefully);
    }
    pidfd_send_signal(&fd, Signal::KILL)
        .map_err(|e| denied(pid, e.raw_os_error(), e.to_string()))?;
    if exited_within(Duration::from_secs(5)) {
        Ok(Stopped::Forced)
    } else {
        Err(ActError::Survived { pid })
    }
}

#[cfg(target_os = "linux")]
fn denied(pid: u32, errno: i32, reason: String) -> ActError {
    if errno == 1 {
        ActError::Denied { pid }
    } else {
        ActError::Signal { pid, reason }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn stop_process(
    pid: u32,
    timeout: Duration,
    still_same: &dyn Fn() -> bool,
) -> Result<Stopped, ActError> {
    if !still_same() {
        return Err(ActError::Changed { pid });
    }
    let (polite, force): (Vec<String>, Vec<String>) = if cfg!(windows) {
        (
            vec!["taskkill".into(), "/PID".into(), pid.to_string()],
            vec![
                "taskkill".into(),
                "/PID".into(),
                pid.to_string(),
                "/F".into(),
            ],
        )
    } else {
        (
            vec!["kill".into(), "-TERM".into(), pid.to_string()],
            vec!["kill".into(), "-KILL".into(), pid.to_string()],
        )
    };
    let _ = runner::run_argv(&polite);
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if !alive(pid) {
            return Ok(Stopped::Gracefully);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    runner::run_argv(&force)?;
    std::thread::sleep(Duration::from_millis(500));
    if alive(pid) {
        Err(ActError::Survived { pid })
    } else {
        Ok(Stopped::Forced)
    }
}

#[cfg(not(target_os = "linux"))]
fn alive(pid: u32) -> bool {
    let mut system = match sysinfo::System::new() {
        Ok(s) => s,
        Err(_) => return false,
    };
    let p = sysinfo::Pid::from_u32(pid);
    system.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[p]), true);
    system.process(p).is_some()
}

/// Starts `exe args` again with administrator rights (Windows: the UAC prompt). Returns once
/// the new process started; the caller then closes.
pub fn start_elevated(exe: &std::path::Path, args: &[String]) -> Result<(), ActError> {
    if !cfg!(windows) {
        return Err(ActError::Elevate(
            "start PortSleuth with sudo to run it as root".into(),
        ));
    }
    // PowerShell single quotes take everything literally but a doubled quote; each argument is
    // also wrapped in double quotes for the new process's command line.
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let arg_list = args
        .iter()
        .map(|a| quote(&format!("\"{a}\"")))
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        "Start-Process -FilePath {} -Verb RunAs -ArgumentList {arg_list}",
        quote(&exe.display().to_string())
    );
    runner::run_argv(&[
        "powershell".into(),
        "-NoProfile".into(),
        "-NonInteractive".into(),
        "-Command".into(),
        script,
    ])
    .map(|_| ())
    .map_err(ActError::from)
}

/// The command that opens a web page in the user's browser.
pub fn open_url_command(url: &str) -> Vec<String> {
    if cfg!(windows) {
        vec![
            "rundll32".into(),
            "url.dll,FileProtocolHandler".into(),
            url.into(),
        ]
    } else if cfg!(target_os = "macos") {
        vec!["open".into(), url.into()]
    } else {
        vec!["xdg-open".into(), url.into()]
    }
}
