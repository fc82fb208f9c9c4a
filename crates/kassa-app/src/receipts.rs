//! Receipts built from the ledger, never from what a screen shows: the sale receipt of a paid
//! order (with the card data the terminal returned, re-masked by `kassa-receipt`), the refund
//! slip of a succeeded refund referencing its sale, and the kiosk's "please wait for staff"
//! slip of a payment whose outcome is open. The Z report is in [`crate::reports`].
//!
//! The store header and footer come from the store settings ([`crate::store`]); the language
//! from the print settings, else Korean for a store selling in KRW and English otherwise.

use crate::error::{AppError, AppResult};
use crate::Service;
use chrono::{DateTime, FixedOffset};
use kassa_core::{AttemptState, RequestId};
use kassa_ledger::{Attempt, AttemptKind, PrintCopy, PrintDocument};
use kassa_receipt::pdf::PdfRenderer;
use kassa_receipt::{
    layout, CardDetails, CopyFor, Document, KioskWaitSlip, Language, OriginalSale, Paper, Payment,
    Receipt, RefundSlip, Sale, StoreHeader, TenderDetails,
};

/// Reads a time the ledger wrote (RFC 3339 with offset).
pub(crate) fn ledger_time(text: &str) -> AppResult<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).map_err(|e| {
        AppError::Config(format!(
            "the ledger holds a time that cannot be read ({text:?}: {e}); restore a backup or \
             contact support"
        ))
    })
}

fn request_id(text: &str) -> Option<RequestId> {
    RequestId::parse(text).ok()
}

/// The PDF of `receipt` laid out for `paper` (saving or exporting a document; printers
/// render their own).
pub fn receipt_pdf(receipt: &Receipt, paper: Paper) -> AppResult<Vec<u8>> {
    let pdf = PdfRenderer::new()
        .map_err(|e| AppError::Config(format!("the receipt font cannot be used: {e}")))?;
    Ok(pdf.render(&layout(receipt, paper), &receipt.file_stem()))
}

/// The receipt model's copy for the ledger's.
pub fn copy_for(c: PrintCopy) -> CopyFor {
    match c {
        PrintCopy::Customer => CopyFor::Customer,
        PrintCopy::Merchant => CopyFor::Merchant,
    }
}

impl Service {
    /// The store as printed at the top of every document, with the footer that closes the
    /// customer's receipts.
    pub fn receipt_header(&self) -> AppResult<StoreHeader> {
        let s = self.store_settings()?;
        Ok(StoreHeader {
            name: s.name,
            address: s.address,
            business_number: s.business_number,
            representative: String::new(),
            phone: s.phone,
            footer: s.receipt_footer,
        })
    }

    /// The language documents print in: the print settings' choice, else Korean for a store
    /// selling in KRW and English otherwise.
    pub fn receipt_language(&self) -> AppResult<Language> {
        if let Some(l) = self.print_settings()?.language {
            return Ok(l);
        }
        let krw = self.store_settings()?.currency.eq_ignore_ascii_case("KRW");
        Ok(if krw { Language::Ko } else { Language::En })
    }

    fn receipt(&self, language: Option<Language>, document: Document) -> AppResult<Receipt> {
        Ok(Receipt {
            store: self.receipt_header()?,
            language: match language {
                Some(l) => l,
                None => self.receipt_language()?,
            },
            document,
        })
    }

    /// The document `id` names: an order id (or its approved payment's request id) gives its
    /// sale receipt, a refund's request id its refund slip, and an unresolved payment
    /// attempt's request id the kiosk wait slip.
    pub fn document_for(&self, id: &str, copy: PrintCopy) -> AppResult<PrintDocument> {
        if self.ledger.order(id)?.is_some() {
            return Ok(PrintDocument::Sale {
                order_id: id.to_string(),
                copy,
            });
        }
        match self.ledger.attempt(id)? {
            Some(a) if a.kind == AttemptKind::Refund => Ok(PrintDocument::Refund {
                refund_id: a.request_id,
                copy,
            }),
            Some(a) if a.state == AttemptState::Succeeded => Ok(PrintDocument::Sale {
                order_id: a.order_id,
                copy,
            }),
            Some(a) => Ok(PrintDocument::KioskWait {
                attempt_id: a.request_id,
            }),
            None => Err(AppError::NotFound(format!(
                "no order or attempt {id:?}: give an order id, a refund id or a payment \
                 attempt id (see `kassactl orders`)"
            ))),
        }
    }

    /// The receipt of the document `id` names (see [`Service::document_for`]).
    pub fn receipt_for(
        &self,
        id: &str,
        copy: PrintCopy,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        self.receipt_of(&self.document_for(id, copy)?, language)
    }

    /// The receipt a print job prints, built from the ledger as it is now.
    pub fn document_receipt(&self, doc: &PrintDocument) -> AppResult<Receipt> {
        self.receipt_of(doc, None)
    }

    /// The receipt of `doc` in `language` (the configured one when `None`).
    pub fn receipt_of(
        &self,
        doc: &PrintDocument,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        match doc {
            PrintDocument::Sale { order_id, copy } => {
                self.sale_receipt(order_id, copy_for(*copy), language)
            }
            PrintDocument::Refund { refund_id, copy } => {
                self.refund_slip(refund_id, copy_for(*copy), language)
            }
            PrintDocument::KioskWait { attempt_id } => self.kiosk_wait_slip(attempt_id, language),
            PrintDocument::ZReport { day } => {
                let day = crate::reports::parse_day(day)?;
                self.z_report_receipt(Some(day), "auto", language)
            }
        }
    }

