//! The decision responder: one datagram in, at most one response out.
//!
//! [`Responder::handle`] does no I/O: the caller owns the socket, the clock
//! and the journal. For an INVITE it reads the caller (the first number in
//! `P-Asserted-Identity` when that header is present, else the `From` URI's
//! user part) and the callee (the Request-URI's user part), both normalised
//! with [`chanrac::Number::parse`], and checks one call event:
//!
//! - a caller registered in the registry as an ad-call identifier
//!   ([`Identifier::Number`]) makes an **ad call of its owner** (kind `ad`,
//!   advertiser = the owner): R1 (DNC, `call` scope), R3 (call window), R5
//!   (one ad call per advertiser and callee per 24 h), R7 (consent) and R8
//!   (the number's status and validity) apply;
//! - any other caller makes a `p2p` call: S2 (suspended source) and S4
//!   (behaviour, when enabled) apply.
//!
//! Delivered (allowed or flagged) → `302 Moved Temporarily` with
//! `Contact: <Request-URI>`; blocked → `603 Decline` with
//! `Reason: SIP;cause=603;text="CODE[,CODE…]"`, plus `Retry-After` when
//! `FREQUENCY` is the only reason. The answer is kept in an [`AnswerCache`]
//! for 32 s (Timer B/H), keyed by the whole transaction (`Call-ID`, `CSeq`
//! number, `From` tag, top `Via` branch): a retransmission gets its first
//! answer, checked and counted once, whatever the load; a different call
//! reusing a `Call-ID` is checked on its own; a request reusing a whole
//! transaction for another caller or callee → `400`. When the cache is full
//! of answers still due, a new INVITE is not checked (nor counted) but
//! refused with `503 Service Unavailable` and `Retry-After` (the seconds
//! until the oldest answer expires): better a call the switch retries than
//! a retransmission answered differently.
//!
//! **Checks that wait.** With a shared state store the check waits on a
//! round trip, so the server answers other datagrams meanwhile:
//! [`Responder::begin`] does everything but the check and returns a
//! [`Pending`] INVITE, whose event the caller checks (for example with
//! `chanrac_store::shared::SharedState::check`) and hands back to
//! [`Responder::finish`]. The pending transaction holds its place in the
//! answer cache from `begin` on, and a retransmission arriving before the
//! answer is absorbed ([`Outcome::InFlight`]: no second check, no second
//! count; the first answer answers it, and a later retransmission gets it
//! from the cache). [`Responder::handle`] is both halves around the
//! engine's own check.
//!
//! **`P-Asserted-Identity` never downgrades a call.** The caller is the
//! first entry of `P-Asserted-Identity` whose URI's user part is a number;
//! when the header is there but holds no usable number (privacy's
//! `<sip:anonymous@anonymous.invalid>`, an entry that does not parse, an
//! empty or non-numeric user part), the caller is read from `From` as if
//! the header were absent. Otherwise an ad caller could hide its registered
//! number behind an anonymous assertion and turn its ad call into a p2p
//! call, escaping R1, R3, R5, R7 and R8.
//!
//!
//! Other requests: `ACK` is absorbed (never answered); `OPTIONS` → `200`
//! (keep-alive probes); `CANCEL` → `200` when its INVITE was answered here,
//! else `481` (the final answer went out at once, so there is nothing left
//! to cancel); other RFC 3261 and common extension methods → `405`, unknown
//! methods → `501`, both with `Allow`. A request that breaks RFC 3261 §8.2
//! ([`crate::message::request`]) → `400` (`505` for another SIP version)
//! with a `Warning` naming the problem; a Request-URI of another scheme →
//! `416`; an INVITE whose Request-URI user part is not a number → `484
//! Address Incomplete`. A datagram without a `Via`, a response, more than
//! [`message::MAX_HEADERS`] header fields, or bytes that are not a SIP
//! message are dropped: there is nowhere (or no reason) to send an answer.

use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::ident::Identifier;
use chanrac::state::journal::Record;
use chanrac::{Channel, Engine, Event, Kind, Number, Policy, Reason, Reasons, Sender, Verdict};
use jiff::Timestamp;

use crate::cache::{AnswerCache, Kept, Key, Transaction};
use crate::message::{
    self, name_addr, split_list, user_number, via_branch, Echo, Message, Request, Unreadable,
    UriError,
};

/// The methods this responder answers, for `Allow`.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, OPTIONS";

/// Methods of RFC 3261 and its common extensions: answered `405` rather
/// than `501`.
const KNOWN: [&str; 10] = [
    "BYE",
    "REGISTER",
    "INFO",
    "PRACK",
    "UPDATE",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "MESSAGE",
    "PUBLISH",
];

/// The final answer to an INVITE, as kept for its retransmissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `302`: deliver the call to the Request-URI.
    Redirect,
    /// `603`: blocked for these reasons; `retry_after` seconds when
    /// `FREQUENCY` is the only reason (when the cap next allows an ad call).
    Decline {
        /// Every rule the call breaks.
        reasons: Reasons,
        /// Seconds until the frequency cap allows the call.
        retry_after: Option<u64>,
    },
}

