//! Any bytes as a SIP datagram: an answer that parses back as a response
//! echoing the request's Via, Call-ID and CSeq, the same answer for a
//! retransmission, and never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_sip::fuzz::sip_message(data));
