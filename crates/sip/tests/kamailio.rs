//! The shipped `examples/kamailio/kamailio.cfg`, run as it is by a real
//! Kamailio (Debian's `kamailio`, 5.6) with only its three defines given on
//! the command line (`-A LISTEN=…`, `-A CHANRAC_URI=…`, `-A GATEWAY_URI=…`):
//! `sipp` is the caller, a second `sipp` (a UAS) is the gateway, the built
//! `chanrac-sip` decides, all on 127.0.0.1.
//!
//! - an allowed call reaches the gateway and completes (200, ACK, BYE);
//! - a blocked call gets `603` with chanrac's `Reason` (and `Retry-After`
//!   when chanrac-sip gives one) and never reaches the gateway;
//! - while chanrac-sip is silent (stopped with SIGSTOP), a call fails
//!   closed with `503`;
//! - a call cancelled while the gateway rings ends `487` on both sides;
//! - sipp's own `uac` and `uas` complete a call, although that UAC sends its
//!   ACK and BYE to the proxy without the recorded route.
//!
//! Skips with a message when `kamailio` or `sipp` is missing, unless
//! `CHANRAC_REQUIRE_KAMAILIO` is set (`scripts/test` installs both and
//! sets it).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{consented, write_policy, Server, AD_CALLER, DNC_CALLEE, P2P_CALLER};

fn found(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `kamailio` on the PATH, else Debian's `/usr/sbin/kamailio` (not on a
/// user's PATH).
fn kamailio_bin() -> &'static str {
    if found("kamailio", "-v") {
        "kamailio"
    } else {
        "/usr/sbin/kamailio"
    }
}

fn available() -> bool {
    let missing: Vec<&str> = [(kamailio_bin(), "-v"), ("sipp", "-v")]
        .into_iter()
        .filter(|(p, a)| !found(p, a))
        .map(|(p, _)| p)
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CHANRAC_REQUIRE_KAMAILIO").is_none(),
        "CHANRAC_REQUIRE_KAMAILIO is set but {missing:?} is not installed (apt-get install kamailio sip-tester)"
    );
    eprintln!(
        "SKIPPED: {missing:?} not installed (apt-get install kamailio sip-tester); set CHANRAC_REQUIRE_KAMAILIO=1 to make this a failure"
    );
    false
}

/// A UDP port free on 127.0.0.1 at the time of asking.
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// A base for sipp's media ports (`-mp`): sipp binds the audio and the
/// video RTP ports and their RTCP ports, the base and the three after it,
/// so all four must be free, not only the one asked for (a video port
/// taken by another socket made sipp exit with `EADDRINUSE`).
fn free_media_port() -> u16 {
    for _ in 0..200 {
        let base = free_port() & !1;
        if !(1024..=u16::MAX - 4).contains(&base) {
            continue;
        }
        let held: Vec<_> = (base..base + 4)
            .map_while(|p| UdpSocket::bind(("127.0.0.1", p)).ok())
            .collect();
        if held.len() == 4 {
            return base;
        }
    }
    panic!("no four free UDP ports in a row on 127.0.0.1");
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

/// Sends SIGTERM (then SIGKILL after 10 s) and waits.
fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Kamailio on the shipped file, in the foreground, logging to stderr.
struct Kamailio {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    _run: tempfile::TempDir,
}

impl Kamailio {
    fn start(chanrac: SocketAddr, gateway: SocketAddr) -> Kamailio {
        let run = tempfile::tempdir().expect("temp dir");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("an address");
        let mut child = Command::new(kamailio_bin())
            .arg("-f")
            .arg(root().join("examples/kamailio/kamailio.cfg"))
            .args(["-DD", "-E", "-m", "64", "-M", "8"])
            .arg("-Y")
            .arg(run.path())
            .arg("-A")
            .arg(format!("LISTEN=udp:{addr}"))
            .arg("-A")
            .arg(format!("CHANRAC_URI=\"sip:{chanrac}\""))
            .arg("-A")
            .arg(format!("GATEWAY_URI=\"sip:{gateway}\""))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kamailio");
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let lines = log.clone();
            thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    lines.lock().expect("log lock").push(line);
                }
            });
        }
        let k = Kamailio {
            child,
            addr,
            log,
            _run: run,
        };
        k.wait_ready();
        k
    }

    /// Everything it logged so far.
    fn log(&self) -> String {
        self.log.lock().expect("log lock").join("\n")
    }

    /// Probes with OPTIONS (answered 200 by the file) until it answers.
    fn wait_ready(&self) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("set a read timeout");
        let me = sock.local_addr().expect("local address");
        let deadline = Instant::now() + Duration::from_secs(20);
        for i in 0.. {
            let probe = format!(
                "OPTIONS sip:{k} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-probe-{i}\r\n\
                 Max-Forwards: 70\r\nFrom: <sip:probe@{me}>;tag=probe\r\nTo: <sip:{k}>\r\n\
                 Call-ID: probe-{i}\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n",
                k = self.addr,
                n = i + 1,
            );
            let _ = sock.send_to(probe.as_bytes(), self.addr);
            let mut buf = [0u8; 4096];
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                if buf[..n].starts_with(b"SIP/2.0 200") {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "kamailio did not answer OPTIONS within 20 s; its log:\n{}",
                self.log()
            );
        }
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// The gateway: a sipp UAS answering `calls` calls, tracing what it got.
struct Gateway {
    child: Child,
    addr: SocketAddr,
    work: tempfile::TempDir,
}

