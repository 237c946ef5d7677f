//! The diagnosis tells apart causes that look the same, by what the scan shows. The machine is
//! a fixed snapshot here because these tests are about the reasoning; `tests/scan.rs` does the
//! same with real processes on real ports.

use portsleuth::engine::diagnose::{diagnose, Diagnosis, EvidenceSource};
use portsleuth::engine::kb::{ActionKind, KnowledgeBase};
use portsleuth::engine::model::{Category, Condition};
use portsleuth::engine::reader::Reader;
use portsleuth::engine::snapshot::{
    Process, Service, ServiceManager, Snapshot, Socket, Transport, VersionInfo,
};

const DIALOG: &str = "There was a problem logging onto your mail server. Your Password was rejected. Account: 'ann on MAIL', Server: 'mail', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port 110, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92";

/// A machine where `exe_name` (PID `pid`), run by `service` if given, listens on `port`.
fn machine(port: u16, pid: u32, exe_name: &str, service: Option<&str>) -> Snapshot {
    let mut snap = Snapshot {
        schema: "portsleuth.snapshot/1".into(),
        ..Snapshot::default()
    };
    snap.sockets.push(Socket {
        transport: Transport::Tcp,
        local_addr: "0.0.0.0".into(),
        local_port: port,
        remote_addr: None,
        remote_port: None,
        state: "LISTEN".into(),
        pids: vec![pid],
        dual_stack: false,
    });
    snap.processes.push(Process {
        pid,
        name: exe_name.into(),
        exe_name: exe_name.into(),
        exe: Some(format!("C:\\Program Files\\Vendor\\{exe_name}")),
        start_time: 1_700_000_000,
        services: service.map(|s| vec![s.to_owned()]).unwrap_or_default(),
        ..Process::default()
    });
    if let Some(id) = service {
        snap.services.push(Service {
            id: id.into(),
            display_name: format!("{id} display name"),
            manager: ServiceManager::Scm,
            state: "running".into(),
            start_type: "auto".into(),
            pid: Some(pid),
            socket_unit: None,
        });
    }
    snap
}

fn run(text: &str, snapshot: Option<&Snapshot>) -> Diagnosis {
    let kb = KnowledgeBase::builtin();
    let symptoms = Reader::new(kb.clone()).read(text);
    diagnose(&kb, text, &symptoms, snapshot)
}

/// Diagnoses `text` without a scan and asserts the category that ranks first.
fn assert_first(text: &str, want: Category) -> Diagnosis {
    let d = run(text, None);
    assert_eq!(d.findings[0].category, want, "{text:?}: {:#?}", d.findings);
    d
}

/// Diagnoses `text` without a scan and asserts the category and the rule that rank first.
fn assert_rule_first(text: &str, want: Category, rule: &str) {
    let d = assert_first(text, want);
    assert_eq!(d.findings[0].rule_id, rule, "{text:?}: {:#?}", d.findings);
}

#[test]
fn without_a_scan_the_password_dialog_is_a_bad_password_first_and_says_what_a_scan_would_check() {
    let d = run(DIALOG, None);
    assert_eq!(
        d.findings[0].category,
        Category::BadCredentials,
        "{:#?}",
        d.findings
    );
    let av = d
        .findings
        .iter()
        .find(|f| f.category == Category::AvMailProxy)
        .expect("the AV proxy stays a candidate");
    assert!(av.confidence < d.findings[0].confidence);
    assert!(
        av.unverified.iter().any(|u| u.contains("port 110")),
        "{:#?}",
        av.unverified
    );
    assert!(d.ruled_out.is_empty());
}

#[test]
fn the_real_mail_server_on_110_makes_it_a_bad_password_and_rules_out_the_proxy() {
    let snap = machine(110, 2044, "dovecot", None);
    let d = run(DIALOG, Some(&snap));
    let top = &d.findings[0];
    assert_eq!(top.category, Category::BadCredentials, "{:#?}", d.findings);
    assert!(top.confidence >= 0.8, "confirmed: {}", top.confidence);
    assert!(top
        .evidence
        .iter()
        .any(|e| e.source == EvidenceSource::Scan && e.pid == Some(2044)));
    assert!(
        d.ruled_out
            .iter()
            .any(|r| r.category == Category::AvMailProxy && r.pid == Some(2044)),
        "{:#?}",
        d.ruled_out
    );
}

