//! The N950 `Encrypt` header parser (docs/protocols.md §1.3), fed header text straight off the wire.
//!
//! Invariants: no panic; a header that parses writes back (`to_header`) to text that parses
//! to the same value; the wrapped key bytes survive encoding and decoding; the lone value
//! decoder agrees with the header parser.
#![no_main]

use kassa_antom::protocol::header::{decode_value, encode_value, HeaderParams};
use kassa_antom::protocol::EncryptHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any bytes as a wrapped key: encode → decode is the identity.
    let encoded = encode_value(data);
    assert_eq!(
        decode_value(&encoded, "symmetricKey").as_deref(),
        Ok(data),
        "encode_value/decode_value must round-trip"
    );
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'%'),
        "an encoded value is header-safe: {encoded}"
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let params = HeaderParams::parse(text);
    let parsed = EncryptHeader::parse(text);
    if let Ok(h) = &parsed {
        let again = EncryptHeader::parse(&h.to_header())
            .unwrap_or_else(|e| panic!("our own header {} does not parse: {e}", h.to_header()));
        assert_eq!(&again, h, "to_header/parse must round-trip");
        let raw = params
            .get("symmetricKey")
            .expect("a parsed header has a symmetricKey");
        assert_eq!(
            decode_value(raw, "symmetricKey").as_ref(),
            Ok(&h.wrapped_key),
            "the header parser and the value decoder must agree"
        );
        assert!(
            !h.key_version.contains(','),
            "a key version cannot swallow the next pair"
        );
    }
    // A fresh header around whatever wrapped key came in also round-trips.
    if let Ok(h) = parsed {
        let fresh = EncryptHeader::new(h.wrapped_key.clone());
        assert_eq!(EncryptHeader::parse(&fresh.to_header()), Ok(fresh));
    }
});
