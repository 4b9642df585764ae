//! Prometheus metrics and health checks for the chanrac adapters
//! (`--metrics HOST:PORT` on `chanrac-smpp` and `chanrac-sip`).
//!
//! The policy library (`chanrac`) depends on no metrics crate: the adapters
//! record what they see here, and what the engine already keeps (its state
//! table, the DNC list) is read at scrape time.
//!
//! The adapters share two more things here: [`watch::Fingerprint`], how they
//! notice that the policy files changed on disk (live reloads), and
//! [`collect`], how their own collectors write what they read at scrape
//! time.
//!
//! [`serve`] answers plain HTTP/1.1 `GET` (or `HEAD`) requests, one per
//! connection:
//!
//! | path | answer |
//! |---|---|
//! | `/metrics` | every metric, Prometheus text format 0.0.4 |
//! | `/healthz` | `200 ok`: the process is up and answering |
//! | `/readyz` | `200 ready` when the policy is loaded and the adapter's own check passes (its upstream or store reachable), else `503` with the reason |
//!
//! Metrics every adapter serves (the adapter adds its own, e.g.
//! `chanrac_sip_datagrams_total`, `chanrac_smpp_upstream_*`):
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `chanrac_checks_total` | counter | `channel`, `kind`, `decision` | events checked by the engine |
//! | `chanrac_check_reasons_total` | counter | `channel`, `kind`, `reason`, `decision` | reasons reported, by the decision of their event (`block`, or `flag`: delivered, "would have been blocked") |
//! | `chanrac_check_duration_seconds` | histogram | | the engine's check |
//! | `chanrac_request_duration_seconds` | histogram | | end to end: request received to answer sent |
//! | `chanrac_requests_in_flight` | gauge | | requests received and not yet answered |
//! | `chanrac_policy_generation` | gauge | | policies loaded since start (1 after the first) |
//! | `chanrac_policy_last_reload_timestamp_seconds` | gauge | | when the policy in force was loaded (Unix time) |
//! | `chanrac_policy_reload_failures_total` | counter | | reloads refused (the previous policy stayed) |
//! | `chanrac_state_pairs` | gauge | | (advertiser, recipient) pairs remembered |
//! | `chanrac_state_slots` | gauge | | slots of the state table |
//! | `chanrac_state_table_fill_ratio` | gauge | | pairs / slots |
//! | `chanrac_state_bytes` | gauge | | bytes of the state tables |
//! | `chanrac_state_full_events_total` | counter | | events that met a full state (the fail mode decided) |
//! | `chanrac_state_migrations_total` | counter | | state tables grown into |
//! | `chanrac_dnc_numbers` | gauge | | numbers on the DNC list the policy loaded |
//! | `chanrac_dnc_pending_changes` | gauge | | live DNC changes not yet merged into it |
//! | `chanrac_build_info` | gauge | `adapter`, `version`, `mode` | always 1 |
//! | `chanrac_verdict_log_lines_total`, `chanrac_verdict_log_dropped_total` | counter | | with `--verdict-log`: lines written, lines dropped (see [`verdict_log`]) |
//! | `chanrac_state_store_checks_total` | counter | | with `--state redis://…`: pair steps the shared store committed or confirmed |
//! | `chanrac_state_store_conflicts_total` | counter | | … tries that met a pair another check had changed (decided again) |
//! | `chanrac_state_store_unavailable_total` | counter | | … checks the store did not answer in time (`STATE_UNAVAILABLE`, the fail mode decided) |
//! | `chanrac_dnc_stream_entries_applied_total` | counter | | with `--follow-dnc`: DNC stream entries applied to the live DNC list |
//! | `chanrac_dnc_stream_entries_skipped_total` | counter | | … entries skipped (malformed, logged) |
//! | `chanrac_dnc_stream_position_info` | gauge | `stream`, `position` | … always 1: the id of the last entry applied (`0-0` before the first); every change up to it is in force |
//! | `chanrac_dnc_stream_position_timestamp_seconds` | gauge | | … when that entry was appended (the id's time), Unix time |
//! | `chanrac_dnc_stream_up` | gauge | | … 1 while the last read reached the store, else 0 |

