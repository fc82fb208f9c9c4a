//! `payOrder.extra` (the PAX terminal's card data, a JSON string) → [`CardReceipt`].
//!
//! Only the fields docs/protocols.md §4.3 lists are read ([`CardExtra`]); `expireDate` and anything
//! else unlisted is skipped by the parser and never held in a field, so it cannot reach the
//! ledger, a log or a receipt. Card numbers are re-masked to the last four digits in case a
//! terminal ever sends more.

use crate::wire::CardExtra;
use kassa_core::CardReceipt;

/// Parses `extra`; `None` when it is not a JSON object of the expected shape.
pub fn parse_extra(extra: &str) -> Option<CardExtra> {
    serde_json::from_str(extra).ok()
}

/// A field's text, or `None` when it is empty or only spaces (the terminal pads with spaces).
fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Masks every digit but the last four (`4111111111111111` → `XXXXXXXXXXXX1111`). Any
/// Unicode digit counts (full-width `４` too), since a receipt shows those just as well.
pub fn mask_pan(pan: &str) -> String {
    let digits = pan.chars().filter(|c| c.is_numeric()).count();
    let mut seen = 0usize;
    pan.chars()
        .map(|c| {
            if c.is_numeric() {
                seen += 1;
                if digits - seen >= 4 {
                    return 'X';
                }
            }
            c
        })
        .collect()
}

/// The receipt fields of an order's card data. Unknown or unreadable `extra` gives an empty
/// receipt: the payment's outcome never depends on it.
pub fn card_receipt(extra: &CardExtra) -> CardReceipt {
    let mut more = std::collections::BTreeMap::new();
    let listed = [
        ("emvTVR", &extra.emv_tvr),
        ("emvTSI", &extra.emv_tsi),
        ("batchNum", &extra.batch_num),
        ("termInvoiceNum", &extra.term_invoice_num),
        ("trxDate", &extra.trx_date),
        ("trxTime", &extra.trx_time),
        ("cvmResults", &extra.cvm_results),
        ("trxCode", &extra.trx_code),
    ];
    for (name, value) in listed {
        if let Some(v) = clean(value) {
            more.insert(name.to_string(), v);
        }
    }
    CardReceipt {
        card_brand: clean(&extra.card_type),
        masked_pan: clean(&extra.card_num).map(|p| mask_pan(&p)),
        approval_code: clean(&extra.auth_num),
        aid: clean(&extra.emv_aid),
        application_label: clean(&extra.emv_label),
        cryptogram: clean(&extra.emv_tc),
        entry_mode: clean(&extra.trx_method),
        reference: clean(&extra.seq_num),
        notice: clean(&extra.receipt_disp),
        extra: more,
    }
}

/// [`card_receipt`] straight from the `extra` string; empty when it cannot be read.
pub fn card_receipt_from_extra(extra: Option<&str>) -> CardReceipt {
    match extra.and_then(parse_extra) {
        Some(e) => card_receipt(&e),
        None => {
            if extra.is_some_and(|e| !e.trim().is_empty()) {
                tracing::warn!("IOT Pay card data (payOrder.extra) is not readable JSON; receipt fields left empty");
            }
            CardReceipt::default()
        }
    }
}

