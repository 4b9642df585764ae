//! What the C program tests share: the library built for the test's
//! target directory and profile.

#![allow(dead_code)] // each test binary uses its part

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built libraries.
pub struct Artifacts {
    /// `<target>/<triple>?/<profile>`: where cargo puts the libraries.
    pub dir: PathBuf,
}

impl Artifacts {
    /// Compiles `crates/capi/tests/c/NAME.c` against `include/chanrac.h`
    /// (`cc -Wall -Wextra -Wpedantic -Werror -std=c11`), linked with
    /// `libchanrac.a`, into `capi-tests/NAME` beside the library; its path.
    pub fn compile_test_program(&self, name: &str) -> PathBuf {
        let out = self.dir.join("capi-tests").join(name);
        std::fs::create_dir_all(out.parent().expect("capi-tests"))
            .expect("the program's directory can be made");
        let status = Command::new("cc")
            .current_dir(workspace_root())
            .args([
                "-Wall",
                "-Wextra",
                "-Wpedantic",
                "-Werror",
                "-std=c11",
                "-I",
                "include",
            ])
            .arg(format!("crates/capi/tests/c/{name}.c"))
            .arg(self.dir.join("libchanrac.a"))
            .args(["-lpthread", "-ldl", "-lm", "-o"])
            .arg(&out)
            .status()
            .expect("a C compiler `cc` (scripts/test installs gcc when missing)");
        assert!(status.success(), "cc failed for {name}.c");
        out
    }
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the library for the test binary's target directory and profile.
pub fn build_library() -> Artifacts {
    let dir = cargo_build(&["-p", "chanrac-capi", "--lib"]);
    for lib in ["libchanrac.a", "libchanrac.so"] {
        assert!(
            dir.join(lib).exists(),
            "{} was not built",
            dir.join(lib).display()
        );
    }
    Artifacts { dir }
}

/// Builds the `chanrac-sip` binary for the test binary's target directory
/// and profile; its path.
pub fn build_sip() -> PathBuf {
    let exe = cargo_build(&["-p", "chanrac-sip", "--bin", "chanrac-sip"]).join("chanrac-sip");
    assert!(exe.exists(), "{} was not built", exe.display());
    exe
}

/// Runs `cargo build --quiet ARGS` into the test binary's target directory
/// and profile (found from its path, so `CARGO_TARGET_DIR`, `--release`
/// and `--target` are all honoured); returns the profile's directory.
fn cargo_build(args: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // <target>[/<triple>]/<profile>/deps/c_program-<hash>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in <profile>/deps")
        .to_path_buf();
    let profile = dir
        .file_name()
        .and_then(|p| p.to_str())
        .expect("a profile directory")
        .to_string();
    let above = dir.parent().expect("a target directory");
    // Cargo marks the target directory's root with CACHEDIR.TAG; one level
    // further up means a `--target <triple>` build.
    let (target_dir, triple) = if above.join("CACHEDIR.TAG").exists() {
        (above.to_path_buf(), None)
    } else {
        let triple = above.file_name().and_then(|t| t.to_str()).map(String::from);
        (
            above.parent().expect("a target directory").to_path_buf(),
            triple,
        )
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--quiet"])
        .args(args)
        .env("CARGO_TARGET_DIR", &target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    if let Some(t) = triple {
        cmd.args(["--target", &t]);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}
