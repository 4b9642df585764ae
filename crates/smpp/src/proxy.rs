//! The proxy: ESME sessions in, checks through the [`Engine`], allowed
//! messages out to the [`Upstream`] SMSC.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chanrac::ident::Name;
use chanrac::policy::AccountClass;
use chanrac::state::journal::Record;
use chanrac::{Channel, Engine, Event, Kind, Number, Sender};
use chanrac_metrics::watch::Fingerprint;
use chanrac_store::shared::SharedState;
use chanrac_store::StateDir;
use jiff::Timestamp;
use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp, SubmitSm};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::book::{self, Book};
use crate::limits::{
    self, BindPenalty, ConnLimiter, ConnSlot, Counters, LogLimiter, PeerLimits, Stats,
};
use crate::pdu::{self, status, SubmitFields};
use crate::reassembly::{
    ByteCaps, Insert, Limits, Message, MessageKey, Reassembler, Reject, SourceKey,
};
use crate::upstream::{DeliverAnswer, Upstream, UpstreamConfig};
use crate::wire::{outbox, read_frame_within, take_buffered, Outbox, ReadError};

/// `source_addr_ton` of an alphanumeric sender (a brandname).
pub const TON_ALPHANUMERIC: u8 = 5;

/// How the proxy runs (the command line of `chanrac-smpp`).
#[derive(Clone, Debug)]
pub struct Config {
    /// Policy directory or snapshot file.
    pub policy: PathBuf,
    /// The upstream SMSC.
    pub upstream: UpstreamConfig,
    /// The status answered to blocked messages (default `0x45`).
    pub reject_status: u32,
    /// An account without its own SMSC login in `accounts.csv` binds to
    /// the SMSC with the ESME's own `system_id` and password (else with
    /// [`UpstreamConfig::system_id`] / [`UpstreamConfig::password`]).
    pub pass_through_login: bool,
    /// Durable state directory (`--state DIR`); `None` with a shared
    /// store ([`Proxy::new_shared`]).
    pub state: Option<PathBuf>,
    /// Stamp every event with this time instead of the clock.
    pub fixed_time: Option<Timestamp>,
    /// Most `submit_sm` in flight per ESME session; beyond it
    /// `ESME_RTHROTTLED`.
    pub window: usize,
    /// How long to wait for the missing parts of a concatenated message.
    pub reassembly_timeout: Duration,
    /// Bytes of held parts (in all, per account) and of remembered
    /// decisions ([`ByteCaps::default`] is safe).
    pub reassembly_bytes: ByteCaps,
    /// The engine's per-pair state: size limit and fail mode.
    pub state_config: chanrac::state::StateConfig,
    /// Bounds on connections, timeouts, queued answers, failed binds and
    /// log lines ([`PeerLimits::default`] is safe).
    pub peer_limits: PeerLimits,
}

/// Which answer a checked `submit_sm` gets: its own `submit_sm_resp`, a
/// `data_sm_resp` (it came as a `data_sm`), or its destination's place in
/// a `submit_multi_resp`.
#[derive(Clone)]
enum Answer {
    Submit,
    Data,
    Multi(Arc<MultiAnswer>, usize),
}

/// A destination's answer: its status and the SMSC's `message_id`.
type Outcome = (u32, Option<COctetString<1, 65>>);

/// The answers of a `submit_multi`'s destinations, collected until every
/// one is in; then the one `submit_multi_resp` is sent.
struct MultiAnswer {
    tx: Outbox,
    seq: u32,
    reject_status: u32,
    /// Each destination: `dest_addr_ton`, `dest_addr_npi`, address.
    dests: Vec<(
        rusmpp::values::Ton,
        rusmpp::values::Npi,
        COctetString<1, 21>,
    )>,
    results: std::sync::Mutex<Vec<Option<Outcome>>>,
    /// The `message_id` the `submit_multi_resp` gives: the first one the
    /// SMSC returned; the others are aliased to it in `book`.
    given: std::sync::Mutex<Option<COctetString<1, 65>>>,
    /// The proxy's book of issued ids (none in unit tests).
    book: Option<Arc<Mutex<IdBook>>>,
    /// The session window slot the whole `submit_multi` holds.
    slot: std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
}

impl MultiAnswer {
    /// Records destination `i`'s answer (the first one counts); sends the
    /// `submit_multi_resp` once every destination has one.
    fn record(&self, i: usize, status: u32, id: Option<COctetString<1, 65>>) {
        let done = {
            let Ok(mut r) = self.results.lock() else {
                return;
            };
            match r.get_mut(i) {
                Some(slot @ None) => *slot = Some((status, id.clone())),
                _ => return,
            }
            if let (status::ESME_ROK, Some(id)) = (status, id) {
                if let Ok(mut g) = self.given.lock() {
                    match &*g {
                        None => *g = Some(id),
                        Some(first) => {
                            // Before the answer: a receipt for this
                            // destination already names the given id.
                            if let Some(Ok(mut b)) = self.book.as_ref().map(|b| b.lock()) {
                                b.alias(id.as_str(), first.as_str());
                            }
                        }
                    }
                }
            }
            if r.iter().any(Option::is_none) {
                return;
            }
            r.iter().flatten().cloned().collect::<Vec<_>>()
        };
        if let Ok(mut s) = self.slot.lock() {
            s.take();
        }
        let given = self.given.lock().ok().and_then(|g| g.clone());
        self.tx.send(pdu::encode(&multi_resp(
            &done,
            given,
            &self.dests,
            self.seq,
            self.reject_status,
        )));
    }
}

/// The `submit_multi_resp` for the destinations' answers: `given` (the
/// first `message_id` the SMSC returned for a destination; receipts for
/// the others are rewritten to it), every destination not forwarded in
/// `unsuccess_sme` with its status. When none was forwarded the whole PDU
/// gets a status too: a temporary one when any destination got one (the
/// ESME retries), else the reject status.
fn multi_resp(
    results: &[Outcome],
    given: Option<COctetString<1, 65>>,
    dests: &[(
        rusmpp::values::Ton,
        rusmpp::values::Npi,
        COctetString<1, 21>,
    )],
    seq: u32,
    reject_status: u32,
) -> Command {
    use rusmpp::values::UnsuccessSme;
    let id = given.or_else(|| {
        results
            .iter()
            .find(|r| r.0 == status::ESME_ROK)
            .and_then(|r| r.1.clone())
    });
    let unsuccess: Vec<UnsuccessSme> = results
        .iter()
        .zip(dests)
        .filter(|(r, _)| r.0 != status::ESME_ROK)
        .map(|(r, d)| UnsuccessSme::new(d.0, d.1, d.2.clone(), CommandStatus::from(r.0)))
        .collect();
    let st = if results.iter().any(|r| r.0 == status::ESME_ROK) {
        status::ESME_ROK
    } else {
        results
            .iter()
            .map(|r| r.0)
            .find(|&s| s != reject_status)
            .unwrap_or(reject_status)
    };
    let body = rusmpp::pdus::SubmitMultiResp::builder()
        .message_id(id.unwrap_or_default())
        .unsuccess_sme(unsuccess)
        .build();
    Command::new(CommandStatus::from(st), seq, body)
}

/// Where to send a `submit_sm_resp` (or the answer [`Answer`] says).
struct Reply {
    tx: Outbox,
    seq: u32,
    answer: Answer,
    /// Set once answered; an original (not a copy) of a `submit_multi`'s
    /// destination dropped unanswered answers `ESME_RSYSERR` for it, so
    /// the `submit_multi_resp` is never left waiting.
    answered: std::sync::atomic::AtomicBool,
    original: bool,
    /// The session window slot this `submit_sm` holds until it is answered.
    slot: std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
}

impl Clone for Reply {
    /// A copy answers the same request; only the original holds the slot.
    fn clone(&self) -> Reply {
        let mut r = Reply::answering(self.tx.clone(), self.seq, self.answer.clone());
        r.original = false;
        r
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if let Answer::Multi(m, i) = &self.answer {
            if self.original && !self.answered.load(std::sync::atomic::Ordering::Acquire) {
                m.record(*i, status::ESME_RSYSERR, None);
            }
        }
    }
}

impl Reply {
    fn new(tx: Outbox, seq: u32) -> Reply {
        Reply::answering(tx, seq, Answer::Submit)
    }

    /// A reply answered as `answer` says.
    fn answering(tx: Outbox, seq: u32, answer: Answer) -> Reply {
        Reply {
            tx,
            seq,
            answer,
            answered: std::sync::atomic::AtomicBool::new(false),
            original: true,
            slot: std::sync::Mutex::new(None),
        }
    }

    /// Holds a window slot until the answer is sent (or the reply dropped).
    fn hold(&self, permit: tokio::sync::OwnedSemaphorePermit) {
        if let Ok(mut s) = self.slot.lock() {
            *s = Some(permit);
        }
    }

    /// Gives the window slot back (a part parked for reassembly does not
    /// hold the window, so a message longer than the window can complete).
    fn release_slot(&self) {
        if let Ok(mut s) = self.slot.lock() {
            s.take();
        }
    }

    /// Takes the window slot out (to give it to another holder, or drop).
    fn take_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.slot.lock().ok().and_then(|mut s| s.take())
    }

    fn send(&self, status: u32, message_id: Option<COctetString<1, 65>>) {
        // Free the slot before the answer leaves: a client that sends its
        // next submit_sm as soon as it reads this one must find room.
        self.release_slot();
        self.answered
            .store(true, std::sync::atomic::Ordering::Release);
        let command_id = match &self.answer {
            Answer::Submit => SUBMIT_SM_RESP,
            Answer::Data => DATA_SM_RESP,
            Answer::Multi(m, i) => return m.record(*i, status, message_id),
        };
        let id = message_id.as_ref().map_or("", |id| id.as_str());
        self.tx
            .send(resp_with_id(command_id, status, self.seq, id.as_bytes()));
    }
}

/// `submit_sm_resp`.
const SUBMIT_SM_RESP: u32 = 0x8000_0004;

/// `data_sm_resp`.
const DATA_SM_RESP: u32 = 0x8000_0103;

/// A `submit_sm_resp` or `data_sm_resp` (`command_id`) whose body is the
/// `message_id` `id` alone (no TLVs), written out directly: the octets
/// `rusmpp` encodes for it, without building the PDU first.
fn resp_with_id(command_id: u32, status: u32, seq: u32, id: &[u8]) -> Vec<u8> {
    let len = pdu::HEADER_LEN + id.len() + 1;
    let mut out = Vec::with_capacity(len);
    let words = [
        u32::try_from(len).unwrap_or(u32::MAX),
        command_id,
        status,
        seq,
    ];
    for w in words {
        out.extend_from_slice(&w.to_be_bytes());
    }
    out.extend_from_slice(id);
    out.push(0);
    out
}

/// What a `submit_sm` is ([`Proxy::read_submit`]): its sender,
/// recipient, concatenation (a message of several parts) and text octets.
type Submitted<'a> = (Sender, Number, Option<crate::udh::Concat>, &'a [u8]);

/// How an allowed message of one part goes to the SMSC: the PDU as the
/// ESME wrote it, or a `submit_sm` to encode (made from a `data_sm` or a
/// `submit_multi` destination).
enum Forward<'a> {
    Frame(Vec<u8>),
    Encode(&'a SubmitSm),
}

/// A plain `submit_sm` of one part ([`Proxy::plain_one`]): its sequence
/// number, and its sender, recipient and text, or the status refusing it.
struct Plain {
    seq: u32,
    read: Result<One, u32>,
}

/// A message of one part as checked: sender, recipient, text.
type One = (Sender, Number, String);

/// One `submit_sm` waiting for its message's decision.
struct Part {
    reply: Arc<Reply>,
    sm: SubmitSm,
    /// The `submit_sm` as the ESME wrote it (`None` for a part made from a
    /// `data_sm` or a `submit_multi` destination): forwarded as it is, with
    /// the upstream session's sequence number, so every octet (TLVs
    /// included) reaches the SMSC unchanged.
    frame: Option<Vec<u8>>,
    arrived: Timestamp,
    account: Arc<Bound>,
    source: Sender,
    recipient: Number,
    /// Its part number (1 for a message of one part).
    seq: u8,
    data_coding: u8,
    text: Vec<u8>,
}

