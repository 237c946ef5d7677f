//! The report as one HTML page a ticket system will take: a single self-contained file (inline
//! CSS, no scripts, nothing fetched from anywhere) that reads well on screen and on paper.
//!
//! Everything in a report that came from the pasted text or from the machine is untrusted: a
//! process may be called `<script>`, an error may carry bidi overrides or terminal escapes. Every
//! such string goes through [`Esc`], which escapes markup, drops control characters and makes
//! bidi controls visible; only http(s) references become links. Pure: no I/O, no clock — two
//! renderings of one report are the same bytes.

use super::words::{
    code_spans, is_direction_control, is_web_url, outcome_phrase, percent, side_label, yes_no,
};
use super::Report;
use crate::engine::diagnose::{EvidenceSource, Finding};
use crate::engine::snapshot::{Process, Snapshot, Socket};
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

/// The most sockets the snapshot excerpt lists; the JSON report has them all.
const MAX_SOCKET_ROWS: usize = 200;

pub(super) const STYLE: &str = "\
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#1f2937;font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}
main{max-width:62rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:0 0 .4rem}
h4{font-size:.95rem;margin:.9rem 0 .3rem}
p,li,dd,td,th,code,summary{overflow-wrap:anywhere}
.muted{color:#4b5563}
.card{background:#fff;border:1px solid #d1d5db;border-radius:6px;padding:1rem 1.25rem;margin:.75rem 0}
.conclusion{border-left:6px solid #1d4ed8}
.conclusion .lead{font-size:1.15rem;font-weight:600;margin:.2rem 0}
.confidence{display:flex;align-items:center;gap:.6rem;margin:.3rem 0}
.bar{width:10rem;height:.75rem;border:1px solid #374151;border-radius:2px;overflow:hidden}
.fill{height:0;border-top:.75rem solid #1d4ed8}
.tag{display:inline-block;min-width:5.5rem;margin-right:.4rem;padding:0 .35rem;border:1px solid;border-radius:3px;font-size:.72rem;font-weight:600;text-transform:uppercase;text-align:center}
.tag-text{color:#1e40af}.tag-scan{color:#166534}.tag-unchecked{color:#92400e}.tag-withheld{color:#991b1b}
.caution{color:#92400e}
.error{color:#991b1b}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;font-size:.88em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;background:#fff;border:1px solid #d1d5db;border-radius:4px;padding:.75rem;max-height:40rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0;background:#fff}
th,td{border:1px solid #d1d5db;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#e5e7eb}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dt{font-weight:600}
dd{margin:0}
ul,ol{padding-left:1.4rem;margin:.3rem 0}
details{margin:1rem 0}
summary{cursor:pointer;font-weight:600}
@media print{
body{background:none;color:#000;font-size:10.5pt}
main{max-width:none;padding:0}
.card,pre,table,th{background:none}
.card,tr,li,dl{break-inside:avoid;page-break-inside:avoid}
h2,h3,h4{break-after:avoid;page-break-after:avoid}
pre{max-height:none;overflow:visible}
.fill{border-top-color:#000}
.bar{border-color:#000}
a{color:#000}
a[href]::after{content:\" (\" attr(href) \")\";font-size:.85em;overflow-wrap:anywhere}
}
";

/// Knowledge-base text (an explanation, a step) as HTML: escaped like [`Esc`], with its
/// Markdown code spans shown as `<code>`.
pub(super) struct Kb<'a>(pub(super) &'a str);

impl fmt::Display for Kb<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (code, run) in code_spans(self.0) {
            if code {
                write!(f, "<code>{}</code>", Esc(run))?;
            } else {
                write!(f, "{}", Esc(run))?;
            }
        }
        Ok(())
    }
}

/// Text made safe for HTML element content and quoted attribute values: markup characters
/// escaped, control characters (C0, DEL, C1) dropped except newline and tab, and the
/// invisible direction controls that can make text read backwards shown as visible
/// `&#x202E;`-style text instead.
pub(super) struct Esc<'a>(pub(super) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut clean_from = 0;
        for (i, ch) in s.char_indices() {
            let replacement = match ch {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\n' | '\t' => continue,
                c if c.is_control() => "",
                c if is_direction_control(c) => {
                    f.write_str(&s[clean_from..i])?;
                    write!(f, "&amp;#x{:X};", u32::from(c))?;
                    clean_from = i + c.len_utf8();
                    continue;
                }
                _ => continue,
            };
            f.write_str(&s[clean_from..i])?;
            f.write_str(replacement)?;
            clean_from = i + ch.len_utf8();
        }
        f.write_str(&s[clean_from..])
    }
}

/// Renders the whole report as one HTML5 document.
pub fn render_html(r: &Report) -> String {
    let mut out = String::with_capacity(r.input.text.len() * 11 / 10 + 32 * 1024);
    head(&mut out, r);
    header(&mut out, r);
    host(&mut out, r);
    conclusion(&mut out, r);
    findings(&mut out, r);
    ruled_out(&mut out, r);
    port_holders(&mut out, r);
    probes(&mut out, r);
    actions_taken(&mut out, r);
    read_from_text(&mut out, r);
    pasted_text(&mut out, r);
    warnings(&mut out, r);
    snapshot_excerpt(&mut out, r);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, r: &Report) {
    let title = r
        .top()
        .map_or_else(|| "no finding".to_owned(), |f| f.title.clone());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"PortSleuth {}\">\n\
         <title>PortSleuth diagnosis: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
        Esc(&r.portsleuth_version),
        Esc(&title)
    );
}

fn header(out: &mut String, r: &Report) {
    let scanned = if r.diagnosis.scanned {
        "machine scanned"
    } else {
        "text only, no scan"
    };
    let _ = writeln!(
        out,
        "<header>\n<h1>PortSleuth diagnosis</h1>\n<p class=\"muted\">PortSleuth {} · rules: {} · generated {} (UTC) · {scanned}</p>\n</header>",
        Esc(&r.portsleuth_version),
        Esc(if r.rule_set.is_empty() { "built-in" } else { &r.rule_set }),
        Esc(&r.generated_at)
    );
}

fn host(out: &mut String, r: &Report) {
    let Some(snap) = &r.snapshot else { return };
    let h = &snap.host;
    let os = if h.os_version.is_empty() {
        h.os.clone()
    } else {
        format!("{} {}", h.os, h.os_version)
    };
    let _ = writeln!(
        out,
        "<section class=\"card host\">\n<h2>Machine</h2>\n<dl>\n\
         <dt>Host name</dt><dd>{}</dd>\n<dt>System</dt><dd>{}</dd>\n\
         <dt>Elevated (administrator/root)</dt><dd>{}</dd>\n<dt>User</dt><dd>{}</dd>\n\
         <dt>Scanned at</dt><dd>{}</dd>\n</dl>\n</section>",
        Esc(&h.hostname),
        Esc(&os),
        yes_no(h.elevated),
        Esc(&h.user),
        Esc(&snap.taken_at)
    );
}

fn confidence_bar(out: &mut String, confidence: f64) {
    let pct = percent(confidence);
    let _ = writeln!(
        out,
        "<div class=\"confidence\"><div class=\"bar\"><div class=\"fill\" style=\"width:{pct}%\"></div></div><span>{pct}% confidence</span></div>"
    );
}

fn conclusion(out: &mut String, r: &Report) {
    out.push_str("<section class=\"card conclusion\">\n<h2>Conclusion</h2>\n");
    // Once an action changed the machine, the outcome is the conclusion.
    if let Some(lead) = super::words::outcome_lead(&r.actions_taken, &|t| t.to_owned()) {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", Esc(&lead));
        if let Some(fixed) = &r.fixed {
            let _ = writeln!(
                out,
                "<p class=\"muted\">The cause: {}</p>",
                Esc(&fixed.title)
            );
            if !fixed.next_steps.is_empty() {
                out.push_str("<h4>Next steps</h4>\n<ol>\n");
                for s in &fixed.next_steps {
                    let _ = writeln!(out, "<li>{}</li>", Kb(s));
                }
                out.push_str("</ol>\n");
            }
        }
        out.push_str("</section>\n");
        return;
    }
    match r.top() {
        Some(f) => {
            let _ = writeln!(
                out,
                "<p class=\"lead\">{}</p>\n<p class=\"muted\">category <code>{}</code></p>",
                Esc(&f.title),
                Esc(f.category.as_str())
            );
            confidence_bar(out, f.confidence);
            let _ = writeln!(out, "<p>{}</p>", Kb(&f.explanation));
            if let Some(step) = f.steps.first() {
                let _ = writeln!(out, "<p><strong>First step:</strong> {}</p>", Kb(step));
            }
        }
        None => out.push_str("<p class=\"lead\">PortSleuth reached no conclusion.</p>\n"),
    }
    out.push_str("</section>\n");
}

fn findings(out: &mut String, r: &Report) {
    if r.diagnosis.findings.is_empty() {
        return;
    }
    let heading = if super::words::outcome_lead(&r.actions_taken, &|t| t.to_owned()).is_some() {
        "Findings on the machine now, most likely first"
    } else {
        "Findings, most likely first"
    };
    let _ = writeln!(out, "<section class=\"findings\">\n<h2>{heading}</h2>");
    for (i, f) in r.diagnosis.findings.iter().enumerate() {
        finding_card(out, i + 1, f);
    }
    out.push_str("</section>\n");
}

fn finding_card(out: &mut String, n: usize, f: &Finding) {
    let _ = writeln!(
        out,
        "<article class=\"card finding\" id=\"finding-{n}\">\n<h3>{n}. {}</h3>\n<p class=\"muted\">category <code>{}</code> · rule <code>{}</code></p>",
        Esc(&f.title),
        Esc(f.category.as_str()),
        Esc(&f.rule_id)
    );
    confidence_bar(out, f.confidence);
    let _ = writeln!(out, "<p>{}</p>", Kb(&f.explanation));
    if !f.evidence.is_empty() || !f.unverified.is_empty() || !f.withheld.is_empty() {
        out.push_str("<h4>Why</h4>\n<ul class=\"evidence\">\n");
        for e in &f.evidence {
            let (class, tag) = match e.source {
                EvidenceSource::Text => ("tag-text", "text"),
                EvidenceSource::Scan | EvidenceSource::Absence => ("tag-scan", "scan"),
                EvidenceSource::NotSeen => ("tag-scan", "not seen"),
                EvidenceSource::Probe => ("tag-scan", "probe"),
            };
            let _ = writeln!(
                out,
                "<li><span class=\"tag {class}\">{tag}</span>{}</li>",
                Esc(&e.says)
            );
        }
        for u in &f.unverified {
            let _ = writeln!(
                out,
                "<li><span class=\"tag tag-unchecked\">not checked</span>{}</li>",
                Esc(u)
            );
        }
        for w in &f.withheld {
            let _ = writeln!(
                out,
                "<li><span class=\"tag tag-withheld\">not offered</span>{}</li>",
                Esc(w)
            );
        }
        out.push_str("</ul>\n");
    }
    if !f.steps.is_empty() {
        out.push_str("<h4>What to do</h4>\n<ol>\n");
        for s in &f.steps {
            let _ = writeln!(out, "<li>{}</li>", Kb(s));
        }
        out.push_str("</ol>\n");
    }
    planned_actions(out, f);
    if !f.references.is_empty() {
        out.push_str("<h4>References</h4>\n<ul>\n");
        for reference in &f.references {
            out.push_str("<li>");
            match reference.url.as_deref() {
                Some(url) if is_web_url(url) => {
                    let _ = write!(
                        out,
                        "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                        Esc(url),
                        Esc(&reference.title)
                    );
                }
                Some(other) => {
                    let _ = write!(
                        out,
                        "{} (<code>{}</code>)",
                        Esc(&reference.title),
                        Esc(other)
                    );
                }
                None => {
                    let _ = write!(out, "{}", Esc(&reference.title));
                }
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</article>\n");
}

fn planned_actions(out: &mut String, f: &Finding) {
    if f.actions.is_empty() {
        return;
    }
    out.push_str("<h4>What PortSleuth can do</h4>\n<ul class=\"actions\">\n");
    for a in &f.actions {
        let t = &a.target;
        let mut aimed = Vec::new();
        if let Some(port) = t.port {
            aimed.push(format!("port {port}"));
        }
        if let Some(pid) = t.pid {
            aimed.push(format!("PID {pid}"));
        }
        if let Some(exe) = t.exe.as_deref().or(t.exe_name.as_deref()) {
            aimed.push(exe.to_owned());
        }
        if let Some(service) = &t.service {
            aimed.push(format!("service {service}"));
        }
        if let Some(product) = &t.product {
            aimed.push(format!("product {product}"));
        }
        let _ = write!(
            out,
            "<li><strong>{}</strong> <code>{}</code>",
            Esc(&a.label),
            Esc(&a.id)
        );
        if !aimed.is_empty() {
            let _ = write!(
                out,
                " <span class=\"muted\">({})</span>",
                Esc(&aimed.join(", "))
            );
        }
        if let Some(c) = &a.caution {
            let _ = write!(
                out,
                "<br><span class=\"caution\">Caution: {}</span>",
                Esc(c)
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn ruled_out(out: &mut String, r: &Report) {
    if r.diagnosis.ruled_out.is_empty() {
        return;
    }
    out.push_str("<section class=\"ruled-out\">\n<h2>Ruled out</h2>\n<ul>\n");
    for x in &r.diagnosis.ruled_out {
        let _ = writeln!(
            out,
            "<li><strong>{}</strong> <code>{}</code>: {}</li>",
            Esc(&x.title),
            Esc(x.category.as_str()),
            Esc(&x.why)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn port_holders(out: &mut String, r: &Report) {
    let holders = &r.diagnosis.port_holders;
    if holders.is_empty() {
        return;
    }
    out.push_str(
        "<section class=\"ports\">\n<h2>Ports named in the error</h2>\n<table>\n\
         <thead><tr><th>Port</th><th>Side</th><th>Held by</th><th>PIDs</th><th>Kind</th></tr></thead>\n<tbody>\n",
    );
    for h in holders {
        let pids = h
            .pids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let kind = h.kind.as_deref().unwrap_or("").replace('_', " ");
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h.port,
            side_label(h.side, false),
            Esc(&h.summary),
            pids,
            Esc(&kind)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// What the read-only probes of the servers found, each with what was sent.
fn probes(out: &mut String, r: &Report) {
    if r.diagnosis.probes.is_empty() {
        return;
    }
    out.push_str("<section class=\"probes\">\n<h2>Probed from here (read-only)</h2>\n<ul>\n");
    for p in &r.diagnosis.probes {
        let lines = super::probes::describe(p);
        let _ = write!(out, "<li><strong>{}</strong><ul>", Esc(&lines[0]));
        for line in &lines[1..] {
            let _ = write!(out, "<li>{}</li>", Esc(line));
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ul>\n</section>\n");
}

fn actions_taken(out: &mut String, r: &Report) {
    if r.actions_taken.is_empty() {
        return;
    }
    out.push_str("<section class=\"taken\">\n<h2>Actions taken</h2>\n<ol>\n");
    for a in &r.actions_taken {
        let outcome = outcome_phrase(a.outcome);
        let _ = writeln!(
            out,
            "<li class=\"card\">\n<p><span class=\"muted\">{}</span> <strong>{}</strong> <code>{}</code> — {outcome}</p>\n<p>{}</p>",
            Esc(&a.at),
            Esc(&a.label),
            Esc(&a.action_id),
            Esc(&a.detail)
        );
        if !a.commands.is_empty() {
            out.push_str("<p>Commands, in order:</p>\n<ol>\n");
            for c in &a.commands {
                let _ = writeln!(out, "<li><code>{}</code></li>", Esc(c));
            }
            out.push_str("</ol>\n");
        }
        if let Some(v) = &a.verification {
            let _ = writeln!(out, "<p>Re-scan: {}</p>", Esc(v));
        }
        if let Some(e) = &a.error {
            let _ = writeln!(out, "<p class=\"error\">Error: {}</p>", Esc(e));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
}

fn read_from_text(out: &mut String, r: &Report) {
    let s = &r.symptoms;
    let _ = writeln!(
        out,
        "<section class=\"read\">\n<h2>Read from the text</h2>\n<p class=\"muted\">{} bytes pasted.</p>",
        r.input.bytes
    );
    if !s.codes.is_empty() {
        out.push_str(
            "<h3>Codes</h3>\n<table>\n<thead><tr><th>As written</th><th>Name</th><th>Meaning</th><th>Platform</th><th>Times</th></tr></thead>\n<tbody>\n",
        );
        for c in &s.codes {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                Esc(&c.spelled),
                Esc(&c.name),
                Esc(&c.meaning),
                Esc(c.platform.as_deref().unwrap_or("")),
                c.count
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if !s.events.is_empty() {
        out.push_str(
            "<h3>Events</h3>\n<table>\n<thead><tr><th>Event ID</th><th>Source</th><th>Meaning</th><th>Times</th></tr></thead>\n<tbody>\n",
        );
        for e in &s.events {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.id,
                Esc(e.source.as_deref().unwrap_or("unknown source")),
                Esc(e
                    .meaning
                    .as_deref()
                    .unwrap_or("not in PortSleuth's event table")),
                e.count
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    mail_fields(out, r);
    out.push_str("</section>\n");
}

/// Ports, protocols, server, account and the server's reply, as a definition list.
fn mail_fields(out: &mut String, r: &Report) {
    let s = &r.symptoms;
    let mut rows: Vec<(&str, String)> = Vec::new();
    if !s.protocols.is_empty() {
        let names: Vec<String> = s.protocols.iter().map(|p| p.value.to_uppercase()).collect();
        rows.push(("Protocols", names.join(", ")));
    }
    for p in &s.ports {
        let side = if p.inferred {
            "implied"
        } else {
            side_label(p.side, false)
        };
        let addr = p
            .address
            .as_deref()
            .map(|a| format!(" on {a}"))
            .unwrap_or_default();
        rows.push(("Port", format!("{}{addr} ({side})", p.port)));
    }
    if let Some(ssl) = &s.ssl {
        rows.push(("SSL", yes_no(ssl.value).to_owned()));
    }
    for v in &s.servers {
        rows.push((
            "Server",
            format!("{}{}", v.value, place_words(v.this_machine)),
        ));
    }
    for (label, list) in [
        ("Account", &s.accounts),
        ("Server response", &s.responses),
        ("Address", &s.addresses),
        ("Program named", &s.programs),
    ] {
        for v in list {
            rows.push((label, v.value.clone()));
        }
    }
    for n in &s.notes {
        rows.push(("Note", n.clone()));
    }
    if rows.is_empty() {
        return;
    }
    out.push_str("<h3>Connection details</h3>\n<dl>\n");
    for (label, value) in rows {
        let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", Esc(&value));
    }
    out.push_str("</dl>\n");
}

fn pasted_text(out: &mut String, r: &Report) {
    out.push_str("<section class=\"pasted\">\n<h2>The pasted error, verbatim</h2>\n");
    if r.input.truncated {
        let _ = writeln!(
            out,
            "<p class=\"muted\">The text was {} bytes; only the first {} bytes are kept here.</p>",
            r.input.bytes,
            r.input.text.len()
        );
    }
    if let Some(note) = &r.input.note {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", Esc(note));
    }
    let _ = writeln!(out, "<pre>{}</pre>\n</section>", Esc(&r.input.text));
}

fn warnings(out: &mut String, r: &Report) {
    let scan: &[_] = r.snapshot.as_ref().map_or(&[], |s| s.warnings.as_slice());
    if !scan.is_empty() {
        out.push_str(
            "<section class=\"card warnings\">\n<h2>What the scan could not see</h2>\n<ul>\n",
        );
        for w in scan {
            let _ = write!(out, "<li>{}", Esc(&w.what));
            if let Some(remedy) = &w.remedy {
                let _ = write!(out, "<br><span class=\"muted\">{}</span>", Esc(remedy));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</section>\n");
    }
    if !r.kb_warnings.is_empty() {
        out.push_str(
            "<section class=\"card warnings\">\n<h2>Problems in rule files (those entries were skipped)</h2>\n<ul>\n",
        );
        for w in &r.kb_warnings {
            let _ = writeln!(out, "<li>{}</li>", Esc(w));
        }
        out.push_str("</ul>\n</section>\n");
    }
}

/// The ports the report is about: those the text names and those the diagnosis looked at.
fn named_ports(r: &Report) -> BTreeSet<u16> {
    let mut ports: BTreeSet<u16> = r.symptoms.ports.iter().map(|p| p.port).collect();
    ports.extend(r.diagnosis.port_holders.iter().map(|h| h.port));
    ports
}

fn snapshot_excerpt(out: &mut String, r: &Report) {
    let Some(snap) = &r.snapshot else { return };
    let ports = named_ports(r);
    out.push_str(
        "<details class=\"snapshot\">\n<summary>What the scan saw on the ports named</summary>\n",
    );
    let limited = if snap.limited_to_ports.is_empty() {
        "all ports".to_owned()
    } else {
        snap.limited_to_ports
            .iter()
            .map(|p| format!("port {p}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "<p class=\"muted\">Scanned at {} · sockets read through {} · scan covered {}. The JSON report holds the whole scan.</p>",
        Esc(&snap.taken_at),
        Esc(if snap.socket_source.is_empty() { "unknown means" } else { &snap.socket_source }),
        Esc(&limited)
    );
    if ports.is_empty() {
        out.push_str(
            "<p>The text names no port, so no part of the scan is shown here.</p>\n</details>\n",
        );
        return;
    }
    let mut sockets: Vec<&Socket> = snap
        .sockets
        .iter()
        .filter(|s| {
            ports.contains(&s.local_port) || s.remote_port.is_some_and(|p| ports.contains(&p))
        })
        .collect();
    sockets.sort();
    sockets.dedup();
    socket_table(out, &sockets);
    let mut pids: BTreeSet<u32> = sockets
        .iter()
        .flat_map(|s| s.pids.iter().copied())
        .collect();
    for reg in snap
        .http_sys
        .iter()
        .filter(|h| h.port.is_some_and(|p| ports.contains(&p)))
    {
        pids.extend(reg.pids.iter().copied());
    }
    let processes: Vec<&Process> = pids.iter().filter_map(|&pid| snap.process(pid)).collect();
    process_table(out, &processes);
    services_and_products(out, snap, &processes, &pids);
    extras(out, snap, &ports);
    out.push_str("</details>\n");
}

fn socket_table(out: &mut String, sockets: &[&Socket]) {
    if sockets.is_empty() {
        out.push_str("<p>No socket on these ports.</p>\n");
        return;
    }
    out.push_str(
        "<h3>Sockets</h3>\n<table>\n<thead><tr><th>Proto</th><th>Local address</th><th>Port</th><th>Remote</th><th>State</th><th>PIDs</th></tr></thead>\n<tbody>\n",
    );
    for s in sockets.iter().take(MAX_SOCKET_ROWS) {
        let proto = match s.transport {
            crate::engine::snapshot::Transport::Tcp => "TCP",
            crate::engine::snapshot::Transport::Udp => "UDP",
        };
        let remote = match (&s.remote_addr, s.remote_port) {
            (Some(a), Some(p)) => format!("{a} port {p}"),
            (Some(a), None) => a.clone(),
            (None, Some(p)) => format!("port {p}"),
            (None, None) => String::new(),
        };
        let pids = if s.pids.is_empty() {
            "not visible".to_owned()
        } else {
            s.pids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let dual = if s.dual_stack { " (dual stack)" } else { "" };
        let _ = writeln!(
            out,
            "<tr><td>{proto}</td><td>{}{dual}</td><td>{}</td><td>{}</td><td>{}</td><td>{pids}</td></tr>",
            Esc(&s.local_addr),
            s.local_port,
            Esc(&remote),
            Esc(&s.state)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if sockets.len() > MAX_SOCKET_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} more sockets are in the JSON report.</p>",
            sockets.len() - MAX_SOCKET_ROWS
        );
    }
}

fn process_table(out: &mut String, processes: &[&Process]) {
    if processes.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Processes</h3>\n<table>\n<thead><tr><th>PID</th><th>Program</th><th>User</th><th>Path and command line</th><th>Services</th><th>Product</th></tr></thead>\n<tbody>\n",
    );
    for p in processes {
        let mut program = p.exe_name.clone();
        if !p.name.is_empty() && p.name != p.exe_name {
            program.push_str(&format!(" ({})", p.name));
        }
        let product = match (&p.version_info, &p.product) {
            (Some(v), _) => format!("{} {} ({})", v.product_name, v.version, v.company),
            (None, Some(id)) => id.clone(),
            (None, None) => String::new(),
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code>",
            p.pid,
            Esc(&program),
            Esc(p.user.as_deref().unwrap_or("")),
            Esc(p.exe.as_deref().unwrap_or(""))
        );
        if !p.cmd.is_empty() {
            let _ = write!(out, "<br><code>{}</code>", Esc(&p.cmd.join(" ")));
        }
        let _ = writeln!(
            out,
            "</td><td>{}</td><td>{}</td></tr>",
            Esc(&p.services.join(", ")),
            Esc(&product)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn services_and_products(
    out: &mut String,
    snap: &Snapshot,
    processes: &[&Process],
    pids: &BTreeSet<u32>,
) {
    let mut ids: BTreeSet<&str> = processes
        .iter()
        .flat_map(|p| p.services.iter().map(String::as_str))
        .collect();
    ids.extend(
        snap.services
            .iter()
            .filter(|s| s.pid.is_some_and(|pid| pids.contains(&pid)))
            .map(|s| s.id.as_str()),
    );
    let services: Vec<_> = ids.iter().filter_map(|id| snap.service(id)).collect();
    if !services.is_empty() {
        out.push_str(
            "<h3>Services</h3>\n<table>\n<thead><tr><th>Service</th><th>Name</th><th>Manager</th><th>State</th><th>Start</th><th>PID</th></tr></thead>\n<tbody>\n",
        );
        for s in services {
            let manager = format!("{:?}", s.manager).to_lowercase();
            let pid = s.pid.map(|p| p.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{manager}</td><td>{}</td><td>{}</td><td>{pid}</td></tr>",
                Esc(&s.id),
                Esc(&s.display_name),
                Esc(&s.state),
                Esc(&s.start_type)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let product_ids: BTreeSet<&str> = processes
        .iter()
        .filter_map(|p| p.product.as_deref())
        .collect();
    let products: Vec<_> = product_ids
        .iter()
        .filter_map(|id| snap.product(id))
        .collect();
    if products.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Installed products</h3>\n<table>\n<thead><tr><th>Product</th><th>Publisher</th><th>Source</th><th>Location</th><th>Uninstall</th></tr></thead>\n<tbody>\n",
    );
    for p in products {
        let name = if p.version.is_empty() {
            p.name.clone()
        } else {
            format!("{} {}", p.name, p.version)
        };
        let _ = writeln!(
            out,
            "<tr><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            Esc(&name),
            Esc(&p.id),
            Esc(&p.publisher),
            Esc(&p.source),
            Esc(p.install_location.as_deref().unwrap_or("")),
            Esc(p.uninstall_command.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Excluded port ranges and http.sys registrations that touch the ports named.
fn extras(out: &mut String, snap: &Snapshot, ports: &BTreeSet<u16>) {
    let ranges: Vec<_> = snap
        .excluded_ranges
        .iter()
        .filter(|r| ports.iter().any(|p| (r.start..=r.end).contains(p)))
        .collect();
    if !ranges.is_empty() {
        out.push_str("<h3>Excluded port ranges</h3>\n<ul>\n");
        for r in ranges {
            let _ = writeln!(out, "<li>{:?} {}–{}</li>", r.transport, r.start, r.end);
        }
        out.push_str("</ul>\n");
    }
    let regs: Vec<_> = snap
        .http_sys
        .iter()
        .filter(|h| h.port.is_some_and(|p| ports.contains(&p)))
        .collect();
    if !regs.is_empty() {
        out.push_str("<h3>http.sys registrations</h3>\n<ul>\n");
        for h in regs {
            let pids = h
                .pids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "<li><code>{}</code> {} {}</li>",
                Esc(&h.url),
                Esc(h.process_name.as_deref().unwrap_or("")),
                pids
            );
        }
        out.push_str("</ul>\n");
    }
}

/// " (this machine)" / " (another machine)" after a server's name, when that is known.
pub(crate) fn place_words(this_machine: Option<bool>) -> &'static str {
    match this_machine {
        Some(true) => " (this machine)",
        Some(false) => " (another machine)",
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixing::{ActionRecord, Outcome};
    use crate::engine::kb::Reference;
    use crate::engine::snapshot::{Host, Service, ServiceManager, Transport, Warning};

    const DIALOG: &str = "There was a problem logging onto your mail server. Your Password was rejected. Account: 'ann on MAIL', Server: 'mail', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port 110, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92";

    /// A machine where `exe_name` (PID 1234, run by the NAVAPSVC service) listens on port 110.
    fn machine(exe_name: &str, cmd: &[&str]) -> Snapshot {
        Snapshot {
            schema: "portsleuth.snapshot/1".into(),
            taken_at: "2026-01-02T03:04:05Z".into(),
            host: Host {
                hostname: "MAIL".into(),
                os: "Windows".into(),
                os_version: "10.0.19045".into(),
                elevated: true,
                user: "ann".into(),
                scanned_by: None,
                scanned_by_parent: None,
                addresses: Vec::new(),
            },
            sockets: vec![Socket {
                transport: Transport::Tcp,
                local_addr: "0.0.0.0".into(),
                local_port: 110,
                remote_addr: None,
                remote_port: None,
                state: "LISTEN".into(),
                pids: vec![1234],
                dual_stack: false,
            }],
            processes: vec![Process {
                pid: 1234,
                name: exe_name.into(),
                exe_name: exe_name.into(),
                exe: Some(format!("C:\\Program Files\\Vendor\\{exe_name}")),
                cmd: cmd.iter().map(|c| (*c).to_owned()).collect(),
                start_time: 1_700_000_000,
                services: vec!["NAVAPSVC".into()],
                ..Process::default()
            }],
            services: vec![Service {
                id: "NAVAPSVC".into(),
                display_name: "Norton AntiVirus Auto-Protect".into(),
                manager: ServiceManager::Scm,
                state: "running".into(),
                start_type: "auto".into(),
                pid: Some(1234),
                socket_unit: None,
            }],
            warnings: vec![Warning {
                what: "services of other users are hidden".into(),
                remedy: Some("run as administrator".into()),
            }],
            ..Snapshot::default()
        }
    }

    fn report(text: &str, snap: Option<Snapshot>) -> Report {
        let knowledge = crate::session::Knowledge::builtin();
        crate::session::Case::with_snapshot(&knowledge, text.into(), None, snap)
            .report_at(&knowledge, "2026-01-02T03:04:06Z".into())
    }

    /// Every tag this renderer writes. A tag outside this list came from the input.
    const OUR_TAGS: &[&str] = &[
        "!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
        "h3", "h4", "p", "section", "article", "dl", "dt", "dd", "div", "span", "code", "strong",
        "ul", "ol", "li", "a", "br", "table", "thead", "tbody", "tr", "th", "td", "pre", "details",
        "summary",
    ];

    fn tags(html: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for (i, _) in html.match_indices('<') {
            let rest = html[i + 1..].trim_start_matches('/');
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect();
            found.insert(name.to_ascii_lowercase());
        }
        found
    }

    fn hrefs(html: &str) -> Vec<&str> {
        html.split("href=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or(""))
            .collect()
    }

    fn hostile_report() -> Report {
        let long_line = "A".repeat(1_000_000);
        let text = format!(
            "{DIALOG}\n<script>alert(1)</script></table>\"><img src=x onerror=1> \u{202E}exe.txt \u{0}\u{7}\u{1b}[31m\u{85}red \u{2066}x\u{2069}\n{long_line}\n"
        );
        let mut r = report(
            &text,
            Some(machine(
                "<script>alert(1)</script>",
                &["\"><img src=x onerror=1>", "</table>", "\u{202E}cod.exe"],
            )),
        );
        if let Some(snap) = &mut r.snapshot {
            snap.host.hostname = "</table><script>x</script>".into();
        }
        r.diagnosis.findings[0].references = vec![
            Reference {
                title: "<b>bold</b>".into(),
                url: Some("javascript:alert(1)".into()),
            },
            Reference {
                title: "data".into(),
                url: Some("data:text/html,<script>alert(1)</script>".into()),
            },
            Reference {
                title: "quoted".into(),
                url: Some("https://example.com/a?b=1&c=\"x\" onmouseover=\"y".into()),
            },
            Reference {
                title: "real".into(),
                url: Some("https://example.com/kb?id=1&lang=en".into()),
            },
        ];
        r
    }

    #[test]
    fn hostile_text_and_process_names_stay_inert() {
        let html = render_html(&hostile_report());
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "a script tag got through");
        assert!(!lower.contains("<img"), "an img tag got through");
        assert!(
            !lower.contains("<b>"),
            "markup in a reference title got through"
        );
        let unknown: Vec<String> = tags(&html)
            .into_iter()
            .filter(|t| !OUR_TAGS.contains(&t.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "tags not written by the renderer: {unknown:?}"
        );
        // `onerror=` may only appear as escaped text, never inside a tag.
        for (i, _) in lower.match_indices("onerror=") {
            let before = &lower[..i];
            assert!(
                before.rfind('>') > before.rfind('<'),
                "onerror= inside a tag at byte {i}"
            );
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "shown as text"
        );
        assert!(
            !html.contains('\u{202E}') && !html.contains('\u{2066}'),
            "bidi control raw"
        );
        assert!(html.contains("&amp;#x202E;"), "bidi control shown visibly");
        assert!(
            !html.replace("&amp;#x", "").contains("&#x202"),
            "an entity that the browser would turn back into the control"
        );
        assert!(
            html.chars()
                .all(|c| !c.is_control() || c == '\n' || c == '\t'),
            "control characters are dropped"
        );
        assert!(
            html.contains(&"A".repeat(1_000_000)),
            "the long line is kept whole"
        );
        assert!(STYLE.contains("white-space:pre-wrap") && STYLE.contains("overflow-wrap:anywhere"));
    }

    #[test]
    fn only_web_addresses_become_links() {
        let html = render_html(&hostile_report());
        let links = hrefs(&html);
        assert!(
            links
                .iter()
                .all(|l| l.starts_with("https://") || l.starts_with("http://")),
            "javascript: and data: stay text: {links:?}"
        );
        assert!(
            links.contains(&"https://example.com/kb?id=1&amp;lang=en"),
            "{links:?}"
        );
        assert!(
            !links.iter().any(|l| l.contains("onmouseover")),
            "an address with spaces and quotes stays text"
        );
        assert!(
            html.contains("javascript:alert(1)"),
            "shown as text so it can be read"
        );
    }

    #[test]
    fn the_page_fetches_nothing_and_runs_nothing() {
        let html = render_html(&report(DIALOG, Some(machine("PoProxy.exe", &[]))));
        let lower = html.to_ascii_lowercase();
        assert!(html.starts_with("<!DOCTYPE html>"));
        for forbidden in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "url(",
            "@import",
            "src=",
            "@font-face",
        ] {
            assert!(!lower.contains(forbidden), "{forbidden} in the page");
        }
        assert!(lower.contains("content-security-policy"));
        assert!(STYLE.contains("@media print"));
        let print = &STYLE[STYLE.find("@media print").unwrap_or(0)..];
        assert!(print.contains("background:none") && print.contains("break-inside:avoid"));
    }

    #[test]
    fn sections_come_in_reading_order_with_the_best_finding_first() {
        let r = report(DIALOG, Some(machine("PoProxy.exe", &["PoProxy.exe", "/s"])));
        let html = render_html(&r);
        let order = [
            "<h1>PortSleuth diagnosis</h1>",
            "<h2>Machine</h2>",
            "<h2>Conclusion</h2>",
            "<h2>Findings, most likely first</h2>",
            "<h2>Ruled out</h2>",
            "<h2>Ports named in the error</h2>",
            "<h2>Read from the text</h2>",
            "<h2>The pasted error, verbatim</h2>",
            "<h2>What the scan could not see</h2>",
            "<details class=\"snapshot\">",
        ];
        let positions: Vec<Option<usize>> = order.iter().map(|s| html.find(s)).collect();
        assert!(
            positions.iter().all(Option::is_some),
            "{order:?} -> {positions:?}"
        );
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        let top = &r.diagnosis.findings[0];
        let first_card = html.find("id=\"finding-1\"").unwrap_or(usize::MAX);
        assert!(html[first_card..]
            .starts_with(&format!("id=\"finding-1\">\n<h3>1. {}", Esc(&top.title))));
        assert!(html.contains(&format!("style=\"width:{}%\"", percent(top.confidence))));
        assert!(
            html.contains("PoProxy.exe /s"),
            "the command line is in the scan excerpt"
        );
        assert!(
            html.contains("Norton AntiVirus Auto-Protect"),
            "the service is in the scan excerpt"
        );
        assert!(html.contains("<dt>Host name</dt><dd>MAIL</dd>"));
        assert!(html.contains("<dt>Elevated (administrator/root)</dt><dd>yes</dd>"));
    }

    #[test]
    fn a_text_only_report_says_so_and_shows_no_machine() {
        let html = render_html(&report(DIALOG, None));
        assert!(html.contains("text only, no scan"));
        assert!(!html.contains("<h2>Machine</h2>"));
        assert!(!html.contains("<details"));
        assert!(
            html.contains("not checked"),
            "what a scan would check is listed"
        );
        assert!(html.contains("0x800CCC92"), "decoded codes are listed");
    }

    #[test]
    fn actions_taken_show_time_outcome_commands_and_error() {
        let mut r = report(DIALOG, Some(machine("PoProxy.exe", &[])));
        let planned = r.diagnosis.findings[0]
            .actions
            .first()
            .cloned()
            .expect("the AV proxy finding offers an action");
        let mut record = ActionRecord::new(
            &planned,
            "2026-01-02T03:05:00Z".into(),
            vec!["sc stop NAVAPSVC".into(), "taskkill /PID 1234 <&>".into()],
            Outcome::ProblemRemains,
            "the service stopped".into(),
        );
        record.verification = Some("port 110 is held again by PoProxy.exe (PID 1300)".into());
        record.error = Some("access <denied>".into());
        r.actions_taken.push(record);
        let html = render_html(&r);
        let section = &html[html.find("<h2>Actions taken</h2>").expect("section")..];
        for expected in [
            "2026-01-02T03:05:00Z",
            "done, but the problem remains",
            "<code>sc stop NAVAPSVC</code>",
            "taskkill /PID 1234 &lt;&amp;&gt;",
            "Re-scan: port 110 is held again",
            "Error: access &lt;denied&gt;",
        ] {
            assert!(section.contains(expected), "{expected} missing");
        }
    }

    #[test]
    fn a_truncated_paste_says_how_much_was_kept() {
        let text = format!("{DIALOG}\n{}", "x".repeat(crate::report::MAX_REPORT_TEXT));
        let html = render_html(&report(&text, None));
        assert!(html.contains(&format!(
            "The text was {} bytes; only the first {} bytes are kept here.",
            text.len(),
            crate::report::MAX_REPORT_TEXT
        )));
    }

    #[test]
    fn the_same_report_renders_to_the_same_bytes() {
        let r = report(DIALOG, Some(machine("PoProxy.exe", &[])));
        assert_eq!(render_html(&r), render_html(&r.clone()));
    }
}
