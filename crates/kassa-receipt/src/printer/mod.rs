//! Printers: one trait, three back-ends.
//!
//! - [`CupsPrinter`]: the operating system's print system (`lp -d QUEUE file.pdf`).
//! - [`FolderPrinter`]: saves the PDF into a folder (back office, archiving, no printer).
//! - [`EscPosPrinter`]: a network thermal printer on TCP port 9100, sent the receipt as a
//!   raster image so Hangul prints whatever the printer's code pages hold.
//!
//! Printing is blocking I/O (a process, a file, a socket with timeouts); async callers run
//! it with `tokio::task::spawn_blocking`. Every [`PrintError`] says what happened and what to
//! do next, and carries a stable [`PrintError::code`] for the UI.

mod cups;
mod folder;
mod network;

pub use cups::CupsPrinter;
pub use folder::FolderPrinter;
pub use network::EscPosPrinter;

use crate::font::FontError;
use crate::layout::{layout, Layout, Paper};
use crate::model::{Document, Language, Receipt, StoreHeader, TestPage};
use chrono::{DateTime, FixedOffset};
use std::fmt;
use std::path::PathBuf;

/// What a successful print did, for the log and the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// One sentence: `sent 41,230 bytes to 192.168.0.50:9100`, `saved /x/sale_O1.pdf`.
    pub detail: String,
    /// The file written, for back-ends that keep one.
    pub file: Option<PathBuf>,
}

/// Why printing failed; each message names the cause and the next step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The network printer did not accept a connection.
    #[error(
        "the printer at {addr} cannot be reached ({detail}). Check that it is switched on, \
         that its network cable is plugged in and that its IP address is the one set in \
         Kassa (the printer's self-test page shows it), then print again"
    )]
    Unreachable {
        /// `host:port` as configured.
        addr: String,
        /// What the network said.
        detail: String,
    },
    /// The connection broke while the receipt was being sent.
    #[error(
        "the printer at {addr} stopped taking the receipt ({detail}). Check its paper, \
         cover and power, then print again"
    )]
    Interrupted {
        /// `host:port`.
        addr: String,
        /// What the network said.
        detail: String,
    },
    /// The print command does not exist at the configured path.
    #[error(
        "the print command {program:?} was not found. Install the CUPS client (Debian and \
         Ubuntu: `apt install cups-client`) or set the path of `lp` in Kassa's settings"
    )]
    PrintCommandMissing {
        /// The configured program.
        program: String,
    },
    /// CUPS does not know the queue.
    #[error(
        "the print queue {queue:?} does not exist. Add a printer with exactly that name in \
         the system's printer settings, or choose an existing queue in Kassa's settings \
         (`lpstat -p` lists them)"
    )]
    QueueMissing {
        /// The configured queue name.
        queue: String,
    },
    /// The print service itself is down.
    #[error(
        "the print service (CUPS) is not running or cannot be reached ({detail}). Start it \
         (`systemctl start cups`) and print again"
    )]
    PrintServiceDown {
        /// What `lp` said.
        detail: String,
    },
    /// `lp` failed for another reason.
    #[error(
        "printing to queue {queue:?} failed: {detail}. Check the queue in the system's \
         printer settings (is it enabled and accepting jobs?), then print again"
    )]
    QueueFailed {
        /// The queue.
        queue: String,
        /// What `lp` said, or its exit status.
        detail: String,
    },
    /// `lp` did not finish in time.
    #[error(
        "the print command did not finish within {secs} s. Check that the print service \
         (CUPS) is responding, then print again"
    )]
    CommandTimeout {
        /// The limit.
        secs: u64,
    },
    /// The folder for saved receipts is missing.
    #[error(
        "the folder {path:?} does not exist. Create it, or choose another folder for saved \
         receipts in Kassa's settings"
    )]
    FolderMissing {
        /// The folder.
        path: PathBuf,
    },
    /// A file could not be written.
    #[error(
        "the receipt could not be saved in {path:?} ({detail}). Check that the folder is \
         writable and the disk is not full"
    )]
    WriteFailed {
        /// The folder or file.
        path: PathBuf,
        /// The system's error.
        detail: String,
    },
    /// A thermal printer was given a paper it cannot print.
    #[error("a thermal printer cannot print on {paper} paper: set it to 58 mm or 80 mm")]
    PaperNotSupported {
        /// The paper asked for.
        paper: String,
    },
    /// The embedded font is unusable.
    #[error(transparent)]
    Font(#[from] FontError),
}

impl PrintError {
    /// A stable machine-readable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::Unreachable { .. } => "printer-unreachable",
            PrintError::Interrupted { .. } => "printer-interrupted",
            PrintError::PrintCommandMissing { .. } => "print-command-missing",
            PrintError::QueueMissing { .. } => "print-queue-missing",
            PrintError::PrintServiceDown { .. } => "print-service-down",
            PrintError::QueueFailed { .. } => "print-queue-failed",
            PrintError::CommandTimeout { .. } => "print-command-timeout",
            PrintError::FolderMissing { .. } => "folder-missing",
            PrintError::WriteFailed { .. } => "write-failed",
            PrintError::PaperNotSupported { .. } => "paper-not-supported",
            PrintError::Font(_) => "font-broken",
        }
    }
}

impl From<crate::pdf::PdfError> for PrintError {
    fn from(e: crate::pdf::PdfError) -> PrintError {
        match e {
            crate::pdf::PdfError::Font(f) => PrintError::Font(f),
        }
    }
}

/// A printer back-end.
pub trait Printer: Send + Sync + fmt::Debug {
    /// The printer as people recognise it (`CUPS queue "front"`, `ESC/POS 10.0.0.7:9100`).
    fn describe(&self) -> String;

    /// The paper it is set up for; documents are laid out for it.
    fn paper(&self) -> Paper;

    /// Prints an already laid-out document; `name` is the job or file name (no extension).
    fn print_layout(&self, layout: &Layout, name: &str) -> Result<Printed, PrintError>;

    /// Lays `receipt` out for this printer's paper and prints it.
    fn print(&self, receipt: &Receipt) -> Result<Printed, PrintError> {
        self.print_layout(&layout(receipt, self.paper()), &receipt.file_stem())
    }

    /// This printer's test page, to print with [`Printer::print`].
    fn test_page(
        &self,
        store: &StoreHeader,
        language: Language,
        at: DateTime<FixedOffset>,
    ) -> Receipt {
        Receipt {
            store: store.clone(),
            language,
            document: Document::TestPage(TestPage {
                printer: self.describe(),
                at,
            }),
        }
    }
}
