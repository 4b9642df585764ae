//! Helpers shared by the integration tests: a temporary policy, the proxy
//! as a child process and a test ESME that talks to it over TCP.
#![allow(dead_code)]

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chanrac_smpp::pdu::{self, status};
use chanrac_smpp::text::ucs2_encode;
use chanrac_smpp::wire::read_frame;
use rusmpp::pdus::{
    BindReceiver, BindTransceiver, BindTransmitter, DataSm, DeliverSmResp, SubmitMulti, SubmitSm,
};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, DestAddress, EsmClass, Npi, SmeAddress, Ton};
use rusmpp::{CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A policy with an ad and a care account of one advertiser, its brandname,
/// consents for the test recipients, and a DNC number.
pub fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    w(
        "accounts.csv",
        "account,advertiser,class,password\nshopvn_ad,shopvn,ad,secret1\nshopvn_care,shopvn,care,secret2\n",
    );
    w(
        "brandnames.csv",
        "identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shopvn,active,2025-01-01,\n",
    );
    let mut consents = String::from("advertiser,recipient,state,time\n");
    for n in 1..=9 {
        consents.push_str(&format!(
            "shopvn,8491200000{n},optin,2026-01-01T00:00:00+07:00\n"
        ));
    }
    w("consents.csv", &consents);
    w("dnc.csv", "number,scope\n0912000009,sms\n");
    dir
}

/// [`policy_dir`] with each account logging in to the SMSC with its own
/// `accounts.csv` login (`smsc_ad`/`up1`, `smsc_care`/`up2`): a
/// subscriber's message on a login is for its account.
pub fn policy_with_logins() -> tempfile::TempDir {
    let dir = policy_dir();
    std::fs::write(
        dir.path().join("accounts.csv"),
        "account,advertiser,class,password,upstream_system_id,upstream_password\n\
         shopvn_ad,shopvn,ad,secret1,smsc_ad,up1\n\
         shopvn_care,shopvn,care,secret2,smsc_care,up2\n",
    )
    .unwrap();
    dir
}

/// Whether a test of a real peer must be skipped because the peer is
/// missing (`available` false): then it says so on standard error, unless
/// `require` (e.g. `CHANRAC_REQUIRE_KANNEL`) is set, which makes it a
/// failure (`scripts/test` sets it after installing the peer). `what` says
/// what is missing and how to install it.
pub fn skip_missing_peer(available: bool, require: &str, what: &str) -> bool {
    if available {
        return false;
    }
    assert!(
        std::env::var_os(require).is_none(),
        "{require} is set but {what}"
    );
    eprintln!("skipped: {what}; set {require}=1 to make this a failure");
    true
}

/// A running `chanrac-smpp`, killed on drop.
pub struct ProxyProcess {
    child: Child,
    pub port: u16,
    log: std::path::PathBuf,
    _logdir: tempfile::TempDir,
}

impl ProxyProcess {
    /// Starts the proxy on a free port, upstream `sink`, in the SMS window.
    /// The port is found free, then given to the proxy: if something else
    /// took it meanwhile (the proxy's own `--metrics 127.0.0.1:0` may be
    /// handed it), the proxy exits with "Address already in use" and is
    /// started again on another port, a few times at most.
    pub async fn start(policy: &Path, sink: SocketAddr, extra: &[&str]) -> ProxyProcess {
        for _ in 0..4 {
            if let Some(p) = Self::try_start(policy, sink, extra).await {
                return p;
            }
        }
        panic!("the proxy found its port taken four times in a row");
    }

