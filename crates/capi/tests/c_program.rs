//! Builds `libchanrac.a` and `libchanrac.so`, compiles `examples/c/check.c`
//! against `include/chanrac.h` with `cc -Wall -Wextra -Wpedantic -Werror
//! -std=c11`, links it statically and dynamically, runs both and checks
//! their output.
//!
//! `cargo test` builds this crate's library only as a test harness, so the
//! test runs `cargo build -p chanrac-capi --lib` itself, into the same
//! target directory and profile as the test binary (found from its path, so
//! `CARGO_TARGET_DIR`, `--release` and `--target` are all honoured).

mod common;

use std::path::Path;
use std::process::Command;

use common::{build_library, workspace_root};

/// What `check examples/policy` prints.
const EXPECTED: &str = "\
chanrac 0.1.0
e04 allow -
e09 block DNC
e06 allow -
e06-again block REGISTRATION_REPEAT
e16 block LABEL
e17 block PHONE_SENDER
e05 allow -
e31 allow -
e32 allow -
e33 block FREQUENCY retry_at=1772500200
bad recipient: bad number `091234567` in `recipient`: not `84` followed by 9 or 10 digits (accepted: 0…, +84…, 84…, 0084…) nor a 3 to 6 digit short code
unknown kind: unknown kind `spam`: expected ad, registration, care, p2p, optin or optout
dnc-added block DNC
dnc-removed allow -
dnc merged 1, pending 0
dnc bad number: bad number `12`: not `84` followed by 9 or 10 digits (accepted: 0…, +84…, 84…, 0084…) nor a 3 to 6 digit short code
reload missing policy: error 2
after reload, 0987654321 scopes 2
after discard, 0987654321 scopes 0
after-reload block DNC
threads before fork: 1
child e11 allow -
child e34 block FREQUENCY retry_at=1772503200
parent e11 allow -
ok
";

/// Compiles `examples/c/check.c` with `link` as the library arguments.
fn compile(out: &Path, link: &[String]) {
    let root = workspace_root();
    let status = Command::new("cc")
        .current_dir(&root)
        .args([
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-std=c11",
            "-I",
            "include",
        ])
        .arg("examples/c/check.c")
        .args(link)
        .arg("-o")
        .arg(out)
        .status()
        .expect("a C compiler `cc` (scripts/test installs gcc when missing)");
    assert!(status.success(), "cc failed for {}", out.display());
}

/// Runs the program on the example policy; returns what it printed.
fn run(program: &Path) -> String {
    let out = Command::new(program)
        .arg(workspace_root().join("examples/policy"))
        .output()
        .expect("the C program runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        program.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn example_program_links_statically_and_dynamically_and_runs() {
    let lib = build_library();
    let tmp = tempfile::tempdir().expect("a temporary directory");

    let stat = tmp.path().join("check-static");
    compile(
        &stat,
        &[
            lib.dir.join("libchanrac.a").display().to_string(),
            "-lpthread".into(),
            "-ldl".into(),
            "-lm".into(),
        ],
    );
    assert_eq!(run(&stat), EXPECTED);

    let dynamic = tmp.path().join("check-dynamic");
    compile(
        &dynamic,
        &[
            format!("-L{}", lib.dir.display()),
            "-lchanrac".into(),
            format!("-Wl,-rpath,{}", lib.dir.display()),
        ],
    );
    assert_eq!(run(&dynamic), EXPECTED);
}
