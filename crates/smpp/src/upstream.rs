//! The SMPP client link to the real SMSC (`--upstream`): one session bound
//! as a transceiver per SMSC login, opened on first use and again after it
//! drops, with any number of `submit_sm` in flight (the ESME windows bound
//! them). `deliver_sm` from the SMSC (receipts, mobile-originated messages)
//! goes to the handler given at [`Upstream::with_deliver`] with the
//! [`DeliverAnswer`] that sends the `deliver_sm_resp` (without a handler,
//! or dropped unanswered: `ESME_RX_T_APPN`, so the SMSC delivers it again
//! later). Once [`Upstream::keep_up`] is called the
//! session is kept bound (an `enquire_link` every
//! [`ENQUIRE_LINK_INTERVAL`]; a link that does not answer is dropped and
//! bound again), so the SMSC can deliver without waiting for a submit.
//!
//! Connecting and binding have their own deadlines
//! ([`UpstreamConfig::connect_timeout`], [`UpstreamConfig::bind_timeout`])
//! and never serialise the sessions: one attempt runs at a time and every
//! `submit_sm` that needs the link waits for that same attempt. When it
//! fails the link is *down*: every `submit_sm` is answered `ESME_RSYSERR`
//! (0x08, a temporary error the ESME retries) at once, without waiting,
//! while new attempts run in the background after 0.5 s, 1 s, 2 s … up to
//! [`UpstreamConfig::retry_max`]; the first that succeeds brings the link
//! back.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusmpp::pdus::{BindTransceiver, DeliverSm, SubmitSm};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch, Notify};

use crate::book::{self, Book};
use crate::pdu::{self, status, Header, HEADER_LEN};
use crate::wire::{outbox, read_frame, Outbox};

/// How long to wait for the SMSC's `submit_sm_resp`.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a kept-up session is sent an `enquire_link`.
pub const ENQUIRE_LINK_INTERVAL: Duration = Duration::from_secs(30);

/// What receives the SMSC's `deliver_sm`, with the [`DeliverAnswer`] it
/// owes the SMSC. Called on the link's reader: it must not block. It may
/// answer at once, keep the answer until the ESME's own comes (a receipt
/// relayed without a task of its own), or move it into a task that waits.
pub type DeliverHandler = Arc<dyn Fn(DeliverSm, DeliverAnswer) + Send + Sync>;

/// The response owed to the SMSC for one `deliver_sm` (or a `data_sm`
/// routed as one): [`DeliverAnswer::answer`] sends it with a status; dropped
/// unanswered (its ESME session ended, the proxy gave up waiting, a task
/// failed) it answers `ESME_RX_T_APPN`, so the SMSC delivers the message
/// again later and no receipt is lost.
#[derive(Debug)]
pub struct DeliverAnswer {
    tx: Outbox,
    seq: u32,
    /// Answered with `data_sm_resp` (the request was a `data_sm`).
    data: bool,
    sent: bool,
}

impl DeliverAnswer {
    /// Sends the response with `status` (to the link it came on; nothing
    /// when that link has closed).
    pub fn answer(mut self, status: u32) {
        self.send(status);
    }

    fn send(&mut self, st: u32) {
        if std::mem::replace(&mut self.sent, true) {
            return;
        }
        self.tx.send(deliver_response(self.data, st, self.seq));
    }
}

/// The `deliver_sm_resp` (or, for a `data_sm`, `data_sm_resp`) with
/// status `st` and sequence number `seq`.
fn deliver_response(data: bool, st: u32, seq: u32) -> Vec<u8> {
    let st = CommandStatus::from(st);
    if data {
        pdu::encode(&Command::new(st, seq, rusmpp::pdus::DataSmResp::default()))
    } else {
        pdu::encode(&Command::new(
            st,
            seq,
            rusmpp::pdus::DeliverSmResp::default(),
        ))
    }
}

impl Drop for DeliverAnswer {
    fn drop(&mut self) {
        self.send(status::ESME_RX_T_APPN);
    }
}

/// The first wait before a new attempt after a failed one (doubled after
/// each failure up to [`UpstreamConfig::retry_max`]).
pub const RETRY_FIRST: Duration = Duration::from_millis(500);

/// Where and how to bind upstream.
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// `HOST:PORT` of the SMSC.
    pub addr: String,
    /// The bind `system_id`.
    pub system_id: String,
    /// The bind password.
    pub password: String,
    /// Most time for the TCP connection (default 5 s).
    pub connect_timeout: Duration,
    /// Most time from the `bind_transceiver` to its answer (default 5 s).
    pub bind_timeout: Duration,
    /// Longest wait between two attempts while the link is down (default
    /// 30 s).
    pub retry_max: Duration,
    /// Most time for the SMSC's answer to a request (default
    /// [`RESPONSE_TIMEOUT`]); the proxy waits as long for an ESME's answer
    /// to a `deliver_sm`.
    pub response_timeout: Duration,
    /// Most octets of `submit_sm` queued for an SMSC that does not read
    /// them (default 4 MiB); beyond, a submit gets `ESME_RSYSERR` at once.
    pub max_queued_bytes: usize,
    /// Sessions per SMSC login (default 1): an account's requests go
    /// round-robin over them, and each receives the SMSC's `deliver_sm`.
    pub sessions: usize,
}

impl Default for UpstreamConfig {
    fn default() -> UpstreamConfig {
        UpstreamConfig {
            addr: String::new(),
            system_id: String::new(),
            password: String::new(),
            connect_timeout: Duration::from_secs(5),
            bind_timeout: Duration::from_secs(5),
            retry_max: Duration::from_secs(30),
            response_timeout: RESPONSE_TIMEOUT,
            max_queued_bytes: 4 << 20,
            sessions: 1,
        }
    }
}

