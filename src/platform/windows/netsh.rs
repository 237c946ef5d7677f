//! The two things PortSleuth still asks `netsh` for, because Windows has no public interface
//! that answers them: the excluded port ranges (Hyper-V, WinNAT, `add excludedportrange`) and
//! which processes serve each http.sys request queue (the owners of ports held by `System`).
//!
//! `netsh` translates every heading and label, so the parsers here never read a word: they go
//! by layout (indentation, which lines have children), by the shape of values (a bare number,
//! a URL, `label: number, label: text`) and by numbers. They are pure and tested on every OS
//! with captures in English and samples in other languages.
//!
//! Decoding: `netsh` writes to a pipe in its console's code page. PortSleuth starts it with
//! `CREATE_NO_WINDOW`, which gives it a new hidden console, and a new console starts in the
//! system's OEM code page; so the bytes are decoded with `GetOEMCP()` + `MultiByteToWideChar`
//! ([`crate::platform::windows::ffi::decode_oem`]). Forcing UTF-8 instead would need `chcp 65001` in a shell
//! (`cmd /C`, which PortSleuth never uses to run tools) or changing PortSleuth's own console.
//! And since every OEM code page keeps ASCII where it is, the digits, colons and URLs the
//! parsers key on survive even a wrong guess.

use serde::Serialize;
use std::collections::BTreeMap;

/// An http.sys URL registration and the processes that serve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpSysRegistration {
    pub url: String,
    pub port: Option<u16>,
    pub pids: Vec<u32>,
    /// `svchost.exe (NcHostAgent)`, `ContosoSync.exe`, `service WinRM`, where netsh names it.
    pub process_name: Option<String>,
}

/// The rows of `netsh interface ipv4|ipv6 show excludedportrange protocol=tcp` as (start,
/// end): two port numbers, sometimes followed by `*` (an administered exclusion). Headings and
/// the footnote are translated, and are skipped because they are not two numbers.
pub fn parse_excluded_port_ranges(text: &str) -> Vec<(u16, u16)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let start: u16 = fields.next()?.parse().ok()?;
            let end: u16 = fields.next()?.parse().ok()?;
            match (fields.next(), fields.next()) {
                (None | Some("*"), None) => (start <= end).then_some((start, end)),
                _ => None,
            }
        })
        .collect()
}

/// One line of netsh's output: its indentation and its text.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    body: &'a str,
}

impl<'a> Line<'a> {
    /// `label: value` → the value, trimmed (`Some("")` for a heading such as `Process IDs:`);
    /// `None` for a line without a colon. URLs and `ID: 1, image: C:\x` are not asked.
    fn value(&self) -> Option<&'a str> {
        self.body.split_once(':').map(|(_, v)| v.trim())
    }

    fn is_heading(&self) -> bool {
        !is_url(self.body) && self.value() == Some("")
    }

    /// `label: 1000` → 1000.
    fn number(&self) -> Option<u64> {
        if is_url(self.body) {
            return None;
        }
        let v = self.value()?;
        (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse().ok())
            .flatten()
    }
}

/// A request queue: a block of lines under an unindented line (or under a section heading in
/// the server-session view).
#[derive(Debug, Default)]
struct Queue {
    pids: Vec<u32>,
    controller: Option<u32>,
    image: Option<String>,
    services: Vec<String>,
    urls: Vec<String>,
}

