//! Any bytes as a message to 5656 (and as a messages file) give a command or
//! a reason, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::inbox_message(data));
