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
//! `Reason: SIP;cause=603;text="CODE[,CODE…]"` (CONTRACT.md §6), plus
//! `Retry-After` when `FREQUENCY` is the only reason. The answer is kept in
//! an [`AnswerCache`]: a retransmission gets the same answer, checked and
//! counted once.
//!
//! Other requests: `ACK` is absorbed (never answered); `OPTIONS` → `200`
//! (keep-alive probes); `CANCEL` → `200` when its INVITE was answered here,
//! else `481` (the final answer went out at once, so there is nothing left
//! to cancel); other RFC 3261 and common extension methods → `405`, unknown
//! methods → `501`, both with `Allow`. A request that breaks RFC 3261 §8.2
//! ([`crate::message::request`]) → `400` (`505` for another SIP version)
//! with a `Warning` naming the problem; a Request-URI of another scheme →
//! `416`; an INVITE whose Request-URI user part is not a number → `484
//! Address Incomplete`. A datagram without a `Via`, a response, or bytes
//! that are not a SIP message are dropped: there is nowhere to send an
//! answer.

use std::sync::Arc;
use std::time::Instant;

use chanrac::ident::Identifier;
use chanrac::state::journal::Record;
use chanrac::{Channel, Engine, Event, Kind, Number, Reason, Reasons, Sender};
use jiff::Timestamp;

use crate::cache::{AnswerCache, Key};
use crate::message::{self, name_addr, split_list, user_number, Echo, Message, UriError};

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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// A malformed request, answered `400`, `416`, `484` or `505`.
    Rejected(u16, &'static str),
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
    /// What happened.
    pub outcome: Outcome,
}

impl Handled {
    fn drop(why: &'static str) -> Handled {
        Handled {
            reply: None,
            record: None,
            outcome: Outcome::Dropped(why),
        }
    }
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
    /// Retransmitted INVITEs answered from the cache.
    pub retransmissions: u64,
    /// Malformed requests answered `4xx`/`505`.
    pub rejected: u64,
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
    stats: Stats,
    warned_full: bool,
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
/// a number, when the request has that header; else the `From` URI's.
pub fn caller(msg: &Message<'_>, from_uri: &str) -> Option<Number> {
    let pai: Vec<&str> = msg
        .headers("p-asserted-identity")
        .flat_map(split_list)
        .collect();
    let number_of = |u: &str| message::uri(u).ok()?.user.and_then(user_number);
    if pai.is_empty() {
        return number_of(from_uri);
    }
    pai.iter()
        .filter_map(|e| name_addr(e))
        .find_map(|na| number_of(na.uri))
}

impl Responder {
    /// A responder over `engine`, with the default [`AnswerCache`].
    pub fn new(engine: Arc<Engine>) -> Responder {
        Responder::with_cache(engine, AnswerCache::default())
    }