impl Part {
    /// What the part owns on the heap, for the reassembler's byte caps.
    fn weight(&self, key: &MessageKey) -> usize {
        use rusmpp::encode::Length;
        // The PDU's fields and TLVs, the text, the key's strings (in the
        // table and both deadline queues), and some 10 allocations'
        // bookkeeping.
        self.sm.length()
            + std::mem::size_of_val(self.sm.tlvs())
            + self.frame.as_ref().map_or(0, Vec::len)
            + self.text.len()
            + 3 * key.heap_bytes()
            + 10 * 16
    }
}

/// What is remembered of a decided concatenated message: late parts get
/// its decision, or are checked with its text.
#[derive(Clone, Debug, Default)]
struct Decided {
    blocked: bool,
    /// Whether `parts` holds every delivered part (false when the
    /// account's remembered memory had no room for them: late parts are
    /// then refused, never checked without them).
    kept: bool,
    /// The delivered parts: number, `data_coding`, text octets, and the
    /// SMSC's `message_id` once known.
    parts: Vec<(u8, u8, Vec<u8>, Option<COctetString<1, 65>>)>,
    /// The parts the SMSC refused (or did not answer): checked and
    /// allowed with the message, so a resend is forwarded as it is.
    failed: Vec<u8>,
}

impl Decided {
    fn weight(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.2.len() + std::mem::size_of_val(p) + 65)
            .sum()
    }
}

/// An SMSC `system_id` and password.
type Login = (Box<str>, Box<str>);

/// A bound ESME.
struct Bound {
    system_id: Box<str>,
    class: AccountClass,
    transmit: bool,
    /// The login of its sessions to the SMSC.
    login: Login,
    /// The upstream sessions of that login (the proxy's, made at the bind
    /// and never replaced).
    pool: Arc<Pool>,
}

/// The upstream sessions of one SMSC login ([`UpstreamConfig::sessions`]).
struct Pool {
    sessions: Vec<Arc<Upstream>>,
    next: std::sync::atomic::AtomicUsize,
}

impl Pool {
    /// The next session, round-robin.
    fn pick(&self) -> Option<Arc<Upstream>> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.sessions.get(n % self.sessions.len().max(1)).cloned()
    }
}

/// An ESME session bound to receive (`bind_receiver`, `bind_transceiver`):
/// where the SMSC's `deliver_sm` for its account go.
struct Receiver {
    id: u64,
    tx: Outbox,
    seq: std::sync::atomic::AtomicU32,
    /// `deliver_sm` sent and waiting for their `deliver_sm_resp`: the
    /// answer each owes the SMSC, by the sequence number it was sent to the
    /// ESME with. One timer for the session ([`relayed`]), not a task and a
    /// timer a receipt.
    pending: std::sync::Mutex<Book<DeliverAnswer>>,
    /// Wakes the sweeper: a deadline to watch.
    wake: Arc<tokio::sync::Notify>,
}

impl Receiver {
    /// Keeps `answer` until the ESME answers the `deliver_sm` sent with
    /// `seq`, or `until`.
    fn wait(&self, seq: u32, answer: DeliverAnswer, until: tokio::time::Instant) {
        let wake = match self.pending.lock() {
            Ok(mut p) => p.insert(seq, answer, Some(until)),
            Err(_) => false, // dropped: ESME_RX_T_APPN
        };
        if wake {
            self.wake.notify_one();
        }
    }

    /// The answer owed for the `deliver_sm` sent with `seq`.
    fn take(&self, seq: u32) -> Option<DeliverAnswer> {
        self.pending.lock().ok()?.take(seq)
    }
}

/// The book of a session, for its sweeper ([`book::sweep`]): it answers
/// `ESME_RX_T_APPN` for each `deliver_sm` the ESME did not answer by its
/// deadline, as it passes, and ends with the session (the answers left
/// then go the same way, as they are dropped).
fn relayed(r: &Receiver) -> &std::sync::Mutex<Book<DeliverAnswer>> {
    &r.pending
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // The sweeper, if waiting to be woken, sees the session gone.
        self.wake.notify_one();
    }
}

/// The shared proxy state.
pub struct Proxy {
    cfg: Config,
    engine: Engine,
    state: Option<Mutex<StateDir>>,
    /// The shared state store (`--state redis://…`): every check's state
    /// step goes there instead of the engine's own table.
    shared: Option<SharedState>,
    /// One upstream session per SMSC login.
    upstreams: Mutex<std::collections::HashMap<Login, Arc<Pool>>>,
    /// The sessions bound to receive, per account.
    receivers: Mutex<chanrac::hash::Map<Box<str>, Vec<Arc<Receiver>>>>,
    next_receiver: std::sync::atomic::AtomicU64,
    me: std::sync::Weak<Proxy>,
    reassembler: Mutex<Reassembler<MessageKey, Part, Arc<Decided>>>,
    /// The `message_id`s given to each account.
    issued: Arc<Mutex<IdBook>>,
    /// The numeric sources (numbers, short codes) each account sends ads
    /// from: a subscriber's reply, sent to one of them, is for that
    /// account (`None`: more than one account sends from it).
    senders: Mutex<chanrac::hash::Map<Number, Option<Arc<str>>>>,
    epoch: Instant,
    guard: Guard,
    /// `--mode`, metrics and verdict log.
    ops: crate::ops::Ops,
}

