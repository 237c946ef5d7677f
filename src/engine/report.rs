//! The report: what was pasted, what was read, what was concluded, what the machine showed and
//! what was done — one versioned document that the CLI prints as JSON and renders as text or
//! Markdown, and that reads back in (`diagnose --snapshot`, `fix --report`).
//!
//! Pure data and pure rendering; writing files is the shell's job.

use super::diagnosis::{Diagnosis, EvidenceSource, Finding};
use super::fixing::{ActionRecord, Outcome};
use super::kb::KbError;
use super::snapshot::Snapshot;
use super::symptoms::Symptoms;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
            kb_warnings: kb_errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// Reads `text`, diagnoses it (with `snapshot`, if any) and wraps it: the whole engine in
    /// one call, for callers that scan nothing in between (tests, fixtures, tools).
    pub fn from_text(
        kb: &super::kb::KnowledgeBase,
        text: &str,
        snapshot: Option<Snapshot>,
        now: String,
    ) -> Self {
        let symptoms = super::symptoms::Reader::new(kb).read(text);
        let diagnosis = super::diagnosis::diagnose(kb, text, &symptoms, snapshot.as_ref());
        Report::new(text, None, symptoms, diagnosis, snapshot, &[], now)
    }

    pub fn top(&self) -> Option<&Finding> {
        self.diagnosis.findings.first()
    }
}

fn bar(confidence: f64) -> String {
    let filled = (confidence * 10.0).round() as usize;
    format!(
        "[{}{}] {:>3.0}%",
        "#".repeat(filled),
        ".".repeat(10 - filled.min(10)),
        confidence * 100.0
    )
}

/// Plain text for a terminal or an e-mail: the answer first, then why, then what was read.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let d = &r.diagnosis;
    let _ = writeln!(
        out,
        "PortSleuth {} diagnosis, {} (UTC)",
        r.portsleuth_version, r.generated_at
    );
    if !r.rule_set.is_empty() {
        let _ = writeln!(out, "Rules: {}", r.rule_set);
    }
    if let Some(snap) = &r.snapshot {
        let elevated = if snap.host.elevated {
            "elevated"
        } else {
            "not elevated"
        };
        item(
            &mut out,
            "Machine: ",
            &format!(
                "{}, {} {}, {elevated}, scanned {}",
                snap.host.hostname, snap.host.os, snap.host.os_version, snap.taken_at
            ),
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if d.scanned {
            "Scanned this machine."
        } else {
            "No scan: conclusions rest on the text alone."
        }
    );
    out.push('\n');
    for (i, f) in d.findings.iter().enumerate() {
        item(&mut out, &format!("{}. ", i + 1), &f.title);
        let _ = writeln!(out, "   {}   category: {}", bar(f.confidence), f.category);
        let _ = writeln!(out, "   rule: {}", f.rule_id);
        item(&mut out, "   ", &f.explanation);
        if !f.evidence.is_empty() || !f.unverified.is_empty() {
            let _ = writeln!(out, "   Why:");
        }
        for e in &f.evidence {
            let tag = if e.source == EvidenceSource::Text {
                "[text] "
            } else {
                "[scan] "
            };
            item(&mut out, "   - ", &format!("{tag}{}", e.says));
        }
        for u in &f.unverified {
            item(&mut out, "   - ", &format!("[not checked] {u}"));
        }
        if !f.steps.is_empty() {
            let _ = writeln!(out, "   What to do:");
            for (n, s) in f.steps.iter().enumerate() {
                item(&mut out, &format!("   {}) ", n + 1), s);
            }
        }
        if !f.actions.is_empty() {
            let _ = writeln!(out, "   Actions:");
            for a in &f.actions {
                item(&mut out, "   * ", &format!("{} [{}]", a.label, a.id));
                if let Some(c) = &a.caution {
                    item(&mut out, "     note: ", c);
                }
            }
        }
        for w in &f.withheld {
            item(&mut out, "   Not offered: ", w);
        }
        for reference in &f.references {
            let link = reference
                .url
                .as_deref()
                .map(|u| format!(" <{u}>"))
                .unwrap_or_default();
            item(&mut out, "   See: ", &format!("{}{link}", reference.title));
        }
        out.push('\n');
    }
    if !r.actions_taken.is_empty() {
        let _ = writeln!(out, "Actions taken:");
        for a in &r.actions_taken {
            item(&mut out, "  - ", &action_line(a));
        }
        out.push('\n');
    }
    if !d.port_holders.is_empty() {
        let _ = writeln!(out, "Ports named in the error:");
        for h in &d.port_holders {
            item(&mut out, &format!("  port {:>5}: ", h.port), &h.summary);
        }
        out.push('\n');
    }
    if !d.ruled_out.is_empty() {
        let _ = writeln!(out, "Ruled out:");
        for r in &d.ruled_out {
            item(
                &mut out,
                "  - ",
                &format!("{} ({}): {}", r.title, r.category, r.why),
            );
        }
        out.push('\n');
    }
    read_from_text(&mut out, r);
    if let Some(snap) = &r.snapshot {
        if !snap.warnings.is_empty() {
            out.push('\n');
            let _ = writeln!(out, "What the scan could not see:");
            for w in &snap.warnings {
                item(&mut out, "  - ", &w.what);
                if let Some(remedy) = &w.remedy {
                    item(&mut out, "    ", remedy);
                }
            }
        }
    }
    for w in &r.kb_warnings {
        let _ = writeln!(out, "rule file problem (skipped): {w}");
    }
    out
}