#[test]
fn an_av_proxy_on_110_makes_it_a_stolen_port_with_the_service_stopped_before_the_process() {
    let mut snap = machine(110, 1234, "PoProxy.exe", Some("NAVAPSVC"));
    snap.processes[0].version_info = Some(VersionInfo {
        product_name: "Norton AntiVirus".into(),
        company: "Symantec Corporation".into(),
        version: "7.0".into(),
    });
    let d = run(DIALOG, Some(&snap));
    let top = &d.findings[0];
    assert_eq!(top.category, Category::AvMailProxy, "{:#?}", d.findings);
    assert!(top.confidence >= 0.9, "{}", top.confidence);
    assert!(
        top.evidence
            .iter()
            .any(|e| e.says.contains("version resource")),
        "{:#?}",
        top.evidence
    );
    assert!(
        d.ruled_out
            .iter()
            .any(|r| r.category == Category::BadCredentials),
        "{:#?}",
        d.ruled_out
    );
    let kinds: Vec<ActionKind> = top.actions.iter().map(|a| a.kind).collect();
    let stop_service = kinds
        .iter()
        .position(|k| *k == ActionKind::StopService)
        .expect("stop the service is offered");
    if let Some(stop_process) = kinds.iter().position(|k| *k == ActionKind::StopProcess) {
        assert!(stop_service < stop_process, "service first: {kinds:?}");
        assert!(
            top.actions[stop_process].caution.is_some(),
            "stopping a service's process says the service would restart it"
        );
    }
    let action = &top.actions[stop_service];
    assert_eq!(action.target.pid, Some(1234));
    assert_eq!(action.target.start_time, Some(1_700_000_000));
    assert_eq!(action.target.service.as_deref(), Some("NAVAPSVC"));
}

#[test]
fn nobody_holding_the_port_is_evidence_too() {
    let snap = machine(8080, 99, "java", None);
    let d = run(
        "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
        Some(&snap),
    );
    assert!(
        d.port_holders
            .iter()
            .any(|h| h.port == 80 && h.summary == "nobody"),
        "{:#?}",
        d.port_holders
    );
    let conflict = d
        .findings
        .iter()
        .find(|f| f.category == Category::PortConflict)
        .expect("still a conflict candidate");
    assert!(
        conflict
            .evidence
            .iter()
            .any(|e| e.source == EvidenceSource::Absence && e.port == Some(80)),
        "{:#?}",
        conflict.evidence
    );
}

#[test]
fn the_system_process_holding_port_80_is_never_offered_for_stopping() {
    let snap = machine(80, 4, "System", None);
    let text = "(OS 10048)Only one usage of each socket address (protocol/network address/port) is normally permitted.  : AH00072: make_sock: could not bind to address 0.0.0.0:80";
    let d = run(text, Some(&snap));
    for f in &d.findings {
        assert!(
            !f.actions.iter().any(|a| a.target.pid == Some(4)
                && matches!(a.kind, ActionKind::StopProcess | ActionKind::Uninstall)),
            "{}: {:#?}",
            f.rule_id,
            f.actions
        );
    }
    assert!(
        d.findings
            .iter()
            .any(|f| f.withheld.iter().any(|w| w.contains("System (PID 4)"))),
        "the refusal is said: {:#?}",
        d.findings
    );
    assert_eq!(
        d.findings[0].category,
        Category::PortConflict,
        "{:#?}",
        d.findings
    );
}

#[test]
fn an_unreachable_address_is_never_a_port_conflict_even_when_the_text_says_so() {
    let text = "Event ID: 1309\nSource: MSExchangeDS\nRegister LDAP SSL protocol failed with error 10049. The LDAP SSL server is not available. Make sure port number 636 is not used by another application.";
    let snap = machine(636, 500, "slapd", None);
    for scan in [None, Some(&snap)] {
        let d = run(text, scan);
        assert_eq!(
            d.findings[0].category,
            Category::AddressUnavailable,
            "{:#?}",
            d.findings
        );
        assert!(!d
            .findings
            .iter()
            .any(|f| f.category == Category::PortConflict));
    }
}

#[test]
fn port_80_held_by_system_is_traced_through_http_sys_to_the_registering_service() {
    use portsleuth::engine::snapshot::HttpSysRegistration;
    let mut snap = machine(80, 4, "System", None);
    snap.processes.push(Process {
        pid: 1500,
        name: "svchost.exe".into(),
        exe_name: "svchost.exe".into(),
        start_time: 1_700_000_100,
        services: vec!["W3SVC".into(), "WAS".into()],
        ..Process::default()
    });
    snap.http_sys.push(HttpSysRegistration {
        url: "HTTP://*:80/".into(),
        port: Some(80),
        pids: vec![1500],
        process_name: Some("svchost.exe".into()),
    });
    let text = "(OS 10048)Only one usage of each socket address (protocol/network address/port) is normally permitted.  : AH00072: make_sock: could not bind to address 0.0.0.0:80";
    let d = run(text, Some(&snap));
    let holder = d
        .port_holders
        .iter()
        .find(|h| h.port == 80)
        .expect("port 80 listed");
    assert!(
        holder
            .summary
            .contains("http.sys on behalf of svchost.exe (PID 1500, service W3SVC, WAS)"),
        "{}",
        holder.summary
    );
    for f in &d.findings {
        for a in &f.actions {
            assert_ne!(
                a.target.pid,
                Some(4),
                "{}: nothing is aimed at System: {a:?}",
                f.rule_id
            );
            if a.kind == ActionKind::StopService {
                assert_eq!(a.target.pid, Some(1500));
            }
            assert!(
                a.kind != ActionKind::StopProcess || a.target.pid != Some(1500),
                "svchost as a whole is never stopped"
            );
        }
    }
    let offered: Vec<&str> = d
        .findings
        .iter()
        .flat_map(|f| &f.actions)
        .filter(|a| a.kind == ActionKind::StopService)
        .filter_map(|a| a.target.service.as_deref())
        .collect();
    assert!(
        offered.contains(&"W3SVC"),
        "stopping the web service that registered port 80 is offered: {offered:?}"
    );
}