/// What receives a forwarded `submit_sm`'s outcome
/// ([`Upstream::submit_frame_then`]): the SMSC's `message_id`, or the status
/// to answer the ESME with, as [`Upstream::submit_frame`] returns them.
pub type OnSubmitted = Box<dyn FnOnce(Result<COctetString<1, 65>, u32>) + Send>;

/// An [`OnSubmitted`] that is called exactly once: dropped without an
/// answer (the link gone, the process ending), it gets `ESME_RSYSERR`, as a
/// waiter of [`Upstream::submit_frame`] does.
struct OnAnswer(Option<OnSubmitted>);

impl OnAnswer {
    fn answer(mut self, r: Result<COctetString<1, 65>, u32>) {
        if let Some(f) = self.0.take() {
            f(r);
        }
    }
}

impl Drop for OnAnswer {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f(Err(status::ESME_RSYSERR));
        }
    }
}

/// Who waits for an answer from the SMSC.
enum Waiter {
    /// A task, given the answer's octets (decoded there, or not at all: see
    /// [`Upstream::submit`]).
    Frame(oneshot::Sender<Vec<u8>>),
    /// A `submit_sm` sent without a task waiting
    /// ([`Upstream::submit_frame_then`]): its outcome is handed on by the
    /// link's reader, or by its sweeper after [`RESPONSE_TIMEOUT`].
    Submit(OnAnswer),
}

impl Waiter {
    /// Hands the answer `frame` on.
    fn answer(self, frame: Vec<u8>) {
        match self {
            Waiter::Frame(w) => {
                let _ = w.send(frame);
            }
            Waiter::Submit(w) => w.answer(submitted(&frame)),
        }
    }
}

struct Link {
    tx: Outbox,
    /// The answers waited for; the deadlines of the [`Waiter::Submit`]
    /// waiters (the others keep their own time).
    pending: Mutex<Book<Waiter>>,
    seq: AtomicU32,
    alive: AtomicBool,
    /// Wakes the sweeper ([`book::sweep`]): a deadline to watch, or the
    /// reader ended.
    wake: Arc<Notify>,
    /// Set to close the writing half.
    stop: watch::Sender<bool>,
    /// Aborts the reader (closing the reading half): the SMSC stopped
    /// answering `enquire_link`.
    reader: std::sync::OnceLock<tokio::task::AbortHandle>,
}

impl Link {
    /// Takes the waiter for the answer with sequence number `seq`.
    fn take(&self, seq: u32) -> Option<Waiter> {
        self.pending.lock().ok().and_then(|mut p| p.take(seq))
    }

    /// Registers a task waiting for the answer to `seq`.
    fn wait_frame(&self, seq: u32, tx: oneshot::Sender<Vec<u8>>) {
        if let Ok(mut p) = self.pending.lock() {
            p.insert(seq, Waiter::Frame(tx), None);
        }
    }

    /// The reader ended: every waiter left gets its error now (a task's
    /// channel closes; a [`Waiter::Submit`] gets `ESME_RSYSERR`), and the
    /// sweeper ends.
    fn close(&self) {
        let left = match self.pending.lock() {
            Ok(mut p) => p.close(),
            Err(_) => chanrac::hash::Map::default(),
        };
        drop(left);
        self.wake.notify_one();
    }
}

/// The book of a link, for its sweeper ([`book::sweep`]): it answers
/// `ESME_RSYSERR` to every [`Waiter::Submit`] not answered within
/// [`RESPONSE_TIMEOUT`] of being sent, as its deadline passes (one timer
/// for the link, on its oldest waiter, not one per message), and ends with
/// the link's reader.
fn pending(l: &Link) -> &Mutex<Book<Waiter>> {
    &l.pending
}

#[derive(Default)]
struct State {
    link: Option<Arc<Link>>,
    /// The attempt running now: `None` while it runs, then whether the
    /// link came up.
    attempt: Option<watch::Receiver<Option<bool>>>,
    /// The last attempt failed; attempts go on in the background.
    down: bool,
}

struct Inner {
    cfg: UpstreamConfig,
    state: Mutex<State>,
    attempts: AtomicU64,
    deliver: Option<DeliverHandler>,
    kept_up: AtomicBool,
    /// A link's reader ended (wakes [`Upstream::keep_up`]).
    ended: Notify,
}

/// The upstream SMSC session. Cheap to share behind an `Arc`.
pub struct Upstream {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("cfg", &self.inner.cfg.addr)
            .finish()
    }
}

fn c_string<const MIN: usize, const MAX: usize>(s: &str) -> COctetString<MIN, MAX> {
    COctetString::from_string(s.to_string()).unwrap_or_default()
}

impl Upstream {
    /// An upstream that connects on first use.
    pub fn new(cfg: UpstreamConfig) -> Upstream {
        Upstream::build(cfg, None)
    }

    /// An upstream whose SMSC's `deliver_sm` go to `deliver`.
    pub fn with_deliver(cfg: UpstreamConfig, deliver: DeliverHandler) -> Upstream {
        Upstream::build(cfg, Some(deliver))
    }

    fn build(cfg: UpstreamConfig, deliver: Option<DeliverHandler>) -> Upstream {
        Upstream {
            inner: Arc::new(Inner {
                cfg,
                state: Mutex::new(State::default()),
                attempts: AtomicU64::new(0),
                deliver,
                kept_up: AtomicBool::new(false),
                ended: Notify::new(),
            }),
        }
    }

