//! `chanrac replay --state DIR` on a directory another process has open:
//! exit 2, a message naming the directory, and the holder's journal left
//! alone.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
use common::{chanrac, stderr};

#[test]
fn replay_on_a_state_directory_held_elsewhere_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let state_arg = state.to_str().unwrap();
    let replay = || {
        chanrac(&[
            "replay",
            "--policy",
            "examples/policy",
            "--events",
            "examples/events.csv",
            "--state",
            state_arg,
        ])
    };
    {
        // This test process holds the directory, as a running adapter would.
        let engine = chanrac::Engine::new(chanrac::Policy::default());
        let (_held, _) =
            chanrac_store::StateDir::open(&state, &engine, chanrac_store::Durability::Always)
                .unwrap();
        let journal = std::fs::read(state.join("journal-0.log")).unwrap();
        let out = replay();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(state_arg),
            "the message names the directory: {err}"
        );
        assert!(err.contains("another process"), "{err}");
        assert!(out.stdout.is_empty(), "no verdicts without the state");
        assert_eq!(
            std::fs::read(state.join("journal-0.log")).unwrap(),
            journal,
            "the holder's journal is untouched"
        );
    }
    // Released: the same replay now runs and records into it.
    let out = replay();
    assert!(out.status.success(), "{}", stderr(&out));
}
