//! The DNC stream from the command line, on a real `redis-server`:
//! `chanrac dnc add|remove --publish` appends one entry and prints its id;
//! `chanrac inbox --publish` appends every DK DNC / HUY DNC in file order;
//! `chanrac build --dnc-stream` writes a snapshot holding the stream's
//! changes and its position. Bad input is exit 2, a store down exit 1.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::process::Output;

use chanrac::dnc::Scopes;
use chanrac::Number;
use chanrac_testkit::{RedisServer, RespValue};

mod common;
use common::{chanrac, root, stderr};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

/// The stream's entries: (id, fields as name=value).
fn xrange(port: u16, key: &str) -> Vec<(String, Vec<String>)> {
    let v = chanrac_testkit::cmd(port, &["XRANGE", key, "-", "+"]).unwrap();
    let RespValue::Array(entries) = v else {
        panic!("XRANGE: {v:?}")
    };
    entries
        .into_iter()
        .map(|e| {
            let RespValue::Array(mut pair) = e else {
                panic!("entry: {e:?}")
            };
            let RespValue::Array(fields) = pair.pop().unwrap() else {
                panic!("fields")
            };
            let id = pair.pop().unwrap().as_str().unwrap().to_string();
            let f: Vec<String> = fields
                .chunks(2)
                .map(|kv| format!("{}={}", kv[0].as_str().unwrap(), kv[1].as_str().unwrap()))
                .collect();
            (id, f)
        })
        .collect()
}

#[test]
fn dnc_add_and_remove_publish_one_entry_each() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let o = chanrac(&[
        "dnc",
        "add",
        "0912 345 678",
        "--scope",
        "call",
        "--publish",
        &url,
        "--dnc-prefix",
        "c1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = stdout(&o).trim().to_string();
    let o = chanrac(&[
        "dnc",
        "remove",
        "+84912345678",
        "--publish",
        &url,
        "--dnc-prefix",
        "c1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = stdout(&o).trim().to_string();
    let entries = xrange(redis.port(), "c1:dnc");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].0, first);
    assert_eq!(entries[1].0, second);
    let f = &entries[0].1;
    assert_eq!(f[..3], ["number=84912345678", "change=add", "scope=call"]);
    assert!(f[3].starts_with("time=20"), "{f:?}");
    assert_eq!(f[4], "source=operator");
    assert_eq!(
        entries[1].1[..3],
        ["number=84912345678", "change=remove", "scope=all"]
    );

    // Bad input: exit 2, nothing appended.
    for args in [
        &["dnc", "add", "not-a-number", "--publish", &url][..],
        &[
            "dnc",
            "add",
            "0912345678",
            "--scope",
            "fax",
            "--publish",
            &url,
        ][..],
        &["dnc", "add", "0912345678", "--publish", "http://x"][..],
    ] {
        let o = chanrac(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    assert!(stderr(&chanrac(&["dnc", "add", "x1", "--publish", &url])).contains("bad number `x1`"));
    assert_eq!(xrange(redis.port(), "c1:dnc").len(), 2);

    // The store down: exit 1 with a message.
    redis.kill();
    let o = chanrac(&["dnc", "add", "0912345678", "--publish", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot reach the store"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn inbox_publishes_its_changes_in_order_and_build_takes_the_stream_in() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let tmp = tempfile::tempdir().unwrap();
    let data = root().join("testdata/inbox");
    let out = tmp.path().join("out");
    let o = chanrac(&[
        "inbox",
        "--policy",
        data.join("policy").to_str().unwrap(),
        "--messages",
        data.join("messages.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--publish",
        &url,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("10 DNC changes appended to chanrac:dnc"),
        "{}",
        stderr(&o)
    );
    // The files are the same as without --publish.
    assert_eq!(
        fs::read_to_string(out.join("dnc.csv")).unwrap(),
        fs::read_to_string(data.join("expected/dnc.csv")).unwrap()
    );
    let ids: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    let entries = xrange(redis.port(), "chanrac:dnc");
    assert_eq!(entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>(), ids);
    // One entry per row of dnc_changes.csv, in the same order.
    let rows = fs::read_to_string(out.join("dnc_changes.csv")).unwrap();
    let rows: Vec<&str> = rows.lines().skip(1).collect();
    assert_eq!(rows.len(), entries.len());
    for (row, (_, f)) in rows.iter().zip(&entries) {
        let cols: Vec<&str> = row.split(',').collect();
        let change = if cols[3] == "register" {
            "add"
        } else {
            "remove"
        };
        assert_eq!(f[0], format!("number={}", cols[2]), "{row}");
        assert_eq!(f[1], format!("change={change}"), "{row}");
        assert_eq!(f[2], format!("scope={}", cols[4]), "{row}");
        let t: jiff::Timestamp = cols[1].parse().unwrap();
        assert_eq!(f[3], format!("time={t}"), "{row}");
        assert_eq!(f[4], "source=5656");
    }

    // A snapshot of a policy directory whose list knows none of it, built
    // with the stream: the same list inbox wrote, and the stream's position.
    let policy = tmp.path().join("policy");
    fs::create_dir(&policy).unwrap();
    fs::copy(data.join("policy/dnc.csv"), policy.join("dnc.csv")).unwrap();
    let snap = tmp.path().join("p.snap");
    let o = chanrac(&[
        "build",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        snap.to_str().unwrap(),
        "--dnc-stream",
        &url,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let last = ids.last().unwrap();
    assert!(
        stderr(&o).contains(&format!(
            "DNC stream chanrac:dnc: 10 entries applied (0 skipped), position {last}"
        )),
        "{}",
        stderr(&o)
    );
    let p = chanrac_policy::load(&snap).unwrap();
    let mark = p.dnc_stream().unwrap();
    assert_eq!((&*mark.key, &*mark.id), ("chanrac:dnc", last.as_str()));
    let expected = fs::read_to_string(out.join("dnc.csv")).unwrap();
    let mut listed = 0;
    for row in expected.lines().skip(1) {
        let (number, scope) = row.split_once(',').unwrap();
        assert_eq!(
            p.dnc().get(n(number)),
            Scopes::parse(scope).unwrap(),
            "{row}"
        );
        listed += 1;
    }
    assert_eq!(p.dnc().len(), listed);
    // A plain build records no position.
    let o = chanrac(&[
        "build",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        snap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(chanrac_policy::load(&snap).unwrap().dnc_stream().is_none());

    // The store down: exit 1, the snapshot left as it was.
    let before = fs::read(&snap).unwrap();
    drop(redis);
    let o = chanrac(&[
        "build",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        snap.to_str().unwrap(),
        "--dnc-stream",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot read the DNC stream"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&snap).unwrap(), before);
}
