//! Processes through their handles: what a process is (image path, start time, version
//! resource), whether PortSleuth itself runs elevated, and the two actions that start or end a
//! process: stopping one, PID-reuse-safe, and running an uninstaller without a shell.
//!
//! Why a handle makes stopping safe: Windows never gives a PID to a new process while any
//! handle to the old one is open. So [`stop_process`] opens the handle first, checks start
//! time and image on that handle, and does everything after (close request, wait, terminate)
//! through it: whatever it checked is what it stops.

use crate::platform::windows::error::WinError;
use serde::Serialize;

/// What a process is, read from its handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessFacts {
    pub pid: u32,
    /// The Win32 path of its executable (`C:\Program Files\Norton AntiVirus\PoProxy.exe`).
    pub exe: String,
    /// Seconds since the Unix epoch: with the PID it names one process for good. The same
    /// number `sysinfo` gives (creation FILETIME / 10^7 − 11,644,473,600), so a snapshot from
    /// the old scanner compares equal.
    pub start_time: u64,
    /// The executable's version resource, when it has one and may be read.
    pub version: Option<FileVersion>,
}

/// The strings of a version resource (Explorer's Properties › Details).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileVersion {
    pub product_name: Option<String>,
    pub file_description: Option<String>,
    pub company_name: Option<String>,
    pub product_version: Option<String>,
    pub file_version: Option<String>,
    /// `VS_FIXEDFILEINFO`'s product version, `major.minor.build.revision`.
    pub fixed_product_version: Option<String>,
}

impl FileVersion {
    /// (product name, company, version) as the snapshot's `VersionInfo` holds them, with the
    /// same fallbacks as `pe_version.rs`: `FileDescription` for a missing `ProductName`,
    /// `FileVersion` or the fixed numbers for a missing `ProductVersion`. `None` without a name.
    pub fn summary(&self) -> Option<(String, String, String)> {
        let name = self
            .product_name
            .clone()
            .or_else(|| self.file_description.clone())?;
        let version = self
            .product_version
            .clone()
            .or_else(|| self.file_version.clone())
            .or_else(|| self.fixed_product_version.clone())
            .unwrap_or_default();
        Some((name, self.company_name.clone().unwrap_or_default(), version))
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// It exited within the grace time after the close request.
    Gracefully,
    /// It was still running after the grace time and was terminated.
    Forced,
    /// It had already exited when the handle was opened.
    AlreadyExited,
}

/// The polite request [`stop_process`] made before waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CloseRequest {
    /// `WM_CLOSE` was posted to this many top-level windows.
    WindowsAsked { windows: usize },
    /// No top-level window on this desktop (a console program, a service, another session):
    /// Windows has no other polite request for it, so it was only given the grace time.
    NoWindow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StopOutcome {
    pub stopped: Stopped,
    pub close_request: CloseRequest,
    pub waited_ms: u128,
}

/// What [`run_uninstaller`] saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UninstallerRun {
    pub pid: u32,
    /// The program actually started (a full path).
    pub program: String,
    /// The command line it was given.
    pub command_line: String,
    /// `None` while it still runs after the wait (an interactive uninstaller).
    pub exit_code: Option<u32>,
}

/// A FILETIME (100 ns since 1601-01-01 UTC) as whole seconds since the Unix epoch, rounded
/// down the way `sysinfo` does it.
pub fn filetime_to_unix_seconds(filetime: u64) -> u64 {
    (filetime / 10_000_000).saturating_sub(11_644_473_600)
}

