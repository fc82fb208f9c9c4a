//! The store and till codes in the ids the service makes: saved in the store settings,
//! validated, and picked up by every process on the ledger.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_app::{CartInput, CartLineInput, Product};

#[test]
fn ids_carry_the_saved_store_and_till_codes() {
    let r = rig();
    let mgr = manager(&r);
    // The rig saved settings without codes of their own: a single till's defaults.
    let settings = r.svc.store_settings().unwrap();
    assert_eq!(
        (settings.store_code.as_str(), settings.till_code.as_str()),
        ("KS", "1")
    );
    r.svc
        .save_store_identity("kassactl", Some("GN02"), Some("3"), None)
        .unwrap();
    let product = r
        .svc
        .save_product(
            &mgr,
            Product {
                id: String::new(),
                name: "Latte".into(),
                name_en: String::new(),
                price_minor: 5_000,
                tax_id: "vat".into(),
                barcode: None,
                category: String::new(),
            },
        )
        .unwrap();
    let cart = CartInput {
        lines: vec![CartLineInput {
            product_id: product.id,
            quantity: 1,
        }],
    };
    let order = r.svc.order_from_cart(&mgr, &cart).unwrap();
    let id = order.id.as_str();
    assert!(id.starts_with("O261121101530GN02003"), "{id}");
    assert_eq!(id.len(), 30);
    // Another process on the same ledger uses the saved codes, not its own default.
    let other = till_at(&r, START);
    let order = other.svc.order_from_cart(&mgr, &cart).unwrap();
    assert!(
        order.id.as_str().starts_with("O261121101530GN02003"),
        "{}",
        order.id
    );
    // Invalid codes are refused with the form expected, and nothing changes.
    let err = r
        .svc
        .save_store_identity("kassactl", Some("STORE-1"), None, None)
        .unwrap_err();
    assert!(
        err.to_string().contains("1 to 4 letters or digits"),
        "{err}"
    );
    let err = r
        .svc
        .save_store_identity("kassactl", None, None, Some("Mars/Olympus"))
        .unwrap_err();
    assert!(err.to_string().contains("IANA"), "{err}");
    assert_eq!(r.svc.store_settings().unwrap().store_code, "GN02");
}
