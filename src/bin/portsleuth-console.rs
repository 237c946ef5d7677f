//! `portsleuth.com`: the command-line front end of the Windows build, shipped next to
//! `portsleuth.exe` (scripts/windows-release.sh renames this `portsleuth-console.exe`).
//!
//! `portsleuth.exe` is a Windows-subsystem (GUI) program, so opening it from Explorer shows no
//! console window. An interactive cmd.exe or PowerShell, however, does not wait for a GUI
//! program: the prompt would come back at once, the output would appear after it, and
//! `%ERRORLEVEL%` / `$LASTEXITCODE` would not get the exit code. This small console program
//! fixes that the way `devenv.com` does for `devenv.exe`: both shells resolve a typed
//! `portsleuth` through `PATHEXT`, where `.COM` comes before `.EXE`, so they run this program
//! and wait for it. It starts `portsleuth.exe` from its own folder with the same arguments and
//! the same standard input, output and error, waits for it, and exits with its exit code (all
//! 32 bits of it, NTSTATUS codes included). Explorer still opens `portsleuth.exe` itself.
//!
//! With no arguments (the wizard, the same as a double-click) it starts `portsleuth.exe`
//! without waiting and exits 0 at once: the prompt comes back while the window stays open,
//! the same as typing `portsleuth.exe`, and a double-clicked `portsleuth.com` does not keep a
//! console window open beside the wizard. The wizard gets the null device as its standard
//! handles, not this console, which is gone when this program ends. Any argument (a command,
//! `--help`, `gui …`) is forwarded and waited for.
//!
//! Ctrl+C: this program keeps the default handler, so Ctrl+C (or Ctrl+Break, or closing the
//! console) ends it at once. A command started through it (`scan`, `diagnose`, …) ends too:
//! src/main.rs calls `AttachConsole(ATTACH_PARENT_PROCESS)` for every command, and the parent
//! is this program, whose console is the terminal's, so the command is attached to the same
//! console and gets the same Ctrl+C. (Its standard handles, inherited from here and valid,
//! stay as they are: attaching only adds the console's Ctrl+C and close events.) The wizard
//! never attaches to a console, by design, so Ctrl+C does not close it; the prompt comes back.
//! That needs no console control handler here, and so no `unsafe`.
//!
//! Missing `portsleuth.exe`: one line on standard error and exit code 2.
//!
//! Other platforms have no separate GUI subsystem and do not need it; there it forwards to
//! `portsleuth` in its own folder in the same way (and always waits), which keeps it built,
//! linted and tested everywhere (tests/console_launcher.rs).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

/// Exit code when `portsleuth.exe` is not next to this program.
const NOT_FOUND: i32 = 2;
/// Exit code when it is there but could not be started.
const NOT_STARTED: i32 = 1;

fn main() {
    let me = std::env::current_exe();
    let launcher = me
        .as_ref()
        .ok()
        .and_then(|path| path.file_name())
        .map_or_else(|| "portsleuth".into(), |name| name.to_string_lossy());
    let target_name = format!("portsleuth{}", std::env::consts::EXE_SUFFIX);
    let target: PathBuf = match &me {
        Ok(path) => path.with_file_name(&target_name),
        Err(e) => {
            eprintln!("{launcher}: cannot find its own folder to start {target_name} from: {e}");
            std::process::exit(NOT_FOUND);
        }
    };
    if !target.is_file() {
        eprintln!(
            "{launcher}: {} not found: {launcher} only starts {target_name} from its own \
             folder, so keep the two together",
            target.display()
        );
        std::process::exit(NOT_FOUND);
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut command = Command::new(&target);
    command.args(&args);
    let cannot_start = |e: std::io::Error| {
        eprintln!("{launcher}: cannot start {}: {e}", target.display());
        NOT_STARTED
    };
    if cfg!(windows) && args.is_empty() {
        // The wizard: start it and give the prompt back (see the module documentation).
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::process::exit(command.spawn().map_or_else(cannot_start, |_| 0));
    }
    // `status` inherits standard input, output and error.
    std::process::exit(command.status().map_or_else(cannot_start, exit_code));
}

/// The child's exit code as this process's own. On Windows that is every exit code, 32 bits
/// (`ExitCode::from(u8)` would cut it); elsewhere a child ended by a signal gives 128 + the
/// signal's number, as shells report it.
fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}
