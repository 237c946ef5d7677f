//! Reading what the user gave: the error text (a file, the command line, standard input, a
//! paste), a snapshot taken elsewhere, or a saved report. Everything is size-checked and
//! decoded first; what cannot be used is refused with one line that says why.

use super::files::{read_file_limited, read_limited, MAX_INPUT};
use super::SessionError;
use crate::engine::snapshot::{Snapshot, SNAPSHOT_SCHEMA};
use crate::engine::text::{decode_input, Decoded};
use crate::report::{Report, REPORT_SCHEMA};
use std::path::Path;

/// The error text as read, with a note when it had to be decoded specially or was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputText {
    pub text: String,
    pub note: Option<String>,
}

/// Where the error text comes from.
#[derive(Debug, Clone, Copy)]
pub enum TextFrom<'a> {
    File(&'a Path),
    Text(&'a str),
    Stdin,
}

/// Reads the error text from wherever the user pointed, as text.
pub fn read_text(from: TextFrom<'_>) -> Result<InputText, SessionError> {
    let (bytes, more) = match from {
        TextFrom::File(path) => read_file_limited(path)?,
        TextFrom::Text(t) => (t.as_bytes().to_vec(), false),
        TextFrom::Stdin => read_limited(std::io::stdin().lock())
            .map_err(|e| SessionError::Input(format!("cannot read standard input: {e}")))?,
    };
    text_from_owned(bytes, more)
}

/// Decodes bytes the user handed over (a dropped file, a paste) as error text.
pub fn text_from_bytes(bytes: &[u8], more: bool) -> Result<InputText, SessionError> {
    text_from_owned(bytes.to_vec(), more)
}

/// [`text_from_bytes`] for bytes it may keep: plain UTF-8 becomes the text without a copy.
fn text_from_owned(bytes: Vec<u8>, more: bool) -> Result<InputText, SessionError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SessionError::Input("the error text is empty: paste the error message, the Event Viewer entry or the log lines".into()));
    }
    match crate::engine::text::decode_owned(bytes) {
        Decoded::Binary { reason } => Err(SessionError::Input(reason)),
        Decoded::Text { text, note } => {
            let cut = more.then(|| {
                format!(
                    "the input is larger than {} MiB; only the first {} MiB were read",
                    MAX_INPUT >> 20,
                    MAX_INPUT >> 20
                )
            });
            let note = match (note, cut) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
            Ok(InputText { text, note })
        }
    }
}

/// A JSON file PortSleuth wrote, read back: bounded, with a byte-order mark (Notepad) allowed.
fn read_json(path: &Path, what: &str) -> Result<serde_json::Value, SessionError> {
    let (bytes, more) = read_file_limited(path)?;
    json_from_bytes(&bytes, more, &path.display().to_string(), what)
}

/// JSON from the bytes of a file named `shown` (in messages).
fn json_from_bytes(
    bytes: &[u8],
    more: bool,
    shown: &str,
    what: &str,
) -> Result<serde_json::Value, SessionError> {
    if more {
        return Err(SessionError::Input(format!(
            "{shown} is too large to be a PortSleuth {what}"
        )));
    }
    let text = match decode_input(bytes) {
        Decoded::Text { text, .. } => text,
        Decoded::Binary { .. } => {
            return Err(SessionError::Input(format!(
                "{shown} is not a PortSleuth {what}: it is not text"
            )))
        }
    };
    serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|e| {
        let how = if e.is_eof() {
            "cut short (the file ends inside the JSON)".to_owned()
        } else {
            format!("not JSON ({e})")
        };
        SessionError::Input(format!("{shown} is not a PortSleuth {what}: {how}"))
    })
}

/// The schema a document says it follows must be one this version reads.
fn check_schema(
    shown: &str,
    value: &serde_json::Value,
    wanted: &str,
    what: &str,
) -> Result<(), SessionError> {
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(s) if s == wanted => Ok(()),
        Some(other) => Err(SessionError::Input(format!(
            "{shown} is a {} document; this PortSleuth reads {what}s of schema {wanted}",
            clip_words(other)
        ))),
        None => Err(SessionError::Input(format!(
            "{shown} is not a PortSleuth {what}: it has no schema field"
        ))),
    }
}

/// A value from a file, made fit for a one-line message: no control characters, at most 80
/// characters.
fn clip_words(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if clean.len() < s.len() {
        format!("{clean}…")
    } else {
        clean
    }
}

/// Reads a snapshot file, or the snapshot inside a JSON report.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, SessionError> {
    let (bytes, more) = read_file_limited(path)?;
    snapshot_from_bytes(&bytes, more, &path.display().to_string())
}

/// A snapshot (or the snapshot inside a JSON report) from the bytes of a file named `shown`
/// in messages, with the same checks whichever door read the file.
pub fn snapshot_from_bytes(
    bytes: &[u8],
    more: bool,
    shown: &str,
) -> Result<Snapshot, SessionError> {
    // The common case, a snapshot file as `scan` writes it, read straight into its type (a
    // fleet triage reads thousands); anything else takes the way that can say what it is.
    if !more {
        if let Decoded::Text { text, .. } = decode_input(bytes) {
            if let Ok(snapshot) =
                serde_json::from_str::<Snapshot>(text.trim_start_matches('\u{FEFF}'))
            {
                if snapshot.schema == SNAPSHOT_SCHEMA {
                    return Ok(snapshot);
                }
            }
        }
    }
    let value = json_from_bytes(bytes, more, shown, "snapshot")?;
    let inner = if value.get("sockets").is_some() {
        value
    } else {
        match value.get("snapshot") {
            Some(inner) if !inner.is_null() => inner.clone(),
            _ => {
                // Neither a snapshot nor a report with one: a document of another kind is
                // named by its schema.
                if value.get("schema").and_then(|s| s.as_str()) != Some(REPORT_SCHEMA) {
                    check_schema(shown, &value, SNAPSHOT_SCHEMA, "snapshot")?;
                }
                return Err(SessionError::Input(format!(
                    "{shown} holds no snapshot (it was made without a scan)"
                )));
            }
        }
    };
    check_schema(shown, &inner, SNAPSHOT_SCHEMA, "snapshot")?;
    serde_json::from_value(inner)
        .map_err(|e| SessionError::Input(format!("{shown} is not a PortSleuth snapshot: {e}")))
}

/// Reads a JSON report (`diagnose --format json`, `fix --output`).
pub fn read_report(path: &Path) -> Result<Report, SessionError> {
    let value = read_json(path, "report")?;
    check_schema(&path.display().to_string(), &value, REPORT_SCHEMA, "report")?;
    serde_json::from_value::<Report>(value)
        .map(Report::bounded)
        .map_err(|e| {
            SessionError::Input(format!(
                "{} is not a PortSleuth JSON report: {e}",
                path.display()
            ))
        })
}