pub mod collect;
pub mod verdict_log;
pub mod watch;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chanrac::{Channel, Engine, Kind, Mode, Verdict};
use chanrac_store::shared::dnc::FollowStatus;
use chanrac_store::shared::SharedState;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use collect::{counter, gauge};

pub use prometheus_client;

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Labels of `chanrac_checks_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CheckLabels {
    /// `sms` or `call`.
    pub channel: &'static str,
    /// The event kind (`ad`, `registration`, `care`, `p2p`, `reply`, …).
    pub kind: &'static str,
    /// `allow`, `block` or `flag`.
    pub decision: &'static str,
}

/// Labels of `chanrac_check_reasons_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    /// `sms` or `call`.
    pub channel: &'static str,
    /// The event kind.
    pub kind: &'static str,
    /// The reason code (`DNC`, `FREQUENCY`, …).
    pub reason: &'static str,
    /// The event's decision: `block`, or `flag` (delivered).
    pub decision: &'static str,
}

/// A readiness check the adapter supplies: `Err(why)` when not ready.
pub type ReadyCheck = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The metrics of one adapter process. Build with [`Metrics::builder`],
/// share as `Arc<Metrics>`.
pub struct Metrics {
    registry: Registry,
    checks: Family<CheckLabels, Counter>,
    reasons: Family<ReasonLabels, Counter>,
    check_seconds: Histogram,
    request_seconds: Histogram,
    in_flight: Gauge,
    policy_generation: Gauge,
    policy_loaded_at: Gauge<f64, AtomicU64>,
    policy_reload_failures: Counter,
    ready: Mutex<Option<ReadyCheck>>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Registers the common metrics; the adapter adds its own through
/// [`MetricsBuilder::registry`] before [`MetricsBuilder::build`].
pub struct MetricsBuilder {
    metrics: Metrics,
}

impl MetricsBuilder {
    /// The registry, to register the adapter's own metrics (names are
    /// taken as they are: prefix them `chanrac_<adapter>_`).
    pub fn registry(&mut self) -> &mut Registry {
        &mut self.metrics.registry
    }

    /// Serves the counters of a verdict log:
    /// `chanrac_verdict_log_lines_total` and
    /// `chanrac_verdict_log_dropped_total`.
    pub fn verdict_log(&mut self, stats: Arc<verdict_log::LogStats>) {
        self.metrics
            .registry
            .register_collector(Box::new(LogCollector(stats)));
    }

    /// Serves the counters of a shared state store (`--state redis://…`),
    /// read from `counts` at scrape time:
    /// `chanrac_state_store_checks_total`,
    /// `chanrac_state_store_conflicts_total` and
    /// `chanrac_state_store_unavailable_total`.
    pub fn state_store(&mut self, counts: impl Fn() -> StoreCounts + Send + Sync + 'static) {
        self.metrics
            .registry
            .register_collector(Box::new(StoreCollector(Box::new(counts))));
    }

    /// Serves where a DNC stream follower (`--follow-dnc`) stands, read
    /// from `status` at scrape time: `chanrac_dnc_stream_*`.
    pub fn dnc_stream(&mut self, status: impl Fn() -> DncStreamStatus + Send + Sync + 'static) {
        self.metrics
            .registry
            .register_collector(Box::new(DncStreamCollector(Box::new(status))));
    }

    /// Serves the counters of the shared state store `shared`
    /// (`--state redis://…`): [`state_store`](Self::state_store), read
    /// from [`SharedState::stats`].
    pub fn shared_state(&mut self, shared: SharedState) {
        self.state_store(move || {
            let s = shared.stats();
            StoreCounts {
                checks: s.checks,
                conflicts: s.conflicts,
                unavailable: s.unavailable,
            }
        });
    }

    /// Serves where the follower of the DNC stream `stream` stands
    /// (`--follow-dnc`): [`dnc_stream`](Self::dnc_stream), read from
    /// `status`.
    pub fn dnc_follower(&mut self, stream: String, status: FollowStatus) {
        self.dnc_stream(move || {
            let p = status.position();
            DncStreamStatus {
                stream: stream.clone(),
                applied: status.applied(),
                skipped: status.skipped(),
                position: p.to_string(),
                position_ms: p.ms,
                up: status.connected(),
            }
        });
    }

