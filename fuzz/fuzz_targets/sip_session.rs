//! A session of SIP datagrams over a moving clock through a small answer
//! cache (chanrac_sip::fuzz::sip_session): answers parse back, the cache
//! stays within its bytes, retransmissions get their first answer
//! uncounted, 503 only when full.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_sip::fuzz::sip_session(data));