#[test]
fn a_holder_known_only_by_its_file_name_confirms_less_than_one_its_version_resource_names() {
    // Anyone can name a file PoProxy.exe: the port is held, but by a program only believed
    // to be Norton's proxy, so the finding stays first without claiming certainty.
    let snap = machine(110, 1234, "PoProxy.exe", Some("NAVAPSVC"));
    let d = run(DIALOG, Some(&snap));
    let top = &d.findings[0];
    assert_eq!(top.category, Category::AvMailProxy, "{:#?}", d.findings);
    assert!(top.confidence <= 0.75, "{}", top.confidence);
    assert!(
        top.evidence
            .iter()
            .any(|e| e.says.contains("by its file name only")),
        "{:#?}",
        top.evidence
    );
}

#[test]
fn an_hresult_printed_as_a_signed_decimal_is_decoded_and_other_negative_numbers_are_not() {
    let kb = KnowledgeBase::builtin();
    let reader = Reader::new(kb);
    // .NET's HResult and Rust's "os error" print SEC_E_UNTRUSTED_ROOT (0x80090325) this way.
    for text in [
        "System.ComponentModel.Win32Exception (0x80004005): HResult=-2146893019",
        "Error: tls handshake: The certificate chain was issued by an authority that is not trusted. (os error -2146893019)",
    ] {
        let s = reader.read(text);
        let code = s
            .codes
            .iter()
            .find(|c| c.key == "hresult:0x80090325")
            .unwrap_or_else(|| panic!("not decoded in {text:?}: {:#?}", s.codes));
        assert_eq!(code.spelled, "-2146893019");
        assert_eq!(code.name, "SEC_E_UNTRUSTED_ROOT");
    }
    // A negative number of ten digits that no table knows, a part of a longer number, and a
    // date-like run stay numbers.
    for text in [
        "offset -2100000000 out of range",
        "id 12-2146893019",
        "value x-2146893019",
    ] {
        let s = reader.read(text);
        assert!(
            !s.codes.iter().any(|c| c.key.starts_with("hresult:")),
            "{text:?}: {:#?}",
            s.codes
        );
    }
}

#[test]
fn an_errno_in_brackets_after_a_socket_call_or_a_client_cant_connect_is_read_as_the_socket_error_it_names(
) {
    let reader = Reader::new(KnowledgeBase::builtin());
    let keys = |text: &str| -> Vec<String> {
        reader
            .read(text)
            .codes
            .iter()
            .map(|c| c.key.clone())
            .collect()
    };
    // A C example's `bind() failed. (98)`: Linux's EADDRINUSE.
    let in_use = keys("bind() failed. (98)\nBinding socket to local address...");
    assert!(
        in_use.contains(&"errno:EADDRINUSE".to_owned()),
        "{in_use:?}"
    );
    // 60 is ENOSTR on Linux and ETIMEDOUT on macOS: with no message beside it, the socket
    // error is the reading, whatever the table's order.
    let timed_out = keys("Can't connect to MySQL server on '10.0.0.5' (60)");
    assert!(
        timed_out.contains(&"errno:ETIMEDOUT".to_owned()),
        "{timed_out:?}"
    );
    assert!(
        !timed_out.contains(&"errno:ENOSTR".to_owned()),
        "{timed_out:?}"
    );
    // The form with the message, and a client that names no product.
    let refused =
        keys("ERROR 2002 (HY000): Can't connect to server on 'db' (111 \"Connection refused\")");
    assert!(
        refused.contains(&"errno:ECONNREFUSED".to_owned()),
        "{refused:?}"
    );
    // A bracketed number with no socket call or client error before it stays a number.
    for text in [
        "step (98) of 120 finished",
        "bind() took (98) ms",
        "errno 106",
    ] {
        let found = keys(text);
        assert!(
            !found
                .iter()
                .any(|k| k == "errno:ENOSTR" || k == "errno:EADDRINUSE" || k == "errno:EQFULL"),
            "{text:?}: {found:?}"
        );
    }
    // A number beside a message is read by the message, not by the socket preference.
    let linux = keys("connect() failed (106: Transport endpoint is already connected)");
    assert!(!linux.contains(&"errno:EQFULL".to_owned()), "{linux:?}");
}

