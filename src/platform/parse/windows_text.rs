//! Parsers for what Windows' own tools print about services, processes, installed programs and
//! http.sys: `sc queryex`, `sc qc`, `tasklist /svc /fo csv`, `reg query …\Uninstall /s`,
//! `netsh http show servicestate`, `netsh interface … show excludedportrange` and
//! `whoami /groups`.
//!
//! Pure functions over text, compiled and tested on every OS with captured fixtures
//! (`tests/fixtures/windows/`); the Windows scanner runs the tools and feeds them their output.
//! Nothing here runs a command or reads the machine.
//!
//! Windows translates many labels (`SERVICE_NAME` is `NOME_SERVIZIO` on Italian Windows), but
//! not the values (`RUNNING`, `AUTO_START`, `REG_SZ`, port numbers, URLs). Where the layout
//! alone will do, the parsers key on values and layout rather than on words; `netsh http`'s
//! block headers are read in English only.

use crate::engine::snapshot::{HttpSysRegistration, Product};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Services: `sc queryex`, `sc qc`, `tasklist /svc`
// ---------------------------------------------------------------------------------------------

/// One service as `sc queryex type= service state= all` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScService {
    /// The service's key name (`W3SVC`), what `sc` and `net stop` take.
    pub name: String,
    pub display_name: String,
    /// `running`, `stopped`, `start pending`, … in lower case; empty when not printed.
    pub state: String,
    /// The hosting process; `None` for a stopped service (`sc` prints PID 0).
    pub pid: Option<u32>,
}

/// The states `sc` prints after the state number (`4  RUNNING`); never translated.
const SC_STATES: [&str; 7] = [
    "STOPPED",
    "START_PENDING",
    "STOP_PENDING",
    "RUNNING",
    "CONTINUE_PENDING",
    "PAUSE_PENDING",
    "PAUSED",
];

/// Parses `sc queryex type= service state= all`.
///
/// Each record starts with an unindented `SERVICE_NAME: x` line, then `DISPLAY_NAME: y`, then
/// indented `LABEL : value` lines. The labels are translated on non-English Windows, so the
/// first unindented label of the text is taken as the service-name label, the state is the
/// value that names a state, and the PID is the first plain decimal value after it (the exit
/// codes print as `0  (0x0)` and the checkpoint and wait hint in hex, so none is mistaken for
/// it). `[SC] …` error lines are skipped.
pub fn parse_sc_queryex(text: &str) -> Vec<ScService> {
    let mut out = Vec::new();
    let mut name_label: Option<String> = None;
    let mut current: Option<(ScService, bool)> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim_start().is_empty() || line.starts_with('[') {
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            // The `(STOPPABLE, NOT_PAUSABLE, …)` continuation of the state line.
            continue;
        };
        let (label, value) = (label.trim(), value.trim());
        if !line.starts_with(char::is_whitespace) {
            let starts_record = match &name_label {
                None => {
                    name_label = Some(label.to_owned());
                    true
                }
                Some(l) => l == label,
            };
            if starts_record {
                if let Some((service, _)) = current.take() {
                    out.push(service);
                }
                current = Some((
                    ScService {
                        name: value.to_owned(),
                        display_name: String::new(),
                        state: String::new(),
                        pid: None,
                    },
                    false,
                ));
            } else if let Some((service, _)) = current.as_mut() {
                if service.display_name.is_empty() {
                    service.display_name = value.to_owned();
                }
            }
            continue;
        }
        let Some((service, pid_seen)) = current.as_mut() else {
            continue;
        };
        if service.state.is_empty() {
            if let Some(state) = sc_state(value) {
                service.state = state;
            }
        } else if !*pid_seen {
            if let Ok(pid) = value.parse::<u32>() {
                *pid_seen = true;
                service.pid = Some(pid).filter(|&p| p != 0);
            }
        }
    }
    if let Some((service, _)) = current {
        out.push(service);
    }
    out
}

/// `4  RUNNING` → `running`; `2  START_PENDING` → `start pending`.
fn sc_state(value: &str) -> Option<String> {
    let mut tokens = value.split_whitespace();
    tokens.next()?.parse::<u32>().ok()?;
    let name = tokens.next()?;
    SC_STATES
        .contains(&name)
        .then(|| name.to_ascii_lowercase().replace('_', " "))
}

/// The start type in `sc qc NAME` (`START_TYPE : 2   AUTO_START  (DELAYED)`), as PortSleuth
/// words it: `auto`, `auto (delayed)`, `manual`, `disabled`, `boot`, `system`. The label is
/// translated on non-English Windows (`TIPO_AVVIO`); the value is not, so it is found by value.
pub fn parse_sc_qc_start_type(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (_, value) = line.split_once(':')?;
        let tokens: Vec<&str> = value.split_whitespace().collect();
        tokens.first()?.parse::<u32>().ok()?;
        let word = match *tokens.get(1)? {
            "BOOT_START" => "boot",
            "SYSTEM_START" => "system",
            "AUTO_START" if tokens.contains(&"(DELAYED)") => "auto (delayed)",
            "AUTO_START" => "auto",
            "DEMAND_START" => "manual",
            "DISABLED" => "disabled",
            _ => return None,
        };
        Some(word.to_owned())
    })
}

/// One row of `tasklist /svc /fo csv /nh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TasklistRow {
    /// The image name (`svchost.exe`).
    pub image: String,
    pub pid: u32,
    /// The services the process hosts; empty for `N/A`.
    pub services: Vec<String>,
}

/// Rows of `tasklist /svc /fo csv` (with or without the header line, which is skipped because
/// its PID column is not a number).
pub fn parse_tasklist_rows(text: &str) -> Vec<TasklistRow> {
    text.lines()
        .filter_map(|line| {
            let fields = split_csv_line(line);
            let pid = fields.get(1)?.trim().parse().ok()?;
            let services = fields
                .get(2)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty() && *s != "N/A")
                .map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Some(TasklistRow {
                image: fields.first()?.clone(),
                pid,
                services,
            })
        })
        .collect()
}