    /// The metrics, ready to share.
    pub fn build(self) -> Arc<Metrics> {
        Arc::new(self.metrics)
    }
}

impl Metrics {
    /// The common metrics of `adapter` (`smpp`, `sip`) checking with
    /// `engine` in `mode`; the policy counts as loaded once (generation 1,
    /// now).
    pub fn builder(adapter: &'static str, mode: Mode, engine: impl EngineSource) -> MetricsBuilder {
        let mut registry = Registry::default();
        let checks = Family::<CheckLabels, Counter>::default();
        registry.register(
            "chanrac_checks",
            "Events checked by the engine, by channel, kind and decision",
            checks.clone(),
        );
        let reasons = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "chanrac_check_reasons",
            "Reasons reported, by the decision of their event (block, or flag: delivered, would have been blocked)",
            reasons.clone(),
        );
        // 1 µs to ~4 s.
        let check_seconds = Histogram::new(exponential_buckets(1e-6, 4.0, 12));
        registry.register(
            "chanrac_check_duration_seconds",
            "Time of the engine's check of one event",
            check_seconds.clone(),
        );
        // 10 µs to ~16 s.
        let request_seconds = Histogram::new(exponential_buckets(1e-5, 3.0, 14));
        registry.register(
            "chanrac_request_duration_seconds",
            "End to end: request received to answer sent",
            request_seconds.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "chanrac_requests_in_flight",
            "Requests received and not yet answered",
            in_flight.clone(),
        );
        let policy_generation = Gauge::default();
        registry.register(
            "chanrac_policy_generation",
            "Policies loaded since start (1 after the first load)",
            policy_generation.clone(),
        );
        let policy_loaded_at = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "chanrac_policy_last_reload_timestamp_seconds",
            "When the policy in force was loaded, Unix time",
            policy_loaded_at.clone(),
        );
        let policy_reload_failures = Counter::default();
        registry.register(
            "chanrac_policy_reload_failures",
            "Policy reloads refused (the previous policy stayed)",
            policy_reload_failures.clone(),
        );
        registry.register_collector(Box::new(EngineCollector {
            engine: Box::new(engine),
            adapter,
            mode: mode.name(),
        }));
        let metrics = Metrics {
            registry,
            checks,
            reasons,
            check_seconds,
            request_seconds,
            in_flight,
            policy_generation,
            policy_loaded_at,
            policy_reload_failures,
            ready: Mutex::new(None),
        };
        metrics.policy_loaded(SystemTime::now());
        MetricsBuilder { metrics }
    }

    /// Records one check: its event's channel and kind, the verdict, and
    /// how long the engine took.
    pub fn record_check(&self, channel: Channel, kind: Kind, v: &Verdict, took: Duration) {
        let (channel, kind, decision) = (channel.name(), kind.name(), v.decision.name());
        self.checks
            .get_or_create(&CheckLabels {
                channel,
                kind,
                decision,
            })
            .inc();
        for r in v.reasons.iter() {
            self.reasons
                .get_or_create(&ReasonLabels {
                    channel,
                    kind,
                    reason: r.code(),
                    decision,
                })
                .inc();
        }
        self.check_seconds.observe(took.as_secs_f64());
    }

    /// Records one request answered `took` after it was received.
    pub fn observe_request(&self, took: Duration) {
        self.request_seconds.observe(took.as_secs_f64());
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// A policy was (re)loaded at `at`.
    pub fn policy_loaded(&self, at: SystemTime) {
        self.policy_generation.inc();
        let secs = at
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.policy_loaded_at.set(secs);
    }

    /// A policy reload was refused.
    pub fn policy_reload_failed(&self) {
        self.policy_reload_failures.inc();
    }

    /// Sets the adapter's readiness check (beyond "the policy is loaded",
    /// which holds once the process serves).
    pub fn set_ready_check(&self, check: ReadyCheck) {
        if let Ok(mut r) = self.ready.lock() {
            *r = Some(check);
        }
    }

    /// `Ok` when ready, else why not.
    pub fn ready(&self) -> Result<(), String> {
        match self.ready.lock() {
            Ok(r) => r.as_ref().map_or(Ok(()), |check| check()),
            Err(_) => Err("readiness check poisoned".to_string()),
        }
    }

    /// Every metric in the Prometheus text format. Walks the state table
    /// (run it off a latency-sensitive thread).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        {
            tracing::error!("metrics: cannot encode: {e}");
        }
        out
    }
}