#[test]
fn a_10013_met_while_connecting_out_is_not_read_as_a_reserved_port_range() {
    // Outlook's send dialog: the refusal is on the way out (a firewall or an antivirus), not
    // a port this machine failed to open.
    let d = run(
        "The connection to the server has failed. Account: 'ann', Server: 'smtp.example.com', \
         Protocol: SMTP, Port: 2525, Secure(SSL): No, Socket Error: 10013, Error Number: 0x800CCC0E",
        None,
    );
    assert_ne!(
        d.findings.first().map(|f| f.category),
        Some(Category::ReservedPortRange),
        "{:#?}",
        d.findings
    );
    // A listener refused on a high port with nothing else said still is.
    let d = run(
        "vlmcsd.exe -v\nWarning: 0.0.0.0:1688: An attempt was made to access a socket in a way \
         forbidden by its access permissions.",
        None,
    );
    assert_eq!(
        d.findings[0].category,
        Category::ReservedPortRange,
        "{:#?}",
        d.findings
    );
    // Its port is named by two matchers (the range and the side): one line says it.
    let says: Vec<&str> = d.findings[0]
        .evidence
        .iter()
        .map(|e| e.says.as_str())
        .collect();
    let mut unique = says.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), says.len(), "{says:#?}");
    // And its steps name the port the text gave, not a placeholder.
    assert!(
        d.findings[0]
            .steps
            .iter()
            .any(|s| s.contains("findstr :1688")),
        "{:#?}",
        d.findings[0].steps
    );
}

#[test]
fn a_file_not_owned_by_a_user_is_not_read_as_a_mail_server_sender_rule() {
    for text in [
        "FATAL:  data directory \"/var/lib/postgresql/data\" has wrong ownership\nHINT:  The server must be started by the user that owns the data directory. It is not owned by user postgres",
        "Authentication refused: bad ownership or modes for file /home/bob/.ssh/authorized_keys: not owned by user bob",
    ] {
        let d = run(text, None);
        assert!(
            !d.findings.iter().any(|f| f.rule_id == "smtp-sender-login-mismatch"),
            "{text:?}: {:#?}",
            d.findings
        );
    }
    let d = run(
        "NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 553 5.7.1 <bob@example.com>: Sender address rejected: not owned by user ann@example.com",
        None,
    );
    assert_eq!(
        d.findings[0].rule_id, "smtp-sender-login-mismatch",
        "{:#?}",
        d.findings
    );
}

#[test]
fn ports_are_read_where_java_a_bind_address_or_a_tls_only_url_names_them() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let ports =
        |text: &str| -> Vec<u16> { reader.read(text).ports.iter().map(|p| p.port).collect() };
    assert_eq!(
        ports("java.net.BindException: Address already in use: JVM_Bind:8080"),
        vec![8080]
    );
    // An address the user redacted, with spaces in it, still gives its port.
    assert!(ports(
        "Could not bind to [my public IP]:19991: Cannot assign requested address (os error 99)"
    )
    .contains(&19991));
    // https runs over TLS only: a URL without a port names 443, whatever the text says of SSL.
    assert_eq!(
        ports("FetchError: request to https://api.example.com/v1/models failed, reason: unable to verify the first certificate"),
        vec![443]
    );
    // A port named in the text is not replaced by the scheme's.
    assert_eq!(
        ports("connect ECONNREFUSED 127.0.0.1:5432 while fetching https://example.com"),
        vec![5432]
    );
}

