//! Many machines at once: one error text, a folder of snapshots (one per host, gathered by
//! Ansible, Intune, SCCM or anything that can run `portsleuth scan` and collect a file), each
//! diagnosed as the machine the text is about, and the answer a help desk needs first —
//! *which machines, held by what*.
//!
//! The knowledge base is loaded once and the text read once; snapshots are read and diagnosed
//! on a pool of worker threads, one at a time per worker, and dropped as soon as their host's
//! few lines are made, so memory stays bounded whatever the count. A file that cannot be used —
//! unreadable, cut short, another schema, a link, too large, implausible — is listed with the
//! reason and never stops the run: the same checks as `diagnose --snapshot`, and nothing read
//! from a snapshot is ever acted on (the triage only reads).

use super::input::snapshot_from_bytes;
use super::{Knowledge, SessionError};
use crate::engine::diagnose::diagnose;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::{Process, Snapshot};
use crate::report::triage::{PortState, Skipped, TopFinding, Triage, TriageHolder, TriageHost};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest snapshot read: a full scan of a busy server is a few MiB.
pub const MAX_SNAPSHOT_BYTES: u64 = 16 << 20;
/// How deep a snapshot folder is walked (`DIR/<host>/snapshot.json` is depth 2).
pub const MAX_DEPTH: usize = 4;
/// The most snapshots one triage reads; the rest are named as skipped in one line.
pub const MAX_SNAPSHOTS: usize = 250_000;
/// More sockets than this holding one port is no machine's state but a crafted file (each
/// would be looked up among all the processes).
pub const MAX_HOLDERS_PER_PORT: usize = 1024;
/// Per host, at most this many holders per port and warnings are listed.
const MAX_LISTED: usize = 16;

/// Where the snapshots are.
#[derive(Debug, Clone, Copy)]
pub enum Snapshots<'a> {
    /// Every `*.json` file in this folder and its subfolders.
    Folder(&'a Path),
    /// These files.
    Files(&'a [PathBuf]),
}

/// A snapshot file found, with the name it is shown by.
struct Listed {
    path: PathBuf,
    name: String,
}

/// Triages every snapshot `from` names against the error `text`.
pub fn triage(
    knowledge: &Knowledge,
    text: &str,
    from: Snapshots<'_>,
) -> Result<Triage, SessionError> {
    let mut skipped = Vec::new();
    let listed = match from {
        Snapshots::Folder(dir) => {
            if !dir.is_dir() {
                return Err(SessionError::Usage(format!(
                    "--snapshots {}: not a folder",
                    dir.display()
                )));
            }
            let mut listed = Vec::new();
            walk(dir, "", 1, &mut listed, &mut skipped);
            listed
        }
        Snapshots::Files(files) => files
            .iter()
            .map(|p| Listed {
                path: p.clone(),
                name: p.display().to_string(),
            })
            .collect(),
    };
    let symptoms = knowledge.reader().read(text);
    let results = crate::jobs::map_parallel(&listed, |l| triage_one(knowledge, text, &symptoms, l));
    let mut hosts = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(h) => hosts.push(h),
            Err(s) => skipped.push(s),
        }
    }
    let mut ports: Vec<u16> = symptoms.ports.iter().map(|p| p.port).collect();
    ports.sort_unstable();
    ports.dedup();
    Ok(Triage::new(knowledge.rule_set(), ports, hosts, skipped))
}

/// Lists the `*.json` files under `dir` in name order; links and special files are named as
/// skipped (a folder given to read is not an authority on where PortSleuth reads).
fn walk(
    dir: &Path,
    prefix: &str,
    depth: usize,
    listed: &mut Vec<Listed>,
    skipped: &mut Vec<Skipped>,
) {
    let shown = |name: &str| format!("{prefix}{name}");
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(Result::ok).collect(),
        Err(e) => {
            skipped.push(Skipped {
                file: if prefix.is_empty() {
                    ".".into()
                } else {
                    prefix.trim_end_matches('/').into()
                },
                reason: format!("cannot list this folder ({e})"),
            });
            return;
        }
    };
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let is_json = name.to_ascii_lowercase().ends_with(".json");
        if kind.is_dir() {
            if depth < MAX_DEPTH {
                walk(
                    &entry.path(),
                    &format!("{}/", shown(&name)),
                    depth + 1,
                    listed,
                    skipped,
                );
            } else {
                skipped.push(Skipped {
                    file: shown(&name),
                    reason: format!("a folder deeper than {MAX_DEPTH} levels; not read"),
                });
            }
        } else if !is_json {
            // Notes, logs and partial downloads beside the snapshots are not snapshots.
        } else if kind.is_symlink() {
            skipped.push(Skipped {
                file: shown(&name),
                reason: "is a link; only regular files in the snapshot folder are read".into(),
            });
        } else if !kind.is_file() {
            skipped.push(Skipped {
                file: shown(&name),
                reason: "is not a regular file (a device, FIFO or socket)".into(),
            });
        } else if listed.len() >= MAX_SNAPSHOTS {
            skipped.push(Skipped {
                file: shown(&name),
                reason: format!("more than {MAX_SNAPSHOTS} snapshots in one triage; not read"),
            });
        } else {
            listed.push(Listed {
                path: entry.path(),
                name: shown(&name),
            });
        }
    }
}

