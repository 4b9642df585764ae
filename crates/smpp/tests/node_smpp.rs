//! An SMSC and an ESME that are not ours: both written with node-smpp (npm
//! `smpp`, `tests/node/peers.js`), the ESME through `chanrac-smpp` to the
//! SMSC. Another codec's PDUs: binds with `interface_version` 0x50 (SMPP
//! 5.0), upper-case hexadecimal message ids, receipts with the
//! `receipted_message_id` TLV and receipts naming the id in decimal in their
//! text alone, `submit_multi` (a receipt per destination), `data_sm`,
//! `query_sm`, `cancel_sm`, `replace_sm` (refused), UDH and SAR parts,
//! `message_payload`, the SMSC's own error, enquire_link and unbind, a
//! transmitter and a receiver of one account, a subscriber's refusal and
//! the ESME's `unbind`. Skipped when `node` or the package is missing (`npm ci` in
//! `tests/node`; `scripts/test` does it), unless `CHANRAC_REQUIRE_NODE_SMPP`
//! is set.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chanrac_smpp::pdu::status;
use common::{policy_with_logins, skip_missing_peer, ProxyProcess};
use serde_json::Value;

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn node_available() -> bool {
    node_dir().join("node_modules/smpp/package.json").exists()
        && Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// The node process, killed on drop.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a receipt's text names, in its `id:` field, the id the ESME was
/// given: as written, in another case, or in decimal for a hexadecimal id
/// (as the SMSC wrote it, when the proxy had no cause to rewrite it).
fn names_id(text: &str, given: &str) -> bool {
    let Some(named) = text
        .strip_prefix("id:")
        .and_then(|t| t.split_whitespace().next())
    else {
        return false;
    };
    named.eq_ignore_ascii_case(given) || u64::from_str_radix(given, 16).ok() == named.parse().ok()
}

fn facts<'a>(lines: &'a [Value], ev: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["ev"] == ev).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_smpp_esme_and_smsc_through_the_proxy() {
    if skip_missing_peer(
        node_available(),
        "CHANRAC_REQUIRE_NODE_SMPP",
        "node or node-smpp is missing (npm ci in crates/smpp/tests/node)",
    ) {
        return;
    }
    let dir = policy_with_logins();
    std::fs::write(
        dir.path().join("dnc.csv"),
        "number,scope\n0912000008,sms\n0912000009,sms\n",
    )
    .unwrap();

    let mut node = Node(
        Command::new("node")
            .arg("peers.js")
            .current_dir(node_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel::<Value>();
    let out = node.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str(&line) {
                Ok(v) => {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                Err(_) => eprintln!("node: {line}"),
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(first["ev"], "listening", "{first}");
    let smsc_port = first["port"].as_u64().unwrap();
    let sink = format!("127.0.0.1:{smsc_port}").parse().unwrap();
    let proxy = ProxyProcess::start(dir.path(), sink, &[]).await;
    let mut stdin = node.0.stdin.take().unwrap();
    writeln!(stdin, "{}", proxy.port).unwrap();
    stdin.flush().unwrap();

    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(v) => {
                let end = v["ev"] == "done" || v["ev"] == "failed";
                lines.push(v);
                if end {
                    break;
                }
            }
            Err(e) => panic!(
                "node went quiet ({e}): {lines:#?}\nproxy:\n{}",
                proxy.stderr()
            ),
        }
    }
    let all = format!("{lines:#?}\nproxy:\n{}", proxy.stderr());
    assert_eq!(lines.last().unwrap()["ev"], "done", "{all}");

    // Binds: the ESME's (SMPP 5.0's interface_version) is taken; upstream
    // the proxy binds with the account's own login.
    let bind = facts(&lines, "esme_bind_resp");
    assert_eq!(bind[0]["status"], 0, "{all}");
    assert!(
        facts(&lines, "smsc_bind")
            .iter()
            .any(|b| b["system_id"] == "smsc_ad" && b["password"] == "up1"),
        "{all}"
    );
    assert_eq!(facts(&lines, "esme_enquire_link_resp")[0]["status"], 0);

    // Allowed ads reach the SMSC; each receipt names the id the ESME was
    // given, written as the receipt wrote it or not at all changed.
    let sent: Vec<_> = facts(&lines, "smsc_submit_sm");
    let tos: Vec<_> = sent.iter().map(|s| s["to"].as_str().unwrap()).collect();
    assert!(
        tos.contains(&"84912000001") && tos.contains(&"84912000002"),
        "{all}"
    );
    // Two for single ads, three for the destinations of a submit_multi
    // (which all name the one id its answer gave).
    let receipts = facts(&lines, "esme_receipt");
    assert_eq!(receipts.len(), 2 + 3, "{all}");
    for r in &receipts {
        let given = r["given"].as_str().unwrap();
        let text = r["text"].as_str().unwrap();
        assert!(
            names_id(text, given),
            "receipt {text} for given id {given}: {all}"
        );
        if let Some(tlv) = r["receipted_message_id"].as_str() {
            assert!(tlv.eq_ignore_ascii_case(given), "{all}");
        }
    }
    assert!(
        receipts
            .iter()
            .any(|r| r["receipted_message_id"].is_string()),
        "{all}"
    );
    for r in facts(&lines, "smsc_receipt_resp") {
        assert_eq!(r["status"], 0, "{all}");
    }

    // The DNC number: refused by the proxy, never at the SMSC.
    let resp = |to: &str| {
        facts(&lines, "esme_submit_sm_resp")
            .into_iter()
            .find(|r| r["to"] == to)
            .unwrap_or_else(|| panic!("no answer for {to}: {all}"))
            .clone()
    };
    assert_eq!(resp("84912000001")["status"], 0);
    assert_ne!(resp("84912000009")["status"], 0, "{all}");
    assert!(!tos.contains(&"84912000009"), "{all}");

    // submit_multi: three delivered, the two DNC numbers listed.
    let multi = facts(&lines, "esme_submit_multi_resp")[0];
    assert_eq!(multi["status"], 0, "{all}");
    let mut failed: Vec<_> = multi["unsuccess"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[0].as_str().unwrap().to_string())
        .collect();
    failed.sort();
    assert_eq!(failed, ["84912000008", "84912000009"], "{all}");
    for u in multi["unsuccess"].as_array().unwrap() {
        assert_ne!(u[1], 0, "{all}");
    }
    let mut reached: Vec<String> = facts(&lines, "smsc_submit_sm")
        .iter()
        .filter(|s| s["text"] == "[QC] Uu dai thang 3")
        .map(|s| s["to"].as_str().unwrap().to_string())
        .chain(
            facts(&lines, "smsc_submit_multi")
                .iter()
                .flat_map(|m| m["to"].as_array().unwrap().iter())
                .map(|t| t.as_str().unwrap().to_string()),
        )
        .filter(|t| ["84912000003", "84912000004", "84912000005"].contains(&t.as_str()))
        .collect();
    reached.sort();
    assert_eq!(
        reached,
        ["84912000003", "84912000004", "84912000005"],
        "{all}"
    );

    // data_sm: checked like submit_sm; the allowed one reaches the SMSC
    // (as the `submit_sm` it amounts to, its text in `message_payload`),
    // the one to a DNC number does not.
    let data = facts(&lines, "esme_data_sm_resp");
    assert_eq!(data[0]["status"], 0, "{all}");
    assert_ne!(data[1]["status"], 0, "{all}");
    let data_at_smsc: Vec<_> = lines
        .iter()
        .filter(|l| l["ev"] == "smsc_submit_sm" || l["ev"] == "smsc_data_sm")
        .filter(|l| l["to"] == "84912000007" || l["to"] == "84912000008")
        .collect();
    assert_eq!(data_at_smsc.len(), 1, "{all}");
    assert_eq!(data_at_smsc[0]["to"], "84912000007");
    assert_eq!(data_at_smsc[0]["text"], "[QC] Uu dai qua data_sm", "{all}");

    // query_sm passes through, in the SMSC's ids.
    assert_eq!(facts(&lines, "esme_query_sm_resp")[0]["status"], 0, "{all}");
    let smsc_ids: Vec<_> = lines
        .iter()
        .filter(|l| l["ev"].as_str().is_some_and(|e| e.starts_with("smsc_")))
        .filter_map(|l| l["id"].as_str())
        .collect();
    let queried = facts(&lines, "smsc_query_sm");
    assert_eq!(queried.len(), 1, "{all}");
    assert!(
        smsc_ids.contains(&queried[0]["id"].as_str().unwrap()),
        "{all}"
    );

    // UCS-2 text; a message in two parts, each part answered: both
    // forwarded when allowed, both refused when not.
    assert_eq!(resp("ucs2")["status"], 0, "{all}");
    let parts = facts(&lines, "esme_parts_resp");
    assert_eq!(parts[0]["to"], "84912000002");
    assert_eq!(parts[0]["status"], serde_json::json!([0, 0]), "{all}");
    assert_eq!(parts[1]["to"], "84912000009");
    let refused = parts[1]["status"].as_array().unwrap();
    assert!(refused.iter().all(|s| s != 0), "{all}");
    let halves: Vec<_> = facts(&lines, "smsc_submit_sm")
        .into_iter()
        .filter(|s| s["to"] == "84912000002")
        .filter(|s| {
            let t = s["text"].as_str().unwrap();
            t.ends_with("[QC] Uu dai cuoi tuan: giam 50% ")
                || t.ends_with("cho moi don hang tu 200k")
        })
        .collect();
    assert_eq!(halves.len(), 2, "the two parts: {all}");
    assert_eq!(facts(&lines, "smsc_enquire_link_resp")[0]["status"], 0);

    // The SMSC's unbind is answered; the proxy binds again and traffic
    // goes on.
    assert_eq!(facts(&lines, "smsc_unbind_resp")[0]["status"], 0, "{all}");
    assert_eq!(resp("after_unbind")["status"], 0, "{all}");

    // The SMSC's own error reaches the ESME as it is.
    assert_eq!(resp("throttled")["status"], 0x58, "{all}");
    assert_eq!(facts(&lines, "smsc_throttled").len(), 1, "{all}");

    // SAR parts and message_payload: checked and forwarded.
    let sar = facts(&lines, "esme_parts_resp")
        .into_iter()
        .find(|p| p["to"] == "sar")
        .unwrap();
    assert_eq!(sar["status"], serde_json::json!([0, 0]), "{all}");
    let texts: Vec<_> = facts(&lines, "smsc_submit_sm")
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect();
    for t in [
        "[QC] Uu dai lon: giam 50% ",
        "cho moi don tu 200k",
        "[QC] Uu dai trong message_payload",
    ] {
        assert!(texts.iter().any(|x| x == t), "{t:?} not at the SMSC: {all}");
    }
    assert_eq!(resp("payload")["status"], 0, "{all}");

    // cancel_sm passes through in the SMSC's id; replace_sm is refused and
    // never reaches the SMSC.
    assert_eq!(
        facts(&lines, "esme_cancel_sm_resp")[0]["status"],
        0,
        "{all}"
    );
    let cancelled = facts(&lines, "smsc_cancel_sm");
    assert_eq!(cancelled.len(), 1, "{all}");
    assert!(smsc_ids.contains(&cancelled[0]["id"].as_str().unwrap()));
    assert_eq!(
        facts(&lines, "esme_replace_sm_resp")[0]["status"],
        status::ESME_RREPLACEFAIL,
        "{all}"
    );
    assert!(facts(&lines, "smsc_replace_sm").is_empty(), "{all}");

    // A transmitter and a receiver of one account: the receipt of what the
    // transmitter sent reaches the receiver, under the id it was given.
    assert_eq!(
        facts(&lines, "care_bind_resp")[0]["status"],
        serde_json::json!([0, 0])
    );
    assert_eq!(
        facts(&lines, "care_submit_sm_resp")[0]["status"],
        0,
        "{all}"
    );
    let care = facts(&lines, "care_receipt");
    assert_eq!(care.len(), 1, "{all}");
    let given = care[0]["given"].as_str().unwrap();
    assert!(names_id(care[0]["text"].as_str().unwrap(), given), "{all}");

    // The subscriber's refusal reaches the ESME and stops the next ad.
    assert_eq!(facts(&lines, "smsc_mo_resp")[0]["status"], 0, "{all}");
    let mo = facts(&lines, "esme_mo")[0];
    assert_eq!(mo["text"], "TC", "{all}");
    assert_eq!(mo["to"], "9029", "{all}");
    let after = resp("84912000006")["status"].as_u64().unwrap();
    assert_ne!(after, u64::from(status::ESME_ROK), "{all}");
    assert!(proxy.stderr().contains("REFUSED"), "{all}");

    assert_eq!(facts(&lines, "esme_unbind_resp")[0]["status"], 0, "{all}");
    assert!(
        facts(&lines, "esme_error").is_empty(),
        "the ESME saw an error: {all}"
    );
}
