//! The receipt model: plain data for every document this crate prints.
//!
//! These types are deliberately independent of the ledger: the application builds them from
//! its records, and the layout turns them into lines without looking anything up. Amounts are
//! [`kassa_core::Money`], order lines are [`kassa_core::OrderLine`] with totals from
//! [`kassa_core::order_totals`], and card data is [`CardDetails`], which masks the card number
//! and has no expiry-date field.

mod card;
mod docs;

pub use card::{CardDetails, MaskedPan};
pub use docs::{
    AttemptKind, KioskWaitSlip, OriginalSale, RefundSlip, Sale, TestPage, UnresolvedAttempt,
    ZReport, ZTotal,
};

use kassa_core::{Money, RequestId};
use serde::{Deserialize, Serialize};

/// The language of a document's labels (item names and terminal texts print as given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English labels.
    En,
    /// Korean labels.
    Ko,
}

/// The store, as printed at the top of every document (and its footer at the bottom of the
/// customer's receipts and refund slips).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHeader {
    /// Trading name.
    pub name: String,
    /// Street address, one line; the layout wraps it.
    pub address: String,
    /// Business registration number (Korean 사업자등록번호, e.g. `123-45-67890`).
    pub business_number: String,
    /// Representative's name, where receipts must show it (Korea); empty prints nothing.
    pub representative: String,
    /// Telephone number; empty prints nothing.
    pub phone: String,
    /// The store's closing words at the bottom of the customer's copy, in place of the
    /// built-in thank-you (which prints when this is empty); each line wraps and is centred.
    #[serde(default)]
    pub footer: String,
}

/// Which copy of a slip this is: the customer's, or the one the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyFor {
    /// Handed to the customer.
    Customer,
    /// Kept by the store; card slips add a signature line.
    Merchant,
}

/// How money moved, as totalled in the Z report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tender {
    /// A card read by the payment terminal.
    Card,
    /// A wallet / QR payment through the terminal.
    Wallet,
    /// Cash at the counter.
    Cash,
}

/// The tender-specific part of a payment or refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tender", rename_all = "lowercase")]
pub enum TenderDetails {
    /// Card, with the terminal's receipt data.
    Card(CardDetails),
    /// Wallet, with its name as the terminal reported it (`Alipay+`, `KakaoPay`).
    Wallet {
        /// Wallet name.
        name: String,
    },
    /// Cash: what the customer handed over (change is computed by the layout).
    Cash {
        /// Amount received.
        received: Money,
    },
}

/// One movement of money through one tender: a payment on a sale, or the money returned on
/// a refund slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Amount paid (or refunded).
    pub amount: Money,
    /// The terminal's display name as configured (`Counter 1 (N950)`); `None` for cash.
    pub terminal: Option<String>,
    /// The attempt's request id (what the ledger and the terminal both know).
    pub request_id: Option<RequestId>,
    /// The terminal's or acquirer's id for the payment or refund.
    pub terminal_ref: Option<String>,
    /// Tender and its details.
    pub details: TenderDetails,
}

impl Payment {
    /// The tender kind, for totals.
    pub fn tender(&self) -> Tender {
        match self.details {
            TenderDetails::Card(_) => Tender::Card,
            TenderDetails::Wallet { .. } => Tender::Wallet,
            TenderDetails::Cash { .. } => Tender::Cash,
        }
    }
}

/// A document to print: the store it is for, its language and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Printed at the top.
    pub store: StoreHeader,
    /// Language of the labels.
    pub language: Language,
    /// The document itself.
    pub document: Document,
}

/// Every kind of document.
// A document is built once per print and moved a few times; boxing the larger variants
// would only make building them clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Document {
    /// A sale receipt (customer or merchant copy).
    Sale(Sale),
    /// A refund slip referencing the original sale.
    Refund(RefundSlip),
    /// The kiosk's "please wait for staff" slip for a payment whose outcome is unknown.
    KioskWait(KioskWaitSlip),
    /// The end-of-day report.
    ZReport(ZReport),
    /// A printer's test page.
    TestPage(TestPage),
}

impl Receipt {
    /// A file and job name for the document, letters, digits, `_` and `-` only:
    /// `sale_O2026..._customer`, `refund_R..._merchant`, `kiosk-wait_P...`,
    /// `z-report_2026-11-21`, `test-page_20261121-0900`.
    pub fn file_stem(&self) -> String {
        let copy = |c: CopyFor| match c {
            CopyFor::Customer => "customer",
            CopyFor::Merchant => "merchant",
        };
        match &self.document {
            Document::Sale(s) => format!("sale_{}_{}", s.order_id, copy(s.copy)),
            Document::Refund(r) => format!("refund_{}_{}", r.refund_id, copy(r.copy)),
            Document::KioskWait(w) => format!("kiosk-wait_{}", w.attempt_id),
            Document::ZReport(z) => format!("z-report_{}", z.day.format("%Y-%m-%d")),
            Document::TestPage(t) => format!("test-page_{}", t.at.format("%Y%m%d-%H%M")),
        }
    }
}
