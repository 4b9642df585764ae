//! The check both adapters' tests run on their shipped systemd unit
//! (`crates/{sip,smpp}/tests/systemd.rs` include this file): `systemd-analyze
//! verify` accepts it without a word (unknown keys and bad values are only
//! warnings there, so any output fails), it reloads with SIGHUP, restarts
//! on failure, is hardened, and every option it passes is one the built
//! adapter knows.
//!
//! Skips the `systemd-analyze` part when it is missing, unless
//! `CHANRAC_REQUIRE_SYSTEMD_ANALYZE` is set (`scripts/test` sets it).

use std::path::Path;
use std::process::Command;

/// Checks the shipped unit `name` (a file of `examples/systemd/`) against
/// the built adapter `bin`.
pub fn check(name: &str, bin: &str) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/systemd")
        .join(name);
    let text = std::fs::read_to_string(&shipped).expect("read the unit");
    let installed = format!("/usr/bin/{}", name.trim_end_matches(".service"));

    // What an operator relies on.
    for line in [
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "SystemCallFilter=@system-service",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == line),
            "{name} lacks `{line}`"
        );
    }
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    assert!(exec.starts_with(&installed), "{exec}");

    // Every option the unit passes (ExecStart and the default options in
    // Environment=) is one the binary knows.
    let help = Command::new(bin)
        .arg("--help")
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let passed = text
        .lines()
        .filter(|l| l.starts_with("ExecStart=") || l.starts_with("Environment="))
        .flat_map(|l| l.split([' ', '"']))
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .collect::<Vec<_>>();
    assert!(passed.iter().any(|o| o == "policy"), "{passed:?}");
    for o in &passed {
        assert!(
            help.contains(&format!("--{o}")),
            "{name} passes --{o}, unknown to {bin}"
        );
    }

    let Some(analyze) = systemd_analyze() else {
        return;
    };
    // Verified with the built binary where the package installs it (verify
    // checks that the ExecStart program exists); nothing else changed.
    let dir = tempfile::tempdir().expect("temp dir");
    let unit = dir.path().join(name);
    std::fs::write(&unit, text.replace(&installed, bin)).expect("write the unit");
    let out = Command::new(analyze)
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("run systemd-analyze");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify {name}: {:?}\n{said}",
        out.status.code()
    );
}

fn systemd_analyze() -> Option<&'static str> {
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("systemd-analyze");
    }
    assert!(
        std::env::var_os("CHANRAC_REQUIRE_SYSTEMD_ANALYZE").is_none(),
        "CHANRAC_REQUIRE_SYSTEMD_ANALYZE is set but systemd-analyze is missing (apt-get install systemd)"
    );
    eprintln!("SKIPPED: systemd-analyze is missing (apt-get install systemd); set CHANRAC_REQUIRE_SYSTEMD_ANALYZE=1 to make this a failure");
    None
}
