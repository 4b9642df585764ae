//! End to end: the Python `smpplib` client (a real ESME library nobody here
//! wrote) → `chanrac-smpp` → the Rust sink SMSC, on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{policy_dir, skip_missing_peer, ProxyProcess};

fn smpplib_available() -> bool {
    Command::new("python3")
        .args(["-c", "import smpplib"])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_client_through_the_proxy_to_the_sink() {
    if skip_missing_peer(
        smpplib_available(),
        "CHANRAC_REQUIRE_SMPPLIB",
        "python3 cannot import smpplib (pip install smpplib)",
    ) {
        return;
    }
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smpplib_client.py");
    let port = proxy.port.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, "127.0.0.1", &port])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smpplib script failed: {}\nstdout:\n{stdout}\nstderr:\n{}\nproxy:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        proxy.stderr()
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_name: HashMap<&str, &serde_json::Value> = results
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r))
        .collect();
    let statuses = |name: &str| -> Vec<u64> {
        by_name[name]["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap())
            .collect()
    };

    // Exactly the statuses each message got.
    assert_eq!(statuses("ucs2_ad"), [0]);
    assert_eq!(by_name["ucs2_ad"]["coding"], 8, "smpplib chose UCS-2");
    assert_eq!(statuses("gsm7_ad"), [0]);
    assert_eq!(by_name["gsm7_ad"]["coding"], 0, "smpplib chose GSM 7-bit");
    assert_eq!(statuses("long_ad"), [0, 0, 0], "3 parts, one decision");
    // The long ad counted once: two more ads fit the cap of 3 per 24 h...
    assert_eq!(statuses("second_ad"), [0]);
    assert_eq!(statuses("third_ad"), [0]);
    // ...and the fourth is over it (FREQUENCY).
    assert_eq!(statuses("fourth_ad"), [0x45]);
    assert_eq!(statuses("dnc_ad"), [0x45]);
    assert_eq!(statuses("care"), [0]);
    // The same status as an unknown account (no account enumeration).
    assert_eq!(statuses("wrong_password"), [0x0D]);
    assert_eq!(results.len(), 9);

    // Exactly the allowed messages arrived upstream, whole and in order,
    // each ESME answer carrying the sink's message_id.
    let got = sink.received();
    let mut expected_ids = Vec::new();
    let mut arrived = Vec::new();
    let mut i = 0;
    for name in [
        "ucs2_ad",
        "gsm7_ad",
        "long_ad",
        "second_ad",
        "third_ad",
        "care",
    ] {
        let r = by_name[name];
        let parts = r["parts"].as_u64().unwrap() as usize;
        assert!(
            i + parts <= got.len(),
            "missing upstream parts for {name}: {got:#?}"
        );
        let text: String = got[i..i + parts].iter().map(|g| g.text.as_str()).collect();
        assert_eq!(text, r["text"].as_str().unwrap(), "{name}");
        assert_eq!(got[i].destination, r["to"].as_str().unwrap());
        assert_eq!(got[i].source, "SHOPVN");
        for (k, g) in got[i..i + parts].iter().enumerate() {
            if parts > 1 {
                assert_eq!(g.concat.map(|c| (c.total, c.seq)), Some((3, k as u8 + 1)));
            }
            expected_ids.push(g.message_id.clone());
        }
        for id in r["message_ids"].as_array().unwrap() {
            arrived.push(id.as_str().unwrap().to_string());
        }
        i += parts;
    }
    assert_eq!(
        got.len(),
        8,
        "only allowed messages are forwarded: {got:#?}"
    );
    assert_eq!(arrived, expected_ids);
    assert!(got
        .iter()
        .all(|g| !g.text.contains("thứ tư") && !g.text.contains("DNC")));

    let log = proxy.stderr();
    assert!(log.contains("FREQUENCY"), "{log}");
    assert!(log.contains("DNC"), "{log}");
}

/// `data_sm` from smpplib: checked like `submit_sm` (a spam phrase and a
/// DNC number refused with the reject status in a `data_sm_resp`), the
/// allowed one forwarded with the SMSC's message_id, and its delivery
/// receipt comes back to the same transceiver, referring to that id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_data_sm_is_checked_and_its_receipt_comes_back() {
    if !smpplib_available() {
        assert!(
            std::env::var_os("CHANRAC_REQUIRE_SMPPLIB").is_none(),
            "CHANRAC_REQUIRE_SMPPLIB is set but python3 cannot import smpplib"
        );
        eprintln!("skipped: python3 cannot import smpplib");
        return;
    }
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    std::fs::write(
        dir.path().join("signatures.csv"),
        "id,kind,pattern\nSPAM-VAY,literal,vay tiền nhanh\n",
    )
    .unwrap();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smpplib_data_sm.py");
    let port = proxy.port.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, "127.0.0.1", &port])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smpplib script failed: {}\nstdout:\n{stdout}\nstderr:\n{}\nproxy:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        proxy.stderr()
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 3, "{stdout}");
    assert!(results.iter().all(|r| r["command"] == "data_sm_resp"));
    assert_eq!(results[0]["status"], 0x45, "spam");
    assert_eq!(results[1]["status"], 0x45, "DNC");
    assert_eq!(results[2]["status"], 0, "allowed");
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].text, "[QC] Ưu đãi cuối tuần");
    assert_eq!(results[2]["message_id"], got[0].message_id.as_str());
    assert_eq!(results[2]["receipted"], got[0].message_id.as_str());
    let text = results[2]["receipt_text"].as_str().unwrap();
    assert!(
        text.contains(&format!("id:{} ", got[0].message_id)),
        "{text}"
    );
}
