//! The bounds on what a peer controls, in process: connections (total and
//! per source), bind, idle and slow-PDU timeouts, answers queued for a
//! client that does not read them, failed binds, log lines, and an
//! upstream that never answers its bind. Time is tokio's paused clock
//! wherever it matters; the assertions are about behaviour and order.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chanrac_smpp::limits::PeerLimits;
use chanrac_smpp::pdu::{self, status, HEADER_LEN};
use chanrac_smpp::proxy::{Config, Proxy};
use chanrac_smpp::upstream::{Upstream, UpstreamConfig};
use chanrac_smpp::wire::read_frame;
use rusmpp::pdus::{BindTransmitter, SubmitSm, SubmitSmResp};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::{AsyncRead, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::time::Instant;

fn proxy_with(limits: PeerLimits, upstream: UpstreamConfig) -> (Arc<Proxy>, tempfile::TempDir) {
    let dir = common::policy_dir();
    let proxy = Proxy::new(Config {
        policy: dir.path().to_path_buf(),
        upstream,
        reject_status: status::ESME_RSUBMITFAIL,
        pass_through_login: false,
        state: None,
        fixed_time: Some("2026-03-02T09:15:00+07:00".parse().unwrap()),
        window: 10,
        reassembly_timeout: Duration::from_secs(30),
        reassembly_bytes: Default::default(),
        state_config: Default::default(),
        peer_limits: limits,
    })
    .unwrap();
    (proxy, dir)
}

fn proxy(limits: PeerLimits) -> (Arc<Proxy>, tempfile::TempDir) {
    // Nothing listens there: these tests submit nothing.
    let up = UpstreamConfig {
        addr: "127.0.0.1:9".into(),
        ..Default::default()
    };
    proxy_with(limits, up)
}

fn peer(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn encode(seq: u32, pdu: impl Into<Pdu>) -> Vec<u8> {
    pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, pdu))
}

fn bind_pdu(system_id: &str, password: &str) -> BindTransmitter {
    BindTransmitter::builder()
        .system_id(COctetString::from_string(system_id.into()).unwrap())
        .password(COctetString::from_string(password.into()).unwrap())
        .build()
}

/// An ESME on an in-memory pipe to one session of `proxy`.
struct Esme {
    rd: ReadHalf<DuplexStream>,
    wr: WriteHalf<DuplexStream>,
    seq: u32,
}

impl Esme {
    fn open(proxy: &Arc<Proxy>, from: &str) -> Esme {
        Esme::open_with(proxy, from, 64 * 1024)
    }

    fn open_with(proxy: &Arc<Proxy>, from: &str, pipe: usize) -> Esme {
        let (client, server) = tokio::io::duplex(pipe);
        let (srd, swr) = tokio::io::split(server);
        tokio::spawn(proxy.clone().serve_stream(srd, swr, peer(from)));
        let (rd, wr) = tokio::io::split(client);
        Esme { rd, wr, seq: 0 }
    }

    async fn send(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.seq += 1;
        let b = encode(self.seq, pdu);
        self.wr.write_all(&b).await.unwrap();
        self.seq
    }

    /// The next PDU, or `None` when the proxy closed the session.
    async fn recv(&mut self) -> Option<Command> {
        let f = read_frame(&mut self.rd).await.ok()??;
        Some(pdu::decode(&f.unwrap()).unwrap())
    }

    async fn bind(&mut self, system_id: &str, password: &str) -> u32 {
        self.send(bind_pdu(system_id, password)).await;
        let r = self.recv().await.expect("a bind_resp");
        assert!(
            matches!(r.pdu(), Some(Pdu::BindTransmitterResp(_))),
            "{r:?}"
        );
        u32::from(r.status())
    }
}

/// Whether the proxy closes the session within `within` (paused clock).
async fn closed_within<R: AsyncRead + Unpin>(rd: &mut R, within: Duration) -> bool {
    matches!(
        tokio::time::timeout(within, read_frame(rd)).await,
        Ok(Ok(None)) | Ok(Err(_))
    )
}

const ENQUIRE_LINK_LEN: usize = HEADER_LEN;

