//! Acting on the machine: stopping a process, stopping or disabling a service (on Windows through
//! the Service Control Manager, elsewhere with the service manager's command), running an
//! uninstaller or package manager, opening a web page. The only code that changes anything; it is called after the
//! target was re-checked (`engine::fixing::check_target`) and confirmed.

use super::runner::{self, RunError};
use crate::engine::diagnose::Connection;
use std::time::Duration;

/// Why an action could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error("cannot open PID {pid}: {reason}")]
    CannotOpen { pid: u32, reason: String },
    #[error("PID {pid} changed while it was being stopped; nothing was signalled")]
    Changed { pid: u32 },
    #[error("stopping PID {pid} needs administrator rights: run the same command as administrator (Windows) or with sudo")]
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

/// What the target of a stop was when it was checked: the stop refuses a process that differs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Seconds since the Unix epoch, as the scan recorded it.
    pub start_time: Option<u64>,
    /// The executable's full path, as the scan recorded it.
    pub exe: Option<String>,
}

/// One step of a fix: a program run with its arguments (no shell), or — on Windows — a call to
/// the Service Control Manager or `CreateProcessW`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A service or package manager's command (`systemctl stop -- x.service`).
    Run(Vec<String>),
    /// Windows: `ControlService(SERVICE_CONTROL_STOP)`, then wait for `SERVICE_STOPPED`.
    StopService(String),
    /// Windows: `ChangeServiceConfigW` with the start type `disabled`.
    DisableService(String),
    /// An uninstaller from its argument vector: on Windows started with `CreateProcessW`, the
    /// program taken by full path (or `msiexec.exe` from System32), never through `cmd /C`.
    Uninstaller(Vec<String>),
    /// Resets one TCP connection: on Windows `SetTcpEntry` with `MIB_TCP_STATE_DELETE_TCB`, on
    /// Linux the kernel's socket destroy through `ss -K` (no shell). Its ends are addresses
    /// the fresh scan showed, checked as IP addresses.
    CloseConnection(Connection),
}

/// How long a service gets to reach the stopped state.
pub const SERVICE_STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long PortSleuth waits for an uninstaller before it re-scans (interactive ones may ask).
pub const UNINSTALLER_WAIT: Duration = Duration::from_secs(30 * 60);

impl Command {
    /// The step in words, for previews and records: the exact command, or the call in plain
    /// words.
    pub fn describe(&self) -> String {
        match self {
            Command::Run(argv) => argv.join(" "),
            Command::StopService(name) => format!(
                "ask the Service Control Manager to stop service {name} (ControlService), then wait up to {} s until it reports stopped",
                SERVICE_STOP_TIMEOUT.as_secs()
            ),
            Command::DisableService(name) => format!(
                "set the start type of service {name} to disabled (ChangeServiceConfig)"
            ),
            Command::Uninstaller(argv) if cfg!(windows) => format!(
                "{} (started directly with CreateProcess, no shell)",
                argv.join(" ")
            ),
            Command::Uninstaller(argv) => argv.join(" "),
            Command::CloseConnection(c) if cfg!(windows) => format!(
                "SetTcpEntry(MIB_TCPROW {{ state: MIB_TCP_STATE_DELETE_TCB, {c} }})"
            ),
            Command::CloseConnection(c) => close_connection_argv(c)
                .map_or_else(|e| format!("close {c}: {e}"), |argv| argv.join(" ")),
        }
    }
}

/// `ss -K` with the connection's four values as separate arguments: Linux's socket destroy
/// (`SOCK_DESTROY`, root), for exactly one TCP connection. `Err` when an end is not an IP
/// address: nothing else ever reaches the command line.
pub fn close_connection_argv(c: &Connection) -> Result<Vec<String>, String> {
    let ip = |addr: &str| {
        addr.parse::<std::net::IpAddr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("{addr:?} is not an IP address"))
    };
    Ok([
        "ss".to_owned(),
        "-K".into(),
        "-t".into(),
        "-n".into(),
        "src".into(),
        ip(&c.local_addr)?,
        "sport".into(),
        "=".into(),
        c.local_port.to_string(),
        "dst".into(),
        ip(&c.remote_addr)?,
        "dport".into(),
        "=".into(),
        c.remote_port.to_string(),
    ]
    .into())
}

