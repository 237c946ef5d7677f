//! What a read-only probe of the server showed, as evidence: the program that answered on the
//! port (tested against a rule's holder checks like a scan's holder), and facts such as a
//! refused connection or a port that speaks only TLS (a rule's `probe:` matchers).

use super::{CheckHit, Ctx, Evidence, EvidenceSource};
use crate::engine::kb::{HolderMatcher, ProbeFact};
use crate::engine::probe::{Connect, Dns, Probe, TlsMode};

impl<'a> Ctx<'a> {
    /// The probe of `port` on a server the text names that is not the scanned machine.
    pub(super) fn probe_for(&self, port: u16) -> Option<&'a Probe> {
        let elsewhere = |host: &str| {
            !self
                .symptoms
                .servers
                .iter()
                .any(|s| s.this_machine == Some(true) && s.value.eq_ignore_ascii_case(host))
        };
        self.probes
            .iter()
            .find(|p| p.port == port && elsewhere(&p.host))
    }

    /// Whether `matcher` holds for what answered in `probe`, as it would for a holder a scan
    /// found on the port.
    pub(super) fn probe_hit<'s>(
        &self,
        probe: &'s Probe,
        matcher: &HolderMatcher,
        port: u16,
    ) -> Option<CheckHit<'s>> {
        let open = probe.connect == Connect::Open;
        let identified = probe.identified.as_ref();
        let kind = identified.map(|i| i.kind.as_str());
        let holds = match matcher {
            HolderMatcher::Nobody => probe.connect == Connect::Refused,
            HolderMatcher::Any => open,
            HolderMatcher::Kind(k) => kind == Some(k.as_str()),
            HolderMatcher::NotKind(k) => open && kind.is_some_and(|kind| kind != k),
            HolderMatcher::Program(id) => identified.is_some_and(|i| &i.program_id == id),
            HolderMatcher::Forwarder => kind == Some("port_forwarder"),
            HolderMatcher::Unexpected => open && self.probe_unexpected(probe),
            HolderMatcher::Name(_) | HolderMatcher::SameAsFailing | HolderMatcher::Excluded => {
                false
            }
        };
        holds.then_some(CheckHit {
            port,
            holder: None,
            local: false,
            probe: Some(probe),
        })
    }

    /// An answer that is not the server the text expects: silence, another protocol, or a
    /// program the banner catalogue knows as neither a server for it nor an interceptor.
    fn probe_unexpected(&self, probe: &Probe) -> bool {
        if probe.greeting.is_none()
            && probe
                .tls
                .as_ref()
                .is_none_or(|t| t.mode != TlsMode::Implicit)
        {
            return true;
        }
        let named: Vec<&str> = self
            .symptoms
            .protocols
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        if !named.is_empty()
            && probe.protocol != "unknown"
            && probe.protocol != "tls"
            && !named.contains(&probe.protocol.as_str())
        {
            return true;
        }
        probe.identified.as_ref().is_some_and(|i| {
            !matches!(
                i.kind.as_str(),
                "mail_server"
                    | "web_server"
                    | "database"
                    | "directory_server"
                    | "dev_server"
                    | "av_mail_proxy"
                    | "av_web_proxy"
                    | "port_forwarder"
            )
        })
    }

    /// "exch01:110 (192.0.2.10), which answered “+OK Microsoft Exchange POP3 …”".
    pub(super) fn probe_words(probe: &Probe) -> String {
        let at = probe
            .addr
            .as_deref()
            .filter(|a| *a != probe.host)
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        let answer = match (&probe.connect, probe.greeting.as_deref()) {
            (Connect::Open, Some(g)) => {
                let first = g.lines().next().unwrap_or_default();
                let first: String = first.chars().take(120).collect();
                format!(", which answered \u{201C}{first}\u{201D}")
            }
            (Connect::Open, None) => {
                ", which accepted the connection but sent no greeting".to_owned()
            }
            (Connect::Refused, _) => ", which refused the connection".to_owned(),
            (Connect::TimedOut, _) => ", which did not answer".to_owned(),
            _ => String::new(),
        };
        format!("{}:{}{at}{answer}", probe.host, probe.port)
    }

    /// Evidence for a `probe:` matcher: the first probe of a port the text names that shows it.
    pub(super) fn probe_evidence(&self, fact: ProbeFact) -> Option<Evidence> {
        self.ports.iter().find_map(|&port| {
            let probe = self.probe_for(port)?;
            let says = probe_fact_words(probe, fact)?;
            Some(Evidence {
                source: EvidenceSource::Probe,
                says,
                span: None,
                port: Some(port),
                pid: None,
            })
        })
    }
}

