//! KICC EDC in callback mode, reached through the bridge app on the Android device
//! (docs/protocols.md §3): a [`kassa_core::Terminal`] that sends `Purchase`, `PurchaseCancel`,
//! `GetLastTransaction` and `CommandCancel` as JSON lines over TCP, turns the device's events
//! into driver-neutral [`kassa_core::TerminalEvent`]s with their countdowns, and its outcomes
//! into approvals, declines, or *unknown* when the answer is missing or cannot be trusted.
//!
//! KICC is not idempotent: a request id is never sent twice, and recovery is
//! `GetLastTransaction`, trusted only when its request id and amount match.
//!
//! Layout: `wire` and `codes` are the vendor's vocabulary (shared with the emulator in
//! `kassa-sim`), `codec` the line framing, `rules` the pure timing and countdown rules, `map`
//! the vendor-to-core mapping, `link` and `exchange` the connection, `driver` the connection
//! management and `terminal` the [`kassa_core::Terminal`] calls.

pub mod auth;
pub mod codec;
pub mod codes;
pub mod config;
mod driver;
mod exchange;
mod link;
pub mod map;
pub mod rules;
mod terminal;
pub mod wire;

pub use auth::PairingKey;
pub use config::{ConfigError, KiccConfig, DEFAULT_PAYMENT_EXPIRY_SECS};
pub use driver::Kicc;
pub use map::KiccVendorData;
pub use rules::{countdown_for, purchase_timeout, EventTracker};
