//! Windows through its own interfaces: the Service Control Manager, the registry, process
//! handles and tokens — not the text that `sc`, `reg`, `tasklist`, `taskkill` or `whoami`
//! print. `netsh` stays only where Windows has no public interface ([`netsh`]: excluded port
//! ranges and http.sys request queues), decoded from the OEM code page and read by structure.
//!
//! All `unsafe` of the crate's Windows layer lives in [`ffi`], behind safe functions that
//! return Win32 error numbers; the modules here turn those into typed [`WinError`]s and plain
//! rows. What does not touch the machine (number-to-word mappings, netsh parsing, the row
//! types) is pure and compiled and tested on every OS; [`scan`] is the Windows scanner the
//! rest of `platform` calls.

pub mod error;
pub mod netsh;
pub mod process;
pub mod products;
pub mod services;

#[cfg(windows)]
mod ffi;
#[cfg(windows)]
pub(crate) mod scan;

pub use error::{OsError, WinError};

/// What PortSleuth's `cmdline` splitter makes of `line` against what Windows'
/// `CommandLineToArgvW` makes of it: the reference the pure splitter is checked against under
/// Wine (`examples/wintest.rs split-selftest`).
#[cfg(windows)]
pub fn command_line_to_argv(line: &str) -> Result<Vec<String>, WinError> {
    ffi::command_line_to_argv(line)
        .map_err(|c| WinError::from_os("CommandLineToArgvW", line, ffi::os_error(c)))
}

/// Resets one IPv4 TCP connection (`SetTcpEntry` with `MIB_TCP_STATE_DELETE_TCB`; needs
/// administrator rights). Windows offers no such call for IPv6 connections.
#[cfg(windows)]
pub fn close_connection(c: &crate::engine::diagnose::Connection) -> Result<(), WinError> {
    let call = "SetTcpEntry";
    let v4 = |addr: &str| {
        match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => Ok(ip),
        Ok(std::net::IpAddr::V6(ip)) => ip.to_ipv4_mapped().ok_or_else(|| {
            WinError::Invalid(format!(
                "{c}: Windows can reset only IPv4 connections (SetTcpEntry); stop the program instead"
            ))
        }),
        Err(_) => Err(WinError::Invalid(format!("{addr:?} is not an IP address"))),
    }
    };
    let (local, remote) = (v4(&c.local_addr)?, v4(&c.remote_addr)?);
    ffi::delete_tcp_entry(local, c.local_port, remote, c.remote_port)
        .map_err(|code| WinError::from_os(call, c.to_string(), ffi::os_error(code)))
}