/// The limits' running state ([`PeerLimits`]).
#[derive(Debug)]
struct Guard {
    counters: Arc<Counters>,
    connections: Arc<ConnLimiter>,
    binds: BindPenalty,
    log: LogLimiter,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("cfg", &self.cfg).finish()
    }
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum StartError {
    /// The policy did not load (exit status 2).
    Policy(chanrac_policy::LoadError),
    /// The state directory or the listening socket failed (exit status 1).
    Io(String),
    /// Another process has the state directory open (exit status 2).
    StateLocked(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Policy(e) => e.fmt(f),
            StartError::Io(e) | StartError::StateLocked(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for StartError {}

impl Proxy {
    /// Loads the policy and the state.
    pub fn new(cfg: Config) -> Result<Arc<Proxy>, StartError> {
        Proxy::new_with(cfg, crate::ops::Ops::default())
    }

    /// Loads the policy and the state; the engine runs in `ops`'s mode
    /// (in [`chanrac::Mode::Monitor`] a full state delivers).
    pub fn new_with(cfg: Config, ops: crate::ops::Ops) -> Result<Arc<Proxy>, StartError> {
        Proxy::build(cfg, ops, None)
    }

    /// Loads the policy; the counters, consent and registration marks are
    /// kept in the shared state store `shared` (`--state redis://…`), with
    /// every other proxy, responder and host using it, instead of this
    /// process's table: the caps hold across all of them. [`Config::state`]
    /// must be `None` (the store's persistence keeps the state; no
    /// journal). The store is not contacted here (see
    /// [`SharedState::connect`]); a check it does not answer in time meets
    /// its fail mode (`STATE_UNAVAILABLE`).
    pub fn new_shared(
        cfg: Config,
        ops: crate::ops::Ops,
        shared: SharedState,
    ) -> Result<Arc<Proxy>, StartError> {
        if let Some(dir) = &cfg.state {
            return Err(StartError::Io(format!(
                "state `{}`: a state directory and a shared store at once",
                dir.display()
            )));
        }
        Proxy::build(cfg, ops, Some(shared))
    }

    fn build(
        cfg: Config,
        ops: crate::ops::Ops,
        shared: Option<SharedState>,
    ) -> Result<Arc<Proxy>, StartError> {
        let policy = chanrac_policy::load(&cfg.policy).map_err(StartError::Policy)?;
        let mut state_config = cfg.state_config.clone();
        if ops.mode() == chanrac::Mode::Monitor {
            state_config.on_full = chanrac::state::OnFull::Deliver;
        }
        let engine = chanrac::EngineBuilder::new()
            .mode(ops.mode())
            .state(state_config)
            .build(policy);
        let state = match &cfg.state {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StartError::Io(format!("state `{}`: {e}", dir.display())))?;
                let (s, stats) = StateDir::open(dir, &engine, chanrac_store::Durability::Manual)
                    .map_err(|e| {
                        if chanrac_store::is_locked(&e) {
                            StartError::StateLocked(format!("--state: {e}"))
                        } else {
                            StartError::Io(format!("state `{}`: {e}", dir.display()))
                        }
                    })?;
                tracing::info!(?stats, "state restored from `{}`", dir.display());
                Some(Mutex::new(s))
            }
            None => None,
        };
        let timeout_ms = u64::try_from(cfg.reassembly_timeout.as_millis()).unwrap_or(u64::MAX);
        let l = &cfg.peer_limits;
        let counters = Arc::new(Counters::default());
        let guard = Guard {
            connections: Arc::new(ConnLimiter::new(
                l.max_connections,
                l.max_connections_per_source,
                counters.clone(),
            )),
            binds: BindPenalty::new(l.bind_delay, l.bind_delay_max, l.bind_quiet),
            log: LogLimiter::new(l.log_lines, l.log_window, counters.clone()),
            counters,
        };
        Ok(Arc::new_cyclic(|me| Proxy {
            guard,
            upstreams: Mutex::default(),
            receivers: Mutex::default(),
            next_receiver: std::sync::atomic::AtomicU64::new(1),
            me: me.clone(),
            reassembler: Mutex::new(Reassembler::new(Limits::new(
                timeout_ms,
                cfg.reassembly_bytes,
            ))),
            engine,
            state,
            shared,
            cfg,
            issued: Arc::default(),
            senders: Mutex::default(),
            epoch: Instant::now(),
            ops,
        }))
    }

    /// `--mode`, metrics and verdict log.
    pub fn ops(&self) -> &crate::ops::Ops {
        &self.ops
    }

    /// Whether a session to the SMSC is down (its last attempt failed).
    pub fn upstream_down(&self) -> bool {
        self.upstreams.lock().map_or(true, |m| {
            m.values()
                .flat_map(|p| p.sessions.iter())
                .any(|u| u.is_down())
        })
    }

    /// Octets queued for the SMSC and not yet written, every session.
    pub fn upstream_queued_bytes(&self) -> usize {
        self.upstreams.lock().map_or(0, |m| {
            m.values()
                .flat_map(|p| p.sessions.iter())
                .map(|u| u.queued_bytes())
                .sum()
        })
    }

    /// The engine (for reloads and inspection).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The shared state store, when the state is kept there.
    pub fn shared(&self) -> Option<&SharedState> {
        self.shared.as_ref()
    }

    /// Stores the policy's consent records (`consents.csv`) in the shared
    /// state store, each only where it is newer than the pair's (as the
    /// local table takes them at load), once: whether the store took them
    /// all (always, without a store).
    pub async fn seed_consents_once(&self) -> bool {
        let Some(shared) = &self.shared else {
            return true;
        };
        match shared.seed_consents(&self.engine).await {
            Ok(n) => {
                tracing::info!(
                    store = shared.display(),
                    consents = n,
                    "policy consents stored in the shared state"
                );
                true
            }
            Err(e) => {
                tracing::warn!(
                    store = shared.display(),
                    "cannot store the policy's consents in the shared state yet (retrying): {e}"
                );
                false
            }
        }
    }

    /// [`Proxy::seed_consents_once`] until it succeeds, further and
    /// further apart (1 s doubling to 30 s).
    pub async fn seed_consents(self: Arc<Self>) {
        let mut wait = Duration::from_secs(1);
        while !self.seed_consents_once().await {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    }

    /// Checks `ev`: on the shared state store when there is one (never
    /// holding a lock while it waits), else on the engine's own table.
    async fn verdict(&self, ev: &Event<'_>) -> chanrac::Verdict {
        match &self.shared {
            Some(shared) => shared.check(&self.engine, ev).await,
            None => self.engine.check(ev),
        }
    }

    /// Parts held for reassembly (waiting for their message or its
    /// decision).
    pub fn held_parts(&self) -> usize {
        self.reassembler.lock().map_or(0, |r| r.held_parts())
    }

    /// Bytes of the parts held for reassembly: at most
    /// [`ByteCaps::held`] of [`Config::reassembly_bytes`].
    pub fn held_bytes(&self) -> usize {
        self.reassembler.lock().map_or(0, |r| r.held_bytes())
    }

    /// Bytes of the remembered decisions of concatenated messages: at most
    /// [`ByteCaps::remembered`].
    pub fn remembered_bytes(&self) -> usize {
        self.reassembler.lock().map_or(0, |r| r.remembered_bytes())
    }

    fn now(&self) -> Timestamp {
        self.cfg.fixed_time.unwrap_or_else(Timestamp::now)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Serves ESMEs on `listener` until the process ends, with the reload
    /// watcher and the reassembly timer running beside it. A connection
    /// beyond [`PeerLimits::max_connections_per_source`] from its source is
    /// closed at once (nothing is read or written); at
    /// [`PeerLimits::max_connections`] the oldest connection that has not
    /// bound is closed to make room, and when every connection is bound the
    /// new one is closed at once ([`ConnLimiter`]).
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        tokio::spawn(self.clone().timers());
        tokio::spawn(self.clone().watch_policy());
        tokio::spawn(self.clone().log_summaries());
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => match self.guard.connections.try_acquire(peer.ip()) {
                    Ok(slot) => {
                        let me = self.clone();
                        tokio::spawn(me.session(stream, peer, slot));
                    }
                    Err(why) => {
                        drop(stream);
                        Counters::bump(&self.guard.counters.connections_refused);
                        self.peer_log(|| {
                            tracing::warn!(%peer, ?why, "connection refused: too many connections")
                        });
                    }
                },
                Err(e) => {
                    self.peer_log(|| tracing::warn!("accept: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// What the limits did so far: connections open and refused, sessions
    /// closed by each timeout, queued answers, refused and delayed binds,
    /// suppressed log lines.
    pub fn stats(&self) -> Stats {
        self.guard.counters.snapshot()
    }

    /// Writes a log line a peer caused, within the log limit.
    fn peer_log(&self, line: impl FnOnce()) {
        let a = self.guard.log.admit();
        limits::report_suppressed(a.suppressed);
        if a.log {
            line();
        }
    }

    /// Reports suppressed log lines once per window, even when no later
    /// line comes.
    async fn log_summaries(self: Arc<Self>) {
        let every = self
            .cfg
            .peer_limits
            .log_window
            .max(Duration::from_millis(100));
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            limits::report_suppressed(self.guard.log.flush());
        }
    }

    /// Syncs the state directory (at shutdown).
    pub fn sync_state(&self) {
        if let Some(s) = &self.state {
            if let Ok(mut s) = s.lock() {
                if let Err(e) = s.sync() {
                    tracing::error!("state sync: {e}");
                }
            }
        }
    }

    async fn timers(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        let mut last_sync = Instant::now();
        loop {
            tick.tick().await;
            let expired = match self.reassembler.lock() {
                Ok(mut r) => r.expire(self.now_ms()),
                Err(_) => Vec::new(),
            };
            for m in expired {
                tracing::info!(
                    parts = m.parts.len(),
                    total = m.total,
                    "reassembly timeout: checking the parts that arrived"
                );
                tokio::spawn(self.clone().decide(m, true));
            }
            if last_sync.elapsed() >= Duration::from_secs(1) {
                last_sync = Instant::now();
                self.sync_state();
                // The state table's growth, off the check path (a blocking
                // thread: a large table takes a while to allocate; not
                // awaited, so reassembly timeouts keep their pace).
                let me = self.clone();
                tokio::task::spawn_blocking(move || {
                    let m = me.engine.maintain(me.now());
                    if m.grew {
                        tracing::info!(stats = ?me.engine.state().stats(), "state table grown");
                    }
                    if m.full {
                        tracing::error!(stats = ?me.engine.state().stats(), "state is full: new pairs meet the fail mode");
                    }
                });
            }
        }
    }

    async fn session(
        self: Arc<Self>,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        slot: ConnSlot,
    ) {
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        self.serve_inner(rd, wr, peer, Some(&slot)).await;
    }

    /// Serves one ESME over any byte stream (a TCP connection's halves, or
    /// an in-memory pipe in tests and fuzzing) until it unbinds, closes, or
    /// breaks a session limit of [`Config::peer_limits`] (the connection limits
    /// are [`Proxy::serve`]'s):
    ///
    /// - not bound within [`PeerLimits::bind_timeout`] of opening: closed;
    /// - bound and silent for [`PeerLimits::idle_timeout`]: sent an
    ///   `enquire_link`, and closed when still silent after
    ///   [`PeerLimits::enquire_link_timeout`];
    /// - a PDU not whole within [`PeerLimits::pdu_timeout`] of its first octet:
    ///   closed;
    /// - [`PeerLimits::max_queued_bytes`] of answers waiting to be written: no
    ///   more requests are read until they drain (closed when they do not
    ///   within [`PeerLimits::write_timeout`]).
    pub async fn serve_stream<R, W>(self: Arc<Self>, rd: R, wr: W, peer: SocketAddr)
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_inner(rd, wr, peer, None).await;
    }

    /// [`Proxy::serve_stream`] holding `slot` of the connection limits: a
    /// session that has not bound is closed when its slot is taken back to
    /// make room for a new connection.
    async fn serve_inner<R, W>(
        self: Arc<Self>,
        rd: R,
        wr: W,
        peer: SocketAddr,
        slot: Option<&ConnSlot>,
    ) where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let limits = self.cfg.peer_limits.clone();
        let counters = self.guard.counters.clone();
        // Buffered: a PDU usually costs one recv, not two or more.
        let mut rd = tokio::io::BufReader::with_capacity(64 * 1024, rd);
        let (tx, rx) = outbox(Some(counters.clone()));
        let mut writer = tokio::spawn(async move {
            let mut wr = crate::wire::pump(rx, wr).await;
            let _ = wr.shutdown().await;
        });
        let window = Arc::new(Semaphore::new(self.cfg.window.max(1)));
        let mut bound: Option<Arc<Bound>> = None;
        // Set once bound to receive.
        let mut receiver: Option<Arc<Receiver>> = None;
        let opened = tokio::time::Instant::now();
        // Set while our enquire_link waits for any PDU from the ESME.
        let mut pinged: Option<tokio::time::Instant> = None;
        let mut next_seq: u32 = 1;
        // The ESME stopped reading its answers: the connection is dropped
        // at once, with whatever is queued for it.
        let mut stalled = false;
        loop {
            // Backpressure: an ESME that does not read its answers is not
            // read either, so the answers queued for it stay bounded.
            if tx.queued() >= limits.max_queued_bytes {
                Counters::bump(&counters.read_pauses);
                let drained = tx.drained(limits.max_queued_bytes);
                if tokio::time::timeout(limits.write_timeout, drained)
                    .await
                    .is_err()
                {
                    Counters::bump(&counters.write_timeouts);
                    self.peer_log(|| tracing::warn!(%peer, "answers not read: session closed"));
                    stalled = true;
                    break;
                }
            }
            // A bound session's next PDU already whole in the buffer (the
            // usual case with a window of requests): taken without a read,
            // so without its deadlines, none of which can pass before it
            // (the session is not waiting for its enquire_link, so the idle
            // deadline is `idle_timeout` from now).
            let buffered = match (&bound, pinged) {
                (Some(_), None) if !limits.idle_timeout.is_zero() => take_buffered(&mut rd),
                _ => None,
            };
            let read = if let Some(f) = buffered {
                if let Some(slot) = slot {
                    slot.mark_bound();
                }
                Ok(Some(Ok(f)))
            } else {
                let idle_until = match (&bound, pinged) {
                    (None, _) => opened + limits.bind_timeout,
                    (Some(_), Some(deadline)) => deadline,
                    (Some(_), None) => tokio::time::Instant::now() + limits.idle_timeout,
                };
                let read = read_frame_within(&mut rd, idle_until, limits.pdu_timeout);
                match (slot, &bound) {
                    (Some(slot), None) => tokio::select! {
                        r = read => r,
                        () = slot.evicted() => {
                            self.peer_log(|| {
                                tracing::warn!(%peer, "not bound: closed to make room for a new connection")
                            });
                            break;
                        }
                    },
                    (Some(slot), Some(_)) => {
                        slot.mark_bound();
                        read.await
                    }
                    (None, _) => read.await,
                }
            };
            let frame = match read {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(ReadError::Idle) if bound.is_none() => {
                    Counters::bump(&counters.bind_timeouts);
                    self.peer_log(|| tracing::warn!(%peer, "no bind in time: connection closed"));
                    break;
                }
                Err(ReadError::Idle) if pinged.is_none() => {
                    let ping = Command::new(CommandStatus::EsmeRok, next_seq, Pdu::EnquireLink);
                    next_seq = next_seq.wrapping_add(1).clamp(1, 0x7FFF_FFFF);
                    tx.send(pdu::encode(&ping));
                    pinged = Some(tokio::time::Instant::now() + limits.enquire_link_timeout);
                    continue;
                }
                Err(ReadError::Idle) => {
                    Counters::bump(&counters.idle_timeouts);
                    self.peer_log(
                        || tracing::warn!(%peer, "no answer to enquire_link: session closed"),
                    );
                    break;
                }
                Err(ReadError::Slow) => {
                    Counters::bump(&counters.pdu_timeouts);
                    self.peer_log(|| {
                        tracing::warn!(%peer, "a PDU did not arrive whole in time: session closed")
                    });
                    break;
                }
                Err(ReadError::Io(e)) => {
                    tracing::debug!(%peer, "read: {e}");
                    break;
                }
            };
            pinged = None;
            let arrived = self.now();
            // A plain `submit_sm` of one part from a bound transmitter,
            // read in place (no `rusmpp`) and checked here.
            let plain = match (&frame, &bound) {
                (Ok(f), Some(account)) if account.transmit && self.checks_at_once() => {
                    Self::plain_one(account, f)
                }
                _ => None,
            };
            let frame = match (plain, frame) {
                (Some(p), Ok(f)) => {
                    let Some((account, reply)) =
                        admitted(&bound, &window, Reply::new(tx.clone(), p.seq))
                    else {
                        continue;
                    };
                    match p.read {
                        Ok(one) => self.check_one(account, reply, one, arrived, Forward::Frame(f)),
                        Err(st) => reply.send(st, None),
                    }
                    continue;
                }
                (_, frame) => frame,
            };
            // The frame is kept: an allowed `submit_sm` goes to the SMSC
            // as the ESME wrote it.
            let (mut frame, decoded) = match frame {
                Ok(f) => {
                    let d = pdu::decode(&f);
                    (Some(f), d)
                }
                Err(n) => (None, Err(n)),
            };
            let cmd = match decoded {
                Ok(c) => c,
                Err(n) => {
                    self.peer_log(
                        || tracing::warn!(%peer, status = n.status, "malformed PDU: generic_nack"),
                    );
                    tx.send(n.encode());
                    if n.fatal {
                        break;
                    }
                    continue;
                }
            };
            let seq = cmd.sequence_number();
            let send = |c: Command| {
                tx.send(pdu::encode(&c));
            };
            match cmd.pdu() {
                Some(Pdu::BindTransmitter(b)) => {
                    let (id, pw) = (b.system_id.as_str(), b.password.as_str());
                    let st = self.bind(&mut bound, peer, id, pw, (true, false)).await;
                    let resp = BindTransmitterResp::builder().system_id(proxy_id()).build();
                    send(Command::new(st, seq, resp));
                }
                Some(Pdu::BindTransceiver(b)) => {
                    let (id, pw) = (b.system_id.as_str(), b.password.as_str());
                    let st = self.bind(&mut bound, peer, id, pw, (true, true)).await;
                    let resp = BindTransceiverResp::builder().system_id(proxy_id()).build();
                    send(Command::new(st, seq, resp));
                    if st == CommandStatus::EsmeRok {
                        receiver = bound.as_ref().map(|b| self.register(b, &tx));
                    }
                }
                Some(Pdu::BindReceiver(b)) => {
                    let (id, pw) = (b.system_id.as_str(), b.password.as_str());
                    let st = self.bind(&mut bound, peer, id, pw, (false, true)).await;
                    let resp = BindReceiverResp::builder().system_id(proxy_id()).build();
                    send(Command::new(st, seq, resp));
                    if st == CommandStatus::EsmeRok {
                        receiver = bound.as_ref().map(|b| self.register(b, &tx));
                    }
                }
                Some(Pdu::SubmitSm(sm)) => {
                    let Some((account, reply)) =
                        admitted(&bound, &window, Reply::new(tx.clone(), seq))
                    else {
                        continue;
                    };
                    if self.checks_at_once() {
                        self.submit_now(account, reply, sm, arrived, frame.take());
                        continue;
                    }
                    // Boxed: the task then holds a pointer, not the whole
                    // (large) future moved several times on each spawn.
                    tokio::spawn(Box::pin(self.clone().submit(
                        account,
                        reply,
                        sm.clone(),
                        arrived,
                        frame.take(),
                    )));
                }
                Some(Pdu::DataSm(ds)) => {
                    let reply = Reply::answering(tx.clone(), seq, Answer::Data);
                    let Some((account, reply)) = admitted(&bound, &window, reply) else {
                        continue;
                    };
                    match pdu::data_sm_as_submit(ds) {
                        Ok(sm) if self.checks_at_once() => {
                            self.submit_now(account, reply, &sm, arrived, None);
                        }
                        Ok(sm) => {
                            tokio::spawn(Box::pin(
                                self.clone().submit(account, reply, sm, arrived, None),
                            ));
                        }
                        Err(st) => reply.send(st, None),
                    }
                }
                Some(Pdu::SubmitMulti(m)) => {
                    let refuse = |st: u32| {
                        let body = rusmpp::pdus::SubmitMultiResp::builder().build();
                        send(Command::new(CommandStatus::from(st), seq, body));
                    };
                    let (account, permit) = match admit(&bound, &window) {
                        Ok(a) => a,
                        Err(st) => {
                            refuse(st);
                            continue;
                        }
                    };
                    let sms = match pdu::submit_multi_split(m) {
                        Ok(sms) => sms,
                        Err(st) => {
                            refuse(st);
                            continue;
                        }
                    };
                    let answer = Arc::new(MultiAnswer {
                        tx: tx.clone(),
                        seq,
                        reject_status: self.cfg.reject_status,
                        dests: sms
                            .iter()
                            .map(|sm| {
                                (
                                    sm.dest_addr_ton,
                                    sm.dest_addr_npi,
                                    sm.destination_addr.clone(),
                                )
                            })
                            .collect(),
                        results: std::sync::Mutex::new(vec![None; sms.len()]),
                        given: std::sync::Mutex::new(None),
                        book: Some(self.issued.clone()),
                        slot: std::sync::Mutex::new(Some(permit)),
                    });
                    for (i, sm) in sms.into_iter().enumerate() {
                        let reply =
                            Reply::answering(tx.clone(), seq, Answer::Multi(answer.clone(), i));
                        if self.checks_at_once() {
                            self.submit_now(account.clone(), reply, &sm, arrived, None);
                            continue;
                        }
                        tokio::spawn(Box::pin(self.clone().submit(
                            account.clone(),
                            reply,
                            sm,
                            arrived,
                            None,
                        )));
                    }
                }
                Some(Pdu::ReplaceSm(_)) => send(Command::new(
                    CommandStatus::from(status::ESME_RREPLACEFAIL),
                    seq,
                    Pdu::ReplaceSmResp,
                )),
                Some(Pdu::QuerySm(_)) | Some(Pdu::CancelSm(_)) => {
                    let query = matches!(cmd.pdu(), Some(Pdu::QuerySm(_)));
                    let (account, permit) = match admit(&bound, &window) {
                        Ok(a) => a,
                        Err(st) => {
                            send(refusal(query, st, seq));
                            continue;
                        }
                    };
                    let (this, tx, cmd) = (self.clone(), tx.clone(), cmd.clone());
                    tokio::spawn(async move {
                        let answer = this.query_or_cancel(&account, cmd).await;
                        drop(permit);
                        tx.send(pdu::encode(&answer));
                    });
                }
                Some(Pdu::EnquireLink) => send(Command::new(
                    CommandStatus::EsmeRok,
                    seq,
                    Pdu::EnquireLinkResp,
                )),
                Some(Pdu::Unbind) => {
                    send(Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp));
                    break;
                }
                // By its command id: a `deliver_sm_resp` without a body
                // (an error status, or an ESME that sends none) decodes to
                // no PDU; a `generic_nack` of a `deliver_sm` answers it too.
                _ if matches!(
                    cmd.id(),
                    rusmpp::CommandId::DeliverSmResp | rusmpp::CommandId::GenericNack
                ) =>
                {
                    if let Some(a) = receiver.as_ref().and_then(|r| r.take(seq)) {
                        a.answer(u32::from(cmd.status()));
                    }
                }
                _ if cmd.id().is_response() => {} // e.g. enquire_link_resp, generic_nack
                _ => send(Command::new(
                    CommandStatus::from(status::ESME_RINVCMDID),
                    seq,
                    Pdu::GenericNack,
                )),
            }
        }
        if let (Some(r), Some(b)) = (&receiver, &bound) {
            self.deregister(&b.system_id, r.id);
        }
        drop(receiver);
        drop(tx);
        drop(rd);
        if stalled {
            writer.abort();
            let _ = writer.await;
            return;
        }
        // Answers still in flight (held parts, upstream round trips) hold
        // their own senders: the writer ends after the last one is sent, or
        // is dropped (with the connection) when that takes longer than any
        // answer can.
        let last_answer = limits.write_timeout
            + self.cfg.reassembly_timeout
            + self.cfg.upstream.response_timeout
            + self.cfg.upstream.connect_timeout
            + self.cfg.upstream.bind_timeout;
        if tokio::time::timeout(last_answer, &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }

    /// Passes a `query_sm` or `cancel_sm` to the SMSC and returns its
    /// answer (with the ESME's sequence number), when its `message_id` is
    /// one this proxy gave `account` (and still remembers, [`MAX_ISSUED`]);
    /// else `ESME_RINVMSGID`. A `cancel_sm` without a `message_id` (every
    /// message from a source to a destination) gets `ESME_RCANCELFAIL`: it
    /// could reach other accounts' messages.
    async fn query_or_cancel(&self, account: &Bound, cmd: Command) -> Command {
        let seq = cmd.sequence_number();
        let query = matches!(cmd.pdu(), Some(Pdu::QuerySm(_)));
        let id = match cmd.pdu() {
            Some(Pdu::QuerySm(q)) => q.message_id.as_str(),
            Some(Pdu::CancelSm(c)) => c.message_id.as_str(),
            _ => "",
        };
        if id.is_empty() {
            let st = if query {
                status::ESME_RINVMSGID
            } else {
                status::ESME_RCANCELFAIL
            };
            return refusal(query, st, seq);
        }
        let owned = self
            .issued
            .lock()
            .is_ok_and(|b| b.owner(id).is_some_and(|o| *o == *account.system_id));
        if !owned {
            return refusal(query, status::ESME_RINVMSGID, seq);
        }
        let Some(request) = cmd.pdu().cloned() else {
            return refusal(query, status::ESME_RSYSERR, seq);
        };
        match self.upstream_for(&account.login).call(request).await {
            Ok(answer) => match answer.pdu() {
                Some(p @ Pdu::QuerySmResp(_)) if query => {
                    Command::new(answer.status(), seq, p.clone())
                }
                Some(Pdu::CancelSmResp) if !query => {
                    Command::new(answer.status(), seq, Pdu::CancelSmResp)
                }
                Some(Pdu::GenericNack) => refusal(query, u32::from(answer.status()), seq),
                // An error answer without a body (as some SMSCs send):
                // its status.
                None if u32::from(answer.status()) != status::ESME_ROK => {
                    refusal(query, u32::from(answer.status()), seq)
                }
                _ => refusal(query, status::ESME_RSYSERR, seq),
            },
            Err(st) => refusal(query, st, seq),
        }
    }

    /// The SMSC login of `account`'s sessions: its own from `accounts.csv`,
    /// else the ESME's (with [`Config::pass_through_login`]), else the
    /// default one.
    fn login_of(&self, system_id: &str, account: &chanrac::policy::Account) -> Login {
        match &account.upstream {
            Some(l) => l.clone(),
            None if self.cfg.pass_through_login => (system_id.into(), account.password.clone()),
            None => (
                self.cfg.upstream.system_id.as_str().into(),
                self.cfg.upstream.password.as_str().into(),
            ),
        }
    }

    /// The next upstream session of `login` (round-robin over its pool).
    fn upstream_for(&self, login: &Login) -> Arc<Upstream> {
        match self.pool_for(login, None).pick() {
            Some(u) => u,
            None => Arc::new(Upstream::new(self.cfg.upstream.clone())),
        }
    }

    /// How many sessions to the SMSC `account`'s login keeps: its own
    /// count (`accounts.csv` `upstream_sessions`), else
    /// [`UpstreamConfig::sessions`].
    fn sessions_of(&self, account: &chanrac::policy::Account) -> usize {
        account
            .upstream_sessions
            .map_or(self.cfg.upstream.sessions, |n| usize::from(n.get()))
            .max(1)
    }

    /// The sessions of `login`, made on first use with `wanted` of them
    /// (`None`: [`UpstreamConfig::sessions`]), and grown when `wanted` asks
    /// for more than it has (a login several accounts share keeps the most
    /// any of them asks for; a policy reload that lowers the count leaves
    /// the sessions open until the proxy restarts). The sessions it had
    /// stay in the grown pool, bound as they were.
    fn pool_for(&self, login: &Login, wanted: Option<usize>) -> Arc<Pool> {
        let Ok(mut map) = self.upstreams.lock() else {
            return Arc::new(Pool {
                sessions: Vec::new(),
                next: Default::default(),
            });
        };
        let had = match map.get(login) {
            Some(p) if wanted.is_none_or(|w| p.sessions.len() >= w) => return p.clone(),
            Some(p) => p.sessions.clone(),
            None => Vec::new(),
        };
        let wanted = wanted.unwrap_or(self.cfg.upstream.sessions).max(1);
        let mut cfg = self.cfg.upstream.clone();
        cfg.system_id = login.0.to_string();
        cfg.password = login.1.to_string();
        let (me, key) = (self.me.clone(), login.clone());
        let handler: crate::upstream::DeliverHandler = Arc::new(move |ds, answer| {
            // Without the proxy the answer is dropped: ESME_RX_T_APPN.
            if let Some(p) = me.upgrade() {
                p.deliver(&key, ds, answer);
            }
        });
        let added = wanted.saturating_sub(had.len());
        let pool = Arc::new(Pool {
            sessions: had
                .into_iter()
                .chain(
                    (0..added)
                        .map(|_| Arc::new(Upstream::with_deliver(cfg.clone(), handler.clone()))),
                )
                .collect(),
            next: Default::default(),
        });
        map.insert(login.clone(), pool.clone());
        pool
    }

    /// Unbinds every upstream session (at shutdown).
    pub async fn unbind_upstreams(&self) {
        let all: Vec<Arc<Upstream>> = match self.upstreams.lock() {
            Ok(m) => m.values().flat_map(|p| p.sessions.clone()).collect(),
            Err(_) => Vec::new(),
        };
        for u in all {
            u.unbind().await;
        }
    }

    /// Registers a session bound to receive.
    fn register(&self, b: &Bound, tx: &Outbox) -> Arc<Receiver> {
        use std::sync::atomic::Ordering;
        let wake = Arc::new(tokio::sync::Notify::new());
        let r = Arc::new(Receiver {
            id: self.next_receiver.fetch_add(1, Ordering::Relaxed),
            tx: tx.clone(),
            seq: std::sync::atomic::AtomicU32::new(0x4000_0000),
            pending: std::sync::Mutex::default(),
            wake: wake.clone(),
        });
        tokio::spawn(book::sweep(Arc::downgrade(&r), wake, relayed));
        if let Ok(mut m) = self.receivers.lock() {
            m.entry(b.system_id.clone()).or_default().push(r.clone());
        }
        r
    }

    fn deregister(&self, system_id: &str, id: u64) {
        if let Ok(mut m) = self.receivers.lock() {
            if let Some(v) = m.get_mut(system_id) {
                v.retain(|r| r.id != id);
                if v.is_empty() {
                    m.remove(system_id);
                }
            }
        }
    }

    /// The account a `deliver_sm` from the SMSC session of `login` is for:
    /// a receipt's by its `message_id` (the one the ESME was given), else
    /// the only account whose sessions use `login`.
    fn route(
        &self,
        login: &Login,
        ds: &rusmpp::pdus::DeliverSm,
        receipted: Option<&str>,
    ) -> Option<Box<str>> {
        if let Some(id) = receipted {
            let owner = self
                .issued
                .lock()
                .ok()
                .and_then(|b| b.owner_of_any_form(id).map(Box::from));
            if owner.is_some() {
                return owner;
            }
        } else if let Ok(to) = Number::parse(ds.destination_addr.as_str()) {
            // A subscriber's message: for the account that sends from the
            // number or short code it was sent to.
            let owner = self
                .senders
                .lock()
                .ok()
                .and_then(|m| m.get(&to).cloned().flatten());
            if let Some(a) = owner {
                return Some(Box::from(&*a));
            }
        }
        let policy = self.engine.policy();
        let mut users = policy
            .accounts()
            .filter(|(id, a)| self.login_of(id, a) == *login)
            .map(|(id, _)| Box::<str>::from(id));
        match (users.next(), users.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// A `deliver_sm` from the SMSC (a receipt or a mobile-originated
    /// message): passed to a session of its account bound to receive, and
    /// that session's `deliver_sm_resp` status returned to the SMSC with
    /// `answer`. No such session, or no answer within
    /// `--upstream-response-timeout`: `ESME_RX_T_APPN` (the SMSC delivers
    /// it again later). No account to route it to: a receipt gets
    /// `ESME_RX_T_APPN` (its id may be one the proxy is about to learn: the
    /// SMSC's answer to the submit can come after the receipt), a
    /// subscriber's message `ESME_RX_P_APPN`. A receipt is relayed on the
    /// link's reader, without a task of its own; a subscriber's message is
    /// checked as a reply first, in a task (the check may wait for a shared
    /// store).
    fn deliver(self: Arc<Self>, login: &Login, ds: rusmpp::pdus::DeliverSm, answer: DeliverAnswer) {
        let receipted = pdu::receipted_id(&ds);
        let Some(account) = self.route(login, &ds, receipted.as_deref()) else {
            if receipted.is_some() || u8::from(ds.esm_class) & 0x3C != 0 {
                tracing::warn!(
                    login = &*login.0,
                    "receipt for a message id no account was given: the SMSC retries"
                );
                return answer.answer(status::ESME_RX_T_APPN);
            }
            tracing::warn!(
                login = &*login.0,
                "deliver_sm for no known account (give each account its own upstream login): refused"
            );
            return answer.answer(status::ESME_RX_P_APPN);
        };
        if receipted.is_some() {
            return self.relay(&account, ds, receipted, answer);
        }
        tokio::spawn(async move {
            match self.reply(&account, &ds).await {
                Ok(()) => self.relay(&account, ds, None, answer),
                Err(st) => answer.answer(st),
            }
        });
    }

    /// Sends `ds` (a receipt for the SMSC's id `receipted`, or a
    /// subscriber's message) to the oldest session of `account` bound to
    /// receive, and keeps `answer` until that session answers it.
    fn relay(
        &self,
        account: &str,
        ds: rusmpp::pdus::DeliverSm,
        receipted: Option<String>,
        answer: DeliverAnswer,
    ) {
        use std::sync::atomic::Ordering;
        let r = match self.receivers.lock() {
            // The oldest session bound to receive.
            Ok(m) => m.get(account).and_then(|v| v.first().cloned()),
            Err(_) => None,
        };
        let Some(r) = r else {
            tracing::info!(
                system_id = account,
                "deliver_sm: the ESME is not bound to receive, the SMSC retries"
            );
            return answer.answer(status::ESME_RX_T_APPN);
        };
        let seq = r.seq.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF;
        let alias = receipted.and_then(|id| {
            let b = self.issued.lock().ok()?;
            Some((b.given(&id)?.to_string(), id))
        });
        let frame = match alias {
            Some((given, id)) => pdu::receipt_with_id(&ds, seq, &id, &given),
            None => pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, ds)),
        };
        // Waiting before it is sent: the ESME's answer cannot come first.
        r.wait(
            seq,
            answer,
            tokio::time::Instant::now() + self.cfg.upstream.response_timeout,
        );
        if !r.tx.send(frame) {
            // The session's writer is gone: ESME_RX_T_APPN now.
            drop(r.take(seq));
        }
    }

    /// A subscriber's message to `account` as a `reply` event: checked (a
    /// `yes` or `no` of `[replies]` records consent) and journalled. A reply
    /// whose consent could not be stored is `Err(ESME_RX_T_APPN)`: the SMSC
    /// delivers it again. A source or destination that is not a number is
    /// no reply (passed on unchecked).
    async fn reply(&self, account: &str, ds: &rusmpp::pdus::DeliverSm) -> Result<(), u32> {
        let (Ok(subscriber), Ok(to)) = (
            Number::parse(ds.source_addr.as_str()),
            Number::parse(ds.destination_addr.as_str()),
        ) else {
            return Ok(());
        };
        let text = pdu::deliver_text(ds);
        let ev = Event::new(
            self.now(),
            Channel::Sms,
            Kind::Reply,
            Sender::Number(subscriber),
            to,
        )
        .with_advertiser(account)
        .with_text(&text);
        let verdict = self.verdict(&ev).await;
        tracing::info!(
            system_id = account,
            subscriber = %subscriber,
            consent = ?verdict.consent,
            counted = verdict.counted,
            "reply"
        );
        if verdict.consent.is_some() && !verdict.counted {
            tracing::error!(
                system_id = account,
                "a reply's consent could not be stored: the SMSC retries"
            );
            return Err(status::ESME_RX_T_APPN);
        }
        if let (Some(state), Some(rec)) = (
            &self.state,
            Record::of_check(&self.engine.policy(), &ev, &verdict),
        ) {
            let stored = state.lock().map_err(|_| ()).and_then(|mut s| {
                s.append(&rec).map_err(|e| {
                    tracing::error!("state append: {e}");
                })
            });
            if stored.is_err() {
                return Err(status::ESME_RX_T_APPN);
            }
        }
        Ok(())
    }

    /// Gives back the count of an ad the check allowed and the SMSC then
    /// refused with `st` (throttled, queue full, a bad address …): it never
    /// reached the subscriber, and the gateway may send it again. Not for
    /// `ESME_RSYSERR`, which is also what a timeout or a dropped link gives
    /// (the SMSC may have taken the message). In the local state or, with
    /// one, the shared store; done when it returns.
    async fn give_back(
        &self,
        account: &str,
        recipient: Number,
        kind: Kind,
        time: Timestamp,
        st: u32,
    ) {
        let Some(shared) = &self.shared else {
            return self.give_back_locally(account, recipient, kind, time, st);
        };
        if kind != Kind::Ad || st == status::ESME_RSYSERR {
            return;
        }
        let check = self
            .engine
            .uncount_check(account, recipient, Channel::Sms, time);
        if let Ok(out) = shared.try_pair(&check).await {
            if check.finish(out).counted {
                given_back(account, st);
            }
        }
    }

    /// [`Proxy::give_back`] in the local state (no shared store).
    fn give_back_locally(
        &self,
        account: &str,
        recipient: Number,
        kind: Kind,
        time: Timestamp,
        st: u32,
    ) {
        if kind == Kind::Ad
            && st != status::ESME_RSYSERR
            && self.engine.uncount(account, recipient, Channel::Sms, time)
        {
            given_back(account, st);
        }
    }

    /// Remembers that `account` sends from `source`, when it is a number or
    /// short code (subscribers' replies to it are for that account).
    fn sends_from(&self, account: &str, source: Sender) {
        let Sender::Number(n) = source else {
            return;
        };
        let Ok(mut m) = self.senders.lock() else {
            return;
        };
        let full = m.len() >= MAX_SENDERS;
        match m.get_mut(&n) {
            Some(Some(a)) if &**a == account => {}
            Some(owner) => *owner = None,
            None if !full => {
                m.insert(n, Some(Arc::from(account)));
            }
            None => {}
        }
    }

    /// Remembers that `id` (an SMSC `message_id`) was given to `account`.
    fn issue(&self, account: &str, id: &COctetString<1, 65>) {
        if let Ok(mut b) = self.issued.lock() {
            b.give(id.as_str(), account);
        }
    }

    /// Checks a bind against `accounts.csv`; on success the session is
    /// bound (`*bound` set). Returns the status to answer with: an unknown
    /// `system_id` and a wrong password get the same `ESME_RBINDFAIL` (the
    /// answer does not tell which accounts exist). After failed binds from
    /// `peer`'s source every bind from it waits its turn ([`BindPenalty`]),
    /// successful ones too, so an early answer gives nothing away.
    async fn bind(
        &self,
        bound: &mut Option<Arc<Bound>>,
        peer: SocketAddr,
        system_id: &str,
        password: &str,
        (transmit, receive): (bool, bool),
    ) -> CommandStatus {
        if bound.is_some() {
            return CommandStatus::from(status::ESME_RALYBND);
        }
        let now = tokio::time::Instant::now();
        let at = self.guard.binds.admit(peer.ip(), now);
        if at > now {
            Counters::bump(&self.guard.counters.binds_delayed);
            tokio::time::sleep_until(at).await;
        }
        let policy = self.engine.policy();
        match policy.account(system_id) {
            Some(a) if same_secret(a.password.as_bytes(), password.as_bytes()) => {
                self.guard.binds.succeeded(peer.ip());
                tracing::info!(
                    ?system_id,
                    advertiser = &*a.advertiser,
                    transmit,
                    receive,
                    "bound"
                );
                let login = self.login_of(system_id, a);
                let pool = self.pool_for(&login, Some(self.sessions_of(a)));
                let b = Bound {
                    system_id: system_id.into(),
                    class: a.class,
                    transmit,
                    login,
                    pool,
                };
                // Up now, so the SMSC can deliver receipts and replies.
                for u in &b.pool.sessions {
                    u.keep_up();
                }
                *bound = Some(Arc::new(b));
                CommandStatus::EsmeRok
            }
            _ => {
                let failures = self
                    .guard
                    .binds
                    .failed(peer.ip(), tokio::time::Instant::now());
                Counters::bump(&self.guard.counters.binds_refused);
                self.peer_log(|| {
                    tracing::warn!(%peer, ?system_id, failures, "bind refused; later binds from this source are delayed")
                });
                CommandStatus::from(status::ESME_RBINDFAIL)
            }
        }
    }

    /// Whether a `submit_sm` is checked in its session's task, as it is
    /// read ([`Proxy::submit_now`]): when the check is local (no shared
    /// store to wait for) and no verdict log is written. Else each one is
    /// checked in a task of its own ([`Proxy::submit`]).
    fn checks_at_once(&self) -> bool {
        self.shared.is_none() && self.ops.log().is_none()
    }

    /// What a `submit_sm` is: its sender, recipient, concatenation (a
    /// message of several parts) and text octets; or the status refusing
    /// it.
    fn read_submit<'a>(account: &Bound, f: &SubmitFields<'a>) -> Result<Submitted<'a>, u32> {
        if let Some(a) = f.ambiguity {
            tracing::debug!(system_id = &*account.system_id, "refused: {a}");
            return Err(a.status());
        }
        let source = if f.source_ton == TON_ALPHANUMERIC {
            match Name::parse(f.source) {
                Ok(n) => Sender::Name(n),
                Err(_) if f.source.trim().is_empty() => Sender::None,
                Err(_) => Sender::Unregistrable,
            }
        } else {
            match Sender::parse(f.source) {
                Ok(s) => s,
                Err(_) => return Err(status::ESME_RINVSRCADR),
            }
        };
        let Ok(recipient) = Number::parse(f.destination) else {
            return Err(status::ESME_RINVDSTADR);
        };
        let Ok((concat, text)) = f.split() else {
            return Err(status::ESME_RINVESMCLASS);
        };
        if crate::text::Alphabet::of(f.data_coding) == crate::text::Alphabet::Compressed {
            // What a decompressing handset shows cannot be checked here.
            return Err(status::ESME_RSUBMITFAIL);
        }
        Ok((source, recipient, concat.filter(|c| c.total > 1), text))
    }

    /// [`Proxy::submit`] in the session's task, when
    /// [`Proxy::checks_at_once`]: a message of one part is checked here
    /// and, when allowed, queued for the SMSC, its answer sent to the ESME
    /// by the upstream link's reader ([`Upstream::submit_frame_then`]); no
    /// task per message. A part of a concatenated message goes on in a task
    /// of its own ([`Proxy::submit`]), as before.
    fn submit_now(
        self: &Arc<Self>,
        account: Arc<Bound>,
        reply: Reply,
        sm: &SubmitSm,
        arrived: Timestamp,
        frame: Option<Vec<u8>>,
    ) {
        let one = match Self::read_one(&account, &SubmitFields::of(sm)) {
            Ok(Some(one)) => one,
            Ok(None) => {
                tokio::spawn(Box::pin(self.clone().submit(
                    account,
                    reply,
                    sm.clone(),
                    arrived,
                    frame,
                )));
                return;
            }
            Err(st) => return reply.send(st, None),
        };
        let forward = match frame {
            Some(frame) => Forward::Frame(frame),
            None => Forward::Encode(sm),
        };
        self.check_one(account, reply, one, arrived, forward);
    }

    /// A message of one part: its sender, recipient and text; `None` for a
    /// part of a concatenated message; `Err`, the status refusing it.
    fn read_one(account: &Bound, f: &SubmitFields<'_>) -> Result<Option<One>, u32> {
        let (source, recipient, multi, body) = Self::read_submit(account, f)?;
        if multi.is_some() {
            return Ok(None);
        }
        let text = crate::text::message_text(std::iter::once((f.data_coding, body)));
        Ok(Some((source, recipient, text)))
    }

    /// A `submit_sm` read in place, without `rusmpp`
    /// ([`pdu::plain_submit`]), when it is plain and of one part: its
    /// sequence number, and what [`Proxy::check_one`] takes or the status
    /// refusing it (as [`Proxy::submit_now`] reads it). `None`: anything
    /// else (another PDU, optional parameters, a part of a concatenated
    /// message), read the usual way.
    fn plain_one(account: &Bound, frame: &[u8]) -> Option<Plain> {
        let (seq, f) = pdu::plain_submit(frame)?;
        let read = match Self::read_one(account, &f) {
            Ok(None) => return None,
            Ok(Some(one)) => Ok(one),
            Err(st) => Err(st),
        };
        Some(Plain { seq, read })
    }

    /// Checks a message of one part (sender, recipient, text) in the
    /// session's task and, when allowed, queues it for the SMSC; the
    /// upstream link's reader answers the ESME.
    fn check_one(
        self: &Arc<Self>,
        account: Arc<Bound>,
        reply: Reply,
        (source, recipient, text): One,
        arrived: Timestamp,
        forward: Forward<'_>,
    ) {
        // As `decide` does for a message of one part.
        let decided_at = Instant::now();
        let upstream = account.pool.pick();
        if upstream.as_ref().is_some_and(|u| u.refuses_now()) {
            // Not checked, so not counted: the ESME sends it again later.
            reply.send(status::ESME_RSYSERR, None);
            self.ops.answered(decided_at);
            return;
        }
        let kind = Self::kind_of(&account, &text);
        let ev = Event::new(arrived, Channel::Sms, kind, source, recipient)
            .with_advertiser(&account.system_id)
            .with_text(&text);
        let started = Instant::now();
        let verdict = self.engine.check(&ev);
        self.after_check(&account, &recipient, kind, &ev, &verdict, started, 1);
        if !verdict.is_delivered() {
            reply.send(self.cfg.reject_status, None);
            self.ops.answered(decided_at);
            return;
        }
        self.sends_from(&account.system_id, source);
        // As `forward` and `decide` do once the SMSC answers.
        let sent = Instant::now();
        let upstream = match upstream {
            Some(u) => u,
            None => Arc::new(Upstream::new(self.cfg.upstream.clone())),
        };
        let me = self.clone();
        let counted = verdict.counted;
        let done: crate::upstream::OnSubmitted = Box::new(move |r| {
            me.ops.upstream(r.is_ok(), sent.elapsed());
            match r {
                Ok(id) => {
                    me.issue(&account.system_id, &id);
                    reply.send(status::ESME_ROK, Some(id))
                }
                Err(st) => {
                    if counted {
                        // This path runs on local state only.
                        me.give_back_locally(&account.system_id, recipient, kind, arrived, st);
                    }
                    reply.send(st, None)
                }
            }
            me.ops.answered(decided_at);
        });
        match forward {
            Forward::Frame(frame) => upstream.submit_frame_then(frame, done),
            Forward::Encode(sm) => upstream.submit_then(sm.clone(), done),
        }
    }

    async fn submit(
        self: Arc<Self>,
        account: Arc<Bound>,
        reply: Reply,
        sm: SubmitSm,
        arrived: Timestamp,
        frame: Option<Vec<u8>>,
    ) {
        let f = SubmitFields::of(&sm);
        let (source, recipient, multi, text) = match Self::read_submit(&account, &f) {
            Ok(r) => r,
            Err(st) => return reply.send(st, None),
        };
        let key = MessageKey {
            source: SourceKey::of(source, f.source),
            destination: recipient,
            reference: multi.map_or(0, |c| c.reference),
        };
        let part = Part {
            text: text.to_vec(),
            data_coding: f.data_coding,
            seq: multi.map_or(1, |c| c.seq),
            reply: Arc::new(reply),
            arrived,
            source,
            recipient,
            account: account.clone(),
            sm: sm.clone(),
            frame,
        };
        let message = match multi {
            None => Message {
                key,
                parts: vec![(1, part)],
                duplicates: Vec::new(),
                total: 1,
                started_ms: self.now_ms(),
            },
            Some(c) => {
                let now = self.now_ms();
                // A held part leaves the window; a late one keeps its slot
                // while it is checked and forwarded.
                let slot = part.reply.take_slot();
                let weight = part.weight(&key);
                let inserted = match self.reassembler.lock() {
                    Ok(mut r) => r.insert(key.clone(), &account.system_id, c, part, weight, now),
                    Err(_) => return,
                };
                match inserted {
                    Insert::Held => return,
                    Insert::Complete(m) => m,
                    Insert::Rejected(p, why) => {
                        let st = match why {
                            Reject::Full | Reject::AccountFull => status::ESME_RMSGQFUL,
                            Reject::InconsistentTotal | Reject::OtherAccount => {
                                status::ESME_RINVESMCLASS
                            }
                            // Its message's text is forgotten: never alone.
                            Reject::Forgotten => self.cfg.reject_status,
                        };
                        return p.reply.send(st, None);
                    }
                    Insert::Late(p, decided) => {
                        if let Some(slot) = slot {
                            p.reply.hold(slot);
                        }
                        return self.late(key, p, decided).await;
                    }
                }
            }
        };
        self.decide(message, multi.is_some()).await;
    }

    /// The kind of an event from `account` with `text`.
    fn kind_of(account: &Bound, text: &str) -> Kind {
        match account.class {
            AccountClass::Care => Kind::Care,
            AccountClass::Ad if text.starts_with("DKQC") => Kind::Registration,
            AccountClass::Ad => Kind::Ad,
        }
    }

    /// Checks `text` as the message `first` belongs to, journals the check
    /// when it counted, logs it.
    async fn check(
        &self,
        first: &Part,
        time: Timestamp,
        text: &str,
        parts: usize,
    ) -> chanrac::Verdict {
        let kind = Self::kind_of(&first.account, text);
        let ev = Event::new(time, Channel::Sms, kind, first.source, first.recipient)
            .with_advertiser(&first.account.system_id)
            .with_text(text);
        let started = Instant::now();
        let verdict = self.verdict(&ev).await;
        self.after_check(
            &first.account,
            &first.recipient,
            kind,
            &ev,
            &verdict,
            started,
            parts,
        );
        verdict
    }

    /// What follows a check started at `started`: its metrics, its journal
    /// record when it counted, its log line.
    #[allow(clippy::too_many_arguments)]
    fn after_check(
        &self,
        account: &Bound,
        recipient: &Number,
        kind: Kind,
        ev: &Event<'_>,
        verdict: &chanrac::Verdict,
        started: Instant,
        parts: usize,
    ) {
        self.ops.checked(ev, verdict, started.elapsed());
        if let Some(state) = &self.state {
            if let Some(rec) = Record::of_check(&self.engine.policy(), ev, verdict) {
                if let Ok(mut s) = state.lock() {
                    if let Err(e) = s.append(&rec) {
                        self.ops.journal_error();
                        tracing::error!("state append: {e}");
                    }
                }
            }
        }
        // A blocked or flagged message is logged at `info`; an allowed one
        // at `debug`, so the default level does not format and write
        // (unbuffered, to stderr) a line per allowed message on the hot
        // path. The fields are only built when the line is enabled.
        macro_rules! checked {
            ($level:ident) => {
                tracing::$level!(
                    system_id = &*account.system_id,
                    kind = kind.name(),
                    recipient = %recipient,
                    parts,
                    decision = verdict.decision.name(),
                    reasons = ?verdict.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
                    "checked"
                )
            };
        }
        match verdict.decision {
            chanrac::Decision::Allow => checked!(debug),
            _ => checked!(info),
        }
    }

    /// Checks a whole message once, counts it once, answers every part.
    /// A concatenated message's decision is remembered under its key
    /// (`keyed`) before any part is forwarded; parts that arrived for it
    /// meanwhile are then answered as late parts.
    async fn decide(self: Arc<Self>, m: Message<MessageKey, Part>, keyed: bool) {
        let Some((_, first)) = m.parts.first() else {
            return;
        };
        let text = crate::text::message_text(
            m.parts
                .iter()
                .map(|(_, p)| (p.data_coding, p.text.as_slice())),
        );
        let time = m
            .parts
            .iter()
            .map(|(_, p)| p.arrived)
            .min()
            .unwrap_or(first.arrived);
        let decided_at = Instant::now();
        let verdict = self.check(first, time, &text, m.parts.len()).await;
        let blocked = !verdict.is_delivered();
        if !blocked {
            self.sends_from(&first.account.system_id, first.source);
        }
        let mut record = Decided {
            blocked,
            kept: true,
            parts: Vec::new(),
            failed: Vec::new(),
        };
        if !blocked {
            record.parts = m
                .parts
                .iter()
                .map(|(seq, p)| (*seq, p.data_coding, p.text.clone(), None))
                .collect();
        }
        let waiting = if keyed {
            match self.reassembler.lock() {
                Ok(mut r) => {
                    if record.weight() > r.remembered_room(&first.account.system_id) {
                        record.parts = Vec::new();
                        record.kept = false;
                    }
                    let w = record.weight();
                    // Parts count as delivered as the SMSC takes them.
                    r.decided(&m.key, Arc::new(record), w, &[])
                }
                Err(_) => Vec::new(),
            }
        } else {
            Vec::new()
        };
        if blocked {
            for (_, p) in m.parts.iter().chain(&m.duplicates) {
                p.reply.send(self.cfg.reject_status, None);
            }
        } else {
            // Allowed: forward the parts in order, one at a time so the SMSC
            // sees them in order; answer each with the SMSC's message_id.
            let mut ids = Vec::with_capacity(m.parts.len());
            for (seq, p) in &m.parts {
                // Taken: its id recorded (before the answer: a
                // retransmission sent as soon as the ESME reads it finds
                // it) and answered, by the link's reader.
                let r = self.forward_answering(p, keyed.then_some(&m.key)).await;
                if let (true, Err(_)) = (keyed, &r) {
                    // Refused: forwarded again when resent.
                    self.remember_failed(&m.key, *seq);
                }
                match &r {
                    Ok(_) => {}
                    Err(st) => {
                        if !keyed && verdict.counted {
                            // Before the answer: the gateway's resend
                            // finds the count given back.
                            let kind = Self::kind_of(&first.account, &text);
                            self.give_back(&p.account.system_id, p.recipient, kind, time, *st)
                                .await;
                        }
                        p.reply.send(*st, None)
                    }
                }
                ids.push((*seq, r));
            }
            for (seq, p) in &m.duplicates {
                match ids.iter().find(|(s, _)| s == seq).map(|(_, r)| r) {
                    Some(Ok(id)) => p.reply.send(status::ESME_ROK, Some(id.clone())),
                    Some(Err(st)) => p.reply.send(*st, None),
                    None => p.reply.send(status::ESME_RSYSERR, None),
                }
            }
            if self.ops.log().is_some() {
                let id = ids
                    .iter()
                    .find_map(|(_, r)| r.as_ref().ok())
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                self.log_message(first, time, &text, &id, &verdict);
            }
        }
        if blocked && self.ops.log().is_some() {
            self.log_message(first, time, &text, "", &verdict);
        }
        self.ops.answered(decided_at);
        for p in waiting {
            let d = match self.reassembler.lock() {
                Ok(r) => r.decision(&m.key),
                Err(_) => None,
            };
            match d {
                Some(d) => self.clone().late(m.key.clone(), p, d).await,
                None => p.reply.send(self.cfg.reject_status, None),
            }
        }
    }

    /// Forwards one part to its account's SMSC session, timed for the
    /// metrics.
    async fn forward(&self, p: &Part) -> Result<COctetString<1, 65>, u32> {
        self.forward_with(p, None).await
    }

    /// [`Proxy::forward`], and when the SMSC takes the part, the ESME
    /// answered by the link's reader as it reads the SMSC's answer (after
    /// the id is recorded under `key`, a concatenated message's): so the
    /// `submit_sm_resp` leaves before a receipt for it that the SMSC sent
    /// right behind its answer. A refusal is left to the caller to answer.
    async fn forward_answering(
        &self,
        p: &Part,
        key: Option<&MessageKey>,
    ) -> Result<COctetString<1, 65>, u32> {
        self.forward_with(p, Some((p.reply.clone(), key.cloned())))
            .await
    }

    async fn forward_with(
        &self,
        p: &Part,
        answer: Option<(Arc<Reply>, Option<MessageKey>)>,
    ) -> Result<COctetString<1, 65>, u32> {
        let sent = Instant::now();
        let upstream = self.upstream_for(&p.account.login);
        // The id is recorded by the link's reader as it reads the answer,
        // before it reads a receipt for it that follows.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let me = self.me.clone();
        let account = p.account.system_id.clone();
        let seq = p.seq;
        let done: crate::upstream::OnSubmitted = Box::new(move |r| {
            if let (Ok(id), Some(me)) = (&r, me.upgrade()) {
                me.issue(&account, id);
                if let Some((reply, key)) = answer {
                    if let Some(key) = &key {
                        me.remember_ids(key, std::iter::once((seq, id.clone())));
                    }
                    reply.send(status::ESME_ROK, Some(id.clone()));
                }
            }
            let _ = tx.send(r);
        });
        match &p.frame {
            Some(frame) => upstream.submit_frame_then(frame.clone(), done),
            None => upstream.submit_then(p.sm.clone(), done),
        }
        let r = rx.await.unwrap_or(Err(status::ESME_RSYSERR));
        self.ops.upstream(r.is_ok(), sent.elapsed());
        r
    }

    /// Writes a decided message's verdict log line (`id`: the SMSC's
    /// `message_id` of its first forwarded part, empty when blocked).
    fn log_message(
        &self,
        first: &Part,
        time: Timestamp,
        text: &str,
        id: &str,
        v: &chanrac::Verdict,
    ) {
        let kind = Self::kind_of(&first.account, text);
        let ev = Event::new(time, Channel::Sms, kind, first.source, first.recipient)
            .with_advertiser(&first.account.system_id)
            .with_text(text);
        let source = first.sm.source_addr.to_string();
        self.ops.logged(&self.engine, id, &source, &ev, v);
    }

    /// Records that the SMSC refused part `seq` of the allowed message
    /// under `key`: a resend of it is forwarded ([`Proxy::late`]).
    fn remember_failed(&self, key: &MessageKey, seq: u8) {
        if let Ok(mut r) = self.reassembler.lock() {
            r.update(key, |d, _| {
                let mut n = Decided::clone(d);
                if !n.failed.contains(&seq) {
                    n.failed.push(seq);
                }
                let w = n.weight();
                *d = Arc::new(n);
                w
            });
        }
    }

    /// Records the SMSC's `message_id`s of forwarded parts in their
    /// message's remembered decision (a retransmission gets them).
    fn remember_ids(&self, key: &MessageKey, ids: impl Iterator<Item = (u8, COctetString<1, 65>)>) {
        let ids: Vec<_> = ids.collect();
        if let Ok(mut r) = self.reassembler.lock() {
            // Delivered: the SMSC took them.
            for (seq, _) in &ids {
                r.delivered(key, *seq);
            }
            r.update(key, |d, _| {
                let mut n = Decided::clone(d);
                for (seq, id) in &ids {
                    for p in n.parts.iter_mut().filter(|p| p.0 == *seq && p.3.is_none()) {
                        p.3 = Some(id.clone());
                    }
                    n.failed.retain(|s| s != seq);
                }
                let w = n.weight();
                *d = Arc::new(n);
                w
            });
        }
    }

    /// A part whose message was decided already (see the crate docs): a
    /// blocked message's part is rejected; a retransmission of a delivered
    /// part gets its `message_id`; any other part is checked with the
    /// delivered text, in part order, never alone.
    /// Forwards again a part of an allowed message that the SMSC refused
    /// before (the ESME resends it), and answers it.
    async fn resend(&self, key: MessageKey, p: Part) {
        if let Err(st) = self.forward_answering(&p, Some(&key)).await {
            p.reply.send(st, None);
        }
    }

    async fn late(self: Arc<Self>, key: MessageKey, p: Part, d: Arc<Decided>) {
        if d.blocked {
            return p.reply.send(self.cfg.reject_status, None);
        }
        let same = d
            .parts
            .iter()
            .find(|q| q.0 == p.seq && q.1 == p.data_coding && q.2 == p.text);
        if let Some(q) = same {
            return match &q.3 {
                Some(id) => p.reply.send(status::ESME_ROK, Some(id.clone())),
                // Refused by the SMSC before: checked and allowed with its
                // message, so forwarded again as it is.
                None if d.failed.contains(&p.seq) => self.resend(key, p).await,
                // Still on its way to the SMSC: the ESME may retry.
                None => p.reply.send(status::ESME_RSYSERR, None),
            };
        }
        if !d.kept {
            // The delivered text could not be kept: never check it alone.
            return p.reply.send(self.cfg.reject_status, None);
        }
        let new_part = d.parts.iter().all(|q| q.0 != p.seq);
        // The text a handset shows: each part number once, this part in its
        // place. A part number that came twice is read as the first version
        // by some handsets and as the last by others: both are checked.
        let version = |keep_first: bool| {
            let mut chosen: Vec<(u8, u8, &[u8])> = Vec::with_capacity(d.parts.len() + 1);
            for (seq, dc, text) in d
                .parts
                .iter()
                .map(|q| (q.0, q.1, q.2.as_slice()))
                .chain(std::iter::once((p.seq, p.data_coding, p.text.as_slice())))
            {
                match chosen.iter_mut().find(|c| c.0 == seq) {
                    Some(c) if !keep_first => *c = (seq, dc, text),
                    Some(_) => {}
                    None => chosen.push((seq, dc, text)),
                }
            }
            chosen.sort_by_key(|c| c.0);
            crate::text::message_text(chosen.into_iter().map(|c| (c.1, c.2)))
        };
        let (first, last) = (version(true), version(false));
        let text = if first == last {
            first
        } else {
            format!("{first}\n{last}")
        };
        let verdict = self.check(&p, p.arrived, &text, d.parts.len() + 1).await;
        let mut reasons = verdict.reasons;
        if new_part {
            // The message was counted when it was decided: a missing part
            // is not held to the counts it made.
            let mut counted = chanrac::Reasons::EMPTY;
            for r in [
                chanrac::Reason::Frequency,
                chanrac::Reason::RegistrationRepeat,
            ] {
                counted.insert_if(reasons.contains(r), r);
            }
            reasons = reasons.iter().filter(|r| !counted.contains(*r)).collect();
        }
        if !self.engine.decision(reasons).is_delivered() {
            return p.reply.send(self.cfg.reject_status, None);
        }
        let r = self.forward(&p).await;
        let id = r.as_ref().ok().cloned();
        if let Ok(mut r) = self.reassembler.lock() {
            if id.is_some() {
                r.delivered(&key, p.seq);
            }
            r.update(&key, |d, room| {
                let mut n = Decided::clone(d);
                let at = n.parts.iter().take_while(|q| q.0 <= p.seq).count();
                if id.is_none() && !n.failed.contains(&p.seq) {
                    // Refused by the SMSC: a resend is forwarded.
                    n.failed.push(p.seq);
                }
                n.parts
                    .insert(at, (p.seq, p.data_coding, p.text.clone(), id));
                if n.weight() > room {
                    n.parts = Vec::new();
                    n.kept = false;
                }
                let w = n.weight();
                *d = Arc::new(n);
                w
            });
        }
        match r {
            Ok(id) => {
                self.issue(&p.account.system_id, &id);
                p.reply.send(status::ESME_ROK, Some(id))
            }
            Err(st) => p.reply.send(st, None),
        }
    }

    /// Reloads the policy now; keeps the old one when the new one is bad.
    pub fn reload(&self) {
        match chanrac_policy::load(&self.cfg.policy) {
            Ok(p) => {
                self.engine.swap(p);
                self.ops.reloaded(true);
                tracing::info!("policy reloaded from `{}`", self.cfg.policy.display());
            }
            Err(e) => {
                self.ops.reloaded(false);
                tracing::error!("policy reload failed, keeping the old policy: {e}")
            }
        }
    }

    async fn watch_policy(self: Arc<Self>) {
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut seen = Fingerprint::of(&self.cfg.policy);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            #[cfg(unix)]
            let signalled = match hup.as_mut() {
                Some(h) => tokio::select! {
                    _ = h.recv() => true,
                    _ = tick.tick() => false,
                },
                None => {
                    tick.tick().await;
                    false
                }
            };
            #[cfg(not(unix))]
            let signalled = {
                tick.tick().await;
                false
            };
            let now = Fingerprint::of(&self.cfg.policy);
            if signalled || now != seen {
                seen = now;
                let this = self.clone();
                let _ = tokio::task::spawn_blocking(move || this.reload()).await;
                if self.shared.is_some() {
                    tokio::spawn(self.clone().seed_consents());
                }
            }
        }
    }
}

