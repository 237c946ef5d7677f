//! `portsleuth decode` and `portsleuth kb`: the knowledge base's tables, for people.

use super::KbCommand;
use crate::engine::kb::lookup::look_up;
use crate::engine::kb::{KbSource, KnowledgeBase};
use crate::session::knowledge::{read_folder, user_rules_dir};
use crate::session::{Exit, Knowledge, SessionError};
use std::path::PathBuf;

pub fn decode(kb_dirs: &[PathBuf], codes: &[String]) -> Result<Exit, SessionError> {
    let knowledge = Knowledge::load(kb_dirs)?;
    let reader = knowledge.reader();
    let mut any = false;
    let mut out = String::new();
    for raw in codes {
        // A code on its own is looked up in every table that could hold it (a bare number
        // means different things in different tables); a longer text is read like a paste.
        let meanings = look_up(knowledge.kb(), raw);
        for m in &meanings {
            any = true;
            out.push_str(&format!(
                "{}  {}  ({})\n  {}\n",
                m.value, m.name, m.table, m.meaning
            ));
            if let Some(msg) = m.message.as_ref().filter(|msg| **msg != m.meaning) {
                out.push_str(&format!("  message: {msg}\n"));
            }
            if let Some(n) = &m.note {
                out.push_str(&format!("  note: {n}\n"));
            }
        }
        if !meanings.is_empty() {
            continue;
        }
        let symptoms = reader.read(raw);
        for c in &symptoms.codes {
            any = true;
            let platform = c
                .platform
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{}  {}{}\n  {}\n",
                c.value, c.name, platform, c.meaning
            ));
            if let Some(m) = &c.message {
                out.push_str(&format!("  message: {m}\n"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  note: {n}\n"));
            }
        }
        for e in &symptoms.events {
            any = true;
            out.push_str(&format!(
                "event {}  {}\n",
                e.id,
                e.meaning
                    .as_deref()
                    .unwrap_or("not in PortSleuth's event table")
            ));
        }
    }
    if !any {
        return Err(SessionError::Input(format!(
            "no known code in: {}",
            codes.join(" ")
        )));
    }
    print!("{out}");
    Ok(Exit::Ok)
}

pub fn run(kb_dirs: &[PathBuf], action: KbCommand) -> Result<Exit, SessionError> {
    match action {
        KbCommand::Path => {
            match user_rules_dir() {
                Some(d) => println!("{}", d.display()),
                None => {
                    return Err(SessionError::Usage(
                        "this system has no per-user configuration folder".into(),
                    ))
                }
            }
            Ok(Exit::Ok)
        }
        KbCommand::Check { dir } => {
            let mut sources = KbSource::builtin();
            let mut errors = Vec::new();
            let label = match &dir {
                Some(d) => {
                    if !d.is_dir() {
                        return Err(SessionError::Usage(format!(
                            "{}: not a folder",
                            d.display()
                        )));
                    }
                    sources.extend(read_folder(d, &mut errors));
                    d.display().to_string()
                }
                None => "the built-in knowledge base".to_owned(),
            };
            let (kb, load_errors) = KnowledgeBase::load(&sources);
            errors.extend(load_errors);
            for e in &errors {
                println!("{e}");
            }
            let unbuildable = kb.unbuildable_patterns();
            for e in &unbuildable {
                println!("{e}");
            }
            let problems = errors.len() + unbuildable.len();
            if problems == 0 {
                println!(
                    "{label}: OK — {} rules, {} programs, {} codes, {} events, {} phrases",
                    kb.rules.len(),
                    kb.programs.len(),
                    kb.hresults.len() + kb.winsock.len() + kb.errno.len() + kb.smtp.len(),
                    kb.events.values().map(Vec::len).sum::<usize>(),
                    kb.phrases.len()
                );
                Ok(Exit::Ok)
            } else {
                println!("{label}: {problems} problem(s); the entries named above are skipped");
                Ok(Exit::ProblemFound)
            }
        }
        KbCommand::List => {
            let knowledge = Knowledge::load(kb_dirs)?;
            let kb = knowledge.kb();
            let errors = knowledge.problems();
            let mut out = String::new();
            out.push_str(&format!("{} rules:\n", kb.rules.len()));
            let mut rules: Vec<_> = kb.rules.iter().collect();
            rules.sort_by(|a, b| a.category.cmp(&b.category).then(a.id.cmp(&b.id)));
            for r in rules {
                out.push_str(&format!(
                    "  {:<22} {:<44} {}:{}\n",
                    r.category.as_str(),
                    r.id,
                    r.origin.file,
                    r.origin.line
                ));
            }
            out.push_str(&format!("{} programs:\n", kb.programs.len()));
            for p in &kb.programs {
                out.push_str(&format!(
                    "  {:<16} {:<28} {} ({})\n",
                    p.kind,
                    p.id,
                    p.exe.join(", "),
                    p.product
                ));
            }
            out.push_str(&format!(
                "codes: {} HRESULTs, {} Winsock, {} errno, {} SMTP, {} events, {} phrases\n",
                kb.hresults.len(),
                kb.winsock.len(),
                kb.errno.len(),
                kb.smtp.len(),
                kb.events.values().map(Vec::len).sum::<usize>(),
                kb.phrases.len()
            ));
            out.push_str(&format!("files: {}\n", kb.files.join(", ")));
            for e in errors {
                out.push_str(&format!("problem (skipped): {e}\n"));
            }
            print!("{out}");
            Ok(Exit::Ok)
        }
    }
}
