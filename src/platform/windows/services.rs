//! Windows services from the Service Control Manager itself: one `EnumServicesStatusExW` for
//! names, states and PIDs (all services of a shared `svchost.exe` report its PID), then
//! `QueryServiceConfigW` per service for the start type, binary path and kind; and the two
//! service fixes, stop and disable.
//!
//! The row types and the number-to-word mappings are pure and compile everywhere; the calls
//! are Windows-only and go through `ffi`.

use crate::platform::windows::error::WinError;
use serde::{Serialize, Serializer};

/// One service, as PortSleuth shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    /// The key name (`W3SVC`): what `sc` and `net stop` take.
    pub name: String,
    pub display_name: String,
    pub state: ServiceState,
    /// The hosting process while it runs; shared by every service of one `svchost.exe`.
    pub pid: Option<u32>,
    /// `None` when the configuration could not be read (see `config_error`).
    pub start_type: Option<StartType>,
    pub kind: ServiceKind,
    /// The command line the SCM starts (`C:\Windows\system32\svchost.exe -k netsvcs -p`).
    pub binary_path: Option<String>,
    /// Services and `+groups` this one needs.
    pub dependencies: Vec<String>,
    /// The account it runs as (`LocalSystem`, `NT AUTHORITY\LocalService`, `.\svc-user`).
    pub account: Option<String>,
    /// Why the configuration is missing (usually access denied for a protected service).
    pub config_error: Option<WinError>,
}

/// `SERVICE_STATUS_PROCESS.dwCurrentState`, in the words PortSleuth's reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    Stopped,
    StartPending,
    StopPending,
    Running,
    ContinuePending,
    PausePending,
    Paused,
    Other(u32),
}

impl ServiceState {
    pub fn from_raw(state: u32) -> Self {
        match state {
            1 => Self::Stopped,
            2 => Self::StartPending,
            3 => Self::StopPending,
            4 => Self::Running,
            5 => Self::ContinuePending,
            6 => Self::PausePending,
            7 => Self::Paused,
            n => Self::Other(n),
        }
    }

    /// `running`, `stop pending`, …: the words the old `sc queryex` parser produced.
    pub fn words(self) -> String {
        match self {
            Self::Stopped => "stopped".into(),
            Self::StartPending => "start pending".into(),
            Self::StopPending => "stop pending".into(),
            Self::Running => "running".into(),
            Self::ContinuePending => "continue pending".into(),
            Self::PausePending => "pause pending".into(),
            Self::Paused => "paused".into(),
            Self::Other(n) => format!("state {n}"),
        }
    }
}

/// `dwStartType`, with `auto (delayed)` from `SERVICE_CONFIG_DELAYED_AUTO_START_INFO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartType {
    Boot,
    System,
    Auto,
    AutoDelayed,
    Manual,
    Disabled,
    Other(u32),
}

impl StartType {
    pub fn from_raw(start_type: u32, delayed: bool) -> Self {
        match start_type {
            0 => Self::Boot,
            1 => Self::System,
            2 if delayed => Self::AutoDelayed,
            2 => Self::Auto,
            3 => Self::Manual,
            4 => Self::Disabled,
            n => Self::Other(n),
        }
    }

    /// `auto`, `auto (delayed)`, `manual`, `disabled`, `boot`, `system`: the snapshot's words.
    pub fn words(self) -> String {
        match self {
            Self::Boot => "boot".into(),
            Self::System => "system".into(),
            Self::Auto => "auto".into(),
            Self::AutoDelayed => "auto (delayed)".into(),
            Self::Manual => "manual".into(),
            Self::Disabled => "disabled".into(),
            Self::Other(n) => format!("start type {n}"),
        }
    }
}

/// Whether the service has a process of its own or shares one (`svchost.exe -k group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    OwnProcess,
    SharedProcess,
    /// A per-user service (`SERVICE_USER_OWN_PROCESS`/`SHARE_PROCESS`, Windows 10 and later).
    UserOwnProcess,
    UserSharedProcess,
    Other(u32),
}

