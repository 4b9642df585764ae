//! A real C program on the C ABI with a shared store: `tests/c/shared_state.c`
//! compiled against `include/chanrac.h` (`cc -Wall -Wextra -Wpedantic
//! -Werror -std=c11`), linked with `libchanrac.a`, run against a real
//! `redis-server` on loopback (skipped when it is not installed, unless
//! `CHANRAC_REQUIRE_REDIS=1`).
//!
//! - Forked workers: the engine is opened in the parent with nothing
//!   connected (the server's client count says so), 4 workers forked from
//!   it race for the same ad calls (exactly one per pair), then 4 more,
//!   forked after the parent has checked on its own connection, race for ad
//!   SMS (exactly three per pair, the parent's included; an opt-out the
//!   parent recorded honoured by all), with no `STATE_UNAVAILABLE` and no
//!   thread started.
//! - The server killed: checks are blocked with `STATE_UNAVAILABLE`, fast;
//!   restarted: the same engine answers right again.
//! - A URL that does not parse fails the open with a clear message.
//! - The C program's forked workers and a real `chanrac-sip` process (built
//!   by the test) race for the same ad calls: exactly one per pair across
//!   both, and every other answer is a `FREQUENCY` block.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use chanrac_testkit::RedisServer;

use common::{build_library, workspace_root};

/// Compiles the program, statically linked, once per test run (into the
/// target directory, beside the library); its path.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| build_library().compile_test_program("shared_state"))
}

/// The example policy with `require_consent = false` (ads need no consent
/// record; the consent ledger is exercised by opt-outs), in `dir`.
fn policy(dir: &Path) -> PathBuf {
    let from = workspace_root().join("examples/policy");
    let to = dir.join("policy");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(&from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(to.join("policy.toml")).unwrap();
    assert!(toml.contains("require_consent = true"));
    std::fs::write(
        to.join("policy.toml"),
        toml.replace("require_consent = true", "require_consent = false"),
    )
    .unwrap();
    to
}

/// The program running, read line by line; answers its questions.
struct Run {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    seen: Vec<String>,
}

impl Run {
    fn start(program: &Path, args: &[&str]) -> Run {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the C program starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Run {
            child,
            stdin,
            stdout,
            seen: Vec::new(),
        }
    }

    /// Lines up to the question `prompt?` (the program ends itself within
    /// 120 s, so this cannot wait for ever).
    fn until(&mut self, prompt: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "the program ended before `{prompt}?`:\n{}\n{}",
                self.seen.join("\n"),
                lines.join("\n")
            );
            let line = line.trim_end().to_string();
            if line == format!("{prompt}?") {
                self.seen.extend(lines.iter().cloned());
                return lines;
            }
            lines.push(line);
        }
    }

    fn answer(&mut self) {
        writeln!(self.stdin, "go").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The remaining lines; asserts the program succeeded.
    fn finish(mut self) -> Vec<String> {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = rest.lines().map(String::from).collect();
        assert!(
            status.success(),
            "the program failed ({status}):\n{}\n{}",
            self.seen.join("\n"),
            rest.join("\n")
        );
        rest
    }
}

/// The server's `connected_clients` (this query's own connection included).
fn clients(port: u16) -> i64 {
    let info = chanrac_testkit::cmd(port, &["INFO", "clients"]).unwrap();
    let info = info.as_str().unwrap().to_string();
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has connected_clients")
}

/// Runs the program's `race` on the store at `url`, whose nodes listen on
/// `ports`, and checks what it saw.
fn race_on(url: &str, ports: &[u16]) {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path());
    // The clients of every node before (this query's own, a replica's link
    // to its master...).
    let before: Vec<i64> = ports.iter().map(|&p| clients(p)).collect();
    let mut run = Run::start(program(), &["race", policy.to_str().unwrap(), url]);
    run.until("opened");
    // Opened, nothing connected: no node has one client more.
    let after: Vec<i64> = ports.iter().map(|&p| clients(p)).collect();
    assert_eq!(after, before, "clients of the nodes {ports:?}");
    run.answer();
    let out = run.finish();
    let want = [
        "calls allowed per pair: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
        "calls unavailable 0 errors 0 miscounted 0 worker threads 1",
        "parent sms pair 0 allow -",
        "parent optout pair 1 allow -",
        "texts allowed per pair: 2 0 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",
        "texts unavailable 0 errors 0 miscounted 0 worker threads 1",
        "parent store shared 1 unavailable 0",
        "ok",
    ];
    assert_eq!(out, want);
}

#[test]
fn forked_workers_share_exact_caps_on_one_store() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    race_on(&redis.url(), &[redis.port()]);
}

/// The same on a Redis Cluster (3 masters, 3 replicas), given by its seed
/// nodes: the pairs spread over the masters' slots.
#[test]
fn forked_workers_share_exact_caps_on_a_cluster() {
    let Some(cluster) = chanrac_testkit::RedisCluster::start() else {
        return;
    };
    race_on(&cluster.urls().join(","), &cluster.ports());
}

#[test]
fn a_killed_store_blocks_with_state_unavailable_then_answers_again() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path());
    let url = redis.url();
    let mut run = Run::start(program(), &["outage", policy.to_str().unwrap(), &url]);
    assert_eq!(run.until("kill"), ["up allow -"]);
    redis.kill();
    run.answer();
    let down = run.until("restart");
    assert_eq!(down[0], "down block STATE_UNAVAILABLE x5", "{down:?}");
    // Within about the 50 ms deadline; a generous bound only a hang (or a
    // wait for a connect timeout) would pass.
    let slowest: f64 = down[1]
        .strip_prefix("down slowest ms ")
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{down:?}"));
    assert!(
        slowest < 2_000.0,
        "a check took {slowest} ms with the store down"
    );
    assert_eq!(down[2], "down store unavailable 5", "{down:?}");
    redis.restart();
    run.answer();
    // The server came back empty: the pair's first call is allowed, the
    // second is over the cap (it was counted in the store).
    assert_eq!(
        run.finish(),
        ["back allow -", "again block FREQUENCY", "ok"]
    );
}

