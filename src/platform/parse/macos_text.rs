//! Parsers for what macOS prints and stores about the programs behind sockets: `launchctl
//! list`, `launchctl print DOMAIN/LABEL`, an app bundle's `Info.plist` (XML; the scanner has
//! `plutil` convert binary ones first) and which app bundle an executable belongs to.
//!
//! Pure functions over text, compiled and tested on every OS with fixtures written after real
//! macOS output; the macOS scanner runs the tools and feeds them their output. Nothing here runs
//! a command or reads the machine.

use crate::engine::snapshot::{Process, Product};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// launchd: `launchctl list`, `launchctl print`
// ---------------------------------------------------------------------------------------------

/// One job as `launchctl list` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchdJob {
    /// The job's label (`com.apple.controlcenter`), what `launchctl` takes.
    pub label: String,
    /// `None` for a job that is loaded but not running (`-`).
    pub pid: Option<u32>,
    /// The domain the listing came from (`system`, `gui/501`), for `launchctl print`.
    pub domain: String,
}

/// Parses `launchctl list`, run in `domain`: a `PID Status Label` header, then one row per job,
/// tab-separated. PID is `-` for a job that is not running, Status the last exit status (`-`, a
/// number, or a negative signal number). Rows of any other shape (the header, error text) are
/// skipped; a label may contain spaces.
pub fn parse_launchctl_list(text: &str, domain: &str) -> Vec<LaunchdJob> {
    let mut jobs = Vec::new();
    for line in text.lines() {
        let Some((pid, rest)) = line.trim().split_once(char::is_whitespace) else {
            continue;
        };
        let Some((status, label)) = rest.trim_start().split_once(char::is_whitespace) else {
            continue;
        };
        let pid = match pid {
            "-" => None,
            number => match number.parse::<u32>() {
                Ok(pid) => Some(pid),
                Err(_) => continue,
            },
        };
        let label = label.trim();
        if (status != "-" && status.parse::<i64>().is_err()) || label.is_empty() {
            continue;
        }
        jobs.push(LaunchdJob {
            label: label.to_owned(),
            pid,
            domain: domain.to_owned(),
        });
    }
    jobs
}

/// Whether a launchd job is a service rather than an app the user opened. LaunchServices runs
/// every opened app as a job labelled `application.BUNDLE_ID.NUMBERS`; that job ends when the
/// app quits, and stopping or disabling it is not how one closes an app (its app bundle is the
/// product to name instead).
pub fn is_service_label(label: &str) -> bool {
    !label.starts_with("application.")
}

/// The launchd services behind each socket-holding process, by PID: the process's own job, or
/// for a forked worker (the same executable as its parent, as httpd, nginx and postgres start
/// them) its parent's. A program that some other program started (a dev server run from an
/// IDE) does not inherit its parent's job.
pub fn services_by_pid<'j>(
    processes: &[Process],
    jobs: &'j [LaunchdJob],
) -> BTreeMap<u32, Vec<&'j LaunchdJob>> {
    let mut running: BTreeMap<u32, Vec<&LaunchdJob>> = BTreeMap::new();
    for job in jobs.iter().filter(|j| is_service_label(&j.label)) {
        if let Some(pid) = job.pid {
            running.entry(pid).or_default().push(job);
        }
    }
    let mut out = BTreeMap::new();
    for p in processes {
        let parents_job = || {
            let parent = processes.iter().find(|q| Some(q.pid) == p.parent)?;
            let forked = parent.exe.is_some() && parent.exe == p.exe;
            forked.then(|| running.get(&parent.pid)).flatten()
        };
        if let Some(found) = running.get(&p.pid).or_else(parents_job) {
            let mut found = found.clone();
            found.sort_by(|a, b| a.label.cmp(&b.label));
            found.dedup_by(|a, b| a.label == b.label);
            out.insert(p.pid, found);
        }
    }
    out
}

/// What `launchctl print DOMAIN/LABEL` says about a job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchdJobStatus {
    /// `running`, `waiting`, `not running`, …; empty when not printed.
    pub state: String,
    /// The `properties` line (`keepalive | runatload | inferred program`) split at `|`.
    pub properties: Vec<String>,
}

