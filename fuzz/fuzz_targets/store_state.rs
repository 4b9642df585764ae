//! Any bytes as a state journal's records and as a state snapshot: records
//! that re-encode to their own bytes and restore, or a clean stop; never a
//! panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_store::fuzz::state_file(data));
