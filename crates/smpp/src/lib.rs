//! The SMPP adapter of chanrac: `chanrac-smpp`, an SMPP 3.4 proxy that sits
//! between ESMEs (advertisers' and care platforms' SMS gateways) and the
//! carrier's SMSC and checks every `submit_sm` against Decree 91/2020/ND-CP
//! with [`chanrac::Engine`] before forwarding it.
//!
//! # The crate at a glance
//!
//! | module | what it is |
//! |---|---|
//! | [`pdu`] | framing, decoding with `rusmpp`, `generic_nack` statuses, `submit_sm` fields; fuzz entry [`pdu::fuzz_pdu`] |
//! | [`text`] | `data_coding` as the handset renders it (23.038 coding groups): GSM 03.38 7-bit (with the extension table), IA5, Latin-1, UCS-2 with surrogate pairs; a message's parts decoded by their own coding |
//! | [`udh`] | User Data Header: 8- and 16-bit concatenation references, SAR TLVs |
//! | [`reassembly`] | holds the parts of a concatenated SMS; fuzz entry [`reassembly::fuzz_reassembly`] |
//! | [`proxy`] | the sessions, the check, the reload watcher |
//! | [`upstream`] | the client link to the SMSC, with its own deadlines and background reconnects |
//! | [`limits`] | the bounds on what a peer controls (table below) |
//! | [`wire`] | reading whole PDUs with deadlines, the counted queue of a session's answers |
//! | [`sink`] | a recording SMSC for tests, benches and demos |
//!
//! # Behaviour
//!
//! - **Binds** (`bind_transmitter`, `bind_transceiver`, `bind_receiver`)
//!   are checked against `accounts.csv`: an unknown `system_id` and a wrong
//!   password get the same `ESME_RBINDFAIL` (0x0D), so the answers do not
//!   tell which accounts exist; a second bind on one session gets
//!   `ESME_RALYBND` (0x05); `submit_sm` before a transmitting bind gets
//!   `ESME_RINVBNDSTS` (0x04). After a failed bind, every bind from the same
//!   source (IPv4 address, IPv6 /64) is answered in turn, 1 s, 2 s, 4 s …
//!   (at most `--bind-delay-max`) after the previous failure, whether right
//!   or wrong, until a bind succeeds or `--bind-quiet` passes without a
//!   failure ([`limits::BindPenalty`]).
//! - **Events.** The account's class decides the kind: `care` → `care`;
//!   `ad` → `registration` when the text starts with `DKQC`, else `ad`. The
//!   advertiser is the account (the engine resolves it through
//!   `accounts.csv`). The source is `source_addr`: a brandname when
//!   `source_addr_ton` is 5 (alphanumeric), else a number or short code
//!   (an invalid one gets `ESME_RINVSRCADR`); the recipient is
//!   `destination_addr` (invalid: `ESME_RINVDSTADR`). The time is when the
//!   PDU arrived (`--fixed-time` overrides); a concatenated message takes
//!   its first part's.
//! - **Text**: all the text that would reach the handset is checked, or the
//!   PDU is refused. The text is `short_message`, or `message_payload` when
//!   `short_message` is empty. A `submit_sm` with both a non-empty
//!   `short_message` and a `message_payload` (an error in SMPP 3.4
//!   §5.3.2.32), with two `message_payload` TLVs, or with a SAR TLV twice,
//!   gets `ESME_ROPTPARNOTALLWD` (0xC1) and is not forwarded
//!   ([`pdu::Ambiguity`]); one with no text but an `sm_default_msg_id` (a
//!   message predefined on the SMSC, unseen here) gets `ESME_RINVDFTMSGID`
//!   (0x63). A UDH with two concatenation elements, or whose
//!   concatenation element disagrees with the SAR TLVs, gets
//!   `ESME_RINVESMCLASS` (0x43). The octets are decoded by `data_coding` as
//!   the handset renders them ([`text`]: GSM 7-bit with its extension table,
//!   UCS-2 for 0x08 and every 23.038 group that selects it, such as 0x18,
//!   0x48 and 0xE0–0xEF; Latin-1 for 0x03 and 8-bit data); compressed text
//!   (23.038 bit 5, e.g. 0x28) cannot be read and gets `ESME_RSUBMITFAIL`
//!   (0x45).
//! - **Concatenated SMS** (UDH IE 0x00 / 0x08, or the SAR TLVs) are held by
//!   **normalised** source and destination (`84911222333`, `0911222333` and
//!   `+84 911 222 333` are one recipient; a brandname in any case one
//!   sender) and reference, whether 8-bit, 16-bit or SAR
//!   ([`reassembly::MessageKey`]): what a handset joins. The account that
//!   sent the first part owns the key; another account's part under it (one
//!   advertiser's ad and care accounts sharing a brandname) gets
//!   `ESME_RINVESMCLASS`, so no message is split between two checks. Parts
//!   are held until every part arrived or the reassembly timeout (default
//!   30 s) passes; the text of the parts that arrived, in order (each
//!   decoded by its own `data_coding`), is checked once and counted once,
//!   and every part gets that decision: allowed parts are forwarded upstream in order (each
//!   answered with its own upstream `message_id`), blocked ones are answered
//!   with `--reject-status` and never forwarded. A retransmitted part
//!   (same part number) gets its original's answer and is not forwarded again.
//!   A part whose total disagrees with its message's gets `ESME_RINVESMCLASS`;
//!   a malformed UDH too.
//! - **Late parts.** A message's key and decision are remembered for twice
//!   the reassembly timeout after it was checked (whole or at its timeout).
//!   A part arriving under that key meanwhile is never checked alone:
//!   - its message was **blocked**: it gets `--reject-status`, unchecked;
//!   - its message was **allowed** and the part repeats a delivered one
//!     octet for octet (a retransmission): it gets that part's `message_id`
//!     and is not forwarded again;
//!   - any other part of an allowed message is checked as one message with
//!     the delivered parts' text, in part order, and forwarded only when that
//!     whole text is allowed (a part number sent twice with different text
//!     is checked both ways a handset may read it: keeping the first
//!     version, or the last) (a part that was missing is not held to the
//!     counts its message made — `FREQUENCY`, `REGISTRATION_REPEAT` — since
//!     the message was counted when it was decided; the engine still counts
//!     the check, and it is journalled, as any allowed message). A part
//!     that arrives while its message is being checked waits for the
//!     decision.
//!
//!   The remembered decisions are bounded in bytes, in total
//!   (`--decided-memory-max-mb`) and per account
//!   (`--decided-memory-account-max-mb`); a decision still due is never
//!   forgotten to make room: when the memory is full, a new concatenated
//!   message's first part gets `ESME_RMSGQFUL` (0x14) instead. A message
//!   whose text finds no room is remembered without it, and its late parts
//!   get `--reject-status`.
//! - **Very late parts.** A handset may keep an incomplete message's parts
//!   for days. When the memory of a message that was delivered incomplete
//!   runs out, a tombstone of its key and total stays for a day (at most
//!   262,144, the oldest forgotten first; [`reassembly`]): a part under that
//!   key with that total gets `--reject-status` — its message's text is
//!   gone, and it is never checked alone. After a blocked message (nothing
//!   delivered) or a complete one, a part under its key starts a new
//!   message, as on the handset.
//! - **Held parts are bounded in bytes**: what each part holds (the PDU,
//!   its text, its key) plus the table's overhead is counted
//!   ([`proxy::Proxy::held_bytes`], [`proxy::Proxy::held_parts`]); beyond
//!   `--held-parts-max-mb` in all or `--held-parts-account-max-mb` for the
//!   part's account a part gets `ESME_RMSGQFUL` (0x14), so one account
//!   filling its share does not refuse other accounts' messages. A message
//!   announcing 255 parts costs what arrived, not 255 slots, and the tables
//!   shrink once expired parts leave them.
//! - **Blocked** messages get `--reject-status` (default 0x45,
//!   `ESME_RSUBMITFAIL`); `flag` counts as allowed. When the SMSC is down or
//!   does not answer within 10 s, an allowed part gets `ESME_RSYSERR`
//!   (0x08, temporary: the ESME retries), or the SMSC's own error status;
//!   the message stays counted. An SMSC that cannot be connected or bound
//!   within `--upstream-connect-timeout` / `--upstream-bind-timeout` is
//!   *down*: submits get `ESME_RSYSERR` at once while the proxy retries in
//!   the background, further and further apart ([`upstream`]).
//! - **Window**: at most `--window` (default 10) `submit_sm` per session
//!   are in flight (being checked or waiting for the SMSC); one more gets
//!   `ESME_RTHROTTLED` (0x58) at once. A part held for reassembly leaves the
//!   window, so a message longer than the window can still complete.
//! - **`data_sm`** is checked exactly as the `submit_sm` it amounts to
//!   ([`pdu::data_sm_as_submit`]: its `message_payload` is the text, SAR
//!   TLVs join it to its other parts, and every rule above applies — the
//!   ambiguity statuses, reassembly, late parts, the window), is forwarded
//!   to the SMSC as that `submit_sm`, and is answered with a `data_sm_resp`
//!   carrying the SMSC's `message_id` or the status a `submit_sm` would get.
//! - **`submit_multi`**: each destination is checked as its own
//!   `submit_sm` (one event each, [`pdu::submit_multi_split`]); the allowed
//!   ones are forwarded as separate `submit_sm`s (an SMSC sees nothing it
//!   would not see from `submit_sm`), the blocked ones are listed in the
//!   `submit_multi_resp`'s `unsuccess_sme` with `--reject-status` (a
//!   destination the SMSC refused, with the SMSC's status). Its
//!   `message_id` is the first one the SMSC returned for a destination, and
//!   the ESME knows the message by it alone, as if the SMSC had taken the
//!   `submit_multi` whole: every destination's delivery receipt reaches the
//!   ESME rewritten to that id (its `receipted_message_id` and the `id:` of
//!   its text, [`pdu::receipt_with_id`]); `query_sm` and `cancel_sm` with
//!   it reach the first destination's message only. When none was
//!   forwarded, the whole PDU gets `--reject-status` (or, when a
//!   destination got a temporary error such as `ESME_RSYSERR`, that
//!   status, so the ESME retries). A distribution list
//!   (`dest_flag` 2) gets `ESME_RINVDESTFLAG` (0x40): its members cannot be
//!   checked; no destination or more than 254 gets `ESME_RINVNUMDESTS`
//!   (0x33); a body whose lengths disagree gets the `generic_nack` of
//!   [`pdu`]. A `submit_multi` holds one window slot until it is answered.
//! - **`replace_sm`** gets `ESME_RREPLACEFAIL` (0x13) and is never
//!   forwarded: its new text would reach the handset without the checks of
//!   a new message (send a new message instead).
//! - **`query_sm`, `cancel_sm`** are passed to the SMSC and its answer
//!   relayed, when the `message_id` is one this proxy gave the same account
//!   (the newest [`proxy::MAX_ISSUED`] are remembered; message ids are the
//!   SMSC's own, so no rewriting is needed); another account's, an unknown
//!   or a forgotten id gets `ESME_RINVMSGID` (0x0C). A `cancel_sm` without
//!   `message_id` (every message from a source to a destination) gets
//!   `ESME_RCANCELFAIL` (0x11): it could reach other accounts' messages.
//! - **Upstream sessions** ([`upstream`]): per SMSC login, a pool of
//!   sessions bound as transceivers, the account's requests round-robin
//!   over them: as many as the account's `upstream_sessions` column of
//!   `accounts.csv` says, else `--upstream-sessions` (default one). A
//!   login several accounts share keeps the most any of them asks for; a
//!   policy reload that raises an account's count grows its pool at the
//!   account's next bind (the sessions it had stay bound), one that lowers
//!   it takes effect at restart. An account's login is its own
//!   (`accounts.csv` columns `upstream_system_id,upstream_password`), else,
//!   with `--upstream-pass-through`, the ESME's own `system_id` and
//!   password, else `--upstream-system-id` / `--upstream-password` (shared
//!   by every account without one). The session is bound as soon as an
//!   ESME of the account binds and kept bound (`enquire_link` every 30 s;
//!   reconnect with backoff, at once when the SMSC ends the link; a link
//!   that stops answering `enquire_link` is closed first), and unbound at
//!   `SIGTERM`/`SIGINT`; an `enquire_link` or `unbind` from the SMSC is
//!   answered, a malformed `deliver_sm`/`data_sm` gets its own response
//!   with the decoder's status, any other request `generic_nack`
//!   (`alert_notification` none).
//! - **Back to the ESME**: a `deliver_sm` from the SMSC goes to its
//!   account's oldest session bound as receiver or transceiver, unchanged
//!   (the proxy's own sequence number), and that session's
//!   `deliver_sm_resp` status is the SMSC's answer. Its account: for a
//!   delivery receipt (`esm_class` bits 2–5), the one that was given its
//!   `message_id` (`receipted_message_id`, else the `id:` of the text or
//!   `message_payload`, in any case; found in another case, without
//!   leading zeros, or in decimal for a hexadecimal id and the reverse;
//!   message ids are the SMSC's, so a receipt refers to the id the ESME
//!   was given, recorded as the SMSC's answer is read); for a subscriber's
//!   message, the only account sending from the number it was sent to;
//!   else the only account whose sessions use the login it came in on.
//!   When that account has no session bound to receive, or it does not
//!   answer within `--upstream-response-timeout` (10 s), the SMSC gets
//!   `ESME_RX_T_APPN` (0x64, temporary: it delivers again later — never a
//!   lost receipt), and so does a receipt for an id no account was given;
//!   a subscriber's message no account can take gets `ESME_RX_P_APPN`
//!   (0x65). A `data_sm` from the SMSC is routed as the `deliver_sm` it
//!   amounts to and answered `data_sm_resp`.
//! - **Consent from replies**: a mobile-originated `deliver_sm` (not a
//!   receipt) from a subscriber's number to an account is a `reply` event
//!   of that account's advertiser (source the subscriber, recipient the
//!   short code), checked before it is passed on: its text matched against
//!   `policy.toml` `[replies]` records an opt-out (`no`, at any time) or an
//!   opt-in (`yes`, within `registration_reply_hours` of a counted
//!   registration message) in the engine's state, journalled with
//!   `--state`; the next ad to that subscriber sees it. A reply whose
//!   consent cannot be stored (the state full, the journal failing, the
//!   shared store not answering) gets `ESME_RX_T_APPN`, so the SMSC
//!   delivers it again.
//! - `enquire_link` → `enquire_link_resp`; `unbind` → `unbind_resp`, then
//!   the session closes after the answers in flight are sent. A bound
//!   session silent for `--idle-timeout` is sent an `enquire_link` of the
//!   proxy's own, and closed when it stays silent (limits below). Other known
//!   operations (`broadcast_sm`, …) get `generic_nack`
//!   `ESME_RINVCMDID`; malformed PDUs the statuses of [`pdu`].
//! - **Reload** on `SIGHUP` and when a policy file's size, modification
//!   time or inode changes (polled every second, by
//!   [`chanrac_metrics::watch::Fingerprint`]: a file renamed over the old
//!   one counts); a bad policy is logged and the old one kept. Sessions
//!   stay up; binds are checked against the current accounts.
//! - **State** (`--state DIR`): every counted check is journalled
//!   (`Record::of_check`); the journal is synced every second and at
//!   `SIGTERM`/`SIGINT`, so a crash loses at most about a second of counts.
//! - **Shared state** (`--state redis://HOST:PORT`, `rediss://…`, or
//!   Cluster seed nodes separated by commas; [`proxy::Proxy::new_shared`]):
//!   the counters, consent and registration marks live in Redis (a single
//!   server, a primary with replicas, or a Cluster), shared by every proxy,
//!   `chanrac-sip` and C host using the same store, so the caps hold across
//!   all of them: one ad call and three ad SMS per pair per 24 hours, an
//!   opt-out received by one proxy refuses the next ad on every other, a
//!   registration message is first-and-only network-wide. Every kind of
//!   check goes there: `submit_sm`, `data_sm`, each destination of a
//!   `submit_multi`, reassembled and late parts, and subscribers' replies.
//!   No journal is written (the store's persistence is the durability).
//!   Checks waiting on the store share one pipelined connection and hold no
//!   lock, so a session's window and many sessions are checked at once.
//!   Each check waits at most `--store-deadline-ms` (default 50); a store
//!   that is down, slow or failing over gives `STATE_UNAVAILABLE` under
//!   `--on-store-error` — `block` (the default: `--reject-status`) or
//!   `deliver` (forwarded, uncounted; `--mode monitor` delivers) — counted
//!   in `chanrac_state_store_unavailable_total`; the connection comes back
//!   by itself and checks resume without a restart. A reply whose consent
//!   the store did not take gets `ESME_RX_T_APPN` (the SMSC delivers it
//!   again).
//!
//! # Statuses, and what gateways do with them
//!
//! A gateway that takes a status for temporary sends the message again
//! later: a blocked ad answered with a temporary status would be offered
//! again and again. So every refusal of the checks is permanent, and only
//! the conditions that pass are temporary. Kannel (`smsc_smpp.c`,
//! `smpp_status_to_smscconn_failure_reason`) re-queues a message on
//! `ESME_RMSGQFUL`, `ESME_RTHROTTLED`, `ESME_RX_T_APPN` and `ESME_RSYSERR`
//! (older releases: on the first two only) and rejects it on every
//! other status (a failed delivery report, `dlr-mask` 2); on
//! `ESME_RTHROTTLED` it also pauses the link (`throttling-sleep-time`).
//! Jasmin retries by its `submit_error_retrial` table (by default
//! `ESME_RSYSERR` 2 times 30 s apart, `ESME_RTHROTTLED` 20 × 30 s,
//! `ESME_RMSGQFUL` 2 × 180 s, `ESME_RINVSCHED` 2 × 300 s) and fails the
//! message on any other status.
//!
//! | status | when the proxy answers it | Kannel | Jasmin |
//! |---|---|---|---|
//! | `ESME_RSUBMITFAIL` 0x45 (default `--reject-status`) | the message is blocked | permanent | permanent |
//! | `ESME_RINVESMCLASS` 0x43 | a concatenation that cannot be joined safely | permanent | permanent |
//! | `ESME_ROPTPARNOTALLWD` 0xC1, `ESME_RINVDFTMSGID` 0x63 | text that is not one clear field | permanent | permanent |
//! | `ESME_RINVSRCADR` 0x0A, `ESME_RINVDSTADR` 0x0B | an address that is not a number | permanent | permanent |
//! | `ESME_RINVNUMDESTS` 0x33, `ESME_RINVDESTFLAG` 0x40 | a `submit_multi` with no or too many destinations, a distribution list | (never sends `submit_multi`) | (never sends `submit_multi`) |
//! | `ESME_RREPLACEFAIL` 0x13 | every `replace_sm` | (never sends it) | (never sends it) |
//! | `ESME_RINVMSGID` 0x0C, `ESME_RCANCELFAIL` 0x11 | a `query_sm` / `cancel_sm` for another account's or an unknown message | — | — |
//! | `ESME_RINVBNDSTS` 0x04 | a submit on a session not bound to transmit | permanent | permanent |
//! | `ESME_RTHROTTLED` 0x58 | the session's window is full | temporary (and pauses) | temporary, 20 × 30 s |
//! | `ESME_RMSGQFUL` 0x14 | the held-parts or remembered-decisions memory is full | temporary | temporary, 2 × 180 s |
//! | `ESME_RSYSERR` 0x08 | the SMSC is down, slow or not reading | temporary (older releases: permanent) | temporary, 2 × 30 s |
//! | the SMSC's own status | the SMSC refused a forwarded message | as the SMSC meant it | as the SMSC meant it |
//!
//! Toward the SMSC, the proxy's `deliver_sm_resp` is `ESME_RX_T_APPN`
//! (0x64, the SMSC retries) when the account has no session bound to
//! receive, a receipt's id is unknown or a reply's consent could not be
//! stored, `ESME_RX_P_APPN` (0x65) when no account can take a subscriber's
//! message, else the ESME's own answer. An ad the check allowed and the
//! SMSC then refused with any status but `ESME_RSYSERR` has its count
//! given back (one part; local state or the shared store).
//! `--reject-status` may be set to any status, but one of the temporary
//! ones above makes the gateways offer every blocked ad again: the proxy
//! warns at start when it is.
//!
//! # Limits
//!
//! Everything a peer controls is bounded; every bound is a flag with a safe
//! default ([`limits::PeerLimits`], [`upstream::UpstreamConfig`]), and what
//! the bounds did is counted ([`proxy::Proxy::stats`]).
//!
//! | limit | flag | default | beyond it |
//! |---|---|---|---|
//! | connections, in total | `--max-connections` | 1,000 | the oldest connection not yet bound is closed to make room; when all are bound, the new one is closed at once |
//! | connections per source (IPv4 address, IPv6 /64) | `--max-connections-per-source` | 64 | the connection is closed at once |
//! | time to bind after connecting | `--bind-timeout` | 10 s | the connection is closed |
//! | silence of a bound session | `--idle-timeout` | 90 s | it is sent an `enquire_link` |
//! | silence after that `enquire_link` | `--enquire-link-timeout` | 10 s | the session is closed |
//! | time for a PDU to arrive whole after its first octet | `--pdu-timeout` | 10 s | the session is closed |
//! | size of a PDU | (fixed) [`pdu::MAX_COMMAND_LENGTH`] | 64 KiB | `generic_nack` `ESME_RINVCMDLEN`, closed |
//! | answers queued for one session, not yet written | `--max-queued-kb` | 64 KiB | its requests are not read until the queue drains (none dropped) |
//! | time those answers may stay unread | `--write-timeout` | 30 s | the session is closed |
//! | requests in flight per session | `--window` | 10 | `ESME_RTHROTTLED` |
//! | delay after failed binds from a source | `--bind-delay`, `--bind-delay-max`, `--bind-quiet` | 1 s doubling to 32 s; forgotten after 300 s | binds from the source answered in turn |
//! | log lines peers can cause (malformed PDUs, unknown commands, refused binds and connections, timeouts) | `--log-lines` per `--log-window` | 20 per 10 s | counted, one summary line "N log lines suppressed" |
//! | TCP connection to the SMSC | `--upstream-connect-timeout` | 5 s | the link is down: submits get `ESME_RSYSERR` at once |
//! | the SMSC's `bind_resp` | `--upstream-bind-timeout` | 5 s | the same |
//! | wait between two attempts while the SMSC is down | `--upstream-retry-max` | 0.5 s doubling to 30 s | — |
//! | the SMSC's answer to a submit; an ESME's to a receipt or reply | `--upstream-response-timeout` | 10 s | the ESME gets `ESME_RSYSERR`; the SMSC `ESME_RX_T_APPN` |
//! | `submit_sm` queued for an SMSC that does not read them | `--upstream-max-queued-kb` | 4 MiB | `ESME_RSYSERR` at once |
//! | bytes of concatenation parts held, in total | `--held-parts-max-mb` | 128 MiB | the part gets `ESME_RMSGQFUL` |
//! | bytes of concatenation parts held, per account | `--held-parts-account-max-mb` | 16 MiB | the part gets `ESME_RMSGQFUL` |
//! | bytes of decided messages remembered for their late parts, in total | `--decided-memory-max-mb` | 64 MiB | a new concatenated message gets `ESME_RMSGQFUL` |
//! | the same, per account | `--decided-memory-account-max-mb` | 16 MiB | the account's new concatenated message gets `ESME_RMSGQFUL` |
#![deny(missing_docs)]

mod book;
pub mod limits;
pub mod ops;
pub mod pdu;
pub mod proxy;
pub mod reassembly;
pub mod sink;
pub mod text;
pub mod udh;
pub mod upstream;
pub mod wire;

#[doc(hidden)]
pub mod fuzz;

/// A proxy that cannot start fails as the `chanrac` command and
/// `chanrac-sip` do: a bad policy or a state directory another process has
/// ([`proxy::StartError::Policy`], [`proxy::StartError::StateLocked`]) is
/// bad input (exit status 2), anything else (an I/O failure) exit status 1.
impl From<proxy::StartError> for chanrac_policy::Failure {
    fn from(e: proxy::StartError) -> chanrac_policy::Failure {
        use chanrac_policy::Failure;
        match e {
            proxy::StartError::Policy(_) | proxy::StartError::StateLocked(_) => {
                Failure::BadInput(e.to_string())
            }
            proxy::StartError::Io(_) => Failure::Other(e.to_string()),
        }
    }
}
