//! The N950 protocol core, independent of any transport (docs/protocols.md §1.2–§1.3): keys,
//! the `Signature` and `Encrypt` headers, signing, the body envelope in its two profiles, and
//! whole-message sealing and opening. The LAN driver and the simulator both use this module,
//! so there is exactly one implementation of the crypto.

pub mod envelope;
pub mod header;
pub mod keys;
pub mod message;
pub mod sign;

pub use envelope::{Envelope, EnvelopeError};
pub use header::{EncryptHeader, HeaderError, SignatureHeader};
pub use keys::{KeyError, PrivateKey, PublicKey};
pub use message::{Codec, MessageMeta, OpenError, SealError, SealedMessage};
pub use sign::SignError;

#[cfg(test)]
pub(crate) mod test_keys;
#[cfg(test)]
mod vectors;
