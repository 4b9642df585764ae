//! Concatenated-SMS reassembly driven by any bytes: never a panic, every
//! part comes out exactly once, memory stays bounded.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_smpp::reassembly::fuzz_reassembly(data));
