//! The case table: real error texts, each with the cause its thread or article resolved
//! (`tests/cases/*.toml`). Each is read and diagnosed from the text alone; the category that
//! ranks first must be the expected one.
//!
//! A fifth of the cases (chosen by a hash of their name, so the choice cannot drift) is held
//! out: the knowledge base is not tuned on them, and their score is printed on its own line.
//! The rest is the tuning set. `familiar.toml` holds the formats the project started from;
//! the `world-*.toml` files hold texts from public threads in formats it had not seen.
//! `CASES_FILE=world-f.toml cargo test --test cases -- --nocapture` also prints one file's score:
//! run it before adding knowledge for a fresh batch, and it is that batch's blind score.

use portsleuth::engine::diagnose::diagnose;
use portsleuth::engine::kb::KnowledgeBase;
use portsleuth::engine::reader::Reader;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    source: String,
    text: String,
    expect: String,
    /// What the thread resolved, in one line.
    #[serde(default)]
    cause: Option<String>,
    /// The condition the text reports, in PortSleuth's vocabulary.
    #[serde(default)]
    condition: Option<String>,
    /// Whether the format is one `../shared/domain/kb-facts.md` shows.
    #[serde(default)]
    familiar: Option<bool>,
    port: Option<u16>,
    #[serde(default)]
    codes: Vec<String>,
}

/// FNV-1a: stable across Rust versions, unlike the standard hasher.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn held_out(name: &str) -> bool {
    fnv1a(name) % 5 == 0
}

fn load() -> Vec<(String, Case)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("case file");
        let table: Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{} does not parse: {e}", f.display()));
        let file = f.file_name().expect("name").to_string_lossy().into_owned();
        out.extend(table.case.into_iter().map(|c| (file.clone(), c)));
    }
    out
}

/// What went wrong with one case, or nothing.
fn problems(reader: &Reader, case: &Case) -> Vec<String> {
    let kb = reader.kb();
    let symptoms = reader.read(&case.text);
    let diagnosis = diagnose(kb, &case.text, &symptoms, None);
    let top = &diagnosis.findings[0];
    let mut problems = Vec::new();
    if top.category.as_str() != case.expect {
        let ranked: Vec<String> = diagnosis
            .findings
            .iter()
            .take(4)
            .map(|f| format!("{} {} ({})", f.category, f.confidence, f.rule_id))
            .collect();
        problems.push(format!(
            "expected {}, got [{}]",
            case.expect,
            ranked.join(", ")
        ));
    }
    if let Some(port) = case.port {
        if !symptoms.ports.iter().any(|p| p.port == port) {
            problems.push(format!(
                "port {port} not read (read: {:?})",
                symptoms.ports.iter().map(|p| p.port).collect::<Vec<_>>()
            ));
        }
    }
    for code in &case.codes {
        let found = if let Some(id) = code.strip_prefix("event:") {
            symptoms.events.iter().any(|e| e.id.to_string() == id)
        } else {
            let wanted = code.to_lowercase();
            symptoms
                .codes
                .iter()
                .any(|c| c.key.to_lowercase() == wanted)
        };
        if !found {
            problems.push(format!(
                "code {code} not decoded (decoded: {:?})",
                symptoms
                    .codes
                    .iter()
                    .map(|c| c.key.as_str())
                    .collect::<Vec<_>>()
            ));
        }
    }
    problems
}

#[derive(Default)]
struct Score {
    total: usize,
    /// The category ranked first is the expected one.
    right: usize,
    /// Right, but a port or code the case names was not read.
    misread: usize,
    over: usize,
}

impl Score {
    /// Counts one case.
    fn count(&mut self, right: bool, over: bool, misread: bool) {
        self.total += 1;
        self.right += usize::from(right);
        self.over += usize::from(over);
        self.misread += usize::from(misread);
    }