#[test]
fn ports_are_read_in_the_spellings_of_postfix_javamail_node_pasta_and_ssh_urls() {
    use portsleuth::engine::kb::PortSide;
    let reader = Reader::new(KnowledgeBase::builtin());
    let read = |text: &str| -> Vec<(u16, PortSide)> {
        reader
            .read(text)
            .ports
            .iter()
            .filter(|p| !p.inferred)
            .map(|p| (p.port, p.side))
            .collect()
    };
    let remote = |text: &str, port: u16| {
        let got = read(text);
        assert!(got.contains(&(port, PortSide::Remote)), "{text}: {got:?}");
    };
    let named = |text: &str, port: u16| {
        let got = read(text);
        assert!(got.iter().any(|(p, _)| *p == port), "{text}: {got:?}");
    };
    remote("postfix/smtp[3611]: 2C35B61E6B16: to=<a@example.cz>, relay=smtp.gmail.com[142.250.102.108]:587, delay=551, status=deferred", 587);
    remote(
        "Couldn't connect to host, port: smtp-legacy.office365.com, 465; timeout -1",
        465,
    );
    remote(
        "Redis connection to redis-server:6379 failed - getaddrinfo ENOTFOUND redis-server",
        6379,
    );
    remote("getaddrinfo ENOTFOUND abc123 abc123:4502", 4502);
    named("Error: failed to create sshClient: Connection to bastion host (ssh://user@host:22/run/user/1000/podman/podman.sock) failed.", 22);
    remote(
        "openssl s_client -connect <my hubname here>.azure-devices.net:443",
        443,
    );
    named("pika.exceptions.AMQPConnectionError: Connection to ::1:5672 failed: [Errno 99] Address not available", 5672);
    named("Name or service not known: `:58210'", 58210);
    named(
        "could not bind to 'test.mydomain.com':8080, it may be in use or require sudo.",
        8080,
    );
    assert!(
        read("Listen failed for HOST TCP port */80: Permission denied")
            .contains(&(80, PortSide::Local))
    );
    assert!(read("BindTransportException[Failed to bind to [30381]]; nested: BindException[Address already in use];").contains(&(30381, PortSide::Local)));
    // A container's id as the host, and the MySQL client's `-P`; a quoted time is not a port.
    named(
        "Failed to resolve '9c95dafd9323:9092': Name or service not known",
        9092,
    );
    named(
        "[root@localhost ~]# mysql -h 127.0.0.1 -P 6606 -u root -p",
        6606,
    );
    assert!(read("the job ran at '12:30' and failed").is_empty());
    remote(
        "[ERROR][com.freerdp.core.gateway.tls] - connected to GATEWAY:443",
        443,
    );
    named("The server certificate on the destination computer (<machinename>:5986) has the following errors:", 5986);
    named("The connection to the server user-ThinkPad-P14s-Gen-1:6443 was refused - did you specify the right host or port?", 6443);
    assert!(
        read("CreateBoundSocket: ::bind couldn't find an open port between 27016 and 27016")
            .contains(&(27016, PortSide::Local))
    );
    named("* daemon not running; starting now at tcp:5037", 5037);
    named("PORT     STATE  SERVICE\n5986/tcp closed wsmans", 5986);
    // A file and line in a stack trace is not a host and port.
    assert!(read("<frozen runpy>:128: RuntimeWarning: 'x' found in sys.modules").is_empty());
    assert!(read("    at <anonymous>:12:5").is_empty());
    // Go's `<nil>` for a missing host is one, with the port after it.
    named(
        "Can't start:listen tcp <nil>:80: address already in use",
        80,
    );
    // A bind with its address left out, Tomcat's connector names, telnet's two arguments.
    let local = |text: &str, port: u16| {
        let got = read(text);
        assert!(got.contains(&(port, PortSide::Local)), "{text}: {got:?}");
    };
    local("qemu-system-arm: -netdev socket,listen=:2001,id=net2: Device 'socket' could not be initialized", 2001);
    local(
        "Error: Could not get socket :80: Address already in use",
        80,
    );
    local(
        "Failed to start connector [Connector[org.apache.coyote.ajp.AjpProtocol-8047]]",
        8047,
    );
    local(
        "Failed to initialize end point associated with ProtocolHandler [\"http-nio-8080\"]",
        8080,
    );
    remote("$ telnet  10.1.1.111 2323\nTrying 10.1.1.111...", 2323);
    remote("nc -zv mail.example.com 25", 25);
    remote("echo hi | nc -w 3 10.0.0.5 443", 443);
    local(
        "Starting ProtocolHandler [\"ajp-nio-127.0.0.1-8009\"]",
        8009,
    );
    // A word ending in "nc" is not netcat, prose after "telnet" is not a host, a thread name
    // is not a connector, and a French "socket : 10048" is not a port.
    assert!(read("Acme Inc 10.0.0.5 443").is_empty());
    assert!(read("I can telnet from 2 machines at 10 o'clock").is_empty());
    assert!(read("SEVERE [http-nio-8080-exec-3] request failed").is_empty());
    assert!(read("accept failed on socket :12").is_empty());
}

/// A Windows message text in another language is a Windows sign on its own: the Chinese wording
/// of Winsock 10013 on a high port is Windows' excluded range, not a Unix privileged port.
#[test]
fn windows_message_wording_in_any_language_makes_a_text_windows() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let text = "出错了：[Errno 13] error while attempting to bind on address ('0.0.0.0', 6016):\n以一种访问权限不允许的方式做了一个访问套接字的尝试。";
    let symptoms = reader.read(text);
    assert_eq!(symptoms.platform.as_deref(), Some("windows"));
    let d = diagnose(reader.kb(), text, &symptoms, None);
    assert_eq!(d.findings[0].category.as_str(), "reserved_port_range");
    // The same bind refused in the English of Linux stays a Unix one.
    let linux = reader.read(
        "[Errno 13] error while attempting to bind on address ('0.0.0.0', 80): permission denied",
    );
    assert_ne!(linux.platform.as_deref(), Some("windows"));
}

