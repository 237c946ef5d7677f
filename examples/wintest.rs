//! `wintest.exe`: drives each function of PortSleuth's Windows layer (`platform::windows`) once
//! and prints what it returned as JSON lines, for `tests/wine/winapi-checks.sh` to check under Wine (or by hand on Windows).
//! Built as an example, so it never ships: `cargo build --release --target x86_64-pc-windows-gnu
//! --example wintest`.
//!
//! ```text
//! wintest services [NAME-PREFIX]      wintest products          wintest elevated
//! wintest facts PID                   wintest version PATH
//! wintest stop PID START_TIME EXE GRACE_MS
//! wintest stop-service NAME TIMEOUT_MS    wintest disable-service NAME
//! wintest split-selftest              wintest uninstall-argv COMMAND
//! wintest run-uninstaller WAIT_MS ARG...  wintest netsh
//! wintest decode CODE_PAGE FILE       wintest port-free PORT    wintest bench ROUNDS
//! wintest close-connection v4|v6      (a loopback connection of its own, reset by SetTcpEntry)
//! ```
//!
//! Exit code 0 when the call succeeded, 1 when it returned an error (printed as `{"error":…}`),
//! 2 on bad usage.

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(windows)]
    {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match windows_main::run(&args) {
            Ok(code) => code,
            Err(usage) => {
                eprintln!("wintest: {usage}");
                ExitCode::from(2)
            }
        }
    }
    #[cfg(not(windows))]
    {
        eprintln!("wintest: runs on Windows (or under Wine) only");
        ExitCode::from(2)
    }
}

