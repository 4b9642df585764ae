//! Prometheus's own check of an exposition.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// `promtool check metrics` accepts `text` without a word (skipped with a
/// line on standard error when promtool is missing, unless
/// `CHANRAC_REQUIRE_PROMTOOL` is set).
pub fn promtool_check(text: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var_os("CHANRAC_REQUIRE_PROMTOOL").is_none(),
            "CHANRAC_REQUIRE_PROMTOOL is set but promtool is missing (apt-get install prometheus)"
        );
        eprintln!("SKIPPED promtool check: promtool is missing (apt-get install prometheus)");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("write to promtool: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("promtool: {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {said}\n{text}"
    );
}
