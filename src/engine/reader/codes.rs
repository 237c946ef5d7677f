//! Codes in the text — HRESULTs, Winsock, errno by name or number, SMTP replies — decoded with
//! the knowledge base's tables.

use super::collector::Collector;
use super::patterns::{
    capped, CURL_CODE, ERRNO_NAME, ERR_NUMBER, HEX, SMTP_CODE, SMTP_ENHANCED, TLS_ALERT,
    WIN32_CODE, WSA_NAME,
};
use super::symptoms::{CodeKind, DecodedCode};
use super::Reader;
use crate::engine::kb::fold_space;
use crate::engine::kb::CodeInfo;
use crate::engine::model::{Condition, Span};

impl Reader {
    /// Numbers spelt as OS error codes ("[Errno 98]", "WinError 10048", "os error 13").
    fn read_error_numbers(&self, text: &str, c: &mut Collector) {
        for caps in ERR_NUMBER.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let msg = [
                "pymsg",
                "sockmsg",
                "apachemsg",
                "nginxmsg",
                "mysqlmsg",
                "rustmsg",
                "cantconnectmsg",
            ]
            .iter()
            .find_map(|n| caps.name(n))
            .map(|m| capped(m.as_str(), 80).trim());
            let (style, number) = match [
                "os",
                "winerror",
                "pyerrno",
                "oserror",
                "sockex",
                "errno",
                "apache",
                "nginx",
                "mysql",
                "uv",
                "socket",
                "generic",
                "paren",
                "rustos",
                "callerr",
                "cantconnect",
            ]
            .iter()
            .find_map(|n| caps.name(n).map(|m| (*n, m)))
            {
                Some(found) => found,
                None => continue,
            };
            let Ok(n) = number.as_str().parse::<i64>() else {
                continue;
            };
            let spelled = whole.as_str().trim();
            let (start, end) = (number.start(), number.end());
            if (10000..=11999).contains(&n) {
                let n = n as u32;
                if self.kb.winsock.contains_key(&n) {
                    self.add_winsock(c, n, spelled, start, end);
                }
                continue;
            }
            if matches!(style, "winerror" | "os" | "socket" | "generic" | "paren") {
                continue;
            }
            // npm prints the script's exit status as "npm ERR! errno 1"; only its negative
            // numbers are libuv error codes.
            if style == "errno" && n > 0 && line_before(text, start).contains("npm ERR!") {
                continue;
            }
            self.add_errno_number(c, n as i32, msg, spelled, start, end);
        }
    }

    pub(super) fn read_codes(&self, text: &str, c: &mut Collector) {
        for m in HEX.captures_iter(text) {
            let (Some(whole), Some(digits)) = (m.get(0), m.get(1)) else {
                continue;
            };
            let Ok(value) = u32::from_str_radix(digits.as_str(), 16) else {
                continue;
            };
            if digits.len() == 4 {
                if self.kb.winsock.contains_key(&value) {
                    self.add_winsock(c, value, whole.as_str(), whole.start(), whole.end());
                }
            } else {
                self.add_hresult(c, value, whole.as_str(), whole.start(), whole.end());
            }
        }
        self.read_negative_hresults(text, c);
        for m in WSA_NAME.find_iter(text) {
            if let Some(&code) = self.winsock_by_name.get(m.as_str()) {
                self.add_winsock(c, code, m.as_str(), m.start(), m.end());
            }
        }
        for m in ERRNO_NAME.find_iter(text) {
            if let Some(&i) = self.errno_by_name.get(m.as_str()) {
                self.add_errno(c, i, None, m.as_str(), m.start(), m.end());
            }
        }
        self.read_error_numbers(text, c);
        self.read_more_codes(text, c);
        for caps in SMTP_CODE.captures_iter(text) {
            let Some(m) = caps
                .name("se")
                .or_else(|| caps.name("pair"))
                .or_else(|| caps.name("smtp"))
                .or_else(|| caps.name("py"))
                .or_else(|| caps.name("tup"))
                .or_else(|| caps.name("ctx"))
            else {
                continue;
            };
            // A source line in a file whose name has "SMTP" in it is not a reply: PHP's
            // `SMTP.php line 421`, `SMTP.php(421)`, `SMTP.php:421`.
            if caps.name("smtp").is_some() {
                let whole = caps.get(0).map_or("", |w| w.as_str()).to_ascii_lowercase();
                if [".php", ".py", ".js", ".java", ".cs", ".rb", ".go"]
                    .iter()
                    .any(|ext| whole.contains(ext))
                {
                    continue;
                }
            }
            let Ok(code) = m.as_str().parse::<u16>() else {
                continue;
            };
            if let Some(info) = self.kb.smtp.get(&code) {
                let key = format!("smtp:{code}");
                c.code(DecodedCode {
                    key,
                    kind: CodeKind::Smtp,
                    value: code.to_string(),
                    name: info.name.clone(),
                    meaning: info.meaning.clone(),
                    message: None,
                    condition: info.condition,
                    platform: None,
                    note: info.note.clone(),
                    source: Some(info.source.to_string()),
                    spelled: m.as_str().to_owned(),
                    span: Span {
                        start: m.start(),
                        end: m.end(),
                    },
                    count: 1,
                });
            }
        }
    }

    /// HRESULTs printed as signed decimals, as .NET (`HResult=-2146893007`), Rust
    /// (`os error -2146893007`) and COM logs print them: ten digits after a minus, read as the
    /// 32-bit value. Only values the tables know count, so a negative number that is no HRESULT
    /// stays a number.
    fn read_negative_hresults(&self, text: &str, c: &mut Collector) {
        let bytes = text.as_bytes();
        for (at, _) in text.match_indices("-21") {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let glued = at > 0 && bytes[at - 1].is_ascii_alphanumeric();
            if digits != 10 || glued {
                continue;
            }
            let end = at + 1 + digits;
            let Ok(n) = text[at..end].parse::<i64>() else {
                continue;
            };
            let Ok(signed) = i32::try_from(n) else {
                continue;
            };
            let value = signed as u32;
            let low = value & 0xFFFF;
            let facility = (value >> 16) & 0x1FFF;
            let known = self.kb.hresults.contains_key(&value)
                || (facility == 7 && self.kb.win32.contains_key(&low));
            if known {
                self.add_hresult(c, value, &text[at..end], at, end);
            }
        }
    }

    /// SMTP enhanced codes, curl's codes, TLS alerts and WinINet/WinHTTP numbers.
    fn read_more_codes(&self, text: &str, c: &mut Collector) {
        for caps in SMTP_ENHANCED.captures_iter(text) {
            let Some(m) = caps.name("enh") else { continue };
            let code = m.as_str();
            let subject = code.split('.').nth(1).map(|s| format!("X.{s}"));
            let info = self
                .kb
                .smtp_enhanced
                .get(code)
                .or_else(|| subject.and_then(|s| self.kb.smtp_enhanced.get(&s)));
            if let Some(info) = info {
                c.code(decoded(
                    CodeKind::Smtp,
                    format!("smtp:{code}"),
                    code,
                    info,
                    m,
                ));
            }
        }
        for caps in CURL_CODE.captures_iter(text) {
            let Some(m) = caps.name("curl") else { continue };
            let Some(info) = m
                .as_str()
                .parse()
                .ok()
                .and_then(|n: u32| self.kb.curl.get(&n))
            else {
                continue;
            };
            c.code(decoded(
                CodeKind::Curl,
                format!("curl:{}", m.as_str()),
                m.as_str(),
                info,
                m,
            ));
        }
        for caps in TLS_ALERT.captures_iter(text) {
            let Some(m) = caps.name("alert") else {
                continue;
            };
            let Some(info) = m
                .as_str()
                .parse()
                .ok()
                .and_then(|n: u32| self.kb.tls_alerts.get(&n))
            else {
                continue;
            };
            c.code(decoded(
                CodeKind::TlsAlert,
                format!("tls-alert:{}", m.as_str()),
                m.as_str(),
                info,
                m,
            ));
        }
        for caps in WIN32_CODE.captures_iter(text) {
            let Some(m) = caps.name("win") else { continue };
            let Some(info) = m
                .as_str()
                .parse()
                .ok()
                .and_then(|n: u32| self.kb.win32.get(&n))
            else {
                continue;
            };
            c.code(decoded(
                CodeKind::Win32,
                format!("win32:{}", m.as_str()),
                m.as_str(),
                info,
                m,
            ));
        }
    }

    pub(super) fn add_hresult(
        &self,
        c: &mut Collector,
        value: u32,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let hex = format!("0x{value:08X}");
        let low = value & 0xFFFF;
        let facility = (value >> 16) & 0x1FFF;
        let wrapped_winsock =
            (value & 0x8000_0000 != 0 && self.kb.winsock.contains_key(&low)).then_some(low);
        let decoded = match self.kb.hresults.get(&value) {
            Some(info) => DecodedCode {
                key: format!("hresult:{hex}"),
                kind: CodeKind::Hresult,
                value: hex.clone(),
                name: info.name.clone(),
                meaning: info.meaning.clone(),
                message: info.message.clone(),
                condition: info.condition,
                platform: None,
                note: info.note.clone(),
                source: Some(info.source.to_string()),
                spelled: spelled.to_owned(),
                span: Span { start, end },
                count: 1,
            },
            None if value & 0x8000_0000 == 0 => return,
            // HRESULT_FROM_WIN32 of a WinINet/WinHTTP or Win32 error the tables know.
            None if facility == 7 && self.kb.win32.contains_key(&low) => {
                let info = &self.kb.win32[&low];
                DecodedCode {
                    key: format!("hresult:{hex}"),
                    kind: CodeKind::Hresult,
                    value: hex.clone(),
                    name: format!("HRESULT_FROM_WIN32({}) = {}", low, info.name),
                    meaning: info.meaning.clone(),
                    message: info.message.clone(),
                    condition: info.condition,
                    platform: None,
                    note: None,
                    source: Some(info.source.to_string()),
                    spelled: spelled.to_owned(),
                    span: Span { start, end },
                    count: 1,
                }
            }
            None => {
                let meaning = match wrapped_winsock.and_then(|w| self.kb.winsock.get(&w)) {
                    Some(info) => format!("Not in PortSleuth's tables; its low word 0x{low:04X} is Winsock {low} ({}): {}", info.name, info.meaning),
                    None if facility == 7 => format!("HRESULT wrapping Windows error {low} (facility WIN32)."),
                    None => format!("Not in PortSleuth's tables (facility {facility}, code 0x{low:04X})."),
                };
                DecodedCode {
                    key: format!("hresult:{hex}"),
                    kind: CodeKind::Hresult,
                    value: hex.clone(),
                    name: if facility == 7 {
                        format!("HRESULT_FROM_WIN32({low})")
                    } else {
                        "unlisted HRESULT".into()
                    },
                    meaning,
                    message: None,
                    condition: None,
                    platform: None,
                    note: None,
                    source: None,
                    spelled: spelled.to_owned(),
                    span: Span { start, end },
                    count: 1,
                }
            }
        };
        c.code(decoded);
        if let Some(w) = wrapped_winsock {
            self.add_winsock(c, w, spelled, start, end);
        }
    }

    pub(super) fn add_winsock(
        &self,
        c: &mut Collector,
        code: u32,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let Some(info) = self.kb.winsock.get(&code) else {
            return;
        };
        c.code(DecodedCode {
            key: format!("winsock:{code}"),
            kind: CodeKind::Winsock,
            value: code.to_string(),
            name: info.name.clone(),
            meaning: info.meaning.clone(),
            message: info.message.clone(),
            condition: info.condition,
            platform: Some("windows".into()),
            note: info.note.clone(),
            source: Some(info.source.to_string()),
            spelled: spelled.to_owned(),
            span: Span { start, end },
            count: 1,
        });
    }

    pub(super) fn add_errno(
        &self,
        c: &mut Collector,
        index: usize,
        platform: Option<&str>,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let e = &self.kb.errno[index];
        let number = match platform {
            Some("linux") => e.linux,
            Some("macos") => e.macos,
            Some("windows") => e.libuv_windows,
            _ => None,
        };
        let note = match (platform, number) {
            (Some(p), Some(n)) => Some(format!("{n} is {} on {}", e.name, platform_name(p))),
            _ => None,
        };
        c.code(DecodedCode {
            key: format!("errno:{}", e.name),
            kind: CodeKind::Errno,
            value: e.name.clone(),
            name: e.name.clone(),
            meaning: e.meaning.clone().unwrap_or_else(|| e.message.clone()),
            message: Some(e.message.clone()),
            condition: e.condition,
            platform: platform.map(str::to_owned),
            note,
            source: Some(e.source.to_string()),
            spelled: spelled.to_owned(),
            span: Span { start, end },
            count: 1,
        });
    }

    /// Decodes an errno *number*, whose meaning depends on the platform: 98 is EADDRINUSE on
    /// Linux, 48 on macOS, -4091 in libuv on Windows. The message printed next to it, when
    /// there is one, decides between candidates.
    pub(super) fn add_errno_number(
        &self,
        c: &mut Collector,
        n: i32,
        message: Option<&str>,
        spelled: &str,
        start: usize,
        end: usize,
    ) {
        let mut candidates: Vec<(usize, &str)> = Vec::new();
        for (i, e) in self.kb.errno.iter().enumerate() {
            if n < 0 && e.libuv_windows == Some(n) {
                candidates.push((i, "windows"));
            }
            if e.linux == Some(n.abs()) {
                candidates.push((i, "linux"));
            }
            if e.macos == Some(n.abs()) {
                candidates.push((i, "macos"));
            }
        }
        if let Some(msg) = message
            .map(|m| fold_space(&m.to_lowercase()))
            .filter(|m| !m.is_empty())
        {
            let agrees = |i: usize| {
                let name = fold_space(&self.kb.errno[i].message.to_lowercase());
                !name.is_empty()
                    && (msg.starts_with(&name) || name.starts_with(&msg) || msg.contains(&name))
            };
            if candidates.iter().any(|&(i, _)| agrees(i)) {
                candidates.retain(|&(i, _)| agrees(i));
            }
        }
        // A number printed with no message is read as a socket error when one of the platforms
        // has one by that number: 60 is ETIMEDOUT on macOS and ENOSTR on Linux.
        let socket_error = |i: usize| self.kb.errno[i].condition.is_some_and(is_socket_condition);
        if message.is_none_or(str::is_empty) && candidates.iter().any(|&(i, _)| socket_error(i)) {
            candidates.retain(|&(i, _)| socket_error(i));
        }
        // Prefer the libuv reading for negative numbers, then Linux, then macOS (the table is
        // in name order, so the order is made here).
        candidates.sort_by_key(|&(_, platform)| match platform {
            "windows" => 0,
            "linux" => 1,
            _ => 2,
        });
        if let Some(&(i, platform)) = candidates.first() {
            self.add_errno(c, i, Some(platform), spelled, start, end);
        }
    }
}

