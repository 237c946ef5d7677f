//! The banner catalogue against greetings as the sources show them (instantiated: a host name
//! or version where the source has a wildcard), in the form the probe keeps them.

use portsleuth::platform::probe::{builtin_banners, identify};

/// (protocol, greeting as the probe keeps it, the program it must name)
const SAMPLES: &[(&str, &str, &str)] = &[
    // Antivirus and security proxies
    ("pop3", "+OK avast! POP3 proxy ready.", "avast-mail-shield"),
    ("pop3", "-ERR Cannot connect to POP server pop.example.net (203.0.113.5:110), connect error 10060", "avast-mail-shield"),
    ("imap", "* OK avast! IMAP Proxy", "avast-mail-shield"),
    ("imap", "* BYE concurrent connection limit in avast! exceeded(pass:0, processes:thunderbird.exe[2]", "avast-mail-shield"),
    ("smtp", "220 mail.example.net avast! SMTP proxy ready.", "avast-mail-shield"),
    ("smtp", "421 concurrent connection limit in avast! exceeded(pass:0, processes:outlook.exe[3])", "avast-mail-shield"),
    ("pop3", "+OK AVG POP3 Proxy Server 8.5.392/9.0.0 [270.14.3/2479]", "avg-email-scanner"),
    ("pop3", "-ERR AVG POP3 Proxy Server: Cannot connect to the mail server!", "avg-email-scanner"),
    ("imap", "* BYE concurrent connection limit in AVG exceeded(pass:0, processes:thunderbird.exe[1])", "avg-email-scanner"),
    ("smtp", "220 AVG ESMTP Proxy Server 8.5.392/9.0.0 [270.14.3/2479]", "avg-email-scanner"),
    ("pop3", "+OK TrendMicro IMSS POP3 Proxy at imss.example.net", "trendmicro-imss"),
    ("pop3", "+OK InterScan VirusWall POP3 Proxy", "trendmicro-interscan-viruswall"),
    ("smtp", "220 gw.example.net InterScan VirusWall NT ESMTP 3.52 (build 01/23/2002) ready at Mon, 05 Aug 2002 10:00:00 +0200", "trendmicro-interscan-viruswall"),
    ("smtp", "220 gw.example.net Trend Micro InterScan Messaging Security Suite, Version: 7.0 ready", "trendmicro-imss"),
    ("smtp", "220-InterScan Version 3.32 Ready\n220 mx.example.net ESMTP Postfix", "trendmicro-interscan"),
    ("smtp", "220 gw.example.net SMTP NAVGW 2.5; Mon, 05 Aug 2002 10:00:00 +0200", "symantec-navgw"),
    ("smtp", "220 gw.example.net ESMTP BitDefender Proxy version 3.0", "bitdefender-mail-proxy"),
    ("smtp", "220 gw.example.net AntiVir MailGate", "avira-mailgate"),
    ("pop3", "+OK F-Secure/fsigk_pop/2011/gw.example.net starting.", "f-secure-gatekeeper"),
    ("smtp", "220 gw.example.net WebShield SMTP V4.5 MR1a Network Associates, Inc. Ready at Mon Aug 5 10:00:00 2002", "mcafee-webshield"),
    ("smtp", "220 gw.example.net ESMTP Service ready", "eset-ekrn"),
    // Microsoft Exchange
    ("pop3", "+OK The Microsoft Exchange POP3 service is ready.", "exchange-pop3"),
    ("pop3", "+OK The Microsoft Exchange POP3 service is ready. [TQBOADIAUABSADAAMQBDAEEAMAAwADEANQAuAG4AYQBtAHAAcgBkADAAMQAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]", "exchange-pop3"),
    ("pop3", "+OK Microsoft Exchange Server 2007 POP3 service ready", "exchange-pop3"),
    ("pop3", "+OK Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (exch01.corp.example) ready.", "iis-inetinfo"),
    ("pop3", "+OK Microsoft Exchange 2000 POP3 server version 6.0.6249.0 (exch01.corp.example) ready.", "iis-inetinfo"),
    ("pop3", "+OK Microsoft Exchange POP3 server version 5.5.2653.23 ready", "exchange-store"),
    ("pop3", "+OK Microsoft Exchange POP3 server version 6.0.4417.0 ready", "iis-inetinfo"),
    ("imap", "* OK The Microsoft Exchange IMAP4 service is ready.", "exchange-imap4"),
    ("imap", "* OK Microsoft Exchange Server 2007 IMAP4 service ready", "exchange-imap4"),
    ("imap", "* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (exch01.corp.example) ready.", "iis-inetinfo"),
    ("imap", "* OK Microsoft Exchange 2000 IMAP4rev1 server version 6.0.6249.0 (exch01.corp.example) ready.", "iis-inetinfo"),
    ("imap", "* OK Microsoft Exchange IMAP4rev1 server version 5.5.2653.23 (exch01) ready", "exchange-store"),
    ("smtp", "220 EXCH01.corp.example Microsoft ESMTP MAIL Service ready at Mon, 5 Aug 2002 10:00:00 +0200", "exchange-transport"),
    ("smtp", "220 EXCH01.corp.example Microsoft ESMTP MAIL Service Version: 14.3.123.4", "exchange-transport"),
    ("smtp", "220 exch01.corp.example Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at  Mon, 5 Aug 2002 10:00:00 +0200", "iis-inetinfo"),
    ("smtp", "220 exch01.corp.example ESMTP Server (Microsoft Exchange Internet Mail Service 5.5.2653.13) ready", "exchange-ims"),
    ("smtp", "220 exch01.corp.example Microsoft Exchange Internet Mail Service 5.0.1460.8 ready", "exchange-ims"),
    // Other mail servers
    ("pop3", "+OK Dovecot ready.", "dovecot"),
    ("pop3", "+OK Dovecot (Ubuntu) ready.", "dovecot"),
    ("imap", "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Ubuntu) ready.", "dovecot"),
    ("imap", "* OK Dovecot ready.", "dovecot"),
    ("pop3", "+OK Hello there.", "courier"),
    ("imap", "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE] Courier-IMAP ready. Copyright 1998-2011 Double Precision, Inc.  See COPYING for distribution information.", "courier"),
    ("pop3", "+OK mail.example.net Cyrus POP3 v2.4.17 server ready", "cyrus-imapd"),
    ("imap", "* OK mail.example.net Cyrus IMAP v2.4.17 server ready", "cyrus-imapd"),
    ("pop3", "+OK (POP3) hMailServer 5.6.8-B2574", "hmailserver"),
    ("imap", "* OK IMAPrev1 Service Ready - hMailServer 5.6.8-B2574", "hmailserver"),
    ("smtp", "220 mail.example.net ESMTP hMailServer 5.6.8", "hmailserver"),
    ("pop3", "+OK mail.example.net POP MDaemon 9.6.5 ready <MDAEMON-F200808051000.AA0000000@mail.example.net>", "mdaemon"),
    ("imap", "* OK mail.example.net IMAP4rev1 MDaemon 9.6.5 ready", "mdaemon"),
    ("smtp", "220 mail.example.net ESMTP MDaemon 9.6.5; Mon, 05 Aug 2002 10:00:00 +0200", "mdaemon"),
    ("pop3", "+OK mail.example.net Zimbra POP3 server ready", "zimbra"),
    ("imap", "* OK mail.example.net Zimbra IMAP4rev1 service ready", "zimbra"),
    ("smtp", "220 mx.example.net ESMTP Postfix (Debian/GNU)", "postfix-master"),
    ("smtp", "220 mx.example.net ESMTP Exim 4.96 Mon, 05 Aug 2002 10:00:00 +0200", "exim"),
    ("smtp", "220 mx.example.net ESMTP Sendmail 8.17.1/8.17.1; Mon, 5 Aug 2002 10:00:00 +0200", "sendmail"),
    // Web servers
    ("http", "HTTP/1.1 404 Not Found\nServer: Microsoft-HTTPAPI/2.0", "windows-http-sys"),
    ("http", "HTTP/1.1 200 OK\nServer: Microsoft-IIS/5.0", "iis-inetinfo"),
    ("http", "HTTP/1.1 200 OK\nServer: Microsoft-IIS/10.0", "iis-w3wp"),
    ("http", "HTTP/1.1 301 Moved Permanently\nServer: nginx/1.24.0 (Ubuntu)", "nginx"),
    ("http", "HTTP/1.1 200 OK\nServer: nginx", "nginx"),
    ("http", "HTTP/1.1 200 OK\nServer: Apache/2.4.57 (Debian)", "apache-httpd"),
    ("http", "HTTP/1.1 200 OK\nServer: Apache", "apache-httpd"),
    ("http", "HTTP/1.1 200 OK\nServer: lighttpd/1.4.69", "lighttpd"),
    ("http", "HTTP/1.1 308 Permanent Redirect\nServer: Caddy", "caddy"),
    // TLS interception, by certificate issuer
    ("tls_issuer", "OU=generated by Avast Antivirus for SSL/TLS scanning, O=Avast Web/Mail Shield, CN=Avast Web/Mail Shield Root", "avast-mail-shield"),
    ("tls_issuer", "O=AO Kaspersky Lab, CN=Kaspersky Web Anti-Virus Certification Authority", "kaspersky-avp"),
];

