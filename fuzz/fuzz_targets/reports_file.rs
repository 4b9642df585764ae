//! Any bytes as a report list in the appendix form (`chanrac inbox` writes
//! them, `chanrac suspensions` reads them) give rows or a clean error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::reports_file(data));