/// The terminal's text for a declined or cancelled order (`receiptDisp`), if any.
pub fn receipt_text(extra: Option<&str>) -> Option<String> {
    extra
        .and_then(parse_extra)
        .and_then(|e| clean(&e.receipt_disp))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The approved sample of the seed (004), verbatim.
    const APPROVED: &str = r#"{"cardType":"M","cardNum":"XXXXXXXXXXXX1166","expireDate":"1022","emvLabel":"MASTERCARD","emvAID":"A0000000041010","emvTVR":"0000008000","emvTSI":"0000","emvTC":"ARQC: 3D36ACBD44BE512B","termNum":"25957","bankTermNum":"40880013","termInvoiceNum":"724172","seqNum":"000001000061","authNum":"01046Z","batchNum":"0008","trxMethod":"T","accountType":"","receiptDisp":"000 Approved 00 Thank You","cashbackAmount":"","timeStamp":"20210120-19402057","surchargeAmount":"","langCode":"E","trxDate":"01202021","trxTime":"164033","cvmResults":"1F0302","trxCode":"00"}"#;

    /// The declined sample of the seed (004), verbatim.
    const DECLINED: &str = r#"{"cardType":" ","cardNum":"","expireDate":"    ","emvLabel":"","emvAID":"","emvTVR":"","emvTSI":"","emvTC":"","termNum":"25957","bankTermNum":"40880013","termInvoiceNum":"167339","seqNum":"000000000000","authNum":"","batchNum":"0000","trxMethod":"","accountType":"","receiptDisp":"Transaction Not Completed 05","cashbackAmount":"","timeStamp":"20210922-15231494","surchargeAmount":"","langCode":"E","trxDate":"","trxTime":"","cvmResults":"","trxCode":"00"}"#;

    #[test]
    fn approved_sample_maps_every_listed_field() {
        let r = card_receipt_from_extra(Some(APPROVED));
        assert_eq!(r.card_brand.as_deref(), Some("M"));
        assert_eq!(r.masked_pan.as_deref(), Some("XXXXXXXXXXXX1166"));
        assert_eq!(r.application_label.as_deref(), Some("MASTERCARD"));
        assert_eq!(r.aid.as_deref(), Some("A0000000041010"));
        assert_eq!(r.cryptogram.as_deref(), Some("ARQC: 3D36ACBD44BE512B"));
        assert_eq!(r.approval_code.as_deref(), Some("01046Z"));
        assert_eq!(r.entry_mode.as_deref(), Some("T"));
        assert_eq!(r.reference.as_deref(), Some("000001000061"));
        assert_eq!(r.notice.as_deref(), Some("000 Approved 00 Thank You"));
        let want = [
            ("emvTVR", "0000008000"),
            ("emvTSI", "0000"),
            ("batchNum", "0008"),
            ("termInvoiceNum", "724172"),
            ("trxDate", "01202021"),
            ("trxTime", "164033"),
            ("cvmResults", "1F0302"),
            ("trxCode", "00"),
        ];
        for (k, v) in want {
            assert_eq!(r.extra.get(k).map(String::as_str), Some(v), "{k}");
        }
        assert_eq!(
            r.extra.len(),
            want.len(),
            "unlisted fields (termNum, timeStamp…) are dropped"
        );
    }

    #[test]
    fn expiry_date_never_survives() {
        for sample in [APPROVED, DECLINED] {
            let json = serde_json::to_string(&card_receipt_from_extra(Some(sample))).unwrap();
            assert!(!json.contains("expireDate"), "{json}");
            assert!(
                !json.contains("1022"),
                "the expiry value must be gone too: {json}"
            );
            assert!(
                !json.contains("bankTermNum"),
                "unlisted fields are dropped: {json}"
            );
        }
    }

    #[test]
    fn declined_sample_gives_blank_card_fields_and_the_reason() {
        let r = card_receipt_from_extra(Some(DECLINED));
        assert_eq!(r.card_brand, None, "a padded blank is no brand");
        assert_eq!(r.masked_pan, None);
        assert_eq!(r.notice.as_deref(), Some("Transaction Not Completed 05"));
        assert_eq!(
            receipt_text(Some(DECLINED)).as_deref(),
            Some("Transaction Not Completed 05")
        );
    }

    #[test]
    fn full_card_numbers_are_masked_and_junk_is_empty() {
        assert_eq!(mask_pan("4111111111111111"), "XXXXXXXXXXXX1111");
        assert_eq!(mask_pan("4111 1111 1111 1111"), "XXXX XXXX XXXX 1111");
        assert_eq!(mask_pan("XXXXXXXXXXXX1166"), "XXXXXXXXXXXX1166");
        // Found by fuzzing (iotpay_extra): non-ASCII digits passed unmasked.
        assert_eq!(
            mask_pan("４１１１１１１１１１１１１１６６"),
            "XXXXXXXXXXXX１１６６"
        );
        assert_eq!(mask_pan("߆߆߆߆߆1166"), "XXXXX1166");
        assert_eq!(
            card_receipt_from_extra(Some("CC_API")),
            CardReceipt::default()
        );
        assert_eq!(card_receipt_from_extra(None), CardReceipt::default());
    }
}