#[test]
fn python_smtp_reply_tuples_are_read_as_smtp_codes() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let keys = |text: &str| -> Vec<String> {
        reader
            .read(text)
            .codes
            .iter()
            .map(|c| c.key.clone())
            .collect()
    };
    let django = keys("SMTPSenderRefused at /password-reset/\n(550, b'Unauthenticated senders not allowed', 'no-reply@example.com')");
    assert!(django.iter().any(|k| k == "smtp:550"), "{django:?}");
    let zulip = keys("SMTPSenderRefused: (530, '5.5.1 Invalid command: Must issue an AUTH command first', u'Zulip <z@example.com>')");
    assert!(zulip.iter().any(|k| k == "smtp:530"), "{zulip:?}");
    // A tuple of other numbers is not a reply.
    assert!(!keys("(550, 12)").iter().any(|k| k.starts_with("smtp:")));
}

#[test]
fn an_errno_written_with_spaces_around_its_equals_sign_is_read_and_10013_is_winsocks() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let text = "SocketException: Failed to create server socket (OS Error: access refused, errno = 10013), address = 127.0.0.1, port = 3067";
    let keys: Vec<String> = reader
        .read(text)
        .codes
        .iter()
        .map(|c| c.key.clone())
        .collect();
    assert!(keys.iter().any(|k| k == "winsock:10013"), "{keys:?}");
    // Dart's "server socket" is a listener: a refusal on a high Windows port is a reserved range.
    assert_first(text, Category::ReservedPortRange);
}

#[test]
fn mail_replies_that_read_like_a_bad_password_are_told_apart_by_who_said_them() {
    // Gmail's and Yahoo's IMAP wording reads the same for a mistyped password and for an
    // account password refused from mail programs; the public threads settle it as the app
    // password about twice as often: the app password first, the password right behind it.
    let d = assert_first(
        "IMAP operation failed\n* NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
        Category::AuthConfig,
    );
    assert_eq!(
        d.findings[0].rule_id,
        "imap-invalid-credentials-app-password"
    );
    assert_eq!(
        d.findings[1].category,
        Category::BadCredentials,
        "{:#?}",
        d.findings
    );
    // NetEase's and QQ's reply has no enhanced code; Postfix's has one and stays a bad password.
    assert_first(
        "smtplib.SMTPAuthenticationError: (535, b'Error: authentication failed')",
        Category::AuthConfig,
    );
    assert_first(
        "535 5.7.8 Error: authentication failed: authentication failure",
        Category::BadCredentials,
    );
    // Roundcube's "SMTP Error (220)": the login was never sent, the TLS after STARTTLS failed.
    assert_first(
        "SMTP Error (220): Authentication failed.",
        Category::TlsMismatch,
    );
    // Schannel's unusable private key is a TLS fault, never a wrong password.
    let d = assert_first("A fatal error occurred when attempting to access the SSL client credential private key. \
         The error code returned from the cryptographic module is 0x8009030D. The internal error state is 10003.", Category::TlsMismatch);
    assert!(
        d.findings
            .iter()
            .all(|f| f.category != Category::BadCredentials),
        "{:#?}",
        d.findings
    );
}

#[test]
fn a_size_refusal_outranks_an_unrelated_refused_connection_in_the_same_paste() {
    let d = assert_first("postfix/submission/smtpd[21588]: warning: connect to Milter service inet:localhost:54321: Connection refused\n\
         Then I get that \"Message too large for server\" error message in my email client", Category::ServerSide);
    assert_eq!(d.findings[0].rule_id, "mail-message-too-large");
}

