//! The knowledge files built into the binary, and the text of any file handed in.
/// One TOML file's text and the name to report it by.
#[derive(Debug, Clone)]
pub struct KbSource {
    pub name: String,
    pub text: String,
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
    "programs.toml",
    "rules/mail.toml",
    "rules/bind.toml",
    "rules/network.toml",
    "rules/misleading.toml",
];

impl KbSource {
    pub fn builtin() -> Vec<KbSource> {
        BUILTIN_FILES
            .iter()
            .map(|(name, text)| KbSource {
                name: format!("assets/{name}"),
                text: (*text).to_owned(),
                builtin: true,
            })
            .collect()
    }
}
