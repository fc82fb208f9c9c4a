//! kassa-app