    /// Binds now and keeps the session bound from now on (the first call
    /// starts it; later calls do nothing): an `enquire_link` every
    /// [`ENQUIRE_LINK_INTERVAL`], a new bind (with the usual backoff) when
    /// the link drops or does not answer.
    pub fn keep_up(&self) {
        if self.inner.kept_up.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = Upstream {
            inner: self.inner.clone(),
        };
        tokio::spawn(async move {
            loop {
                match me.inner.live() {
                    Some(_) => {
                        if me.call(Pdu::EnquireLink).await.is_err() {
                            if let Some(l) = me.inner.live() {
                                tracing::warn!(upstream = %me.inner.cfg.addr, "no enquire_link_resp: link dropped");
                                l.alive.store(false, Ordering::Release);
                                // Closed, so that the SMSC sees the session
                                // end before the new bind: its reader
                                // stopped (what it waited for answered
                                // `ESME_RSYSERR`), its writer too.
                                if let Some(r) = l.reader.get() {
                                    r.abort();
                                }
                                l.close();
                                l.stop.send_replace(true);
                            }
                            continue;
                        }
                    }
                    None => {
                        let _ = me.inner.link().await;
                    }
                }
                // The next enquire_link, or at once (after the first retry
                // delay) when the link ends: the SMSC unbound or closed it,
                // and receipts and replies wait for a new bind.
                tokio::select! {
                    _ = tokio::time::sleep(ENQUIRE_LINK_INTERVAL) => {}
                    _ = me.inner.ended.notified() => {
                        tokio::time::sleep(RETRY_FIRST).await;
                    }
                }
            }
        });
    }

    /// Unbinds the session, if bound (at shutdown), waiting at most 1 s for
    /// the `unbind_resp`.
    pub async fn unbind(&self) {
        let Some(link) = self.inner.live() else {
            return;
        };
        let seq = link.seq.fetch_add(1, Ordering::Relaxed).max(1) & 0x7FFF_FFFF;
        let (tx, rx) = oneshot::channel();
        link.wait_frame(seq, tx);
        link.tx.send(pdu::encode(&Command::new(
            CommandStatus::EsmeRok,
            seq,
            Pdu::Unbind,
        )));
        let _ = tokio::time::timeout(Duration::from_secs(1), rx).await;
        link.alive.store(false, Ordering::Release);
    }

    /// Connection attempts made so far.
    pub fn attempts(&self) -> u64 {
        self.inner.attempts.load(Ordering::Relaxed)
    }

    /// Octets queued for the SMSC and not yet written.
    pub fn queued_bytes(&self) -> usize {
        let st = self.inner.state.lock();
        st.ok()
            .and_then(|s| s.link.as_ref().map(|l| l.tx.queued()))
            .unwrap_or(0)
    }

    /// Whether the last attempt failed (submits fail at once until an
    /// attempt in the background succeeds).
    pub fn is_down(&self) -> bool {
        self.inner.state.lock().map(|s| s.down).unwrap_or(true)
    }

    /// Whether a submit given now would fail at once, without reaching
    /// the SMSC: the link is down, or has
    /// [`UpstreamConfig::max_queued_bytes`] waiting. The proxy asks before
    /// it checks a message, so that a message the SMSC never saw is not
    /// counted against its recipient's daily allowance.
    pub fn refuses_now(&self) -> bool {
        let Ok(st) = self.inner.state.lock() else {
            return true;
        };
        st.down
            || st
                .link
                .as_ref()
                .is_some_and(|l| l.tx.queued() >= self.inner.cfg.max_queued_bytes)
    }
}

impl Inner {
    /// The link when it is up now (no attempt started).
    fn live(&self) -> Option<Arc<Link>> {
        let st = self.state.lock().ok()?;
        st.link.clone().filter(|l| l.alive.load(Ordering::Acquire))
    }

