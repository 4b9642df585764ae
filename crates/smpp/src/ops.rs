//! Operating `chanrac-smpp`: `--mode monitor`, `--metrics HOST:PORT` and
//! `--verdict-log DIR` (see `chanrac_metrics` for the common metrics and
//! the verdict log format).
//!
//! Metrics of this adapter, besides the common ones:
//!
//! | metric | type | what |
//! |---|---|---|
//! | `chanrac_smpp_upstream_up` | gauge | 1 while no session to the SMSC is down (and one was made), else 0 |
//! | `chanrac_smpp_upstream_requests_total` | counter | forwards to the SMSC (`submit_sm`) |
//! | `chanrac_smpp_upstream_errors_total` | counter | … answered with an error or not answered |
//! | `chanrac_smpp_upstream_duration_seconds` | histogram | the SMSC round trip of a forward |
//! | `chanrac_smpp_upstream_queued_bytes` | gauge | octets queued for the SMSC, not yet written |
//! | `chanrac_smpp_held_parts`, `chanrac_smpp_held_bytes` | gauge | parts of concatenated messages held for reassembly, and their bytes |
//! | `chanrac_smpp_remembered_bytes` | gauge | bytes of the remembered decisions of concatenated messages |
//! | `chanrac_smpp_connections_open` | gauge | ESME connections open |
//! | `chanrac_smpp_connections_refused_total`, `…_evicted_total` | counter | connections refused at a limit, closed to make room |
//! | `chanrac_smpp_timeouts_total{kind}` | counter | sessions closed by a timeout: `bind`, `idle`, `pdu`, `write` |
//! | `chanrac_smpp_read_pauses_total` | counter | times a session's reading paused (answers queued up) |
//! | `chanrac_smpp_answer_queued_bytes` | gauge | octets of answers queued to ESMEs |
//! | `chanrac_smpp_binds_refused_total`, `…_delayed_total` | counter | binds refused, answered late |
//! | `chanrac_smpp_log_lines_suppressed_total` | counter | log lines left out by the log limit |
//! | `chanrac_state_journal_errors_total` | counter | state journal appends that failed (`--state DIR`) |
//! | `chanrac_state_store_checks_total`, `…_conflicts_total`, `…_unavailable_total` | counter | with `--state redis://…`: pair steps the store committed, tries that met a pair changed meanwhile, checks it did not answer in time (`STATE_UNAVAILABLE`) |
//! | `chanrac_dnc_stream_entries_applied_total`, `…_skipped_total`, `chanrac_dnc_stream_position_info{stream,position}`, `…_position_timestamp_seconds`, `chanrac_dnc_stream_up` | | with `--follow-dnc`: where the DNC stream follower stands (see `chanrac_metrics`) |

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use chanrac::{Engine, Event, Mode, Verdict};
use chanrac_metrics::collect::{counter, gauge};
use chanrac_metrics::prometheus_client::collector::Collector;
use chanrac_metrics::prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use chanrac_metrics::prometheus_client::metrics::counter::{ConstCounter, Counter};
use chanrac_metrics::prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use chanrac_metrics::verdict_log::{Entry, VerdictLog};
use chanrac_metrics::{EngineSource, Metrics};

use chanrac_store::shared::dnc::FollowStatus;

use crate::proxy::Proxy;

/// What the proxy records beyond its checks: the mode, and (once
/// attached) the metrics and the verdict log.
#[derive(Default)]
pub struct Ops {
    mode: Mode,
    metrics: OnceLock<SmppMetrics>,
    log: OnceLock<VerdictLog>,
    /// The DNC stream followed (`--follow-dnc`): its key and status.
    dnc_stream: OnceLock<(String, FollowStatus)>,
}

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ops")
            .field("mode", &self.mode)
            .field("metrics", &self.metrics.get().is_some())
            .field("verdict_log", &self.log.get().is_some())
            .finish()
    }
}

/// The metrics attached to a proxy.
struct SmppMetrics {
    common: Arc<Metrics>,
    upstream_requests: Counter,
    upstream_errors: Counter,
    upstream_seconds: Histogram,
    journal_errors: Counter,
    /// Whether the last forward reached the SMSC (readiness).
    upstream_ok: Arc<AtomicBool>,
}

