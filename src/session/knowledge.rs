//! The knowledge PortSleuth decides with: the built-in knowledge base plus the per-user rules
//! folder and any `--kb` folders, loaded once and shared (by `Arc`) by the reader, the
//! diagnosis and every case.
//!
//! Rule folders are read with bounds, because a folder is not an authority: links that loop
//! back are not followed twice, and depth, file count and size are capped with a clear note.

use super::SessionError;
use crate::engine::kb::{KbError, KbSource, KnowledgeBase};
use crate::engine::reader::Reader;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// How deep a rules folder is walked.
pub const MAX_DEPTH: usize = 8;
/// How many `.toml` files one rules folder may hold.
pub const MAX_FILES: usize = 500;
/// The largest rules file read.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The most bytes of rules read from one folder.
pub const MAX_FOLDER_BYTES: u64 = 32 << 20;

pub struct Knowledge {
    reader: Reader,
    kb_dirs: Vec<PathBuf>,
    problems: Vec<KbError>,
}

impl Knowledge {
    /// The built-in knowledge base plus the user's folder and the `--kb` folders. A `--kb`
    /// that is not a folder is a usage error; problems inside the files are kept and said.
    pub fn load(kb_dirs: &[PathBuf]) -> Result<Knowledge, SessionError> {
        // The reader's own patterns do not depend on the knowledge base: the second core
        // builds them while this one loads it (once a process).
        static WARM: std::sync::Once = std::sync::Once::new();
        WARM.call_once(|| {
            let _ = crate::jobs::Job::<()>::spawn("warm-up", &crate::jobs::no_wake(), |_| {
                crate::engine::reader::warm_up();
            });
        });
        let mut sources = KbSource::builtin();
        let mut problems = Vec::new();
        if let Some(dir) = user_rules_dir().filter(|d| d.is_dir()) {
            sources.extend(read_folder(&dir, &mut problems));
        }
        for dir in kb_dirs {
            if !dir.is_dir() {
                return Err(SessionError::Usage(format!(
                    "--kb {}: not a folder",
                    dir.display()
                )));
            }
            sources.extend(read_folder(dir, &mut problems));
        }
        let (kb, load_problems) = KnowledgeBase::load(&sources);
        problems.extend(load_problems);
        Ok(Knowledge {
            reader: Reader::new(kb),
            kb_dirs: kb_dirs.to_vec(),
            problems,
        })
    }

    /// Only the built-in knowledge base (tests, and a fallback when folders cannot be read).
    pub fn builtin() -> Knowledge {
        Knowledge {
            reader: Reader::new(KnowledgeBase::builtin()),
            kb_dirs: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Knowledge made from `sources` alone (tests and `kb check`).
    pub fn from_sources(sources: &[KbSource]) -> Knowledge {
        let (kb, problems) = KnowledgeBase::load(sources);
        Knowledge {
            reader: Reader::new(kb),
            kb_dirs: Vec::new(),
            problems,
        }
    }

    pub fn kb(&self) -> &KnowledgeBase {
        self.reader.kb()
    }

    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Broken entries in the user's rule files, which were skipped.
    pub fn problems(&self) -> &[KbError] {
        &self.problems
    }

    /// "built-in 0.1.0, 56 rules" plus the user's folders, for the report.
    pub fn rule_set(&self) -> String {
        let kb = self.kb();
        let user_files = kb
            .files
            .iter()
            .filter(|f| !f.starts_with("assets/"))
            .count();
        let mut words = format!(
            "built-in {}, {} rules",
            env!("CARGO_PKG_VERSION"),
            kb.rules.len()
        );
        if user_files > 0 {
            words.push_str(&format!(", {user_files} user rule files"));
        }
        if !self.kb_dirs.is_empty() {
            words.push_str(&format!(
                " (--kb {})",
                self.kb_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        words
    }
}

/// The per-user rules folder (`portsleuth kb path`).
pub fn user_rules_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("portsleuth").join("rules"))
}

/// Every `*.toml` below `dir`, sorted by path so that overrides apply in a stable order. What
/// cannot be read, or lies beyond the bounds, becomes a problem for the user to see.
pub fn read_folder(dir: &Path, problems: &mut Vec<KbError>) -> Vec<KbSource> {
    let mut walk = Walk::default();
    walk.visit(dir, 0, problems);
    let mut files = walk.files;
    files.sort();
    let mut out = Vec::new();
    let mut total = 0u64;
    for (path, size) in files {
        let name = path.display().to_string();
        let problem = |message: String| KbError {
            file: name.clone(),
            line: None,
            message,
        };
        if size > MAX_FILE_BYTES {
            problems.push(problem(format!(
                "is {} MiB; rule files are read up to {} MiB, so it was skipped",
                size >> 20,
                MAX_FILE_BYTES >> 20
            )));
            continue;
        }
        total += size;
        if total > MAX_FOLDER_BYTES {
            problems.push(problem(format!(
                "the folder holds more than {} MiB of rules; this file and the rest were skipped",
                MAX_FOLDER_BYTES >> 20
            )));
            break;
        }
        match std::fs::read(&path) {
            Err(e) => problems.push(problem(format!("cannot read: {e}"))),
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push(KbSource {
                    name,
                    text: text.into(),
                    builtin: false,
                }),
                Err(_) => problems.push(problem("is not UTF-8 text".into())),
            },
        }
    }
    out
}

#[derive(Default)]
struct Walk {
    seen_dirs: HashSet<PathBuf>,
    files: Vec<(PathBuf, u64)>,
    said_too_many: bool,
}

impl Walk {
    fn visit(&mut self, dir: &Path, depth: usize, problems: &mut Vec<KbError>) {
        let folder_problem = |message: String| KbError {
            file: dir.display().to_string(),
            line: None,
            message,
        };
        // A link back to a folder already walked (`ln -s . x`) is not walked again.
        let Ok(real) = std::fs::canonicalize(dir) else {
            problems.push(folder_problem("cannot read the folder".into()));
            return;
        };
        if !self.seen_dirs.insert(real) {
            return;
        }
        if depth > MAX_DEPTH {
            problems.push(folder_problem(format!(
                "is nested more than {MAX_DEPTH} folders deep; it was not read"
            )));
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                problems.push(folder_problem(format!("cannot read the folder: {e}")));
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                self.visit(&path, depth + 1, problems);
            } else if meta.is_file()
                && path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("tsv")
                })
            {
                if self.files.len() >= MAX_FILES {
                    if !self.said_too_many {
                        self.said_too_many = true;
                        problems.push(folder_problem(format!(
                            "holds more than {MAX_FILES} rule files; the rest were not read"
                        )));
                    }
                    return;
                }
                self.files.push((path, meta.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_rules_folder_with_links_back_to_itself_is_read_once_and_quickly() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("mine.toml"), "").expect("write");
        std::os::unix::fs::symlink(".", dir.path().join("x")).expect("link");
        std::os::unix::fs::symlink(".", dir.path().join("y")).expect("link");
        let started = std::time::Instant::now();
        let mut problems = Vec::new();
        let sources = read_folder(dir.path(), &mut problems);
        assert_eq!(sources.len(), 1, "the one file, once");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn too_many_rule_files_are_capped_with_a_note() {
        let dir = tempfile::tempdir().expect("dir");
        for i in 0..=MAX_FILES {
            std::fs::write(dir.path().join(format!("r{i:04}.toml")), "").expect("write");
        }
        let mut problems = Vec::new();
        let sources = read_folder(dir.path(), &mut problems);
        assert_eq!(sources.len(), MAX_FILES);
        assert!(problems[0].message.contains("more than"), "{problems:?}");
    }
}
