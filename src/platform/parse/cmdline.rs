//! Windows command lines: splitting an `UninstallString` into a program and its arguments by
//! Windows' own rules, and joining arguments back into the one string `CreateProcessW` takes.
//!
//! Windows passes a program one string, not an argument vector; each program splits it
//! itself, almost always with the rules of `CommandLineToArgvW` and the Microsoft C runtime.
//! These are pure functions over text, tested on every OS (and against `CommandLineToArgvW`
//! itself under Wine, in `tests/wine/`). Nothing here starts a program: an uninstaller
//! is run from the vector with `CreateProcessW`, never through `cmd /C`.

/// Splits `line` the way `CommandLineToArgvW` does.
///
/// The first argument is the program name and is read without escapes: up to the next quote
/// when it starts with one, else up to the first space or control character. The rest follow
/// the C runtime's rules: spaces and tabs outside quotes separate arguments; `2n` backslashes
/// before a quote become `n` and the quote opens or closes quoting, `2n+1` become `n` and a
/// literal quote; other backslashes are literal; inside quotes, `""` is a literal quote that
/// also ends the quoting. That last rule is `CommandLineToArgvW`'s and the pre-2008 C
/// runtime's; the 2008 and later runtime stays in quotes after `""`. Only text with `""`
/// inside quotes tells them apart, uninstall strings practically never have it, and
/// [`join_command_line`] never writes it.
///
/// An empty line gives no arguments (`CommandLineToArgvW` would give the caller's own path).
pub fn split_command_line(line: &str) -> Vec<String> {
    let units: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    if units.is_empty() {
        return args;
    }
    let mut i = 0;
    let mut program = String::new();
    if units[0] == '"' {
        i = 1;
        while i < units.len() && units[i] != '"' {
            program.push(units[i]);
            i += 1;
        }
        i += 1; // The closing quote, if any.
    } else {
        // `CommandLineToArgvW` ends the program name at any character up to U+0020.
        while i < units.len() && units[i] > ' ' {
            program.push(units[i]);
            i += 1;
        }
    }
    args.push(program);

    let mut current = String::new();
    let mut in_arg = false;
    let mut in_quotes = false;
    while i < units.len() {
        let c = units[i];
        match c {
            ' ' | '\t' if !in_quotes => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
                i += 1;
            }
            '\\' => {
                let start = i;
                while i < units.len() && units[i] == '\\' {
                    i += 1;
                }
                let count = i - start;
                in_arg = true;
                if units.get(i) == Some(&'"') {
                    current.extend(std::iter::repeat_n('\\', count / 2));
                    if count % 2 == 1 {
                        current.push('"');
                        i += 1;
                    }
                    // An even count leaves the quote to the next round, which toggles quoting.
                } else {
                    current.extend(std::iter::repeat_n('\\', count));
                }
            }
            '"' => {
                in_arg = true;
                if in_quotes && units.get(i + 1) == Some(&'"') {
                    current.push('"');
                    in_quotes = false;
                    i += 2;
                } else {
                    in_quotes = !in_quotes;
                    i += 1;
                }
            }
            c => {
                in_arg = true;
                current.push(c);
                i += 1;
            }
        }
    }
    if in_arg {
        args.push(current);
    }
    args
}

/// Joins arguments into one command line that [`split_command_line`] (and so the program
/// started with it) splits back into exactly `argv`.
///
/// The program name cannot hold a quote (Windows file names cannot); it is quoted when it
/// holds a space. Other arguments are quoted when empty or holding a space, tab or quote;
/// backslashes are doubled only where they precede a quote.
pub fn join_command_line(argv: &[String]) -> String {
    let mut line = String::new();
    for (n, arg) in argv.iter().enumerate() {
        if n > 0 {
            line.push(' ');
        }
        if n == 0 {
            if arg.contains([' ', '\t']) || arg.is_empty() {
                line.push('"');
                line.push_str(arg);
                line.push('"');
            } else {
                line.push_str(arg);
            }
            continue;
        }
        let needs_quotes = arg.is_empty() || arg.contains([' ', '\t', '"']);
        if !needs_quotes {
            line.push_str(arg);
            continue;
        }
        line.push('"');
        let mut backslashes = 0usize;
        for c in arg.chars() {
            match c {
                '\\' => backslashes += 1,
                '"' => {
                    line.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                    line.push('"');
                    backslashes = 0;
                }
                c => {
                    line.extend(std::iter::repeat_n('\\', backslashes));
                    line.push(c);
                    backslashes = 0;
                }
            }
        }
        // Backslashes before the closing quote are doubled, or they would escape it.
        line.extend(std::iter::repeat_n('\\', backslashes * 2));
        line.push('"');
    }
    line
}