/// Carries out one step on this machine and says what happened.
pub fn perform(command: &Command) -> Result<String, String> {
    match command {
        Command::Run(argv) => run_argv(argv),
        #[cfg(windows)]
        Command::StopService(name) => {
            super::windows::services::stop_service(name, SERVICE_STOP_TIMEOUT)
                .map(|s| {
                    if s.was == super::windows::services::ServiceState::Stopped {
                        format!("service {name} was already stopped")
                    } else {
                        format!(
                            "service {name} stopped after {} ms (it was {})",
                            s.waited_ms,
                            s.was.words()
                        )
                    }
                })
                .map_err(|e| e.to_string())
        }
        #[cfg(windows)]
        Command::DisableService(name) => super::windows::services::disable_service(name)
            .map(|d| {
                let was = d.was.map_or_else(|| "unknown".to_owned(), |w| w.words());
                format!("service {name} disabled (its start type was {was})")
            })
            .map_err(|e| e.to_string()),
        #[cfg(windows)]
        Command::Uninstaller(argv) => {
            super::windows::process::run_uninstaller(argv, UNINSTALLER_WAIT)
                .map_err(|e| e.to_string())
                .and_then(|run| match run.exit_code {
                    // 3010: done, a restart completes it (Windows Installer).
                    Some(0 | 3010) => Ok(format!("the uninstaller ({}) finished", run.program)),
                    Some(code) => Err(format!("the uninstaller ({}) exited with code {code}", run.program)),
                    None => Ok(format!(
                        "the uninstaller ({}, PID {}) is still running after {} minutes; the re-scan shows what it changed so far",
                        run.program,
                        run.pid,
                        UNINSTALLER_WAIT.as_secs() / 60
                    )),
                })
        }
        #[cfg(not(windows))]
        Command::Uninstaller(argv) => run_argv(argv),
        #[cfg(windows)]
        Command::CloseConnection(c) => super::windows::close_connection(c)
            .map(|()| format!("Windows accepted the reset of {c}"))
            .map_err(|e| e.to_string()),
        #[cfg(target_os = "linux")]
        Command::CloseConnection(c) => {
            run_argv(&close_connection_argv(c)?).map(|_| format!("the kernel was asked to destroy {c}"))
        }
        #[cfg(not(any(windows, target_os = "linux")))]
        Command::CloseConnection(c) => Err(format!(
            "closing {c}: this system offers no call to close another program's connection; stop the program instead"
        )),
        #[cfg(not(windows))]
        Command::StopService(_) | Command::DisableService(_) => Err(format!(
            "{}: the Service Control Manager exists on Windows only",
            command.describe()
        )),
    }
}

fn run_argv(argv: &[String]) -> Result<String, String> {
    runner::run_argv(argv)
        .map(|o| format!("{}{}", o.stdout, o.stderr).trim().to_owned())
        .map_err(|e| e.to_string())
}

/// The calls [`stop_process`] makes, in words, for previews and records.
pub fn stop_process_commands(pid: u32, timeout: Duration) -> Vec<String> {
    let secs = timeout.as_secs_f32();
    if cfg!(windows) {
        vec![
            format!("open a handle to PID {pid} (OpenProcess) and check on it that the process has the start time and executable that were checked"),
            "ask it to close: WM_CLOSE to its top-level windows (a console program or a service has none)".to_owned(),
            format!("after {secs:.0} s, if still running: TerminateProcess on the same handle"),
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
    _expected: &Expected,
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

/// Windows: the process handle pins it, as the pidfd does on Linux. The handle is opened
/// first; start time and executable are checked on it against `expected` (what the fresh scan
/// recorded); the close request, the wait and `TerminateProcess` all go through it.
#[cfg(windows)]
pub fn stop_process(
    pid: u32,
    expected: &Expected,
    timeout: Duration,
    _still_same: &dyn Fn() -> bool,
) -> Result<Stopped, ActError> {
    use super::windows::process::{self, Stopped as WinStopped};
    use super::windows::WinError;
    let (Some(start_time), Some(exe)) = (expected.start_time, expected.exe.as_deref()) else {
        return Err(ActError::CannotOpen {
            pid,
            reason:
                "its start time or executable was not read, so it cannot be checked on its handle"
                    .into(),
        });
    };
    match process::stop_process(pid, start_time, exe, timeout) {
        Ok(outcome) => Ok(match outcome.stopped {
            WinStopped::Gracefully | WinStopped::AlreadyExited => Stopped::Gracefully,
            WinStopped::Forced => Stopped::Forced,
        }),
        Err(WinError::ProcessChanged { .. }) => Err(ActError::Changed { pid }),
        Err(WinError::AccessDenied { .. }) => Err(ActError::Denied { pid }),
        Err(e @ WinError::NotFound { .. }) => Err(ActError::CannotOpen {
            pid,
            reason: e.to_string(),
        }),
        Err(WinError::Timeout { .. }) => Err(ActError::Survived { pid }),
        Err(e) => Err(ActError::Signal {
            pid,
            reason: e.to_string(),
        }),
    }
}

#[cfg(not(any(target_os = "linux", windows)))]
pub fn stop_process(
    pid: u32,
    _expected: &Expected,
    timeout: Duration,
    still_same: &dyn Fn() -> bool,
) -> Result<Stopped, ActError> {
    if !still_same() {
        return Err(ActError::Changed { pid });
    }
    let polite: Vec<String> = vec!["kill".into(), "-TERM".into(), pid.to_string()];
    let force: Vec<String> = vec!["kill".into(), "-KILL".into(), pid.to_string()];
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

#[cfg(not(any(target_os = "linux", windows)))]
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
