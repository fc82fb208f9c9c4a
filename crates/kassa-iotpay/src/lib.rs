//! IOT Pay CC_PAX cloud driver (docs/protocols.md §4): a PAX card terminal driven through IOT Pay's
//! `create_order` / `query_order` API, with its MD5 signatures.
//!
//! - [`IotPay`] implements [`kassa_core::Terminal`]; [`IotPayConfig`] is its stored setting.
//! - [`sign`] and [`json`] reproduce the signature vectors byte for byte.
//! - [`wire`] holds the vendor's structs, shared with the simulator in `kassa-sim`.
//! - [`receipt`] turns the terminal's card data into a [`kassa_core::CardReceipt`], dropping
//!   the expiry date and every other unlisted field.

mod client;
pub mod config;
mod driver;
pub mod json;
mod mapping;
pub mod receipt;
pub mod sign;
pub mod wire;

pub use client::form_body;
pub use config::{default_timing, ConfigError, IotPayConfig};
pub use driver::{IotPay, KIND};
pub use json::OrderedJson;
