//! Listing a host folder's files. Symlinks that leave the folder are never followed.

use super::Diagnostic;
use std::path::{Path, PathBuf};

/// Every regular file under `root`, relative to it and sorted, plus diagnostics for entries
/// that were refused (links leaving the folder, unreadable directories).
pub fn host_files(root: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                diagnostics.push(Diagnostic::file(path, format!("cannot read: {err}")));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        if entry.file_type().is_file() {
            files.push(relative);
        } else if entry.path_is_symlink() {
            // A link is followed only when its target is a file inside the host folder
            // (e.g. sysctl.d/99-sysctl.conf -> ../sysctl.conf).
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) && target.is_file() => {
                    files.push(relative);
                }
                Ok(_) | Err(_) => diagnostics.push(Diagnostic::file(
                    relative,
                    "symbolic link leaves the host folder or is broken; not followed",
                )),
            }
        }
    }
    files.sort();
    (files, diagnostics)
}