/// The session's account and a window slot for a request that submits
/// (or asks about) messages: `ESME_RINVBNDSTS` when the session is not
/// bound to transmit, `ESME_RTHROTTLED` when its window is full.
fn admit(
    bound: &Option<Arc<Bound>>,
    window: &Arc<Semaphore>,
) -> Result<(Arc<Bound>, tokio::sync::OwnedSemaphorePermit), u32> {
    let account = bound
        .clone()
        .filter(|b| b.transmit)
        .ok_or(status::ESME_RINVBNDSTS)?;
    let permit = window
        .clone()
        .try_acquire_owned()
        .map_err(|_| status::ESME_RTHROTTLED)?;
    Ok((account, permit))
}

/// Logs an ad's count given back ([`Proxy::give_back`]).
fn given_back(account: &str, st: u32) {
    tracing::info!(
        system_id = account,
        status = format_args!("{st:#x}"),
        "the SMSC refused an allowed ad: not counted"
    );
}

/// [`admit`] for the request `reply` answers: the account, and `reply`
/// holding the window slot; `None` when refused (`reply` answered it).
fn admitted(
    bound: &Option<Arc<Bound>>,
    window: &Arc<Semaphore>,
    reply: Reply,
) -> Option<(Arc<Bound>, Reply)> {
    match admit(bound, window) {
        Ok((account, permit)) => {
            reply.hold(permit);
            Some((account, reply))
        }
        Err(st) => {
            reply.send(st, None);
            None
        }
    }
}

