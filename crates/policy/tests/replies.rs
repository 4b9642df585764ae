//! Consent from replies: `policy.toml` `[replies]` (defaults, custom lists,
//! an entry in both lists refused) and `reply` events through the engine —
//! a `no` records an opt-out at any time, a `yes` an opt-in only within
//! `registration_reply_hours` of a counted registration message, and the
//! next ad sees it; the journal record is the subscriber's consent.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use chanrac::policy::ConsentState;
use chanrac::state::journal::{Record, RecordKind};
use chanrac::{Channel, Engine, Event, Kind, Number, Reason, Sender};
use chanrac_policy::{load_files, ErrorKind};
use jiff::Timestamp;

fn policy(toml: &str) -> Result<chanrac::Policy, chanrac_policy::LoadError> {
    load_files(
        Path::new("pol"),
        &[
            ("policy.toml", toml.as_bytes()),
            (
                "accounts.csv",
                b"account,advertiser,class,password\nshop_ad,shop,ad,pw\n",
            ),
            (
                "brandnames.csv",
                b"identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shop,active,2025-01-01,\n",
            ),
        ],
    )
}

#[test]
fn replies_default_and_custom() {
    let p = policy("").unwrap();
    let r = &p.config().replies;
    for yes in ["Có.", "OK!", "y", "Đồng ý", "co"] {
        assert_eq!(r.meaning(yes), Some(true), "{yes}");
    }
    for no in ["T C", "tc", "Từ chối", "HỦY", "không", "N"] {
        assert_eq!(r.meaning(no), Some(false), "{no}");
    }
    for neither in ["", "...", "cook", "có lẽ", "ok ok", "TC 9029"] {
        assert_eq!(r.meaning(neither), None, "{neither}");
    }
    let p = policy("[replies]\nyes = [\"dang ky\"]\n").unwrap();
    let r = &p.config().replies;
    assert_eq!(r.meaning("Đăng ký"), Some(true));
    assert_eq!(r.meaning("có"), None, "the list given replaces the default");
    assert_eq!(r.meaning("tc"), Some(false), "no keeps its default");
    // An entry in both lists (by skeleton) is a bad value, at its line.
    let e = policy("sms_per_24h = 3\n[replies]\nyes = [\"ok\", \"Huỷ\"]\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
    assert!(e.to_string().contains("policy.toml:2"), "{e}");
    assert!(e.to_string().contains("both yes and no"), "{e}");
    // An unknown key in [replies].
    assert!(policy("[replies]\nmaybe = [\"x\"]\n").is_err());
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn num(s: &str) -> Number {
    Number::parse(s).unwrap()
}

fn send(engine: &Engine, kind: Kind, time: &str, to: &str, text: &str) -> chanrac::Verdict {
    let name = chanrac::ident::Name::parse("SHOPVN").unwrap();
    let ev = Event::new(at(time), Channel::Sms, kind, Sender::Name(name), num(to))
        .with_advertiser("shop_ad")
        .with_text(text);
    engine.check(&ev)
}

fn reply(engine: &Engine, time: &str, from: &str, text: &str) -> chanrac::Verdict {
    let ev = Event::new(
        at(time),
        Channel::Sms,
        Kind::Reply,
        Sender::Number(num(from)),
        num("9029"),
    )
    .with_advertiser("shop_ad")
    .with_text(text);
    let v = engine.check(&ev);
    assert!(
        v.is_delivered() && v.reasons.is_empty(),
        "a reply is never blocked"
    );
    v
}

#[test]
fn replies_record_consent_that_the_next_ad_sees() {
    let p = policy("").unwrap();
    let engine = chanrac::EngineBuilder::new().build(policy("").unwrap());
    let ad = |engine: &Engine, time: &str, to: &str| {
        send(
            engine,
            Kind::Ad,
            time,
            to,
            "[QC] Ưu đãi 50%. Từ chối QC soạn TC gửi 9029",
        )
        .reasons
    };
    // A yes within the reply window of the registration message: opt-in.
    let a = "84912000001";
    let reg = send(
        &engine,
        Kind::Registration,
        "2026-03-02T09:00:00+07:00",
        a,
        "DKQC ShopVN: trả lời CO để nhận ưu đãi",
    );
    assert!(reg.counted, "{reg:?}");
    assert!(ad(&engine, "2026-03-02T09:30:00+07:00", a).contains(Reason::NoConsent));
    let v = reply(&engine, "2026-03-02T10:00:00+07:00", a, "Có.");
    assert_eq!((v.counted, v.consent), (true, Some(ConsentState::OptIn)));
    let rec = Record::of_check(
        &p,
        &Event::new(
            at("2026-03-02T10:00:00+07:00"),
            Channel::Sms,
            Kind::Reply,
            Sender::Number(num(a)),
            num("9029"),
        )
        .with_advertiser("shop_ad"),
        &v,
    )
    .unwrap();
    assert_eq!(
        (rec.kind, rec.recipient, rec.advertiser.as_str()),
        (RecordKind::OptIn, num(a), "shop")
    );
    let r = ad(&engine, "2026-03-02T11:00:00+07:00", a);
    assert!(
        !r.contains(Reason::NoConsent) && !r.contains(Reason::Refused),
        "{r:?}"
    );
    // Then a no, at any time: refused from then on.
    let v = reply(&engine, "2026-03-05T08:00:00+07:00", a, "T C");
    assert_eq!((v.counted, v.consent), (true, Some(ConsentState::OptOut)));
    assert!(ad(&engine, "2026-03-05T09:00:00+07:00", a).contains(Reason::Refused));

    // An unprompted yes (no registration message) changes nothing.
    let b = "84912000002";
    let v = reply(&engine, "2026-03-02T10:00:00+07:00", b, "ok");
    assert_eq!((v.counted, v.consent), (false, None));
    assert!(Record::of_check(
        &p,
        &Event::new(
            at("2026-03-02T10:00:00+07:00"),
            Channel::Sms,
            Kind::Reply,
            Sender::Number(num(b)),
            num("9029")
        )
        .with_advertiser("shop_ad"),
        &v
    )
    .is_none());
    assert!(ad(&engine, "2026-03-02T11:00:00+07:00", b).contains(Reason::NoConsent));

    // A yes after the reply window (24 h) changes nothing: still refused.
    let c = "84912000003";
    send(
        &engine,
        Kind::Registration,
        "2026-03-02T09:00:00+07:00",
        c,
        "DKQC ShopVN",
    );
    let v = reply(&engine, "2026-03-03T09:00:01+07:00", c, "dong y");
    assert!(!v.counted);
    assert!(ad(&engine, "2026-03-03T10:00:00+07:00", c).contains(Reason::Refused));

    // Neither yes nor no: nothing recorded.
    let d = "84912000004";
    send(
        &engine,
        Kind::Registration,
        "2026-03-02T09:00:00+07:00",
        d,
        "DKQC ShopVN",
    );
    let v = reply(&engine, "2026-03-02T09:10:00+07:00", d, "bao nhiêu tiền?");
    assert_eq!((v.counted, v.consent), (false, None));
}

#[test]
fn reply_is_a_kind_of_event() {
    assert_eq!(Kind::parse("reply"), Some(Kind::Reply));
    assert_eq!(Kind::Reply.name(), "reply");
    assert!(!Kind::Reply.is_advertising());
}
