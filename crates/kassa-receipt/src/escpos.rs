//! ESC/POS command bytes.
