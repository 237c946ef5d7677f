//! A machine for tests about the wizard alone: its scan is a snapshot the test wrote, and what
//! a fix does to it is recorded instead of done. Deterministic: no processes, no sleeps.

use portsleuth::engine::snapshot::{Host, Process, Snapshot, Socket, Transport, SNAPSHOT_SCHEMA};
use portsleuth::platform::{
    ActError, Command, Expected, Machine, Progress, RunError, ScanError, ScanOptions, Stopped,
};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::Duration;

pub struct FakeMachine {
    pub snapshot: Mutex<Snapshot>,
    /// The PIDs a fix stopped, in order.
    pub stopped: Mutex<Vec<u32>>,
    pub elevated: bool,
    /// Whether it offers to close connections; the connections it closed.
    pub closes: bool,
    pub closed: Mutex<Vec<String>>,
}

impl FakeMachine {
    /// A machine where `exe_name` (PID `pid`) listens on `port`.
    pub fn with_listener(exe_name: &str, pid: u32, port: u16) -> FakeMachine {
        let snapshot = Snapshot {
            schema: SNAPSHOT_SCHEMA.into(),
            taken_at: "2026-12-01T10:00:00Z".into(),
            host: Host {
                hostname: sysinfo::System::host_name().unwrap_or_default(),
                os: "Linux".into(),
                os_version: "test".into(),
                elevated: true,
                user: "root".into(),
                scanned_by: None,
                scanned_by_parent: None,
                addresses: Vec::new(),
            },
            socket_source: "fake".into(),
            sockets: vec![Socket {
                transport: Transport::Tcp,
                local_addr: "0.0.0.0".into(),
                local_port: port,
                remote_addr: None,
                remote_port: None,
                state: "LISTEN".into(),
                pids: vec![pid],
                dual_stack: false,
            }],
            processes: vec![Process {
                pid,
                parent: Some(1),
                name: exe_name.into(),
                exe_name: exe_name.into(),
                exe: Some(format!("/opt/fake/{exe_name}")),
                start_time: 1_700_000_000,
                ..Process::default()
            }],
            ..Snapshot::default()
        };
        FakeMachine {
            snapshot: Mutex::new(snapshot),
            stopped: Mutex::new(Vec::new()),
            elevated: true,
            closes: false,
            closed: Mutex::new(Vec::new()),
        }
    }

    /// Adds an established connection of `pid` from `local_port` to `remote`, and lets the
    /// machine close connections.
    #[allow(dead_code)] // used by gui_cases only
    pub fn with_connection(self, pid: u32, local_port: u16, remote: (&str, u16)) -> FakeMachine {
        self.snapshot.lock().expect("lock").sockets.push(Socket {
            transport: Transport::Tcp,
            local_addr: "192.0.2.10".into(),
            local_port,
            remote_addr: Some(remote.0.into()),
            remote_port: Some(remote.1),
            state: "ESTABLISHED".into(),
            pids: vec![pid],
            dual_stack: false,
        });
        FakeMachine {
            closes: true,
            ..self
        }
    }
}

impl Machine for FakeMachine {
    fn scan(
        &self,
        options: &ScanOptions,
        progress: &mut dyn FnMut(Progress),
        _cancel: &AtomicBool,
    ) -> Result<Snapshot, ScanError> {
        progress(Progress {
            phase: portsleuth::platform::Phase::Sockets,
            done: 1,
            total: 1,
        });
        let mut snap = self.snapshot.lock().expect("lock").clone();
        snap.limited_to_ports.clone_from(&options.ports);
        Ok(snap)
    }

    fn process_now(&self, pid: u32) -> Option<Process> {
        self.snapshot
            .lock()
            .expect("lock")
            .processes
            .iter()
            .find(|p| p.pid == pid)
            .cloned()
    }

    fn is_elevated(&self) -> bool {
        self.elevated
    }

    fn stop_process(
        &self,
        pid: u32,
        _expected: &Expected,
        _grace: Duration,
        still_same: &dyn Fn() -> bool,
    ) -> Result<Stopped, ActError> {
        if !still_same() {
            return Err(ActError::Changed { pid });
        }
        self.stopped.lock().expect("lock").push(pid);
        let mut snap = self.snapshot.lock().expect("lock");
        snap.processes.retain(|p| p.pid != pid);
        snap.sockets.retain(|s| !s.pids.contains(&pid));
        Ok(Stopped::Gracefully)
    }

    fn run(&self, argv: &[String]) -> Result<String, RunError> {
        Err(RunError::NotFound {
            program: argv.first().cloned().unwrap_or_default(),
        })
    }

    fn on_path(&self, _program: &str) -> bool {
        false
    }

    fn closes_connections(&self) -> bool {
        self.closes
    }

    fn perform(&self, command: &Command) -> Result<String, String> {
        let Command::CloseConnection(c) = command else {
            return Err(format!("{}: not on this fake machine", command.describe()));
        };
        self.closed.lock().expect("lock").push(c.to_string());
        let mut snap = self.snapshot.lock().expect("lock");
        snap.sockets
            .retain(|s| !(s.local_port == c.local_port && s.remote_port == Some(c.remote_port)));
        Ok(format!("closed {c}"))
    }
}
