//! Reading whole PDUs from a byte stream, with the length cap of
//! [`pdu::MAX_COMMAND_LENGTH`](crate::pdu::MAX_COMMAND_LENGTH) and (with
//! [`read_frame_within`]) deadlines for the first octet and the whole PDU;
//! writing them through an [`Outbox`] that counts the octets waiting.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::limits::Counters;

use crate::pdu::{Header, Nack, HEADER_LEN};

/// Reads one PDU. `Ok(None)` at a clean end of stream (between PDUs);
/// `Ok(Some(Err(nack)))` when the declared length is unacceptable (the
/// framing is lost: send the nack and close); else the whole PDU's octets.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
) -> io::Result<Option<Result<Vec<u8>, Nack>>> {
    let mut head = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        let n = r.read(&mut head[got..]).await?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        got += n;
    }
    let h = Header::parse(&head);
    let body = match h.body_len() {
        Ok(b) => b,
        Err(nack) => return Ok(Some(Err(nack))),
    };
    read_body(r, &head, body).await.map(|b| Some(Ok(b)))
}

/// The body octets made room for before they arrive.
const INITIAL_BODY: usize = 4096;

/// The PDU with header `head` and `body` octets after it. The buffer grows
/// with the octets that arrive, not with the length the header declares
/// (a peer that announces 64 KiB and sends 10 octets holds a few KiB).
async fn read_body<R: AsyncRead + Unpin>(
    r: &mut R,
    head: &[u8; HEADER_LEN],
    body: usize,
) -> io::Result<Vec<u8>> {
    if body <= INITIAL_BODY {
        // The usual case: one allocation of the exact size, filled in
        // place (no growth, no probe read).
        let mut buf = vec![0u8; HEADER_LEN + body];
        buf[..HEADER_LEN].copy_from_slice(head);
        r.read_exact(&mut buf[HEADER_LEN..]).await?;
        return Ok(buf);
    }
    let mut buf = Vec::with_capacity(HEADER_LEN + INITIAL_BODY);
    buf.extend_from_slice(head);
    let want = u64::try_from(body).unwrap_or(u64::MAX);
    let got = (&mut *r).take(want).read_to_end(&mut buf).await?;
    if got < body {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(buf)
}

/// Why [`read_frame_within`] gave up.
#[derive(Debug)]
pub enum ReadError {
    /// No octet arrived before the deadline (nothing was consumed: the
    /// stream is still at a PDU boundary).
    Idle,
    /// A PDU began but did not arrive whole within its time.
    Slow,
    /// The stream failed (or ended inside a PDU).
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Idle => f.write_str("no PDU in time"),
            ReadError::Slow => f.write_str("a PDU did not arrive whole in time"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

/// [`read_frame`] with deadlines: the first octet must come before
/// `idle_until` ([`ReadError::Idle`], also when `idle_until` has passed and
/// octets are waiting: a peer that never pauses cannot outrun it), and the
/// whole PDU within `pdu_timeout` of its first octet ([`ReadError::Slow`]),
/// so a peer that trickles a PDU one octet at a time cannot hold the
/// session for ever.
pub async fn read_frame_within<R: AsyncRead + Unpin>(
    r: &mut R,
    idle_until: Instant,
    pdu_timeout: Duration,
) -> Result<Option<Result<Vec<u8>, Nack>>, ReadError> {
    let mut head = [0u8; HEADER_LEN];
    if Instant::now() >= idle_until {
        return Err(ReadError::Idle);
    }
    // `read` is cancel safe: when the deadline wins, nothing was consumed.
    let first = match tokio::time::timeout_at(idle_until, r.read(&mut head)).await {
        Err(_) => return Err(ReadError::Idle),
        Ok(Err(e)) => return Err(ReadError::Io(e)),
        Ok(Ok(0)) => return Ok(None),
        Ok(Ok(n)) => n,
    };
    let deadline = Instant::now() + pdu_timeout;
    let rest = async {
        r.read_exact(&mut head[first..]).await?;
        let h = Header::parse(&head);
        let body = match h.body_len() {
            Ok(b) => b,
            Err(nack) => return Ok(Err(nack)),
        };
        read_body(r, &head, body).await.map(Ok)
    };
    match tokio::time::timeout_at(deadline, rest).await {
        Err(_) => Err(ReadError::Slow),
        Ok(Err(e)) => Err(ReadError::Io(e)),
        Ok(Ok(f)) => Ok(Some(f)),
    }
}

/// A PDU that is already whole in `rd`'s buffer, taken without reading
/// (no deadline can pass before it, and nothing waits); `None` when no
/// PDU is whole there or its declared length is unacceptable (left to
/// [`read_frame_within`], which reads it as it comes or answers the
/// `generic_nack`).
pub fn take_buffered<R: AsyncRead + Unpin>(rd: &mut tokio::io::BufReader<R>) -> Option<Vec<u8>> {
    use tokio::io::AsyncBufRead;
    let buf = rd.buffer();
    let len = HEADER_LEN
        + Header::parse(buf.first_chunk::<HEADER_LEN>()?)
            .body_len()
            .ok()?;
    let frame = buf.get(..len)?.to_vec();
    std::pin::Pin::new(rd).consume(len);
    Some(frame)
}

/// The octets waiting in one [`Outbox`].
#[derive(Debug, Default)]
struct Queue {
    bytes: AtomicUsize,
    drained: Notify,
    counters: Option<Arc<Counters>>,
}

impl Queue {
    fn add(&self, n: usize) {
        self.bytes.fetch_add(n, Ordering::AcqRel);
        if let Some(c) = &self.counters {
            let now = c.queued_bytes.fetch_add(n, Ordering::AcqRel) + n;
            c.queued_bytes_peak.fetch_max(now, Ordering::AcqRel);
        }
    }

    fn sub(&self, n: usize) {
        self.bytes.fetch_sub(n, Ordering::AcqRel);
        if let Some(c) = &self.counters {
            c.queued_bytes.fetch_sub(n, Ordering::AcqRel);
        }
        self.drained.notify_waiters();
    }
}

/// Where a session's answers go: a queue to its writer ([`pump`]) that
/// counts the octets not yet written. Sending never blocks and never drops
/// (answers must not be lost); the reader of the session bounds the queue
/// by waiting for [`Outbox::drained`] before it reads the next request.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    queue: Arc<Queue>,
}

/// The writer's end of an [`Outbox`].
#[derive(Debug)]
pub struct OutboxRx {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    queue: Arc<Queue>,
    /// Octets taken off the queue and being written.
    writing: usize,
}

impl Drop for OutboxRx {
    fn drop(&mut self) {
        // What is left is never written: it is no longer queued.
        self.queue.sub(std::mem::take(&mut self.writing));
        self.rx.close();
        while let Ok(b) = self.rx.try_recv() {
            self.queue.sub(b.len());
        }
    }
}

/// A new outbox; `counters`, when given, see its octets (the proxy's
/// totals and peak).
pub fn outbox(counters: Option<Arc<Counters>>) -> (Outbox, OutboxRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queue = Arc::new(Queue {
        counters,
        ..Queue::default()
    });
    (
        Outbox {
            tx,
            queue: queue.clone(),
        },
        OutboxRx {
            rx,
            queue,
            writing: 0,
        },
    )
}

impl Outbox {
    /// Queues one PDU; `false` when the writer is gone.
    pub fn send(&self, pdu: Vec<u8>) -> bool {
        let n = pdu.len();
        self.queue.add(n);
        match self.tx.send(pdu) {
            Ok(()) => true,
            Err(_) => {
                self.queue.sub(n);
                false
            }
        }
    }

    /// Octets queued and not yet written.
    pub fn queued(&self) -> usize {
        self.queue.bytes.load(Ordering::Acquire)
    }

    /// Waits until fewer than `limit` octets are queued.
    pub async fn drained(&self, limit: usize) {
        loop {
            let notified = self.queue.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.queued() < limit || self.tx.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

/// Writes the PDUs sent on `rx` to `w` until every [`Outbox`] is dropped or
/// a write fails. Whatever is queued when a write starts goes out in one
/// `write` (up to 64 KiB), so a burst of answers costs one system call, not
/// one each; the octets count as queued until their write completes.
/// Returns the writer (to shut it down).
pub async fn pump<W: tokio::io::AsyncWrite + Unpin>(mut rx: OutboxRx, mut w: W) -> W {
    use tokio::io::AsyncWriteExt;
    let mut batch = Vec::with_capacity(64 * 1024);
    while let Some(first) = rx.rx.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        if rx.rx.is_empty() {
            // Let the tasks woken with this one (answers to PDUs read in
            // the same recv) queue theirs: one send for all of them.
            tokio::task::yield_now().await;
        }
        while batch.len() < 64 * 1024 {
            match rx.rx.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        rx.writing = batch.len();
        let ok = w.write_all(&batch).await.is_ok();
        rx.queue.sub(std::mem::take(&mut rx.writing));
        if !ok {
            break;
        }
    }
    w
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    fn enquire_link(seq: u32) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [16u32, 0x15, 0, seq] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        b
    }

    #[tokio::test(start_paused = true)]
    async fn a_pdu_split_anywhere_is_read_whole() {
        let (mut c, mut s) = tokio::io::duplex(1024);
        let pdus: Vec<u8> = (1..=3).flat_map(enquire_link).collect();
        for cut in [1, 7, 16, 17, 31] {
            let reader = tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..3 {
                    let far = Instant::now() + Duration::from_secs(60);
                    let f = read_frame_within(&mut s, far, Duration::from_secs(10)).await;
                    got.push(f.unwrap().unwrap().unwrap());
                }
                (s, got)
            });
            c.write_all(&pdus[..cut]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
            c.write_all(&pdus[cut..]).await.unwrap();
            let (back, got) = reader.await.unwrap();
            s = back;
            assert_eq!(got, [enquire_link(1), enquire_link(2), enquire_link(3)]);
        }
        drop(c);
        let far = Instant::now() + Duration::from_secs(60);
        assert!(matches!(
            read_frame_within(&mut s, far, Duration::from_secs(10)).await,
            Ok(None)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadlines_hold_even_against_a_peer_that_never_pauses() {
        let (mut c, mut s) = tokio::io::duplex(1024);
        // Octets are waiting, but the first-octet deadline has passed.
        c.write_all(&enquire_link(1)).await.unwrap();
        let past = Instant::now();
        tokio::time::advance(Duration::from_secs(1)).await;
        let r = read_frame_within(&mut s, past, Duration::from_secs(10)).await;
        assert!(matches!(r, Err(ReadError::Idle)), "{r:?}");
        // Nothing was consumed: with time left the PDU is read.
        let far = Instant::now() + Duration::from_secs(60);
        let r = read_frame_within(&mut s, far, Duration::from_secs(10)).await;
        assert_eq!(r.unwrap().unwrap().unwrap(), enquire_link(1));
        // A PDU trickled in: slow, however close together the octets.
        let trickle = tokio::spawn(async move {
            for b in enquire_link(2) {
                if c.write_all(&[b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let far = Instant::now() + Duration::from_secs(60);
        let r = read_frame_within(&mut s, far, Duration::from_secs(10)).await;
        assert!(matches!(r, Err(ReadError::Slow)), "{r:?}");
        trickle.abort();
    }

    /// A PDU whole in the buffer is taken as `read_frame` reads it; one
    /// that is not yet whole, or whose length is unacceptable, is left.
    #[tokio::test]
    async fn a_buffered_pdu_is_taken_only_when_whole() {
        let pdus: Vec<u8> = (1..=3).flat_map(enquire_link).collect();
        // Taken from a clean boundary: the PDUs themselves, then nothing.
        let (mut c, s) = tokio::io::duplex(1024);
        let mut rd = tokio::io::BufReader::new(s);
        c.write_all(&pdus).await.unwrap();
        tokio::io::AsyncBufReadExt::fill_buf(&mut rd).await.unwrap();
        assert_eq!(take_buffered(&mut rd), Some(enquire_link(1)));
        assert_eq!(take_buffered(&mut rd), Some(enquire_link(2)));
        assert_eq!(take_buffered(&mut rd), Some(enquire_link(3)));
        assert_eq!(take_buffered(&mut rd), None);
        // Half a PDU: left, and read whole once the rest arrives.
        c.write_all(&enquire_link(4)[..10]).await.unwrap();
        tokio::io::AsyncBufReadExt::fill_buf(&mut rd).await.unwrap();
        assert_eq!(take_buffered(&mut rd), None);
        c.write_all(&enquire_link(4)[10..]).await.unwrap();
        let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
        assert_eq!(f, enquire_link(4));
        // A length beyond the cap: left for read_frame's nack.
        let mut bad = enquire_link(5);
        bad[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        c.write_all(&bad).await.unwrap();
        tokio::io::AsyncBufReadExt::fill_buf(&mut rd).await.unwrap();
        assert_eq!(take_buffered(&mut rd), None);
        assert!(matches!(read_frame(&mut rd).await, Ok(Some(Err(_)))));
    }

    #[tokio::test]
    async fn the_outbox_counts_octets_until_written() {
        let c = Arc::new(Counters::default());
        let (tx, rx) = outbox(Some(c.clone()));
        assert!(tx.send(vec![0; 100]));
        assert!(tx.send(vec![0; 50]));
        assert_eq!(tx.queued(), 150);
        assert_eq!(c.queued_bytes.load(Ordering::Relaxed), 150);
        let (w, mut r) = tokio::io::duplex(1024);
        let pump = tokio::spawn(pump(rx, w));
        let mut got = vec![0; 150];
        tokio::io::AsyncReadExt::read_exact(&mut r, &mut got)
            .await
            .unwrap();
        tx.drained(1).await;
        assert_eq!(tx.queued(), 0);
        drop(tx);
        pump.await.unwrap();
        assert_eq!(c.queued_bytes.load(Ordering::Relaxed), 0);
        assert_eq!(c.queued_bytes_peak.load(Ordering::Relaxed), 150);
        // A writer that is gone: nothing stays counted.
        let (tx, rx) = outbox(Some(c.clone()));
        tx.send(vec![0; 10]);
        drop(rx);
        assert!(!tx.send(vec![0; 10]));
        assert_eq!(c.queued_bytes.load(Ordering::Relaxed), 0);
    }
}
