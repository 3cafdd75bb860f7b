//! Test support shared by unit tests: the real-world corpus beside the repository.
#![allow(dead_code)] // used by the collectors' corpus tests as they land

use std::path::PathBuf;

/// The corpus folder for one format (`../shared/corpus/<format>`), if present.
///
/// `CONFAUDIT_CORPUS` overrides the location. When `CONFAUDIT_REQUIRE_CORPUS=1` (set by
/// `.ci/run`), a missing folder fails the test instead of skipping it, so CI never passes
/// without having read the real files.
pub fn corpus_dir(format: &str) -> Option<PathBuf> {
    let base = std::env::var_os("CONFAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let dir = base.join(format);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CONFAUDIT_REQUIRE_CORPUS").as_deref() != Ok("1"),
        "corpus folder {} is missing but CONFAUDIT_REQUIRE_CORPUS=1",
        dir.display()
    );
    None
}

/// Every file of a corpus format, sorted.
pub fn corpus_files(format: &str) -> Vec<PathBuf> {
    let Some(dir) = corpus_dir(format) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert!(
        !files.is_empty(),
        "corpus folder {} holds no files",
        dir.display()
    );
    files
}
