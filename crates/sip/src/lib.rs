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
//!   with every reason code of CONTRACT.md §3.
//!
//! | item | what it is |
//! |---|---|
//! | [`Responder`] | one datagram in, at most one response out; no I/O, the time is an input |
//! | [`message`] | the SIP parser: start line, headers, name-addr, SIP/tel URIs, the number in a user part |
//! | [`cache::AnswerCache`] | answers of the last minutes, so that a retransmitted INVITE is answered the same and counted once |
//! | [`watch::Fingerprint`] | notices policy files that changed, for live reloads |
//! | [`fuzz::sip_message`] | the fuzz entry point (`fuzz/fuzz_targets/sip_message.rs`) |
//!
//! The binary `chanrac-sip --policy DIR --listen HOST:PORT [--state DIR]
//! [--fixed-time RFC3339]` (CONTRACT.md §6) owns the socket, the clock, the
//! journal and the reloads; see its `--help` and the README's "SIP decision
//! responder" section.
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
pub mod message;
pub mod responder;
pub mod watch;

pub use responder::{Answer, Handled, Outcome, Responder, Stats};