    /// The live link, after waiting for the attempt in progress (started
    /// here if none runs); `None` at once while the link is down.
    async fn link(self: &Arc<Self>) -> Option<Arc<Link>> {
        let mut rx = {
            let mut st = self.state.lock().ok()?;
            if let Some(l) = st.link.as_ref().filter(|l| l.alive.load(Ordering::Acquire)) {
                return Some(l.clone());
            }
            st.link = None;
            if st.down {
                return None;
            }
            match &st.attempt {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    st.attempt = Some(rx.clone());
                    tokio::spawn(self.clone().attempts_until_up(tx));
                    rx
                }
            }
        };
        // Every waiter waits for the same attempt, bounded by its deadlines.
        let _ = rx.wait_for(|o| o.is_some()).await;
        let st = self.state.lock().ok()?;
        st.link.clone().filter(|l| l.alive.load(Ordering::Acquire))
    }

    /// Attempts until one succeeds, waiting longer after each failure.
    async fn attempts_until_up(self: Arc<Self>, tx: watch::Sender<Option<bool>>) {
        let mut wait = RETRY_FIRST;
        loop {
            self.attempts.fetch_add(1, Ordering::Relaxed);
            match self.connect().await {
                Ok(link) => {
                    if let Ok(mut st) = self.state.lock() {
                        st.link = Some(link);
                        st.down = false;
                        st.attempt = None;
                    }
                    tracing::info!(upstream = %self.cfg.addr, "upstream bound");
                    tx.send_replace(Some(true));
                    return;
                }
                Err(e) => {
                    if let Ok(mut st) = self.state.lock() {
                        st.down = true;
                    }
                    tracing::error!("{e}; upstream down, next attempt in {wait:?}");
                    tx.send_replace(Some(false));
                    tokio::time::sleep(wait).await;
                    wait = wait
                        .saturating_mul(2)
                        .min(self.cfg.retry_max.max(RETRY_FIRST));
                }
            }
        }
    }

    async fn connect(self: &Arc<Self>) -> Result<Arc<Link>, String> {
        let addr = &self.cfg.addr;
        let mut stream =
            tokio::time::timeout(self.cfg.connect_timeout, TcpStream::connect(addr.as_str()))
                .await
                .map_err(|_| {
                    format!(
                        "upstream `{addr}`: no connection within {:?}",
                        self.cfg.connect_timeout
                    )
                })?
                .map_err(|e| format!("cannot connect to upstream `{addr}`: {e}"))?;
        let _ = stream.set_nodelay(true);
        let bind = BindTransceiver::builder()
            .system_id(c_string(&self.cfg.system_id))
            .password(c_string(&self.cfg.password))
            .interface_version(InterfaceVersion::Smpp3_4)
            .build();
        let bytes = pdu::encode(&Command::new(CommandStatus::EsmeRok, 1, bind));
        let bound = async {
            stream.write_all(&bytes).await.map_err(|e| e.to_string())?;
            loop {
                let frame = read_frame(&mut stream)
                    .await
                    .map_err(|e| format!("upstream bind: {e}"))?
                    .ok_or("upstream closed during bind")?
                    .map_err(|_| "upstream sent a malformed PDU".to_string())?;
                let Ok(cmd) = pdu::decode(&frame) else {
                    continue;
                };
                let st = u32::from(cmd.status());
                match cmd.pdu() {
                    Some(Pdu::BindTransceiverResp(_)) if st == status::ESME_ROK => return Ok(()),
                    Some(Pdu::BindTransceiverResp(_)) | Some(Pdu::GenericNack) => {
                        return Err(format!("upstream refused the bind: status {st:#04x}"))
                    }
                    // A refusal without a body (as some SMSCs send one).
                    None if cmd.id() == rusmpp::CommandId::BindTransceiverResp => {
                        return Err(format!("upstream refused the bind: status {st:#04x}"))
                    }
                    _ => {}
                }
            }
        };
        tokio::time::timeout(self.cfg.bind_timeout, bound)
            .await
            .map_err(|_| {
                format!(
                    "upstream `{addr}`: no bind_resp within {:?}",
                    self.cfg.bind_timeout
                )
            })??;
        let (rd, wr) = stream.into_split();
        // Buffered: a PDU usually costs one recv, not two or more.
        let mut rd = tokio::io::BufReader::with_capacity(64 * 1024, rd);
        let (tx, rx) = outbox(None);
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let link = Arc::new(Link {
            tx,
            pending: Mutex::default(),
            seq: AtomicU32::new(2),
            alive: AtomicBool::new(true),
            wake: wake.clone(),
            stop,
            reader: std::sync::OnceLock::new(),
        });
        let mut pump_stopped = stopped.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = crate::wire::pump(rx, wr) => {}
                _ = pump_stopped.wait_for(|s| *s) => {}
            }
        });
        tokio::spawn(book::sweep(Arc::downgrade(&link), wake, pending));
        let reader = link.clone();
        let me = self.clone();
        drop(stopped);
        let reader_task = tokio::spawn(async move {
            while let Ok(Some(Ok(frame))) = read_frame(&mut rd).await {
                let head = Header::parse(
                    frame
                        .first_chunk::<HEADER_LEN>()
                        .unwrap_or(&[0; HEADER_LEN]),
                );
                if head.command_id & RESPONSE_BIT != 0 {
                    // An answer: to its waiter as it is, decoded there.
                    if let Some(w) = reader.take(head.sequence_number) {
                        w.answer(frame);
                    }
                    continue;
                }
                let cmd = match pdu::decode(&frame) {
                    Ok(cmd) => cmd,
                    Err(n) => {
                        // Every request is answered, a malformed one too,
                        // so that the SMSC's window slot is freed: a
                        // `deliver_sm` or `data_sm` by its own response
                        // with the decoder's status, anything else by
                        // `generic_nack`.
                        tracing::warn!(
                            command_id = head.command_id,
                            status = n.status,
                            "upstream: a malformed request from the SMSC, answered with an error"
                        );
                        let _ = reader.tx.send(refusal(head.command_id, n));
                        continue;
                    }
                };
                let seq = cmd.sequence_number();
                let deliver = |ds: rusmpp::pdus::DeliverSm, data: bool| {
                    // Routed by the handler; until it answers, the SMSC
                    // waits for this response (its window). Without a
                    // handler the answer is dropped: `ESME_RX_T_APPN`.
                    let answer = DeliverAnswer {
                        tx: reader.tx.clone(),
                        seq,
                        data,
                        sent: false,
                    };
                    if let Some(h) = &me.deliver {
                        h(ds, answer);
                    }
                };
                match cmd.pdu() {
                    Some(Pdu::EnquireLink) => {
                        let r = Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp);
                        let _ = reader.tx.send(pdu::encode(&r));
                    }
                    Some(Pdu::DeliverSm(ds)) => deliver(ds.clone(), false),
                    // A receipt or a subscriber's message sent as
                    // `data_sm`: routed as the `deliver_sm` it amounts to.
                    Some(Pdu::DataSm(d)) => match pdu::data_sm_as_deliver(d) {
                        Ok(ds) => deliver(ds, true),
                        Err(st) => {
                            let _ = reader.tx.send(deliver_response(true, st, seq));
                        }
                    },
                    Some(Pdu::Unbind) => {
                        let r = Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp);
                        let _ = reader.tx.send(pdu::encode(&r));
                        break;
                    }
                    // Takes no response (SMPP 3.4 §4.12).
                    Some(Pdu::AlertNotification(_)) => {}
                    // Any other request (never a response: those went to
                    // their waiters above) is not one an SMSC sends an
                    // ESME: `generic_nack`, and no pending submit is
                    // answered by it.
                    _ => {
                        let n = pdu::Nack {
                            status: status::ESME_RINVCMDID,
                            sequence_number: seq,
                            fatal: false,
                        };
                        let _ = reader.tx.send(n.encode());
                    }
                }
            }
            reader.alive.store(false, Ordering::Release);
            reader.close();
            me.ended.notify_one();
            // The writer too, once it had a moment to send what is queued
            // (an `unbind_resp`).
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                reader.stop.send_replace(true);
            });
        });
        let _ = link.reader.set(reader_task.abort_handle());
        Ok(link)
    }
}

