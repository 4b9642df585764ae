//! `examples/systemd/chanrac-smpp.service` as shipped: verified by
//! `systemd-analyze`, reloads with SIGHUP, restarts on failure, hardened,
//! and passes only options `chanrac-smpp` knows (`examples/systemd/check.rs`).

#[path = "../../../examples/systemd/check.rs"]
mod check;

#[test]
fn shipped_unit_verifies_reloads_restarts_and_is_hardened() {
    check::check("chanrac-smpp.service", env!("CARGO_BIN_EXE_chanrac-smpp"));
}
