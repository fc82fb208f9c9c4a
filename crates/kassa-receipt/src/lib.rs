//! kassa-receipt
