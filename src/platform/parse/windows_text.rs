//! Installed programs, as Add/Remove Programs lists them, matched to the executables that hold
//! ports: the rows the registry reader (`platform::windows::products`, through the registry API)
//! gives, turned into snapshot products, and the rules that tie an executable to its product.
//!
//! Pure functions over plain data, compiled and tested on every OS; the tests read their rows
//! from `reg query` captures (`tests/fixtures/windows/reg_uninstall_*.txt`), a convenient text
//! form of real Uninstall keys. Nothing here reads the machine.

use crate::engine::snapshot::Product;
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

#[cfg(test)]
mod tests {
    use super::*;

    const REG_HKLM: &str = include_str!("../../../tests/fixtures/windows/reg_uninstall_hklm.txt");
    const REG_WOW: &str = include_str!("../../../tests/fixtures/windows/reg_uninstall_wow6432.txt");

    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    // The fixtures' reader: `reg query <…\Uninstall> /s` text into the rows the registry API
    // gives. Only the tests read text; the scanner asks the registry itself.
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
}
