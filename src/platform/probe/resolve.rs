//! Host name to addresses, within the probe's budget, keeping the resolver's reasons apart.
//!
//! "No such name" (NXDOMAIN) and "no answer" (a resolver that is down or slow, a name without
//! address records) are different diagnoses, so the getaddrinfo code is kept rather than the
//! message text (which is translated on some systems). getaddrinfo cannot be cancelled: it runs
//! on a thread of its own, and the probe stops waiting for it at the deadline; the thread ends
//! by itself when the resolver gives up.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::engine::probe::Dns;

/// The resolver's answer for one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Addresses(Vec<IpAddr>),
    Failed(Dns),
}

/// Resolves `host` (not an address literal, not overridden), waiting at most until `deadline`.
pub(crate) fn resolve(host: &str, deadline: Instant) -> Lookup {
    if is_invalid_name(host) {
        // RFC 6761 §6.4: resolver libraries should answer "no such name" for .invalid at once;
        // not all do, and asking would send the query to the network for nothing.
        return Lookup::Failed(Dns::NotFound {
            detail: format!("{host} is under .invalid, which never resolves (RFC 6761)"),
        });
    }
    let name = host.to_string();
    let job = crate::jobs::Job::<Lookup>::spawn("resolve", &crate::jobs::no_wake(), move |_| {
        getaddrinfo(&name)
    });
    let mut job = match job {
        Ok(job) => job,
        Err(e) => {
            return Lookup::Failed(Dns::Error {
                detail: format!("could not start the name lookup: {e}"),
            })
        }
    };
    let wait = deadline.saturating_duration_since(Instant::now());
    match job.wait_timeout(wait) {
        crate::jobs::Poll::Ready(lookup) => lookup,
        crate::jobs::Poll::Pending | crate::jobs::Poll::Lost => Lookup::Failed(Dns::NoAnswer {
            detail: format!(
                "the resolver gave no answer for {host} within {}",
                seconds(wait)
            ),
        }),
    }
}

/// True for `invalid` and any name under it.
pub(crate) fn is_invalid_name(host: &str) -> bool {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    name == "invalid" || name.ends_with(".invalid")
}

fn getaddrinfo(host: &str) -> Lookup {
    let hints = dns_lookup::AddrInfoHints {
        socktype: dns_lookup::SockType::Stream.into(),
        ..dns_lookup::AddrInfoHints::default()
    };
    match dns_lookup::getaddrinfo(Some(host), None, Some(hints)) {
        Ok(found) => {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for info in found.flatten() {
                let ip = info.sockaddr.ip();
                if !addresses.contains(&ip) {
                    addresses.push(ip);
                }
            }
            if addresses.is_empty() {
                Lookup::Failed(Dns::NoAnswer {
                    detail: format!("the resolver returned no addresses for {host}"),
                })
            } else {
                Lookup::Addresses(addresses)
            }
        }
        Err(e) => {
            let code = e.error_num();
            let text = std::io::Error::from(e).to_string();
            Lookup::Failed(classify(code, &text, host))
        }
    }
}

/// What a getaddrinfo error code means for the diagnosis. Split out so that each platform's
/// codes are tested, whatever platform the tests run on.
pub(crate) fn classify(code: i32, text: &str, host: &str) -> Dns {
    match error_class(code) {
        ErrorClass::NoSuchName => Dns::NotFound {
            detail: format!("{host}: no such name ({text})"),
        },
        ErrorClass::NoData => Dns::NoAnswer {
            detail: format!("{host} exists but has no address records ({text})"),
        },
        ErrorClass::TryAgain => Dns::NoAnswer {
            detail: format!("the resolver could not answer for {host} ({text})"),
        },
        ErrorClass::Other => Dns::Error {
            detail: format!("{host}: {text} (code {code})"),
        },
    }
}

#[derive(Debug, PartialEq, Eq)]
enum ErrorClass {
    NoSuchName,
    NoData,
    TryAgain,
    Other,
}

#[cfg(windows)]
fn error_class(code: i32) -> ErrorClass {
    windows_error_class(code)
}

#[cfg(not(windows))]
fn error_class(code: i32) -> ErrorClass {
    // Spelled through dns-lookup's kinds, which map each libc's EAI_* values (they differ
    // between glibc, musl, macOS and the BSDs).
    match dns_lookup::LookupErrorKind::new(code) {
        dns_lookup::LookupErrorKind::NoName => ErrorClass::NoSuchName,
        dns_lookup::LookupErrorKind::NoData => ErrorClass::NoData,
        dns_lookup::LookupErrorKind::Again => ErrorClass::TryAgain,
        _ => ErrorClass::Other,
    }
}

/// Winsock's getaddrinfo returns WSA codes: WSAHOST_NOT_FOUND 11001, WSATRY_AGAIN 11002,
/// WSANO_RECOVERY 11003, WSANO_DATA 11004.
#[cfg_attr(not(windows), allow(dead_code))]
fn windows_error_class(code: i32) -> ErrorClass {
    match code {
        11001 => ErrorClass::NoSuchName,
        11004 => ErrorClass::NoData,
        11002 => ErrorClass::TryAgain,
        _ => ErrorClass::Other,
    }
}

/// "2 s", "0.5 s": how long a wait was, for notes.
pub(crate) fn seconds(d: Duration) -> String {
    // Rounded to a tenth: a wait computed from a deadline is a hair short of what was meant.
    let tenths = (d.as_millis() + 50) / 100;
    if tenths % 10 == 0 {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_codes_keep_no_such_name_apart_from_no_data() {
        assert_eq!(windows_error_class(11001), ErrorClass::NoSuchName);
        assert_eq!(windows_error_class(11004), ErrorClass::NoData);
        assert_eq!(windows_error_class(11002), ErrorClass::TryAgain);
        assert_eq!(windows_error_class(10060), ErrorClass::Other);
    }

    /// The platform's EAI value for a kind, read back through dns-lookup (which knows each C
    /// library's values), so this test needs no `libc` of its own.
    #[cfg(unix)]
    fn eai(kind: dns_lookup::LookupErrorKind) -> i32 {
        (-20..=20)
            .find(|c| {
                *c != 0
                    && std::mem::discriminant(&dns_lookup::LookupErrorKind::new(*c))
                        == std::mem::discriminant(&kind)
            })
            .expect("EAI code")
    }

    #[cfg(unix)]
    #[test]
    fn unix_eai_codes_are_classified() {
        use dns_lookup::LookupErrorKind as K;
        let answer = |kind| classify(eai(kind), "text", "exch01");
        assert!(matches!(answer(K::NoName), Dns::NotFound { .. }));
        assert!(matches!(answer(K::Again), Dns::NoAnswer { .. }));
        assert!(matches!(answer(K::Fail), Dns::Error { .. }));
        #[cfg(target_os = "linux")]
        assert!(matches!(answer(K::NoData), Dns::NoAnswer { .. }));
    }

    #[test]
    fn invalid_names_never_reach_the_resolver() {
        assert!(is_invalid_name("exch01.invalid"));
        assert!(is_invalid_name("EXCH01.INVALID."));
        assert!(is_invalid_name("invalid"));
        assert!(!is_invalid_name("invalid.example"));
        let started = Instant::now();
        let answer = resolve("portsleuth.invalid", started + Duration::from_secs(1));
        assert!(matches!(answer, Lookup::Failed(Dns::NotFound { .. })));
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
        assert_eq!(seconds(Duration::from_micros(999_990)), "1 s");
        assert_eq!(seconds(Duration::from_millis(2449)), "2.4 s");
    }
}
