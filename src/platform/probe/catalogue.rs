//! The banner catalogue: which greeting (or `Server:` header) names which program.
//!
//! The entries live in `banners.toml` as data, like the rest of PortSleuth's knowledge, each
//! with the public source it was seen in. This module only reads them and matches them; it
//! never invents an identification from a pattern nobody wrote down.

use regex::Regex;
use serde::Deserialize;

use crate::engine::probe::Identified;

/// One catalogue entry: a greeting pattern and the program it identifies.
#[derive(Clone, Debug)]
pub struct BannerPattern {
    /// The program's id, matching `assets/programs.toml` where the program is listed there.
    pub program_id: String,
    pub product: String,
    /// `mail_server`, `web_server`, `av_mail_proxy`, …
    pub kind: String,
    /// `pop3`, `imap`, `smtp`, `http`, `tls_issuer` (matched against a certificate's issuer,
    /// to name a product that re-signs TLS), or `any`.
    pub protocol: String,
    /// Matched against the greeting as [`crate::engine::probe::Probe::greeting`] holds it (lines joined with
    /// `\n`; for HTTP the status line, then `Server: …`).
    pub pattern: Regex,
    /// Where the banner was seen (a URL).
    pub source: String,
}

/// A `banners.toml` entry that could not be used, with the entry's position and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueError {
    /// 1-based index of the `[[banner]]` entry, 0 when the file as a whole did not parse.
    pub entry: usize,
    pub message: String,
}

impl std::fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.entry == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "banner #{}: {}", self.entry, self.message)
        }
    }
}

impl std::error::Error for CatalogueError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BannerFile {
    #[serde(default)]
    banner: Vec<BannerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BannerEntry {
    program_id: String,
    product: String,
    kind: String,
    protocol: String,
    pattern: String,
    source: String,
}

const PROTOCOLS: &[&str] = &["pop3", "imap", "smtp", "http", "tls_issuer", "any"];

/// The catalogue that ships with PortSleuth.
pub const BUILTIN_BANNERS: &str = include_str!("../../../assets/probe/banners.toml");

/// Reads a `banners.toml` text. Broken entries are reported and left out; the rest are kept,
/// so one bad regex does not cost the whole catalogue.
pub fn load_banners(text: &str) -> (Vec<BannerPattern>, Vec<CatalogueError>) {
    let file: BannerFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            return (
                Vec::new(),
                vec![CatalogueError {
                    entry: 0,
                    message: e.to_string(),
                }],
            )
        }
    };
    let mut patterns = Vec::new();
    let mut errors = Vec::new();
    for (i, entry) in file.banner.into_iter().enumerate() {
        let problem = |message: String| CatalogueError {
            entry: i + 1,
            message: format!("{} ({}): {message}", entry.program_id, entry.protocol),
        };
        if !PROTOCOLS.contains(&entry.protocol.as_str()) {
            errors.push(problem(format!(
                "protocol must be one of {}",
                PROTOCOLS.join(", ")
            )));
            continue;
        }
        if entry.source.trim().is_empty() {
            errors.push(problem("source is empty".into()));
            continue;
        }
        match Regex::new(&entry.pattern) {
            Ok(pattern) => patterns.push(BannerPattern {
                program_id: entry.program_id,
                product: entry.product,
                kind: entry.kind,
                protocol: entry.protocol,
                pattern,
                source: entry.source,
            }),
            Err(e) => errors.push(problem(format!("pattern does not compile: {e}"))),
        }
    }
    (patterns, errors)
}

/// The built-in catalogue. Its entries are checked by a test, so none is ever left out here.
pub fn builtin_banners() -> Vec<BannerPattern> {
    load_banners(BUILTIN_BANNERS).0
}

/// The first entry for `protocol` (or `any`) whose pattern matches `greeting`.
pub fn identify(catalogue: &[BannerPattern], protocol: &str, greeting: &str) -> Option<Identified> {
    catalogue
        .iter()
        .filter(|b| b.protocol == protocol || b.protocol == "any")
        .find(|b| b.pattern.is_match(greeting))
        .map(|b| Identified {
            program_id: b.program_id.clone(),
            product: b.product.clone(),
            kind: b.kind.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_whole() {
        let (patterns, errors) = load_banners(BUILTIN_BANNERS);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(patterns.len() >= 20, "only {} patterns", patterns.len());
        for p in &patterns {
            assert!(
                p.source.starts_with("https://") || p.source.starts_with("http://"),
                "{}: source is not a URL: {}",
                p.program_id,
                p.source
            );
            assert!(
                p.program_id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                p.program_id
            );
        }
    }

    #[test]
    fn a_broken_entry_is_reported_and_the_rest_kept() {
        let text = r#"
[[banner]]
program_id = "good"
product = "Good"
kind = "mail_server"
protocol = "pop3"
pattern = '^\+OK good'
source = "https://example.org/good"

[[banner]]
program_id = "bad"
product = "Bad"
kind = "mail_server"
protocol = "pop3"
pattern = '^\+OK ('
source = "https://example.org/bad"

[[banner]]
program_id = "odd"
product = "Odd"
kind = "mail_server"
protocol = "gopher"
pattern = 'x'
source = "https://example.org/odd"
"#;
        let (patterns, errors) = load_banners(text);
        assert_eq!(patterns.len(), 1);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].entry, 2);
        assert!(errors[0].to_string().contains("does not compile"));
        assert_eq!(errors[1].entry, 3);
        let found = identify(&patterns, "pop3", "+OK good morning").unwrap();
        assert_eq!(found.program_id, "good");
        assert!(identify(&patterns, "imap", "+OK good morning").is_none());
    }
}
