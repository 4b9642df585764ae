//! Kill a writer with SIGKILL in mid-stream; every record whose append had
//! returned (with `Durability::Always`) must be there after a restart, and the
//! journal must open cleanly whatever byte the kill stopped at.
//!
//! The writer is this test binary itself, re-run with `CHANRAC_KILL_CHILD`
//! set: it appends one counted ad call per recipient and prints the
//! recipient after each append returns.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chanrac::ident::Identifier;
use chanrac::policy::PolicyBuilder;
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::state::journal::Record;
use chanrac::{Channel, Decision, Engine, Event, Kind, Number, Policy, Reason, Sender};
use chanrac_store::{Durability, StateDir};

fn policy() -> Policy {
    let mut reg = RegistryBuilder::new();
    reg.insert(
        Identifier::parse("02473001234").unwrap(),
        Registration {
            owner: "bank".into(),
            status: Status::Active,
            valid_from: None,
            valid_until: None,
        },
    )
    .unwrap();
    let config = chanrac::policy::Config {
        require_consent: false,
        ..Default::default()
    };
    PolicyBuilder::new()
        .registry(reg.build())
        .config(config)
        .build()
}

fn call<'a>(i: u64) -> Event<'a> {
    let t = jiff::Timestamp::from_second(1_772_420_400).unwrap();
    let to = Number::parse(&format!("0912{i:06}")).unwrap();
    Event::new(
        t,
        Channel::Call,
        Kind::Ad,
        Sender::parse("02473001234").unwrap(),
        to,
    )
    .with_advertiser("bank")
}

#[test]
fn writer_child() {
    let Ok(dir) = std::env::var("CHANRAC_KILL_CHILD") else {
        return; // only runs as the child
    };
    let engine = Engine::new(policy());
    let (mut state, _) = StateDir::open(dir.as_ref(), &engine, Durability::Always).unwrap();
    let policy = engine.policy();
    for i in 0..1_000_000u64 {
        let e = call(i);
        let v = engine.check(&e);
        assert_eq!(v.decision, Decision::Allow);
        state
            .append(&Record::of_check(&policy, &e, &v).unwrap())
            .unwrap();
        println!("{i}");
    }
}

#[test]
fn killed_writer_loses_nothing_acknowledged() {
    let exe = std::env::current_exe().unwrap();
    for round in 0..3u64 {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
            .env("CHANRAC_KILL_CHILD", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = vec![];
        let out = BufReader::new(child.stdout.take().unwrap());
        // Kill after a different number of acknowledged records each round.
        let kill_after = 50 + round * 173;
        for line in out.lines() {
            let Ok(line) = line else { break };
            if let Ok(i) = line.trim().parse::<u64>() {
                acked.push(i);
                if acked.len() as u64 == kill_after {
                    child.kill().unwrap();
                    break;
                }
            }
        }
        let _ = child.wait();
        assert_eq!(acked.len() as u64, kill_after, "the writer died early");
        // Restart: every acknowledged call is remembered.
        let engine = Engine::new(policy());
        let (_, stats) = StateDir::open(tmp.path(), &engine, Durability::Always).unwrap();
        assert!(stats.records >= acked.len() as u64, "{stats:?}");
        for &i in &acked {
            let v = engine.check(&call(i));
            assert_eq!(
                v.reasons.iter().collect::<Vec<_>>(),
                vec![Reason::Frequency],
                "call {i} forgotten"
            );
        }
    }
}