/// Reads one snapshot and diagnoses it; `Err` names the file and why it was not used.
fn triage_one(
    knowledge: &Knowledge,
    text: &str,
    symptoms: &Symptoms,
    l: &Listed,
) -> Result<TriageHost, Skipped> {
    let skip = |reason: String| Skipped {
        file: l.name.clone(),
        reason,
    };
    let (bytes, more) = read_bounded(&l.path).map_err(skip)?;
    let snapshot = snapshot_from_bytes(&bytes, more, "the file").map_err(|e| {
        let message = e.to_string();
        skip(
            message
                .strip_prefix("the file ")
                .unwrap_or(&message)
                .to_owned(),
        )
    })?;
    drop(bytes);
    let ports = symptoms.ports_to_check();
    for &port in &ports {
        let holding: usize = snapshot
            .sockets
            .iter()
            .filter(|s| s.local_port == port && s.holds_port())
            .map(|s| s.pids.len().max(1))
            .sum();
        if holding > MAX_HOLDERS_PER_PORT {
            return Err(skip(format!(
                "it says {holding} sockets hold port {port}, more than any machine has; not diagnosed"
            )));
        }
    }
    let diagnosis = diagnose(knowledge.kb(), text, symptoms, Some(&snapshot));
    let top = diagnosis.findings.first().map_or_else(
        || TopFinding {
            category: crate::engine::model::Category::Unknown,
            rule_id: String::new(),
            confidence: 0.0,
            title: String::new(),
        },
        |f| TopFinding {
            category: f.category,
            rule_id: f.rule_id.clone(),
            confidence: if f.confidence.is_nan() {
                0.0
            } else {
                f.confidence.clamp(0.0, 1.0)
            },
            title: f.title.clone(),
        },
    );
    let mut named: Vec<u16> = symptoms.ports.iter().map(|p| p.port).collect();
    named.sort_unstable();
    named.dedup();
    let host = match clip(&snapshot.host.hostname, 120) {
        h if h.is_empty() => clip(l.name.trim_end_matches(".json"), 120),
        h => h,
    };
    Ok(TriageHost {
        host,
        file: clip(&l.name, 300),
        elevated: snapshot.host.elevated,
        os: clip(&snapshot.host.os, 80),
        taken_at: clip(&snapshot.taken_at, 40),
        top,
        holders: named
            .iter()
            .flat_map(|&port| holders(knowledge, &snapshot, port))
            .collect(),
        warnings: warnings(&snapshot),
    })
}

/// The file's bytes, at most [`MAX_SNAPSHOT_BYTES`] (and whether there was more).
fn read_bounded(path: &Path) -> Result<(Vec<u8>, bool), String> {
    // A name given on the command line may be a link; what it leads to must be a file.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot open it ({e})"))?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a folder, not a snapshot file".into()
        } else {
            "is not a regular file (a device, FIFO or socket)".into()
        });
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open it ({e})"))?;
    let mut bytes =
        Vec::with_capacity(usize::try_from(meta.len().min(MAX_SNAPSHOT_BYTES)).unwrap_or(0));
    file.take(MAX_SNAPSHOT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it ({e})"))?;
    let more = bytes.len() as u64 > MAX_SNAPSHOT_BYTES;
    if more {
        return Err(format!(
            "is larger than {} MiB, more than a snapshot of any machine",
            MAX_SNAPSHOT_BYTES >> 20
        ));
    }
    Ok((bytes, more))
}

/// A value from a snapshot, fit for one line: no control characters, at most `max` characters.
fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(max).collect();
    if out.chars().count() == max && s.chars().filter(|c| !c.is_control()).count() > max {
        out.push('…');
    }
    out
}

/// Who holds `port` on this host, as the snapshot says.
fn holders(knowledge: &Knowledge, snap: &Snapshot, port: u16) -> Vec<TriageHolder> {
    let bare = |state| TriageHolder {
        port,
        state,
        program: None,
        pid: None,
        service: None,
        product: None,
        kind: None,
    };
    if !snap.covers(port) {
        return vec![bare(PortState::NotScanned)];
    }
    let mut out: Vec<TriageHolder> = Vec::new();
    for h in snap.holders(port) {
        let entry = match h.process {
            Some(p) => held(knowledge, snap, port, p),
            None => TriageHolder {
                pid: h.socket.pids.first().copied(),
                ..bare(PortState::OwnerUnseen)
            },
        };
        if !out.contains(&entry) && out.len() < MAX_LISTED {
            out.push(entry);
        }
    }
    if out.is_empty() {
        out.push(bare(if snap.in_excluded_range(port) {
            PortState::Reserved
        } else {
            PortState::Free
        }));
    }
    out.sort_by(|a, b| (a.state, a.pid, &a.program).cmp(&(b.state, b.pid, &b.program)));
    out
}

fn held(knowledge: &Knowledge, snap: &Snapshot, port: u16, p: &Process) -> TriageHolder {
    let exe = if p.exe_name.is_empty() {
        &p.name
    } else {
        &p.exe_name
    };
    let program = knowledge.kb().program_for_exe(exe);
    let product = program
        .map(|prog| prog.product.clone())
        .or_else(|| {
            p.product
                .as_deref()
                .and_then(|id| snap.product(id))
                .map(|x| x.name.clone())
        })
        .or_else(|| p.version_info.as_ref().map(|v| v.product_name.clone()))
        .filter(|s| !s.is_empty());
    TriageHolder {
        port,
        state: PortState::Held,
        program: Some(clip(exe, 120)),
        pid: Some(p.pid),
        service: p.services.first().map(|s| clip(s, 120)),
        product: product.map(|s| clip(&s, 120)),
        kind: program.map(|prog| prog.kind.clone()),
    }
}

/// What the scan of this host could not see, in words (a few; then how many more).
fn warnings(snap: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = snap
        .warnings
        .iter()
        .take(MAX_LISTED)
        .map(|w| match &w.remedy {
            Some(r) => clip(&format!("{} ({})", w.what, r), 300),
            None => clip(&w.what, 300),
        })
        .collect();
    if snap.warnings.len() > MAX_LISTED {
        out.push(format!(
            "and {} more warnings",
            snap.warnings.len() - MAX_LISTED
        ));
    }
    out
}
