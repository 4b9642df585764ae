//! Snapshot files: the example policy round-trips through one exactly, and a
//! damaged file — cut short, a byte flipped, another version, empty — is a
//! clean error naming the file, never a panic and never a half-loaded
//! policy.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chanrac::Policy;
use chanrac_policy::snapshot::{self, SnapshotError};
use chanrac_policy::ErrorKind;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy")
}

fn build(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let stats = snapshot::write(dir, &mut out).unwrap();
    assert_eq!(stats.bytes, out.len() as u64);
    out
}

/// Rewrites the trailer's checksum after editing the bytes before it.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..body]);
    bytes[body..].copy_from_slice(&sum.to_le_bytes());
}

/// Every accessor of the policy, in a comparable, order-independent form.
fn contents(p: &Policy) -> String {
    let mut dnc = vec![];
    p.dnc().for_each(|n, s| dnc.push((n, s.bits())));
    let registry: BTreeMap<String, String> = p
        .registry()
        .iter()
        .map(|(id, r)| (format!("{id:?}"), format!("{r:?}")))
        .collect();
    let suspended: BTreeSet<_> = p.suspended().collect();
    let agreements: BTreeSet<_> = p
        .agreements()
        .map(|(a, n, l)| (a.to_string(), n, format!("{l:?}")))
        .collect();
    let advertisers: BTreeMap<_, _> = p
        .advertisers()
        .map(|(id, a)| (id.to_string(), format!("{a:?}")))
        .collect();
    let accounts: BTreeMap<_, _> = p
        .accounts()
        .map(|(id, a)| (id.to_string(), format!("{a:?}")))
        .collect();
    let signatures: Vec<_> = p.signatures().iter().collect();
    format!(
        "config {:?}\ndnc {dnc:?}\nregistry {registry:?}\nsuspended {suspended:?}\n\
         agreements {agreements:?}\nconsents {:?}\nadvertisers {advertisers:?}\n\
         accounts {accounts:?}\nsignatures {signatures:?}\ndomains {:?}\nprotected {:?}\n\
         lookalikes {:?}",
        p.config(),
        p.consents(),
        p.domains().entries(),
        p.protected(),
        p.lookalikes().brands(),
    )
}

#[test]
fn example_policy_round_trips() {
    let dir_policy = chanrac_policy::load(&example()).unwrap();
    let bytes = build(&example());
    snapshot::verify(&bytes).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("policy.snap");
    fs::write(&file, &bytes).unwrap();
    // Mapped through the dispatching loader, and copied from memory.
    let mapped = chanrac_policy::load(&file).unwrap();
    let copied = snapshot::load_bytes(&file, &bytes).unwrap();

    // Sanity: the example has something in every list.
    let p = &dir_policy;
    assert!(!p.dnc().is_empty() && !p.registry().is_empty() && p.has_suspended());
    assert!(p.agreements().count() > 0 && !p.consents().is_empty());
    assert!(p.advertisers().count() > 0 && p.accounts().count() > 0);
    assert!(!p.signatures().is_empty());
    assert!(!p.domains().is_empty() && !p.protected().is_empty());
    assert!(p.advertisers().any(|(_, a)| !a.domains.is_empty()));

    let want = contents(&dir_policy);
    assert_eq!(contents(&mapped), want);
    assert_eq!(contents(&copied), want);
    // The DNC list's index is used as it is, byte for byte.
    assert_eq!(mapped.dnc().as_bytes(), dir_policy.dnc().as_bytes());
    // Reproducible: the same directory gives the same bytes.
    assert_eq!(build(&example()), bytes);
}

