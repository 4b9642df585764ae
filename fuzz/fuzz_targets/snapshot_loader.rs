//! Any bytes as a snapshot file — as they are, and resealed with a valid
//! header and checksum — give a policy or a clean error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::snapshot_file(data));
