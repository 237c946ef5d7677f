//! Unix systems without a module of their own: sockets with owners from netstat2 (libproc on
//! macOS) and elevation from `id -u`. Services and products are not read on these systems yet;
//! the snapshot says so.
//!
//! macOS reads its sockets, elevation and (empty) Windows specials here as well, and adds
//! launchd services and app bundles in `macos`; the functions it replaces are not built there.

use super::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use crate::engine::snapshot::{HttpSysRegistration, PortRange, Warning};
#[cfg(not(target_os = "macos"))]
use crate::engine::snapshot::{Process, Product, Service, Socket};
use netstat2::{AddressFamilyFlags, ProtocolFlags};
use std::sync::OnceLock;

pub const ELEVATE_HINT: &str =
    "Run it with sudo (sudo portsleuth …) to see every process's sockets.";

/// The effective user id, from `id -u`; asked once, as it does not change while PortSleuth
/// runs. `None` when `id` cannot be run.
pub(crate) fn effective_uid() -> Option<u32> {
    static UID: OnceLock<Option<u32>> = OnceLock::new();
    *UID.get_or_init(|| {
        // The full path: run as root, PortSleuth must not pick up an `id` from a user's PATH.
        let out = super::runner::run("/usr/bin/id", &["-u"]).ok()?;
        out.stdout.trim().parse().ok()
    })
}

pub fn is_elevated() -> bool {
    // When `id` cannot answer, assume not: warnings then err on the side of telling the user
    // what elevation would add.
    effective_uid() == Some(0)
}

pub(crate) fn sockets(
    options: &ScanOptions,
    reporter: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<RawSocket>, String), ScanError> {
    let infos = netstat2::iterate_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| ScanError::Sockets(e.to_string()))?;
    let mut out = Vec::new();
    let mut unreadable = 0;
    for info in infos {
        // A socket that closed while it was being read costs that socket, not the whole list
        // (netstat2's `get_sockets_info` gives up on the first such error).
        let Ok(info) = info else {
            unreadable += 1;
            continue;
        };
        let raw = RawSocket::from_netstat(info.protocol_socket_info, info.associated_pids);
        if options.ports.is_empty() || options.ports.contains(&raw.local_port) {
            out.push(raw);
        }
    }
    if unreadable > 0 {
        warnings.push(Warning {
            what: format!(
                "{unreadable} sockets could not be read (they may have closed during the scan)"
            ),
            remedy: None,
        });
    }
    reporter.step(Phase::Sockets, 1, 1)?;
    Ok((out, "netstat2".into()))
}

#[cfg(not(target_os = "macos"))]
pub(crate) fn services(
    _p: &mut [Process],
    _s: &[Socket],
    _r: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, ScanError> {
    warnings.push(Warning {
        what: format!("services are not read on {} yet", std::env::consts::OS),
        remedy: None,
    });
    Ok(Vec::new())
}

#[cfg(not(target_os = "macos"))]
pub(crate) fn products(
    _p: &mut [Process],
    _r: &mut Reporter<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Product>, ScanError> {
    warnings.push(Warning {
        what: format!(
            "installed products are not read on {} yet",
            std::env::consts::OS
        ),
        remedy: None,
    });
    Ok(Vec::new())
}

pub(crate) fn windows_specials(
    _warnings: &mut Vec<Warning>,
) -> (Vec<PortRange>, Vec<HttpSysRegistration>) {
    (Vec::new(), Vec::new())
}
