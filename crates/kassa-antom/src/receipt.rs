//! Receipt data from a `pay` answer: `paymentReceipt.customerReceipt` and `cashierReceipt`
//! are JSON objects serialised into strings. This module reads the receipt-safe fields
//! ([`ReceiptFields`]) into a [`CardReceipt`], re-masks the card number so at most its last
//! four digits survive even if a terminal sent more, and drops everything else.

use crate::wire::{PaymentReceipt, ReceiptFields};
use kassa_core::CardReceipt;

/// Reads one field of a parsed receipt copy.
type Field = fn(&ReceiptFields) -> &Option<String>;

/// Builds the receipt from both copies: the customer's first, the cashier's filling gaps.
/// Unparsable copies are skipped (and logged without their content).
pub fn card_receipt(receipt: Option<&PaymentReceipt>) -> CardReceipt {
    let Some(r) = receipt else {
        return CardReceipt::default();
    };
    let customer = parse(&r.customer_receipt, "customerReceipt");
    let cashier = parse(&r.cashier_receipt, "cashierReceipt");
    let pick = |f: Field| f(&customer).clone().or_else(|| f(&cashier).clone());
    let mut extra = std::collections::BTreeMap::new();
    let extras: [(&str, Field); 5] = [
        ("acquirerMerchantId", |f| &f.acquirer_merchant_id),
        ("acquirerProcessTime", |f| &f.acquirer_process_time),
        ("acquirerTerminalId", |f| &f.acquirer_terminal_id),
        ("cvm", |f| &f.cvm),
        ("tvr", |f| &f.tvr),
    ];
    for (name, field) in extras {
        if let Some(v) = pick(field) {
            extra.insert(name.to_string(), v);
        }
    }
    CardReceipt {
        card_brand: pick(|f| &f.card_brand),
        masked_pan: pick(|f| &f.card_no).map(|n| mask_pan(&n)),
        approval_code: pick(|f| &f.approval_code),
        aid: pick(|f| &f.aid),
        application_label: pick(|f| &f.application_label),
        cryptogram: pick(|f| &f.application_cryptogram),
        entry_mode: pick(|f| &f.pos_entry_mode),
        reference: pick(|f| &f.rrn),
        notice: None,
        extra,
    }
}

fn parse(text: &str, which: &'static str) -> ReceiptFields {
    if text.trim().is_empty() {
        return ReceiptFields::default();
    }
    serde_json::from_str(text).unwrap_or_else(|e| {
        tracing::warn!(
            receipt = which,
            error_line = e.line(),
            "receipt JSON unreadable; skipped"
        );
        ReceiptFields::default()
    })
}

/// Keeps only the last four digits of a card number visible; other digits become `*`,
/// other characters (spaces, existing masks) stay as they are. Any Unicode digit counts
/// (full-width `４` too), since a receipt or a screen shows those just as well.
pub fn mask_pan(number: &str) -> String {
    let digits = number.chars().filter(|c| c.is_numeric()).count();
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if c.is_numeric() {
                seen += 1;
                if digits - seen >= 4 {
                    return '*';
                }
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_to_the_last_four() {
        assert_eq!(mask_pan("4111********1234"), "************1234");
        assert_eq!(mask_pan("4111 1111 1111 1234"), "**** **** **** 1234");
        assert_eq!(mask_pan("************1234"), "************1234");
        assert_eq!(mask_pan("123"), "123");
    }

    #[test]
    fn masks_digits_outside_ascii_too() {
        // Found by fuzzing (n950_response): full-width or other Unicode digits passed unmasked.
        assert_eq!(
            mask_pan("４１１１１１１１１１１１１２３４"),
            "************１２３４"
        );
        assert_eq!(mask_pan("4111 ٤١١١ 1111 1234"), "**** **** **** 1234");
    }

    #[test]
    fn reads_both_copies_and_drops_what_is_not_receipt_safe() {
        let customer = serde_json::json!({
            "cardNo": "5411********0042", "cardBrand": "MASTERCARD", "approvalCode": "A1B2C3",
            "aid": "A0000000041010", "applicationLabel": "MASTERCARD",
            "applicationCryptogram": "8F1A2B3C4D5E6F70", "posEntryMode": "CHIP", "rrn": "612345678901",
            "expiryDate": "2912", "cvm": "PIN"
        })
        .to_string();
        let cashier = serde_json::json!({"tvr": "0000008000", "acquirerTerminalId": "T123",
            "approvalCode": "IGNORED", "track2Data": "5411000000000042=2912"})
        .to_string();
        let r = card_receipt(Some(&PaymentReceipt {
            cashier_receipt: cashier,
            customer_receipt: customer,
        }));
        assert_eq!(r.masked_pan.as_deref(), Some("************0042"));
        assert_eq!(r.card_brand.as_deref(), Some("MASTERCARD"));
        assert_eq!(
            r.approval_code.as_deref(),
            Some("A1B2C3"),
            "the customer's copy wins"
        );
        assert_eq!(r.aid.as_deref(), Some("A0000000041010"));
        assert_eq!(r.application_label.as_deref(), Some("MASTERCARD"));
        assert_eq!(r.cryptogram.as_deref(), Some("8F1A2B3C4D5E6F70"));
        assert_eq!(r.entry_mode.as_deref(), Some("CHIP"));
        assert_eq!(r.reference.as_deref(), Some("612345678901"));
        assert_eq!(r.extra.get("tvr").map(String::as_str), Some("0000008000"));
        assert_eq!(r.extra.get("cvm").map(String::as_str), Some("PIN"));
        assert_eq!(
            r.extra.get("acquirerTerminalId").map(String::as_str),
            Some("T123")
        );
        let all = serde_json::to_string(&r).unwrap();
        assert!(
            !all.contains("2912"),
            "no expiry date, no track data: {all}"
        );
    }

    #[test]
    fn empty_or_broken_copies_give_an_empty_receipt() {
        assert_eq!(card_receipt(None), CardReceipt::default());
        let r = PaymentReceipt {
            cashier_receipt: "{not json".into(),
            customer_receipt: String::new(),
        };
        assert_eq!(card_receipt(Some(&r)), CardReceipt::default());
    }
}
