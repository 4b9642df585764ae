//! `chanrac-smpp --follow-dnc redis://…`: a DNC change appended to the
//! stream by another node stops the next ad SMS to that number once the
//! proxy's stream position reaches it (waited for on the logged position,
//! bounded). A real proxy, a sink SMSC and a real `redis-server`.
//!
//! Skipped (with a line on standard error) when `redis-server` is not
//! installed, unless `CHANRAC_REQUIRE_REDIS=1`.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use chanrac::dnc::{DncChange, Scopes};
use chanrac::Number;
use chanrac_smpp::pdu::status;
use chanrac_smpp::sink::Sink;
use chanrac_store::shared::dnc::{DncEntry, Publisher};
use chanrac_testkit::RedisServer;
use common::{ad, policy_dir, Bind, Esme, ProxyProcess};
use rusmpp::Pdu;

/// The reject status (the proxy's default).
const REJECT: u32 = status::ESME_RSUBMITFAIL;

/// An ESME bound as a transceiver to `shopvn_ad`; submits one ad at a time.
impl Esme {
    async fn bound(port: u16) -> Esme {
        Esme::login(port, "shopvn_ad", "secret1", Bind::Trx).await
    }

    /// Submits an ad from `SHOPVN` to `to`; its status.
    async fn submit(&mut self, to: &str) -> u32 {
        let sm = ad(to, "[QC] Ưu đãi cuối tuần");
        let seq = self.send(sm).await;
        loop {
            let c = self.recv().await;
            match c.pdu() {
                Some(Pdu::SubmitSmResp(_)) if c.sequence_number() == seq => {
                    return u32::from(c.status())
                }
                Some(Pdu::DeliverSm(_)) => self.ack(&c, status::ESME_ROK).await,
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn a_dnc_change_from_another_node_stops_the_next_ad_sms() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let dir = policy_dir();
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--follow-dnc", &url]).await;
    proxy.logged("following the DNC stream", 1).await;
    let mut esme = Esme::bound(proxy.port).await;
    assert_eq!(esme.submit("84912000001").await, status::ESME_ROK);

    let mut p = Publisher::connect(&url, "chanrac", Duration::from_secs(5)).unwrap();
    let ids = p
        .publish(&[DncEntry {
            number: Number::parse("0912000002").unwrap(),
            change: DncChange::Add(Scopes::SMS),
            time: None,
            source: "5656".into(),
        }])
        .unwrap();
    proxy.logged(&format!("position={}", ids[0]), 1).await;
    assert_eq!(esme.submit("84912000002").await, REJECT);
    assert_eq!(esme.submit("84912000003").await, status::ESME_ROK);
}