#[test]
fn behavior_config_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    fs::create_dir(&dir).unwrap();
    fs::write(
        dir.join("policy.toml"),
        "sms_per_24h = 2\nrequire_consent = false\n[behavior]\nmax_messages_per_window = 7\n",
    )
    .unwrap();
    let want = chanrac_policy::load(&dir).unwrap();
    assert!(want.config().behavior.is_some());
    let got = snapshot::load_bytes(Path::new("p.snap"), &build(&dir)).unwrap();
    assert_eq!(got.config(), want.config());
    // An empty directory is an empty policy.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let got = snapshot::load_bytes(Path::new("e.snap"), &build(&empty)).unwrap();
    assert_eq!(contents(&got), contents(&Policy::default()));
}

#[test]
fn actions_round_trip() {
    use chanrac::actions::Action;
    use chanrac::Reason;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    fs::create_dir(&dir).unwrap();
    fs::write(
        dir.join("policy.toml"),
        "[actions]\nLABEL = \"flag\"\nFREQUENCY = \"off\"\nDNC = \"flag\"\nBEHAVIOR = \"block\"\n",
    )
    .unwrap();
    let want = chanrac_policy::load(&dir).unwrap();
    let a = want.config().actions;
    assert_eq!(a.get(Reason::Label), Action::Flag);
    assert_eq!(a.get(Reason::Frequency), Action::Off);
    assert_eq!(a.get(Reason::Dnc), Action::Flag);
    assert_eq!(a.get(Reason::Behavior), Action::Block);
    assert_eq!(a.get(Reason::NoConsent), Action::Block);
    let got = snapshot::load_bytes(Path::new("p.snap"), &build(&dir)).unwrap();
    assert_eq!(got.config().actions, a);
    assert_eq!(got.config(), want.config());
    // A bad action is refused when the snapshot is built, naming the file.
    fs::write(dir.join("policy.toml"), "[actions]\nDNC = \"off\"\n").unwrap();
    let e = snapshot::write(&dir, &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string().contains("policy.toml:2") && e.to_string().contains("never `off`"),
        "{e}"
    );
}

fn assert_clean(bytes: &[u8], what: &str) -> String {
    let name = Path::new("some/where/policy.snap");
    let e = snapshot::load_bytes(name, bytes).expect_err(what);
    assert_eq!(e.kind(), ErrorKind::BadInput, "{what}: {e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("some/where/policy.snap: "),
        "{what}: the error names the file: {msg}"
    );
    let message = e.message();
    assert_eq!(message, message.to_lowercase(), "{what}: lower case");
    msg
}

#[test]
fn truncated_files_are_refused() {
    let bytes = build(&example());
    let n = bytes.len();
    let mut lens: Vec<usize> = vec![0, 1, 7, 8, 11, 12, 23, 24, 239, 240, n - 8, n - 1];
    lens.extend((0..n).step_by(97));
    for len in lens {
        let msg = assert_clean(&bytes[..len], &format!("cut at {len}"));
        match len {
            0 => assert!(msg.contains("empty file"), "{msg}"),
            _ => assert!(msg.contains("truncated snapshot"), "cut at {len}: {msg}"),
        }
        let want = match len {
            0 => SnapshotError::Empty,
            1..=23 => SnapshotError::Truncated {
                len: len as u64,
                expected: 24,
            },
            _ => SnapshotError::Truncated {
                len: len as u64,
                expected: n as u64,
            },
        };
        assert_eq!(snapshot::verify(&bytes[..len]), Err(want));
    }
}

