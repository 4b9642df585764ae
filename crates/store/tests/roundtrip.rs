//! Journal append → replay gives the same state: any sequence of records
//! appended to a state directory (with or without a compaction part way)
//! restores, in a fresh engine, exactly the state of an engine that took the
//! same records directly. And the bytes of a state file, whatever they are,
//! never make the readers panic.

#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac::state::journal::{Record, RecordKind};
use chanrac::{Engine, EngineBuilder, Number, Policy};
use chanrac_store::{Durability, StateDir};
use proptest::prelude::*;

const ADVERTISERS: [&str; 4] = ["shop", "bank", "ng\u{f4}i-sao", "a"];
const NUMBERS: [&str; 4] = ["0912345678", "0987654321", "02473001234", "5656"];
/// 2026-03-02T00:00:00Z.
const T0: i64 = 1_772_409_600_000;
const HOUR: i64 = 3_600_000;

fn kind(k: u8) -> RecordKind {
    match k % 5 {
        0 => RecordKind::OptIn,
        1 => RecordKind::OptOut,
        2 => RecordKind::Registration,
        3 => RecordKind::AdSms,
        _ => RecordKind::AdCall,
    }
}

fn record((k, a, n, dt): (u8, usize, usize, i64)) -> Record {
    Record {
        kind: kind(k),
        advertiser: ADVERTISERS[a].to_string(),
        recipient: Number::parse(NUMBERS[n]).unwrap(),
        time_ms: T0 + dt,
    }
}

fn engine() -> Engine {
    EngineBuilder::new().build(Policy::default())
}

/// The engine's whole state, in a comparable order.
fn state(e: &Engine, now_ms: i64) -> Vec<(String, u64, String, i64)> {
    let mut v: Vec<_> = e
        .records(now_ms, i64::MAX / 2)
        .into_iter()
        .map(|r| {
            (
                r.advertiser,
                r.recipient.to_bits(),
                format!("{:?}", r.kind),
                r.time_ms,
            )
        })
        .collect();
    v.sort();
    v
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    // Times within three days, in any order (a journal keeps arrival order,
    // not time order).
    prop::collection::vec((any::<u8>(), 0..4usize, 0..4usize, 0..72 * HOUR), 0..60)
        .prop_map(|v| v.into_iter().map(record).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn appended_records_replay_to_the_same_state(
        recs in records(),
        compact_at in any::<prop::sample::Index>(),
        compact in any::<bool>(),
        sync_always in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let live = engine();
        let now = recs.iter().map(|r| r.time_ms).max().unwrap_or(T0);
        let cut = if recs.is_empty() { 0 } else { compact_at.index(recs.len() + 1) };
        {
            let sync = if sync_always { Durability::Always } else { Durability::Manual };
            let (mut dir, stats) = StateDir::open(tmp.path(), &engine(), sync).unwrap();
            prop_assert_eq!(stats.records, 0);
            dir.set_retention_days(100_000);
            for (i, r) in recs.iter().enumerate() {
                if compact && i == cut {
                    let so_far = recs[..i].iter().map(|r| r.time_ms).max().unwrap_or(T0);
                    dir.compact(Policy::default(), jiff::Timestamp::from_millisecond(so_far).unwrap())
                        .unwrap();
                }
                dir.append(r).unwrap();
                live.restore(r);
            }
            dir.sync().unwrap();
        }
        let restored = engine();
        let (_dir, stats) = StateDir::open(tmp.path(), &restored, Durability::Manual).unwrap();
        prop_assert_eq!(stats.torn_bytes, 0);
        if !compact {
            prop_assert_eq!(stats.records, recs.len() as u64);
        }
        prop_assert_eq!(state(&restored, now), state(&live, now));
    }

    #[test]
    fn any_state_file_bytes_are_read_or_refused_never_a_panic(
        data in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        chanrac_store::fuzz::state_file(&data);
    }
}

#[test]
fn the_fuzz_entry_takes_real_journals_and_snapshots() {
    let mut journal = Vec::new();
    for i in 0..20u8 {
        record((
            i,
            usize::from(i % 4),
            usize::from(i / 4 % 4),
            i64::from(i) * HOUR,
        ))
        .encode(&mut journal);
    }
    chanrac_store::fuzz::state_file(&journal);
    // Cut anywhere and with any byte changed: read to where it breaks.
    for at in (0..journal.len()).step_by(7) {
        chanrac_store::fuzz::state_file(&journal[..at]);
        let mut bad = journal.clone();
        bad[at] ^= 0x41;
        chanrac_store::fuzz::state_file(&bad);
    }
}