impl Ops {
    /// `mode` (`Enforce` or `Monitor`); no metrics, no log yet.
    pub fn new(mode: Mode) -> Ops {
        Ops {
            mode,
            ..Ops::default()
        }
    }

    /// The mode the engine runs in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The common metrics, once attached.
    pub fn metrics(&self) -> Option<&Arc<Metrics>> {
        self.metrics.get().map(|m| &m.common)
    }

    /// Writes verdict logs from now on (once; a second log is ignored).
    pub fn attach_log(&self, log: VerdictLog) {
        let _ = self.log.set(log);
    }

    /// Reports where a DNC stream follower (`--follow-dnc`) stands in the
    /// metrics, `chanrac_dnc_stream_*` (once, before the metrics are
    /// served; a second is ignored).
    pub fn attach_dnc_stream(&self, stream: String, status: FollowStatus) {
        let _ = self.dnc_stream.set((stream, status));
    }

    /// The verdict log, when attached.
    pub fn log(&self) -> Option<&VerdictLog> {
        self.log.get()
    }

    /// Records one check.
    pub fn checked(&self, ev: &Event<'_>, v: &Verdict, took: Duration) {
        if let Some(m) = self.metrics.get() {
            m.common.record_check(ev.channel, ev.kind, v, took);
        }
    }

    /// Logs one decided message: `id` is the SMSC's `message_id` of its
    /// first part when it was forwarded (empty when blocked), `source` the
    /// source address as the ESME wrote it.
    pub fn logged(&self, engine: &Engine, id: &str, source: &str, ev: &Event<'_>, v: &Verdict) {
        if let Some(log) = self.log.get() {
            log.record(
                &Entry {
                    id,
                    time: ev.time,
                    channel: ev.channel,
                    kind: ev.kind,
                    source,
                    advertiser: ev.advertiser,
                    recipient: ev.recipient,
                    text: ev.text,
                    duration: ev.duration,
                    verdict: v,
                },
                engine.policy().config().utc_offset,
            );
        }
    }

    /// Records one forward to the SMSC that took `took`.
    pub fn upstream(&self, ok: bool, took: Duration) {
        if let Some(m) = self.metrics.get() {
            m.upstream_requests.inc();
            if !ok {
                m.upstream_errors.inc();
            }
            m.upstream_seconds.observe(took.as_secs_f64());
            m.upstream_ok.store(ok, Ordering::Relaxed);
        }
    }

    /// Records one message answered `took` after its first part arrived.
    pub fn answered(&self, since: Instant) {
        if let Some(m) = self.metrics.get() {
            m.common.observe_request(since.elapsed());
        }
    }

    /// A state journal append failed.
    pub fn journal_error(&self) {
        if let Some(m) = self.metrics.get() {
            m.journal_errors.inc();
        }
    }

    /// A policy was loaded (`Ok`) or refused.
    pub fn reloaded(&self, ok: bool) {
        if let Some(m) = self.metrics.get() {
            if ok {
                m.common.policy_loaded(std::time::SystemTime::now());
            } else {
                m.common.policy_reload_failed();
            }
        }
    }
}

/// The proxy's engine, lent to the metrics at scrape time.
struct ProxyEngine(Weak<Proxy>);

impl EngineSource for ProxyEngine {
    fn with_engine(&self, f: &mut dyn FnMut(&Engine)) {
        if let Some(p) = self.0.upgrade() {
            f(p.engine())
        }
    }
}

