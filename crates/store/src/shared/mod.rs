//! State shared by every process and node: the consent ledger, the
//! registration marks and the sliding 24-hour counts of each (advertiser,
//! recipient) pair, in Redis — a single server, a primary with replicas, or
//! a Redis Cluster.
//!
//! The caps of Decree 91 hold per network, not per process: with
//! `--state redis://…` every adapter instance, every forked worker of a C
//! host and `chanrac replay` read and write the same pairs, so exactly one
//! ad call and three ad SMS per pair get through in 24 hours across all of
//! them.
//!
//! **The rules stay in the engine.** A check is split at its state step
//! ([`chanrac::Engine::prepare`]): every stateless rule runs in the engine,
//! then the store reads the pair's words, the engine decides on them
//! ([`chanrac::PairCheck::decide`], pure), and the store commits the new
//! words with a compare-and-set script; if another check changed the pair
//! meanwhile, the engine decides again on what is there. The script
//! compares and writes, nothing more (see `pairs`): plain commands and
//! `EVAL`, no modules, so Valkey should work too (untested: Debian 12
//! ships no Valkey).
//!
//! **Round trips.** A check costs one round trip when the process already
//! knows the pair's value (it keeps the last value it saw of recent pairs
//! as a hint; a stale hint costs one more) or the pair is new. Checks in
//! flight at once share the connection, pipelined.
//!
//! **Failures.** Every check has a deadline ([`SharedConfig::deadline`],
//! 50 ms by default). When the store does not answer in time — down, slow,
//! failing over — the check gets `STATE_UNAVAILABLE` under
//! [`OnFull::Block`] (the default) or is delivered uncounted under
//! [`OnFull::Deliver`] ([`chanrac::PairCheck::unavailable`]), and
//! [`SharedStats::unavailable`] counts it. The connection comes back by
//! itself (backoff); nothing needs a restart. A check answered
//! `STATE_UNAVAILABLE` may or may not have been counted (its write may have
//! reached the store); a write is never counted twice.
//!
//! **Why `redis` (redis-rs).** It has one multiplexed connection that
//! pipelines concurrent requests, a connection manager that reconnects with
//! backoff, an async Cluster client that follows `MOVED`/`ASK` and
//! failovers, a blocking client for the C ABI from the same crate, TLS
//! through rustls, and `EVALSHA` with a fallback to `EVAL`. `fred` has the
//! same on the async side but no blocking client.

mod conn;
pub mod dnc;
mod pairs;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::state::journal::Record;
use chanrac::state::OnFull;
use chanrac::{Engine, Event, Mode, Number, PairCheck, PairWords, Prepared, Verdict};
use parking_lot::Mutex;

pub use conn::Target;
use conn::{Conn, SyncConn};
use pairs::{Attempt, Next, Op, Reply, Tokens};

/// How the shared state behaves.
#[derive(Clone, Debug)]
pub struct SharedConfig {
    /// The longest a check waits for the store, retries included: 50 ms by
    /// default.
    pub deadline: Duration,
    /// What a check gets when the store does not answer in time.
    pub on_error: OnFull,
    /// The first part of every key (`chanrac` by default): several
    /// networks or test runs can share one server under different prefixes.
    pub prefix: String,
    /// How long opt-ins are kept, in days (at least a year; opt-outs and
    /// registration marks are kept for ever, ads 25 hours).
    pub retention_days: u32,
}

impl Default for SharedConfig {
    fn default() -> Self {
        SharedConfig {
            deadline: Duration::from_millis(50),
            on_error: OnFull::Block,
            prefix: "chanrac".into(),
            retention_days: 400,
        }
    }
}

impl SharedConfig {
    /// The configuration of an adapter in `mode`: checks wait at most
    /// `deadline` and then meet `on_error`, except in monitor mode, which
    /// delivers whatever the store cannot answer.
    pub fn for_mode(mode: Mode, deadline: Duration, on_error: OnFull) -> SharedConfig {
        SharedConfig {
            deadline,
            on_error: if mode == Mode::Monitor {
                OnFull::Deliver
            } else {
                on_error
            },
            ..SharedConfig::default()
        }
    }
}

