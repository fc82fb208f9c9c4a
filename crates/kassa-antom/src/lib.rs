//! Kassa's driver for the Antom N950 payment terminal (docs/protocols.md §1).
//!
//! - [`protocol`]: signing, the `Signature`/`Encrypt` headers and the body envelope — shared
//!   with the simulator, so there is one crypto implementation;
//! - [`wire`] and [`codes`]: Antom's JSON and result codes in Antom's vocabulary;
//! - [`transport`]: the seam to the wire, with [`lan`] (HTTP) and [`usb`] (Android Open
//!   Accessory with the §2.2 framing) as its implementations;
//! - [`driver`]: [`AntomLan`] / [`usb::AntomUsb`] / [`Antom`], the `kassa_core::Terminal`
//!   implementation shared by both transports.

mod call;
pub mod codes;
pub mod config;
pub mod driver;
pub mod lan;
mod map;
pub mod protocol;
pub mod receipt;
mod refund;
pub mod transport;
pub mod usb;
pub mod wire;

pub use config::{AntomConfig, ConfigError, DEFAULT_PORT};
pub use driver::{Antom, AntomLan};
pub use lan::LanTransport;
pub use protocol::Envelope;
pub use transport::{InboundResponse, NoAnswer, OutboundRequest, Transport, TransportError};
