//! kassa-sim