#[cfg(windows)]
mod windows_main {
    use portsleuth::platform::parse::cmdline::{self, split_command_line};
    use portsleuth::platform::windows::command_line_to_argv;
    use portsleuth::platform::windows::{netsh, process, products, services, WinError};
    use serde_json::{json, Value};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    /// One JSON line. A reader that stopped reading (`| head`) is no error worth a panic.
    fn emit(v: &Value) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{v}");
    }

    fn error(e: &WinError) -> ExitCode {
        emit(&json!({ "error": e }));
        ExitCode::from(1)
    }

    fn arg<'a>(args: &'a [String], i: usize, what: &str) -> Result<&'a str, String> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing {what}"))
    }

    fn number<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, String> {
        arg(args, i, what)?
            .parse()
            .map_err(|_| format!("{what} must be a number"))
    }

    pub fn run(args: &[String]) -> Result<ExitCode, String> {
        let command = arg(args, 0, "a command")?;
        Ok(match command {
            "services" => {
                let prefix = args.get(1).map(|p| p.to_lowercase());
                let started = Instant::now();
                match services::services() {
                    Ok(rows) => {
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        for row in rows.iter().filter(|r| {
                            prefix
                                .as_ref()
                                .is_none_or(|p| r.name.to_lowercase().starts_with(p))
                        }) {
                            emit(&json!({ "service": row }));
                        }
                        emit(&json!({ "summary": { "services": rows.len(), "ms": ms } }));
                        ExitCode::SUCCESS
                    }
                    Err(e) => error(&e),
                }
            }
            "products" => {
                let started = Instant::now();
                let (rows, warnings) = products::uninstall_products();
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                for row in &rows {
                    emit(&json!({ "product": row, "id": row.product_id(),
                        "uninstall_argv": row.uninstall_argv(false),
                        "quiet_uninstall_argv": row.uninstall_argv(true) }));
                }
                for w in &warnings {
                    emit(&json!({ "warning": w }));
                }
                emit(&json!({ "summary": { "products": rows.len(), "ms": ms } }));
                ExitCode::SUCCESS
            }
            "elevated" => {
                emit(&json!({ "elevated": process::is_elevated() }));
                ExitCode::SUCCESS
            }
            "facts" => match process::process_facts(number(args, 1, "PID")?) {
                Ok(f) => {
                    emit(
                        &json!({ "facts": f, "summary": f.version.as_ref().and_then(|v| v.summary()) }),
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => error(&e),
            },
            "version" => match process::file_version(arg(args, 1, "PATH")?) {
                Ok(v) => {
                    emit(&json!({ "version": v }));
                    ExitCode::SUCCESS
                }
                Err(e) => error(&e),
            },
            "split-selftest" => split_selftest(),
            "uninstall-argv" => {
                emit(&json!({ "argv": cmdline::uninstall_argv(arg(args, 1, "COMMAND")?) }));
                ExitCode::SUCCESS
            }
            "netsh" => {
                emit(&json!({ "oem_code_page": netsh::oem_code_page() }));
                match netsh::excluded_port_ranges() {
                    Ok(r) => emit(&json!({ "excluded_ranges": r })),
                    Err(e) => emit(&json!({ "excluded_ranges_error": e })),
                }
                match netsh::http_sys_registrations() {
                    Ok(r) => emit(&json!({ "http_sys": r })),
                    Err(e) => emit(&json!({ "http_sys_error": e })),
                }
                ExitCode::SUCCESS
            }
            "decode" => {
                let cp: u32 = number(args, 1, "CODE_PAGE")?;
                let path = arg(args, 2, "FILE")?;
                let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                match netsh::decode_console_bytes(Some(cp), &bytes) {
                    Ok(text) => {
                        let regs = netsh::parse_request_queues(&text);
                        emit(&json!({ "text": text, "http_sys": regs }));
                        ExitCode::SUCCESS
                    }
                    Err(e) => error(&e),
                }
            }
            "port-free" => {
                let port: u16 = number(args, 1, "PORT")?;
                match std::net::TcpListener::bind(("127.0.0.1", port)) {
                    Ok(_) => emit(&json!({ "port": port, "free": true })),
                    Err(e) => emit(&json!({ "port": port, "free": false, "why": e.to_string() })),
                }
                ExitCode::SUCCESS
            }
            "bench" => bench(number(args, 1, "ROUNDS")?),
            "close-connection" => close_connection(arg(args, 1, "v4 or v6")? == "v6"),
            "stop" | "stop-service" | "disable-service" | "run-uninstaller" => act(command, args)?,
            other => return Err(format!("unknown command {other:?}")),
        })
    }

    /// Opens a loopback connection (both ends its own), asks Windows to reset the server end,
    /// and says what the call returned and what the client end then saw.
    fn close_connection(v6: bool) -> ExitCode {
        use std::io::Read;
        let host = if v6 { "::1" } else { "127.0.0.1" };
        let Ok(listener) = std::net::TcpListener::bind((host, 0)) else {
            emit(&json!({ "error": format!("cannot listen on {host}") }));
            return ExitCode::from(1);
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let (Ok(mut client), Ok((_server, _))) = (
            std::net::TcpStream::connect((host, port)),
            listener.accept(),
        ) else {
            emit(&json!({ "error": "cannot connect on loopback" }));
            return ExitCode::from(1);
        };
        let client_port = client.local_addr().map(|a| a.port()).unwrap_or_default();
        let c = portsleuth::engine::diagnose::Connection {
            local_addr: host.into(),
            local_port: port,
            remote_addr: host.into(),
            remote_port: client_port,
        };
        let call = portsleuth::platform::windows::close_connection(&c);
        let _ = client.set_read_timeout(Some(Duration::from_millis(1500)));
        let mut buf = [0u8; 4];
        let client_saw = match client.read(&mut buf) {
            Ok(0) => "closed".to_owned(),
            Ok(_) => "data".to_owned(),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                "still open".to_owned()
            }
            Err(e) => format!("reset ({e})"),
        };
        emit(&json!({
            "connection": c.to_string(),
            "call": call.as_ref().map(|()| "ok").map_err(ToString::to_string),
            "client_saw": client_saw,
        }));
        if call.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    /// The commands that change something: stopping, disabling, running an uninstaller.
    fn act(command: &str, args: &[String]) -> Result<ExitCode, String> {
        Ok(match command {
            "stop" => {
                let pid = number(args, 1, "PID")?;
                let start: u64 = number(args, 2, "START_TIME")?;
                let exe = arg(args, 3, "EXE")?;
                let grace = Duration::from_millis(number(args, 4, "GRACE_MS")?);
                match process::stop_process(pid, start, exe, grace) {
                    Ok(outcome) => {
                        emit(&json!({ "stop": outcome }));
                        ExitCode::SUCCESS
                    }
                    Err(e) => error(&e),
                }
            }
            "stop-service" => {
                let name = arg(args, 1, "NAME")?;
                let timeout = Duration::from_millis(number(args, 2, "TIMEOUT_MS")?);
                match services::stop_service(name, timeout) {
                    Ok(s) => {
                        emit(&json!({ "stopped": s }));
                        ExitCode::SUCCESS
                    }
                    Err(e) => error(&e),
                }
            }
            "disable-service" => match services::disable_service(arg(args, 1, "NAME")?) {
                Ok(d) => {
                    emit(&json!({ "disabled": d }));
                    ExitCode::SUCCESS
                }
                Err(e) => error(&e),
            },
            "run-uninstaller" => {
                let wait = Duration::from_millis(number(args, 1, "WAIT_MS")?);
                match process::run_uninstaller(&args[2..], wait) {
                    Ok(r) => {
                        emit(&json!({ "ran": r }));
                        ExitCode::SUCCESS
                    }
                    Err(e) => error(&e),
                }
            }
            other => return Err(format!("unknown command {other:?}")),
        })
    }

    /// Lines whose splitting differs between naive rules and Windows': quotes, backslashes
    /// before quotes, doubled quotes, tabs, leading blanks, non-ASCII.
    const SPLIT_CASES: &[&str] = &[
        r#""C:\Program Files\App\uninst.exe" /S"#,
        r#"MsiExec.exe /X{12B6D916-FD64-471C-8EF7-C04443A75F8D}"#,
        r#"p "abc" d e"#,
        r#"p a\\b d"e f"g h"#,
        r#"p a\\\"b c d"#,
        r#"p a\\\\"b c" d e"#,
        r#"p a"b"" c d"#,
        r#"p "a""b" """" x"#,
        r#""C:\dir\"x y"#,
        "p\ta\t\t\"b c\"\t",
        r#"p "" "" x"#,
        r#"p C:\dir\ "C:\dir\\" \\server\share"#,
        "  leading blanks",
        r#""C:\Programme\Prüfer 日本\uninst.exe" /LANG=fr "Désinstaller é""#,
        r#"p "unterminated \"quote"#,
        r#"p a\"b\\"c d"#,
    ];

    fn split_selftest() -> ExitCode {
        let mut all_same = true;
        for line in SPLIT_CASES {
            let ours = split_command_line(line);
            let windows = command_line_to_argv(line);
            let same = windows.as_ref().is_ok_and(|w| *w == ours);
            all_same &= same;
            emit(&json!({ "line": line, "ours": ours,
                "windows": windows.as_ref().ok(), "same": same }));
        }
        emit(&json!({ "all_same": all_same }));
        if all_same {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    /// `services()` + `uninstall_products()` against the commands the old scanner ran for the
    /// same facts, `ROUNDS` times each, interleaved so both see the same machine.
    fn bench(rounds: usize) -> ExitCode {
        use std::os::windows::process::CommandExt;
        let rounds = rounds.clamp(1, 100);
        let sys = std::path::PathBuf::from(
            std::env::var_os("SystemRoot").unwrap_or_else(|| r"C:\windows".into()),
        )
        .join("system32");
        let old_commands: [(&str, Vec<&str>); 4] = [
            (
                "sc.exe",
                vec!["queryex", "type=", "service", "state=", "all"],
            ),
            (
                "reg.exe",
                vec![
                    "query",
                    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
                    "/s",
                    "/reg:64",
                ],
            ),
            (
                "reg.exe",
                vec![
                    "query",
                    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
                    "/s",
                ],
            ),
            (
                "reg.exe",
                vec![
                    "query",
                    r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall",
                    "/s",
                ],
            ),
        ];
        let (mut new_ms, mut old_ms) = (Vec::new(), Vec::new());
        let (mut services_ms, mut products_ms) = (Vec::new(), Vec::new());
        let (mut counts, mut old_outputs) = ((0, 0), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            let s = services::services().map(|r| r.len()).unwrap_or(0);
            let between = t.elapsed();
            let (p, _) = products::uninstall_products();
            new_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            services_ms.push(between.as_secs_f64() * 1000.0);
            products_ms.push((t.elapsed() - between).as_secs_f64() * 1000.0);
            counts = (s, p.len());

            let t = Instant::now();
            old_outputs.clear();
            for (tool, args) in &old_commands {
                let out = std::process::Command::new(sys.join(tool))
                    .args(args)
                    .creation_flags(0x0800_0000)
                    .output();
                old_outputs.push(match out {
                    Ok(o) => json!({ "command": format!("{tool} {}", args.join(" ")),
                        "exit": o.status.code(), "stdout_bytes": o.stdout.len(),
                        "service_records": String::from_utf8_lossy(&o.stdout).matches("SERVICE_NAME").count() }),
                    Err(e) => json!({ "command": tool, "error": e.to_string() }),
                });
            }
            old_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        emit(&json!({ "bench": {
            "rounds": rounds,
            "new_ms_median": median(new_ms.clone()),
            "new_ms_min": new_ms.iter().copied().fold(f64::INFINITY, f64::min),
            "services_ms_median": median(services_ms),
            "products_ms_median": median(products_ms),
            "old_ms_median": median(old_ms.clone()),
            "old_ms_min": old_ms.iter().copied().fold(f64::INFINITY, f64::min),
            "new_services": counts.0, "new_products": counts.1,
            "old_commands": old_outputs,
        }}));
        ExitCode::SUCCESS
    }
}