/// The URLs registered with http.sys and the processes behind each, from
/// `netsh http show servicestate view=requestq` in any language.
///
/// Each unindented line that has indented lines under it starts a request queue (the title
/// line and the dashes under it have none). Inside a queue:
/// - a line that is only a number is a process ID (the list under `Process IDs:`);
/// - `label: number, label: text` is a process and its image (newer Windows: `ID: 3568,
///   image: <?>`), and the first `label: text` line under it names its services;
/// - a line starting with `http://` or `https://` is a URL the queue serves;
/// - a queue with no process attached yet (an IIS application pool before its first request)
///   names its controller (WAS) just above the process list: the list is the queue's first
///   heading (`label:` with nothing after it), and the two lines above it read `label: 0`
///   (processes attached) and `label: N` (the controller's PID). Without a controller the line
///   just above the list is the count itself.
///
/// The server-session view (netsh's default) is read by the same rules where its blocks allow:
/// its `Request queues:` section holds the queues; URLs listed only in server sessions come
/// out without processes, since tying them to a queue by its name needs the words.
pub fn parse_request_queues(text: &str) -> Vec<HttpSysRegistration> {
    let lines: Vec<Line<'_>> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim().bytes().all(|b| b == b'-'))
        .map(|l| {
            let body = l.trim_start();
            Line {
                indent: l.len() - body.len(),
                body,
            }
        })
        .collect();

    let mut queues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let head = lines[i];
        let end = block_end(&lines, i);
        if head.indent == 0 && end > i + 1 {
            if head.is_heading() && !is_url(head.body) && is_section(&lines[i + 1..end]) {
                // A section heading (`Request queues:`): each block under it is a queue.
                let section = &lines[i + 1..end];
                let mut j = 0;
                while j < section.len() {
                    let sub_end = block_end(section, j);
                    queues.push(read_queue(&section[j + 1..sub_end]));
                    j = sub_end;
                }
            } else {
                queues.push(read_queue(&lines[i + 1..end]));
            }
        }
        i = end;
    }
    registrations(&queues)
}