impl Answer {
    /// The answer carrying `verdict` of a call at `time`: `Retry-After`
    /// only when `FREQUENCY` is the one reason.
    fn of(verdict: &Verdict, time: Timestamp) -> Answer {
        if verdict.is_delivered() {
            return Answer::Redirect;
        }
        let only_frequency = verdict.reasons.iter().eq([Reason::Frequency]);
        let retry_after = verdict.retry_at.filter(|_| only_frequency).map(|at| {
            let ms = at.as_millisecond().saturating_sub(time.as_millisecond());
            (ms.max(1) as u64).div_ceil(1000)
        });
        Answer::Decline {
            reasons: verdict.reasons,
            retry_after,
        }
    }
}

/// What happened to one datagram (for logs and counters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not answered: not a SIP request, a response, or nowhere to answer.
    Dropped(&'static str),
    /// An `ACK`, absorbed.
    Absorbed,
    /// An INVITE checked by the engine and answered `302` or `603`.
    Checked(u16),
    /// A retransmitted INVITE answered from the cache.
    Retransmission(u16),
    /// A retransmitted INVITE whose first copy is still being checked:
    /// absorbed, not checked again (the first copy's answer answers it).
    InFlight,
    /// A malformed request, answered `400`, `416`, `484` or `505`.
    Rejected(u16, &'static str),
    /// A new INVITE refused with `503`: the answer cache is full of answers
    /// still due to retransmissions. Not checked, not counted.
    Overloaded,
    /// Another method, answered with this status.
    Answered(u16),
}

/// The result of [`Responder::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handled {
    /// The response to send back to the datagram's source, if any.
    pub reply: Option<Vec<u8>>,
    /// The journal record of a counted ad call (append it with `--state`).
    pub record: Option<Record>,
    /// With [`Outcome::Checked`]: what the engine said (for metrics and
    /// verdict logs).
    pub checked: Option<Checked>,
    /// What happened.
    pub outcome: Outcome,
}

/// An INVITE the engine checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// `Call-ID` and CSeq number, as `CALL-ID CSEQ` (the verdict log's id).
    pub id: String,
    /// The caller number, when there is one.
    pub caller: Option<Number>,
    /// The callee.
    pub callee: Number,
    /// The advertiser owning the caller number (empty for p2p).
    pub advertiser: String,
    /// The event time.
    pub time: Timestamp,
    /// `ad` (the caller number is registered for ad calls) or `p2p`.
    pub kind: Kind,
    /// The engine's verdict.
    pub verdict: chanrac::Verdict,
    /// How long the engine's check took.
    pub took: std::time::Duration,
}

/// What [`Responder::begin`] made of a datagram.
// Returned once per datagram and taken apart at once: boxing would cost an
// allocation per datagram for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Begun {
    /// Handled without a check (or with the answer kept for it).
    Done(Handled),
    /// An INVITE whose event must be checked, then given to
    /// [`Responder::finish`].
    Check(Pending),
}

/// An INVITE waiting for its check: its event ([`Pending::event`]) and what
/// [`Responder::finish`] needs to answer it. Owned, so the check can wait
/// on I/O while other datagrams are answered.
#[derive(Debug)]
pub struct Pending {
    datagram: Vec<u8>,
    key: Key,
    time: Timestamp,
    kind: Kind,
    caller: Option<Number>,
    callee: Number,
    advertiser: Box<str>,
    policy: Arc<Policy>,
}

impl Pending {
    /// The call event to check.
    pub fn event(&self) -> Event<'_> {
        let source = self.caller.map_or(Sender::None, Sender::Number);
        Event::new(self.time, Channel::Call, self.kind, source, self.callee)
            .with_advertiser(&self.advertiser)
    }
}

impl Handled {
    /// Handled without a check: `reply` (if any) and what happened.
    fn unchecked(reply: Option<Vec<u8>>, outcome: Outcome) -> Handled {
        Handled {
            reply,
            record: None,
            checked: None,
            outcome,
        }
    }

    /// Dropped unanswered.
    fn drop(why: &'static str) -> Handled {
        Handled::unchecked(None, Outcome::Dropped(why))
    }

    /// A malformed request, answered `code` with `why` in a `Warning`.
    fn rejected(echo: &Echo<'_>, code: u16, why: &'static str) -> Handled {
        let warning = format!("399 chanrac \"{why}\"");
        let reply = render(echo, code, &[("Warning", &warning)]);
        Handled::unchecked(Some(reply), Outcome::Rejected(code, why))
    }

    /// A request other than INVITE, answered `code` with `extra` headers.
    fn answered(echo: &Echo<'_>, code: u16, extra: &[(&str, &str)]) -> Handled {
        Handled::unchecked(Some(render(echo, code, extra)), Outcome::Answered(code))
    }
}

/// A step of reading a datagram: `Continue` with what the next step
/// needs, or `Break` with the datagram handled (dropped, absorbed,
/// rejected, answered without a check).
type Step<T> = ControlFlow<Handled, T>;