#[test]
fn ports_and_replies_are_read_in_go_selinux_python_and_php_shapes() {
    let reader = Reader::new(KnowledgeBase::builtin());
    let ports =
        |text: &str| -> Vec<u16> { reader.read(text).ports.iter().map(|p| p.port).collect() };
    // Go's dial with an address the user redacted.
    assert!(
        ports("failed to send email: dial tcp [ourSMTP_Relay_IP]:25:i/o timeout").contains(&25)
    );
    // Go's dial of an IPv6 address is not read as port 1.
    assert_eq!(
        ports("dial tcp [::1]:8080: connect: connection refused"),
        vec![8080]
    );
    // SELinux names the port it would not bind as src=.
    let s = reader.read("type=AVC msg=audit(1742909414.112:693): avc:  denied  { name_bind } for  pid=1907 comm=\"collectd\" src=9103 scontext=system_u:system_r:collectd_t:s0 tclass=tcp_socket");
    assert_eq!(
        s.ports.iter().map(|p| p.port).collect::<Vec<_>>(),
        vec![9103]
    );
    assert!(
        s.conditions
            .iter()
            .any(|c| c.condition == Condition::AccessDenied),
        "{:?}",
        s.conditions
    );
    // Python's IPv6 address is a four-part tuple.
    assert!(ports("OSError: [Errno 99] error while attempting to bind on address ('::1', 55400, 0, 0): cannot assign requested address").contains(&55400));
    // A source line in a file named SMTP.php is not an SMTP reply.
    let codes: Vec<String> = reader
        .read("Connection failed. Error #2: stream_socket_client(): Unable to connect to smtp.gmail.com:25 (Connection timed out) [/home/x/vendor/phpmailer/phpmailer/src/SMTP.php line 421]")
        .codes
        .iter()
        .map(|c| c.key.clone())
        .collect();
    assert!(!codes.iter().any(|k| k == "smtp:421"), "{codes:?}");
    for trace in [
        "#1 /var/www/vendor/phpmailer/phpmailer/src/SMTP.php(421): PHPMailer\\PHPMailer\\SMTP->edebug()",
        "in /app/vendor/symfony/mailer/Transport/Smtp/EsmtpTransport.php:421",
    ] {
        let found: Vec<String> = reader.read(trace).codes.iter().map(|c| c.key.clone()).collect();
        assert!(!found.iter().any(|k| k == "smtp:421"), "{trace}: {found:?}");
    }
    // A MAC address after "Listening on" is not an address and port.
    assert!(ports("dhclient[812]: Listening on LPF/eth0/52:54:00:12:34:56").is_empty());
    // A help link and a wildcard are not servers; a bind address is not another machine.
    for (text, server) in [
        ("535 5.7.8 Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials - gsmtp", None),
        ("HTTP could not register URL http://+:8080/MyService/. Your process does not have access rights to this namespace (see http://go.microsoft.com/fwlink/?LinkId=70353 for details).", None),
        ("System.IO.IOException: Failed to bind to address http://10.1.2.3:5000: address not available.", None),
        ("request to https://api.example.com/v1 failed, reason: connect ETIMEDOUT", Some("api.example.com")),
    ] {
        let servers: Vec<String> = reader.read(text).servers.iter().map(|s| s.value.clone()).collect();
        assert_eq!(servers.first().map(String::as_str), server, "{text}: {servers:?}");
    }
    // The host of a URL is a server the text names.
    let servers: Vec<String> = reader
        .read("FetchError: request to https://api.example.com/v1/models failed")
        .servers
        .iter()
        .map(|s| s.value.clone())
        .collect();
    assert_eq!(servers, vec!["api.example.com".to_owned()]);
}

#[test]
fn texts_that_only_say_tls_failed_or_a_connection_was_blocked_name_that_condition() {
    // Words no table has: the fallbacks answer, below any rule that knows more.
    let d = assert_first(
        "Sync failed: the secure connection to the server could not be established.",
        Category::TlsMismatch,
    );
    assert_eq!(d.findings[0].rule_id, "condition-tls-words");
    assert!(d.findings[0].confidence <= 0.25, "{:#?}", d.findings);
    let d = assert_first(
        "Sync stopped: a firewall stops the connection to the mail host.",
        Category::Firewall,
    );
    assert_eq!(d.findings[0].rule_id, "condition-firewall-words");
    // Outlook's "Secure(SSL): No, Server Error" is a field, not a TLS failure.
    let d = run(DIALOG, None);
    assert!(
        d.findings
            .iter()
            .all(|f| f.rule_id != "condition-tls-words"),
        "{:#?}",
        d.findings
    );
}

#[test]
fn no_route_to_host_reads_as_a_firewall_reject_unless_the_address_is_ipv6() {
    // EHOSTUNREACH is "host unreachable" in every table, so the reject rule sees it.
    let d = assert_first(
        "ssh: connect to host 192.0.2.7 port 22: No route to host",
        Category::Firewall,
    );
    assert_eq!(d.findings[0].rule_id, "no-route-to-host-firewall-reject");
    assert!(
        d.findings
            .iter()
            .any(|f| f.category == Category::ServerUnreachable),
        "a host that is down reads the same, and stays listed: {:#?}",
        d.findings
    );
    assert_first(
        "connect to smtp.gmail.com[2a00:1450:400c:c08::6d]:587: Network is unreachable",
        Category::AddressUnavailable,
    );
}