/// The answer to a malformed request of `command_id` from the SMSC: a
/// `deliver_sm_resp` or `data_sm_resp` with the decoder's status, else
/// `generic_nack`.
fn refusal(command_id: u32, n: pdu::Nack) -> Vec<u8> {
    match command_id {
        DELIVER_SM | DATA_SM => {
            deliver_response(command_id == DATA_SM, n.status, n.sequence_number)
        }
        _ => n.encode(),
    }
}

/// `deliver_sm`'s `command_id`.
const DELIVER_SM: u32 = 0x0000_0005;
/// `data_sm`'s `command_id`.
const DATA_SM: u32 = 0x0000_0103;

impl Upstream {
    /// Forwards a `submit_sm`; the SMSC's `message_id`, or the status to
    /// answer the ESME with (the SMSC's error, or `ESME_RSYSERR` when the
    /// link is down, could not be brought up within its deadlines, has
    /// [`UpstreamConfig::max_queued_bytes`] waiting, or the SMSC did not
    /// answer within [`RESPONSE_TIMEOUT`]).
    pub async fn submit(&self, sm: SubmitSm) -> Result<COctetString<1, 65>, u32> {
        let frame = self.call_raw(Pdu::SubmitSm(sm)).await?;
        submitted(&frame)
    }

    /// [`Upstream::submit`] of a `submit_sm` already encoded (a whole PDU,
    /// header included, as an ESME wrote it): sent as it is but for its
    /// sequence number, which becomes the session's.
    pub async fn submit_frame(&self, frame: Vec<u8>) -> Result<COctetString<1, 65>, u32> {
        if frame.len() < HEADER_LEN {
            return Err(status::ESME_RSYSERR);
        }
        let answer = self
            .call_with(|seq| {
                let mut bytes = frame;
                bytes[12..HEADER_LEN].copy_from_slice(&seq.to_be_bytes());
                bytes
            })
            .await?;
        submitted(&answer)
    }

    /// [`Upstream::submit_frame`] without waiting: `done` is given what it
    /// would return, once the SMSC answers (called by the link's reader),
    /// or the link drops, or [`RESPONSE_TIMEOUT`] passes — or at once when
    /// the link is down or [`UpstreamConfig::max_queued_bytes`] wait. While
    /// the link is up no task is made for the `submit_sm`: it is queued
    /// here, in the caller's order; while it is being brought up, a task
    /// waits for the link (within its deadlines) and then queues it. Either
    /// way `done` runs on the link's reader, before the reader reads on:
    /// whatever `done` records (the id given) is there for a receipt that
    /// follows the answer.
    pub fn submit_frame_then(&self, frame: Vec<u8>, done: OnSubmitted) {
        self.queue_submit(frame, OnAnswer(Some(done)));
    }

    fn queue_submit(&self, frame: Vec<u8>, done: OnAnswer) {
        if frame.len() < HEADER_LEN {
            return done.answer(Err(status::ESME_RSYSERR));
        }
        let Some(link) = self.inner.live() else {
            let me = Upstream {
                inner: self.inner.clone(),
            };
            tokio::spawn(async move {
                match me.inner.link().await {
                    // Up now (or down again at once: then answered here).
                    Some(_) if me.inner.live().is_some() => me.queue_submit(frame, done),
                    _ => done.answer(Err(status::ESME_RSYSERR)),
                }
            });
            return;
        };
        if link.tx.queued() >= self.inner.cfg.max_queued_bytes {
            // The SMSC is not reading: do not queue for it without bound.
            return done.answer(Err(status::ESME_RSYSERR));
        }
        let seq = link.seq.fetch_add(1, Ordering::Relaxed).max(1) & 0x7FFF_FFFF;
        let mut bytes = frame;
        bytes[12..HEADER_LEN].copy_from_slice(&seq.to_be_bytes());
        let deadline = tokio::time::Instant::now() + self.inner.cfg.response_timeout;
        let wake = {
            let Ok(mut p) = link.pending.lock() else {
                return done.answer(Err(status::ESME_RSYSERR));
            };
            if p.is_closed() {
                // The reader ended since the link was found alive.
                drop(p);
                return done.answer(Err(status::ESME_RSYSERR));
            }
            p.insert(seq, Waiter::Submit(done), Some(deadline))
        };
        if wake {
            link.wake.notify_one();
        }
        if !link.tx.send(bytes) {
            link.alive.store(false, Ordering::Release);
            if let Some(w) = link.take(seq) {
                drop(w); // ESME_RSYSERR
            }
        }
    }

    /// [`Upstream::submit_frame_then`] of a `submit_sm` to encode: the
    /// octets [`Upstream::submit`] sends.
    pub fn submit_then(&self, sm: SubmitSm, done: OnSubmitted) {
        let frame = pdu::encode(&Command::new(CommandStatus::EsmeRok, 0, Pdu::SubmitSm(sm)));
        self.submit_frame_then(frame, done);
    }

    /// Sends any request to the SMSC and returns its answer (whatever its
    /// status), or `ESME_RSYSERR` on the same conditions as
    /// [`Upstream::submit`].
    pub async fn call(&self, request: Pdu) -> Result<Command, u32> {
        let frame = self.call_raw(request).await?;
        pdu::decode(&frame).map_err(|_| status::ESME_RSYSERR)
    }

