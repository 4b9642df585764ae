//! Folding, signature matching and contact extraction on any bytes: never a
//! panic, and the automaton agrees with the naive skeleton `contains`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::content(data));
