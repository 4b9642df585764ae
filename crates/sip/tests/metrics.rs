//! `chanrac-sip --metrics HOST:PORT`: after known traffic, `/metrics`
//! counts exactly what was sent (checks by kind, decision and reason,
//! datagrams by outcome, latencies, policy reloads), `promtool check
//! metrics` accepts it, `/healthz` and `/readyz` answer; `--mode monitor`
//! answers every call 302 and counts what would have been blocked as
//! flagged.
//!
//! promtool (Debian's `prometheus`) is optional unless
//! `CHANRAC_REQUIRE_PROMTOOL` is set (`scripts/test` sets it).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{consented, status, write_policy, Client, Server, AD_CALLER, DNC_CALLEE, P2P_CALLER};

/// Starts chanrac-sip with `--metrics 127.0.0.1:0` and `extra`; the
/// server and the metrics address it logged.
fn start(policy: &Path, extra: &[&str]) -> (Server, SocketAddr) {
    let mut args = vec!["--metrics", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let server = Server::start(policy, &args);
    server.wait_log("serving metrics on http ", 0);
    let log = server.log();
    let addr = log
        .lines()
        .find_map(|l| l.split("serving metrics on http ").nth(1))
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"));
    (server, addr)
}

/// `GET path`: (status, body).
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut out = String::new();
    s.read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("read: {e}"));
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not HTTP: {out}"));
    (code, body.to_string())
}

/// The value of the sample `series` (name and labels exactly as written),
/// 0 when absent.
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {series} {v}"))
        })
}