impl LaunchdJobStatus {
    /// How the job starts, in launchd's words: `keepalive` (started again whenever it exits),
    /// `runatload` (started when loaded, at login or boot), or `on demand` (started by launchd
    /// when a client connects or a timer fires) when it has neither property.
    pub fn start_type(&self) -> String {
        let starts: Vec<&str> = self
            .properties
            .iter()
            .map(String::as_str)
            .filter(|p| matches!(*p, "keepalive" | "runatload"))
            .collect();
        if starts.is_empty() {
            "on demand".to_owned()
        } else {
            starts.join(", ")
        }
    }
}

/// Parses `launchctl print gui/501/LABEL` (or `system/LABEL`). Only the job's own `key = value`
/// lines are read, not those of nested blocks (`arguments = { … }`, `endpoints = { … }`). Apple
/// calls this output unstable, so every key may be missing.
pub fn parse_launchctl_print(text: &str) -> LaunchdJobStatus {
    let mut status = LaunchdJobStatus::default();
    let mut depth = 0usize;
    for line in text.lines() {
        let line = line.trim();
        if line == "}" {
            depth = depth.saturating_sub(1);
            continue;
        }
        if line.ends_with('{') {
            depth += 1;
            continue;
        }
        if depth != 1 {
            continue;
        }
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        match key.trim() {
            "state" => status.state = value.trim().to_owned(),
            "properties" => {
                status.properties = value
                    .split('|')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    status
}

// ---------------------------------------------------------------------------------------------
// App bundles and their Info.plist
// ---------------------------------------------------------------------------------------------

/// The app bundle an executable belongs to: the outermost `NAME.app` folder whose `Contents`
/// folder holds it. A helper app nested in another
/// (`Foo.app/Contents/Frameworks/Foo Helper.app/Contents/MacOS/Foo Helper`) and a server shipped
/// inside an app (`Postgres.app/Contents/Versions/16/bin/postgres`) belong to the outer app:
/// that is what the user installed and what would go to the Trash.
pub fn app_bundle_of(exe: &str) -> Option<&str> {
    const MARK: &str = ".app/Contents/";
    let mut from = 0;
    while let Some(at) = exe.get(from..)?.find(MARK) {
        let end = from + at + ".app".len();
        let bundle = &exe[..end];
        // `/.app/Contents/` names no bundle: the folder needs a name before its extension.
        if !bundle.ends_with("/.app") && bundle.len() > ".app".len() {
            return Some(bundle);
        }
        from = end;
    }
    None
}

/// The id of the product an app bundle is: `app_bundle:/Applications/Docker.app`.
pub fn app_bundle_product_id(bundle: &str) -> String {
    format!("app_bundle:{bundle}")
}

/// The product an app bundle is, from the strings of its `Info.plist` (an empty map when the
/// file could not be read). The name is the bundle's display name, else its short name, else
/// the folder's; the publisher is the copyright holder when the notice names one, else the
/// owner of the bundle identifier's domain. App bundles carry no uninstaller: removing one
/// means moving the bundle to the Trash, which the fix step does itself.
pub fn app_bundle_product(bundle: &str, info: &BTreeMap<String, String>) -> Product {
    let get = |key: &str| {
        info.get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let folder = bundle.rsplit('/').next().unwrap_or(bundle);
    let folder = folder.strip_suffix(".app").unwrap_or(folder);
    Product {
        id: app_bundle_product_id(bundle),
        name: get("CFBundleDisplayName")
            .or_else(|| get("CFBundleName"))
            .unwrap_or_else(|| folder.to_owned()),
        version: get("CFBundleShortVersionString")
            .or_else(|| get("CFBundleVersion"))
            .unwrap_or_default(),
        publisher: get("NSHumanReadableCopyright")
            .and_then(|notice| copyright_holder(&notice))
            .or_else(|| get("CFBundleIdentifier").and_then(|id| bundle_id_owner(&id)))
            .unwrap_or_default(),
        source: "app_bundle".to_owned(),
        install_location: Some(bundle.to_owned()),
        uninstall_command: None,
        quiet_uninstall_command: None,
        protected: None,
    }
}

/// The holder a copyright notice names: `Copyright © 2013-2024 Docker Inc. All rights
/// reserved.` gives `Docker Inc.`. Only notices that start with the copyright mark are read;
/// others (`Postgres.app © 2024 …`, a sentence of prose) give `None` rather than a guess.
pub fn copyright_holder(notice: &str) -> Option<String> {
    let mut rest = notice.trim();
    let mut marked = false;
    loop {
        let before = rest;
        for mark in ["copyright", "©", "(c)"] {
            if rest
                .get(..mark.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(mark))
            {
                rest = rest[mark.len()..].trim_start();
                marked = true;
            }
        }
        // Years and ranges: `2024`, `2013-2024`, `2013–2024,`.
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        if marked
            && word.chars().any(|c| c.is_ascii_digit())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | ','))
        {
            rest = rest[word_end..].trim_start();
        }
        if rest == before {
            break;
        }
    }
    if !marked {
        return None;
    }
    let lower = rest.to_ascii_lowercase();
    let end = ["all rights reserved", "\n", ";"]
        .iter()
        .filter_map(|stop| lower.find(stop))
        .min()
        .unwrap_or(rest.len());
    let mut holder = rest[..end].trim_end_matches([' ', ',', '\t', '\r']);
    // Keep the full stop of `Apple Inc.`, drop the one that ends a sentence.
    if let Some(bare) = holder.strip_suffix('.') {
        let last = bare.rsplit([' ', ',']).next().unwrap_or(bare);
        let abbreviation = [
            "inc", "ltd", "co", "corp", "llc", "pty", "s.a", "b.v", "n.v",
        ]
        .iter()
        .any(|a| last.eq_ignore_ascii_case(a));
        if !abbreviation {
            holder = bare;
        }
    }
    let holder = holder.trim();
    (holder.chars().any(char::is_alphabetic) && holder.chars().count() <= 80)
        .then(|| holder.to_owned())
}

/// The domain a reverse-DNS bundle identifier belongs to: `com.docker.docker` gives
/// `docker.com`, `uk.co.bbc.iplayer` gives `bbc.co.uk`, `io.github.someone.tool` gives
/// `someone.github.io`. Identifiers that do not start with a top-level domain give `None`.
pub fn bundle_id_owner(id: &str) -> Option<String> {
    let labels: Vec<&str> = id.split('.').collect();
    let tld = *labels.first()?;
    if labels.len() < 2 || tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    // Country domains sell names one level down (`co.uk`), and hosting domains give each user
    // their own name (`someone.github.io`): the owner is one label further in.
    let second_level = tld.len() == 2 && ["co", "com", "org", "net", "ac"].contains(&labels[1]);
    let hosted = ["github", "gitlab", "sourceforge"].contains(&labels[1]);
    let take = if second_level || hosted { 3 } else { 2 };
    let owner = labels.get(..take)?;
    if owner.iter().any(|l| l.is_empty()) {
        return None;
    }
    let mut owner = owner.to_vec();
    owner.reverse();
    Some(owner.join(".").to_ascii_lowercase())
}

/// The string values at the top level of an XML property list (an `Info.plist` after `plutil
/// -convert xml1`), by key. Values of other types, and everything inside nested dictionaries
/// and arrays (`CFBundleURLTypes` holds its own `CFBundleURLName`s), are left out; entities are
/// decoded. Malformed text gives what was read before the fault.
pub fn parse_plist_strings(xml: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // The open dictionaries and arrays; the root dictionary's entries are at `["dict"]`.
    let mut containers: Vec<&str> = Vec::new();
    let mut key: Option<String> = None;
    // The root-level `key` or `string` element whose text is being read.
    let mut reading: Option<(&str, String)> = None;
    for token in xml_tokens(xml) {
        let at_root = containers.as_slice() == ["dict"];
        match token {
            XmlToken::Text(text) => {
                if let Some((_, buffer)) = reading.as_mut() {
                    buffer.push_str(&text);
                }
            }
            XmlToken::Open(name) => {
                if at_root && matches!(name, "key" | "string") {
                    reading = Some((name, String::new()));
                } else if at_root {
                    // A value that is not a string: its key gets nothing.
                    key = None;
                }
                if matches!(name, "dict" | "array") {
                    containers.push(name);
                }
            }
            XmlToken::Empty(name) => {
                if at_root && name == "string" {
                    if let Some(k) = key.take() {
                        out.insert(k, String::new());
                    }
                } else if at_root {
                    key = None;
                }
            }
            XmlToken::Close(name) => match reading.take() {
                Some(("key", text)) if name == "key" => key = Some(text),
                Some(("string", text)) if name == "string" => {
                    if let Some(k) = key.take() {
                        out.insert(k, text);
                    }
                }
                _ => {
                    if matches!(name, "dict" | "array") {
                        containers.pop();
                    }
                }
            },
        }
    }
    out
}

/// A piece of XML text, as much as a property list needs.
enum XmlToken<'a> {
    Open(&'a str),
    Close(&'a str),
    /// A self-closing element: `<true/>`, `<string/>`.
    Empty(&'a str),
    /// Character data, entities decoded.
    Text(String),
}

/// Splits XML into tags and text, skipping the declaration, the doctype and comments.
fn xml_tokens(xml: &str) -> Vec<XmlToken<'_>> {
    let mut out = Vec::new();
    let mut rest = xml;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            out.push(XmlToken::Text(after[..end].to_owned()));
            rest = after.get(end + 3..).unwrap_or("");
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
        } else if let Some(after) = rest.strip_prefix('<') {
            let Some(end) = after.find('>') else {
                break;
            };
            let tag = &after[..end];
            rest = &after[end + 1..];
            if let Some(closing) = tag.strip_prefix('/') {
                out.push(XmlToken::Close(closing.trim()));
            } else if let Some(body) = tag.strip_suffix('/') {
                out.push(XmlToken::Empty(tag_name(body)));
            } else {
                out.push(XmlToken::Open(tag_name(tag)));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push(XmlToken::Text(decode_entities(&rest[..end])));
            rest = &rest[end..];
        }
    }
    out
}

/// The element name of a tag's text: `plist` in `plist version="1.0"`.
fn tag_name(tag: &str) -> &str {
    tag.split_whitespace().next().unwrap_or("")
}

/// Decodes the five XML entities and numeric character references; anything else stays as
/// written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| Some((entity(&after[..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `launchctl list` in a user's GUI session on macOS 14: Control Center holds the AirPlay
    /// Receiver's ports 5000 and 7000 (since macOS 12 Monterey).
    const LAUNCHCTL_LIST: &str = "PID\tStatus\tLabel
-\t0\tcom.apple.SafariHistoryServiceAgent
612\t0\tcom.apple.Finder
-\t-9\tcom.apple.quicklook.ThumbnailsAgent
598\t0\tcom.apple.controlcenter
-\t78\tcom.apple.mdworker.shared
4411\t0\tapplication.com.jetbrains.pycharm.10364539.10365191
2034\t0\tcom.docker.helper
733\t-\tcom.apple.WindowServer Helper
-\t0\thomebrew.mxcl.postgresql@16
";

    /// `launchctl print gui/501/com.apple.controlcenter`, shortened.
    const LAUNCHCTL_PRINT: &str = "gui/501/com.apple.controlcenter = {
\tactive count = 4
\tpath = /System/Library/LaunchAgents/com.apple.controlcenter.plist
\ttype = LaunchAgent
\tstate = running

\tprogram = /System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter
\targuments = {
\t\t/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter
\t}

\tenvironment = {
\t\tXPC_SERVICE_NAME => com.apple.controlcenter
\t}

\tdomain = gui/501 [100005]
\tpid = 598
\timmediate reason = speculative
\tlast exit code = (never exited)

\tendpoints = {
\t\t\"com.apple.controlcenter.statusitems\" = {
\t\t\tport = 0x6a13
\t\t\tstate = active
\t\t\tactive = 1
\t\t}
\t}

\tspawn type = interactive (3)
\tproperties = keepalive | runatload | inferred program | system service
}
";

    /// Docker Desktop's Info.plist as `plutil -convert xml1 -o -` prints it (shortened), with a
    /// nested dictionary whose keys must not leak to the top level.
    const DOCKER_INFO_PLIST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>BuildMachineOSBuild</key>
	<string>22G91</string>
	<key>CFBundleDevelopmentRegion</key>
	<string>en</string>
	<key>CFBundleExecutable</key>
	<string>Docker Desktop</string>
	<key>CFBundleIdentifier</key>
	<string>com.docker.docker</string>
	<key>CFBundleInfoDictionaryVersion</key>
	<string>6.0</string>
	<key>CFBundleName</key>
	<string>Docker</string>
	<key>CFBundlePackageType</key>
	<string>APPL</string>
	<key>CFBundleShortVersionString</key>
	<string>4.34.2</string>
	<key>CFBundleSupportedPlatforms</key>
	<array>
		<string>MacOSX</string>
	</array>
	<key>CFBundleURLTypes</key>
	<array>
		<dict>
			<key>CFBundleURLName</key>
			<string>Docker Desktop URL</string>
			<key>CFBundleURLSchemes</key>
			<array>
				<string>docker-desktop</string>
			</array>
		</dict>
	</array>
	<key>CFBundleVersion</key>
	<string>167172</string>
	<key>LSMinimumSystemVersion</key>
	<string>12.0</string>
	<key>LSUIElement</key>
	<true/>
	<key>NSHighResolutionCapable</key>
	<true/>
	<!-- Entities, as plutil writes them. -->
	<key>NSHumanReadableCopyright</key>
	<string>Copyright © 2015-2024 Docker Inc. All rights reserved.</string>
	<key>NSAppleEventsUsageDescription</key>
	<string>Docker needs to control &quot;System Events&quot; &amp; Finder &lt;only&gt; to install.</string>
	<key>DTSDKBuild</key>
	<integer>23A334</integer>
	<key>LSApplicationCategoryType</key>
	<string/>