/// Reads `--state DIR|URL`: a `redis://…` or `rediss://…` URL (see
/// [`Target`]) is a shared store made with `config`, not contacted yet;
/// anything else is the directory of a state journal. At most one of the
/// two is `Some`; neither without `arg`.
pub fn state_arg(
    arg: Option<&str>,
    config: SharedConfig,
) -> Result<(Option<PathBuf>, Option<SharedState>), StoreError> {
    match arg {
        Some(url) if Target::is_url(url) => Ok((None, Some(SharedState::new(url, config)?))),
        Some(dir) => Ok((Some(PathBuf::from(dir)), None)),
        None => Ok((None, None)),
    }
}

/// Why the store could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// A URL that is not `redis://` or `rediss://`.
    Url(String),
    /// The store did not answer within the deadline.
    Timeout,
    /// The store answered with an error, or the connection failed.
    Redis(redis::RedisError),
    /// A pair's key holds a value that is not a pair's (another program
    /// wrote it).
    BadValue(String),
    /// The pair changed under every try within the deadline.
    Contended,
}

impl StoreError {
    fn from_redis(e: redis::RedisError) -> StoreError {
        StoreError::Redis(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Url(s) => write!(f, "bad store URL: {s}"),
            StoreError::Timeout => f.write_str("the store did not answer in time"),
            StoreError::Redis(e) => write!(f, "store: {e}"),
            StoreError::BadValue(k) => write!(f, "store: key {k} does not hold a pair's value"),
            StoreError::Contended => f.write_str("store: the pair changed under every try"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Redis(e) => Some(e),
            _ => None,
        }
    }
}

/// Counters of the shared state, for monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharedStats {
    /// Pair steps committed or confirmed.
    pub checks: u64,
    /// Tries that met a value other than the one decided on (and decided
    /// again).
    pub conflicts: u64,
    /// Checks that met `STATE_UNAVAILABLE` (the fail mode applied).
    pub unavailable: u64,
}

#[derive(Default)]
struct Counters {
    checks: AtomicU64,
    conflicts: AtomicU64,
    unavailable: AtomicU64,
}

impl Counters {
    fn get(&self) -> SharedStats {
        SharedStats {
            checks: self.checks.load(Ordering::Relaxed),
            conflicts: self.conflicts.load(Ordering::Relaxed),
            unavailable: self.unavailable.load(Ordering::Relaxed),
        }
    }
}

const HINT_SHARDS: usize = 16;
const HINTS_PER_SHARD: usize = 1 << 14;

/// The last value seen of recent pairs, by key hash: only a guess for the
/// first try (a wrong one costs a round trip, never a wrong verdict).
struct Hints(Vec<Mutex<HashMap<u64, Vec<u8>>>>);

impl Hints {
    fn new() -> Hints {
        Hints(
            (0..HINT_SHARDS)
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
        )
    }

    fn shard(&self, h: u64) -> &Mutex<HashMap<u64, Vec<u8>>> {
        &self.0[(h >> 60) as usize % HINT_SHARDS]
    }

    fn get(&self, h: u64) -> Vec<u8> {
        self.shard(h).lock().get(&h).cloned().unwrap_or_default()
    }

    fn put(&self, h: u64, v: Vec<u8>) {
        let mut m = self.shard(h).lock();
        if m.len() >= HINTS_PER_SHARD && !m.contains_key(&h) {
            m.clear();
        }
        m.insert(h, v);
    }
}