/// Decrements `chanrac_requests_in_flight` when dropped.
#[derive(Debug)]
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Where the metrics find the engine at scrape time.
pub trait EngineSource: Send + Sync + 'static {
    /// Calls `f` with the engine, when there still is one.
    fn with_engine(&self, f: &mut dyn FnMut(&Engine));
}

impl EngineSource for Arc<Engine> {
    fn with_engine(&self, f: &mut dyn FnMut(&Engine)) {
        f(self)
    }
}

/// What the engine keeps, read at scrape time.
struct EngineCollector {
    engine: Box<dyn EngineSource>,
    adapter: &'static str,
    mode: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InfoLabels {
    adapter: &'static str,
    version: &'static str,
    mode: &'static str,
}

impl fmt::Debug for EngineCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineCollector")
            .field("adapter", &self.adapter)
            .finish_non_exhaustive()
    }
}

impl Collector for EngineCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        let mut out = Ok(());
        self.engine
            .with_engine(&mut |engine| out = self.encode_engine(engine, &mut e));
        out?;
        let info = ConstGauge::new(1i64);
        let mut m = e.encode_descriptor(
            "chanrac_build_info",
            "The adapter, its version and mode (always 1)",
            None,
            info.metric_type(),
        )?;
        let labels = InfoLabels {
            adapter: self.adapter,
            version: env!("CARGO_PKG_VERSION"),
            mode: self.mode,
        };
        info.encode(m.encode_family(&labels)?)
    }
}

impl EngineCollector {
    fn encode_engine(&self, engine: &Engine, e: &mut DescriptorEncoder) -> Result<(), fmt::Error> {
        let state = engine.state();
        let stats = state.stats();
        let pairs = state.len() as i64;
        let slots = stats.slots as i64;
        gauge(
            e,
            "chanrac_state_pairs",
            "(advertiser, recipient) pairs remembered",
            pairs,
        )?;
        gauge(e, "chanrac_state_slots", "Slots of the state table", slots)?;
        let fill = if slots > 0 {
            pairs as f64 / slots as f64
        } else {
            0.0
        };
        gauge(
            e,
            "chanrac_state_table_fill_ratio",
            "State pairs / slots",
            fill,
        )?;
        gauge(
            e,
            "chanrac_state_bytes",
            "Bytes of the state tables",
            stats.bytes as i64,
        )?;
        counter(
            e,
            "chanrac_state_full_events",
            "Events that met a full state (the fail mode decided them)",
            stats.full_events,
        )?;
        counter(
            e,
            "chanrac_state_migrations",
            "State tables grown into since start",
            stats.migrations,
        )?;
        let dnc = engine.dnc();
        gauge(
            e,
            "chanrac_dnc_numbers",
            "Numbers on the DNC list the policy loaded",
            dnc.base().len() as i64,
        )?;
        gauge(
            e,
            "chanrac_dnc_pending_changes",
            "Live DNC changes not yet merged into the list",
            dnc.pending() as i64,
        )
    }
}

/// The verdict log's counters, read at scrape time.
#[derive(Debug)]
struct LogCollector(Arc<verdict_log::LogStats>);

impl Collector for LogCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        counter(
            &mut e,
            "chanrac_verdict_log_lines",
            "Verdict log lines written",
            self.0.written(),
        )?;
        counter(
            &mut e,
            "chanrac_verdict_log_dropped",
            "Verdict log lines dropped (queue full or a write failed), each marked in the log",
            self.0.dropped(),
        )
    }
}

/// The counters of a shared state store since start (see
/// [`MetricsBuilder::state_store`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Pair steps committed or confirmed.
    pub checks: u64,
    /// Tries that met a pair another check had changed.
    pub conflicts: u64,
    /// Checks the store did not answer in time (`STATE_UNAVAILABLE`).
    pub unavailable: u64,
}

/// A shared state store's counters, read at scrape time.
struct StoreCollector(Box<dyn Fn() -> StoreCounts + Send + Sync>);

impl fmt::Debug for StoreCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreCollector").finish_non_exhaustive()
    }
}