#[test]
fn flipped_bytes_are_refused() {
    let bytes = build(&example());
    let n = bytes.len();
    // Every byte of the header, then every 13th byte.
    let mut offsets: Vec<usize> = (0..24).chain((24..n).step_by(13)).collect();
    offsets.extend([n - 8, n - 1]);
    for at in offsets {
        for mask in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[at] ^= mask;
            let what = format!("byte {at} ^ {mask:#x}");
            let msg = assert_clean(&b, &what);
            let err = snapshot::verify(&b).unwrap_err();
            match at {
                0..=7 => assert_eq!(err, SnapshotError::NotSnapshot, "{what}"),
                8..=11 => assert!(
                    matches!(
                        err,
                        SnapshotError::Version {
                            supported: snapshot::VERSION,
                            ..
                        }
                    ),
                    "{what}: {err}"
                ),
                // The length field: shorter or longer than the file.
                16..=23 => assert!(
                    matches!(
                        err,
                        SnapshotError::Truncated { .. } | SnapshotError::Corrupt { .. }
                    ),
                    "{what}: {err}"
                ),
                _ => {
                    assert!(
                        matches!(err, SnapshotError::ChecksumMismatch { .. }),
                        "{what}: {err}"
                    );
                    assert!(msg.contains("checksum mismatch"), "{msg}");
                }
            }
        }
    }
}

#[test]
fn another_version_is_refused_by_name() {
    // Version 1 held the DNC list as an FST, version 2 had no link lists,
    // version 3 no accounts' upstream credentials, version 4 no DNC stream
    // position, version 5 no accounts' session counts; 7 is from the future.
    for (found, what) in [
        (1u32, "version 1"),
        (2, "version 2"),
        (3, "version 3"),
        (4, "version 4"),
        (5, "version 5"),
        (7, "version 7"),
    ] {
        let mut bytes = build(&example());
        bytes[8..12].copy_from_slice(&found.to_le_bytes());
        reseal(&mut bytes);
        assert_eq!(
            snapshot::verify(&bytes),
            Err(SnapshotError::Version {
                found,
                supported: 6
            })
        );
        let msg = assert_clean(&bytes, what);
        assert!(
            msg.contains(&format!(
                "{what} is not supported: this build reads version 6"
            )),
            "{msg}"
        );
    }
}

/// The DNC section damaged behind a valid frame is refused by the list's
/// own checks, with a message naming the section.
#[test]
fn a_damaged_dnc_section_is_named() {
    let bytes = build(&example());
    // The DNC section is the second entry of the section table.
    let at = 24 + 24;
    let offset = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
    let len = u64::from_le_bytes(bytes[at + 16..at + 24].try_into().unwrap()) as usize;
    assert!(len > 56, "the example has a DNC list");
    for (i, what) in [
        (offset, "magic"),
        (offset + 8, "version"),
        (offset + len - 1, "an entry"),
    ] {
        let mut b = bytes.clone();
        b[i] ^= 0x04;
        reseal(&mut b);
        let msg = assert_clean(&b, what);
        assert!(msg.contains("section `dnc`"), "{what}: {msg}");
    }
}

#[test]
fn empty_and_foreign_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.snap");
    fs::write(&empty, b"").unwrap();
    let e = chanrac_policy::load(&empty).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
    assert_eq!(e.path(), empty);
    assert!(e.to_string().contains("empty file"), "{e}");

    let csv = example().join("dnc.csv");
    let e = chanrac_policy::load(&csv).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
    assert!(e.to_string().contains("not a policy snapshot"), "{e}");
    assert!(e.to_string().contains("dnc.csv"), "{e}");

    // `build` takes a directory only.
    let e = snapshot::write(&csv, &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("not a policy directory"), "{e}");
}

#[test]
fn a_directory_still_loads() {
    let p = chanrac_policy::load(&example()).unwrap();
    assert!(!p.dnc().is_empty());
}

#[test]
fn a_bad_directory_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    fs::create_dir(&dir).unwrap();
    fs::write(
        dir.join("dnc.csv"),
        "number,scope\n0912345678,sms\n12,all\n",
    )
    .unwrap();
    let mut out = Vec::new();
    let e = snapshot::write(&dir, &mut out).unwrap_err();
    assert!(e.to_string().contains("dnc.csv:3"), "{e}");
    assert!(out.is_empty());
}

