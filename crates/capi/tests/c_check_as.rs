//! `tests/c/check_as.c`, compiled against `include/chanrac.h` (`cc -Wall
//! -Wextra -Wpedantic -Werror -std=c11`) and linked with `libchanrac.a`:
//! two engines on the example policy get the same events, one through
//! chanrac_check() (channel and kind as strings) and one through
//! chanrac_check_as() (as `CHANRAC_CHANNEL_*` and `CHANRAC_KIND_*`
//! constants, the event's strings set to nonsense), and must answer alike;
//! unknown constants are input errors.

mod common;

use std::process::Command;

use common::{build_library, workspace_root};

/// What `check_as examples/policy` prints.
const EXPECTED: &str = "\
e04 sms/ad allow - counted=1
e09 sms/ad block DNC counted=0
e06 sms/registration allow - counted=1
e06-again sms/registration block REGISTRATION_REPEAT counted=0
e11 call/ad allow - counted=1
e34 call/ad block FREQUENCY counted=0
e02 sms/care allow - counted=0
e27 call/p2p block SUSPENDED_SOURCE counted=0
e05 sms/ad allow - counted=1
e31 sms/ad allow - counted=1
e32 sms/ad allow - counted=1
e33 sms/ad block FREQUENCY counted=0
optin -/optin allow - counted=1
after-optin sms/ad allow - counted=1
optout -/optout allow - counted=1
after-optout sms/ad block REFUSED counted=0
reply sms/reply allow - counted=0
late sms/ad block OUTSIDE_WINDOW counted=0
channel 7: 1 unknown channel 7: expected CHANRAC_CHANNEL_SMS (1) or CHANRAC_CHANNEL_CALL (2)
kind 99: 1 unknown kind 99: expected CHANRAC_KIND_AD (1) to CHANRAC_KIND_REPLY (7)
no channel for an ad: 1 `channel` is CHANRAC_CHANNEL_NONE (0), allowed only for optin and \
optout: expected CHANRAC_CHANNEL_SMS (1) or CHANRAC_CHANNEL_CALL (2)
registration call: 1 a `registration` event is SMS only, not `call`
ok
";

#[test]
fn check_as_answers_as_check_does_from_c() {
    let program = build_library().compile_test_program("check_as");
    let out = Command::new(&program)
        .arg(workspace_root().join("examples/policy"))
        .output()
        .expect("the C program runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        program.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, EXPECTED);
}