#[test]
fn a_dotnet_secure_channel_failure_gets_the_tls_version_steps_in_any_language_it_is_printed_in() {
    // .NET Framework's WebException SecureChannelFailure in English and in every translation
    // the phrase table lists: the rule's pattern names the same wordings, and this keeps the two
    // lists from drifting apart.
    let table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/codes/phrases-common.tsv"
    ))
    .expect("phrase table");
    let translated: Vec<&str> = table
        .lines()
        .filter(|l| l.ends_with("WebException SecureChannelFailure)"))
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert!(translated.len() >= 8, "{translated:?}");
    let english = "The request was aborted: Could not create SSL/TLS secure channel".to_owned();
    for message in std::iter::once(english).chain(translated.iter().map(|t| t.to_string())) {
        let text = format!("System.Net.WebException: {message}.");
        assert_rule_first(
            &text,
            Category::TlsMismatch,
            "dotnet-secure-channel-not-created",
        );
    }
    // The trust failure shares "SSL/TLS secure channel" but is a certificate's: not this rule.
    assert!(!fires(
        "System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
        "dotnet-secure-channel-not-created"
    ));
}

/// Whether `rule` gives any finding for `text` (no scan).
fn fires(text: &str, rule: &str) -> bool {
    run(text, None).findings.iter().any(|f| f.rule_id == rule)
}

#[test]
fn logins_refused_for_a_named_reason_are_not_read_as_a_wrong_password() {
    assert_rule_first("Login failed for user 'tcom'. Reason: Failed to open the explicitly specified database 'tcom'.\nError: 18456, Severity: 14, State: 38.", Category::AuthConfig, "sql-server-login-reason-not-password");
    // State 8 is the password itself.
    assert!(!fires(
        "Error: 18456, Severity: 14, State: 8.",
        "sql-server-login-reason-not-password"
    ));
    assert_rule_first(
        "ORA-28000: the account is locked",
        Category::AuthConfig,
        "account-locked-or-disabled",
    );
    // A hint that lists a lock among other causes is not a statement that the account is locked.
    assert!(!fires(
        "ORA-01017: invalid username/password; logon denied. Check for wrong credentials, or the account is locked.",
        "account-locked-or-disabled"
    ));
    assert_rule_first(
        "Failed to connect to Steam servers because k_EResultGSLTExpired, still retrying",
        Category::AuthConfig,
        "steam-game-server-token",
    );
    // Without the token named, a blocked port reads the same.
    assert!(!fires(
        "Could not establish connection to Steam servers.",
        "steam-game-server-token"
    ));
}

#[test]
fn servers_that_did_not_start_name_what_their_own_words_show() {
    const SOFIA: &str = "[ERR] sofia.c:3269 Error Creating SIP UA for profile: external (sip:mod_sofia@10.11.12.13:5060;transport=udp,tcp)\nThe likely causes for this are:\n1) Another application is already listening on the specified address.\n2) The IP the profile is attempting to bind to is not local to this system.";
    // FreeSWITCH's list of likely causes is printed whatever the cause: not a port conflict.
    assert_rule_first(
        SOFIA,
        Category::ServerSide,
        "freeswitch-sofia-profile-did-not-start",
    );
    // Its bind's own error is.
    assert_first(
        &format!("{SOFIA}\ntport.c:727 tport_listen(): bind(pf=2 ws/[10.11.12.13]:80): Address already in use"),
        Category::PortConflict,
    );
    // And so is a holder the scan finds on the port.
    let snapshot = machine(5060, 4242, "kamailio", None);
    let d = run(SOFIA, Some(&snapshot));
    assert_eq!(
        d.findings[0].category,
        Category::PortConflict,
        "{:#?}",
        d.findings
    );
    const XVNC: &str = "_XSERVTransmkdir: Mode of /tmp/.X11-unix should be set to 1777\n_XSERVTransSocketUNIXCreateListener: ...SocketCreateListener() failed\n_XSERVTransMakeAllCOTSServerListeners: server already running\n(EE) Cannot establish any listening sockets - Make sure an X server isn't already running(EE)";
    assert_rule_first(XVNC, Category::PermissionDenied, "x11-socket-folder-mode");
    // The folder's owner alone is only a warning when the server then starts.
    assert!(!fires(
        "_XSERVTransmkdir: Owner of /tmp/.X11-unix should be set to root",
        "x11-socket-folder-mode"
    ));
    assert_rule_first("pelix.misc.mqtt_client: ERROR: Unexpected disconnection from the MQTT server: Connection Refused: unacceptable protocol version. (1)", Category::ServerSide, "mqtt-broker-refused-protocol-version");
    assert_rule_first(
        "ORA-12505: TNS:listener does not currently know of SID given in connect descriptor",
        Category::ServerUnreachable,
        "oracle-listener-does-not-know-service",
    );
    assert_rule_first("Error response from daemon: ports are not available: exposing port TCP\n0.0.0.0:80 -> 127.0.0.1:0: /forwards/expose returned unexpected status: 500", Category::PortConflict, "docker-desktop-expose-failed-low-port");
    // HTTP.sys holds TCP ports only.
    assert!(!fires(
        "Error response from daemon: ports are not available: exposing port UDP 0.0.0.0:53 -> 127.0.0.1:0: /forwards/expose returned unexpected status: 500",
        "docker-desktop-expose-failed-low-port"
    ));
}
