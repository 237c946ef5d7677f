//! TLS for the probe: complete the handshake whatever the certificate, then ask the platform
//! what it thinks of the certificate, and say why it does not trust it.
//!
//! The handshake's own verifier only *records* the chain (signatures over the handshake are
//! still checked, so the session is real). The platform's verdict is asked for afterwards, on a
//! thread of its own, because on Windows it may fetch revocation lists for seconds; the probe
//! stops waiting at its deadline and then says it could not tell. No data is ever sent over a
//! session this module opened except the protocol's own QUIT/LOGOUT.

use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::resolve::seconds;
use crate::engine::probe::CertificateFacts;

/// The certificates the server presented, as the handshake saw them.
#[derive(Clone, Debug)]
pub(crate) struct PresentedChain {
    end_entity: CertificateDer<'static>,
    intermediates: Vec<CertificateDer<'static>>,
    ocsp_response: Vec<u8>,
    now: UnixTime,
}

/// A verifier that accepts any chain and keeps it for the platform's verdict later.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    presented: Mutex<Option<PresentedChain>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = PresentedChain {
            end_entity: end_entity.clone().into_owned(),
            intermediates: intermediates
                .iter()
                .map(|c| c.clone().into_owned())
                .collect(),
            ocsp_response: ocsp_response.to_vec(),
            now,
        };
        if let Ok(mut slot) = self.presented.lock() {
            *slot = Some(chain);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The platform's verifier, made when the first certificate needs it (on Linux that reads the
/// system's CA bundle), then kept for the probe.
pub(crate) struct Trust {
    extra_roots: Vec<Vec<u8>>,
    verifier: OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, String>>,
}

impl Trust {
    pub(crate) fn new(extra_roots: &[Vec<u8>]) -> Self {
        Trust {
            extra_roots: extra_roots.to_vec(),
            verifier: OnceLock::new(),
        }
    }

    fn verifier(&self) -> Result<Arc<rustls_platform_verifier::Verifier>, String> {
        self.verifier
            .get_or_init(|| {
                let made = if self.extra_roots.is_empty() {
                    rustls_platform_verifier::Verifier::new(provider())
                } else {
                    let roots = self
                        .extra_roots
                        .iter()
                        .map(|der| CertificateDer::from(der.clone()));
                    rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider())
                };
                made.map(Arc::new).map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// One handshake's configuration and the slot its chain lands in.
pub(crate) struct Handshake {
    pub(crate) config: Arc<rustls::ClientConfig>,
    recorder: Arc<Recorder>,
}

impl Handshake {
    pub(crate) fn new() -> Result<Self, String> {
        let provider = provider();
        let recorder = Arc::new(Recorder {
            provider: provider.clone(),
            presented: Mutex::new(None),
        });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        Ok(Handshake {
            config: Arc::new(config),
            recorder,
        })
    }

    /// The chain the server presented, once the handshake got that far.
    pub(crate) fn presented(&self) -> Option<PresentedChain> {
        self.recorder.presented.lock().ok().and_then(|c| c.clone())
    }
}

/// The name TLS checks the certificate against: the host asked for (also under `--resolve`),
/// or the address when the host is not a valid DNS name.
pub(crate) fn server_name(host: &str, addr: IpAddr) -> ServerName<'static> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ServerName::IpAddress(ip.into());
    }
    ServerName::try_from(host.to_string()).unwrap_or(ServerName::IpAddress(addr.into()))
}

/// The platform's verdict, on its way.
pub(crate) struct PendingVerdict {
    answer: crate::jobs::Job<Result<(), rustls::Error>>,
}

/// Starts asking the platform about `chain` for `name`.
pub(crate) fn ask_platform(
    trust: &Trust,
    chain: &PresentedChain,
    name: &ServerName<'static>,
) -> Result<PendingVerdict, String> {
    let verifier = trust.verifier()?;
    let chain = chain.clone();
    let name = name.clone();
    let answer = crate::jobs::Job::spawn("verify", &crate::jobs::no_wake(), move |_| {
        verifier
            .verify_server_cert(
                &chain.end_entity,
                &chain.intermediates,
                &name,
                &chain.ocsp_response,
                chain.now,
            )
            .map(|_| ())
    })
    .map_err(|e| format!("could not start the certificate check: {e}"))?;
    Ok(PendingVerdict { answer })
}

/// What the platform said, waiting at most until `deadline`: `(trusted, why not)`.
pub(crate) fn verdict(
    pending: Result<PendingVerdict, String>,
    deadline: Instant,
    host: &str,
) -> (Option<bool>, Option<String>) {
    let started = Instant::now();
    let pending = match pending {
        Ok(pending) => pending,
        Err(e) => {
            return (
                None,
                Some(format!("the platform's verifier is unavailable: {e}")),
            )
        }
    };
    let mut pending = pending;
    match pending
        .answer
        .wait_timeout(deadline.saturating_duration_since(started))
    {
        crate::jobs::Poll::Ready(Ok(())) => (Some(true), None),
        crate::jobs::Poll::Ready(Err(e)) => (Some(false), Some(explain_rejection(&e, host))),
        crate::jobs::Poll::Pending | crate::jobs::Poll::Lost => (
            None,
            Some(format!(
                "the platform gave no verdict within {} (it may be fetching revocation lists)",
                seconds(deadline.saturating_duration_since(started))
            )),
        ),
    }
}

/// The verifier's rejection in a technician's words, followed by its own text.
pub(crate) fn explain_rejection(e: &rustls::Error, host: &str) -> String {
    #[allow(deprecated)]
    let plain = match e {
        rustls::Error::InvalidCertificate(why) => match why {
            CertificateError::UnknownIssuer => "issued by an authority this computer does not trust (a self-signed certificate, a private CA, or a missing intermediate certificate)".to_string(),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the certificate has expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the certificate is not valid yet (or this computer's clock is wrong)".to_string()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the certificate is not issued for {host}")
            }
            CertificateError::Revoked => "the certificate has been revoked".to_string(),
            CertificateError::UnknownRevocationStatus => {
                "the certificate's revocation status could not be checked".to_string()
            }
            CertificateError::BadSignature => "the certificate's signature does not verify".to_string(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the certificate is not meant for a TLS server".to_string()
            }
            _ => "the certificate was rejected".to_string(),
        },
        rustls::Error::General(text) if text.contains("No CA certificates") => {
            "this computer's list of trusted authorities could not be read".to_string()
        }
        _ => "the platform rejected the certificate".to_string(),
    };
    format!("{plain} ({e})")
}

/// Reads the leaf certificate. `trusted` and `trust_error` are filled in by the caller.
pub(crate) fn certificate_facts(
    chain: &PresentedChain,
    name: &ServerName<'static>,
) -> Result<CertificateFacts, String> {
    let (_, cert) = X509Certificate::from_der(chain.end_entity.as_ref())
        .map_err(|e| format!("the server's certificate could not be read: {e}"))?;
    let subject_cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let mut dns_names = Vec::new();
    let mut ip_addresses = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for general in &san.value.general_names {
            match general {
                GeneralName::DNSName(dns) => dns_names.push((*dns).to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        ip_addresses.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let validity = cert.validity();
    let now = time::OffsetDateTime::now_utc();
    let expired = validity.not_after.to_datetime() < now;
    let self_signed =
        cert.subject().as_raw() == cert.issuer().as_raw() && cert.verify_signature(None).is_ok();
    let name_matches = rustls::server::ParsedCertificate::try_from(&chain.end_entity)
        .map(|parsed| rustls::client::verify_server_name(&parsed, name).is_ok())
        .unwrap_or(false);
    Ok(CertificateFacts {
        subject_cn,
        dns_names,
        ip_addresses,
        issuer: cert.issuer().to_string(),
        not_before: rfc3339(validity.not_before.to_datetime()),
        not_after: rfc3339(validity.not_after.to_datetime()),
        expired,
        trusted: None,
        trust_error: None,
        name_matches,
        self_signed,
        chain_length: 1 + chain.intermediates.len(),
        issuer_identified: None,
    })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Why a handshake failed, in plain words.
pub(crate) fn explain_handshake_failure(error: &io::Error, answer: &[u8], waited: &str) -> String {
    if error.kind() == io::ErrorKind::TimedOut {
        return format!("no answer to the TLS hello within {waited}");
    }
    if super::wire::is_closed(error) {
        return if answer.is_empty() {
            "the server closed the connection when the TLS hello arrived".to_string()
        } else {
            "the server answered the TLS hello, then closed the connection".to_string()
        };
    }
    let inner = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)) => {
            "the server refused TLS 1.2 and 1.3: it may speak only SSL 3.0, TLS 1.0 or 1.1, which PortSleuth does not".to_string()
        }
        Some(rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure)) => {
            "the server found no cipher suite in common (it may offer only old ones)".to_string()
        }
        Some(rustls::Error::AlertReceived(alert)) => {
            format!("the server ended the TLS handshake with the alert {alert:?}")
        }
        Some(rustls::Error::InvalidMessage(_)) | Some(rustls::Error::InappropriateMessage { .. })
            if !super::wire::looks_like_tls(answer) =>
        {
            "the answer to the TLS hello is not TLS".to_string()
        }
        Some(rustls::Error::PeerIncompatible(why)) => {
            format!("the server's TLS is incompatible with PortSleuth's ({why:?})")
        }
        Some(other) => format!("the TLS handshake failed: {other}"),
        None => format!("the TLS handshake failed: {error}"),
    }
}