    /// [`Upstream::call`], the answer's octets not decoded.
    async fn call_raw(&self, request: Pdu) -> Result<Vec<u8>, u32> {
        self.call_with(|seq| pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, request)))
            .await
    }

    /// Sends the request `encode` makes with the sequence number it is
    /// given, and returns the answer's octets.
    async fn call_with(&self, encode: impl FnOnce(u32) -> Vec<u8>) -> Result<Vec<u8>, u32> {
        let Some(link) = self.inner.link().await else {
            return Err(status::ESME_RSYSERR);
        };
        if link.tx.queued() >= self.inner.cfg.max_queued_bytes {
            // The SMSC is not reading: do not queue for it without bound.
            return Err(status::ESME_RSYSERR);
        }
        let seq = link.seq.fetch_add(1, Ordering::Relaxed).max(1) & 0x7FFF_FFFF;
        let (tx, rx) = oneshot::channel();
        link.wait_frame(seq, tx);
        let bytes = encode(seq);
        if !link.tx.send(bytes) {
            link.alive.store(false, Ordering::Release);
            return Err(status::ESME_RSYSERR);
        }
        match tokio::time::timeout(self.inner.cfg.response_timeout, rx).await {
            Ok(Ok(frame)) => Ok(frame),
            _ => {
                link.take(seq);
                Err(status::ESME_RSYSERR)
            }
        }
    }
}

/// What a `submit_sm_resp` says: the SMSC's `message_id`, or the status
/// to answer the ESME with.
fn submitted(frame: &[u8]) -> Result<COctetString<1, 65>, u32> {
    if let Some(id) = accepted_id(frame) {
        return Ok(id);
    }
    let cmd = pdu::decode(frame).map_err(|_| status::ESME_RSYSERR)?;
    let st = u32::from(cmd.status());
    match cmd.pdu() {
        Some(Pdu::SubmitSmResp(r)) if st == status::ESME_ROK => Ok(r.message_id().clone()),
        _ if st != status::ESME_ROK => Err(st),
        _ => Err(status::ESME_RSYSERR),
    }
}

/// The response bit of a `command_id`.
const RESPONSE_BIT: u32 = 0x8000_0000;

/// `submit_sm_resp`.
const SUBMIT_SM_RESP: u32 = 0x8000_0004;

