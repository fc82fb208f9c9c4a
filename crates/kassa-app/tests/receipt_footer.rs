//! The store's receipt footer (Settings → Store) on the documents built from the ledger: it
//! closes the customer's sale receipt and refund slip and stays off the store's copy. The
//! PDF's text is read back in kassa-receipt's tests and the window's e2e tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_app::Role;
use kassa_core::Secret;
use kassa_ledger::PrintCopy;
use kassa_receipt::{layout, Language, Paper};

const ORDER: &str = "O20261121101530ST01000";
const PAY: &str = "P20261121101530ST01001";
const REFUND: &str = "R20261121101600ST01002";
const FOOTER: &str = "Wi-Fi: kassa-guest · 교환은 7일 이내";

/// A manager saves `FOOTER` as the store's receipt footer.
fn set_footer(r: &Rig) {
    r.svc
        .seed_accounts(&[("Mina", Role::Manager, "1234")])
        .unwrap();
    let manager = r
        .svc
        .sign_in("u1", &Secret::new("1234".to_string()))
        .unwrap();
    let mut store = r.svc.store_settings().unwrap();
    store.receipt_footer = FOOTER.into();
    r.svc.save_store_settings(&manager, store).unwrap();
}

#[test]
fn the_footer_closes_the_customers_receipt_and_refund_slip_in_both_languages() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    refund(&r, REFUND, PAY, 4_500);
    set_footer(&r);
    for language in [Language::En, Language::Ko] {
        for id in [ORDER, REFUND] {
            let receipt = r
                .svc
                .receipt_for(id, PrintCopy::Customer, Some(language))
                .unwrap();
            assert_eq!(receipt.store.footer, FOOTER);
            for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
                let lines = layout(&receipt, paper).lines;
                // Wrapped on 58 mm: the words, in order, make the last lines.
                let words = lines.join(" ");
                let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    words.ends_with(FOOTER),
                    "{id} {language:?} {paper:?}:\n{}",
                    lines.join("\n")
                );
            }
            let store_copy = r
                .svc
                .receipt_for(id, PrintCopy::Merchant, Some(language))
                .unwrap();
            let text = layout(&store_copy, Paper::Mm80).to_text();
            assert!(
                !text.contains("kassa-guest"),
                "not on the store's copy:\n{text}"
            );
        }
    }
}