    /// A responder with its own cache bounds.
    pub fn with_cache(engine: Arc<Engine>, cache: AnswerCache) -> Responder {
        Responder {
            engine,
            cache,
            stats: Stats::default(),
            warned_full: false,
        }
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
    /// retransmission cache). Never panics, whatever the bytes.
    pub fn handle(&mut self, datagram: &[u8], time: Timestamp, now: Instant) -> Handled {
        let h = self.answer(datagram, time, now);
        let s = &mut self.stats;
        match h.outcome {
            Outcome::Dropped(_) => s.dropped += 1,
            Outcome::Checked(code) => {
                s.checked += 1;
                if code == 302 {
                    s.delivered += 1;
                } else {
                    s.blocked += 1;
                }
            }
            Outcome::Retransmission(_) => s.retransmissions += 1,
            Outcome::Rejected(..) => s.rejected += 1,
            Outcome::Absorbed | Outcome::Answered(_) => s.other += 1,
        }
        h
    }

    fn answer(&mut self, datagram: &[u8], time: Timestamp, now: Instant) -> Handled {
        let msg = match message::parse(datagram) {
            Ok(m) => m,
            Err(_) => return Handled::drop("not a SIP message"),
        };
        if msg.is_response() {
            return Handled::drop("a response");
        }
        if msg.method() == Some("ACK") {
            // The ACK of a 3xx/6xx answer: hop-by-hop, never answered.
            return Handled {
                reply: None,
                record: None,
                outcome: Outcome::Absorbed,
            };
        }
        let echo = Echo::of(&msg);
        if echo.vias.is_empty() {
            return Handled::drop("no Via to answer to");
        }
        let reject = |code: u16, why: &'static str| Handled {
            reply: Some(render(
                &echo,
                code,
                &[("Warning", &format!("399 chanrac \"{why}\""))],
            )),
            record: None,
            outcome: Outcome::Rejected(code, why),
        };
        let req = match message::request(&msg) {
            Ok(r) => r,
            Err(rej) => return reject(rej.code, rej.why),
        };
        let answered = |code: u16, extra: &[(&str, &str)]| Handled {
            reply: Some(render(&echo, code, extra)),
            record: None,
            outcome: Outcome::Answered(code),
        };
        match req.method {
            "INVITE" => {}
            "OPTIONS" => return answered(200, &[("Allow", ALLOW), ("Accept", "application/sdp")]),
            "CANCEL" => {
                let key = Key::new(req.call_id, req.cseq.number);
                let code = if self.cache.get(key, now).is_some() {
                    200
                } else {
                    481
                };
                return answered(code, &[]);
            }
            m if KNOWN.contains(&m) => return answered(405, &[("Allow", ALLOW)]),
            _ => return answered(501, &[("Allow", ALLOW)]),
        }

        let key = Key::new(req.call_id, req.cseq.number);
        if let Some(answer) = self.cache.get(key, now) {
            let (code, reply) = self.reply(&echo, req.uri, &answer);
            tracing::debug!(
                call_id = req.call_id,
                code,
                "retransmitted INVITE, same answer"
            );
            return Handled {
                reply: Some(reply),
                record: None,
                outcome: Outcome::Retransmission(code),
            };
        }
        let target = match message::uri(req.uri) {
            Ok(u) => u,
            Err(UriError::UnsupportedScheme) => {
                return reject(416, "only sip, sips and tel Request-URIs are supported")
            }
            Err(UriError::Malformed) => return reject(400, "bad Request-URI"),
        };
        let Some(callee) = target.user.and_then(user_number) else {
            return reject(484, "the Request-URI user part is not a number");
        };
        let caller = caller(&msg, req.from.uri);

        let policy = self.engine.policy();
        let owner = caller.and_then(|n| policy.registry().get(&Identifier::Number(n)));
        let (kind, advertiser) = match owner {
            Some(reg) => (Kind::Ad, &*reg.owner),
            None => (Kind::P2p, ""),
        };
        let source = caller.map_or(Sender::None, Sender::Number);
        let ev = Event::new(time, Channel::Call, kind, source, callee).with_advertiser(advertiser);
        let verdict = self.engine.check(&ev);
        let record = Record::of_check(&policy, &ev, &verdict);
        let answer = if verdict.is_delivered() {
            Answer::Redirect
        } else {
            let only_frequency = verdict.reasons.iter().eq([Reason::Frequency]);
            let retry_after = verdict.retry_at.filter(|_| only_frequency).map(|at| {
                let ms = at.as_millisecond().saturating_sub(time.as_millisecond());
                (ms.max(1) as u64).div_ceil(1000)
            });
            Answer::Decline {
                reasons: verdict.reasons,
                retry_after,
            }
        };
        if self.cache.insert(key, answer.clone(), now) && !self.warned_full {
            self.warned_full = true;
            tracing::warn!(
                capacity = crate::cache::CAPACITY,
                "retransmission cache full: the oldest answers leave early"
            );
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