/// The conditions a socket call's errno reports: what a bare number beside a socket call or a
/// client's "can't connect" most likely means.
fn is_socket_condition(c: Condition) -> bool {
    matches!(
        c,
        Condition::AddrInUse
            | Condition::AccessDenied
            | Condition::AddrNotAvailable
            | Condition::ConnRefused
            | Condition::ConnTimeout
            | Condition::ConnReset
            | Condition::ConnAborted
            | Condition::NetUnreachable
            | Condition::HostUnreachable
    )
}

fn platform_name(p: &str) -> &'static str {
    match p {
        "linux" => "Linux",
        "macos" => "macOS and BSD",
        "windows" => "Windows (libuv)",
        _ => "this platform",
    }
}

/// A code decoded from a table entry, spelled as the text spelled it.
fn decoded(
    kind: CodeKind,
    key: String,
    value: &str,
    info: &CodeInfo,
    m: regex::Match<'_>,
) -> DecodedCode {
    DecodedCode {
        key,
        kind,
        value: value.to_owned(),
        name: info.name.clone(),
        meaning: info.meaning.clone(),
        message: info.message.clone(),
        condition: info.condition,
        platform: None,
        note: info.note.clone(),
        source: Some(info.source.to_string()),
        spelled: m.as_str().to_owned(),
        span: Span {
            start: m.start(),
            end: m.end(),
        },
        count: 1,
    }
}

/// The text of `text`'s line up to `pos` (at most 256 bytes of it).
fn line_before(text: &str, pos: usize) -> &str {
    let mut lo = pos.saturating_sub(256);
    while !text.is_char_boundary(lo) {
        lo += 1;
    }
    let head = text.get(lo..pos).unwrap_or_default();
    head.rfind('\n').map_or(head, |i| &head[i + 1..])
}
