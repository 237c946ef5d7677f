//! Plain text for a terminal or an e-mail: the answer first, then why, then what was read.
//! Wrapped at 80 columns.

use super::words::{action_line, bar, side_label};
use super::Report;
use crate::engine::diagnose::{EvidenceSource, Finding};
use std::fmt::Write as _;

/// Which servers the text names are other machines, and what probes of them showed.
fn servers_and_probes(out: &mut String, r: &Report) {
    for s in r
        .symptoms
        .servers
        .iter()
        .filter(|s| s.this_machine == Some(false))
    {
        item(
            out,
            "",
            &format!(
                "The server {} is another machine: this scan shows this machine's ports only.",
                s.value
            ),
        );
    }
    if !r.diagnosis.probes.is_empty() {
        let _ = writeln!(out, "Probed from here (read-only):");
        for p in &r.diagnosis.probes {
            for (i, line) in super::probes::describe(p).iter().enumerate() {
                item(out, if i == 0 { "  - " } else { "    " }, line);
            }
        }
    }
}

/// Once an action changed the machine, that comes first: what was done, what the re-scan
/// showed, what to do next. The findings after it are the machine as it is now.
fn outcome(out: &mut String, r: &Report) {
    let Some(lead) = super::words::outcome_lead(&r.actions_taken, &|t| t.to_owned()) else {
        return;
    };
    item(out, "Outcome: ", &lead);
    if let Some(fixed) = &r.fixed {
        item(out, "The cause: ", &fixed.title);
        if !fixed.next_steps.is_empty() {
            let _ = writeln!(out, "Next steps:");
            for (n, s) in fixed.next_steps.iter().enumerate() {
                item(out, &format!("  {}) ", n + 1), s);
            }
        }
    }
    let _ = writeln!(out, "\nWhat PortSleuth finds on the machine now:\n");
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
    servers_and_probes(&mut out, r);
    out.push('\n');
    outcome(&mut out, r);
    for (i, f) in d.findings.iter().enumerate() {
        finding(&mut out, i, f);
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

/// One finding: the title, the confidence, why, what to do and the actions offered.
fn finding(out: &mut String, i: usize, f: &Finding) {
    item(out, &format!("{}. ", i + 1), &f.title);
    let _ = writeln!(out, "   {}   category: {}", bar(f.confidence), f.category);
    let _ = writeln!(out, "   rule: {}", f.rule_id);
    item(out, "   ", &f.explanation);
    if !f.evidence.is_empty() || !f.unverified.is_empty() {
        let _ = writeln!(out, "   Why:");
    }
    for e in &f.evidence {
        let tag = match e.source {
            EvidenceSource::Text => "[text] ",
            EvidenceSource::Scan | EvidenceSource::Absence => "[scan] ",
            EvidenceSource::NotSeen => "[not seen] ",
            EvidenceSource::Probe => "[probe] ",
        };
        item(out, "   - ", &format!("{tag}{}", e.says));
    }
    for u in &f.unverified {
        item(out, "   - ", &format!("[not checked] {u}"));
    }
    if !f.steps.is_empty() {
        let _ = writeln!(out, "   What to do:");
        for (n, s) in f.steps.iter().enumerate() {
            item(out, &format!("   {}) ", n + 1), s);
        }
    }
    if !f.actions.is_empty() {
        let _ = writeln!(out, "   Actions:");
        for a in &f.actions {
            item(out, "   * ", &format!("{} [{}]", a.label, a.id));
            if let Some(c) = &a.caution {
                item(out, "     note: ", c);
            }
        }
    }
    for w in &f.withheld {
        item(out, "   Not offered: ", w);
    }
    for reference in &f.references {
        let link = reference
            .url
            .as_deref()
            .map(|u| format!(" <{u}>"))
            .unwrap_or_default();
        item(out, "   See: ", &format!("{}{link}", reference.title));
    }
    out.push('\n');
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
        let side = side_label(p.side, p.inferred);
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
        let _ = writeln!(
            out,
            "  server: {}{}",
            v.value,
            super::html::place_words(v.this_machine)
        );
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
