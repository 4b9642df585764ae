//! A client's byte stream (bind, submit_sm, enquire_link, unbind…, or
//! anything) framed as the proxy frames it and every PDU decoded: never a
//! panic, every frame exactly its command_length, what decodes re-encodes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_smpp::fuzz::session(data));