    fn line(&self, what: &str) -> String {
        format!(
            "{what}: {}/{} right ({:.1}%), {} over-diagnosed, {} right but with a port or code not read",
            self.right,
            self.total,
            100.0 * self.right as f64 / self.total.max(1) as f64,
            self.over,
            self.misread
        )
    }
}

#[test]
fn every_case_in_the_table_is_read_and_diagnosed_correctly() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let cases = load();
    let mut tuning = Score::default();
    let mut unfamiliar = Score::default();
    let mut holdout = Score::default();
    // `CASES_FILE=world-f.toml` also scores that one file on its own line: a fresh batch's
    // blind score, before any knowledge is added for it.
    let only = std::env::var("CASES_FILE").ok();
    let mut in_file = Score::default();
    let mut failures = Vec::new();
    let mut holdout_shapes = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (file, case) in &cases {
        assert!(
            names.insert(case.name.clone()),
            "{} is named twice",
            case.name
        );
        assert!(
            !case.source.is_empty(),
            "{}: every case names its source",
            case.name
        );
        let got = problems(&reader, case);
        // Over-diagnosis: a harmful wrong cause — naming a port conflict, a proxy or a bad
        // password for a text whose cause was something else.
        let top = {
            let s = reader.read(&case.text);
            diagnose(reader.kb(), &case.text, &s, None).findings[0]
                .category
                .as_str()
                .to_owned()
        };
        let over = top != case.expect
            && top != "unknown"
            && matches!(
                top.as_str(),
                "port_conflict" | "av_mail_proxy" | "bad_credentials" | "reserved_port_range"
            );
        let right = top == case.expect;
        let misread = right && !got.is_empty();
        if held_out(&case.name) {
            holdout.count(right, over, misread);
        } else {
            tuning.count(right, over, misread);
        }
        if only.as_deref() == Some(file.as_str()) {
            in_file.count(right, over, misread);
        }
        if !held_out(&case.name) && case.familiar == Some(false) {
            unfamiliar.count(right, over, false);
        }
        if !got.is_empty() && !held_out(&case.name) {
            failures.push(format!("{file} {}: {}", case.name, got.join("; ")));
        }
        if !right && held_out(&case.name) {
            // Only the shape of a held-out miss, never its text: enough to see a gap in a
            // whole class of conditions without tuning on the case.
            holdout_shapes.push(format!("expected {}, ranked first {top}", case.expect));
        }
        let _ = (&case.cause, &case.condition);
    }
    println!("{}", tuning.line("case table, tuning set"));
    println!(
        "{}",
        unfamiliar.line("case table, tuning set, unfamiliar formats")
    );
    println!(
        "{}",
        holdout.line("case table, held-out fifth (not tuned on)")
    );
    if let Some(file) = &only {
        println!("{}", in_file.line(&format!("case file {file}")));
    }
    holdout_shapes.sort();
    println!("held-out misses by shape: {holdout_shapes:#?}");
    if !failures.is_empty() {
        println!("tuning-set misses:\n{}", failures.join("\n"));
    }
    assert!(
        cases.len() >= 300,
        "the table should hold at least 300 cases"
    );
    // The aim is 95%. Batches K, L and M's 281 texts took the tuning set from 503/524 (96.0%) to
    // 703/749 (93.9%), batches N to Q's 643 to 1147/1272 (90.2%), batches R to U's 651 to
    // 1541/1793 (85.9%; they scored 369/661 blind, and the knowledge written for them took those
    // texts to 469/651), batches V and W's 484 to 1866/2185 (85.4%; they scored 285/484 blind,
    // and the knowledge written for them took those texts to 382/484), batch X's 198 to 2003/2344
    // (85.5%; they scored 100/198 blind, and the knowledge written for them took those texts to
    // 152/198), batch Z's 183 to 2081/2483 (83.8%; they scored 67/183 blind, and the knowledge
    // written for them took those texts to 97/183): what stays wrong there is
    // mostly texts that cannot say their cause (a mail program's "unforeseen error" behind an
    // antivirus's mail shield, a refusal that a firewall or a ban sent, a login refused for want
    // of an app password that reads like a wrong one, Windows' 10013 on a bind with no port or
    // range named, which batch O4's threads resolve three ways, a Cloudflare 525 whose origin
    // was down in one thread and rate-limited in another, and batches T and U's old Exchange and
    // Windows KB texts whose cause lay in a server's settings); the guard sits just under it.
    assert!(
        tuning.right * 1000 >= tuning.total * 835,
        "{}\n{}",
        tuning.line("tuning set below 83.5%"),
        failures.join("\n")
    );
    // A few texts (three now) name their port in a way the reader does not take as one (Go's `<nil>:80`, a
    // host and port as two arguments of a command line, a broken address `192.168. 31.201:24800`,
    // a column of Windows Firewall's log); the guard keeps more from slipping in.
    assert!(
        tuning.misread <= 4,
        "{}\n{}",
        tuning.line("ports or codes not read"),
        failures.join("\n")
    );
    // A guard against regressions, not the aim (95%). Each fresh batch brings held-out texts
    // nobody tuned on, and they score like a blind batch: batch G's 13 took the fifth from
    // 80/93 (86.0%) to 89/106 (84.0%), batch H's 9 to 94/115 (81.7%), batches I and J's 19 to
    // 108/134 (80.6%), batches K, L and M's 56 (mail dialogs, servers' replies, antivirus
    // interception, Windows servers) to 147/190 (77.4%), batch N's 38 to 178/228 (78.1%),
    // batch O's 28 (Windows events, mail dialogs, security products, Windows binds) to 196/256
    // (76.6%), batch P's 28 to 219/284 (77.1%), batch Q's 26 to 240/310 (77.4%), batches R to
    // U's 130 (77 of them right) to 320/440 (72.7%), batches V and W's 92 (59 right) to 380/532
    // (71.4%), batch X's 39 (18 right) to 398/571 (69.7%), batch Z's 44 (19 right; 16 blind) to
    // 418/615 (68.0%). The floor sits just under that figure.
    assert!(
        holdout.right * 100 >= holdout.total * 67,
        "{}",
        holdout.line("held-out fifth below 67%")
    );
}

