//! Every Antom case of `tests/vectors/vectors.json`, reproduced byte for byte.

use super::envelope::{self, decrypt_body, encrypt_body, unwrap_key, Envelope, NONCE_LEN};
use super::header::{EncryptHeader, SignatureHeader};
use super::keys::{PrivateKey, PublicKey};
use super::sign::{content_to_sign, sign, verify};
use super::test_keys::{dir, read};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(dir().join("vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {}", v["name"]))
}

#[test]
fn signing_vectors_reproduce_exactly() {
    let all = vectors();
    let cases = all["antom_sign"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        3,
        "the vector file changed: review these tests"
    );
    let mut signed = 0;
    let mut verified = 0;
    for case in cases {
        let content = content_to_sign(
            s(case, "method"),
            s(case, "path"),
            s(case, "client_id"),
            s(case, "time"),
            s(case, "body").as_bytes(),
        );
        if let Some(expected) = case["content_to_sign"].as_str() {
            assert_eq!(
                String::from_utf8(content.clone()).unwrap(),
                expected,
                "{}",
                case["name"]
            );
        }
        if let Some(key) = case["key"].as_str() {
            let key = PrivateKey::from_pem(&read(key)).unwrap();
            let header = SignatureHeader::new(sign(&key, &content).unwrap()).to_header();
            assert_eq!(header, s(case, "signature_header"), "{}", case["name"]);
            signed += 1;
        }
        if let Some(key) = case["verify_with"].as_str() {
            let key = PublicKey::from_pem(&read(key)).unwrap();
            // The response header has spaces after the commas: the parser must take them.
            let header = SignatureHeader::parse(s(case, "signature_header")).unwrap();
            let ok = verify(&key, &content, &header.signature).is_ok();
            assert_eq!(ok, case["valid"].as_bool().unwrap(), "{}", case["name"]);
            verified += 1;
        }
    }
    assert_eq!((signed, verified), (1, 2));
}

#[test]
fn envelope_vectors_unwrap_decrypt_and_reencrypt_exactly() {
    let all = vectors();
    let cases = all["antom_envelope"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        5,
        "the vector file changed: review these tests"
    );
    let mut opened = 0;
    let mut refused = 0;
    for case in cases {
        let name = &case["name"];
        let profile: Envelope = s(case, "profile").parse().unwrap();
        let own = PrivateKey::from_pem(&read(s(case, "unwrap_with"))).unwrap();
        let header = EncryptHeader::parse(s(case, "encrypt_header")).unwrap();
        let key = unwrap_key(&own, &header.wrapped_key).unwrap();
        if let Some(hex_key) = case["aes_key_hex"].as_str() {
            assert_eq!(hex::encode(key.expose()), hex_key, "{name}");
        }
        let body = s(case, "body");
        match case["plaintext"].as_str() {
            Some(plaintext) => {
                let got = decrypt_body(profile, &key, body.as_bytes()).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), plaintext, "{name}");
                // The whole open path gives the same answer.
                let via_open =
                    envelope::open(profile, &own, s(case, "encrypt_header"), body.as_bytes());
                assert_eq!(via_open.unwrap(), plaintext.as_bytes(), "{name}");
                // Same key and nonce (gcm: the body's first 12 bytes) → the same body.
                let raw = B64.decode(body).unwrap();
                let nonce: [u8; NONCE_LEN] = raw[..NONCE_LEN].try_into().unwrap();
                let again = encrypt_body(profile, &key, &nonce, plaintext.as_bytes()).unwrap();
                assert_eq!(again, body, "{name}");
                opened += 1;
            }
            None => {
                assert!(
                    decrypt_body(profile, &key, body.as_bytes()).is_err(),
                    "{name}"
                );
                refused += 1;
            }
        }
    }
    // The ecb response with a 16-byte key and a header without keyVersion opens too.
    assert_eq!((opened, refused), (4, 1));
}
