//! Where the ledger lives: `--db` wins, then `KASSA_DATA_DIR`, then the platform's data
//! directory (XDG on Linux: `~/.local/share/kassa`).

use crate::error::{AppError, AppResult};
use std::path::PathBuf;

/// File name of the ledger inside the data directory.
pub const LEDGER_FILE: &str = "kassa.db";

/// The data directory: `KASSA_DATA_DIR` when set, else the platform's.
pub fn data_dir(env_override: Option<&str>) -> AppResult<PathBuf> {
    if let Some(dir) = env_override.filter(|d| !d.trim().is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "kassa")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            AppError::Config(
                "cannot find a home directory for Kassa's data: set KASSA_DATA_DIR or pass --db"
                    .into(),
            )
        })
}

/// The ledger path from an explicit `--db`, else from [`data_dir`].
pub fn ledger_path(db: Option<PathBuf>, env_override: Option<&str>) -> AppResult<PathBuf> {
    match db {
        Some(p) => Ok(p),
        None => Ok(data_dir(env_override)?.join(LEDGER_FILE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_wins_then_environment() {
        let p = ledger_path(Some("/x/y.db".into()), Some("/env")).unwrap();
        assert_eq!(p, PathBuf::from("/x/y.db"));
        let p = ledger_path(None, Some("/env")).unwrap();
        assert_eq!(p, PathBuf::from("/env/kassa.db"));
    }
}
