//! What one N950 message costs in crypto: building a request (envelope + blinded RSA sign)
//! and opening a response (verify + blinded RSA unwrap + AES decrypt), in both profiles.

// A benchmark without its vector keys has nothing to measure: failing loudly is right here.
#![allow(clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use kassa_antom::protocol::{Codec, Envelope, MessageMeta, PrivateKey};
use std::hint::black_box;
use std::path::Path;

const PAY_BODY: &str = r#"{"paymentRequestId":"KS20261121A0001","paymentMethod":"CARD","paymentAmount":{"value":12500,"currency":"KRW"},"extendInfo":""}"#;

fn key(name: &str) -> PrivateKey {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let pem = std::fs::read_to_string(dir.join(name)).expect("vector key readable");
    PrivateKey::from_pem(&pem).expect("vector key valid")
}

fn bench(c: &mut Criterion) {
    let pos = key("pos_private_key_pkcs8.pem");
    let terminal = key("terminal_private_key_pkcs8.pem");
    let meta = MessageMeta {
        method: "POST",
        path: "/v2/payments/pay",
        client_id: "N950SN0001",
        time: "2026-11-21T10:15:30.123+09:00",
    };
    for envelope in [Envelope::Gcm, Envelope::Ecb] {
        let pos_side = Codec::new(pos.clone(), terminal.public_key(), envelope);
        let term_side = Codec::new(terminal.clone(), pos.public_key(), envelope);
        c.bench_function(&format!("request build ({})", envelope.as_str()), |b| {
            b.iter(|| pos_side.seal(black_box(&meta), black_box(PAY_BODY.as_bytes())))
        });
        let response = term_side.seal(&meta, PAY_BODY.as_bytes()).expect("seal");
        c.bench_function(&format!("response open ({})", envelope.as_str()), |b| {
            b.iter(|| {
                pos_side.open(
                    black_box(&meta),
                    Some(&response.signature),
                    Some(&response.encrypt),
                    black_box(&response.body),
                )
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