</dict>
</plist>
"#;

    fn process(pid: u32, parent: Option<u32>, exe: &str) -> Process {
        Process {
            pid,
            parent,
            name: exe.rsplit('/').next().unwrap_or(exe).to_owned(),
            exe_name: exe.rsplit('/').next().unwrap_or(exe).to_owned(),
            exe: Some(exe.to_owned()),
            ..Process::default()
        }
    }

    fn labels(found: &BTreeMap<u32, Vec<&LaunchdJob>>, pid: u32) -> Vec<String> {
        found
            .get(&pid)
            .map(|jobs| jobs.iter().map(|j| j.label.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn launchctl_list_gives_each_job_its_pid_and_domain() {
        let jobs = parse_launchctl_list(LAUNCHCTL_LIST, "gui/501");
        assert_eq!(jobs.len(), 9, "the header is not a job: {jobs:?}");
        assert_eq!(
            jobs.iter().find(|j| j.label == "com.apple.controlcenter"),
            Some(&LaunchdJob {
                label: "com.apple.controlcenter".into(),
                pid: Some(598),
                domain: "gui/501".into(),
            })
        );
        let stopped = jobs
            .iter()
            .find(|j| j.label == "com.apple.mdworker.shared")
            .map(|j| j.pid);
        assert_eq!(stopped, Some(None));
        assert!(jobs
            .iter()
            .any(|j| j.label == "com.apple.WindowServer Helper" && j.pid == Some(733)));
    }

    #[test]
    fn launchctl_list_skips_error_text_and_reads_space_separated_copies() {
        let text = "Could not find service \"x\" in domain for port\n598   0   com.apple.controlcenter\r\n";
        let jobs = parse_launchctl_list(text, "system");
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].label, "com.apple.controlcenter");
        assert_eq!(jobs[0].pid, Some(598));
    }

    #[test]
    fn airplay_receivers_control_center_is_named_as_its_launchd_service() {
        let jobs = parse_launchctl_list(LAUNCHCTL_LIST, "gui/501");
        let control_center = process(
            598,
            Some(1),
            "/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter",
        );
        let found = services_by_pid(&[control_center], &jobs);
        assert_eq!(labels(&found, 598), ["com.apple.controlcenter"]);
    }

    #[test]
    fn an_app_the_user_opened_is_not_a_service_and_its_children_inherit_nothing() {
        let jobs = parse_launchctl_list(LAUNCHCTL_LIST, "gui/501");
        let ide = process(
            4411,
            Some(1),
            "/Applications/PyCharm.app/Contents/MacOS/pycharm",
        );
        let dev_server = process(5120, Some(4411), "/usr/local/bin/python3.12");
        let found = services_by_pid(&[ide, dev_server], &jobs);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn forked_workers_belong_to_their_parents_launchd_service() {
        let jobs = parse_launchctl_list("PID\tStatus\tLabel\n301\t0\torg.apache.httpd\n", "system");
        let httpd = "/usr/sbin/httpd";
        let master = process(301, Some(1), httpd);
        let worker = process(302, Some(301), httpd);
        let helper = process(303, Some(301), "/usr/bin/rotatelogs");
        let found = services_by_pid(&[master, worker, helper], &jobs);
        assert_eq!(labels(&found, 301), ["org.apache.httpd"]);
        assert_eq!(labels(&found, 302), ["org.apache.httpd"]);
        assert!(labels(&found, 303).is_empty());
    }

    #[test]
    fn launchctl_print_reads_the_jobs_state_and_how_it_starts() {
        let status = parse_launchctl_print(LAUNCHCTL_PRINT);
        assert_eq!(
            status.state, "running",
            "nested `state = active` must not win"
        );
        assert_eq!(status.start_type(), "keepalive, runatload");
        let on_demand = parse_launchctl_print(
            "system/com.openssh.sshd = {\n\tstate = waiting\n\tproperties = inetd-compatible | system service\n}\n",
        );
        assert_eq!(on_demand.state, "waiting");
        assert_eq!(on_demand.start_type(), "on demand");
        assert_eq!(parse_launchctl_print(""), LaunchdJobStatus::default());
    }

    #[test]
    fn info_plist_gives_top_level_strings_only() {
        let info = parse_plist_strings(DOCKER_INFO_PLIST);
        assert_eq!(info.get("CFBundleName").map(String::as_str), Some("Docker"));
        assert_eq!(
            info.get("CFBundleShortVersionString").map(String::as_str),
            Some("4.34.2")
        );
        assert!(!info.contains_key("CFBundleURLName"), "nested key leaked");
        assert!(
            !info.contains_key("LSUIElement"),
            "a boolean is not a string"
        );
        assert!(
            !info.contains_key("DTSDKBuild"),
            "an integer is not a string"
        );
        assert_eq!(
            info.get("NSAppleEventsUsageDescription")
                .map(String::as_str),
            Some("Docker needs to control \"System Events\" & Finder <only> to install.")
        );
        assert_eq!(
            info.get("LSApplicationCategoryType").map(String::as_str),
            Some("")
        );
        assert_eq!(
            info.get("CFBundleVersion").map(String::as_str),
            Some("167172"),
            "keys after a nested array are read"
        );
    }

    #[test]
    fn info_plist_parser_survives_broken_text() {
        let info = parse_plist_strings(
            "<plist><dict><key>CFBundleName</key><string>Caf&#233; &#x41;pp &bogus;</string><key>CFBundleVersion</key><string>1.",
        );
        assert_eq!(
            info.get("CFBundleName").map(String::as_str),
            Some("Café App &bogus;")
        );
        assert!(!info.contains_key("CFBundleVersion"));
        assert!(parse_plist_strings("bplist00\u{1}\u{2}").is_empty());
    }

    #[test]
    fn the_app_bundle_is_the_outermost_app_around_the_executable() {
        assert_eq!(
            app_bundle_of("/Applications/Docker.app/Contents/MacOS/com.docker.backend"),
            Some("/Applications/Docker.app")
        );
        assert_eq!(
            app_bundle_of(
                "/Applications/Foo.app/Contents/Frameworks/Helper.app/Contents/MacOS/Helper"
            ),
            Some("/Applications/Foo.app")
        );
        assert_eq!(
            app_bundle_of("/Applications/Postgres.app/Contents/Versions/16/bin/postgres"),
            Some("/Applications/Postgres.app")
        );
        assert_eq!(
            app_bundle_of("/Users/ana/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper (Plugin).app/Contents/MacOS/Code Helper (Plugin)"),
            Some("/Users/ana/Applications/Visual Studio Code.app")
        );
        assert_eq!(app_bundle_of("/usr/local/bin/node"), None);
        assert_eq!(app_bundle_of("/opt/x/.app/Contents/MacOS/x"), None);
        assert_eq!(app_bundle_of("/Applications/Foo.app/Foo"), None);
    }

    #[test]
    fn an_app_bundle_product_is_named_versioned_and_published_from_info_plist() {
        let info = parse_plist_strings(DOCKER_INFO_PLIST);
        let product = app_bundle_product("/Applications/Docker.app", &info);
        assert_eq!(
            product,
            Product {
                id: "app_bundle:/Applications/Docker.app".into(),
                name: "Docker".into(),
                version: "4.34.2".into(),
                publisher: "Docker Inc.".into(),
                source: "app_bundle".into(),
                install_location: Some("/Applications/Docker.app".into()),
                uninstall_command: None,
                quiet_uninstall_command: None,
                protected: None,
            }
        );
    }

    #[test]
    fn an_app_bundle_without_info_plist_is_named_after_its_folder() {
        let product = app_bundle_product("/Applications/Some Tool.app", &BTreeMap::new());
        assert_eq!(product.name, "Some Tool");
        assert_eq!(product.version, "");
        assert_eq!(product.publisher, "");
        let mut info = BTreeMap::new();
        info.insert(
            "CFBundleIdentifier".to_owned(),
            "com.apple.controlcenter".to_owned(),
        );
        info.insert("CFBundleVersion".to_owned(), "1.0".to_owned());
        info.insert(
            "CFBundleDisplayName".to_owned(),
            "Control Center".to_owned(),
        );
        info.insert("CFBundleName".to_owned(), "ControlCenter".to_owned());
        let product = app_bundle_product("/System/Library/CoreServices/ControlCenter.app", &info);
        assert_eq!(product.name, "Control Center");
        assert_eq!(product.version, "1.0");
        assert_eq!(product.publisher, "apple.com");
    }

    #[test]
    fn copyright_notices_name_their_holder_or_nobody() {
        let holder = |n: &str| copyright_holder(n);
        assert_eq!(
            holder("Copyright © 2015-2024 Docker Inc. All rights reserved."),
            Some("Docker Inc.".into())
        );
        assert_eq!(holder("© 2024 Apple Inc."), Some("Apple Inc.".into()));
        assert_eq!(
            holder("Copyright (c) 2012–2024, Jakob Egger and contributors."),
            Some("Jakob Egger and contributors".into())
        );
        assert_eq!(
            holder("Copyright 2024 GitHub, Inc.\nLicensed under MIT"),
            Some("GitHub, Inc.".into())
        );
        assert_eq!(holder("Postgres.app © 2024"), None);
        assert_eq!(holder("Copyright © 2024"), None);
        assert_eq!(holder("The fastest way to run servers"), None);
    }

    #[test]
    fn bundle_identifiers_name_the_owning_domain() {
        assert_eq!(
            bundle_id_owner("com.docker.docker"),
            Some("docker.com".into())
        );
        assert_eq!(
            bundle_id_owner("com.microsoft.VSCode"),
            Some("microsoft.com".into())
        );
        assert_eq!(
            bundle_id_owner("uk.co.bbc.iplayer"),
            Some("bbc.co.uk".into())
        );
        assert_eq!(
            bundle_id_owner("io.github.someone.tool"),
            Some("someone.github.io".into())
        );
        assert_eq!(bundle_id_owner("Docker.Desktop"), None);
        assert_eq!(bundle_id_owner("docker"), None);
        assert_eq!(bundle_id_owner("com..x"), None);
    }
}
