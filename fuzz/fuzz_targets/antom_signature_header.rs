//! The N950 `Signature` header parser (docs/protocols.md §1.2), fed header text straight off the wire.
//!
//! Invariants: no panic; a header that parses writes back (`to_header`) to text that parses
//! to the same value; the signature bytes survive encoding and decoding; the lone value
//! decoder agrees with the header parser.
#![no_main]

use kassa_antom::protocol::header::{decode_value, encode_value, HeaderParams};
use kassa_antom::protocol::SignatureHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any bytes as a value to sign: encode → decode is the identity.
    let encoded = encode_value(data);
    assert_eq!(
        decode_value(&encoded, "signature").as_deref(),
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
    let parsed = SignatureHeader::parse(text);
    if let Ok(h) = &parsed {
        let again = SignatureHeader::parse(&h.to_header())
            .unwrap_or_else(|e| panic!("our own header {} does not parse: {e}", h.to_header()));
        assert_eq!(&again, h, "to_header/parse must round-trip");
        let raw = params
            .get("signature")
            .expect("a parsed header has a signature");
        assert_eq!(
            decode_value(raw, "signature").as_ref(),
            Ok(&h.signature),
            "the header parser and the value decoder must agree"
        );
        assert!(
            !h.key_version.contains(','),
            "a key version cannot swallow the next pair"
        );
    }
    // A fresh header around whatever signature came in also round-trips.
    if let Ok(h) = parsed {
        let fresh = SignatureHeader::new(h.signature.clone());
        assert_eq!(SignatureHeader::parse(&fresh.to_header()), Ok(fresh));
    }
});