/// The `message_id` of an `ESME_ROK` `submit_sm_resp` whose body is that
/// id alone (the usual answer), read without decoding the whole PDU;
/// `None` for any other answer (decoded in full by the caller).
fn accepted_id(frame: &[u8]) -> Option<COctetString<1, 65>> {
    let head = Header::parse(frame.first_chunk::<HEADER_LEN>()?);
    if head.command_id != SUBMIT_SM_RESP
        || head.command_status != status::ESME_ROK
        || usize::try_from(head.command_length).ok()? != frame.len()
    {
        return None;
    }
    let body = &frame[HEADER_LEN..];
    // The id's NUL must be the body's last octet (no TLVs after it).
    if body.iter().position(|&b| b == 0)? + 1 != body.len() {
        return None;
    }
    COctetString::from_slice(body).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rusmpp::pdus::SubmitSmResp;

    use super::*;

    fn resp(status: u32, id: &str) -> Vec<u8> {
        let body = SubmitSmResp::builder().message_id(c_string(id)).build();
        pdu::encode(&Command::new(CommandStatus::from(status), 7, body))
    }

    /// Accepts the next connection on `listener` and answers its bind as
    /// the SMSC `name`: the connection's halves.
    async fn accept_bound(
        listener: &tokio::net::TcpListener,
        name: &str,
    ) -> (
        tokio::net::tcp::OwnedReadHalf,
        tokio::net::tcp::OwnedWriteHalf,
    ) {
        let (s, _) = listener.accept().await.unwrap();
        let (mut rd, mut wr) = s.into_split();
        let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
        let seq = pdu::decode(&f).unwrap().sequence_number();
        let bound = rusmpp::pdus::BindTransceiverResp::builder()
            .system_id(c_string(name))
            .build();
        wr.write_all(&pdu::encode(&Command::new(
            CommandStatus::EsmeRok,
            seq,
            bound,
        )))
        .await
        .unwrap();
        (rd, wr)
    }

    /// An SMSC that binds, then reads every PDU and answers none; it
    /// closes the connection when `close` is sent.
    async fn mute_smsc() -> (String, oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (close, closed) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let (mut rd, _wr) = accept_bound(&listener, "mute").await;
            tokio::select! {
                _ = async { while let Ok(Some(_)) = read_frame(&mut rd).await {} } => {}
                _ = closed => {}
            }
        });
        (addr, close)
    }

    /// A `submit_sm` sent without a task waiting (the link up) gets
    /// `ESME_RSYSERR` when the SMSC does not answer within
    /// [`RESPONSE_TIMEOUT`] of its sending, each at its own deadline, and
    /// at once when the link drops.
    #[tokio::test(start_paused = true)]
    async fn an_unanswered_submit_sent_without_a_task_fails_at_its_deadline() {
        let (addr, close) = mute_smsc().await;
        let up = Upstream::new(UpstreamConfig {
            addr,
            ..Default::default()
        });
        assert!(up.inner.link().await.is_some(), "bound");
        let start = tokio::time::Instant::now();
        let send = |up: &Upstream| {
            let (tx, rx) = oneshot::channel();
            up.submit_then(
                SubmitSm::default(),
                Box::new(move |r| {
                    let _ = tx.send((r, tokio::time::Instant::now()));
                }),
            );
            rx
        };
        let first = send(&up);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let second = send(&up);
        let (r, at) = first.await.unwrap();
        assert_eq!(r, Err(status::ESME_RSYSERR));
        assert_eq!(at - start, RESPONSE_TIMEOUT, "the first at its deadline");
        let (r, at) = second.await.unwrap();
        assert_eq!(r, Err(status::ESME_RSYSERR));
        assert_eq!(
            at - start,
            RESPONSE_TIMEOUT + Duration::from_secs(3),
            "the second at its own"
        );
        // The link drops with a submit waiting: answered at once.
        let third = send(&up);
        let sent = tokio::time::Instant::now();
        close.send(()).unwrap();
        let (r, at) = third.await.unwrap();
        assert_eq!(r, Err(status::ESME_RSYSERR));
        assert!(at - sent < RESPONSE_TIMEOUT, "not left to its deadline");
    }

    /// A raw PDU: header (length, `id`, status 0, `seq`) and `body`.
    fn raw(id: u32, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&(16 + body.len() as u32).to_be_bytes());
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&0u32.to_be_bytes());
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(body);
        b
    }

    /// What an SMSC other than ours may send on the session: a malformed
    /// `deliver_sm` (answered with its own response and an error status,
    /// never left unanswered), an `alert_notification` and an unexpected
    /// request carrying a pending submit's sequence number (neither answers
    /// the submit; the request gets `generic_nack`), and a receipt sent as
    /// `data_sm` (routed as a `deliver_sm`, answered with `data_sm_resp`).
    #[tokio::test]
    async fn requests_of_another_smsc_are_each_answered_and_never_taken_for_a_response() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (got_tx, mut got) = tokio::sync::mpsc::unbounded_channel::<DeliverSm>();
        let handler: DeliverHandler = Arc::new(move |ds, answer| {
            let _ = got_tx.send(ds);
            answer.answer(status::ESME_ROK);
        });
        let up = Upstream::with_deliver(
            UpstreamConfig {
                addr,
                ..Default::default()
            },
            handler,
        );
        let smsc = tokio::spawn(async move {
            let (mut rd, mut wr) = accept_bound(&listener, "other").await;
            // The submit.
            let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
            let submit_seq = Header::parse(f.first_chunk::<HEADER_LEN>().unwrap()).sequence_number;
            // A deliver_sm whose source_addr is 30 digits (21 at most).
            let mut bad = vec![0u8, 1, 1];
            bad.extend_from_slice(&[b'1'; 30]);
            bad.extend_from_slice(&[0, 1, 1, b'8', 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            // alert_notification and query_sm with the submit's number.
            let alert = [1u8, 1, b'8', b'4', 0, 1, 1, b'1', 0];
            let query = [b'x', 0, 1, 1, b'8', 0];
            // A receipt as data_sm: receipted_message_id and message_state.
            let mut data = vec![0u8, 1, 1];
            data.extend_from_slice(b"84912345678\0");
            data.extend_from_slice(&[0, 0]);
            data.extend_from_slice(b"SHOPVN\0");
            data.extend_from_slice(&[0x04, 0, 0]);
            data.extend_from_slice(&[0x00, 0x1E, 0, 4, b'm', b'-', b'1', 0]);
            data.extend_from_slice(&[0x04, 0x27, 0, 1, 2]);
            for frame in [
                raw(0x0000_0005, 900, &bad),
                raw(0x0000_0102, submit_seq, &alert),
                raw(0x0000_0003, submit_seq, &query),
                raw(0x0000_0103, 901, &data),
            ] {
                wr.write_all(&frame).await.unwrap();
            }
            let mut answers = Vec::new();
            for _ in 0..3 {
                let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
                answers.push(Header::parse(f.first_chunk::<HEADER_LEN>().unwrap()));
            }
            // Only now the submit's own answer.
            wr.write_all(&{
                let mut r = resp(status::ESME_ROK, "ok-1");
                r[12..16].copy_from_slice(&submit_seq.to_be_bytes());
                r
            })
            .await
            .unwrap();
            (answers, submit_seq)
        });
        let (tx, rx) = oneshot::channel();
        up.submit_then(
            SubmitSm::default(),
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        );
        let r = tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            r.unwrap().as_str(),
            "ok-1",
            "answered by its own submit_sm_resp"
        );
        let (mut answers, submit_seq) = tokio::time::timeout(Duration::from_secs(5), smsc)
            .await
            .unwrap()
            .unwrap();
        answers.sort_by_key(|h| h.command_id);
        assert_eq!(answers.len(), 3);
        let nack = &answers[0];
        assert_eq!(
            (nack.command_id, nack.sequence_number),
            (0x8000_0000, submit_seq)
        );
        assert_eq!(nack.command_status, status::ESME_RINVCMDID);
        let bad = &answers[1];
        assert_eq!((bad.command_id, bad.sequence_number), (0x8000_0005, 900));
        assert_ne!(bad.command_status, status::ESME_ROK, "malformed: an error");
        let data = &answers[2];
        assert_eq!((data.command_id, data.sequence_number), (0x8000_0103, 901));
        assert_eq!(data.command_status, status::ESME_ROK);
        let ds = got.recv().await.unwrap();
        assert_eq!(pdu::receipted_id(&ds).as_deref(), Some("m-1"));
        assert_eq!(ds.source_addr.as_str(), "84912345678");
        assert!(
            got.try_recv().is_err(),
            "only the data_sm reached the handler"
        );
    }

    /// After the SMSC unbinds, a kept-up session binds again at once (after
    /// the first retry delay), not at the next `enquire_link` tick, so that
    /// receipts and replies do not wait [`ENQUIRE_LINK_INTERVAL`].
    #[tokio::test]
    async fn a_kept_up_session_binds_again_as_soon_as_the_smsc_unbinds() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (binds_tx, mut binds) = tokio::sync::mpsc::unbounded_channel::<()>();
        tokio::spawn(async move {
            let mut first = true;
            loop {
                let (mut rd, mut wr) = accept_bound(&listener, "smsc").await;
                binds_tx.send(()).unwrap();
                if first {
                    first = false;
                    // Unbind the first session; expect its unbind_resp.
                    let unbind = Command::new(CommandStatus::EsmeRok, 77, Pdu::Unbind);
                    wr.write_all(&pdu::encode(&unbind)).await.unwrap();
                    let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
                    let h = Header::parse(f.first_chunk::<HEADER_LEN>().unwrap());
                    assert_eq!((h.command_id, h.sequence_number), (0x8000_0006, 77));
                } else {
                    tokio::spawn(async move {
                        while let Ok(Some(_)) = read_frame(&mut rd).await {}
                        drop(wr);
                    });
                }
            }
        });
        let up = Upstream::new(UpstreamConfig {
            addr,
            ..Default::default()
        });
        up.keep_up();
        let wait = ENQUIRE_LINK_INTERVAL / 2;
        tokio::time::timeout(wait, binds.recv())
            .await
            .unwrap()
            .unwrap();
        tokio::time::timeout(wait, binds.recv())
            .await
            .expect("bound again before the next enquire_link tick")
            .unwrap();
    }

    /// A submit given while the link is still being bound is answered by
    /// the link's reader like any other: its outcome is handed on before a
    /// receipt the SMSC sent right after the answer (in the same segment)
    /// reaches the deliver handler, so the id it records is there to route
    /// the receipt. Before, a task handed it on, possibly after.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_submit_sent_while_binding_is_answered_before_the_receipt_after_it() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let given = Arc::new(AtomicBool::new(false));
        let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel::<bool>();
        let g = given.clone();
        let handler: DeliverHandler = Arc::new(move |_ds, answer| {
            let _ = seen_tx.send(g.load(Ordering::Acquire));
            answer.answer(status::ESME_ROK);
        });
        tokio::spawn(async move {
            let (mut rd, mut wr) = accept_bound(&listener, "smsc").await;
            let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
            let submit_seq = Header::parse(f.first_chunk::<HEADER_LEN>().unwrap()).sequence_number;
            // The answer and the receipt in one write.
            let mut both = resp(status::ESME_ROK, "m-7");
            both[12..16].copy_from_slice(&submit_seq.to_be_bytes());
            let mut ds = DeliverSm::default();
            ds.esm_class = rusmpp::values::EsmClass::from(0x04);
            ds.set_short_message(
                rusmpp::types::OctetString::from_vec(b"id:m-7 stat:DELIVRD".to_vec()).unwrap(),
            );
            both.extend_from_slice(&pdu::encode(&Command::new(CommandStatus::EsmeRok, 5, ds)));
            wr.write_all(&both).await.unwrap();
            while let Ok(Some(_)) = read_frame(&mut rd).await {}
        });
        let up = Upstream::with_deliver(
            UpstreamConfig {
                addr,
                ..Default::default()
            },
            handler,
        );
        let (tx, rx) = oneshot::channel();
        let g = given.clone();
        up.submit_then(
            SubmitSm::default(),
            Box::new(move |r| {
                if r.is_ok() {
                    g.store(true, Ordering::Release);
                }
                let _ = tx.send(r);
            }),
        );
        let r = tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.unwrap().as_str(), "m-7");
        let seen = tokio::time::timeout(Duration::from_secs(10), seen.recv())
            .await
            .unwrap();
        assert_eq!(
            seen,
            Some(true),
            "the id was given before the receipt was routed"
        );
    }

    /// A link whose SMSC stops answering `enquire_link` is closed (the
    /// SMSC sees the connection end) before the session binds again.
    #[tokio::test(start_paused = true)]
    async fn a_link_that_stops_answering_is_closed_before_the_new_bind() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<&str>();
        tokio::spawn(async move {
            loop {
                let (mut rd, wr) = accept_bound(&listener, "mute").await;
                events_tx.send("bound").unwrap();
                let tx = events_tx.clone();
                tokio::spawn(async move {
                    // Reads (and answers nothing) until the proxy closes.
                    while let Ok(Some(_)) = read_frame(&mut rd).await {}
                    let _ = tx.send("closed");
                    drop(wr);
                });
            }
        });
        let up = Upstream::new(UpstreamConfig {
            addr,
            ..Default::default()
        });
        up.keep_up();
        assert_eq!(events.recv().await, Some("bound"));
        assert_eq!(events.recv().await, Some("closed"), "closed first");
        assert_eq!(events.recv().await, Some("bound"), "then bound again");
    }

    #[test]
    fn an_accepted_submit_sm_resp_is_read_as_a_full_decode_reads_it() {
        let ok = resp(status::ESME_ROK, "smsc-42");
        let id = accepted_id(&ok).unwrap();
        assert_eq!(id.as_str(), "smsc-42");
        let full = pdu::decode(&ok).unwrap();
        assert!(matches!(full.pdu(), Some(Pdu::SubmitSmResp(r)) if *r.message_id() == id));
        // Anything else is left to the full decode.
        assert!(accepted_id(&resp(status::ESME_RSUBMITFAIL, "x")).is_none());
        let mut trailing = ok.clone();
        trailing.extend_from_slice(&[0, 0]);
        let n = u32::try_from(trailing.len()).unwrap();
        trailing[..4].copy_from_slice(&n.to_be_bytes());
        assert!(accepted_id(&trailing).is_none());
        assert!(accepted_id(&ok[..ok.len() - 1]).is_none());
        let mut nack = ok.clone();
        nack[4..8].copy_from_slice(&0x8000_0000u32.to_be_bytes());
        assert!(accepted_id(&nack).is_none());
    }
}