impl Collector for StoreCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        let c = (self.0)();
        counter(
            &mut e,
            "chanrac_state_store_checks",
            "Pair steps the shared state store committed or confirmed",
            c.checks,
        )?;
        counter(
            &mut e,
            "chanrac_state_store_conflicts",
            "Shared state tries that met a pair another check had changed (decided again)",
            c.conflicts,
        )?;
        counter(
            &mut e,
            "chanrac_state_store_unavailable",
            "Checks the shared state store did not answer in time (STATE_UNAVAILABLE, the fail mode decided)",
            c.unavailable,
        )
    }
}

/// Where a DNC stream follower stands (see [`MetricsBuilder::dnc_stream`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DncStreamStatus {
    /// The stream's key (`chanrac:dnc`).
    pub stream: String,
    /// Entries applied since start.
    pub applied: u64,
    /// Entries skipped (malformed) since start.
    pub skipped: u64,
    /// The id of the last entry applied, `MILLISECONDS-SEQUENCE`.
    pub position: String,
    /// The milliseconds of that id: when the entry was appended.
    pub position_ms: u64,
    /// Whether the last read reached the store.
    pub up: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PositionLabels {
    stream: String,
    position: String,
}

/// A DNC stream follower's status, read at scrape time.
struct DncStreamCollector(Box<dyn Fn() -> DncStreamStatus + Send + Sync>);

impl fmt::Debug for DncStreamCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DncStreamCollector").finish_non_exhaustive()
    }
}

impl Collector for DncStreamCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), fmt::Error> {
        let s = (self.0)();
        counter(
            &mut e,
            "chanrac_dnc_stream_entries_applied",
            "DNC stream entries applied to the live DNC list (--follow-dnc)",
            s.applied,
        )?;
        counter(
            &mut e,
            "chanrac_dnc_stream_entries_skipped",
            "DNC stream entries skipped: malformed, logged",
            s.skipped,
        )?;
        let info = ConstGauge::new(1i64);
        let mut m = e.encode_descriptor(
            "chanrac_dnc_stream_position_info",
            "The id of the last DNC stream entry applied (always 1): every change up to it is in force",
            None,
            info.metric_type(),
        )?;
        info.encode(m.encode_family(&PositionLabels {
            stream: s.stream,
            position: s.position,
        })?)?;
        gauge(
            &mut e,
            "chanrac_dnc_stream_position_timestamp_seconds",
            "When the last DNC stream entry applied was appended, Unix time",
            s.position_ms as f64 / 1000.0,
        )?;
        gauge(
            &mut e,
            "chanrac_dnc_stream_up",
            "1 while the last read of the DNC stream reached the store, else 0",
            i64::from(s.up),
        )
    }
}

/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// A connection's whole exchange must end within this.
const DEADLINE: Duration = Duration::from_secs(5);
/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 16;

/// Serves `/metrics`, `/healthz` and `/readyz` on `listener` until the
/// task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("metrics: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let m = metrics.clone();
        tokio::spawn(async move {
            if tokio::time::timeout(DEADLINE, exchange(stream, m))
                .await
                .is_err()
            {
                tracing::debug!(%peer, "metrics: request timed out");
            }
            drop(permit);
        });
    }
}

/// Binds `addr` (HOST:PORT) and serves on it in a new task; returns the
/// bound address (port 0 picks one).
pub async fn start(addr: &str, metrics: Arc<Metrics>) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(serve(listener, metrics));
    Ok(local)
}

/// One request, one answer, then close.
async fn exchange(mut stream: TcpStream, metrics: Arc<Metrics>) {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let complete = loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            break true;
        }
        if head.len() > MAX_HEAD {
            break false;
        }
    };
    let answer = if complete {
        respond(&head, &metrics).await
    } else {
        Answer::text(400, "Bad Request", "bad request\n")
    };
    let _ = stream.write_all(&answer.bytes()).await;
    let _ = stream.shutdown().await;
}

/// An HTTP answer.
struct Answer {
    code: u16,
    phrase: &'static str,
    content_type: &'static str,
    body: String,
    head_only: bool,
}

