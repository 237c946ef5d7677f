//! What holds a port on the scanned machine, tested against a rule's holder matchers and said
//! in words (with http.sys traced to the program it holds the port for).

use super::{CheckHit, Ctx, PortHolder, Unseen};
use crate::engine::kb::{strip_exe, HolderMatcher, Program};

/// Program kinds whose members are the servers that should hold their ports.
const SERVER_KINDS: [&str; 5] = [
    "mail_server",
    "web_server",
    "database",
    "directory_server",
    "dev_server",
];

/// Runtimes that run whatever server they are given: their name says nothing.
fn is_interpreter(exe: &str) -> bool {
    let stem = strip_exe(exe).to_ascii_lowercase();
    [
        "java", "javaw", "node", "dotnet", "perl", "ruby", "php", "php-cgi", "pythonw", "python",
    ]
    .iter()
    .any(|i| {
        stem == *i
            || (stem.starts_with(i)
                && stem[i.len()..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.'))
    })
}

/// Program kinds that sit between a client and its server, and so can cause a client's error
/// from the client's own machine.
const INTERCEPTOR_KINDS: [&str; 3] = ["av_mail_proxy", "av_web_proxy", "port_forwarder"];
use crate::engine::snapshot::{Holder, Process, Snapshot};

impl<'a> Ctx<'a> {
    /// Looks for a port (of those the text names) whose holders satisfy the matcher.
    pub(super) fn check_holder<'s>(
        &self,
        snapshot: &'s Snapshot,
        matcher: &HolderMatcher,
    ) -> Option<CheckHit<'s>>
    where
        'a: 's,
    {
        for &port in &self.ports {
            let unseen = self.unseen(port);
            if unseen.is_some() {
                if let Some(probe) = self.probe_for(port) {
                    match self.probe_hit(probe, matcher, port) {
                        Some(hit) => return Some(hit),
                        None => continue,
                    }
                }
            }
            match unseen {
                Some(Unseen::Hidden) => continue,
                Some(Unseen::Elsewhere) => {
                    if let Some(hit) = self.local_interceptor(snapshot, matcher, port) {
                        return Some(hit);
                    }
                    continue;
                }
                None => {}
            }
            if !snapshot.covers(port) {
                continue;
            }
            let holders = snapshot.holders(port);
            let hit = match matcher {
                HolderMatcher::Nobody => holders.is_empty().then_some(CheckHit {
                    port,
                    holder: None,
                    local: false,
                    probe: None,
                }),
                HolderMatcher::Excluded => (holders.is_empty() && snapshot.in_excluded_range(port))
                    .then_some(CheckHit {
                        port,
                        holder: None,
                        local: false,
                        probe: None,
                    }),
                _ => holders
                    .iter()
                    .find(|h| self.holder_is(h, matcher))
                    .map(|h| CheckHit {
                        port,
                        holder: Some(*h),
                        local: false,
                        probe: None,
                    }),
            };
            if hit.is_some() {
                return hit;
            }
        }
        None
    }

    /// For a port on the server elsewhere: an interceptor of the kind `matcher` names running
    /// on this machine (an antivirus mail scanner, a port forwarder), which sits between this
    /// machine's client and the server. Other matchers say nothing here: they are about what
    /// holds the port on the server.
    fn local_interceptor<'s>(
        &self,
        snapshot: &'s Snapshot,
        matcher: &HolderMatcher,
        port: u16,
    ) -> Option<CheckHit<'s>> {
        let interceptor = |kind: &str| INTERCEPTOR_KINDS.contains(&kind);
        let wanted = match matcher {
            HolderMatcher::Kind(k) => interceptor(k),
            HolderMatcher::Program(id) => self
                .kb
                .programs
                .iter()
                .any(|p| &p.id == id && interceptor(&p.kind)),
            HolderMatcher::Forwarder => true,
            _ => false,
        };
        if !wanted {
            return None;
        }
        snapshot.sockets.iter().find_map(|socket| {
            socket.pids.iter().find_map(|&pid| {
                let process = snapshot.process(pid)?;
                let holder = Holder {
                    socket,
                    process: Some(process),
                };
                self.holder_is(&holder, matcher).then_some(CheckHit {
                    port,
                    holder: Some(holder),
                    local: true,
                    probe: None,
                })
            })
        })
    }

    pub(super) fn holder_is(&self, h: &Holder<'_>, matcher: &HolderMatcher) -> bool {
        let program = h.process.and_then(|p| self.kb.program_for_exe(&p.exe_name));
        let kind = program.map(|p| p.kind.as_str());
        match matcher {
            HolderMatcher::Any => true,
            HolderMatcher::Nobody | HolderMatcher::Excluded => false,
            HolderMatcher::Kind(k) => kind == Some(k.as_str()),
            HolderMatcher::NotKind(k) => h.process.is_some() && kind != Some(k.as_str()),
            HolderMatcher::Program(id) => program.is_some_and(|p| &p.id == id),
            HolderMatcher::Name(name) => h
                .process
                .is_some_and(|p| strip_exe(&p.exe_name).eq_ignore_ascii_case(name)),
            HolderMatcher::Forwarder => kind == Some("port_forwarder"),
            HolderMatcher::Unexpected => self.unexpected(h, program),
            HolderMatcher::SameAsFailing => h.process.is_some_and(|p| {
                let stem = strip_exe(&p.exe_name);
                self.symptoms
                    .programs
                    .iter()
                    .any(|f| strip_exe(&f.value).eq_ignore_ascii_case(stem))
            }),
        }
    }

    /// Whether the holder of a port is neither a server the catalogue expects on it nor a
    /// known interceptor, while the catalogue does know who should hold the port. Generic
    /// interpreters (java, python, node…) and http.sys run any server, so they are never
    /// called unexpected.
    fn unexpected(&self, h: &Holder<'_>, program: Option<&Program>) -> bool {
        let Some(p) = h.process else {
            return false;
        };
        // The port itself, and the standard ports of the protocols the text names (POP3 on a
        // custom port 2110 still wants a mail server).
        let mut ports = vec![h.socket.local_port];
        for named in &self.symptoms.protocols {
            if let Some(info) = self.kb.protocols.iter().find(|i| i.name == named.value) {
                ports.extend(info.ports.iter().chain(&info.tls_ports));
            }
        }
        let serves = |prog: &Program| {
            SERVER_KINDS.contains(&prog.kind.as_str())
                && prog.ports.iter().any(|p| ports.contains(p))
        };
        if p.pid == 4 || is_interpreter(&p.exe_name) {
            return false;
        }
        if program
            .is_some_and(|prog| serves(prog) || INTERCEPTOR_KINDS.contains(&prog.kind.as_str()))
        {
            return false;
        }
        self.kb.programs.iter().any(serves)
    }

    /// "nginx (PID 812)"; for http.sys also whom it holds the port for.
    pub(super) fn holder_words(&self, p: &Process, port: u16) -> String {
        let base = format!("{} (PID {})", p.exe_name, p.pid);
        if p.pid != 4 {
            return base;
        }
        match self.snapshot.and_then(|s| s.http_sys_owner(port)) {
            Some((reg, Some(owner))) => {
                let services = if owner.services.is_empty() {
                    String::new()
                } else {
                    format!(", service {}", owner.services.join(", "))
                };
                format!(
                    "{base}, i.e. http.sys on behalf of {} (PID {}{services}) for {}",
                    owner.exe_name, owner.pid, reg.url
                )
            }
            Some((reg, None)) => format!(
                "{base}, i.e. http.sys for {}{}",
                reg.url,
                reg.process_name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            None => format!(
                "{base}, i.e. http.sys (run `netsh http show servicestate` to see for whom)"
            ),
        }
    }

    /// The process that registered `port` with http.sys when `p` is System; otherwise `p`.
    pub(super) fn behind_http_sys<'p>(&self, p: &'p Process, port: u16) -> &'p Process
    where
        'a: 'p,
    {
        if p.pid != 4 {
            return p;
        }
        self.snapshot
            .and_then(|s| s.http_sys_owner(port))
            .and_then(|(_, owner)| owner)
            .unwrap_or(p)
    }

    pub(super) fn fill(&self, template: &str, hit: &CheckHit<'_>) -> String {
        if let Some(probe) = hit.probe {
            let product = probe.identified.as_ref().map_or(
                "not a program PortSleuth recognises by its greeting".to_owned(),
                |i| i.product.clone(),
            );
            let kind = probe
                .identified
                .as_ref()
                .map_or("unknown".to_owned(), |i| i.kind.replace('_', " "));
            return template
                .replace("{port}", &hit.port.to_string())
                .replace("{holder}", &Self::probe_words(probe))
                .replace("{product}", &product)
                .replace("{service}", "no service seen")
                .replace("{kind}", &kind);
        }
        let process = hit.holder.and_then(|h| h.process);
        let holder = match (hit.holder, process) {
            (_, Some(p)) => self.holder_words(p, hit.port),
            (Some(_), None) => {
                "a process PortSleuth could not see (run it elevated to see the owner)".to_owned()
            }
            (None, _) => "nobody".to_owned(),
        };
        let program = process.and_then(|p| self.kb.program_for_exe(&p.exe_name));
        let snapshot_product = process
            .and_then(|p| p.product.as_deref())
            .and_then(|id| self.snapshot.and_then(|s| s.product(id)));
        let product = program
            .map(|p| p.product.clone())
            .or_else(|| snapshot_product.map(|p| p.name.clone()))
            .or_else(|| {
                process
                    .and_then(|p| p.version_info.as_ref())
                    .map(|v| v.product_name.clone())
            })
            .unwrap_or_else(|| "not a program PortSleuth knows".to_owned());
        let service = process
            .and_then(|p| p.services.first())
            .map(|id| {
                self.snapshot
                    .and_then(|s| s.service(id))
                    .map_or(id.clone(), |s| format!("{} ({})", s.display_name, s.id))
            })
            .unwrap_or_else(|| "no service".to_owned());
        let kind = program
            .map_or("unknown", |p| p.kind.as_str())
            .replace('_', " ");
        template
            .replace("{port}", &hit.port.to_string())
            .replace("{holder}", &holder)
            .replace("{product}", &product)
            .replace("{service}", &service)
            .replace("{kind}", &kind)
    }

    /// Who holds each port the text names, in words, for the report's summary.
    pub(super) fn port_holders(&self, snapshot: &Snapshot) -> Vec<PortHolder> {
        let mut out = Vec::new();
        for p in &self.symptoms.ports {
            if out.iter().any(|h: &PortHolder| h.port == p.port) || !snapshot.covers(p.port) {
                continue;
            }
            let holders = snapshot.holders(p.port);
            let mut pids: Vec<u32> = holders
                .iter()
                .filter_map(|h| h.process.map(|p| p.pid))
                .collect();
            pids.sort_unstable();
            pids.dedup();
            let mut names: Vec<String> = Vec::new();
            let mut kind = None;
            for h in &holders {
                let name = match h.process {
                    Some(proc_) => {
                        let program = self.kb.program_for_exe(&proc_.exe_name);
                        if kind.is_none() {
                            kind = program.map(|p| p.kind.clone());
                        }
                        match program {
                            Some(prog) => {
                                format!("{}, {}", self.holder_words(proc_, p.port), prog.product)
                            }
                            None => self.holder_words(proc_, p.port),
                        }
                    }
                    None => "a process PortSleuth could not see".to_owned(),
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let summary = if names.is_empty() {
                if snapshot.in_excluded_range(p.port) {
                    "nobody, but it lies in an excluded port range".to_owned()
                } else {
                    "nobody".to_owned()
                }
            } else {
                names.join("; ")
            };
            out.push(PortHolder {
                port: p.port,
                side: p.side,
                summary,
                pids,
                kind,
            });
        }
        out.sort_by_key(|h| h.port);
        out
    }
}
