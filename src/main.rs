// With the wizard built in, Windows starts PortSleuth as a GUI program: no console window
// flashes up when it is opened from Explorer. A command typed in a terminal attaches to that
// terminal instead (see `console`).
#![cfg_attr(all(windows, feature = "gui"), windows_subsystem = "windows")]

use clap::Parser;
use portsleuth::cli::{exit_code_of, run, Cli};
use std::process::ExitCode;

// See Cargo.toml: a faster start on Linux and macOS.
#[cfg(not(windows))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Start-up touches some 15 MB once, in blocks mimalloc asks to be backed by 2 MB pages;
    // Linux zeroes each such page whole on first touch, a fifth of a `diagnose --no-scan` on
    // the seed (`perf stat -r 150`, same binary with MIMALLOC_ALLOW_THP=0: 15.1 -> 13.0 ms).
    // Small pages suit a short run. The setting is the process's own, never the system's;
    // programs it starts (a fix's uninstaller) inherit it, which costs them nothing that matters.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            console::attach_to_parent();
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit()
            }
            // A usage error is one line, as every other error: what is wrong, and where help is.
            let text = e.render().to_string();
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("bad usage")
                .trim_start_matches("error: ");
            eprintln!("portsleuth: {first} (portsleuth --help lists the commands and options)");
            return ExitCode::from(2);
        }
    };
    if console::wanted(&cli) {
        console::attach_to_parent();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line, whatever the error: scripts and tickets read the first line.
            eprintln!("portsleuth: {}", format!("{e:#}").replace('\n', " "));
            exit_code_of(&e)
        }
    }
}

/// The Windows GUI build has no console of its own. A command (`portsleuth scan`, …) started
/// from a terminal attaches to that terminal's console so that its output and messages reach
/// it; the wizard (no command, or `gui`) stays detached, so closing or pressing Ctrl+C in the
/// terminal does not end it. Output redirected to a file or a pipe is inherited and kept as is.
///
/// Typed in cmd.exe or PowerShell, `portsleuth` runs portsleuth.com instead
/// (src/bin/portsleuth-console.rs), which starts this program with its own standard handles,
/// valid and inherited, and waits for it. A command then attaches to the launcher's console,
/// which is the terminal's, and keeps those handles: attaching adds only Ctrl+C and the close
/// of the window, which end the command as they end the launcher.
#[cfg(all(windows, feature = "gui"))]
mod console {
    use portsleuth::cli::{Cli, Command};
    use std::fs::OpenOptions;
    use std::os::windows::io::IntoRawHandle;
    use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Console::{
        AttachConsole, GetStdHandle, SetStdHandle, ATTACH_PARENT_PROCESS, STD_ERROR_HANDLE,
        STD_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
    };

    pub fn wanted(cli: &Cli) -> bool {
        !matches!(cli.command, None | Some(Command::Gui(_)))
    }

    /// Attaches to the console of the process that started this one, if it has one: missing
    /// standard handles then lead to it, and Ctrl+C there ends the command. Standard handles
    /// that were already valid (`portsleuth scan > out.txt`, a pipe) stay exactly as they were.
    #[allow(unsafe_code)]
    pub fn attach_to_parent() {
        const STD: [STD_HANDLE; 3] = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE];
        let usable = |h: HANDLE| !h.is_null() && h != INVALID_HANDLE_VALUE;
        // SAFETY: these calls take no pointers and touch only this process's console
        // attachment and its table of standard handles. Every handle put in that table is
        // open and stays open: either one GetStdHandle returned a moment before, or one taken
        // from a File with into_raw_handle, which is never closed. Nothing else runs yet (this
        // is the start of main), so no other thread uses the standard handles meanwhile.
        unsafe {
            let before = STD.map(|which| GetStdHandle(which));
            // Fails when the parent has no console (Explorer) or this process has one already.
            if AttachConsole(ATTACH_PARENT_PROCESS) == 0 {
                return;
            }
            for (which, handle) in STD.into_iter().zip(before) {
                if usable(handle) {
                    SetStdHandle(which, handle);
                } else if !usable(GetStdHandle(which)) {
                    // Attaching normally fills in missing handles; if not, open the console.
                    let device = if which == STD_INPUT_HANDLE {
                        "CONIN$"
                    } else {
                        "CONOUT$"
                    };
                    let console = OpenOptions::new().read(true).write(true).open(device);
                    if let Ok(file) = console {
                        SetStdHandle(which, file.into_raw_handle());
                    }
                }
            }
        }
    }
}

/// Elsewhere the program is a console program, or the wizard has a terminal of its own.
#[cfg(not(all(windows, feature = "gui")))]
mod console {
    use portsleuth::cli::Cli;

    pub fn wanted(_cli: &Cli) -> bool {
        false
    }

    pub fn attach_to_parent() {}
}
