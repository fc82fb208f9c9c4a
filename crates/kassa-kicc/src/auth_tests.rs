#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use super::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/vectors.json");
    let text = std::fs::read_to_string(path).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["kicc_bridge_mac"].clone()
}

fn hex16(v: &Value) -> [u8; NONCE_LEN] {
    hex(v).try_into().unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_published_bridge_vectors_are_reproduced_byte_for_byte() {
    let v = vectors();
    let pairing = PairingKey::from_bytes(hex(&v["pairing_key_hex"]).try_into().unwrap());
    let pos_nonce = hex16(&v["pos_nonce_hex"]);
    let bridge_nonce = hex16(&v["bridge_nonce_hex"]);
    let session = LineKey::session(&pairing, &pos_nonce, &bridge_nonce);
    assert_eq!(session.bytes().to_vec(), hex(&v["session_key_hex"]));

    // Each direction as its own sealer/opener pair: line 0 under the pairing key, then the
    // session key.
    let mut pos_out = Sealer::new(&pairing);
    let mut bridge_in = Opener::new(&pairing);
    let mut bridge_out = Sealer::new(&pairing);
    let mut pos_in = Opener::new(&pairing);
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4);
    for (i, line) in lines.iter().enumerate() {
        let json = line["json"].as_str().unwrap().as_bytes();
        let seq = line["seq"].as_u64().unwrap();
        let pos_to_bridge = line["direction"] == "POS -> bridge";
        let (sealer, opener) = if pos_to_bridge {
            (&mut pos_out, &mut bridge_in)
        } else {
            (&mut bridge_out, &mut pos_in)
        };
        assert_eq!(sealer.next_seq(), seq);
        let wire = sealer.seal(json);
        assert_eq!(
            String::from_utf8(wire.clone()).unwrap(),
            line["wire"].as_str().unwrap(),
            "line {i}"
        );
        let key = if seq == 0 {
            LineKey::pairing(&pairing)
        } else {
            session.clone()
        };
        assert_eq!(key.mac(seq, json), line["mac"].as_str().unwrap());
        assert_eq!(opener.open(&wire).unwrap(), json, "line {i} opens");
        if seq == 0 {
            sealer.rekey(session.clone());
            opener.rekey(session.clone());
        }
    }

    // The POS has read bridge lines 0 and 1: line 2 is due.
    let rejected = v["must_reject"].as_array().unwrap();
    assert_eq!(rejected.len(), 3);
    for case in rejected {
        let wire = case["wire"].as_str().unwrap().as_bytes();
        let why = case["why"].as_str().unwrap();
        let seq: u64 = std::str::from_utf8(wire.split(|b| *b == b' ').next().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        // Whatever line it pretends to be, it is refused there and where it is due.
        for expected in [seq, 2] {
            let err = open(&session, expected, wire).unwrap_err();
            assert!(
                matches!(err, AuthError::BadMac { .. } | AuthError::Sequence { .. }),
                "{why}: {err:?}"
            );
        }
        assert!(pos_in.open(wire).is_err(), "{why}");
    }
}

#[test]
fn a_line_without_a_mac_or_out_of_turn_is_refused() {
    let pairing = PairingKey::from_bytes([7; KEY_LEN]);
    let key = LineKey::pairing(&pairing);
    let json = br#"{"type":"success","id":"c1","responseData":{}}"#;
    assert_eq!(open(&key, 1, json), Err(AuthError::Unsigned));
    assert_eq!(open(&key, 1, b"1  {}"), Err(AuthError::Unsigned));
    let line = key.seal(1, json);
    assert_eq!(open(&key, 1, &line), Ok(&json[..]));
    assert!(matches!(
        open(&key, 2, &line),
        Err(AuthError::Sequence { expected: 2, .. })
    ));
    let mut zero_padded = b"0".to_vec();
    zero_padded.extend_from_slice(&line);
    assert!(
        open(&key, 1, &zero_padded).is_err(),
        "01 is not line 1: the MAC covers the exact bytes"
    );
    let other = LineKey::pairing(&PairingKey::from_bytes([8; KEY_LEN]));
    assert_eq!(
        open(&other, 1, &line),
        Err(AuthError::BadMac { seq: 1 }),
        "a peer without the key cannot make a line"
    );
    let mut garbled = line.clone();
    let at = garbled.len() - 3;
    garbled[at] ^= 1;
    assert_eq!(open(&key, 1, &garbled), Err(AuthError::BadMac { seq: 1 }));
}

#[test]
fn an_opener_takes_each_line_once_and_in_order() {
    let pairing = PairingKey::generate();
    let mut out = Sealer::new(&pairing);
    let mut inn = Opener::new(&pairing);
    let l0 = out.seal(b"{}");
    let l1 = out.seal(b"{}");
    let l2 = out.seal(b"{}");
    assert!(inn.open(&l0).is_ok());
    assert!(inn.open(&l0).is_err(), "replayed");
    assert!(inn.open(&l2).is_err(), "skipped one");
    assert!(inn.open(&l1).is_ok());
}

#[test]
fn the_pairing_key_reads_back_from_its_base32_form_and_from_a_file() {
    let key = PairingKey::generate();
    let text = key.to_base32();
    assert_eq!(text.expose().len(), 52);
    assert_eq!(PairingKey::from_base32(text.expose()).unwrap(), key);
    let grouped: String = text
        .expose()
        .to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("-");
    assert_eq!(
        PairingKey::from_base32(&format!("  {grouped}====\n")).unwrap(),
        key
    );
    // RFC 4648's own example: "foobar" is MZXW6YTBOI.
    let rfc = PairingKey::from_bytes(*b"foobarfoobarfoobarfoobarfoobarfo");
    assert!(rfc.to_base32().expose().starts_with("MZXW6YTBOJTG633CMFZG"));

    for bad in ["", "MZXW6YTBOI", "1ZXW", &format!("{}A", text.expose())] {
        let e = PairingKey::from_base32(bad).unwrap_err().to_string();
        assert!(e.contains("base32"), "{e}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bridge.key");
    std::fs::write(&path, format!("{}\n", text.expose())).unwrap();
    assert_eq!(PairingKey::read_file(&path).unwrap(), key);
    std::fs::write(&path, "not a key").unwrap();
    let e = PairingKey::read_file(&path).unwrap_err().to_string();
    assert!(e.contains("bridge.key") && !e.contains("not a key"), "{e}");
    let e = PairingKey::read_file(&dir.path().join("missing.key"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.key"), "{e}");
}

#[test]
fn keys_never_print() {
    let key = PairingKey::from_bytes([0x41; KEY_LEN]);
    let shown = format!("{key:?} {:?}", LineKey::pairing(&key));
    assert!(!shown.contains("65") && !shown.contains("AAAA"), "{shown}");
}

#[test]
fn nonces_are_16_bytes_of_base64() {
    let n = new_nonce();
    assert_eq!(decode_nonce(&encode_nonce(&n)), Some(n));
    assert_ne!(new_nonce(), n);
    assert_eq!(
        decode_nonce("AAECAwQFBgcICQoLDA0ODw=="),
        Some(core::array::from_fn(|i| i as u8))
    );
    assert_eq!(decode_nonce("AAEC"), None);
    assert_eq!(decode_nonce("not base64!"), None);
}
