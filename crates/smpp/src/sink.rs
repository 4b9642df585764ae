//! A minimal SMSC that accepts every bind, answers every `submit_sm` with a
//! fresh `message_id` (a `query_sm` with `DELIVERED`, a `cancel_sm` with
//! success) and records what arrived: the upstream peer of the
//! tests and benches (and a stand-in SMSC for demos).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusmpp::pdus::DeliverSm;
use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp, SubmitSmResp};
use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::pdu::{self, SubmitFields};
use crate::udh::Concat;
use crate::wire::read_frame;

/// One `submit_sm` the sink received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The `system_id` the session bound with.
    pub system_id: String,
    /// `source_addr`.
    pub source: String,
    /// `destination_addr`.
    pub destination: String,
    /// `data_coding`.
    pub data_coding: u8,
    /// Concatenation info (UDH or SAR), if any.
    pub concat: Option<Concat>,
    /// The part's text, decoded (header removed).
    pub text: String,
    /// The `message_id` the sink answered with.
    pub message_id: String,
    /// The whole PDU as it arrived (header included).
    pub pdu: Vec<u8>,
}

/// A running sink.
#[derive(Clone, Debug)]
pub struct Sink {
    /// Where it listens.
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    sessions: Arc<Mutex<Vec<Arc<Session>>>>,
    receipts: Arc<Mutex<Vec<(String, u32)>>>,
    /// `submit_sm`s to take first, then to refuse, and with what status.
    refusals: Arc<Mutex<(usize, usize, u32)>>,
}

/// A bound client session of the sink, to send it `deliver_sm`.
#[derive(Debug)]
struct Session {
    system_id: Mutex<String>,
    wr: tokio::sync::Mutex<tokio::net::tcp::OwnedWriteHalf>,
    seq: AtomicU32,
    pending: Mutex<HashMap<u32, oneshot::Sender<u32>>>,
}

impl Session {
    /// Sends `ds` and waits (at most 10 s) for its `deliver_sm_resp`
    /// status.
    async fn deliver(&self, ds: DeliverSm) -> Option<u32> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(seq, tx);
        }
        let bytes = pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, ds));
        self.wr.lock().await.write_all(&bytes).await.ok()?;
        tokio::time::timeout(std::time::Duration::from_secs(10), rx)
            .await
            .ok()?
            .ok()
    }
}

/// How often a receipt is offered again after a temporary error, and how
/// many times at most.
const RECEIPT_RETRY: std::time::Duration = std::time::Duration::from_millis(200);
const RECEIPT_ATTEMPTS: usize = 100;

fn c_string<const N: usize>(s: &str) -> COctetString<1, N> {
    COctetString::from_string(s.to_string()).unwrap_or_default()
}

/// A delivery receipt (SMPP 3.4 Appendix B) for `id`, from `to` back to
/// `from`.
fn receipt(id: &str, from: &str, to: &str) -> DeliverSm {
    let text = format!(
        "id:{id} sub:001 dlvrd:001 submit date:2603020915 done date:2603020915 stat:DELIVRD err:000 text:"
    );
    DeliverSm::builder()
        .source_addr(c_string(to))
        .destination_addr(c_string(from))
        .esm_class(rusmpp::values::EsmClass::from(0x04))
        .short_message(OctetString::from_vec(text.into_bytes()).unwrap_or_default())
        .push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
            c_string(id),
        ))
        .push_tlv(MessageDeliveryRequestTlvValue::MessageState(
            rusmpp::values::MessageState::Delivered,
        ))
        .build()
}

/// The status to refuse the next `submit_sm` with, if any (taken).
fn refuse(refusals: &Mutex<(usize, usize, u32)>) -> Option<u32> {
    let mut r = refusals.lock().ok()?;
    if r.0 > 0 {
        r.0 -= 1;
        return None;
    }
    if r.1 == 0 {
        return None;
    }
    r.1 -= 1;
    Some(r.2)
}

impl Sink {
    /// Answers the next `count` `submit_sm` with `status` (an SMSC that
    /// throttles, or whose queue is full), without taking them.
    pub fn refuse_next(&self, count: usize, status: u32) {
        self.refuse_after(0, count, status);
    }

    /// Takes the next `skip` `submit_sm`, then answers `count` with
    /// `status`.
    pub fn refuse_after(&self, skip: usize, count: usize, status: u32) {
        if let Ok(mut r) = self.refusals.lock() {
            *r = (skip, count, status);
        }
    }

