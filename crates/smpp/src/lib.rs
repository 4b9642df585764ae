//! The SMPP adapter of chanrac: `chanrac-smpp`, an SMPP 3.4 proxy that sits
//! between ESMEs (advertisers' and care platforms' SMS gateways) and the
//! carrier's SMSC and checks every `submit_sm` against Decree 91/2020/ND-CP
//! with [`chanrac::Engine`] before forwarding it (CONTRACT.md §6).
//!
//! # The crate at a glance
//!
//! | module | what it is |
//! |---|---|
//! | [`pdu`] | framing, decoding with `rusmpp`, `generic_nack` statuses, `submit_sm` fields; fuzz entry [`pdu::fuzz_pdu`] |
//! | [`text`] | GSM 03.38 7-bit (with the extension table), IA5, Latin-1, UCS-2 with surrogate pairs |
//! | [`udh`] | User Data Header: 8- and 16-bit concatenation references, SAR TLVs |
//! | [`reassembly`] | holds the parts of a concatenated SMS; fuzz entry [`reassembly::fuzz_reassembly`] |
//! | [`proxy`] | the sessions, the check, the reload watcher |
//! | [`upstream`] | the client link to the SMSC |
//! | [`sink`] | a recording SMSC for tests, benches and demos |
//!
//! # Behaviour
//!
//! - **Binds** (`bind_transmitter`, `bind_transceiver`, `bind_receiver`)
//!   are checked against `accounts.csv`: an unknown `system_id` gets
//!   `ESME_RBINDFAIL` (0x0D), a wrong password `ESME_RINVPASWD` (0x0E), a
//!   second bind on one session `ESME_RALYBND` (0x05); `submit_sm` before a
//!   transmitting bind gets `ESME_RINVBNDSTS` (0x04).
//! - **Events.** The account's class decides the kind: `care` → `care`;
//!   `ad` → `registration` when the text starts with `DKQC`, else `ad`. The
//!   advertiser is the account (the engine resolves it through
//!   `accounts.csv`). The source is `source_addr`: a brandname when
//!   `source_addr_ton` is 5 (alphanumeric), else a number or short code
//!   (an invalid one gets `ESME_RINVSRCADR`); the recipient is
//!   `destination_addr` (invalid: `ESME_RINVDSTADR`). The time is when the
//!   PDU arrived (`--fixed-time` overrides); a concatenated message takes
//!   its first part's.
//! - **Text**: `message_payload` when present (and `short_message` empty),
//!   else `short_message`, decoded by `data_coding` ([`text`]).
//! - **Concatenated SMS** (UDH IE 0x00 / 0x08, or the SAR TLVs) are held by
//!   (system_id, source, destination, reference) until every part arrived or
//!   the reassembly timeout (default 30 s) passes; the text of the parts
//!   that arrived, in order, is checked once and counted once, and every part
//!   gets that decision: allowed parts are forwarded upstream in order (each
//!   answered with its own upstream `message_id`), blocked ones are answered
//!   with `--reject-status` and never forwarded. A retransmitted part
//!   (same part number) gets its original's answer and is not forwarded again.
//!   A part whose total disagrees with its message's gets `ESME_RINVESMCLASS`;
//!   a malformed UDH too. At most [`proxy::MAX_HELD_PARTS`] parts are held
//!   (beyond: `ESME_RMSGQFUL`).
//! - **Blocked** messages get `--reject-status` (default 0x45,
//!   `ESME_RSUBMITFAIL`); `flag` counts as allowed. When the SMSC is down or
//!   does not answer within 10 s, an allowed part gets `ESME_RSYSERR`
//!   (0x08), or the SMSC's own error status; the message stays counted.
//! - **Window**: at most `--window` (default 10) `submit_sm` per session
//!   are in flight (being checked or waiting for the SMSC); one more gets
//!   `ESME_RTHROTTLED` (0x58) at once. A part held for reassembly leaves the
//!   window, so a message longer than the window can still complete.
//! - `enquire_link` → `enquire_link_resp`; `unbind` → `unbind_resp`, then
//!   the session closes after the answers in flight are sent. Other known
//!   operations (`query_sm`, `data_sm`, …) get `generic_nack`
//!   `ESME_RINVCMDID`; malformed PDUs the statuses of [`pdu`].
//! - **Reload** on `SIGHUP` and when a policy file's modification time or
//!   size changes (polled every second); a bad policy is logged and the old
//!   one kept. Sessions stay up; binds are checked against the current
//!   accounts.
//! - **State** (`--state DIR`): every counted check is journalled
//!   (`Record::of_check`); the journal is synced every second and at
//!   `SIGTERM`/`SIGINT`, so a crash loses at most about a second of counts.
#![deny(missing_docs)]

pub mod pdu;
pub mod proxy;
pub mod reassembly;
pub mod sink;
pub mod text;
pub mod udh;
pub mod upstream;
pub mod wire;
