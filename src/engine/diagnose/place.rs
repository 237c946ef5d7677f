//! Where the cause can be: is a server the text names the machine that was scanned, or
//! another? A scan of one machine is evidence about that machine's ports only.

use super::{Ctx, Unseen};
use crate::engine::kb::PortSide;
use crate::engine::reader::Symptoms;
use crate::engine::snapshot::Host;
use std::net::IpAddr;

/// Names that always mean "this computer": a mail client pointed at one of them talks to a
/// local proxy (Norton's `pop3.norton.antivirus` and `smtp.norton.antivirus` resolve to
/// 127.0.0.1 through the hosts file Norton writes).
const LOCAL_ALIASES: [&str; 3] = [
    "localhost",
    "pop3.norton.antivirus",
    "smtp.norton.antivirus",
];

/// Whether `server` (as the text spells it) is the machine `host` describes: `Some(true)` for
/// its name, one of its addresses, loopback or a local proxy alias; `Some(false)` for another
/// name or address; `None` when it cannot be told (a placeholder, or nothing known of the host).
pub fn locate_server(server: &str, host: &Host) -> Option<bool> {
    let name = normalise(server)?;
    if always_local(&name) {
        return Some(true);
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        if host.addresses.iter().any(|a| a.parse::<IpAddr>() == Ok(ip)) {
            return Some(true);
        }
        return (!host.addresses.is_empty()).then_some(false);
    }
    let here = host
        .hostname
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if here.is_empty() {
        return None;
    }
    let first = |s: &str| s.split('.').next().unwrap_or_default().to_owned();
    let same = name == here
        || (!here.contains('.') && first(&name) == here)
        || (!name.contains('.') && first(&here) == name);
    Some(same)
}

/// Whether `server` names the machine it is read on, whichever machine that is: loopback,
/// `localhost` or a local proxy alias (never worth probing: it is never the server elsewhere).
pub fn always_this_machine(server: &str) -> bool {
    normalise(server).is_some_and(|name| always_local(&name))
}

/// The name as compared: unquoted, without brackets or a final dot, lower case; `None` for
/// placeholders (`<server>`) and patterns.
fn normalise(server: &str) -> Option<String> {
    let name = server
        .trim()
        .trim_matches(|c| matches!(c, '\'' | '"' | '[' | ']'))
        .trim_end_matches('.')
        .to_ascii_lowercase();
    (!name.is_empty() && !name.contains(['<', '>', ' ', '{', '}', '*'])).then_some(name)
}

fn always_local(name: &str) -> bool {
    LOCAL_ALIASES.contains(&name)
        || name.ends_with(".localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// Sets `this_machine` on every server the text names, against the machine `host` describes.
pub fn place_servers(symptoms: &mut Symptoms, host: Option<&Host>) {
    for s in &mut symptoms.servers {
        s.this_machine = host.and_then(|h| locate_server(&s.value, h));
    }
}

impl Ctx<'_> {
    /// The server the text is about when it is another machine than the one scanned: named
    /// and placed elsewhere, and no server named is this machine.
    pub(super) fn server_elsewhere(symptoms: &Symptoms) -> Option<String> {
        if symptoms
            .servers
            .iter()
            .any(|s| s.this_machine == Some(true))
        {
            return None;
        }
        symptoms
            .servers
            .iter()
            .find(|s| s.this_machine == Some(false))
            .map(|s| s.value.clone())
    }

    /// Why the scan cannot show what holds `port`, when it cannot: the port is on another
    /// machine, or its owner is hidden from an unelevated scan.
    pub(super) fn unseen(&self, port: u16) -> Option<Unseen> {
        let snapshot = self.snapshot?;
        let named_as = |side: PortSide| {
            self.symptoms
                .ports
                .iter()
                .any(|p| p.port == port && p.side == side)
        };
        // A port the text only says failed to bind is this machine's (it logged the failure).
        // One the client also connects to is the server's, and so is the server's failure to
        // bind it: Outlook's dialog naming exch01 with Exchange's event 11508 beside it is
        // exch01's port 110, whatever this machine holds on 110.
        let local_side = named_as(PortSide::Local) && !named_as(PortSide::Remote);
        if self.elsewhere.is_some() && !local_side {
            return Some(Unseen::Elsewhere);
        }
        if !snapshot.host.elevated && snapshot.covers(port) {
            let holders = snapshot.holders(port);
            if !holders.is_empty() && holders.iter().all(|h| h.process.is_none()) {
                return Some(Unseen::Hidden);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, addresses: &[&str]) -> Host {
        Host {
            hostname: name.into(),
            addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
            ..Host::default()
        }
    }

    #[test]
    fn a_server_is_this_machine_by_name_address_loopback_or_local_alias() {
        let pc = host("pc-ann", &["127.0.0.1", "10.0.0.7", "fe80::1"]);
        assert_eq!(locate_server("exch01", &pc), Some(false));
        assert_eq!(locate_server("exch01.corp.example", &pc), Some(false));
        assert_eq!(locate_server("10.0.0.9", &pc), Some(false));
        assert_eq!(locate_server("PC-Ann", &pc), Some(true));
        assert_eq!(locate_server("pc-ann.corp.example", &pc), Some(true));
        assert_eq!(locate_server("10.0.0.7", &pc), Some(true));
        assert_eq!(locate_server("[fe80::1]", &pc), Some(true));
        assert_eq!(locate_server("127.0.0.1", &pc), Some(true));
        assert_eq!(locate_server("::1", &pc), Some(true));
        assert_eq!(locate_server("localhost", &pc), Some(true));
        assert_eq!(locate_server("pop3.norton.antivirus", &pc), Some(true));
        assert_eq!(locate_server("<server>", &pc), None);
        let fqdn = host("exch01.corp.example", &[]);
        assert_eq!(locate_server("exch01", &fqdn), Some(true));
        assert_eq!(locate_server("mail", &fqdn), Some(false));
        // An address, with nothing known of the machine's own addresses: cannot tell.
        assert_eq!(locate_server("10.0.0.9", &fqdn), None);
        assert_eq!(locate_server("exch01", &Host::default()), None);
        // Whatever the machine: loopback and local aliases only.
        assert!(always_this_machine("'127.0.0.1'") && always_this_machine("pop3.norton.antivirus"));
        assert!(!always_this_machine("exch01") && !always_this_machine("10.0.0.7"));
    }
}