/// A `query_sm_resp` (`query`) or `cancel_sm_resp` with an error status.
fn refusal(query: bool, st: u32, seq: u32) -> Command {
    let st = CommandStatus::from(st);
    if query {
        Command::new(st, seq, rusmpp::pdus::QuerySmResp::builder().build())
    } else {
        Command::new(st, seq, Pdu::CancelSmResp)
    }
}

/// How many `message_id`s the proxy remembers it gave (the newest), for
/// `query_sm` and `cancel_sm`: an older one gets `ESME_RINVMSGID`.
pub const MAX_ISSUED: usize = 1 << 18;

/// The numeric sources remembered for routing subscribers' replies (one
/// per number or short code advertisers send from; beyond this many, new
/// ones are not learnt).
pub const MAX_SENDERS: usize = 1 << 16;

/// The `message_id`s given to each account, newest [`MAX_ISSUED`].
#[derive(Default)]
struct IdBook {
    /// Each id with its account; the id's octets are shared with `order`
    /// and an account's name with every id it was given (one allocation
    /// per id, not three).
    owners: chanrac::hash::Map<Arc<str>, Arc<str>>,
    order: std::collections::VecDeque<Arc<str>>,
    /// The accounts' names, each once.
    accounts: chanrac::hash::Map<Box<str>, Arc<str>>,
    /// An SMSC `message_id` → the one the ESME was given for that message
    /// (a `submit_multi`'s destinations, forwarded one by one, all go by
    /// the id of its `submit_multi_resp`); forgotten with the SMSC id.
    aliases: chanrac::hash::Map<Box<str>, Box<str>>,
}

