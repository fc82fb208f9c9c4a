//! Key files on disk: the POS private key of an N950, the merchant key of IOT Pay and the
//! pairing key of a KICC bridge live in files the terminal settings point to (never in the
//! ledger). A key file Kassa writes is
//! created readable by its owner only (0600 on Unix); a key file that others on the machine
//! can read is reported with a warning when its terminal's driver is built — naming the file
//! and the fix, never its contents. On systems without Unix permissions (Windows), files
//! inherit the folder's access list and no check is made.

use std::io::Write;
use std::path::Path;

/// Writes `contents` to a new or existing key file at `path`, readable and writable by its
/// owner only. An existing file's permissions are tightened before it is overwritten, so the
/// key is never readable by others, not even for a moment.
pub fn write_private_key_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut f = options.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// True when the file at `path` can be read by its group or by everyone (Unix); false when
/// it cannot, when it does not exist, or on systems without Unix permissions.
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            return meta.permissions().mode() & 0o044 != 0;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    false
}

/// Warns (tracing, level WARN) when the key file `which` of `terminal` is readable by others.
/// The message names the terminal and the path and says how to fix it; it never reads or
/// shows the key. Returns whether it warned.
pub fn warn_if_readable_by_others(terminal: &str, which: &str, path: &Path) -> bool {
    if !readable_by_others(path) {
        return false;
    }
    tracing::warn!(
        terminal,
        key = which,
        path = %path.display(),
        "the key file can be read by other users of this computer: make it readable by the \
         Kassa user only (chmod 600 on Linux and macOS)"
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn a_written_key_file_is_owner_only_even_when_it_existed_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.pem");
        write_private_key_file(&fresh, b"KEY-1").unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(std::fs::read(&fresh).unwrap(), b"KEY-1");
        assert!(!readable_by_others(&fresh));

        let old = dir.path().join("old.pem");
        std::fs::write(&old, b"previous").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(readable_by_others(&old));
        write_private_key_file(&old, b"KEY-2").unwrap();
        assert_eq!(mode(&old), 0o600, "an existing file is tightened");
        assert_eq!(std::fs::read(&old).unwrap(), b"KEY-2");
    }

    #[cfg(unix)]
    #[test]
    fn group_or_world_readable_files_are_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pem");
        std::fs::write(&p, b"x").unwrap();
        for (m, shared) in [(0o600, false), (0o400, false), (0o640, true), (0o604, true)] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
            assert_eq!(readable_by_others(&p), shared, "mode {m:o}");
        }
        assert!(!readable_by_others(&dir.path().join("missing.pem")));
    }
}
