//! Saving receipts as PDF files in a folder.

use super::{PrintError, Printed, Printer};
use crate::layout::{Layout, Paper};
use crate::pdf::PdfRenderer;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// How many numbered names (`-2` … ) are tried before giving up on a free file name.
const MAX_SUFFIX: u32 = 999;

/// Writes each document as `{folder}/{name}.pdf`; a reprint gets `{name}-2.pdf` and so on,
/// so no saved receipt is ever overwritten.
#[derive(Debug, Clone)]
pub struct FolderPrinter {
    dir: PathBuf,
    paper: Paper,
    pdf: PdfRenderer,
}

impl FolderPrinter {
    /// A printer that saves into `dir` (which must exist when printing) on `paper`.
    pub fn new(dir: impl Into<PathBuf>, paper: Paper) -> Result<FolderPrinter, PrintError> {
        Ok(FolderPrinter {
            dir: dir.into(),
            paper,
            pdf: PdfRenderer::new()?,
        })
    }

    /// The folder written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Printer for FolderPrinter {
    fn describe(&self) -> String {
        format!("PDF folder {}", self.dir.display())
    }

    fn paper(&self) -> Paper {
        self.paper
    }

    fn print_layout(&self, layout: &Layout, name: &str) -> Result<Printed, PrintError> {
        if !self.dir.is_dir() {
            return Err(PrintError::FolderMissing {
                path: self.dir.clone(),
            });
        }
        let bytes = self.pdf.render(layout, name);
        for n in 1..=MAX_SUFFIX {
            let file = if n == 1 {
                format!("{name}.pdf")
            } else {
                format!("{name}-{n}.pdf")
            };
            let path = self.dir.join(file);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let written = f.write_all(&bytes).and_then(|()| f.sync_all());
                    if let Err(e) = written {
                        // Do not leave half a receipt behind.
                        let _ = std::fs::remove_file(&path);
                        return Err(PrintError::WriteFailed {
                            path,
                            detail: e.to_string(),
                        });
                    }
                    tracing::info!(file = %path.display(), bytes = bytes.len(), "receipt saved");
                    return Ok(Printed {
                        detail: format!("saved {}", path.display()),
                        file: Some(path),
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(PrintError::WriteFailed {
                        path,
                        detail: e.to_string(),
                    })
                }
            }
        }
        Err(PrintError::WriteFailed {
            path: self.dir.clone(),
            detail: format!("{MAX_SUFFIX} files named {name} already exist"),
        })
    }
}
