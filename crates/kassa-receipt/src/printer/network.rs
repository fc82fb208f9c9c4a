//! A network thermal printer speaking ESC/POS on a raw TCP port (9100).
//!
//! The receipt goes as a raster image ([`crate::raster`], [`crate::escpos`]) rather than as
//! text, so Hangul prints on printers whose code pages lack it. After the job the write side
//! is shut and whatever the printer sends back is drained briefly, so closing the socket
//! cannot discard the end of the job.

use super::{PrintError, Printed, Printer};
use crate::escpos;
use crate::layout::{Layout, Paper};
use crate::raster::Rasterizer;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The raw printing port.
pub const DEFAULT_PORT: u16 = 9100;
/// How long a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write may block (a printer out of paper stops reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the printer to close after the job.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// An ESC/POS printer at `host:port`.
#[derive(Debug, Clone)]
pub struct EscPosPrinter {
    addr: String,
    paper: Paper,
    dots: u32,
    connect_timeout: Duration,
    write_timeout: Duration,
    raster: Rasterizer,
}

impl EscPosPrinter {
    /// A printer at `addr` (`192.168.0.50`, `192.168.0.50:9100`, `printer.local:9100`; the
    /// port defaults to 9100) with `paper` (58 or 80 mm).
    pub fn new(addr: &str, paper: Paper) -> Result<EscPosPrinter, PrintError> {
        let dots = Rasterizer::dots_for(paper).ok_or_else(|| PrintError::PaperNotSupported {
            paper: paper.label().to_string(),
        })?;
        let addr = addr.trim();
        let addr = if addr.parse::<SocketAddr>().is_ok() {
            addr.to_string()
        } else if let Ok(ip) = addr.parse::<IpAddr>() {
            SocketAddr::new(ip, DEFAULT_PORT).to_string()
        } else if addr.contains(':') {
            addr.to_string()
        } else {
            format!("{addr}:{DEFAULT_PORT}")
        };
        Ok(EscPosPrinter {
            addr,
            paper,
            dots,
            connect_timeout: CONNECT_TIMEOUT,
            write_timeout: WRITE_TIMEOUT,
            raster: Rasterizer::new()?,
        })
    }

    /// The same printer with other connect and write timeouts.
    pub fn with_timeouts(mut self, connect: Duration, write: Duration) -> EscPosPrinter {
        self.connect_timeout = connect;
        self.write_timeout = write;
        self
    }

    /// `host:port` as used.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The exact bytes a print of `layout` sends.
    pub fn job_bytes(&self, layout: &Layout) -> Result<Vec<u8>, PrintError> {
        if Rasterizer::dots_for(layout.paper).is_none() {
            return Err(PrintError::PaperNotSupported {
                paper: layout.paper.label().to_string(),
            });
        }
        Ok(escpos::job(&self.raster.render(layout, self.dots)))
    }

    fn connect(&self) -> Result<TcpStream, PrintError> {
        let unreachable = |detail: String| PrintError::Unreachable {
            addr: self.addr.clone(),
            detail,
        };
        let addrs: Vec<SocketAddr> = self
            .addr
            .to_socket_addrs()
            .map_err(|e| unreachable(format!("the address cannot be resolved: {e}")))?
            .collect();
        let mut last = String::from("the address resolves to nothing");
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.connect_timeout) {
                Ok(s) => return Ok(s),
                Err(e) => last = e.to_string(),
            }
        }
        Err(unreachable(last))
    }
}

impl Printer for EscPosPrinter {
    fn describe(&self) -> String {
        format!("ESC/POS {} ({})", self.addr, self.paper.label())
    }

    fn paper(&self) -> Paper {
        self.paper
    }

    fn print_layout(&self, layout: &Layout, name: &str) -> Result<Printed, PrintError> {
        let bytes = self.job_bytes(layout)?;
        let mut stream = self.connect()?;
        let broken = |e: std::io::Error| PrintError::Interrupted {
            addr: self.addr.clone(),
            detail: e.to_string(),
        };
        stream
            .set_write_timeout(Some(self.write_timeout))
            .map_err(broken)?;
        stream
            .write_all(&bytes)
            .and_then(|()| stream.flush())
            .map_err(broken)?;
        stream.shutdown(Shutdown::Write).map_err(broken)?;
        // Drain anything the printer says (status bytes) until it closes, briefly.
        let _ = stream.set_read_timeout(Some(DRAIN_TIMEOUT));
        let mut sink = [0u8; 256];
        while let Ok(n) = stream.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        tracing::info!(addr = %self.addr, job = name, bytes = bytes.len(), "receipt sent");
        Ok(Printed {
            detail: format!("sent {} bytes to {}", bytes.len(), self.addr),
            file: None,
        })
    }
}
