//! Markdown that pastes cleanly into ticket systems and chat. Everything that came from the
//! paste or the machine is escaped, and the paste sits in a fence nothing inside can close.

use super::words::{action_line, is_web_url, percent};
use super::Report;
use crate::engine::diagnose::Finding;
use std::fmt::Write as _;

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
    if let Some(lead) = super::words::outcome_lead(&r.actions_taken, &|t| t.to_owned()) {
        let _ = writeln!(out, "**Outcome:** {}\n", md(&lead));
        if let Some(fixed) = &r.fixed {
            let _ = writeln!(out, "**The cause:** {}\n", md(&fixed.title));
            if !fixed.next_steps.is_empty() {
                let _ = writeln!(out, "**Next steps**\n");
                for (n, s) in fixed.next_steps.iter().enumerate() {
                    let _ = writeln!(out, "{}. {}", n + 1, md_kb(s));
                }
                out.push('\n');
            }
        }
        let _ = writeln!(out, "_What PortSleuth finds on the machine now:_\n");
    }
    for (i, f) in d.findings.iter().enumerate() {
        finding(&mut out, i, f);
    }
    if !d.probes.is_empty() {
        let _ = writeln!(out, "### Probed from here (read-only)\n");
        for p in &d.probes {
            let lines = super::probes::describe(p);
            let _ = writeln!(out, "- **{}**", md(&lines[0]));
            for line in &lines[1..] {
                let _ = writeln!(out, "  - {}", md(line));
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
    decoded_and_read(&mut out, r);
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

/// One finding: title, confidence, why, what to do, references.
fn finding(out: &mut String, i: usize, f: &Finding) {
    let _ = writeln!(
        out,
        "### {}. {} — {}%\n",
        i + 1,
        md(&f.title),
        percent(f.confidence)
    );
    let _ = writeln!(out, "`{}` · rule `{}`\n", f.category, f.rule_id);
    let _ = writeln!(out, "{}\n", md_kb(&f.explanation));
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
            let _ = writeln!(out, "{}. {}", n + 1, md_kb(s));
        }
        out.push('\n');
    }
    for reference in &f.references {
        match reference.url.as_deref().filter(|u| is_web_url(u)) {
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

/// What the codes mean, what was read from the text, and the machine.
fn decoded_and_read(out: &mut String, r: &Report) {
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

/// Knowledge-base text: plain runs escaped, its code spans kept as code spans.
fn md_kb(s: &str) -> String {
    super::words::code_spans(s)
        .into_iter()
        .map(|(code, run)| {
            if code {
                format!("`{}`", md_code(run))
            } else {
                md(run)
            }
        })
        .collect()
}

fn md_code(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}
