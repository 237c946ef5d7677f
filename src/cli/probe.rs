//! `portsleuth probe HOST:PORT`: what answers on a server's port, seen from here, read-only.

use super::{ProbeArgs, ScanFormat};
use crate::platform::probe::ProbeRequest;
use crate::session::files::{check_writable, emit, Destination};
use crate::session::{probing, Exit, SessionError};

pub fn run(args: ProbeArgs) -> Result<Exit, SessionError> {
    let (host, port) = split_target(&args.target).map_err(SessionError::Usage)?;
    let to = Destination::from_arg(args.output.as_deref());
    if let Some(path) = to.path() {
        check_writable(path, args.force)?;
    }
    let settings = args.probing.settings();
    let mut req = ProbeRequest::new(host, port)
        .with_protocol(args.protocol)
        .with_timeout(settings.timeout);
    req.resolve = settings.resolve;
    let found = probing::run(std::slice::from_ref(&req), |_| {});
    let out = match args.format {
        ScanFormat::Json => {
            serde_json::to_string_pretty(&found)
                .map_err(|e| SessionError::Internal(e.to_string()))?
                + "\n"
        }
        ScanFormat::Text => {
            let mut text = String::new();
            for p in &found {
                for (i, line) in crate::report::probes::describe(p).iter().enumerate() {
                    text.push_str(if i == 0 { "" } else { "  " });
                    text.push_str(line);
                    text.push('\n');
                }
            }
            text
        }
    };
    emit(&to, &out)?;
    Ok(Exit::Ok)
}

/// `exch01:110`, `192.0.2.1:995`, `[2001:db8::1]:143` → host and port.
fn split_target(target: &str) -> Result<(String, u16), String> {
    let bad =
        || format!("{target:?} is not HOST:PORT (for example exch01:110 or [2001:db8::1]:143)");
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, port) = rest.split_once("]:").ok_or_else(bad)?;
        (host, port)
    } else {
        target.rsplit_once(':').ok_or_else(bad)?
    };
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || host.contains(char::is_whitespace) || port == 0 {
        return Err(bad());
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::split_target;

    #[test]
    fn targets_are_host_and_port() {
        assert_eq!(split_target("exch01:110"), Ok(("exch01".into(), 110)));
        assert_eq!(split_target("[::1]:143"), Ok(("::1".into(), 143)));
        assert!(split_target("exch01").is_err());
        assert!(split_target("exch01:0").is_err());
        assert!(split_target(":110").is_err());
        assert!(split_target("a b:1").is_err());
    }
}
