//! The one error type of the Windows layer. It keeps what a technician needs to act on: which
//! call failed on what, whether that was "access denied" (run as administrator) or "not found"
//! (the process exited, the service was removed), and Windows' own error number and text.
//!
//! Pure data: the text of an error number is looked up by the caller (`ffi::os_error`), so this
//! module compiles and is tested on every OS.

use std::fmt;

/// A Win32 error number with the text `FormatMessageW` gives for it (in the user's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsError {
    pub code: u32,
    pub message: String,
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "Win32 error {}", self.code)
        } else {
            write!(f, "Win32 error {}: {}", self.code, self.message)
        }
    }
}

/// `ERROR_FILE_NOT_FOUND`, `ERROR_PATH_NOT_FOUND`, `ERROR_INVALID_PARAMETER` (what `OpenProcess`
/// says for a PID that is not running), `ERROR_SERVICE_DOES_NOT_EXIST`, `ERROR_NOT_FOUND`.
const NOT_FOUND_CODES: [u32; 4] = [2, 3, 1060, 1168];
pub const ERROR_ACCESS_DENIED: u32 = 5;
pub const ERROR_INVALID_PARAMETER: u32 = 87;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WinError {
    /// The caller lacks the right: elevation (or the service's own ACL) would let it.
    #[error("{call} on {target}: access denied ({os}); run PortSleuth as administrator")]
    AccessDenied {
        call: &'static str,
        target: String,
        os: OsError,
    },
    /// The target is gone: the process exited, the service or key does not exist.
    #[error("{call} on {target}: not found ({os})")]
    NotFound {
        call: &'static str,
        target: String,
        os: OsError,
    },
    /// Any other failure of a Windows call.
    #[error("{call} on {target} failed ({os})")]
    Os {
        call: &'static str,
        target: String,
        os: OsError,
    },
    /// The PID now names another process than the one that was checked (PID reuse), or the
    /// process changed its image: nothing was done to it.
    #[error("PID {pid} is not the process that was checked ({why}); nothing was done")]
    ProcessChanged { pid: u32, why: String },
    /// Stopping the service would fail or take others down with it.
    #[error(
        "service {service} has running dependent services ({}); stop them first (nothing was done)",
        .dependents.join(", ")
    )]
    DependentsRunning {
        service: String,
        dependents: Vec<String>,
    },
    /// A wait ran out: the service or process did not reach the state in time.
    #[error("{what} did not finish within {waited_ms} ms (last state: {state})")]
    Timeout {
        what: String,
        waited_ms: u128,
        state: String,
    },
    /// The request itself is unusable (an empty command, a product code that is no GUID).
    #[error("{0}")]
    Invalid(String),
}

impl WinError {
    /// Classifies a failed call by its error number: access denied and not found are kept
    /// apart from the rest, since they call for different remedies.
    pub fn from_os(call: &'static str, target: impl Into<String>, os: OsError) -> Self {
        let target = target.into();
        if os.code == ERROR_ACCESS_DENIED {
            WinError::AccessDenied { call, target, os }
        } else if NOT_FOUND_CODES.contains(&os.code) {
            WinError::NotFound { call, target, os }
        } else {
            WinError::Os { call, target, os }
        }
    }

    /// `OpenProcess` answers `ERROR_INVALID_PARAMETER` for a PID that no process has.
    pub fn from_open_process(pid: u32, os: OsError) -> Self {
        let target = format!("PID {pid}");
        if os.code == ERROR_INVALID_PARAMETER {
            WinError::NotFound {
                call: "OpenProcess",
                target,
                os,
            }
        } else {
            Self::from_os("OpenProcess", target, os)
        }
    }

    /// The Win32 error number, when a Windows call failed.
    pub fn code(&self) -> Option<u32> {
        match self {
            WinError::AccessDenied { os, .. }
            | WinError::NotFound { os, .. }
            | WinError::Os { os, .. } => Some(os.code),
            _ => None,
        }
    }

    pub fn is_access_denied(&self) -> bool {
        matches!(self, WinError::AccessDenied { .. })
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, WinError::NotFound { .. })
    }

    /// A short machine-readable kind, for JSON and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            WinError::AccessDenied { .. } => "access_denied",
            WinError::NotFound { .. } => "not_found",
            WinError::Os { .. } => "os",
            WinError::ProcessChanged { .. } => "process_changed",
            WinError::DependentsRunning { .. } => "dependents_running",
            WinError::Timeout { .. } => "timeout",
            WinError::Invalid(_) => "invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(code: u32, message: &str) -> OsError {
        OsError {
            code,
            message: message.into(),
        }
    }

    #[test]
    fn access_denied_is_not_reported_as_not_found() {
        let denied = WinError::from_os("OpenServiceW", "W3SVC", os(5, "Access is denied."));
        assert!(denied.is_access_denied());
        assert!(!denied.is_not_found());
        assert_eq!(denied.code(), Some(5));
        assert_eq!(
            denied.to_string(),
            "OpenServiceW on W3SVC: access denied (Win32 error 5: Access is denied.); run PortSleuth as administrator"
        );
        let missing = WinError::from_os(
            "OpenServiceW",
            "Nope",
            os(
                1060,
                "The specified service does not exist as an installed service.",
            ),
        );
        assert!(missing.is_not_found());
    }

    #[test]
    fn a_pid_that_is_not_running_is_not_found_not_a_bad_parameter() {
        let gone = WinError::from_open_process(4711, os(87, "The parameter is incorrect."));
        assert!(gone.is_not_found());
        assert!(gone.to_string().contains("PID 4711"));
        // Elsewhere 87 is a real invalid parameter.
        assert_eq!(
            WinError::from_os("ControlService", "x", os(87, "")).kind(),
            "os"
        );
    }

    #[test]
    fn refusals_name_what_blocks_them() {
        let e = WinError::DependentsRunning {
            service: "WAS".into(),
            dependents: vec!["W3SVC".into(), "WMSVC".into()],
        };
        assert_eq!(
            e.to_string(),
            "service WAS has running dependent services (W3SVC, WMSVC); stop them first (nothing was done)"
        );
        assert_eq!(e.code(), None);
    }
}
