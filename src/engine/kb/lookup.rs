//! A code typed on its own (`5.7.1`, `10013`, `curl 7`, `CURLE_COULDNT_CONNECT`, `alert 40`)
//! looked up in every table that could hold it. A bare number means different things in
//! different tables, so each meaning is returned with the table it comes from; the reader,
//! which sees the words around a code, is for codes inside a text.

use super::{CodeInfo, KnowledgeBase};

/// One meaning of a code typed on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meaning {
    /// What the code is read as: "Winsock error", "SMTP enhanced status", "event ID" …
    pub table: &'static str,
    /// The code as that table writes it.
    pub value: String,
    pub name: String,
    pub meaning: String,
    pub message: Option<String>,
    pub note: Option<String>,
}

impl Meaning {
    fn of(table: &'static str, value: String, info: &CodeInfo) -> Meaning {
        Meaning {
            table,
            value,
            name: info.name.clone(),
            meaning: info.meaning.clone(),
            message: info.message.clone(),
            note: info.note.clone(),
        }
    }
}

/// Every meaning the tables give `token`; empty when none does.
pub fn look_up(kb: &KnowledgeBase, token: &str) -> Vec<Meaning> {
    let token = token.trim();
    let lower = token.to_ascii_lowercase();
    let mut out = Vec::new();
    if is_enhanced(token) {
        if let Some(info) = kb.smtp_enhanced.get(token) {
            out.push(Meaning::of(
                "SMTP enhanced status (RFC 3463)",
                token.to_owned(),
                info,
            ));
        }
        return out;
    }
    if let Some(n) = number_after(&lower, &["curl", "curle"]) {
        if let Some(info) = kb.curl.get(&n) {
            out.push(Meaning::of("curl exit code", n.to_string(), info));
        }
        return out;
    }
    if let Some(n) = number_after(&lower, &["alert", "tls alert"]) {
        if let Some(info) = kb.tls_alerts.get(&n) {
            out.push(Meaning::of("TLS alert", n.to_string(), info));
        }
        return out;
    }
    if let Some(n) = number_after(&lower, &["event", "event id"]) {
        push_events(kb, n, &mut out);
        return out;
    }
    if lower.starts_with("curle_") {
        out.extend(
            kb.curl
                .iter()
                .filter(|(_, info)| info.name.to_ascii_lowercase().contains(&lower))
                .map(|(n, info)| Meaning::of("curl exit code", n.to_string(), info)),
        );
        return out;
    }
    let Ok(n) = token.parse::<u32>() else {
        return out;
    };
    if let Some(info) = kb.winsock.get(&n) {
        out.push(Meaning::of("Winsock error", n.to_string(), info));
    }
    if let Some(info) = kb.win32.get(&n) {
        out.push(Meaning::of("Windows error", n.to_string(), info));
    }
    for e in &kb.errno {
        let is_n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()) == Some(n);
        let table = match (is_n(e.linux), is_n(e.macos)) {
            (true, true) => Some("errno on Linux and macOS"),
            (true, false) => Some("errno on Linux"),
            (false, true) => Some("errno on macOS"),
            (false, false) => None,
        };
        if let Some(table) = table {
            out.push(Meaning {
                table,
                value: n.to_string(),
                name: e.name.clone(),
                meaning: e.meaning.clone().unwrap_or_else(|| e.message.clone()),
                message: Some(e.message.clone()),
                note: None,
            });
        }
    }
    if let Some(info) = u16::try_from(n).ok().and_then(|c| kb.smtp.get(&c)) {
        out.push(Meaning::of("SMTP reply", n.to_string(), info));
    }
    push_events(kb, n, &mut out);
    out
}

fn push_events(kb: &KnowledgeBase, n: u32, out: &mut Vec<Meaning>) {
    for e in kb.events.get(&n).into_iter().flatten() {
        out.push(Meaning {
            table: "event ID",
            value: n.to_string(),
            name: e.sources.join(", "),
            meaning: e.meaning.clone(),
            message: None,
            note: Some(e.product.clone()).filter(|p| !p.is_empty()),
        });
    }
}

/// `5.7.1`, `4.4.1`: class, subject and detail.
fn is_enhanced(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The number in `curl 7`, `curl: (7)`, `curl7`, `alert 40`, `event 11508`.
fn number_after(lower: &str, prefixes: &[&str]) -> Option<u32> {
    prefixes.iter().find_map(|p| {
        let rest = lower.strip_prefix(p)?;
        let digits = rest.trim_start_matches([' ', ':', '(', '#', '=']);
        let digits = digits.trim_end_matches(')');
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBase {
        KnowledgeBase::builtin()
    }

    #[test]
    fn an_enhanced_status_code_is_found_on_its_own() {
        let m = look_up(&kb(), "5.7.1");
        assert_eq!(m.len(), 1);
        assert!(m[0].table.starts_with("SMTP enhanced"));
        assert!(
            m[0].meaning.to_lowercase().contains("not allowed")
                || m[0].meaning.to_lowercase().contains("refused"),
            "{m:?}"
        );
    }

    #[test]
    fn a_bare_number_gives_every_table_that_holds_it() {
        let m = look_up(&kb(), "13");
        let tables: Vec<&str> = m.iter().map(|m| m.table).collect();
        assert!(tables.contains(&"errno on Linux and macOS"), "{tables:?}");
        assert!(m.iter().any(|m| m.name == "EACCES"), "{m:?}");
        let m = look_up(&kb(), "10013");
        assert!(
            m.iter()
                .any(|m| m.table == "Winsock error" && m.name == "WSAEACCES"),
            "{m:?}"
        );
    }

    #[test]
    fn curl_codes_and_names_are_found() {
        let by_number = look_up(&kb(), "curl 7");
        assert_eq!(by_number.len(), 1);
        assert!(by_number[0].name.contains("CURLE_COULDNT_CONNECT"));
        assert_eq!(look_up(&kb(), "curl: (7)"), by_number);
        let by_name = look_up(&kb(), "CURLE_COULDNT_CONNECT");
        assert_eq!(by_name[0].value, "7");
    }

    #[test]
    fn words_that_are_no_code_give_nothing() {
        for t in ["", "hello", "5.7", "9.9.9", "curl", "alert x", "5.7.1.1"] {
            assert!(look_up(&kb(), t).is_empty(), "{t}");
        }
    }
}
