//! The one way PortSleuth runs another program: no shell, the C locale (so tools print the
//! English and the numbers the parsers read), no console window on Windows, and an error that
//! keeps its meaning — not found, could not start, or ran and failed with what it said.

use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("{program} is not installed or not on PATH")]
    NotFound { program: String },
    #[error("{program} could not be started: {reason}")]
    CannotStart { program: String, reason: String },
    #[error("`{command}` failed ({status}): {said}")]
    Failed {
        command: String,
        status: String,
        /// The last line the program printed, or "no message".
        said: String,
        /// Everything it printed, for parsers that read a failing tool's output too.
        output: String,
    },
}

/// What a program printed when it succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program` with `args` and waits for it.
pub fn run(program: impl AsRef<Path>, args: &[&str]) -> Result<Output, RunError> {
    let program = program.as_ref();
    let name = program.display().to_string();
    let mut cmd = Command::new(program);
    cmd.args(args).env("LC_ALL", "C");
    #[cfg(target_os = "linux")]
    cmd.env("DEBIAN_FRONTEND", "noninteractive");
    #[cfg(windows)]
    {
        // CREATE_NO_WINDOW: the GUI must not flash a console for each command it runs.
        use std::os::windows::process::CommandExt;
        cmd.creation_flags(0x0800_0000);
    }
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => RunError::NotFound {
            program: name.clone(),
        },
        _ => RunError::CannotStart {
            program: name.clone(),
            reason: e.to_string(),
        },
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        return Ok(Output { stdout, stderr });
    }
    // What a failing tool says last on its error stream is usually the reason; some tools say
    // it on standard output instead.
    let last = |text: &str| {
        text.lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(str::to_owned)
    };
    let said = last(&stderr)
        .or_else(|| last(&stdout))
        .unwrap_or_else(|| "no message".to_owned());
    Err(RunError::Failed {
        command: std::iter::once(name.as_str())
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" "),
        status: out.status.to_string(),
        said,
        output: format!("{stdout}{stderr}"),
    })
}

/// Runs a command line given as program and arguments (what actions are planned as).
pub fn run_argv(argv: &[String]) -> Result<Output, RunError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(RunError::CannotStart {
            program: String::new(),
            reason: "empty command".into(),
        });
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(program, &args)
}

/// Whether a program can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_not_found_and_a_failing_one_says_what_it_printed() {
        assert!(matches!(
            run("portsleuth-no-such-program", &[]),
            Err(RunError::NotFound { .. })
        ));
        match run(
            "sh",
            &["-c", "echo first; echo 'the last words' >&2; exit 3"],
        ) {
            Err(RunError::Failed { said, status, .. }) => {
                assert_eq!(said, "the last words");
                assert!(status.contains('3'), "{status}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        assert_eq!(
            run("sh", &["-c", "printf ok"]).map(|o| o.stdout),
            Ok("ok".to_owned())
        );
    }
}
