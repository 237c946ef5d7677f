//! Installed programs from the Uninstall keys Add/Remove Programs reads, through the registry
//! API (the `winreg` crate) instead of `reg query` output: the 64-bit and 32-bit views of
//! `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall` (`KEY_WOW64_64KEY`,
//! `KEY_WOW64_32KEY`) and the current user's own. Values arrive as UTF-16, so names such as
//! `Prüfprogramm 日本` survive, whatever the console code page.
//!
//! The row type and the value decoding are pure; reading the registry is Windows-only.

use crate::platform::parse::cmdline;
use serde::Serialize;

/// Which Uninstall key an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryView {
    /// `HKLM\SOFTWARE\…\Uninstall`, 64-bit view: 64-bit programs.
    Hklm,
    /// The same key in the 32-bit view (`WOW6432Node`): 32-bit programs on 64-bit Windows.
    HklmWow64,
    /// `HKCU\Software\…\Uninstall`: programs installed for the current user only.
    Hkcu,
}

impl RegistryView {
    /// `hklm`, `hklm-wow64`, `hkcu`: the scopes in the snapshot's product ids.
    pub fn scope(self) -> &'static str {
        match self {
            Self::Hklm => "hklm",
            Self::HklmWow64 => "hklm-wow64",
            Self::Hkcu => "hkcu",
        }
    }

    /// The key as `reg query` would print it, for reports.
    pub fn key_path(self) -> &'static str {
        match self {
            Self::Hklm => r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
            Self::HklmWow64 => {
                r"HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
            }
            Self::Hkcu => r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall",
        }
    }
}

/// One program under an Uninstall key, as Add/Remove Programs sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductRow {
    pub view: Option<RegistryView>,
    /// The subkey's name (`7-Zip`, `{12B6D916-…}`, `hMailServer_is1`).
    pub key_name: String,
    pub display_name: String,
    pub display_version: String,
    pub publisher: String,
    /// `REG_EXPAND_SZ` values are expanded (`%ProgramFiles%` → `C:\Program Files`).
    pub install_location: Option<String>,
    pub uninstall_string: Option<String>,
    pub quiet_uninstall_string: Option<String>,
    pub display_icon: Option<String>,
    /// `WindowsInstaller = 1`: an MSI package.
    pub windows_installer: bool,
    /// The MSI product code: the key name when it is a `{GUID}` and `WindowsInstaller = 1`.
    pub msi_product_code: Option<String>,
    /// `SystemComponent = 1`: hidden from Add/Remove Programs (runtimes, parts of a suite).
    pub system_component: bool,
    /// `ParentKeyName`: an update or patch of another entry, not a program of its own.
    pub parent_key_name: Option<String>,
}

impl ProductRow {
    /// `registry:hklm/7-Zip`, as the old `reg query` scanner named products.
    pub fn product_id(&self) -> String {
        let scope = self.view.map_or("other", RegistryView::scope);
        format!("registry:{scope}/{}", self.key_name)
    }

    /// The argument vector that uninstalls this product: `msiexec.exe /x {GUID}` (with
    /// `/qn /norestart` when quiet) for an MSI package, else the registered (quiet) uninstall
    /// string split by Windows' rules. `None` when the entry registers no way to uninstall.
    pub fn uninstall_argv(&self, quiet: bool) -> Option<Vec<String>> {
        if let Some(code) = &self.msi_product_code {
            return cmdline::msiexec_uninstall_argv(code, quiet);
        }
        let command = if quiet {
            self.quiet_uninstall_string.as_deref()?
        } else {
            self.uninstall_string.as_deref()?
        };
        let argv = cmdline::uninstall_argv(command);
        (!argv.first().is_none_or(|p| p.is_empty())).then_some(argv)
    }
}

/// A `REG_SZ`/`REG_EXPAND_SZ` value's bytes (UTF-16LE) as text, up to the first NUL.
pub fn reg_string(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// A flag such as `WindowsInstaller` or `SystemComponent`: a `REG_DWORD` of 1, or (as some
/// installers write it) the string `1`.
pub fn reg_flag(bytes: &[u8], is_dword: bool) -> bool {
    if is_dword {
        bytes.len() >= 4 && u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) == 1
    } else {
        reg_string(bytes).trim() == "1"
    }
}

