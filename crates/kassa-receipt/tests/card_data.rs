//! Card data on receipts: a full card number given by mistake prints masked, and the model
//! has no place for an expiry date.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_receipt::*;

/// Every key anywhere in a JSON value.
fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn a_full_pan_from_the_terminal_prints_with_only_the_last_four_digits() {
    assert_eq!(
        terminal_card_data().masked_pan.as_deref(),
        Some("4111 1111 1111 1111")
    );
    for (name, doc) in documents() {
        for language in [Language::En, Language::Ko] {
            for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
                let text = layout(&receipt(language, doc.clone()), paper).to_text();
                let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(
                    !digits.contains("4111111111111111"),
                    "{name}: full PAN printed"
                );
                assert!(!text.contains("411111"), "{name}: the BIN is printed");
                if name.starts_with("sale_customer") || name.starts_with("refund") {
                    assert!(
                        text.contains("************1111"),
                        "{name}: masked PAN missing"
                    );
                }
            }
        }
    }
}

#[test]
fn no_expiry_date_exists_anywhere_in_the_model() {
    // The terminal sent `expireDate` in its extras; it must not survive into any document.
    assert_eq!(
        terminal_card_data()
            .extra
            .get("expireDate")
            .map(String::as_str),
        Some("2812")
    );
    for (name, doc) in documents() {
        let json = serde_json::to_value(receipt(Language::En, doc)).unwrap();
        let mut all = Vec::new();
        keys(&json, &mut all);
        for k in &all {
            let k = k.to_ascii_lowercase();
            assert!(
                !k.contains("exp") && !k.contains("valid"),
                "{name}: field {k:?}"
            );
        }
        assert!(
            !json.to_string().contains("2812"),
            "{name}: the expiry value leaked"
        );
    }
    // The card part's complete field list, so a new field is a deliberate change here.
    let card = serde_json::to_value(CardDetails::default()).unwrap();
    let mut fields: Vec<String> = card.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "aid",
            "application_label",
            "approval_code",
            "brand",
            "cryptogram",
            "entry_mode",
            "installments",
            "masked_pan",
            "notice",
            "reference"
        ]
    );
}

#[test]
fn a_stored_receipt_read_back_is_masked_again() {
    let json = r#"{"brand":"VISA","masked_pan":"5555444433331111","approval_code":null,
        "aid":null,"application_label":null,"cryptogram":null,"entry_mode":null,
        "reference":null,"notice":null,"installments":null}"#;
    let card: CardDetails = serde_json::from_str(json).unwrap();
    assert_eq!(card.masked_pan.unwrap().as_str(), "************1111");
}