    /// One attempt of [`ProxyProcess::start`]: `None` when the port was
    /// taken before the proxy could listen on it.
    async fn try_start(policy: &Path, sink: SocketAddr, extra: &[&str]) -> Option<ProxyProcess> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let logdir = tempfile::tempdir().unwrap();
        let log = logdir.path().join("proxy.log");
        let child = Command::new(env!("CARGO_BIN_EXE_chanrac-smpp"))
            .arg("--policy")
            .arg(policy)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--upstream", &sink.to_string()])
            .args([
                "--upstream-system-id",
                "chanrac",
                "--upstream-password",
                "pw",
            ])
            .args(["--fixed-time", "2026-03-02T09:15:00+07:00"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut p = ProxyProcess {
            child,
            port,
            log,
            _logdir: logdir,
        };
        // Up when it says it listens on the port: a connection alone could
        // reach its metrics server, handed that port by the system.
        let deadline = Instant::now() + Duration::from_secs(20);
        let up = format!("listening on 127.0.0.1:{port}");
        while !p.stderr().contains(&up) {
            if let Ok(Some(_)) = p.child.try_wait() {
                let err = p.stderr();
                if err.contains(&format!("cannot listen on `127.0.0.1:{port}`"))
                    && err.contains("Address already in use")
                {
                    return None;
                }
                panic!("proxy exited at start: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "proxy did not start: {}",
                p.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(p)
    }

    /// What the proxy logged so far.
    pub fn stderr(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Waits (20 s at most) until the proxy has logged `what` `times` times.
    pub async fn logged(&self, what: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.stderr().matches(what).count() < times {
            assert!(
                Instant::now() < deadline,
                "`{what}` not logged {times} times: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the proxy with SIGTERM (a clean shutdown) and waits for it.
    pub fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How an [`Esme`] binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bind {
    /// `bind_transmitter`.
    Tx,
    /// `bind_receiver`.
    Rx,
    /// `bind_transceiver`.
    Trx,
}

/// A test ESME: hand-built PDUs over TCP, numbered 1, 2, 3…; each test
/// file adds the requests and answers it needs in its own `impl Esme`.
pub struct Esme {
    pub s: TcpStream,
    pub seq: u32,
}

impl Esme {
    /// Connects to the proxy on `port`, unbound.
    pub async fn connect(port: u16) -> Esme {
        Esme {
            s: TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
            seq: 0,
        }
    }

    /// Connects and binds as `system_id` ([`Esme::bind_as`]).
    pub async fn login(port: u16, system_id: &str, password: &str, bind: Bind) -> Esme {
        let mut e = Esme::connect(port).await;
        e.bind_as(system_id, password, bind).await;
        e
    }

    /// Binds as `system_id`; panics unless the bind is answered `ESME_ROK`.
    pub async fn bind_as(&mut self, system_id: &str, password: &str, bind: Bind) {
        let id = COctetString::from_string(system_id.into()).unwrap();
        let pw = COctetString::from_string(password.into()).unwrap();
        let seq = match bind {
            Bind::Tx => {
                self.send(
                    BindTransmitter::builder()
                        .system_id(id)
                        .password(pw)
                        .build(),
                )
                .await
            }
            Bind::Rx => {
                self.send(BindReceiver::builder().system_id(id).password(pw).build())
                    .await
            }
            Bind::Trx => {
                self.send(
                    BindTransceiver::builder()
                        .system_id(id)
                        .password(pw)
                        .build(),
                )
                .await
            }
        };
        let c = self.recv().await;
        assert_eq!(
            (c.sequence_number(), u32::from(c.status())),
            (seq, status::ESME_ROK),
            "{c:?}"
        );
    }

    /// Writes `bytes` as they are.
    pub async fn raw(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).await.unwrap();
    }

    /// The next sequence number.
    pub fn next(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    /// Sends `pdu`; its sequence number.
    pub async fn send(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.send_with_tlvs(pdu, &[]).await
    }

    /// Sends `pdu` with raw TLV octets appended; its sequence number.
    pub async fn send_with_tlvs(&mut self, pdu: impl Into<Pdu>, tlvs: &[u8]) -> u32 {
        let seq = self.next();
        let mut b = pdu::encode(&rusmpp::Command::new(CommandStatus::EsmeRok, seq, pdu));
        b.extend_from_slice(tlvs);
        let len = u32::try_from(b.len()).unwrap();
        b[..4].copy_from_slice(&len.to_be_bytes());
        self.raw(&b).await;
        seq
    }

    /// The next PDU, or `None` when the proxy closed the connection;
    /// panics after 20 s without either.
    pub async fn recv_or_closed(&mut self) -> Option<rusmpp::Command> {
        let f = tokio::time::timeout(Duration::from_secs(20), read_frame(&mut self.s))
            .await
            .expect("nothing within 20 s")
            .ok()??;
        Some(pdu::decode(&f.unwrap()).unwrap())
    }

    /// The next PDU; panics when the proxy closed the connection.
    pub async fn recv(&mut self) -> rusmpp::Command {
        self.recv_or_closed().await.expect("connection closed")
    }

    /// Answers the `deliver_sm` `c` with status `st`.
    pub async fn ack(&mut self, c: &rusmpp::Command, st: u32) {
        let r = rusmpp::Command::new(
            CommandStatus::from(st),
            c.sequence_number(),
            DeliverSmResp::default(),
        );
        self.raw(&pdu::encode(&r)).await;
    }
}

/// A TLV: tag, length, value.
pub fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut v = tag.to_be_bytes().to_vec();
    v.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    v.extend_from_slice(value);
    v
}

/// `message_payload` in UCS-2, with SAR TLVs (reference, total, part) when
/// `sar` is given.
pub fn payload(text: &str, sar: Option<(u16, u8, u8)>) -> Vec<u8> {
    let mut v = tlv(0x0424, &ucs2_encode(text));
    if let Some((r, t, s)) = sar {
        v.extend(tlv(0x020C, &r.to_be_bytes()));
        v.extend(tlv(0x020E, &[t]));
        v.extend(tlv(0x020F, &[s]));
    }
    v
}

/// Waits until `f` holds (checked every 50 ms, at most 20 s).
pub async fn until(mut f: impl FnMut() -> bool) {
    for _ in 0..400 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened");
}

/// The metrics address the proxy logged.
pub async fn metrics_addr(p: &ProxyProcess) -> SocketAddr {
    for _ in 0..400 {
        if let Some(a) = p
            .stderr()
            .lines()
            .find_map(|l| l.split("serving metrics on http ").nth(1))
        {
            return a.trim().parse().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no metrics address logged: {}", p.stderr());
}

/// The value of the sample named exactly `series`, 0 when absent.
pub fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// A `submit_sm` from `SHOPVN` (alphanumeric) to the international number
/// `to`: `short_message` as given, in `data_coding` `coding`.
pub fn submit(to: &str, esm_class: u8, coding: u8, short_message: &[u8]) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .esm_class(EsmClass::from(esm_class))
        .data_coding(DataCoding::from(coding))
        .short_message(OctetString::from_vec(short_message.to_vec()).unwrap())
        .build()
}

/// A `submit_sm` of `text` in UCS-2 from `SHOPVN` to `to`.
pub fn ad(to: &str, text: &str) -> SubmitSm {
    submit(to, 0, 0x08, &ucs2_encode(text))
}

/// An international number as a `submit_multi` destination.
pub fn sme(to: &str) -> DestAddress {
    DestAddress::SmeAddress(SmeAddress::new(
        Ton::International,
        Npi::Isdn,
        COctetString::from_string(to.into()).unwrap(),
    ))
}

/// A `submit_multi` of `text` in UCS-2 from `SHOPVN` to `dests`.
pub fn multi(dests: Vec<DestAddress>, text: &str) -> SubmitMulti {
    SubmitMulti::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_address(dests)
        .data_coding(DataCoding::from(0x08))
        .short_message(OctetString::from_vec(ucs2_encode(text)).unwrap())
        .build()
}

/// A `data_sm` from `SHOPVN` to `to` in UCS-2, its text to come in TLVs
/// ([`payload`]).
pub fn data_sm(to: &str) -> DataSm {
    DataSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(to.into()).unwrap())
        .esm_class(EsmClass::from(0))
        .data_coding(DataCoding::from(0x08))
        .build()
}
