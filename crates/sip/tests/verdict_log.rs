//! `chanrac-sip --verdict-log DIR`: one JSON line per checked call, in the
//! day's file, with the id `Call-ID CSeq`, the decision and reasons, and
//! the event's keys as `chanrac replay` reads them back.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use chanrac::{Channel, Kind};
use chanrac_policy::events::{EventReader, EventRow};
use common::{consented, status, write_policy, Client, Server, AD_CALLER, DNC_CALLEE, P2P_CALLER};

#[test]
fn every_checked_call_is_logged_and_reads_back_as_events() {
    let policy = tempfile::tempdir().unwrap();
    write_policy(policy.path());
    let logs = tempfile::tempdir().unwrap();
    let dir = logs.path().join("verdicts");
    let server = Server::start(
        policy.path(),
        &["--verdict-log", dir.to_str().unwrap(), "--log-text", "full"],
    );
    let c = Client::new(server.addr);
    let callee = consented(3);
    let first = c.invite("v-1", 7, AD_CALLER, &callee, "");
    assert_eq!(status(&c.ask(first.as_bytes())), 302);
    // A retransmission is not checked again, so not logged again.
    assert_eq!(status(&c.ask(first.as_bytes())), 302);
    assert_eq!(
        status(&c.ask(c.invite("v-2", 1, AD_CALLER, DNC_CALLEE, "").as_bytes())),
        603
    );
    assert_eq!(
        status(&c.ask(c.invite("v-3", 1, P2P_CALLER, &callee, "").as_bytes())),
        302
    );
    let from = server.log_len();
    server.signal("TERM");
    server.wait_log("verdict log closed", from);

    // --fixed-time 2026-03-02T09:15:00+07:00: the 2nd's file.
    let file = dir.join("verdicts-2026-03-02.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let got: Vec<(String, String, Vec<String>)> = lines
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["decision"].as_str().unwrap().to_string(),
                v["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("v-1 7".to_string(), "allow".to_string(), vec![]),
            (
                "v-2 1".to_string(),
                "block".to_string(),
                vec!["DNC".to_string()]
            ),
            ("v-3 1".to_string(), "allow".to_string(), vec![]),
        ]
    );
    assert_eq!(lines[0]["time"], "2026-03-02T09:15:00+07:00");
    assert_eq!(lines[0]["advertiser"], "shopx");

    // Read back as events, as `chanrac replay` does.
    let mut reader = EventReader::open(&file).unwrap();
    let mut row = EventRow::default();
    let mut events = vec![];
    while reader.read(&mut row).unwrap() {
        let ev = row.event();
        events.push((
            row.id().to_string(),
            ev.channel,
            ev.kind,
            ev.recipient.to_string(),
        ));
    }
    assert_eq!(
        events,
        vec![
            (
                "v-1 7".to_string(),
                Channel::Call,
                Kind::Ad,
                format!("84{}", &callee[1..])
            ),
            (
                "v-2 1".to_string(),
                Channel::Call,
                Kind::Ad,
                format!("84{}", &DNC_CALLEE[1..])
            ),
            (
                "v-3 1".to_string(),
                Channel::Call,
                Kind::P2p,
                format!("84{}", &callee[1..])
            ),
        ]
    );
}