#[tokio::test(start_paused = true)]
async fn answers_queued_for_a_client_that_never_reads_stay_bounded() {
    let limits = PeerLimits {
        max_queued_bytes: 4096,
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits.clone());
    let mut e = Esme::open(&proxy, "10.0.0.1:5000");
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    // 100,000 enquire_link, never reading an answer.
    let mut wr = e.wr;
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    let client = tokio::spawn(async move {
        for seq in 2..100_002u32 {
            if wr.write_all(&encode(seq, Pdu::EnquireLink)).await.is_err() {
                return;
            }
            w.fetch_add(1, Ordering::Relaxed);
        }
    });
    // The proxy stops reading; the client's writes stall; once the write
    // timeout passes the connection is dropped and the client's writes
    // fail (not after every deadline an answer in flight could have).
    let t0 = Instant::now();
    client.await.unwrap();
    // (Virtual time: the paused clock moves only by the proxy's timers.)
    let ended = Instant::now();
    assert!(ended < t0 + limits.write_timeout + Duration::from_secs(1));
    let stats = proxy.stats();
    let written = written.load(Ordering::Relaxed);
    assert!(
        written < 100_000,
        "the proxy kept reading: {written} PDUs taken"
    );
    assert!(
        stats.queued_bytes_peak <= limits.max_queued_bytes + ENQUIRE_LINK_LEN,
        "queued {} > bound {}",
        stats.queued_bytes_peak,
        limits.max_queued_bytes
    );
    assert!(
        stats.queued_bytes_peak >= limits.max_queued_bytes,
        "{stats:?}"
    );
    assert!(stats.read_pauses >= 1, "{stats:?}");
    assert_eq!(stats.write_timeouts, 1, "{stats:?}");
    // What the session left queued is released with it.
    assert_eq!(proxy.stats().queued_bytes, 0);
}