impl IdBook {
    fn give(&mut self, id: &str, account: &str) {
        use std::collections::hash_map::Entry;
        let account = self.account(account);
        // One look-up of the id (the usual id is new: its allocation is
        // needed anyway).
        let id: Arc<str> = id.into();
        match self.owners.entry(id.clone()) {
            // Given again (an SMSC that reuses ids): the newest owner.
            Entry::Occupied(mut o) => {
                o.insert(account);
                return;
            }
            Entry::Vacant(v) => {
                v.insert(account);
            }
        }
        self.order.push_back(id);
        while self.order.len() > MAX_ISSUED {
            if let Some(old) = self.order.pop_front() {
                self.owners.remove(&*old);
                self.aliases.remove(&*old);
            }
        }
    }

    /// `account`'s name, shared.
    fn account(&mut self, account: &str) -> Arc<str> {
        if let Some(a) = self.accounts.get(account) {
            return a.clone();
        }
        let a: Arc<str> = account.into();
        self.accounts.insert(account.into(), a.clone());
        a
    }

    fn owner(&self, id: &str) -> Option<&str> {
        self.owners.get(id).map(|a| &**a)
    }

    /// [`IdBook::owner`] of `id` as a receipt writes it, which may differ
    /// from how the SMSC's `submit_sm_resp` wrote it: in case (`ABC1`,
    /// `abc1`), with or without leading zeros, or in decimal where the
    /// answer gave hexadecimal and the reverse (`msg-id-type` in Kannel's
    /// terms). The id as it is comes first.
    fn owner_of_any_form(&self, id: &str) -> Option<&str> {
        self.known_form(id).and_then(|k| self.owner(k))
    }

