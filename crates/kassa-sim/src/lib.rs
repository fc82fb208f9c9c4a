//! Simulated terminals: the device side of every protocol Kassa speaks, as real peers on
//! loopback (real HTTP, real RSA and AES, real TCP), each with scriptable faults. Each vendor
//! sits behind a feature so one can be built and tested without the others.

#[cfg(feature = "antom")]
pub mod antom;
#[cfg(feature = "iotpay")]
pub mod iotpay;
#[cfg(feature = "kicc")]
pub mod kicc;