/// `datagram` as a SIP request to answer. Bytes that are not a SIP
/// message and responses are dropped; an `ACK` (of a 3xx/6xx answer:
/// hop-by-hop, never answered) is absorbed.
fn readable_request(datagram: &[u8]) -> Step<Message<'_>> {
    let msg = match message::parse(datagram) {
        Ok(m) => m,
        Err(Unreadable::Empty) => return Break(Handled::drop("keep-alive")),
        Err(Unreadable::TooManyHeaders) => return Break(Handled::drop("too many header fields")),
        Err(Unreadable::NotUtf8) => return Break(Handled::drop("not a SIP message")),
    };
    if msg.is_response() {
        return Break(Handled::drop("a response"));
    }
    if msg.method() == Some("ACK") {
        return Break(Handled::unchecked(None, Outcome::Absorbed));
    }
    Continue(msg)
}

/// The caller (see [`caller`]) and the callee (the Request-URI's user
/// part) of an INVITE; a Request-URI without a number is rejected.
fn call_numbers(
    msg: &Message<'_>,
    echo: &Echo<'_>,
    req: &Request<'_>,
) -> Step<(Option<Number>, Number)> {
    let target = match message::uri(req.uri) {
        Ok(u) => u,
        Err(UriError::UnsupportedScheme) => {
            let why = "only sip, sips and tel Request-URIs are supported";
            return Break(Handled::rejected(echo, 416, why));
        }
        Err(UriError::Malformed) => return Break(Handled::rejected(echo, 400, "bad Request-URI")),
    };
    let Some(callee) = target.user.and_then(user_number) else {
        let why = "the Request-URI user part is not a number";
        return Break(Handled::rejected(echo, 484, why));
    };
    Continue((caller(msg, req.from.uri), callee))
}

/// Counters since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// INVITEs checked by the engine.
    pub checked: u64,
    /// … of which delivered (`302`).
    pub delivered: u64,
    /// … of which blocked (`603`).
    pub blocked: u64,
    /// Retransmitted INVITEs answered from the cache, or absorbed while
    /// their first copy was being checked.
    pub retransmissions: u64,
    /// Malformed requests answered `4xx`/`505`.
    pub rejected: u64,
    /// New INVITEs refused `503` because the answer cache was full.
    pub overloaded: u64,
    /// Datagrams dropped unanswered.
    pub dropped: u64,
    /// `ACK`, `OPTIONS`, `CANCEL` and other methods.
    pub other: u64,
}

/// Answers SIP requests with the decisions of an [`Engine`].
#[derive(Debug)]
pub struct Responder {
    engine: Arc<Engine>,
    cache: AnswerCache,
    /// The transactions begun and not yet finished, with the numbers they
    /// are checked for.
    in_flight: std::collections::HashMap<Key, (Option<Number>, Number)>,
    stats: Stats,
}

/// The reason phrase of the status codes sent here.
fn phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        416 => "Unsupported URI Scheme",
        481 => "Call/Transaction Does Not Exist",
        484 => "Address Incomplete",
        503 => "Service Unavailable",
        501 => "Not Implemented",
        505 => "Version Not Supported",
        603 => "Decline",
        _ => "Unknown",
    }
}

/// Writes a response: the status line, every `Via`, `From`, `To` (with a
/// `tag` added when it has none), `Call-ID` and `CSeq` of the request, then
/// `extra`, `Server` and `Content-Length: 0`.
pub fn render(echo: &Echo<'_>, code: u16, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::with_capacity(256 + echo.vias.iter().map(|v| v.len() + 8).sum::<usize>());
    s.push_str("SIP/2.0 ");
    s.push_str(&code.to_string());
    s.push(' ');
    s.push_str(phrase(code));
    s.push_str("\r\n");
    let mut line = |name: &str, value: &str| {
        s.push_str(name);
        s.push_str(": ");
        s.push_str(value);
        s.push_str("\r\n");
    };
    for v in &echo.vias {
        line("Via", v);
    }
    if let Some(f) = echo.from {
        line("From", f);
    }
    if let Some(t) = echo.to {
        match name_addr(t) {
            Some(na) if na.param("tag").is_none() => {
                let tag = to_tag(echo);
                line("To", &format!("{t};tag={tag}"));
            }
            _ => line("To", t),
        }
    }
    if let Some(c) = echo.call_id {
        line("Call-ID", c);
    }
    if let Some(c) = echo.cseq {
        line("CSeq", c);
    }
    for (k, v) in extra {
        line(k, v);
    }
    line("Server", concat!("chanrac-sip/", env!("CARGO_PKG_VERSION")));
    line("Content-Length", "0");
    s.push_str("\r\n");
    s.into_bytes()
}

/// A `To` tag that is the same for every retransmission of a request: a
/// hash of its `Call-ID`, `CSeq` and `From`.
fn to_tag(echo: &Echo<'_>) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [echo.call_id, echo.cseq, echo.from] {
        h.update(part.unwrap_or("").as_bytes());
        h.update(&[0xff]);
    }
    format!("{:016x}", h.digest())
}

