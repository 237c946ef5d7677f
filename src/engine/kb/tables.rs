//! Code tables kept as tab-separated text (`assets/codes/*.tsv`): Winsock, Outlook's IXP codes,
//! network HRESULTs and NTSTATUS, Win32/WinINet/WinHTTP errors, errno on each platform, SMTP
//! basic and enhanced codes, IMAP/POP3 response codes, TLS alerts and library reasons, curl
//! codes, and the socket, DNS and TLS errors of language runtimes with their wording.
//!
//! Line 1 of a file names its sources (`# source: …`); line 2 is the header, which says what
//! the file holds; then one fact a row. `-` is an empty field. Every message a table gives is
//! also a phrase the reader recognises, so a product nobody listed still gets its condition
//! from the words its runtime prints. A bad row is skipped and named by file and line.

use super::load::Gathered;
use super::{
    fold_space, lowercase, parse_hex32, CodeInfo, ErrnoInfo, EventInfo, KbError, KbSource,
    PhraseInfo,
};
use crate::engine::model::Condition;
use std::sync::Arc;

/// The header of each kind of table, as the files write it.
const HEADERS: [(&str, Kind); 9] = [
    ("code\tname\tmessage\tcondition\tmeaning", Kind::Winsock),
    ("code\tname\tcondition\tmeaning", Kind::Ixp),
    (
        "code\tname\tmessage\tcondition\tmeaning\tapi",
        Kind::Hresult,
    ),
    (
        "platform\tnumber\tname\tmessage\tcondition\tmeaning",
        Kind::Errno,
    ),
    (
        "source\tevent_id\tmessage_pattern\tcondition\tmeaning",
        Kind::Event,
    ),
    ("code\tkind\tname_or_text\tcondition\tmeaning", Kind::Smtp),
    (
        "protocol\tcode_or_text\tcondition\tmeaning\tsource",
        Kind::MailProto,
    ),
    ("family\tcode_or_name\ttext\tcondition\tmeaning", Kind::Tls),
    ("runtime\tname\ttext\tcondition\tmeaning", Kind::Runtime),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Winsock,
    Ixp,
    Hresult,
    Errno,
    Event,
    Smtp,
    MailProto,
    Tls,
    Runtime,
    Phrase,
}

/// The shortest message taken as a phrase: shorter ones ("Bad file", "Timeout") match too much.
const MIN_PHRASE: usize = 12;

/// Reads one table into `all`; rows that make no sense are named in `errors`.
pub(super) fn load_table(source: &KbSource, all: &mut Gathered, errors: &mut Vec<KbError>) {
    let mut lines = source.text.lines().enumerate();
    let mut file_source: Arc<str> = Arc::from("");
    let mut kind = None;
    for (i, line) in lines.by_ref() {
        if let Some(s) = line.strip_prefix("# source:") {
            file_source = Arc::from(s.trim());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        kind = HEADERS
            .iter()
            .find(|(h, _)| line.trim_end() == *h)
            .map(|(_, k)| *k)
            .or_else(|| (line.trim_end() == "phrase\tcondition\tsource").then_some(Kind::Phrase));
        if kind.is_none() {
            errors.push(KbError {
                file: source.name.clone(),
                line: Some(i + 1),
                message: format!(
                    "the header `{}` is not one of a code table's (see assets/README.md)",
                    line.replace('\t', " | ")
                ),
            });
            return;
        }
        break;
    }
    let Some(kind) = kind else { return };
    // A runtime's exception name stands for a condition only when every row of it says the
    // same one (`SmtpException` covers many conditions; `BindException` means the bind failed).
    let mut name_conditions: std::collections::HashMap<String, std::collections::HashSet<String>> =
        std::collections::HashMap::new();
    if kind == Kind::Runtime {
        for line in source.text.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            if let (Some(_), Some(name), Some(_), Some(condition)) =
                (f.next(), f.next(), f.next(), f.next())
            {
                name_conditions
                    .entry(name.trim().to_owned())
                    .or_default()
                    .insert(condition.trim().to_owned());
            }
        }
    }
    let mut table = Table {
        source,
        file_source,
        all,
        errors,
        name_conditions,
    };
    // One buffer for every row's fields: a table has thousands of rows, read at each start.
    let mut fields: Vec<&str> = Vec::with_capacity(8);
    for (i, line) in lines {
        if line.starts_with('#') || line.trim_ascii().is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(line.split('\t').map(|f| match f.trim_ascii() {
            "-" => "",
            f => f,
        }));
        table.row(i + 1, kind, &fields);
    }
}

struct Table<'a> {
    source: &'a KbSource,
    /// The file's `# source:` line, shared by every entry the file gives.
    file_source: Arc<str>,
    all: &'a mut Gathered,
    errors: &'a mut Vec<KbError>,
    /// For a runtime table: the conditions each exception name stands for.
    name_conditions: std::collections::HashMap<String, std::collections::HashSet<String>>,
}

