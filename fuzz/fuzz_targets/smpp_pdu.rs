//! SMPP PDU decoding on any bytes: never a panic, and what decodes
//! re-encodes to the same command.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chanrac_smpp::pdu::fuzz_pdu(data));
