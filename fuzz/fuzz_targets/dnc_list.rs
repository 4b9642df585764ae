//! Any bytes as a DNC list — as they are, and with a valid checksum — open
//! to a list that answers for what it lists, or to a clean error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::dnc_list(data));