impl Gateway {
    fn start(calls: u32) -> Gateway {
        Gateway::with("gateway_uas.xml", calls)
    }

    /// A gateway playing `scenario_file` (or, with a `builtin:` prefix,
    /// one of sipp's own scenarios) for `calls` calls.
    fn with(scenario_file: &str, calls: u32) -> Gateway {
        let work = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut cmd = Command::new("sipp");
        match scenario_file.strip_prefix("builtin:") {
            Some(name) => cmd.args(["-sn", name]),
            None => cmd.arg("-sf").arg(scenario(scenario_file)),
        };
        let child = cmd
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-m", &calls.to_string(), "-nostdin", "-trace_msg"])
            .args(["-timeout", "60s", "-timeout_error"])
            .current_dir(work.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the sipp gateway");
        Gateway {
            child,
            addr: format!("127.0.0.1:{port}").parse().expect("an address"),
            work,
        }
    }

    /// Every message it traced.
    fn trace(&self) -> String {
        read_logs(self.work.path())
    }

    /// Waits (at most 20 s) for it to finish its calls; its exit status.
    fn finish(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            thread::sleep(Duration::from_millis(50));
        }
        stop(&mut self.child);
        None
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// The text of every `*.log` file sipp left in `dir`.
fn read_logs(dir: &Path) -> String {
    fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
                .filter_map(|e| fs::read_to_string(e.path()).ok())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Runs one sipp call through Kamailio; returns its message trace, or
/// panics with every log unless sipp exits 0.
fn call(
    k: &Kamailio,
    server: &Server,
    file: &str,
    caller: &str,
    callee: &str,
    set: &[(&str, &str)],
) -> String {
    // sipp exits at start when one of its ports was taken between our
    // asking and its binding (another test's socket): nothing was sent
    // then, so the call is tried again on other ports, twice at most.
    let mut attempt = 0;
    let (work, out, started) = loop {
        attempt += 1;
        let work = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new("sipp");
        cmd.arg(k.addr.to_string());
        match file.strip_prefix("builtin:") {
            Some(name) => cmd.args(["-sn", name]),
            None => cmd.arg("-sf").arg(scenario(file)),
        };
        cmd.args(["-m", "1", "-s", callee, "-key", "caller", caller])
            .args(["-i", "127.0.0.1", "-p", &free_port().to_string()])
            .args(["-mp", &free_media_port().to_string(), "-nostdin"])
            .args(["-timeout", "20s", "-timeout_error", "-recv_timeout", "10s"])
            .args(["-trace_err", "-trace_msg"]);
        for (var, value) in set {
            cmd.args(["-set", var, value]);
        }
        let started = Instant::now();
        let out = cmd
            .current_dir(work.path())
            .stdin(Stdio::null())
            .output()
            .expect("run sipp");
        let port_taken = !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("Address already in use");
        if !port_taken || attempt == 3 {
            break (work, out, started);
        }
    };
    let trace = read_logs(work.path());
    assert!(
        out.status.success(),
        "sipp {file} {caller} -> {callee} {set:?} exited {:?} after {:?}\n\
         sipp stderr:\n{}\nsipp traces:\n{trace}\nkamailio log:\n{}\nchanrac-sip log:\n{}",
        out.status.code(),
        started.elapsed(),
        String::from_utf8_lossy(&out.stderr),
        k.log(),
        server.log()
    );
    trace
}

/// The header `name` of the received `SIP/2.0 {code}` answer in a sipp
/// message trace.
fn answer_header(trace: &str, code: u16, name: &str) -> Option<String> {
    let start = trace.find(&format!("SIP/2.0 {code} "))?;
    trace[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

#[test]
fn shipped_kamailio_cfg_routes_allowed_blocked_and_unanswered_calls() {
    if !available() {
        return;
    }
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let server = Server::start(policy.path(), &[]);
    // Two allowed calls reach the gateway: an ad call to a consenting
    // callee and an ordinary call.
    let mut gateway = Gateway::start(2);
    let k = Kamailio::start(server.addr, gateway.addr);
    let callee = consented(1);

    // Allowed: the ad call goes on to the gateway and completes.
    let trace = call(&k, &server, "call_through.xml", AD_CALLER, &callee, &[]);
    assert!(trace.contains("SIP/2.0 200 OK"), "{trace}");
    // An ordinary call too.
    call(&k, &server, "call_through.xml", P2P_CALLER, &callee, &[]);

    // Blocked: the same ad call again within 24 hours (R5), 603 with
    // chanrac's Reason and its Retry-After.
    let trace = call(
        &k,
        &server,
        "invite_603_proxied.xml",
        AD_CALLER,
        &callee,
        &[("expected", "FREQUENCY")],
    );
    let retry = answer_header(&trace, 603, "Retry-After")
        .unwrap_or_else(|| panic!("no Retry-After on the 603:\n{trace}"));
    assert!(
        retry.parse::<u64>().is_ok_and(|s| s > 0),
        "Retry-After: {retry}"
    );
    // Blocked: an ad call to a number on the DNC list.
    let trace = call(
        &k,
        &server,
        "invite_603_proxied.xml",
        AD_CALLER,
        DNC_CALLEE,
        &[("expected", "DNC")],
    );
    assert_eq!(
        answer_header(&trace, 603, "Reason").as_deref(),
        Some("SIP;cause=603;text=\"DNC\""),
        "{trace}"
    );

    // chanrac-sip silent (stopped, its socket still bound): fail closed.
    server.signal("STOP");
    let silent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        call(
            &k,
            &server,
            "invite_final.xml",
            AD_CALLER,
            &consented(2),
            &[],
        )
    }));
    server.signal("CONT");
    let trace = silent.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(trace.contains("SIP/2.0 503"), "{trace}");

    // The gateway saw exactly the two allowed calls, with their
    // Request-URIs untouched, and completed both.
    let code = gateway.finish();
    let seen = gateway.trace();
    assert_eq!(code, Some(0), "the gateway's calls:\n{seen}");
    let invites: Vec<&str> = seen
        .lines()
        .filter(|l| l.starts_with("INVITE sip:"))
        .collect();
    assert_eq!(invites.len(), 2, "{seen}");
    assert!(
        invites
            .iter()
            .all(|l| l.starts_with(&format!("INVITE sip:{callee}@{}", k.addr))),
        "{invites:?}"
    );
    assert!(
        !seen.contains(DNC_CALLEE),
        "a blocked call reached the gateway"
    );
    assert!(
        !seen.contains(&consented(2)),
        "an unchecked call reached the gateway"
    );
}

#[test]
fn a_call_cancelled_while_the_gateway_rings_ends_487() {
    if !available() {
        return;
    }
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let server = Server::start(policy.path(), &[]);
    let mut gateway = Gateway::with("gateway_uas_cancel.xml", 1);
    let k = Kamailio::start(server.addr, gateway.addr);
    let trace = call(
        &k,
        &server,
        "call_cancel.xml",
        P2P_CALLER,
        &consented(5),
        &[],
    );
    assert!(trace.contains("SIP/2.0 487"), "{trace}");
    let code = gateway.finish();
    assert_eq!(code, Some(0), "the gateway's call:\n{}", gateway.trace());
    assert!(
        gateway.trace().contains("CANCEL sip:"),
        "{}",
        gateway.trace()
    );
}

#[test]
fn sipps_own_uac_and_uas_complete_a_call_that_ignores_the_route_set() {
    if !available() {
        return;
    }
    // sipp's built-in UAC sends its ACK and BYE to the proxy by address,
    // without the Record-Route; the proxy carries them to the gateway.
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let server = Server::start(policy.path(), &[]);
    let mut gateway = Gateway::with("builtin:uas", 1);
    let k = Kamailio::start(server.addr, gateway.addr);
    let trace = call(&k, &server, "builtin:uac", "", &consented(6), &[]);
    assert!(trace.contains("SIP/2.0 200 OK"), "{trace}");
    let code = gateway.finish();
    let seen = gateway.trace();
    assert_eq!(code, Some(0), "the gateway's call:\n{seen}");
    for m in ["INVITE sip:", "ACK sip:", "BYE sip:"] {
        assert!(seen.contains(m), "the gateway got no {m}\n{seen}");
    }
}