#[test]
fn metrics_count_the_traffic_sent_and_pass_promtool() {
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let (server, metrics) = start(policy.path(), &[]);
    assert_eq!(get(metrics, "/healthz"), (200, "ok\n".to_string()));
    assert_eq!(get(metrics, "/readyz"), (200, "ready\n".to_string()));

    let c = Client::new(server.addr);
    let callee = consented(1);
    // An allowed ad call, its retransmission, the second ad call (603
    // FREQUENCY), an ad call to the DNC number (603 DNC), an ordinary call
    // to it (302).
    let first = c.invite("m-1", 1, AD_CALLER, &callee, "");
    assert_eq!(status(&c.ask(first.as_bytes())), 302);
    assert_eq!(status(&c.ask(first.as_bytes())), 302);
    let r = c.ask(c.invite("m-2", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(status(&r), 603);
    let r = c.ask(c.invite("m-3", 1, AD_CALLER, DNC_CALLEE, "").as_bytes());
    assert_eq!(status(&r), 603);
    let r = c.ask(c.invite("m-4", 1, P2P_CALLER, DNC_CALLEE, "").as_bytes());
    assert_eq!(status(&r), 302);
    // A malformed INVITE (a callee that is not a number) and an OPTIONS.
    let r = c.ask(c.invite("m-5", 1, AD_CALLER, "not-a-number", "").as_bytes());
    assert_eq!(status(&r), 484, "{r}");
    let me = c.local();
    let options = format!(
        "OPTIONS sip:{a} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-o1\r\n\
         From: <sip:probe@{me}>;tag=p\r\nTo: <sip:{a}>\r\nCall-ID: m-options\r\n\
         CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        a = server.addr
    );
    assert_eq!(status(&c.ask(options.as_bytes())), 200);

    let (code, m) = get(metrics, "/metrics");
    assert_eq!(code, 200, "{m}");
    let checks = |kind: &str, decision: &str| {
        value(
            &m,
            &format!(
                "chanrac_checks_total{{channel=\"call\",kind=\"{kind}\",decision=\"{decision}\"}}"
            ),
        )
    };
    assert_eq!(checks("ad", "allow"), 1.0, "{m}");
    assert_eq!(checks("ad", "block"), 2.0, "{m}");
    assert_eq!(checks("p2p", "allow"), 1.0, "{m}");
    assert_eq!(checks("ad", "flag"), 0.0, "{m}");
    let reason = |code: &str, decision: &str| {
        value(
            &m,
            &format!(
                "chanrac_check_reasons_total{{channel=\"call\",kind=\"ad\",reason=\"{code}\",decision=\"{decision}\"}}"
            ),
        )
    };
    assert_eq!(reason("FREQUENCY", "block"), 1.0, "{m}");
    assert_eq!(reason("DNC", "block"), 1.0, "{m}");
    let datagrams = |o: &str| {
        value(
            &m,
            &format!("chanrac_sip_datagrams_total{{outcome=\"{o}\"}}"),
        )
    };
    assert_eq!(datagrams("checked"), 4.0, "{m}");
    assert_eq!(datagrams("retransmission"), 1.0, "{m}");
    assert_eq!(datagrams("rejected"), 1.0, "{m}");
    assert_eq!(datagrams("other"), 1.0, "{m}");
    assert_eq!(value(&m, "chanrac_check_duration_seconds_count"), 4.0);
    // Every datagram answered: 4 checked, 1 retransmission, 1 rejected,
    // 1 OPTIONS.
    assert_eq!(value(&m, "chanrac_request_duration_seconds_count"), 7.0);
    assert_eq!(value(&m, "chanrac_requests_in_flight"), 0.0);
    // The counted ad call's pair, and every consent of the policy.
    assert!(value(&m, "chanrac_state_pairs") >= 1.0, "{m}");
    assert!(value(&m, "chanrac_state_table_fill_ratio") > 0.0, "{m}");
    assert_eq!(value(&m, "chanrac_state_full_events_total"), 0.0);
    assert_eq!(value(&m, "chanrac_dnc_numbers"), 1.0, "{m}");
    assert!(value(&m, "chanrac_sip_answer_cache_bytes") > 0.0, "{m}");
    assert_eq!(value(&m, "chanrac_policy_generation"), 1.0);
    assert!(value(&m, "chanrac_policy_last_reload_timestamp_seconds") > 1.7e9);
    assert!(m.contains("chanrac_build_info{adapter=\"sip\""), "{m}");
    chanrac_testkit::promtool_check(&m);

    // A reload, then a refused one.
    let from = server.log_len();
    server.signal("HUP");
    let from = server.wait_log("policy reloaded (SIGHUP)", from);
    std::fs::write(policy.path().join("dnc.csv"), "number,scope\n0912,email\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    server.wait_log("failed, the previous policy stays", from);
    let (_, m) = get(metrics, "/metrics");
    assert!(value(&m, "chanrac_policy_generation") >= 2.0, "{m}");
    assert!(
        value(&m, "chanrac_policy_reload_failures_total") >= 1.0,
        "{m}"
    );
    chanrac_testkit::promtool_check(&m);
}

#[test]
fn monitor_mode_answers_302_and_counts_what_would_have_been_blocked() {
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let (server, metrics) = start(policy.path(), &["--mode", "monitor"]);
    let c = Client::new(server.addr);
    let callee = consented(2);
    for (id, to) in [
        ("w-1", callee.as_str()),
        ("w-2", &callee),
        ("w-3", DNC_CALLEE),
    ] {
        let r = c.ask(c.invite(id, 1, AD_CALLER, to, "").as_bytes());
        assert_eq!(status(&r), 302, "monitor mode delivers: {r}");
    }
    let (_, m) = get(metrics, "/metrics");
    let series = |decision: &str| {
        format!("chanrac_checks_total{{channel=\"call\",kind=\"ad\",decision=\"{decision}\"}}")
    };
    assert_eq!(value(&m, &series("allow")), 1.0, "{m}");
    assert_eq!(value(&m, &series("flag")), 2.0, "{m}");
    assert_eq!(value(&m, &series("block")), 0.0, "{m}");
    for code in ["FREQUENCY", "DNC"] {
        let s = format!(
            "chanrac_check_reasons_total{{channel=\"call\",kind=\"ad\",reason=\"{code}\",decision=\"flag\"}}"
        );
        assert_eq!(value(&m, &s), 1.0, "{code}: {m}");
    }
    assert!(m.contains("mode=\"monitor\""), "{m}");
    chanrac_testkit::promtool_check(&m);
}

/// Metric names (`chanrac_…`) a PromQL expression uses.
fn names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("chanrac_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

/// The metric families a scrape declares (`# TYPE name type`), with the
/// sample names a histogram adds.
fn families(scrape: &str) -> Vec<String> {
    let mut out = Vec::new();
    for l in scrape.lines() {
        let mut w = l.split(' ');
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (w.next(), w.next(), w.next(), w.next())
        {
            out.push(name.to_string());
            if kind == "histogram" {
                for s in ["_bucket", "_count", "_sum"] {
                    out.push(format!("{name}{s}"));
                }
            }
        }
    }
    out
}

fn run_promtool(args: &[&str], dir: &Path) -> Option<String> {
    match Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => {
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "promtool {args:?}: {said}");
            Some(said)
        }
        Err(_) => {
            assert!(
                std::env::var_os("CHANRAC_REQUIRE_PROMTOOL").is_none(),
                "CHANRAC_REQUIRE_PROMTOOL is set but promtool is missing (apt-get install prometheus)"
            );
            eprintln!("SKIPPED promtool {args:?}: promtool is missing");
            None
        }
    }
}

#[test]
fn shipped_dashboard_and_alerts_use_served_metrics_and_pass_promtool() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/monitoring");
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("grafana-dashboard.json"))
            .unwrap_or_else(|e| panic!("read the dashboard: {e}")),
    )
    .unwrap_or_else(|e| panic!("the dashboard is not JSON: {e}"));
    let mut exprs: Vec<String> = Vec::new();
    for p in dashboard["panels"].as_array().into_iter().flatten() {
        for t in p["targets"].as_array().into_iter().flatten() {
            if let Some(e) = t["expr"].as_str() {
                exprs.push(e.to_string());
            }
        }
    }
    assert!(exprs.len() >= 20, "{} queries", exprs.len());
    let alerts = std::fs::read_to_string(dir.join("alerts.yml"))
        .unwrap_or_else(|e| panic!("read alerts.yml: {e}"));

    // A live chanrac-sip after some traffic: every metric the dashboard and
    // the rules use is served (the chanrac_smpp_* ones by chanrac-smpp).
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let (server, metrics) = start(policy.path(), &[]);
    let c = Client::new(server.addr);
    for (id, to) in [("d-1", DNC_CALLEE), ("d-2", "0912000101")] {
        c.ask(c.invite(id, 1, AD_CALLER, to, "").as_bytes());
    }
    let (_, scrape) = get(metrics, "/metrics");
    let served = families(&scrape);
    let mut used: Vec<String> = exprs.iter().flat_map(|e| names(e)).collect();
    used.extend(names(&alerts));
    used.sort();
    used.dedup();
    for name in &used {
        if name.starts_with("chanrac_smpp_") {
            continue;
        }
        assert!(
            served.contains(name),
            "{name} is used by the dashboard or the alerts but chanrac-sip does not serve it:\n{scrape}"
        );
    }

    // The rules: valid, and their unit tests pass (each alert fires on
    // what should fire it).
    if run_promtool(&["check", "rules", "alerts.yml"], &dir).is_none() {
        return;
    }
    run_promtool(&["test", "rules", "alerts_test.yml"], &dir);
    // Every dashboard query parses as PromQL (Grafana's variables set to
    // what they stand for).
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, e) in exprs.iter().enumerate() {
        let e = e
            .replace("$__rate_interval", "5m")
            .replace("$job", ".*")
            .replace("$instance", ".*");
        rules.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {}\n",
            serde_json::to_string(&e).unwrap_or_default()
        ));
    }
    std::fs::write(tmp.path().join("dashboard.yml"), rules)
        .unwrap_or_else(|e| panic!("write: {e}"));
    run_promtool(&["check", "rules", "dashboard.yml"], tmp.path());
}