    /// The id this book holds that `id` writes, in any of the forms
    /// [`IdBook::owner_of_any_form`] accepts: as the SMSC's answer wrote it.
    fn known_form(&self, id: &str) -> Option<&str> {
        if let Some((k, _)) = self.owners.get_key_value(id) {
            return Some(k);
        }
        let trimmed = id.trim_start_matches('0');
        let mut forms = vec![id.to_ascii_lowercase(), id.to_ascii_uppercase()];
        if !trimmed.is_empty() && trimmed.len() < id.len() {
            forms.push(trimmed.to_ascii_lowercase());
            forms.push(trimmed.to_ascii_uppercase());
        }
        if let Ok(n) = u64::from_str_radix(id, 16) {
            forms.push(n.to_string());
        }
        if let Ok(n) = id.parse::<u64>() {
            // Hexadecimal, zero-padded to any width.
            let digits = format!("{n:x}").len();
            for width in digits..=16 {
                forms.push(format!("{n:0width$x}"));
                forms.push(format!("{n:0width$X}"));
            }
        }
        forms
            .into_iter()
            .find_map(|f| self.owners.get_key_value(f.as_str()))
            .map(|(k, _)| &**k)
    }

    /// Receipts for the SMSC's `id` go to the ESME as receipts for `given`
    /// (an id this book holds; `id` must be one too).
    fn alias(&mut self, id: &str, given: &str) {
        if id != given && self.owners.contains_key(id) {
            self.aliases.insert(id.into(), given.into());
        }
    }

