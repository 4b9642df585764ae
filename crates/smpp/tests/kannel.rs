//! Kannel (Debian's `kannel`: bearerbox + smsbox, HTTP `sendsms`) as the
//! ESME through `chanrac-smpp` to the sink SMSC, which returns delivery
//! receipts and injects a subscriber's reply: Kannel gets a real receipt
//! (`dlr-mask` 1) for the allowed message and its own rejection (16) for the
//! blocked one; the reply `TC` reaches Kannel's MO handling (`get-url`) and
//! the next ad to that subscriber is refused (`REFUSED`). Skipped when
//! `bearerbox` is missing, unless `CHANRAC_REQUIRE_KANNEL` is set.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chanrac_smpp::sink::Sink;
use common::{policy_with_logins, skip_missing_peer, ProxyProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn kannel_available() -> bool {
    ["bearerbox", "smsbox"].iter().all(|b| {
        Command::new("sh")
            .args(["-c", &format!("command -v {b} || test -x /usr/sbin/{b}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn bin(name: &str) -> String {
    let sbin = format!("/usr/sbin/{name}");
    if std::path::Path::new(&sbin).exists() {
        sbin
    } else {
        name.to_string()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTP server that records every request's path and query and answers
/// `200` with an empty body (Kannel's DLR and MO callbacks).
async fn recorder() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut n = 0;
                while n < buf.len() {
                    match c.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => n += k,
                    }
                    if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                if let Some(target) = head.split_whitespace().nth(1) {
                    s.lock().unwrap().push(target.to_string());
                }
                let _ = c
                    .write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (port, seen)
}

/// `GET` on 127.0.0.1:`port`: the status line and body.
async fn get(port: u16, target: &str) -> String {
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    c.write_all(format!("GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).to_string()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn until(what: &str, seen: &Mutex<Vec<String>>, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "never happened: {what}; requests: {:?}",
        seen.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kannel_gets_receipts_rejections_and_replies_through_the_proxy() {
    if skip_missing_peer(
        kannel_available(),
        "CHANRAC_REQUIRE_KANNEL",
        "Kannel's bearerbox/smsbox are missing (apt-get install kannel)",
    ) {
        return;
    }
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    // The ad account has its own SMSC login: MO on it are its replies.
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let (http, seen) = recorder().await;
    let (admin, boxport, sendsms) = (free_port(), free_port(), free_port());
    let work = tempfile::tempdir().unwrap();
    let log = |n: &str| work.path().join(n).display().to_string();
    let conf = format!(
        r#"group = core
admin-port = {admin}
admin-password = adm
smsbox-port = {boxport}
box-allow-ip = 127.0.0.1
log-file = "{bearer_log}"
log-level = 0
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = chanrac
host = 127.0.0.1
port = {proxy}
transceiver-mode = true
smsc-username = shopvn_ad
smsc-password = secret1
system-type = ""
source-addr-ton = 5
source-addr-npi = 0
dest-addr-ton = 1
dest-addr-npi = 1
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {boxport}
sendsms-port = {sendsms}
log-file = "{smsbox_log}"
log-level = 0

group = sendsms-user
username = u
password = p

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:{http}/mo?from=%p&to=%P&text=%a"
"#,
        bearer_log = log("bearerbox.log"),
        smsbox_log = log("smsbox.log"),
        proxy = proxy.port,
    );
    let conf_path = work.path().join("kannel.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let spawn = |b: &str| {
        Proc(
            Command::new(bin(b))
                .arg(&conf_path)
                .current_dir(work.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let _bearerbox = spawn("bearerbox");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _smsbox = spawn("smsbox");
    let logs = || {
        format!(
            "bearerbox:\n{}\nsmsbox:\n{}\nproxy:\n{}",
            std::fs::read_to_string(log("bearerbox.log")).unwrap_or_default(),
            std::fs::read_to_string(log("smsbox.log")).unwrap_or_default(),
            proxy.stderr()
        )
    };
    // Kannel bound through the proxy, and the proxy to the SMSC.
    for _ in 0..200 {
        if proxy.stderr().contains("bound")
            && TcpStream::connect(("127.0.0.1", sendsms)).await.is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let send = |to: &str, text: &str, tag: &str| {
        let dlr = format!("http://127.0.0.1:{http}/dlr?tag={tag}&type=%d");
        format!(
            "/cgi-bin/sendsms?username=u&password=p&from=SHOPVN&to={to}&text={}&charset=UTF-8&coding=2&dlr-mask=19&dlr-url={}",
            enc(text),
            enc(&dlr)
        )
    };
    let dlrs = |tag: &str| -> Vec<String> {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with(&format!("/dlr?tag={tag}&")))
            .cloned()
            .collect()
    };
    // Kannel may take a moment to bind: sendsms queues until it does.
    let r = get(sendsms, &send("84912000001", "[QC] Ưu đãi cuối tuần", "ok")).await;
    assert!(r.contains("202") || r.contains("Sent"), "{r}\n{}", logs());
    let r = get(sendsms, &send("84912000009", "[QC] Ưu đãi DNC", "dnc")).await;
    assert!(r.contains("202") || r.contains("Sent"), "{r}");
    // A real receipt for the allowed one (type 1: delivered)...
    until("a delivered receipt", &seen, || {
        dlrs("ok").iter().any(|d| d.ends_with("type=1"))
    })
    .await;
    assert_eq!(sink.received().len(), 1, "{:#?}", sink.received());
    assert!(sink
        .receipts()
        .contains(&(sink.received()[0].message_id.clone(), 0)));
    // ...and Kannel's own rejection for the blocked one (16: SMSC reject).
    until("a rejection", &seen, || {
        dlrs("dnc").iter().any(|d| d.ends_with("type=16"))
    })
    .await;
    assert!(!dlrs("dnc").iter().any(|d| d.ends_with("type=1")));

    // The subscriber replies TC: it reaches Kannel's MO handling...
    let mut st = None;
    for _ in 0..200 {
        st = sink
            .deliver_mo("smsc_ad", "84912000006", "9029", "TC")
            .await;
        if st == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(st, Some(0), "{}", logs());
    let mo_seen = || {
        seen.lock().unwrap().iter().any(|p| {
            // Kannel writes the international number with its `+` and the
            // UCS-2 text as it came.
            p.starts_with("/mo?")
                && p.contains("84912000006")
                && (p.contains("text=TC") || p.contains("text=%00T%00C"))
        })
    };
    for _ in 0..300 {
        if mo_seen() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        mo_seen(),
        "no MO at get-url: {:?}\n{}",
        seen.lock().unwrap(),
        logs()
    );
    // ...and the next ad to that subscriber is refused.
    let r = get(sendsms, &send("84912000006", "[QC] Ưu đãi mới", "after")).await;
    assert!(r.contains("202") || r.contains("Sent"), "{r}");
    until("a rejection after the reply", &seen, || {
        dlrs("after").iter().any(|d| d.ends_with("type=16"))
    })
    .await;
    assert_eq!(sink.received().len(), 1);
    assert!(proxy.stderr().contains("REFUSED"), "{}", logs());
}
