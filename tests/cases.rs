//! The table of real-world error texts in `tests/cases/diagnosis.toml`: each must be read
//! (ports, codes) and diagnosed from the text alone with the expected category first.
//! Prints the accuracy; anything below 100% fails.

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
    port: Option<u16>,
    #[serde(default)]
    codes: Vec<String>,
}

#[test]
fn every_case_in_the_table_is_read_and_diagnosed_correctly() {
    let table: Table =
        toml::from_str(include_str!("cases/diagnosis.toml")).expect("the case table parses");
    let reader = Reader::new(KnowledgeBase::builtin());
    let kb = reader.kb();
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(
            !case.source.is_empty(),
            "{}: every case names where its format comes from",
            case.name
        );
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
        if !problems.is_empty() {
            failures.push(format!("{}: {}", case.name, problems.join("; ")));
        }
    }
    let total = table.case.len();
    let passed = total - failures.len();
    println!(
        "diagnosis case table: {passed}/{total} correct ({:.1}% accuracy)",
        100.0 * passed as f64 / total as f64
    );
    assert!(total >= 60, "the table should cover at least 60 cases");
    assert!(
        failures.is_empty(),
        "{} case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