impl Answer {
    fn text(code: u16, phrase: &'static str, body: &str) -> Answer {
        Answer {
            code,
            phrase,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            head_only: false,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.code,
            self.phrase,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        if !self.head_only {
            out.extend_from_slice(self.body.as_bytes());
        }
        out
    }
}

async fn respond(head: &[u8], metrics: &Arc<Metrics>) -> Answer {
    let line = head
        .split(|b| *b == b'\n')
        .next()
        .map(|l| String::from_utf8_lossy(l).trim().to_string())
        .unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Answer::text(400, "Bad Request", "bad request\n");
    };
    if !version.starts_with("HTTP/1.") {
        return Answer::text(505, "HTTP Version Not Supported", "HTTP/1.x only\n");
    }
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        let mut a = Answer::text(405, "Method Not Allowed", "GET or HEAD only\n");
        a.head_only = head_only;
        return a;
    }
    let path = target.split('?').next().unwrap_or(target);
    let mut a = match path {
        "/metrics" => {
            let m = metrics.clone();
            // The state walk runs off the adapter's threads.
            match tokio::task::spawn_blocking(move || m.render()).await {
                Ok(body) => Answer {
                    code: 200,
                    phrase: "OK",
                    content_type: CONTENT_TYPE,
                    body,
                    head_only: false,
                },
                Err(e) => Answer::text(500, "Internal Server Error", &format!("{e}\n")),
            }
        }
        "/healthz" => Answer::text(200, "OK", "ok\n"),
        "/readyz" => match metrics.ready() {
            Ok(()) => Answer::text(200, "OK", "ready\n"),
            Err(why) => Answer::text(503, "Service Unavailable", &format!("not ready: {why}\n")),
        },
        _ => Answer::text(
            404,
            "Not Found",
            "not found: try /metrics, /healthz, /readyz\n",
        ),
    };
    a.head_only = head_only;
    a
}

/// A counter an adapter already keeps (an atomic in its stats), exposed as
/// it is at scrape time.
#[derive(Debug, Default, Clone)]
pub struct SharedCounter(Arc<AtomicU64>);

