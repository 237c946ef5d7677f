//! Presentation: the report document and every way it is shown — text, Markdown, HTML, JSON —
//! with redaction, the one wording module both doors use, and the socket rows that the CLI's
//! `scan` table and the wizard's table are built from.
//!
//! The report is what was pasted, what was read, what was concluded, what the machine showed
//! and what was done: one versioned document that the CLI prints as JSON and renders in the
//! other formats, and that reads back in (`diagnose --snapshot`, `fix --report`).
//!
//! Pure: rendering never touches files, the clock or the machine; it is handed a finished
//! report. Writing the result is the session's job.

pub mod html;
pub mod markdown;
pub mod probes;
pub mod redact;
pub mod rows;
pub mod scan_text;
pub mod text;
pub mod triage;
pub mod words;

use crate::engine::diagnose::{Diagnosis, Finding};
use crate::engine::fixing::ActionRecord;
use crate::engine::kb::KbError;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

pub const REPORT_SCHEMA: &str = "portsleuth.diagnosis/1";

/// The most pasted text a report carries verbatim; the rest is summarised.
pub const MAX_REPORT_TEXT: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub portsleuth_version: String,
    /// Which knowledge base decided: built-in version, rule count, user folders.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule_set: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub input: Input,
    pub symptoms: Symptoms,
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// Every action planned, refused, previewed or done, in order.
    #[serde(default)]
    pub actions_taken: Vec<ActionRecord>,
    /// The cause an action dealt with, and the next steps now that it is dealt with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<crate::engine::fixing::Fixed>,
    /// Problems in the user's rule files (the broken entries were skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kb_warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub text: String,
    pub bytes: usize,
    #[serde(default)]
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Report {
    pub fn new(
        text: &str,
        note: Option<String>,
        symptoms: Symptoms,
        diagnosis: Diagnosis,
        snapshot: Option<Snapshot>,
        kb_errors: &[KbError],
        now: String,
    ) -> Self {
        let mut cut = text.len().min(MAX_REPORT_TEXT);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        Report {
            schema: REPORT_SCHEMA.into(),
            portsleuth_version: env!("CARGO_PKG_VERSION").into(),
            rule_set: String::new(),
            generated_at: now,
            input: Input {
                text: text[..cut].to_owned(),
                bytes: text.len(),
                truncated: cut < text.len(),
                note,
            },
            symptoms,
            diagnosis,
            snapshot,
            actions_taken: Vec::new(),
            fixed: None,
            kb_warnings: kb_errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// A report read from a file is bounded before use: confidences outside 0–1 (or not a
    /// number) are clamped, so no renderer sizes anything by a number someone else wrote.
    pub fn bounded(mut self) -> Report {
        let clamp = |c: f64| if c.is_nan() { 0.0 } else { c.clamp(0.0, 1.0) };
        for f in &mut self.diagnosis.findings {
            f.confidence = clamp(f.confidence);
        }
        self
    }

    pub fn top(&self) -> Option<&Finding> {
        self.diagnosis.findings.first()
    }
}

/// The formats a report is written in.
#[derive(
    clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
}

impl Format {
    /// The format a file name's extension asks for (`.html`, `.md`, `.json`; anything else is
    /// text).
    pub fn for_path(path: &std::path::Path) -> Format {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Format::Json,
            Some("html" | "htm") => Format::Html,
            Some("md" | "markdown") => Format::Markdown,
            _ => Format::Text,
        }
    }

    /// The file extension a saved report of this format gets.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Text => "Text",
            Format::Json => "JSON",
            Format::Markdown => "Markdown",
            Format::Html => "HTML",
        }
    }
}

/// A report in one format, redacted if asked: what `--output` writes, the wizard saves and the
/// clipboard gets.
pub fn render(report: &Report, format: Format, redact: bool) -> String {
    let redacted;
    let report = if redact {
        redacted = redact::redact(report);
        &redacted
    } else {
        report
    };
    match format {
        // A Report is plain data (strings, numbers, vectors): serialising it cannot fail.
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        Format::Text => text::render_text(report),
        Format::Markdown => markdown::render_markdown(report),
        Format::Html => html::render_html(report),
    }
}