/// The consent records of the engine's policy (`consents.csv`) as journal
/// records: stored newer-only, as the local table takes them, so a reload
/// never undoes a newer opt-out.
fn consent_records(engine: &Engine) -> Vec<Record> {
    use chanrac::state::journal::RecordKind;
    engine
        .policy()
        .consents()
        .iter()
        .map(|c| Record {
            kind: match c.state {
                chanrac::policy::ConsentState::OptIn => RecordKind::OptIn,
                chanrac::policy::ConsentState::OptOut => RecordKind::OptOut,
            },
            advertiser: c.advertiser.to_string(),
            recipient: c.recipient,
            time_ms: c.time.as_millisecond(),
        })
        .collect()
}

/// The masters of a Cluster from `CLUSTER NODES`: `(host, port)`.
fn cluster_masters(text: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(addr), Some(flags)) = (f.get(1), f.get(2)) else {
            continue;
        };
        if !flags.split(',').any(|x| x == "master") || flags.contains("fail") {
            continue;
        }
        // `ip:port@cport[,hostname]`
        let addr = addr.split('@').next().unwrap_or_default();
        if let Some((host, port)) = addr.rsplit_once(':') {
            if let Ok(port) = port.parse() {
                out.push((host.to_string(), port));
            }
        }
    }
    out
}

/// Tries per check before the pair counts as contended.
const MAX_TRIES: usize = 32;

/// What both clients share: the target, the config, the script, hints and
/// counters.
struct Core {
    target: Target,
    config: SharedConfig,
    script: redis::Script,
    tokens: Tokens,
    hints: Hints,
    counters: Counters,
}

impl Core {
    fn new(target: Target, config: SharedConfig) -> Core {
        Core {
            target,
            config,
            script: redis::Script::new(pairs::CAS_SCRIPT),
            tokens: Tokens::new(),
            hints: Hints::new(),
            counters: Counters::default(),
        }
    }

    fn key(&self, check: &PairCheck) -> (Vec<u8>, u64) {
        let k = pairs::key(&self.config.prefix, check.advertiser(), check.recipient());
        let h = xxhash_rust::xxh3::xxh3_64(&k);
        (k, h)
    }

    fn attempt(
        &self,
        check: &PairCheck,
        key: &[u8],
        current: &[u8],
    ) -> Result<Attempt, StoreError> {
        Attempt::new(check, current, &self.tokens, self.config.retention_days)
            .map_err(|_| StoreError::BadValue(String::from_utf8_lossy(key).into_owned()))
    }

    fn invocation<'a>(&'a self, key: &[u8], a: &Attempt) -> redis::ScriptInvocation<'a> {
        let mut inv = self.script.key(key);
        inv.arg(&a.expected[..]).arg(&a.new[..]).arg(&a.pxat);
        inv
    }

    /// After the store's reply to `a`: the outcome when it is committed
    /// (or confirmed), else the value to decide on again.
    fn settle(&self, a: &Attempt, reply: Reply, h: u64) -> Result<chanrac::PairOutcome, Vec<u8>> {
        match pairs::settle(a, reply) {
            Next::Done(stored) => {
                self.hints.put(h, stored);
                self.counters.checks.fetch_add(1, Ordering::Relaxed);
                Ok(a.outcome)
            }
            Next::Retry(cur) => {
                self.counters.conflicts.fetch_add(1, Ordering::Relaxed);
                Err(cur)
            }
        }
    }

    fn fail(&self, check: PairCheck, e: &StoreError) -> Verdict {
        self.counters.unavailable.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            store = self.target.display(),
            "shared state unavailable: {e}"
        );
        check.unavailable(self.config.on_error)
    }
}

/// The shared state, for async hosts (the adapters): cheap to clone, one
/// connection per process shared by every task, opened on first use.
#[derive(Clone)]
pub struct SharedState {
    core: Arc<Core>,
    /// The open connection, read without a lock by every check.
    conn: Arc<arc_swap::ArcSwapOption<Conn>>,
    /// Held while a connection is being opened (one opener at a time).
    opening: Arc<tokio::sync::Mutex<()>>,
    /// When the last failed open was, so a down store is not hammered.
    last_open_failure: Arc<Mutex<Option<Instant>>>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("store", &self.core.target.display())
            .finish()
    }
}