impl Table<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(KbError {
            file: self.source.name.clone(),
            line: Some(line),
            message,
        });
    }

    fn condition(&mut self, line: usize, word: &str) -> Option<Condition> {
        match Condition::parse(word) {
            Some(c) => Some(c),
            None => {
                self.error(line, format!("unknown condition '{word}'"));
                None
            }
        }
    }

    /// A message that names a condition clearly enough to be recognised on its own.
    fn phrase(&mut self, text: &str, condition: Option<Condition>) {
        let Some(condition) = condition.filter(|c| c.is_specific()) else {
            return;
        };
        let text = fold_space(text.trim_end_matches(['.', ' ']));
        if text.len() < MIN_PHRASE {
            return;
        }
        let key = lowercase(&text);
        self.all.phrases.entry(key).or_insert_with(|| PhraseInfo {
            text,
            condition,
            source: self.file_source.clone(),
        });
    }

    fn code_info(
        &self,
        name: &str,
        message: &str,
        condition: Option<Condition>,
        meaning: &str,
    ) -> CodeInfo {
        CodeInfo {
            name: name.to_owned(),
            meaning: if meaning.is_empty() {
                message.to_owned()
            } else {
                meaning.to_owned()
            },
            message: (!message.is_empty()).then(|| message.to_owned()),
            condition: condition.filter(|c| *c != Condition::NotAnError),
            note: None,
            source: self.file_source.clone(),
        }
    }

    fn row(&mut self, line: usize, kind: Kind, f: &[&str]) {
        let want = match kind {
            Kind::Winsock
            | Kind::Smtp
            | Kind::MailProto
            | Kind::Tls
            | Kind::Runtime
            | Kind::Event => 5,
            Kind::Ixp => 4,
            Kind::Hresult | Kind::Errno => 6,
            Kind::Phrase => 3,
        };
        if f.len() < want {
            self.error(
                line,
                format!("has {} fields; this table has {want}", f.len()),
            );
            return;
        }
        match kind {
            Kind::Winsock => self.winsock(line, f),
            Kind::Ixp => self.hresult(line, f[0], f[1], "", f[2], f[3]),
            Kind::Hresult => self.hresult_or_win32(line, f),
            Kind::Errno => self.errno(line, f),
            Kind::Event => self.event(line, f),
            Kind::Smtp => self.smtp(line, f),
            Kind::MailProto => {
                let condition = self.condition(line, f[2]);
                self.phrase(f[1], condition);
            }
            Kind::Tls => self.tls(line, f),
            Kind::Runtime => {
                let condition = self.condition(line, f[3]);
                self.phrase(f[2], condition);
                // `java.net.BindException`, `SocketTimeoutException`: the name says it too, when
                // it always means the same condition.
                let one_meaning = self.name_conditions.get(f[1]).is_some_and(|c| c.len() == 1);
                if one_meaning
                    && (f[1].contains('.')
                        || f[1].ends_with("Exception")
                        || f[1].ends_with("Error"))
                {
                    self.phrase(f[1], condition);
                }
            }
            Kind::Phrase => {
                let condition = self.condition(line, f[1]);
                if let Some(condition) = condition {
                    let text = fold_space(f[0]);
                    if text.len() >= 6 {
                        self.all.phrases.insert(
                            lowercase(&text),
                            PhraseInfo {
                                text,
                                condition,
                                source: f[2].into(),
                            },
                        );
                    }
                }
            }
        }
    }

    fn winsock(&mut self, line: usize, f: &[&str]) {
        let Ok(code) = f[0].parse::<u32>() else {
            self.error(line, format!("Winsock code '{}' is not a number", f[0]));
            return;
        };
        let condition = self.condition(line, f[3]);
        if (10000..=11999).contains(&code) {
            let info = self.code_info(f[1], f[2], condition, f[4]);
            self.all.kb.winsock.entry(code).or_insert(info);
        }
        self.phrase(f[2], condition);
    }

    fn hresult(
        &mut self,
        line: usize,
        code: &str,
        name: &str,
        message: &str,
        condition: &str,
        meaning: &str,
    ) {
        let Some(value) = parse_hex32(code) else {
            self.error(line, format!("code '{code}' is not a hexadecimal HRESULT"));
            return;
        };
        let condition = self.condition(line, condition);
        let name = if name.is_empty() {
            "(no public name)"
        } else {
            name
        };
        let info = self.code_info(name, message, condition, meaning);
        self.all.kb.hresults.entry(value).or_insert(info);
        self.phrase(message, condition);
        if name.contains('_') && name.len() >= MIN_PHRASE {
            self.phrase(name, condition);
        }
    }

    fn hresult_or_win32(&mut self, line: usize, f: &[&str]) {
        if f[0].starts_with("0x") || f[0].starts_with("0X") {
            self.hresult(line, f[0], f[1], f[2], f[3], f[4]);
            return;
        }
        let Ok(code) = f[0].parse::<u32>() else {
            self.error(
                line,
                format!("code '{}' is neither hexadecimal nor decimal", f[0]),
            );
            return;
        };
        let condition = self.condition(line, f[3]);
        let info = self.code_info(f[1], f[2], condition, f[4]);
        self.all.kb.win32.entry(code).or_insert(info);
        self.phrase(f[2], condition);
        if f[1].len() >= MIN_PHRASE {
            self.phrase(f[1], condition);
        }
    }

    fn errno(&mut self, line: usize, f: &[&str]) {
        let (platform, number, name, message) = (f[0], f[1], f[2], f[3]);
        let Ok(n) = number.parse::<i32>() else {
            self.error(line, format!("errno number '{number}' is not a number"));
            return;
        };
        let condition = self.condition(line, f[4]);
        let meaning = f[5];
        let entry = self
            .all
            .errno
            .entry(name.to_owned())
            .or_insert_with(|| ErrnoInfo {
                name: name.to_owned(),
                linux: None,
                macos: None,
                libuv_windows: None,
                message: message.to_owned(),
                meaning: (!meaning.is_empty()).then(|| meaning.to_owned()),
                condition: condition.filter(|c| *c != Condition::NotAnError),
                source: self.file_source.clone(),
            });
        match platform {
            "linux" => {
                entry.linux.get_or_insert(n);
            }
            "macos" => {
                entry.macos.get_or_insert(n);
            }
            _ => {}
        }
        self.phrase(message, condition);
    }

    fn event(&mut self, line: usize, f: &[&str]) {
        let Ok(id) = f[1].parse::<u32>() else {
            self.error(line, format!("event id '{}' is not a number", f[1]));
            return;
        };
        let condition = self.condition(line, f[3]);
        if f[0] == "Schannel TLS alert" {
            // Not an event: a TLS alert number as Schannel reports it.
            let info = self.code_info(f[2], "", condition, f[4]);
            self.all.kb.tls_alerts.entry(id).or_insert(info);
            return;
        }
        let sources: Vec<String> = f[0].split('|').map(str::to_owned).collect();
        let key = (id, sources[0].to_lowercase());
        self.all.events.entry(key).or_insert(EventInfo {
            id,
            sources,
            product: String::new(),
            meaning: f[4].to_owned(),
            condition: condition.filter(|c| c.is_specific()),
            protocol: None,
            source: self.file_source.clone(),
        });
        // The longest literal stretch of the message stands for it: `%1` and `%n` are inserts.
        let longest = f[2]
            .split('%')
            .map(|part| {
                part.trim_start_matches(|c: char| c.is_ascii_alphanumeric())
                    .trim()
            })
            .max_by_key(|p| p.len())
            .unwrap_or("");
        if longest.len() >= 24 {
            self.phrase(longest, condition);
        }
    }

    fn smtp(&mut self, line: usize, f: &[&str]) {
        let condition = self.condition(line, f[3]);
        match f[1] {
            "basic" => match f[0].parse::<u16>() {
                Ok(code) if (200..=599).contains(&code) => {
                    let info = self.code_info(f[2], "", condition, f[4]);
                    self.all.kb.smtp.entry(code).or_insert(info);
                }
                _ => self.error(line, format!("SMTP code '{}' is not 200–599", f[0])),
            },
            "enhanced" => {
                let parts: Vec<&str> = f[0].split('.').collect();
                let numeric = parts.len() == 3
                    && parts
                        .iter()
                        .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty());
                if numeric {
                    let info = self.code_info(f[2], "", condition, f[4]);
                    self.all
                        .kb
                        .smtp_enhanced
                        .entry(f[0].to_owned())
                        .or_insert(info);
                } else if let Some(subject) =
                    f[0].strip_prefix("X.").and_then(|r| r.strip_suffix(".YYY"))
                {
                    let info = self.code_info(f[2], "", condition, f[4]);
                    self.all
                        .kb
                        .smtp_enhanced
                        .entry(format!("X.{subject}"))
                        .or_insert(info);
                }
            }
            _ => self.phrase(f[2], condition),
        }
    }

    fn tls(&mut self, line: usize, f: &[&str]) {
        let condition = self.condition(line, f[3]);
        match f[0] {
            "tls-alert" => {
                if let Ok(n) = f[1].parse::<u32>() {
                    let info = self.code_info(f[2], "", condition, f[4]);
                    self.all.kb.tls_alerts.entry(n).or_insert(info);
                }
                // `handshake_failure`, `bad_certificate`: the alert names appear as they are.
                if f[2].contains('_') {
                    self.phrase(f[2], condition);
                    self.phrase(&f[2].replace('_', " "), condition);
                }
            }
            "curl" => {
                let (number, name) = f[1].split_once(' ').unwrap_or((f[1], ""));
                if let Ok(n) = number.parse::<u32>() {
                    let info = self.code_info(name, f[2], condition, f[4]);
                    self.all.kb.curl.entry(n).or_insert(info);
                }
                self.phrase(f[2], condition);
                self.phrase(name, condition);
            }
            _ => {
                self.phrase(f[2], condition);
                if f[1].contains('_') && f[1].len() >= MIN_PHRASE {
                    self.phrase(f[1], condition);
                }
            }
        }
    }
}
