//! `chanrac-smpp --metrics`, `--verdict-log` and `--mode monitor`, over
//! loopback through the binary to the sink SMSC: after known traffic the
//! counters match it and pass `promtool check metrics`, `/readyz` is ready
//! with the SMSC up, the verdict log has one line per message (id: the
//! SMSC's message_id, empty when blocked), and in monitor mode a message
//! that would be blocked is forwarded and counted as flagged.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream as StdTcp};
use std::time::Duration;

use chanrac_smpp::pdu::status;
use chanrac_smpp::sink::Sink;
use common::{ad, metrics_addr, policy_dir, value, Bind, Esme, ProxyProcess};
use rusmpp::{Command, Pdu};

impl Esme {
    async fn bound(port: u16) -> Esme {
        Esme::login(port, "shopvn_ad", "secret1", Bind::Tx).await
    }

    /// The next PDU that is not the proxy's `enquire_link`.
    async fn reply(&mut self) -> Command {
        loop {
            let c = self.recv().await;
            if !matches!(c.pdu(), Some(Pdu::EnquireLink)) {
                return c;
            }
        }
    }

    /// Submits `text` to `to`: (status, message_id).
    async fn submit(&mut self, to: &str, text: &str) -> (u32, String) {
        let sm = ad(to, text);
        let seq = self.send(sm).await;
        let c = self.reply().await;
        assert_eq!(c.sequence_number(), seq);
        let id = match c.pdu() {
            Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
            other => panic!("{other:?}"),
        };
        (u32::from(c.status()), id)
    }
}

/// `GET path` → (status, body).
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = StdTcp::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

fn checks(m: &str, decision: &str) -> f64 {
    value(
        m,
        &format!("chanrac_checks_total{{channel=\"sms\",kind=\"ad\",decision=\"{decision}\"}}"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_verdict_log_match_the_traffic() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let logs = tempfile::tempdir().unwrap();
    let proxy = ProxyProcess::start(
        dir.path(),
        sink.addr,
        &[
            "--metrics",
            "127.0.0.1:0",
            "--verdict-log",
            logs.path().to_str().unwrap(),
        ],
    )
    .await;
    let metrics = metrics_addr(&proxy).await;
    assert_eq!(get(metrics, "/healthz").0, 200);

    let mut e = Esme::bound(proxy.port).await;
    let (st, id) = e.submit("84912000001", "[QC] Uu dai hom nay").await;
    assert_eq!(st, status::ESME_ROK);
    // 0912000009 is on the DNC list.
    let (st, _) = e.submit("84912000009", "[QC] Uu dai hom nay").await;
    assert_eq!(st, 0x45);

    let (code, m) = get(metrics, "/metrics");
    assert_eq!(code, 200);
    assert_eq!(checks(&m, "allow"), 1.0, "{m}");
    assert_eq!(checks(&m, "block"), 1.0, "{m}");
    assert_eq!(
        value(
            &m,
            "chanrac_check_reasons_total{channel=\"sms\",kind=\"ad\",reason=\"DNC\",decision=\"block\"}"
        ),
        1.0,
        "{m}"
    );
    assert_eq!(value(&m, "chanrac_check_duration_seconds_count"), 2.0);
    assert_eq!(value(&m, "chanrac_request_duration_seconds_count"), 2.0);
    assert_eq!(
        value(&m, "chanrac_smpp_upstream_requests_total"),
        1.0,
        "{m}"
    );
    assert_eq!(value(&m, "chanrac_smpp_upstream_errors_total"), 0.0, "{m}");
    assert_eq!(value(&m, "chanrac_smpp_upstream_up"), 1.0, "{m}");
    assert_eq!(
        value(&m, "chanrac_smpp_upstream_duration_seconds_count"),
        1.0
    );
    assert_eq!(value(&m, "chanrac_smpp_held_parts"), 0.0);
    assert!(value(&m, "chanrac_smpp_connections_open") >= 1.0, "{m}");
    assert_eq!(value(&m, "chanrac_dnc_numbers"), 1.0, "{m}");
    assert_eq!(value(&m, "chanrac_policy_generation"), 1.0);
    assert!(m.contains("chanrac_build_info{adapter=\"smpp\""), "{m}");
    chanrac_testkit::promtool_check(&m);
    assert_eq!(get(metrics, "/readyz"), (200, "ready\n".to_string()));

    // Every metric the shipped dashboard and rules name for chanrac-smpp
    // is served.
    let shipped =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/monitoring");
    let mut used = String::new();
    for f in ["grafana-dashboard.json", "alerts.yml"] {
        used.push_str(&std::fs::read_to_string(shipped.join(f)).unwrap());
    }
    let mut rest = used.as_str();
    while let Some(i) = rest.find("chanrac_smpp_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end]
            .trim_end_matches("_bucket")
            .trim_end_matches("_count")
            .trim_end_matches("_sum");
        assert!(
            m.contains(&format!("# TYPE {name} ")),
            "{name} is used by examples/monitoring but not served:\n{m}"
        );
        rest = &tail[end..];
    }

    // The verdict log: one line per message, in order.
    proxy.terminate();
    let t = std::fs::read_to_string(logs.path().join("verdicts-2026-03-02.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = t
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{t}");
    assert_eq!(lines[0]["id"], id.as_str());
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[0]["recipient"], "84912000001");
    assert_eq!(lines[0]["source"], "SHOPVN");
    assert_eq!(lines[0]["advertiser"], "shopvn_ad");
    let text = lines[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("[QC]#xxh3:") && !text.contains("Uu dai"),
        "{text}"
    );
    assert_eq!(lines[1]["id"], "");
    assert_eq!(lines[1]["decision"], "block");
    assert_eq!(lines[1]["reasons"], serde_json::json!(["DNC"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_mode_forwards_what_would_be_blocked_and_counts_it_flagged() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(
        dir.path(),
        sink.addr,
        &["--mode", "monitor", "--metrics", "127.0.0.1:0"],
    )
    .await;
    let metrics = metrics_addr(&proxy).await;
    let mut e = Esme::bound(proxy.port).await;
    let (st, id) = e.submit("84912000009", "[QC] Uu dai hom nay").await;
    assert_eq!(st, status::ESME_ROK, "monitor mode delivers");
    assert!(!id.is_empty());
    assert_eq!(sink.received().len(), 1);
    let (_, m) = get(metrics, "/metrics");
    assert_eq!(checks(&m, "flag"), 1.0, "{m}");
    assert_eq!(checks(&m, "block"), 0.0, "{m}");
    assert_eq!(
        value(
            &m,
            "chanrac_check_reasons_total{channel=\"sms\",kind=\"ad\",reason=\"DNC\",decision=\"flag\"}"
        ),
        1.0,
        "{m}"
    );
    assert!(m.contains("mode=\"monitor\""), "{m}");
    chanrac_testkit::promtool_check(&m);
}
