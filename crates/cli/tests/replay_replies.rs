//! `chanrac replay` with `reply` events: a subscriber's yes to the
//! registration message gives consent, a later no refuses it, and the next
//! ad of each sees it; a reply whose source is not a number is bad input.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;

mod common;
use common::{chanrac, stderr};

fn policy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, b: &str| fs::write(dir.path().join(n), b).unwrap();
    w(
        "accounts.csv",
        "account,advertiser,class,password\nshop_ad,shop,ad,pw\n",
    );
    w(
        "brandnames.csv",
        "identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shop,active,2025-01-01,\n",
    );
    dir
}

fn replay(policy: &std::path::Path, events: &str) -> std::process::Output {
    let file = policy.join("events.csv");
    fs::write(&file, events).unwrap();
    chanrac(&[
        "replay",
        "--policy",
        policy.to_str().unwrap(),
        "--events",
        file.to_str().unwrap(),
    ])
}

#[test]
fn replies_give_and_withdraw_consent_in_replay() {
    let dir = policy();
    let out = replay(
        dir.path(),
        "id,time,channel,kind,source,advertiser,recipient,text\n\
         reg,2026-03-02T09:00:00+07:00,sms,registration,SHOPVN,shop_ad,84912000001,DKQC ShopVN tra loi CO\n\
         ad1,2026-03-02T09:30:00+07:00,sms,ad,SHOPVN,shop_ad,84912000001,[QC] Uu dai 50%\n\
         yes,2026-03-02T10:00:00+07:00,sms,reply,84912000001,shop_ad,9029,Có.\n\
         ad2,2026-03-02T11:00:00+07:00,sms,ad,SHOPVN,shop_ad,84912000001,[QC] Uu dai 50%\n\
         no,2026-03-03T08:00:00+07:00,sms,reply,84912000001,shop_ad,9029,T C\n\
         ad3,2026-03-03T09:00:00+07:00,sms,ad,SHOPVN,shop_ad,84912000001,[QC] Uu dai 50%\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let verdicts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons = |id: &str| -> Vec<String> {
        let v = verdicts.iter().find(|v| v["id"] == id).unwrap();
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect()
    };
    let has = |id: &str, code: &str| reasons(id).iter().any(|r| r == code);
    assert!(has("ad1", "NO_CONSENT"), "{:?}", reasons("ad1"));
    for id in ["yes", "no"] {
        let v = verdicts.iter().find(|v| v["id"] == id).unwrap();
        assert_eq!(v["decision"], "allow", "a reply is never blocked");
        assert!(reasons(id).is_empty());
    }
    assert!(
        !has("ad2", "NO_CONSENT") && !has("ad2", "REFUSED"),
        "{:?}",
        reasons("ad2")
    );
    assert!(has("ad3", "REFUSED"), "{:?}", reasons("ad3"));
}

#[test]
fn a_reply_from_a_name_is_bad_input() {
    let dir = policy();
    let out = replay(
        dir.path(),
        "id,time,channel,kind,source,advertiser,recipient,text\n\
         yes,2026-03-02T10:00:00+07:00,sms,reply,SHOPVN,shop_ad,9029,Có\n",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("events.csv:2"), "{}", stderr(&out));
}
