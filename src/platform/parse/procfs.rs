//! Parsers for what Linux prints about sockets, units and packages: `/proc/net/{tcp,udp}[6]`,
//! `/proc/PID/cgroup`, `systemctl show`, `systemctl list-sockets` and dpkg's status file.
//!
//! Pure functions over text, compiled and tested on every OS with captured fixtures; the
//! Linux scanner feeds them what it reads.

use crate::engine::snapshot::Transport;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One row of `/proc/net/tcp` and friends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcNetRow {
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: IpAddr,
    pub remote_port: u16,
    /// Upper-case TCP state name (`LISTEN`); empty for UDP.
    pub state: String,
    pub uid: u32,
    pub inode: u64,
}

/// Parses the body of `/proc/net/tcp`, `tcp6`, `udp` or `udp6`. Malformed lines are skipped.
pub fn parse_proc_net(text: &str, transport: Transport) -> Vec<ProcNetRow> {
    text.lines()
        .skip(1)
        .filter_map(|line| parse_proc_net_line(line, transport))
        .collect()
}

fn parse_proc_net_line(line: &str, transport: Transport) -> Option<ProcNetRow> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 10 {
        return None;
    }
    let (local, local_port) = parse_hex_endpoint(fields[1])?;
    let (remote, remote_port) = parse_hex_endpoint(fields[2])?;
    let state_code = u8::from_str_radix(fields[3], 16).ok()?;
    let state = match transport {
        Transport::Tcp => tcp_state_name(state_code).to_owned(),
        Transport::Udp => String::new(),
    };
    Some(ProcNetRow {
        local,
        local_port,
        remote,
        remote_port,
        state,
        uid: fields[7].parse().ok()?,
        inode: fields[9].parse().ok()?,
    })
}

/// `0100007F:0050` → 127.0.0.1:80. The kernel prints each 32-bit word in host (little-endian) order.
fn parse_hex_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(addr, 16).ok()?.swap_bytes(),
        )),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in addr.as_bytes().chunks(8).enumerate() {
                let word = u32::from_str_radix(std::str::from_utf8(chunk).ok()?, 16)
                    .ok()?
                    .swap_bytes();
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((ip, port))
}

pub fn tcp_state_name(code: u8) -> &'static str {
    match code {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// The systemd unit a process runs in, from `/proc/PID/cgroup`
/// (`0::/system.slice/nginx.service` → `nginx.service`). User sessions and scopes are not
/// services and give `None`.
pub fn unit_from_cgroup(text: &str) -> Option<String> {
    for line in text.lines() {
        let path = line.splitn(3, ':').nth(2)?;
        // The innermost .service component names the unit (user units live below user@UID).
        let unit = path
            .split('/')
            .rev()
            .find(|part| part.ends_with(".service") && !part.starts_with("user@"));
        if let Some(unit) = unit {
            return Some(unit.to_owned());
        }
    }
    None
}

/// `Key=Value` lines of `systemctl show`, as pairs.
pub fn parse_systemctl_show(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A listening socket owned by a systemd socket unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketUnit {
    pub listen: String,
    pub port: Option<u16>,
    pub unit: String,
    pub activates: String,
}

/// Rows of `systemctl list-sockets --all --no-legend --full`
/// (`[::]:143   dovecot.socket   dovecot.service`).
pub fn parse_list_sockets(text: &str) -> Vec<SocketUnit> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let unit_at = fields.iter().position(|f| f.ends_with(".socket"))?;
            let listen = fields[..unit_at].join(" ");
            let port = listen.rsplit(':').next().and_then(|p| p.parse().ok());
            let activates = fields
                .get(unit_at + 1)
                .map_or(String::new(), |s| s.trim_end_matches(',').to_owned());
            Some(SocketUnit {
                listen,
                port,
                unit: fields[unit_at].to_owned(),
                activates,
            })
        })
        .collect()
}

/// What dpkg's status file says of an installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DpkgPackage {
    pub version: String,
    pub maintainer: String,
    /// `Essential: yes`, or `Priority: required`: the system needs it; never removed.
    pub essential: bool,
    /// `Status: install ok installed`.
    pub installed: bool,
}

