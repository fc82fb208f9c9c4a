//! The throwaway keys of `tests/vectors`, for this crate's tests.

pub const POS_PRIVATE: &str = "pos_private_key_pkcs8.pem";
pub const POS_PUBLIC: &str = "pos_public_key.pem";
pub const TERMINAL_PRIVATE: &str = "terminal_private_key_pkcs8.pem";
pub const TERMINAL_PUBLIC: &str = "terminal_public_key.pem";

/// The vectors folder of the repository.
pub fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// Reads one file of the vectors folder.
pub fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}
