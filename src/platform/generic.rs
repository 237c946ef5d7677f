//! Windows and macOS: sockets with owners from netstat2 (IP Helper API / libproc). Services,
//! products and the Windows specials are not read yet on these systems; the snapshot says so.

use super::{Phase, RawSocket, Reporter, ScanError, ScanOptions};
use crate::engine::snapshot::{
    HttpSysRegistration, PortRange, Process, Product, Service, Socket, Transport, Warning,
};
use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo};

#[cfg(windows)]
pub const ELEVATE_HINT: &str = "Run PortSleuth as administrator to see every process's sockets.";
#[cfg(not(windows))]
pub const ELEVATE_HINT: &str =
    "Run it with sudo (sudo portsleuth …) to see every process's sockets.";

pub fn is_elevated() -> bool {
    // Without an elevation check on this platform, assume not: warnings then err on the side of
    // telling the user what elevation would add.
    false
}

pub(crate) fn sockets(
    options: &ScanOptions,
    reporter: &mut Reporter<'_>,
    _warnings: &mut Vec<Warning>,
) -> Result<(Vec<RawSocket>, String), ScanError> {
    let infos = netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
    .map_err(|e| ScanError::Sockets(e.to_string()))?;
    let mut out = Vec::new();
    for info in infos {
        let raw = match info.protocol_socket_info {
            ProtocolSocketInfo::Tcp(t) => RawSocket {
                transport: Transport::Tcp,
                local: t.local_addr,
                local_port: t.local_port,
                remote: Some((t.remote_addr, t.remote_port)),
                state: t.state.to_string(),
                pids: info.associated_pids,
            },
            ProtocolSocketInfo::Udp(u) => RawSocket {
                transport: Transport::Udp,
                local: u.local_addr,
                local_port: u.local_port,
                remote: None,
                state: String::new(),
                pids: info.associated_pids,
            },
        };
        if options.ports.is_empty() || options.ports.contains(&raw.local_port) {
            out.push(raw);
        }
    }
    reporter.step(Phase::Sockets, 1, 1)?;
    Ok((out, "netstat2".into()))
}

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