impl ServiceKind {
    pub fn from_raw(service_type: u32) -> Self {
        // SERVICE_WIN32_OWN_PROCESS 0x10, SERVICE_WIN32_SHARE_PROCESS 0x20, SERVICE_USER_SERVICE
        // 0x40; SERVICE_INTERACTIVE_PROCESS (0x100) and SERVICE_USERSERVICE_INSTANCE (0x80)
        // do not change where it runs.
        let user = service_type & 0x40 != 0;
        match (service_type & 0x30, user) {
            (0x10, false) => Self::OwnProcess,
            (0x20, false) => Self::SharedProcess,
            (0x10, true) => Self::UserOwnProcess,
            (0x20, true) => Self::UserSharedProcess,
            _ => Self::Other(service_type),
        }
    }

    pub fn words(self) -> String {
        match self {
            Self::OwnProcess => "own process".into(),
            Self::SharedProcess => "shared process".into(),
            Self::UserOwnProcess => "per-user own process".into(),
            Self::UserSharedProcess => "per-user shared process".into(),
            Self::Other(n) => format!("type 0x{n:x}"),
        }
    }
}

macro_rules! serialize_as_words {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.words())
            }
        }
    )*};
}
serialize_as_words!(ServiceState, StartType, ServiceKind);

impl Serialize for WinError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("kind", self.kind())?;
        map.serialize_entry("code", &self.code())?;
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

/// What [`stop_service`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStopped {
    pub name: String,
    /// The state before: `Stopped` means there was nothing to do.
    pub was: ServiceState,
    /// The process that hosted it, for checking afterwards that its ports are free.
    pub pid_before: Option<u32>,
    pub waited_ms: u128,
}

/// What [`disable_service`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceDisabled {
    pub name: String,
    /// The start type before, to say "was auto, now disabled" (and how to undo it).
    pub was: Option<StartType>,
}

/// How long to sleep between status polls: a tenth of the service's wait hint, as Microsoft's
/// own stop sample does, kept between 50 ms and 1 s and never past the deadline.
pub fn poll_interval(wait_hint_ms: u32, left: std::time::Duration) -> std::time::Duration {
    let hint = std::time::Duration::from_millis(u64::from(wait_hint_ms / 10));
    hint.clamp(
        std::time::Duration::from_millis(50),
        std::time::Duration::from_secs(1),
    )
    .min(left)
}

#[cfg(windows)]
mod os {
    use super::*;
    use crate::platform::windows::ffi;
    use std::time::{Duration, Instant};
    use windows_sys::Win32::System::Services::{
        SC_MANAGER_CONNECT, SC_MANAGER_ENUMERATE_SERVICE, SERVICE_CHANGE_CONFIG, SERVICE_DISABLED,
        SERVICE_ENUMERATE_DEPENDENTS, SERVICE_QUERY_CONFIG, SERVICE_QUERY_STATUS, SERVICE_STOP,
    };

    const ERROR_DEPENDENT_SERVICES_RUNNING: u32 = 1051;
    const ERROR_SERVICE_NOT_ACTIVE: u32 = 1062;

    fn scm(access: u32) -> Result<ffi::ScHandle, WinError> {
        ffi::open_sc_manager(access).map_err(|c| {
            WinError::from_os(
                "OpenSCManagerW",
                "the Service Control Manager",
                ffi::os_error(c),
            )
        })
    }

    fn open(scm: &ffi::ScHandle, name: &str, access: u32) -> Result<ffi::ScHandle, WinError> {
        ffi::open_service(scm, name, access).map_err(|c| {
            WinError::from_os("OpenServiceW", format!("service {name}"), ffi::os_error(c))
        })
    }

