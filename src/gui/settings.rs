//! What the wizard remembers between runs: window size, theme, report format and redaction.
//! Kept in one small JSON file, written atomically; a missing or damaged file gives the
//! defaults (and the damage is said once, never fatal).

use crate::report::Format;
use crate::session::files::write_atomic;
use crate::session::SessionError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's dark/light setting.
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Inner size of the window in points.
    pub window: [f32; 2],
    pub theme: Theme,
    pub format: Format,
    pub redact: bool,
    /// The folder the last report was saved in, offered for the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_folder: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window: [1180.0, 760.0],
            theme: Theme::System,
            format: Format::Html,
            redact: false,
            report_folder: None,
        }
    }
}

impl Settings {
    /// `settings.json` in the per-user configuration folder.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("portsleuth").join("settings.json"))
    }

    /// The settings at `path`, or the defaults with a note of what was wrong.
    pub fn load(path: Option<&Path>) -> (Settings, Option<String>) {
        let Some(path) = path else {
            return (Settings::default(), None);
        };
        match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!("could not read {}: {e}", path.display())),
            ),
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(mut s) => {
                    s.window = [
                        s.window[0].clamp(640.0, 8000.0),
                        s.window[1].clamp(480.0, 8000.0),
                    ];
                    (s, None)
                }
                Err(e) => (
                    Settings::default(),
                    Some(format!(
                        "{} is damaged ({e}); the defaults are used and the file will be rewritten",
                        path.display()
                    )),
                ),
            },
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SessionError::Write {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| SessionError::Internal(e.to_string()))?;
        write_atomic(path, &json)
    }
}