/// Greetings that must name nothing: other servers' words, or a look-alike.
const STRANGERS: &[(&str, &str)] = &[
    (
        "pop3",
        "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
    ),
    ("smtp", "220 mx.example.net ESMTP ready"),
    ("http", "HTTP/1.1 200 OK\nServer: Apache-Coyote/1.1"),
    ("http", "HTTP/1.1 200 OK\nServer: Apache Tomcat/9.0"),
    ("imap", "* OK IMAP4rev1 Server ready"),
];

#[test]
fn every_sample_names_its_program() {
    let catalogue = builtin_banners();
    for (protocol, greeting, expected) in SAMPLES {
        let found = identify(&catalogue, protocol, greeting);
        assert_eq!(
            found.as_ref().map(|f| f.program_id.as_str()),
            Some(*expected),
            "{protocol}: {greeting}"
        );
    }
}

#[test]
fn look_alikes_name_nothing() {
    let catalogue = builtin_banners();
    for (protocol, greeting) in STRANGERS {
        let found = identify(&catalogue, protocol, greeting);
        assert!(found.is_none(), "{protocol}: {greeting} named {found:?}");
    }
}

#[test]
fn every_catalogue_entry_is_exercised_by_a_sample() {
    for entry in builtin_banners() {
        assert!(
            SAMPLES
                .iter()
                .any(|(p, g, _)| *p == entry.protocol && entry.pattern.is_match(g)),
            "no sample for {} ({}): {}",
            entry.program_id,
            entry.protocol,
            entry.pattern
        );
    }
}