/// Builds the metrics of `proxy`, attaches them and serves them on `addr`;
/// returns the bound address.
pub async fn serve_metrics(
    proxy: &Arc<Proxy>,
    addr: &str,
) -> std::io::Result<std::net::SocketAddr> {
    let ops = proxy.ops();
    let mut b = Metrics::builder("smpp", ops.mode(), ProxyEngine(Arc::downgrade(proxy)));
    if let Some(log) = ops.log() {
        b.verdict_log(log.stats());
    }
    if let Some((stream, status)) = ops.dnc_stream.get().cloned() {
        b.dnc_follower(stream, status);
    }
    if let Some(shared) = proxy.shared().cloned() {
        b.shared_state(shared);
    }
    let upstream_requests = Counter::default();
    b.registry().register(
        "chanrac_smpp_upstream_requests",
        "Forwards to the SMSC (submit_sm)",
        upstream_requests.clone(),
    );
    let upstream_errors = Counter::default();
    b.registry().register(
        "chanrac_smpp_upstream_errors",
        "Forwards to the SMSC answered with an error or not answered",
        upstream_errors.clone(),
    );
    // 100 µs to ~50 s.
    let upstream_seconds = Histogram::new(exponential_buckets(1e-4, 3.0, 13));
    b.registry().register(
        "chanrac_smpp_upstream_duration_seconds",
        "SMSC round trip of a forward",
        upstream_seconds.clone(),
    );
    let journal_errors = Counter::default();
    b.registry().register(
        "chanrac_state_journal_errors",
        "State journal appends that failed (--state)",
        journal_errors.clone(),
    );
    b.registry()
        .register_collector(Box::new(ProxyCollector(Arc::downgrade(proxy))));
    let common = b.build();
    let upstream_ok = Arc::new(AtomicBool::new(true));
    let weak = Arc::downgrade(proxy);
    common.set_ready_check(Box::new(move || match weak.upgrade() {
        Some(p) if p.upstream_down() => Err("the SMSC is unreachable".to_string()),
        Some(_) => Ok(()),
        None => Err("stopping".to_string()),
    }));
    let _ = ops.metrics.set(SmppMetrics {
        common: common.clone(),
        upstream_requests,
        upstream_errors,
        upstream_seconds,
        journal_errors,
        upstream_ok,
    });
    chanrac_metrics::start(addr, common).await
}

/// The proxy's own counters, read at scrape time.
#[derive(Debug)]
struct ProxyCollector(Weak<Proxy>);

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Collector for ProxyCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        let Some(p) = self.0.upgrade() else {
            return Ok(());
        };
        let e = &mut e;
        gauge(
            e,
            "chanrac_smpp_upstream_up",
            "1 while no session to the SMSC is down, else 0",
            i64::from(!p.upstream_down()),
        )?;
        gauge(
            e,
            "chanrac_smpp_upstream_queued_bytes",
            "Octets queued for the SMSC, not yet written",
            int(p.upstream_queued_bytes()),
        )?;
        gauge(
            e,
            "chanrac_smpp_held_parts",
            "Parts of concatenated messages held for reassembly",
            int(p.held_parts()),
        )?;
        gauge(
            e,
            "chanrac_smpp_held_bytes",
            "Bytes of the parts held for reassembly",
            int(p.held_bytes()),
        )?;
        gauge(
            e,
            "chanrac_smpp_remembered_bytes",
            "Bytes of the remembered decisions of concatenated messages",
            int(p.remembered_bytes()),
        )?;
        let s = p.stats();
        gauge(
            e,
            "chanrac_smpp_connections_open",
            "ESME connections open",
            int(s.connections_open),
        )?;
        counter(
            e,
            "chanrac_smpp_connections_refused",
            "Connections refused at a connection limit",
            s.connections_refused,
        )?;
        counter(
            e,
            "chanrac_smpp_connections_evicted",
            "Connections that had not bound, closed to make room",
            s.connections_evicted,
        )?;
        {
            let c = |v: u64| ConstCounter::new(v);
            let mut m = e.encode_descriptor(
                "chanrac_smpp_timeouts",
                "Sessions closed by a timeout, by kind",
                None,
                c(0).metric_type(),
            )?;
            for (kind, v) in [
                ("bind", s.bind_timeouts),
                ("idle", s.idle_timeouts),
                ("pdu", s.pdu_timeouts),
                ("write", s.write_timeouts),
            ] {
                c(v).encode(m.encode_family(&[("kind", kind)])?)?;
            }
        }
        counter(
            e,
            "chanrac_smpp_read_pauses",
            "Times a session's reading paused because its answers queued up",
            s.read_pauses,
        )?;
        gauge(
            e,
            "chanrac_smpp_answer_queued_bytes",
            "Octets of answers queued to ESMEs",
            int(s.queued_bytes),
        )?;
        counter(
            e,
            "chanrac_smpp_binds_refused",
            "Binds refused",
            s.binds_refused,
        )?;
        counter(
            e,
            "chanrac_smpp_binds_delayed",
            "Binds answered late (failed-bind penalty)",
            s.binds_delayed,
        )?;
        counter(
            e,
            "chanrac_smpp_log_lines_suppressed",
            "Log lines left out by the log limit",
            s.log_lines_suppressed,
        )
    }
}