/// The packages of `/var/lib/dpkg/status` named in `wanted`, with their version, maintainer,
/// whether the system needs them, and whether they are installed.
pub fn parse_dpkg_status(
    text: &str,
    wanted: &[&str],
) -> std::collections::HashMap<String, DpkgPackage> {
    let mut out = std::collections::HashMap::new();
    for block in text.split("\n\n") {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        let Some(package) = field("Package:") else {
            continue;
        };
        if wanted.contains(&package.as_str()) && !out.contains_key(&package) {
            let essential = field("Essential:").is_some_and(|v| v.eq_ignore_ascii_case("yes"))
                || field("Priority:").is_some_and(|v| v.eq_ignore_ascii_case("required"));
            let installed = field("Status:").is_some_and(|v| v.ends_with(" installed"));
            out.insert(
                package,
                DpkgPackage {
                    version: field("Version:").unwrap_or_default(),
                    maintainer: field("Maintainer:").unwrap_or_default(),
                    essential,
                    installed,
                },
            );
        }
    }
    out
}

/// The `Uid:` line of `/proc/PID/status`: real, effective, saved, filesystem.
pub fn effective_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// `/etc/passwd` lines as (uid, name).
pub fn parse_passwd(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            Some((uid, name.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_rows_decode_addresses_ports_states_and_inodes() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:006E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:9C40 0100007F:006E 01 00000000:00000000 00:00000000 00000000  1000        0 41299 1 0000000000000000 20 4 30 10 -1\ngarbage line\n";
        let rows = parse_proc_net(text, Transport::Tcp);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].local, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(rows[0].local_port, 110);
        assert_eq!(rows[0].state, "LISTEN");
        assert_eq!(rows[0].inode, 41234);
        assert_eq!(rows[1].remote_port, 110);
        assert_eq!(rows[1].uid, 1000);
    }

    #[test]
    fn proc_net_tcp6_decodes_loopback_and_v4_mapped() {
        let text = "header\n   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   0  0 777 1\n   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   0  0 778 1\n";
        let rows = parse_proc_net(text, Transport::Tcp);
        assert_eq!(rows[0].local, IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(rows[0].local_port, 8080);
        assert_eq!(
            rows[1].local,
            "::ffff:127.0.0.1".parse::<IpAddr>().expect("valid")
        );
    }

    #[test]
    fn cgroup_names_the_service_unit() {
        assert_eq!(
            unit_from_cgroup("0::/system.slice/dovecot.service\n").as_deref(),
            Some("dovecot.service")
        );
        assert_eq!(
            unit_from_cgroup(
                "0::/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service\n"
            )
            .as_deref(),
            Some("syncthing.service")
        );
        assert_eq!(
            unit_from_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n"),
            None
        );
        assert_eq!(
            unit_from_cgroup(
                "12:pids:/system.slice/exim4.service\n11:memory:/system.slice/exim4.service\n"
            )
            .as_deref(),
            Some("exim4.service")
        );
    }

    #[test]
    fn socket_units_are_read_with_their_ports() {
        let rows = parse_list_sockets("[::]:143                        dovecot.socket              dovecot.service\n/run/dbus/system_bus_socket     dbus.socket                 dbus.service\n");
        assert_eq!(
            rows[0],
            SocketUnit {
                listen: "[::]:143".into(),
                port: Some(143),
                unit: "dovecot.socket".into(),
                activates: "dovecot.service".into()
            }
        );
        assert_eq!(rows[1].port, None);
    }

    #[test]
    fn dpkg_status_gives_version_and_maintainer_of_wanted_packages() {
        let text = "Package: nginx-core\nStatus: install ok installed\nVersion: 1.22.1-9\nMaintainer: Debian Nginx Maintainers <pkg-nginx@example.org>\n\nPackage: other\nVersion: 1\n";
        let got = parse_dpkg_status(text, &["nginx-core"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got["nginx-core"].version, "1.22.1-9");
        assert_eq!(
            got["nginx-core"].maintainer,
            "Debian Nginx Maintainers <pkg-nginx@example.org>"
        );
        assert!(got["nginx-core"].installed && !got["nginx-core"].essential);
        let base = parse_dpkg_status(
            "Package: base-files\nEssential: yes\nStatus: install ok installed\n\nPackage: libc6\nPriority: required\nStatus: install ok installed\n",
            &["base-files", "libc6"],
        );
        assert!(base["base-files"].essential && base["libc6"].essential);
    }

    #[test]
    fn status_and_passwd_give_users() {
        assert_eq!(effective_uid("Name:\tbash\nUid:\t1000\t0\t0\t0\n"), Some(0));
        assert_eq!(
            parse_passwd(
                "root:x:0:0:root:/root:/bin/bash\nmail:x:8:8::/var/mail:/usr/sbin/nologin\n"
            )[1],
            (8, "mail".to_owned())
        );
    }
}