/// Banner ids with no `[[program]]` in PortSleuth's assets/programs.toml (yet): gateways and
/// servers the scan's catalogue does not list. Every other id must be one it lists.
const NOT_IN_PROGRAMS: &[&str] = &[
    "trendmicro-imss",
    "trendmicro-interscan",
    "trendmicro-interscan-viruswall",
    "symantec-navgw",
    "bitdefender-mail-proxy",
    "avira-mailgate",
    "f-secure-gatekeeper",
    "mcafee-webshield",
    "exchange-ims",
    "cyrus-imapd",
    "mdaemon",
    "zimbra",
];

#[test]
fn program_ids_are_those_of_the_program_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/programs.toml");
    let text = std::fs::read_to_string(path).expect("assets/programs.toml");
    let programs: toml::Value = toml::from_str(&text).expect("programs.toml parses");
    let ids: Vec<&str> = programs["program"]
        .as_array()
        .expect("[[program]] entries")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    for banner in builtin_banners() {
        let id = banner.program_id.as_str();
        if NOT_IN_PROGRAMS.contains(&id) {
            assert!(
                !ids.contains(&id),
                "{id} is in programs.toml now: drop it from NOT_IN_PROGRAMS"
            );
        } else {
            assert!(ids.contains(&id), "{id} is not an id in {path}");
        }
    }
}
