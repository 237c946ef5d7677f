//! Two jobs:
//!
//! - Every target: the built-in knowledge files in TOML (`assets/codes/*.toml`,
//!   `assets/rules/*.toml`, `assets/programs.toml`) are parsed here, once, and written to
//!   `OUT_DIR/kb/` as JSON: each file's tables with every entry's line. The binary includes
//!   both, reads the JSON at start-up (serde_json is many times faster than a TOML parser with
//!   spans) and keeps the TOML text for `kb show` and for error messages. A user's own rule
//!   files are read from TOML as before. See `src/engine/kb/source.rs`.
//! - Windows only: compiles `assets/windows/portsleuth.rc` (icon, version information,
//!   application manifest) and links it into the `portsleuth` executable, and
//!   `assets/windows/portsleuth-console.rc` (the same, described as the command line) into
//!   `portsleuth-console` (portsleuth.com in the release).

use std::collections::BTreeMap;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    knowledge_files();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resources();
    }
}

/// One knowledge file as the loader reads it: its tables in the order a TOML map gives them,
/// each entry with its 1-based line.
type Parsed = Vec<(String, Vec<(usize, toml::Value)>)>;

fn knowledge_files() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("kb");
    let assets = Path::new(&dir).join("assets");
    let mut files = vec!["programs.toml".to_owned()];
    for sub in ["codes", "rules"] {
        println!("cargo:rerun-if-changed=assets/{sub}");
        let entries = std::fs::read_dir(assets.join(sub))
            .unwrap_or_else(|e| panic!("cannot list assets/{sub}: {e}"));
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                files.push(format!("{sub}/{name}"));
            }
        }
    }
    files.sort();
    // The list the binary includes (`source.rs`): every file parsed here, so it cannot drift
    // from the files on disk.
    let mut list = String::from("&[\n");
    for file in files {
        println!("cargo:rerun-if-changed=assets/{file}");
        let text = std::fs::read_to_string(assets.join(&file))
            .unwrap_or_else(|e| panic!("cannot read assets/{file}: {e}"));
        // A built-in file that does not parse is left to the loader, which names the line: the
        // test `every_knowledge_file_in_assets_is_built_in_and_valid` fails on it.
        let json = match parse(&text) {
            Some(parsed) => serde_json::to_string(&parsed).expect("JSON of parsed TOML"),
            None => "null".to_owned(),
        };
        let target = out.join(format!("{file}.json"));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("OUT_DIR/kb");
        }
        std::fs::write(&target, json)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
        list.push_str(&format!(
            "    ({file:?}, include_str!({:?})),\n",
            target.display().to_string()
        ));
    }
    list.push_str("]\n");
    let index = out.join("parsed.rs");
    std::fs::write(&index, list)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", index.display()));
}

fn parse(text: &str) -> Option<Parsed> {
    let tables: BTreeMap<toml::Spanned<String>, Vec<toml::Spanned<toml::Value>>> =
        toml::from_str(text).ok()?;
    let line_of = |offset: usize| 1 + text[..offset].bytes().filter(|&b| b == b'\n').count();
    Some(
        tables
            .into_iter()
            .map(|(kind, entries)| {
                let entries = entries
                    .into_iter()
                    .map(|e| (line_of(e.span().start), e.into_inner()))
                    .collect();
                (kind.into_inner(), entries)
            })
            .collect(),
    )
}

fn windows_resources() {
    // Each resource script and the one binary it goes into.
    const RCS: [(&str, &str); 2] = [
        ("assets/windows/portsleuth.rc", "portsleuth"),
        ("assets/windows/portsleuth-console.rc", "portsleuth-console"),
    ];
    const ICON: &str = "assets/icon.ico";
    const MANIFEST: &str = "assets/windows/portsleuth.manifest";
    for input in RCS.map(|(rc, _)| rc).into_iter().chain([ICON, MANIFEST]) {
        println!("cargo:rerun-if-changed={input}");
    }
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let dir = env("CARGO_MANIFEST_DIR");
    // Resource compilers take `/` in paths on every host; `\` would need escaping.
    let absolute = |file: &str| {
        Path::new(&dir)
            .join(file)
            .display()
            .to_string()
            .replace('\\', "/")
    };
    let number = |name: &str| env(name).parse::<u16>().unwrap_or(0);
    // VS_FF_PRERELEASE for versions such as 0.2.0-beta.1.
    let flags = if env("CARGO_PKG_VERSION_PRE").is_empty() {
        "0x0L"
    } else {
        "0x2L"
    };
    let header = format!(
        "// Written by build.rs: do not edit.\n\
         #define PS_VERSION_MAJOR {}\n\
         #define PS_VERSION_MINOR {}\n\
         #define PS_VERSION_PATCH {}\n\
         #define PS_VERSION_STRING \"{}\"\n\
         #define PS_FILEFLAGS {flags}\n\
         #define PS_ICON_FILE \"{}\"\n\
         #define PS_MANIFEST_FILE \"{}\"\n",
        number("CARGO_PKG_VERSION_MAJOR"),
        number("CARGO_PKG_VERSION_MINOR"),
        number("CARGO_PKG_VERSION_PATCH"),
        env("CARGO_PKG_VERSION"),
        absolute(ICON),
        absolute(MANIFEST),
    );
    // embed-resource puts OUT_DIR on the resource compiler's include path.
    let out_dir = env("OUT_DIR");
    if let Err(e) = std::fs::write(Path::new(&out_dir).join("portsleuth-build.h"), header) {
        panic!("cannot write portsleuth-build.h to {out_dir}: {e}");
    }
    for (rc, bin) in RCS {
        // The binaries only: the library, tests and benchmarks carry no resources.
        match embed_resource::compile_for(rc, [bin], embed_resource::NONE) {
            embed_resource::CompilationResult::Ok
            | embed_resource::CompilationResult::NotWindows => {}
            // No resource compiler (windres, rc.exe): enough for `cargo check` and clippy, which
            // link nothing; a build that links has one (mingw-w64's binutils, the Windows SDK).
            embed_resource::CompilationResult::NotAttempted(why) => {
                println!(
                    "cargo:warning={bin}.exe gets no icon, version information or manifest: {why}"
                );
            }
            failed @ embed_resource::CompilationResult::Failed(_) => {
                panic!("the Windows resources (icon, version, manifest) of {bin} failed: {failed}");
            }
        }
        // link.exe (MSVC) would otherwise make a manifest of its own besides the embedded one.
        if env("CARGO_CFG_TARGET_ENV") == "msvc" {
            println!("cargo:rustc-link-arg-bin={bin}=/MANIFEST:NO");
        }
    }
}