    /// Every Win32 service, running or not, sorted by name. A service whose configuration
    /// cannot be read is still listed, with `config_error` saying why.
    pub fn services() -> Result<Vec<ServiceRow>, WinError> {
        let scm = scm(SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE)?;
        let listed = ffi::enum_services(&scm).map_err(|c| {
            WinError::from_os(
                "EnumServicesStatusExW",
                "the Service Control Manager",
                ffi::os_error(c),
            )
        })?;
        let mut rows: Vec<ServiceRow> = listed
            .into_iter()
            .map(|s| {
                let config = open(&scm, &s.name, SERVICE_QUERY_CONFIG).and_then(|h| {
                    let config = ffi::query_service_config(&h).map_err(|c| {
                        WinError::from_os(
                            "QueryServiceConfigW",
                            format!("service {}", s.name),
                            ffi::os_error(c),
                        )
                    })?;
                    // Only automatic services can be delayed; an older SCM without the
                    // information level (or Wine) just means "not delayed".
                    let delayed = config.start_type == 2
                        && ffi::query_delayed_auto_start(&h).unwrap_or(false);
                    Ok((config, delayed))
                });
                let (config, config_error) = match config {
                    Ok(c) => (Some(c), None),
                    Err(e) => (None, Some(e)),
                };
                // Windows names a service created without a display name by its key name;
                // some service managers (Wine's) leave it empty instead.
                let display_name = if s.display_name.is_empty() {
                    s.name.clone()
                } else {
                    s.display_name
                };
                ServiceRow {
                    display_name,
                    state: ServiceState::from_raw(s.status.current_state),
                    pid: Some(s.status.process_id).filter(|&p| p != 0),
                    start_type: config
                        .as_ref()
                        .map(|(c, d)| StartType::from_raw(c.start_type, *d)),
                    kind: ServiceKind::from_raw(s.status.service_type),
                    binary_path: config
                        .as_ref()
                        .map(|(c, _)| c.binary_path.clone())
                        .filter(|p| !p.is_empty()),
                    dependencies: config
                        .as_ref()
                        .map(|(c, _)| c.dependencies.clone())
                        .unwrap_or_default(),
                    account: config
                        .as_ref()
                        .map(|(c, _)| c.start_name.clone())
                        .filter(|a| !a.is_empty()),
                    config_error,
                    name: s.name,
                }
            })
            .collect();
        rows.sort_by_key(|r| r.name.to_lowercase());
        Ok(rows)
    }

    /// Stops the service and waits up to `timeout` for `SERVICE_STOPPED`.
    ///
    /// Refuses (doing nothing) while other active services depend on it: the SCM would refuse
    /// the stop anyway (`ERROR_DEPENDENT_SERVICES_RUNNING`), and stopping them too would take
    /// down services the technician never confirmed. The error names them, so the fix can
    /// offer them as their own, confirmed actions.
    pub fn stop_service(name: &str, timeout: Duration) -> Result<ServiceStopped, WinError> {
        let scm = scm(SC_MANAGER_CONNECT)?;
        let service = open(
            &scm,
            name,
            SERVICE_STOP | SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS,
        )?;
        let status_of = |h: &ffi::ScHandle| {
            ffi::query_service_status(h).map_err(|c| {
                WinError::from_os(
                    "QueryServiceStatusEx",
                    format!("service {name}"),
                    ffi::os_error(c),
                )
            })
        };
        let before = status_of(&service)?;
        let was = ServiceState::from_raw(before.current_state);
        let pid_before = Some(before.process_id).filter(|&p| p != 0);
        let stopped = |waited_ms| ServiceStopped {
            name: name.to_owned(),
            was,
            pid_before,
            waited_ms,
        };
        if was == ServiceState::Stopped {
            return Ok(stopped(0));
        }
        let dependents = running_dependents(&service, name)?;
        if !dependents.is_empty() {
            return Err(WinError::DependentsRunning {
                service: name.to_owned(),
                dependents,
            });
        }
        let started = Instant::now();
        match ffi::control_stop(&service) {
            Ok(_) => {}
            Err(ERROR_SERVICE_NOT_ACTIVE) => return Ok(stopped(0)),
            Err(ERROR_DEPENDENT_SERVICES_RUNNING) => {
                // A dependent started between the check and the stop.
                return Err(WinError::DependentsRunning {
                    service: name.to_owned(),
                    dependents: running_dependents(&service, name)?,
                });
            }
            Err(c) => {
                return Err(WinError::from_os(
                    "ControlService(SERVICE_CONTROL_STOP)",
                    format!("service {name}"),
                    ffi::os_error(c),
                ))
            }
        }
        loop {
            let now = status_of(&service)?;
            let state = ServiceState::from_raw(now.current_state);
            if state == ServiceState::Stopped {
                return Ok(stopped(started.elapsed().as_millis()));
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(WinError::Timeout {
                    what: format!("stopping service {name}"),
                    waited_ms: elapsed.as_millis(),
                    state: state.words(),
                });
            }
            std::thread::sleep(poll_interval(now.wait_hint_ms, timeout - elapsed));
        }
    }

