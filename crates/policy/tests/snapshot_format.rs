//! The snapshot format does not drift: a fixed policy directory
//! (`tests/data/format/policy`, every list filled) builds into exactly the
//! bytes of `tests/data/format/policy.snap`, written by an earlier build.
//! A change to these bytes is a new format version (see the `snapshot`
//! module docs), never an accident of refactoring.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use chanrac_policy::snapshot;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/format")
}

#[test]
fn a_fixed_policy_builds_into_the_same_bytes() {
    let expected = fs::read(data().join("policy.snap")).unwrap();
    let mut out = Vec::new();
    snapshot::write(&data().join("policy"), &mut out).unwrap();
    assert_eq!(out.len(), expected.len(), "snapshot length changed");
    let first = out.iter().zip(&expected).position(|(a, b)| a != b);
    assert_eq!(first, None, "snapshot bytes differ from byte {first:?} on");
}

#[test]
fn the_fixed_snapshot_loads_as_its_directory_does() {
    let from_dir = chanrac_policy::load(&data().join("policy")).unwrap();
    let from_snap = chanrac_policy::load(&data().join("policy.snap")).unwrap();
    assert_eq!(from_snap.registry().len(), from_dir.registry().len());
    assert_eq!(from_snap.signatures().len(), from_dir.signatures().len());
    assert_eq!(from_snap.consents().len(), from_dir.consents().len());
    assert_eq!(from_snap.accounts().count(), from_dir.accounts().count());
    for (id, a) in from_dir.accounts() {
        let b = from_snap.account(id).unwrap();
        assert_eq!(
            (&b.upstream, b.upstream_sessions),
            (&a.upstream, a.upstream_sessions),
            "{id}"
        );
    }
    let ngs = from_snap.account("ngoisao_qc").unwrap();
    assert_eq!(ngs.upstream_sessions.map(|n| n.get()), Some(2));
    assert_eq!(from_snap.dnc().as_bytes(), from_dir.dnc().as_bytes());
}
