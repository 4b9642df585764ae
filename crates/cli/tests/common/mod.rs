//! What the CLI tests share: the repository root and a runner for the built
//! `chanrac` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the binary runs there).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `chanrac` with `args` in the repository root.
pub fn chanrac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chanrac"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run chanrac")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