/// `tasklist /svc /fo csv /nh` as (PID, services) pairs: which services each process hosts,
/// all of them for a shared `svchost.exe`. Processes without services are left out.
/// (`N/A` is translated on some Windows; the scanner keeps only names the SCM knows.)
pub fn parse_tasklist_svc_csv(text: &str) -> Vec<(u32, Vec<String>)> {
    parse_tasklist_rows(text)
        .into_iter()
        .filter(|r| !r.services.is_empty())
        .map(|r| (r.pid, r.services))
        .collect()
}

/// Splits one CSV line of quoted fields (`"a","b,c"`); `""` inside quotes is a quote.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// How to name a process for a person: `svchost.exe (W3SVC, WAS)`, `httpd.exe`, or
/// `service WinRM` when only the services are known.
pub fn describe_process(image: Option<&str>, services: &[String]) -> Option<String> {
    let image = image
        .map(str::trim)
        .filter(|i| !i.is_empty() && *i != "<?>");
    match (image, services.is_empty()) {
        (Some(image), true) => Some(image.to_owned()),
        (Some(image), false) => Some(format!("{image} ({})", services.join(", "))),
        (None, false) if services.len() == 1 => Some(format!("service {}", services[0])),
        (None, false) => Some(format!("services {}", services.join(", "))),
        (None, true) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Installed programs: `reg query …\Uninstall /s`
// ---------------------------------------------------------------------------------------------

/// One program under an `…\CurrentVersion\Uninstall` key, as Add/Remove Programs sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UninstallEntry {
    /// The key as `reg` prints it (`HKEY_LOCAL_MACHINE\SOFTWARE\…\Uninstall\7-Zip`).
    pub key: String,
    pub display_name: String,
    pub display_version: String,
    pub publisher: String,
    pub install_location: Option<String>,
    pub uninstall_string: Option<String>,
    pub quiet_uninstall_string: Option<String>,
    /// `C:\Program Files\7-Zip\7zFM.exe` or `"…\app.exe",0`: often the only path an entry has.
    pub display_icon: Option<String>,
    /// `SystemComponent = 1`: hidden from Add/Remove Programs (runtimes, parts of a suite).
    pub system_component: bool,
    /// `ParentKeyName` is set: an update or patch of another entry, not a program of its own.
    pub is_update: bool,
}

/// Parses `reg query <…\Uninstall> /s`: a key line (`HKEY_…\Uninstall\{GUID}`) then its values,
/// four-space separated (`    DisplayName    REG_SZ    7-Zip 23.01 (x64)`). Only the direct
/// subkeys of an `Uninstall` key are programs; values of deeper subkeys are ignored, and so
/// are keys without a `DisplayName` (Windows does not list them either). A key printed twice
/// is merged.
pub fn parse_reg_query_uninstall(text: &str) -> Vec<UninstallEntry> {
    let mut entries: Vec<UninstallEntry> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("HKEY_") {
            let key = line.trim_end();
            current = if is_uninstall_subkey(key) {
                Some(
                    entries
                        .iter()
                        .position(|e| e.key.eq_ignore_ascii_case(key))
                        .unwrap_or_else(|| {
                            entries.push(UninstallEntry {
                                key: key.to_owned(),
                                ..UninstallEntry::default()
                            });
                            entries.len() - 1
                        }),
                )
            } else {
                None
            };
            continue;
        }
        let (Some(i), Some((name, kind, data))) = (current, parse_reg_value(line)) else {
            continue;
        };
        let entry = &mut entries[i];
        let text_value = || (!data.is_empty()).then(|| data.to_owned());
        match (name.to_ascii_lowercase().as_str(), kind) {
            ("displayname", "REG_SZ" | "REG_EXPAND_SZ") => entry.display_name = data.to_owned(),
            ("displayversion", "REG_SZ" | "REG_EXPAND_SZ") => {
                entry.display_version = data.to_owned();
            }
            ("publisher", "REG_SZ" | "REG_EXPAND_SZ") => entry.publisher = data.to_owned(),
            ("installlocation", "REG_SZ" | "REG_EXPAND_SZ") => {
                entry.install_location = text_value();
            }
            ("uninstallstring", "REG_SZ" | "REG_EXPAND_SZ") => {
                entry.uninstall_string = text_value();
            }
            ("quietuninstallstring", "REG_SZ" | "REG_EXPAND_SZ") => {
                entry.quiet_uninstall_string = text_value();
            }
            ("displayicon", "REG_SZ" | "REG_EXPAND_SZ") => entry.display_icon = text_value(),
            ("systemcomponent", "REG_DWORD") => entry.system_component = parse_dword(data) == 1,
            ("parentkeyname", _) => entry.is_update = !data.is_empty(),
            _ => {}
        }
    }
    entries.retain(|e| !e.display_name.trim().is_empty());
    entries
}

/// `…\Uninstall\7-Zip` is a program; `…\Uninstall` itself and `…\Uninstall\{GUID}\Patches`
/// are not.
fn is_uninstall_subkey(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.rfind("\\uninstall\\").is_some_and(|at| {
        let rest = &key[at + "\\uninstall\\".len()..];
        !rest.is_empty() && !rest.contains('\\')
    })
}

/// `    Name    REG_TYPE    data` → (name, type, data). Names may hold single spaces
/// (`Inno Setup: App Path`); an empty value prints no data at all.
fn parse_reg_value(line: &str) -> Option<(&str, &str, &str)> {
    let body = line.strip_prefix("    ")?;
    let at = body.find("    REG_")?;
    let name = body[..at].trim();
    let rest = &body[at + 4..];
    let (kind, data) = rest.split_once("    ").unwrap_or((rest, ""));
    Some((name, kind.trim(), data.trim_end()))
}

fn parse_dword(data: &str) -> u64 {
    let data = data.trim();
    data.strip_prefix("0x")
        .map_or_else(
            || data.parse().ok(),
            |hex| u64::from_str_radix(hex, 16).ok(),
        )
        .unwrap_or(0)
}

