//! A problem in a knowledge file, with where it is.

use serde::Serialize;
use std::fmt;
/// A problem in a knowledge file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KbError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for KbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for KbError {}
