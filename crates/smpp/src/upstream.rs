//! The SMPP client link to the real SMSC (`--upstream`): one session bound
//! as a transmitter, opened on first use and again after it drops, with
//! any number of `submit_sm` in flight (the ESME windows bound them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusmpp::pdus::{BindTransmitter, SubmitSm};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use crate::pdu::{self, status};
use crate::wire::read_frame;

/// How long to wait for the SMSC's `submit_sm_resp` or `bind_resp`.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to bind upstream.
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// `HOST:PORT` of the SMSC.
    pub addr: String,
    /// The bind `system_id`.
    pub system_id: String,
    /// The bind password.
    pub password: String,
}

struct Link {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    pending: Mutex<HashMap<u32, oneshot::Sender<Command>>>,
    seq: AtomicU32,
    alive: AtomicBool,
}

/// The upstream SMSC session. Cheap to share behind an `Arc`.
pub struct Upstream {
    cfg: UpstreamConfig,
    link: tokio::sync::Mutex<Option<Arc<Link>>>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("cfg", &self.cfg.addr)
            .finish()
    }
}

fn c_string<const MIN: usize, const MAX: usize>(s: &str) -> COctetString<MIN, MAX> {
    COctetString::from_string(s.to_string()).unwrap_or_default()
}

impl Upstream {
    /// An upstream that connects on first use.
    pub fn new(cfg: UpstreamConfig) -> Upstream {
        Upstream {
            cfg,
            link: tokio::sync::Mutex::new(None),
        }
    }

    async fn link(&self) -> Result<Arc<Link>, String> {
        let mut guard = self.link.lock().await;
        if let Some(l) = guard.as_ref().filter(|l| l.alive.load(Ordering::Acquire)) {
            return Ok(l.clone());
        }
        let l = tokio::time::timeout(RESPONSE_TIMEOUT, self.connect())
            .await
            .map_err(|_| "upstream bind timed out".to_string())??;
        *guard = Some(l.clone());
        Ok(l)
    }

    async fn connect(&self) -> Result<Arc<Link>, String> {
        let mut stream = TcpStream::connect(&self.cfg.addr)
            .await
            .map_err(|e| format!("cannot connect to upstream `{}`: {e}", self.cfg.addr))?;
        let _ = stream.set_nodelay(true);
        let bind = BindTransmitter::builder()
            .system_id(c_string(&self.cfg.system_id))
            .password(c_string(&self.cfg.password))
            .interface_version(InterfaceVersion::Smpp3_4)
            .build();
        let bytes = pdu::encode(&Command::new(CommandStatus::EsmeRok, 1, bind));
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
            if let Some(Pdu::BindTransmitterResp(_)) | Some(Pdu::GenericNack) = cmd.pdu() {
                let st = u32::from(cmd.status());
                if st != status::ESME_ROK {
                    return Err(format!("upstream refused the bind: status {st:#04x}"));
                }
                break;
            }
        }
        let (rd, wr) = stream.into_split();
        // Buffered: a PDU usually costs one recv, not two or more.
        let mut rd = tokio::io::BufReader::with_capacity(64 * 1024, rd);
        let (tx, rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let link = Arc::new(Link {
            tx,
            pending: Mutex::new(HashMap::new()),
            seq: AtomicU32::new(2),
            alive: AtomicBool::new(true),
        });
        tokio::spawn(async move {
            crate::wire::pump(rx, wr).await;
        });
        let reader = link.clone();
        tokio::spawn(async move {
            while let Ok(Some(Ok(frame))) = read_frame(&mut rd).await {
                let Ok(cmd) = pdu::decode(&frame) else {
                    continue;
                };
                let seq = cmd.sequence_number();
                match cmd.pdu() {
                    Some(Pdu::EnquireLink) => {
                        let r = Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp);
                        let _ = reader.tx.send(pdu::encode(&r));
                    }
                    Some(Pdu::DeliverSm(_)) => {
                        // Receipts are not routed back (bound as transmitter,
                        // none should come); acknowledge so the SMSC moves on.
                        let r = Command::new(
                            CommandStatus::EsmeRok,
                            seq,
                            rusmpp::pdus::DeliverSmResp::default(),
                        );
                        let _ = reader.tx.send(pdu::encode(&r));
                    }
                    Some(Pdu::Unbind) => {
                        let r = Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp);
                        let _ = reader.tx.send(pdu::encode(&r));
                        break;
                    }
                    _ => {
                        let waiter = reader.pending.lock().ok().and_then(|mut p| p.remove(&seq));
                        if let Some(w) = waiter {
                            let _ = w.send(cmd);
                        }
                    }
                }
            }
            reader.alive.store(false, Ordering::Release);
            if let Ok(mut p) = reader.pending.lock() {
                p.clear();
            }
        });
        Ok(link)
    }

    /// Forwards a `submit_sm`; the SMSC's `message_id`, or the status to
    /// answer the ESME with (the SMSC's error, or `ESME_RSYSERR` when the
    /// link is down or silent).
    pub async fn submit(&self, sm: SubmitSm) -> Result<COctetString<1, 65>, u32> {
        let link = match self.link().await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("{e}");
                return Err(status::ESME_RSYSERR);
            }
        };
        let seq = link.seq.fetch_add(1, Ordering::Relaxed).max(1) & 0x7FFF_FFFF;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = link.pending.lock() {
            p.insert(seq, tx);
        }
        let bytes = pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, sm));
        if link.tx.send(bytes).is_err() {
            link.alive.store(false, Ordering::Release);
            return Err(status::ESME_RSYSERR);
        }
        match tokio::time::timeout(RESPONSE_TIMEOUT, rx).await {
            Ok(Ok(cmd)) => {
                let st = u32::from(cmd.status());
                match cmd.pdu() {
                    Some(Pdu::SubmitSmResp(r)) if st == status::ESME_ROK => {
                        Ok(r.message_id().clone())
                    }
                    _ if st != status::ESME_ROK => Err(st),
                    _ => Err(status::ESME_RSYSERR),
                }
            }
            _ => {
                if let Ok(mut p) = link.pending.lock() {
                    p.remove(&seq);
                }
                Err(status::ESME_RSYSERR)
            }
        }
    }
}
