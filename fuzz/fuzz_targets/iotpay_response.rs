//! IOT Pay answers as the driver reads them (docs/protocols.md §4.2–§4.3): the order-keeping JSON tree
//! the signature is computed over, the MD5 signature check, the `OrderResponse` wire struct
//! with its lenient fields, and the card data in `payOrder.extra`.
//!
//! Invariants: no panic; the tree writes back compactly and reads back as the same tree (same
//! keys in the same order); a signature attached with the merchant key verifies, and fails
//! with any other key; a parsed `OrderResponse` round-trips; status codes map both ways;
//! `extra` obeys the `iotpay_extra` invariants.
#![no_main]

use kassa_core::Secret;
use kassa_fuzz::assert_round_trip;
use kassa_fuzz::iotpay::check_extra;
use kassa_iotpay::sign::{attach_sign, verify, SignCheck};
use kassa_iotpay::wire::{OrderResponse, PayOrderStatus};
use kassa_iotpay::OrderedJson;
use libfuzzer_sys::fuzz_target;

/// Tree equality that tolerates serde_json's last-bit float rounding.
fn same_tree(a: &OrderedJson, b: &OrderedJson) -> bool {
    match (a, b) {
        (OrderedJson::Number(x), OrderedJson::Number(y)) => {
            kassa_fuzz::json_eq(&x.clone().into(), &y.clone().into())
        }
        (OrderedJson::Array(x), OrderedJson::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q))
        }
        (OrderedJson::Object(x), OrderedJson::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k, v), (l, w))| k == l && same_tree(v, w))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = Secret::new("TESTKEY".to_string());
    if let Ok(tree) = OrderedJson::parse(text) {
        let compact = tree.to_compact();
        let back = OrderedJson::parse(&compact)
            .unwrap_or_else(|e| panic!("compact text {compact:?} does not parse: {e}"));
        assert!(same_tree(&tree, &back), "tree changed: {compact}");
        if let Some(pairs) = tree.as_object() {
            let _ = verify(pairs, &key);
            let mut signed = pairs.to_vec();
            attach_sign(&mut signed, &key);
            assert_eq!(verify(&signed, &key), SignCheck::Valid, "our own signature");
            let other = Secret::new("OTHERKEY".to_string());
            assert_eq!(
                verify(&signed, &other),
                SignCheck::Mismatch,
                "another key verified"
            );
            // The signature survives the trip through compact text, as on the wire.
            let wire = OrderedJson::Object(signed.clone()).to_compact();
            let received = OrderedJson::parse(&wire).expect("our own text parses");
            let received = received.as_object().expect("still an object");
            assert_eq!(verify(received, &key), SignCheck::Valid, "sent {wire}");
        }
    }
    if let Ok(resp) = serde_json::from_str::<OrderResponse>(text) {
        assert_round_trip(&resp, "OrderResponse");
        if let Some(order) = &resp.pay_order {
            let status = PayOrderStatus::from_code(order.status);
            assert_eq!(status.code(), order.status);
            assert_eq!(PayOrderStatus::from_code(status.code()), status);
            if let Some(extra) = &order.extra {
                check_extra(extra);
            }
        }
    }
});