/// Whether two Win32 paths name the same file as far as text can tell: case-insensitive,
/// `/` or `\`, with or without the `\\?\` prefix.
pub fn same_image_path(a: &str, b: &str) -> bool {
    fn norm(p: &str) -> String {
        let p = p.trim().trim_matches('"').replace('/', "\\");
        let p = p.strip_prefix(r"\\?\").unwrap_or(&p);
        p.to_lowercase()
    }
    norm(a) == norm(b)
}

/// The program `argv[0]` names, resolved without searching the current folder or `PATH`
/// (where a planted `msiexec.exe` could wait): a full path is kept, a bare `msiexec.exe` or
/// other System32 tool is taken from `system_dir`, anything else is refused.
pub fn resolve_program(
    argv0: &str,
    system_dir: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<String, WinError> {
    let p = argv0.trim();
    let is_full = p.starts_with(r"\\")
        || (p.len() > 2 && p.as_bytes()[1] == b':' && matches!(p.as_bytes()[2], b'\\' | b'/'));
    if is_full {
        return Ok(p.to_owned());
    }
    if !p.contains(['\\', '/']) && !p.is_empty() {
        let name = if p.to_ascii_lowercase().ends_with(".exe") {
            p.to_owned()
        } else {
            format!("{p}.exe")
        };
        let candidate = format!("{}\\{name}", system_dir.trim_end_matches('\\'));
        if exists(&candidate) {
            return Ok(candidate);
        }
    }
    Err(WinError::Invalid(format!(
        "the uninstaller {argv0:?} is not a full path or a program in {system_dir}; PortSleuth does not search the current folder or PATH for it"
    )))
}

#[cfg(windows)]
mod os {
    use super::*;
    use crate::platform::parse::cmdline::join_command_line;
    use crate::platform::windows::ffi;
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};
    use windows_sys::Win32::System::Threading::{
        PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE, PROCESS_TERMINATE,
    };

    /// `STILL_ACTIVE`: the exit code of a process that has not exited.
    const STILL_ACTIVE: u32 = 259;

    /// Whether PortSleuth runs elevated (`TokenElevation` of its own token). A token does not
    /// change while the process runs, so it is asked once. `false` if the token cannot be read.
    pub fn is_elevated() -> bool {
        static ELEVATED: OnceLock<bool> = OnceLock::new();
        *ELEVATED.get_or_init(|| ffi::token_is_elevated().unwrap_or(false))
    }

    fn open(pid: u32, access: u32) -> Result<ffi::Handle, WinError> {
        ffi::open_process(pid, access)
            .map_err(|c| WinError::from_open_process(pid, ffi::os_error(c)))
    }

    fn image_of(pid: u32, h: &ffi::Handle) -> Result<String, WinError> {
        ffi::process_image_path(h).map_err(|c| {
            WinError::from_os(
                "QueryFullProcessImageNameW",
                format!("PID {pid}"),
                ffi::os_error(c),
            )
        })
    }

    fn start_of(pid: u32, h: &ffi::Handle) -> Result<u64, WinError> {
        ffi::process_creation_time(h)
            .map(filetime_to_unix_seconds)
            .map_err(|c| {
                WinError::from_os("GetProcessTimes", format!("PID {pid}"), ffi::os_error(c))
            })
    }

    /// Image path, start time and version resource of `pid`, from a handle opened with
    /// `PROCESS_QUERY_LIMITED_INFORMATION` (which Windows grants for most processes even
    /// without elevation; protected ones answer access denied).
    pub fn process_facts(pid: u32) -> Result<ProcessFacts, WinError> {
        let h = open(pid, PROCESS_QUERY_LIMITED_INFORMATION)?;
        let exe = image_of(pid, &h)?;
        let start_time = start_of(pid, &h)?;
        Ok(ProcessFacts {
            pid,
            version: file_version(&exe).ok().flatten(),
            exe,
            start_time,
        })
    }

    /// The version resource of the file at `path`; `Ok(None)` when it has none.
    pub fn file_version(path: &str) -> Result<Option<FileVersion>, WinError> {
        let Some(block) = ffi::file_version_block(path)
            .map_err(|c| WinError::from_os("GetFileVersionInfoW", path, ffi::os_error(c)))?
        else {
            return Ok(None);
        };
        // The tables the file lists, then the usual US English ones as a fallback.
        let mut tables = block.translations();
        for fallback in [(0x0409, 0x04B0), (0x0409, 0x04E4), (0x0000, 0x04B0)] {
            if !tables.contains(&fallback) {
                tables.push(fallback);
            }
        }
        let string = |name: &str| {
            tables.iter().find_map(|&(lang, cp)| {
                block
                    .string(lang, cp, name)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
            })
        };
        let fixed = block.fixed_versions().and_then(|((ms, ls), _)| {
            (ms != 0 || ls != 0)
                .then(|| format!("{}.{}.{}.{}", ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF))
        });
        Ok(Some(FileVersion {
            product_name: string("ProductName"),
            file_description: string("FileDescription"),
            company_name: string("CompanyName"),
            product_version: string("ProductVersion"),
            file_version: string("FileVersion"),
            fixed_product_version: fixed,
        }))
    }

    /// Stops `pid` if — checked on the handle that will stop it — it is still the process
    /// that started at `expected_start_time` from `expected_exe`: `WM_CLOSE` to its top-level
    /// windows, up to `grace` to exit, then `TerminateProcess` and up to 5 s more.
    pub fn stop_process(
        pid: u32,
        expected_start_time: u64,
        expected_exe: &str,
        grace: Duration,
    ) -> Result<StopOutcome, WinError> {
        if pid == 0 || pid == 4 || pid == std::process::id() {
            return Err(WinError::Invalid(format!(
                "PID {pid} is the system or PortSleuth itself and is never stopped"
            )));
        }
        let h = open(
            pid,
            PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE | PROCESS_SYNCHRONIZE,
        )?;
        let start_time = start_of(pid, &h)?;
        if start_time != expected_start_time {
            return Err(WinError::ProcessChanged {
                pid,
                why: format!(
                    "it started at {start_time}, the checked one at {expected_start_time}"
                ),
            });
        }
        let exe = image_of(pid, &h)?;
        if !same_image_path(&exe, expected_exe) {
            return Err(WinError::ProcessChanged {
                pid,
                why: format!("it runs {exe}, the checked one ran {expected_exe}"),
            });
        }
        let wait = |limit: Duration| {
            let ms = u32::try_from(limit.as_millis()).unwrap_or(u32::MAX - 1);
            ffi::wait_for_exit(&h, ms).map_err(|c| {
                WinError::from_os(
                    "WaitForSingleObject",
                    format!("PID {pid}"),
                    ffi::os_error(c),
                )
            })
        };
        let started = Instant::now();
        if wait(Duration::ZERO)? {
            return Ok(StopOutcome {
                stopped: Stopped::AlreadyExited,
                close_request: CloseRequest::NoWindow,
                waited_ms: 0,
            });
        }
        // The PID cannot be reused while `h` is open, so the windows found for it are its own.
        let windows = ffi::top_level_windows(pid);
        let asked = windows
            .iter()
            .filter(|&&w| ffi::post_close(w, pid).unwrap_or(false))
            .count();
        let close_request = if asked == 0 {
            CloseRequest::NoWindow
        } else {
            CloseRequest::WindowsAsked { windows: asked }
        };
        if wait(grace)? {
            return Ok(StopOutcome {
                stopped: Stopped::Gracefully,
                close_request,
                waited_ms: started.elapsed().as_millis(),
            });
        }
        ffi::terminate(&h, 1).map_err(|c| {
            WinError::from_os("TerminateProcess", format!("PID {pid}"), ffi::os_error(c))
        })?;
        if wait(Duration::from_secs(5))? {
            Ok(StopOutcome {
                stopped: Stopped::Forced,
                close_request,
                waited_ms: started.elapsed().as_millis(),
            })
        } else {
            Err(WinError::Timeout {
                what: format!("PID {pid} after TerminateProcess"),
                waited_ms: started.elapsed().as_millis(),
                state: "still running".into(),
            })
        }
    }

    /// Starts an uninstaller from its argument vector with `CreateProcessW` — no shell, no
    /// `cmd /C`, the program resolved without searching the current folder or `PATH` — and
    /// waits up to `wait` for it to exit.
    pub fn run_uninstaller(argv: &[String], wait: Duration) -> Result<UninstallerRun, WinError> {
        let first = argv
            .first()
            .ok_or_else(|| WinError::Invalid("an empty uninstall command".into()))?;
        let system_dir = ffi::system_directory()
            .map_err(|c| WinError::from_os("GetSystemDirectoryW", "System32", ffi::os_error(c)))?;
        let system_dir = system_dir.to_string_lossy().into_owned();
        let program = resolve_program(first, &system_dir, &|p| std::path::Path::new(p).is_file())?;
        let mut full = argv.to_vec();
        full[0].clone_from(&program);
        let command_line = join_command_line(&full);
        let (h, pid) = ffi::create_process(&program, &command_line)
            .map_err(|c| WinError::from_os("CreateProcessW", program.clone(), ffi::os_error(c)))?;
        let ms = u32::try_from(wait.as_millis()).unwrap_or(u32::MAX - 1);
        let exited = ffi::wait_for_exit(&h, ms).map_err(|c| {
            WinError::from_os(
                "WaitForSingleObject",
                format!("PID {pid}"),
                ffi::os_error(c),
            )
        })?;
        let exit_code = if exited {
            ffi::exit_code(&h).ok().filter(|&c| c != STILL_ACTIVE)
        } else {
            None
        };
        Ok(UninstallerRun {
            pid,
            program,
            command_line,
            exit_code,
        })
    }
}

#[cfg(windows)]
pub use os::{file_version, is_elevated, process_facts, run_uninstaller, stop_process};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_match_the_unix_seconds_the_linux_code_compares() {
        assert_eq!(filetime_to_unix_seconds(116_444_736_000_000_000), 0);
        // 2024-01-01T00:00:00.9999999Z rounds down, as sysinfo does.
        assert_eq!(
            filetime_to_unix_seconds(
                116_444_736_000_000_000 + 1_704_067_200 * 10_000_000 + 9_999_999
            ),
            1_704_067_200
        );
        assert_eq!(filetime_to_unix_seconds(0), 0, "before 1970 clamps");
    }

    #[test]
    fn image_paths_compare_as_windows_compares_them() {
        assert!(same_image_path(
            r"C:\Program Files\Norton AntiVirus\PoProxy.exe",
            r"\\?\c:\program files\norton antivirus\poproxy.EXE"
        ));
        assert!(same_image_path(r"C:\Prüf\Ärger.exe", r"c:/prüf/ärger.exe"));
        assert!(!same_image_path(r"C:\a\PoProxy.exe", r"C:\b\PoProxy.exe"));
    }

    #[test]
    fn uninstallers_are_never_searched_for_in_the_current_folder_or_path() {
        let sys = r"C:\Windows\system32";
        let exists = |p: &str| p.eq_ignore_ascii_case(r"C:\Windows\system32\msiexec.exe");
        assert_eq!(
            resolve_program("msiexec.exe", sys, &exists).ok().as_deref(),
            Some(r"C:\Windows\system32\msiexec.exe")
        );
        assert_eq!(
            resolve_program("MsiExec", sys, &exists).ok().as_deref(),
            Some(r"C:\Windows\system32\MsiExec.exe")
        );
        assert_eq!(
            resolve_program(r"C:\Program Files\x\uninst.exe", sys, &exists)
                .ok()
                .as_deref(),
            Some(r"C:\Program Files\x\uninst.exe")
        );
        assert!(resolve_program("uninst.exe", sys, &exists).is_err());
        assert!(resolve_program(r"..\uninst.exe", sys, &exists).is_err());
        assert!(resolve_program("", sys, &exists).is_err());
    }

    #[test]
    fn version_summaries_fall_back_like_the_pe_parser() {
        let v = FileVersion {
            file_description: Some("Contoso MailGuard proxy".into()),
            file_version: Some("7.1.2.9".into()),
            ..FileVersion::default()
        };
        assert_eq!(
            v.summary(),
            Some((
                "Contoso MailGuard proxy".into(),
                String::new(),
                "7.1.2.9".into()
            ))
        );
        assert_eq!(FileVersion::default().summary(), None);
    }
}
