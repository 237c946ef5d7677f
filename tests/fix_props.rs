//! Property test of the fix planner (issue #12): whatever a report file says, `fix` either runs
//! exactly what a fresh plan of this machine would run, or refuses. The machine is a fake whose
//! scan is fixed, so thousands of edited reports are tried in seconds.

#[path = "common/fake_machine.rs"]
mod fake_machine;

use fake_machine::FakeMachine;
use portsleuth::engine::diagnose::PlannedAction;
use portsleuth::engine::fixing::Outcome;
use portsleuth::engine::kb::ActionKind;
use portsleuth::session::fix::{attempt, fresh_case, Attempt, Attempted, Requested, GRACE};
use portsleuth::session::{Case, Knowledge};
use proptest::prelude::*;
use std::sync::LazyLock;

static KNOWLEDGE: LazyLock<Knowledge> = LazyLock::new(Knowledge::builtin);

const TEXT: &str = "Error: listen EADDRINUSE: address already in use 0.0.0.0:3000";

fn machine() -> FakeMachine {
    let m = FakeMachine::with_listener("devserver", 4242, 3000);
    {
        // Another listener the error does not name: it must never become a target.
        let mut snap = m.snapshot.lock().expect("lock");
        let mut other = snap.sockets[0].clone();
        other.local_port = 22;
        other.pids = vec![777];
        snap.sockets.push(other);
        let mut sshd = snap.processes[0].clone();
        sshd.pid = 777;
        sshd.exe_name = "sshd".into();
        sshd.exe = Some("/usr/sbin/sshd".into());
        sshd.services = vec!["ssh.service".into()];
        snap.processes.push(sshd);
    }
    m
}

fn kinds() -> impl Strategy<Value = ActionKind> {
    prop::sample::select(ActionKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn any_edited_request_runs_what_a_fresh_plan_would_or_is_refused(
        kind in kinds(),
        pid in prop::sample::select(vec![4242u32, 777, 1, 4, 999_999]),
        start_shift in prop::sample::select(vec![0u64, 1, 100]),
        service in prop::option::of(prop::sample::select(vec!["ssh.service", "*", "--now", "devserver.service"])),
        product in prop::option::of(prop::sample::select(vec!["dpkg:openssh-server", "registry:x", "-oX"])),
        rule in prop::option::of(prop::sample::select(vec!["port-in-use-generic", "no-such-rule", "node-eaddrinuse"])),
        exe in prop::option::of(prop::sample::select(vec!["/usr/sbin/sshd", "/bin/sh", "PoProxy.exe"])),
    ) {
        let m = machine();
        let report = Case::with_snapshot(&KNOWLEDGE, TEXT.into(), None, Some(m.snapshot.lock().unwrap().clone()))
            .report(&KNOWLEDGE);
        // Start from a real action of the report and edit it as an attacker would.
        let (rule_id, mut planned): (String, PlannedAction) = report
            .diagnosis
            .findings
            .iter()
            .flat_map(|f| f.actions.iter().map(move |a| (f.rule_id.clone(), a.clone())))
            .find(|(_, a)| a.kind == ActionKind::StopProcess)
            .expect("the report offers to stop the holder");
        planned.kind = kind;
        planned.target.pid = Some(pid);
        planned.target.start_time = planned.target.start_time.map(|t| t + start_shift);
        planned.target.service = service.map(str::to_owned);
        planned.target.product = product.map(str::to_owned);
        if let Some(e) = exe {
            planned.target.exe = Some(e.to_owned());
        }
        let rule_id = rule.map_or(rule_id, str::to_owned);
        let requested = Requested::from_action(&rule_id, &planned);
        let got = attempt(&KNOWLEDGE, &m, TEXT, &requested, Attempt::Ask, GRACE);
        let fresh = fresh_case(&KNOWLEDGE, &m, TEXT, false).expect("fresh plan");
        match got {
            Attempted::Confirm(prepared) => {
                let in_fresh_plan = fresh.diagnosis.findings.iter().any(|f| {
                    f.rule_id == prepared.rule_id && f.actions.contains(&prepared.action)
                });
                prop_assert!(in_fresh_plan, "ran something the fresh plan does not hold: {:?}", prepared.action);
                let chosen = Requested::from_action(&prepared.rule_id, &prepared.action);
                prop_assert_eq!((&chosen.rule_id, chosen.kind, &chosen.identity), (&requested.rule_id, requested.kind, &requested.identity));
                if prepared.action.kind == ActionKind::StopProcess {
                    prop_assert_eq!(prepared.action.target.pid, Some(4242));
                }
            }
            Attempted::Recorded(r) | Attempted::NotApplicable(r) => {
                prop_assert_eq!(r.outcome, Outcome::Refused, "{:?}", r);
                prop_assert!(r.commands.is_empty());
            }
        }
        prop_assert!(m.stopped.lock().unwrap().is_empty(), "asking never acts");
    }
}
