//! kassa-antom