#[tokio::test(start_paused = true)]
async fn backpressure_delays_answers_but_loses_none() {
    let limits = PeerLimits {
        max_queued_bytes: 2048,
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits.clone());
    let mut e = Esme::open_with(&proxy, "10.0.0.1:5000", 4096);
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    const N: u32 = 20_000;
    let mut wr = e.wr;
    let client = tokio::spawn(async move {
        for seq in 1..=N {
            wr.write_all(&encode(seq, Pdu::EnquireLink)).await.unwrap();
        }
        wr
    });
    // Start reading only once the client is stalled.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !client.is_finished(),
        "the proxy read everything unanswered"
    );
    for seq in 1..=N {
        let f = read_frame(&mut e.rd).await.unwrap().unwrap().unwrap();
        let c = pdu::decode(&f).unwrap();
        assert_eq!(
            (c.sequence_number(), c.pdu()),
            (seq, Some(&Pdu::EnquireLinkResp))
        );
    }
    let _wr = client.await.unwrap();
    let stats = proxy.stats();
    assert!(stats.read_pauses >= 1, "{stats:?}");
    assert!(stats.queued_bytes_peak <= limits.max_queued_bytes + ENQUIRE_LINK_LEN);
    assert_eq!(stats.write_timeouts, 0);
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_does_not_bind_in_time_is_closed() {
    let limits = PeerLimits::default();
    let (proxy, _dir) = proxy(limits.clone());
    let mut idle = Esme::open(&proxy, "10.0.0.1:5000");
    // An enquire_link is answered but does not count as a bind.
    idle.send(Pdu::EnquireLink).await;
    assert!(idle.recv().await.is_some());
    let mut good = Esme::open(&proxy, "10.0.0.2:5000");
    let early = limits.bind_timeout - Duration::from_secs(1);
    assert!(
        !closed_within(&mut idle.rd, early).await,
        "closed too early"
    );
    assert_eq!(good.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    assert!(closed_within(&mut idle.rd, Duration::from_secs(2)).await);
    assert_eq!(proxy.stats().bind_timeouts, 1);
    // The bound session outlives the bind timeout.
    good.send(Pdu::EnquireLink).await;
    let r = good.recv().await.unwrap();
    assert_eq!(r.pdu(), Some(&Pdu::EnquireLinkResp));
}

#[tokio::test(start_paused = true)]
async fn an_unbound_client_that_keeps_talking_is_closed_at_the_bind_timeout() {
    let limits = PeerLimits::default();
    let (proxy, _dir) = proxy(limits.clone());
    let mut e = Esme::open(&proxy, "10.0.0.1:5000");
    e.send(Pdu::EnquireLink).await;
    assert!(e.recv().await.is_some());
    // PDUs waiting the moment the bind timeout passes are not read (but
    // the one whose read was already under way).
    for _ in 0..100 {
        e.send(Pdu::EnquireLink).await;
    }
    tokio::time::advance(limits.bind_timeout).await;
    let mut answered = 0;
    while e.recv().await.is_some() {
        answered += 1;
    }
    assert!(answered <= 1, "{answered} answered after the bind timeout");
    assert_eq!(proxy.stats().bind_timeouts, 1);
}

#[tokio::test(start_paused = true)]
async fn an_idle_session_gets_an_enquire_link_and_is_closed_when_silent() {
    let limits = PeerLimits::default();
    let (proxy, _dir) = proxy(limits.clone());
    let mut silent = Esme::open(&proxy, "10.0.0.1:5000");
    let mut alive = Esme::open(&proxy, "10.0.0.1:5001");
    assert_eq!(silent.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    assert_eq!(alive.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    let started = Instant::now();
    // Both get an enquire_link after the idle timeout.
    let ping = silent.recv().await.unwrap();
    assert_eq!(ping.pdu(), Some(&Pdu::EnquireLink));
    assert!(Instant::now() >= started + limits.idle_timeout);
    let ping = alive.recv().await.unwrap();
    assert_eq!(ping.pdu(), Some(&Pdu::EnquireLink));
    // One answers, and stays; the other does not, and is closed.
    let resp = Command::new(
        CommandStatus::EsmeRok,
        ping.sequence_number(),
        Pdu::EnquireLinkResp,
    );
    alive.wr.write_all(&pdu::encode(&resp)).await.unwrap();
    assert!(closed_within(&mut silent.rd, limits.enquire_link_timeout * 2).await);
    assert_eq!(proxy.stats().idle_timeouts, 1);
    alive.send(Pdu::EnquireLink).await;
    assert_eq!(
        alive.recv().await.unwrap().pdu(),
        Some(&Pdu::EnquireLinkResp)
    );
}

#[tokio::test(start_paused = true)]
async fn a_pdu_trickled_in_is_dropped_after_the_pdu_timeout() {
    let limits = PeerLimits::default();
    let (proxy, _dir) = proxy(limits.clone());
    let mut e = Esme::open(&proxy, "10.0.0.1:5000");
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    // One octet every 3 s: a whole enquire_link would take 45 s.
    let pdu = encode(2, Pdu::EnquireLink);
    let mut wr = e.wr;
    let sent = Arc::new(AtomicUsize::new(0));
    let s = sent.clone();
    let trickle = tokio::spawn(async move {
        for b in pdu {
            if wr.write_all(&[b]).await.is_err() {
                return;
            }
            s.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    });
    assert!(closed_within(&mut e.rd, limits.idle_timeout).await);
    let sent = sent.load(Ordering::Relaxed);
    assert!(
        sent < ENQUIRE_LINK_LEN,
        "the whole PDU arrived ({sent} octets)"
    );
    assert_eq!(proxy.stats().pdu_timeouts, 1);
    trickle.abort();
}

#[tokio::test(start_paused = true)]
async fn failed_binds_answer_alike_and_slow_their_source_down() {
    let limits = PeerLimits {
        bind_timeout: Duration::from_secs(3600),
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits);
    let t0 = Instant::now();
    let mut a = Esme::open(&proxy, "10.0.0.1:5000");
    let mut answered = Vec::new();
    // An unknown account and a wrong password get the same status.
    for (id, pw) in [
        ("nobody", "x"),
        ("shopvn_ad", "wrong"),
        ("nobody", "secret1"),
        ("shopvn_care", "secret1"),
    ] {
        assert_eq!(a.bind(id, pw).await, status::ESME_RBINDFAIL, "{id}/{pw}");
        answered.push(t0.elapsed().as_secs());
    }
    // Each answer 1 s, 2 s, 4 s after the previous failure.
    assert_eq!(answered, [0, 1, 3, 7]);
    // Another source is not slowed.
    let t1 = Instant::now();
    let mut b = Esme::open(&proxy, "10.0.0.2:5000");
    assert_eq!(b.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    assert_eq!(t1.elapsed(), Duration::ZERO);
    // A new connection from the slowed source waits its turn even with the
    // right password (an early answer would tell a right guess)...
    let t2 = Instant::now();
    let mut a2 = Esme::open(&proxy, "10.0.0.1:5001");
    assert_eq!(a2.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    assert_eq!(t2.elapsed(), Duration::from_secs(8));
    // ...and the success starts the source afresh.
    let t3 = Instant::now();
    assert_eq!(a.bind("nobody", "x").await, status::ESME_RBINDFAIL);
    assert_eq!(t3.elapsed(), Duration::ZERO);
    let stats = proxy.stats();
    assert_eq!((stats.binds_refused, stats.binds_delayed), (5, 4));
}

#[tokio::test(start_paused = true)]
async fn log_lines_a_peer_causes_are_limited_and_counted() {
    let limits = PeerLimits {
        log_lines: 5,
        log_window: Duration::from_secs(3600),
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits);
    let mut e = Esme::open(&proxy, "10.0.0.1:5000");
    // 1,000 PDUs of an unknown command: each answered, 5 logged.
    let mut unknown = encode(1, Pdu::EnquireLink);
    unknown[4..8].copy_from_slice(&0x0000_0999u32.to_be_bytes());
    for _ in 0..1000 {
        e.wr.write_all(&unknown).await.unwrap();
        let r = e.recv().await.unwrap();
        assert_eq!(u32::from(r.status()), status::ESME_RINVCMDID);
    }
    assert_eq!(proxy.stats().log_lines_suppressed, 995);
}

/// Over TCP: the per-source limit closes the extra connections at once,
/// and a slot is free again when its connection ends, so never-bound
/// connections (closed by the bind timeout) cannot lock binds out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_per_source_limit_are_closed_at_once() {
    let limits = PeerLimits {
        max_connections: 1000,
        max_connections_per_source: 2,
        bind_timeout: Duration::from_millis(300),
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = tokio::spawn(proxy.clone().serve(listener));
    let connect = || tokio::net::TcpStream::connect(addr);
    let mut held = vec![connect().await.unwrap(), connect().await.unwrap()];
    // Both are served (an enquire_link is answered).
    for s in &mut held {
        s.write_all(&encode(1, Pdu::EnquireLink)).await.unwrap();
        let f = read_frame(s).await.unwrap().unwrap().unwrap();
        assert_eq!(pdu::decode(&f).unwrap().pdu(), Some(&Pdu::EnquireLinkResp));
    }
    // The third is closed without an answer.
    let mut third = connect().await.unwrap();
    let _ = third.write_all(&encode(1, Pdu::EnquireLink)).await;
    let r = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut third))
        .await
        .expect("the extra connection was left open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    assert_eq!(proxy.stats().connections_refused, 1);
    // The two never bind: the bind timeout closes them and frees their
    // slots, and a legitimate ESME binds.
    for s in &mut held {
        let r = tokio::time::timeout(Duration::from_secs(10), read_frame(s))
            .await
            .expect("a never-bound connection was left open");
        assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    }
    let mut open = proxy.stats().connections_open;
    for _ in 0..500 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        open = proxy.stats().connections_open;
    }
    assert_eq!(open, 0);
    let mut s = connect().await.unwrap();
    s.write_all(&encode(1, bind_pdu("shopvn_ad", "secret1")))
        .await
        .unwrap();
    let f = read_frame(&mut s).await.unwrap().unwrap().unwrap();
    assert_eq!(
        u32::from(pdu::decode(&f).unwrap().status()),
        status::ESME_ROK
    );
    assert_eq!(proxy.stats().bind_timeouts, 2);
    serve.abort();
}

async fn request(s: &mut tokio::net::TcpStream, pdu: &[u8]) -> Option<Command> {
    s.write_all(pdu).await.ok()?;
    let r = tokio::time::timeout(Duration::from_secs(10), read_frame(s))
        .await
        .expect("neither answered nor closed");
    Some(pdu::decode(&r.ok()??.ok()?).unwrap())
}

/// Over TCP, at the total limit: a new connection takes the place of the
/// oldest one that has not bound (so never-bound connections cannot lock
/// binds out even from many sources); when every connection is bound, a
/// new one is closed at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_total_limit_a_connection_that_never_bound_makes_room() {
    let limits = PeerLimits {
        max_connections: 2,
        ..PeerLimits::default()
    };
    let (proxy, _dir) = proxy(limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = tokio::spawn(proxy.clone().serve(listener));
    let connect = || tokio::net::TcpStream::connect(addr);
    let enquire = encode(1, Pdu::EnquireLink);
    let bind = encode(2, bind_pdu("shopvn_ad", "secret1"));
    let mut a = connect().await.unwrap();
    assert!(request(&mut a, &enquire).await.is_some());
    let mut b = connect().await.unwrap();
    assert!(request(&mut b, &enquire).await.is_some());
    // Full of connections that have not bound: a third binds...
    let mut c = connect().await.unwrap();
    let r = request(&mut c, &bind).await.expect("the third was refused");
    assert_eq!(u32::from(r.status()), status::ESME_ROK);
    // ...in the place of the oldest, which is closed; the other stays.
    assert!(
        request(&mut a, &enquire).await.is_none(),
        "the oldest stayed"
    );
    let r = request(&mut b, &bind)
        .await
        .expect("the younger was closed");
    assert_eq!(u32::from(r.status()), status::ESME_ROK);
    // Every connection bound: a new one is closed at once.
    let mut d = connect().await.unwrap();
    assert!(request(&mut d, &enquire).await.is_none());
    let stats = proxy.stats();
    assert_eq!(
        (stats.connections_evicted, stats.connections_refused),
        (1, 1)
    );
    // The bound sessions are untouched.
    assert!(request(&mut c, &enquire).await.is_some());
    serve.abort();
}

/// A fake SMSC on 127.0.0.1 that accepts connections and, until `answer`
/// is set, never answers; then binds and answers submits. Counts the
/// connections it accepted.
async fn fake_smsc(answer: Arc<AtomicBool>, accepted: Arc<AtomicUsize>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut silent = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            if !answer.load(Ordering::SeqCst) {
                silent.push(s);
                continue;
            }
            tokio::spawn(async move {
                let (mut rd, mut wr) = s.into_split();
                while let Ok(Some(Ok(f))) = read_frame(&mut rd).await {
                    let c = pdu::decode(&f).unwrap();
                    let seq = c.sequence_number();
                    let r = match c.pdu() {
                        Some(Pdu::BindTransceiver(_)) => encode(
                            seq,
                            rusmpp::pdus::BindTransceiverResp::builder()
                                .system_id(COctetString::from_string("fake".into()).unwrap())
                                .build(),
                        ),
                        Some(Pdu::SubmitSm(_)) => encode(
                            seq,
                            SubmitSmResp::builder()
                                .message_id(COctetString::from_string("m1".into()).unwrap())
                                .build(),
                        ),
                        _ => continue,
                    };
                    wr.write_all(&r).await.unwrap();
                }
            });
        }
    });
    addr
}

#[tokio::test(start_paused = true)]
async fn an_upstream_that_never_answers_the_bind_does_not_serialise_submits() {
    let answer = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicUsize::new(0));
    let addr = fake_smsc(answer.clone(), accepted.clone()).await;
    let up = Arc::new(Upstream::new(UpstreamConfig {
        addr: addr.to_string(),
        connect_timeout: Duration::from_secs(5),
        bind_timeout: Duration::from_secs(5),
        retry_max: Duration::from_secs(8),
        ..Default::default()
    }));
    // 20 sessions' submits at once: they wait for one attempt together and
    // all fail when its bind deadline passes.
    let submits: Vec<_> = (0..20)
        .map(|_| {
            let up = up.clone();
            tokio::spawn(async move { up.submit(SubmitSm::default()).await })
        })
        .collect();
    for s in submits {
        assert_eq!(s.await.unwrap(), Err(status::ESME_RSYSERR));
    }
    assert_eq!(up.attempts(), 1, "one attempt for all the waiting submits");
    assert!(up.is_down());
    // While it is down, a submit fails at once (no wait at all).
    let r = tokio::time::timeout(Duration::from_millis(1), up.submit(SubmitSm::default())).await;
    assert_eq!(r, Ok(Err(status::ESME_RSYSERR)));
    // Attempts go on in the background, further and further apart.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let attempts = up.attempts();
    assert!((3..=8).contains(&attempts), "{attempts} attempts in 60 s");
    assert_eq!(accepted.load(Ordering::SeqCst) as u64, attempts);
    // The SMSC comes back: the next attempt binds and submits go through.
    answer.store(true, Ordering::SeqCst);
    for _ in 0..60 {
        if !up.is_down() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(!up.is_down(), "the link never came back");
    let id = up.submit(SubmitSm::default()).await.unwrap();
    assert_eq!(id.as_str(), "m1");
}

/// The flags reach the running binary: one connection per source, and a
/// short bind timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_applies_the_limit_flags() {
    let dir = common::policy_dir();
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let proxy = common::ProxyProcess::start(
        dir.path(),
        sink.addr,
        &["--max-connections-per-source", "1", "--bind-timeout", "0.5"],
    )
    .await;
    // The start-up probe's connection may still hold the one slot: wait
    // until a connection is served.
    let mut first = None;
    for _ in 0..100 {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", proxy.port))
            .await
            .unwrap();
        s.write_all(&encode(1, Pdu::EnquireLink)).await.unwrap();
        if let Ok(Some(Ok(_))) = read_frame(&mut s).await {
            first = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut first = first.expect("no connection was served");
    let mut second = tokio::net::TcpStream::connect(("127.0.0.1", proxy.port))
        .await
        .unwrap();
    let _ = second.write_all(&encode(1, Pdu::EnquireLink)).await;
    let r = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut second))
        .await
        .expect("the second connection was left open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    // The first never binds and is closed by the bind timeout.
    let r = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut first))
        .await
        .expect("a never-bound connection was left open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    let log = proxy.stderr();
    assert!(log.contains("connection refused"), "{log}");
    assert!(log.contains("no bind in time"), "{log}");
}

