//! The operating system's print system through CUPS's `lp` command.
//!
//! The receipt is rendered to a temporary PDF and handed to `lp [-h SERVER] -d QUEUE -t NAME
//! FILE`; `lp` copies it to the spooler before it exits, so the temporary file is removed
//! afterwards. Without a server `lp` uses the system's default scheduler.
//! The program path and queue are parameters, so a test can point this at a real `cupsd`
//! (or at another `lp`), and messages are read in the C locale so errors can be told apart.
//!
//! **Windows** has no `lp`. The equivalent hands the PDF to the spooler with the printer's
//! name where CUPS takes the queue, for example SumatraPDF's command line
//! `SumatraPDF.exe -print-to "<printer name>" -silent receipt.pdf`, or PowerShell's
//! `Start-Process -FilePath receipt.pdf -Verb PrintTo -ArgumentList '"<printer name>"'`
//! (which uses the default PDF application). A Windows back-end would be another
//! [`Printer`] built the same way: program path and printer name as parameters.

use super::{PrintError, Printed, Printer};
use crate::layout::{Layout, Paper};
use crate::pdf::PdfRenderer;
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `lp` may take to hand the job to the spooler.
const LP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a running `lp` is checked.
const POLL: Duration = Duration::from_millis(20);

/// Prints through CUPS: `lp -d QUEUE`.
#[derive(Debug, Clone)]
pub struct CupsPrinter {
    lp: PathBuf,
    queue: String,
    server: Option<String>,
    paper: Paper,
    timeout: Duration,
    pdf: PdfRenderer,
}

impl CupsPrinter {
    /// A printer for CUPS queue `queue`, run through the `lp` program at `lp` (usually
    /// `/usr/bin/lp`, or just `lp` to search `PATH`).
    pub fn new(
        lp: impl Into<PathBuf>,
        queue: &str,
        paper: Paper,
    ) -> Result<CupsPrinter, PrintError> {
        Ok(CupsPrinter {
            lp: lp.into(),
            queue: queue.to_string(),
            server: None,
            paper,
            timeout: LP_TIMEOUT,
            pdf: PdfRenderer::new()?,
        })
    }

    /// The same printer with another limit on how long `lp` may run.
    pub fn with_timeout(mut self, timeout: Duration) -> CupsPrinter {
        self.timeout = timeout;
        self
    }

    /// The same printer on another CUPS scheduler: `lp -h SERVER` (`host`, `host:port` or
    /// the path of the scheduler's local socket). An empty string means the default.
    pub fn with_server(mut self, server: &str) -> CupsPrinter {
        let s = server.trim();
        self.server = (!s.is_empty()).then(|| s.to_string());
        self
    }

    /// The queue printed to.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// Turns `lp`'s failure output into an error that says what to do.
    fn classify(&self, status: &str, stderr: &str) -> PrintError {
        let lower = stderr.to_ascii_lowercase();
        let detail = if stderr.trim().is_empty() {
            status.to_string()
        } else {
            stderr.trim().to_string()
        };
        if lower.contains("does not exist")
            || lower.contains("unknown destination")
            || lower.contains("no such destination")
        {
            PrintError::QueueMissing {
                queue: self.queue.clone(),
            }
        } else if lower.contains("unable to connect")
            || lower.contains("connection refused")
            || lower.contains("scheduler not responding")
            || lower.contains("scheduler is not running")
        {
            PrintError::PrintServiceDown { detail }
        } else {
            PrintError::QueueFailed {
                queue: self.queue.clone(),
                detail,
            }
        }
    }
}

impl Printer for CupsPrinter {
    fn describe(&self) -> String {
        match &self.server {
            Some(server) => format!("CUPS queue {:?} on {server}", self.queue),
            None => format!("CUPS queue {:?}", self.queue),
        }
    }

    fn paper(&self) -> Paper {
        self.paper
    }

    fn print_layout(&self, layout: &Layout, name: &str) -> Result<Printed, PrintError> {
        let spool_err = |e: std::io::Error| PrintError::WriteFailed {
            path: std::env::temp_dir(),
            detail: e.to_string(),
        };
        let bytes = self.pdf.render(layout, name);
        let mut file = tempfile::Builder::new()
            .prefix("kassa-receipt-")
            .suffix(".pdf")
            .tempfile()
            .map_err(spool_err)?;
        file.write_all(&bytes)
            .and_then(|()| file.flush())
            .map_err(spool_err)?;
        let mut out = tempfile::tempfile().map_err(spool_err)?;
        let mut err = tempfile::tempfile().map_err(spool_err)?;
        let mut command = Command::new(&self.lp);
        command.env("LC_ALL", "C").env("LANG", "C");
        if let Some(server) = &self.server {
            command.arg("-h").arg(server);
        }
        let mut child = command
            .arg("-d")
            .arg(&self.queue)
            .arg("-t")
            .arg(name)
            .arg(file.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(spool_err)?)
            .stderr(err.try_clone().map_err(spool_err)?)
            .spawn()
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound | ErrorKind::PermissionDenied => {
                    PrintError::PrintCommandMissing {
                        program: self.lp.display().to_string(),
                    }
                }
                _ => PrintError::QueueFailed {
                    queue: self.queue.clone(),
                    detail: e.to_string(),
                },
            })?;
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < self.timeout => std::thread::sleep(POLL),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(PrintError::CommandTimeout {
                        secs: self.timeout.as_secs(),
                    });
                }
                Err(e) => {
                    return Err(PrintError::QueueFailed {
                        queue: self.queue.clone(),
                        detail: e.to_string(),
                    })
                }
            }
        };
        let read_all = |f: &mut std::fs::File| {
            let mut s = String::new();
            let _ = f.rewind().and_then(|()| f.read_to_string(&mut s));
            s
        };
        let (stdout, stderr) = (read_all(&mut out), read_all(&mut err));
        if !status.success() {
            return Err(self.classify(&status.to_string(), &stderr));
        }
        tracing::info!(queue = %self.queue, bytes = bytes.len(), "receipt sent to CUPS");
        let answer = stdout.trim();
        Ok(Printed {
            detail: if answer.is_empty() {
                format!("sent to CUPS queue {:?}", self.queue)
            } else {
                format!("sent to CUPS queue {:?}: {answer}", self.queue)
            },
            file: None,
        })
    }
}