/// The "Read from the text" part of the plain-text report.
fn read_from_text(out: &mut String, r: &Report) {
    let s = &r.symptoms;
    let _ = writeln!(out, "Read from the text ({} bytes):", r.input.bytes);
    if !s.protocols.is_empty() {
        let _ = writeln!(
            out,
            "  protocols: {}",
            s.protocols
                .iter()
                .map(|p| p.value.to_uppercase())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for p in &s.ports {
        let side = match (p.side, p.inferred) {
            (_, true) => "implied",
            (super::kb::PortSide::Local, _) => "local bind",
            (super::kb::PortSide::Remote, _) => "remote",
            _ => "side unknown",
        };
        let addr = p
            .address
            .as_deref()
            .map(|a| format!(" on {a}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  port {}{} ({side})", p.port, addr);
    }
    if let Some(ssl) = &s.ssl {
        let _ = writeln!(out, "  SSL: {}", if ssl.value { "yes" } else { "no" });
    }
    for v in &s.servers {
        let _ = writeln!(out, "  server: {}", v.value);
    }
    for v in &s.accounts {
        let _ = writeln!(out, "  account: {}", v.value);
    }
    for v in &s.responses {
        item(out, "  server response: ", &v.value);
    }
    for c in &s.codes {
        let platform = c
            .platform
            .as_deref()
            .map(|p| format!(", {p}"))
            .unwrap_or_default();
        let times = if c.count > 1 {
            format!(" ×{}", c.count)
        } else {
            String::new()
        };
        item(
            out,
            "  code ",
            &format!("{} = {}{platform}{times}: {}", c.spelled, c.name, c.meaning),
        );
    }
    for e in &s.events {
        let source = e.source.as_deref().unwrap_or("unknown source");
        let meaning = e
            .meaning
            .as_deref()
            .unwrap_or("not in PortSleuth's event table");
        item(out, "  event ", &format!("{} ({source}): {meaning}", e.id));
    }
    if !s.programs.is_empty() {
        let _ = writeln!(
            out,
            "  programs named: {}",
            s.programs
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for n in &s.notes {
        item(out, "  note: ", n);
    }
    if let Some(note) = &r.input.note {
        item(out, "  note: ", note);
    }
}

/// Markdown that pastes cleanly into ticket systems and chat.
pub fn render_markdown(r: &Report) -> String {
    let mut out = String::new();
    let d = &r.diagnosis;
    let _ = writeln!(out, "## PortSleuth diagnosis\n");
    let _ = writeln!(
        out,
        "_{}_ · PortSleuth {} · {} (UTC)\n",
        if d.scanned {
            "machine scanned"
        } else {
            "text only, no scan"
        },
        r.portsleuth_version,
        md(&r.generated_at)
    );
    for (i, f) in d.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "### {}. {} — {:.0}%\n",
            i + 1,
            md(&f.title),
            f.confidence * 100.0
        );
        let _ = writeln!(out, "`{}` · rule `{}`\n", f.category, f.rule_id);
        let _ = writeln!(out, "{}\n", md(&f.explanation));
        if !f.evidence.is_empty() || !f.unverified.is_empty() {
            let _ = writeln!(out, "**Why**\n");
            for e in &f.evidence {
                let _ = writeln!(out, "- {}", md(&e.says));
            }
            for u in &f.unverified {
                let _ = writeln!(out, "- _not checked:_ {}", md(u));
            }
            for w in &f.withheld {
                let _ = writeln!(out, "- _not offered:_ {}", md(w));
            }
            out.push('\n');
        }
        if !f.steps.is_empty() {
            let _ = writeln!(out, "**What to do**\n");
            for (n, s) in f.steps.iter().enumerate() {
                let _ = writeln!(out, "{}. {}", n + 1, md(s));
            }
            out.push('\n');
        }
        for reference in &f.references {
            match &reference.url {
                Some(url) => {
                    let _ = writeln!(
                        out,
                        "- [{}](<{}>)",
                        md(&reference.title),
                        url.replace(['<', '>', ' '], "")
                    );
                }
                None => {
                    let _ = writeln!(out, "- {}", md(&reference.title));
                }
            }
        }
        out.push('\n');
    }
    if !r.actions_taken.is_empty() {
        let _ = writeln!(out, "### Actions taken\n");
        for a in &r.actions_taken {
            let _ = writeln!(out, "- {}", md(&action_line(a)));
        }
        out.push('\n');
    }
    if !d.ruled_out.is_empty() {
        let _ = writeln!(out, "### Ruled out\n");
        for r in &d.ruled_out {
            let _ = writeln!(
                out,
                "- **{}** (`{}`): {}",
                md(&r.title),
                r.category,
                md(&r.why)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "### Decoded\n");
    for c in &r.symptoms.codes {
        let _ = writeln!(
            out,
            "- `{}` — {}: {}",
            md_code(&c.spelled),
            md(&c.name),
            md(&c.meaning)
        );
    }
    for e in &r.symptoms.events {
        let _ = writeln!(
            out,
            "- event {} ({}): {}",
            e.id,
            md(e.source.as_deref().unwrap_or("unknown source")),
            md(e.meaning.as_deref().unwrap_or("not in the event table"))
        );
    }
    let sy = &r.symptoms;
    let mut read = Vec::new();
    if !sy.protocols.is_empty() {
        read.push(format!(
            "protocol {}",
            sy.protocols
                .iter()
                .map(|p| p.value.to_uppercase())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let ports: Vec<String> = sy
        .ports
        .iter()
        .filter(|p| !p.inferred)
        .map(|p| p.port.to_string())
        .collect();
    if !ports.is_empty() {
        read.push(format!("port {}", ports.join(", ")));
    }
    read.extend(sy.servers.iter().map(|v| format!("server {}", v.value)));
    read.extend(sy.accounts.iter().map(|v| format!("account {}", v.value)));
    read.extend(
        sy.responses
            .iter()
            .map(|v| format!("server response \u{201C}{}\u{201D}", v.value)),
    );
    if !read.is_empty() {
        let _ = writeln!(out, "\n### Read from the text\n");
        for line in read {
            let _ = writeln!(out, "- {}", md(&line));
        }
    }
    if let Some(snap) = &r.snapshot {
        let _ = writeln!(
            out,
            "\n### Machine\n\n{} · {} {} · {} · scanned {}",
            md(&snap.host.hostname),
            md(&snap.host.os),
            md(&snap.host.os_version),
            if snap.host.elevated {
                "elevated"
            } else {
                "not elevated"
            },
            md(&snap.taken_at)
        );
        for w in &snap.warnings {
            let _ = writeln!(out, "\n- could not see: {}", md(&w.what));
        }
    }
    let _ = writeln!(
        out,
        "\n### Pasted error{}\n",
        if r.input.truncated {
            " (first part)"
        } else {
            ""
        }
    );
    out.push_str(&fenced(&r.input.text));
    out
}

/// The text in a fenced code block that nothing inside can close: the fence is longer than any
/// run of backticks in the text. Control characters are dropped.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    format!("{fence}text\n{}\n{fence}\n", clean.trim_end_matches('\n'))
}

/// One action record in a sentence: when, what, how it ended, what the re-scan showed.
pub fn action_line(a: &ActionRecord) -> String {
    let outcome = match a.outcome {
        Outcome::Previewed => "previewed (dry run)",
        Outcome::Refused => "refused",
        Outcome::Done => "done",
        Outcome::ProblemRemains => "done, but the problem remains",
        Outcome::Failed => "failed",
    };
    let mut line = format!("{} {} — {outcome}: {}", a.at, a.label, a.detail);
    if !a.commands.is_empty() {
        line.push_str(&format!(" [{}]", a.commands.join("; ")));
    }
    if let Some(v) = &a.verification {
        line.push_str(&format!(" Re-scan: {v}."));
    }
    if let Some(e) = &a.error {
        line.push_str(&format!(" Error: {e}"));
    }
    line
}

/// Escapes text for Markdown so pasted content cannot become markup, links or HTML.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '|'
            | '!' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn md_code(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

/// Writes `lead` and `text` as one list item wrapped at 80 columns, continuation lines
/// indented under the text.
fn item(out: &mut String, lead: &str, text: &str) {
    let width = 80usize.saturating_sub(lead.len()).max(20);
    let _ = writeln!(out, "{lead}{}", wrap(text, width, &" ".repeat(lead.len())));
}

/// Wraps `s` at `width` columns, indenting continuation lines.
pub fn wrap(s: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in s.split_whitespace() {
        let len = word.chars().count();
        if col > 0 && col + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}