/// Corrupt section contents behind a valid frame (what only a deliberately
/// edited file has) are errors too, never panics: bytes of the section
/// table and of every section altered in turn, the checksum recomputed.
#[test]
fn resealed_damage_is_an_error_or_a_policy_never_a_panic() {
    let bytes = build(&example());
    let n = bytes.len();
    // Every byte of the section table, every third byte of the sections.
    let offsets = (24..240).chain((240..n - 8).step_by(3));
    let mut loaded = 0;
    for (i, at) in offsets.enumerate() {
        let mut b = bytes.clone();
        b[at] = if i % 2 == 0 {
            b[at] ^ 0xff
        } else {
            b[at].wrapping_add(1)
        };
        reseal(&mut b);
        match snapshot::load_bytes(Path::new("x.snap"), &b) {
            Ok(_) => loaded += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::BadInput);
                assert!(e.to_string().starts_with("x.snap: "), "{e}");
            }
        }
    }
    // Some edits are harmless (padding, a letter in a name); most are not.
    assert!(loaded > 0);
    // The fuzz entry point takes anything, resealing it too.
    let mut cut = bytes.clone();
    cut.truncate(300);
    for data in [&b""[..], b"CHANRAC\0", &bytes[..40], &cut, &bytes] {
        chanrac_policy::fuzz::snapshot_file(data);
    }
}

mod any_policy {
    //! Snapshot write → load gives the same policy, for generated policy
    //! directories: every file, with Vietnamese text, quoted fields, every
    //! scope, status, class and kind, dates present and absent.
    use super::*;
    use proptest::prelude::*;

    const ADVERTISERS: [&str; 4] = ["shop", "bank", "minhanh", "vt"];

    fn number() -> impl Strategy<Value = String> {
        (0u32..100_000_000, 0usize..4).prop_map(|(n, form)| match form {
            0 => format!("09{n:08}"),
            1 => format!("+84 9{n:08}"),
            2 => format!("024{n:08}"),
            _ => format!("8491{:07}", n % 10_000_000),
        })
    }

    fn one_of(v: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        prop::sample::select(v)
    }

    fn date(years: std::ops::Range<u32>) -> impl Strategy<Value = String> {
        prop::option::of((years, 1u32..13, 1u32..29))
            .prop_map(|d| d.map_or(String::new(), |(y, m, d)| format!("{y}-{m:02}-{d:02}")))
    }

    fn time() -> impl Strategy<Value = String> {
        (
            1u32..29,
            0u32..24,
            0u32..60,
            one_of(&["+07:00", "Z", "-01:30"]),
        )
            .prop_map(|(d, h, m, z)| format!("2026-02-{d:02}T{h:02}:{m:02}:00{z}"))
    }