impl SharedCounter {
    /// Sets the value (the adapter's own running total).
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }

    /// The value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;
    use chanrac::{EngineBuilder, Number, PolicyBuilder, Reason, Reasons, Sender};

    #[tokio::test]
    async fn scrape_health_and_readiness_over_http() {
        let engine = Arc::new(EngineBuilder::new().build(PolicyBuilder::new().build()));
        let metrics = Metrics::builder("test", Mode::Enforce, engine.clone()).build();
        let mut v = Verdict::from_reasons([Reason::Dnc, Reason::Label].into_iter().collect());
        v.decision = chanrac::Decision::Block;
        metrics.record_check(Channel::Sms, Kind::Ad, &v, Duration::from_micros(3));
        metrics.record_check(
            Channel::Call,
            Kind::P2p,
            &Verdict::from_reasons(Reasons::EMPTY),
            Duration::from_micros(2),
        );
        // The engine's own state shows up too.
        let ev = chanrac::Event::new(
            jiff::Timestamp::UNIX_EPOCH,
            Channel::Sms,
            Kind::OptIn,
            Sender::None,
            Number::parse("0912345678").unwrap_or_else(|_| unreachable!()),
        )
        .with_advertiser("shop");
        engine.check(&ev);
        let addr = start("127.0.0.1:0", metrics.clone())
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));

        let body = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(
            !body.contains("chanrac_dnc_stream"),
            "not without a follower"
        );
        assert!(body.starts_with("HTTP/1.1 200 OK\r\n"), "{body}");
        assert!(body.contains(CONTENT_TYPE));
        for want in [
            "chanrac_checks_total{channel=\"sms\",kind=\"ad\",decision=\"block\"} 1\n",
            "chanrac_checks_total{channel=\"call\",kind=\"p2p\",decision=\"allow\"} 1\n",
            "chanrac_check_reasons_total{channel=\"sms\",kind=\"ad\",reason=\"DNC\",decision=\"block\"} 1\n",
            "chanrac_check_reasons_total{channel=\"sms\",kind=\"ad\",reason=\"LABEL\",decision=\"block\"} 1\n",
            "chanrac_check_duration_seconds_count 2\n",
            "chanrac_policy_generation 1\n",
            "chanrac_state_pairs 1\n",
            "chanrac_dnc_numbers 0\n",
            "chanrac_build_info{adapter=\"test\",version=\"",
        ] {
            assert!(body.contains(want), "no `{want}` in\n{body}");
        }
        let text = body.split("\r\n\r\n").nth(1).unwrap_or_default();
        chanrac_testkit::promtool_check(text);
        assert!(get(addr, "GET /healthz HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 200 OK"));
        assert!(get(addr, "GET /readyz HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 200 OK"));
        metrics.set_ready_check(Box::new(|| Err("upstream down".into())));
        let r = get(addr, "GET /readyz HTTP/1.1\r\n\r\n").await;
        assert!(
            r.starts_with("HTTP/1.1 503") && r.ends_with("not ready: upstream down\n"),
            "{r}"
        );
        let r = get(addr, "HEAD /metrics HTTP/1.1\r\n\r\n").await;
        assert!(
            r.starts_with("HTTP/1.1 200") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        assert!(get(addr, "GET /nope HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 404"));
        assert!(get(addr, "POST /metrics HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 405"));
        assert!(get(addr, "garbage\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 400"));
        // A reload and a failed one.
        metrics.policy_loaded(SystemTime::now());
        metrics.policy_reload_failed();
        let body = get(addr, "GET /metrics HTTP/1.0\r\n\r\n").await;
        assert!(body.contains("chanrac_policy_generation 2\n"), "{body}");
        assert!(
            body.contains("chanrac_policy_reload_failures_total 1\n"),
            "{body}"
        );
        // In flight while a guard lives.
        let g = metrics.in_flight();
        assert!(metrics.render().contains("chanrac_requests_in_flight 1\n"));
        drop(g);
        assert!(metrics.render().contains("chanrac_requests_in_flight 0\n"));
    }

    #[test]
    fn a_shared_stores_counters_are_read_at_scrape_time() {
        let engine = Arc::new(EngineBuilder::new().build(PolicyBuilder::new().build()));
        let mut b = Metrics::builder("test", Mode::Enforce, engine);
        let seen = Arc::new(AtomicU64::new(7));
        let s = seen.clone();
        b.state_store(move || StoreCounts {
            checks: s.load(Ordering::Relaxed),
            conflicts: 2,
            unavailable: 1,
        });
        let metrics = b.build();
        let text = metrics.render();
        for want in [
            "chanrac_state_store_checks_total 7\n",
            "chanrac_state_store_conflicts_total 2\n",
            "chanrac_state_store_unavailable_total 1\n",
        ] {
            assert!(text.contains(want), "no `{want}` in\n{text}");
        }
        seen.store(9, Ordering::Relaxed);
        assert!(metrics
            .render()
            .contains("chanrac_state_store_checks_total 9\n"));
        chanrac_testkit::promtool_check(&text);
    }

    #[test]
    fn a_dnc_stream_follower_is_served() {
        let engine = Arc::new(EngineBuilder::new().build(PolicyBuilder::new().build()));
        let mut b = Metrics::builder("test", Mode::Enforce, engine);
        let applied = Arc::new(AtomicU64::new(3));
        let a = applied.clone();
        b.dnc_stream(move || DncStreamStatus {
            stream: "chanrac:dnc".into(),
            applied: a.load(Ordering::Relaxed),
            skipped: 1,
            position: "1772420400123-4".into(),
            position_ms: 1_772_420_400_123,
            up: true,
        });
        let metrics = b.build();
        applied.store(5, Ordering::Relaxed);
        let text = metrics.render();
        for want in [
            "chanrac_dnc_stream_entries_applied_total 5\n",
            "chanrac_dnc_stream_entries_skipped_total 1\n",
            "chanrac_dnc_stream_position_info{stream=\"chanrac:dnc\",position=\"1772420400123-4\"} 1\n",
            "chanrac_dnc_stream_position_timestamp_seconds 1772420400.123\n",
            "chanrac_dnc_stream_up 1\n",
        ] {
            assert!(text.contains(want), "no `{want}` in\n{text}");
        }
        chanrac_testkit::promtool_check(&text);
    }

    async fn get(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        s.write_all(request.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("write: {e}"));
        let mut out = Vec::new();
        s.read_to_end(&mut out)
            .await
            .unwrap_or_else(|e| panic!("read: {e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("utf-8: {e}"))
    }
}
