//! What can go wrong, with its meaning kept, and the exit code each means.

use std::process::ExitCode;

/// Exit codes are a contract with scripts: each means one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It ran (a diagnosis of `unknown` included), or a fix was done and verified.
    Ok = 0,
    /// It ran and found a problem it was asked to check: `kb check` found broken entries, or a
    /// fix ran but the re-scan shows the problem remains.
    ProblemFound = 1,
    /// Bad usage, unreadable input, or a refusal (nothing was changed).
    Refused = 2,
    /// `fix --rule`: this machine's fresh diagnosis does not show that cause; nothing to do.
    NotApplicable = 3,
    /// It could not do its work: a file could not be written, the machine could not be
    /// scanned, or PortSleuth itself failed.
    Failure = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The request cannot be carried out as given (a flag, a missing argument).
    #[error("{0}")]
    Usage(String),
    /// What was given to read cannot be used: empty, binary, missing, malformed, hostile.
    #[error("{0}")]
    Input(String),
    /// Writing a file failed; nothing half-written was left.
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    /// The machine could not be scanned.
    #[error(transparent)]
    Scan(#[from] crate::platform::ScanError),
    /// A worker or PortSleuth itself failed.
    #[error("{0}")]
    Internal(String),
}

impl SessionError {
    pub fn exit(&self) -> Exit {
        match self {
            SessionError::Usage(_) | SessionError::Input(_) => Exit::Refused,
            SessionError::Write { .. } | SessionError::Scan(_) | SessionError::Internal(_) => {
                Exit::Failure
            }
        }
    }
}
