//! `chanrac-sip`: a SIP decision responder for voice switches.
//!
//! A switch (Kamailio, OpenSIPS, FreeSWITCH, an SBC) forwards each INVITE
//! over UDP to `chanrac-sip`, which checks the call against Decree 91 with a
//! [`chanrac::Engine`] and answers at once, without ever becoming part of
//! the call:
//!
//! - `302 Moved Temporarily`, `Contact: <Request-URI>`: deliver the call as
//!   dialled;
//! - `603 Decline`, `Reason: SIP;cause=603;text="DNC,FREQUENCY"`: blocked,
//!   with the code of every rule the call breaks;
//! - `503 Service Unavailable` with `Retry-After`: not checked, because the
//!   answers still due to retransmissions fill the memory allowed to them
//!   (see [`cache`]).
//!
//! | item | what it is |
//! |---|---|
//! | [`Responder`] | one datagram in, at most one response out; no I/O, both clocks are inputs |
//! | [`message`] | the SIP parser: start line, headers, name-addr, SIP/tel URIs, the number in a user part |
//! | [`cache::AnswerCache`] | the answers of the last 32 s, by transaction, bounded in bytes: a retransmitted INVITE gets its first answer and is counted once |
//! | [`limit::LogLimit`] | at most N log lines per window about what peers send, the rest counted and summarised |
//! | [`fuzz::sip_message`] | the fuzz entry point (`fuzz/fuzz_targets/sip_message.rs`) |
//!
//! The binary `chanrac-sip --policy DIR --listen HOST:PORT [--state
//! DIR|redis://HOST:PORT] [--store-deadline-ms MS] [--on-store-error
//! block|deliver] [--fixed-time RFC3339] [--answer-cache-bytes SIZE]
//! [--log-limit N]` owns the socket, the clocks, the journal and the
//! reloads; see its `--help` and the repository's `docs/sip.md`. With
//! `--state redis://…` the counts, consent and registration marks are kept
//! in Redis (`chanrac_store::shared`), shared with every other instance
//! using the store, so one ad call per pair per 24 hours holds across all
//! of them; INVITEs are then checked concurrently ([`Responder::begin`] /
//! [`Responder::finish`]), a retransmission arriving while its INVITE is
//! still checked is absorbed, and a store that does not answer within
//! `--store-deadline-ms` gives `STATE_UNAVAILABLE` under `--on-store-error`.
//!
//! ## Under attack
//!
//! What a peer sends is bounded and cannot steer a decision:
//!
//! - **The caller.** The first number in `P-Asserted-Identity`, else the
//!   `From` number. An assertion *without* a number (privacy's
//!   `<sip:anonymous@anonymous.invalid>`, an entry that does not parse, an
//!   empty user part) counts as no assertion: the `From` number is the
//!   caller. So a registered ad caller cannot hide behind an anonymous
//!   assertion to make its ad call a p2p call (which skips DNC, consent,
//!   the call window and the frequency cap).
//! - **Retransmissions.** An answer is kept by transaction — `Call-ID`,
//!   `CSeq` number, `From` tag and top `Via` branch — for exactly Timer
//!   B/H (32 s), whatever the load. A new call that reuses a `Call-ID` is
//!   checked; a request reusing a whole transaction for another caller or
//!   callee is refused `400`. The cache is bounded in bytes
//!   (`--answer-cache-bytes`, default 64 MiB, counted as
//!   [`cache::ENTRY_BYTES`] per answer); when it is full of answers still
//!   due, new INVITEs are refused `503` with `Retry-After` (the seconds
//!   until the oldest answer expires) rather than an answer being forgotten
//!   early — a forgotten answer would make a retransmission checked again,
//!   counted twice and answered differently. Expired answers are reclaimed
//!   and the tables shrink back.
//! - **Parsing.** One datagram at a time (at most 64 KiB), at most
//!   [`message::MAX_HEADERS`] header fields (more: dropped), every index into
//!   text at an ASCII delimiter; an answer never copies more than the
//!   request's `Via`, `From`, `To`, `Call-ID` and `CSeq`.
//! - **Logs.** Warnings about malformed requests, unknown methods, dropped
//!   datagrams, refused calls and journal errors are rate-limited per kind
//!   (`--log-limit`, default 20 per 10 s), the rest counted and summarised
//!   ("suppressed K log lines"); the totals are logged at stop.
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use std::time::Instant;
//! use chanrac_sip::{Outcome, Responder};
//!
//! // 024 7300 1234 is registered for ad calls by `shopx`; 0912 000 001
//! // refuses ad calls.
//! let policy = chanrac_policy::load_files(Path::new("policy"), &[
//!     ("brandnames.csv", b"identifier,advertiser,status,valid_from,valid_until\n024 7300 1234,shopx,active,,\n"),
//!     ("dnc.csv", b"number,scope\n0912000001,call\n"),
//! ])?;
//! let mut responder = Responder::new(Arc::new(chanrac::Engine::new(policy)));
//! let invite = b"INVITE sip:0912000001@switch.example SIP/2.0\r\n\
//!     Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1\r\n\
//!     From: <sip:+842473001234@switch.example>;tag=a1\r\n\
//!     To: <sip:0912000001@switch.example>\r\n\
//!     Call-ID: call-1@10.0.0.9\r\n\
//!     CSeq: 1 INVITE\r\n\
//!     Content-Length: 0\r\n\r\n";
//! let time = "2026-03-02T09:15:00+07:00".parse()?;
//! let handled = responder.handle(invite, time, Instant::now());
//! assert_eq!(handled.outcome, Outcome::Checked(603));
//! let reply = String::from_utf8(handled.reply.unwrap())?;
//! assert!(reply.starts_with("SIP/2.0 603 Decline\r\n"));
//! assert!(reply.contains("\r\nReason: SIP;cause=603;text=\"DNC,NO_CONSENT\"\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod cache;
pub mod fuzz;
pub mod limit;
pub mod message;
pub mod responder;

pub use responder::{Answer, Handled, Outcome, Responder, Stats};