    fn running_dependents(service: &ffi::ScHandle, name: &str) -> Result<Vec<String>, WinError> {
        let mut names: Vec<String> = ffi::active_dependents(service)
            .map_err(|c| {
                WinError::from_os(
                    "EnumDependentServicesW",
                    format!("service {name}"),
                    ffi::os_error(c),
                )
            })?
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        Ok(names)
    }

    /// Sets the start type to disabled, so nothing starts the service again; it does not stop
    /// a running one (that is [`stop_service`], a separate, confirmed action).
    pub fn disable_service(name: &str) -> Result<ServiceDisabled, WinError> {
        let scm = scm(SC_MANAGER_CONNECT)?;
        let service = open(&scm, name, SERVICE_CHANGE_CONFIG | SERVICE_QUERY_CONFIG)?;
        let was = ffi::query_service_config(&service).ok().map(|c| {
            let delayed =
                c.start_type == 2 && ffi::query_delayed_auto_start(&service).unwrap_or(false);
            StartType::from_raw(c.start_type, delayed)
        });
        ffi::change_start_type(&service, SERVICE_DISABLED).map_err(|c| {
            WinError::from_os(
                "ChangeServiceConfigW",
                format!("service {name}"),
                ffi::os_error(c),
            )
        })?;
        Ok(ServiceDisabled {
            name: name.to_owned(),
            was,
        })
    }
}

#[cfg(windows)]
pub use os::{disable_service, services, stop_service};

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn states_and_start_types_read_as_the_old_sc_parser_worded_them() {
        assert_eq!(ServiceState::from_raw(4).words(), "running");
        assert_eq!(ServiceState::from_raw(3).words(), "stop pending");
        assert_eq!(StartType::from_raw(2, true).words(), "auto (delayed)");
        assert_eq!(StartType::from_raw(2, false).words(), "auto");
        assert_eq!(
            StartType::from_raw(3, true).words(),
            "manual",
            "only auto can be delayed"
        );
        assert_eq!(StartType::from_raw(4, false).words(), "disabled");
        assert_eq!(StartType::from_raw(0, false).words(), "boot");
    }

    #[test]
    fn service_kinds_tell_own_from_shared_processes() {
        assert_eq!(ServiceKind::from_raw(0x10), ServiceKind::OwnProcess);
        assert_eq!(ServiceKind::from_raw(0x20), ServiceKind::SharedProcess);
        assert_eq!(
            ServiceKind::from_raw(0x110),
            ServiceKind::OwnProcess,
            "interactive"
        );
        assert_eq!(ServiceKind::from_raw(0x60), ServiceKind::UserSharedProcess);
        assert_eq!(
            ServiceKind::from_raw(0xE0),
            ServiceKind::UserSharedProcess,
            "instance"
        );
        assert_eq!(
            ServiceKind::from_raw(0x1),
            ServiceKind::Other(1),
            "a driver"
        );
    }

    #[test]
    fn rows_serialize_in_words() {
        let row = ServiceRow {
            name: "PoProxy".into(),
            display_name: "Norton POP3 Proxy".into(),
            state: ServiceState::Running,
            pid: Some(4711),
            start_type: Some(StartType::AutoDelayed),
            kind: ServiceKind::OwnProcess,
            binary_path: None,
            dependencies: vec![],
            account: None,
            config_error: None,
        };
        let json = serde_json::to_value(&row).expect("serializes");
        assert_eq!(json["state"], "running");
        assert_eq!(json["start_type"], "auto (delayed)");
        assert_eq!(json["kind"], "own process");
    }

    #[test]
    fn polls_follow_the_wait_hint_within_bounds() {
        let long = Duration::from_secs(30);
        assert_eq!(poll_interval(0, long), Duration::from_millis(50));
        assert_eq!(poll_interval(3_000, long), Duration::from_millis(300));
        assert_eq!(poll_interval(60_000, long), Duration::from_secs(1));
        assert_eq!(
            poll_interval(3_000, Duration::from_millis(20)),
            Duration::from_millis(20)
        );
    }
}