impl UninstallEntry {
    /// A stable id for the snapshot: `registry:hklm/7-Zip`, `registry:hklm-wow64/{GUID}`,
    /// `registry:hkcu/OneDriveSetup.exe`.
    pub fn product_id(&self) -> String {
        let lower = self.key.to_ascii_lowercase();
        let scope = if lower.starts_with("hkey_current_user") {
            "hkcu"
        } else if lower.contains("\\wow6432node\\") {
            "hklm-wow64"
        } else if lower.starts_with("hkey_local_machine") {
            "hklm"
        } else {
            "other"
        };
        let sub = self.key.rsplit('\\').next().unwrap_or(&self.key);
        format!("registry:{scope}/{sub}")
    }

    /// The entry as a snapshot product. An MSI package without a `QuietUninstallString` gets
    /// the silent `msiexec /x` form, which is what its uninstaller would run.
    pub fn product(&self) -> Product {
        Product {
            id: self.product_id(),
            name: self.display_name.trim().to_owned(),
            version: self.display_version.trim().to_owned(),
            publisher: self.publisher.trim().to_owned(),
            source: "registry".into(),
            install_location: self.install_location.clone(),
            uninstall_command: self.uninstall_string.clone(),
            quiet_uninstall_command: self.quiet_uninstall_string.clone().or_else(|| {
                self.uninstall_string
                    .as_deref()
                    .and_then(msi_quiet_uninstall)
            }),
            protected: None,
        }
    }

    /// The entry with `%VAR%` references expanded (REG_EXPAND_SZ values hold them unexpanded).
    pub fn expanded(&self, lookup: &dyn Fn(&str) -> Option<String>) -> UninstallEntry {
        let expand = |v: &Option<String>| v.as_deref().map(|s| expand_env(s, lookup));
        UninstallEntry {
            install_location: expand(&self.install_location),
            uninstall_string: expand(&self.uninstall_string),
            quiet_uninstall_string: expand(&self.quiet_uninstall_string),
            display_icon: expand(&self.display_icon),
            ..self.clone()
        }
    }
}

/// `MsiExec.exe /X{GUID}` or `/I{GUID}` → `MsiExec.exe /X{GUID} /qn /norestart`.
pub fn msi_quiet_uninstall(uninstall: &str) -> Option<String> {
    let lower = uninstall.to_ascii_lowercase();
    let program = command_program(uninstall)?;
    if !file_name(&program.to_ascii_lowercase()).starts_with("msiexec") {
        return None;
    }
    let at = lower.find("/x{").or_else(|| lower.find("/i{"))?;
    let guid_start = at + 2;
    let guid_end = guid_start + uninstall[guid_start..].find('}')? + 1;
    Some(format!(
        "MsiExec.exe /X{} /qn /norestart",
        &uninstall[guid_start..guid_end]
    ))
}

/// Replaces `%NAME%` with `lookup(NAME)`; unknown names and lone `%` are left as they are.
pub fn expand_env(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end) if end > 0 && !after[..end].contains(char::is_whitespace) => {
                let name = &after[..end];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Generic hosts whose file name says nothing about the program they run: never matched to a
/// product by name alone.
const GENERIC_HOSTS: [&str; 14] = [
    "svchost.exe",
    "rundll32.exe",
    "msiexec.exe",
    "dllhost.exe",
    "cmd.exe",
    "powershell.exe",
    "pwsh.exe",
    "wscript.exe",
    "cscript.exe",
    "java.exe",
    "javaw.exe",
    "node.exe",
    "python.exe",
    "pythonw.exe",
];

/// The installed program an executable belongs to. Tried in order, the most specific folder
/// winning within each:
/// 1. `InstallLocation` is a folder holding the executable (case-insensitive, with or without
///    a trailing backslash);
/// 2. the folder of `DisplayIcon` or of the uninstaller in `UninstallString` holds it;
/// 3. the executable's file name appears in `UninstallString`.
///
/// Folders shared by many programs (`C:\Program Files`, `C:\Windows\System32`, a user's
/// `AppData`) never match, nor do updates (`ParentKeyName`); a visible entry beats a
/// `SystemComponent` one.
pub fn match_product<'e>(
    entries: &'e [UninstallEntry],
    exe_path: &str,
) -> Option<&'e UninstallEntry> {
    let exe = normalize_path(exe_path);
    if exe.is_empty() {
        return None;
    }
    let exe_name = file_name(&exe).to_owned();
    let mut best: Option<((u8, usize, bool), &UninstallEntry)> = None;
    for entry in entries.iter().filter(|e| !e.is_update) {
        let Some((rank, specificity)) = entry_score(entry, &exe, &exe_name) else {
            continue;
        };
        let score = (rank, specificity, !entry.system_component);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, entry));
        }
    }
    best.map(|(_, e)| e)
}

fn entry_score(entry: &UninstallEntry, exe: &str, exe_name: &str) -> Option<(u8, usize)> {
    let holds = |folder: &str| -> Option<usize> {
        let folder = normalize_path(folder);
        let folder = folder.trim_end_matches('\\');
        (!too_broad(folder) && exe.starts_with(folder) && exe[folder.len()..].starts_with('\\'))
            .then_some(folder.len())
    };
    if let Some(len) = entry.install_location.as_deref().and_then(holds) {
        return Some((3, len));
    }
    let icon_folder = entry
        .display_icon
        .as_deref()
        .map(icon_path)
        .and_then(|p| parent_folder(&p).map(str::to_owned));
    let uninstaller_folder = entry
        .uninstall_string
        .as_deref()
        .and_then(command_program)
        .and_then(|p| parent_folder(&p).map(str::to_owned));
    if let Some(len) = [icon_folder, uninstaller_folder]
        .iter()
        .flatten()
        .filter_map(|f| holds(f))
        .max()
    {
        return Some((2, len));
    }
    let uninstall = entry.uninstall_string.as_deref()?.to_ascii_lowercase();
    (!GENERIC_HOSTS.contains(&exe_name) && names_file(&uninstall, exe_name)).then_some((1, 0))
}