/// The argument vector of an `UninstallString` or `QuietUninstallString`.
///
/// Installers often register an unquoted path with spaces (`C:\Program Files\App\uninst.exe
/// /S`). `CreateProcessW` copes with that by trying ever longer space-separated prefixes as
/// the program; this does the same in the one unambiguous way: an unquoted command whose text
/// up to the first `.exe` followed by a space (or the end) holds no quote is that program.
pub fn uninstall_argv(command: &str) -> Vec<String> {
    let command = command.trim();
    if !command.starts_with('"') {
        let lower = command.to_ascii_lowercase();
        let program_end = lower
            .match_indices(".exe")
            .map(|(at, _)| at + 4)
            .find(|&end| command[end..].is_empty() || command[end..].starts_with([' ', '\t']));
        if let Some(end) = program_end {
            let program = &command[..end];
            if program.contains(' ') && !program.contains('"') {
                let mut argv = vec![program.to_owned()];
                // The arguments follow the usual rules: split them behind a stand-in program.
                argv.extend(
                    split_command_line(&format!("x{}", &command[end..]))
                        .into_iter()
                        .skip(1),
                );
                return argv;
            }
        }
    }
    split_command_line(command)
}

/// An MSI product code, `{8-4-4-4-12}` hexadecimal digits, in upper case; `None` for anything
/// else. A key under `Uninstall` named like this with `WindowsInstaller = 1` is an MSI package.
pub fn msi_product_code(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let groups: Vec<&str> = inner.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    (groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then(|| format!("{{{}}}", inner.to_ascii_uppercase()))
}

/// `msiexec.exe /x {GUID}`, with `/qn /norestart` for a quiet uninstall: what Add/Remove
/// Programs runs for an MSI package, started from `%SystemRoot%\System32` by the caller.
pub fn msiexec_uninstall_argv(product_code: &str, quiet: bool) -> Option<Vec<String>> {
    let code = msi_product_code(product_code)?;
    let mut argv = vec!["msiexec.exe".to_owned(), "/x".to_owned(), code];
    if quiet {
        argv.push("/qn".to_owned());
        argv.push("/norestart".to_owned());
    }
    Some(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        split_command_line(line)
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn microsofts_documented_examples_split_as_command_line_to_argv_does() {
        // "Parsing C++ command-line arguments" (Microsoft Learn), behind a program name.
        assert_eq!(split(r#"p "abc" d e"#), strings(&["p", "abc", "d", "e"]));
        assert_eq!(
            split(r#"p a\\b d"e f"g h"#),
            strings(&["p", r"a\\b", "de fg", "h"])
        );
        assert_eq!(
            split(r#"p a\\\"b c d"#),
            strings(&["p", r#"a\"b"#, "c", "d"])
        );
        assert_eq!(
            split(r#"p a\\\\"b c" d e"#),
            strings(&["p", r"a\\b c", "d", "e"])
        );
        // The page gives `ab" c d` here, the 2008 runtime's rule; CommandLineToArgvW (checked
        // under Wine, whose shell32 follows Windows') ends the quoting after `""`.
        assert_eq!(split(r#"p a"b"" c d"#), strings(&["p", r#"ab""#, "c", "d"]));
        assert_eq!(
            split(r#"p "a""b" """" x"#),
            strings(&["p", r#"a"b ""#, "x"])
        );
    }

    #[test]
    fn the_program_name_takes_no_escapes() {
        assert_eq!(
            split(r#""C:\Program Files\App\uninst.exe" /S"#),
            strings(&[r"C:\Program Files\App\uninst.exe", "/S"])
        );
        // A backslash before the closing quote of the program name is a path separator.
        assert_eq!(split(r#""C:\dir\"x y"#), strings(&[r"C:\dir\", "x", "y"]));
        assert_eq!(
            split("MsiExec.exe /X{12B6D916-FD64-471C-8EF7-C04443A75F8D}"),
            strings(&["MsiExec.exe", "/X{12B6D916-FD64-471C-8EF7-C04443A75F8D}"])
        );
        // Leading white space: an empty program name, as CommandLineToArgvW gives.
        assert_eq!(split("  a b"), strings(&["", "a", "b"]));
        assert_eq!(split(""), Vec::<String>::new());
    }

    #[test]
    fn empty_quoted_arguments_and_trailing_space_are_kept_apart() {
        assert_eq!(split(r#"p "" x  "#), strings(&["p", "", "x"]));
        assert_eq!(split("p\ta\t\tb"), strings(&["p", "a", "b"]));
        assert_eq!(
            split(r"p C:\dir\ \\server\share"),
            strings(&["p", r"C:\dir\", r"\\server\share"])
        );
    }

    #[test]
    fn non_ascii_arguments_survive() {
        assert_eq!(
            split(r#""C:\Programme\Prüfer 日本\uninst.exe" /LANG=fr "Désinstaller é""#),
            strings(&[
                r"C:\Programme\Prüfer 日本\uninst.exe",
                "/LANG=fr",
                "Désinstaller é"
            ])
        );
    }

    #[test]
    fn joined_arguments_split_back_to_the_same_vector() {
        let cases: Vec<Vec<String>> = vec![
            strings(&[
                "p",
                "a b",
                "",
                r"C:\dir\",
                r#"say "hi""#,
                r"\\",
                r#"\""#,
                "日本 é",
            ]),
            strings(&[r"C:\Program Files\x.exe", "/S", r"C:\Program Files\x\"]),
            strings(&["p", "\t", r#""""#, r"a\\\b", r#"a\\"b"#]),
        ];
        for argv in &cases {
            let line = join_command_line(argv);
            assert_eq!(&split(&line), argv, "line: {line}");
        }
        // Deterministic pseudo-random vectors over the characters that matter.
        let alphabet = ['a', ' ', '\t', '"', '\\', 'é', '日'];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2_000 {
            let count = 1 + (next() % 4) as usize;
            let mut argv = vec!["prog".to_owned()];
            for _ in 0..count {
                let len = (next() % 7) as usize;
                argv.push((0..len).map(|_| alphabet[(next() % 7) as usize]).collect());
            }
            let line = join_command_line(&argv);
            assert_eq!(split(&line), argv, "line: {line:?}");
        }
    }

    #[test]
    fn unquoted_uninstall_paths_with_spaces_name_the_whole_program() {
        assert_eq!(
            uninstall_argv(r"C:\Program Files\Norton AntiVirus\uninst.exe /S"),
            strings(&[r"C:\Program Files\Norton AntiVirus\uninst.exe", "/S"])
        );
        assert_eq!(
            uninstall_argv(
                r#"C:\Program Files (x86)\hMail\unins000.exe /SILENT "/LOG=C:\a b.txt""#
            ),
            strings(&[
                r"C:\Program Files (x86)\hMail\unins000.exe",
                "/SILENT",
                r"/LOG=C:\a b.txt"
            ])
        );
        assert_eq!(
            uninstall_argv(r#""C:\Program Files\7-Zip\Uninstall.exe" /S"#),
            strings(&[r"C:\Program Files\7-Zip\Uninstall.exe", "/S"])
        );
        // `.exe` inside a folder name is not the program's end.
        assert_eq!(
            uninstall_argv(r"C:\Tools\a.exe dir\run me.exe /x"),
            strings(&[r"C:\Tools\a.exe", r"dir\run", "me.exe", "/x"])
        );
        assert_eq!(
            uninstall_argv("rundll32.exe advpack.dll,LaunchINFSection x.inf"),
            strings(&["rundll32.exe", "advpack.dll,LaunchINFSection", "x.inf"])
        );
    }

    #[test]
    fn msi_product_codes_are_validated_before_msiexec_sees_them() {
        assert_eq!(
            msi_product_code("{12b6d916-fd64-471c-8ef7-c04443a75f8d}").as_deref(),
            Some("{12B6D916-FD64-471C-8EF7-C04443A75F8D}")
        );
        assert_eq!(msi_product_code("{12B6D916-FD64-471C-8EF7}"), None);
        assert_eq!(msi_product_code("7-Zip"), None);
        assert_eq!(
            msi_product_code("{12B6D916-FD64-471C-8EF7-C04443A75F8D} /qn"),
            None
        );
        assert_eq!(
            msiexec_uninstall_argv("{675A6D5C-FF5A-11EF-AEA3-1967AD678D6D}", true),
            Some(strings(&[
                "msiexec.exe",
                "/x",
                "{675A6D5C-FF5A-11EF-AEA3-1967AD678D6D}",
                "/qn",
                "/norestart"
            ]))
        );
        assert_eq!(
            msiexec_uninstall_argv("{675A6D5C-FF5A-11EF-AEA3-1967AD678D6D}", false)
                .map(|a| a.len()),
            Some(3)
        );
    }
}
