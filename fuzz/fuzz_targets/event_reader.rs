//! Any bytes as a CSV or JSON Lines event file give events or a clean error,
//! and every event read can be checked.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::event_file(data));
