//! The four `iotpay_sign` vectors, reproduced byte for byte by the signing code and by the
//! driver on the wire (a raw HTTP peer sends the response vector exactly as written).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{query, rig_with, RawPeer, Reply};
use kassa_core::{InquiryError, PaymentStatus, Secret, Terminal, UnknownReason};
use kassa_iotpay::sign::{sign, string_to_sign, verify, SignCheck};
use kassa_iotpay::OrderedJson;
use serde_json::Value;

fn data_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iotpay_sign.json")
}

fn cases() -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(data_path()).unwrap()).unwrap();
    let cases = v["iotpay_sign"].as_array().unwrap().clone();
    assert_eq!(
        cases.len(),
        4,
        "the vector file changed: review these tests"
    );
    cases
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {}", case["name"]))
}

/// The copy in this crate must equal the project's vector file where that file is present.
#[test]
fn local_copy_equals_the_shared_vectors() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/vectors.json");
    let Ok(text) = std::fs::read_to_string(&shared) else {
        eprintln!(
            "{} not present; the local copy stands alone",
            shared.display()
        );
        return;
    };
    let all: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(Value::Array(cases()), all["iotpay_sign"]);
}

#[test]
fn request_vectors_reproduce_string_to_sign_and_sign() {
    let request_cases: Vec<Value> = cases()
        .into_iter()
        .filter(|c| c.get("params").is_some())
        .collect();
    assert_eq!(request_cases.len(), 3);
    for case in request_cases {
        let key = Secret::new(text(&case, "key").to_string());
        // Parse the params as text so the vector's own key order and number forms are kept.
        let params = OrderedJson::parse(&case["params"].to_string()).unwrap();
        let fields = params.as_object().unwrap();
        assert_eq!(
            string_to_sign(fields, &key).expose(),
            text(&case, "string_to_sign"),
            "{}",
            case["name"]
        );
        assert_eq!(sign(fields, &key), text(&case, "sign"), "{}", case["name"]);
    }
}

#[test]
fn response_vector_signs_payorder_as_compact_json_in_received_order() {
    let case = &cases()[3];
    let key = Secret::new(text(case, "key").to_string());
    let body = OrderedJson::parse(text(case, "response_body")).unwrap();
    let fields = body.as_object().unwrap();
    assert_eq!(
        string_to_sign(fields, &key).expose(),
        text(case, "string_to_sign")
    );
    assert_eq!(sign(fields, &key), text(case, "sign"));
    assert_eq!(verify(fields, &key), SignCheck::Valid);

    // Whitespace between tokens is not part of what is signed.
    let pretty = serde_json::to_string_pretty(&body).unwrap();
    assert_ne!(pretty, text(case, "response_body"));
    assert_eq!(
        verify(
            OrderedJson::parse(&pretty).unwrap().as_object().unwrap(),
            &key
        ),
        SignCheck::Valid
    );

    // Key order inside payOrder is: the same fields reordered no longer verify.
    let reordered = text(case, "response_body").replacen(
        r#""payOrderId":"CP20210922192314685200722249","mchId":"10000576""#,
        r#""mchId":"10000576","payOrderId":"CP20210922192314685200722249""#,
        1,
    );
    assert_ne!(reordered, text(case, "response_body"));
    assert_eq!(
        verify(
            OrderedJson::parse(&reordered).unwrap().as_object().unwrap(),
            &key
        ),
        SignCheck::Mismatch
    );
}

/// The driver reads the response vector off the wire and trusts it; the query it sends for
/// the query vector's order is that vector exactly.
#[tokio::test]
async fn driver_sends_and_accepts_the_vectors_on_the_wire() {
    let all = cases();
    let response = text(&all[3], "response_body").to_string();
    let peer = RawPeer::start(Reply::Http(200, response)).await;
    let r = rig_with(&peer.base_url(), "TESTKEY", kassa_iotpay::default_timing());

    let status = r
        .driver
        .inquire_payment(&query("1632338577033", 1))
        .await
        .unwrap();
    let PaymentStatus::Succeeded(a) = status else {
        panic!("expected paid, got {status:?}")
    };
    assert_eq!(a.terminal_payment_id, "CP20210922192314685200722249");
    assert_eq!(a.amount.minor, 1);
    assert_eq!(a.receipt.masked_pan.as_deref(), Some("XXXXXXXXXXXX1166"));
    assert_eq!(
        a.receipt.notice.as_deref(),
        Some("000 Approved 00 Thank You")
    );

    // The query vector's order: the request body must carry exactly the vector's sign. The
    // answer (about another order) must then be refused as a mismatch.
    let other = r.driver.inquire_payment(&query("1632349674730", 1)).await;
    assert!(
        matches!(
            other,
            Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
        ),
        "{other:?}"
    );
    let bodies = peer.bodies.lock().unwrap().clone();
    let sent = bodies.last().unwrap();
    let json = percent_encoding::percent_decode_str(sent.strip_prefix("params=").unwrap())
        .decode_utf8()
        .unwrap()
        .to_string();
    let sent: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(sent["mchOrderNo"], "1632349674730");
    assert_eq!(sent["sign"], text(&all[1], "sign"));
    peer.stop();
}

#[tokio::test]
async fn a_pretty_printed_answer_verifies_and_a_tampered_one_does_not() {
    let case = &cases()[3];
    let body = OrderedJson::parse(text(case, "response_body")).unwrap();
    let pretty = RawPeer::start(Reply::Http(
        200,
        serde_json::to_string_pretty(&body).unwrap(),
    ))
    .await;
    let r = rig_with(
        &pretty.base_url(),
        "TESTKEY",
        kassa_iotpay::default_timing(),
    );
    let ok = r.driver.inquire_payment(&query("1632338577033", 1)).await;
    assert!(matches!(ok, Ok(PaymentStatus::Succeeded(_))), "{ok:?}");
    pretty.stop();

    // Status 2 → 9 in the text: the signature no longer matches, and nothing earlier agrees.
    let tampered = text(case, "response_body").replacen(r#""status":2"#, r#""status":9"#, 1);
    let peer = RawPeer::start(Reply::Http(200, tampered)).await;
    let r = rig_with(&peer.base_url(), "TESTKEY", kassa_iotpay::default_timing());
    let bad = r.driver.inquire_payment(&query("1632338577033", 1)).await;
    assert!(
        matches!(
            bad,
            Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
        ),
        "{bad:?}"
    );
    peer.stop();
}
