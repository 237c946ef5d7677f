//! The words PortSleuth uses for its own facts, written once for every door: the CLI's text,
//! Markdown and HTML reports and the wizard all say outcomes, sides, confidences, sizes and
//! actions with these functions, so one scan reads the same wherever it is shown.
//!
//! Words for the knowledge base's own vocabulary (conditions, program kinds, holder tests)
//! live with those types (`Condition::describe`, `PortSide::describe`); this module builds on
//! them.

use crate::engine::fixing::{ActionRecord, Outcome};
use crate::engine::kb::{ActionKind, PortSide};

/// An outcome as a heading: what the wizard's result card and the HTML report lead with.
pub fn outcome_heading(o: Outcome) -> &'static str {
    match o {
        Outcome::Previewed => "Preview only: nothing was changed",
        Outcome::Refused => "Not done",
        Outcome::Cancelled => "Cancelled: nothing was changed",
        Outcome::Done => "Done and verified",
        Outcome::ProblemRemains => "Done, but the problem remains",
        Outcome::Failed => "Failed",
    }
}

/// An outcome inside a sentence: "… — done: …".
pub fn outcome_phrase(o: Outcome) -> &'static str {
    match o {
        Outcome::Previewed => "previewed (dry run)",
        Outcome::Refused => "refused",
        Outcome::Cancelled => "cancelled",
        Outcome::Done => "done",
        Outcome::ProblemRemains => "done, but the problem remains",
        Outcome::Failed => "failed",
    }
}

/// One action record in a sentence: when, what, how it ended, what the re-scan showed. Times
/// are as recorded (RFC 3339 UTC), the same bytes wherever the report is read.
pub fn action_line(a: &ActionRecord) -> String {
    action_line_at(a, &|t| t.to_owned())
}

/// [`action_line`] with its times shown by `time` (the wizard shows local time).
pub fn action_line_at(a: &ActionRecord, time: &dyn Fn(&str) -> String) -> String {
    let mut line = format!(
        "{} {} — {}: {}",
        time(&a.at),
        a.label,
        outcome_phrase(a.outcome),
        a.detail
    );
    if !a.commands.is_empty() {
        line.push_str(&format!(" [{}]", a.commands.join("; ")));
    }
    if let Some(p) = &a.previewed_at {
        line.push_str(&format!(" (previewed first at {})", time(p)));
    }
    if let Some(v) = &a.verification {
        line.push_str(&format!(" Re-scan: {v}."));
    }
    if let Some(e) = &a.error {
        line.push_str(&format!(" Error: {e}"));
    }
    line
}

/// The outcome that leads a report once an action changed the machine: the latest such
/// action, whether the re-scan agreed, and what it showed. Times shown by `time`.
pub fn outcome_lead(actions: &[ActionRecord], time: &dyn Fn(&str) -> String) -> Option<String> {
    let a = actions
        .iter()
        .rev()
        .find(|a| matches!(a.outcome, Outcome::Done | Outcome::ProblemRemains))?;
    let mut lead = if a.outcome == Outcome::Done {
        format!("Fixed: {}, done and verified at {}.", a.label, time(&a.at))
    } else {
        format!(
            "Not fixed yet: {} was done at {}, but the re-scan shows the problem remains.",
            a.label,
            time(&a.at)
        )
    };
    if let Some(v) = &a.verification {
        lead.push_str(&format!(" Re-scan: {v}."));
    }
    Some(lead)
}

/// Where a port named in the text was, for tables and lists: "local bind", "remote",
/// "implied", "side unknown".
pub fn side_label(side: PortSide, inferred: bool) -> &'static str {
    match (side, inferred) {
        (_, true) => "implied",
        (PortSide::Local, false) => "local bind",
        (PortSide::Remote, false) => "remote",
        (PortSide::Unknown, false) => "side unknown",
    }
}

/// Where a port named in the text was, as a sentence for a person: what the wizard shows next
/// to each port it read.
pub fn side_sentence(side: PortSide) -> &'static str {
    match side {
        PortSide::Local => "a program here could not listen on it",
        PortSide::Remote => "the port the client connected to",
        PortSide::Unknown => "named in the text",
    }
}