    /// Listens on `addr` (use port 0 for any) and serves on the current
    /// tokio runtime.
    pub async fn start(addr: &str) -> io::Result<Sink> {
        let listener = TcpListener::bind(addr).await?;
        let sink = Sink {
            addr: listener.local_addr()?,
            received: Arc::default(),
            sessions: Arc::default(),
            receipts: Arc::default(),
            refusals: Arc::default(),
        };
        let ids = Arc::new(AtomicU64::new(1));
        let received = sink.received.clone();
        let refusals = sink.refusals.clone();
        let (sessions, receipts) = (sink.sessions.clone(), sink.receipts.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let received = received.clone();
                let refusals = refusals.clone();
                let ids = ids.clone();
                let (sessions, receipts) = (sessions.clone(), receipts.clone());
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let (mut rd, wr) = stream.into_split();
                    let session = Arc::new(Session {
                        system_id: Mutex::new(String::new()),
                        wr: tokio::sync::Mutex::new(wr),
                        seq: AtomicU32::new(1),
                        pending: Mutex::default(),
                    });
                    if let Ok(mut s) = sessions.lock() {
                        s.push(session.clone());
                    }
                    let mut system_id = String::new();
                    while let Ok(Some(frame)) = read_frame(&mut rd).await {
                        let frame = frame.and_then(|f| pdu::decode(&f).map(|c| (c, f)));
                        let (cmd, frame) = match frame {
                            Ok(c) => c,
                            Err(n) => {
                                let _ = session.wr.lock().await.write_all(&n.encode()).await;
                                if n.fatal {
                                    break;
                                }
                                continue;
                            }
                        };
                        let seq = cmd.sequence_number();
                        let refused = matches!(cmd.pdu(), Some(Pdu::SubmitSm(_)))
                            .then(|| refuse(&refusals))
                            .flatten();
                        let ok = CommandStatus::EsmeRok;
                        let sid = || COctetString::from_string("sink".into()).unwrap_or_default();
                        let (resp, close): (Option<Command>, bool) = match cmd.pdu() {
                            Some(Pdu::BindTransmitter(b)) => {
                                system_id = b.system_id.as_str().to_string();
                                let r = BindTransmitterResp::builder().system_id(sid()).build();
                                (Some(Command::new(ok, seq, r)), false)
                            }
                            Some(Pdu::BindTransceiver(b)) => {
                                system_id = b.system_id.as_str().to_string();
                                let r = BindTransceiverResp::builder().system_id(sid()).build();
                                (Some(Command::new(ok, seq, r)), false)
                            }
                            Some(Pdu::BindReceiver(b)) => {
                                system_id = b.system_id.as_str().to_string();
                                let r = BindReceiverResp::builder().system_id(sid()).build();
                                (Some(Command::new(ok, seq, r)), false)
                            }
                            Some(Pdu::DeliverSmResp(_)) => {
                                let w =
                                    session.pending.lock().ok().and_then(|mut p| p.remove(&seq));
                                if let Some(w) = w {
                                    let _ = w.send(u32::from(cmd.status()));
                                }
                                (None, false)
                            }
                            Some(Pdu::SubmitSm(_)) if refused.is_some() => {
                                let st = refused.unwrap_or_default();
                                let r = SubmitSmResp::builder().build();
                                (Some(Command::new(CommandStatus::from(st), seq, r)), false)
                            }
                            Some(Pdu::SubmitSm(sm)) => {
                                let f = SubmitFields::of(sm);
                                let (concat, text) = f.split().unwrap_or((None, f.user_data));
                                let id = format!("sink-{}", ids.fetch_add(1, Ordering::Relaxed));
                                if let Ok(mut r) = received.lock() {
                                    r.push(Received {
                                        system_id: system_id.clone(),
                                        source: f.source.to_string(),
                                        destination: f.destination.to_string(),
                                        data_coding: f.data_coding,
                                        concat,
                                        text: crate::text::decode(f.data_coding, text),
                                        message_id: id.clone(),
                                        pdu: frame,
                                    });
                                }
                                if u8::from(sm.registered_delivery) & 0x03 != 0 {
                                    // A receipt after the answer, offered
                                    // again while it gets a temporary error.
                                    let ds = receipt(&id, f.source, f.destination);
                                    let (session, receipts, id) =
                                        (session.clone(), receipts.clone(), id.clone());
                                    tokio::spawn(async move {
                                        tokio::time::sleep(RECEIPT_RETRY).await;
                                        for _ in 0..RECEIPT_ATTEMPTS {
                                            let st = session.deliver(ds.clone()).await;
                                            let st =
                                                st.unwrap_or(crate::pdu::status::ESME_RX_T_APPN);
                                            if let Ok(mut r) = receipts.lock() {
                                                r.push((id.clone(), st));
                                            }
                                            if st == crate::pdu::status::ESME_ROK
                                                || st == crate::pdu::status::ESME_RX_P_APPN
                                            {
                                                break;
                                            }
                                            tokio::time::sleep(RECEIPT_RETRY).await;
                                        }
                                    });
                                }
                                let mid = COctetString::from_string(id).unwrap_or_default();
                                let r = SubmitSmResp::builder().message_id(mid).build();
                                (Some(Command::new(ok, seq, r)), false)
                            }
                            Some(Pdu::QuerySm(q)) => {
                                // Every message it gave an id is delivered.
                                let r = rusmpp::pdus::QuerySmResp::builder()
                                    .message_id(q.message_id.clone())
                                    .message_state(rusmpp::values::MessageState::Delivered)
                                    .build();
                                (Some(Command::new(ok, seq, r)), false)
                            }
                            Some(Pdu::CancelSm(_)) => {
                                (Some(Command::new(ok, seq, Pdu::CancelSmResp)), false)
                            }
                            Some(Pdu::EnquireLink) => {
                                (Some(Command::new(ok, seq, Pdu::EnquireLinkResp)), false)
                            }
                            Some(Pdu::Unbind) => {
                                (Some(Command::new(ok, seq, Pdu::UnbindResp)), true)
                            }
                            _ => (None, false),
                        };
                        if let Ok(mut s) = session.system_id.lock() {
                            s.clone_from(&system_id);
                        }
                        if let Some(r) = resp {
                            let w = session.wr.lock().await.write_all(&pdu::encode(&r)).await;
                            if w.is_err() {
                                break;
                            }
                        }
                        if close {
                            break;
                        }
                    }
                });
            }
        });
        Ok(sink)
    }

    /// How many sessions have bound as `system_id` so far.
    pub fn sessions_bound(&self, system_id: &str) -> usize {
        self.sessions.lock().map_or(0, |s| {
            s.iter()
                .filter(|x| x.system_id.lock().is_ok_and(|i| *i == system_id))
                .count()
        })
    }

    /// Every delivery receipt offered so far and the status it got, in
    /// order (a receipt offered again after a temporary error is listed
    /// again): the `message_id` it refers to, the `deliver_sm_resp` status.
    pub fn receipts(&self) -> Vec<(String, u32)> {
        self.receipts.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Sends a mobile-originated message (`deliver_sm`, UCS-2) from `from`
    /// to `to` over a session bound as `system_id`; the `deliver_sm_resp`
    /// status, or `None` when no such session answered.
    pub async fn deliver_mo(
        &self,
        system_id: &str,
        from: &str,
        to: &str,
        text: &str,
    ) -> Option<u32> {
        let session = self.session(system_id)?;
        let ds = DeliverSm::builder()
            .source_addr_ton(rusmpp::values::Ton::International)
            .source_addr(c_string(from))
            .destination_addr(c_string(to))
            .esm_class(rusmpp::values::EsmClass::from(0))
            .data_coding(rusmpp::values::DataCoding::from(0x08))
            .short_message(
                OctetString::from_vec(crate::text::ucs2_encode(text)).unwrap_or_default(),
            )
            .build();
        session.deliver(ds).await
    }

    /// A load generator for benches: sends `count` delivery receipts (for
    /// `message_id`s `bench-0`, `bench-1`, …) over the latest session bound
    /// as `system_id`, at most `window` of them unanswered at a time, as an
    /// SMSC does; first waits up to 10 s for such a session (the proxy
    /// binds upstream when its ESME binds, and may not have yet). Each
    /// receipt's send → `deliver_sm_resp` latency, in order; what went
    /// wrong when there is no such session or a receipt got no `ESME_ROK`
    /// answer.
    pub async fn receipt_burst(
        &self,
        system_id: &str,
        count: usize,
        window: usize,
    ) -> Result<Vec<std::time::Duration>, String> {
        let mut session = self.session(system_id);
        for _ in 0..1000 {
            if session.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            session = self.session(system_id);
        }
        let session = session.ok_or_else(|| format!("no session bound as {system_id} in 10 s"))?;
        let window = Arc::new(tokio::sync::Semaphore::new(window.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let permit = window
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| e.to_string())?;
            let (session, ds) = (
                session.clone(),
                receipt(&format!("bench-{i}"), "SHOPVN", "84910000000"),
            );
            tasks.spawn(async move {
                let started = std::time::Instant::now();
                let st = session.deliver(ds).await;
                drop(permit);
                (i, st, started.elapsed())
            });
        }
        let mut latencies = vec![std::time::Duration::ZERO; count];
        while let Some(done) = tasks.join_next().await {
            let (i, st, took) = done.map_err(|e| e.to_string())?;
            if st != Some(crate::pdu::status::ESME_ROK) {
                return Err(match st {
                    Some(st) => format!("receipt bench-{i} answered with status {st:#x}"),
                    None => format!("receipt bench-{i} not answered"),
                });
            }
            if let Some(l) = latencies.get_mut(i) {
                *l = took;
            }
        }
        Ok(latencies)
    }

    /// The latest session bound as `system_id`.
    fn session(&self, system_id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().ok().and_then(|s| {
            s.iter()
                .rev()
                .find(|x| x.system_id.lock().is_ok_and(|i| *i == system_id))
                .cloned()
        })
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}