/// The rule patterns' required words (which spare building a pattern for a text that lacks
/// them) never hide a match: every built-in pattern that matches a case's text finds one of
/// its words in that text.
#[test]
fn no_rule_pattern_is_skipped_for_a_text_it_matches() {
    use portsleuth::engine::kb::{Pattern, SymptomMatcher};
    let kb = KnowledgeBase::builtin();
    let mut patterns: Vec<(String, Pattern)> = Vec::new();
    for rule in &kb.rules {
        let boosts = rule.boosts.iter().map(|b| &b.when);
        for m in rule
            .all
            .iter()
            .chain(&rule.any)
            .chain(&rule.not)
            .chain(boosts)
        {
            if let SymptomMatcher::Text(p) | SymptomMatcher::Response(p) = m {
                patterns.push((rule.id.clone(), p.clone()));
            }
        }
    }
    assert!(patterns.len() > 100, "{} patterns", patterns.len());
    let mut matched = 0;
    let mut skipped = 0;
    let mut pairs = 0;
    for (_, case) in load() {
        let lowered = case.text.to_ascii_lowercase();
        for (rule, p) in &patterns {
            pairs += 1;
            skipped += usize::from(!p.may_match(&lowered));
            let Some(re) = p.regex() else { continue };
            if re.is_match(case.text.as_bytes()) {
                matched += 1;
                assert!(
                    p.may_match(&lowered),
                    "rule {rule}: /{}/ matches case {} but its required words are not in it",
                    p.as_str(),
                    case.name
                );
            }
        }
    }
    // The check ran on real matches, not on none; and the words do spare most patterns most
    // texts (without them every pattern would be built for every text).
    assert!(matched > 500, "{matched} matches");
    assert!(
        skipped * 10 > pairs * 8,
        "only {skipped} of {pairs} pattern-and-text pairs were spared"
    );
}
