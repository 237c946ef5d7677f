//! Property test of the reader: any text at all — random bytes turned into text, fragments of
//! real error messages glued together, hostile characters — is read without a panic, and every
//! span it reports lies inside the text on character boundaries.

use portsleuth::engine::diagnose::diagnose;
use portsleuth::engine::kb::KnowledgeBase;
use portsleuth::engine::model::Span;
use portsleuth::engine::reader::Reader;
use proptest::prelude::*;
use std::sync::LazyLock;

static READER: LazyLock<Reader> = LazyLock::new(|| Reader::new(KnowledgeBase::builtin()));

const FRAGMENTS: [&str; 24] = [
    "Port 110",
    "Port: ",
    "Secure(SSL): Yes",
    "0x800CCC92",
    "0x2740",
    "(98)Address already in use",
    "Errno 48",
    "[WinError 10048]",
    "os error ",
    "Event ID: 11508\n",
    "Source: MSExchangeIS\n",
    "<EventID>1194</EventID>",
    "Server Response: '-ERR ",
    "'",
    "\r\n",
    "&#39;",
    "&amp",
    "\u{2019}",
    "\u{202E}",
    "[::]:",
    "0.0.0.0:",
    "listen(*, ",
    "PoProxy.exe",
    "\u{0}",
];

fn spans_ok(text: &str, span: Span) -> bool {
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

fn check(text: &str) {
    let reader = &*READER;
    let s = reader.read(text);
    let mut spans: Vec<Span> = Vec::new();
    spans.extend(s.codes.iter().map(|c| c.span));
    spans.extend(s.ports.iter().map(|p| p.span));
    spans.extend(s.events.iter().map(|e| e.span));
    spans.extend(s.conditions.iter().map(|c| c.span));
    spans.extend(s.protocols.iter().map(|p| p.span));
    spans.extend(s.responses.iter().map(|p| p.span));
    spans.extend(s.programs.iter().map(|p| p.span));
    for span in spans {
        assert!(
            spans_ok(text, span),
            "span {span:?} outside or inside a character of {} bytes",
            text.len()
        );
    }
    let d = diagnose(READER.kb(), text, &s, None);
    assert!(!d.findings.is_empty());
    for f in &d.findings {
        for e in &f.evidence {
            if let Some(span) = e.span {
                assert!(spans_ok(text, span));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_string_is_read_without_panic(text in "\\PC{0,400}") {
        check(&text);
    }

    #[test]
    fn glued_error_fragments_are_read_without_panic(parts in prop::collection::vec((0usize..FRAGMENTS.len(), 0u32..70000), 0..40)) {
        let mut text = String::new();
        for (i, n) in parts {
            text.push_str(FRAGMENTS[i]);
            text.push_str(&n.to_string());
        }
        check(&text);
    }

    #[test]
    fn lossy_bytes_are_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_big_log_with_one_error_deep_inside_is_found_with_the_right_span() {
    let mut text = "2026-11-26 INFO ordinary line with nothing to see\n".repeat(20_000);
    let needle = "nginx: [emerg] bind() to 0.0.0.0:8080 failed (98: Address already in use)\n";
    let at = text.len();
    text.push_str(needle);
    text.push_str(&"2026-11-26 INFO another ordinary line\n".repeat(5_000));
    let s = READER.read(&text);
    let port = s
        .ports
        .iter()
        .find(|p| p.port == 8080)
        .expect("port found in a big log");
    assert_eq!(&text[port.span.start..port.span.end], "8080");
    assert!(port.span.start > at);
    assert!(s.has_code("errno:EADDRINUSE"));
}
