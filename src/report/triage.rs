//! The fleet triage as a document: one error text, many machines' snapshots, and for each
//! machine its top cause and who holds the ports the text names — with the summary a help desk
//! asks for first (*which machines, held by what*), and the files that could not be used.
//!
//! Rendered as text, JSON (`portsleuth.triage/1`), CSV for spreadsheets, and one
//! self-contained HTML page whose host table sorts by any column without a script (radio
//! buttons and CSS `order`, the ranks worked out here). Pure: no I/O, no clock — two renderings
//! of one triage are the same bytes. Every string in it came from a file someone else wrote;
//! the session layer clipped it, and each renderer escapes it for its format.

use super::html::{Esc, STYLE};
use super::words::percent;
use crate::engine::model::Category;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

pub const TRIAGE_SCHEMA: &str = "portsleuth.triage/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    pub schema: String,
    pub portsleuth_version: String,
    /// Which knowledge base decided: built-in version, rule count, user folders.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule_set: String,
    /// The ports the error text names: the ports whose holders each host lists.
    pub ports: Vec<u16>,
    /// Every snapshot that was diagnosed, by host name then file.
    pub hosts: Vec<TriageHost>,
    /// Per cause (the top finding's category): how many hosts, and which; most hosts first.
    pub summary: Vec<CauseSummary>,
    /// Files that could not be used, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageHost {
    /// The host name the snapshot gives (or, without one, the file's).
    pub host: String,
    /// The snapshot file, relative to the folder given.
    pub file: String,
    /// Scanned as administrator / root; without it other users' processes may be hidden.
    pub elevated: bool,
    pub os: String,
    pub taken_at: String,
    pub top: TopFinding,
    /// Who holds each port the text names (one entry per holder; a free port has one entry
    /// saying so).
    pub holders: Vec<TriageHolder>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFinding {
    pub category: Category,
    pub rule_id: String,
    pub confidence: f64,
    pub title: String,
}

/// What the snapshot says about one port the text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortState {
    /// A process holds it (named, when the scan could see it).
    Held,
    /// Held by a process the scan could not see (not elevated).
    OwnerUnseen,
    /// Nobody holds it.
    Free,
    /// Nobody holds it, but it lies in an excluded (reserved) port range.
    Reserved,
    /// The scan was limited to other ports.
    NotScanned,
}

impl PortState {
    fn words(self) -> &'static str {
        match self {
            PortState::Held => "held",
            PortState::OwnerUnseen => "held by a process the scan could not see",
            PortState::Free => "nobody",
            PortState::Reserved => "nobody, but in an excluded port range",
            PortState::NotScanned => "not scanned",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageHolder {
    pub port: u16,
    pub state: PortState,
    /// The executable's file name.
    #[serde(default)]
    pub program: Option<String>,
    #[serde(default)]
    pub pid: Option<u32>,
    /// The service it runs, as the service manager names it.
    #[serde(default)]
    pub service: Option<String>,
    /// The product behind it (the catalogue's name, the installed product, the version resource).
    #[serde(default)]
    pub product: Option<String>,
    /// The catalogue's kind of program (`av_mail_proxy`, `mail_server`, …), when known.
    #[serde(default)]
    pub kind: Option<String>,
}

impl TriageHolder {
    /// One holder in words: `PoProxy.exe (PID 4711), service NAVAPSVC, Norton AntiVirus`.
    pub fn words(&self) -> String {
        if self.state != PortState::Held || self.program.is_none() && self.pid.is_none() {
            return self.state.words().to_owned();
        }
        let mut s = self.program.clone().unwrap_or_else(|| "a process".into());
        if let Some(pid) = self.pid {
            let _ = write!(s, " (PID {pid})");
        }
        if let Some(service) = &self.service {
            let _ = write!(s, ", service {service}");
        }
        if let Some(product) = &self.product {
            let _ = write!(s, ", {product}");
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseSummary {
    pub category: Category,
    pub count: usize,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

impl Triage {
    /// Puts hosts, summary and skipped files in their one order, and counts the causes.
    pub fn new(
        rule_set: String,
        ports: Vec<u16>,
        mut hosts: Vec<TriageHost>,
        mut skipped: Vec<Skipped>,
    ) -> Triage {
        hosts.sort_by(|a, b| a.host.cmp(&b.host).then_with(|| a.file.cmp(&b.file)));
        skipped.sort();
        let mut by_cause: std::collections::BTreeMap<Category, Vec<String>> =
            std::collections::BTreeMap::new();
        for h in &hosts {
            by_cause
                .entry(h.top.category)
                .or_default()
                .push(h.host.clone());
        }
        let mut summary: Vec<CauseSummary> = by_cause
            .into_iter()
            .map(|(category, hosts)| CauseSummary {
                category,
                count: hosts.len(),
                hosts,
            })
            .collect();
        summary.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.category.as_str().cmp(b.category.as_str()))
        });
        Triage {
            schema: TRIAGE_SCHEMA.into(),
            portsleuth_version: env!("CARGO_PKG_VERSION").into(),
            rule_set,
            ports,
            hosts,
            summary,
            skipped,
        }
    }
}

/// The formats a triage is written in.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriageFormat {
    Text,
    Json,
    Html,
    Csv,
}

impl TriageFormat {
    /// The format a file name's extension asks for (`.json`, `.html`, `.csv`; else text).
    pub fn for_path(path: &std::path::Path) -> TriageFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "json" => TriageFormat::Json,
            "html" | "htm" => TriageFormat::Html,
            "csv" => TriageFormat::Csv,
            _ => TriageFormat::Text,
        }
    }
}

