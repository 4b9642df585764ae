//! Link extraction on any bytes: every host non-empty, lower case, without
//! white space and in A-label form; domain and look-alike lookups and the
//! robust text never panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_policy::fuzz::links(data));