    /// A name with a comma and Vietnamese letters (a quoted CSV field).
    fn label() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ]{0,12}".prop_map(|s| format!("\"Công ty {s}, Việt Nam\""))
    }

    fn rows<T: std::fmt::Debug>(
        s: impl Strategy<Value = T>,
        max: usize,
    ) -> impl Strategy<Value = Vec<T>> {
        prop::collection::vec(s, 0..max)
    }

    prop_compose! {
        fn directory()(
            dnc in rows((number(), one_of(&["sms", "call", "all"])), 12),
            // One row per identifier (a second is refused as a duplicate).
            brands in prop::collection::btree_map(
                "[A-Z][A-Z0-9]{0,10}",
                (
                    one_of(&ADVERTISERS),
                    one_of(&["active", "revoked", "suspended"]),
                    date(2020..2025),
                    date(2025..2030),
                ),
                0..8,
            ),
            accounts in prop::collection::btree_map(
                "[a-z][a-z0-9_]{2,14}",
                (one_of(&ADVERTISERS), one_of(&["ad", "care"]), "[!#-+\\--~]{1,8}"),
                0..6,
            ),
            advertisers in prop::collection::btree_map(
                one_of(&ADVERTISERS),
                (label(), one_of(&["organisation", "individual"])),
                0..4,
            ),
            consents in rows((one_of(&ADVERTISERS), number(), one_of(&["optin", "optout"]), time()), 8),
            signatures in prop::collection::btree_map(
                "[A-Z]{2,6}-[0-9]{2}",
                (any::<bool>(), "[a-zđơư][a-zđơư ]{2,19}"),
                0..5,
            ),
            suspended in rows((number(), label()), 6),
            agreements in rows((one_of(&ADVERTISERS), number(), one_of(&["window", "frequency"])), 5),
            toml in (1u32..=3, 0u32..=1, any::<bool>(), 1u32..=72),
        ) -> Vec<(&'static str, String)> {
            let csv = |head: &str, lines: Vec<String>| format!("{head}\n{}", lines.join("\n"));
            vec![
                ("policy.toml", format!(
                    "sms_per_24h = {}\ncalls_per_24h = {}\nrequire_consent = {}\nregistration_reply_hours = {}\n{}",
                    toml.0, toml.1, toml.2, toml.3,
                    // Every other policy its own [replies].
                    if toml.3 % 2 == 0 { "[replies]\nyes = [\"đồng ý\", \"có\"]\nno = [\"tc\"]\n" } else { "" },
                )),
                ("dnc.csv", csv("number,scope", dnc.into_iter().map(|(n, s)| format!("{n},{s}")).collect())),
                ("brandnames.csv", csv(
                    "identifier,advertiser,status,valid_from,valid_until",
                    brands.into_iter()
                        .map(|(i, (a, s, f, u))| format!("{i},{a},{s},{f},{u}"))
                        .collect(),
                )),
                ("accounts.csv", csv(
                    "account,advertiser,class,password,upstream_system_id,upstream_password",
                    accounts.into_iter()
                        .map(|(id, (a, c, p))| {
                            // Every other account has its own SMSC login.
                            let up = if p.len() % 2 == 0 { format!("smsc_{a},{p}") } else { ",".into() };
                            format!("{id},{a},{c},{p},{up}")
                        })
                        .collect(),
                )),
                ("advertisers.csv", csv(
                    "advertiser,name,kind",
                    advertisers.into_iter().map(|(a, (n, k))| format!("{a},{n},{k}")).collect(),
                )),
                ("consents.csv", csv(
                    "advertiser,recipient,state,time",
                    consents.into_iter().map(|(a, r, s, t)| format!("{a},{r},{s},{t}")).collect(),
                )),
                ("signatures.csv", csv(
                    "id,kind,pattern",
                    signatures.into_iter()
                        .map(|(id, (lit, p))| {
                            format!("{id},{},{p}", if lit { "literal" } else { "regex" })
                        })
                        .collect(),
                )),
                ("suspended.csv", csv(
                    "number,reason",
                    suspended.into_iter().map(|(n, r)| format!("{n},{r}")).collect(),
                )),
                ("agreements.csv", csv(
                    "advertiser,recipient,rule",
                    agreements.into_iter().map(|(a, r, l)| format!("{a},{r},{l}")).collect(),
                )),
            ]
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn a_snapshot_loads_the_policy_its_directory_loads(files in directory()) {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("p");
            fs::create_dir(&dir).unwrap();
            for (name, text) in &files {
                fs::write(dir.join(name), text).unwrap();
            }
            let want = chanrac_policy::load(&dir)
                .unwrap_or_else(|e| panic!("the generated directory loads: {e}\n{files:#?}"));
            let bytes = build(&dir);
            snapshot::verify(&bytes).unwrap();
            let got = snapshot::load_bytes(Path::new("p.snap"), &bytes).unwrap();
            prop_assert_eq!(contents(&got), contents(&want));
            prop_assert_eq!(got.dnc().as_bytes(), want.dnc().as_bytes());
            // Written again from the loaded snapshot's directory: the same bytes.
            prop_assert_eq!(build(&dir), bytes);
        }
    }
}