/// Whether `command` (lower case) mentions the file `name` as a whole file name.
fn names_file(command: &str, name: &str) -> bool {
    command.match_indices(name).any(|(at, _)| {
        let before = command[..at].chars().next_back();
        let after = command[at + name.len()..].chars().next();
        matches!(before, None | Some('\\' | '/' | '"' | ' ' | ','))
            && matches!(after, None | Some('"' | ' ' | ','))
    })
}

/// Lower case, backslashes, no quotes, no `\\?\` prefix, no trailing backslash.
fn normalize_path(path: &str) -> String {
    let p = path.trim().trim_matches('"').replace('/', "\\");
    let p = p.strip_prefix(r"\\?\").unwrap_or(&p);
    p.trim_end_matches('\\').to_ascii_lowercase()
}

fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

fn parent_folder(path: &str) -> Option<&str> {
    path.rfind(['\\', '/']).map(|at| &path[..at])
}

/// `"C:\…\app.exe",0` or `C:\…\app.exe,-101` → `C:\…\app.exe`.
fn icon_path(icon: &str) -> String {
    let icon = icon.trim();
    let icon = match icon.rsplit_once(',') {
        Some((path, index)) if index.trim().trim_start_matches('-').parse::<u32>().is_ok() => path,
        _ => icon,
    };
    icon.trim().trim_matches('"').to_owned()
}

/// The program a command line runs: the quoted part, or up to the first `.exe`, or the first
/// word.
fn command_program(command: &str) -> Option<String> {
    let command = command.trim();
    if let Some(rest) = command.strip_prefix('"') {
        return rest.split('"').next().map(str::to_owned);
    }
    let lower = command.to_ascii_lowercase();
    if let Some(at) = lower.find(".exe") {
        return Some(command[..at + 4].to_owned());
    }
    command.split_whitespace().next().map(str::to_owned)
}

/// A folder so shared that holding an executable says nothing about which program it is.
fn too_broad(folder: &str) -> bool {
    let parts: Vec<&str> = folder
        .split('\\')
        .filter(|p| !p.is_empty())
        .skip_while(|p| p.ends_with(':'))
        .collect();
    match parts.as_slice() {
        [] | [_] => true,
        ["windows", ..] => parts.len() < 3,
        ["program files" | "program files (x86)", "common files"] => true,
        ["users", _, "appdata", ..] => parts.len() < 5,
        ["users", ..] => parts.len() < 4,
        ["programdata", ..] => parts.len() < 2,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// http.sys: `netsh http show servicestate`
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct RequestQueue {
    name: String,
    indent: usize,
    pids: Vec<u32>,
    controller: Option<u32>,
    image: Option<String>,
    services: Vec<String>,
    urls: Vec<String>,
}

#[derive(Debug, Default)]
struct UrlGroup {
    indent: usize,
    queue_name: Option<String>,
    /// The request queue the group is printed inside (request-queue view).
    parent: Option<usize>,
    urls: Vec<String>,
}

/// The URLs registered with http.sys, with the processes behind each, from
/// `netsh http show servicestate` in either layout:
///
/// - **server-session view** (the default): `Server session ID:` blocks whose URL groups name
///   their `Request queue name:` and list `Registered URLs:`, then a `Request queues:` section.
///   There each queue lists `Process IDs:` (Windows Server 2019 and older; no URLs, so a group
///   is tied to its queue by name, which works only when the name is unique; two unnamed
///   queues cannot be told apart and their URLs get no PIDs) or, on newer Windows,
///   `Processes:` (`ID: 3568, image: <?>`, `Services: WinRM`) and its own `Registered URLs:`.
/// - **request-queue view** (`view=requestq`): each `Request queue name:` block lists its
///   `Process IDs:` and, below, the URL groups and URLs it serves.
///
/// A queue with no process attached yet (an IIS application pool before its first request)
/// is credited to its `Controller process ID` (WAS), the service that will start it.
#[allow(clippy::too_many_lines)] // Replaced by the structure-based reader of issue #15.
pub fn parse_netsh_servicestate(text: &str) -> Vec<HttpSysRegistration> {
    let mut queues: Vec<RequestQueue> = Vec::new();
    let mut groups: Vec<UrlGroup> = Vec::new();
    let mut orphan_urls: Vec<String> = Vec::new();
    let mut queue: Option<usize> = None;
    let mut group: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim_end();
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        let indent = line.len() - body.len();
        if group.is_some_and(|g| indent <= groups[g].indent) {
            group = None;
        }
        let in_group = group.is_some();
        if (indent == 0 && body.starts_with("Server session ID:")) || body == "Request queues:" {
            queue = None;
            group = None;
        } else if body.starts_with("URL group ID:") {
            let parent = queue.filter(|&q| queues[q].indent < indent);
            groups.push(UrlGroup {
                indent,
                parent,
                ..UrlGroup::default()
            });
            group = Some(groups.len() - 1);
        } else if let Some(name) = body.strip_prefix("Request queue name:") {
            let name = name.trim().to_owned();
            match group {
                Some(g) => groups[g].queue_name = Some(name),
                None => {
                    queues.push(RequestQueue {
                        name,
                        indent,
                        ..RequestQueue::default()
                    });
                    queue = Some(queues.len() - 1);
                }
            }
        } else if is_url(body) {
            let url = body.to_owned();
            match (group, queue) {
                (Some(g), _) => groups[g].urls.push(url),
                (None, Some(q)) => queues[q].urls.push(url),
                (None, None) => orphan_urls.push(url),
            }
        } else if let (Some(q), false) = (queue, in_group) {
            let q = &mut queues[q];
            if let Some(pid) = body.strip_prefix("Controller process ID:") {
                q.controller = pid.trim().parse().ok();
            } else if body.bytes().all(|b| b.is_ascii_digit()) {
                // The lines under `Process IDs:` are bare numbers; nothing else in a queue is.
                push_unique(&mut q.pids, body.parse().unwrap_or(0));
            } else if let Some((pid, image)) = process_line(body) {
                push_unique(&mut q.pids, pid);
                if q.image.is_none() {
                    q.image = Some(image);
                }
            } else if let Some(services) = body.strip_prefix("Services:") {
                q.services.extend(
                    services
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
        }
    }

    let mut found: BTreeMap<String, (String, Vec<u32>, Option<String>)> = BTreeMap::new();
    let mut add = |url: &str, owner: Option<&RequestQueue>| {
        let entry = found
            .entry(url.to_ascii_uppercase())
            .or_insert_with(|| (url.to_owned(), Vec::new(), None));
        if let Some(q) = owner {
            let mut pids = q.pids.clone();
            pids.retain(|&p| p != 0);
            if pids.is_empty() {
                pids.extend(q.controller);
            }
            for pid in pids {
                push_unique(&mut entry.1, pid);
            }
            if entry.2.is_none() {
                entry.2 =
                    describe_process(q.image.as_deref().map(|i| file_name(i.trim())), &q.services);
            }
        }
    };
    for q in &queues {
        for url in &q.urls {
            add(url, Some(q));
        }
    }
    for g in &groups {
        let owner = g.parent.map(|p| &queues[p]).or_else(|| {
            let name = g.queue_name.as_deref()?;
            let mut named = queues.iter().filter(|q| q.name == name);
            match (named.next(), named.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        });
        for url in &g.urls {
            add(url, owner);
        }
    }
    for url in &orphan_urls {
        add(url, None);
    }
    let mut out: Vec<HttpSysRegistration> = found
        .into_values()
        .map(|(url, mut pids, process_name)| {
            pids.sort_unstable();
            HttpSysRegistration {
                port: url_port(&url),
                url,
                pids,
                process_name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.port.cmp(&b.port).then_with(|| a.url.cmp(&b.url)));
    out
}

fn is_url(body: &str) -> bool {
    let lower = body.get(..8).unwrap_or(body).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `ID: 2688, image: C:\Windows\System32\svchost.exe` → (2688, the image).
fn process_line(body: &str) -> Option<(u32, String)> {
    let (id_part, image_part) = body.split_once(',')?;
    let (_, pid) = id_part.split_once(':')?;
    let pid = pid.trim().parse().ok()?;
    let (_, image) = image_part.split_once(':')?;
    Some((pid, image.trim().to_owned()))
}

fn push_unique(list: &mut Vec<u32>, value: u32) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// The port of an http.sys URL: `HTTP://+:80/x/` → 80, `HTTP://127.0.0.1:8000:127.0.0.1/`
/// (IIS's IP-bound form) → 8000, `HTTP://[::1]:47001/` → 47001, `HTTPS://host/` → 443.
pub fn url_port(url: &str) -> Option<u16> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let after_host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.1
    } else {
        authority
            .split_once(':')
            .map_or("", |(_, p)| p)
            .split(':')
            .next()
            .map_or("", |p| p)
    };
    let port = after_host.trim_start_matches(':');
    if port.is_empty() {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
    }
    let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Excluded port ranges and elevation
// ---------------------------------------------------------------------------------------------

/// The rows of `netsh interface ipv4|ipv6 show excludedportrange protocol=tcp` as (start, end).
/// Rows are two port numbers, sometimes followed by `*` (an administered exclusion, added by
/// `netsh … add excludedportrange`); the headings are translated, so they are not read.
pub fn parse_excluded_port_ranges(text: &str) -> Vec<(u16, u16)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let start: u16 = fields.next()?.parse().ok()?;
            let end: u16 = fields.next()?.parse().ok()?;
            match (fields.next(), fields.next()) {
                (None | Some("*"), None) => (start <= end).then_some((start, end)),
                _ => None,
            }
        })
        .collect()
}

/// Whether `whoami /groups` shows an elevated token: the High (`S-1-16-12288`) or System
/// (`S-1-16-16384`) mandatory level. SIDs are never translated.
pub fn groups_show_elevation(text: &str) -> bool {
    text.contains("S-1-16-12288") || text.contains("S-1-16-16384")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SC_QUERYEX: &str = include_str!("../../../tests/fixtures/windows/sc_queryex.txt");
    const SC_QUERYEX_IT: &str = include_str!("../../../tests/fixtures/windows/sc_queryex_it.txt");
    const TASKLIST: &str = include_str!("../../../tests/fixtures/windows/tasklist_svc.csv");
    const REG_HKLM: &str = include_str!("../../../tests/fixtures/windows/reg_uninstall_hklm.txt");
    const REG_WOW: &str = include_str!("../../../tests/fixtures/windows/reg_uninstall_wow6432.txt");
    const NETSH_WS2019: &str =
        include_str!("../../../tests/fixtures/windows/netsh_servicestate_ws2019.txt");
    const NETSH_TWO_UNNAMED: &str =
        include_str!("../../../tests/fixtures/windows/netsh_servicestate_two_unnamed.txt");
    const NETSH_REQUESTQ: &str =
        include_str!("../../../tests/fixtures/windows/netsh_servicestate_requestq.txt");
    const NETSH_REQUESTQ_IIS: &str =
        include_str!("../../../tests/fixtures/windows/netsh_servicestate_requestq_iis.txt");
    const NETSH_WIN11: &str =
        include_str!("../../../tests/fixtures/windows/netsh_servicestate_win11.txt");
    const EXCLUDED_EN: &str =
        include_str!("../../../tests/fixtures/windows/netsh_excludedportrange_tcp.txt");
    const EXCLUDED_ZH: &str =
        include_str!("../../../tests/fixtures/windows/netsh_excludedportrange_zh.txt");

    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    fn service<'a>(list: &'a [ScService], name: &str) -> &'a ScService {
        list.iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} missing from {list:?}"))
    }

    fn reg<'a>(list: &'a [HttpSysRegistration], url: &str) -> &'a HttpSysRegistration {
        list.iter()
            .find(|r| r.url == url)
            .unwrap_or_else(|| panic!("{url} missing from {list:?}"))
    }

    #[test]
    fn sc_queryex_names_every_service_with_state_and_pid() {
        let services = parse_sc_queryex(&crlf(SC_QUERYEX));
        assert_eq!(services.len(), 7);
        assert_eq!(
            service(&services, "PoProxy"),
            &ScService {
                name: "PoProxy".into(),
                display_name: "Norton AntiVirus Email Proxy".into(),
                state: "running".into(),
                pid: Some(2240),
            }
        );
        assert_eq!(service(&services, "WinRM").state, "start pending");
        assert_eq!(
            service(&services, "CDPUserSvc_4f1a2").display_name,
            "Connected Devices Platform User Service_4f1a2"
        );
    }

    #[test]
    fn sc_queryex_gives_a_stopped_service_no_pid() {
        let services = parse_sc_queryex(SC_QUERYEX);
        let spooler = service(&services, "Spooler");
        assert_eq!(spooler.state, "stopped");
        assert_eq!(spooler.pid, None);
    }

    #[test]
    fn sc_queryex_shows_the_services_sharing_one_svchost() {
        let services = parse_sc_queryex(SC_QUERYEX);
        let mut sharing: Vec<&str> = services
            .iter()
            .filter(|s| s.pid == Some(1956))
            .map(|s| s.name.as_str())
            .collect();
        sharing.sort_unstable();
        assert_eq!(sharing, ["W3SVC", "WAS"]);
    }

    #[test]
    fn sc_queryex_is_read_on_italian_windows() {
        let services = parse_sc_queryex(SC_QUERYEX_IT);
        assert_eq!(
            services,
            vec![
                ScService {
                    name: "W3SVC".into(),
                    display_name: "Servizio Pubblicazione sul Web".into(),
                    state: "running".into(),
                    pid: Some(1956),
                },
                ScService {
                    name: "WSearch".into(),
                    display_name: "Windows Search".into(),
                    state: "stopped".into(),
                    pid: None,
                },
            ]
        );
    }

    #[test]
    fn sc_queryex_error_output_gives_no_services() {
        assert!(parse_sc_queryex(
            "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n"
        )
        .is_empty());
    }

    #[test]
    fn sc_qc_start_types_are_named_as_people_say_them() {
        let qc = |line: &str| {
            format!(
                "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: UsoSvc\r\n        TYPE               : 20  WIN32_SHARE_PROCESS \r\n{line}\r\n        ERROR_CONTROL      : 1   NORMAL\r\n        BINARY_PATH_NAME   : C:\\Windows\\system32\\svchost.exe -k netsvcs -p\r\n        LOAD_ORDER_GROUP   : \r\n        TAG                : 0\r\n        DISPLAY_NAME       : Update Orchestrator Service\r\n        DEPENDENCIES       : rpcss\r\n        SERVICE_START_NAME : LocalSystem\r\n"
            )
        };
        let start = |line: &str| parse_sc_qc_start_type(&qc(line));
        assert_eq!(
            start("        START_TYPE         : 2   AUTO_START").as_deref(),
            Some("auto")
        );
        assert_eq!(
            start("        START_TYPE         : 2   AUTO_START  (DELAYED)").as_deref(),
            Some("auto (delayed)")
        );
        assert_eq!(
            start("        START_TYPE         : 3   DEMAND_START").as_deref(),
            Some("manual")
        );
        assert_eq!(
            start("        START_TYPE         : 4   DISABLED").as_deref(),
            Some("disabled")
        );
        assert_eq!(
            start("        TIPO_AVVIO                : 2   AUTO_START  (DELAYED)").as_deref(),
            Some("auto (delayed)")
        );
        assert_eq!(
            parse_sc_qc_start_type(
                "[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n"
            ),
            None
        );
    }

    #[test]
    fn tasklist_lists_the_services_each_process_hosts() {
        let rows = parse_tasklist_svc_csv(TASKLIST);
        assert!(rows.contains(&(
            1012,
            vec![
                "BrokerInfrastructure".into(),
                "DcomLaunch".into(),
                "PlugPlay".into(),
                "Power".into(),
                "SystemEventsBroker".into()
            ]
        )));
        assert!(rows.contains(&(1956, vec!["W3SVC".into(), "WAS".into()])));
        assert!(
            rows.iter().all(|(pid, _)| *pid != 4 && *pid != 3420),
            "N/A rows carry no services"
        );
    }

    #[test]
    fn tasklist_rows_keep_images_and_skip_the_header() {
        let text = format!("\"Image Name\",\"PID\",\"Services\"\r\n{TASKLIST}");
        let rows = parse_tasklist_rows(&text);
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[1].image, "System");
        assert_eq!(rows[1].pid, 4);
        assert!(rows[1].services.is_empty());
    }

    #[test]
    fn processes_are_described_by_image_and_services() {
        assert_eq!(
            describe_process(Some("svchost.exe"), &["W3SVC".into(), "WAS".into()]).as_deref(),
            Some("svchost.exe (W3SVC, WAS)")
        );
        assert_eq!(
            describe_process(Some("<?>"), &["WinRM".into()]).as_deref(),
            Some("service WinRM")
        );
        assert_eq!(describe_process(None, &[]), None);
    }

    #[test]
    fn reg_query_reads_programs_and_skips_nameless_and_nested_keys() {
        let entries = parse_reg_query_uninstall(&crlf(REG_HKLM));
        let names: Vec<&str> = entries.iter().map(|e| e.display_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "7-Zip 23.01 (x64)",
                "Docker Desktop",
                "Microsoft .NET Host - 5.0.7 (x64)",
                "Check MK Agent 2.1"
            ]
        );
        let zip = &entries[0];
        assert_eq!(
            zip.key,
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip"
        );
        assert_eq!(zip.display_version, "23.01");
        assert_eq!(zip.publisher, "Igor Pavlov");
        assert_eq!(
            zip.install_location.as_deref(),
            Some(r"C:\Program Files\7-Zip\")
        );
        assert_eq!(
            zip.uninstall_string.as_deref(),
            Some(r#""C:\Program Files\7-Zip\Uninstall.exe""#)
        );
        assert_eq!(
            zip.quiet_uninstall_string.as_deref(),
            Some(r#""C:\Program Files\7-Zip\Uninstall.exe" /S"#)
        );
        let host = &entries[2];
        assert!(host.system_component);
        assert_eq!(
            host.install_location, None,
            "an empty REG_SZ is no location"
        );
        assert_eq!(
            host.uninstall_string.as_deref(),
            Some("MsiExec.exe /X{12B6D916-FD64-471C-8EF7-C04443A75F8D}"),
            "REG_EXPAND_SZ values are read"
        );
    }

    #[test]
    fn reg_query_reads_names_with_spaces_and_inno_setup_entries() {
        let entries = parse_reg_query_uninstall(REG_WOW);
        let hmail = &entries[0];
        assert_eq!(hmail.display_name, "hMailServer 5.6.8-B2574");
        assert_eq!(
            hmail.quiet_uninstall_string.as_deref(),
            Some(r#""C:\Program Files (x86)\hMailServer\unins000.exe" /SILENT"#)
        );
        assert_eq!(hmail.product_id(), "registry:hklm-wow64/hMailServer_is1");
    }

    #[test]
    fn products_carry_uninstall_commands_and_msi_gets_a_silent_one() {
        let entries = parse_reg_query_uninstall(REG_HKLM);
        let zip = entries[0].product();
        assert_eq!(zip.id, "registry:hklm/7-Zip");
        assert_eq!(zip.source, "registry");
        assert_eq!(zip.name, "7-Zip 23.01 (x64)");
        assert_eq!(
            zip.quiet_uninstall_command.as_deref(),
            Some(r#""C:\Program Files\7-Zip\Uninstall.exe" /S"#)
        );
        // Check MK registers `/I` (repair dialog) as its uninstall string.
        let agent = entries[3].product();
        assert_eq!(
            agent.uninstall_command.as_deref(),
            Some("MsiExec.exe /I{675A6D5C-FF5A-11EF-AEA3-1967AD678D6D}")
        );
        assert_eq!(
            agent.quiet_uninstall_command.as_deref(),
            Some("MsiExec.exe /X{675A6D5C-FF5A-11EF-AEA3-1967AD678D6D} /qn /norestart")
        );
        assert_eq!(msi_quiet_uninstall(r#""C:\x\setup.exe" /x{1}"#), None);
    }

    #[test]
    fn products_are_matched_by_install_location_in_any_case() {
        let entries = parse_reg_query_uninstall(REG_HKLM);
        let hit = match_product(
            &entries,
            r"c:\program files\docker\docker\resources\com.docker.backend.exe",
        );
        assert_eq!(hit.map(|e| e.display_name.as_str()), Some("Docker Desktop"));
        // Trailing backslash on the location, `\\?\` on the path.
        let hit = match_product(&entries, r"\\?\C:\Program Files\7-Zip\7zFM.exe");
        assert_eq!(
            hit.map(|e| e.display_name.as_str()),
            Some("7-Zip 23.01 (x64)")
        );
        // A sibling folder whose name starts the same is not inside.
        assert_eq!(
            match_product(&entries, r"C:\Program Files\7-Zip Extra\x.exe"),
            None
        );
    }

    #[test]
    fn products_are_matched_by_icon_folder_or_uninstaller_name() {
        let entries = parse_reg_query_uninstall(REG_WOW);
        let norton = match_product(&entries, r"C:\Program Files\Norton AntiVirus\PoProxy.exe");
        assert_eq!(
            norton.map(|e| e.display_name.as_str()),
            Some("Norton AntiVirus 2001")
        );
        let guard = match_product(&entries, r"C:\Windows\SysWOW64\mgproxy.exe");
        assert_eq!(
            guard.map(|e| e.display_name.as_str()),
            Some("Contoso MailGuard")
        );
    }

    #[test]
    fn shared_folders_and_generic_hosts_match_no_product() {
        let entries = parse_reg_query_uninstall(REG_WOW);
        // ContosoMailGuard's InstallLocation is SysWOW64, and rundll32 is in its uninstaller.
        assert_eq!(
            match_product(&entries, r"C:\Windows\SysWOW64\svchost.exe"),
            None
        );
        assert_eq!(
            match_product(&entries, r"C:\Windows\SysWOW64\rundll32.exe"),
            None
        );
        let broad = [UninstallEntry {
            key: r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\x".into(),
            display_name: "Broad".into(),
            install_location: Some(r"C:\Users\bob\AppData\Local".into()),
            ..UninstallEntry::default()
        }];
        assert_eq!(
            match_product(&broad, r"C:\Users\bob\AppData\Local\Programs\x\x.exe"),
            None
        );
    }

    #[test]
    fn a_visible_entry_beats_a_hidden_component_and_updates_never_match() {
        let entry = |name: &str, system_component: bool, is_update: bool| UninstallEntry {
            key: format!(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{name}"
            ),
            display_name: name.into(),
            install_location: Some(r"C:\Program Files\Contoso\Proxy\".into()),
            system_component,
            is_update,
            ..UninstallEntry::default()
        };
        let entries = [
            entry("Runtime", true, false),
            entry("Hotfix", false, true),
            entry("Contoso Proxy", false, false),
        ];
        let hit = match_product(&entries, r"C:\Program Files\Contoso\Proxy\proxy.exe");
        assert_eq!(hit.map(|e| e.display_name.as_str()), Some("Contoso Proxy"));
    }

    #[test]
    fn expand_sz_paths_are_expanded_before_matching() {
        let lookup = |name: &str| {
            name.eq_ignore_ascii_case("ProgramFiles")
                .then(|| r"C:\Program Files".to_owned())
        };
        assert_eq!(
            expand_env(r"%ProgramFiles%\Contoso\x.exe,0 %UNKNOWN% 100%", &lookup),
            r"C:\Program Files\Contoso\x.exe,0 %UNKNOWN% 100%"
        );
        let entry = UninstallEntry {
            key: r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\C".into(),
            display_name: "Contoso".into(),
            display_icon: Some(r"%ProgramFiles%\Contoso\x.exe,0".into()),
            ..UninstallEntry::default()
        }
        .expanded(&lookup);
        let entries = [entry];
        assert!(match_product(&entries, r"C:\Program Files\Contoso\x.exe").is_some());
    }

    #[test]
    fn session_view_ties_urls_to_queues_by_unique_name() {
        // Windows Server 2019: queues list PIDs but no URLs.
        let regs = parse_netsh_servicestate(&crlf(NETSH_WS2019));
        assert_eq!(regs.len(), 3);
        let wsman = reg(&regs, "HTTP://+:5985/WSMAN/");
        assert_eq!(wsman.port, Some(5985));
        assert_eq!(wsman.pids, [3416]);
        // IIS's application pool has no worker yet: its controller (WAS) stands for it.
        let iis = reg(&regs, "HTTP://127.0.0.1:8000:127.0.0.1/");
        assert_eq!(iis.port, Some(8000));
        assert_eq!(iis.pids, [3408]);
    }

    #[test]
    fn two_unnamed_queues_are_not_guessed_apart() {
        let regs = parse_netsh_servicestate(NETSH_TWO_UNNAMED);
        assert_eq!(regs.len(), 2);
        let tomcat_port = reg(&regs, "HTTP://LOCALHOST:8080/");
        assert_eq!(tomcat_port.port, Some(8080));
        assert!(tomcat_port.pids.is_empty());
    }

    #[test]
    fn request_queue_view_gives_each_url_its_processes() {
        let regs = parse_netsh_servicestate(NETSH_REQUESTQ);
        assert_eq!(
            regs,
            vec![HttpSysRegistration {
                url: "HTTP://LOCALHOST:8082/".into(),
                port: Some(8082),
                pids: vec![2312],
                process_name: None,
            }]
        );
        let regs = parse_netsh_servicestate(&crlf(NETSH_REQUESTQ_IIS));
        let ports: Vec<Option<u16>> = regs.iter().map(|r| r.port).collect();
        assert_eq!(
            ports,
            [
                Some(80),
                Some(80),
                Some(80),
                Some(443),
                Some(5985),
                Some(47001)
            ]
        );
        assert_eq!(reg(&regs, "HTTP://*:80/").pids, [4480]);
        assert_eq!(reg(&regs, "HTTPS://*:443/").pids, [4480]);
        assert_eq!(
            reg(&regs, "HTTP://+:80/116B50EB-ECE2-41AC-8429-9F9E963361B7/").pids,
            [2904]
        );
        assert_eq!(reg(&regs, "HTTP://[::1]:47001/WSMAN/").pids, [3568]);
    }

    #[test]
    fn newer_windows_names_the_image_and_services_behind_port_80_and_443() {
        let regs = parse_netsh_servicestate(&crlf(NETSH_WIN11));
        assert_eq!(
            regs.len(),
            5,
            "URLs listed twice are reported once: {regs:?}"
        );
        let wcf = reg(
            &regs,
            "HTTP://+:80/TEMPORARY_LISTEN_ADDRESSES/6B2A9C71-8B4E-4F0D-9C1D-3E1A0B7C5D21/",
        );
        assert_eq!(wcf.port, Some(80));
        assert_eq!(wcf.pids, [6120]);
        assert_eq!(wcf.process_name.as_deref(), Some("ContosoSync.exe"));
        let iis = reg(&regs, "HTTP://*:80/");
        assert_eq!(iis.pids, [1956]);
        let agent = reg(&regs, "HTTPS://+:443/HOSTAGENT/VSWITCH/");
        assert_eq!(agent.pids, [2688]);
        assert_eq!(
            agent.process_name.as_deref(),
            Some("svchost.exe (NcHostAgent)")
        );
        let winrm = reg(&regs, "HTTP://+:5985/WSMAN/");
        assert_eq!(winrm.pids, [3568]);
        assert_eq!(winrm.process_name.as_deref(), Some("service WinRM"));
    }

    #[test]
    fn url_ports_cover_wildcards_ip_bindings_ipv6_and_defaults() {
        assert_eq!(
            url_port("HTTP://+:80/TEMPORARY_LISTEN_ADDRESSES/"),
            Some(80)
        );
        assert_eq!(url_port("HTTP://127.0.0.1:8000:127.0.0.1/"), Some(8000));
        assert_eq!(url_port("HTTP://[::1]:47001/WSMAN/"), Some(47001));
        assert_eq!(url_port("https://www.contoso.com/"), Some(443));
        assert_eq!(url_port("HTTP://LOCALHOST/"), Some(80));
        assert_eq!(url_port("not a url"), None);
    }

    #[test]
    fn excluded_port_ranges_are_read_in_any_language() {
        let expected_en = [
            (1369, 1468),
            (1858, 1957),
            (2869, 2869),
            (5357, 5357),
            (15007, 15106),
            (49152, 49152),
            (50000, 50059),
        ];
        assert_eq!(parse_excluded_port_ranges(&crlf(EXCLUDED_EN)), expected_en);
        assert_eq!(
            parse_excluded_port_ranges(EXCLUDED_ZH),
            [
                (1145, 1244),
                (3777, 3876),
                (5433, 5532),
                (8251, 8350),
                (28385, 28385),
                (50000, 50059)
            ]
        );
        assert!(
            parse_excluded_port_ranges("\r\nProtocol tcp Port Exclusion Ranges\r\n\r\nStart Port    End Port\r\n----------    --------\r\n\r\n* - Administered port exclusions.\r\n")
                .is_empty()
        );
    }

    #[test]
    fn elevation_is_read_from_the_mandatory_label() {
        let high = "Mandatory Label\\High Mandatory Level                          Label            S-1-16-12288\r\n";
        let medium = "Mandatory Label\\Medium Mandatory Level                        Label            S-1-16-8192\r\n";
        assert!(groups_show_elevation(high));
        assert!(!groups_show_elevation(medium));
        assert!(groups_show_elevation(
            "\"Mandatory Label\\System Mandatory Level\",\"Label\",\"S-1-16-16384\",\"\""
        ));
    }
}