/// The codes of `reasons`, comma-separated, in code order.
pub fn reason_codes(reasons: Reasons) -> String {
    let mut s = String::new();
    for r in reasons.iter() {
        if !s.is_empty() {
            s.push(',');
        }
        s.push_str(r.code());
    }
    s
}

/// The caller: the first entry of `P-Asserted-Identity` (RFC 3325; all its
/// headers and comma-separated entries, in order) whose URI's user part is
/// a number; when there is none (no such header, or only entries without a
/// usable number, such as `<sip:anonymous@anonymous.invalid>`), the `From`
/// URI's. An assertion without a number never hides the `From` number.
pub fn caller(msg: &Message<'_>, from_uri: &str) -> Option<Number> {
    let number_of = |u: &str| message::uri(u).ok()?.user.and_then(user_number);
    msg.headers("p-asserted-identity")
        .flat_map(split_list)
        .filter_map(name_addr)
        .find_map(|na| number_of(na.uri))
        .or_else(|| number_of(from_uri))
}

impl Responder {
    /// A responder over `engine`, with the default [`AnswerCache`]
    /// ([`crate::cache::DEFAULT_MAX_BYTES`]).
    pub fn new(engine: Arc<Engine>) -> Responder {
        Responder::with_cache(engine, AnswerCache::default())
    }

    /// A responder with its own cache bounds.
    pub fn with_cache(engine: Arc<Engine>, cache: AnswerCache) -> Responder {
        Responder {
            engine,
            cache,
            in_flight: std::collections::HashMap::new(),
            stats: Stats::default(),
        }
    }

    /// The answer cache (to read how much it holds).
    pub fn cache(&self) -> &AnswerCache {
        &self.cache
    }

    /// The engine (to swap its policy).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Answers one datagram that arrived at `time` (the event time: the
    /// wall clock or `--fixed-time`) and at `now` (the monotonic clock of the
    /// answer cache: how long answers are kept is measured on it alone).
    /// Never panics, whatever the bytes.
    pub fn handle(&mut self, datagram: &[u8], time: Timestamp, now: Instant) -> Handled {
        match self.begin(datagram, time, now) {
            Begun::Done(h) => h,
            Begun::Check(p) => {
                let started = Instant::now();
                let verdict = self.engine.check(&p.event());
                let took = started.elapsed();
                self.finish(p, verdict, took, now)
            }
        }
    }

    /// The first half of [`handle`](Self::handle): answers the datagram,
    /// or returns the INVITE whose event the caller must check and give to
    /// [`finish`](Self::finish). Until then its transaction is in flight:
    /// it holds a place in the answer cache, and its retransmissions are
    /// absorbed ([`Outcome::InFlight`]).
    pub fn begin(&mut self, datagram: &[u8], time: Timestamp, now: Instant) -> Begun {
        let b = self.answer(datagram, time, now);
        if let Begun::Done(h) = &b {
            self.count(h.outcome);
        }
        b
    }

    /// The second half: answers the INVITE `begin` returned with the
    /// verdict of its event (`took`: how long the check took), keeps the
    /// answer for its retransmissions from `now`.
    pub fn finish(
        &mut self,
        p: Pending,
        verdict: Verdict,
        took: Duration,
        now: Instant,
    ) -> Handled {
        self.in_flight.remove(&p.key);
        // Parsed again: `begin` parsed and accepted the same bytes.
        let h = match message::parse(&p.datagram) {
            Ok(msg) => self.answer_checked(&msg, &p, verdict, took, now),
            Err(_) => Handled::drop("not a SIP message"),
        };
        self.count(h.outcome);
        h
    }

