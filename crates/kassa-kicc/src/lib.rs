//! kassa-kicc
