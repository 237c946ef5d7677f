//! The Examples menu: real error texts from `assets/examples/`, built into the binary. Each
//! file starts with `# Title: …`; the rest is what a technician would paste.

pub struct Example {
    pub file: &'static str,
    pub title: &'static str,
    pub text: &'static str,
}

macro_rules! example {
    ($file:literal) => {
        (
            $file,
            include_str!(concat!("../../assets/examples/", $file)),
        )
    };
}

/// Every file in `assets/examples/` (a test checks none is missing).
const FILES: &[(&str, &str)] = &[
    example!("seed-q298944-outlook-express.txt"),
    example!("exchange-events-0x2740.txt"),
    example!("outlook-0x800ccc0e-10061.txt"),
    example!("ldap-636-10049.txt"),
    example!("apache-windows-port-80.txt"),
    example!("nginx-linux-eaddrinuse.txt"),
    example!("node-eaddrinuse-3000.txt"),
    example!("postgres-permission-denied.txt"),
];

pub fn all() -> Vec<Example> {
    FILES
        .iter()
        .map(|(file, raw)| {
            let (title, text) = match raw.strip_prefix("# Title:") {
                Some(rest) => {
                    let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
                    (title.trim(), body.trim_start_matches(['\r', '\n']))
                }
                None => (*file, *raw),
            };
            Example { file, title, text }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_example_file_is_in_the_menu() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = super::FILES.iter().map(|(f, _)| (*f).to_owned()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
        assert!(super::all()
            .iter()
            .all(|e| !e.title.is_empty() && !e.text.starts_with('#')));
    }
}