/// A `submit_sm` of `payload` octets of `message_payload`.
fn big_submit(payload: usize) -> SubmitSm {
    let mut body = Vec::new();
    body.push(0); // service_type
    body.extend_from_slice(&[5, 0]);
    body.extend_from_slice(b"SHOPVN\0");
    body.extend_from_slice(&[1, 1]);
    body.extend_from_slice(b"84912000001\0");
    // esm_class, protocol_id, priority_flag, schedule_delivery_time "",
    // validity_period "", registered_delivery, replace_if_present_flag,
    // data_coding, sm_default_msg_id
    body.extend_from_slice(&[0; 9]);
    body.push(0); // sm_length
    body.extend_from_slice(&0x0424u16.to_be_bytes());
    body.extend_from_slice(&u16::try_from(payload).unwrap().to_be_bytes());
    body.extend(std::iter::repeat_n(b'a', payload));
    let mut pdu = Vec::new();
    pdu.extend_from_slice(&u32::try_from(16 + body.len()).unwrap().to_be_bytes());
    pdu.extend_from_slice(&4u32.to_be_bytes());
    pdu.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    pdu.extend_from_slice(&body);
    match pdu::decode(&pdu).unwrap().pdu() {
        Some(Pdu::SubmitSm(sm)) => sm.clone(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_upstream_that_binds_and_never_reads_has_a_bounded_queue() {
    // Binds, then never reads again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let (mut rd, mut wr) = s.into_split();
        let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
        let seq = pdu::decode(&f).unwrap().sequence_number();
        let r = rusmpp::pdus::BindTransceiverResp::builder()
            .system_id(COctetString::from_string("fake".into()).unwrap())
            .build();
        wr.write_all(&encode(seq, r)).await.unwrap();
        std::future::pending::<()>().await;
        drop((rd, wr));
    });
    let bound = 256 * 1024;
    let up = Arc::new(Upstream::new(UpstreamConfig {
        addr: addr.to_string(),
        max_queued_bytes: bound,
        ..Default::default()
    }));
    let sm = big_submit(60_000);
    // Submits until one is refused at once: the SMSC's socket buffers are
    // full and the queue reached its bound.
    let mut sent = 0;
    let refused_at_once = loop {
        assert!(sent < 2_000, "never refused: {} queued", up.queued_bytes());
        let up2 = up.clone();
        let s = sm.clone();
        let h = tokio::spawn(async move { up2.submit(s).await });
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        if h.is_finished() {
            break h.await.unwrap();
        }
        sent += 1;
    };
    assert_eq!(refused_at_once, Err(status::ESME_RSYSERR));
    assert!(
        up.queued_bytes() < bound + 61_000,
        "{} queued",
        up.queued_bytes()
    );
    assert!(up.queued_bytes() >= bound, "{} queued", up.queued_bytes());
}