pub fn render_triage(t: &Triage, format: TriageFormat) -> String {
    match format {
        TriageFormat::Text => render_text(t),
        TriageFormat::Json => {
            let mut s = serde_json::to_string_pretty(t).unwrap_or_else(|e| {
                format!("{{\"schema\": \"{TRIAGE_SCHEMA}\", \"error\": \"{e}\"}}")
            });
            s.push('\n');
            s
        }
        TriageFormat::Html => render_html(t),
        TriageFormat::Csv => render_csv(t),
    }
}

/// Control characters (terminal escapes) never reach a terminal or a file from a snapshot.
fn plain(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn ports_words(ports: &[u16]) -> String {
    match ports {
        [] => "the error text names no port".to_owned(),
        [p] => format!("the error text names port {p}"),
        _ => format!(
            "the error text names ports {}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_text(t: &Triage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PortSleuth triage: {} diagnosed, {} skipped; {}.",
        plural(t.hosts.len(), "host", "hosts"),
        plural(t.skipped.len(), "file", "files"),
        ports_words(&t.ports)
    );
    out.push_str("\nCauses (the top finding of each host), most hosts first:\n");
    if t.summary.is_empty() {
        out.push_str("  none: no snapshot could be used\n");
    }
    for s in &t.summary {
        let _ = writeln!(
            out,
            "  {:<20} {:>6}  {}",
            s.category.as_str(),
            plural(s.count, "host", "hosts"),
            plain(&s.hosts.join(", "))
        );
    }
    out.push_str("\nHosts:\n");
    for h in &t.hosts {
        let elevated = if h.elevated {
            ""
        } else {
            "  [scanned without elevation]"
        };
        let _ = writeln!(
            out,
            "  {} ({}){elevated}\n    cause: {} {} {}% — {}",
            plain(&h.host),
            plain(&h.file),
            h.top.category.as_str(),
            plain(&h.top.rule_id),
            percent(h.top.confidence),
            plain(&h.top.title)
        );
        for holder in &h.holders {
            let _ = writeln!(out, "    port {}: {}", holder.port, plain(&holder.words()));
        }
        for w in &h.warnings {
            let _ = writeln!(out, "    warning: {}", plain(w));
        }
    }
    if !t.skipped.is_empty() {
        out.push_str("\nSkipped:\n");
        for s in &t.skipped {
            let _ = writeln!(out, "  {}: {}", plain(&s.file), plain(&s.reason));
        }
    }
    out
}

/// One CSV field: quoted when it must be, and a leading `=`, `+`, `-`, `@` (which a
/// spreadsheet would run as a formula) made inert with an apostrophe.
fn csv_field(s: &str) -> String {
    let s = plain(s);
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"', ';']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn join_holders(h: &TriageHost, field: impl Fn(&TriageHolder) -> Option<String>) -> String {
    let mut parts: Vec<String> = h.holders.iter().filter_map(field).collect();
    parts.dedup();
    parts.join("; ")
}

fn render_csv(t: &Triage) -> String {
    let mut out = String::from(
        "host,file,elevated,category,rule_id,confidence,holders,programs,pids,services,products,warnings\r\n",
    );
    for h in &t.hosts {
        let fields = [
            h.host.clone(),
            h.file.clone(),
            h.elevated.to_string(),
            h.top.category.as_str().to_owned(),
            h.top.rule_id.clone(),
            format!("{:.2}", h.top.confidence),
            join_holders(h, |x| Some(format!("{}: {}", x.port, x.words()))),
            join_holders(h, |x| x.program.clone()),
            join_holders(h, |x| x.pid.map(|p| p.to_string())),
            join_holders(h, |x| x.service.clone()),
            join_holders(h, |x| x.product.clone()),
            h.warnings.join("; "),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

const TRIAGE_STYLE: &str = "\
main{max-width:90rem}
.sortbar{margin:.4rem 0;font-size:.9rem}
.sortbar label{cursor:pointer;margin-right:.6rem;text-decoration:underline dotted}
.hosts{display:block}
.hosts tbody{display:flex;flex-direction:column}
.hosts thead{display:block}
.hosts tr{display:grid;grid-template-columns:minmax(8rem,1.2fr) minmax(7rem,1fr) minmax(9rem,1.4fr) 5rem minmax(8rem,1.2fr) 5rem minmax(6rem,1fr) minmax(8rem,1.2fr) 5.5rem minmax(8rem,1.4fr)}
.hosts th,.hosts td{border:1px solid #d1d5db;margin:0 -1px -1px 0}
.hosts th label{cursor:pointer;display:block}
.hosts th label::after{content:\" \\2195\";color:#6b7280}
.not-elevated{color:#92400e;font-weight:600}
@media print{.sortbar{display:none}.hosts th label::after{content:\"\"}}
";

/// The host table's columns: heading, and the key each sorts by.
const COLUMNS: [&str; 10] = [
    "Host",
    "Cause",
    "Rule",
    "Confidence",
    "Holder",
    "PID",
    "Service",
    "Product",
    "Elevated",
    "Warnings",
];

/// A sort key that compares numbers as numbers.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(u64),
    Text(String),
}

fn column_key(h: &TriageHost, column: usize) -> Key {
    let first = |f: &dyn Fn(&TriageHolder) -> Option<String>| {
        Key::Text(h.holders.iter().find_map(f).unwrap_or_default())
    };
    match column {
        0 => Key::Text(h.host.to_lowercase()),
        1 => Key::Text(h.top.category.as_str().to_owned()),
        2 => Key::Text(h.top.rule_id.clone()),
        3 => Key::Number(u64::from(percent(h.top.confidence))),
        4 => first(&|x| x.program.as_ref().map(|p| p.to_lowercase())),
        5 => Key::Number(h.holders.iter().find_map(|x| x.pid).map_or(0, u64::from)),
        6 => first(&|x| x.service.clone()),
        7 => first(&|x| x.product.clone()),
        8 => Key::Number(u64::from(h.elevated)),
        _ => Key::Number(h.warnings.len() as u64),
    }
}

/// For each column, each host's place when sorted by it (ties keep the host order).
fn ranks(hosts: &[TriageHost]) -> Vec<Vec<usize>> {
    (0..COLUMNS.len())
        .map(|c| {
            let keys: Vec<Key> = hosts.iter().map(|h| column_key(h, c)).collect();
            let mut order: Vec<usize> = (0..hosts.len()).collect();
            order.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
            let mut rank = vec![0; hosts.len()];
            for (place, &i) in order.iter().enumerate() {
                rank[i] = place + 1;
            }
            rank
        })
        .collect()
}

fn render_html(t: &Triage) -> String {
    let mut out = String::with_capacity(4096 + t.hosts.len() * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"PortSleuth {}\">\n\
         <title>PortSleuth triage: {} hosts</title>\n<style>\n{STYLE}{TRIAGE_STYLE}{}</style>\n</head>\n<body>\n<main>\n",
        Esc(&t.portsleuth_version),
        t.hosts.len(),
        sort_style()
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>PortSleuth triage</h1>\n<p class=\"muted\">PortSleuth {} · rules: {} · {} diagnosed, {} skipped · {}</p>\n</header>",
        Esc(&t.portsleuth_version),
        Esc(if t.rule_set.is_empty() { "built-in" } else { &t.rule_set }),
        plural(t.hosts.len(), "host", "hosts"),
        plural(t.skipped.len(), "file", "files"),
        Esc(&ports_words(&t.ports))
    );
    out.push_str("<section class=\"card\">\n<h2>Causes</h2>\n<table class=\"causes\">\n<tr><th>Cause</th><th>Hosts</th><th>Which</th></tr>\n");
    for s in &t.summary {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.category.as_str(),
            s.count,
            Esc(&s.hosts.join(", "))
        );
    }
    out.push_str("</table>\n</section>\n");
    host_table(&mut out, t);
    if !t.skipped.is_empty() {
        out.push_str("<section class=\"card\">\n<h2>Skipped</h2>\n<table class=\"skipped\">\n<tr><th>File</th><th>Why</th></tr>\n");
        for s in &t.skipped {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                Esc(&s.file),
                Esc(&s.reason)
            );
        }
        out.push_str("</table>\n</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// One rule per column and direction: with that radio button checked, rows take their rank
/// in that column as their place (negated for descending).
fn sort_style() -> String {
    let mut css = String::new();
    for c in 0..COLUMNS.len() {
        let _ = writeln!(
            css,
            "#sort{c}a:checked~.hosts tbody tr{{order:var(--r{c})}}\n\
             #sort{c}d:checked~.hosts tbody tr{{order:calc(0 - var(--r{c}))}}\n\
             #sort{c}a:checked~.sortbar label[for=sort{c}a],#sort{c}d:checked~.sortbar label[for=sort{c}d]{{font-weight:700;text-decoration:none}}"
        );
    }
    css
}

fn host_table(out: &mut String, t: &Triage) {
    out.push_str("<section class=\"card\">\n<h2>Hosts</h2>\n");
    for c in 0..COLUMNS.len() {
        let checked = if c == 0 { " checked" } else { "" };
        let _ = writeln!(
            out,
            "<input type=\"radio\" name=\"sort\" id=\"sort{c}a\" hidden{checked}><input type=\"radio\" name=\"sort\" id=\"sort{c}d\" hidden>"
        );
    }
    out.push_str("<p class=\"sortbar\">Sort: ");
    for (c, name) in COLUMNS.iter().enumerate() {
        let _ = write!(
            out,
            "<label for=\"sort{c}a\">{name} ▲</label><label for=\"sort{c}d\">▼</label>"
        );
    }
    out.push_str("</p>\n<table class=\"hosts\">\n<thead><tr>");
    for (c, name) in COLUMNS.iter().enumerate() {
        let _ = write!(out, "<th><label for=\"sort{c}a\">{name}</label></th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let ranks = ranks(&t.hosts);
    for (i, h) in t.hosts.iter().enumerate() {
        out.push_str("<tr style=\"");
        for (c, r) in ranks.iter().enumerate() {
            let _ = write!(out, "--r{c}:{};", r[i]);
        }
        let list = |f: &dyn Fn(&TriageHolder) -> Option<String>| {
            let mut v: Vec<String> = h.holders.iter().filter_map(f).collect();
            v.dedup();
            Esc(&v.join("; ")).to_string()
        };
        let elevated = if h.elevated {
            "yes".to_owned()
        } else {
            "<span class=\"not-elevated\">no</span>".to_owned()
        };
        let _ = writeln!(
            out,
            "\"><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{elevated}</td><td>{}</td></tr>",
            Esc(&h.host),
            Esc(&h.file),
            h.top.category.as_str(),
            Esc(&h.top.rule_id),
            Esc(&h.top.title),
            percent(h.top.confidence),
            list(&|x| Some(format!("{}: {}", x.port, x.program.clone().unwrap_or_else(|| x.state.words().to_owned())))),
            list(&|x| x.pid.map(|p| p.to_string())),
            list(&|x| x.service.clone()),
            list(&|x| x.product.clone()),
            Esc(&h.warnings.join("; ")),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, category: Category, program: Option<&str>) -> TriageHost {
        TriageHost {
            host: name.into(),
            file: format!("{name}/snapshot.json"),
            elevated: name != "b",
            os: "linux".into(),
            taken_at: "2026-12-01T00:00:00Z".into(),
            top: TopFinding {
                category,
                rule_id: "r".into(),
                confidence: 0.9,
                title: "t".into(),
            },
            holders: vec![TriageHolder {
                port: 110,
                state: if program.is_some() {
                    PortState::Held
                } else {
                    PortState::Free
                },
                program: program.map(str::to_owned),
                pid: program.map(|_| 42),
                service: None,
                product: None,
                kind: None,
            }],
            warnings: vec![],
        }
    }

    #[test]
    fn the_summary_counts_each_cause_most_hosts_first_and_hosts_are_sorted() {
        let t = Triage::new(
            String::new(),
            vec![110],
            vec![
                host("c", Category::AvMailProxy, Some("PoProxy.exe")),
                host("a", Category::BadCredentials, Some("dovecot")),
                host("b", Category::AvMailProxy, Some("PoProxy.exe")),
            ],
            vec![],
        );
        let names: Vec<&str> = t.hosts.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(t.summary[0].category, Category::AvMailProxy);
        assert_eq!(t.summary[0].count, 2);
        assert_eq!(t.summary[0].hosts, ["b", "c"]);
        let text = render_triage(&t, TriageFormat::Text);
        assert!(
            text.contains("b (b/snapshot.json)  [scanned without elevation]"),
            "{text}"
        );
        assert!(text.contains("port 110: PoProxy.exe (PID 42)"), "{text}");
    }

    #[test]
    fn hostile_names_stay_inert_in_html_and_csv() {
        let mut h = host(
            "<script>x</script>",
            Category::Unknown,
            Some("=cmd|' /C calc'!A0"),
        );
        h.warnings.push("\u{1b}[31mred".into());
        let t = Triage::new(String::new(), vec![110], vec![h], vec![]);
        let html = render_triage(&t, TriageFormat::Html);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains('\u{1b}'));
        let csv = render_triage(&t, TriageFormat::Csv);
        assert!(csv.contains("'=cmd"), "{csv}");
        assert!(!csv.contains('\u{1b}'));
        let text = render_triage(&t, TriageFormat::Text);
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn the_html_table_sorts_by_every_column_without_a_script() {
        let t = Triage::new(
            String::new(),
            vec![110],
            vec![
                host("b", Category::AvMailProxy, Some("PoProxy.exe")),
                host("a", Category::BadCredentials, Some("dovecot")),
            ],
            vec![],
        );
        let html = render_triage(&t, TriageFormat::Html);
        assert!(
            !html.contains("<script") && !html.contains("http://") && !html.contains("https://")
        );
        for c in 0..COLUMNS.len() {
            assert!(html.contains(&format!("id=\"sort{c}a\"")));
            assert!(html.contains(&format!(
                "#sort{c}d:checked~.hosts tbody tr{{order:calc(0 - var(--r{c}))}}"
            )));
        }
        // Host "a" comes first by name; by program, dovecot (a) before PoProxy.exe (b).
        assert!(
            html.contains("<tr style=\"--r0:1;--r1:2;--r2:1;--r3:1;--r4:1;"),
            "{html}"
        );
        assert_eq!(html, render_triage(&t, TriageFormat::Html));
    }
}