#[cfg(windows)]
mod os {
    use super::*;
    use crate::platform::windows::ffi;
    use winreg::enums::{
        RegType, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_32KEY, KEY_WOW64_64KEY,
    };
    use winreg::RegKey;

    const UNINSTALL: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall";
    const ERROR_FILE_NOT_FOUND: i32 = 2;

    /// Every program under the three Uninstall keys that has a `DisplayName` (Windows does
    /// not list the others either), sorted by view and key name; and what could not be read.
    /// A missing 32-bit or per-user key is normal (nothing installed there) and no warning.
    pub fn uninstall_products() -> (Vec<ProductRow>, Vec<String>) {
        let mut rows = Vec::new();
        let mut warnings = Vec::new();
        let views = [
            (
                RegistryView::Hklm,
                HKEY_LOCAL_MACHINE,
                KEY_WOW64_64KEY,
                true,
            ),
            (
                RegistryView::HklmWow64,
                HKEY_LOCAL_MACHINE,
                KEY_WOW64_32KEY,
                false,
            ),
            (RegistryView::Hkcu, HKEY_CURRENT_USER, 0, false),
        ];
        let mut per_view: Vec<Vec<ProductRow>> = Vec::new();
        for (view, root, flags, always_there) in views {
            let key = match RegKey::predef(root).open_subkey_with_flags(UNINSTALL, KEY_READ | flags)
            {
                Ok(k) => k,
                Err(e) if !always_there && e.raw_os_error() == Some(ERROR_FILE_NOT_FOUND) => {
                    per_view.push(Vec::new());
                    continue;
                }
                Err(e) => {
                    warnings.push(format!(
                        "installed programs could not be read from {}: {}",
                        view.key_path(),
                        describe(&e)
                    ));
                    per_view.push(Vec::new());
                    continue;
                }
            };
            let mut found = Vec::new();
            for name in key.enum_keys_os_string() {
                let name = match name {
                    Ok(n) => n,
                    Err(e) => {
                        warnings.push(format!(
                            "a subkey of {} could not be listed: {}",
                            view.key_path(),
                            describe(&e)
                        ));
                        continue;
                    }
                };
                let shown = name.to_string_lossy().into_owned();
                match key.open_subkey_with_flags(&name, KEY_READ | flags) {
                    Ok(sub) => {
                        if let Some(row) = read_entry(&sub, view, shown) {
                            found.push(row);
                        }
                    }
                    Err(e) => warnings.push(format!(
                        "{}\\{shown} could not be read: {}",
                        view.key_path(),
                        describe(&e)
                    )),
                }
            }
            per_view.push(found);
        }
        // On 32-bit Windows both HKLM views are the same key: list it once.
        if per_view.len() == 3
            && !per_view[0].is_empty()
            && same_entries(&per_view[0], &per_view[1])
        {
            per_view[1].clear();
        }
        for list in per_view {
            rows.extend(list);
        }
        rows.sort_by(|a, b| {
            a.view
                .cmp(&b.view)
                .then_with(|| a.key_name.to_lowercase().cmp(&b.key_name.to_lowercase()))
        });
        (rows, warnings)
    }