/// Between two tries to open a store that failed to open.
const REOPEN_AFTER: Duration = Duration::from_millis(200);

impl SharedState {
    /// The store at `url` (`redis://…`, `rediss://…`, or several seed
    /// nodes separated by commas). Nothing is opened until the first
    /// check.
    pub fn new(url: &str, config: SharedConfig) -> Result<SharedState, StoreError> {
        Ok(SharedState {
            core: Arc::new(Core::new(Target::parse(url)?, config)),
            conn: Arc::new(arc_swap::ArcSwapOption::empty()),
            opening: Arc::new(tokio::sync::Mutex::new(())),
            last_open_failure: Arc::new(Mutex::new(None)),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SharedConfig {
        &self.core.config
    }

    /// The store's URL, password hidden.
    pub fn display(&self) -> &str {
        self.core.target.display()
    }

    /// Counters since start.
    pub fn stats(&self) -> SharedStats {
        self.core.counters.get()
    }

    async fn connection(&self) -> Result<Conn, StoreError> {
        if let Some(c) = self.conn.load_full() {
            return Ok((*c).clone());
        }
        let _opening = self.opening.lock().await;
        // Another task may have opened it while this one waited.
        if let Some(c) = self.conn.load_full() {
            return Ok((*c).clone());
        }
        if let Some(at) = *self.last_open_failure.lock() {
            if at.elapsed() < REOPEN_AFTER {
                return Err(StoreError::Timeout);
            }
        }
        match conn::open(
            &self.core.target,
            self.core.config.deadline.max(Duration::from_millis(500)),
        )
        .await
        {
            Ok(c) => {
                self.conn.store(Some(Arc::new(c.clone())));
                *self.last_open_failure.lock() = None;
                Ok(c)
            }
            Err(e) => {
                *self.last_open_failure.lock() = Some(Instant::now());
                Err(e)
            }
        }
    }

    /// Opens the connection now (a host that wants to know at start that
    /// the store answers).
    pub async fn connect(&self) -> Result<(), StoreError> {
        let d = self.core.config.deadline.max(Duration::from_secs(2));
        let mut c = tokio::time::timeout(d, self.connection())
            .await
            .map_err(|_| StoreError::Timeout)??;
        let _: String = tokio::time::timeout(d, redis::cmd("PING").query_async(&mut c))
            .await
            .map_err(|_| StoreError::Timeout)?
            .map_err(StoreError::from_redis)?;
        Ok(())
    }

    /// Checks one event: the engine's stateless rules, then its state step
    /// on the shared pair. Never fails: when the store does not answer in
    /// time, the fail mode decides ([`SharedConfig::on_error`]).
    pub async fn check(&self, engine: &Engine, ev: &Event<'_>) -> Verdict {
        match engine.prepare(ev) {
            Prepared::Done(v) => v,
            Prepared::Pair(check) => self.check_pair(check).await,
        }
    }

    /// The state step of a prepared check; the fail mode on a store error.
    pub async fn check_pair(&self, check: PairCheck) -> Verdict {
        match self.try_pair(&check).await {
            Ok(out) => check.finish(out),
            Err(e) => self.core.fail(check, &e),
        }
    }

    /// Checks one event, or the store's error (for `replay`, which stops
    /// rather than guess).
    pub async fn try_check(&self, engine: &Engine, ev: &Event<'_>) -> Result<Verdict, StoreError> {
        match engine.prepare(ev) {
            Prepared::Done(v) => Ok(v),
            Prepared::Pair(check) => {
                let out = self.try_pair(&check).await?;
                Ok(check.finish(out))
            }
        }
    }

    /// Stores the policy's consent records (`consents.csv`) in the store,
    /// each only where it is newer than the pair's consent: call it at
    /// start and after every policy reload, as the local table does on
    /// [`Engine::swap`]. Many at once, pipelined; returns how many.
    pub async fn seed_consents(&self, engine: &Engine) -> Result<usize, StoreError> {
        let records = consent_records(engine);
        let n = records.len();
        for chunk in records.chunks(256) {
            let mut set = tokio::task::JoinSet::new();
            for r in chunk {
                let (me, check) = (self.clone(), engine.restore_check(r));
                set.spawn(async move { me.try_pair(&check).await.map(|_| ()) });
            }
            while let Some(r) = set.join_next().await {
                r.map_err(|e| StoreError::BadValue(format!("a seeding task failed: {e}")))??;
            }
        }
        Ok(n)
    }

    /// Stores a journal record (moving a state directory into the store).
    pub async fn restore(&self, engine: &Engine, r: &Record) -> Result<(), StoreError> {
        self.try_pair(&engine.restore_check(r)).await.map(|_| ())
    }

    /// Runs a pair step within the deadline.
    pub async fn try_pair(&self, check: &PairCheck) -> Result<chanrac::PairOutcome, StoreError> {
        let core = &self.core;
        let run = async {
            let mut conn = self.connection().await?;
            let (key, h) = core.key(check);
            let mut current = core.hints.get(h);
            for _ in 0..MAX_TRIES {
                let a = core.attempt(check, &key, &current)?;
                let reply = match a.op() {
                    Op::Confirm => a.confirm(
                        redis::cmd("GET")
                            .arg(&key)
                            .query_async(&mut conn)
                            .await
                            .map_err(StoreError::from_redis)?,
                    ),
                    Op::Create => {
                        // `SET NX` and a `GET` in one round trip: when the
                        // key appeared meanwhile, its value is at hand.
                        let (set, held): (Option<String>, Option<Vec<u8>>) = redis::pipe()
                            .add_command(a.create(&key))
                            .cmd("GET")
                            .arg(&key)
                            .query_async(&mut conn)
                            .await
                            .map_err(StoreError::from_redis)?;
                        match set {
                            Some(_) => Reply::Done,
                            None => a.confirm(held),
                        }
                    }
                    Op::Swap => {
                        let v: redis::Value = core
                            .invocation(&key, &a)
                            .invoke_async(&mut conn)
                            .await
                            .map_err(StoreError::from_redis)?;
                        Reply::from_value(v).map_err(StoreError::BadValue)?
                    }
                };
                match core.settle(&a, reply, h) {
                    Ok(outcome) => return Ok(outcome),
                    Err(cur) => current = cur,
                }
            }
            Err(StoreError::Contended)
        };
        tokio::time::timeout(core.config.deadline, run)
            .await
            .map_err(|_| StoreError::Timeout)?
    }

    /// The words stored for a pair (`None`: nothing stored).
    pub async fn get(
        &self,
        advertiser: &str,
        recipient: Number,
    ) -> Result<Option<PairWords>, StoreError> {
        let key = pairs::key(&self.core.config.prefix, advertiser, recipient);
        let d = self.core.config.deadline.max(Duration::from_secs(2));
        let run = async {
            let mut conn = self.connection().await?;
            let v: Option<Vec<u8>> = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(StoreError::from_redis)?;
            match v {
                None => Ok(None),
                Some(b) => pairs::words_of(&b).map(Some).ok_or_else(|| {
                    StoreError::BadValue(String::from_utf8_lossy(&key).into_owned())
                }),
            }
        };
        tokio::time::timeout(d, run)
            .await
            .map_err(|_| StoreError::Timeout)?
    }
}

/// The shared state for blocking hosts (the C ABI): one connection per
/// process, opened on first use and again after a failure or a `fork` (a
/// host may open the engine, then fork its workers: each worker opens its
/// own connection, and all share the caps).
pub struct BlockingState {
    core: Core,
    conn: Mutex<Option<(u32, SyncConn)>>,
    last_open_failure: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for BlockingState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingState")
            .field("store", &self.core.target.display())
            .finish()
    }
}

impl BlockingState {
    /// The store at `url`; nothing is opened until the first check.
    pub fn new(url: &str, config: SharedConfig) -> Result<BlockingState, StoreError> {
        Ok(BlockingState {
            core: Core::new(Target::parse(url)?, config),
            conn: Mutex::new(None),
            last_open_failure: Mutex::new(None),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SharedConfig {
        &self.core.config
    }

    /// Counters since start.
    pub fn stats(&self) -> SharedStats {
        self.core.counters.get()
    }

    /// Checks one event (see [`SharedState::check`]); blocks at most about
    /// the deadline.
    pub fn check(&self, engine: &Engine, ev: &Event<'_>) -> Verdict {
        match engine.prepare(ev) {
            Prepared::Done(v) => v,
            Prepared::Pair(check) => match self.try_pair(&check) {
                Ok(out) => check.finish(out),
                Err(e) => self.core.fail(check, &e),
            },
        }
    }

    /// Checks one event, or the store's error (for `replay`, which stops
    /// rather than guess).
    pub fn try_check(&self, engine: &Engine, ev: &Event<'_>) -> Result<Verdict, StoreError> {
        match engine.prepare(ev) {
            Prepared::Done(v) => Ok(v),
            Prepared::Pair(check) => {
                let out = self.try_pair(&check)?;
                Ok(check.finish(out))
            }
        }
    }

    /// Calls `f` with every pair stored under the prefix, on every master
    /// of a Cluster (`SCAN`, so the store keeps serving meanwhile); returns
    /// how many. A key that does not hold a pair's value is an error.
    pub fn for_each_pair(
        &self,
        mut f: impl FnMut(&str, Number, PairWords),
    ) -> Result<u64, StoreError> {
        let timeout = self.core.config.deadline.max(Duration::from_secs(5));
        let seed = &self.core.target.nodes[0];
        let mut first = redis::Client::open(seed.clone())
            .and_then(|c| c.get_connection_with_timeout(timeout))
            .map_err(StoreError::from_redis)?;
        let info: String = redis::cmd("INFO")
            .arg("cluster")
            .query(&mut first)
            .map_err(StoreError::from_redis)?;
        let mut nodes = vec![seed.clone()];
        if info.lines().any(|l| l.trim() == "cluster_enabled:1") {
            let text: String = redis::cmd("CLUSTER")
                .arg("NODES")
                .query(&mut first)
                .map_err(StoreError::from_redis)?;
            nodes = cluster_masters(&text)
                .into_iter()
                .map(|(host, port)| {
                    let addr = match seed.addr() {
                        redis::ConnectionAddr::TcpTls {
                            insecure,
                            tls_params,
                            ..
                        } => redis::ConnectionAddr::TcpTls {
                            host,
                            port,
                            insecure: *insecure,
                            tls_params: tls_params.clone(),
                        },
                        _ => redis::ConnectionAddr::Tcp(host, port),
                    };
                    seed.clone().set_addr(addr)
                })
                .collect();
        }
        let pattern = format!("{}:{{*", self.core.config.prefix);
        let mut n = 0;
        for node in nodes {
            let mut c = redis::Client::open(node)
                .and_then(|c| c.get_connection_with_timeout(timeout))
                .map_err(StoreError::from_redis)?;
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query(&mut c)
                    .map_err(StoreError::from_redis)?;
                cursor = next;
                if keys.is_empty() {
                    if cursor == 0 {
                        break;
                    }
                    continue;
                }
                let mut pipe = redis::pipe();
                for k in &keys {
                    pipe.cmd("GET").arg(k);
                }
                let values: Vec<Option<Vec<u8>>> =
                    pipe.query(&mut c).map_err(StoreError::from_redis)?;
                for (k, v) in keys.iter().zip(values) {
                    // Expired between SCAN and GET: gone.
                    let Some(v) = v else { continue };
                    let bad = || StoreError::BadValue(String::from_utf8_lossy(k).into_owned());
                    let (adv, rcpt) =
                        pairs::parse_key(&self.core.config.prefix, k).ok_or_else(bad)?;
                    let words = pairs::words_of(&v).ok_or_else(bad)?;
                    f(&adv, rcpt, words);
                    n += 1;
                }
                if cursor == 0 {
                    break;
                }
            }
        }
        Ok(n)
    }

    /// Stores the policy's consent records, newer-only (see
    /// [`SharedState::seed_consents`]).
    pub fn seed_consents(&self, engine: &Engine) -> Result<usize, StoreError> {
        let records = consent_records(engine);
        for r in &records {
            self.restore(engine, r)?;
        }
        Ok(records.len())
    }

    /// Stores a journal record.
    pub fn restore(&self, engine: &Engine, r: &Record) -> Result<(), StoreError> {
        self.try_pair(&engine.restore_check(r)).map(|_| ())
    }

    /// Runs a pair step; the connection is dropped after any error, so the
    /// next check opens a fresh one.
    pub fn try_pair(&self, check: &PairCheck) -> Result<chanrac::PairOutcome, StoreError> {
        let core = &self.core;
        let started = Instant::now();
        // Waiting for another thread's round trip counts against the
        // deadline too.
        let Some(mut guard) = self.conn.try_lock_for(core.config.deadline) else {
            return Err(StoreError::Timeout);
        };
        let pid = std::process::id();
        if guard.as_ref().is_some_and(|(p, _)| *p != pid) {
            // Forked: the parent's socket is not ours to use.
            *guard = None;
        }
        if guard.is_none() {
            if let Some(at) = *self.last_open_failure.lock() {
                if at.elapsed() < REOPEN_AFTER {
                    return Err(StoreError::Timeout);
                }
            }
            match SyncConn::open(&core.target, core.config.deadline) {
                Ok(c) => *guard = Some((pid, c)),
                Err(e) => {
                    *self.last_open_failure.lock() = Some(Instant::now());
                    return Err(e);
                }
            }
        }
        let Some((_, conn)) = guard.as_mut() else {
            return Err(StoreError::Timeout);
        };
        let (key, h) = core.key(check);
        let mut current = core.hints.get(h);
        let result = (|| {
            for _ in 0..MAX_TRIES {
                if started.elapsed() > core.config.deadline {
                    return Err(StoreError::Timeout);
                }
                let a = core.attempt(check, &key, &current)?;
                let c = conn.as_dyn();
                let get = |c: &mut dyn redis::ConnectionLike| {
                    redis::cmd("GET")
                        .arg(&key)
                        .query::<Option<Vec<u8>>>(c)
                        .map_err(StoreError::from_redis)
                };
                let reply = match a.op() {
                    Op::Confirm => a.confirm(get(c)?),
                    Op::Create => {
                        // Two commands, not a pipeline: the blocking
                        // Cluster connection takes no pipelines.
                        let set: Option<String> =
                            a.create(&key).query(c).map_err(StoreError::from_redis)?;
                        match set {
                            Some(_) => Reply::Done,
                            None => a.confirm(get(c)?),
                        }
                    }
                    Op::Swap => {
                        let v: redis::Value = core
                            .invocation(&key, &a)
                            .invoke(c)
                            .map_err(StoreError::from_redis)?;
                        Reply::from_value(v).map_err(StoreError::BadValue)?
                    }
                };
                match core.settle(&a, reply, h) {
                    Ok(outcome) => return Ok(outcome),
                    Err(cur) => current = cur,
                }
            }
            Err(StoreError::Contended)
        })();
        if matches!(result, Err(StoreError::Redis(_)) | Err(StoreError::Timeout)) {
            *guard = None;
        }
        result
    }
}
