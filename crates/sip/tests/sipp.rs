//! A real SIP peer: `sipp` (Debian's `sip-tester`) runs UAC scenarios
//! (`tests/scenarios/*.xml`) against the built `chanrac-sip`, one call
//! each, and must see 603 with the exact `Reason` text, or 302 with
//! `Contact` = the Request-URI.
//!
//! Skips with a message when `sipp` is missing, unless
//! `CHANRAC_REQUIRE_SIPP` is set (`scripts/test` installs sipp and sets it).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{consented, write_policy, Server, AD_CALLER, DNC_CALLEE, P2P_CALLER};

fn sipp_available() -> bool {
    let found = Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CHANRAC_REQUIRE_SIPP").is_none(),
            "CHANRAC_REQUIRE_SIPP is set but `sipp` is not installed (apt-get install sip-tester)"
        );
        eprintln!("SKIPPED: `sipp` is not installed (apt-get install sip-tester); set CHANRAC_REQUIRE_SIPP=1 to make this a failure");
    }
    found
}

/// What a scenario must see.
enum Expect<'a> {
    /// 302 with `Contact: <sip:CALLEE@server>`.
    Redirect,
    /// 603 with `Reason: …;text="…"` exactly this.
    Decline(&'a str),
}

/// Runs one sipp call from `caller` to `callee`; panics with sipp's
/// output unless it exits 0 (every call successful).
fn sipp(server: &Server, work: &Path, caller: &str, callee: &str, expect: Expect<'_>) {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let target = format!("sip:{callee}@{}", server.addr);
    let (file, var, value) = match expect {
        Expect::Redirect => ("invite_302.xml", "target", target.as_str()),
        Expect::Decline(text) => ("invite_603.xml", "expected", text),
    };
    let started = Instant::now();
    let out = Command::new("sipp")
        .arg(server.addr.to_string())
        .arg("-sf")
        .arg(scenarios.join(file))
        .args(["-m", "1", "-s", callee, "-key", "caller", caller])
        .args(["-set", var, value])
        .args(["-i", "127.0.0.1", "-nostdin"])
        .args(["-timeout", "15s", "-timeout_error", "-recv_timeout", "5s"])
        .args(["-trace_err", "-trace_msg"])
        .current_dir(work)
        .stdin(Stdio::null())
        .output()
        .expect("run sipp");
    let traces: String = std::fs::read_dir(work)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    assert!(
        out.status.success(),
        "sipp {file} {caller} -> {callee} ({var}={value}) exited {:?} after {:?}\n\
         sipp stderr:\n{}\nsipp traces:\n{traces}\nchanrac-sip log:\n{}",
        out.status.code(),
        started.elapsed(),
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    for e in std::fs::read_dir(work).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
}

#[test]
fn sipp_uac_scenarios() {
    if !sipp_available() {
        return;
    }
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let work = tempfile::tempdir().expect("temp dir");
    let server = Server::start(policy.path(), &[]);
    let callee = consented(1);

    // An ad call to a number on the DNC list for calls.
    sipp(
        &server,
        work.path(),
        AD_CALLER,
        DNC_CALLEE,
        Expect::Decline("DNC"),
    );
    // The first ad call of the day to a consenting callee goes through…
    sipp(&server, work.path(), AD_CALLER, &callee, Expect::Redirect);
    // …the second within 24 hours does not (R5: one ad call per day).
    sipp(
        &server,
        work.path(),
        AD_CALLER,
        &callee,
        Expect::Decline("FREQUENCY"),
    );
    // An ordinary call to the same callee is not an ad: 302.
    sipp(&server, work.path(), P2P_CALLER, &callee, Expect::Redirect);
    // An ordinary call to the DNC number too (the DNC list is about ads).
    sipp(
        &server,
        work.path(),
        P2P_CALLER,
        DNC_CALLEE,
        Expect::Redirect,
    );
}
