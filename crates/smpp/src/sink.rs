//! A minimal SMSC that accepts every bind, answers every `submit_sm` with a
//! fresh `message_id` (a `query_sm` with `DELIVERED`, a `cancel_sm` with
//! success) and records what arrived: the upstream peer of the
//! tests and benches (and a stand-in SMSC for demos).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp, SubmitSmResp};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

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
}

/// A running sink.
#[derive(Clone, Debug)]
pub struct Sink {
    /// Where it listens.
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    /// Listens on `addr` (use port 0 for any) and serves on the current
    /// tokio runtime.
    pub async fn start(addr: &str) -> io::Result<Sink> {
        let listener = TcpListener::bind(addr).await?;
        let sink = Sink {
            addr: listener.local_addr()?,
            received: Arc::default(),
        };
        let ids = Arc::new(AtomicU64::new(1));
        let received = sink.received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let received = received.clone();
                let ids = ids.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let (mut rd, mut wr) = stream.into_split();
                    let mut system_id = String::new();
                    while let Ok(Some(frame)) = read_frame(&mut rd).await {
                        let cmd = match frame.and_then(|f| pdu::decode(&f)) {
                            Ok(c) => c,
                            Err(n) => {
                                let _ = wr.write_all(&n.encode()).await;
                                if n.fatal {
                                    break;
                                }
                                continue;
                            }
                        };
                        let seq = cmd.sequence_number();
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
                        if let Some(r) = resp {
                            if wr.write_all(&pdu::encode(&r)).await.is_err() {
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

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}
