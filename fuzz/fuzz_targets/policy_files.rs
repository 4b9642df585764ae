//! Any bytes split into the policy files give a policy or a clean error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::policy_files(data));
