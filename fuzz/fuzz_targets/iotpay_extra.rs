//! IOT Pay's `payOrder.extra` (docs/protocols.md §4.3): the PAX terminal's card data as a JSON string,
//! read into receipt fields.
//!
//! Invariants: no panic; a masked card number shows at most four digits whatever the terminal
//! sent; no expiry date survives — the receipt and the decline text are identical whether
//! `expireDate` is absent or holds anything at all.
#![no_main]

use kassa_fuzz::iotpay::{check_extra, check_mask};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_mask(text);
    check_extra(text);
});
