//! The knowledge files built into the binary, and the text of any file handed in.
use std::borrow::Cow;

/// One TOML file's text and the name to report it by.
#[derive(Debug, Clone)]
pub struct KbSource {
    pub name: String,
    /// A built-in file's text is the binary's own (not copied at each start); a file read from
    /// disk is owned.
    pub text: Cow<'static, str>,
    pub builtin: bool,
}

macro_rules! builtin {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)))),*]
    };
}

/// The knowledge files compiled into the binary (paths relative to `assets/`).
pub const BUILTIN_FILES: &[(&str, &str)] = builtin![
    "codes/hresult.toml",
    "codes/winsock.toml",
    "codes/errno.toml",
    "codes/events.toml",
    "codes/phrases.toml",
    "codes/smtp.toml",
    "codes/protocols.toml",
    "codes/context.toml",
    "programs.toml",
    "rules/mail.toml",
    "rules/bind.toml",
    "rules/network.toml",
    "rules/misleading.toml",
    "rules/conditions.toml",
    "codes/winsock.tsv",
    "codes/ixp.tsv",
    "codes/hresult-net.tsv",
    "codes/errno.tsv",
    "codes/events.tsv",
    "codes/smtp.tsv",
    "codes/mailproto.tsv",
    "codes/tls.tsv",
    "codes/runtimes.tsv",
    "codes/phrases-world.tsv",
    "codes/phrases-common.tsv",
];

/// The built-in TOML files as `build.rs` parsed them: JSON of each file's tables, every entry
/// with its line (`null` for a file that did not parse, which the loader then reads from TOML
/// to name the error). Reading this instead of the TOML is most of start-up saved. The list is
/// written by `build.rs` from the files it parsed.
const BUILTIN_PARSED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/kb/parsed.rs"));

/// The build-time parse of a built-in TOML file (`assets/…`), if it parsed.
pub(super) fn parsed(source: &KbSource) -> Option<&'static str> {
    if !source.builtin {
        return None;
    }
    let name = source.name.strip_prefix("assets/")?;
    BUILTIN_PARSED
        .iter()
        .find(|(path, _)| *path == name)
        .map(|(_, json)| *json)
        .filter(|json| *json != "null")
}

impl KbSource {
    pub fn builtin() -> Vec<KbSource> {
        BUILTIN_FILES
            .iter()
            .map(|(name, text)| KbSource {
                name: format!("assets/{name}"),
                text: Cow::Borrowed(*text),
                builtin: true,
            })
            .collect()
    }
}
