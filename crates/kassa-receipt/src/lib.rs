//! Receipts for Kassa: the model of every printed document, a pure text layout for each paper
//! width, PDF rendering (the only place `printpdf` appears) and the printer back-ends.
//!
//! The flow is `model` → [`layout()`] → [`Layout`] → a printer: [`pdf::PdfRenderer`] for the
//! operating system's print system or a folder, [`raster`] + [`escpos`] for a network thermal
//! printer. Layout counts display cells (Hangul two, Latin one) so Korean and English line up
//! on the same grid; the PDF and the raster image draw that grid with the embedded
//! NanumGothicCoding font (`assets/fonts/`, SIL OFL).

pub mod escpos;
pub mod font;
mod labels;
pub mod layout;
pub mod model;
pub mod pdf;
pub mod printer;
pub mod raster;
pub mod text;

pub use layout::{layout, Layout, Paper};
pub use model::{
    AttemptKind, CardDetails, CopyFor, Document, KioskWaitSlip, Language, MaskedPan, OriginalSale,
    Payment, Receipt, RefundSlip, Sale, StoreHeader, Tender, TenderDetails, TestPage,
    UnresolvedAttempt, ZReport, ZTotal,
};
pub use printer::{CupsPrinter, EscPosPrinter, FolderPrinter, PrintError, Printed, Printer};