/// The index after the block that starts at `start`: the lines indented deeper than it.
fn block_end(lines: &[Line<'_>], start: usize) -> usize {
    let indent = lines[start].indent;
    lines[start + 1..]
        .iter()
        .position(|l| l.indent <= indent)
        .map_or(lines.len(), |p| start + 1 + p)
}

/// Whether the lines under a heading are blocks of their own (each first line with children),
/// as the queues under `Request queues:` are, rather than a list or properties.
fn is_section(lines: &[Line<'_>]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    let top: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].indent == first.indent)
        .collect();
    top.iter().all(|&k| block_end(lines, k) > k + 1) && top.iter().all(|&k| !lines[k].is_heading())
}

fn read_queue(lines: &[Line<'_>]) -> Queue {
    let mut queue = Queue::default();
    let Some(child_indent) = lines.first().map(|l| l.indent) else {
        return queue;
    };
    // The process list: the queue's first heading.
    let list_at = lines
        .iter()
        .position(|l| l.indent == child_indent && l.is_heading());
    let mut in_process = false;
    for (k, line) in lines.iter().enumerate() {
        let body = line.body;
        if is_url(body) {
            queue.urls.push(body.to_owned());
            in_process = false;
        } else if body.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(pid) = body.parse() {
                push_unique(&mut queue.pids, pid);
            }
            in_process = false;
        } else if let Some((pid, image)) = process_line(body) {
            push_unique(&mut queue.pids, pid);
            if queue.image.is_none() {
                queue.image = Some(image);
            }
            in_process = true;
        } else if in_process && list_at.is_some_and(|at| k > at && line.indent > child_indent) {
            // The first `label: text` under a process names its services.
            if let Some(services) = line.value().filter(|v| !v.is_empty()) {
                queue.services.extend(
                    services
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
            in_process = false;
        }
    }
    if let Some(at) = list_at {
        let above: Vec<&Line<'_>> = lines[..at]
            .iter()
            .filter(|l| l.indent == child_indent)
            .collect();
        if let [.., count, controller] = above.as_slice() {
            if count.number() == Some(0) {
                queue.controller = controller
                    .number()
                    .filter(|&n| n > 0)
                    .and_then(|n| u32::try_from(n).ok());
            }
        }
    }
    queue
}

fn registrations(queues: &[Queue]) -> Vec<HttpSysRegistration> {
    let mut found: BTreeMap<String, HttpSysRegistration> = BTreeMap::new();
    for q in queues {
        let mut pids: Vec<u32> = q.pids.iter().copied().filter(|&p| p != 0).collect();
        if pids.is_empty() {
            pids.extend(q.controller);
        }
        let name = describe_process(q.image.as_deref().map(file_name), &q.services);
        for url in &q.urls {
            let entry =
                found
                    .entry(url.to_ascii_uppercase())
                    .or_insert_with(|| HttpSysRegistration {
                        url: url.clone(),
                        port: url_port(url),
                        pids: Vec::new(),
                        process_name: None,
                    });
            for &pid in &pids {
                push_unique(&mut entry.pids, pid);
            }
            if entry.process_name.is_none() {
                entry.process_name.clone_from(&name);
            }
        }
    }
    let mut out: Vec<HttpSysRegistration> = found
        .into_values()
        .map(|mut r| {
            r.pids.sort_unstable();
            r
        })
        .collect();
    out.sort_by(|a, b| a.port.cmp(&b.port).then_with(|| a.url.cmp(&b.url)));
    out
}

fn is_url(body: &str) -> bool {
    let lower = body.get(..8).unwrap_or(body).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `ID: 2688, image: C:\Windows\System32\svchost.exe` → (2688, the image).
fn process_line(body: &str) -> Option<(u32, String)> {
    let (id_part, image_part) = body.split_once(',')?;
    let (_, pid) = id_part.split_once(':')?;
    let pid = pid.trim().parse().ok()?;
    let (_, image) = image_part.split_once(':')?;
    Some((pid, image.trim().to_owned()))
}

fn push_unique(list: &mut Vec<u32>, value: u32) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn file_name(path: &str) -> &str {
    let path = path.trim();
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// `svchost.exe (W3SVC, WAS)`, `httpd.exe`, or `service WinRM` when only the services are
/// known (netsh prints `image: <?>` for processes it may not inspect).
fn describe_process(image: Option<&str>, services: &[String]) -> Option<String> {
    let image = image
        .map(str::trim)
        .filter(|i| !i.is_empty() && *i != "<?>");
    match (image, services.is_empty()) {
        (Some(image), true) => Some(image.to_owned()),
        (Some(image), false) => Some(format!("{image} ({})", services.join(", "))),
        (None, false) if services.len() == 1 => Some(format!("service {}", services[0])),
        (None, false) => Some(format!("services {}", services.join(", "))),
        (None, true) => None,
    }
}

/// The port of an http.sys URL: `HTTP://+:80/x/` → 80, `HTTP://127.0.0.1:8000:127.0.0.1/`
/// (IIS's IP-bound form) → 8000, `HTTP://[::1]:47001/` → 47001, `HTTPS://host/` → 443.
pub fn url_port(url: &str) -> Option<u16> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let after_host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.1.trim_start_matches(':')
    } else {
        authority
            .split_once(':')
            .map_or("", |(_, p)| p)
            .split(':')
            .next()
            .unwrap_or("")
    };
    if after_host.is_empty() {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
    }
    let digits: String = after_host
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Runs `%SystemRoot%\System32\netsh.exe` without a window and decodes what it printed with
/// the OEM code page (see the module documentation). `Err` says why, for the scan's warnings.
#[cfg(windows)]
pub fn run_netsh(args: &[&str]) -> Result<String, String> {
    use std::os::windows::process::CommandExt;
    /// `CREATE_NO_WINDOW`: a GUI must not flash a console for each tool it runs.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    let netsh = crate::platform::windows::ffi::system_directory()
        .map_err(|code| format!("the System32 folder is unknown (Win32 error {code})"))?
        .join("netsh.exe");
    let out = std::process::Command::new(&netsh)
        .args(args)
        .creation_flags(CREATE_NO_WINDOW)
        .output()
        .map_err(|e| format!("netsh could not be started ({e})"))?;
    let text = crate::platform::windows::ffi::decode_oem(&out.stdout);
    if out.status.success() {
        Ok(text)
    } else {
        let said = text
            .lines()
            .chain(crate::platform::windows::ffi::decode_oem(&out.stderr).lines())
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message")
            .to_owned();
        Err(format!(
            "netsh {} failed ({}): {said}",
            args.join(" "),
            out.status
        ))
    }
}

/// `bytes` decoded from `code_page` (the OEM code page when `None`), as `netsh`'s output is.
#[cfg(windows)]
pub fn decode_console_bytes(
    code_page: Option<u32>,
    bytes: &[u8],
) -> Result<String, crate::platform::windows::WinError> {
    let cp = code_page.unwrap_or_else(crate::platform::windows::ffi::oem_code_page);
    crate::platform::windows::ffi::decode_code_page(cp, bytes).map_err(|c| {
        crate::platform::windows::WinError::from_os(
            "MultiByteToWideChar",
            format!("code page {cp}"),
            crate::platform::windows::ffi::os_error(c),
        )
    })
}

/// The system's OEM code page (437 in the US, 850 in Western Europe, 936 in China).
#[cfg(windows)]
pub fn oem_code_page() -> u32 {
    crate::platform::windows::ffi::oem_code_page()
}

/// Windows' excluded TCP port ranges for IPv4 and IPv6, merged and sorted.
#[cfg(windows)]
pub fn excluded_port_ranges() -> Result<Vec<(u16, u16)>, String> {
    let mut ranges = Vec::new();
    for family in ["ipv4", "ipv6"] {
        let text = run_netsh(&[
            "interface",
            family,
            "show",
            "excludedportrange",
            "protocol=tcp",
        ])?;
        ranges.extend(parse_excluded_port_ranges(&text));
    }
    ranges.sort_unstable();
    ranges.dedup();
    Ok(ranges)
}

/// The http.sys registrations and the processes behind them (`view=requestq`).
#[cfg(windows)]
pub fn http_sys_registrations() -> Result<Vec<HttpSysRegistration>, String> {
    run_netsh(&["http", "show", "servicestate", "view=requestq"]).map(|t| parse_request_queues(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/windows/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    fn reg<'a>(list: &'a [HttpSysRegistration], url: &str) -> &'a HttpSysRegistration {
        list.iter()
            .find(|r| r.url == url)
            .unwrap_or_else(|| panic!("{url} missing from {list:?}"))
    }

    const EXPECTED_EN: [(u16, u16); 7] = [
        (1369, 1468),
        (1858, 1957),
        (2869, 2869),
        (5357, 5357),
        (15007, 15106),
        (49152, 49152),
        (50000, 50059),
    ];

    #[test]
    fn excluded_port_ranges_are_read_in_english_chinese_and_french() {
        let en = fixture("netsh_excludedportrange_tcp.txt");
        assert_eq!(parse_excluded_port_ranges(&crlf(&en)), EXPECTED_EN);
        assert_eq!(
            parse_excluded_port_ranges(&fixture("netsh_excludedportrange_zh.txt")),
            [
                (1145, 1244),
                (3777, 3876),
                (5433, 5532),
                (8251, 8350),
                (28385, 28385),
                (50000, 50059)
            ]
        );
        // Same numbers, French headings and footnote.
        assert_eq!(
            parse_excluded_port_ranges(&crlf(&fixture("netsh_excludedportrange_fr.txt"))),
            EXPECTED_EN
        );
    }

    #[test]
    fn a_request_queue_serves_its_urls_with_its_processes() {
        let regs = parse_request_queues(&fixture("netsh_servicestate_requestq.txt"));
        assert_eq!(
            regs,
            vec![HttpSysRegistration {
                url: "HTTP://LOCALHOST:8082/".into(),
                port: Some(8082),
                pids: vec![2312],
                process_name: None,
            }]
        );
    }

    /// The IIS capture in English and the same machine in German give the same owners.
    fn check_iis(regs: &[HttpSysRegistration]) {
        // The German sample adds a Reporting Services queue on 8088.
        let ports: Vec<Option<u16>> = regs
            .iter()
            .map(|r| r.port)
            .filter(|&p| p != Some(8088))
            .collect();
        assert_eq!(
            ports,
            [
                Some(80),
                Some(80),
                Some(80),
                Some(443),
                Some(5985),
                Some(47001)
            ]
        );
        assert_eq!(reg(regs, "HTTP://*:80/").pids, [4480]);
        assert_eq!(reg(regs, "HTTPS://*:443/").pids, [4480]);
        assert_eq!(
            reg(regs, "HTTP://+:80/116B50EB-ECE2-41AC-8429-9F9E963361B7/").pids,
            [2904]
        );
        assert_eq!(reg(regs, "HTTP://[::1]:47001/WSMAN/").pids, [3568]);
    }

    #[test]
    fn iis_queues_are_read_by_structure_in_english() {
        check_iis(&parse_request_queues(&crlf(&fixture(
            "netsh_servicestate_requestq_iis.txt",
        ))));
    }

    #[test]
    fn iis_queues_are_read_by_structure_in_german() {
        let de = fixture("netsh_servicestate_requestq_de.txt");
        assert!(
            de.contains("Anforderungswarteschlangenname"),
            "the sample is German"
        );
        let regs = parse_request_queues(&crlf(&de));
        check_iis(&regs);
        // The application pool with no worker yet: its controller (WAS) stands for it.
        assert_eq!(reg(&regs, "HTTP://+:8088/REPORTS/").pids, [1956]);
    }

    #[test]
    fn newer_windows_names_images_and_services_and_controllers_stand_in() {
        // The server-session view with the newer `Request queues:` section.
        let regs = parse_request_queues(&crlf(&fixture("netsh_servicestate_win11.txt")));
        assert_eq!(
            regs.len(),
            5,
            "URLs listed twice are reported once: {regs:?}"
        );
        let wcf = reg(
            &regs,
            "HTTP://+:80/TEMPORARY_LISTEN_ADDRESSES/6B2A9C71-8B4E-4F0D-9C1D-3E1A0B7C5D21/",
        );
        assert_eq!(wcf.pids, [6120]);
        assert_eq!(wcf.process_name.as_deref(), Some("ContosoSync.exe"));
        assert_eq!(reg(&regs, "HTTP://*:80/").pids, [1956], "the controller");
        let agent = reg(&regs, "HTTPS://+:443/HOSTAGENT/VSWITCH/");
        assert_eq!(agent.pids, [2688]);
        assert_eq!(
            agent.process_name.as_deref(),
            Some("svchost.exe (NcHostAgent)")
        );
        let winrm = reg(&regs, "HTTP://+:5985/WSMAN/");
        assert_eq!(winrm.pids, [3568]);
        assert_eq!(winrm.process_name.as_deref(), Some("service WinRM"));
    }

    #[test]
    fn without_a_controller_the_attached_count_is_not_taken_for_a_pid() {
        let text = "Q: x\n    Max requests: 1000\n    Number attached: 0\n    Process IDs:\n    URL groups:\n        HTTP://+:81/\n";
        let regs = parse_request_queues(text);
        assert_eq!(regs[0].pids, Vec::<u32>::new());
        assert_eq!(regs[0].port, Some(81));
    }

    #[test]
    fn the_old_session_view_gives_urls_without_guessing_owners() {
        // Windows Server 2019's default view lists queues without URLs: owners would have to
        // be matched by queue name, which means reading words. The URLs still come out.
        let regs = parse_request_queues(&crlf(&fixture("netsh_servicestate_ws2019.txt")));
        let urls: Vec<&str> = regs.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "HTTP://+:5985/WSMAN/",
                "HTTP://127.0.0.1:8000:127.0.0.1/",
                "HTTP://+:47001/WSMAN/"
            ]
        );
        assert!(regs.iter().all(|r| r.pids.is_empty()));
    }

    #[test]
    fn two_unnamed_queues_are_not_guessed_apart() {
        // Tomcat blocked on 8080 by an unnamed queue, beside another unnamed one: which
        // processes serve which URL cannot be told, so neither gets a PID.
        let regs = parse_request_queues(&fixture("netsh_servicestate_two_unnamed.txt"));
        assert_eq!(regs.len(), 2, "{regs:?}");
        let tomcat_port = reg(&regs, "HTTP://LOCALHOST:8080/");
        assert_eq!(tomcat_port.port, Some(8080));
        assert!(tomcat_port.pids.is_empty());
    }

    #[test]
    fn url_ports_cover_wildcards_ip_bindings_ipv6_and_defaults() {
        assert_eq!(
            url_port("HTTP://+:80/TEMPORARY_LISTEN_ADDRESSES/"),
            Some(80)
        );
        assert_eq!(url_port("HTTP://127.0.0.1:8000:127.0.0.1/"), Some(8000));
        assert_eq!(url_port("HTTP://[::1]:47001/WSMAN/"), Some(47001));
        assert_eq!(url_port("https://www.contoso.com/"), Some(443));
        assert_eq!(url_port("HTTP://LOCALHOST/"), Some(80));
        assert_eq!(url_port("not a url"), None);
    }
}