    fn same_entries(a: &[ProductRow], b: &[ProductRow]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.key_name == y.key_name
                    && x.display_name == y.display_name
                    && x.uninstall_string == y.uninstall_string
            })
    }

    fn describe(e: &std::io::Error) -> String {
        match e.raw_os_error() {
            Some(code) => ffi::os_error(code as u32).to_string(),
            None => e.to_string(),
        }
    }

    fn read_entry(key: &RegKey, view: RegistryView, key_name: String) -> Option<ProductRow> {
        let text = |name: &str| -> Option<String> {
            let v = key.get_raw_value(name).ok()?;
            let s = match v.vtype {
                RegType::REG_SZ => reg_string(&v.bytes),
                RegType::REG_EXPAND_SZ => {
                    let raw = reg_string(&v.bytes);
                    ffi::expand_environment_strings(&raw).unwrap_or(raw)
                }
                _ => return None,
            };
            let s = s.trim().to_owned();
            (!s.is_empty()).then_some(s)
        };
        let flag = |name: &str| {
            key.get_raw_value(name).is_ok_and(|v| match v.vtype {
                RegType::REG_DWORD => reg_flag(&v.bytes, true),
                RegType::REG_SZ => reg_flag(&v.bytes, false),
                _ => false,
            })
        };
        let display_name = text("DisplayName")?;
        let windows_installer = flag("WindowsInstaller");
        Some(ProductRow {
            view: Some(view),
            msi_product_code: windows_installer
                .then(|| cmdline::msi_product_code(&key_name))
                .flatten(),
            key_name,
            display_name,
            display_version: text("DisplayVersion").unwrap_or_default(),
            publisher: text("Publisher").unwrap_or_default(),
            install_location: text("InstallLocation"),
            uninstall_string: text("UninstallString"),
            quiet_uninstall_string: text("QuietUninstallString"),
            display_icon: text("DisplayIcon"),
            windows_installer,
            system_component: flag("SystemComponent"),
            parent_key_name: text("ParentKeyName"),
        })
    }
}

#[cfg(windows)]
pub use os::uninstall_products;

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    #[test]
    fn non_ascii_names_are_decoded_from_utf16() {
        assert_eq!(
            reg_string(&utf16("Prüfprogramm Café 日本")),
            "Prüfprogramm Café 日本"
        );
        // A value without its NUL, and one with an odd trailing byte.
        let mut bytes = "é"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>();
        assert_eq!(reg_string(&bytes), "é");
        bytes.push(0x41);
        assert_eq!(reg_string(&bytes), "é");
    }

    #[test]
    fn flags_are_read_as_dwords_or_strings() {
        assert!(reg_flag(&1u32.to_le_bytes(), true));
        assert!(!reg_flag(&0u32.to_le_bytes(), true));
        assert!(!reg_flag(&[1], true), "too short");
        assert!(reg_flag(&utf16("1"), false));
    }

    #[test]
    fn an_msi_package_uninstalls_through_msiexec_and_others_by_their_string() {
        let msi = ProductRow {
            view: Some(RegistryView::Hklm),
            key_name: "{12B6D916-FD64-471C-8EF7-C04443A75F8D}".into(),
            windows_installer: true,
            msi_product_code: Some("{12B6D916-FD64-471C-8EF7-C04443A75F8D}".into()),
            uninstall_string: Some("MsiExec.exe /I{12B6D916-FD64-471C-8EF7-C04443A75F8D}".into()),
            ..ProductRow::default()
        };
        assert_eq!(
            msi.uninstall_argv(true),
            Some(vec![
                "msiexec.exe".to_owned(),
                "/x".into(),
                "{12B6D916-FD64-471C-8EF7-C04443A75F8D}".into(),
                "/qn".into(),
                "/norestart".into()
            ])
        );
        let nsis = ProductRow {
            view: Some(RegistryView::HklmWow64),
            key_name: "Norton AntiVirus".into(),
            uninstall_string: Some(r"C:\Program Files\Norton AntiVirus\uninst.exe".into()),
            quiet_uninstall_string: Some(
                r#""C:\Program Files\Norton AntiVirus\uninst.exe" /S"#.into(),
            ),
            ..ProductRow::default()
        };
        assert_eq!(
            nsis.uninstall_argv(true),
            Some(vec![
                r"C:\Program Files\Norton AntiVirus\uninst.exe".to_owned(),
                "/S".into()
            ])
        );
        assert_eq!(nsis.product_id(), "registry:hklm-wow64/Norton AntiVirus");
        let nothing = ProductRow::default();
        assert_eq!(nothing.uninstall_argv(false), None);
    }
}