/// A confidence as a whole percentage. A value read from a file is not trusted: anything
/// outside 0–1 is clamped, and NaN (which `as` turns into 0) shows as 0 %.
pub fn percent(confidence: f64) -> u32 {
    (confidence.clamp(0.0, 1.0) * 100.0).round() as u32
}

/// A confidence as a ten-step text bar with its percentage: `[#########.]  95%`.
pub fn bar(confidence: f64) -> String {
    let p = percent(confidence);
    let filled = (confidence.clamp(0.0, 1.0) * 10.0).round() as usize;
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        ".".repeat(10 - filled),
        p
    )
}

/// A size for people: "812 bytes", "64 KB", "5.2 MB".
pub fn human_bytes(n: usize) -> String {
    if n < 1024 {
        format!("{n} bytes")
    } else if n < 1024 * 1024 {
        format!("{:.0} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    }
}

/// "1 process", "3 processes": a count with its noun in the right number.
/// A rule category's identifier in words for the main view (`av_mail_proxy` → "av mail
/// proxy"); the identifier itself stays in the JSON report.
pub fn category_words(id: &str) -> String {
    id.replace('_', " ")
}

pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What an action does, in one sentence, before the user confirms it.
pub fn what_happens(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::StopProcess => "Asks the process to exit, and stops it by force if it does not; then re-scans the port. You confirm first.",
        ActionKind::StopService => "Stops the service through the service manager; then re-scans the port. You confirm first.",
        ActionKind::DisableService => "Stops the service and sets it not to start again; then re-scans the port. You confirm first.",
        ActionKind::Uninstall => "Runs the product's own uninstaller; then re-scans the port. You confirm first.",
        ActionKind::OpenReference => "Opens the article in your web browser.",
        ActionKind::CloseConnection => "Asks Windows to reset the connection; then re-scans to see it gone. You confirm first.",
    }
}

/// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the bare
/// direction marks: invisible, and able to make a file name or command read backwards.
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Only web addresses become links; `javascript:`, `file:` and anything odd stay text.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > 8
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_direction_control(c))
}

/// Knowledge-base text cut into plain runs (`false`) and code spans (`true`), as Markdown's
/// backticks mark them, so every door can show `netstat -ano` as code and not as backticks.
/// A backtick with no partner, and an empty pair, stay as they were.
pub fn code_spans(s: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(open) = s[at..].find('`').map(|i| at + i) {
        let Some(close) = s[open + 1..].find('`').map(|i| open + 1 + i) else {
            break;
        };
        if close == open + 1 {
            at = close + 1;
            continue;
        }
        if open > plain_from {
            out.push((false, &s[plain_from..open]));
        }
        out.push((true, &s[open + 1..close]));
        plain_from = close + 1;
        at = plain_from;
    }
    if plain_from < s.len() {
        out.push((false, &s[plain_from..]));
    }
    out
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confidence_from_a_file_never_prints_beyond_0_to_100_percent() {
        assert_eq!(percent(1e19), 100);
        assert_eq!(percent(-5.0), 0);
        assert_eq!(percent(f64::NAN), 0);
        assert_eq!(bar(0.95), "[##########]  95%");
        assert_eq!(bar(1e10), "[##########] 100%");
        assert_eq!(bar(-500.0), "[..........]   0%");
    }

    #[test]
    fn code_spans_are_cut_out_of_knowledge_base_text() {
        assert_eq!(
            code_spans("Run `netstat -ano` then `tasklist`."),
            vec![
                (false, "Run "),
                (true, "netstat -ano"),
                (false, " then "),
                (true, "tasklist"),
                (false, "."),
            ]
        );
        assert_eq!(code_spans("a ` lone one"), vec![(false, "a ` lone one")]);
        assert_eq!(code_spans("empty `` pair"), vec![(false, "empty `` pair")]);
        assert_eq!(code_spans("`x`"), vec![(true, "x")]);
        assert!(code_spans("").is_empty());
    }

    #[test]
    fn counts_say_one_or_many() {
        assert_eq!(count(1, "process", "processes"), "1 process");
        assert_eq!(count(2, "process", "processes"), "2 processes");
    }
}