#[test]
fn an_unparsable_url_fails_to_open_and_a_down_store_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path());
    let out = Run::start(program(), &["badurl", policy.to_str().unwrap()]).finish();
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(
        out[0].starts_with("bad url: error 1: state: bad store URL: `redis://:bad`"),
        "{out:?}"
    );
    assert_eq!(out[1..], ["store down: opened", "ok"]);
}

/// A running `chanrac-sip`, killed when dropped.
struct Sip {
    child: Child,
    addr: std::net::SocketAddr,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Sip {
    /// `chanrac-sip --state URL` on `policy`, its clock fixed at 09:00 of
    /// the C program's day; waits for the address it listens on.
    fn start(policy: &Path, url: &str) -> Sip {
        let mut child = Command::new(common::build_sip())
            .arg("--policy")
            .arg(policy)
            .args(["--listen", "127.0.0.1:0"])
            .args(["--fixed-time", "2026-03-02T09:00:00+07:00"])
            .args(["--state", url, "--store-deadline-ms", "10000"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chanrac-sip starts");
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on udp ").nth(1) {
                    let _ = tx.send(addr.trim().parse::<std::net::SocketAddr>());
                }
                lines.lock().unwrap().push(line);
            }
        });
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(Ok(addr)) => Sip { child, addr, log },
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "chanrac-sip did not start ({other:?}):\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        }
    }
}

impl Drop for Sip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends the ad calls `(Call-ID, callee)` from the policy's ad-call number
/// to `sip` all at once, sending the unanswered ones again every 500 ms (as
/// a switch does) for at most 30 s; the status of each, by Call-ID.
fn invites(
    sip: std::net::SocketAddr,
    calls: &[(String, String)],
) -> std::collections::HashMap<String, String> {
    use std::time::{Duration, Instant};
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let me = sock.local_addr().unwrap();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = |id: &str, callee: &str| {
        format!(
            "INVITE sip:{callee}@{sip};user=phone SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bK-{id};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"Caller\" <sip:02473001234@{me}>;tag=from-{id}\r\n\
             To: <sip:{callee}@{sip}>\r\n\
             Call-ID: {id}\r\n\
             CSeq: 1 INVITE\r\n\
             Contact: <sip:02473001234@{me}>\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: {len}\r\n\r\n{sdp}",
            len = sdp.len(),
        )
    };
    let mut answers = std::collections::HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 65_536];
    while answers.len() < calls.len() {
        assert!(
            Instant::now() < deadline,
            "chanrac-sip left calls unanswered"
        );
        for (id, callee) in calls.iter().filter(|c| !answers.contains_key(&c.0)) {
            sock.send_to(invite(id, callee).as_bytes(), sip).unwrap();
        }
        let round = Instant::now() + Duration::from_millis(500);
        while answers.len() < calls.len() && Instant::now() < round {
            let Ok((n, _)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let r = String::from_utf8_lossy(&buf[..n]).into_owned();
            let status = r.lines().next().unwrap_or_default().to_string();
            if status.starts_with("SIP/2.0 1") {
                continue; // 100 Trying
            }
            let id = r
                .split("\r\n")
                .find_map(|l| l.strip_prefix("Call-ID: "))
                .unwrap_or_else(|| panic!("an answer without Call-ID: {r}"))
                .to_string();
            let reason = r
                .split("\r\n")
                .find_map(|l| l.strip_prefix("Reason: "))
                .unwrap_or("")
                .to_string();
            answers.insert(id, format!("{status} {reason}"));
        }
    }
    answers
}

/// The C program's forked workers and a `chanrac-sip` process race for the
/// same ad calls on one store: exactly one gets through per pair, whoever
/// answers it.
#[test]
fn the_c_program_and_chanrac_sip_share_the_caps() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path());
    let url = redis.url();
    let sip = Sip::start(&policy, &url);
    let program = program();
    // The same 20 callees as the C workers, 3 calls each.
    let calls: Vec<(String, String)> = (0..20)
        .flat_map(|i| (0..3).map(move |k| (format!("c{i}-{k}"), format!("09120{:05}", 100 + i))))
        .collect();
    let c = Run::start(program, &["calls", policy.to_str().unwrap(), &url]);
    let answers = invites(sip.addr, &calls);
    let out = c.finish();
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[1], "calls unavailable 0 errors 0 miscounted 0");
    let from_c: Vec<u32> = out[0]
        .strip_prefix("calls allowed per pair: ")
        .unwrap_or_else(|| panic!("{out:?}"))
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(from_c.len(), 20);
    for (i, c_allowed) in from_c.iter().enumerate() {
        let mine: Vec<&String> = (0..3).map(|k| &answers[&format!("c{i}-{k}")]).collect();
        let sip_allowed = mine.iter().filter(|a| a.starts_with("SIP/2.0 302")).count();
        // Blocked only for the cap, which chanrac-sip reads in the store.
        assert!(
            mine.iter().all(|a| a.starts_with("SIP/2.0 302")
                || (a.starts_with("SIP/2.0 603") && a.contains("text=\"FREQUENCY\""))),
            "{mine:?}\n{}",
            sip.log.lock().unwrap().join("\n")
        );
        assert_eq!(
            *c_allowed as usize + sip_allowed,
            1,
            "pair {i}: {c_allowed} through the C ABI, {mine:?} through chanrac-sip"
        );
    }
}