/// The words for `fact` when `probe` shows it, `None` when it does not.
fn probe_fact_words(probe: &Probe, fact: ProbeFact) -> Option<String> {
    let at = format!("{}:{}", probe.host, probe.port);
    let ms = probe.ms;
    let tls = probe.tls.as_ref();
    let cert = tls.and_then(|t| t.certificate.as_ref());
    let cert_words = || {
        cert.map(|c| {
            let (names, trust) = (c.names(), c.trust_words());
            format!(
                "certificate for {names}, issued by {}{}, valid until {}, {trust}",
                c.issuer,
                if c.self_signed { " (self-signed)" } else { "" },
                c.not_after
            )
        })
        .unwrap_or_else(|| "no certificate read".to_owned())
    };
    let version = tls
        .and_then(|t| t.version.clone())
        .unwrap_or_else(|| "TLS".into());
    Some(match fact {
        ProbeFact::Refused => {
            (probe.connect == Connect::Refused).then(|| format!("The probe of {at} was refused after {ms} ms: nothing listens on that port there."))?
        }
        ProbeFact::TimedOut => (probe.connect == Connect::TimedOut)
            .then(|| format!("The probe of {at} got no answer at all within {ms} ms: something drops the connection, or the host is down."))?,
        ProbeFact::Unreachable => match &probe.connect {
            Connect::Unreachable { detail } => format!("{at} cannot be reached from here: {detail}."),
            _ => return None,
        },
        ProbeFact::DnsNotFound => match &probe.dns {
            Dns::NotFound { detail } => format!("The name {} does not exist ({detail}).", probe.host),
            _ => return None,
        },
        ProbeFact::DnsNoAnswer => match &probe.dns {
            Dns::NoAnswer { detail } => format!("The name {} gave no usable answer ({detail}).", probe.host),
            _ => return None,
        },
        ProbeFact::TlsImplicit => {
            (tls?.mode == TlsMode::Implicit).then(|| format!("{at} speaks TLS from the first byte ({version}; {}): a client with SSL off waits for a greeting that never comes.", cert_words()))?
        }
        ProbeFact::Starttls => (tls?.mode == TlsMode::Starttls)
            .then(|| format!("{at} offers STARTTLS in its plain-text dialogue ({version}; {}).", cert_words()))?,
        ProbeFact::NoTls => (tls?.mode == TlsMode::NoneOffered)
            .then(|| format!("{at} offers no TLS in its plain-text dialogue: a client with SSL on fails there."))?,
        ProbeFact::Silent => (probe.connect == Connect::Open
            && probe.greeting.is_none()
            && tls.is_none_or(|t| t.mode != TlsMode::Implicit))
        .then(|| format!("{at} accepted the connection but said nothing a client expects within the probe's time."))?,
        ProbeFact::CertUntrusted => (cert?.trusted == Some(false))
            .then(|| format!("{at}: {}.", cert_words()))?,
        ProbeFact::CertExpired => {
            (cert?.expired).then(|| format!("{at}: the certificate has expired ({}).", cert_words()))?
        }
        ProbeFact::CertNameMismatch => (!cert?.name_matches)
            .then(|| format!("{at}: the certificate is not issued for {} ({}).", probe.host, cert_words()))?,
    })
}