    /// The sale receipt of a paid order: its lines and totals, the approved payment with the
    /// terminal's card data, at the time the payment was recorded. Refused for an order
    /// without an approved payment.
    pub fn sale_receipt(
        &self,
        order_id: &str,
        copy: CopyFor,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        let order = self
            .ledger
            .order(order_id)?
            .ok_or_else(|| AppError::NotFound(format!("no order {order_id:?}")))?;
        let payment = self
            .ledger
            .payment(&order.id)?
            .filter(|p| p.order_id == order.id)
            .ok_or_else(|| {
                AppError::Conflict(format!(
                    "order {} is {} and has no approved payment, so there is no receipt to \
                     print: pay it first, or print the slip of its payment attempt",
                    order.id,
                    order.status.as_str()
                ))
            })?;
        let order_ref = request_id(&order.id).ok_or_else(|| {
            AppError::Config(format!("order id {:?} cannot be printed", order.id))
        })?;
        let paid = Payment {
            amount: payment.amount,
            terminal: Some(payment.terminal.clone()),
            request_id: request_id(&payment.request_id),
            terminal_ref: Some(payment.terminal_payment_id.clone()),
            details: TenderDetails::Card(CardDetails::from_terminal(&payment.receipt)),
        };
        let sale = Sale::new(
            copy,
            order_ref,
            ledger_time(&payment.paid_at)?,
            &order.cashier,
            order.currency,
            order.lines,
            vec![paid],
        )
        .map_err(|e| AppError::Config(format!("order {order_id} cannot be printed: {e}")))?;
        self.receipt(language, Document::Sale(sale))
    }

    /// The slip of a succeeded refund, referencing the sale it refunds. The card lines show
    /// the card of the original payment (brand and masked number) and the refund's own
    /// reference; the sale's approval number and cryptogram are not repeated.
    pub fn refund_slip(
        &self,
        refund_id: &str,
        copy: CopyFor,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        let a = self.refund_attempt(refund_id)?;
        let payment_id = a.payment_request_id.clone().unwrap_or_default();
        let p = self
            .ledger
            .payment(&payment_id)?
            .filter(|p| p.request_id == payment_id)
            .ok_or_else(|| {
                AppError::NotFound(format!("the payment {payment_id:?} of refund {refund_id}"))
            })?;
        let mut card = CardDetails::from_terminal(&p.receipt);
        card.approval_code = None;
        card.cryptogram = None;
        card.notice = None;
        card.reference = None;
        card.installments = None;
        let slip = RefundSlip {
            copy,
            refund_id: request_id(&a.request_id).ok_or_else(|| {
                AppError::Config(format!("refund id {:?} cannot be printed", a.request_id))
            })?,
            at: ledger_time(&a.updated_at)?,
            cashier: a.actor.clone().unwrap_or_else(|| "-".into()),
            original: OriginalSale {
                order_id: request_id(&p.order_id).ok_or_else(|| {
                    AppError::Config(format!("order id {:?} cannot be printed", p.order_id))
                })?,
                at: ledger_time(&p.paid_at)?,
                amount: p.amount,
                payment_request_id: request_id(&p.request_id),
                terminal_ref: Some(p.terminal_payment_id.clone()),
            },
            lines: Vec::new(),
            refund: Payment {
                amount: a.amount,
                terminal: Some(a.terminal.clone()),
                request_id: request_id(&a.request_id),
                terminal_ref: a.terminal_ref.clone(),
                details: TenderDetails::Card(card),
            },
            reason: a.reason.clone().filter(|r| !r.trim().is_empty()),
        };
        self.receipt(language, Document::Refund(slip))
    }

    fn refund_attempt(&self, refund_id: &str) -> AppResult<Attempt> {
        let a = self
            .ledger
            .attempt(refund_id)?
            .filter(|a| a.kind == AttemptKind::Refund)
            .ok_or_else(|| AppError::NotFound(format!("no refund {refund_id:?}")))?;
        if a.state != AttemptState::Succeeded {
            return Err(AppError::Conflict(format!(
                "refund {refund_id} is {}: only a refund that went through has a slip",
                a.state
            )));
        }
        Ok(a)
    }

    /// The kiosk's slip for a payment attempt whose outcome is still open: the customer shows
    /// it to staff, who look the attempt up by its reference. Refused once the attempt is
    /// final (print the receipt instead).
    pub fn kiosk_wait_slip(
        &self,
        attempt_id: &str,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        let a = self
            .ledger
            .attempt(attempt_id)?
            .filter(|a| a.kind == AttemptKind::Payment)
            .ok_or_else(|| AppError::NotFound(format!("no payment attempt {attempt_id:?}")))?;
        if a.state.is_final() {
            return Err(AppError::Conflict(format!(
                "payment {attempt_id} is already {}: there is nothing to wait for{}",
                a.state,
                if a.state == AttemptState::Succeeded {
                    "; print the sale receipt instead"
                } else {
                    ""
                }
            )));
        }
        let order = self
            .ledger
            .order(&a.order_id)?
            .ok_or_else(|| AppError::NotFound(format!("no order {:?}", a.order_id)))?;
        let ids = (request_id(&order.id), request_id(&a.request_id));
        let (Some(order_id), Some(attempt_ref)) = ids else {
            return Err(AppError::Config(format!(
                "attempt {attempt_id:?} cannot be printed"
            )));
        };
        let slip = KioskWaitSlip {
            at: self.clock.now(),
            kiosk: order.cashier,
            order_id,
            attempt_id: attempt_ref,
            amount: a.amount,
            terminal: a.terminal,
        };
        self.receipt(language, Document::KioskWait(slip))
    }
}
