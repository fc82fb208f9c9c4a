//! The kassa-antom driver against the simulated N950 over real loopback HTTP, with real RSA and
//! AES on both sides: every scripted behaviour, both envelope profiles, the refund rules, and
//! the `kassa-sim antom` binary scripted through its control endpoint.
#![cfg(feature = "antom")]
// A test helper that cannot set up its fixture should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pay;
mod process;
mod refund;
mod usb;