    /// The id the ESME was given for the SMSC's `id` (written in any form
    /// [`IdBook::known_form`] accepts), when another.
    fn given(&self, id: &str) -> Option<&str> {
        if self.aliases.is_empty() {
            return None; // no submit_multi in the book: the usual case
        }
        self.aliases.get(self.known_form(id)?).map(|a| &**a)
    }
}

/// Compares a password without stopping at the first differing octet.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().max(b.len());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..n {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

fn proxy_id() -> COctetString<1, 16> {
    COctetString::from_string("chanrac".into()).unwrap_or_default()
}

#[cfg(test)]
mod window_tests {
    use super::*;

    /// A receipt may write the id another way than the `submit_sm_resp`
    /// did: in another case, without leading zeros, in decimal for a
    /// hexadecimal id and the reverse.
    #[test]
    fn a_receipt_finds_its_id_written_another_way() {
        let mut b = IdBook::default();
        b.give("0A1F", "hex");
        b.give("4660", "dec");
        b.give("ab-9", "lower");
        assert_eq!(b.owner_of_any_form("0A1F"), Some("hex"));
        assert_eq!(b.owner_of_any_form("0a1f"), Some("hex"));
        assert_eq!(
            b.owner_of_any_form("2591"),
            Some("hex"),
            "0x0A1F in decimal"
        );
        assert_eq!(
            b.owner_of_any_form("1234"),
            Some("dec"),
            "4660 in hexadecimal"
        );
        assert_eq!(b.owner_of_any_form("AB-9"), Some("lower"));
        assert_eq!(b.owner_of_any_form("ab-8"), None);
        assert_eq!(b.owner_of_any_form(""), None);
        // An alias is found by any form too: a receipt for a submit_multi's
        // destination that names the SMSC's id in decimal still goes to the
        // ESME under the id its answer gave.
        b.give("0A20", "hex");
        b.alias("0A20", "0A1F");
        assert_eq!(b.given("0A20"), Some("0A1F"));
        assert_eq!(b.given("2592"), Some("0A1F"), "0x0A20 in decimal");
        assert_eq!(b.given("0a20"), Some("0A1F"));
        assert_eq!(b.given("0A1F"), None);
    }

    /// An id given again (an SMSC that reuses ids) has its newest owner and
    /// keeps its place among the remembered ids.
    #[test]
    fn an_id_given_again_has_its_newest_owner() {
        let mut b = IdBook::default();
        b.give("m1", "a");
        b.give("m2", "a");
        b.give("m1", "b");
        assert_eq!(b.owner("m1"), Some("b"));
        assert_eq!(b.owner("m2"), Some("a"));
        assert_eq!(b.owner("m3"), None);
        let order: Vec<&str> = b.order.iter().map(|i| &**i).collect();
        assert_eq!(order, ["m1", "m2"]);
        assert_eq!(b.owners.len(), 2);
    }

    /// The answers written out directly are the octets `rusmpp` encodes.
    #[test]
    fn answers_with_an_id_are_encoded_as_rusmpp_encodes_them() {
        let ids = [
            "",
            "m1",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        ];
        for id in ids {
            let given = COctetString::<1, 65>::from_string(id.to_string()).expect("an id");
            for st in [status::ESME_ROK, status::ESME_RSYSERR, 0x45] {
                for seq in [1, 7, 0x7FFF_FFFF] {
                    let submit = rusmpp::pdus::SubmitSmResp::builder()
                        .message_id(given.clone())
                        .build();
                    let want = pdu::encode(&Command::new(CommandStatus::from(st), seq, submit));
                    assert_eq!(resp_with_id(SUBMIT_SM_RESP, st, seq, id.as_bytes()), want);
                    let data = rusmpp::pdus::DataSmResp::builder()
                        .message_id(given.clone())
                        .build();
                    let want = pdu::encode(&Command::new(CommandStatus::from(st), seq, data));
                    assert_eq!(resp_with_id(DATA_SM_RESP, st, seq, id.as_bytes()), want);
                }
            }
        }
    }

    /// A `submit_multi` whose destination's reply is dropped unanswered (an
    /// error path) still gets its one `submit_multi_resp`, that destination
    /// listed with `ESME_RSYSERR`; a dropped copy changes nothing.
    #[tokio::test]
    async fn a_submit_multi_is_answered_even_when_a_destination_is_not() {
        use rusmpp::values::{Npi, Ton};
        let (tx, rx) = outbox(None);
        let addr = |s: &str| COctetString::from_string(s.to_string()).unwrap_or_default();
        let m = Arc::new(MultiAnswer {
            tx: tx.clone(),
            seq: 5,
            reject_status: status::ESME_RSUBMITFAIL,
            dests: vec![
                (Ton::International, Npi::Isdn, addr("84912000001")),
                (Ton::International, Npi::Isdn, addr("84912000002")),
                (Ton::International, Npi::Isdn, addr("84912000003")),
            ],
            results: std::sync::Mutex::new(vec![None; 3]),
            given: std::sync::Mutex::new(None),
            book: None,
            slot: std::sync::Mutex::new(None),
        });
        let r = |i| Reply::answering(tx.clone(), 5, Answer::Multi(m.clone(), i));
        let (a, b, c) = (r(0), r(1), r(2));
        drop(b.clone());
        a.send(
            status::ESME_ROK,
            COctetString::from_string("m1".into()).ok(),
        );
        c.send(status::ESME_RSUBMITFAIL, None);
        drop(a);
        drop(c);
        assert!(m.results.lock().map(|r| r[1].is_none()).unwrap_or(false));
        drop(b);
        drop((m, tx));
        let out = crate::wire::pump(rx, Vec::new()).await;
        let cmd = pdu::decode(&out).expect("one whole PDU");
        assert_eq!(cmd.sequence_number(), 5);
        assert_eq!(u32::from(cmd.status()), status::ESME_ROK);
        let Some(Pdu::SubmitMultiResp(r)) = cmd.pdu() else {
            panic!("{cmd:?}")
        };
        assert_eq!(r.message_id.as_str(), "m1");
        let failed: Vec<(&str, u32)> = r
            .unsuccess_sme()
            .iter()
            .map(|u| (u.destination_addr.as_str(), u32::from(u.error_status_code)))
            .collect();
        assert_eq!(
            failed,
            [
                ("84912000002", status::ESME_RSYSERR),
                ("84912000003", status::ESME_RSUBMITFAIL)
            ]
        );
    }

    /// A client that keeps exactly `window` requests outstanding sends its
    /// next submit_sm as soon as it reads an answer: by the time an answer
    /// is queued for the client, its window slot must be free again.
    #[test]
    fn the_slot_is_free_before_the_answer_is_queued() {
        let window = Arc::new(Semaphore::new(1));
        let (tx, rx) = outbox(None);
        let reply = Reply::new(tx.clone(), 7);
        let permit = window.clone().try_acquire_owned().expect("a free slot");
        reply.hold(permit);
        assert_eq!(window.available_permits(), 0);
        // A copy (a repeated part answered the same) holds no slot.
        drop(reply.clone());
        assert_eq!(window.available_permits(), 0);
        reply.send(status::ESME_ROK, None);
        assert_eq!(window.available_permits(), 1, "slot freed by the answer");
        assert!(tx.queued() > 0, "the answer is queued");
        drop(rx);
        // A reply dropped without an answer (an error path) frees it too.
        let reply = Reply::new(outbox(None).0, 8);
        reply.hold(window.clone().try_acquire_owned().expect("a free slot"));
        drop(reply);
        assert_eq!(window.available_permits(), 1);
    }
}
