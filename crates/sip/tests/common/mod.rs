//! What the `chanrac-sip` tests share: a policy in a temporary directory,
//! the built server on a free 127.0.0.1 UDP port, and a plain UDP client.
#![allow(dead_code, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Every event is stamped with this time: a Monday, inside the call window.
pub const TIME: &str = "2026-03-02T09:15:00+07:00";
/// Registered for ad calls by `shopx` (written `024 7300 1234` in the policy).
pub const AD_CALLER: &str = "02473001234";
/// An ordinary subscriber.
pub const P2P_CALLER: &str = "0987654321";
/// On the suspended list (S2).
pub const SUSPENDED_CALLER: &str = "0977000666";
/// On the DNC list for calls.
pub const DNC_CALLEE: &str = "0912000001";

/// A callee that consented to `shopx`'s ads: `0912000100` + `i`.
pub fn consented(i: u32) -> String {
    format!("09120001{i:02}")
}

/// Writes the test policy into `dir`: `shopx` owns the ad-call number
/// [`AD_CALLER`], [`DNC_CALLEE`] refuses ad calls, and every callee (the DNC
/// one too, so that its only reason is `DNC`) consented to `shopx`.
pub fn write_policy(dir: &Path) {
    fs::write(
        dir.join("brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\n024 7300 1234,shopx,active,2025-01-01,2027-12-31\n",
    )
    .expect("write brandnames.csv");
    fs::write(
        dir.join("dnc.csv"),
        format!("number,scope\n{DNC_CALLEE},call\n"),
    )
    .expect("write dnc.csv");
    let mut consents = String::from("advertiser,recipient,state,time\n");
    for n in std::iter::once(DNC_CALLEE.to_string()).chain((0..40).map(consented)) {
        consents.push_str(&format!("shopx,{n},optin,2026-01-01T08:00:00+07:00\n"));
    }
    fs::write(dir.join("consents.csv"), consents).expect("write consents.csv");
    fs::write(
        dir.join("suspended.csv"),
        format!("number,reason\n{SUSPENDED_CALLER},reported\n"),
    )
    .expect("write suspended.csv");
}

/// A running `chanrac-sip`, killed when dropped.
pub struct Server {
    child: Child,
    /// Where it answers.
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `chanrac-sip --policy POLICY --listen 127.0.0.1:0 --fixed-time
    /// TIME` plus `extra`, and waits for the address it logs.
    pub fn start(policy: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chanrac-sip"))
            .arg("--policy")
            .arg(policy)
            .args(["--listen", "127.0.0.1:0", "--fixed-time", TIME])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chanrac-sip");
        let stderr = child.stderr.take().expect("stderr piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let lines = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on udp ").nth(1) {
                    let _ = tx.send(addr.trim().parse::<SocketAddr>());
                }
                lines.lock().expect("log lock").push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(addr)) => Server { child, addr, log },
            other => {
                let _ = child.kill();
                let _ = child.wait();
                thread::sleep(Duration::from_millis(100));
                panic!(
                    "chanrac-sip did not start ({other:?}); its log:\n{}",
                    log.lock().expect("log lock").join("\n")
                );
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").join("\n")
    }

    /// Waits (at most 10 s) until a log line contains `needle`, counting
    /// from line `from`; returns the index after that line.
    pub fn wait_log(&self, needle: &str, from: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            {
                let log = self.log.lock().expect("log lock");
                if let Some(i) = log.iter().skip(from).position(|l| l.contains(needle)) {
                    return from + i + 1;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no log line with `{needle}`; the log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many lines it logged so far.
    pub fn log_len(&self) -> usize {
        self.log.lock().expect("log lock").len()
    }

    /// Sends it a signal with `kill(1)`.
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Kills it with SIGKILL (no chance to flush anything) and waits.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain UDP client on 127.0.0.1.
pub struct Client {
    sock: UdpSocket,
    server: SocketAddr,
}

impl Client {
    /// A client of `server`.
    pub fn new(server: SocketAddr) -> Client {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind a client socket");
        sock.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("set a read timeout");
        Client { sock, server }
    }

    /// The client's own address (for `Via`).
    pub fn local(&self) -> SocketAddr {
        self.sock.local_addr().expect("local address")
    }

    /// Sends one datagram.
    pub fn send(&self, bytes: &[u8]) {
        self.sock.send_to(bytes, self.server).expect("send");
    }

    /// The next datagram, as text.
    pub fn recv(&self) -> String {
        let mut buf = [0u8; 65_536];
        let (n, _) = self.sock.recv_from(&mut buf).expect("an answer within 5 s");
        String::from_utf8(buf[..n].to_vec()).expect("an answer in UTF-8")
    }

    /// Sends `bytes` and returns the answer.
    pub fn ask(&self, bytes: &[u8]) -> String {
        self.send(bytes);
        self.recv()
    }

    /// An INVITE with `Call-ID: call_id`, `CSeq: cseq INVITE`, from `caller`
    /// to `callee`; `extra` header lines (each ending `\r\n`) go after `To`.
    pub fn invite(
        &self,
        call_id: &str,
        cseq: u32,
        caller: &str,
        callee: &str,
        extra: &str,
    ) -> String {
        let me = self.local();
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        format!(
            "INVITE sip:{callee}@{server};user=phone SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bK-{call_id}-{cseq};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"Caller\" <sip:{caller}@{me}>;tag=from-{call_id}\r\n\
             To: <sip:{callee}@{server}>\r\n\
             {extra}\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} INVITE\r\n\
             Contact: <sip:{caller}@{me}>\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: {len}\r\n\r\n{sdp}",
            server = self.server,
            len = sdp.len(),
        )
    }
}

/// The status code of a response.
pub fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not a response: {response:?}"))
}

/// The value of the first header `name` of a response.
pub fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .split("\r\n")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The `text` of a 603's `Reason` header.
pub fn reason_text(response: &str) -> Option<&str> {
    header(response, "Reason")?
        .split("text=\"")
        .nth(1)?
        .split('"')
        .next()
}
