//! Any bytes as a numbers file (an earlier suspension request) give numbers
//! that read back as themselves, or a clean error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::numbers_file(data));
