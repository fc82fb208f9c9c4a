//! Card data a receipt may show, taken from what the terminal returned
//! ([`kassa_core::CardReceipt`]) and made safe on the way in.
//!
//! The card number is re-masked here whatever the terminal sent: only the last four
//! positions may show digits, so a full PAN passed by mistake still prints as
//! `************1111`. [`MaskedPan`] has no other constructor, so an unmasked number cannot
//! reach a layout. There is no expiry-date field anywhere in this crate's model, and the
//! terminal's free-form `extra` map is not carried over (it is where an expiry would hide).

use kassa_core::CardReceipt;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A card number with at most its last four digits visible.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct MaskedPan(String);

/// Characters terminals use for hidden digits.
fn is_mask_symbol(c: char) -> bool {
    matches!(c, '*' | 'x' | 'X' | '#' | '•')
}

impl MaskedPan {
    /// Masks `raw` defensively: digits and mask symbols count as card-number positions
    /// (spaces and dashes are ignored); of those, only digits among the last four positions
    /// stay visible. The printed length follows the input's length when it is a plausible
    /// card length (12–19), else 16.
    pub fn mask(raw: &str) -> MaskedPan {
        let positions: Vec<char> = raw
            .chars()
            .filter(|c| c.is_ascii_digit() || is_mask_symbol(*c))
            .collect();
        let len = if (12..=19).contains(&positions.len()) {
            positions.len()
        } else {
            16
        };
        let tail: Vec<char> = positions.iter().rev().take(4).rev().copied().collect();
        let mut out: String = std::iter::repeat_n('*', len - 4).collect();
        for i in 0..4 {
            // Pad on the left when fewer than four positions were sent.
            let idx = (i + tail.len()).checked_sub(4);
            match idx.and_then(|k| tail.get(k)) {
                Some(c) if c.is_ascii_digit() => out.push(*c),
                _ => out.push('*'),
            }
        }
        MaskedPan(out)
    }

    /// The masked number as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The visible last digits (empty when the terminal sent none).
    pub fn last_digits(&self) -> String {
        self.0.chars().filter(|c| c.is_ascii_digit()).collect()
    }
}

impl From<MaskedPan> for String {
    fn from(p: MaskedPan) -> String {
        p.0
    }
}

impl<'de> Deserialize<'de> for MaskedPan {
    /// Reading a stored value masks it again: stored data is not trusted to be masked.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(MaskedPan::mask(&String::deserialize(d)?))
    }
}

impl fmt::Debug for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedPan({})", self.0)
    }
}

impl fmt::Display for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The card part of a receipt: the receipt-safe fields the terminal returned.
///
/// Deliberately without an expiry date and without the terminal's free-form extras.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDetails {
    /// Brand or type as the terminal named it (`VISA`, `BC`).
    pub brand: Option<String>,
    /// The card number, masked to at most the last four digits.
    pub masked_pan: Option<MaskedPan>,
    /// Approval (authorisation) number.
    pub approval_code: Option<String>,
    /// EMV application id (AID).
    pub aid: Option<String>,
    /// EMV application label.
    pub application_label: Option<String>,
    /// Application cryptogram (TC).
    pub cryptogram: Option<String>,
    /// How the card was read, as the terminal said it (`CHIP`, `CONTACTLESS`).
    pub entry_mode: Option<String>,
    /// Retrieval reference number or the terminal's transaction serial.
    pub reference: Option<String>,
    /// The acquirer's or issuer's notice text (IOT Pay `receiptDisp`), printed as sent.
    pub notice: Option<String>,
    /// Installment months; `None` or 0/1 prints nothing (lump sum).
    pub installments: Option<u8>,
}

impl CardDetails {
    /// Takes the receipt-safe fields of what a terminal returned, re-masking the card number
    /// and dropping empty strings and the vendor `extra` map.
    pub fn from_terminal(r: &CardReceipt) -> CardDetails {
        let keep = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        CardDetails {
            brand: keep(&r.card_brand),
            masked_pan: keep(&r.masked_pan).map(|p| MaskedPan::mask(&p)),
            approval_code: keep(&r.approval_code),
            aid: keep(&r.aid),
            application_label: keep(&r.application_label),
            cryptogram: keep(&r.cryptogram),
            entry_mode: keep(&r.entry_mode),
            reference: keep(&r.reference),
            notice: keep(&r.notice),
            installments: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pan_keeps_only_its_last_four_digits() {
        assert_eq!(
            MaskedPan::mask("4111111111111111").as_str(),
            "************1111"
        );
        assert_eq!(
            MaskedPan::mask("4111 1111 1111 1234").as_str(),
            "************1234"
        );
        assert_eq!(
            MaskedPan::mask("3782-822463-10005").as_str(),
            "***********0005"
        );
    }

    #[test]
    fn terminal_masks_are_normalised() {
        // First six and last four visible, as many terminals print: the BIN is hidden too.
        assert_eq!(
            MaskedPan::mask("411111******1111").as_str(),
            "************1111"
        );
        assert_eq!(
            MaskedPan::mask("4111-11XX-XXXX-1111").as_str(),
            "************1111"
        );
        // Last digits hidden by the terminal: nothing at all is shown.
        assert_eq!(MaskedPan::mask("5388********").as_str(), "************");
        assert_eq!(MaskedPan::mask("**12").as_str(), "**************12");
        assert_eq!(MaskedPan::mask("").as_str(), "****************");
        assert_eq!(MaskedPan::mask("4111111111111111").last_digits(), "1111");
    }

    #[test]
    fn stored_numbers_are_masked_again_when_read() {
        let pan: MaskedPan = serde_json::from_str("\"4111111111111111\"").unwrap();
        assert_eq!(pan.as_str(), "************1111");
        assert_eq!(serde_json::to_string(&pan).unwrap(), "\"************1111\"");
    }

    #[test]
    fn from_terminal_masks_and_drops_the_vendor_extras() {
        let mut r = CardReceipt {
            masked_pan: Some("4111111111111111".into()),
            aid: Some("  ".into()),
            approval_code: Some("30012345".into()),
            ..CardReceipt::default()
        };
        r.extra.insert("expireDate".into(), "2812".into());
        let c = CardDetails::from_terminal(&r);
        assert_eq!(
            c.masked_pan.as_ref().map(MaskedPan::as_str),
            Some("************1111")
        );
        assert_eq!(c.aid, None, "blank fields print nothing");
        assert_eq!(c.approval_code.as_deref(), Some("30012345"));
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("2812") && !json.contains("expire"), "{json}");
    }
}