    /// Transactions begun and not yet finished.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    fn count(&mut self, outcome: Outcome) {
        let s = &mut self.stats;
        match outcome {
            Outcome::Dropped(_) => s.dropped += 1,
            Outcome::Checked(code) => {
                s.checked += 1;
                if code == 302 {
                    s.delivered += 1;
                } else {
                    s.blocked += 1;
                }
            }
            Outcome::Retransmission(_) | Outcome::InFlight => s.retransmissions += 1,
            Outcome::Rejected(..) => s.rejected += 1,
            Outcome::Overloaded => s.overloaded += 1,
            Outcome::Absorbed | Outcome::Answered(_) => s.other += 1,
        }
    }

    /// Answers what needs no check, or returns the INVITE to check (its
    /// transaction now in flight).
    fn answer(&mut self, datagram: &[u8], time: Timestamp, now: Instant) -> Begun {
        match self.invite_to_check(datagram, now) {
            Continue((key, caller, callee)) => {
                Begun::Check(self.pending(datagram, key, time, caller, callee))
            }
            Break(done) => Begun::Done(done),
        }
    }

    /// Reads `datagram` up to the INVITE to check: its transaction's key
    /// and the call's numbers. Anything else is answered on the way.
    fn invite_to_check(
        &mut self,
        datagram: &[u8],
        now: Instant,
    ) -> Step<(Key, Option<Number>, Number)> {
        let msg = readable_request(datagram)?;
        let echo = Echo::of(&msg);
        if echo.vias.is_empty() {
            return Break(Handled::drop("no Via to answer to"));
        }
        let req = match message::request(&msg) {
            Ok(r) => r,
            Err(rej) => return Break(Handled::rejected(&echo, rej.code, rej.why)),
        };
        let tx = Transaction {
            call_id: req.call_id,
            cseq: req.cseq.number,
            from_tag: req.from.param("tag").unwrap_or(""),
            branch: echo.vias.first().and_then(|v| via_branch(v)).unwrap_or(""),
        };
        if req.method != "INVITE" {
            return Break(self.answer_method(&echo, req.method, &tx, now));
        }
        let (caller, callee) = call_numbers(&msg, &echo, &req)?;
        let key = self.first_copy(&echo, &req, &tx, (caller, callee), now)?;
        self.room_for_answer(&echo, now)?;
        Continue((key, caller, callee))
    }

    /// The answer to a request other than INVITE.
    fn answer_method(
        &mut self,
        echo: &Echo<'_>,
        method: &str,
        tx: &Transaction<'_>,
        now: Instant,
    ) -> Handled {
        match method {
            "OPTIONS" => Handled::answered(
                echo,
                200,
                &[("Allow", ALLOW), ("Accept", "application/sdp")],
            ),
            "CANCEL" => {
                // A CANCEL repeats its INVITE's Call-ID, CSeq number, From
                // tag and top Via branch (RFC 3261 §9.1).
                let code = if self.cache.get(tx, now).is_some()
                    || self.in_flight.contains_key(&self.cache.key(tx))
                {
                    200
                } else {
                    481
                };
                Handled::answered(echo, code, &[])
            }
            m if KNOWN.contains(&m) => Handled::answered(echo, 405, &[("Allow", ALLOW)]),
            _ => Handled::answered(echo, 501, &[("Allow", ALLOW)]),
        }
    }

    /// The transaction's key when this INVITE is its first copy. A
    /// retransmission is answered from the cache, or absorbed while its
    /// first copy is being checked; another call reusing the transaction
    /// is rejected (neither the old answer nor a new check).
    fn first_copy(
        &mut self,
        echo: &Echo<'_>,
        req: &Request<'_>,
        tx: &Transaction<'_>,
        numbers: (Option<Number>, Number),
        now: Instant,
    ) -> Step<Key> {
        const REUSED: &str = "transaction reused for another call";
        if let Some(kept) = self.cache.get(tx, now) {
            if (kept.caller, kept.callee) != numbers {
                return Break(Handled::rejected(echo, 400, REUSED));
            }
            let (code, reply) = self.reply(echo, req.uri, &kept.answer);
            tracing::debug!(
                call_id = req.call_id,
                code,
                "retransmitted INVITE, same answer"
            );
            return Break(Handled::unchecked(
                Some(reply),
                Outcome::Retransmission(code),
            ));
        }
        let key = self.cache.key(tx);
        if let Some(&checked_for) = self.in_flight.get(&key) {
            if checked_for != numbers {
                return Break(Handled::rejected(echo, 400, REUSED));
            }
            tracing::debug!(
                call_id = req.call_id,
                "retransmitted INVITE while its first copy is checked: absorbed"
            );
            return Break(Handled::unchecked(None, Outcome::InFlight));
        }
        Continue(key)
    }

    /// Refuses a new call `503` when the answer cache has no room for its
    /// answer: checking (and counting) a call whose answer cannot be kept
    /// would answer its retransmissions differently.
    fn room_for_answer(&mut self, echo: &Echo<'_>, now: Instant) -> Step<()> {
        match self.cache.room_beside(now, self.in_flight.len()) {
            Ok(()) => Continue(()),
            Err(full) => {
                let secs = full.retry_after.as_millis().div_ceil(1000).max(1);
                let reply = render(echo, 503, &[("Retry-After", &secs.to_string())]);
                Break(Handled::unchecked(Some(reply), Outcome::Overloaded))
            }
        }
    }

    /// The INVITE's event to check, its transaction now in flight: an ad
    /// call when the caller number is registered (its owner the
    /// advertiser), else p2p.
    fn pending(
        &mut self,
        datagram: &[u8],
        key: Key,
        time: Timestamp,
        caller: Option<Number>,
        callee: Number,
    ) -> Pending {
        let policy = self.engine.policy();
        let owner = caller.and_then(|n| policy.registry().get(&Identifier::Number(n)));
        let (kind, advertiser) = match owner {
            Some(reg) => (Kind::Ad, Box::<str>::from(&*reg.owner)),
            None => (Kind::P2p, Box::<str>::from("")),
        };
        self.in_flight.insert(key, (caller, callee));
        Pending {
            datagram: datagram.to_vec(),
            key,
            time,
            kind,
            caller,
            callee,
            advertiser,
            policy,
        }
    }

    /// Answers `msg`, the INVITE of `p`, with its verdict, and keeps the
    /// answer for its retransmissions.
    fn answer_checked(
        &mut self,
        msg: &Message<'_>,
        p: &Pending,
        verdict: Verdict,
        took: Duration,
        now: Instant,
    ) -> Handled {
        let echo = Echo::of(msg);
        let Ok(req) = message::request(msg) else {
            return Handled::drop("not a SIP request");
        };
        let (time, kind, caller, callee) = (p.time, p.kind, p.caller, p.callee);
        let advertiser: &str = &p.advertiser;
        let ev = p.event();
        let record = Record::of_check(&p.policy, &ev, &verdict);
        let answer = Answer::of(&verdict, time);
        let kept = Kept {
            answer,
            caller,
            callee,
        };
        if let Err(full) = self.cache.insert_key(p.key, kept, now) {
            // Not reached: the room was kept for it since `begin`.
            tracing::error!(?full, "answer cache: no room for a checked call");
        }
        let (code, reply) = self.reply(&echo, req.uri, &answer);
        tracing::debug!(
            call_id = req.call_id,
            caller = %caller.map(|n| n.to_string()).unwrap_or_default(),
            callee = %callee,
            kind = kind.name(),
            advertiser,
            decision = verdict.decision.name(),
            reasons = %reason_codes(verdict.reasons),
            "INVITE checked"
        );
        Handled {
            reply: Some(reply),
            record,
            checked: Some(Checked {
                id: format!("{} {}", req.call_id, req.cseq.number),
                caller,
                callee,
                advertiser: advertiser.to_string(),
                time,
                kind,
                verdict,
                took,
            }),
            outcome: Outcome::Checked(code),
        }
    }

    /// The response carrying `answer`.
    fn reply(&self, echo: &Echo<'_>, request_uri: &str, answer: &Answer) -> (u16, Vec<u8>) {
        match answer {
            Answer::Redirect => (
                302,
                render(echo, 302, &[("Contact", &format!("<{request_uri}>"))]),
            ),
            Answer::Decline {
                reasons,
                retry_after,
            } => {
                let reason = format!("SIP;cause=603;text=\"{}\"", reason_codes(*reasons));
                let retry = retry_after.map(|s| s.to_string());
                let mut extra = vec![("Reason", reason.as_str())];
                if let Some(r) = &retry {
                    extra.push(("Retry-After", r));
                }
                (603, render(echo, 603, &extra))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::cache::{DEFAULT_MAX_BYTES, ENTRY_BYTES, TTL};

    /// Registered for ad calls by `shopx`.
    const AD: &str = "02473001234";
    /// An ordinary subscriber.
    const P2P: &str = "0987654321";
    /// Refuses ad calls.
    const DNC: &str = "0912000001";
    /// Consented to `shopx`'s ads.
    const OK: &str = "0912000002";

    fn responder(max_bytes: usize) -> Responder {
        let policy = chanrac_policy::load_files(
            Path::new("policy"),
            &[
                (
                    "brandnames.csv",
                    b"identifier,advertiser,status,valid_from,valid_until\n02473001234,shopx,active,,\n",
                ),
                ("dnc.csv", b"number,scope\n0912000001,call\n"),
                (
                    "consents.csv",
                    b"advertiser,recipient,state,time\nshopx,0912000001,optin,2026-01-01T00:00:00+07:00\n\
                      shopx,0912000002,optin,2026-01-01T00:00:00+07:00\n",
                ),
            ],
        )
        .expect("a valid policy");
        Responder::with_cache(Arc::new(Engine::new(policy)), AnswerCache::new(max_bytes))
    }

    fn time() -> Timestamp {
        "2026-03-02T09:15:00+07:00".parse().expect("a valid time")
    }

    /// An INVITE in the transaction (`call_id`, `cseq`, `tag`, `branch`).
    fn invite(
        call_id: &str,
        tag: &str,
        branch: &str,
        caller: &str,
        callee: &str,
        extra: &str,
    ) -> String {
        format!(
            "INVITE sip:{callee}@switch SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-{branch};rport\r\n\
             Via: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bK-upstream\r\n\
             From: <sip:{caller}@switch>;tag={tag}\r\n\
             To: <sip:{callee}@switch>\r\n\
             {extra}\
             Call-ID: {call_id}\r\n\
             CSeq: 1 INVITE\r\n\
             Content-Length: 0\r\n\r\n"
        )
    }

    fn reply_text(h: &Handled) -> String {
        String::from_utf8(h.reply.clone().expect("an answer")).expect("UTF-8")
    }

    #[test]
    fn an_assertion_without_a_number_never_downgrades_an_ad_call() {
        let mut r = responder(DEFAULT_MAX_BYTES);
        let now = Instant::now();
        for (i, pai) in [
            "P-Asserted-Identity: <sip:anonymous@anonymous.invalid>\r\n",
            "P-Asserted-Identity: \"Anonymous\" <sip:anonymous@anonymous.invalid>, <sip:unknown@h>\r\n",
            "P-Asserted-Identity: <sip:@h>\r\n",
            "P-Asserted-Identity: <tel:>\r\n",
            "P-Asserted-Identity: \"unterminated <sip:0987654321@h>\r\n",
            "P-Asserted-Identity: <urn:service:sos>\r\n",
            "P-Asserted-Identity: \r\n",
        ]
        .iter()
        .enumerate()
        {
            let call = format!("pai-{i}");
            let h = r.handle(invite(&call, "t", &call, AD, DNC, pai).as_bytes(), time(), now);
            assert_eq!(h.outcome, Outcome::Checked(603), "{pai}");
            assert!(
                reply_text(&h).contains("Reason: SIP;cause=603;text=\"DNC\"\r\n"),
                "{pai}: {}",
                reply_text(&h)
            );
        }
        // A number in the assertion is the caller, From notwithstanding.
        for (call, from, pai, code) in [
            (
                "pai-x",
                P2P,
                "P-Asserted-Identity: <sip:anonymous@anonymous.invalid>, <tel:+842473001234>\r\n",
                603,
            ),
            (
                "pai-y",
                AD,
                "P-Asserted-Identity: <sip:0987654321@h>\r\n",
                302,
            ),
        ] {
            let h = r.handle(
                invite(call, "t", call, from, DNC, pai).as_bytes(),
                time(),
                now,
            );
            assert_eq!(h.outcome, Outcome::Checked(code), "{pai}");
        }
    }

    #[test]
    fn a_different_call_reusing_a_call_id_is_checked() {
        let mut r = responder(DEFAULT_MAX_BYTES);
        let now = Instant::now();
        let first = r.handle(invite("same", "a", "1", AD, OK, "").as_bytes(), time(), now);
        assert_eq!(first.outcome, Outcome::Checked(302));
        // Same Call-ID and CSeq; another From tag, another branch, or both.
        for (tag, branch) in [("b", "2"), ("a", "3"), ("c", "1")] {
            let h = r.handle(
                invite("same", tag, branch, AD, DNC, "").as_bytes(),
                time(),
                now,
            );
            assert_eq!(h.outcome, Outcome::Checked(603), "{tag} {branch}");
            assert!(
                reply_text(&h).contains("text=\"DNC\""),
                "{}",
                reply_text(&h)
            );
        }
        // Checked against the counters: the first call was counted.
        let h = r.handle(invite("same", "d", "4", AD, OK, "").as_bytes(), time(), now);
        assert_eq!(h.outcome, Outcome::Checked(603));
        assert!(
            reply_text(&h).contains("text=\"FREQUENCY\""),
            "{}",
            reply_text(&h)
        );
        assert_eq!(r.stats().checked, 5);
        // The first call's retransmission still gets its answer.
        let again = r.handle(invite("same", "a", "1", AD, OK, "").as_bytes(), time(), now);
        assert_eq!(again.outcome, Outcome::Retransmission(302));
        assert_eq!(again.reply, first.reply);
        // The whole transaction reused for another callee: refused, not
        // given the kept 302 and not checked.
        let h = r.handle(
            invite("same", "a", "1", AD, DNC, "").as_bytes(),
            time(),
            now,
        );
        assert_eq!(
            h.outcome,
            Outcome::Rejected(400, "transaction reused for another call")
        );
        assert_eq!(r.stats().checked, 5);
        // A CANCEL matches its INVITE's transaction only.
        let cancel = |tag: &str, branch: &str| {
            invite("same", tag, branch, AD, OK, "")
                .replacen("INVITE sip:", "CANCEL sip:", 1)
                .replace("1 INVITE", "1 CANCEL")
        };
        let h = r.handle(cancel("a", "1").as_bytes(), time(), now);
        assert_eq!(h.outcome, Outcome::Answered(200));
        let h = r.handle(cancel("a", "9").as_bytes(), time(), now);
        assert_eq!(h.outcome, Outcome::Answered(481));
    }

    #[test]
    fn a_retransmission_after_200_000_invites_gets_its_first_answer() {
        const KEPT: usize = 100;
        let mut r = responder(KEPT * ENTRY_BYTES + ENTRY_BYTES / 2);
        let t0 = Instant::now();
        // An ad call: checked again it would be 603 FREQUENCY.
        let call = invite("first", "a", "1", AD, OK, "");
        let first = r.handle(call.as_bytes(), time(), t0);
        assert_eq!(first.outcome, Outcome::Checked(302));
        assert!(first.record.is_some());

        let mut overloaded = 0;
        for i in 0..200_000u32 {
            let at = t0 + Duration::from_micros(u64::from(i) * 50);
            let id = format!("flood-{i}");
            let h = r.handle(invite(&id, "f", &id, P2P, OK, "").as_bytes(), time(), at);
            if (i as usize) < KEPT - 1 {
                assert_eq!(h.outcome, Outcome::Checked(302), "{i}");
            } else {
                assert_eq!(h.outcome, Outcome::Overloaded, "{i}");
                overloaded += 1;
            }
            assert!(r.cache().held_bytes() <= r.cache().max_bytes());
        }
        // Refused with 503 and when to come back: the first answer (kept
        // at t0) leaves at t0 + 32 s; it is now t0 + 10 s.
        let late = t0 + Duration::from_secs(10);
        let h = r.handle(
            invite("new", "n", "n", P2P, OK, "").as_bytes(),
            time(),
            late,
        );
        assert_eq!(h.outcome, Outcome::Overloaded);
        let text = reply_text(&h);
        assert!(
            text.starts_with("SIP/2.0 503 Service Unavailable\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nRetry-After: 22\r\n"), "{text}");
        assert!(text.contains("\r\nCall-ID: new\r\n"), "{text}");

        let again = r.handle(call.as_bytes(), time(), late);
        assert_eq!(again.outcome, Outcome::Retransmission(302));
        assert_eq!(again.reply, first.reply, "the first answer, byte for byte");
        assert!(again.record.is_none());
        let s = r.stats();
        assert_eq!(
            (s.checked, s.overloaded, s.retransmissions),
            (100, overloaded + 1, 1)
        );
        assert_eq!(r.cache().len(), KEPT);
        assert_eq!(r.cache().held_bytes(), KEPT * ENTRY_BYTES);

        // 32 s after the last kept answer, the space is back.
        let after = t0 + TTL + Duration::from_secs(1);
        let h = r.handle(
            invite("after", "n", "n", P2P, OK, "").as_bytes(),
            time(),
            after,
        );
        assert_eq!(h.outcome, Outcome::Checked(302));
        assert_eq!(r.cache().len(), 1);
        assert_eq!(r.cache().held_bytes(), ENTRY_BYTES);
    }

    #[test]
    fn a_retransmission_while_its_check_waits_is_absorbed_and_counted_once() {
        let mut r = responder(2 * ENTRY_BYTES);
        let now = Instant::now();
        let call = invite("slow", "a", "1", AD, OK, "");
        let Begun::Check(p) = r.begin(call.as_bytes(), time(), now) else {
            panic!("an INVITE to check");
        };
        assert_eq!(r.in_flight(), 1);
        // Its retransmission, while the check waits: absorbed, unanswered.
        let Begun::Done(h) = r.begin(call.as_bytes(), time(), now) else {
            panic!("not checked twice");
        };
        assert_eq!((h.outcome, h.reply), (Outcome::InFlight, None));
        // The same transaction for another callee is no retransmission.
        let Begun::Done(h) = r.begin(
            invite("slow", "a", "1", AD, DNC, "").as_bytes(),
            time(),
            now,
        ) else {
            panic!("not checked");
        };
        assert_eq!(
            h.outcome,
            Outcome::Rejected(400, "transaction reused for another call")
        );
        // Its CANCEL finds it.
        let cancel = call
            .replacen("INVITE sip:", "CANCEL sip:", 1)
            .replace("1 INVITE", "1 CANCEL");
        let Begun::Done(h) = r.begin(cancel.as_bytes(), time(), now) else {
            panic!("a CANCEL is answered");
        };
        assert_eq!(h.outcome, Outcome::Answered(200));
        // The pending call holds its place: one more fits, then 503.
        let Begun::Check(q) = r.begin(
            invite("other", "b", "2", P2P, OK, "").as_bytes(),
            time(),
            now,
        ) else {
            panic!("room for a second answer");
        };
        let Begun::Done(h) = r.begin(
            invite("third", "c", "3", P2P, OK, "").as_bytes(),
            time(),
            now,
        ) else {
            panic!("no room for a third");
        };
        assert_eq!(h.outcome, Outcome::Overloaded);
        // The verdicts come back in any order.
        let v = r.engine().check(&q.event());
        assert_eq!(
            r.finish(q, v, Duration::ZERO, now).outcome,
            Outcome::Checked(302)
        );
        let ev = p.event();
        assert_eq!((ev.kind, ev.advertiser), (Kind::Ad, "shopx"));
        let v = r.engine().check(&ev);
        let first = r.finish(p, v, Duration::ZERO, now);
        assert_eq!(first.outcome, Outcome::Checked(302));
        assert!(first.record.is_some(), "counted");
        assert_eq!(r.in_flight(), 0);
        // Later retransmissions get the first answer from the cache.
        let again = r.handle(call.as_bytes(), time(), now);
        assert_eq!(again.outcome, Outcome::Retransmission(302));
        assert_eq!(again.reply, first.reply);
        let s = r.stats();
        assert_eq!((s.checked, s.retransmissions, s.overloaded), (2, 2, 1));
    }

    #[test]
    fn keep_alives_and_header_floods_are_dropped() {
        let mut r = responder(DEFAULT_MAX_BYTES);
        let now = Instant::now();
        let h = r.handle(b"\r\n\r\n", time(), now);
        assert_eq!(h.outcome, Outcome::Dropped("keep-alive"));
        let flood = invite("flood", "a", "1", AD, OK, &"X-H: v\r\n".repeat(300));
        let h = r.handle(flood.as_bytes(), time(), now);
        assert_eq!(h.outcome, Outcome::Dropped("too many header fields"));
        assert_eq!(r.stats().dropped, 2);
    }
}
